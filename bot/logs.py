"""Logs an operator can grep or ship: one line per job state change and per failed Slack call,
with the job, kind, user, channel, status, timings and error as fields.

``DAILIES_LOG_FORMAT=json`` writes each record as one JSON object (fields at the top level);
the default text format appends them as ``key=value``. ``DAILIES_LOG_LEVEL`` sets the level.
"""

from __future__ import annotations

import json
import logging
import sys
import time
import typing
from typing import Any

jobs_log = logging.getLogger("dailies.jobs")
slack_log = logging.getLogger("dailies.slack")


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "ts": round(record.created, 3),
            "level": record.levelname.lower(),
            "logger": record.name,
            "msg": record.getMessage(),
        }
        entry.update(getattr(record, "fields", {}) or {})
        if record.exc_info:
            entry["exc"] = self.formatException(record.exc_info)
        return json.dumps(entry, default=str)


class TextFormatter(logging.Formatter):
    def __init__(self) -> None:
        super().__init__("%(asctime)s %(levelname)s %(name)s: %(message)s")

    def format(self, record: logging.LogRecord) -> str:
        line = super().format(record)
        fields = getattr(record, "fields", None)
        if fields:
            line += " " + " ".join(f"{k}={v}" for k, v in fields.items() if v is not None)
        return line


class StderrHandler(logging.StreamHandler):
    """Writes to whatever ``sys.stderr`` is at the time of the record, not the one at start:
    a stream swapped or closed later (a test's capture, a daemon's redirect) must not turn every
    later log line into a 'Logging error' traceback."""

    @property  # type: ignore[override]
    def stream(self) -> typing.TextIO:
        return sys.stderr

    @stream.setter
    def stream(self, _value: object) -> None:  # StreamHandler.__init__ assigns it
        pass


def configure(level: str = "INFO", fmt: str = "text") -> None:
    """Root logging for ``dailies serve``/``draft``; replaces what was configured before."""
    handler = StderrHandler()
    handler.setFormatter(JsonFormatter() if fmt.lower() == "json" else TextFormatter())
    logging.basicConfig(level=level.upper(), handlers=[handler], force=True)


def job_changed(job: Any, event: str, **extra: Any) -> None:
    """One line for a job's state change (queued, started, done, failed, cancelled…)."""
    now = time.time()
    fields = {
        "event": event,
        "job_id": job.id,
        "kind": job.kind,
        "user": job.user_id,
        "channel": job.channel_id,
        "status": job.status,
        "waited_s": round(job.started_at - job.created_at, 3) if job.started_at else None,
        "ran_s": round((job.finished_at or now) - job.started_at, 3) if job.started_at else None,
        **extra,
    }
    jobs_log.info("job %s %s", job.id, event, extra={"fields": fields})


def slack_call_failed(method: str, error: str, seconds: float, status: int | None = None) -> None:
    fields = {
        "event": "slack_call_failed",
        "method": method,
        "error": error,
        "http_status": status,
        "seconds": round(seconds, 3),
    }
    slack_log.warning("Slack %s failed: %s", method, error, extra={"fields": fields})
