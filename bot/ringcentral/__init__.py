"""RingCentral access: an async client (aiohttp) with SDK-managed tokens, typed records, errors."""

from bot.ringcentral.auth import Credentials, TokenProvider
from bot.ringcentral.client import ClientOptions, RetryPolicy, RingCentralClient
from bot.ringcentral.errors import (
    RingCentralAuthError,
    RingCentralBadResponse,
    RingCentralError,
    RingCentralNotFound,
    RingCentralPermissionDenied,
    RingCentralRateLimited,
    RingCentralRequestRejected,
    RingCentralTimeout,
    RingCentralUnavailable,
)

__all__ = [
    "ClientOptions",
    "Credentials",
    "RetryPolicy",
    "RingCentralAuthError",
    "RingCentralBadResponse",
    "RingCentralClient",
    "RingCentralError",
    "RingCentralNotFound",
    "RingCentralPermissionDenied",
    "RingCentralRateLimited",
    "RingCentralRequestRejected",
    "RingCentralTimeout",
    "RingCentralUnavailable",
    "TokenProvider",
]
