"""The client reads every page of v1 and v2 lists, with and without totals, over the sandbox."""

from __future__ import annotations

import pytest

from sms_handlers_sandbox.ringcentral import SandboxOptions, SandboxServer
from tests.support.rc_sandbox import (
    RequestCapture,
    data_requests,
    fast_options,
    sandbox_client,
)

QUEUE_NAMES = {"Support", "Sales", "Billing", "Support Escalations"}


@pytest.mark.parametrize("omit_totals", [False, True])
async def test_v1_list_follows_next_page_links_to_the_end(
    rc_sandbox: SandboxServer, omit_totals: bool
) -> None:
    rc_sandbox.options.omit_totals = omit_totals
    capture = RequestCapture()
    async with sandbox_client(
        rc_sandbox, options=fast_options(per_page=3), capture=capture
    ) as client:
        queues = await client.list_extensions(types=["Department"])

    assert {q.name for q in queues} == QUEUE_NAMES
    pages = [r for r in data_requests(rc_sandbox) if r.path.endswith("/extension")]
    assert len(pages) == 2  # 4 queues, 3 per page; the last page has no nextPage
    assert ("page", "2") in pages[1].query


@pytest.mark.parametrize("omit_totals", [False, True])
async def test_v2_phone_numbers_are_read_page_by_page(
    rc_sandbox: SandboxServer, omit_totals: bool
) -> None:
    rc_sandbox.options.omit_totals = omit_totals
    expected = {n.phone_number for n in rc_sandbox.seed.phone_numbers}
    async with sandbox_client(rc_sandbox, options=fast_options(per_page=4)) as client:
        numbers = await client.list_account_phone_numbers()

    assert {n.phone_number for n in numbers} == expected
    assert len(numbers) == len(expected)
    pages = [r for r in data_requests(rc_sandbox) if r.path.endswith("/phone-numbers")]
    full_pages, rest = divmod(len(expected), 4)
    if omit_totals:
        # Without totals the list ends at a short (or empty) page.
        assert len(pages) == full_pages + 1
    else:
        assert len(pages) == full_pages + (1 if rest else 0)


async def test_repeated_type_filters_reach_the_server_as_repeated_keys(
    rc_sandbox: SandboxServer, rc_capture: RequestCapture
) -> None:
    async with sandbox_client(rc_sandbox, capture=rc_capture) as client:
        records = await client.list_extensions(types=["Site", "IvrMenu"])

    assert {r.type for r in records} == {"Site", "IvrMenu"}
    sent = next(s for s in rc_capture.sent if s.path.endswith("/extension"))
    assert "type=Site&type=IvrMenu" in sent.raw_query


async def test_a_plus_in_a_phone_number_filter_is_sent_as_percent_2b(
    rc_sandbox: SandboxServer, rc_capture: RequestCapture
) -> None:
    async with sandbox_client(rc_sandbox, capture=rc_capture) as client:
        numbers = await client.list_account_phone_numbers(phone_number="+16505550104")

    assert [n.phone_number for n in numbers] == ["+16505550104"]
    sent = next(s for s in rc_capture.sent if s.path.endswith("/phone-numbers"))
    assert "phoneNumber=%2B16505550104" in sent.raw_query


async def test_large_account_lists_are_complete(rc_options: SandboxOptions) -> None:
    from sms_handlers_sandbox.ringcentral import large_seed
    from tests.support.rc_sandbox import running_sandbox

    seed = large_seed(sites=5, queues=120, users=300, numbers=700)
    async with running_sandbox(seed, rc_options) as server, sandbox_client(server) as client:
        users = await client.list_extensions(types=["User"])
        numbers = await client.list_account_phone_numbers()

    assert len(users) == sum(1 for e in seed.extensions if e.type == "User")
    assert len(numbers) == len(seed.phone_numbers)


@pytest.mark.parametrize("omit_totals", [False, True])
async def test_the_user_list_reads_its_other_pages_side_by_side_when_totals_say_how_many(
    omit_totals: bool,
) -> None:
    from sms_handlers_sandbox.ringcentral import large_seed
    from tests.support.rc_sandbox import running_sandbox

    seed = large_seed(sites=1, queues=2, users=50, numbers=60)
    options = SandboxOptions(omit_totals=omit_totals, latency_seconds=0.02)
    capture = RequestCapture()
    async with (
        running_sandbox(seed, options) as server,
        sandbox_client(server, options=fast_options(per_page=10), capture=capture) as client,
    ):
        users = await client.list_extensions(types=["User"])

    assert sorted(u.id for u in users) == sorted(
        str(e.id) for e in seed.extensions if e.type == "User"
    )
    pages = [r for r in data_requests(server) if r.path.endswith("/extension")]
    assert sorted(dict(r.query).get("page", "1") for r in pages) == ["1", "2", "3", "4", "5"]
    if omit_totals:  # nothing says how many: one page after another, to the last nextPage
        assert capture.peak_in_flight == 1
    else:  # pages 2 to 5 at once, as many as the client's concurrency (4) allows
        assert capture.peak_in_flight == 4
