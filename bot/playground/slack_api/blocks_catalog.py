"""What each Block Kit surface accepts: size limits, block types and element types.

Why a module of its own: these are documented (or observed) facts about Slack's Block Kit (which
block goes in a message, which in a modal, which element fits an actions block, an accessory, an
input); the checks in ``blocks_elements.py`` and ``blocks_rules.py`` consult them, and keeping the
catalogue apart makes it easy to compare against Slack's reference.
"""

from __future__ import annotations

from collections.abc import Callable
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
