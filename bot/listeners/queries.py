"""Slack's formatted command text turned into plain queries for the services.

With `should_escape`, Slack sends `&`, `<` and `>` as entities, a mention as `<@U123|name>` and
an email as `<mailto:a@b|a@b>`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from bot.errors import SmsHandlersError
from bot.inputs import is_slack_id
from bot.services.browse import EmailQuery, MemberQuery, NameQuery, PersonQuery
from bot.services.export import ExportFormat, HistoryFilter, parse_since

MENTION = re.compile(r"^<@([UW][A-Z0-9]+)(?:\|([^>]*))?>$")
MAILTO = re.compile(r"^<mailto:([^|>]+)(?:\|[^>]*)?>$")
FORMATTED = re.compile(r"<([^<>|]*)(?:\|([^<>]*))?>")
MENTION_ANYWHERE = re.compile(r"<@([UW][A-Z0-9]+)(?:\|[^>]*)?>")

EXPORT_USAGE = (
    "Usage: `/sms-handlers export [QUERY] [--since YYYY-MM-DD] [--user @person] [--json]`: "
    "the history of one resource (QUERY: its name or id), of what one person did, from a date; "
    "CSV unless `--json`."
)


def as_typed(text: str) -> str:
    """Slack's formatted text as the person typed it: `&amp;` `&lt;` `&gt;` decoded, links,
    emails and mentions as their labels (`<mailto:a@b|a@b>` → `a@b`)."""

    def label(match: re.Match[str]) -> str:
        return match.group(2) or match.group(1).removeprefix("mailto:")

    plain = FORMATTED.sub(label, text)
    return plain.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def person_query(text: str) -> PersonQuery:
    """Whom `who` asks about: a mention (a Slack user id), an email, or a name."""
    text = text.strip()
    if not text:
        raise SmsHandlersError(
            "Say whom to look for: `/sms-handlers who @person`, an email or a name."
        )
    if mention := MENTION.match(text):
        return MemberQuery(user_id=mention.group(1), fallback_name=mention.group(2))
    if mailto := MAILTO.match(text):
        return EmailQuery(email=mailto.group(1))
    typed = as_typed(text)
    if "@" in typed and " " not in typed:
        return EmailQuery(email=typed)
    return NameQuery(name=typed)


@dataclass(frozen=True)
class ExportQuery:
    """What `/sms-handlers export` asks for."""

    selection: HistoryFilter
    format: ExportFormat


def export_query(text: str) -> ExportQuery:
    """`[QUERY] [--since DATE] [--user @person] [--json|--csv]`, the filters of
    `sms-handlers history`; a mention arrives as `<@U123|name>`."""
    words = MENTION_ANYWHERE.sub(lambda m: m.group(1), text).split()
    query: list[str] = []
    since = user = None
    format = ExportFormat.CSV
    while words:
        word = words.pop(0)
        option, _, attached = word.partition("=")
        if option in ("--json", "--csv") and not attached:
            format = ExportFormat(option.removeprefix("--"))
        elif option in ("--since", "--user"):
            value = attached or (words.pop(0) if words else "")
            if not value:
                raise SmsHandlersError(f"`{option}` needs a value. {EXPORT_USAGE}")
            if option == "--since":
                since = _since(value)
            else:
                user = _user_id(value)
        elif word.startswith("--"):
            raise SmsHandlersError(f"`{as_typed(word)}` is not an option of export. {EXPORT_USAGE}")
        else:
            query.append(word)
    text_query = as_typed(" ".join(query)).strip() or None
    return ExportQuery(HistoryFilter(text=text_query, actor_id=user, since=since), format)


def _since(value: str) -> datetime:
    try:
        return parse_since(as_typed(value))
    except ValueError as exc:
        raise SmsHandlersError(f"`--since`: {exc}.") from None


def _user_id(value: str) -> str:
    candidate = value.removeprefix("@")
    if not is_slack_id(candidate) or candidate[0] not in "UW":
        raise SmsHandlersError(
            f"`--user` takes a person as Slack shows them: `--user @carla`. {EXPORT_USAGE}"
        )
    return candidate
