"""Many people opening one card at once cost one RingCentral read; a review still reads live."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from bot.services import directory
from bot.views import ids
from tests.e2e.test_request_flow import send_request
from tests.support.app_harness import running_app, texts

SUPPORT = "4001"


async def test_a_burst_of_cards_shares_one_read_and_the_review_reads_live(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # However slow this machine is, the burst falls within the card copy's life.
    monkeypatch.setattr(directory, "CARD_COPY_SECONDS", 600.0)
    async with running_app(tmp_path) as app:
        people = [app.nina, app.carla, app.sam, app.alex]
        await asyncio.gather(
            *(app.command(people[i % 4], "support", settle=False) for i in range(40))
        )
        await app.settle()

        for person in people:
            cards = app.ephemerals(person)
            assert len(cards) == 10
            assert all("Ava Chen (ext. 1001)" in texts(c) for c in cards)
        reads = [r for r in app.sandbox.requests if r.path.endswith(f"/{SUPPORT}/sms-recipients")]
        assert len(reads) == 1

        post = await send_request(app, app.carla, add=["6004"])  # the form reads live
        app.sandbox.set_sms_recipients(SUPPORT, ["6002"])  # changed in RingCentral meanwhile
        await app.click(app.alex, ids.REVIEW_REQUEST, message=post)
        review = texts(app.top_modal(app.alex))
        assert (
            "*Current handlers (live from RingCentral)*\n• Ben Ortiz (ext. 1002)\n*After" in review
        )
        app.assert_everything_accepted()
