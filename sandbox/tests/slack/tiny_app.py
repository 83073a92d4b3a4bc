"""A tiny Bolt app, served over loopback against the Slack stand-in, to prove the wire format
and the demo console end to end without the real sms-handlers app."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from aiohttp import web
from slack_bolt.async_app import AsyncApp
from slack_sdk.web.async_client import AsyncWebClient

from sms_handlers_sandbox.slack import SlackStandIn

SECRET = "tiny-signing-secret"
TOKEN = "xoxb-test-token"
APPROVALS = "C1"
PEOPLE = ["Anna Lee", "Bo Chen", "Annette Ruiz"]
SLOW_SECONDS = 0.8


def request_modal(note: str = "Who should handle SMS for Support?") -> dict[str, Any]:
    return {
        "type": "modal",
        "callback_id": "request",
        "notify_on_close": True,
        "title": {"type": "plain_text", "text": "Request change"},
        "submit": {"type": "plain_text", "text": "Submit"},
        "close": {"type": "plain_text", "text": "Cancel"},
        "blocks": [
            {"type": "section", "block_id": "note", "text": {"type": "mrkdwn", "text": note}},
            {
                "type": "actions",
                "block_id": "tools",
                "elements": [
                    {
                        "type": "button",
                        "action_id": "add_me",
                        "text": {"type": "plain_text", "text": "Add me"},
                        "value": "me",
                    }
                ],
            },
            {
                "type": "input",
                "block_id": "people",
                "optional": True,
                "label": {"type": "plain_text", "text": "Users to add"},
                "element": {
                    "type": "multi_external_select",
                    "action_id": "people_search",
                    "min_query_length": 1,
                    "placeholder": {"type": "plain_text", "text": "Search people"},
                },
            },
            {
                "type": "input",
                "block_id": "confirm",
                "optional": True,
                "label": {"type": "plain_text", "text": "Confirm"},
                "element": {
                    "type": "checkboxes",
                    "action_id": "confirm_all",
                    "options": [
                        {"text": {"type": "plain_text", "text": "Remove everyone"}, "value": "all"}
                    ],
                },
            },
            {
                "type": "input",
                "block_id": "reason",
                "label": {"type": "plain_text", "text": "Reason"},
                "element": {"type": "plain_text_input", "action_id": "reason_input"},
            },
        ],
    }


def card(query: str) -> list[dict[str, Any]]:
    return [
        {"type": "header", "text": {"type": "plain_text", "text": "Support queue"}},
        {
            "type": "section",
            "text": {"type": "mrkdwn", "text": f"*Handlers* for &lt;{query}&gt;: <@U1>"},
        },
        {
            "type": "actions",
            "elements": [
                {
                    "type": "button",
                    "action_id": "open_request",
                    "text": {"type": "plain_text", "text": "Request change"},
                    "value": query,
                },
                {
                    "type": "static_select",
                    "action_id": "page_size",
                    "placeholder": {"type": "plain_text", "text": "Page size"},
                    "options": [
                        {"text": {"type": "plain_text", "text": f"{n} a page"}, "value": str(n)}
                        for n in (10, 20)
                    ],
                },
            ],
        },
    ]


background: set[asyncio.Task[None]] = set()


async def answer_slowly(respond: Any) -> None:
    """Answer like an app waiting on a slow RingCentral: an API call, then the answer later."""
    await asyncio.sleep(SLOW_SECONDS)
    await respond(text="Found it after a while")


def build_app(standin: SlackStandIn) -> AsyncApp:
    app = AsyncApp(
        client=AsyncWebClient(token=TOKEN, base_url=standin.api_url), signing_secret=SECRET
    )

    @app.command("/sms-handlers")
    async def command(ack: Any, command: dict[str, Any], respond: Any, client: Any) -> None:
        if command["text"] == "help":
            await ack("Usage: /sms-handlers QUERY")
            return
        await ack()
        if command["text"] == "slow":
            task = asyncio.create_task(answer_slowly(respond))
            background.add(task)
            task.add_done_callback(background.discard)
            return
        await respond(text="Support queue", blocks=card(command["text"]))

    @app.action("open_request")
    async def open_request(ack: Any, body: dict[str, Any], client: Any) -> None:
        await ack()
        await client.views_open(trigger_id=body["trigger_id"], view=request_modal())

    @app.action("page_size")
    async def page_size(ack: Any, action: dict[str, Any], respond: Any) -> None:
        await ack()
        size = action["selected_option"]["value"]
        await respond(text=f"Showing {size} a page", replace_original=True)

    @app.action("add_me")
    async def add_me(ack: Any, body: dict[str, Any], client: Any) -> None:
        await ack()
        view = body["view"]
        note = f"<@{body['user']['id']}> will be added."
        await client.views_update(view_id=view["id"], hash=view["hash"], view=request_modal(note))

    @app.options("people_search")
    async def people(ack: Any, payload: dict[str, Any]) -> None:
        query = payload["value"].lower()
        found = [name for name in PEOPLE if query in name.lower()]
        await ack(options=[{"text": {"type": "plain_text", "text": n}, "value": n} for n in found])

    @app.view("request")
    async def submitted(ack: Any, body: dict[str, Any], view: dict[str, Any], client: Any) -> None:
        values = view["state"]["values"]
        reason = values["reason"]["reason_input"]["value"]
        if not reason or len(reason) < 5:
            await ack(response_action="errors", errors={"reason": "Say why (5 characters or more)"})
            return
        await ack()
        people = [o["text"]["text"] for o in values["people"]["people_search"]["selected_options"]]
        confirmed = bool(values["confirm"]["confirm_all"]["selected_options"])
        text = f"Request by <@{body['user']['id']}>: add {', '.join(people) or 'nobody'}"
        text += f" ({'remove everyone' if confirmed else 'keep others'}) — {reason}"
        await client.chat_postMessage(
            channel=APPROVALS,
            text=text,
            blocks=[
                {"type": "section", "text": {"type": "mrkdwn", "text": text}},
                {
                    "type": "actions",
                    "elements": [
                        {
                            "type": "button",
                            "action_id": "approve",
                            "style": "primary",
                            "text": {"type": "plain_text", "text": "Approve"},
                            "value": "r1",
                        }
                    ],
                },
            ],
        )
        await client.chat_postMessage(channel=body["user"]["id"], text="Your request was sent.")

    @app.view_closed("request")
    async def closed(ack: Any, body: dict[str, Any], client: Any) -> None:
        await ack()
        await client.chat_postMessage(channel=body["user"]["id"], text="You cancelled.")

    @app.action("approve")
    async def approve(ack: Any, body: dict[str, Any], client: Any) -> None:
        await ack()
        who = body["user"]["id"]
        await client.chat_update(
            channel=body["channel"]["id"],
            ts=body["message"]["ts"],
            text=f"Approved by <@{who}>",
            blocks=[
                {"type": "section", "text": {"type": "mrkdwn", "text": f"Approved by <@{who}>"}}
            ],
        )

    @app.event("app_home_opened")
    async def home(event: dict[str, Any], client: Any) -> None:
        await client.views_publish(
            user_id=event["user"],
            view={
                "type": "home",
                "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": "Welcome home"}}],
            },
        )

    return app


@asynccontextmanager
async def serve(app: AsyncApp) -> AsyncIterator[str]:
    """Serve the app on loopback; yields its /slack/events URL."""
    runner = web.AppRunner(app.web_app(path="/slack/events"), access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    host, port = runner.addresses[0][:2]
    try:
        yield f"http://{host}:{port}/slack/events"
    finally:
        await runner.cleanup()
