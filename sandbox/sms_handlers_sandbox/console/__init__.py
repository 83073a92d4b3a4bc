"""The demo console: a person plays Slack in the terminal against the real app.

Every command becomes what Slack would send: a signed slash command, block_actions,
block_suggestion, view_submission or view_closed POSTed to the app's HTTP endpoint. The app
answers through the Slack stand-in's Web API; the console then shows what the acting user sees
(new messages, ephemeral answers, DMs, the open modal) with every interactive element numbered.

Modules: workspace (the demo people and channels), input_lines (script or stdin), loop (read and
run), commands (one method per command), session (sending as Slack, waiting for the app),
block_values (what menus offer and modals hold).
"""

from sms_handlers_sandbox.console.loop import run_console
from sms_handlers_sandbox.console.workspace import (
    DEMO_USERS,
    DemoUser,
    DemoWorkspace,
    seed_demo_workspace,
)

__all__ = ["DEMO_USERS", "DemoUser", "DemoWorkspace", "run_console", "seed_demo_workspace"]
