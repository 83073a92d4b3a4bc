"""Phone numbers as people type them, and as people read them (in Slack and in the terminal)."""

from __future__ import annotations

import re
import unicodedata

_PHONE_CHARACTERS = re.compile(r"^\+?[0-9\s().\-/]+$")
# Dashes that word processors and web pages put in numbers: hyphen, en dash, minus sign...
_DASHES = re.compile(r"[\u2010-\u2015\u2212\ufe58\ufe63]")
NANP_COUNTRY_CODE = "1"


def normalize_phone(text: str) -> str | None:
    """The E.164 form (+16505550100) of a phone number in any common format, or None.

    Accepts `(650) 555-0100`, `650.555.0100`, `+1 650 555 0100`, `16505550100`, `6505550100`,
    `0044 20 7946 0958` and `tel:+1...`. Ten digits without a country code are taken as a North
    American number. Short digit strings (extension numbers) are not phone numbers.
    """
    candidate = _DASHES.sub("-", unicodedata.normalize("NFKC", text)).strip()
    if candidate.lower().startswith("tel:"):
        candidate = candidate[4:]
    if not candidate or not _PHONE_CHARACTERS.match(candidate):
        return None
    digits = re.sub(r"\D", "", candidate)
    if candidate.startswith("+"):
        return f"+{digits}" if 8 <= len(digits) <= 15 else None
    if digits.startswith("00") and 10 <= len(digits) - 2 <= 15:
        return f"+{digits[2:]}"
    if len(digits) == 10:
        return f"+{NANP_COUNTRY_CODE}{digits}"
    if len(digits) == 11 and digits.startswith(NANP_COUNTRY_CODE):
        return f"+{digits}"
    return None


def format_phone(e164: str) -> str:
    """A number for people: `+1 (650) 555-0100` for North American numbers (the country code
    kept, so it reads the same from anywhere), others as they are (E.164)."""
    digits = e164.removeprefix("+")
    if e164.startswith(f"+{NANP_COUNTRY_CODE}") and len(digits) == 11 and digits.isdigit():
        return f"+{NANP_COUNTRY_CODE} ({digits[1:4]}) {digits[4:7]}-{digits[7:]}"
    return e164
