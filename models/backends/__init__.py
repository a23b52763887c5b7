"""Backends that run a tier somewhere other than a local diffusers pipeline.

A tier names its backend (``backend = "gemini"``); the runner hands such a tier's requests to the
backend and the rest of the bot sees the same requests and results as for local tiers.
"""

from __future__ import annotations

from dataclasses import dataclass


class HostedModelError(Exception):
    """A hosted model refused or failed a request; the message is one line for the person."""


@dataclass(frozen=True)
class HostedOptions:
    """Where and how to reach hosted models (from bot/config.py; no secrets are recorded)."""

    gemini_api_key: str = ""
    gemini_base_url: str = ""  # "": Google's endpoint
    timeout_s: float = 120.0
    retries: int = 3  # further attempts after a 429 or 5xx
    retry_delay_s: float = 1.0  # first wait between attempts (then doubled)
