"""`sms-handlers requests --stuck` and `… retry N`, as an operator at a terminal sees them,
against the running app's database, the RingCentral sandbox and the Slack stand-in."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from pathlib import Path

import pytest

from bot.cli import main
from bot.db.base import utc_now
from bot.domain import OPERATOR_ACTOR, AuditAction, RequestIntent, RequestStatus
from bot.services.requests import Actor, ChangeDraft
from sms_handlers_sandbox.ringcentral import Fault
from tests.e2e.test_home import home_of, open_home
from tests.support.app_harness import Harness, running_app, serve_environment, texts

GONE = "dead-host:4242:abcdef"


def run(
    args: list[str], env: dict[str, str], capsys: pytest.CaptureFixture[str]
) -> tuple[int, str, str]:
    with pytest.MonkeyPatch.context() as patch:
        for name, value in env.items():
            patch.setenv(name, value)
        code = main(args)
    captured = capsys.readouterr()
    return code, captured.out, captured.err


async def abandoned_request(app: Harness) -> int:
    """A request approved and claimed by an instance that stopped before applying it."""
    carla = Actor(app.carla.id, "Carla Diaz")
    request = await app.container.requests.create(
        draft=ChangeDraft("4001", ("6004",), (), "evening cover"), requester=carla
    )
    async with app.container.database.transaction() as repo:
        await repo.decide(
            request_id=request.id,
            intent=RequestIntent.APPROVE,
            decider_id=app.alex.id,
            decider_name="Alex Approver",
        )
        await repo.start_applying(
            request_id=request.id,
            actor_id=app.alex.id,
            actor_name="Alex Approver",
            owner=GONE,
            lease_until=utc_now() - timedelta(minutes=3),
        )
    return request.id


async def test_stuck_requests_are_listed_then_finished_by_retry(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    async with running_app(tmp_path) as app:
        env = serve_environment(
            sandbox=app.sandbox,
            slack_token=app.slack.bot_token,
            slack_api_url=app.slack.api_url,
            database=tmp_path / "e2e.db",
        )
        stuck_id = await abandoned_request(app)
        carla = Actor(app.carla.id, "Carla Diaz")
        other = await app.container.requests.create(
            draft=ChangeDraft("4002", ("6004",), (), "cover"), requester=carla
        )
        app.sandbox.inject_fault(Fault(r"/bulk-assign$", status=500))
        failed = await app.container.requests.approve(
            request_id=other.id, approver=Actor(app.alex.id, "Alex Approver")
        )
        assert failed.status is RequestStatus.FAILED
        await app.settle()

        code, out, _ = await asyncio.to_thread(run, ["requests", "--stuck"], env, capsys)
        assert code == 0
        lines = out.splitlines()
        assert lines[0].split() == [
            "request",
            "status",
            "since",
            "resource",
            "owner",
            "lease",
            "error",
        ]
        assert lines[2].split()[:2] == [f"#{stuck_id}", "applying"]
        assert GONE in lines[2] and "ran out 3 min ago" in lines[2]
        assert lines[3].split()[:2] == [f"#{other.id}", "failed"]
        assert "Nothing was changed." in " ".join(out.split())

        code, out, err = await asyncio.to_thread(
            run, ["requests", "retry", str(stuck_id)], env, capsys
        )
        assert (code, out.strip(), err) == (0, f"Request #{stuck_id}: applied.", "")
        assert "6004" in app.sandbox.sms_recipients("4001")
        await app.slack.settle(quiet_seconds=0.1)
        post = next(p for p in app.approval_posts() if f"change request #{stuck_id}*" in texts(p))
        assert "*Applied.* Approved by <@U0ALEX>" in texts(post)
        async with app.container.database.reader() as repo:
            events = (await repo.history(request_id=stuck_id)).events
        taken = next(e for e in events if e.action is AuditAction.TAKEN_OVER)
        assert taken.actor_id == OPERATOR_ACTOR and taken.details["previous_owner"] == GONE

        home = await open_home(app, app.carla)  # she sees her failed request on Home
        assert f"*#{other.id} Sales*" in texts(home) and "*Failed.*" in texts(home)
        code, out, err = await asyncio.to_thread(
            run, ["requests", "retry", f"#{other.id}"], env, capsys
        )
        assert (code, out.strip(), err) == (0, f"Request #{other.id}: applied.", "")
        # The command published her Home again before it ended: the request is no longer open.
        assert f"*#{other.id} Sales*" not in texts(home_of(app, app.carla))

        code, out, _ = await asyncio.to_thread(run, ["requests", "--stuck"], env, capsys)
        assert (code, out.strip()) == (0, "No stuck requests.")


@pytest.mark.parametrize(
    ("number", "expected"),
    [
        ("twelve", "sms-handlers: 'twelve' is not a request number: give N as in #N, e.g. 12."),
        ("0", "sms-handlers: '0' is not a request number: give N as in #N, e.g. 12."),
        ("99", "sms-handlers: Change request #99 does not exist."),
        ("1", "sms-handlers: Request #1 is pending: there is nothing to retry."),
    ],
)
async def test_a_bad_request_number_is_one_clear_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], number: str, expected: str
) -> None:
    async with running_app(tmp_path) as app:
        env = serve_environment(
            sandbox=app.sandbox,
            slack_token=app.slack.bot_token,
            slack_api_url=app.slack.api_url,
            database=tmp_path / "e2e.db",
        )
        await app.container.requests.create(
            draft=ChangeDraft("4001", ("6004",), (), "cover"),
            requester=Actor(app.carla.id, "Carla Diaz"),
        )
        code, out, err = await asyncio.to_thread(run, ["requests", "retry", number], env, capsys)

    assert (code, out) == (1, "")
    assert err.splitlines() == [expected]
