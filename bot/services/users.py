"""Find users by what a person types: a name, an extension number or an email."""

from __future__ import annotations

from collections.abc import Sequence

from bot.domain import UserExtension
from bot.services.lookup import normalize_name


def user_score(query: str, user: UserExtension) -> float:
    """How well `query` matches `user` (0 = not at all, 1 = exactly)."""
    text = query.strip().lower()
    if not text:
        return 0.0
    email = (user.email or "").lower()
    number = user.extension_number or ""
    name = normalize_name(user.name)
    wanted = normalize_name(text)
    if text in (number, email, user.id) or wanted == name:
        return 1.0
    words = name.split()
    parts = wanted.split()
    if parts and all(any(w.startswith(p) for w in words) for p in parts):
        return 0.8
    if email and email.split("@")[0].startswith(text):
        return 0.7
    if text.isdigit() and number.startswith(text):
        return 0.6
    if wanted and (wanted.replace(" ", "") in name.replace(" ", "") or text in email):
        return 0.5
    return 0.0


def rank_users(
    query: str, users: Sequence[UserExtension], *, limit: int = 20
) -> tuple[UserExtension, ...]:
    """The users matching `query`, best first (all users, by name, for an empty query)."""
    if not query.strip():
        return tuple(users[:limit])
    scored = [(user_score(query, u), u) for u in users]
    ranked = sorted((p for p in scored if p[0] > 0), key=lambda p: (-p[0], p[1].name.lower()))
    return tuple(u for _, u in ranked[:limit])
