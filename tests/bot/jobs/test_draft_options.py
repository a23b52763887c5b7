import pytest

from bot.jobs.draft_options import OptionsError, parse_draft_text, split_flags


def test_full_command_parses_every_flag():
    options, extras = parse_draft_text(
        "a red sneaker on wet marble --n 4 --ar 4:5 --seed 42 --no text, logo"
    )
    assert options.prompt == "a red sneaker on wet marble"
    assert options.n == 4
    assert options.aspect == (4, 5)
    assert options.seed == 42
    assert options.negative_prompt == "text, logo"
    assert extras == {}


def test_defaults_and_em_dash_and_equals():
    options, _ = parse_draft_text("a cat")
    assert (options.n, options.aspect, options.seed, options.steps) == (4, (1, 1), None, None)
    options, _ = parse_draft_text("a cat —ar 16:9 --n=2 --steps 3")
    assert (options.aspect, options.n, options.steps) == ((16, 9), 2, 3)


def test_prompt_may_contain_single_dashes():
    prompt, pairs = split_flags("a well-lit room - wide shot --n 2")
    assert prompt == "a well-lit room - wide shot"
    assert pairs == [("n", "2")]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "prompt is empty"),
        ("--n 4", "prompt is empty"),
        ("x" * 2001, "2001 characters; the limit is 2000"),
        ("a cat --size 3", "Unknown flag `--size`"),
        ("a cat --n 9", "between 1 and 8, got 9"),
        ("a cat --n 0", "between 1 and 8, got 0"),
        ("a cat --n four", "needs a whole number, got `four`"),
        ("a cat --ar 4-5", "ratio like 4:5"),
        ("a cat --ar 0:5", "zero side"),
        ("a cat --ar 10:1", "too extreme"),
        ("a cat --seed 4.5", "`--seed` needs a whole number"),
        ("a cat --seed -1", "`--seed` must be between 0 and 4294967295, got -1"),
        ("a cat --no", "`--no` needs the things to keep out"),
        ("a cat --n 2 --n 3", "given twice"),
        ("\u200b", "no visible characters"),
        ("\u200b\u200d \u2060 --n 2", "no visible characters"),
        ("a cat --no " + "x" * 2001, "`--no` is 2001 characters; the limit is 2000"),
    ],
)
def test_bad_input_says_what_is_wrong(text, message):
    with pytest.raises(OptionsError) as raised:
        parse_draft_text(text)
    assert message in str(raised.value)


def test_extra_flags_pass_through_for_later_features():
    options, extras = parse_draft_text("a cat --anchor none", extra_flags=frozenset({"anchor"}))
    assert options.prompt == "a cat"
    assert extras == {"anchor": "none"}


def test_dashes_in_the_prompt_are_the_persons_own():
    options, _ = parse_draft_text("Coffee cup — steam rising, 1990–2000 era —ar 4:5")
    assert options.prompt == "Coffee cup — steam rising, 1990–2000 era"
    assert options.aspect == (4, 5)
    options, _ = parse_draft_text("sunset —moody clouds")
    assert options.prompt == "sunset —moody clouds"
