"""The lookup index answers every query exactly like the plain scan of every resource."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.domain import IvrMenu, NumberSource, Resource, ResourceType, SharedNumber
from bot.services.lookup import LookupIndex, LookupStatus, resolve
from bot.services.ranking import ScanFinder

# Few words, so names share words, prefixes, fragments and kind words; numbers with leading zeros.
WORDS = (
    "support", "sup", "port", "portland", "sales", "sale", "main", "site", "queue", "call",
    "office", "boston", "zürich", "zurich", "büro", "after", "hours", "menu", "help", "desk",
    "1", "01", "001", "10", "010", "2", "company", "cq", "es", "tier", "a",
)  # fmt: skip
SEPARATORS = (" ", " ", "-", " & ", "_", ".", "  ")
PHONES = tuple(f"+1650555{n:04d}" for n in range(100, 112))


def names(max_words: int = 3) -> st.SearchStrategy[str]:
    return st.builds(
        lambda words, seps, upper: (
            "".join(
                (w.upper() if up else w.capitalize()) + s
                for w, s, up in zip(words, seps, upper, strict=False)
            ).strip(" -._&")
            or "x"
        ),
        st.lists(st.sampled_from(WORDS), min_size=1, max_size=max_words),
        st.lists(st.sampled_from(SEPARATORS), min_size=max_words, max_size=max_words),
        st.lists(st.booleans(), min_size=max_words, max_size=max_words),
    )


@st.composite
def inventories(draw: st.DrawFn) -> tuple[Resource, ...]:
    count = draw(st.integers(min_value=0, max_value=12))
    resources = []
    for position in range(count):
        kind = (
            ResourceType.MAIN_SITE
            if position == 0 and draw(st.booleans())
            else draw(st.sampled_from([ResourceType.SITE, ResourceType.CALL_QUEUE]))
        )
        menus = tuple(
            IvrMenu(f"m{position}-{i}", draw(names(2)), draw(st.sampled_from(["", "110", "2"])))
            for i in range(draw(st.integers(0, 2)))
        )
        numbers = tuple(
            SharedNumber(phone, NumberSource.COMPANY_NUMBER, draw(st.sampled_from([None, "Menu"])))
            for phone in draw(st.lists(st.sampled_from(PHONES), max_size=2, unique=True))
        )
        resources.append(
            Resource(
                id=str(1000 + position),
                type=kind,
                name=draw(names()),
                extension_number=draw(st.sampled_from([None, str(100 + position), "101", "01"])),
                phone_numbers=numbers,
                ivr_menus=tuple(IvrMenu(m.id, m.name, m.extension_number or None) for m in menus),
            )
        )
    return tuple(resources)


FIXED_QUERIES = (
    "main", "Main-Site", "company", "queues", "sites", "site", "call queue", "resources",
    "101", "1001", "110", "ext 101", "x110", "#2", "1000", "1003", "01", "2",
    "(650) 555-0101", "+16505550105", "650.555.0111", "555-0100", "!!!", "—", "qqqq",
    "suport", "bostn ofice", "por", "es", "sup port", "zurich", "ZÜRICH",
)  # fmt: skip
KIND_AROUND = ("", "queue ", "call queue ", " queue", " site", "cq-", " sites")


@st.composite
def queries_for(draw: st.DrawFn, resources: tuple[Resource, ...]) -> str:
    """A query like people type: often a resource's or a menu's name, whole or in part."""
    known = [r.name for r in resources] + [m.name for r in resources for m in r.ivr_menus]
    known += [r.extension_number or r.id for r in resources]
    known += [m.extension_number or "" for r in resources for m in r.ivr_menus]
    if not known or draw(st.integers(0, 3)) == 0:
        return draw(
            st.one_of(
                names(3),
                st.sampled_from(WORDS + FIXED_QUERIES),
                st.text(alphabet="abcdeilnoprstuüz 0123-&", min_size=1, max_size=12),
            )
        )
    base = draw(st.sampled_from(known)) or "x"
    how = draw(st.sampled_from(["whole", "prefix", "fragment", "words", "typo"]))
    if how == "prefix":
        base = base[: draw(st.integers(1, len(base)))]
    elif how == "fragment":
        start = draw(st.integers(0, len(base) - 1))
        base = base[start : start + draw(st.integers(1, 6))]
    elif how == "words":
        words = base.split()
        base = " ".join(w[: draw(st.integers(1, len(w)))] for w in words) or base
    elif how == "typo":
        at = draw(st.integers(0, len(base) - 1))
        base = base[:at] + draw(st.sampled_from(["", "x", "e"])) + base[at + 1 :]
    around = draw(st.sampled_from(KIND_AROUND))
    text = around + base if not around.startswith(" ") else base + around
    return text.upper() if draw(st.booleans()) else text


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data(), resources=inventories())
def test_the_index_answers_exactly_like_the_scan(
    data: st.DataObject, resources: tuple[Resource, ...]
) -> None:
    index = LookupIndex(resources)
    for _ in range(5):
        query = data.draw(queries_for(resources))
        assert resolve(query, index) == resolve(query, ScanFinder(resources)), query


def test_an_index_is_reused_for_many_queries() -> None:
    sites = tuple(
        Resource(id=str(i), type=ResourceType.SITE, name=f"Site {i:03d}", extension_number=str(i))
        for i in range(1, 200)
    )
    index = LookupIndex(sites)

    assert resolve("site 7", index).resource is sites[6]
    assert resolve("199", index).resource is sites[198]
    assert resolve("stie 042", index).status is LookupStatus.NOT_FOUND
    assert resolve("stie 042", index).candidates[0].resource is sites[41]
