"""Block Kit rules the Slack servers enforce, as plain functions.

Why a separate module: chat.postMessage, chat.update, chat.postEphemeral and response_url
posts all share these rules, and views (modals) reuse them with other limits. slack_sdk's
Block Kit classes check some lengths on ``to_dict()``, but not all (not the 50-block limit, not
unique block_id/action_id, nothing about ``slack_file``), and code that builds dicts by hand is not
checked at all. These functions return Slack-style error strings
(``"<reason> [json-pointer:/blocks/0/text/text]"``) so a refused message in a test reads like the
refusal Slack would give.

Only rules that are documented (or observed) are enforced: refusing more than Slack would make the
tests lie in the other direction.

The limits and allowed types are in ``blocks_catalog.py``, the checks of text objects and elements
in ``blocks_elements.py``; this module walks blocks and holds the entry points.
"""

from __future__ import annotations

from typing import Any

# The ``X as X`` imports re-export names this module defined before it was split, so
# ``from bot.playground.slack_api.blocks_rules import X`` keeps working.
from .blocks_catalog import _SELECTS as _SELECTS
from .blocks_catalog import ACCESSORY_ELEMENTS as ACCESSORY_ELEMENTS
from .blocks_catalog import ACTIONS_ELEMENTS as ACTIONS_ELEMENTS
from .blocks_catalog import BUTTON_STYLES as BUTTON_STYLES
from .blocks_catalog import INPUT_ELEMENTS as INPUT_ELEMENTS
from .blocks_catalog import MAX_MESSAGE_BLOCKS as MAX_MESSAGE_BLOCKS
from .blocks_catalog import MAX_MESSAGE_TEXT as MAX_MESSAGE_TEXT
from .blocks_catalog import MAX_VIEW_BLOCKS as MAX_VIEW_BLOCKS
from .blocks_catalog import MESSAGE_BLOCK_TYPES as MESSAGE_BLOCK_TYPES
from .blocks_catalog import VIEW_BLOCK_TYPES as VIEW_BLOCK_TYPES
from .blocks_catalog import FileCheck as FileCheck
from .blocks_elements import _action_id as _action_id
from .blocks_elements import _block_id as _block_id
from .blocks_elements import _check_len as _check_len
from .blocks_elements import _Ctx as _Ctx
from .blocks_elements import _element as _element
from .blocks_elements import _image_source as _image_source
from .blocks_elements import _is_str as _is_str
from .blocks_elements import _options as _options
from .blocks_elements import _slack_file as _slack_file
from .blocks_elements import _text_object as _text_object


def _section(ctx: _Ctx, block: dict[str, Any], pointer: str) -> None:
    has_text, has_fields = "text" in block, "fields" in block
    if not has_text and not has_fields:
        ctx.err("must provide either text or fields", pointer)
    if has_text:
        _text_object(ctx, block["text"], f"{pointer}/text", max_len=3000)
    if has_fields:
        fields = block["fields"]
        if not isinstance(fields, list):
            ctx.err("must be an array", f"{pointer}/fields")
        else:
            if len(fields) > 10:
                ctx.err("no more than 10 items allowed", f"{pointer}/fields")
            for i, item in enumerate(fields):
                _text_object(ctx, item, f"{pointer}/fields/{i}", max_len=2000)
    if "accessory" in block:
        _element(ctx, block["accessory"], f"{pointer}/accessory", ACCESSORY_ELEMENTS)


def _elements_list(ctx: _Ctx, block: dict[str, Any], pointer: str, max_items: int) -> list[Any]:
    elements = block.get("elements")
    if not isinstance(elements, list):
        ctx.err("missing required field: elements", pointer)
        return []
    if len(elements) > max_items:
        ctx.err(f"no more than {max_items} items allowed", f"{pointer}/elements")
    if not elements:
        ctx.err("must provide at least 1 items", f"{pointer}/elements")
    return elements


def _context(ctx: _Ctx, block: dict[str, Any], pointer: str) -> None:
    for i, element in enumerate(_elements_list(ctx, block, pointer, 10)):
        p = f"{pointer}/elements/{i}"
        if isinstance(element, dict) and element.get("type") in ("plain_text", "mrkdwn"):
            _text_object(ctx, element, p, max_len=3000)
        else:
            _element(ctx, element, p, {"image"})


def _input(ctx: _Ctx, block: dict[str, Any], pointer: str) -> None:
    if "label" not in block:
        ctx.err("missing required field: label", pointer)
    else:
        _text_object(ctx, block["label"], f"{pointer}/label", 2000, plain_only=True)
    if "hint" in block:
        _text_object(ctx, block["hint"], f"{pointer}/hint", 2000, plain_only=True)
    if "element" not in block:
        ctx.err("missing required field: element", pointer)
    else:
        _element(ctx, block["element"], f"{pointer}/element", INPUT_ELEMENTS)


