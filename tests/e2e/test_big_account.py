"""A large account under RingCentral's rate limits: `who` and `list` stay within a budget.

The sandbox runs a generated account with rate limits on and a one-second window; the app's
bulk-read budget has a matching short window, so minutes of real pacing take seconds here.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import pytest

from bot.services.budget import CallBudget
from sms_handlers_sandbox.ringcentral import SandboxOptions, large_seed
from tests.support.app_harness import Harness, running_app, texts

LIMITS = {"Light": 30, "Medium": 40, "Heavy": 10, "Auth": 5}  # per one-second window
SEED = large_seed(sites=3, queues=20, users=30, numbers=80)  # 24 common resources


@pytest.fixture
async def big(tmp_path: Path) -> AsyncIterator[Harness]:
    options = SandboxOptions(limits=dict(LIMITS), window_seconds=1.0, penalty_seconds=1.0)
    budget = CallBudget(calls=10, window_seconds=0.5)  # at most ~20 of the 30 a second
    async with running_app(tmp_path, sandbox_options=options, seed=SEED, scan_budget=budget) as h:
        yield h
        h.assert_everything_accepted()


def handler_reads(app: Harness) -> list[str]:
    return [r.path for r in app.sandbox.requests if r.path.endswith("/sms-recipients")]


def rate_limited(app: Harness) -> list[str]:
    return [r.path for r in app.sandbox.requests if r.status == 429]


async def until(condition: Callable[[], bool]) -> None:
    for _ in range(400):
        if condition():
            return
        await asyncio.sleep(0.025)
    raise AssertionError("the app never got there")


async def user_handling_many(app: Harness) -> tuple[str, str, set[str]]:
    """The user (email, name) who handles the most resources, and those resources' names."""
    inventory = await app.container.directory.inventory()
    handled: dict[str, set[str]] = {}
    for resource in inventory.resources:
        for user_id in app.sandbox.sms_recipients(resource.id):
            handled.setdefault(user_id, set()).add(resource.name)
    user_id = max(handled, key=lambda u: (len(handled[u]), u))
    choices = await app.container.people.choices(ids=[user_id])
    person = choices[user_id].user
    assert person.email is not None and len(handled[user_id]) >= 2
    return person.email, person.name, handled[user_id]


async def test_who_answers_at_once_then_checks_the_rest_without_starving_others(
    big: Harness,
) -> None:
    email, name, truth = await user_handling_many(big)
    total = len((await big.container.directory.inventory()).resources)
    first = sorted(truth)[0]
    await big.command(big.carla, first)  # a card: its handlers are read live, and remembered
    assert len(handler_reads(big)) == 1

    await big.command(big.nina, f"who {email}", settle=False)
    await until(lambda: len(big.ephemerals(big.nina)) == 1)
    early = texts(big.last_ephemeral(big.nina))
    assert f"*{name}* handles SMS for, as far as the bot has seen:" in early
    assert f"*{first}*" in early
    assert f"has not read the handlers of {total - 1} of {total} resources recently" in early
    assert "The full answer will be posted here." in early

    # While the scan runs, a lookup is answered at once. (Another resource than the first card's:
    # a card a few seconds old is shown again without a read, which would make the count below
    # depend on this machine's speed.)
    resources = (await big.container.directory.inventory()).resources
    other = next(r for r in resources if r.name != first and r.extension_number)
    await big.command(big.carla, str(other.extension_number), settle=False)
    await until(lambda: len(big.ephemerals(big.carla)) == 2)
    assert len(big.ephemerals(big.nina)) == 1, "the card waited for the whole scan"

    await big.settle()
    final = texts(big.last_ephemeral(big.nina))
    assert len(big.ephemerals(big.nina)) == 2
    assert final.startswith(f"*{name}* handles SMS for\n")
    listed = {line.split("*")[1] for line in final.splitlines()[1:] if line.startswith("• ")}
    assert listed == truth
    assert "as far as the bot has seen" not in final
    # Every resource read once (the first card's read was not repeated) and never rate limited.
    # The other card reads its resource again unless the scan had read it a moment before.
    reads = handler_reads(big)
    assert len(set(reads)) == total
    repeated = {path for path in reads if reads.count(path) > 1}
    assert repeated <= {f"/restapi/v1.0/account/~/extension/{other.id}/sms-recipients"}
    assert len(reads) == total + len(repeated)
    assert rate_limited(big) == []

    # Everything is fresh now: the next `who` answers from the snapshots, with no reads.
    await big.command(big.nina, f"who {email}")
    assert texts(big.last_ephemeral(big.nina)) == final
    assert handler_reads(big) == reads


async def test_two_who_at_once_share_one_scan(big: Harness) -> None:
    email, name, truth = await user_handling_many(big)
    total = len((await big.container.directory.inventory()).resources)
    await big.command(big.nina, f"who {email}", settle=False)
    await until(lambda: len(big.ephemerals(big.nina)) == 1)
    await big.command(big.carla, f"who {email}", settle=False)
    await big.settle()
    assert len(handler_reads(big)) == total
    assert rate_limited(big) == []
    for person in (big.nina, big.carla):
        final = texts(big.last_ephemeral(person))
        assert final.startswith(f"*{name}* handles SMS for\n"), final
        assert all(f"*{resource}*" in final for resource in truth)


async def test_list_reads_only_what_the_budget_allows(big: Harness) -> None:
    await big.command(big.nina, "list")
    page = texts(big.last_ephemeral(big.nina))
    assert "Common resources (24)" in page and "Page 1 of 2" in page
    assert len(handler_reads(big)) == 10  # the budget's window
    assert page.count("handlers not read yet") == 20 - 10
    assert "some are as the bot last saw them" in page
    assert rate_limited(big) == []


async def test_offboard_reads_what_it_has_not_seen_then_lists_every_resource(
    big: Harness,
) -> None:
    email, name, truth = await user_handling_many(big)
    total = len((await big.container.directory.inventory()).resources)
    await big.command(big.carla, f"offboard {email}", settle=False)
    await until(lambda: len(big.ephemerals(big.carla)) == 2)
    first, second = (texts(m) for m in big.ephemerals(big.carla))
    assert f"Reading the SMS handlers of {total} resources not read lately" in first
    assert "Offboarding request #1 was sent to the approvers" in second
    assert f"remove {name} (ext." in second and f"from {len(truth)} resources" in second
    post = texts(big.approval_posts()[-1])
    assert f"*Resources ({len(truth)})*" in post
    assert all(f"*{resource}*" in post for resource in truth)
    assert len(handler_reads(big)) == total  # each resource read once, within the budget
    assert not rate_limited(big)
    await big.settle()
