"""The playground in a real browser: a newcomer drafts, votes, varies, edits and animates, alone.

Chromium drives the page that ``dailies serve`` serves without Slack tokens, against the tiny
model family; every step asserts on what the page shows (images, tallies, a playing video, an
ephemeral error) and waits on it, never on time.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest

from bot.playground.people import PEOPLE
from handlers.playground import Playground
from tests.handlers.playground_helpers import chromium, start_playground

WAIT_MS = 90_000  # the tiny family on a busy CI core; a wait ends as soon as the page shows it


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with chromium() as launched:
        from playwright.sync_api import expect

        expect.set_options(timeout=WAIT_MS)
        yield launched


@pytest.fixture
def playground(tmp_path, tiny_runner) -> Iterator[Playground]:
    running = start_playground(tmp_path, tiny_runner)
    yield running
    running.stop()


@pytest.fixture
def page(browser, playground) -> Iterator[Any]:
    context = browser.new_context(viewport={"width": 1400, "height": 900})
    tab = context.new_page()
    tab.set_default_timeout(WAIT_MS)
    tab.goto(playground.url)
    tab.locator("#messages").wait_for()
    yield tab
    context.close()


def act_as(page: Any, name: str) -> None:
    person = next(p for p in PEOPLE if p.name == name)
    page.get_by_label("Acting as").select_option(label=person.label)
    from playwright.sync_api import expect

    expect(page.locator("#acting-as")).to_have_value(person.id)


def variants_messages(page: Any) -> Any:
    return page.locator("#thread-messages .msg").filter(has=page.locator("[data-block='summary']"))


def test_draft_vote_vary_and_animate(page) -> None:
    from playwright.sync_api import expect

    expect(page.locator("#banner")).to_contain_text("noise from random weights")
    act_as(page, "Bob")
    page.get_by_label("Message").fill("/draft a red sneaker --n 2")
    page.get_by_label("Message").press("Enter")

    root = page.locator("#messages .msg").filter(has_text="a red sneaker")
    expect(root.locator(".thread-link")).to_have_text(re.compile(r"\d+ repl"))
    root.locator(".thread-link").click()
    first = variants_messages(page).first
    expect(first.locator("[data-block^='variant_'] img")).to_have_count(2)
    for img in first.locator("[data-block^='variant_'] img").all():
        expect(img).to_have_js_property("complete", True)
        assert img.evaluate("(el) => el.naturalWidth") > 0

    votes = first.locator("[data-block='variant_1_actions']").get_by_role("button", name="Vote")
    votes.click()
    expect(first.locator("[data-block='variant_1_note']")).to_contain_text("1 vote")
    act_as(page, "Chen")
    votes.click()
    note = first.locator("[data-block='variant_1_note']")
    expect(note).to_contain_text("2 votes")
    expect(note).to_contain_text("@Bob")
    expect(note).to_contain_text("@Chen")
    act_as(page, "Dana")
    first.locator(".add-reaction").click()
    page.locator("#picker").get_by_role("button", name=":one:").click()
    expect(note).to_contain_text("3 votes")
    expect(first.locator(".reaction.mine")).to_contain_text("1")

    more = first.locator("[data-block='variant_1_actions'] select")
    more.select_option(label="Vary subtle")
    expect(variants_messages(page)).to_have_count(2)
    expect(variants_messages(page).nth(1).locator("[data-block^='variant_'] img")).to_have_count(2)

    first.locator("[data-block='variant_2_actions']").get_by_role("button", name="Animate").click()
    modal = page.get_by_role("dialog")
    expect(modal).to_contain_text("Animate")
    modal.get_by_role("button", name="Make test clips").click()
    expect(modal).to_be_hidden()
    video = page.locator("#thread-messages video").first
    expect(video).to_be_visible()
    video.scroll_into_view_if_needed()  # Chrome pauses muted autoplay videos out of view
    page.wait_for_function(
        "() => { const v = document.querySelector('#thread-messages video');"
        " return v && !v.paused && v.readyState >= 2 && v.currentTime > 0; }"
    )


def test_a_bad_flag_is_answered_privately(page) -> None:
    from playwright.sync_api import expect

    page.get_by_label("Message").fill("/draft a red sneaker --n 99")
    page.get_by_label("Message").press("Enter")
    note = page.locator("#messages .msg.ephemeral").filter(has_text="--n")
    expect(note).to_contain_text("Only visible to you")
    expect(page.locator("#messages .thread-link")).to_have_count(0)
    act_as(page, "Dana")
    expect(note).to_have_count(0)  # another person does not see it


def test_edit_region_errors_then_a_mask_reply(page, tmp_path) -> None:
    from PIL import Image
    from playwright.sync_api import expect

    page.get_by_label("Message").fill("/draft a lamp --n 1")
    page.get_by_label("Message").press("Enter")
    page.locator("#messages .thread-link").filter(has_text="repl").click()
    variants = variants_messages(page)
    variants.first.locator("[data-block='variant_1_actions'] select").select_option(
        label="Edit region…"
    )
    modal = page.get_by_role("dialog")
    modal.get_by_role("button", name="Edit").click()
    expect(modal.locator("[data-input] .error")).to_have_count(2)  # under the two fields
    expect(modal).to_contain_text("Tick at least one cell")
    modal.get_by_label("1 · top-left").check()
    modal.locator("[data-type='plain_text_input']").fill("a blue sky")
    modal.get_by_role("button", name="Edit").click()
    expect(modal).to_be_hidden()
    expect(variants).to_have_count(2)

    mask = tmp_path / "mask.png"
    Image.new("L", (128, 128), 255).save(mask)
    page.get_by_label("Attach file").set_input_files(str(mask))
    page.get_by_label("Reply").fill("edit #1 a red sky")
    page.get_by_label("Reply").press("Enter")
    expect(variants).to_have_count(3)
    page.get_by_label("Reply").fill("make it night --n 99")
    page.get_by_label("Reply").press("Enter")
    note = page.locator("#thread-messages .msg.ephemeral")
    expect(note).to_contain_text("Only visible to you")
    expect(note).to_contain_text("--n must be between 1 and 8")
