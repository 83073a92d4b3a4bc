"""The API operations the sandbox serves, one method each."""

from __future__ import annotations

import fnmatch
import json
from collections.abc import Callable, Iterable, Sequence
from functools import partial
from typing import Any, TypeVar

from aiohttp import web

from sms_handlers_sandbox.ringcentral.account import Account
from sms_handlers_sandbox.ringcentral.errors import ApiError, invalid, json_response, not_found
from sms_handlers_sandbox.ringcentral.options import SandboxOptions
from sms_handlers_sandbox.ringcentral.paging import v1_page, v2_page
from sms_handlers_sandbox.ringcentral.seed import (
    CALL_QUEUE,
    COMPANY,
    IVR_MENU,
    RECIPIENT_TYPES,
    SITE,
    SeedExtension,
)

T = TypeVar("T")

MAX_BULK_IDS = 50
THREADS_FEATURE = "MessageThreads"

# The spec's AllExtensionTypesEnum, plus CompanyExtension (the main site; see RINGCENTRAL.md).
EXTENSION_TYPES = frozenset(
    {
        "User", "Department", "Announcement", "Voicemail", "DigitalUser", "VirtualUser",
        "FaxUser", "PagingOnly", "SharedLinesGroup", "DelegatedLinesGroup", "GroupCallPickup",
        "IvrMenu", "ApplicationExtension", "ProxyAdmin", "RoomConnector", "ParkLocation",
        "Limited", "Bot", "Site", "Room", "FlexibleUser", "TieLine", "Unknown", COMPANY,
    }
)  # fmt: skip
EXTENSION_STATUSES = frozenset({"Enabled", "Disabled", "Frozen", "NotActivated", "Unassigned"})
USAGE_TYPES_V2 = frozenset(
    {
        "MainCompanyNumber", "DirectNumber", "Inventory", "InventoryPartnerBusinessMobileNumber",
        "InventoryFmcBusinessMobileNumber", "PartnerBusinessMobileNumber",
        "AdditionalCompanyNumber", "CompanyNumber", "PhoneLine", "CompanyFaxNumber",
        "ForwardedNumber", "ForwardedCompanyNumber", "ContactCenterNumber", "ConferencingNumber",
        "MeetingsNumber", "NumberStorage", "BusinessMobileNumber", "FmcBusinessMobileNumber",
        "ELIN", "InventoryMobileNumber",
    }
)  # fmt: skip
USAGE_TYPES_V1 = (USAGE_TYPES_V2 - {"Inventory", "PhoneLine"}) | {"NumberPool", "IntegrationNumber"}
NUMBER_TYPES = frozenset({"VoiceFax", "VoiceOnly", "FaxOnly"})
NUMBER_STATUSES = frozenset({"Normal", "Pending", "PortedIn", "Temporary", "Unknown"})
TOLL_TYPES = frozenset({"Toll", "TollFree"})


def base_url(request: web.Request) -> str:
    return f"{request.scheme}://{request.host}"


def _values(request: web.Request, name: str, allowed: Iterable[str] | None = None) -> list[str]:
    """Every value of a repeated query parameter, checked against `allowed`."""
    values = [v for v in request.query.getall(name, []) if v != ""]
    if allowed is not None:
        allowed_set = set(allowed)
        for value in values:
            if value not in allowed_set:
                raise invalid(name, f"Parameter [{name}] value [{value}] is invalid")
    return values


