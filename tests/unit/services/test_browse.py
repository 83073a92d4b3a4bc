"""The read side: list paging, `who` for a mention, an email or a name, people to add.

Against the demo sandbox (7 resources; Ben Ortiz handles Support and Sales) and a real SQLite
database; Slack users come from a small in-memory `Members`.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from bot.errors import SmsHandlersError
from bot.services.browse import (
    BrowseService,
    EmailQuery,
    HandledResources,
    MemberQuery,
    NameQuery,
    PageBounds,
    PersonNotFound,
    PersonQuery,
    ResourceCard,
    WhoAnswer,
    page_bounds,
)
from bot.services.budget import CallBudget
from bot.services.directory import Directory
from bot.services.handler_index import HandlerIndex
from bot.services.lookup import LookupResult, LookupStatus
from bot.services.people import ALREADY_A_HANDLER, People
from tests.support.services import migrated_sqlite, running_sandbox, sandbox_client


@pytest.mark.parametrize(
    ("total", "page", "expected"),
    [
        (7, 1, PageBounds(page=1, page_count=2, start=0, stop=4)),
        (7, 2, PageBounds(page=2, page_count=2, start=4, stop=7)),
        (8, 2, PageBounds(page=2, page_count=2, start=4, stop=8)),
        (7, 0, PageBounds(page=1, page_count=2, start=0, stop=4)),  # before the first: first
        (7, -5, PageBounds(page=1, page_count=2, start=0, stop=4)),
        (7, 9, PageBounds(page=2, page_count=2, start=4, stop=7)),  # past the last: last
        (0, 1, PageBounds(page=1, page_count=1, start=0, stop=0)),  # nothing: one empty page
        (0, 3, PageBounds(page=1, page_count=1, start=0, stop=0)),
    ],
)
def test_page_bounds_stay_in_range(total: int, page: int, expected: PageBounds) -> None:
    assert page_bounds(total=total, page=page, size=4) == expected


@dataclass(frozen=True)
class Profile:
    name: str
    email: str | None


class Members:
    """Slack users by id; unknown ids get their fallback name and no email, like Slack's."""

    def __init__(self, profiles: dict[str, Profile]) -> None:
        self._profiles = profiles

    async def profile(self, user_id: str, *, fallback_name: str | None = None) -> Profile:
        return self._profiles.get(user_id) or Profile(fallback_name or user_id, None)


MEMBERS = Members(
    {
        "U0BEN": Profile("Ben O.", "Ben.Ortiz@acme.example"),
        "U0NORC": Profile("Nora Nobody", "nora@elsewhere.example"),
    }
)

Build = Callable[..., BrowseService]


@pytest.fixture
async def build(tmp_path: Path) -> AsyncIterator[Build]:
    """Builds the service over one sandbox and database: `calls` reads per `window` seconds."""
    async with running_sandbox() as sandbox:
        client = sandbox_client(sandbox)
        database = await migrated_sqlite(tmp_path)
        directory = Directory(client=client)

        def service(*, calls: int = 25, window: float = 60.0, page_size: int = 20) -> BrowseService:
            budget = CallBudget(calls=calls, window_seconds=window)
            index = HandlerIndex(database=database, directory=directory, budget=budget)
            return BrowseService(
                directory=directory,
                handlers=index,
                people=People(client=client),
                members=MEMBERS,
                list_page_size=page_size,
            )

        try:
            yield service
        finally:
            await client.close()
            await database.dispose()


async def answers(browse: BrowseService, query: PersonQuery) -> list[WhoAnswer]:
    return [answer async for answer in browse.who(query)]


def handled_names(answer: WhoAnswer) -> list[str]:
    assert isinstance(answer, HandledResources)
    return sorted(s.resource.name for s in answer.known.handled)


