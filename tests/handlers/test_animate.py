"""Animate end to end: variant → modal → test clips (MP4 in the thread) → Render HD / Extend."""

from __future__ import annotations

import json
import threading

import pytest

from bot.jobs import rows as jobs
from bot.media.video import decode_mp4
from tests.handlers.conftest import start_bot


def select(block, value):
    return {block: {"type": "static_select", "selected_option": {"value": str(value)}}}


def modal_values(preset="product", custom=None, duration=2, fps=6, count=2):
    return {
        "motion_preset": select("motion_preset", preset),
        "motion_custom": {"motion_custom": {"type": "number_input", "value": custom}},
        "duration": select("duration", duration),
        "fps": select("fps", fps),
        "count": select("count", count),
    }


def draft_variant(bot, text="a paper lantern --n 1 --seed 3"):
    bot.sender.command("/draft", text)
    root = bot.slack.wait_for(lambda: bot.root_messages() or None)[0]
    shown = bot.wait_for_variants("C1", root["ts"])[0]
    return root, shown


def open_modal(bot, shown, asset_id=1, user="U1"):
    before = len(bot.slack.views)
    bot.sender.block_action(f"animate:{asset_id}", None, user, "C1", shown["ts"])
    return bot.slack.wait_for(lambda: bot.slack.views[before:] or None)[0]["view"]


def extend(bot, clip, message, values=None, user="U1"):
    """Click Extend on ``clip``, then submit its modal (pre-filled values unless ``values``)."""
    before = len(bot.slack.views)
    bot.sender.block_action(f"clip_extend:{clip['id']}", None, user, "C1", message["ts"])
    view = bot.slack.wait_for(lambda: bot.slack.views[before:] or None)[0]["view"]
    assert view["callback_id"] == "clip_extend_modal"
    if values is None:
        inputs = {b["block_id"]: b["element"] for b in view["blocks"] if b["type"] == "input"}
        preset = inputs["motion_preset"]["initial_option"]["value"]
        values = modal_values(preset=preset, custom=inputs["motion_custom"].get("initial_value"))
        values = {k: values[k] for k in ("motion_preset", "motion_custom")}
    sent = bot.sender.view_submission("clip_extend_modal", values, user)
    assert sent.status == 200
    return view, sent


def clip_messages(bot, thread_ts, count=1):
    def found():
        shown = [
            m
            for m in bot.bot_replies("C1", thread_ts)
            if any(str(b.get("block_id", "")).startswith("clip_") for b in m.get("blocks") or [])
        ]
        return shown if len(shown) >= count else None

    return bot.slack.wait_for(found, timeout=90)


def buttons(message):
    return [
        e["action_id"] for b in message["blocks"] if b["type"] == "actions" for e in b["elements"]
    ]


def video_assets(bot):
    return list(bot.runtime.store.db["assets"].rows_where("media_type = 'video/mp4'"))


def decoded(bot, file_id, tmp_path):
    path = tmp_path / f"{file_id}.mp4"
    path.write_bytes(bot.slack.files[file_id]["bytes"])
    return decode_mp4(path)


