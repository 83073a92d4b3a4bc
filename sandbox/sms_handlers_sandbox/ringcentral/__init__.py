"""A local RingCentral: the operations sms-handlers uses, with paging, auth, rate limits, faults.

    async with SandboxServer(demo_seed(), SandboxOptions(omit_totals=True)) as sandbox:
        ...  # point a client at sandbox.url with sandbox.client_id / client_secret / jwt
        sandbox.inject_fault(Fault(r"/bulk-assign$", method="POST", status=503, skip=1))
        sandbox.expire_tokens()
        assert sandbox.sms_recipients("4001") == ["6001", "6002"]
        [r.path for r in sandbox.requests]

Paths accept `~` or the seed's account id. Answers follow RingCentral's OpenAPI description (see
tests/support/rc_spec.py); the company extension's type is `CompanyExtension`, and `site`
references name the main site `main-site`. Every option may be changed while it runs.
"""

from sms_handlers_sandbox.ringcentral.large import large_seed
from sms_handlers_sandbox.ringcentral.options import (
    Fault,
    RequestRecord,
    SandboxOptions,
    ThreadMessaging,
)
from sms_handlers_sandbox.ringcentral.seed import Seed, SeedExtension, SeedPhoneNumber, demo_seed
from sms_handlers_sandbox.ringcentral.server import SandboxServer

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
