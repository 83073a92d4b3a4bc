"""Paging as RingCentral does it: v1 `paging` + absolute `navigation` links, v2 `paging` only."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar
from urllib.parse import urlencode

from aiohttp import web

from sms_handlers_sandbox.ringcentral.errors import invalid

DEFAULT_PER_PAGE = 100
MAX_PER_PAGE = 1000

T = TypeVar("T")


@dataclass(frozen=True)
class PageRequest:
    page: int
    per_page: int


def page_request(request: web.Request) -> PageRequest:
    """Read `page` and `perPage` (default 1 and 100; `perPage` above 1000 is clamped)."""
    page = _positive_int(request, "page", 1)
    per_page = min(_positive_int(request, "perPage", DEFAULT_PER_PAGE), MAX_PER_PAGE)
    return PageRequest(page=page, per_page=per_page)


def _positive_int(request: web.Request, name: str, default: int) -> int:
    raw = request.query.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise invalid(
            name, f"Parameter [{name}] value is invalid: [{raw}] is not an integer"
        ) from None
    if value < 1:
        raise invalid(name, f"Parameter [{name}] value is invalid: it must be 1 or more")
    return value


def page_slice(items: Sequence[T], wanted: PageRequest) -> list[T]:
    start = (wanted.page - 1) * wanted.per_page
    return list(items[start : start + wanted.per_page])


def paging_block(
    total: int, wanted: PageRequest, shown: int, *, omit_totals: bool
) -> dict[str, Any]:
    """The `paging` object; `page`, `pageStart` and `pageEnd` are left out for an empty page."""
    paging: dict[str, Any] = {"perPage": wanted.per_page}
    if shown:
        start = (wanted.page - 1) * wanted.per_page
        paging.update(page=wanted.page, pageStart=start, pageEnd=start + shown - 1)
    if not omit_totals:
        paging.update(totalPages=_total_pages(total, wanted.per_page), totalElements=total)
    return paging


def _total_pages(total: int, per_page: int) -> int:
    return (total + per_page - 1) // per_page


def page_uri(request: web.Request, page: int, per_page: int) -> str:
    """An absolute link to `page` of the same list, keeping every other query parameter."""
    query = [(k, v) for k, v in request.query.items() if k not in {"page", "perPage"}]
    query += [("page", str(page)), ("perPage", str(per_page))]
    return f"{request.scheme}://{request.host}{request.path}?{urlencode(query)}"


def request_uri(request: web.Request) -> str:
    query = f"?{urlencode(list(request.query.items()))}" if request.query else ""
    return f"{request.scheme}://{request.host}{request.path}{query}"


def v1_page(
    request: web.Request,
    items: Sequence[T],
    render: Callable[[T], dict[str, Any]],
    *,
    omit_totals: bool,
) -> dict[str, Any]:
    """A v1 list answer: `uri`, `records`, `paging`, `navigation` (only the page is rendered)."""
    wanted = page_request(request)
    shown = [render(item) for item in page_slice(items, wanted)]
    last = max(_total_pages(len(items), wanted.per_page), 1)
    navigation: dict[str, Any] = {"firstPage": {"uri": page_uri(request, 1, wanted.per_page)}}
    if wanted.page < last:
        navigation["nextPage"] = {"uri": page_uri(request, wanted.page + 1, wanted.per_page)}
    if wanted.page > 1:
        previous = min(wanted.page - 1, last)
        navigation["previousPage"] = {"uri": page_uri(request, previous, wanted.per_page)}
    navigation["lastPage"] = {"uri": page_uri(request, last, wanted.per_page)}
    return {
        "uri": request_uri(request),
        "records": shown,
        "paging": paging_block(len(items), wanted, len(shown), omit_totals=omit_totals),
        "navigation": navigation,
    }


def v2_page(
    request: web.Request,
    items: Sequence[T],
    render: Callable[[T], dict[str, Any]],
    *,
    omit_totals: bool,
) -> dict[str, Any]:
    """A v2 list answer: `records` and `paging` only."""
    wanted = page_request(request)
    shown = [render(item) for item in page_slice(items, wanted)]
    return {
        "records": shown,
        "paging": paging_block(len(items), wanted, len(shown), omit_totals=omit_totals),
    }
