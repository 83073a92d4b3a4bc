"""`serve --http` under load: signed slash commands and "Request change" clicks at set rates.

In this process: the RingCentral sandbox with the large account (500 call queues, 10,000
numbers, 5,000 users), RingCentral's default rate limits (Light 50 a minute…) and 2 s per
request, and the Slack stand-in. `sms-handlers serve --http` runs as a subprocess on SQLite with
its default settings. All on 127.0.0.1.

The mix, cycling in a fixed order: lookups of 20 resources (16 call queues, 3 sites, the main
site), each typed as a name, an extension number or a phone number (85 %); `list` (5 %);
`who` by mention or email (6 %); "Request change" clicks, which open a modal with the click's
trigger_id (4 %). Phases: a cold start (the first lookups, while the bot loads the account), then
20 s at 1 command a second (the baseline), 20 s at 50 and 20 s at 200 a second, each followed by
the wait for its last answers.

Reported per phase, as p50/p95/p99: the ack (HTTP answer; Slack's limit is 3 s), the answer
(first post to the command's response_url), and of the lookups answered with a card the warm
ones, during which (from the command to its answer) no read of that resource's handlers was
under way at the sandbox: from a copy read moments before, or from the last list read (the card
says RingCentral's rate limit kept it from reading now); and those that waited for a read, live
or shown from the last list after all; the modal of a click; answers received against commands
sent; expired triggers; the serve process's RSS (VmRSS) before, at its peak and after, and its
CPU time. Ratios are against the baseline phase of the same run.
"""

from __future__ import annotations

import asyncio
import os
import sys
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

import aiohttp

from bench.loadgen import (
    CHANNEL,
    Click,
    Command,
    LoadGenerator,
    Phase,
    Request,
    cpu_seconds,
    percentiles,
    rss_kib,
)
from bot.phone import format_phone
from sms_handlers_sandbox.ringcentral import SandboxOptions, SandboxServer, Seed, large_seed
from sms_handlers_sandbox.ringcentral.large import QUEUE_BASE, SITE_BASE
from sms_handlers_sandbox.ringcentral.seed import USER
from sms_handlers_sandbox.slack import SlackStandIn
from sms_handlers_sandbox.slack_payloads import SlackUser

LATENCY = 2.0
SECRET = "bench-signing-secret"
APPROVALS = "C0APPROVALS"
# Commands a second and seconds of each phase, the first being the baseline; BENCH_LOAD_PHASES
# gives others, e.g. "1:20,200:10".
PHASES = ((1.0, 20.0), (50.0, 20.0), (200.0, 20.0))
DRAIN_SECONDS = 180.0  # for a phase's last answers
STALE_MARK = "RingCentral's rate limit"  # what a card answered as last read says
PEOPLE = 40  # Slack members sending the commands


def _resources(seed: Seed) -> list[tuple[str, list[str]]]:
    """(resource id, ways to type it) of the 20 resources looked up."""
    by_id = {ext.id: ext for ext in seed.extensions}
    direct = {n.extension_id: n.phone_number for n in seed.phone_numbers if n.type == "VoiceFax"}
    chosen = [QUEUE_BASE + i for i in range(7, 500, 31)][:16] + [SITE_BASE + i for i in (4, 17, 33)]
    resources = []
    for ext_id in chosen:
        ext = by_id[ext_id]
        typed = [ext.name, ext.extension_number or ext.name]
        if ext_id in direct:
            typed.append(format_phone(direct[ext_id]))
        resources.append((str(ext_id), typed))
    resources.append(("100000", ["main", "Globex Holdings"]))
    return resources


def _people(seed: Seed, slack: SlackStandIn) -> list[tuple[SlackUser, str]]:
    """Slack members who are RingCentral users (by email), added to the stand-in."""
    users = [e for e in seed.extensions if e.type == USER and e.email][:PEOPLE]
    people = []
    for n, ext in enumerate(users):
        user_id = f"U0LOAD{n:03d}"
        name = (ext.email or "").split("@")[0]
        slack.add_user(id=user_id, name=name, real_name=ext.name, email=ext.email)
        people.append((SlackUser(id=user_id, name=name), ext.email or ""))
    return people


