"""What the start-up checks conclude: plain `Check` records from what Slack, RingCentral and the
database answered.

Only decisions live here (no I/O, no Slack or HTTP types): bot/checks.py asks the services and
hands their answers to these functions. Every failure says what is wrong and what to do; no
message ever contains a token, a secret or a password.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from bot.domain import ThreadMessagingFeature
from bot.errors import SmsHandlersError
from bot.ringcentral.errors import RingCentralError

SLACK_ID = re.compile(r"[A-Z][A-Z0-9]{2,}")
RINGCENTRAL_PERMISSIONS = ("ReadAccounts", "EditExtensions")
CHANNEL_ID_HINT = (
    "In Slack, open the channel, click its name at the top: the id (C…) is at the bottom of "
    "the About tab."
)
REINSTALL_HINT = (
    "Add the missing scopes under OAuth & Permissions → Bot Token Scopes (or paste manifest.yml "
    "again), then reinstall the app to the workspace."
)
# Slack token prefixes, to say what was given instead of a bot token (never more of it).
TOKEN_KINDS = {
    "xoxp-": "a user token",
    "xapp-": "an app-level token (that one belongs in SLACK_APP_TOKEN)",
    "xoxe": "a refresh token",
    "xoxa-": "a workspace app token",
}


@dataclass(frozen=True)
class Check:
    """One thing checked: its outcome and, on failure, what is wrong and what to do.

    `fatal` failures stop `serve` (and make `doctor` exit non-zero); others are warnings.
    A `skipped` check could not be made because one it depends on failed.
    """

    name: str
    ok: bool
    detail: str
    fatal: bool = True
    skipped: bool = False

    @property
    def status(self) -> str:
        if self.skipped:
            return "SKIP"
        if self.ok:
            return "OK"
        return "FAIL" if self.fatal else "WARN"

    @property
    def stops_the_bot(self) -> bool:
        return not self.ok and self.fatal and not self.skipped

    def line(self) -> str:
        """The one line shown for it: `FAIL Approval channel: ...`."""
        return f"{self.status:<4} {self.name}: {self.detail}"


def passed(name: str, detail: str) -> Check:
    return Check(name, True, detail)


def failed(name: str, detail: str) -> Check:
    return Check(name, False, detail)


def warning(name: str, detail: str) -> Check:
    return Check(name, False, detail, fatal=False)


def skipped(name: str, because: str) -> Check:
    return Check(name, False, f"not checked: {because}.", fatal=False, skipped=True)


def blocking(checks: Iterable[Check]) -> list[Check]:
    """The failed checks the bot cannot work without."""
    return [check for check in checks if check.stops_the_bot]


# -- Slack --------------------------------------------------------------------------------------

SLACK_TOKEN = "Slack bot token"
SLACK_SCOPES = "Slack scopes"
SIGNING_SECRET = "Slack signing secret"
APP_TOKEN = "Slack app-level token"
APPROVAL_CHANNEL = "Approval channel"
APPROVERS = "Approvers"
DRIFT_CHANNEL = "Drift channel"
NOT_POSTED = "changes made outside the bot are recorded, but not posted"


@dataclass(frozen=True)
class TokenIdentity:
    """Who the bot token is (auth.test) and the scopes Slack says it has."""

    team: str
    team_id: str
    bot_name: str
    bot_user_id: str
    scopes: frozenset[str] | None  # None: Slack's answer did not name them


@dataclass(frozen=True)
class ChannelFacts:
    """A channel as the bot token sees it (conversations.info)."""

    id: str
    name: str
    is_member: bool
    is_archived: bool


@dataclass(frozen=True)
class UserFacts:
    """A workspace member (users.info)."""

    id: str
    name: str
    deleted: bool
    is_bot: bool


class SlackLookupFailed(SmsHandlersError):
    """A Slack Web API call the checks made failed: Slack's error code, or `unreachable`."""

    def __init__(self, code: str, *, needed: str | None = None, reason: str = "") -> None:
        super().__init__(reason or code)
        self.code = code
        self.needed = needed  # with missing_scope: the scope Slack asked for
        self.reason = reason


def bot_token_format(token: str | None) -> Check | None:
    """A failed check when SLACK_BOT_TOKEN is missing or not a bot token; None when it looks
    right."""
    if not token:
        return failed(
            SLACK_TOKEN,
            "SLACK_BOT_TOKEN is not set: copy the Bot User OAuth Token (xoxb-…) from the app's "
            "OAuth & Permissions page.",
        )
    if token.startswith("xoxb-"):
        return None
    kind = next((k for prefix, k in TOKEN_KINDS.items() if token.startswith(prefix)), None)
    given = kind or "not a bot token"
    return failed(
        SLACK_TOKEN,
        f"SLACK_BOT_TOKEN does not start with xoxb- ({given}): use the Bot User OAuth Token "
        "from the app's OAuth & Permissions page.",
    )


