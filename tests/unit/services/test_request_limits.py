"""The request service enforces its own limits, whatever a modal or a payload let through:
comment and reason length, the ids it is given, and the text it stores."""

from __future__ import annotations

import pytest

from bot.db.errors import RequestNotFoundError
from bot.domain import RequestStatus
from bot.services.directory import UnknownResource
from bot.services.requests import (
    COMMENT_MAX_LENGTH,
    PEOPLE_MAX_PER_FIELD,
    REASON_MAX_LENGTH,
    Actor,
    ChangeDraft,
    InvalidCommentError,
    InvalidRequestError,
    RequestField,
    comment_problem,
)
from tests.unit.services.conftest import World

SUPPORT = "4001"
RITA = Actor("U0REQ", "Rita Requester")
ALEX = Actor("U0APP", "Alex Approver")


def draft(
    *, resource: str = SUPPORT, add: tuple[str, ...] = ("6003",), reason: str = "Cover"
) -> ChangeDraft:
    return ChangeDraft(resource_id=resource, add_ids=add, remove_ids=(), reason=reason)


async def stored_events(world: World) -> int:
    async with world.database.reader() as repo:
        return len((await repo.history(limit=50)).events)


@pytest.mark.parametrize("decide", ["approve", "reject"])
async def test_a_comment_over_the_limit_is_refused_and_nothing_is_decided(
    world: World, decide: str
) -> None:
    request = await world.service.create(draft=draft(), requester=RITA)
    events = await stored_events(world)
    with pytest.raises(InvalidCommentError, match=f"under {COMMENT_MAX_LENGTH} characters"):
        await getattr(world.service, decide)(
            request_id=request.id, approver=ALEX, comment="x" * 3000
        )

    assert (await world.service.get(request_id=request.id)).status is RequestStatus.PENDING
    assert await stored_events(world) == events
    assert world.sandbox.sms_recipients(SUPPORT) == ["6001", "6002"]


async def test_a_comment_at_the_limit_is_stored_without_control_characters(world: World) -> None:
    request = await world.service.create(draft=draft(), requester=RITA)
    comment = "ok\x00\x07 " + "y" * (COMMENT_MAX_LENGTH - 3)
    assert comment_problem(comment) is None

    rejected = await world.service.reject(request_id=request.id, approver=ALEX, comment=comment)

    assert rejected.decision_comment == "ok " + "y" * (COMMENT_MAX_LENGTH - 3)


async def test_a_reason_over_the_limit_is_refused_on_its_field(world: World) -> None:
    with pytest.raises(InvalidRequestError) as caught:
        await world.service.create(
            draft=draft(reason="r" * (REASON_MAX_LENGTH + 1)), requester=RITA
        )

    assert caught.value.problems[RequestField.REASON] == (
        f"Keep the reason under {REASON_MAX_LENGTH} characters."
    )
    assert await stored_events(world) == 0


async def test_a_reason_of_control_characters_only_is_no_reason(world: World) -> None:
    with pytest.raises(InvalidRequestError) as caught:
        await world.service.create(draft=draft(reason="\x00\x1b \x7f"), requester=RITA)

    assert caught.value.problems[RequestField.REASON] == "Say why the change is needed."


@pytest.mark.parametrize("bad", ["6003 ", "abc", "", "1" * 40, "-6003", "६००३"])
async def test_ids_that_are_not_ringcentral_ids_are_refused(world: World, bad: str) -> None:
    with pytest.raises(InvalidRequestError) as caught:
        await world.service.create(draft=draft(add=("6004", bad)), requester=RITA)

    assert caught.value.problems[RequestField.ADD] == (
        "Some of the people chosen here could not be read; choose again."
    )
    assert await stored_events(world) == 0


async def test_too_many_people_at_once_are_refused(world: World) -> None:
    many = tuple(str(7000 + n) for n in range(PEOPLE_MAX_PER_FIELD + 1))
    with pytest.raises(InvalidRequestError) as caught:
        await world.service.create(draft=draft(add=many), requester=RITA)

    assert "at most 100 people" in caught.value.problems[RequestField.ADD]
    assert await stored_events(world) == 0


async def test_a_resource_id_that_is_not_one_is_refused_without_echoing_it(world: World) -> None:
    with pytest.raises(UnknownResource) as caught:
        await world.service.create(draft=draft(resource="<https://evil.example|x>"), requester=RITA)

    assert "evil" not in str(caught.value)


@pytest.mark.parametrize("request_id", [0, -1, 2**31, 10**30])
async def test_request_ids_no_row_can_have_do_not_exist(world: World, request_id: int) -> None:
    with pytest.raises(RequestNotFoundError, match="does not exist"):
        await world.service.get(request_id=request_id)
