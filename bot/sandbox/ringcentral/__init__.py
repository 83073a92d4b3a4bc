"""A local RingCentral: the operations sms-handlers uses, with paging, auth, rate limits, faults."""

from bot.sandbox.ringcentral.large import large_seed
from bot.sandbox.ringcentral.options import (
    Fault,
    RequestRecord,
    SandboxOptions,
    ThreadMessaging,
)
from bot.sandbox.ringcentral.seed import Seed, SeedExtension, SeedPhoneNumber, demo_seed
from bot.sandbox.ringcentral.server import SandboxServer

__all__ = [
    "Fault",
    "RequestRecord",
    "SandboxOptions",
    "SandboxServer",
    "Seed",
    "SeedExtension",
    "SeedPhoneNumber",
    "ThreadMessaging",
    "demo_seed",
    "large_seed",
]
