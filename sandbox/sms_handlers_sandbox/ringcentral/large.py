"""A generated large account, for paging, rate-limit and scale tests."""

from __future__ import annotations

import random

from sms_handlers_sandbox.ringcentral.seed import (
    CALL_QUEUE,
    COMPANY,
    IVR_MENU,
    MAIN_SITE_ID,
    SITE,
    USER,
    Seed,
    SeedExtension,
    SeedPhoneNumber,
)

FIRST_NAMES = (
    "Ava", "Ben", "Carla", "Dan", "Elena", "Farid", "Grace", "Hiro", "Isabel", "Jamal", "Kara",
    "Liam", "Maya", "Noah", "Olivia", "Pedro", "Quinn", "Rosa", "Sam", "Tara", "Uma", "Victor",
    "Wei", "Ximena", "Yusuf", "Zoe",
)  # fmt: skip
LAST_NAMES = (
    "Chen", "Ortiz", "Diaz", "Miller", "Petrova", "Haddad", "Kim", "Tanaka", "Rossi", "Wright",
    "Novak", "Singh", "Fischer", "Garcia", "Nguyen", "Smith", "Okafor", "Larsen", "Dubois",
    "Moreau", "Silva", "Kowalski", "Ivanova", "Murphy", "Schmidt", "Costa",
)  # fmt: skip
AREA_CODES = ("212", "415", "512", "617", "720")
QUEUE_TOPICS = (
    "Support", "Sales", "Billing", "Returns", "Onboarding", "Renewals", "Claims", "Dispatch",
    "Scheduling", "Collections",
)  # fmt: skip

COMPANY_ID = 100000
SITE_BASE = 200000
QUEUE_BASE = 300000
IVR_BASE = 400000
USER_BASE = 1000000


def large_seed(
    *,
    sites: int = 50,
    queues: int = 500,
    users: int = 5000,
    numbers: int = 10000,
    ivr_menus: int | None = None,
    rng_seed: int = 1,
) -> Seed:
    """An account of the given size; the same arguments always give the same account."""
    rng = random.Random(rng_seed)
    ivr_count = sites + 1 if ivr_menus is None else ivr_menus
    site_ids = [str(SITE_BASE + i) for i in range(1, sites + 1)]
    anywhere = [MAIN_SITE_ID, *site_ids]

    extensions = [SeedExtension(COMPANY_ID, "Globex Holdings", COMPANY, "100")]
    extensions += [
        SeedExtension(
            SITE_BASE + i, f"Site {i:03d}", SITE, str(20000 + i), site_id=str(SITE_BASE + i)
        )
        for i in range(1, sites + 1)
    ]
    queue_ids = [QUEUE_BASE + i for i in range(1, queues + 1)]
    extensions += [
        SeedExtension(
            ext_id,
            f"{QUEUE_TOPICS[i % len(QUEUE_TOPICS)]} {i:04d}",
            CALL_QUEUE,
            str(30000 + i),
            site_id=rng.choice(anywhere),
        )
        for i, ext_id in enumerate(queue_ids, start=1)
    ]
    ivr_ids = [IVR_BASE + i for i in range(1, ivr_count + 1)]
    extensions += [
        SeedExtension(
            ext_id,
            f"Menu {i:03d}",
            IVR_MENU,
            str(40000 + i),
            site_id=anywhere[(i - 1) % len(anywhere)],
        )
        for i, ext_id in enumerate(ivr_ids, start=1)
    ]
    user_ids = [USER_BASE + i for i in range(1, users + 1)]
    for i, ext_id in enumerate(user_ids, start=1):
        first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
        roll = rng.random()
        extensions.append(
            SeedExtension(
                ext_id,
                f"{first} {last}",
                USER,
                str(100000 + i),
                status="Disabled" if roll < 0.03 else "Enabled",
                site_id=rng.choice(anywhere),
                first_name=first,
                last_name=last,
                email=None if roll > 0.98 else f"{first}.{last}.{i}@globex.example".lower(),
                assignable=rng.random() > 0.05,
                has_license=rng.random() > 0.05,
            )
        )

    phone_numbers = _numbers(
        numbers, site_ids=[SITE_BASE + i for i in range(1, sites + 1)],
        queue_ids=queue_ids, ivr_ids=ivr_ids, user_ids=user_ids,
    )  # fmt: skip
    recipients: dict[int, tuple[int, ...]] = {}
    if user_ids:
        for owner in [COMPANY_ID, *(SITE_BASE + i for i in range(1, sites + 1)), *queue_ids]:
            recipients[owner] = tuple(rng.sample(user_ids, k=min(rng.randint(0, 3), len(user_ids))))
    return Seed(
        account_id="409876543008",
        owner_extension_id=user_ids[0] if user_ids else COMPANY_ID,
        extensions=tuple(extensions),
        phone_numbers=phone_numbers,
        sms_recipients=recipients,
    )


def _numbers(
    total: int,
    *,
    site_ids: list[int],
    queue_ids: list[int],
    ivr_ids: list[int],
    user_ids: list[int],
) -> tuple[SeedPhoneNumber, ...]:
    """Company numbers first, then one direct number per site, menu and queue, then users."""
    plan: list[tuple[str, str | None, int | None]] = [
        ("MainCompanyNumber", "VoiceOnly", None),
        ("CompanyNumber", "VoiceFax", None),
        ("CompanyNumber", "VoiceFax", None),
        ("CompanyNumber", "FaxOnly", None),
    ]
    plan += [("DirectNumber", "VoiceFax", ext_id) for ext_id in [*site_ids, *ivr_ids, *queue_ids]]
    plan += [("DirectNumber", "FaxOnly", ext_id) for ext_id in queue_ids[::25]]
    inventory = max(total // 50, 2)
    users_share = max(total - len(plan) - inventory, 0)
    plan += (
        [("DirectNumber", "VoiceFax", user_ids[i % len(user_ids)]) for i in range(users_share)]
        if user_ids
        else []
    )
    plan += [("Inventory", None, None)] * max(total - len(plan), 0)
    result = []
    for index, (usage, kind, ext_id) in enumerate(plan[:total]):
        result.append(
            SeedPhoneNumber(
                id=str(2000000000 + index),
                phone_number=f"+1{AREA_CODES[index % len(AREA_CODES)]}{2000000 + index:07d}",
                usage_type=usage,
                type=kind,
                toll_type="Toll",
                extension_id=ext_id,
            )
        )
    return tuple(result)
