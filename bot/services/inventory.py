"""Build the inventory of common resources from RingCentral's list answers.

Pure functions: `Directory` fetches the lists (a few paged calls) and calls `build_inventory`.
Rules (RINGCENTRAL.md): the main site is the extension of type CompanyExtension (never found by
name) and owns the MainCompanyNumber and CompanyNumber numbers; a sub-site owns its direct
numbers; a call queue owns its direct numbers; an IVR menu's direct numbers belong to the menu's
site (the main site when the menu names none). FaxOnly numbers, users' direct numbers and
numbers assigned to no extension are never SMS numbers.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field

from bot.domain import IvrMenu, NumberSource, Resource, ResourceType, SharedNumber
from bot.ringcentral.models import ExtensionRecord, PhoneNumberRecord

logger = logging.getLogger(__name__)

COMPANY_EXTENSION = "CompanyExtension"
SITE = "Site"
CALL_QUEUE = "Department"
IVR_MENU = "IvrMenu"
MAIN_SITE_REF = "main-site"  # how RingCentral names the main site in `site.id`

# The extension types and number usage types the inventory reads.
INVENTORY_EXTENSION_TYPES = (COMPANY_EXTENSION, SITE, CALL_QUEUE, IVR_MENU)
SHARED_USAGE_TYPES = ("MainCompanyNumber", "CompanyNumber", "DirectNumber")

_SOURCE_ORDER = {source: index for index, source in enumerate(NumberSource)}
_TYPE_ORDER = {ResourceType.MAIN_SITE: 0, ResourceType.SITE: 1, ResourceType.CALL_QUEUE: 2}


@dataclass(frozen=True)
class Inventory:
    """Every common resource, main site first, then sub-sites and call queues by name."""

    resources: tuple[Resource, ...]
    _by_id: Mapping[str, Resource] = field(default_factory=dict, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_by_id", {r.id: r for r in self.resources})

    def get(self, resource_id: str) -> Resource | None:
        """The resource with this id (the main site also answers to "main-site")."""
        if resource_id == MAIN_SITE_REF:
            return self.main_site
        return self._by_id.get(resource_id)

    @property
    def main_site(self) -> Resource | None:
        return next((r for r in self.resources if r.type is ResourceType.MAIN_SITE), None)

    def of_type(self, resource_type: ResourceType) -> tuple[Resource, ...]:
        return tuple(r for r in self.resources if r.type is resource_type)


def build_inventory(
    *, extensions: Iterable[ExtensionRecord], numbers: Iterable[PhoneNumberRecord]
) -> Inventory:
    """The inventory from the extension list and the account's phone numbers."""
    by_type: dict[str, list[ExtensionRecord]] = defaultdict(list)
    for extension in extensions:
        by_type[extension.type or ""].append(extension)
    companies = by_type[COMPANY_EXTENSION]
    if len(companies) > 1:
        logger.warning("RingCentral listed %d company extensions; using the first", len(companies))
    company = companies[0] if companies else None
    if company is None:
        logger.warning("RingCentral listed no company extension: the main site is left out")
    sites = {s.id: s for s in by_type[SITE]}
    ivr_menus = {m.id: m for m in by_type[IVR_MENU]}
    queues = {q.id: q for q in by_type[CALL_QUEUE]}
    site_of = _site_resolver(company, sites)

    owned: dict[str, list[SharedNumber]] = defaultdict(list)
    for number in numbers:
        assignment = _assign(number, company, sites, queues, ivr_menus, site_of)
        if assignment is not None:
            owner_id, shared = assignment
            owned[owner_id].append(shared)

    menus_by_site: dict[str, list[IvrMenu]] = defaultdict(list)
    for menu in ivr_menus.values():
        site_id = site_of(menu)
        if site_id is None:
            logger.warning("IVR menu %s names an unknown site; its numbers are left out", menu.id)
            continue
        menus_by_site[site_id].append(
            IvrMenu(id=menu.id, name=menu.display_name, extension_number=menu.extension_number)
        )

    company_name = company.display_name if company else "Main site"
    resources: list[Resource] = []
    if company is not None:
        resources.append(_resource(company, ResourceType.MAIN_SITE, owned, menus_by_site))
    for site in sites.values():
        resources.append(_resource(site, ResourceType.SITE, owned, menus_by_site))
    for queue in queues.values():
        site_id = site_of(queue)
        site_name = queue.site.name if queue.site else None
        if company is not None and site_id == company.id:
            site_id, site_name = MAIN_SITE_REF, company_name
        elif site_id is not None:
            site_name = sites[site_id].display_name
        elif queue.site is None:
            site_id, site_name = MAIN_SITE_REF, company_name
        else:
            site_id = queue.site.id
        resources.append(
            _resource(
                queue,
                ResourceType.CALL_QUEUE,
                owned,
                menus_by_site,
                site_id=site_id,
                site_name=site_name,
            )
        )
    resources.sort(key=lambda r: (_TYPE_ORDER[r.type], r.name.lower(), r.id))
    return Inventory(resources=tuple(resources))


