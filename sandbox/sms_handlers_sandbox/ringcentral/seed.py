"""The account a sandbox serves: extensions, phone numbers and initial SMS recipients.

A seed is plain data. The server copies what it may change (the SMS recipients) into its own
state, so one seed can back several servers.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

MAIN_SITE_ID = "main-site"  # how RingCentral names the main site in `site` references

COMPANY = "CompanyExtension"
SITE = "Site"
CALL_QUEUE = "Department"
IVR_MENU = "IvrMenu"
USER = "User"

RECIPIENT_TYPES = frozenset({"User", "DigitalUser", "ApplicationExtension"})


@dataclass(frozen=True)
class SeedExtension:
    """One extension of the account (company, site, call queue, IVR menu or user)."""

    id: int
    name: str
    type: str
    extension_number: str | None
    status: str = "Enabled"
    site_id: str | None = MAIN_SITE_ID  # a Site extension's id, or "main-site"
    first_name: str | None = None
    last_name: str | None = None
    email: str | None = None
    assignable: bool = True  # may become a thread assignee (as an SMS recipient)
    has_license: bool = True  # holds the paid thread-messaging licence


@dataclass(frozen=True)
class SeedPhoneNumber:
    """One number of the account, as the v2 phone-numbers list describes it."""

    id: str
    phone_number: str
    usage_type: str
    type: str | None = "VoiceFax"
    toll_type: str = "Toll"
    status: str = "Normal"
    extension_id: int | None = None  # None for company numbers and unassigned (Inventory) ones


@dataclass(frozen=True)
class Seed:
    """A whole account. `owner_extension_id` is the extension the JWT logs in as."""

    account_id: str
    owner_extension_id: int
    extensions: tuple[SeedExtension, ...]
    phone_numbers: tuple[SeedPhoneNumber, ...]
    sms_recipients: Mapping[int, tuple[int, ...]] = field(default_factory=dict)

    @property
    def company(self) -> SeedExtension:
        """The company extension, i.e. the main site."""
        return next(ext for ext in self.extensions if ext.type == COMPANY)


def _user(
    ext_id: int,
    number: str,
    first: str,
    last: str,
    *,
    site_id: str = MAIN_SITE_ID,
    email: bool = True,
    status: str = "Enabled",
    assignable: bool = True,
    has_license: bool = True,
) -> SeedExtension:
    address = f"{first}.{last}".lower().replace("'", "") + "@acme.example"
    return SeedExtension(
        id=ext_id,
        name=f"{first} {last}",
        type=USER,
        extension_number=number,
        status=status,
        site_id=site_id,
        first_name=first,
        last_name=last,
        email=address if email else None,
        assignable=assignable,
        has_license=has_license,
    )


def demo_seed(*, company_name: str = "Acme Corp HQ") -> Seed:
    """A small, realistic company: three sites, four call queues, two IVR menus, 14 users.

    `company_name` renames the main site (the company extension).
    """
    boston, denver = "2000", "3000"
    extensions = (
        SeedExtension(1000, company_name, COMPANY, "101"),
        SeedExtension(2000, "Boston Office", SITE, "200", site_id=boston),
        SeedExtension(3000, "Denver Office", SITE, "300", site_id=denver),
        SeedExtension(4001, "Support", CALL_QUEUE, "104"),
        SeedExtension(4002, "Sales", CALL_QUEUE, "105", site_id=boston),
        SeedExtension(4003, "Billing", CALL_QUEUE, "106", site_id=denver),
        SeedExtension(4004, "Support Escalations", CALL_QUEUE, "107"),
        SeedExtension(5001, "Main Menu", IVR_MENU, "110"),
        SeedExtension(5002, "Boston After Hours", IVR_MENU, "210", site_id=boston),
        _user(6001, "1001", "Ava", "Chen"),
        _user(6002, "1002", "Ben", "Ortiz"),
        _user(6003, "1003", "Carla", "Diaz"),
        _user(6004, "1004", "Dan", "Miller", site_id=boston),
        _user(6005, "1005", "Elena", "Petrova", site_id=boston),
        _user(6006, "1006", "Farid", "Haddad", site_id=denver),
        _user(6007, "1007", "Grace", "Kim", assignable=False),
        _user(6008, "1008", "Hiro", "Tanaka", has_license=False),
        _user(6009, "1009", "Isabel", "Rossi", status="Disabled"),
        _user(6010, "1010", "Jamal", "Wright", email=False),
        _user(6011, "1011", "Kara", "Novak", site_id=denver),
        _user(6012, "1012", "Liam", "O'Brien"),
        _user(6013, "1013", "Maya", "Singh", status="NotActivated"),
        _user(6014, "1014", "Noah", "Fischer", site_id=boston),
    )
    numbers = [
        SeedPhoneNumber("1100000001", "+16505550100", "MainCompanyNumber", "VoiceOnly"),
        SeedPhoneNumber("1100000002", "+16505550101", "CompanyNumber"),
        SeedPhoneNumber("1100000003", "+16505550199", "CompanyNumber", "FaxOnly"),
        SeedPhoneNumber("1100000004", "+16505550110", "DirectNumber", extension_id=5001),
        SeedPhoneNumber("1100000005", "+16175550120", "DirectNumber", extension_id=2000),
        SeedPhoneNumber("1100000006", "+16175550121", "DirectNumber", extension_id=5002),
        SeedPhoneNumber("1100000007", "+13035550130", "DirectNumber", extension_id=3000),
        SeedPhoneNumber("1100000008", "+16505550104", "DirectNumber", extension_id=4001),
        SeedPhoneNumber("1100000009", "+16175550105", "DirectNumber", extension_id=4002),
        SeedPhoneNumber("1100000010", "+13035550106", "DirectNumber", extension_id=4003),
        SeedPhoneNumber("1100000011", "+16175550195", "DirectNumber", "FaxOnly", extension_id=4002),
        SeedPhoneNumber("1100000012", "+16505550901", "Inventory", None),
        SeedPhoneNumber("1100000013", "+18885550902", "Inventory", None, toll_type="TollFree"),
    ]
    for offset, user_id in enumerate(range(6001, 6011)):
        numbers.append(
            SeedPhoneNumber(
                f"11000001{offset:02d}",
                f"+1650555{1001 + offset}",
                "DirectNumber",
                extension_id=user_id,
            )
        )
    return Seed(
        account_id="401234567008",
        owner_extension_id=6001,
        extensions=extensions,
        phone_numbers=tuple(numbers),
        sms_recipients={4001: (6001, 6002), 1000: (6003,), 2000: (6004,), 4002: (6002,)},
    )
