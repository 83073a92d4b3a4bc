"""The account's data as RingCentral records, and its mutable SMS recipients."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from sms_handlers_sandbox.ringcentral.seed import (
    CALL_QUEUE,
    COMPANY,
    IVR_MENU,
    MAIN_SITE_ID,
    SITE,
    Seed,
    SeedExtension,
    SeedPhoneNumber,
)

COMPANY_LEVEL_USAGE = frozenset({"MainCompanyNumber", "CompanyNumber", "AdditionalCompanyNumber"})


class Account:
    """Lookups over a seed, record builders, and the recipients lists the server changes."""

    def __init__(self, seed: Seed) -> None:
        self.seed = seed
        self.id = seed.account_id
        self.extensions: dict[int, SeedExtension] = {ext.id: ext for ext in seed.extensions}
        self.company = seed.company
        self._site_names = {str(ext.id): ext.name for ext in seed.extensions if ext.type == SITE}
        self._site_names[MAIN_SITE_ID] = self.company.name
        self.numbers_by_extension: dict[int, list[SeedPhoneNumber]] = {}
        for number in seed.phone_numbers:
            if number.extension_id is not None:
                self.numbers_by_extension.setdefault(number.extension_id, []).append(number)
        self.recipients: dict[int, list[int]] = {
            ext_id: list(ids) for ext_id, ids in seed.sms_recipients.items()
        }

    def set_status(self, ext_id: int, status: str) -> None:
        """An admin changes an extension's status (e.g. a user `Disabled` in the admin portal)."""
        ext = replace(self.extensions[ext_id], status=status)
        self._replace(ext_id, ext)

    def delete(self, ext_id: int) -> None:
        """An admin deletes an extension: it leaves the account, and every SMS recipients list
        (a deleted user can no longer be a recipient)."""
        self._replace(ext_id, None)
        for ids in self.recipients.values():
            ids[:] = [i for i in ids if i != ext_id]

    def _replace(self, ext_id: int, ext: SeedExtension | None) -> None:
        if ext_id not in self.extensions:
            raise KeyError(f"extension {ext_id} is not in the sandbox account")
        kept = tuple(
            ext if ext is not None and e.id == ext_id else e
            for e in self.seed.extensions
            if e.id != ext_id or ext is not None
        )
        self.seed = replace(self.seed, extensions=kept)
        if ext is None:
            del self.extensions[ext_id]
        else:
            self.extensions[ext_id] = ext

    def of_type(self, *types: str) -> list[SeedExtension]:
        return [ext for ext in self.seed.extensions if ext.type in types]

    def site_ref(self, site_id: str | None) -> dict[str, str] | None:
        if site_id is None:
            return None
        return {"id": site_id, "name": self._site_names.get(site_id, "")}

    def extension_uri(self, base: str, ext_id: int | str) -> str:
        return f"{base}/restapi/v1.0/account/{self.id}/extension/{ext_id}"

    def extension_record(self, ext: SeedExtension, base: str) -> dict[str, Any]:
        record: dict[str, Any] = {"id": ext.id, "uri": self.extension_uri(base, ext.id)}
        if ext.extension_number is not None and ext.status != "Unassigned":
            record["extensionNumber"] = ext.extension_number
        record.update(name=ext.name, type=ext.type, status=ext.status)
        contact: dict[str, Any] = {"firstName": ext.first_name or ext.name}
        if ext.last_name:
            contact["lastName"] = ext.last_name
        if ext.email:
            contact["email"] = ext.email
        record["contact"] = contact
        site = self.site_ref(ext.site_id)
        if site is not None:
            record["site"] = site
        return record

    def _short_record(self, ext: SeedExtension, uri: str, *, with_site: bool) -> dict[str, Any]:
        """The fields call queue, site and IVR menu records share (string ids)."""
        record: dict[str, Any] = {"id": str(ext.id), "uri": uri, "name": ext.name}
        if ext.extension_number is not None:
            record["extensionNumber"] = ext.extension_number
        site = self.site_ref(ext.site_id) if with_site else None
        if site is not None:
            record["site"] = site
        return record

    def call_queue_record(self, ext: SeedExtension, base: str) -> dict[str, Any]:
        uri = f"{base}/restapi/v1.0/account/{self.id}/call-queues/{ext.id}"
        record = self._short_record(ext, uri, with_site=True)
        record["status"] = "Disabled" if ext.status == "Frozen" else ext.status
        return record

    def site_record(self, ext: SeedExtension, base: str) -> dict[str, Any]:
        uri = f"{base}/restapi/v1.0/account/{self.id}/sites/{ext.id}"
        return self._short_record(ext, uri, with_site=False)

    def ivr_menu_record(self, ext: SeedExtension, base: str) -> dict[str, Any]:
        uri = f"{base}/restapi/v1.0/account/{self.id}/ivr-menus/{ext.id}"
        return self._short_record(ext, uri, with_site=True)

    def account_number_record(self, number: SeedPhoneNumber) -> dict[str, Any]:
        """A v2 account phone number; `extension` only when the number is assigned to one."""
        record: dict[str, Any] = {
            "id": number.id,
            "phoneNumber": number.phone_number,
            "tollType": number.toll_type,
            "usageType": number.usage_type,
            "byocNumber": False,
            "status": number.status,
        }
        if number.type is not None:
            record["type"] = number.type
        if number.extension_id is not None:
            owner = self.extensions.get(number.extension_id)
            extension: dict[str, str] = {"id": str(number.extension_id)}
            if owner is not None and owner.extension_number is not None:
                extension["extensionNumber"] = owner.extension_number
            record["extension"] = extension
        return record

    def extension_numbers(self, ext: SeedExtension) -> list[SeedPhoneNumber]:
        """The numbers an extension may use: its own, plus company numbers for the company."""
        own = list(self.numbers_by_extension.get(ext.id, []))
        if ext.type != COMPANY:
            return own
        company = [
            number
            for number in self.seed.phone_numbers
            if number.extension_id is None and number.usage_type in COMPANY_LEVEL_USAGE
        ]
        return company + own

    def extension_number_record(
        self, ext: SeedExtension, number: SeedPhoneNumber, base: str
    ) -> dict[str, Any]:
        record: dict[str, Any] = {
            "uri": f"{self.extension_uri(base, ext.id)}/phone-number/{number.id}",
            "id": int(number.id),
            "phoneNumber": number.phone_number,
            "usageType": number.usage_type,
            "status": number.status,
            "primary": number.usage_type == "DirectNumber"
            and self.numbers_by_extension.get(ext.id, [None])[0] is number,
            "features": ["CallerId"] if number.type == "FaxOnly" else ["CallerId", "SmsSender"],
        }
        if number.type is not None:
            record["type"] = number.type
        return record

    def recipient_record(self, ext: SeedExtension) -> dict[str, Any]:
        record: dict[str, Any] = {"id": str(ext.id)}
        if ext.extension_number is not None:
            record["extensionNumber"] = ext.extension_number
        record.update(
            extensionType=ext.type,
            name=ext.name,
            assignable=ext.assignable,
            hasLicense=ext.has_license,
        )
        return record

    def is_common_resource(self, ext: SeedExtension) -> bool:
        return ext.type in {COMPANY, SITE, CALL_QUEUE}

    def describe_type(self, ext: SeedExtension) -> str:
        return {
            COMPANY: "main site",
            SITE: "site",
            CALL_QUEUE: "call queue",
            IVR_MENU: "IVR menu",
        }.get(ext.type, f"{ext.type} extension")
