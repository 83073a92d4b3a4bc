"""Slack's formatted command text turned into plain queries for the services.

With `should_escape`, Slack sends `&`, `<` and `>` as entities, a mention as `<@U123|name>` and
an email as `<mailto:a@b|a@b>`.
"""

from __future__ import annotations

import re

from bot.errors import SmsHandlersError
from bot.services.browse import EmailQuery, MemberQuery, NameQuery, PersonQuery

MENTION = re.compile(r"^<@([UW][A-Z0-9]+)(?:\|([^>]*))?>$")
MAILTO = re.compile(r"^<mailto:([^|>]+)(?:\|[^>]*)?>$")
FORMATTED = re.compile(r"<([^<>|]*)(?:\|([^<>]*))?>")


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
