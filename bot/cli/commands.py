"""The subcommand modules, in the order `sms-handlers --help` lists them."""

from __future__ import annotations

from types import ModuleType

from bot.cli import db, doctor, policy, requests, ringcentral, sandbox, serve

MODULES: list[ModuleType] = [serve, doctor, ringcentral, policy, db, requests, sandbox]
