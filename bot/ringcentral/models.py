"""Typed records of RingCentral's raw answers, parsed defensively.

Every field the specification marks optional may be missing; a record is only rejected when it
lacks its identifier. Extension ids are integers in the API and strings here.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

JsonObject = Mapping[str, Any]


def text(data: JsonObject, key: str) -> str | None:
    """The value at `key` as a non-empty string (ints become strings), else None."""
    value = data.get(key)
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return str(value)
    if isinstance(value, str) and value:
        return value
    return None


def obj(data: JsonObject, key: str) -> JsonObject:
    """The object at `key`, or an empty mapping when missing or not an object."""
    value = data.get(key)
    return value if isinstance(value, Mapping) else {}


def flag(data: JsonObject, key: str, default: bool) -> bool:
    value = data.get(key)
    return value if isinstance(value, bool) else default


class MalformedRecord(ValueError):
    """A record lacks a field the client cannot do without (its id)."""


def _required_id(data: JsonObject, kind: str) -> str:
    value = text(data, "id")
    if value is None:
        raise MalformedRecord(f"record without an id ({kind})")
    return value


@dataclass(frozen=True)
class SiteRef:
    id: str | None
    name: str | None

    @classmethod
    def from_api(cls, data: JsonObject) -> SiteRef | None:
        site_id, name = text(data, "id"), text(data, "name")
        return cls(id=site_id, name=name) if site_id or name else None


@dataclass(frozen=True)
class ExtensionRecord:
    """One record of listExtensions."""

    id: str
    type: str | None
    status: str | None
    extension_number: str | None
    name: str | None
    email: str | None
    first_name: str | None
    last_name: str | None
    site: SiteRef | None

    @classmethod
    def from_api(cls, data: JsonObject) -> ExtensionRecord:
        contact = obj(data, "contact")
        return cls(
            id=_required_id(data, "extension"),
            type=text(data, "type"),
            status=text(data, "status"),
            extension_number=text(data, "extensionNumber"),
            name=text(data, "name") or text(contact, "name"),
            email=text(contact, "email"),
            first_name=text(contact, "firstName"),
            last_name=text(contact, "lastName"),
            site=SiteRef.from_api(obj(data, "site")),
        )

    @property
    def display_name(self) -> str:
        """The name people know it by, never empty."""
        full = " ".join(part for part in (self.first_name, self.last_name) if part)
        return self.name or full or f"Extension {self.extension_number or self.id}"


@dataclass(frozen=True)
class CallQueueRecord:
    """One record of listCallQueues (the main site's id is the literal "main-site")."""

    id: str
    extension_number: str | None
    name: str | None
    status: str | None
    site: SiteRef | None

    @classmethod
    def from_api(cls, data: JsonObject) -> CallQueueRecord:
        return cls(
            id=_required_id(data, "call queue"),
            extension_number=text(data, "extensionNumber"),
            name=text(data, "name"),
            status=text(data, "status"),
            site=SiteRef.from_api(obj(data, "site")),
        )


@dataclass(frozen=True)
class SiteRecord:
    """One record of listSites (sub-sites only: the main site is not listed)."""

    id: str
    name: str | None
    extension_number: str | None

    @classmethod
    def from_api(cls, data: JsonObject) -> SiteRecord:
        return cls(
            id=_required_id(data, "site"),
            name=text(data, "name"),
            extension_number=text(data, "extensionNumber"),
        )


@dataclass(frozen=True)
class IvrMenuRecord:
    """One record of readIvrMenuList (it names no site: the extension list does)."""

    id: str
    name: str | None
    extension_number: str | None

    @classmethod
    def from_api(cls, data: JsonObject) -> IvrMenuRecord:
        return cls(
            id=_required_id(data, "IVR menu"),
            name=text(data, "name"),
            extension_number=text(data, "extensionNumber"),
        )


@dataclass(frozen=True)
class PhoneNumberRecord:
    """One record of listAccountPhoneNumbersV2."""

    id: str
    phone_number: str | None
    usage_type: str | None
    type: str | None  # VoiceFax, VoiceOnly, FaxOnly; may be missing
    toll_type: str | None
    status: str | None
    extension_id: str | None  # omitted for company numbers and unassigned numbers
    extension_number: str | None

    @classmethod
    def from_api(cls, data: JsonObject) -> PhoneNumberRecord:
        extension = obj(data, "extension")
        return cls(
            id=_required_id(data, "phone number"),
            phone_number=text(data, "phoneNumber"),
            usage_type=text(data, "usageType"),
            type=text(data, "type"),
            toll_type=text(data, "tollType"),
            status=text(data, "status"),
            extension_id=text(extension, "id"),
            extension_number=text(extension, "extensionNumber"),
        )

    @property
    def fax_only(self) -> bool:
        return self.type == "FaxOnly"


@dataclass(frozen=True)
class SmsRecipientRecord:
    """One entry of getSmsRecipients."""

    id: str
    extension_number: str | None
    extension_type: str | None
    name: str | None
    assignable: bool
    has_license: bool

    @classmethod
    def from_api(cls, data: JsonObject) -> SmsRecipientRecord:
        return cls(
            id=_required_id(data, "SMS recipient"),
            extension_number=text(data, "extensionNumber"),
            extension_type=text(data, "extensionType"),
            name=text(data, "name"),
            assignable=flag(data, "assignable", True),
            has_license=flag(data, "hasLicense", True),
        )


@dataclass(frozen=True)
class FeatureRecord:
    """One record of readExtensionFeatures."""

    id: str
    available: bool
    params: Mapping[str, str]
    reason_code: str | None
    reason_message: str | None

    @classmethod
    def from_api(cls, data: JsonObject) -> FeatureRecord:
        params: dict[str, str] = {}
        raw_params = data.get("params")
        if isinstance(raw_params, list):
            for item in raw_params:
                if isinstance(item, Mapping):
                    name, value = text(item, "name"), item.get("value")
                    if name is not None and value is not None:
                        params[name] = str(value)
        reason = obj(data, "reason")
        return cls(
            id=_required_id(data, "feature"),
            available=flag(data, "available", False),
            params=params,
            reason_code=text(reason, "code"),
            reason_message=text(reason, "message"),
        )

    def param_flag(self, name: str) -> bool | None:
        """A boolean parameter ("true"/"false"), or None when absent."""
        value = self.params.get(name)
        if value is None:
            return None
        return value.strip().lower() == "true"
