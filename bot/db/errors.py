"""Errors of the database layer, each a sentence for the person who configured or used it."""

from __future__ import annotations

from bot.errors import SmsHandlersError


class DatabaseError(SmsHandlersError):
    """Base of the database layer's errors."""


class DatabaseUrlError(DatabaseError):
    """DATABASE_URL is malformed, names an unsupported database, or a place that does not exist."""


class DatabaseUnavailableError(DatabaseError):
    """The database named by DATABASE_URL cannot be reached or refused the connection."""


class DatabaseNotMigratedError(DatabaseError):
    """The database exists but its tables are missing or older than this version of the bot."""


class RequestNotFoundError(DatabaseError):
    """No change request has the given id."""
