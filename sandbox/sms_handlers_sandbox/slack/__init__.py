"""A stand-in for the Slack Web API (and response_url), for tests and the demo."""

from sms_handlers_sandbox.slack.server import ApiCall, SlackStandIn
from sms_handlers_sandbox.slack.workspace import SubmissionOutcome

__all__ = ["ApiCall", "SlackStandIn", "SubmissionOutcome"]
