"""Build the RingCentral client and the resource directory from settings."""

from __future__ import annotations

from bot.config import Settings
from bot.ringcentral.auth import Credentials
from bot.ringcentral.client import ClientOptions, RingCentralClient

REQUIRED_SETTINGS = ("RINGCENTRAL_CLIENT_ID", "RINGCENTRAL_CLIENT_SECRET", "RINGCENTRAL_JWT")


def credentials_from_settings(settings: Settings, *, hint: str = "") -> Credentials:
    """The JWT-flow credentials; ConfigError naming the first missing setting."""
    settings.require(*REQUIRED_SETTINGS, hint=hint)
    assert settings.ringcentral_client_id and settings.ringcentral_client_secret
    assert settings.ringcentral_jwt
    return Credentials(
        server_url=settings.ringcentral_server_url,
        client_id=settings.ringcentral_client_id,
        client_secret=settings.ringcentral_client_secret,
        jwt=settings.ringcentral_jwt,
    )


def client_options_from_settings(settings: Settings) -> ClientOptions:
    """Timeouts and concurrency from RINGCENTRAL_TIMEOUT_SECONDS / RINGCENTRAL_MAX_CONCURRENCY."""
    return ClientOptions(
        timeout_seconds=settings.ringcentral_timeout_seconds,
        connect_timeout_seconds=min(5.0, settings.ringcentral_timeout_seconds),
        max_concurrency=settings.ringcentral_max_concurrency,
    )


def client_from_settings(settings: Settings, *, hint: str = "") -> RingCentralClient:
    """A RingCentral client for the account the settings name."""
    return RingCentralClient.from_credentials(
        credentials_from_settings(settings, hint=hint),
        options=client_options_from_settings(settings),
    )
