"""RingCentral users for the add picker, over the sandbox: search, problems, cache, email."""

from __future__ import annotations

import asyncio

import pytest

from bot.ringcentral.client import RingCentralClient
from bot.services.people import People
from sms_handlers_sandbox.ringcentral import SandboxServer
from tests.support.rc_sandbox import data_requests


@pytest.fixture
def people(rc_client: RingCentralClient) -> People:
    return People(client=rc_client, ttl_seconds=60.0)


@pytest.mark.parametrize(
    ("query", "first"),
    [
        ("carla", "Carla Diaz"),
        ("Diaz", "Carla Diaz"),
        ("1004", "Dan Miller"),
        ("dan.miller@acme.example", "Dan Miller"),
        ("o'brien", "Liam O'Brien"),
        ("ben ort", "Ben Ortiz"),
    ],
)
async def test_users_are_searchable_by_name_extension_or_email(
    people: People, query: str, first: str
) -> None:
    found = await people.search(query=query)

    assert found and found[0].user.name == first


@pytest.mark.parametrize(
    ("name", "problem"),
    [
        ("Ava Chen", None),
        ("Isabel Rossi", "disabled"),
        ("Maya Singh", "status NotActivated"),
        ("Jamal Wright", "no email in RingCentral"),
    ],
)
async def test_users_who_cannot_be_handlers_say_why(
    people: People, name: str, problem: str | None
) -> None:
    found = await people.search(query=name)

    assert [(c.user.name, c.problem) for c in found] == [(name, problem)]


async def test_the_user_list_is_read_once(rc_sandbox: SandboxServer, people: People) -> None:
    await people.search(query="ava")
    await people.search(query="ben")
    await people.by_email(email="AVA.CHEN@acme.example")

    user_lists = [r for r in data_requests(rc_sandbox) if ("type", "User") in r.query]
    assert len(user_lists) == 1


async def test_a_user_is_found_by_email_regardless_of_case(people: People) -> None:
    found = await people.by_email(email=" Ava.Chen@ACME.example ")
    nobody = await people.by_email(email="nobody@acme.example")

    assert found is not None and (found.user.id, found.user.extension_number) == ("6001", "1001")
    assert nobody is None


def user_lists(server: SandboxServer) -> int:
    return sum(1 for r in data_requests(server) if ("type", "User") in r.query)


async def test_past_its_ttl_the_user_list_answers_at_once_while_one_refresh_runs(
    rc_sandbox: SandboxServer, rc_client: RingCentralClient
) -> None:
    now = [0.0]
    people = People(client=rc_client, ttl_seconds=60.0, clock=lambda: now[0])
    await people.search(query="ava")
    now[0] = 61.0
    rc_sandbox.options.latency_seconds = 0.2  # the refresh takes a while

    found = await asyncio.gather(*(people.search(query="ben ort") for _ in range(20)))

    assert [f[0].user.name for f in found] == ["Ben Ortiz"] * 20
    assert user_lists(rc_sandbox) == 1  # answered from the old list: the refresh is not back
    for _ in range(200):
        if user_lists(rc_sandbox) == 2:
            break
        await asyncio.sleep(0.01)
    await people.search(query="carla")
    assert user_lists(rc_sandbox) == 2  # one refresh for all twenty
