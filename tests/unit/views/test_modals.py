from __future__ import annotations

import json

from bot.domain import RequestStatus, ThreadMessagingFeature
from bot.services.people import PersonChoice
from bot.services.requests import REASON_MAX_LENGTH, RequestForm, ReviewState
from bot.views import ids
from bot.views.modals import (
    RequestModalMetadata,
    loading_modal,
    message_modal,
    request_modal,
    review_modal,
    user_option,
)
from tests.unit.views.blockkit import all_texts, mrkdwn_texts, render_view, walk
from tests.unit.views.factories import change_request, handler, ref, support_queue, user

FEATURE_ON = ThreadMessagingFeature(available=True, call_queue_supported=True, site_supported=True)


def _block(view: dict[str, object], block_id: str) -> dict[str, object]:
    blocks = view["blocks"]
    assert isinstance(blocks, list)
    return next(b for b in blocks if b.get("block_id") == block_id)


def test_loading_modal_is_small_and_escaped() -> None:
    view = render_view(loading_modal(title="Request change", what="<!channel> handlers"))
    assert view["callback_id"] == ids.LOADING_MODAL
    assert "&lt;!channel&gt;" in all_texts(view)
    assert "submit" not in view


def test_message_modal_cuts_long_titles() -> None:
    view = render_view(message_modal(title="A title much longer than Slack allows", text="Done"))
    assert len(view["title"]["text"]) == 24


def test_request_modal_inputs_and_metadata() -> None:
    form = RequestForm(
        resource=support_queue(phone_numbers=()),
        handlers=(handler(1, "Ava Chen"), handler(2, "Ben Ortiz")),
        feature=FEATURE_ON,
        me=PersonChoice(user(3, "Carla Diaz")),
        requester_email="carla@acme.example",
    )
    view = render_view(request_modal(form, channel_id="C1"))
    assert view["callback_id"] == ids.REQUEST_MODAL
    assert view["submit"]["text"] == "Send request"
    add = _block(view, ids.ADD_BLOCK)
    assert add["optional"] is True
    assert add["element"] == {
        "type": "multi_external_select",
        "action_id": ids.ADD_ACTION,
        "placeholder": {"type": "plain_text", "text": "Name, extension or email"},
        "min_query_length": 1,
    }
    add_me = _block(view, ids.ADD_ME_BLOCK)
    assert add_me["element"]["options"][0]["text"]["text"] == "Add me: Carla Diaz (ext. 1003)"
    remove = _block(view, ids.REMOVE_BLOCK)
    assert [o["value"] for o in remove["element"]["options"]] == ["6001", "6002"]
    assert _block(view, ids.REMOVE_ALL_BLOCK)["optional"] is True
    reason = _block(view, ids.REASON_BLOCK)
    assert "optional" not in reason
    assert reason["element"]["multiline"] is True
    assert reason["element"]["max_length"] == REASON_MAX_LENGTH  # what the service accepts
    assert "Support has no SMS-capable shared number." in all_texts(view)
    metadata = RequestModalMetadata.from_json(view["private_metadata"])
    assert metadata == RequestModalMetadata(
        resource_id="4001", requester_extension_id="6003", channel_id="C1"
    )


def test_request_modal_without_handlers_has_nothing_to_remove() -> None:
    form = RequestForm(
        resource=support_queue(),
        handlers=(),
        feature=FEATURE_ON,
        me=None,
        requester_email="x@acme.example",
    )
    view = render_view(request_modal(form))
    block_ids = {b.get("block_id") for b in view["blocks"]}
    assert ids.REMOVE_BLOCK not in block_ids and ids.REMOVE_ALL_BLOCK not in block_ids
    assert ids.ADD_ME_BLOCK not in block_ids
    assert "no RingCentral user has your Slack email (x@acme.example)" in all_texts(view)
    assert ":warning:" not in all_texts(view)  # numbers and the feature are fine


def test_request_modal_warns_when_the_account_cannot_use_handlers_here() -> None:
    off_for_queues = ThreadMessagingFeature(
        available=True, call_queue_supported=False, site_supported=True
    )
    form = RequestForm(resource=support_queue(), handlers=(), feature=off_for_queues, me=None)
    text = all_texts(render_view(request_modal(form)))
    assert "SMS thread messaging is not available for call queues on this account." in text


