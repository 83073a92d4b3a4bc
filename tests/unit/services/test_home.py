"""HomeService against the RingCentral sandbox and a real SQLite database: each section on its
own, who a request concerns, and a notifier that has those Homes refreshed."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import ClassVar

from bot.domain import ChangeRequest, RequestStatus
from bot.services.budget import CallBudget
from bot.services.handler_index import HandlerIndex
from bot.services.home import (
    HomeRefreshingNotifier,
    HomeService,
    Listing,
    MyResources,
    TemporarySection,
    Unavailable,
)
from bot.services.requests import Actor
from sms_handlers_sandbox.ringcentral import Fault
from tests.support.services import RecordingNotifier
from tests.unit.services.conftest import World
from tests.unit.services.test_requests import ALEX, RITA, draft


@dataclass(frozen=True)
class Profile:
    name: str
    email: str | None


class Members:
    """Slack profiles by user id: Rita is Carla Diaz in RingCentral (main site's handler)."""

    emails: ClassVar[dict[str, str]] = {
        "U0REQ": "carla.diaz@acme.example",
        "U0APP": "alex@elsewhere.example",
    }

    async def profile(self, user_id: str, *, fallback_name: str | None = None) -> Profile:
        return Profile(name=user_id, email=self.emails.get(user_id))


def homes(world: World) -> HomeService:
    handlers = HandlerIndex(
        database=world.database, directory=world.directory, budget=CallBudget(calls=50)
    )
    return HomeService(
        database=world.database,
        policy=world.service.policy,
        handlers=handlers,
        people=world.service.people,
        members=Members(),
    )


async def test_each_section_for_the_requester_and_for_an_approver(world: World) -> None:
    service = homes(world)
    await world.directory.handlers(resource_id="1000")  # the main site, read once: Carla's
    first = await world.service.create(draft=draft(), requester=RITA)
    await world.service.cancel(request_id=first.id, user=RITA)
    second = await world.service.create(draft=draft(), requester=RITA)
    own = await world.service.create(draft=draft(), requester=Actor("U0REQ2", "Reggie"))

    rita = await service.home(user_id="U0REQ")
    assert rita.is_approver is False
    assert rita.my_requests == Listing((second,), 1)
    assert rita.waiting == Listing((), 0)
    assert rita.temporary == TemporarySection(supported=False, listing=Listing((), 0))
    assert isinstance(rita.resources, MyResources) and rita.resources.known is not None
    assert [s.resource.name for s in rita.resources.known.handled] == ["Acme Corp HQ"]
    assert rita.changes == Listing((), 0)

    alex = await service.home(user_id="U0APP")
    assert alex.is_approver is True
    assert isinstance(alex.waiting, Listing)
    assert [r.id for r in alex.waiting.items] == [second.id, own.id]
    assert alex.resources == MyResources(email="alex@elsewhere.example", user=None, known=None)
    reggie = await service.home(user_id="U0REQ2")  # an approver, but not of his own request
    assert isinstance(reggie.waiting, Listing)
    assert [r.id for r in reggie.waiting.items] == [second.id]


async def test_latest_changes_show_what_was_applied_on_resources_asked_for(world: World) -> None:
    service = homes(world)
    request = await world.service.create(draft=draft(), requester=RITA)
    await world.service.approve(request_id=request.id, approver=ALEX)
    rita = await service.home(user_id="U0REQ")
    assert isinstance(rita.changes, Listing)
    [applied] = rita.changes.items
    assert (applied.request_id, applied.action.value) == (request.id, "applied")
    assert rita.my_requests == Listing((), 0)


async def test_a_section_ringcentral_cannot_answer_is_unavailable_and_the_rest_shows(
    world: World,
) -> None:
    service = homes(world)
    request = await world.service.create(draft=draft(), requester=RITA)
    world.service.people.invalidate()
    world.directory.invalidate()
    world.sandbox.inject_fault(Fault(path_pattern=r"/extension$", status=503, times=20))
    rita = await service.home(user_id="U0REQ")
    assert isinstance(rita.resources, Unavailable)
    assert "(ref " in rita.resources.reason and "http" not in rita.resources.reason
    assert isinstance(rita.my_requests, Listing) and rita.my_requests.items[0].id == request.id


async def test_a_request_concerns_its_requester_and_its_approvers_who_opened_home(
    world: World,
) -> None:
    service = homes(world)
    request = await world.service.create(draft=draft(), requester=RITA)
    assert await service.concerned_viewers(request) == set()
    for user_id in ("U0REQ", "U0APP", "U0NOBODY"):
        await service.opened(user_id=user_id)
    assert await service.concerned_viewers(request) == {"U0REQ", "U0APP"}


async def test_once_applied_a_request_also_concerns_the_people_it_added_or_removed(
    world: World,
) -> None:
    service = homes(world)
    for user_id in ("U0REQ", "U0APP2"):
        await service.opened(user_id=user_id)
    others = Actor("U0APP2", "Sam Approver")  # adds Carla Diaz (6003), whose Slack user is U0REQ
    request = await world.service.create(draft=draft(add=("6003",), remove=()), requester=others)
    assert await service.concerned_viewers(request) == {"U0APP2"}
    applied = await world.service.approve(request_id=request.id, approver=ALEX)
    assert await service.concerned_viewers(applied) == {"U0APP2", "U0REQ"}


@dataclass
class Refresher:
    changed: list[tuple[int, RequestStatus]] = field(default_factory=list)

    def request_changed(self, request: ChangeRequest) -> None:
        self.changed.append((request.id, request.status))


async def test_the_refreshing_notifier_passes_everything_on_and_asks_for_homes(
    world: World,
) -> None:
    inner, refresher = RecordingNotifier(failing=1), Refresher()
    notifier = HomeRefreshingNotifier(inner, homes=refresher)
    request = await world.service.create(draft=draft(), requester=RITA)
    await notifier.announce(request)
    assert await notifier.refresh(request) is False  # the inner notifier's answer
    assert await notifier.tell_requester(request) is True
    assert [c[0] for c in inner.calls] == ["announce", "refresh", "tell"]
    assert refresher.changed == [(request.id, RequestStatus.PENDING)] * 2
