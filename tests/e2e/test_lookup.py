"""`/sms-handlers` lookups, help, list and who, end to end."""

from __future__ import annotations

from pathlib import Path

from sms_handlers_sandbox.ringcentral import demo_seed
from tests.support.app_harness import Harness, running_app, texts


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


async def test_text_arrives_formatted_like_slack_sends_it(tmp_path: Path) -> None:
    async with running_app(tmp_path, seed=demo_seed(company_name="Smith & Sons <HQ>")) as app:
        await app.command(app.nina, "Smith &amp; Sons &lt;HQ&gt;")
        assert "Smith & Sons <HQ> (main site, ext. 101)" in texts(app.last_ephemeral(app.nina))
        await app.command(app.nina, "who <mailto:carla.diaz@acme.example|carla.diaz@acme.example>")
        assert "*Carla Diaz* handles SMS for\n• *Smith &amp; Sons &lt;HQ&gt;*" in texts(
            app.last_ephemeral(app.nina)
        )
        await app.command(app.nina, "who &lt;@U0NOBODY|x&gt;")
        assert "No RingCentral user matches *&lt;@U0NOBODY|x&gt;*" in texts(
            app.last_ephemeral(app.nina)
        )


async def test_who_names_a_mention_slack_cannot_describe(app: Harness) -> None:
    await app.command(app.nina, "who <@U0GHOST|ghost>")
    assert "Slack does not show ghost's email" in texts(app.last_ephemeral(app.nina))
