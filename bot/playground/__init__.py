"""The playground: a local Slack (``slack_api``) and a Slack-like page that drives the real app.

``slack_api`` is the one imitation of Slack's Web API: the tests and ``dailies serve`` without
Slack tokens both use it, so what works in the playground is what the tests pin.
"""
