"""The playground's conversation on disk, under ``$DAILIES_HOME/playground``.

Why a file and not the bot's tables: the conversation is Slack's state, not the bot's — in a
real workspace it lives at Slack — so it is saved beside the bot's database the way Slack would
keep it, and the bot's own rows (jobs, assets, votes) stay exactly as they are with real Slack.
A restart then shows the same channels, threads, files and reactions, and the bot's resume
logic (queued jobs, unreported results) can be seen finishing into them.

``state.json`` holds everything but file bytes (written whole, atomically, at most twice a
second); each file's bytes are written once to ``files/<id>``.
"""

from __future__ import annotations

import json
import logging
import os
import threading
from pathlib import Path
from typing import Any

from bot.playground.slack_api import SlackImitation

log = logging.getLogger(__name__)

SAVE_INTERVAL_S = 0.5


class SavedPlayground:
    """Load once at start; ``start_saving`` keeps the folder in step with the imitation."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.files = folder / "files"
        self.state_path = folder / "state.json"
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def load(self, slack: SlackImitation) -> dict[str, Any] | None:
        """Restore the imitation; returns the page's own saved part (channels, open modals)."""
        if not self.state_path.exists():
            return None
        state = json.loads(self.state_path.read_text())

        def load_bytes(file_id: str) -> bytes | None:
            path = self.files / file_id
            return path.read_bytes() if path.exists() else None

        slack.import_state(state["slack"], load_bytes)
        return state.get("page") or {}

    def save(self, slack: SlackImitation, page: dict[str, Any]) -> None:
        self.files.mkdir(parents=True, exist_ok=True)
        state = slack.export_state(include_bytes=False)
        for file_id, rec in state["files"].items():
            path = self.files / file_id
            if rec.get("has_bytes") and not path.exists():
                data = slack.file_bytes(file_id)
                if data is not None:
                    tmp = path.with_suffix(".tmp")
                    tmp.write_bytes(data)
                    os.replace(tmp, path)
        tmp = self.state_path.with_suffix(".tmp")
        tmp.write_text(json.dumps({"slack": state, "page": page}))
        os.replace(tmp, self.state_path)

    def start_saving(self, slack: SlackImitation, page_state: Any) -> None:
        """Save after every change (coalesced), in a daemon thread, until ``stop``."""

        def loop() -> None:
            seen = -1
            while not self._stop.is_set():
                version = slack.wait_for_change(seen, timeout=1.0)
                if version == seen:
                    continue
                try:
                    self.save(slack, page_state())
                    seen = version
                except OSError as exc:  # a full disk must not stop the playground
                    log.warning("could not save the playground to %s: %s", self.folder, exc)
                self._stop.wait(SAVE_INTERVAL_S)

        self._thread = threading.Thread(target=loop, name="playground-save", daemon=True)
        self._thread.start()

    def stop(self, slack: SlackImitation, page: dict[str, Any]) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self.save(slack, page)
