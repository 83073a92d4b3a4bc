"""Domain errors shared by services, the CLI and the Slack app.

Every error here carries a message written for the person who will read it: what was wrong
and what to do. Listeners and the CLI show `str(error)`; nothing else about it leaks out.
"""


class SmsHandlersError(Exception):
    """Base of every error whose message may be shown to a user as it is."""


class ConfigError(SmsHandlersError):
    """A setting is missing or malformed."""
