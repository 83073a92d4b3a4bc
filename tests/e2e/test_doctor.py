"""`sms-handlers doctor` against the RingCentral sandbox and the Slack stand-in, over loopback.

A good configuration passes every check; each kind of mistake an operator makes gets its own
line saying what is wrong and what to do, and exit code 1 when the bot could not work.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from bot.cli import main
from bot.db.migrate import head_revision, upgrade_async
from sms_handlers_sandbox.ringcentral import SandboxOptions, SandboxServer
from sms_handlers_sandbox.slack import SlackStandIn
from sms_handlers_sandbox.slack.scopes import MANIFEST_BOT_SCOPES
from tests.support.app_harness import (
    APPROVALS,
    SIGNING_SECRET,
    free_port,
    populate,
    serve_environment,
)


@dataclass
class Doctor:
    """The stand-ins, and `sms-handlers doctor` run against them with the settings of `env`."""

    sandbox: SandboxServer
    slack: SlackStandIn
    env: dict[str, str]
    database: Path
    capsys: pytest.CaptureFixture[str]

    async def run(self, *args: str, **changes: str) -> tuple[int, list[str]]:
        """Exit code and output lines; `changes` are settings (env names) to change."""
        with pytest.MonkeyPatch.context() as patch:
            for name, value in {**self.env, **changes}.items():
                patch.setenv(name, value)
            code = await asyncio.to_thread(main, ["doctor", *args])
        captured = self.capsys.readouterr()
        assert captured.err == ""
        return code, captured.out.splitlines()

    def secrets(self) -> list[str]:
        return [
            self.env["SLACK_BOT_TOKEN"],
            SIGNING_SECRET,
            self.sandbox.client_secret,
            self.sandbox.jwt,
        ]


@pytest.fixture
async def doctor(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> AsyncIterator[Doctor]:
    options = SandboxOptions(rate_limits_enabled=False)
    async with SandboxServer(options=options) as sandbox, SlackStandIn() as slack:
        populate(slack)
        database = tmp_path / "doctor.db"
        env = serve_environment(
            sandbox=sandbox,
            slack_token=slack.bot_token,
            slack_api_url=slack.api_url,
            database=database,
            SLACK_SIGNING_SECRET=SIGNING_SECRET,
            SMS_HANDLERS_APPROVERS="U0ALEX,@telephony-admins",
        )
        yield Doctor(sandbox, slack, env, database, capsys)


def line(lines: list[str], name: str) -> str:
    [found] = [text for text in lines if text[5:].startswith(f"{name}:")]
    return found


async def test_a_good_configuration_passes_every_check(doctor: Doctor) -> None:
    code, lines = await doctor.run("--http")

    assert code == 0
    assert [text[:5] for text in lines[:-1]] == ["OK   "] * 9
    assert line(lines, "Slack bot token").endswith(
        "xoxb- token of @sms-handlers (U0BOT0001) in Stand-in Workspace (T0001)."
    )
    assert line(lines, "Slack scopes") == (
        "OK   Slack scopes: all 9 bot scopes of manifest.yml are granted."
    )
    assert line(lines, "Approval channel") == (
        f"OK   Approval channel: #sms-approvals ({APPROVALS}); the bot is a member."
    )
    assert line(lines, "Approvers") == (
        "OK   Approvers: 2 people can approve (U0ALEX, 1 in @telephony-admins)."
    )
    assert line(lines, "RingCentral permissions") == (
        "OK   RingCentral permissions: ReadAccounts and EditExtensions."
    )
    assert "serve upgrades it to" in line(lines, "Database")
    assert lines[-1] == "All checks passed: `sms-handlers serve` can start."
    assert not doctor.database.exists()  # doctor only looks


async def test_socket_mode_needs_an_app_level_token(doctor: Doctor) -> None:
    code, lines = await doctor.run()
    assert code == 1
    assert line(lines, "Slack app-level token").startswith(
        "FAIL Slack app-level token: SLACK_APP_TOKEN is not set, and Socket Mode needs it"
    )

    code, lines = await doctor.run(SLACK_APP_TOKEN="xapp-1-A0001-test")
    assert code == 0
    assert line(lines, "Slack app-level token") == "OK   Slack app-level token: set (Socket Mode)."


async def test_http_mode_needs_the_signing_secret(doctor: Doctor) -> None:
    doctor.env.pop("SLACK_SIGNING_SECRET")
    code, lines = await doctor.run("--http")
    assert code == 1
    assert line(lines, "Slack signing secret").startswith(
        "FAIL Slack signing secret: SLACK_SIGNING_SECRET is not set"
    )


async def test_a_wrong_jwt_names_ringcentrals_error(doctor: Doctor) -> None:
    wrong_jwt = "eyJhbGciOiJub25lIn0.eyJzdWIiOiJub2JvZHkifQ.wrong"
    code, lines = await doctor.run("--http", RINGCENTRAL_JWT=wrong_jwt)

    assert code == 1
    assert line(lines, "RingCentral login") == (
        "FAIL RingCentral login: RingCentral refused the login (OAU-144) while logging in with "
        "the JWT: Invalid JWT assertion. Check RINGCENTRAL_CLIENT_ID, RINGCENTRAL_CLIENT_SECRET "
        "and RINGCENTRAL_JWT [HTTP 400]."
    )
    assert line(lines, "RingCentral permissions").startswith("SKIP")
    assert line(lines, "SMS thread messaging").startswith("SKIP")
    assert lines[-1].startswith("1 check failed: the bot would not start.")
    assert not any(wrong_jwt in text for text in lines)


async def test_an_unreachable_ringcentral_is_one_line(doctor: Doctor) -> None:
    port = free_port()  # nobody listens there
    code, lines = await doctor.run("--http", RINGCENTRAL_SERVER_URL=f"http://127.0.0.1:{port}")

    assert code == 1
    assert line(lines, "RingCentral login") == (
        "FAIL RingCentral login: RingCentral is unavailable while logging in with the JWT: "
        f"could not reach http://127.0.0.1:{port} (ConnectionError); check "
        "RINGCENTRAL_SERVER_URL and the network."
    )


async def test_an_app_without_edit_extensions_is_refused(doctor: Doctor) -> None:
    doctor.sandbox.options.app_permissions = ["ReadAccounts"]
    code, lines = await doctor.run("--http")

    assert code == 1
    assert line(lines, "RingCentral permissions").startswith(
        "FAIL RingCentral permissions: the RingCentral app lacks EditExtensions: add it to the "
        "app's permissions in the RingCentral developer console"
    )


async def test_thread_messaging_off_is_a_warning(doctor: Doctor) -> None:
    doctor.sandbox.options.thread_messaging.available = False
    code, lines = await doctor.run("--http")

    assert code == 0
    assert line(lines, "SMS thread messaging").startswith(
        "WARN SMS thread messaging: not available on this RingCentral account"
    )
    assert lines[-1] == "All checks passed (1 warning): `sms-handlers serve` can start."


async def test_a_token_that_is_not_a_bot_token(doctor: Doctor) -> None:
    user_token = "xoxp-1234-5678-user-token"
    code, lines = await doctor.run("--http", SLACK_BOT_TOKEN=user_token)

    assert code == 1
    assert line(lines, "Slack bot token") == (
        "FAIL Slack bot token: SLACK_BOT_TOKEN does not start with xoxb- (a user token): use the "
        "Bot User OAuth Token from the app's OAuth & Permissions page."
    )
    for name in ("Slack scopes", "Approval channel", "Approvers"):
        assert line(lines, name).startswith(
            f"SKIP {name}: not checked: the Slack bot token does not work"
        )
    assert not any(user_token in text for text in lines)


async def test_a_revoked_bot_token(doctor: Doctor) -> None:
    code, lines = await doctor.run("--http", SLACK_BOT_TOKEN="xoxb-not-the-right-one")

    assert code == 1
    assert line(lines, "Slack bot token").startswith(
        "FAIL Slack bot token: Slack refused SLACK_BOT_TOKEN (invalid_auth)"
    )


async def test_an_unreachable_slack_is_one_line(doctor: Doctor) -> None:
    port = free_port()  # nobody listens there
    url = f"http://127.0.0.1:{port}/api/"
    code, lines = await doctor.run("--http", SLACK_API_URL=url)

    assert code == 1
    assert line(lines, "Slack bot token") == (
        f"FAIL Slack bot token: could not reach Slack at {url} (connection refused): check "
        "SLACK_API_URL and the network."
    )


async def test_a_missing_scope_is_named(doctor: Doctor) -> None:
    doctor.slack.scopes = [s for s in MANIFEST_BOT_SCOPES if s not in ("groups:read", "im:write")]
    code, lines = await doctor.run("--http")

    assert code == 1
    assert line(lines, "Slack scopes") == (
        "FAIL Slack scopes: the bot token lacks im:write, groups:read of the scopes in "
        "manifest.yml. Add the missing scopes under OAuth & Permissions → Bot Token Scopes (or "
        "paste manifest.yml again), then reinstall the app to the workspace."
    )
    assert line(lines, "Approval channel").startswith("OK")  # a public channel: channels:read


async def test_a_channel_name_instead_of_its_id(doctor: Doctor) -> None:
    code, lines = await doctor.run("--http", SMS_HANDLERS_APPROVAL_CHANNEL="#general")

    assert code == 1
    assert line(lines, "Approval channel") == (
        "FAIL Approval channel: SMS_HANDLERS_APPROVAL_CHANNEL is '#general', which is not a "
        "channel id: use the channel's id (C…), not its name. In Slack, open the channel, click "
        "its name at the top: the id (C…) is at the bottom of the About tab."
    )
    assert lines[-1].startswith("1 check failed")


async def test_a_channel_the_bot_is_not_in(doctor: Doctor) -> None:
    doctor.slack.add_channel(id="C0ELSEWHERE", name="elsewhere", is_member=False)
    code, lines = await doctor.run("--http", SMS_HANDLERS_APPROVAL_CHANNEL="C0ELSEWHERE")

    assert code == 1
    assert line(lines, "Approval channel") == (
        "FAIL Approval channel: the bot is not a member of #elsewhere (C0ELSEWHERE), so it "
        "cannot post requests there: type /invite @sms-handlers in the channel."
    )


async def test_an_archived_channel(doctor: Doctor) -> None:
    doctor.slack.add_channel(id="C0OLD", name="old-approvals", is_archived=True)
    code, lines = await doctor.run("--http", SMS_HANDLERS_APPROVAL_CHANNEL="C0OLD")

    assert code == 1
    assert line(lines, "Approval channel") == (
        "FAIL Approval channel: #old-approvals (C0OLD) is archived: unarchive it or choose "
        "another approval channel."
    )


async def test_a_slack_api_url_that_is_not_slack(doctor: Doctor) -> None:
    url = doctor.sandbox.url + "/api/"  # RingCentral's sandbox answers there, not Slack
    code, lines = await doctor.run("--http", SLACK_API_URL=url)

    assert code == 1
    assert line(lines, "Slack bot token") == (
        f"FAIL Slack bot token: the answer from {url} was not a Slack Web API answer: check "
        "SLACK_API_URL."
    )


async def test_a_channel_id_nobody_knows(doctor: Doctor) -> None:
    code, lines = await doctor.run("--http", SMS_HANDLERS_APPROVAL_CHANNEL="C0NOSUCH")

    assert code == 1
    assert line(lines, "Approval channel").startswith(
        "FAIL Approval channel: Slack knows no channel C0NOSUCH that the bot can see "
        "(channel_not_found)"
    )


async def test_approvers_resolving_to_nobody(doctor: Doctor) -> None:
    doctor.slack.add_usergroup(id="S0EMPTY", handle="nobody-here", users=[])
    code, lines = await doctor.run(
        "--http", SMS_HANDLERS_APPROVERS="@nobody-here,@no-such-group,U0GONE,alex"
    )

    assert code == 1
    assert line(lines, "Approvers") == (
        "FAIL Approvers: SMS_HANDLERS_APPROVERS resolves to nobody (@nobody-here has no "
        "members; @no-such-group is not a user group of this workspace; U0GONE is not a member "
        "of this workspace; 'alex' is neither a Slack user id (U…) nor a @user-group handle): "
        "name Slack user ids (U…) of active people, or @user-group handles with members."
    )


async def test_approvers_with_a_mistake_beside_real_people_is_a_warning(doctor: Doctor) -> None:
    code, lines = await doctor.run("--http", SMS_HANDLERS_APPROVERS="U0ALEX,U0GONE")

    assert code == 0
    assert line(lines, "Approvers") == (
        "WARN Approvers: 1 person can approve (U0ALEX), but: U0GONE is not a member of this "
        "workspace."
    )


async def test_an_old_schema_without_auto_migrate(doctor: Doctor) -> None:
    url = doctor.env["DATABASE_URL"]
    await upgrade_async(url, "0001")

    code, lines = await doctor.run("--http", SMS_HANDLERS_AUTO_MIGRATE="false")
    assert code == 1
    assert line(lines, "Database").endswith(
        f"answers but is at revision 0001, and this version needs {head_revision()}: run "
        "`sms-handlers db upgrade` (SMS_HANDLERS_AUTO_MIGRATE is false)."
    )

    await upgrade_async(url)
    code, lines = await doctor.run("--http", SMS_HANDLERS_AUTO_MIGRATE="false")
    assert code == 0
    assert line(lines, "Database").endswith(
        f"answers and is at revision {head_revision()} (the newest)."
    )


async def test_an_unreachable_database_hides_its_password(doctor: Doctor) -> None:
    port = free_port()  # nobody listens there
    dsn = f"postgresql://sms:hunter2secret@127.0.0.1:{port}/sms"
    code, lines = await doctor.run("--http", DATABASE_URL=dsn)

    assert code == 1
    assert line(lines, "Database") == (
        "FAIL Database: Cannot connect to the database in DATABASE_URL "
        f"(postgresql+asyncpg://sms:***@127.0.0.1:{port}/sms): connection refused (is the "
        "server running, on that host and port?)."
    )
    assert not any("hunter2secret" in text for text in lines)


async def test_no_secret_is_ever_printed(doctor: Doctor) -> None:
    outputs: list[str] = []
    for changes in (
        {},
        {"RINGCENTRAL_JWT": doctor.sandbox.jwt + "x"},
        {"SLACK_BOT_TOKEN": doctor.env["SLACK_BOT_TOKEN"] + "x"},
    ):
        _, lines = await doctor.run("--http", **changes)
        outputs += lines
    text = "\n".join(outputs)
    for secret in doctor.secrets():
        assert secret not in text


async def test_the_drift_channel_is_checked_only_when_set(doctor: Doctor) -> None:
    _, without = await doctor.run("--http")
    assert not [text for text in without if "Drift channel" in text]
    doctor.slack.add_channel(id="C0DRIFT", name="sms-handler-changes")

    code, lines = await doctor.run("--http", SMS_HANDLERS_DRIFT_CHANNEL="C0DRIFT")

    assert code == 0
    assert line(lines, "Drift channel") == (
        "OK   Drift channel: #sms-handler-changes (C0DRIFT); the bot is a member."
    )


async def test_a_drift_channel_the_bot_cannot_post_to_is_a_warning(doctor: Doctor) -> None:
    doctor.slack.add_channel(id="C0ELSEWHERE", name="elsewhere", is_member=False)
    code, lines = await doctor.run("--http", SMS_HANDLERS_DRIFT_CHANNEL="C0ELSEWHERE")

    assert code == 0  # the bot works without it
    assert line(lines, "Drift channel") == (
        "WARN Drift channel: the bot is not a member of #elsewhere (C0ELSEWHERE), so changes "
        "made outside the bot are recorded, but not posted: type /invite @sms-handlers in the "
        "channel."
    )
    code, lines = await doctor.run("--http", SMS_HANDLERS_DRIFT_CHANNEL="#sms-drift")
    assert code == 0
    assert line(lines, "Drift channel").startswith(
        "WARN Drift channel: SMS_HANDLERS_DRIFT_CHANNEL is '#sms-drift', which is not a channel "
        "id, so changes made outside the bot are recorded, but not posted: use the channel's id"
    )
    code, lines = await doctor.run("--http", SMS_HANDLERS_DRIFT_CHANNEL="C0NOBODY")
    assert code == 0
    assert "(channel_not_found)" in line(lines, "Drift channel")
