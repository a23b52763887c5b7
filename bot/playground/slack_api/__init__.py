"""A local imitation of Slack: Web API server, signed sender, bolt host (tests and playground).

Why it exists and what it enforces: see ``imitation.py`` (server; one module per Web API method
family: ``api_*.py``, ``response_urls.py``, with ``http_handler.py``, ``message_store.py`` and
``inspection.py``; ``persistence.py`` saves and restores the workspace and tells a live page
that it changed), ``blocks_rules.py`` (Block Kit refusals, with ``blocks_catalog.py`` and
``blocks_elements.py``), ``sender.py`` (Slack → app requests, with ``sender_interactions.py``,
``sender_events.py`` and ``sent_request.py``) and ``bolt_server.py`` (serve a bolt App).
"""

from .blocks_rules import message_refusal, validate_message_blocks, validate_view
from .bolt_server import BoltHTTPServer
from .imitation import ApiError, SlackImitation
from .sender import ACK_DEADLINE_S, SentRequest, SlackSender

__all__ = [
    "ACK_DEADLINE_S",
    "ApiError",
    "BoltHTTPServer",
    "SentRequest",
    "SlackImitation",
    "SlackSender",
    "message_refusal",
    "validate_message_blocks",
    "validate_view",
]