def bot_token_works(identity: TokenIdentity) -> Check:
    return passed(
        SLACK_TOKEN,
        f"xoxb- token of @{identity.bot_name} ({identity.bot_user_id}) in {identity.team} "
        f"({identity.team_id}).",
    )


def slack_call_failed(name: str, error: SlackLookupFailed, *, api_url: str) -> Check:
    """A check that could not be made because Slack refused or could not be reached."""
    if error.code == "unreachable":
        return failed(
            name,
            f"could not reach Slack at {api_url} ({error.reason}): check SLACK_API_URL and "
            "the network.",
        )
    if error.code in ("invalid_auth", "not_authed", "account_inactive", "token_revoked"):
        return failed(
            name,
            f"Slack refused SLACK_BOT_TOKEN ({error.code}): copy the current Bot User OAuth "
            "Token (xoxb-…) from the app's OAuth & Permissions page; reinstall the app if it "
            "was removed.",
        )
    if error.code == "missing_scope":
        return failed(
            name,
            f"the bot token lacks the scope {error.needed or '(not named)'}. {REINSTALL_HINT}",
        )
    if error.code == "not_slack":
        return failed(
            name,
            f"the answer from {api_url} was not a Slack Web API answer: check SLACK_API_URL.",
        )
    if error.code == "ratelimited":
        return failed(name, "Slack is rate limiting the app (ratelimited): try again in a minute.")
    return failed(name, f"Slack answered {error.code}.")


def scopes_check(granted: frozenset[str] | None, required: Sequence[str]) -> Check:
    """The token's scopes against the bot scopes manifest.yml asks for."""
    if granted is None:
        return warning(
            SLACK_SCOPES,
            "Slack did not say which scopes the token has (no x-oauth-scopes header), so they "
            "were not checked.",
        )
    missing = [scope for scope in required if scope not in granted]
    if missing:
        return failed(
            SLACK_SCOPES,
            f"the bot token lacks {', '.join(missing)} of the scopes in manifest.yml. "
            + REINSTALL_HINT,
        )
    return passed(SLACK_SCOPES, f"all {len(required)} bot scopes of manifest.yml are granted.")


def request_check(*, http: bool, signing_secret: str | None, app_token: str | None) -> Check:
    """What Slack's requests need: the signing secret over HTTP, an app-level token otherwise."""
    if http:
        if not signing_secret:
            return failed(
                SIGNING_SECRET,
                "SLACK_SIGNING_SECRET is not set, and HTTP mode checks Slack's signatures with "
                "it: copy it from the app's Basic Information page.",
            )
        return passed(SIGNING_SECRET, "set (HTTP mode checks every request's signature).")
    if not app_token:
        return failed(
            APP_TOKEN,
            "SLACK_APP_TOKEN is not set, and Socket Mode needs it: generate one with the scope "
            "connections:write under Basic Information → App-Level Tokens (or serve with --http).",
        )
    if not app_token.startswith("xapp-"):
        return failed(
            APP_TOKEN,
            "SLACK_APP_TOKEN does not start with xapp-: use an app-level token from Basic "
            "Information → App-Level Tokens.",
        )
    return passed(APP_TOKEN, "set (Socket Mode).")


def channel_setting(value: str | None) -> Check | None:
    """A failed check when SMS_HANDLERS_APPROVAL_CHANNEL is missing or not a channel id."""
    if not value:
        return failed(
            APPROVAL_CHANNEL,
            f"SMS_HANDLERS_APPROVAL_CHANNEL is not set: set it to the id of the channel where "
            f"requests are reviewed. {CHANNEL_ID_HINT}",
        )
    if value.startswith("#") or not SLACK_ID.fullmatch(value) or value[0] not in "CG":
        return failed(
            APPROVAL_CHANNEL,
            f"SMS_HANDLERS_APPROVAL_CHANNEL is {value!r}, which is not a channel id: use the "
            f"channel's id (C…), not its name. {CHANNEL_ID_HINT}",
        )
    return None


def channel_lookup_failed(value: str, error: SlackLookupFailed, *, api_url: str) -> Check:
    if error.code == "channel_not_found":
        return failed(
            APPROVAL_CHANNEL,
            f"Slack knows no channel {value} that the bot can see (channel_not_found): check "
            "SMS_HANDLERS_APPROVAL_CHANNEL; a private channel must have the bot invited first.",
        )
    return slack_call_failed(APPROVAL_CHANNEL, error, api_url=api_url)


