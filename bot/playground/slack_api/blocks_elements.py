"""Block Kit checks below the block level: text objects, ids, slack_file, images, elements.

Why a module of its own: the same composition objects and interactive elements appear inside
many block types (section accessories, actions, inputs, context), so their rules are written
once here, with the walk state (``_Ctx``) that collects errors and enforces unique
block_id/action_id across one surface. ``blocks_rules.py`` walks the blocks and calls these.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .blocks_catalog import BUTTON_STYLES, FileCheck


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