class Handlers:
    """Answers each operation from an `Account` under the current `SandboxOptions`."""

    def __init__(self, account: Account, options: SandboxOptions) -> None:
        self.account = account
        self.options = options

    def _v1(
        self, request: web.Request, items: Sequence[T], render: Callable[[T], dict[str, Any]]
    ) -> web.Response:
        return json_response(v1_page(request, items, render, omit_totals=self.options.omit_totals))

    def _extension(self, raw: str) -> SeedExtension:
        ext_id = self.account.seed.owner_extension_id if raw == "~" else _int_id(raw)
        ext = self.account.extensions.get(ext_id) if ext_id is not None else None
        if ext is None:
            raise not_found("extensionId")
        return ext

    async def list_extensions(self, request: web.Request, params: dict[str, str]) -> web.Response:
        types = set(_values(request, "type", EXTENSION_TYPES))
        statuses = set(_values(request, "status", EXTENSION_STATUSES))
        emails = {e.lower() for e in _values(request, "email")}
        number = request.query.get("extensionNumber")
        found = [
            ext
            for ext in self.account.seed.extensions
            if (not types or ext.type in types)
            and (not statuses or ext.status in statuses)
            and (not emails or (ext.email or "").lower() in emails)
            and (not number or ext.extension_number == number)
        ]
        render = partial(self.account.extension_record, base=base_url(request))
        return self._v1(request, found, render)

    async def list_call_queues(self, request: web.Request, params: dict[str, str]) -> web.Response:
        render = partial(self.account.call_queue_record, base=base_url(request))
        return self._v1(request, self.account.of_type(CALL_QUEUE), render)

    async def list_sites(self, request: web.Request, params: dict[str, str]) -> web.Response:
        render = partial(self.account.site_record, base=base_url(request))
        return self._v1(request, self.account.of_type(SITE), render)

    async def list_ivr_menus(self, request: web.Request, params: dict[str, str]) -> web.Response:
        base = base_url(request)
        records = [
            self.account.ivr_menu_record(ext, base) for ext in self.account.of_type(IVR_MENU)
        ]
        uri = f"{base}/restapi/v1.0/account/{self.account.id}/ivr-menus"
        return json_response({"uri": uri, "records": records})

    async def list_account_numbers(
        self, request: web.Request, params: dict[str, str]
    ) -> web.Response:
        usage = set(_values(request, "usageType", USAGE_TYPES_V2))
        types = set(_values(request, "type", NUMBER_TYPES))
        status = _values(request, "status", NUMBER_STATUSES)
        toll = _values(request, "tollType", TOLL_TYPES)
        pattern = request.query.get("phoneNumber")
        found = [
            number
            for number in self.account.seed.phone_numbers
            if (not usage or number.usage_type in usage)
            and (not types or number.type in types)
            and (not status or number.status in status)
            and (not toll or number.toll_type in toll)
            and (not pattern or fnmatch.fnmatchcase(number.phone_number, pattern))
        ]
        render = self.account.account_number_record
        return json_response(v2_page(request, found, render, omit_totals=self.options.omit_totals))

    async def list_extension_numbers(
        self, request: web.Request, params: dict[str, str]
    ) -> web.Response:
        ext = self._extension(params["ext"])
        usage = set(_values(request, "usageType", USAGE_TYPES_V1))
        status = _values(request, "status", NUMBER_STATUSES)
        found = [
            number
            for number in self.account.extension_numbers(ext)
            if (not usage or number.usage_type in usage) and (not status or number.status in status)
        ]
        render = partial(self.account.extension_number_record, ext, base=base_url(request))
        return self._v1(request, found, render)

    async def read_features(self, request: web.Request, params: dict[str, str]) -> web.Response:
        self._extension(params["ext"])
        wanted = _values(request, "featureId")
        available_only = request.query.get("availableOnly", "false").lower() == "true"
        records = [
            record
            for record in [self._threads_feature()]
            if (not wanted or record["id"] in wanted)
            and (not available_only or record["available"])
        ]
        return json_response({"records": records})

    def _threads_feature(self) -> dict[str, Any]:
        threads = self.options.thread_messaging
        if not threads.available:
            return {
                "id": THREADS_FEATURE,
                "available": False,
                "reason": {
                    "code": "AccountLimitation",
                    "message": "Thread messaging is turned off for the account",
                },
            }
        return {
            "id": THREADS_FEATURE,
            "available": True,
            "params": [
                {"name": "callQueueSupported", "value": _flag(threads.call_queue_supported)},
                {"name": "siteSupported", "value": _flag(threads.site_supported)},
            ],
        }

    def _recipient_owner(self, raw: str) -> SeedExtension:
        """The resource named in the path; only call queues and sites have SMS recipients."""
        ext = self._extension(raw)
        if not self.account.is_common_resource(ext):
            raise invalid(
                "extensionId",
                f"Extension [{ext.id}] is a {self.account.describe_type(ext)}: only call queues "
                "and sites (including the main site) have SMS recipients",
            )
        return ext

    async def get_sms_recipients(
        self, request: web.Request, params: dict[str, str]
    ) -> web.Response:
        owner = self._recipient_owner(params["ext"])
        extensions = self.account.extensions
        recipients = [
            self.account.recipient_record(extensions[ext_id])
            for ext_id in self.account.recipients.get(owner.id, [])
        ]
        return json_response({"smsRecipients": recipients})

    async def bulk_assign(self, request: web.Request, params: dict[str, str]) -> web.Response:
        owner = self._recipient_owner(params["ext"])
        self._check_feature_for(owner)
        body = await _json_object(request)
        added = self._id_list(body, "addedExtensionIds", adding=True)
        removed = self._id_list(body, "removedExtensionIds", adding=False)
        if not added and not removed:
            raise invalid(
                "addedExtensionIds",
                "One of the parameters [addedExtensionIds, removedExtensionIds] must be "
                "specified and not empty",
            )
        both = sorted(set(added) & set(removed))
        if both:
            raise invalid(
                "removedExtensionIds",
                f"Extension [{both[0]}] is both in addedExtensionIds and removedExtensionIds",
            )
        current = self.account.recipients.setdefault(owner.id, [])
        for ext_id in added:
            if ext_id not in current:
                current.append(ext_id)
        current[:] = [ext_id for ext_id in current if ext_id not in set(removed)]
        return web.Response(status=204)

    def _check_feature_for(self, owner: SeedExtension) -> None:
        threads = self.options.thread_messaging
        supported = threads.available and (
            threads.call_queue_supported if owner.type == CALL_QUEUE else threads.site_supported
        )
        if not supported:
            raise ApiError(
                403,
                "CMN-109",
                f"Feature [{THREADS_FEATURE}] is not available for the "
                f"{self.account.describe_type(owner)} [{owner.id}]",
                top_level_code="FeatureNotAvailable",
            )

    def _id_list(self, body: dict[str, Any], name: str, *, adding: bool) -> list[int]:
        raw = body.get(name)
        if raw is None:
            return []
        if not isinstance(raw, list) or not all(isinstance(item, str) for item in raw):
            raise invalid(name, f"Parameter [{name}] must be a list of extension ids (strings)")
        if len(raw) > MAX_BULK_IDS:
            raise invalid(
                name, f"Parameter [{name}] has {len(raw)} ids: at most {MAX_BULK_IDS} are allowed"
            )
        if len(set(raw)) != len(raw):
            raise invalid(name, f"Parameter [{name}] contains the same id more than once")
        ids: list[int] = []
        for item in raw:
            ext_id = _int_id(item)
            ext = self.account.extensions.get(ext_id) if ext_id is not None else None
            if ext is None or ext_id is None:
                raise invalid(name, f"Extension [{item}] in [{name}] is not found")
            if adding and ext.type not in RECIPIENT_TYPES:
                raise invalid(
                    name,
                    f"Extension [{item}] is a {self.account.describe_type(ext)}: only users "
                    "can be SMS recipients",
                )
            ids.append(ext_id)
        return ids


def _flag(value: bool) -> str:
    return "true" if value else "false"


def _int_id(raw: str) -> int | None:
    return int(raw) if raw.isdigit() else None


async def _json_object(request: web.Request) -> dict[str, Any]:
    text = await request.text()
    try:
        body = json.loads(text)
    except ValueError:
        raise ApiError(400, "CMN-103", "Request body cannot be parsed as JSON") from None
    if not isinstance(body, dict):
        raise ApiError(400, "CMN-104", "Request body must be a JSON object")
    return body