def test_request_modal_when_requester_already_handles() -> None:
    form = RequestForm(
        resource=support_queue(),
        handlers=(handler(1, "Ava Chen"),),
        feature=FEATURE_ON,
        me=PersonChoice(user(1, "Ava Chen")),
        requester_email="ava@acme.example",
    )
    view = render_view(request_modal(form))
    assert ids.ADD_ME_BLOCK not in {b.get("block_id") for b in view["blocks"]}
    assert "You (Ava Chen (ext. 1001)) already handle SMS here." in all_texts(view)


def test_request_modal_when_requester_cannot_be_added() -> None:
    form = RequestForm(
        resource=support_queue(),
        handlers=(handler(1, "Ava Chen"),),
        feature=FEATURE_ON,
        me=PersonChoice(user(9, "Isa <Rossi>"), problem="disabled"),
        requester_email="isa@acme.example",
    )
    view = render_view(request_modal(form))
    assert ids.ADD_ME_BLOCK not in {b.get("block_id") for b in view["blocks"]}
    assert (
        "your RingCentral user Isa &lt;Rossi&gt; (ext. 1009) cannot become a handler (disabled)"
        in (all_texts(view))
    )
    assert RequestModalMetadata.from_json(view["private_metadata"]).requester_extension_id is None


def test_request_modal_with_many_handlers_caps_options_and_metadata_fits() -> None:
    handlers = tuple(handler(i, "Somebody with a long name " * 4) for i in range(150))
    form = RequestForm(resource=support_queue(), handlers=handlers, feature=FEATURE_ON, me=None)
    view = render_view(request_modal(form))
    assert len(_block(view, ids.REMOVE_BLOCK)["element"]["options"]) == 100
    assert json.loads(view["private_metadata"])["r"] == "4001"


def test_user_option_labels() -> None:
    ok = user_option(user(1, "Ava Chen")).to_dict()
    assert ok == {
        "text": {"type": "plain_text", "text": "Ava Chen · ext. 1001 · user1@acme.example"},
        "value": "6001",
    }
    long_name = user_option(user(2, "N" * 200), problem="not assignable").to_dict()
    assert long_name["text"]["text"].endswith("… — not assignable")
    assert len(long_name["text"]["text"]) == 75


def test_review_modal_shows_live_state_changes_and_neutralises_reason() -> None:
    request = change_request(reason="<!channel> please & thanks <https://evil|click>")
    state = ReviewState(
        request=request,
        current=(handler(2, "Ben Ortiz"),),
        proposed=(ref(2, "Ben Ortiz"), ref(3, "Carla Diaz")),
        added_since=(ref(2, "Ben Ortiz"),),
        removed_since=(ref(1, "Ava Chen"),),
        warnings=("Ava Chen is no longer a handler: nothing to remove.",),
    )
    view = render_view(review_modal(state))
    assert view["callback_id"] == ids.REVIEW_MODAL
    assert view["private_metadata"] == "7"
    assert view["submit"]["text"] == "Approve"
    texts = "\n".join(mrkdwn_texts(view))
    assert "<!channel>" not in texts
    assert "&lt;!channel&gt; please &amp; thanks &lt;https://evil|click&gt;" in texts
    assert "Requested by <@U0REQ>" in texts
    assert "*Current handlers (live from RingCentral)*\n• Ben Ortiz (ext. 1002)" in texts
    assert "*After approval*\n• Ben Ortiz (ext. 1002)\n• Carla Diaz (ext. 1003)" in texts
    assert "Changed since the request was made*\n➕ Ben Ortiz (ext. 1002)\n➖ Ava Chen" in texts
    assert "no longer a handler" in texts
    assert _block(view, ids.COMMENT_BLOCK)["optional"] is True
    reject = [d for d in walk(view) if d.get("action_id") == ids.REJECT_REQUEST]
    assert reject[0]["value"] == "7" and reject[0]["style"] == "danger"


def test_review_modal_without_changes_since() -> None:
    request = change_request(status=RequestStatus.PENDING, add=(), remove=(ref(1, "Ava Chen"),))
    state = ReviewState(request=request, current=(handler(1, "Ava Chen"),), proposed=())
    texts = all_texts(render_view(review_modal(state)))
    assert "Changed since" not in texts
    assert "*After approval*\n_nobody_" in texts
