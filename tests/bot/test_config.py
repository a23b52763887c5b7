from pathlib import Path

import pytest

from bot.config import DEFAULT_SLACK_API_URL, ConfigError, load_settings


def test_environment_sets_every_documented_variable(tmp_path):
    settings = load_settings(
        {
            "DAILIES_HOME": str(tmp_path),
            "DAILIES_MODELS": "tiny",
            "SLACK_BOT_TOKEN": "xoxb-1",
            "SLACK_API_URL": "http://127.0.0.1:9/api",
            "DAILIES_DRAFT_SIDE": "256",
        }
    )
    assert settings.home == tmp_path and settings.db_path == tmp_path / "dailies.db"
    assert settings.models == "tiny" and settings.slack_bot_token == "xoxb-1"
    assert settings.slack_api_url == "http://127.0.0.1:9/api/", "a trailing slash is added"
    assert settings.draft_side == 256


def test_defaults():
    settings = load_settings({})
    assert settings.slack_api_url == DEFAULT_SLACK_API_URL and settings.models == "auto"


def test_toml_file_then_environment_wins(tmp_path):
    config = tmp_path / "dailies.toml"
    config.write_text('models = "tiny"\nworkers = 2\n')
    settings = load_settings({"DAILIES_CONFIG": str(config), "DAILIES_WORKERS": "3"})
    assert settings.models == "tiny" and settings.workers == 3


@pytest.mark.parametrize(
    ("environ", "message"),
    [
        ({"DAILIES_WORKERS": "many"}, "DAILIES_WORKERS must be a number, got 'many'"),
        ({"DAILIES_CONFIG": "/nonexistent/dailies.toml"}, "cannot read config file"),
        ({"DAILIES_CROSS_BATCH": "sometimes"}, "DAILIES_CROSS_BATCH must be on or off"),
        ({"DAILIES_DRAFT_DECODER": "jpeg"}, "DAILIES_DRAFT_DECODER must be vae or taesd"),
        ({"DAILIES_MAX_BATCH": "-2"}, "DAILIES_MAX_BATCH must be 0"),
    ],
)
def test_bad_settings_say_which_and_why(environ, message):
    with pytest.raises(ConfigError, match=message):
        load_settings(environ)


def test_unknown_toml_key(tmp_path: Path):
    config = tmp_path / "c.toml"
    config.write_text("colour = 1\n")
    with pytest.raises(ConfigError, match="unknown setting 'colour'"):
        load_settings({}, config_file=config)


def test_batching_and_gpu_switches_reach_the_runner_options():
    from bot.runtime import runner_options

    settings = load_settings(
        {"DAILIES_MAX_BATCH": "4", "DAILIES_DRAFT_DECODER": "taesd", "DAILIES_COMPILE": "on"}
    )
    assert runner_options(settings) == {
        "max_batch": 4,
        "draft_decoder": "taesd",
        "compile": True,
        "channels_last": False,
    }
