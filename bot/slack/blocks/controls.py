"""Every control a person finds on a variant, listed here in one place.

A control is a button in the variant's row or an entry in its "More…" menu. Handlers attach the
listener for a control's action id (``handlers.variant_actions.on_variant_action``); which
controls exist, in what order and on which assets is read from this table alone.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from slack_sdk.models.blocks import ActionsBlock, ButtonElement, Option, StaticSelectElement

from bot.slack.blocks.common import variant_action_id

VARIANT_MENU = "variant_menu"

# A feature of the variant's channel that some controls need (e.g. a brand palette to snap to).
PALETTE = "palette"

# action ids of the per-variant controls
VOTE = "vote"
PROMOTE = "promote"
LOCK_STYLE = "lock_style"
UNLOCK_STYLE = "unlock_style"
SAVE_RECIPE = "save_recipe"
ANIMATE = "animate"
SNAP_PALETTE = "snap_palette"
VARY_SUBTLE = "vary_subtle"
VARY_STRONG = "vary_strong"
EDIT_REGION = "edit_region"
RESIZE = "resize"
UPSCALE_2 = "upscale_2"
UPSCALE_4 = "upscale_4"
TAG = "tag"
EXPORT = "export"
MARK_USABLE = "mark_usable"
MARK_REJECT = "mark_reject"


def is_image(asset: dict[str, Any]) -> bool:
    return (asset.get("media_type") or "image/png").startswith("image/")


def is_draft_image(asset: dict[str, Any]) -> bool:
    return asset.get("tier") == "draft" and (asset.get("media_type") or "").startswith("image/")


def is_final(asset: dict[str, Any]) -> bool:
    return asset.get("tier") == "final"


def is_anchored(asset: dict[str, Any]) -> bool:
    return bool(asset.get("anchor_id"))


@dataclass(frozen=True)
class VariantControl:
    """Something a person can do to one variant. ``needs`` names a channel feature without
    which the control is hidden (the caller says which features the channel has)."""

    action_id: str
    label: str
    button: bool = True
    style: str | None = None
    order: int = 100
    shows_for: Callable[[dict[str, Any]], bool] = is_image
    needs: str | None = None

    def shown(self, asset: dict[str, Any], features: frozenset[str]) -> bool:
        return (self.needs is None or self.needs in features) and self.shows_for(asset)


def _menu(action_id: str, label: str, order: int, **kwargs: Any) -> VariantControl:
    return VariantControl(action_id, label, button=False, order=order, **kwargs)


VARIANT_CONTROLS: dict[str, VariantControl] = {
    c.action_id: c
    for c in (
        VariantControl(VOTE, "Vote", order=10, shows_for=is_draft_image),
        VariantControl(PROMOTE, "Promote", style="primary", order=20, shows_for=is_draft_image),
        VariantControl(ANIMATE, "Animate", order=60),
        VariantControl(EXPORT, "Export", order=70, shows_for=is_final),
        VariantControl(MARK_USABLE, "Usable", order=30),
        VariantControl(MARK_REJECT, "Reject", order=31),
        _menu(LOCK_STYLE, "Lock style", 50),
        _menu(UNLOCK_STYLE, "Unlock style", 51, shows_for=is_anchored),
        _menu(SAVE_RECIPE, "Save as recipe", 60),
        _menu(SNAP_PALETTE, "Snap to palette", 70, needs=PALETTE),
        _menu(VARY_SUBTLE, "Vary subtle", 200),
        _menu(VARY_STRONG, "Vary strong", 201),
        _menu(EDIT_REGION, "Edit region…", 210),
        _menu(RESIZE, "Resize to formats…", 220),
        _menu(UPSCALE_2, "Upscale ×2", 230),
        _menu(UPSCALE_4, "Upscale ×4", 231),
        _menu(TAG, "Tag…", 300, shows_for=lambda asset: True),
    )
}


def variant_controls_row(
    asset: dict[str, Any], features: frozenset[str] = frozenset()
) -> ActionsBlock | None:
    """The per-variant row: its buttons, then a "More…" menu with the rest."""
    controls = sorted(
        (c for c in VARIANT_CONTROLS.values() if c.shown(asset, features)), key=lambda c: c.order
    )
    elements: list[Any] = [
        ButtonElement(
            text=c.label,
            action_id=variant_action_id(c.action_id, asset["id"]),
            value=str(asset["id"]),
            style=c.style,
        )
        for c in controls
        if c.button
    ]
    menu = [c for c in controls if not c.button]
    if menu:
        elements.append(
            StaticSelectElement(
                placeholder="More…",
                action_id=variant_action_id(VARIANT_MENU, asset["id"]),
                options=[Option(text=c.label, value=c.action_id) for c in menu],
            )
        )
    if not elements:
        return None
    return ActionsBlock(block_id=f"variant_{asset['variant']}_actions", elements=elements)
