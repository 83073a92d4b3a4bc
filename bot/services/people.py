"""RingCentral users for the "add handlers" picker, each marked with why they cannot be added.

RingCentral reports `assignable` and `hasLicense` only on SMS handler records, so those flags
are learnt from every handler list the app reads (`remember`); the extension list tells the rest
(disabled or not activated users, users without an email).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Collection, Iterable, Sequence
from dataclasses import dataclass

from bot.domain import Handler, UserExtension
from bot.ringcentral.client import RingCentralClient
from bot.services.cache import SharedLoad
from bot.services.users import rank_users

ALREADY_A_HANDLER = "already a handler here"


@dataclass(frozen=True)
class PersonChoice:
    """A user and, when they cannot become an SMS handler, why not."""

    user: UserExtension
    problem: str | None = None


@dataclass(frozen=True)
class _Flags:
    assignable: bool
    has_license: bool


class _Users:
    """The user list, sorted by name, with indexes by id and by email (lower case)."""

    def __init__(self, users: Iterable[UserExtension]) -> None:
        self.all = tuple(sorted(users, key=lambda u: (u.name.lower(), u.id)))
        self.by_id = {u.id: u for u in self.all}
        self.by_email: dict[str, UserExtension] = {}
        for user in self.all:
            if user.email:
                self.by_email.setdefault(user.email.lower(), user)  # the first, as listed


class People:
    """Every RingCentral user (cached), searchable, with what stops them becoming handlers."""

    def __init__(
        self,
        *,
        client: RingCentralClient,
        ttl_seconds: float = 300.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._client = client
        # Past the TTL the old list still answers while one refresh runs (see SharedLoad).
        self._users = SharedLoad(
            self._load, ttl_seconds=ttl_seconds, clock=clock, name="RingCentral user list"
        )
        self._flags: dict[str, _Flags] = {}

    def remember(self, handlers: Iterable[Handler]) -> None:
        """Learn RingCentral's assignable / licence flags from a handler list just read."""
        for handler in handlers:
            self._flags[handler.id] = _Flags(handler.assignable, handler.has_license)

    def never_seen_as_handlers(self, ids: Iterable[str]) -> tuple[str, ...]:
        """The ids whose assignable / licence flags are unknown (never read on a handler list)."""
        return tuple(i for i in ids if i not in self._flags)

    async def search(
        self, *, query: str, limit: int = 20, handlers: Collection[str] = ()
    ) -> list[PersonChoice]:
        """Users matching a name, extension number or email, best first, with their problems
        (`handlers`: ids already handling SMS on the resource being changed)."""
        found = rank_users(query, (await self._users.get()).all, limit=limit)
        return [
            PersonChoice(u, ALREADY_A_HANDLER) if u.id in handlers else self._choice(u)
            for u in found
        ]

    async def choices(self, *, ids: Sequence[str]) -> dict[str, PersonChoice]:
        """The users with these extension ids (ids that are not users are left out)."""
        by_id = (await self._users.get()).by_id
        return {i: self._choice(by_id[i]) for i in ids if i in by_id}

    async def by_email(self, *, email: str) -> PersonChoice | None:
        """The user whose RingCentral contact email is this one (case-insensitive), if any."""
        found = (await self._users.get()).by_email.get(email.strip().lower())
        return None if found is None else self._choice(found)

    async def extension_statuses(self) -> dict[str, str]:
        """Every extension of the account and its status, read now (not cached): an SMS
        handler missing from it was deleted."""
        records = await self._client.list_extensions()
        return {r.id: r.status or "" for r in records}

    async def warm(self) -> None:
        """Load the user list now, so the first search answers quickly."""
        await self._users.get()

    def invalidate(self) -> None:
        """Forget the cached user list."""
        self._users.invalidate()

    def _choice(self, user: UserExtension) -> PersonChoice:
        return PersonChoice(user=user, problem=self._problem(user))

    def _problem(self, user: UserExtension) -> str | None:
        if user.status not in (None, "Enabled"):
            return "disabled" if user.status == "Disabled" else f"status {user.status}"
        if not user.email:
            return "no email in RingCentral"
        flags = self._flags.get(user.id)
        if flags is not None and not flags.assignable:
            return "not assignable"
        if flags is not None and not flags.has_license:
            return "no licence"
        return None

    async def _load(self) -> _Users:
        records = await self._client.list_extensions(types=("User",))
        return _Users(
            UserExtension(
                id=r.id,
                name=r.display_name,
                extension_number=r.extension_number,
                email=r.email,
                status=r.status,
                site_name=r.site.name if r.site else None,
            )
            for r in records
        )
