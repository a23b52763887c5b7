"""What a person reads when a job fails: one line, and the whole of it when it says the fix."""

from bot.jobs.engine import plain_error
from models.hub import ModelUnavailable


def test_model_unavailable_reaches_the_person_whole() -> None:
    cause = OSError("We couldn't connect to 'https://huggingface.co' " + "x" * 280)
    message = plain_error(ModelUnavailable("stabilityai/sdxl-turbo", cause))
    assert len(message) > 500  # the old cut fell here, before the hint
    assert "\n" not in message
    assert message.endswith("The 'tiny' family needs neither.")


def test_other_errors_stay_one_bounded_line() -> None:
    message = plain_error(RuntimeError("boom " * 200 + "\nsecond line"))
    assert message.startswith("boom") and len(message) == 500
