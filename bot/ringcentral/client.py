"""Async RingCentral REST client: one shared aiohttp session, paging, retries, bounded concurrency.

Retry rules (see `_retry_decision`):
- 401: renew the token once and send the request again (any method).
- 429: RingCentral did not process the request; wait `Retry-After` (RingCentral says 30 s when
  absent) and retry, for any method.
- 503 with `Retry-After`: the service declined the request before processing it; retry, any method.
- 500/502/503/504, timeouts and dropped connections: retried with exponential backoff and jitter
  for GETs only. A POST (bulk-assign) that failed this way may or may not have been applied, so it
  is never repeated blindly: the error says so, and the caller reads the recipients back.
A wait longer than `RetryPolicy.max_wait_seconds` is not slept through: the typed error is raised
with the requested delay instead. Every request first passes a `RateGate` (ratelimit.py), which
keeps each rate group within what RingCentral's headers say is left and holds the whole group
after a 429, so concurrent requests do not keep restarting RingCentral's penalty.
"""

from __future__ import annotations

import asyncio
import json
import logging
import math
import random
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol, TypeVar
from urllib.parse import quote

import aiohttp
from multidict import CIMultiDict
from yarl import URL

from bot.errors import log_text
from bot.ringcentral.auth import Credentials, TokenProvider
from bot.ringcentral.concurrency import gather_or_cancel
from bot.ringcentral.errors import (
    RingCentralBadResponse,
    RingCentralError,
    RingCentralRateLimited,
    RingCentralTimeout,
    RingCentralUnavailable,
    error_for_response,
)
from bot.ringcentral.models import (
    CallQueueRecord,
    ExtensionRecord,
    FeatureRecord,
    IvrMenuRecord,
    JsonObject,
    MalformedRecord,
    PhoneNumberRecord,
    SiteRecord,
    SmsRecipientRecord,
)
from bot.ringcentral.paging import (
    MAX_PAGES,
    has_more_pages,
    records_of,
    same_origin,
    total_pages,
    v1_next_page_uri,
)
from bot.ringcentral.ratelimit import RateGate, route_key
from bot.ringcentral.shared_limits import SharedRateLimits

logger = logging.getLogger(__name__)

ACCOUNT = "/restapi/v1.0/account/~"
ACCOUNT_V2 = "/restapi/v2/accounts/~"
BULK_ASSIGN_MAX_IDS = 50  # per list, per call (RingCentral's limit when thread messaging is on)
MAX_PER_PAGE = 1000
PACE_WEIGHT = 0.2  # of the latest answer in the running average of answer times

QueryParams = Sequence[tuple[str, str | int]]
RecordT = TypeVar("RecordT")
# Told of every request's end: its route (`route_key`), status (None: no answer) and headers.
AnswerObserver = Callable[[str, int | None, Mapping[str, str]], None]


class TokenSource(Protocol):
    """Where the client gets access tokens (TokenProvider, or a fake in unit tests)."""

    async def token(self) -> str: ...

    async def renew_after_rejection(self, rejected_token: str) -> str: ...

    def close(self) -> None: ...


@dataclass(frozen=True)
class RetryPolicy:
    """How long and how often the client waits and retries."""

    max_attempts: int = 4  # attempts per request for retryable failures (401 renewal not counted)
    backoff_base_seconds: float = 0.5
    backoff_max_seconds: float = 8.0
    default_retry_after_seconds: float = 30.0  # a 429 without Retry-After (RingCentral's advice)
    max_wait_seconds: float = 90.0  # a longer requested wait raises instead of sleeping


@dataclass(frozen=True)
class ClientOptions:
    """Timeouts, concurrency and paging of the client."""

    timeout_seconds: float = 10.0  # total per request, including reading the answer
    connect_timeout_seconds: float = 5.0
    max_concurrency: int = 4  # requests in flight at once
    per_page: int = MAX_PER_PAGE
    retry: RetryPolicy = field(default_factory=RetryPolicy)