def _site_resolver(
    company: ExtensionRecord | None, sites: Mapping[str, ExtensionRecord]
) -> Callable[[ExtensionRecord], str | None]:
    """Finds the id of an extension's site (the company's id for the main site).

    No `site` means the main site (accounts without multi-site omit it). A `site` may carry
    only a name (the spec makes `id` optional): it is then matched to a site of that name.
    An unknown site gives None.
    """
    by_name: dict[str, list[str]] = defaultdict(list)
    for site in sites.values():
        by_name[site.display_name.casefold()].append(site.id)
    main_id = company.id if company else None

    def site_of(record: ExtensionRecord) -> str | None:
        ref = record.site
        if ref is None:
            return main_id
        if ref.id is not None:
            if ref.id == MAIN_SITE_REF or ref.id == main_id:
                return main_id
            return ref.id if ref.id in sites else None
        name = (ref.name or "").casefold()
        if company is not None and name == company.display_name.casefold():
            return main_id
        named = by_name.get(name, [])
        return named[0] if len(named) == 1 else None

    return site_of


def _assign(
    number: PhoneNumberRecord,
    company: ExtensionRecord | None,
    sites: Mapping[str, ExtensionRecord],
    queues: Mapping[str, ExtensionRecord],
    ivr_menus: Mapping[str, ExtensionRecord],
    site_of: Callable[[ExtensionRecord], str | None],
) -> tuple[str, SharedNumber] | None:
    """(owner resource id, shared number) for a number that is an SMS number, else None."""
    if number.fax_only or number.phone_number is None:
        return None
    usage, owner = number.usage_type, number.extension_id
    if usage in ("MainCompanyNumber", "CompanyNumber"):
        if company is None:
            return None
        source = (
            NumberSource.MAIN_COMPANY_NUMBER
            if usage == "MainCompanyNumber"
            else NumberSource.COMPANY_NUMBER
        )
        return company.id, SharedNumber(phone_number=number.phone_number, source=source)
    if usage != "DirectNumber" or owner is None:
        return None  # Inventory (unassigned) and other kinds of numbers
    if owner in sites:
        return owner, SharedNumber(number.phone_number, NumberSource.SITE_DIRECT_NUMBER)
    if owner in queues:
        return owner, SharedNumber(number.phone_number, NumberSource.CALL_QUEUE_DIRECT_NUMBER)
    if company is not None and owner == company.id:
        return owner, SharedNumber(number.phone_number, NumberSource.COMPANY_NUMBER)
    menu = ivr_menus.get(owner)
    if menu is not None:
        site_id = site_of(menu)
        if site_id is None:
            return None
        return site_id, SharedNumber(
            number.phone_number, NumberSource.IVR_MENU_DIRECT_NUMBER, menu.display_name
        )
    return None  # a user's (or another extension's) direct number


def _resource(
    record: ExtensionRecord,
    resource_type: ResourceType,
    owned: Mapping[str, list[SharedNumber]],
    menus_by_site: Mapping[str, list[IvrMenu]],
    *,
    site_id: str | None = None,
    site_name: str | None = None,
) -> Resource:
    numbers: dict[str, SharedNumber] = {}  # one entry per number, the most specific source
    for number in sorted(
        owned.get(record.id, []), key=lambda n: (_SOURCE_ORDER[n.source], n.phone_number)
    ):
        numbers.setdefault(number.phone_number, number)
    menus = sorted(menus_by_site.get(record.id, []), key=lambda m: m.name.lower())
    return Resource(
        id=record.id,
        type=resource_type,
        name=record.display_name,
        extension_number=record.extension_number,
        site_id=site_id,
        site_name=site_name,
        phone_numbers=tuple(numbers.values()),
        ivr_menus=tuple(menus),
    )
