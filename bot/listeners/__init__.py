"""Bolt listeners, one module per kind: parse the payload, call a service, render a view.

Each module's `register(app, …)` takes only the services its listeners use (bot.app wires them
from the container); `queries` turns Slack's formatted text into the services' plain queries.
"""