@dataclass(frozen=True)
class _Answer:
    status: int
    body: str
    headers: Mapping[str, str]


def build_query(params: Iterable[tuple[str, str | int]]) -> str:
    """A query string with every key and value percent-encoded (`+` becomes %2B).

    Repeated keys stay repeated (`type=Site&type=Department`), as RingCentral expects.
    """
    return "&".join(f"{quote(str(k), safe='')}={quote(str(v), safe='')}" for k, v in params)


def _path_id(extension_id: str) -> str:
    return quote(str(extension_id), safe="~")


def _retry_after(headers: Mapping[str, str]) -> float | None:
    value = headers.get("Retry-After")
    if value is None:
        return None
    try:
        seconds = float(value)
    except ValueError:
        return None
    return max(seconds, 0.0)


def _chunks(ids: Sequence[str], size: int) -> list[list[str]]:
    return [list(ids[i : i + size]) for i in range(0, len(ids), size)]


def _unique(ids: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(str(i) for i in ids))


class RingCentralClient:
    """The RingCentral operations sms-handlers uses, over one shared aiohttp session."""

    def __init__(
        self,
        *,
        server_url: str,
        tokens: TokenSource,
        options: ClientOptions | None = None,
        session: aiohttp.ClientSession | None = None,
    ) -> None:
        self.server_url = server_url.rstrip("/")
        self.options = options or ClientOptions()
        self._tokens = tokens
        self._session = session
        self._owns_session = session is None
        self._semaphore = asyncio.Semaphore(self.options.max_concurrency)
        self._gate = RateGate()
        self._timeout = aiohttp.ClientTimeout(
            total=self.options.timeout_seconds, connect=self.options.connect_timeout_seconds
        )
        self.calls = 0  # HTTP requests sent (observability; tests and benchmarks read it)
        self._observers: list[AnswerObserver] = []
        self._waiting = 0  # requests waiting for the rate gate or for a free slot
        self._typical_seconds = 0.0  # how long an answer takes, averaged over recent ones

    @classmethod
    def from_credentials(
        cls, credentials: Credentials, *, options: ClientOptions | None = None
    ) -> RingCentralClient:
        """A client that logs in with the JWT flow through the `ringcentral` SDK."""
        opts = options or ClientOptions()
        tokens = TokenProvider(credentials=credentials, timeout_seconds=opts.timeout_seconds)
        return cls(server_url=credentials.server_url, tokens=tokens, options=opts)

    def observe_answers(self, observer: AnswerObserver) -> None:
        """Call `observer` at the end of every request (metrics count calls and 429s with it)."""
        self._observers.append(observer)

    def share_rate_limits(self, shared: SharedRateLimits) -> None:
        """Hold back calls by what other instances learnt of RingCentral's limits, and tell
        them what this one learns (see shared_limits.py)."""
        self._gate.shared = shared

    def expected_answer_seconds(self, method: str, path: str) -> float:
        """About how long a request on `path` made now would take to be answered: the hold of
        its rate group (after a 429, or a window used up), then its turn behind the requests
        already waiting (as many at a time as `max_concurrency` and the group's calls left
        allow), at the pace answers have been coming, its own answer included."""
        route = route_key(method, path)
        at_a_time = self.options.max_concurrency
        room = self._gate.room(route)
        if room is not None:
            at_a_time = max(1, min(at_a_time, room))
        turns = math.ceil((self._waiting + 1) / at_a_time)
        return self._gate.hold_seconds(route) + turns * self._typical_seconds

    def expected_handler_read_seconds(self) -> float:
        """`expected_answer_seconds` of reading a resource's SMS handlers."""
        return self.expected_answer_seconds("GET", f"{ACCOUNT}/extension/0/sms-recipients")

    async def __aenter__(self) -> RingCentralClient:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.close()

    async def close(self) -> None:
        """Close the HTTP session (when the client created it) and the token provider."""
        if self._session is not None and self._owns_session:
            await self._session.close()
        self._session = None
        self._tokens.close()

    # -- operations -------------------------------------------------------------------------

    async def list_extensions(
        self, *, types: Sequence[str] = (), statuses: Sequence[str] = ()
    ) -> list[ExtensionRecord]:
        """Every extension (all pages), optionally filtered by type and status."""
        params: list[tuple[str, str | int]] = [("type", t) for t in types]
        params += [("status", s) for s in statuses]
        what = "/".join(types) if types else "all"
        records = await self._list_v1(
            f"{ACCOUNT}/extension", params, operation=f"listing extensions ({what})", paged=True
        )
        return self._parse(records, ExtensionRecord.from_api, "listing extensions")

    async def list_call_queues(self) -> list[CallQueueRecord]:
        """Every call queue (all pages)."""
        records = await self._list_v1(
            f"{ACCOUNT}/call-queues", [], operation="listing call queues", paged=True
        )
        return self._parse(records, CallQueueRecord.from_api, "listing call queues")

    async def list_sites(self) -> list[SiteRecord]:
        """Every sub-site (the main site is not among them)."""
        records = await self._list_v1(
            f"{ACCOUNT}/sites", [], operation="listing sites", paged=False
        )
        return self._parse(records, SiteRecord.from_api, "listing sites")

    async def list_ivr_menus(self) -> list[IvrMenuRecord]:
        """Every IVR menu."""
        records = await self._list_v1(
            f"{ACCOUNT}/ivr-menus", [], operation="listing IVR menus", paged=False
        )
        return self._parse(records, IvrMenuRecord.from_api, "listing IVR menus")

    async def list_account_phone_numbers(
        self, *, usage_types: Sequence[str] = (), phone_number: str | None = None
    ) -> list[PhoneNumberRecord]:
        """Every account phone number (v2, all pages), filtered by usage type or E.164 number."""
        params: list[tuple[str, str | int]] = [("usageType", u) for u in usage_types]
        if phone_number is not None:
            params.append(("phoneNumber", phone_number))
        records = await self._list_v2(
            f"{ACCOUNT_V2}/phone-numbers", params, operation="listing the account's phone numbers"
        )
        return self._parse(records, PhoneNumberRecord.from_api, "listing phone numbers")

    async def get_sms_recipients(
        self, *, extension_id: str, max_wait_seconds: float | None = None
    ) -> list[SmsRecipientRecord]:
        """The SMS recipients (handlers) of a call queue or site.

        `max_wait_seconds`: raise RingCentralRateLimited at once instead of waiting longer than
        this for RingCentral's rate limit (default: the retry policy's `max_wait_seconds`)."""
        operation = f"reading the SMS handlers of extension {extension_id}"
        data = await self._get_json(
            self._url(f"{ACCOUNT}/extension/{_path_id(extension_id)}/sms-recipients"),
            operation=operation,
            max_wait_seconds=max_wait_seconds,
        )
        raw = data.get("smsRecipients")
        return self._parse(
            raw if isinstance(raw, list) else [], SmsRecipientRecord.from_api, operation
        )

    async def bulk_assign_sms_recipients(
        self, *, extension_id: str, added: Sequence[str] = (), removed: Sequence[str] = ()
    ) -> int:
        """Add and remove SMS recipients; returns the number of bulk-assign calls made.

        More than 50 ids in a list are split over several calls, as RingCentral requires; calls
        run one after another, so a failure leaves the earlier calls applied (read back to see).
        """
        adds, removes = _unique(added), _unique(removed)
        add_chunks = _chunks(adds, BULK_ASSIGN_MAX_IDS)
        remove_chunks = _chunks(removes, BULK_ASSIGN_MAX_IDS)
        url = self._url(f"{ACCOUNT}/extension/{_path_id(extension_id)}/sms-recipients/bulk-assign")
        calls = max(len(add_chunks), len(remove_chunks))
        for index in range(calls):
            body: dict[str, list[str]] = {}
            if index < len(add_chunks):
                body["addedExtensionIds"] = add_chunks[index]
            if index < len(remove_chunks):
                body["removedExtensionIds"] = remove_chunks[index]
            part = f" (part {index + 1} of {calls})" if calls > 1 else ""
            await self._request(
                "POST",
                url,
                operation=f"changing the SMS handlers of extension {extension_id}{part}",
                body=body,
                idempotent=False,
            )
        return calls

    async def get_features(
        self, *, feature_ids: Sequence[str], extension_id: str = "~"
    ) -> list[FeatureRecord]:
        """The named features of an extension (default: the JWT's own user)."""
        params = [("featureId", f) for f in feature_ids]
        operation = f"checking the features {', '.join(feature_ids)}"
        data = await self._get_json(
            self._url(f"{ACCOUNT}/extension/{_path_id(extension_id)}/features", params),
            operation=operation,
        )
        return self._parse(records_of(data), FeatureRecord.from_api, operation)

    # -- paging -----------------------------------------------------------------------------

    def _url(self, path: str, params: QueryParams = ()) -> str:
        query = build_query(params)
        return f"{self.server_url}{path}{'?' + query if query else ''}"

    async def _list_v1(
        self, path: str, params: QueryParams, *, operation: str, paged: bool
    ) -> list[Any]:
        """All records of a v1 list: the other pages at once when the first gives totals, else
        following `navigation.nextPage` on the configured server."""
        per_page = min(self.options.per_page, MAX_PER_PAGE)
        base = list(params) + ([("perPage", per_page)] if paged else [])
        url = self._url(path, base)
        first = await self._get_json(url, operation=operation)
        total = total_pages(first, per_page=per_page) if paged else None
        if total is not None and records_of(first):
            pages = await self._pages(
                [self._url(path, [*base, ("page", n)]) for n in range(2, total + 1)], operation
            )
            return [record for page in (first, *pages) for record in records_of(page)]
        records: list[Any] = []
        seen: set[str] = set()
        page = first
        for page_number in range(1, MAX_PAGES + 1):
            if page_number > 1:
                page = await self._get_json(url, operation=operation)
            seen.add(url)
            records.extend(records_of(page))
            next_uri = v1_next_page_uri(page)
            if next_uri is None:
                # Without navigation, a paged list with `paging` goes on by page number;
                # an unpaged list (sites, IVR menus) is complete in one answer.
                by_number = paged and not isinstance(page.get("navigation"), Mapping)
                if not by_number or not isinstance(page.get("paging"), Mapping):
                    break
                if not has_more_pages(page, page_number=page_number, per_page=per_page):
                    break
                next_uri = self._url(path, [*base, ("page", page_number + 1)])
            elif not same_origin(next_uri, self.server_url):
                # Never send the token elsewhere: ask the configured server for the same page.
                logger.warning("%s: nextPage points to another host; paging by number", operation)
                next_uri = self._url(path, [*base, ("page", page_number + 1)])
            if next_uri in seen:
                raise RingCentralBadResponse(
                    operation=operation, detail="the next page link points back to a page read."
                )
            url = next_uri
        return records

    async def _list_v2(self, path: str, params: QueryParams, *, operation: str) -> list[Any]:
        """All records of a v2 list by page number (later pages at once if totals known)."""
        per_page = min(self.options.per_page, MAX_PER_PAGE)

        def page_url(number: int) -> str:
            return self._url(path, [*params, ("page", number), ("perPage", per_page)])

        first = await self._get_json(page_url(1), operation=operation)
        records = list(records_of(first))
        if not has_more_pages(first, page_number=1, per_page=per_page):
            return records
        total = total_pages(first, per_page=per_page)
        if total is not None:
            pages = await self._pages([page_url(n) for n in range(2, total + 1)], operation)
            return [record for page in (first, *pages) for record in records_of(page)]
        for number in range(2, MAX_PAGES + 1):
            page = await self._get_json(page_url(number), operation=operation)
            records.extend(records_of(page))
            if not has_more_pages(page, page_number=number, per_page=per_page):
                break
        return records

    async def _pages(self, urls: Sequence[str], operation: str) -> tuple[JsonObject, ...]:
        """Pages read side by side (as many at once as the concurrency limit and the rate gate
        allow); the first failure cancels the rest."""
        return await gather_or_cancel(*(self._get_json(url, operation=operation) for url in urls))

    def _parse(
        self, raw: Sequence[Any], parse: Callable[[JsonObject], RecordT], operation: str
    ) -> list[RecordT]:
        parsed: list[RecordT] = []
        for item in raw:
            if not isinstance(item, Mapping):
                logger.warning("%s: skipped a record that is not an object", operation)
                continue
            try:
                parsed.append(parse(item))
            except MalformedRecord as exc:
                logger.warning("%s: skipped a %s", operation, exc)
        return parsed

    # -- HTTP -------------------------------------------------------------------------------

    async def _get_json(
        self, url: str, *, operation: str, max_wait_seconds: float | None = None
    ) -> JsonObject:
        answer = await self._request(
            "GET", url, operation=operation, idempotent=True, max_wait_seconds=max_wait_seconds
        )
        try:
            data = json.loads(answer.body)
        except ValueError:
            raise RingCentralBadResponse(
                operation=operation, status=answer.status, detail="the answer was not JSON."
            ) from None
        if not isinstance(data, dict):
            raise RingCentralBadResponse(
                operation=operation, status=answer.status, detail="the answer was not an object."
            )
        return data

    def _http(self) -> aiohttp.ClientSession:
        if self._session is None or self._session.closed:
            connector = aiohttp.TCPConnector(limit=self.options.max_concurrency)
            self._session = aiohttp.ClientSession(timeout=self._timeout, connector=connector)
            self._owns_session = True
        return self._session

    async def _request(
        self,
        method: str,
        url: str,
        *,
        operation: str,
        idempotent: bool,
        body: Mapping[str, Any] | None = None,
        max_wait_seconds: float | None = None,
    ) -> _Answer:
        policy = self.options.retry
        max_wait = policy.max_wait_seconds if max_wait_seconds is None else max_wait_seconds
        attempt = 0
        renewed = False
        token = await self._token()
        while True:
            attempt += 1
            try:
                answer = await self._send(
                    method, url, token=token, body=body, operation=operation, max_wait=max_wait
                )
            except (TimeoutError, aiohttp.ClientError) as exc:
                error = self._transport_error(exc, operation=operation, idempotent=idempotent)
                if not idempotent or attempt >= policy.max_attempts:
                    raise error from None
                delay = self._backoff(attempt)
                logger.warning(
                    "%s Retrying in %.2f s (attempt %d).", log_text(error), delay, attempt
                )
                await asyncio.sleep(delay)
                continue
            if answer.status < 400:
                return answer
            if answer.status == 401 and not renewed:
                renewed = True
                attempt -= 1
                logger.info("%s: access token refused (401); renewing it once", operation)
                token = await self._token(rejected=token)
                continue
            retry_after = _retry_after(answer.headers)
            error = error_for_response(
                status=answer.status, body=answer.body, operation=operation, retry_after=retry_after
            )
            wait = self._retry_decision(answer.status, retry_after, attempt, idempotent)
            if answer.status == 429:
                self._gate.hold(route_key(method, URL(url, encoded=True).path), wait or 0.0)
            if wait is None or attempt >= policy.max_attempts:
                logger.warning("%s", log_text(error))
                raise error
            if wait > max_wait:
                logger.warning("%s (asked to wait %.0f s: not waiting)", log_text(error), wait)
                raise error
            wait += random.uniform(0, min(1.0, wait * 0.1))  # callers told the same wait spread
            logger.warning("%s Retrying in %.2f s (attempt %d).", log_text(error), wait, attempt)
            await asyncio.sleep(wait)
            token = await self._token()

    async def _token(self, *, rejected: str | None = None) -> str:
        """A token from the provider; a rate-limited or unavailable token endpoint is retried."""
        policy = self.options.retry
        for attempt in range(1, policy.max_attempts + 1):
            try:
                if rejected is not None:
                    return await self._tokens.renew_after_rejection(rejected)
                return await self._tokens.token()
            except (RingCentralRateLimited, RingCentralUnavailable) as error:
                if attempt >= policy.max_attempts:
                    raise
                if isinstance(error, RingCentralRateLimited):
                    wait = error.retry_after
                    wait = policy.default_retry_after_seconds if wait is None else wait
                    if wait > policy.max_wait_seconds:
                        raise
                else:
                    wait = self._backoff(attempt)
                logger.warning("%s Retrying in %.2f s.", log_text(error), wait)
                await asyncio.sleep(wait)
        raise AssertionError("unreachable")

    def _retry_decision(
        self, status: int, retry_after: float | None, attempt: int, idempotent: bool
    ) -> float | None:
        """Seconds to wait before retrying, or None when the answer must not be retried."""
        policy = self.options.retry
        if status == 429:
            return retry_after if retry_after is not None else policy.default_retry_after_seconds
        if status == 503 and retry_after is not None:
            return retry_after
        if status in (500, 502, 503, 504) and idempotent:
            return self._backoff(attempt)
        return None

    def _backoff(self, attempt: int) -> float:
        policy = self.options.retry
        ceiling = min(policy.backoff_max_seconds, policy.backoff_base_seconds * 2 ** (attempt - 1))
        return random.uniform(ceiling / 2, ceiling)

    def _transport_error(
        self, exc: BaseException, *, operation: str, idempotent: bool
    ) -> RingCentralError:
        maybe_applied = None if idempotent else "The change may or may not have been applied."
        if isinstance(exc, TimeoutError):
            return RingCentralTimeout(
                operation=operation,
                detail=f"no answer within {self.options.timeout_seconds:g} s.",
                note=maybe_applied,
            )
        return RingCentralUnavailable(
            operation=operation,
            detail=f"the connection failed ({type(exc).__name__}).",
            note=maybe_applied,
        )

    async def _send(
        self,
        method: str,
        url: str,
        *,
        token: str,
        body: Mapping[str, Any] | None,
        operation: str,
        max_wait: float,
    ) -> _Answer:
        headers = {"Authorization": f"Bearer {token}", "Accept": "application/json"}
        data = None
        if body is not None:
            headers["Content-Type"] = "application/json"
            data = json.dumps(body)
        target = URL(url, encoded=True)
        route = route_key(method, target.path)
        session = self._http()
        self._waiting += 1
        try:
            group, held = await self._gate.enter(
                route, slots=self._semaphore, max_wait_seconds=max_wait
            )
        finally:
            self._waiting -= 1
        if group is None:
            raise RingCentralRateLimited(
                operation=operation,
                retry_after=held,
                detail="this app has used up its requests to RingCentral for the moment.",
            )
        answer: _Answer | None = None
        try:
            self.calls += 1
            started = time.monotonic()
            async with session.request(
                method, target, headers=headers, data=data, timeout=self._timeout
            ) as response:
                text = await response.text(errors="replace")
                logger.debug(
                    "%s %s -> %d in %.3f s",
                    method,
                    target.path,
                    response.status,
                    time.monotonic() - started,
                )
                answer = _Answer(
                    status=response.status, body=text, headers=CIMultiDict(response.headers)
                )
                elapsed = time.monotonic() - started
                self._typical_seconds += PACE_WEIGHT * (elapsed - self._typical_seconds)
                return answer
        finally:
            self._semaphore.release()
            self._gate.leave(
                route,
                group,
                status=answer.status if answer else None,
                headers=answer.headers if answer else {},
            )
            for observe in self._observers:
                observe(route, answer.status if answer else None, answer.headers if answer else {})


__all__ = [
    "BULK_ASSIGN_MAX_IDS",
    "AnswerObserver",
    "ClientOptions",
    "RetryPolicy",
    "RingCentralClient",
    "TokenSource",
    "build_query",
]
