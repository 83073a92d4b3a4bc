"""Where the next page of a RingCentral list is, for v1 (navigation) and v2 (page numbers) lists.

Pure functions over one page's JSON; the client does the HTTP. RingCentral may omit
`paging.totalPages`/`totalElements`, `paging.page` on an empty page, and `navigation.nextPage`
on the last page, so none of them is required here.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

# Far more than any account has (1000 pages of 1000 records); stops a server that loops.
MAX_PAGES = 1000


def records_of(page: Mapping[str, Any]) -> list[Any]:
    """The page's `records` list (empty when missing or not a list)."""
    records = page.get("records")
    return records if isinstance(records, list) else []


def _paging(page: Mapping[str, Any]) -> Mapping[str, Any]:
    paging = page.get("paging")
    return paging if isinstance(paging, Mapping) else {}


def _int(value: object) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def same_origin(url: str, server_url: str) -> bool:
    """True when `url` has the scheme, host and port of `server_url`."""
    a, b = urlsplit(url), urlsplit(server_url)
    return (a.scheme.lower(), a.hostname, a.port or _default_port(a.scheme)) == (
        b.scheme.lower(),
        b.hostname,
        b.port or _default_port(b.scheme),
    )


def _default_port(scheme: str) -> int | None:
    return {"http": 80, "https": 443}.get(scheme.lower())


def v1_next_page_uri(page: Mapping[str, Any]) -> str | None:
    """`navigation.nextPage.uri` of a v1 page, or None on the last page."""
    navigation = page.get("navigation")
    if not isinstance(navigation, Mapping):
        return None
    next_page = navigation.get("nextPage")
    if not isinstance(next_page, Mapping):
        return None
    uri = next_page.get("uri")
    return uri if isinstance(uri, str) and uri else None


def total_pages(page: Mapping[str, Any], *, per_page: int) -> int | None:
    """How many pages the list has, when the page says (`totalPages`, or `totalElements` over
    `perPage`); None when it gives no totals. At most MAX_PAGES."""
    paging = _paging(page)
    total = _int(paging.get("totalPages"))
    if total is None:
        elements = _int(paging.get("totalElements"))
        size = _int(paging.get("perPage")) or per_page
        if elements is None or size <= 0:
            return None
        total = -(-elements // size)
    return max(0, min(total, MAX_PAGES))


def has_more_pages(page: Mapping[str, Any], *, page_number: int, per_page: int) -> bool:
    """Whether a page-numbered list has a page after `page_number` (v2, or v1 without navigation).

    Uses `totalPages` when present; otherwise a page holding fewer records than were asked for
    (or none) is the last one.
    """
    if page_number >= MAX_PAGES:
        return False
    records = records_of(page)
    if not records:
        return False
    paging = _paging(page)
    total_pages = _int(paging.get("totalPages"))
    if total_pages is not None:
        return page_number < total_pages
    total_elements = _int(paging.get("totalElements"))
    effective_per_page = _int(paging.get("perPage")) or per_page
    if total_elements is not None:
        return page_number * effective_per_page < total_elements
    return len(records) >= effective_per_page