async def test_list_pages_hold_the_page_size_and_clamp_the_page_number(build: Build) -> None:
    browse = build(page_size=4)
    first = await browse.list_page(page=1)
    assert (first.page, first.page_count, first.total, len(first.rows)) == (1, 2, 7, 4)
    last = await browse.list_page(page=7)
    assert (last.page, len(last.rows)) == (2, 3)
    names = [r.resource.name for r in (*first.rows, *last.rows)]
    assert len(set(names)) == 7  # every resource once
    assert (await browse.list_page(page=0)).rows == first.rows


async def test_who_by_mention_email_and_name_when_everything_can_be_read_at_once(
    build: Build,
) -> None:
    browse = build()
    by_mention = await answers(browse, MemberQuery("U0BEN", fallback_name="ben"))
    assert len(by_mention) == 1  # the reads fit the budget now: no "checking…" answer first
    assert handled_names(by_mention[0]) == ["Sales", "Support"]
    final = by_mention[0]
    assert isinstance(final, HandledResources)
    assert final.user.name == "Ben Ortiz" and final.checking is None and final.known.complete
    [by_email] = await answers(browse, EmailQuery("ben.ortiz@acme.example"))
    assert handled_names(by_email) == ["Sales", "Support"]
    [by_name] = await answers(browse, NameQuery("Dan Miller"))
    assert handled_names(by_name) == ["Boston Office"]


async def test_who_for_someone_who_is_no_ringcentral_user_names_them_as_asked(
    build: Build,
) -> None:
    browse = build()
    assert await answers(browse, MemberQuery("U0NORC")) == [PersonNotFound("Nora Nobody")]
    assert await answers(browse, NameQuery("Zed Nobody")) == [PersonNotFound("Zed Nobody")]


async def test_who_for_a_slack_user_without_an_email_says_why(build: Build) -> None:
    with pytest.raises(SmsHandlersError, match="Slack does not show ghost's email"):
        await answers(build(), MemberQuery("U0GHOST", fallback_name="ghost"))


async def test_who_answers_first_from_snapshots_then_after_reading_the_rest(
    build: Build,
) -> None:
    browse = build(calls=3, window=0.2)  # 7 reads at 3 per 0.2 s: a check that takes a while
    first, final = await answers(browse, EmailQuery("ben.ortiz@acme.example"))
    assert isinstance(first, HandledResources) and first.checking is not None
    assert first.checking.seconds > 0 and first.known.handled == ()
    assert len(first.known.never_read) == 7
    assert isinstance(final, HandledResources) and final.checking is None
    assert final.known.complete and handled_names(final) == ["Sales", "Support"]


async def test_lookup_gives_a_card_or_what_matched(build: Build) -> None:
    browse = build()
    card = await browse.lookup(query="support")
    assert isinstance(card, ResourceCard)
    assert card.resource.name == "Support"
    assert [h.name for h in card.handlers] == ["Ava Chen", "Ben Ortiz"]
    several = await browse.lookup(query="supp")
    assert isinstance(several, LookupResult) and several.status is LookupStatus.AMBIGUOUS


async def test_resource_named_is_the_lookups_one_resource_or_its_message(build: Build) -> None:
    browse = build()
    one = await browse.resource_named(query="ext 104")
    assert not isinstance(one, LookupResult) and one.name == "Support"
    several = await browse.resource_named(query="supp")
    assert isinstance(several, LookupResult) and several.status is LookupStatus.AMBIGUOUS
    assert several.note is not None and "Be more specific" in several.note
    none = await browse.resource_named(query="zzz-nowhere")
    assert isinstance(none, LookupResult) and none.status is LookupStatus.NOT_FOUND
    assert none.note is not None and 'Nothing matches "zzz-nowhere"' in none.note


async def test_people_to_add_mark_who_already_handles_the_resource(build: Build) -> None:
    browse = build()
    await browse.card(resource_id="4001")  # reading Support's handlers keeps a snapshot
    [ava] = await browse.people_to_add(query="Ava Chen", resource_id="4001", limit=5)
    assert ava.problem == ALREADY_A_HANDLER
    [elsewhere] = await browse.people_to_add(query="Ava Chen", resource_id=None, limit=5)
    assert elsewhere.problem is None