def test_modal_test_clips_render_hd_and_extend(bot, tmp_path):
    root, shown = draft_variant(bot)
    assert "animate:1" in buttons(shown)
    view = open_modal(bot, shown)
    inputs = [b["block_id"] for b in view["blocks"] if b["type"] == "input"]
    assert inputs == ["motion_preset", "motion_custom", "duration", "fps", "count"]
    assert "64×64" in str(view["blocks"]) and "128×128" in str(view["blocks"])

    sent = bot.sender.view_submission("animate_modal", modal_values(count=2), "U1")
    assert sent.status == 200 and sent.body == ""
    first = clip_messages(bot, root["ts"])[0]
    assert "Test clips · 2 clips" in str(first["blocks"])
    clips = video_assets(bot)
    assert [c["variant"] for c in clips] == [1, 2] and len({c["seed"] for c in clips}) == 2
    assert all(c["parent_id"] == 1 and c["motion"] == 3 for c in clips)
    for clip in clips:
        stored = bot.slack.files[clip["slack_file_id"]]
        assert stored["name"].endswith(".mp4") and stored["thread_ts"] == root["ts"]
        info, _ = decoded(bot, clip["slack_file_id"], tmp_path)
        assert (info.width, info.height, info.fps, info.frames) == (64, 64, 6.0, 12)
    assert buttons(first) == [
        f"{kind}:{c['id']}" for c in clips for kind in ("clip_hd", "clip_extend")
    ]
    status = next(m for m in bot.bot_replies("C1", root["ts"]) if "Test clips" in m["text"])
    history = str(bot.slack.message("C1", status["ts"])["history"])
    assert "Rendering · step" in history and "2 test clips" in history

    bot.sender.block_action(f"clip_hd:{clips[0]['id']}", None, "U2", "C1", first["ts"])
    hd_message = clip_messages(bot, root["ts"], count=2)[1]
    hd = video_assets(bot)[2]
    assert (hd["seed"], hd["width"], hd["height"], hd["parent_id"]) == (
        clips[0]["seed"],
        128,
        128,
        clips[0]["id"],
    )
    info, _ = decoded(bot, hd["slack_file_id"], tmp_path)
    assert (info.width, info.height, info.frames) == (128, 128, 12)
    assert buttons(hd_message) == [f"clip_extend:{hd['id']}"], "an HD clip only extends"

    extend(bot, clips[1], first)
    extended_message = clip_messages(bot, root["ts"], count=3)[2]
    extended = video_assets(bot)[3]
    info, _ = decoded(bot, extended["slack_file_id"], tmp_path)
    assert info.frames == extended["frames"] == 12 + 12 - 1
    assert info.duration_s == pytest.approx(extended["duration_s"], abs=0.01)
    assert extended["duration_s"] == 23 / 6
    assert extended["parent_id"] == clips[1]["id"]
    assert json.loads(extended["video"])["chunk_seeds"] == [clips[1]["seed"], clips[1]["seed"] + 1]
    assert "1 extension" in str(extended_message["blocks"])
    assert {j.status for j in map(lambda i: jobs.get_job(bot.runtime.store, i), (2, 3, 4))} == {
        jobs.DONE
    }


def test_bad_inputs_queue_nothing_and_say_why(tmp_path, slack, tiny_runner):
    bot = start_bot(tmp_path, slack, lambda device: tiny_runner, max_clip_extensions=0)
    try:
        root, shown = draft_variant(bot)
        open_modal(bot, shown)
        sent = bot.sender.view_submission("animate_modal", modal_values(custom="11"), "U1")
        answer = sent.json()
        assert answer["response_action"] == "errors"
        assert "1 to 10; 11 is outside" in answer["errors"]["motion_custom"]
        sent = bot.sender.view_submission("animate_modal", modal_values(fps=12, duration=3), "U1")
        assert "at most 25" in sent.json()["errors"]["fps"]
        assert bot.runtime.store.db["jobs"].count == 1, "only the draft"

        bot.sender.view_submission("animate_modal", modal_values(count=1), "U1")
        message = clip_messages(bot, root["ts"])[0]
        clip = video_assets(bot)[0]
        assert buttons(message) == [f"clip_hd:{clip['id']}"], "no Extend at a limit of 0"
        assert "Extension limit reached (0)" in str(message["blocks"])
        stale = {
            **message,
            "blocks": [
                {
                    "type": "actions",
                    "block_id": "old",
                    "elements": [
                        {
                            "type": "button",
                            "action_id": f"clip_extend:{clip['id']}",
                            "text": {"type": "plain_text", "text": "Extend"},
                            "value": str(clip["id"]),
                        }
                    ],
                }
            ],
        }
        bot.sender.block_action(
            f"clip_extend:{clip['id']}", None, "U1", "C1", message["ts"], message=stale
        )
        refusal = bot.slack.wait_for(
            lambda: [r for r in bot.slack.responses if "limit is 0" in str(r)] or None
        )
        assert "extended 0 times already" in str(refusal)

        with bot.runtime.store.write() as db:
            db.execute("UPDATE assets SET parent_id = NULL")
            db.execute("DELETE FROM assets WHERE id = 1")
        bot.sender.block_action("animate:1", None, "U1", "C1", shown["ts"])
        bot.slack.wait_for(
            lambda: [r for r in bot.slack.responses if "no longer exists" in str(r)] or None
        )
        assert bot.runtime.store.db["jobs"].count == 2
    finally:
        bot.stop()


