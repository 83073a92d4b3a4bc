"""What ids and numbers from outside the bot must look like before they are used.

Slack sends back what the bot put in buttons (`value`), modals (`private_metadata`) and inputs
(`view.state`); a message from an older version, a damaged payload or a forged one can hold
anything there. Listeners check each id with these functions before calling a service; services
check again those that reach the database or RingCentral.
"""

from __future__ import annotations

import re
from typing import TypeGuard

MAX_ROW_ID = 2**31 - 1  # request and audit event ids are 32-bit INTEGER columns
MAX_LIST_PAGE = 10_000

_WHOLE_NUMBER = re.compile(r"[0-9]{1,10}")  # ASCII digits only: int() also reads "١٢" and " 7"
_RINGCENTRAL_ID = re.compile(r"[0-9]{1,19}")  # RingCentral ids are 64-bit numbers, sent as text
_SLACK_ID = re.compile(r"[A-Z0-9]{2,32}")  # C0123ABC, G…, D…


def whole_number(raw: object, *, maximum: int) -> int | None:
    """`raw` (text or int) as a whole number from 1 to `maximum`, or None."""
    if isinstance(raw, bool):
        return None
    if isinstance(raw, int):
        number = raw
    elif isinstance(raw, str) and _WHOLE_NUMBER.fullmatch(raw):
        number = int(raw)
    else:
        return None
    return number if 1 <= number <= maximum else None


def request_id(raw: object) -> int | None:
    """The change request id `raw` names (a positive whole number a row id can be), or None."""
    return whole_number(raw, maximum=MAX_ROW_ID)


def is_ringcentral_id(raw: object) -> TypeGuard[str]:
    """Whether `raw` looks like a RingCentral extension id (what resources and users are)."""
    return isinstance(raw, str) and _RINGCENTRAL_ID.fullmatch(raw) is not None


def is_slack_id(raw: object) -> TypeGuard[str]:
    """Whether `raw` looks like a Slack channel or user id."""
    return isinstance(raw, str) and _SLACK_ID.fullmatch(raw) is not None
