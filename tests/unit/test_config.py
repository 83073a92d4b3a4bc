from __future__ import annotations

from pathlib import Path

import pytest

from bot.cli import main
from bot.config import DEFAULT_DATABASE_URL, load_log_settings, load_settings
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


def test_log_format_is_text_unless_json(monkeypatch: pytest.MonkeyPatch) -> None:
    assert load_log_settings().log_format == "text"
    monkeypatch.setenv("LOG_FORMAT", "JSON")
    assert load_log_settings().log_format == "json"
    assert load_settings().log_format == "json"
    monkeypatch.setenv("LOG_FORMAT", "xml")
    with pytest.raises(ConfigError, match=r"^Invalid setting LOG_FORMAT: .*'xml'"):
        load_log_settings()


def test_a_malformed_log_format_stops_any_command_with_one_line(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("LOG_FORMAT", "xml")

    assert main(["db", "current"]) == 1
    err = capsys.readouterr().err
    assert err.startswith("sms-handlers: Invalid setting LOG_FORMAT") and err.count("\n") == 1


def test_the_policy_file_is_optional(monkeypatch: pytest.MonkeyPatch) -> None:
    assert load_settings().policy_file is None
    monkeypatch.setenv("SMS_HANDLERS_POLICY", " ")
    assert load_settings().policy_file is None
    monkeypatch.setenv("SMS_HANDLERS_POLICY", "conf/policy.yml")
    assert load_settings().policy_file == Path("conf/policy.yml")


def test_the_drift_check_runs_every_ten_minutes_unless_told(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    settings = load_settings()
    assert settings.drift_interval_seconds == 600 and settings.drift_channel is None
    monkeypatch.setenv("SMS_HANDLERS_DRIFT_INTERVAL_SECONDS", "0")  # off
    monkeypatch.setenv("SMS_HANDLERS_DRIFT_CHANNEL", " ")
    settings = load_settings()
    assert settings.drift_interval_seconds == 0 and settings.drift_channel is None
    monkeypatch.setenv("SMS_HANDLERS_DRIFT_CHANNEL", "C0DRIFT")
    assert load_settings().drift_channel == "C0DRIFT"
    monkeypatch.setenv("SMS_HANDLERS_DRIFT_INTERVAL_SECONDS", "-1")
    with pytest.raises(ConfigError, match="SMS_HANDLERS_DRIFT_INTERVAL_SECONDS"):
        load_settings()


def test_the_offboarding_check_runs_every_five_minutes_unless_told(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    assert load_settings().offboarding_interval_seconds == 300
    monkeypatch.setenv("SMS_HANDLERS_OFFBOARDING_INTERVAL_SECONDS", "0")  # off
    assert load_settings().offboarding_interval_seconds == 0
    monkeypatch.setenv("SMS_HANDLERS_OFFBOARDING_INTERVAL_SECONDS", "-1")
    with pytest.raises(ConfigError, match="SMS_HANDLERS_OFFBOARDING_INTERVAL_SECONDS"):
        load_settings()
