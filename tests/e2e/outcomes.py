"""Checking a fault case's outcome the way an operator would: the request and its audit trail
in the database, RingCentral's bulk-assign calls and handlers, the Slack messages people see."""

from __future__ import annotations

from bot.db.session import Database
from bot.domain import ChangeRequest, RequestStatus
from sms_handlers_sandbox.ringcentral import RequestRecord, SandboxServer
from tests.e2e.fault_matrix import BY_RECOVERY, Outcome
from tests.support.app_harness import Harness, texts


def bulk_assigns(sandbox: SandboxServer, resource_id: str) -> list[RequestRecord]:
    """The bulk-assign calls RingCentral received for one resource."""
    suffix = f"/extension/{resource_id}/sms-recipients/bulk-assign"
    return [r for r in sandbox.requests if r.method == "POST" and r.path.endswith(suffix)]


async def all_settled(database: Database, count: int) -> bool:
    """`count` requests, none approved or applying, each shown in Slack as it is."""
    async with database.reader() as repo:
        requests = await repo.pending_requests(statuses=list(RequestStatus))
    return len(requests) == count and all(_settled(r) for r in requests)


def _settled(request: ChangeRequest) -> bool:
    busy = request.status in (RequestStatus.APPROVED, RequestStatus.APPLYING)
    return not busy and request.notified_status is request.status


async def assert_outcome(
    app: Harness,
    database: Database,
    *,
    request_id: int,
    resource_id: str,
    added: str,
    expected: Outcome,
) -> None:
    """The request ended as `expected` says, in the database, in RingCentral and in Slack."""
    async with database.reader() as repo:
        request = await repo.get_request(request_id=request_id)
        events = list(reversed((await repo.history(request_id=request_id, limit=50)).events))
    assert request is not None
    assert request.status.value == expected.status, (request_id, request.error_message)
    assert tuple(e.action for e in events) == expected.events, request_id
    if expected.finished_by == BY_RECOVERY:  # taken over from the instance that stopped
        [taken] = [e for e in events if e.action.value == "taken_over"]
        assert taken.details["previous_owner"] != taken.details["owner"]

    calls = bulk_assigns(app.sandbox, resource_id)
    assert len(calls) == expected.bulk_assigns_sent, (request_id, calls)
    assert sum(call.carried_out for call in calls) == expected.bulk_assigns_carried_out
    assert added in app.sandbox.sms_recipients(resource_id)

    [post] = [p for p in app.approval_posts() if f"change request #{request_id}*" in texts(p)]
    assert expected.messages.split(";")[0] in texts(post), texts(post)
    dms = [texts(m) for m in app.dms(app.carla)]
    [copy] = [m for m in dms if f"*Your request #{request_id}*" in m]
    assert expected.messages.split(";")[0] in copy
    told = [m for m in dms if f"Your request #{request_id} to change the SMS handlers" in m]
    assert told and all(expected.messages.split(";")[0] in m for m in told), told