def _mix(seed: Seed, people: list[tuple[SlackUser, str]]) -> list[Request]:
    """100 requests in a fixed order: 85 lookups, 5 list, 6 who, 4 clicks."""
    resources = _resources(seed)
    mix: list[Request] = []
    for n in range(100):
        user = people[n % len(people)][0]
        resource_id, typed = resources[n % len(resources)]
        if n % 20 == 3:
            mix.append(Command("list", "list", user))
        elif n % 25 == 11:
            mix.append(Click(resource_id, user))
        elif n % 17 == 5:
            other, other_email = people[(n * 7) % len(people)]
            who = f"<@{other.id}|{other.name}>" if n % 2 else other_email
            mix.append(Command("who", f"who {who}", user))
        else:
            mix.append(Command("lookup", typed[n % len(typed)], user, resource_id))
    return mix


def _profiler_args() -> tuple[str, ...]:
    """BENCH_SERVE_PROFILE=file runs serve under cProfile, which writes the file at shutdown."""
    profile = os.environ.get("BENCH_SERVE_PROFILE")
    return ("-m", "cProfile", "-o", os.path.abspath(profile)) if profile else ()


class Serve:
    """`sms-handlers serve --http` in a subprocess; its log goes to a file."""

    def __init__(self, env: dict[str, str], cwd: Path, port: int) -> None:
        self.env, self.cwd, self.port = env, cwd, port
        self.url = f"http://127.0.0.1:{port}"
        self.process: asyncio.subprocess.Process | None = None
        self._log: IO[bytes] | None = None

    async def start(self, http: aiohttp.ClientSession) -> None:
        self._log = await asyncio.to_thread(open, self.cwd / "serve.log", "wb")
        profiler = _profiler_args()
        self.process = await asyncio.create_subprocess_exec(
            *(sys.executable, *profiler, "-m", "bot.cli", "serve", "--http"),
            *("--host", "127.0.0.1", "--port", str(self.port)),
            env=self.env,
            cwd=str(self.cwd),
            stdout=asyncio.subprocess.DEVNULL,
            stderr=self._log,
        )
        for _ in range(600):
            if self.process.returncode is not None:
                raise RuntimeError(f"serve exited: {self.log_tail()}")
            try:
                async with http.get(f"{self.url}/healthz") as response:
                    if response.status == 200:
                        return
            except aiohttp.ClientConnectionError:
                pass
            await asyncio.sleep(0.1)
        raise RuntimeError(f"serve did not answer /healthz: {self.log_tail()}")

    @property
    def pid(self) -> int:
        assert self.process is not None
        return self.process.pid

    def log_tail(self) -> str:
        return (self.cwd / "serve.log").read_text(errors="replace")[-2000:]

    async def stop(self) -> None:
        if self.process is not None and self.process.returncode is None:
            self.process.terminate()
            try:
                await asyncio.wait_for(self.process.wait(), 30)
            except TimeoutError:
                self.process.kill()
                await self.process.wait()
        if self._log is not None:
            self._log.close()


def _phases() -> tuple[tuple[float, float], ...]:
    given = os.environ.get("BENCH_LOAD_PHASES", "").strip()
    if not given:
        return PHASES
    return tuple(
        (float(rate), float(seconds))
        for rate, _, seconds in (phase.partition(":") for phase in given.split(","))
    )


def _progress(message: str) -> None:
    print(f"   {message}", file=sys.stderr, flush=True)


def _free_port() -> int:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _environment(sandbox: SandboxServer, slack: SlackStandIn, database: Path) -> dict[str, str]:
    return {
        "PATH": os.environ.get("PATH", ""),
        "RINGCENTRAL_SERVER_URL": sandbox.url,
        "RINGCENTRAL_CLIENT_ID": sandbox.client_id,
        "RINGCENTRAL_CLIENT_SECRET": sandbox.client_secret,
        "RINGCENTRAL_JWT": sandbox.jwt,
        "SLACK_BOT_TOKEN": slack.bot_token,
        "SLACK_API_URL": slack.api_url,
        "SLACK_SIGNING_SECRET": SECRET,
        "SMS_HANDLERS_APPROVERS": "U0LOAD000",
        "SMS_HANDLERS_APPROVAL_CHANNEL": APPROVALS,
        "DATABASE_URL": f"sqlite+aiosqlite:///{database}",
    }


class RssSampler:
    """The serve process's RSS every half second: its start, peak and last value; and the CPU
    time it used meanwhile."""

    def __init__(self, pid: int) -> None:
        self._pid = pid
        self.first = self.peak = self.last = rss_kib(pid)
        self.cpu_start = self.cpu_end = cpu_seconds(pid)
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        self._task = asyncio.create_task(self._sample())

    async def _sample(self) -> None:
        while True:
            await asyncio.sleep(0.5)
            self.last = rss_kib(self._pid)
            self.peak = max(self.peak, self.last)

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
        self.last = rss_kib(self._pid)
        self.cpu_end = cpu_seconds(self._pid)


