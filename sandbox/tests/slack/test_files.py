"""The stand-in takes files as Slack's external upload flow does (files:write)."""

from __future__ import annotations

import aiohttp
import pytest
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from sms_handlers_sandbox.slack import SlackStandIn
from tests.support.slack_fixtures import load


async def error_of(call: object) -> dict[str, object]:
    with pytest.raises(SlackApiError) as caught:
        await call  # type: ignore[misc]
    data: dict[str, object] = caught.value.response.data  # type: ignore[assignment]
    return data


async def test_upload_v2_shares_the_file_in_a_dm_with_its_comment(
    standin: SlackStandIn, client: AsyncWebClient
) -> None:
    dm = standin.open_im("U1")
    content = b"id,action\n1,requested\n"
    done = await client.files_upload_v2(
        channel=dm,
        content=content,
        filename="history.csv",
        title="History",
        initial_comment="Here is *the history*",
    )
    assert set(load("response_files_completeUploadExternal")) <= set(done.data)
    assert set(load("response_files_completeUploadExternal")["files"][0]) <= set(done["files"][0])
    [asked] = standin.calls_to("files.getUploadURLExternal")
    assert set(asked.response) == set(load("response_files_getUploadURLExternal"))
    assert asked.args["filename"] == "history.csv" and int(asked.args["length"]) == len(content)
    [upload] = standin.calls_to("upload")
    assert upload.status == 200
    file_id = done["files"][0]["id"]
    stored = standin.files.file(file_id)
    assert stored is not None and stored.content == content and stored.title == "History"
    [message] = standin.messages(dm)
    assert message["text"] == "Here is *the history*"
    assert message["files"][0]["id"] == file_id
    assert message["files"][0]["name"] == "history.csv"
    assert message["files"][0]["size"] == len(content)


async def test_the_upload_url_takes_multipart_form_data_once(
    standin: SlackStandIn, client: AsyncWebClient
) -> None:
    ticket = await client.files_getUploadURLExternal(filename="a.json", length=2)
    form = aiohttp.FormData()
    form.add_field("filename", b"[]", filename="a.json", content_type="application/json")
    async with aiohttp.ClientSession() as http:
        async with http.post(ticket["upload_url"], data=form) as first:
            assert first.status == 200
        async with http.post(ticket["upload_url"], data=b"again") as second:
            assert second.status == 404
        async with http.post(standin.base_url + "/upload/v1/unknown", data=b"x") as unknown:
            assert unknown.status == 404
    stored = standin.files.file(ticket["file_id"])
    assert stored is not None and stored.content == b"[]"


async def test_completing_what_was_never_uploaded_is_file_not_found(
    client: AsyncWebClient,
) -> None:
    ticket = await client.files_getUploadURLExternal(filename="a.csv", length=3)
    error = await error_of(client.files_completeUploadExternal(files=[{"id": ticket["file_id"]}]))
    assert error == {"ok": False, "error": "file_not_found"}
    error = await error_of(client.files_completeUploadExternal(files=[{"id": "F404"}]))
    assert error["error"] == "file_not_found"


async def test_required_arguments_are_checked(client: AsyncWebClient) -> None:
    error = await error_of(client.files_getUploadURLExternal(filename="a.csv", length=0))
    assert error["error"] == "missing_argument"
    error = await error_of(client.api_call("files.getUploadURLExternal", params={"length": 3}))
    assert error["error"] == "invalid_arguments"
    error = await error_of(client.files_completeUploadExternal(files=[]))
    assert error["error"] == "invalid_arguments"


async def test_sharing_needs_a_channel_the_bot_is_in(
    standin: SlackStandIn, client: AsyncWebClient
) -> None:
    standin.add_channel(id="C9", name="elsewhere", is_member=False)
    for channel, expected in (("C9", "not_in_channel"), ("C404", "channel_not_found")):
        ticket = await client.files_getUploadURLExternal(filename="a.csv", length=1)
        async with (
            aiohttp.ClientSession() as http,
            http.post(ticket["upload_url"], data=b"x") as uploaded,
        ):
            assert uploaded.status == 200
        error = await error_of(
            client.files_completeUploadExternal(
                files=[{"id": ticket["file_id"], "title": "a"}], channel_id=channel
            )
        )
        assert error["error"] == expected
    assert standin.messages("C9") == []


async def test_without_a_channel_the_file_stays_private(
    standin: SlackStandIn, client: AsyncWebClient
) -> None:
    done = await client.files_upload_v2(content=b"x", filename="a.csv")
    assert done["files"][0]["id"]
    assert all(standin.messages(c) == [] for c in standin.channel_ids())


async def test_files_need_the_files_write_scope(standin: SlackStandIn) -> None:
    standin.scopes = [s for s in standin.scopes if s != "files:write"]
    client = AsyncWebClient(token=standin.bot_token, base_url=standin.api_url)
    error = await error_of(client.files_getUploadURLExternal(filename="a.csv", length=1))
    assert error["error"] == "missing_scope" and error["needed"] == "files:write"
