"""The start-up checks' decisions, on answers given directly (the same checks run end to end
against the stand-ins in tests/e2e/test_doctor.py)."""

from __future__ import annotations

import pytest

from bot.domain import ThreadMessagingFeature
from bot.services import doctor
from bot.services.doctor import ApproverResolution, Check, UserFacts


def test_a_check_reads_as_one_line_and_only_fatal_failures_stop_the_bot() -> None:
    checks = [
        doctor.passed("A", "fine."),
        doctor.failed("B", "broken: fix it."),
        doctor.warning("C", "odd."),
        doctor.skipped("D", "B failed"),
    ]
    assert [c.line() for c in checks] == [
        "OK   A: fine.",
        "FAIL B: broken: fix it.",
        "WARN C: odd.",
        "SKIP D: not checked: B failed.",
    ]
    assert doctor.blocking(checks) == [checks[1]]


@pytest.mark.parametrize(
    ("token", "said"),
    [
        ("xoxp-1-secret-user", "(a user token)"),
        ("xapp-1-secret-app", "(an app-level token (that one belongs in SLACK_APP_TOKEN))"),
        ("secret-nonsense", "(not a bot token)"),
    ],
)
def test_a_token_of_another_kind_is_named_but_never_shown(token: str, said: str) -> None:
    check = doctor.bot_token_format(token)
    assert isinstance(check, Check) and check.stops_the_bot
    assert said in check.detail
    assert "secret" not in check.detail
    assert doctor.bot_token_format("xoxb-1-2-3") is None


@pytest.mark.parametrize("value", ["#sms-approvals", "sms-approvals", "c0approvals", "U0ALEX"])
def test_only_a_channel_id_is_taken_as_the_approval_channel(value: str) -> None:
    check = doctor.channel_setting(value)
    assert check is not None and check.stops_the_bot
    assert f"is {value!r}, which is not a channel id" in check.detail
    assert "bottom of the About tab" in check.detail


@pytest.mark.parametrize("value", ["C0APPROVALS", "G024BE91L"])
def test_public_and_old_private_channel_ids_are_accepted(value: str) -> None:
    assert doctor.channel_setting(value) is None


def test_scopes_slack_did_not_name_are_a_warning() -> None:
    check = doctor.scopes_check(None, ["chat:write"])
    assert check.status == "WARN"
    assert "no x-oauth-scopes header" in check.detail


def test_permissions_ringcentral_did_not_name_are_a_warning() -> None:
    check = doctor.permissions_check(None)
    assert check.status == "WARN"
    assert doctor.permissions_check(frozenset({"ReadAccounts", "EditExtensions"})).ok
    missing_both = doctor.permissions_check(frozenset({"ReadMessages"}))
    assert "lacks ReadAccounts and EditExtensions: add them" in missing_both.detail


def test_thread_messaging_for_queues_only_is_a_warning_naming_sites() -> None:
    check = doctor.feature_check(
        ThreadMessagingFeature(available=True, call_queue_supported=True, site_supported=False)
    )
    assert check.line() == (
        "WARN SMS thread messaging: on, but not for sites: their SMS handlers cannot be managed "
        "until a RingCentral admin enables it."
    )


def test_deactivated_people_and_bots_do_not_approve() -> None:
    resolution = ApproverResolution()
    resolution.add_person(UserFacts(id="U1", name="Gone", deleted=True, is_bot=False))
    resolution.add_person(UserFacts(id="U2", name="Robot", deleted=False, is_bot=True))
    check = doctor.approvers_check(["U1", "U2"], resolution)
    assert check.stops_the_bot
    assert "(U1 (Gone) is deactivated; U2 (Robot) is a bot)" in check.detail


def test_no_approvers_at_all() -> None:
    check = doctor.approvers_check([], ApproverResolution())
    assert check.line().startswith("FAIL Approvers: SMS_HANDLERS_APPROVERS is empty")


@pytest.mark.parametrize(
    ("current", "auto_migrate", "status", "said"),
    [
        ("0002", False, "OK", "is at revision 0002 (the newest)"),
        ("0001", True, "OK", "is at revision 0001; serve upgrades it to 0002 at start"),
        (None, True, "OK", "has no tables yet; serve upgrades it to 0002 at start"),
        (None, False, "FAIL", "has no tables yet, and this version needs 0002"),
        ("0009", True, "FAIL", "is at revision 0009, which this version does not know"),
    ],
)
def test_the_schema_revision(
    current: str | None, auto_migrate: bool, status: str, said: str
) -> None:
    check = doctor.database_check(
        where="sqlite+aiosqlite:///bot.db",
        current=current,
        head="0002",
        known=frozenset({"0001", "0002"}),
        auto_migrate=auto_migrate,
    )
    assert check.status == status
    assert said in check.detail
