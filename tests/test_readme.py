"""The README is the user's manual: every setting and the two commands must be in it."""

from pathlib import Path

from bot.config import ENV

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text()


def test_every_environment_variable_is_documented():
    missing = [name for name in ENV if f"`{name}`" not in README]
    assert missing == []


def test_ci_runs_the_readme_test_command():
    ci = (ROOT / ".ci" / "run").read_text()
    command = "pip install torch==2.13.0 && pip install -e '.[dev]' && python -m pytest"
    assert command in README and command in ci
    assert "pip install torch==2.13.0 && pip install -e '.[dev]' && dailies serve" in README


def test_ci_installs_the_browser_the_browser_tests_drive():
    ci = (ROOT / ".ci" / "run").read_text()
    assert "apt-get install -y chromium" in ci
    assert "playwright" in (ROOT / "pyproject.toml").read_text()
