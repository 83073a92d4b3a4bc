"""Text helpers for Slack's mrkdwn: escaping, truncation, dates, people."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, tzinfo

from bot.labels import person_label

ELLIPSIS = "…"


def escape(text: str) -> str:
    """Make text from a user or RingCentral inert in mrkdwn (`<!channel>`, `<@U1>`, links)."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def truncate(text: str, limit: int) -> str:
    """`text` cut to at most `limit` characters, ending with an ellipsis when cut."""
    if len(text) <= limit:
        return text
    return text[: max(limit - 1, 0)] + ELLIPSIS


def lines_within(lines: Sequence[str], limit: int, *, more: str = "…and {n} more") -> str:
    """Join lines with newlines, dropping the tail (and saying how many) to stay within `limit`."""
    joined = "\n".join(lines)
    if len(joined) <= limit:
        return joined
    kept: list[str] = []
    used = 0
    for index, line in enumerate(lines):
        tail = more.format(n=len(lines) - index)
        if used + len(line) + 1 + len(tail) > limit:
            break
        kept.append(line)
        used += len(line) + 1
    kept.append(more.format(n=len(lines) - len(kept)))
    return truncate("\n".join(kept), limit)


def slack_date(moment: datetime, zone: tzinfo | None = None) -> str:
    """A date Slack shows in each reader's own time zone, with a fallback (for clients that
    cannot) in `zone`, else UTC."""
    if zone is None:
        fallback = moment.strftime("%Y-%m-%d %H:%M UTC")
    else:
        local = moment.astimezone(zone)
        fallback = f"{local:%Y-%m-%d %H:%M} {local.tzname() or 'UTC'}"
    return f"<!date^{int(moment.timestamp())}^{{date_short_pretty}} {{time}}|{fallback}>"


def person(name: str | None, extension_number: str | None = None) -> str:
    """An escaped display name with its extension number, e.g. `Ava Chen (ext. 1001)`."""
    return escape(person_label(name or "(no name)", extension_number))


def slack_user(user_id: str) -> str:
    """A mention of a Slack user id that we got from Slack itself (never from free text)."""
    if user_id.isalnum():
        return f"<@{user_id}>"
    return escape(user_id)