def channel_check(channel: ChannelFacts, *, bot_name: str) -> Check:
    where = f"#{channel.name} ({channel.id})"
    if channel.is_archived:
        return failed(
            APPROVAL_CHANNEL,
            f"{where} is archived: unarchive it or choose another approval channel.",
        )
    if not channel.is_member:
        return failed(
            APPROVAL_CHANNEL,
            f"the bot is not a member of {where}, so it cannot post requests there: type "
            f"/invite @{bot_name} in the channel.",
        )
    return passed(APPROVAL_CHANNEL, f"{where}; the bot is a member.")


def drift_channel_setting(value: str) -> Check | None:
    """A warning when SMS_HANDLERS_DRIFT_CHANNEL (optional) is not a channel id."""
    if value.startswith("#") or not SLACK_ID.fullmatch(value) or value[0] not in "CG":
        return warning(
            DRIFT_CHANNEL,
            f"SMS_HANDLERS_DRIFT_CHANNEL is {value!r}, which is not a channel id, so {NOT_POSTED}: "
            f"use the channel's id (C…), not its name. {CHANNEL_ID_HINT}",
        )
    return None


def drift_channel_lookup_failed(value: str, error: SlackLookupFailed, *, api_url: str) -> Check:
    if error.code == "channel_not_found":
        return warning(
            DRIFT_CHANNEL,
            f"Slack knows no channel {value} that the bot can see (channel_not_found), so "
            f"{NOT_POSTED}: check SMS_HANDLERS_DRIFT_CHANNEL; a private channel must have the bot "
            "invited first.",
        )
    problem = slack_call_failed(DRIFT_CHANNEL, error, api_url=api_url)
    return warning(problem.name, problem.detail)


def drift_channel_check(channel: ChannelFacts, *, bot_name: str) -> Check:
    where = f"#{channel.name} ({channel.id})"
    if channel.is_archived:
        return warning(DRIFT_CHANNEL, f"{where} is archived, so {NOT_POSTED}.")
    if not channel.is_member:
        return warning(
            DRIFT_CHANNEL,
            f"the bot is not a member of {where}, so {NOT_POSTED}: type /invite @{bot_name} in "
            "the channel.",
        )
    return passed(DRIFT_CHANNEL, f"{where}; the bot is a member.")


@dataclass
class ApproverResolution:
    """Who SMS_HANDLERS_APPROVERS names, once its user ids and @groups are looked up."""

    people: set[str] = field(default_factory=set)  # user ids able to approve
    named: list[str] = field(default_factory=list)  # user ids that are such people
    group_members: dict[str, int] = field(default_factory=dict)  # handle → members
    problems: list[str] = field(default_factory=list)

    def add_person(self, user: UserFacts) -> None:
        if user.deleted:
            self.problems.append(f"{user.id} ({user.name}) is deactivated")
        elif user.is_bot:
            self.problems.append(f"{user.id} ({user.name}) is a bot")
        else:
            self.people.add(user.id)
            self.named.append(user.id)

    def add_group(self, handle: str, members: frozenset[str]) -> None:
        self.group_members[handle] = len(members)
        if not members:
            self.problems.append(f"@{handle} has no members")
        self.people |= members


def approver_entry_problem(entry: str) -> str | None:
    """Why an SMS_HANDLERS_APPROVERS entry is neither a user id nor a @handle (None if it is)."""
    if entry.startswith("@"):
        return None if len(entry) > 1 else "'@' names no user group"
    if SLACK_ID.fullmatch(entry) and entry[0] in "UW":
        return None
    return f"{entry!r} is neither a Slack user id (U…) nor a @user-group handle"


def approvers_check(entries: Sequence[str], resolution: ApproverResolution) -> Check:
    if not entries:
        return failed(
            APPROVERS,
            "SMS_HANDLERS_APPROVERS is empty, so nobody can approve requests: set it to Slack "
            "user ids (U…) and/or @user-group handles, comma-separated.",
        )
    problems = "; ".join(resolution.problems)
    if not resolution.people:
        return failed(
            APPROVERS,
            f"SMS_HANDLERS_APPROVERS resolves to nobody ({problems or 'no members'}): name "
            "Slack user ids (U…) of active people, or @user-group handles with members.",
        )
    parts = list(resolution.named)
    parts += [f"{count} in @{handle}" for handle, count in resolution.group_members.items()]
    count = len(resolution.people)
    summary = f"{count} {'person' if count == 1 else 'people'} can approve ({', '.join(parts)})"
    if problems:
        return warning(APPROVERS, f"{summary}, but: {problems}.")
    return passed(APPROVERS, f"{summary}.")


