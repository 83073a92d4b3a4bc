"""Real collaborators for service tests: the RingCentral sandbox, its client and directory,
a migrated SQLite database, and a notifier that records what it was asked to say."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from bot.db.migrate import upgrade_async
from bot.db.session import Database
from bot.domain import ChangeRequest, NoticeKind
from bot.ringcentral.auth import Credentials
from bot.ringcentral.client import ClientOptions, RetryPolicy, RingCentralClient
from bot.services.notifier import MessageRefs
from sms_handlers_sandbox.ringcentral import SandboxOptions, SandboxServer

FAST_RETRIES = ClientOptions(
    timeout_seconds=5.0,
    retry=RetryPolicy(max_attempts=2, backoff_base_seconds=0.01, backoff_max_seconds=0.02),
)


@asynccontextmanager
async def running_sandbox(options: SandboxOptions | None = None) -> AsyncIterator[SandboxServer]:
    """The demo-seed sandbox on a free loopback port, rate limits off unless given."""
    server = SandboxServer(options=options or SandboxOptions(rate_limits_enabled=False))
    await server.start()
    try:
        yield server
    finally:
        await server.stop()


def sandbox_client(server: SandboxServer) -> RingCentralClient:
    """A RingCentral client logged in to the sandbox with its JWT, retrying quickly."""
    credentials = Credentials(
        server_url=server.url,
        client_id=server.client_id,
        client_secret=server.client_secret,
        jwt=server.jwt,
    )
    return RingCentralClient.from_credentials(credentials, options=FAST_RETRIES)


async def migrated_sqlite(directory: Path) -> Database:
    """A fresh SQLite database file with every migration applied."""
    url = f"sqlite+aiosqlite:///{directory / 'sms-handlers-test.db'}"
    await upgrade_async(url)
    return Database.from_url(url)


@dataclass
class RecordingNotifier:
    """A RequestNotifier that remembers each call as (what, request id, status); the next
    `failing` updates fail as when Slack is unavailable."""

    calls: list[tuple[str, int, str]] = field(default_factory=list)
    failing: int = 0

    async def announce(self, request: ChangeRequest) -> MessageRefs:
        self.calls.append(("announce", request.id, request.status.value))
        channel = request.slack_channel_id or "C0APPROVALS"  # its rule's channel, or the default
        return MessageRefs(channel, f"{request.id}.100", "D0REQUESTER", f"{request.id}.200")

    async def refresh(self, request: ChangeRequest) -> bool:
        self.calls.append(("refresh", request.id, request.status.value))
        if self.failing > 0:
            self.failing -= 1
            return False
        return True

    async def tell_requester(self, request: ChangeRequest) -> bool:
        self.calls.append(("tell", request.id, request.status.value))
        return True

    async def remind(self, request: ChangeRequest, *, approvers: Sequence[str]) -> bool:
        self.calls.append(("remind", request.id, ",".join(approvers)))
        return True

    async def escalate(self, request: ChangeRequest, *, user_id: str) -> bool:
        self.calls.append(("escalate", request.id, user_id))
        return True

    async def tell_temporary(self, request: ChangeRequest, kind: NoticeKind, *, left: str) -> bool:
        self.calls.append((f"temporary {kind.value}", request.id, request.status.value))
        return True

    async def tell_extended(
        self, request: ChangeRequest, *, by_id: str, previous_end: datetime
    ) -> bool:
        self.calls.append(("extended", request.id, request.status.value))
        return True

    async def tell_revert(self, original: ChangeRequest, revert: ChangeRequest) -> bool:
        self.calls.append(("revert", original.id, revert.status.value))
        return True
