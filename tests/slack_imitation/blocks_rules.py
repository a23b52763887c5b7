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
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

MAX_MESSAGE_BLOCKS = 50
MAX_VIEW_BLOCKS = 100
MAX_MESSAGE_TEXT = 40_000

# A callback that decides whether a ``slack_file`` reference can be shown here.
# It gets the slack_file object (already checked to have exactly one of id/url) and returns a
# reason string when the file cannot be used (not shared in that channel, not processed yet...).
FileCheck = Callable[[dict[str, Any]], str | None]

MESSAGE_BLOCK_TYPES = frozenset(
    {
        "actions",
        "context",
        "context_actions",
        "divider",
        "file",
        "header",
        "image",
        "markdown",
        "rich_text",
        "section",
        "table",
        "video",
    }
)
VIEW_BLOCK_TYPES = frozenset(
    {
        "actions",
        "context",
        "divider",
        "header",
        "image",
        "input",
        "rich_text",
        "section",
        "video",
    }
)

_SELECTS = frozenset(
    {
        "static_select",
        "multi_static_select",
        "external_select",
        "multi_external_select",
        "users_select",
        "multi_users_select",
        "conversations_select",
        "multi_conversations_select",
        "channels_select",
        "multi_channels_select",
    }
)
ACTIONS_ELEMENTS = _SELECTS | {
    "button",
    "checkboxes",
    "datepicker",
    "datetimepicker",
    "overflow",
    "radio_buttons",
    "timepicker",
    "workflow_button",
    "feedback_buttons",
    "icon_button",
    "rich_text_input",
}
ACCESSORY_ELEMENTS = _SELECTS | {
    "button",
    "checkboxes",
    "datepicker",
    "image",
    "overflow",
    "radio_buttons",
    "timepicker",
    "workflow_button",
}
INPUT_ELEMENTS = _SELECTS | {
    "checkboxes",
    "datepicker",
    "datetimepicker",
    "email_text_input",
    "file_input",
    "number_input",
    "plain_text_input",
    "radio_buttons",
    "rich_text_input",
    "timepicker",
    "url_text_input",
}
BUTTON_STYLES = frozenset({"primary", "danger"})


@dataclass
class _Ctx:
    """Walk state: errors found so far and the ids that must be unique within one surface."""

    surface: str  # "message" or "modal"
    file_check: FileCheck | None
    errors: list[str] = field(default_factory=list)
    block_ids: set[str] = field(default_factory=set)
    action_ids: set[str] = field(default_factory=set)

    def err(self, reason: str, pointer: str) -> None:
        self.errors.append(f"{reason} [json-pointer:{pointer}]")


def _is_str(value: Any) -> bool:
    return isinstance(value, str)


def _check_len(ctx: _Ctx, value: Any, pointer: str, max_len: int, min_len: int = 0) -> None:
    if not isinstance(value, str):
        ctx.err("must be a string", pointer)
        return
    if len(value) > max_len:
        ctx.err(f"must be less than {max_len + 1} characters", pointer)
    elif len(value) < min_len:
        ctx.err(f"must be more than {min_len - 1} characters", pointer)


def _text_object(
    ctx: _Ctx,
    obj: Any,
    pointer: str,
    max_len: int,
    *,
    min_len: int = 1,
    plain_only: bool = False,
) -> None:
    """A composition text object: {"type": "plain_text"|"mrkdwn", "text": ...}."""
    if not isinstance(obj, dict):
        ctx.err("must be an object", pointer)
        return
    kind = obj.get("type")
    allowed = ("plain_text",) if plain_only else ("plain_text", "mrkdwn")
    if kind not in allowed:
        ctx.err(f"must be one of {', '.join(allowed)}", f"{pointer}/type")
        return
    if "text" not in obj:
        ctx.err("missing required field: text", pointer)
        return
    _check_len(ctx, obj["text"], f"{pointer}/text", max_len, min_len)


def _block_id(ctx: _Ctx, block: dict[str, Any], pointer: str) -> None:
    if "block_id" not in block:
        return
    block_id = block["block_id"]
    _check_len(ctx, block_id, f"{pointer}/block_id", 255, 1)
    if isinstance(block_id, str):
        if block_id in ctx.block_ids:
            ctx.err(f"duplicate block_id: {block_id}", f"{pointer}/block_id")
        ctx.block_ids.add(block_id)


def _action_id(ctx: _Ctx, element: dict[str, Any], pointer: str) -> None:
    if "action_id" not in element:
        return  # Slack generates one
    action_id = element["action_id"]
    _check_len(ctx, action_id, f"{pointer}/action_id", 255, 1)
    if isinstance(action_id, str):
        if action_id in ctx.action_ids:
            ctx.err(f"duplicate action_id: {action_id}", f"{pointer}/action_id")
        ctx.action_ids.add(action_id)