class GatedVideoRunner:
    """The tiny runner, pausing inside the first denoising step until the test says go."""

    def __init__(self, inner):
        self.inner = inner
        self.started, self.gate = threading.Event(), threading.Event()

    def __getattr__(self, name):
        return getattr(self.inner, name)

    def animate(self, request, progress=None, cancelled=None):
        def paused(index, step, steps):
            self.started.set()
            self.gate.wait(10)
            if progress:
                progress(index, step, steps)

        return self.inner.animate(request, progress=paused, cancelled=cancelled)


def test_cancel_stops_a_clip_job_inside_the_model(tmp_path, slack, tiny_runner):
    runner = GatedVideoRunner(tiny_runner)
    bot = start_bot(tmp_path, slack, lambda device: runner)
    try:
        root, shown = draft_variant(bot)
        open_modal(bot, shown)
        bot.sender.view_submission("animate_modal", modal_values(count=3), "U1")
        assert runner.started.wait(30)
        status = next(m for m in bot.bot_replies("C1", root["ts"]) if "Test clips" in m["text"])
        bot.sender.block_action("cancel_job", None, "U1", "C1", status["ts"])
        bot.slack.wait_for(lambda: jobs.get_job(bot.runtime.store, 2).cancel_requested or None)
        runner.gate.set()
        bot.slack.wait_for(
            lambda: "Cancelled by <@U1>" in str(bot.slack.message("C1", status["ts"])["blocks"])
        )
        assert jobs.get_job(bot.runtime.store, 2).status == jobs.CANCELLED
        assert video_assets(bot) == []
        assert not [f for f in bot.slack.files.values() if f["name"].endswith(".mp4")]
    finally:
        runner.gate.set()
        bot.stop()


def test_extend_asks_for_motion_and_each_extension_of_a_clip_differs(bot, tmp_path):
    root, shown = draft_variant(bot)
    open_modal(bot, shown)
    bot.sender.view_submission("animate_modal", modal_values(count=1), "U1")
    first = clip_messages(bot, root["ts"])[0]
    clip = video_assets(bot)[0]

    view, _ = extend(bot, clip, first)
    inputs = {b["block_id"]: b["element"] for b in view["blocks"] if b["type"] == "input"}
    assert inputs["motion_preset"]["initial_option"]["value"] == "product", "the clip's motion 3"
    assert "motion 3" in str(view["blocks"])
    bad = {"motion_custom": {"motion_custom": {"type": "number_input", "value": "12"}}}
    _, sent = extend(bot, clip, first, values=bad)
    assert "12 is outside" in sent.json()["errors"]["motion_custom"]
    changed = {
        "motion_preset": select("motion_preset", "custom"),
        "motion_custom": {"motion_custom": {"type": "number_input", "value": "6"}},
    }
    extend(bot, clip, first, values=changed)
    clip_messages(bot, root["ts"], count=3)
    again, second = video_assets(bot)[1:]
    assert again["motion"] == 3 and second["motion"] == 6, "kept, then changed in the modal"
    seeds = [json.loads(c["video"])["chunk_seeds"] for c in (again, second)]
    assert seeds[0][0] == seeds[1][0] == clip["seed"]
    assert seeds[0][1] != seeds[1][1], "a second extension of one clip is not a copy"
    frames = [decoded(bot, c["slack_file_id"], tmp_path)[1][-1] for c in (again, second)]
    assert frames[0].tobytes() != frames[1].tobytes()
    assert bot.runtime.store.db["jobs"].count == 4, "the refused submission queued nothing"
