from __future__ import annotations

from pathlib import Path

import pytest

from bot.config import DEFAULT_DATABASE_URL, load_settings
from bot.errors import ConfigError


def test_defaults_need_no_environment() -> None:
    settings = load_settings()
    assert settings.database_url == DEFAULT_DATABASE_URL
    assert settings.slack_api_url == "https://slack.com/api/"
    assert settings.allow_self_approval is False


def test_malformed_setting_names_the_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RINGCENTRAL_TIMEOUT_SECONDS", "soon")
    with pytest.raises(ConfigError) as info:
        load_settings()
    message = str(info.value)
    assert "RINGCENTRAL_TIMEOUT_SECONDS" in message
    assert "'soon'" in message
    assert "\n" not in message


def test_bad_url_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SLACK_API_URL", "slack.com/api")
    with pytest.raises(ConfigError, match="SLACK_API_URL"):
        load_settings()


def test_require_names_the_missing_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RINGCENTRAL_CLIENT_ID", "id")
    settings = load_settings()
    with pytest.raises(ConfigError, match=r"^RINGCENTRAL_CLIENT_SECRET is not set\. Or use"):
        settings.require(
            "RINGCENTRAL_CLIENT_ID", "RINGCENTRAL_CLIENT_SECRET", hint="Or use --sandbox."
        )


def test_approvers_are_split_and_trimmed(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SMS_HANDLERS_APPROVERS", " U123, @telephony-admins ,,U456")
    assert load_settings().approver_entries == ["U123", "@telephony-admins", "U456"]


def test_the_policy_file_is_optional(monkeypatch: pytest.MonkeyPatch) -> None:
    assert load_settings().policy_file is None
    monkeypatch.setenv("SMS_HANDLERS_POLICY", " ")
    assert load_settings().policy_file is None
    monkeypatch.setenv("SMS_HANDLERS_POLICY", "conf/policy.yml")
    assert load_settings().policy_file == Path("conf/policy.yml")
