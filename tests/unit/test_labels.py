"""Resources and people are named one way, in Slack and on the command line."""

from __future__ import annotations

from bot.domain import Resource, ResourceType
from bot.labels import extension_label, person_label, resource_title


def test_extension_numbers_read_as_ext_with_a_dot() -> None:
    assert extension_label("104") == "ext. 104"


def test_a_person_with_and_without_an_extension_number() -> None:
    assert person_label("Ava Chen", "1001") == "Ava Chen (ext. 1001)"
    assert person_label("Ava Chen", None) == "Ava Chen"
    assert person_label("Ava Chen", "") == "Ava Chen"


def test_a_resource_names_its_kind_and_extension() -> None:
    queue = Resource(
        id="4001", type=ResourceType.CALL_QUEUE, name="Support", extension_number="104"
    )
    assert resource_title(queue) == "Support (call queue, ext. 104)"
    main = Resource(id="1", type=ResourceType.MAIN_SITE, name="Main Site", extension_number="101")
    assert resource_title(main) == "Main Site (main site, ext. 101)"
    assert resource_title(Resource(id="5", type=ResourceType.SITE, name="Lab")) == "Lab (site)"


def test_labels_stay_plain_text_for_the_views_to_escape() -> None:
    odd = Resource(id="9", type=ResourceType.SITE, name="R&D <lab>", extension_number="9")
    assert resource_title(odd) == "R&D <lab> (site, ext. 9)"