def _slack_file(ctx: _Ctx, ref: Any, pointer: str) -> None:
    if not isinstance(ref, dict):
        ctx.err("must be an object", pointer)
        return
    has_id, has_url = "id" in ref, "url" in ref
    if has_id == has_url:
        ctx.err("must provide exactly one of id or url", pointer)
        return
    if has_id and not (_is_str(ref["id"]) and ref["id"]):
        ctx.err("invalid slack file: id must be a non-empty string", pointer)
        return
    if has_url and not (_is_str(ref["url"]) and ref["url"]):
        ctx.err("invalid slack file: url must be a non-empty string", pointer)
        return
    if ctx.file_check is not None:
        reason = ctx.file_check(ref)
        if reason:
            ctx.err(f"invalid slack file: {reason}", pointer)


def _image_source(ctx: _Ctx, obj: dict[str, Any], pointer: str) -> None:
    """Image block and image element share: alt_text and exactly one of image_url/slack_file."""
    if "alt_text" not in obj:
        ctx.err("missing required field: alt_text", pointer)
    else:
        _check_len(ctx, obj["alt_text"], f"{pointer}/alt_text", 2000)
    has_url, has_file = "image_url" in obj, "slack_file" in obj
    if has_url and has_file:
        ctx.err("must provide either image_url or slack_file, not both", pointer)
    elif not has_url and not has_file:
        ctx.err("must provide either image_url or slack_file", pointer)
    elif has_url:
        _check_len(ctx, obj["image_url"], f"{pointer}/image_url", 3000, 1)
    else:
        _slack_file(ctx, obj["slack_file"], f"{pointer}/slack_file")


def _options(ctx: _Ctx, options: Any, pointer: str, max_items: int, min_items: int = 1) -> None:
    if not isinstance(options, list):
        ctx.err("must be an array", pointer)
        return
    if len(options) > max_items:
        ctx.err(f"no more than {max_items} items allowed", pointer)
    if len(options) < min_items:
        ctx.err(f"must provide at least {min_items} items", pointer)
    for i, option in enumerate(options):
        p = f"{pointer}/{i}"
        if not isinstance(option, dict):
            ctx.err("must be an object", p)
            continue
        _text_object(ctx, option.get("text"), f"{p}/text", max_len=75)
        if "value" in option:
            _check_len(ctx, option["value"], f"{p}/value", 150)
        if "description" in option:
            _text_object(ctx, option["description"], f"{p}/description", max_len=75)


def _element(ctx: _Ctx, element: Any, pointer: str, allowed: frozenset[str] | set[str]) -> None:
    """Interactive (or image) element inside actions / accessory / input / context."""
    if not isinstance(element, dict):
        ctx.err("must be an object", pointer)
        return
    kind = element.get("type")
    if kind not in allowed:
        ctx.err(f"unsupported element type: {kind}", f"{pointer}/type")
        return
    if kind == "image":
        _image_source(ctx, element, pointer)
        return
    _action_id(ctx, element, pointer)
    if kind == "button":
        if "text" not in element:
            ctx.err("missing required field: text", pointer)
        else:
            _text_object(ctx, element["text"], f"{pointer}/text", max_len=75, plain_only=True)
        if "value" in element:
            _check_len(ctx, element["value"], f"{pointer}/value", 2000)
        if "url" in element:
            _check_len(ctx, element["url"], f"{pointer}/url", 3000, 1)
        if "style" in element and element["style"] not in BUTTON_STYLES:
            ctx.err("must be one of primary, danger", f"{pointer}/style")
        if "accessibility_label" in element:
            _check_len(ctx, element["accessibility_label"], f"{pointer}/accessibility_label", 75)
    elif kind in ("static_select", "multi_static_select"):
        if "options" in element and "option_groups" in element:
            ctx.err("must provide either options or option_groups, not both", pointer)
        elif "options" in element:
            _options(ctx, element["options"], f"{pointer}/options", 100)
        elif "option_groups" not in element:
            ctx.err("must provide either options or option_groups", pointer)
    elif kind in ("checkboxes", "radio_buttons"):
        _options(ctx, element.get("options"), f"{pointer}/options", 10)
    elif kind == "overflow":
        _options(ctx, element.get("options"), f"{pointer}/options", 5, 1)
    if "placeholder" in element:
        _text_object(ctx, element["placeholder"], f"{pointer}/placeholder", 150, plain_only=True)
    if kind == "plain_text_input":
        for key in ("min_length", "max_length"):
            if key in element and not (isinstance(element[key], int) and 0 <= element[key] <= 3000):
                ctx.err("must be an integer from 0 to 3000", f"{pointer}/{key}")


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
