"""Prometheus metrics of one app instance, served at GET /metrics.

Each `Metrics` has its own registry (not prometheus_client's global one), so several apps can run
in one process, as the tests do. Counters are updated as things happen: Slack requests by the
middleware in bot/request_tracking.py, RingCentral answers by an observer on the client. Gauges
that describe state (change requests by state, the background read budget, running background
tasks) are read when the metrics are scraped.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Mapping

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    ProcessCollector,
    generate_latest,
)

from bot.background import BackgroundTasks
from bot.db.session import Database
from bot.domain import RequestStatus
from bot.ringcentral.client import RingCentralClient
from bot.services.budget import CallBudget

logger = logging.getLogger(__name__)

CONTENT_TYPE = CONTENT_TYPE_LATEST
COMMAND_KINDS = ("help", "list", "who", "lookup")
UNKNOWN_GROUP = "unknown"
# Slack waits 3 s for an ack; a response_url lives 30 minutes.
ANSWER_BUCKETS = (0.05, 0.1, 0.25, 0.5, 1.0, 2.0, 3.0, 5.0, 10.0, 30.0, 60.0, 300.0, 1800.0)

Sampler = Callable[["Metrics"], Awaitable[None]]


class Metrics:
    """The app's counters, histogram and gauges, in a registry of their own."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        registry = self.registry
        self.commands_received = Counter(
            "sms_handlers_commands_received",
            "Slash commands received, by kind (help, list, who, lookup).",
            ["kind"],
            registry=registry,
        )
        self.commands_answered = Counter(
            "sms_handlers_commands_answered",
            "Slash commands whose first answer reached the person, by kind.",
            ["kind"],
            registry=registry,
        )
        self.answer_seconds = Histogram(
            "sms_handlers_command_answer_seconds",
            "Seconds from receiving a slash command to its first answer, by kind.",
            ["kind"],
            buckets=ANSWER_BUCKETS,
            registry=registry,
        )
        self.interactions = Counter(
            "sms_handlers_interactions",
            "Other requests from Slack (buttons, modal submissions, menu loads, events), "
            "by Slack's type and the action, view or event.",
            ["type", "action"],
            registry=registry,
        )
        self.ringcentral_calls = Counter(
            "sms_handlers_ringcentral_calls",
            "RingCentral API requests sent (token exchanges not included), by rate group.",
            ["group"],
            registry=registry,
        )
        self.ringcentral_rate_limited = Counter(
            "sms_handlers_ringcentral_rate_limited",
            "RingCentral API requests answered 429 (rate limit exceeded), by rate group.",
            ["group"],
            registry=registry,
        )
        self.requests = Gauge(
            "sms_handlers_requests",
            "Change requests by state, read from the database when scraped.",
            ["state"],
            registry=registry,
        )
        self.scan_budget_used = Gauge(
            "sms_handlers_scan_budget_used",
            "Background handler reads (who, list) spent in the budget's current window.",
            registry=registry,
        )
        self.scan_budget_limit = Gauge(
            "sms_handlers_scan_budget_limit",
            "Background handler reads the budget allows per window.",
            registry=registry,
        )
        self.background_tasks = Gauge(
            "sms_handlers_background_tasks",
            "Work running in the background after Slack's ack (answers, applies, scans).",
            registry=registry,
        )
        ProcessCollector(registry=registry)
        for kind in COMMAND_KINDS:  # every kind shows, at 0 until it happens
            self.commands_received.labels(kind)
            self.commands_answered.labels(kind)
            self.answer_seconds.labels(kind)
        self._route_groups: dict[str, str] = {}
        self._samplers: list[Sampler] = []

    # -- as things happen --------------------------------------------------------------------

    def command_received(self, kind: str) -> None:
        self.commands_received.labels(kind).inc()

    def command_answered(self, kind: str, seconds: float) -> None:
        self.commands_answered.labels(kind).inc()
        self.answer_seconds.labels(kind).observe(seconds)

    def interaction(self, kind: str, action: str) -> None:
        self.interactions.labels(kind, action).inc()

    def ringcentral_answered(
        self, route: str, status: int | None, headers: Mapping[str, str]
    ) -> None:
        """A RingCentral request ended (`status` None: no answer came), counted in its group.

        RingCentral names the group in `X-Rate-Limit-Group`; an answer without it (a dropped
        connection) counts in the group the route's last answer named.
        """
        group = headers.get("X-Rate-Limit-Group") or self._route_groups.get(route)
        if group:
            self._route_groups[route] = group
        group = group or UNKNOWN_GROUP
        self.ringcentral_calls.labels(group).inc()
        if status == 429:
            self.ringcentral_rate_limited.labels(group).inc()

    # -- when scraped ------------------------------------------------------------------------

    def add_sampler(self, sample: Sampler) -> None:
        """Run `sample` before each scrape (it sets gauges from the app's state)."""
        self._samplers.append(sample)

    async def exposition(self) -> bytes:
        """Every metric in Prometheus' text format, gauges sampled now."""
        for sample in self._samplers:
            await sample(self)
        return generate_latest(self.registry)


def scan_budget_sampler(budget: CallBudget) -> Sampler:
    async def sample(metrics: Metrics) -> None:
        metrics.scan_budget_limit.set(budget.calls)
        metrics.scan_budget_used.set(budget.calls - budget.available())

    return sample


def background_sampler(tasks: BackgroundTasks) -> Sampler:
    async def sample(metrics: Metrics) -> None:
        metrics.background_tasks.set(len(tasks))

    return sample


def requests_sampler(database: Database) -> Sampler:
    """Change requests by state; while the database does not answer, the gauge is left empty
    rather than showing old numbers."""

    async def sample(metrics: Metrics) -> None:
        try:
            async with database.reader() as repo:
                counts = await repo.count_requests_by_status()
        except Exception as exc:
            logger.warning("metrics: could not count requests by state: %s", exc)
            metrics.requests.clear()
            return
        for status in RequestStatus:
            metrics.requests.labels(status.value).set(counts.get(status, 0))

    return sample


def app_metrics(
    *,
    database: Database,
    ringcentral: RingCentralClient,
    scan_budget: CallBudget,
    tasks: BackgroundTasks,
    metrics: Metrics | None = None,
) -> Metrics:
    """The metrics of one app (`metrics`, when serve made them before its start-up checks):
    RingCentral's answers observed, state sampled at each scrape."""
    metrics = metrics if metrics is not None else Metrics()
    ringcentral.observe_answers(metrics.ringcentral_answered)
    metrics.add_sampler(requests_sampler(database))
    metrics.add_sampler(scan_budget_sampler(scan_budget))
    metrics.add_sampler(background_sampler(tasks))
    return metrics
