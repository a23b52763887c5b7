"""What a person does on the playground page, turned into what Slack would send the app.

Why: the page must drive the same Bolt listeners as Slack does, so every page action becomes a
signed HTTP request from ``SlackSender`` (a slash command, a message or app_mention event, a
block_actions click, a view_submission, a reaction event) against the state the imitation
holds. Answers Slack shows without a Web API call (a command's ack text, a modal's validation
errors, "/draft failed") are handled here the way Slack's client handles them.
"""

from __future__ import annotations

import json
import re
import threading
from typing import Any

from bot.playground.people import PEOPLE, START_CHANNELS
from bot.playground.slack_api import SlackImitation, SlackSender

_NAME = re.compile(r"^[a-z0-9][a-z0-9_-]{0,79}$")


def slack_escape(text: str) -> str:
    """What Slack does to a person's text before an app sees it: ``& < >`` become entities."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


class PlaygroundError(ValueError):
    """Something a person asked that Slack would not allow either; the page shows the message."""


class Workspace:
    """The channels, people and open modals of one playground, over one imitation and sender."""

    def __init__(self, slack: SlackImitation, sender: SlackSender) -> None:
        self.slack = slack
        self.sender = sender
        self._lock = threading.Lock()
        self.channel_names: dict[str, str] = dict(START_CHANNELS)  # name → id
        self.open_views: dict[str, str] = {}  # user → view id shown to them
        for person in PEOPLE:
            slack.add_user(person.id, person.name, person.name)
        for channel in self.channel_names.values():
            slack._channel_id(channel)

    def page_state(self) -> dict[str, Any]:
        """What the page adds to the imitation's state (saved with it)."""
        with self._lock:
            return {"channels": dict(self.channel_names), "open_views": dict(self.open_views)}

    def restore(self, page: dict[str, Any]) -> None:
        with self._lock:
            self.channel_names.update(page.get("channels") or {})
            self.open_views.update(page.get("open_views") or {})

    # ------------------------------------------------------------------ channels

    def create_channel(self, name: str) -> str:
        name = name.strip().lstrip("#").lower()
        if not _NAME.match(name):
            raise PlaygroundError(
                "Channel names use lowercase letters, numbers, hyphens and underscores."
            )
        with self._lock:
            if name in self.channel_names:
                raise PlaygroundError(f"#{name} already exists.")
            channel = (
                "C0" + re.sub(r"[^A-Z0-9]", "", name.upper())[:9] + f"{len(self.channel_names)}"
            )
            self.channel_names[name] = channel
        with self.slack._lock:
            self.slack._channel_id(channel)
            self.slack._touch()
        return channel

    def channel_name(self, channel: str) -> str:
        return next((n for n, c in self.channel_names.items() if c == channel), channel.lower())

    def _require_channel(self, channel: str) -> None:
        if channel not in self.channel_names.values():
            raise PlaygroundError(f"No channel {channel}.")

    # ------------------------------------------------------------------ posting

    def mention_markup(self, text: str) -> str:
        """``@Alice`` → ``<@U0ALICE>`` and ``@dailies`` → the bot, as Slack's composer does."""
        names = {p.name.lower(): p.id for p in PEOPLE}
        names["dailies"] = self.slack.bot_user_id

        def swap(match: re.Match[str]) -> str:
            uid = names.get(match.group(1).lower())
            return f"<@{uid}>" if uid else match.group(0)

        return re.sub(r"(?<![<\w])@([A-Za-z][\w.-]*)", swap, text)

    def post(
        self,
        user: str,
        channel: str,
        text: str,
        thread_ts: str | None = None,
        files: list[tuple[str, bytes]] | None = None,
    ) -> None:
        """The composer's Enter: a slash command, or a message (an app_mention if it tags the
        bot; Slack sends the message event too, as it does for every message)."""
        self._require_channel(channel)
        text = slack_escape(text.strip())
        if not text and not files:
            return
        command = re.match(r"^(/[a-z]+)(?:\s+(.*))?$", text, re.S)
        if command and not files:
            if thread_ts:
                raise PlaygroundError(
                    f"{command.group(1)} is not supported in threads. Sorry! (Slack does not run "
                    "slash commands in threads; mention @dailies instead.)"
                )
            self.command(
                user, channel, command.group(1), self.mention_markup(command.group(2) or "")
            )
            return
        markup = self.mention_markup(text)
        if f"<@{self.slack.bot_user_id}>" in markup and not files:
            _, msg = self.sender.mention(channel, user, markup, thread_ts=thread_ts)
            self.sender.event(self.sender.message_event(channel, msg))
            return
        self.sender.user_message(channel, user, markup, thread_ts=thread_ts, files=files)

    def command(self, user: str, channel: str, command: str, text: str) -> None:
        if command not in ("/draft", "/dailies"):
            self.slack.add_ephemeral(
                channel, user, f"`{command}` is not a valid command.", via="slack"
            )
            return
        name = next((p.name.lower() for p in PEOPLE if p.id == user), user.lower())
        sent = self.sender.command(command, text, user_id=user, channel_id=channel, user_name=name)
        self._show_ack(sent.status, sent.body, user, channel, None, f"{command}")

    def _show_ack(
        self, status: int, body: str, user: str, channel: str, thread_ts: str | None, what: str
    ) -> None:
        """A command's ack body is an ephemeral Slack shows; a failed dispatch, Slack's note."""
        if status != 200:
            self.slack.add_ephemeral(
                channel,
                user,
                f'{what} failed with the error "dispatch_failed" (HTTP {status})',
                thread_ts=thread_ts,
                via="slack",
            )
            return
        try:
            answer = json.loads(body) if body.strip().startswith("{") else {"text": body}
        except json.JSONDecodeError:
            answer = {"text": body}
        if answer.get("text") or answer.get("blocks"):
            self.slack.add_ephemeral(
                channel,
                user,
                answer.get("text") or "",
                answer.get("blocks"),
                thread_ts=thread_ts,
            )

    # ------------------------------------------------------------------ clicks and reactions

    def click(
        self,
        user: str,
        channel: str,
        message_ts: str,
        action_id: str,
        value: str | None,
        ephemeral_ts: str | None = None,
    ) -> None:
        """A button or a select option on a message (or on one of this person's ephemerals)."""
        self._require_channel(channel)
        if ephemeral_ts:
            note = next(
                (
                    e
                    for e in self.slack.ephemerals
                    if e["message_ts"] == ephemeral_ts and e["user"] == user
                ),
                None,
            )
            if note is None:
                raise PlaygroundError("That message is gone.")
            sent = self.sender.block_action(
                action_id,
                value,
                user,
                channel,
                ephemeral_ts,
                thread_ts=note.get("thread_ts"),
                message={"type": "message", "ts": ephemeral_ts, "blocks": note.get("blocks")},
                ephemeral=True,
            )
        else:
            try:
                sent = self.sender.block_action(action_id, value, user, channel, message_ts)
            except ValueError as exc:
                raise PlaygroundError(str(exc)) from None
        if sent.status != 200:
            self._show_ack(sent.status, sent.body, user, channel, None, "That click")

    def toggle_reaction(self, user: str, channel: str, ts: str, name: str) -> None:
        self._require_channel(channel)
        if self.sender.reaction_removed(channel, ts, name, user) is None:
            try:
                self.sender.reaction_added(channel, ts, name, user)
            except KeyError:
                raise PlaygroundError("That message is gone.") from None

    # ------------------------------------------------------------------ modals

    def open_view(self, user: str) -> dict[str, Any] | None:
        """The modal this person sees: the newest one opened for them and not closed since."""
        opened = [
            v for v in self.slack.views if v.get("user") == user and v["method"] == "views.open"
        ]
        if not opened:
            return None
        view_id = opened[-1]["view_id"]
        with self._lock:
            if self.open_views.get(user) == "closed:" + view_id:
                return None
        return self.slack.view(view_id)

    def close_view(self, user: str, view_id: str) -> None:
        with self._lock:
            self.open_views[user] = "closed:" + view_id
        with self.slack._lock:
            self.slack._touch()

    def submit_view(
        self, user: str, view_id: str, values: dict[str, dict[str, dict[str, Any]]]
    ) -> dict[str, str]:
        """Submit: returns the validation errors to show under the fields ({} when accepted)."""
        view = self.slack.view(view_id)
        if view is None:
            raise PlaygroundError("That form is gone.")
        try:
            sent = self.sender.view_submission(
                view.get("callback_id", ""), values, user, view_id=view_id
            )
        except ValueError as exc:
            raise PlaygroundError(str(exc)) from None
        if sent.status != 200:
            return {"": f"The app did not accept the form (HTTP {sent.status})."}
        answer = sent.json() if sent.body.strip().startswith("{") else {}
        action = (answer or {}).get("response_action")
        if action == "errors":
            return {str(k): str(v) for k, v in (answer.get("errors") or {}).items()}
        if action != "update":
            self.close_view(user, view_id)
        return {}
