"""Errors of the database layer.

DatabaseUnavailableError can happen while serving Slack users: the message given when it is
raised is for the operator (the command line prints it, the log keeps it) and may name
DATABASE_URL, its host or its file; Slack users read a fixed sentence with a reference to that
log line instead (see `bot.errors.ReferencedError`).
"""

from __future__ import annotations

from bot.errors import ReferencedError, SmsHandlersError

ASK_ADMINS = "Try again in a minute; if it keeps failing, tell the app's administrators."


class DatabaseError(SmsHandlersError):
    """Base of the database layer's errors."""


class DatabaseUrlError(DatabaseError):
    """DATABASE_URL is malformed, names an unsupported database, or a place that does not exist.

    Raised at start-up and on the command line only: its message names DATABASE_URL for the
    operator."""


class DatabaseNotMigratedError(DatabaseError):
    """The database exists but its tables are missing or older than this version of the bot.

    Raised at start-up and on the command line only, like DatabaseUrlError."""


class DatabaseUnavailableError(DatabaseError, ReferencedError):
    """The database named by DATABASE_URL cannot be reached, refused the connection, or stayed
    locked (`busy`); `details` says which, for the operator."""

    def __init__(self, details: str, *, busy: bool = False) -> None:
        self.busy = busy
        what = "The bot's database was busy" if busy else "The bot could not reach its database"
        super().__init__(what, advice=ASK_ADMINS, details=details)


class RequestNotFoundError(DatabaseError):
    """No change request has the given id."""