def _block(ctx: _Ctx, block: Any, pointer: str) -> None:
    if not isinstance(block, dict):
        ctx.err("must be an object", pointer)
        return
    kind = block.get("type")
    known = MESSAGE_BLOCK_TYPES if ctx.surface == "message" else VIEW_BLOCK_TYPES
    if kind not in known:
        if kind == "input" and ctx.surface == "message":
            ctx.err("input blocks are only allowed in views (modals, Home)", f"{pointer}/type")
        else:
            ctx.err(f"unsupported type: {kind}", f"{pointer}/type")
        return
    _block_id(ctx, block, pointer)
    if kind == "section":
        _section(ctx, block, pointer)
    elif kind == "header":
        if "text" not in block:
            ctx.err("missing required field: text", pointer)
        else:
            _text_object(ctx, block["text"], f"{pointer}/text", 150, plain_only=True)
    elif kind == "context":
        _context(ctx, block, pointer)
    elif kind == "actions":
        for i, element in enumerate(_elements_list(ctx, block, pointer, 25)):
            _element(ctx, element, f"{pointer}/elements/{i}", ACTIONS_ELEMENTS)
    elif kind == "image":
        _image_source(ctx, block, pointer)
        if "title" in block:
            _text_object(ctx, block["title"], f"{pointer}/title", 2000, plain_only=True)
    elif kind == "input":
        _input(ctx, block, pointer)
    elif kind == "markdown":
        if "text" not in block:
            ctx.err("missing required field: text", pointer)
        else:
            _check_len(ctx, block["text"], f"{pointer}/text", 12000, 1)
    elif kind == "rich_text":
        if not isinstance(block.get("elements"), list):
            ctx.err("missing required field: elements", pointer)
    elif kind == "video":
        for key in ("alt_text", "title", "thumbnail_url", "video_url"):
            if key not in block:
                ctx.err(f"missing required field: {key}", pointer)
    elif kind == "file":
        for key in ("external_id", "source"):
            if key not in block:
                ctx.err(f"missing required field: {key}", pointer)
    # divider, table, context_actions: nothing more enforced here


def _blocks(ctx: _Ctx, blocks: Any, pointer: str, max_blocks: int) -> None:
    if not isinstance(blocks, list):
        ctx.err("must be an array", pointer)
        return
    if len(blocks) > max_blocks:
        ctx.err(f"no more than {max_blocks} items allowed", pointer)
    for i, block in enumerate(blocks):
        _block(ctx, block, f"{pointer}/{i}")


def validate_message_blocks(blocks: Any, file_check: FileCheck | None = None) -> list[str]:
    """Errors Slack would list in ``invalid_blocks`` for a message's ``blocks``; [] when valid."""
    ctx = _Ctx(surface="message", file_check=file_check)
    _blocks(ctx, blocks, "/blocks", MAX_MESSAGE_BLOCKS)
    return ctx.errors


def message_refusal(
    text: Any, blocks: Any, file_check: FileCheck | None = None, *, has_attachments: bool = False
) -> tuple[str, list[str]] | None:
    """The (error code, errors) Slack answers for a message body, or None when it is accepted.

    ``blocks`` is the parsed list (or None when absent). Used by every surface that posts a message.
    """
    has_text = isinstance(text, str) and text.strip() != ""
    has_blocks = isinstance(blocks, list) and len(blocks) > 0
    if not has_text and not has_blocks and not has_attachments:
        return ("no_text", [])
    if isinstance(text, str) and len(text) > MAX_MESSAGE_TEXT:
        return ("msg_too_long", [])
    if blocks is not None:
        errors = validate_message_blocks(blocks, file_check)
        if errors:
            return ("invalid_blocks", errors)
    return None


def validate_view(view: Any, file_check: FileCheck | None = None) -> list[str]:
    """Errors for a modal view payload (views.open/update/push); [] when valid."""
    ctx = _Ctx(surface="modal", file_check=file_check)
    if not isinstance(view, dict):
        ctx.err("must be an object", "/view")
        return ctx.errors
    if view.get("type") != "modal":
        ctx.err("must be modal", "/view/type")
    if "title" not in view:
        ctx.err("missing required field: title", "/view")
    else:
        _text_object(ctx, view["title"], "/view/title", 24, plain_only=True)
    for key in ("submit", "close"):
        if key in view:
            _text_object(ctx, view[key], f"/view/{key}", 24, plain_only=True)
    if "blocks" not in view:
        ctx.err("missing required field: blocks", "/view")
    else:
        _blocks(ctx, view["blocks"], "/view/blocks", MAX_VIEW_BLOCKS)
        blocks = view["blocks"] if isinstance(view["blocks"], list) else []
        has_input = any(isinstance(b, dict) and b.get("type") == "input" for b in blocks)
        if has_input and "submit" not in view:
            ctx.err("submit is required when a view contains input blocks", "/view")
    if "private_metadata" in view:
        _check_len(ctx, view["private_metadata"], "/view/private_metadata", 3000)
    if "callback_id" in view:
        _check_len(ctx, view["callback_id"], "/view/callback_id", 255)
    if "external_id" in view:
        _check_len(ctx, view["external_id"], "/view/external_id", 255, 1)
    return ctx.errors