def _ms(values: Sequence[float]) -> str:
    return "/".join(f"{v * 1000:.0f}" for v in percentiles(values))


def _s(values: Sequence[float]) -> str:
    return "/".join(f"{v:.2f}" for v in percentiles(values))


Reads = dict[str, list[tuple[float, float]]]  # resource id -> (sent, answered) of each read


def _handler_reads(sandbox: SandboxServer) -> Reads:
    reads: Reads = {}
    for record in sandbox.requests:
        if record.path.endswith("/sms-recipients"):
            resource_id = record.path.rsplit("/", 2)[-2]
            reads.setdefault(resource_id, []).append((record.received_at, record.answered_at))
    return reads


@dataclass
class CardTimes:
    """Answer times of the lookups answered with a card, by how the card got its handlers."""

    copy: list[float] = field(default_factory=list)  # warm: a list read moments ago
    last: list[float] = field(default_factory=list)  # warm: the last list, at once
    live: list[float] = field(default_factory=list)  # after a read
    last_after_wait: list[float] = field(default_factory=list)  # the last list, after a wait

    @property
    def warm(self) -> list[float]:
        return self.copy + self.last


def _card_times(phase: Phase, reads: Reads) -> CardTimes:
    """Warm cards are those during which (from the command to its answer) no read of the
    resource's handlers was under way; the card says when it shows the last list read."""
    times = CardTimes()
    for sent in phase.of_kind("lookup"):
        request = sent.request
        seconds, answered_at = sent.answer_seconds, sent.answered_at
        if seconds is None or answered_at is None or not isinstance(request, Command):
            continue
        if "SMS handlers of" not in sent.answer_text:
            continue
        waited = any(
            r[0] < answered_at and r[1] > sent.sent_at
            for r in reads.get(request.resource_id or "", [])
        )
        last = STALE_MARK in sent.answer_text
        if waited:
            (times.last_after_wait if last else times.live).append(seconds)
        else:
            (times.last if last else times.copy).append(seconds)
    return times


def _report(phase: Phase, baseline: Phase | None, rss: RssSampler, reads: Reads) -> list[str]:
    commands = [s for s in phase.sent if isinstance(s.request, Command)]
    clicks = phase.of_kind("click")
    acks = [s.ack_seconds for s in phase.sent if s.ack_seconds is not None]
    answers = [s.answer_seconds for s in commands if s.answer_seconds is not None]
    cards = _card_times(phase, reads)
    modals = [s.modal_at - s.sent_at for s in clicks if s.modal_at is not None]
    expired = sum(1 for s in clicks if s.modal_error == "expired_trigger_id")
    failed_modals = sum(1 for s in clicks if s.modal_error not in (None, "expired_trigger_id"))
    not_ok = sum(1 for s in phase.sent if s.status != 200)
    cpu = rss.cpu_end - rss.cpu_start
    late = max((s.sent_at - s.scheduled_at for s in phase.sent), default=0.0)
    card_count = sum(1 for s in commands if "SMS handlers of" in s.answer_text)
    lines = [
        f"   {phase.name}: {len(phase.sent)} sent in {phase.ended_at - phase.started_at:.1f} s "
        f"({len(commands)} commands, {len(clicks)} clicks; generator at most {late * 1000:.0f} ms "
        "late)",
        f"     acks p50/p95/p99 {_ms(acks)} ms, {sum(a > 3 for a in acks)} over 3 s, "
        f"{not_ok} not 200",
        f"     answers {len(answers)}/{len(commands)} commands ({card_count} cards); "
        f"p50/p95/p99 {_s(answers)} s",
        f"     warm cards {len(cards.warm)}, p50/p95/p99 {_ms(cards.warm)} ms: "
        f"{len(cards.copy)} from a copy ({_ms(cards.copy)} ms), {len(cards.last)} from the "
        f"last list read ({_ms(cards.last)} ms)",
        f"     cards that waited for a read: {len(cards.live)} live, {_s(cards.live)} s; "
        f"{len(cards.last_after_wait)} from the last list read after all, "
        f"{_s(cards.last_after_wait)} s",
        f"     clicks: modal opened p50/p95/p99 {_ms(modals)} ms, {expired} expired_trigger_id, "
        f"{failed_modals} other errors, {len(clicks) - len(modals)} never opened",
        f"     serve RSS {rss.first / 1024:.0f} MiB before, peak {rss.peak / 1024:.0f}, "
        f"after {rss.last / 1024:.0f} (growth {(rss.last - rss.first) / 1024:+.1f} MiB); "
        f"CPU {cpu:.1f} s, {cpu / len(phase.sent) * 1000:.1f} ms a request",
    ]
    if baseline is not None:
        base_acks = [s.ack_seconds for s in baseline.sent if s.ack_seconds is not None]
        base_answers = [
            s.answer_seconds
            for s in baseline.sent
            if isinstance(s.request, Command) and s.answer_seconds is not None
        ]
        ratios = []
        for label, mine, theirs in (("ack", acks, base_acks), ("answer", answers, base_answers)):
            pairs = zip(percentiles(mine), percentiles(theirs), strict=True)
            ratios.append(f"{label} " + "/".join(f"{a / b:.2f}" for a, b in pairs))
        lines.append(f"     vs the 1/s baseline (p50/p95/p99): {'; '.join(ratios)}")
    return lines


