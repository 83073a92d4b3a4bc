"""Two real `serve --http` instances on one PostgreSQL schema.

- Background jobs run in one instance at a time; after kill -9 of that instance the other takes
  over (once the dead one's lease has run out) and the runs never overlap.
- Under a `who` scan of a large account, with RingCentral's rate limits on (scaled down to a
  one-second window), the instances share the rate-limit state and the scan: no call lands in a
  penalty (which would restart it), each resource is scanned once, and both people asking get
  the complete answer.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

import aiohttp
import pytest

from bot.db.migrate import upgrade_async
from bot.services.directory import Directory
from sms_handlers_sandbox.ringcentral import SandboxOptions, SandboxServer, large_seed
from sms_handlers_sandbox.slack import SlackStandIn
from sms_handlers_sandbox.slack_payloads import send, slash_command
from tests.support.app_harness import (
    CARLA,
    GENERAL,
    NINA,
    SAM,
    SIGNING_SECRET,
    Person,
    populate,
    serve_environment,
    texts,
)
from tests.support.instances import JOB_LAUNCHER, Instance, serve_instance
from tests.support.postgres import isolated_schema, postgres_url_or_skip
from tests.support.services import sandbox_client

pytestmark = pytest.mark.postgres

LEASE_SECONDS = 2


@asynccontextmanager
async def migrated_postgres() -> AsyncIterator[str]:
    """A fresh schema at the newest revision (migrating from two processes at once is another
    matter, with its own lock and tests)."""
    async with isolated_schema(postgres_url_or_skip()) as url:
        await upgrade_async(url)
        yield url


def environment(
    sandbox: SandboxServer, slack: SlackStandIn, database_url: str, **extra: str
) -> dict[str, str]:
    return serve_environment(
        sandbox=sandbox,
        slack_token=slack.bot_token,
        slack_api_url=slack.api_url,
        database=Path("unused.db"),
        DATABASE_URL=database_url,
        SLACK_SIGNING_SECRET=SIGNING_SECRET,
        SMS_HANDLERS_AUTO_MIGRATE="false",
        SMS_HANDLERS_LEASE_SECONDS=str(LEASE_SECONDS),
        **extra,
    )


async def until(condition: Callable[[], bool], *, seconds: float = 30.0) -> None:
    for _ in range(int(seconds / 0.05)):
        if condition():
            return
        await asyncio.sleep(0.05)
    raise AssertionError("it never happened")


# -- one job, one instance at a time -----------------------------------------------------------


@dataclass
class Run:
    pid: int
    start: float
    end: float | None  # None: never ended (its process was killed)


def runs_in(path: Path) -> list[Run]:
    """The probe job's runs, from the lines the instances appended (see serve_with_job)."""
    runs: list[Run] = []
    open_runs: dict[int, Run] = {}
    if not path.exists():
        return runs
    for line in path.read_text(encoding="utf-8").splitlines():
        pid, what, at = line.split()
        if what == "start":
            open_runs[int(pid)] = Run(int(pid), float(at), None)
            runs.append(open_runs[int(pid)])
        elif int(pid) in open_runs:
            open_runs.pop(int(pid)).end = float(at)
    return runs


def overlapping(runs: list[Run], *, killed_at: float) -> list[tuple[Run, Run]]:
    """Runs of different instances at the same time (a killed run ends when it was killed)."""

    def end(run: Run) -> float:
        return killed_at if run.end is None else run.end

    return [
        (a, b)
        for i, a in enumerate(runs)
        for b in runs[i + 1 :]
        if a.pid != b.pid and a.start < end(b) and b.start < end(a)
    ]


async def test_a_job_runs_in_one_instance_and_the_other_takes_over_after_kill_9(
    tmp_path: Path,
) -> None:
    runs_file = tmp_path / "runs.txt"
    with_job = {"module": JOB_LAUNCHER, "pre_args": (str(runs_file),)}
    options = SandboxOptions(rate_limits_enabled=False)
    async with (
        migrated_postgres() as url,
        SandboxServer(options=options) as sandbox,
        SlackStandIn() as slack,
        aiohttp.ClientSession() as http,
    ):
        populate(slack)
        # Recovery and the probe job only (the drift and offboarding checks are turned off).
        env = environment(
            sandbox,
            slack,
            url,
            SMS_HANDLERS_DRIFT_INTERVAL_SECONDS="0",
            SMS_HANDLERS_OFFBOARDING_INTERVAL_SECONDS="0",
        )
        async with serve_instance(env, cwd=tmp_path, **with_job) as first:  # type: ignore[arg-type]
            await until(lambda: any(r.pid == first.pid for r in runs_in(runs_file)))
            async with serve_instance(env, cwd=tmp_path, **with_job) as second:  # type: ignore[arg-type]
                await second.healthy(http)
                both_up = len(runs_in(runs_file))
                await asyncio.sleep(LEASE_SECONDS * 1.5)  # the first renews; the second waits
                assert len(runs_in(runs_file)) > both_up + 3
                assert {r.pid for r in runs_in(runs_file)} == {first.pid}

                killed_at = time.time()
                first.kill()
                await first.process.wait()
                await until(
                    lambda: any(r.pid == second.pid for r in runs_in(runs_file)),
                    seconds=LEASE_SECONDS * 5,
                )
                taken_over_at = next(r.start for r in runs_in(runs_file) if r.pid == second.pid)
                await until(lambda: sum(r.pid == second.pid for r in runs_in(runs_file)) >= 3)
                second_log = second.log()

    runs = runs_in(runs_file)
    assert overlapping(runs, killed_at=killed_at) == []
    assert all(r.start < killed_at for r in runs if r.pid == first.pid)
    assert taken_over_at > killed_at
    assert "now runs the background jobs: recovery, probe" in second_log


