"""SMS handlers: live reads, people to pick from, reverse lookup, changes and the feature check."""

from __future__ import annotations

import pytest

from bot.domain import ResourceType
from bot.ringcentral.errors import RingCentralRequestRejected, RingCentralUnavailable
from bot.services.directory import (
    ChangeFailed,
    Directory,
    FeatureUnavailable,
    InvalidChange,
    UnknownResource,
)
from sms_handlers_sandbox.ringcentral import Fault, SandboxServer, large_seed
from tests.support.rc_sandbox import data_requests, running_sandbox, sandbox_client

SUPPORT, SALES, BOSTON, MAIN = "4001", "4002", "2000", "1000"


async def test_handlers_are_read_live_every_time(
    rc_sandbox: SandboxServer, rc_directory: Directory
) -> None:
    first = await rc_directory.handlers(resource_id=SUPPORT)
    rc_sandbox.set_sms_recipients(SUPPORT, ["6003"])  # changed outside the bot
    second = await rc_directory.handlers(resource_id=SUPPORT)

    assert [(r.id, r.name, r.extension_number) for r in first] == [
        ("6001", "Ava Chen", "1001"),
        ("6002", "Ben Ortiz", "1002"),
    ]
    assert [r.name for r in second] == ["Carla Diaz"]


async def test_handler_flags_come_through(
    rc_sandbox: SandboxServer, rc_directory: Directory
) -> None:
    rc_sandbox.set_sms_recipients(SALES, ["6007", "6008"])

    handlers = {r.name: r for r in await rc_directory.handlers(resource_id=SALES)}

    assert handlers["Grace Kim"].assignable is False
    assert handlers["Hiro Tanaka"].has_license is False
    assert handlers["Hiro Tanaka"].assignable is True


async def test_the_main_site_answers_to_main_site_as_an_id(rc_directory: Directory) -> None:
    handlers = await rc_directory.handlers(resource_id="main-site")

    assert [r.name for r in handlers] == ["Carla Diaz"]


async def test_an_unknown_resource_id_is_a_clear_error(rc_directory: Directory) -> None:
    with pytest.raises(UnknownResource, match="No site or call queue has the id 5001"):
        await rc_directory.handlers(resource_id="5001")  # an IVR menu, not a resource


async def test_reverse_lookup_lists_what_a_user_handles(rc_directory: Directory) -> None:
    handled = await rc_directory.resources_handled_by(user_id="6002")

    assert [r.name for r in handled] == ["Sales", "Support"]
    assert await rc_directory.resources_handled_by(user_id="6014") == ()


async def test_a_change_is_applied_and_verified_by_reading_back(
    rc_sandbox: SandboxServer, rc_directory: Directory
) -> None:
    outcome = await rc_directory.apply_change(
        resource_id=SUPPORT, added=["6003", "6001"], removed=["6002", "6011"]
    )

    assert [r.id for r in outcome.before] == ["6001", "6002"]
    assert {r.id for r in outcome.after} == {"6001", "6003"}
    assert outcome.added == ("6003",) and outcome.removed == ("6002",)
    assert outcome.already_handlers == ("6001",) and outcome.not_handlers == ("6011",)
    assert outcome.verified and outcome.calls == 1
    assert set(rc_sandbox.sms_recipients(SUPPORT)) == {"6001", "6003"}


async def test_a_change_that_changes_nothing_makes_no_call(
    rc_sandbox: SandboxServer, rc_directory: Directory
) -> None:
    outcome = await rc_directory.apply_change(resource_id=SUPPORT, added=["6001"])

    assert outcome.calls == 0 and outcome.verified
    assert not any(r.path.endswith("/bulk-assign") for r in data_requests(rc_sandbox))


async def test_a_change_keeps_the_cached_inventory_and_shows_new_handlers_at_once(
    rc_sandbox: SandboxServer, rc_directory: Directory
) -> None:
    # Handlers are read live, so the inventory (resources and numbers, which a handler change
    # cannot alter) is not reloaded: on a large account that reload costs the Heavy budget.
    await rc_directory.inventory()
    await rc_directory.apply_change(resource_id=SUPPORT, added=["6003"])
    await rc_directory.inventory()
    handlers = await rc_directory.handlers(resource_id=SUPPORT)

    assert "6003" in {h.id for h in handlers}
    listed = [
        r for r in data_requests(rc_sandbox) if r.path.endswith(("/extension", "/phone-numbers"))
    ]
    assert len(listed) == 2  # the first load only