# -- RingCentral -------------------------------------------------------------------------------

RINGCENTRAL_LOGIN = "RingCentral login"
RINGCENTRAL_APP_PERMISSIONS = "RingCentral permissions"
THREAD_MESSAGING = "SMS thread messaging"


def ringcentral_settings_missing(missing: Sequence[str]) -> Check:
    return failed(
        RINGCENTRAL_LOGIN,
        f"{', '.join(missing)} {'is' if len(missing) == 1 else 'are'} not set: see the README's "
        "'The RingCentral app' for where the client id, secret and JWT come from.",
    )


def login_works(server_url: str) -> Check:
    return passed(RINGCENTRAL_LOGIN, f"logged in to {server_url} with the JWT.")


def login_failed(error: SmsHandlersError) -> Check:
    """The RingCentral error in full, as an operator needs it (its `details` name RingCentral's
    code and message, never the credentials; its `str` is the short sentence for Slack users)."""
    return failed(RINGCENTRAL_LOGIN, _operator_text(error))


def permissions_check(granted: frozenset[str] | None) -> Check:
    """The app permissions in the token's `scope` against what sms-handlers needs."""
    if granted is None:
        return warning(
            RINGCENTRAL_APP_PERMISSIONS,
            "RingCentral's token answer named no permissions, so "
            f"{' and '.join(RINGCENTRAL_PERMISSIONS)} were not checked.",
        )
    missing = [p for p in RINGCENTRAL_PERMISSIONS if p not in granted]
    if missing:
        return failed(
            RINGCENTRAL_APP_PERMISSIONS,
            f"the RingCentral app lacks {' and '.join(missing)}: add "
            f"{'it' if len(missing) == 1 else 'them'} to the app's permissions in the "
            "RingCentral developer console (ReadAccounts reads sites, queues and handlers; "
            "EditExtensions changes handlers).",
        )
    return passed(RINGCENTRAL_APP_PERMISSIONS, f"{' and '.join(RINGCENTRAL_PERMISSIONS)}.")


def feature_check(feature: ThreadMessagingFeature) -> Check:
    """Not fatal: the bot still shows resources, and explains the feature to whoever asks."""
    if not feature.available:
        why = f" ({feature.reason})" if feature.reason else ""
        return warning(
            THREAD_MESSAGING,
            f"not available on this RingCentral account{why}: SMS handlers cannot be used "
            "until an account admin turns it on.",
        )
    off = [
        kind
        for kind, supported in (
            ("call queues", feature.call_queue_supported),
            ("sites", feature.site_supported),
        )
        if not supported
    ]
    if off:
        return warning(
            THREAD_MESSAGING,
            f"on, but not for {' or '.join(off)}: their SMS handlers cannot be managed until a "
            "RingCentral admin enables it.",
        )
    return passed(THREAD_MESSAGING, "available for call queues and sites.")


def feature_unreadable(error: SmsHandlersError) -> Check:
    return warning(THREAD_MESSAGING, f"could not be checked: {_operator_text(error)}")


def _operator_text(error: SmsHandlersError) -> str:
    return error.for_operators if isinstance(error, RingCentralError) else error.details


# -- database ----------------------------------------------------------------------------------

DATABASE = "Database"


def database_check(
    *,
    where: str,
    current: str | None,
    head: str,
    known: frozenset[str],
    auto_migrate: bool,
    file_missing: bool = False,
) -> Check:
    """The schema revision against the newest; `where` is the URL without its password."""
    if current == head:
        return passed(DATABASE, f"{where} answers and is at revision {head} (the newest).")
    if current is not None and current not in known:
        return failed(
            DATABASE,
            f"{where} is at revision {current}, which this version does not know (a newer "
            f"version migrated it?): run that version, or downgrade to {head} with it.",
        )
    if file_missing:
        state = "has no database file yet"
    elif current is None:
        state = "answers but has no tables yet"
    else:
        state = f"answers but is at revision {current}"
    if auto_migrate:
        return passed(DATABASE, f"{where} {state}; serve upgrades it to {head} at start.")
    return failed(
        DATABASE,
        f"{where} {state}, and this version needs {head}: run `sms-handlers db upgrade` "
        "(SMS_HANDLERS_AUTO_MIGRATE is false).",
    )