# -- a `who` scan under rate limits ------------------------------------------------------------

LIMITS = {"Light": 6, "Medium": 40, "Heavy": 10, "Auth": 20}  # per one-second window
SEED = large_seed(sites=3, queues=20, users=30, numbers=80)  # 24 common resources


@dataclass(frozen=True)
class Handler:
    email: str
    name: str
    resources: frozenset[str]  # names of the resources they handle SMS for


async def busiest_handlers(sandbox: SandboxServer, count: int) -> tuple[list[Handler], list[str]]:
    """The `count` users handling SMS for the most resources, and every resource's name."""
    async with sandbox_client(sandbox) as client:
        resources = (await Directory(client=client).inventory()).resources
    handled: dict[str, set[str]] = {}
    for resource in resources:
        for user_id in sandbox.sms_recipients(resource.id):
            handled.setdefault(user_id, set()).add(resource.name)
    extensions = {str(e.id): e for e in SEED.extensions}
    busiest = sorted(handled, key=lambda u: (-len(handled[u]), u))[:count]
    chosen = [
        Handler(str(extensions[u].email), extensions[u].name, frozenset(handled[u]))
        for u in busiest
    ]
    return chosen, [r.name for r in resources]


async def command(
    http: aiohttp.ClientSession, instance: Instance, slack: SlackStandIn, person: Person, text: str
) -> None:
    payload = slash_command(
        command="/sms-handlers",
        text=text,
        user_id=person.id,
        user_name=person.name,
        channel_id=GENERAL,
        channel_name="general",
        trigger_id=slack.new_trigger_id(person.id),
        response_url=slack.response_url(channel_id=GENERAL, user_id=person.id),
    )
    status, _, _ = await send(
        http, instance.events_url, payload, secret=SIGNING_SECRET, kind="form"
    )
    assert status == 200


def answers(slack: SlackStandIn, person: Person) -> list[str]:
    return [
        texts(m)
        for m in slack.messages(GENERAL)
        if m.get("is_ephemeral") and m.get("visible_to") == person.id
    ]


def handler_reads(sandbox: SandboxServer) -> list[str]:
    return [
        r.path for r in sandbox.requests if r.path.endswith("/sms-recipients") and r.status == 200
    ]


async def test_two_instances_under_a_who_scan_never_restart_a_penalty(tmp_path: Path) -> None:
    options = SandboxOptions(
        rate_limits_enabled=False, limits=dict(LIMITS), window_seconds=1.0, penalty_seconds=2.0
    )
    async with (
        migrated_postgres() as url,
        SandboxServer(SEED, options=options) as sandbox,
        SlackStandIn() as slack,
        aiohttp.ClientSession() as http,
    ):
        populate(slack)
        (first_asked, second_asked), names = await busiest_handlers(sandbox, 2)
        cards = names[:4]
        sandbox.requests.clear()
        sandbox.reset_rate_limits()
        sandbox.options.rate_limits_enabled = True
        # The bulk-read budget is out of the way: RingCentral's own limit is what is shared.
        env = environment(sandbox, slack, url, SMS_HANDLERS_SCAN_READS_PER_MINUTE="100000")
        async with serve_instance(env, cwd=tmp_path) as a, serve_instance(env, cwd=tmp_path) as b:
            await asyncio.gather(a.healthy(http), b.healthy(http))

            await command(http, a, slack, NINA, f"who {first_asked.email}")
            await until(lambda: len(handler_reads(sandbox)) >= 3)  # a's scan is under way
            await command(http, b, slack, CARLA, f"who {second_asked.email}")
            for name in cards:  # people looking at cards on b meanwhile
                await command(http, b, slack, SAM, name)
            await until(
                lambda: (
                    len(answers(slack, NINA)) == 1
                    and len(answers(slack, CARLA)) == 1
                    and len(answers(slack, SAM)) == len(cards)
                ),
                seconds=60,
            )
        statuses = [r.status for r in sandbox.requests]
        reads = handler_reads(sandbox)

    assert sandbox.penalty_restarts == 0
    assert statuses.count(429) <= 1, statuses  # at most the one that started a penalty
    # Every resource scanned once, by one instance: the other waited for its snapshots.
    assert len(names) <= len(reads) <= len(names) + len(cards)
    for person, asked in ((NINA, first_asked), (CARLA, second_asked)):
        final = answers(slack, person)[0]
        assert final.startswith(f"*{asked.name}* handles SMS for\n"), final
        listed = {line.split("*")[1] for line in final.splitlines()[1:] if line.startswith("• ")}
        assert listed == asked.resources
    shown = answers(slack, SAM)  # in the order they were answered
    assert all(any(name in card for card in shown) for name in cards), shown
