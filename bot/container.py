"""The composition root: settings in, every collaborator of the Slack app out.

Tests build it with overrides (another Slack client, a notifier, a shorter cache, a smaller
`list` page, shorter pauses between attempts to record an outcome) instead of monkeypatching;
the CLI builds it from the environment.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

import aiohttp
from slack_sdk.http_retry.builtin_async_handlers import AsyncRateLimitErrorRetryHandler
from slack_sdk.web.async_client import AsyncWebClient

from bot.background import BackgroundTasks
from bot.config import Settings
from bot.db.base import utc_now
from bot.db.errors import DatabaseUnavailableError
from bot.db.migrate import open_database
from bot.db.session import Database
from bot.metrics import Metrics, app_metrics
from bot.policy.load import load_policy
from bot.policy.model import ENVIRONMENT
from bot.ringcentral.client import RingCentralClient
from bot.ringcentral.factory import client_from_settings
from bot.services.applying import OUTCOME_PAUSE_SECONDS, Applier
from bot.services.browse import LIST_PAGE_SIZE, BrowseService
from bot.services.budget import CallBudget
from bot.services.coordinator import Coordinator, Leases, PeriodicJob, new_instance_id
from bot.services.directory import Directory
from bot.services.drift import DriftWatch
from bot.services.export import ExportService
from bot.services.follow_ups import PendingFollowUps
from bot.services.handler_index import HandlerIndex
from bot.services.history import HistoryService
from bot.services.home import HomeRefreshingNotifier, HomeService
from bot.services.notifier import RequestNotifier
from bot.services.offboarding import OffboardingService, OffboardingWatch
from bot.services.people import People
from bot.services.policy import DEFAULT_CACHE_SECONDS, ApprovalPolicy, fields_not_acted_on
from bot.services.rate_sharing import DatabaseRateLimits
from bot.services.readings import ChangeAlerts
from bot.services.recovery import RecoveryService
from bot.services.requests import RequestService
from bot.services.temporary import RequesterTemporaryChanges, TemporaryChanges
from bot.slackapi.drift import SlackChangeAlerts
from bot.slackapi.home import HomePublisher
from bot.slackapi.notifier import SlackNotifier
from bot.slackapi.usergroups import SlackUserGroups
from bot.slackapi.users import SlackUsers

logger = logging.getLogger(__name__)

SLACK_SETTINGS = ("SLACK_BOT_TOKEN", "SMS_HANDLERS_APPROVAL_CHANNEL")
SLACK_TIMEOUT_SECONDS = 30  # slack_sdk's default for a Web API call or a response_url post
REPLACED_BY_POLICY = ("approvers", "approval_channel", "allow_self_approval")


@dataclass
class Container:
    """Every collaborator of the Slack app, built once per process; bot.app hands each listener
    the few it uses."""

    settings: Settings
    database: Database
    ringcentral: RingCentralClient
    directory: Directory
    handlers: HandlerIndex
    people: People
    slack: AsyncWebClient
    slack_users: SlackUsers
    policy: ApprovalPolicy
    notifier: RequestNotifier
    applier: Applier
    requests: RequestService
    recovery: RecoveryService
    follow_ups: PendingFollowUps
    drift: DriftWatch | None  # None when SMS_HANDLERS_DRIFT_INTERVAL_SECONDS is 0
    temporary: TemporaryChanges
    browse: BrowseService
    offboarding: OffboardingService
    # None when SMS_HANDLERS_OFFBOARDING_INTERVAL_SECONDS is 0
    offboarding_watch: OffboardingWatch | None
    history: HistoryService
    exports: ExportService
    home: HomePublisher
    tasks: BackgroundTasks
    metrics: Metrics
    leases: Leases
    coordinator: Coordinator  # `serve` starts it; periodic jobs are registered on it here
    rate_limits: DatabaseRateLimits

    def start_background(self) -> None:
        """Start the background jobs (`serve` does, once): those registered so far, then the
        temporary changes' (their notices and reverts, every
        SMS_HANDLERS_TEMPORARY_INTERVAL_SECONDS), in the instance holding the lease."""
        self.coordinator.register(
            PeriodicJob(
                "temporary-changes",
                every_seconds=self.settings.temporary_interval_seconds,
                run=self.temporary.run_due,
            )
        )
        self.coordinator.start()

    async def finish_applies(self) -> None:
        """At shutdown: start no new apply, and give the ones under way the grace period
        (SMS_HANDLERS_SHUTDOWN_GRACE_SECONDS) to finish."""
        in_flight = self.applier.in_flight
        if in_flight.closed:  # waited already
            return
        in_flight.close()
        grace = self.settings.shutdown_grace_seconds
        if not await in_flight.wait(timeout_seconds=grace):
            logger.warning(
                "%d changes still being applied after %g s; recovery will finish them",
                len(in_flight),
                grace,
            )

    async def aclose(self, *, drain_seconds: float = 0.0) -> None:
        """Let changes being applied finish (within the grace period), stop other background
        work (giving its leases up), hand what is left to recovery (leases released), close
        connections.

        `drain_seconds`: how long other background work (Home updates, answers) may take to
        end before it is cancelled. A command that changed a request gives it time, so the
        Homes it updates are published (cancelled in a database session, the work would also
        leave SQLAlchemy logging a traceback); `serve` stops its background work at once."""
        await self.finish_applies()
        await self.coordinator.aclose()
        await self.handlers.flush()  # before the writer would be cancelled with the rest
        if drain_seconds > 0 and self.tasks:
            try:
                await self.tasks.drain(timeout_seconds=drain_seconds)
            except TimeoutError:
                logger.warning("%d background tasks still running: stopped", len(self.tasks))
        await self.tasks.cancel_all()
        try:
            async with self.database.transaction() as repo:
                released = await repo.release_apply_leases(owner=self.applier.owner)
            if released:
                logger.warning("left %d changes being applied to recovery", released)
        except DatabaseUnavailableError as exc:
            logger.warning("could not hand the changes being applied to recovery: %s", exc)
        await self.handlers.close()
        await self.rate_limits.aclose()
        await self.ringcentral.close()
        await self.database.dispose()
        if self.slack.session is not None:
            await self.slack.session.close()


def slack_client(settings: Settings) -> AsyncWebClient:
    """The Web API client: SLACK_API_URL, the bot token, one retry when rate limited, and one
    HTTP session (kept connections) for every Slack call and response_url post (see `reply`).

    Call it with an event loop running (the session belongs to it); `Container.aclose` closes
    the session."""
    session = aiohttp.ClientSession(
        timeout=aiohttp.ClientTimeout(total=SLACK_TIMEOUT_SECONDS),
        connector=aiohttp.TCPConnector(limit=0),  # no cap: Slack's rate limits are the cap
    )
    client = AsyncWebClient(
        token=settings.slack_bot_token,
        base_url=settings.slack_api_url,
        timeout=SLACK_TIMEOUT_SECONDS,
        session=session,
    )
    client.retry_handlers.append(AsyncRateLimitErrorRetryHandler(max_retry_count=1))
    return client


async def build_container(
    settings: Settings,
    *,
    slack: AsyncWebClient | None = None,
    notifier: RequestNotifier | None = None,
    approver_cache_seconds: float = DEFAULT_CACHE_SECONDS,
    scan_budget: CallBudget | None = None,
    list_page_size: int = LIST_PAGE_SIZE,
    metrics: Metrics | None = None,
    outcome_pause_seconds: float = OUTCOME_PAUSE_SECONDS,
    clock: Callable[[], datetime] = utc_now,
) -> Container:
    """Open the database (migrating it unless told not to) and wire every service.

    `clock` (aware UTC datetimes) times requests and their deadlines (expiry, reminders,
    escalation), judges the ends of temporary changes and stamps handler readings (which
    snapshots are old, for the drift check); tests move it instead of waiting. Leases keep the
    instance's own clock. An invalid policy file (SMS_HANDLERS_POLICY) stops it first, naming
    the file and line.
    """
    rules = load_policy(settings)
    if rules.source == ENVIRONMENT:
        settings.require(*SLACK_SETTINGS, hint="The Slack app needs it (see README).")
    else:
        settings.require("SLACK_BOT_TOKEN", hint="The Slack app needs it (see README).")
        _warn_of_replaced_settings(settings)
        unused = fields_not_acted_on(rules)
        if unused:
            logger.warning(
                "%s sets %s, which this version checks but does not act on yet",
                rules.source,
                ", ".join(unused),
            )
    approval_channel = rules.default.settings.channel
    assert approval_channel is not None
    ringcentral = client_from_settings(settings)
    try:
        database = await open_database(
            database_url=settings.database_url, auto_migrate=settings.auto_migrate
        )
    except BaseException:
        await ringcentral.close()
        raise
    web = slack or slack_client(settings)
    owner = new_instance_id()  # names this process in leases and on the requests it applies
    leases = Leases(database, owner=owner, seconds=settings.lease_seconds)
    rate_limits = DatabaseRateLimits(database)
    ringcentral.share_rate_limits(rate_limits)
    directory = Directory(
        client=ringcentral,
        ttl_seconds=settings.inventory_ttl_seconds,
        handler_concurrency=settings.ringcentral_max_concurrency,
        wall_clock=clock,
    )
    tasks = BackgroundTasks()  # one set: drained and cancelled with the container
    alerts: ChangeAlerts | None = None
    if settings.drift_channel:
        alerts = SlackChangeAlerts(client=web, channel=settings.drift_channel, tasks=tasks)
    budget = scan_budget or CallBudget(calls=settings.scan_reads_per_minute)
    handlers = HandlerIndex(
        database=database,
        directory=directory,
        budget=budget,
        clock=clock,
        scan_lease=leases,
        alerts=alerts,
        tasks=tasks,
    )
    people = People(client=ringcentral, ttl_seconds=settings.inventory_ttl_seconds)
    policy = ApprovalPolicy(
        rules=rules,
        groups=SlackUserGroups(web),
        resources=directory,
        cache_seconds=approver_cache_seconds,
    )
    if not rules.default.settings.approvers:
        logger.warning("SMS_HANDLERS_APPROVERS is empty: nobody can approve requests")
    slack_users = SlackUsers(web)
    homes = HomeService(
        database=database,
        policy=policy,
        handlers=handlers,
        people=people,
        members=slack_users,
        temporary=RequesterTemporaryChanges(database),
    )
    home = HomePublisher(client=web, homes=homes, tasks=tasks)
    notify = HomeRefreshingNotifier(
        notifier or SlackNotifier(client=web, approval_channel=approval_channel), homes=home
    )
    applier = Applier(
        database=database,
        directory=directory,
        people=people,
        notifier=notify,
        owner=owner,
        lease_seconds=settings.apply_lease_seconds,
        outcome_pause_seconds=outcome_pause_seconds,
        alerts=alerts,
        clock=clock,
        readings_recorded=handlers.flush,
    )
    requests = RequestService(
        database=database,
        directory=directory,
        people=people,
        policy=policy,
        notifier=notify,
        applier=applier,
        clock=clock,
    )
    temporary = TemporaryChanges(
        database=database,
        directory=directory,
        people=people,
        policy=policy,
        notifier=notify,
        applier=applier,
        clock=clock,
    )
    browse = BrowseService(
        directory=directory,
        handlers=handlers,
        people=people,
        members=slack_users,
        list_page_size=list_page_size,
        rules=policy,
        temporary=temporary,
    )
    offboarding = OffboardingService(
        browse=browse, handlers=handlers, requests=requests, directory=directory
    )
    recovery = RecoveryService(database=database, applier=applier)
    follow_ups = PendingFollowUps(
        database=database, policy=policy, notifier=notify, applier=applier, clock=clock
    )
    coordinator = Coordinator(leases)
    # At start (once this instance holds the background lease) and every interval after.
    coordinator.register(
        PeriodicJob(
            "recovery", every_seconds=settings.recovery_interval_seconds, run=recovery.recover_once
        )
    )
    drift = None
    if settings.drift_interval_seconds > 0:
        drift = DriftWatch(
            database=database,
            directory=directory,
            budget=budget,
            interval_seconds=settings.drift_interval_seconds,
            clock=clock,
            recorded=handlers.flush,
        )
        # One interval after this instance takes the jobs over: a restart or a take-over does
        # not read a burst of handler lists read moments ago.
        coordinator.register(
            PeriodicJob(
                "drift",
                every_seconds=drift.interval_seconds,
                run=drift.check_once,
                first_after_seconds=drift.interval_seconds,
            )
        )
    offboarding_watch = None
    if settings.offboarding_interval_seconds > 0:
        offboarding_watch = OffboardingWatch(
            database=database,
            people=people,
            offboarding=offboarding,
            interval_seconds=settings.offboarding_interval_seconds,
        )
        coordinator.register(
            PeriodicJob(
                "offboarding",
                every_seconds=offboarding_watch.interval_seconds,
                run=offboarding_watch.check_once,
                first_after_seconds=offboarding_watch.interval_seconds,
            )
        )
    # Only when some request can have a deadline: a rule sets one, or a pending request made
    # under an earlier policy file carries one.
    if await _deadlines_possible(follow_ups, database, ringcentral):
        pending_every = settings.pending_check_seconds
        coordinator.register(PeriodicJob("expiry", pending_every, run=follow_ups.expire_due))
        coordinator.register(PeriodicJob("reminders", pending_every, run=follow_ups.remind_due))
        coordinator.register(PeriodicJob("escalation", pending_every, run=follow_ups.escalate_due))
    metrics = app_metrics(
        database=database,
        ringcentral=ringcentral,
        scan_budget=budget,
        tasks=tasks,
        metrics=metrics,
    )
    return Container(
        settings=settings,
        database=database,
        ringcentral=ringcentral,
        directory=directory,
        handlers=handlers,
        people=people,
        slack=web,
        slack_users=slack_users,
        policy=policy,
        notifier=notify,
        applier=applier,
        requests=requests,
        recovery=recovery,
        follow_ups=follow_ups,
        drift=drift,
        temporary=temporary,
        browse=browse,
        offboarding=offboarding,
        offboarding_watch=offboarding_watch,
        history=HistoryService(database=database, directory=directory),
        exports=ExportService(database=database, policy=policy),
        home=home,
        tasks=tasks,
        metrics=metrics,
        leases=leases,
        coordinator=coordinator,
        rate_limits=rate_limits,
    )


async def _deadlines_possible(
    follow_ups: PendingFollowUps, database: Database, ringcentral: RingCentralClient
) -> bool:
    try:
        return await follow_ups.needed()
    except BaseException:
        await ringcentral.close()
        await database.dispose()
        raise


def _warn_of_replaced_settings(settings: Settings) -> None:
    fields = Settings.model_fields
    given = [fields[n].alias or n for n in REPLACED_BY_POLICY if n in settings.model_fields_set]
    if given:
        logger.warning("SMS_HANDLERS_POLICY is set, so %s are not used", ", ".join(given))
