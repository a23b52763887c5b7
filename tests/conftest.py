"""Whole-suite settings: no model hub is reachable in tests, so never try it."""

import os

os.environ["HF_HUB_OFFLINE"] = "1"
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
