"""Domain records for view tests."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from bot.domain import (
    AuditAction,
    AuditEvent,
    ChangeRequest,
    ExtensionRef,
    Handler,
    NumberSource,
    RequestStatus,
    Resource,
    ResourceType,
    SharedNumber,
    UserExtension,
)

WHEN = datetime(2026, 11, 26, 14, 30, tzinfo=UTC)


def support_queue(**changes: Any) -> Resource:
    values: dict[str, Any] = {
        "id": "4001",
        "type": ResourceType.CALL_QUEUE,
        "name": "Support",
        "extension_number": "104",
        "site_id": "main-site",
        "site_name": "Acme Corp HQ",
        "phone_numbers": (SharedNumber("+16505550104", NumberSource.CALL_QUEUE_DIRECT_NUMBER),),
    }
    values.update(changes)
    return Resource(**values)


def handler(index: int, name: str | None = None, **changes: Any) -> Handler:
    values: dict[str, Any] = {
        "id": str(6000 + index),
        "name": name or f"User {index}",
        "extension_number": str(1000 + index),
        "extension_type": "User",
    }
    values.update(changes)
    return Handler(**values)


def user(index: int, name: str | None = None, **changes: Any) -> UserExtension:
    values: dict[str, Any] = {
        "id": str(6000 + index),
        "name": name or f"User {index}",
        "extension_number": str(1000 + index),
        "email": f"user{index}@acme.example",
        "status": "Enabled",
    }
    values.update(changes)
    return UserExtension(**values)


def ref(index: int, name: str | None = None) -> ExtensionRef:
    return ExtensionRef(
        id=str(6000 + index), name=name or f"User {index}", extension_number=str(1000 + index)
    )


def change_request(**changes: Any) -> ChangeRequest:
    values: dict[str, Any] = {
        "id": 7,
        "resource_id": "4001",
        "resource_type": ResourceType.CALL_QUEUE,
        "resource_name": "Support",
        "requester_id": "U0REQ",
        "requester_name": "Rita Requester",
        "add": (ref(3, "Carla Diaz"),),
        "remove": (ref(1, "Ava Chen"),),
        "reason": "Carla takes over the support line",
        "status": RequestStatus.PENDING,
        "created_at": WHEN,
        "updated_at": WHEN,
    }
    values.update(changes)
    return ChangeRequest(**values)


def audit_event(index: int, **changes: Any) -> AuditEvent:
    values: dict[str, Any] = {
        "id": index,
        "occurred_at": WHEN,
        "actor_id": "U0REQ",
        "actor_name": "Rita Requester",
        "action": AuditAction.REQUESTED,
        "resource_id": "4001",
        "resource_type": ResourceType.CALL_QUEUE,
        "resource_name": "Support",
        "request_id": 7,
        "added": (ref(3, "Carla Diaz"),),
    }
    values.update(changes)
    return AuditEvent(**values)
