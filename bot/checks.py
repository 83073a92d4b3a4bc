"""The start-up checks: settings in, one `Check` per thing the bot needs, out.

`sms-handlers doctor` prints them; `serve` runs them before it starts and refuses to start on a
fatal failure. Slack, RingCentral and the database are asked concurrently, each with clients of
its own that are closed afterwards; the conclusions are drawn in bot/services/doctor.py.
"""

from __future__ import annotations

import asyncio

from slack_sdk.web.async_client import AsyncWebClient

from bot.config import Settings
from bot.db import migrate
from bot.db.session import describe_url, parse_database_url, sqlite_file_missing
from bot.errors import SmsHandlersError
from bot.ringcentral.auth import Credentials, TokenProvider
from bot.ringcentral.client import AnswerObserver, RingCentralClient
from bot.ringcentral.factory import REQUIRED_SETTINGS, client_options_from_settings
from bot.services import doctor
from bot.services.directory import Directory
from bot.services.doctor import (
    ApproverResolution,
    Check,
    SlackLookupFailed,
    TokenIdentity,
)
from bot.slackapi.probe import BOT_SCOPES, SlackProbe

SLACK_TIMEOUT_SECONDS = 10


async def run_checks(
    settings: Settings, *, http: bool, observe: AnswerObserver | None = None
) -> list[Check]:
    """Every check, in the order they are shown: Slack, RingCentral, the database. `observe` is
    told of every RingCentral answer (serve counts them in its metrics)."""
    slack, ringcentral, database = await asyncio.gather(
        slack_checks(settings, http=http),
        ringcentral_checks(settings, observe=observe),
        database_check(settings),
    )
    return [*slack, *ringcentral, database]


# -- Slack --------------------------------------------------------------------------------------


async def slack_checks(settings: Settings, *, http: bool) -> list[Check]:
    request = doctor.request_check(
        http=http, signing_secret=settings.slack_signing_secret, app_token=settings.slack_app_token
    )
    client = AsyncWebClient(
        token=settings.slack_bot_token,
        base_url=settings.slack_api_url,
        timeout=SLACK_TIMEOUT_SECONDS,
    )
    probe = SlackProbe(client)
    token_problem = doctor.bot_token_format(settings.slack_bot_token)
    identity: TokenIdentity | None = None
    if token_problem is None:
        try:
            identity = await probe.identity()
        except SlackLookupFailed as error:
            token_problem = doctor.slack_call_failed(
                doctor.SLACK_TOKEN, error, api_url=settings.slack_api_url
            )
    if identity is None:
        assert token_problem is not None
        because = "the Slack bot token does not work"
        unchecked = [doctor.SLACK_SCOPES, doctor.APPROVAL_CHANNEL, doctor.APPROVERS]
        if settings.drift_channel:
            unchecked.append(doctor.DRIFT_CHANNEL)
        skips = [doctor.skipped(name, because) for name in unchecked]
        return [token_problem, skips[0], request, *skips[1:]]
    channel, approvers, drift = await asyncio.gather(
        _channel_check(settings, probe, identity),
        _approvers_check(settings, probe),
        _drift_channel_check(settings, probe, identity),
    )
    checks = [
        doctor.bot_token_works(identity),
        doctor.scopes_check(identity.scopes, BOT_SCOPES),
        request,
        channel,
        approvers,
    ]
    return checks if drift is None else [*checks, drift]


async def _channel_check(settings: Settings, probe: SlackProbe, identity: TokenIdentity) -> Check:
    value = settings.approval_channel
    problem = doctor.channel_setting(value)
    if problem is not None:
        return problem
    assert value is not None
    try:
        channel = await probe.channel(value)
    except SlackLookupFailed as error:
        return doctor.channel_lookup_failed(value, error, api_url=settings.slack_api_url)
    return doctor.channel_check(channel, bot_name=identity.bot_name)


async def _drift_channel_check(
    settings: Settings, probe: SlackProbe, identity: TokenIdentity
) -> Check | None:
    """SMS_HANDLERS_DRIFT_CHANNEL when it is set (only warnings: the bot works without it)."""
    value = settings.drift_channel
    if not value:
        return None
    problem = doctor.drift_channel_setting(value)
    if problem is not None:
        return problem
    try:
        channel = await probe.channel(value)
    except SlackLookupFailed as error:
        return doctor.drift_channel_lookup_failed(value, error, api_url=settings.slack_api_url)
    return doctor.drift_channel_check(channel, bot_name=identity.bot_name)