async def _cold_start(load: LoadGenerator, mix: Sequence[Request]) -> list[str]:
    """The first lookup (the bot loads the account), then one of each resource: its times."""
    lookups = [r for r in mix if r.kind == "lookup"]
    first = await load.run("first lookup", lookups[:1], rate=1.0, seconds=1.0)
    await load.answered(first, timeout_seconds=120)
    seen: dict[str | None, Request] = {}
    for request in lookups:
        if isinstance(request, Command):
            seen.setdefault(request.resource_id, request)
    others = await load.run("cold cards", list(seen.values()), rate=5.0, seconds=len(seen) / 5)
    await load.answered(others, timeout_seconds=120)
    answers = [s.answer_seconds for s in others.sent if s.answer_seconds is not None]
    seconds = first.sent[0].answer_seconds
    return [
        f"   cold start: the first lookup answered in {seconds or float('nan'):.2f} s "
        f"(the account loaded at {LATENCY:.0f} s a request); then one card of each of "
        f"{len(others.sent)} resources, p50/p95/p99 {_s(answers)} s, "
        f"{len(answers)}/{len(others.sent)} answered"
    ]


async def run() -> list[str]:
    seed = large_seed()
    options = SandboxOptions(latency_seconds=LATENCY)
    lines = [
        f"   large account ({len(seed.phone_numbers)} numbers), RingCentral {LATENCY:.0f} s a "
        "request with its default rate limits; serve --http on SQLite; "
        f"{os.cpu_count()} CPUs, load average before {os.getloadavg()[0]:.2f}"
    ]
    with tempfile.TemporaryDirectory(prefix="bench-load-") as tmp:
        async with (
            SandboxServer(seed, options=options) as sandbox,
            SlackStandIn() as slack,
            aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=0)) as http,
        ):
            slack.check_blocks = False  # the tests check them; here it would cost the most
            slack.add_channel(id=CHANNEL, name="general")
            slack.add_channel(id=APPROVALS, name="sms-approvals")
            people = _people(seed, slack)
            mix = _mix(seed, people)
            env = _environment(sandbox, slack, Path(tmp) / "load.db")
            serve = Serve(env, Path(tmp), _free_port())
            await serve.start(http)
            try:
                load = LoadGenerator(
                    url=f"{serve.url}/slack/events", secret=SECRET, slack=slack, http=http
                )
                lines += await _cold_start(load, mix)
                baseline: Phase | None = None
                for rate, seconds in _phases():
                    pids = f"serve pid {serve.pid}, this pid {os.getpid()}"
                    _progress(f"{rate:g} commands a second ({pids})")
                    rss = RssSampler(serve.pid)
                    rss.start()
                    phase = await load.run(f"{rate:g}/s", mix, rate=rate, seconds=seconds)
                    await load.answered(phase, timeout_seconds=DRAIN_SECONDS)
                    await rss.stop()
                    lines += _report(phase, baseline, rss, _handler_reads(sandbox))
                    baseline = baseline or phase
                calls = [r for r in sandbox.requests if not r.path.endswith("/oauth/token")]
                lines.append(
                    f"   RingCentral: {len(calls)} calls, {sum(r.status == 429 for r in calls)} "
                    f"answered 429, {sandbox.penalty_restarts} penalty restarts"
                )
            finally:
                await serve.stop()
    lines.append(f"   load average after {os.getloadavg()[0]:.2f}")
    return lines
