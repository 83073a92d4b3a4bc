"""Settings: the only module that reads the environment.

A missing or malformed setting fails at start-up with one line naming the variable and what is
expected (`ConfigError`), never with a traceback.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

from pydantic import Field, ValidationError, field_validator
from pydantic_core import ErrorDetails
from pydantic_settings import BaseSettings, SettingsConfigDict

from bot.errors import ConfigError

DEFAULT_DATABASE_URL = "sqlite+aiosqlite:///sms-handlers.db"


class LogSettings(BaseSettings):
    """How the process logs: read by every command before it starts, so only these two."""

    model_config = SettingsConfigDict(
        env_file=".env", env_file_encoding="utf-8", extra="ignore", populate_by_name=True
    )

    log_level: str = Field(default="INFO", alias="LOG_LEVEL")
    # `json`: one JSON object a line (for log collectors); `text`: lines for people.
    log_format: Literal["text", "json"] = Field(default="text", alias="LOG_FORMAT")

    @field_validator("log_level")
    @classmethod
    def _log_level(cls, value: str) -> str:
        upper = value.upper()
        if upper not in {"DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"}:
            raise ValueError("expected one of DEBUG, INFO, WARNING, ERROR, CRITICAL")
        return upper

    @field_validator("log_format", mode="before")
    @classmethod
    def _log_format(cls, value: Any) -> Any:
        return value.strip().lower() if isinstance(value, str) else value


class Settings(LogSettings):
    """Every setting of the app, read from environment variables (and a `.env` file if present)."""

    # RingCentral
    ringcentral_server_url: str = Field(
        default="https://platform.ringcentral.com", alias="RINGCENTRAL_SERVER_URL"
    )
    ringcentral_client_id: str | None = Field(default=None, alias="RINGCENTRAL_CLIENT_ID")
    ringcentral_client_secret: str | None = Field(default=None, alias="RINGCENTRAL_CLIENT_SECRET")
    ringcentral_jwt: str | None = Field(default=None, alias="RINGCENTRAL_JWT")
    ringcentral_timeout_seconds: float = Field(
        default=10.0, gt=0, alias="RINGCENTRAL_TIMEOUT_SECONDS"
    )
    ringcentral_max_concurrency: int = Field(default=4, ge=1, alias="RINGCENTRAL_MAX_CONCURRENCY")
    inventory_ttl_seconds: float = Field(
        default=300.0, ge=0, alias="SMS_HANDLERS_INVENTORY_TTL_SECONDS"
    )
    # Handler reads a minute for `who`, `list` and the drift check (RingCentral's Light limit is
    # 50 a minute).
    scan_reads_per_minute: int = Field(default=25, ge=1, alias="SMS_HANDLERS_SCAN_READS_PER_MINUTE")
    # How often handler lists are read to notice changes made outside the bot; 0 turns it off.
    drift_interval_seconds: float = Field(
        default=600.0, ge=0, alias="SMS_HANDLERS_DRIFT_INTERVAL_SECONDS"
    )

    # How often the extension list is read to notice handlers who left (disabled or deleted)
    # and open their offboarding; 0 turns it off.
    offboarding_interval_seconds: float = Field(
        default=300.0, ge=0, alias="SMS_HANDLERS_OFFBOARDING_INTERVAL_SECONDS"
    )

    # Database
    database_url: str = Field(default=DEFAULT_DATABASE_URL, alias="DATABASE_URL")
    auto_migrate: bool = Field(default=True, alias="SMS_HANDLERS_AUTO_MIGRATE")
    # Instances sharing the database: how long a lease on background work lasts unrenewed.
    lease_seconds: float = Field(default=30.0, ge=1, alias="SMS_HANDLERS_LEASE_SECONDS")

    # Applying changes, recovery and shutdown
    # An instance applying a change holds it this long and renews it every third of it; once it
    # has run out (the instance died) recovery takes the change over.
    apply_lease_seconds: float = Field(default=60.0, gt=0, alias="SMS_HANDLERS_APPLY_LEASE_SECONDS")
    recovery_interval_seconds: float = Field(
        default=60.0, gt=0, alias="SMS_HANDLERS_RECOVERY_INTERVAL_SECONDS"
    )
    # How often the background jobs look for pending requests to expire, remind or escalate.
    pending_check_seconds: float = Field(
        default=60.0, gt=0, alias="SMS_HANDLERS_PENDING_CHECK_SECONDS"
    )
    # How often the background job looks for temporary changes to revert and notices to send.
    temporary_interval_seconds: float = Field(
        default=60.0, gt=0, alias="SMS_HANDLERS_TEMPORARY_INTERVAL_SECONDS"
    )
    # On SIGTERM, how long changes being applied may take to finish before the bot stops.
    shutdown_grace_seconds: float = Field(
        default=20.0, ge=0, alias="SMS_HANDLERS_SHUTDOWN_GRACE_SECONDS"
    )

    # Slack
    slack_bot_token: str | None = Field(default=None, alias="SLACK_BOT_TOKEN")
    slack_signing_secret: str | None = Field(default=None, alias="SLACK_SIGNING_SECRET")
    slack_app_token: str | None = Field(default=None, alias="SLACK_APP_TOKEN")
    slack_api_url: str = Field(default="https://slack.com/api/", alias="SLACK_API_URL")

    # Approval policy
    approvers: str = Field(default="", alias="SMS_HANDLERS_APPROVERS")
    approval_channel: str | None = Field(default=None, alias="SMS_HANDLERS_APPROVAL_CHANNEL")
    allow_self_approval: bool = Field(default=False, alias="SMS_HANDLERS_ALLOW_SELF_APPROVAL")
    # A policy file replaces the three settings above (see bot/policy and the README).
    policy_file: Path | None = Field(default=None, alias="SMS_HANDLERS_POLICY")
    # Where each change made outside the bot is posted (optional).
    drift_channel: str | None = Field(default=None, alias="SMS_HANDLERS_DRIFT_CHANNEL")

    @field_validator("ringcentral_server_url", "slack_api_url")
    @classmethod
    def _http_url(cls, value: str) -> str:
        if not value.startswith(("http://", "https://")):
            raise ValueError("expected an http:// or https:// URL")
        return value

    @field_validator("policy_file", "drift_channel", mode="before")
    @classmethod
    def _unset_when_empty(cls, value: object) -> object:
        return None if isinstance(value, str) and not value.strip() else value

    @property
    def approver_entries(self) -> list[str]:
        """Slack user ids and `@group` handles from SMS_HANDLERS_APPROVERS, in order."""
        return [part.strip() for part in self.approvers.split(",") if part.strip()]

    def require(self, *names: str, hint: str = "") -> None:
        """Fail with one line naming the first missing setting among `names` (env var names)."""
        by_alias = {(field.alias or name): name for name, field in type(self).model_fields.items()}
        for env_name in names:
            value = getattr(self, by_alias[env_name])
            if value is None or value == "":
                suffix = f" {hint}" if hint else ""
                raise ConfigError(f"{env_name} is not set.{suffix}")


def _describe(error: ErrorDetails) -> str:
    loc = error.get("loc") or ("?",)
    name = str(loc[0])
    field = Settings.model_fields.get(name)
    env_name = (field.alias if field and field.alias else name).upper()
    message = str(error.get("msg", "invalid value")).removeprefix("Value error, ")
    given = error.get("input")
    shown = f" (got {given!r})" if isinstance(given, str | int | float) else ""
    return f"{env_name}: {message}{shown}"


def load_settings(**overrides: Any) -> Settings:
    """Read the settings from the environment; `overrides` (field names) win over it."""
    try:
        return Settings(**overrides)
    except ValidationError as exc:
        raise ConfigError("Invalid setting " + _describe(exc.errors()[0])) from None


def load_log_settings() -> LogSettings:
    """LOG_LEVEL and LOG_FORMAT from the environment, without checking the other settings."""
    try:
        return LogSettings()
    except ValidationError as exc:
        raise ConfigError("Invalid setting " + _describe(exc.errors()[0])) from None