async def test_a_change_made_meanwhile_by_someone_else_is_noticed_but_not_a_failure(
    rc_sandbox: SandboxServer, rc_directory: Directory
) -> None:
    # bulk-assign succeeds, but someone adds Kara Novak before the read-back.
    original = rc_directory.client.bulk_assign_sms_recipients

    async def assign_then_interfere(**kwargs: object) -> int:
        calls = await original(**kwargs)  # type: ignore[arg-type]
        rc_sandbox.set_sms_recipients(SUPPORT, [*rc_sandbox.sms_recipients(SUPPORT), "6011"])
        return calls

    rc_directory.client.bulk_assign_sms_recipients = assign_then_interfere  # type: ignore[method-assign]
    outcome = await rc_directory.apply_change(resource_id=SUPPORT, removed=["6002"])

    # Verified against what was requested (Ben removed); Kara, added by someone else, is noted.
    assert outcome.verified
    assert outcome.unexpected == ("6011",)
    assert outcome.missing == () and outcome.still_present == ()


@pytest.mark.parametrize(
    ("added", "removed", "message"),
    [
        (["6003"], ["6003"], "both added and removed"),
        ([], [], "adds and removes nobody"),
        ([" "], [], "empty"),
    ],
)
async def test_an_invalid_change_is_refused_before_any_call(
    rc_sandbox: SandboxServer,
    rc_directory: Directory,
    added: list[str],
    removed: list[str],
    message: str,
) -> None:
    with pytest.raises(InvalidChange, match=message):
        await rc_directory.apply_change(resource_id=SUPPORT, added=added, removed=removed)

    assert data_requests(rc_sandbox) == []


async def test_a_change_ringcentral_refuses_reports_that_nothing_changed(
    rc_sandbox: SandboxServer, rc_directory: Directory
) -> None:
    with pytest.raises(ChangeFailed) as caught:
        await rc_directory.apply_change(resource_id=SUPPORT, added=["4002"])  # a queue

    failure = caught.value
    assert isinstance(failure.cause, RingCentralRequestRejected)
    assert failure.after == failure.before
    assert "Nothing was changed" in str(failure)
    assert "Support (call queue, ext. 104)" in str(failure)


async def test_a_large_change_failing_part_way_reports_the_part_applied() -> None:
    seed = large_seed(sites=1, queues=2, users=130, numbers=20)
    users = [str(e.id) for e in seed.extensions if e.type == "User" and e.status == "Enabled"]
    async with running_sandbox(seed) as server, sandbox_client(server) as client:
        directory = Directory(client=client)
        inventory = await directory.inventory()
        queue = inventory.of_type(ResourceType.CALL_QUEUE)[0]
        server.set_sms_recipients(queue.id, [])
        server.inject_fault(Fault(r"/bulk-assign$", status=500, skip=1))
        with pytest.raises(ChangeFailed) as caught:
            await directory.apply_change(resource_id=queue.id, added=users[:80])
        now = server.sms_recipients(queue.id)

    failure = caught.value
    assert isinstance(failure.cause, RingCentralUnavailable)
    assert failure.before == ()
    assert failure.after is not None and {r.id for r in failure.after} == set(now)
    assert len(now) == 50  # the first call of two went through
    assert "Part of the change was applied" in str(failure)


