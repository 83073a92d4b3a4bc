"""`sms-handlers resources` and `sms-handlers handlers QUERY`: the directory from a terminal."""

from __future__ import annotations

import argparse
import json
import sys
from typing import TYPE_CHECKING, Any

from bot.cli.table import render_table
from bot.labels import resource_title
from bot.phone import format_phone

if TYPE_CHECKING:
    from bot.domain import Handler, Resource


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the `resources` and `handlers` subcommands."""
    resources = subparsers.add_parser(
        "resources",
        help="list the sites and call queues with their shared SMS numbers",
        description="List every common resource (main site, sites, call queues) with its "
        "shared SMS numbers and IVR menus.",
    )
    _common_options(resources)
    resources.set_defaults(handler=run_resources)

    handlers = subparsers.add_parser(
        "handlers",
        help="show who handles SMS for one site or call queue",
        description="Show one resource and its SMS handlers. QUERY is a name (support, "
        "queue-support), an extension number (104), a phone number or an IVR menu name.",
    )
    handlers.add_argument("query", nargs="+", metavar="QUERY", help="what to look up")
    _common_options(handlers)
    handlers.set_defaults(handler=run_handlers)


def _common_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--json", action="store_true", help="print JSON for scripts")
    parser.add_argument(
        "--sandbox",
        action="store_true",
        help="use the built-in demo RingCentral account (run in-process) instead of the settings",
    )


async def run_resources(args: argparse.Namespace) -> int:
    """Print the inventory."""
    from bot.cli.rc_context import open_directory  # the client: loaded to run, not for --help

    async with open_directory(sandbox=args.sandbox) as directory:
        inventory = await directory.inventory()
    if args.json:
        print(json.dumps({"resources": [resource_json(r) for r in inventory.resources]}, indent=2))
        return 0
    rows = [
        [
            r.type.label,
            r.name,
            r.extension_number or "",
            [_number_line(n.phone_number, n.source.label, n.ivr_menu_name) for n in r.phone_numbers]
            or ["(none)"],
            [m.name for m in r.ivr_menus],
        ]
        for r in inventory.resources
    ]
    print(render_table(["TYPE", "NAME", "EXT", "SHARED SMS NUMBERS", "IVR MENUS"], rows))
    return 0


async def run_handlers(args: argparse.Namespace) -> int:
    """Print one resource and its SMS handlers; exit 1 when the query names none or several."""
    from bot.cli.rc_context import open_directory  # the client: loaded to run, not for --help
    from bot.services.lookup import LookupStatus

    query = " ".join(args.query)
    async with open_directory(sandbox=args.sandbox) as directory:
        found = await directory.lookup(query=query)
        if found.status is not LookupStatus.FOUND or found.resource is None:
            message = found.note or f'Nothing matches "{query}".'
            if args.json:
                print(
                    json.dumps(
                        {
                            "error": found.status.value,
                            "message": message,
                            "candidates": [resource_json(c.resource) for c in found.candidates],
                        },
                        indent=2,
                    )
                )
            print(f"sms-handlers: {message}", file=sys.stderr)
            return 1
        resource = found.resource
        handlers = await directory.handlers(resource_id=resource.id)
    if args.json:
        body = {
            "resource": resource_json(resource),
            "recipients": [handler_json(r) for r in handlers],
        }
        print(json.dumps(body, indent=2))
        return 0
    print(_handlers_text(resource, handlers, found.note))
    return 0


def resource_json(resource: Resource) -> dict[str, Any]:
    """A resource in the CLI's JSON shape."""
    return {
        "id": resource.id,
        "type": resource.type.value,
        "name": resource.name,
        "extensionNumber": resource.extension_number,
        "phoneNumbers": [
            {"phoneNumber": n.phone_number, "source": n.source.value}
            for n in resource.phone_numbers
        ],
        "ivrMenus": [{"id": m.id, "name": m.name} for m in resource.ivr_menus],
    }


def handler_json(handler: Handler) -> dict[str, Any]:
    """An SMS handler in the CLI's JSON shape."""
    return {
        "id": handler.id,
        "extensionNumber": handler.extension_number,
        "name": handler.name,
        "assignable": handler.assignable,
        "hasLicense": handler.has_license,
    }


def _number_line(phone_number: str, label: str, ivr_menu: str | None) -> str:
    via = f" ({ivr_menu})" if ivr_menu else ""
    return f"{format_phone(phone_number)}  {label}{via}"


def _handlers_text(resource: Resource, handlers: tuple[Handler, ...], note: str | None) -> str:
    where = f" on {resource.site_name}" if resource.site_name else ""
    lines = [f"{resource_title(resource)}{where}"]
    if note:
        lines.append(note)
    numbers = [
        _number_line(n.phone_number, n.source.label, n.ivr_menu_name)
        for n in resource.phone_numbers
    ]
    if numbers:
        lines.append("Shared SMS numbers:")
        lines.extend(f"  {number}" for number in numbers)
    else:
        lines.append("Shared SMS numbers: none")
    lines.append("")
    if not handlers:
        lines.append("SMS handlers: none. Nobody answers SMS on these numbers.")
        return "\n".join(lines)
    lines.append(f"SMS handlers ({len(handlers)}):")
    rows = [
        [r.name, r.extension_number or "", r.id, _warnings(r)]
        for r in sorted(handlers, key=lambda r: r.name.lower())
    ]
    table = render_table(["NAME", "EXT", "ID", "NOTES"], rows)
    lines.extend("  " + line for line in table.splitlines())
    return "\n".join(lines)


def _warnings(handler: Handler) -> str:
    notes = []
    if not handler.assignable:
        notes.append("cannot be assigned threads")
    if not handler.has_license:
        notes.append("no thread-messaging licence")
    return "; ".join(notes)