async def _approvers_check(settings: Settings, probe: SlackProbe) -> Check:
    entries = settings.approver_entries
    try:
        resolution = await resolve_approvers(entries, probe)
    except SlackLookupFailed as error:
        return doctor.slack_call_failed(doctor.APPROVERS, error, api_url=settings.slack_api_url)
    return doctor.approvers_check(entries, resolution)


async def resolve_approvers(entries: list[str], probe: SlackProbe) -> ApproverResolution:
    """Look up every user id and @group of SMS_HANDLERS_APPROVERS, as the approval policy
    would (bot/services/policy.py), noting what resolves to nobody."""
    resolution = ApproverResolution()
    handles = [entry[1:] for entry in entries if entry.startswith("@") and len(entry) > 1]
    groups = await probe.group_ids_by_handle() if handles else {}
    for entry in entries:
        problem = doctor.approver_entry_problem(entry)
        if problem is not None:
            resolution.problems.append(problem)
        elif entry.startswith("@"):
            group_id = groups.get(entry[1:])
            if group_id is None:
                resolution.problems.append(f"{entry} is not a user group of this workspace")
            else:
                resolution.add_group(entry[1:], await probe.group_members(group_id))
        else:
            try:
                resolution.add_person(await probe.user(entry))
            except SlackLookupFailed as error:
                if error.code != "user_not_found":
                    raise
                resolution.problems.append(f"{entry} is not a member of this workspace")
    return resolution


# -- RingCentral -------------------------------------------------------------------------------


async def ringcentral_checks(
    settings: Settings, *, observe: AnswerObserver | None = None
) -> list[Check]:
    by_env = {
        "RINGCENTRAL_CLIENT_ID": settings.ringcentral_client_id,
        "RINGCENTRAL_CLIENT_SECRET": settings.ringcentral_client_secret,
        "RINGCENTRAL_JWT": settings.ringcentral_jwt,
    }
    missing = [name for name in REQUIRED_SETTINGS if not by_env[name]]
    because = "the RingCentral login failed"
    if missing:
        return [
            doctor.ringcentral_settings_missing(missing),
            doctor.skipped(doctor.RINGCENTRAL_APP_PERMISSIONS, because),
            doctor.skipped(doctor.THREAD_MESSAGING, because),
        ]
    credentials = Credentials(
        server_url=settings.ringcentral_server_url,
        client_id=str(settings.ringcentral_client_id),
        client_secret=str(settings.ringcentral_client_secret),
        jwt=str(settings.ringcentral_jwt),
    )
    options = client_options_from_settings(settings)
    tokens = TokenProvider(credentials=credentials, timeout_seconds=options.timeout_seconds)
    client = RingCentralClient(server_url=credentials.server_url, tokens=tokens, options=options)
    if observe is not None:
        client.observe_answers(observe)
    try:
        try:
            await tokens.token()
        except SmsHandlersError as error:
            return [
                doctor.login_failed(error),
                doctor.skipped(doctor.RINGCENTRAL_APP_PERMISSIONS, because),
                doctor.skipped(doctor.THREAD_MESSAGING, because),
            ]
        checks = [
            doctor.login_works(credentials.server_url),
            doctor.permissions_check(tokens.permissions),
        ]
        try:
            feature = await Directory(client=client).thread_messaging()
        except SmsHandlersError as error:
            checks.append(doctor.feature_unreadable(error))
        else:
            checks.append(doctor.feature_check(feature))
        return checks
    finally:
        await client.close()


# -- database ----------------------------------------------------------------------------------


async def database_check(settings: Settings) -> Check:
    try:
        url = parse_database_url(settings.database_url)
    except SmsHandlersError as error:
        return doctor.failed(doctor.DATABASE, error.details)
    file_missing = sqlite_file_missing(url)
    try:
        current = None if file_missing else await migrate.current_async(settings.database_url)
    except SmsHandlersError as error:
        return doctor.failed(doctor.DATABASE, error.details)
    return doctor.database_check(
        where=describe_url(url),
        current=current,
        head=migrate.head_revision(),
        known=migrate.known_revisions(),
        auto_migrate=settings.auto_migrate,
        file_missing=file_missing,
    )
