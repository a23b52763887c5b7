"""Wiring for per-variant controls: one place turns a click (button or "More…" entry) on a
variant into a call of the feature's handler with the asset, deduplicated and checked."""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from typing import Any

from slack_bolt import Ack, App, Respond
from slack_sdk import WebClient

from bot.runtime import Runtime
from bot.slack import blocks
from bot.store.assets import get_asset
from handlers.ephemeral import tell

log = logging.getLogger(__name__)

# (runtime, body, asset, respond, client) -> None; the click is already acked.
VariantHandler = Callable[[Runtime, dict[str, Any], dict[str, Any], Respond, WebClient], None]


def _handlers(runtime: Runtime) -> dict[str, VariantHandler]:
    return runtime.variant_handlers


def _dispatch(
    runtime: Runtime,
    base: str,
    asset_id: int,
    body: dict[str, Any],
    respond: Respond,
    client: WebClient,
) -> None:
    action = body["actions"][0]
    key = f"action:{action.get('action_ts')}:{body['user']['id']}:{action['action_id']}"
    if not runtime.store.first_delivery(key):
        return
    asset = get_asset(runtime.store, asset_id)
    if asset is None:
        tell(respond, "That image no longer exists.")
        return
    try:
        _handlers(runtime)[base](runtime, body, asset, respond, client)
    except Exception:
        # Handlers answer what they foresee themselves; this is the net for what they did not,
        # so a click is never met with silence.
        log.exception("variant action %s on asset %s failed", base, asset_id)
        tell(
            respond,
            ":warning: That did not work because of an error on my side; it has been "
            "logged. Try again, or tell whoever runs dailies.",
        )


def on_variant_action(app: App, runtime: Runtime, action_id: str, handler: VariantHandler) -> None:
    """Route clicks on the variant control ``action_id`` (listed in ``blocks.controls``) to
    ``handler``."""
    control = blocks.VARIANT_CONTROLS[action_id]
    _handlers(runtime)[action_id] = handler
    if control.button:
        pattern = re.compile(rf"^{re.escape(control.action_id)}:(\d+)$")

        @app.action(pattern)
        def clicked(ack: Ack, body: dict[str, Any], respond: Respond, client: WebClient) -> None:
            ack()
            asset_id = int(pattern.match(body["actions"][0]["action_id"]).group(1))
            _dispatch(runtime, control.action_id, asset_id, body, respond, client)


def register(app: App, runtime: Runtime) -> None:
    menu = re.compile(rf"^{blocks.VARIANT_MENU}:(\d+)$")

    @app.action(menu)
    def chosen(ack: Ack, body: dict[str, Any], respond: Respond, client: WebClient) -> None:
        ack()
        action = body["actions"][0]
        base = action["selected_option"]["value"]
        if base not in _handlers(runtime):
            tell(respond, "That action is not available any more.")
            return
        _dispatch(
            runtime, base, int(menu.match(action["action_id"]).group(1)), body, respond, client
        )
