"""One structured line per job state change and per failed Slack call (DAILIES_LOG_FORMAT=json)."""

from __future__ import annotations

import json
import logging

import pytest
from slack_sdk.errors import SlackApiError

from bot.config import ConfigError, Settings, load_settings
from bot.jobs import rows as jobs
from bot.jobs.events import JobEvents
from bot.logs import JsonFormatter
from bot.playground.slack_api import SlackImitation
from bot.slack.client import make_client
from bot.store.database import Store


@pytest.fixture
def lines():
    handler = logging.Handler()
    records: list[dict] = []
    handler.emit = lambda record: records.append(json.loads(JsonFormatter().format(record)))
    for name in ("dailies.jobs", "dailies.slack"):
        logging.getLogger(name).addHandler(handler)
        logging.getLogger(name).setLevel(logging.INFO)
    yield records
    for name in ("dailies.jobs", "dailies.slack"):
        logging.getLogger(name).removeHandler(handler)


def test_each_job_state_change_is_one_json_line_with_its_fields(tmp_path, lines):
    store = Store(tmp_path / "db.sqlite")
    job = jobs.create_job(store, "draft", {"seeds": [1]}, user_id="U1", channel_id="C1")
    events = JobEvents()
    running = jobs.claim_next(store)
    events.started(running)
    events.failed(jobs.finish_job(store, job.id, jobs.FAILED, "boom"), "boom")
    assert [(r["event"], r["status"]) for r in lines] == [
        ("recorded", "queued"),
        ("started", "running"),
        ("failed", "failed"),
    ]
    assert lines[-1]["job_id"] == job.id and lines[-1]["kind"] == "draft"
    assert lines[-1]["user"] == "U1" and lines[-1]["channel"] == "C1"
    assert lines[-1]["ran_s"] is not None and lines[-1]["ran_s"] >= 0


def test_a_failed_slack_call_is_one_line_with_method_error_and_status(tmp_path, lines):
    with SlackImitation() as slack:
        settings = Settings(
            home=tmp_path,
            slack_bot_token=slack.bot_token,
            slack_api_url=slack.base_url,
            server_error_retries=0,
        )
        slack.fail("chat.update", status=503, error="service_unavailable")
        with pytest.raises(SlackApiError):
            make_client(settings).chat_update(channel="C1", ts="1.0", text="x")
    (line,) = [r for r in lines if r["logger"] == "dailies.slack"]
    assert line["method"] == "chat.update" and line["http_status"] == 503
    assert line["error"] == "service_unavailable" and line["level"] == "warning"


def test_log_settings_are_checked():
    with pytest.raises(ConfigError, match="DAILIES_LOG_FORMAT must be text or json"):
        load_settings({"DAILIES_LOG_FORMAT": "xml"})
    assert load_settings({"DAILIES_LOG_FORMAT": "json"}).log_format == "json"
