"""A `serve --http` subprocess stopped (kill -9, or SIGTERM) while six approved changes are at
six different steps of being applied, then restarted on the same database: recovery finishes
every one of them, none is applied twice, every audit event is there, and the approval posts and
the requester's DMs show the outcome. The expectations are the fault matrix's (fault_matrix.py).
"""

from __future__ import annotations

import asyncio
import signal
from collections.abc import Callable
from pathlib import Path

import aiohttp
import pytest

from bot.app import EVENTS_PATH
from bot.db.session import Database
from sms_handlers_sandbox.ringcentral import Fault, SandboxOptions, SandboxServer
from sms_handlers_sandbox.slack import SlackStandIn
from tests.e2e.conftest import DatabaseChoice
from tests.e2e.fault_matrix import SIGKILL, SIGTERM, STOPPED_STEPS, stopped_outcome
from tests.e2e.outcomes import all_settled, assert_outcome
from tests.support.app_harness import (
    SIGNING_SECRET,
    Harness,
    free_port,
    populate,
    serve_environment,
)
from tests.support.serve_process import open_review, send_request, serve_process
from tests.support.waiting import wait_until

ELENA = "6005"  # handles SMS nowhere yet; every request adds her
# One resource per step (the sandbox's faults are aimed at one resource's paths), and what is
# typed to find it.
RESOURCES = {
    "read_before": ("4001", "104"),
    "bulk_assign_lost": ("4002", "105"),
    "bulk_assign_taken": ("4003", "106"),
    "read_back": ("4004", "107"),
    "slack_update": ("2000", "200"),
    "slow_bulk_assign": ("3000", "300"),
}
SETTINGS = {
    "SLACK_SIGNING_SECRET": SIGNING_SECRET,
    "SMS_HANDLERS_APPLY_LEASE_SECONDS": "2",
    "SMS_HANDLERS_RECOVERY_INTERVAL_SECONDS": "0.5",
    "SMS_HANDLERS_SHUTDOWN_GRACE_SECONDS": "3",
    "SMS_HANDLERS_LEASE_SECONDS": "2",  # the background lease (recovery runs in its holder)
    "RINGCENTRAL_TIMEOUT_SECONDS": "60",  # hung calls outlast the test
    "RINGCENTRAL_MAX_CONCURRENCY": "16",  # four calls hang at once
}


def arm(
    step: str, sandbox: SandboxServer, slack: SlackStandIn, gate: asyncio.Event
) -> Callable[[], bool]:
    """Make the next apply on the step's resource stop at that step; whether it got there."""
    resource_id, _ = RESOURCES[step]
    handlers = f"/extension/{resource_id}/sms-recipients"
    bulk = f"{handlers}/bulk-assign"

    def hanging(method: str, suffix: str) -> Callable[[], bool]:
        return lambda: any(
            r.method == method and r.path.endswith(suffix) and r.status == 0
            for r in sandbox.requests
        )

    if step == "read_before":
        sandbox.inject_fault(Fault(handlers + "$", method="GET", hang=True))
        return hanging("GET", handlers)
    if step == "bulk_assign_lost":
        sandbox.inject_fault(Fault(bulk + "$", method="POST", hang=True))
        return hanging("POST", bulk)
    if step == "bulk_assign_taken":
        sandbox.inject_fault(Fault(bulk + "$", method="POST", hang=True, handled=True))
        return hanging("POST", bulk)
    if step == "read_back":
        sandbox.inject_fault(Fault(handlers + "$", method="GET", hang=True, skip=1))
        return hanging("GET", handlers)
    if step == "slack_update":
        slack.hold("chat.update")
        return lambda: slack.holding("chat.update") == 1
    assert step == "slow_bulk_assign"
    sandbox.inject_fault(Fault(bulk + "$", method="POST", handled=True, status=None, release=gate))
    return lambda: ELENA in sandbox.sms_recipients(resource_id)


@pytest.mark.slow
@pytest.mark.parametrize(
    ("how", "stop"),
    [(signal.SIGKILL, SIGKILL), (signal.SIGTERM, SIGTERM)],
    ids=["kill-9", "SIGTERM"],
)
async def test_a_stopped_bot_leaves_no_change_stranded_or_applied_twice(
    tmp_path: Path, database_choice: DatabaseChoice, how: signal.Signals, stop: str
) -> None:
    options = SandboxOptions(rate_limits_enabled=False)
    async with SandboxServer(options=options) as sandbox, SlackStandIn() as slack:
        populate(slack)
        env = serve_environment(
            sandbox=sandbox,
            slack_token=slack.bot_token,
            slack_api_url=slack.api_url,
            database=tmp_path / "unused.db",
            **SETTINGS,
        )
        env["DATABASE_URL"] = database_choice.url
        gate = asyncio.Event()  # holds the slow bulk-assign's answer
        numbers: dict[str, int] = {}
        async with (
            serve_process(env, tmp_path, free_port()) as serve,
            aiohttp.ClientSession() as http,
        ):
            app = Harness(
                sandbox=sandbox,
                slack=slack,
                container=None,
                url=serve.url + EVENTS_PATH,
                http=http,
            )
            for number, step in enumerate(STOPPED_STEPS, start=1):
                _, query = RESOURCES[step]
                post = await send_request(app, query=query, add=ELENA, typed="elena")
                review = await open_review(app, post, number)
                reached = arm(step, sandbox, slack, gate)
                await app.submit(app.alex, review, {}, settle=False)
                await wait_until(reached, what=f"request #{number} at {step}")
                numbers[step] = number

            serve.signal(how)
            gate.set()  # the slow bulk-assign answers while the bot is stopping
            code = await serve.wait()
            assert code == (0 if how is signal.SIGTERM else -signal.SIGKILL), serve.log()

            await serve.start()
            database = Database.from_url(database_choice.url)
            try:
                await wait_until(
                    lambda: all_settled(database, len(numbers)),
                    what="recovery to settle every request",
                    timeout_seconds=30,
                )
                for step, number in numbers.items():
                    await assert_outcome(
                        app,
                        database,
                        request_id=number,
                        resource_id=RESOURCES[step][0],
                        added=ELENA,
                        expected=stopped_outcome(step, stop),
                    )
            finally:
                await database.dispose()
            assert slack.rejected_payloads() == []
