"""`sms-handlers sandbox`: run the local RingCentral sandbox until Ctrl-C."""

from __future__ import annotations

import argparse
import errno
from typing import TYPE_CHECKING, Any

from bot.errors import SmsHandlersError

if TYPE_CHECKING:
    # The stand-ins are a separate package, loaded only when this command runs.
    from sms_handlers_sandbox.ringcentral import SandboxOptions, Seed

SIZE_OPTIONS = ("sites", "queues", "users", "numbers")


def register(subparsers: Any) -> None:
    """Add the `sandbox` subcommand."""
    parser: argparse.ArgumentParser = subparsers.add_parser(
        "sandbox",
        help="run a local RingCentral sandbox (for development and demos)",
        description=(
            "Serve a fake RingCentral account on a loopback address: the API operations "
            "sms-handlers uses, with paging, rate limits and JWT login. Stop it with Ctrl-C."
        ),
    )
    parser.add_argument("--host", default="127.0.0.1", help="loopback address (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=8090, help="port, 0 for any free one (8090)")
    parser.add_argument(
        "--seed", choices=("demo", "large"), default="demo", help="account to serve (demo)"
    )
    for name in SIZE_OPTIONS:
        parser.add_argument(
            f"--{name}", type=int, metavar="N", help=f"number of {name} (with --seed large)"
        )
    parser.add_argument(
        "--token-ttl", type=int, default=3600, metavar="S", help="access token lifetime (3600)"
    )
    parser.add_argument(
        "--no-rate-limits", action="store_true", help="never answer 429 Request rate exceeded"
    )
    parser.add_argument(
        "--latency", type=float, default=0.0, metavar="S", help="delay before every answer"
    )
    parser.add_argument(
        "--omit-totals",
        action="store_true",
        help="leave totalPages/totalElements out of paging, as RingCentral may",
    )
    parser.set_defaults(handler=run_sandbox)


def _seed(args: argparse.Namespace) -> Seed:
    from sms_handlers_sandbox.ringcentral import demo_seed, large_seed

    sizes = {name: getattr(args, name) for name in SIZE_OPTIONS if getattr(args, name) is not None}
    negative = [f"--{name}" for name, value in sizes.items() if value < 0]
    if negative:
        raise SmsHandlersError(f"{', '.join(negative)} must be 0 or more")
    if args.seed == "demo":
        if sizes:
            given = ", ".join(f"--{name}" for name in sizes)
            raise SmsHandlersError(f"{given}: sizes can only be given with --seed large")
        return demo_seed()
    return large_seed(**sizes)


def _options(args: argparse.Namespace) -> SandboxOptions:
    from sms_handlers_sandbox.ringcentral import SandboxOptions

    if args.token_ttl < 1:
        raise SmsHandlersError("--token-ttl must be at least 1 second")
    if args.latency < 0:
        raise SmsHandlersError("--latency must be 0 or more seconds")
    return SandboxOptions(
        token_ttl_seconds=args.token_ttl,
        rate_limits_enabled=not args.no_rate_limits,
        latency_seconds=args.latency,
        omit_totals=args.omit_totals,
    )


async def run_sandbox(args: argparse.Namespace) -> int:
    """Serve until interrupted, after printing the settings that point the bot at it."""
    from sms_handlers_sandbox.loopback import LOOPBACK_HOSTS
    from sms_handlers_sandbox.ringcentral import SandboxServer

    if args.host not in LOOPBACK_HOSTS:
        raise SmsHandlersError(
            f"--host {args.host} is not a loopback address: the sandbox only listens on "
            "127.0.0.1, ::1 or localhost"
        )
    if not 0 <= args.port <= 65535:
        raise SmsHandlersError(f"--port {args.port} is not a port number (0-65535)")
    seed, options = _seed(args), _options(args)
    server = SandboxServer(seed, options)
    try:
        await server.start(args.host, args.port)
    except OSError as exc:
        if exc.errno == errno.EADDRINUSE:
            raise SmsHandlersError(
                f"port {args.port} is already in use: stop what uses it or pick another --port"
            ) from None
        raise SmsHandlersError(
            f"cannot listen on {args.host}:{args.port}: {exc.strerror}"
        ) from None
    try:
        company = seed.company
        print(f"RingCentral sandbox ({args.seed} account {company.name!r}) on {server.url}")
        print("Point sms-handlers at it with:")
        print(f"  export RINGCENTRAL_SERVER_URL={server.url}")
        print(f"  export RINGCENTRAL_CLIENT_ID={server.client_id}")
        print(f"  export RINGCENTRAL_CLIENT_SECRET={server.client_secret}")
        print(f"  export RINGCENTRAL_JWT={server.jwt}")
        print("Press Ctrl-C to stop.", flush=True)
        import asyncio  # only when it runs: the parsers are built for `--help` too

        await asyncio.Event().wait()
    finally:
        await server.stop()
    return 0