async def test_a_change_sent_but_not_readable_afterwards_says_it_was_sent(
    rc_sandbox: SandboxServer, rc_directory: Directory
) -> None:
    # The read before the change succeeds; every read after it fails.
    rc_sandbox.inject_fault(
        Fault(r"/4001/sms-recipients$", method="GET", status=503, skip=1, times=9)
    )
    with pytest.raises(ChangeFailed) as caught:
        await rc_directory.apply_change(resource_id=SUPPORT, added=["6003"])

    failure = caught.value
    assert isinstance(failure.cause, RingCentralUnavailable)
    assert failure.after is None
    assert str(failure).startswith(
        "The change to Support (call queue, ext. 104) was sent, but its handlers could not be "
        "read back to check it: RingCentral is unavailable"
    )
    assert str(failure).endswith("Check them before retrying.")
    assert "6003" in rc_sandbox.sms_recipients(SUPPORT)


async def test_thread_messaging_on_for_everything_allows_every_resource(
    rc_directory: Directory,
) -> None:
    feature = await rc_directory.thread_messaging()
    inventory = await rc_directory.inventory()

    assert feature.available and feature.call_queue_supported and feature.site_supported
    for resource in inventory.resources:
        await rc_directory.ensure_supported(resource=resource)


async def test_thread_messaging_off_for_sites_blocks_sites_with_a_clear_message(
    rc_sandbox: SandboxServer, rc_directory: Directory
) -> None:
    rc_sandbox.options.thread_messaging.site_supported = False
    boston = await rc_directory.resource(resource_id=BOSTON)
    support = await rc_directory.resource(resource_id=SUPPORT)

    await rc_directory.ensure_supported(resource=support)
    with pytest.raises(FeatureUnavailable, match="not for sites, so Boston Office"):
        await rc_directory.ensure_supported(resource=boston)
    main = await rc_directory.resource(resource_id=MAIN)
    assert main.type is ResourceType.MAIN_SITE
    with pytest.raises(FeatureUnavailable):
        await rc_directory.ensure_supported(resource=main)


async def test_thread_messaging_off_for_the_account_says_so(
    rc_sandbox: SandboxServer, rc_directory: Directory
) -> None:
    rc_sandbox.options.thread_messaging.available = False
    feature = await rc_directory.thread_messaging()
    support = await rc_directory.resource(resource_id=SUPPORT)

    assert not feature.available and not feature.supports(ResourceType.CALL_QUEUE)
    with pytest.raises(FeatureUnavailable, match="not available on this RingCentral account"):
        await rc_directory.ensure_supported(resource=support)


async def test_a_failed_change_whose_handlers_cannot_be_read_back_says_to_check_them(
    rc_sandbox: SandboxServer, rc_directory: Directory
) -> None:
    rc_sandbox.inject_fault(Fault(r"/bulk-assign$", status=500))
    rc_sandbox.inject_fault(
        Fault(r"/4001/sms-recipients$", method="GET", status=503, skip=1, times=9)
    )
    with pytest.raises(ChangeFailed) as caught:
        await rc_directory.apply_change(resource_id=SUPPORT, added=["6003"])

    failure = caught.value
    assert isinstance(failure.cause, RingCentralUnavailable)
    assert [r.id for r in failure.before] == ["6001", "6002"] and failure.after is None
    assert str(failure).startswith("The change to Support (call queue, ext. 104) failed: ")
    assert str(failure).endswith("Its handlers could not be read back; check them before retrying.")


async def test_a_change_whose_answer_was_lost_is_judged_by_the_read_back(
    rc_sandbox: SandboxServer, rc_directory: Directory
) -> None:
    # RingCentral makes the change, then the connection drops before its answer.
    rc_sandbox.inject_fault(Fault(r"/bulk-assign$", handled=True, drop=True))

    outcome = await rc_directory.apply_change(resource_id=SUPPORT, added=["6003"], removed=["6001"])

    assert outcome.verified and outcome.error is not None
    assert {r.id for r in outcome.after} == {"6002", "6003"}


async def test_a_change_already_in_effect_is_planned_as_nothing_to_send(
    rc_sandbox: SandboxServer, rc_directory: Directory
) -> None:
    rc_sandbox.set_sms_recipients(SUPPORT, ["6002", "6003"])

    plan = await rc_directory.plan_change(resource_id=SUPPORT, added=["6003"], removed=["6001"])

    assert plan.in_effect and (plan.added, plan.removed) == ((), ())
    assert plan.already_handlers == ("6003",) and plan.not_handlers == ("6001",)
