"""Raw API records are parsed defensively: optional fields may be missing, ids become strings."""

from __future__ import annotations

import pytest

from bot.ringcentral.models import (
    CallQueueRecord,
    ExtensionRecord,
    FeatureRecord,
    IvrMenuRecord,
    MalformedRecord,
    PhoneNumberRecord,
    SiteRecord,
    SmsRecipientRecord,
)


def test_an_extension_id_given_as_an_integer_becomes_a_string() -> None:
    record = ExtensionRecord.from_api(
        {
            "id": 62264425006,
            "extensionNumber": "104",
            "name": "Support",
            "type": "Department",
            "status": "Enabled",
            "site": {"id": "main-site", "name": "HQ"},
        }
    )

    assert record.id == "62264425006"
    assert record.site is not None and (record.site.id, record.site.name) == ("main-site", "HQ")


def test_an_extension_with_only_an_id_is_still_usable() -> None:
    record = ExtensionRecord.from_api({"id": 7})

    assert (record.type, record.status, record.email, record.site) == (None, None, None, None)
    assert record.display_name == "Extension 7"


def test_a_user_name_falls_back_to_the_contact() -> None:
    record = ExtensionRecord.from_api(
        {"id": 1, "type": "User", "contact": {"firstName": "Ava", "lastName": "Chen",
                                              "email": "ava@x.example"}}
    )  # fmt: skip

    assert record.display_name == "Ava Chen"
    assert record.email == "ava@x.example"


@pytest.mark.parametrize(
    "parse",
    [
        ExtensionRecord.from_api,
        CallQueueRecord.from_api,
        SiteRecord.from_api,
        IvrMenuRecord.from_api,
        PhoneNumberRecord.from_api,
        SmsRecipientRecord.from_api,
        FeatureRecord.from_api,
    ],
)
def test_a_record_without_an_id_is_malformed(parse: object) -> None:
    assert callable(parse)
    with pytest.raises(MalformedRecord, match="without an id"):
        parse({"name": "nameless"})


def test_wrongly_typed_fields_are_ignored_rather_than_trusted() -> None:
    record = ExtensionRecord.from_api(
        {"id": 5, "name": ["not", "a", "string"], "site": "main-site", "contact": None,
         "extensionNumber": True}
    )  # fmt: skip

    assert record.name is None and record.site is None and record.extension_number is None


def test_a_company_number_has_no_extension() -> None:
    record = PhoneNumberRecord.from_api(
        {"id": "1", "phoneNumber": "+16505550100", "usageType": "MainCompanyNumber",
         "tollType": "Toll", "status": "Normal"}
    )  # fmt: skip

    assert record.extension_id is None and record.type is None and not record.fax_only


def test_a_direct_number_knows_its_extension_and_fax_only_type() -> None:
    record = PhoneNumberRecord.from_api(
        {"id": "2", "phoneNumber": "+16175550195", "usageType": "DirectNumber",
         "type": "FaxOnly", "extension": {"id": "4002", "extensionNumber": "105"}}
    )  # fmt: skip

    assert (record.extension_id, record.extension_number) == ("4002", "105")
    assert record.fax_only


def test_sms_recipient_flags_default_to_true_when_missing() -> None:
    record = SmsRecipientRecord.from_api({"id": "6001", "hasLicense": False})

    assert record.assignable is True and record.has_license is False
    assert record.name is None


def test_feature_params_and_reason_are_read() -> None:
    record = FeatureRecord.from_api(
        {
            "id": "MessageThreads",
            "available": False,
            "params": [{"name": "siteSupported", "value": "false"}, {"name": "broken"}, "junk"],
            "reason": {"code": "AccountLimitation", "message": "Turned off for the account"},
        }
    )

    assert record.available is False
    assert record.param_flag("siteSupported") is False
    assert record.param_flag("callQueueSupported") is None
    assert (record.reason_code, record.reason_message) == (
        "AccountLimitation",
        "Turned off for the account",
    )


def test_a_call_queue_id_stays_a_string_and_its_site_may_be_missing() -> None:
    record = CallQueueRecord.from_api({"id": "4001", "name": "Support"})

    assert (record.id, record.site) == ("4001", None)
