"""When RingCentral's rate limit is spent, a card shows the handlers read last, saying since when,
at once, instead of making the person wait a minute for RingCentral."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.services import directory
from sms_handlers_sandbox.ringcentral import SandboxOptions
from tests.support.app_harness import running_app, texts
from tests.support.rc_sandbox import penalise_light_group

SUPPORT = "4001"


async def test_a_card_asked_for_while_ringcentral_is_saturated_shows_the_last_list_dated(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(directory, "CARD_COPY_SECONDS", 0.0)  # every card asks RingCentral
    async with running_app(tmp_path, sandbox_options=SandboxOptions()) as app:
        await app.command(app.carla, "support")
        live = texts(app.last_ephemeral(app.carla))
        assert "*SMS handlers (2)*\n• Ava Chen (ext. 1001)\n• Ben Ortiz (ext. 1002)" in live
        assert "rate limit" not in live

        await penalise_light_group(app.sandbox)  # another app of the same user spent it
        await app.command(app.nina, "support")

        card = texts(app.last_ephemeral(app.nina))
        assert "*SMS handlers (2)*\n• Ava Chen (ext. 1001)\n• Ben Ortiz (ext. 1002)" in card
        assert (
            ":hourglass_flowing_sand: RingCentral's rate limit leaves no room to read these "
            "handlers now: they are as the bot read them <!date^"
        ) in card
        assert "Open the card again in a minute for the live list." in card
        await app.command(app.sam, "support")
        assert texts(app.last_ephemeral(app.sam)) == card
        reads = [r for r in app.sandbox.requests if r.path.endswith(f"/{SUPPORT}/sms-recipients")]
        assert [r.status for r in reads] == [200, 429]  # then the bot stopped asking
        app.assert_everything_accepted()
