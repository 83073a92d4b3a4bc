"""`/sms-handlers` lookups, help, list and who, end to end."""

from __future__ import annotations

from tests.support.app_harness import Harness, texts


async def test_help_answers_synchronously(app: Harness) -> None:
    status, _ = await app.command(app.nina, "")
    assert status == 200
    assert "/sms-handlers queue-support" in texts(app.last_ephemeral(app.nina))
    app.assert_everything_accepted()


async def test_resource_card(app: Harness) -> None:
    status, body = await app.command(app.nina, "queue-support")
    assert status == 200 and body == ""
    card = texts(app.last_ephemeral(app.nina))
    assert "Support (call queue, ext. 104)" in card
    assert "+1 (650) 555-0104 — queue direct number" in card
    assert "Ava Chen (ext. 1001)" in card and "Ben Ortiz (ext. 1002)" in card
    app.assert_everything_accepted()
