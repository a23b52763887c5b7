import json
from pathlib import Path

import jsonschema

ROOT = Path(__file__).resolve().parents[1]
# Slack's published manifest schema (MIT, licence beside it), copied from shared/slack so the test
# runs in any checkout.
SCHEMA = ROOT / "tests" / "fixtures" / "slack" / "manifest.schema.1.0.0.json"


def test_manifest_is_valid_against_slacks_schema():
    manifest = json.loads((ROOT / "manifest.json").read_text())
    jsonschema.validate(manifest, json.loads(SCHEMA.read_text()))


def test_manifest_declares_what_the_bot_listens_to():
    manifest = json.loads((ROOT / "manifest.json").read_text())
    commands = {c["command"] for c in manifest["features"]["slash_commands"]}
    assert commands == {"/draft", "/dailies"}
    events = set(manifest["settings"]["event_subscriptions"]["bot_events"])
    assert events == {
        "app_mention",
        "app_home_opened",
        "message.channels",
        "message.groups",
        "message.im",
        "reaction_added",
        "reaction_removed",
    }
    assert manifest["settings"]["interactivity"]["is_enabled"]
    assert manifest["settings"]["socket_mode_enabled"]
    scopes = set(manifest["oauth_config"]["scopes"]["bot"])
    assert {"commands", "chat:write", "files:write", "files:read", "app_mentions:read"} <= scopes
