from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from bot.db.session import Database
from bot.services.applying import Applier
from bot.services.directory import Directory
from bot.services.people import People
from bot.services.policy import ApprovalPolicy
from bot.services.recovery import RecoveryService
from bot.services.requests import RequestService
from sms_handlers_sandbox.ringcentral import SandboxServer
from tests.support.services import (
    RecordingNotifier,
    migrated_sqlite,
    running_sandbox,
    sandbox_client,
)

LEASE_SECONDS = 1.0  # short, so that tests see leases run out; a busy machine stalls less


class NoGroups:
    async def group_ids_by_handle(self) -> dict[str, str]:
        return {}

    async def group_members(self, group_id: str) -> frozenset[str]:
        return frozenset()


@dataclass
class World:
    sandbox: SandboxServer
    database: Database
    directory: Directory
    notifier: RecordingNotifier
    service: RequestService
    applier: Applier
    recovery: RecoveryService

    def bulk_assign_calls(self) -> int:
        return len([r for r in self.sandbox.requests if r.path.endswith("/bulk-assign")])


@pytest.fixture
async def world(tmp_path: Path) -> AsyncIterator[World]:
    async with running_sandbox() as sandbox:
        client = sandbox_client(sandbox)
        database = await migrated_sqlite(tmp_path)
        directory = Directory(client=client, ttl_seconds=60)
        notifier = RecordingNotifier()
        policy = ApprovalPolicy(approvers=["U0APP", "U0APP2", "U0REQ2"], groups=NoGroups())
        people = People(client=client, ttl_seconds=60)
        applier = Applier(
            database=database,
            directory=directory,
            people=people,
            notifier=notifier,
            owner="test-host:1:aaaaaa",
            lease_seconds=LEASE_SECONDS,
            outcome_pause_seconds=0.01,
        )
        service = RequestService(
            database=database,
            directory=directory,
            people=people,
            policy=policy,
            notifier=notifier,
            applier=applier,
        )
        recovery = RecoveryService(database=database, applier=applier)
        try:
            yield World(sandbox, database, directory, notifier, service, applier, recovery)
        finally:
            await client.close()
            await database.dispose()
