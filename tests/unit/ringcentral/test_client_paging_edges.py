"""Paging edge cases the sandbox does not produce, served by a tiny loopback server."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import pytest
from aiohttp import web

from bot.ringcentral.client import ClientOptions, RetryPolicy, RingCentralClient
from bot.ringcentral.errors import RingCentralBadResponse

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


class FixedToken:
    """A token source that never changes (these tests are about paging, not auth)."""

    async def token(self) -> str:
        return "test-token"

    async def renew_after_rejection(self, rejected_token: str) -> str:
        return "test-token"

    def close(self) -> None:
        return None


class Tiny:
    """A loopback server answering every GET with `answer(request)`; records what it saw."""

    def __init__(self, answer: Callable[[web.Request, str], dict[str, Any]]) -> None:
        self.answer = answer
        self.seen: list[tuple[str, str | None]] = []  # (query string, Authorization)
        self.url = ""
        self._runner: web.AppRunner | None = None

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        self.seen.append((request.query_string, request.headers.get("Authorization")))
        return web.json_response(self.answer(request, self.url))

    async def start(self) -> None:
        app = web.Application()
        app.router.add_get("/{tail:.*}", self._handle)
        self._runner = web.AppRunner(app)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.url = f"http://127.0.0.1:{self._runner.addresses[0][1]}"

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()


@pytest.fixture
async def client_for() -> AsyncIterator[Callable[[Tiny], Awaitable[RingCentralClient]]]:
    opened: list[tuple[Tiny, RingCentralClient]] = []

    async def make(server: Tiny) -> RingCentralClient:
        await server.start()
        client = RingCentralClient(
            server_url=server.url,
            tokens=FixedToken(),
            options=ClientOptions(timeout_seconds=5.0, per_page=2),
        )
        opened.append((server, client))
        return client

    yield make
    for server, client in opened:
        await client.close()
        await server.stop()


def queue_page(request: web.Request, records: list[int]) -> dict[str, Any]:
    return {"records": [{"id": str(i), "name": f"Queue {i}"} for i in records]}


async def test_a_next_page_link_to_another_host_is_not_followed(
    client_for: Callable[[Tiny], Awaitable[RingCentralClient]],
) -> None:
    def answer(request: web.Request, url: str) -> dict[str, Any]:
        page = int(request.query.get("page", "1"))
        body = queue_page(request, [page * 10, page * 10 + 1] if page < 3 else [30])
        if page < 3:
            body["navigation"] = {
                "nextPage": {"uri": f"https://elsewhere.example/p?page={page + 1}"}
            }
        return body

    server = Tiny(answer)
    client = await client_for(server)
    queues = await client.list_call_queues()

    # The pages were asked for on the configured server instead, by number.
    assert [q.id for q in queues] == ["10", "11", "20", "21", "30"]
    assert [q for q, _ in server.seen] == ["perPage=2", "perPage=2&page=2", "perPage=2&page=3"]
    assert all(auth == "Bearer test-token" for _, auth in server.seen)


async def test_a_next_page_link_pointing_back_is_an_error_not_a_loop(
    client_for: Callable[[Tiny], Awaitable[RingCentralClient]],
) -> None:
    def answer(request: web.Request, url: str) -> dict[str, Any]:
        body = queue_page(request, [1, 2])
        body["navigation"] = {
            "nextPage": {"uri": f"{url}/restapi/v1.0/account/~/call-queues?perPage=2"}
        }
        return body

    client = await client_for(Tiny(answer))
    with pytest.raises(RingCentralBadResponse) as caught:
        await client.list_call_queues()
    assert "points back to a page read" in caught.value.details


async def test_a_v1_list_without_navigation_is_paged_by_number_until_a_short_page(
    client_for: Callable[[Tiny], Awaitable[RingCentralClient]],
) -> None:
    def answer(request: web.Request, url: str) -> dict[str, Any]:
        page = int(request.query.get("page", "1"))
        body = queue_page(request, [page * 10, page * 10 + 1] if page < 2 else [20])
        body["paging"] = {"perPage": 2}
        return body

    server = Tiny(answer)
    client = await client_for(server)
    queues = await client.list_call_queues()

    assert [q.id for q in queues] == ["10", "11", "20"]
    assert len(server.seen) == 2


async def test_records_that_are_not_objects_or_lack_an_id_are_skipped(
    client_for: Callable[[Tiny], Awaitable[RingCentralClient]],
) -> None:
    def answer(request: web.Request, url: str) -> dict[str, Any]:
        return {"records": [{"id": "1", "name": "IVR"}, "junk", {"name": "no id"}, None]}

    client = await client_for(Tiny(answer))

    assert [m.id for m in await client.list_ivr_menus()] == ["1"]


async def test_a_v2_list_with_totals_reads_the_remaining_pages_together(
    client_for: Callable[[Tiny], Awaitable[RingCentralClient]],
) -> None:
    def answer(request: web.Request, url: str) -> dict[str, Any]:
        page = int(request.query.get("page", "1"))
        records = [{"id": f"{page}-{i}", "phoneNumber": f"+1650555{page}{i:03d}"} for i in range(2)]
        return {"records": records, "paging": {"page": page, "perPage": 2, "totalPages": 4}}

    server = Tiny(answer)
    client = await client_for(server)
    numbers = await client.list_account_phone_numbers(usage_types=["DirectNumber"])

    assert [n.id for n in numbers] == ["1-0", "1-1", "2-0", "2-1", "3-0", "3-1", "4-0", "4-1"]
    assert sorted(q for q, _ in server.seen) == [
        f"usageType=DirectNumber&page={n}&perPage=2" for n in range(1, 5)
    ]


async def test_retry_after_is_read_whatever_the_header_case() -> None:
    answers = iter(
        [
            web.json_response({"errors": [{"errorCode": "CMN-301", "message": "Rate"}]},
                              status=429, headers={"retry-after": "0.05"}),
            web.json_response({"smsRecipients": [{"id": "6001", "name": "Ava Chen"}]}),
        ]
    )  # fmt: skip

    async def handle(request: web.Request) -> web.StreamResponse:
        return next(answers)

    app = web.Application()
    app.router.add_get("/{tail:.*}", handle)
    runner = web.AppRunner(app)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    url = f"http://127.0.0.1:{runner.addresses[0][1]}"
    retry = RetryPolicy(default_retry_after_seconds=30.0, max_wait_seconds=1.0)
    client = RingCentralClient(
        server_url=url, tokens=FixedToken(), options=ClientOptions(retry=retry)
    )
    try:
        # With the header missed, the 30 s default would exceed the 1 s the client accepts.
        recipients = await client.get_sms_recipients(extension_id="4001")
    finally:
        await client.close()
        await runner.cleanup()

    assert [r.name for r in recipients] == ["Ava Chen"]
