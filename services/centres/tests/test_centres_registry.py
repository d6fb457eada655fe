"""Registering and updating centres, organisations and funds: the domain alone, in memory."""
import datetime as dt
import uuid

import pytest

from chassis.errors import Conflict, InvalidInput, NotFound
from contracts import centres as events
from contracts import encode
from centres import registry

TODAY = dt.date(2023, 6, 1)  # พ.ศ. 2566
VALID_MOA = "0994000617721"  # python-stdnum's own example of a valid DBD number


def centre_command(**overrides):
    command = {"name_th": "ศูนย์บ่มเพาะเศรษฐกิจและทุนชุมชนตำบลบ้านปรางค์", "subdistrict_code": "300405",
               "intake_year_be": 2563, "focus_areas": ["community_tourism"],
               "contacts": [{"name_th": "นางสมใจ ใจดี", "role": "ผู้ประสานงาน", "phone": "081-234-5678"}],
               "partner_agencies": ["พอช.", " ", "พอช."]}
    return {**command, **overrides}


def refused_fields(call):
    with pytest.raises(InvalidInput) as refused:
        call()
    return refused.value.fields


def test_a_centre_is_registered_on_its_real_place_and_announced(uow, geography):
    centre = registry.register_centre(uow, geography, centre_command(), TODAY)
    assert centre["place"]["province_name_th"] == "นครราชสีมา"
    assert centre["place"]["province_group"] == 8
    assert centre["contacts"][0]["phone"] == "0812345678"
    assert centre["partner_agencies"] == ["พอช."]
    [(event_type, snapshot)] = uow.events
    assert event_type is events.CENTRE_REGISTERED
    assert snapshot["centre_id"] == centre["centre_id"]
    encode(event_type, snapshot)  # the snapshot satisfies the contract


@pytest.mark.parametrize("year", [2559, 2568, 2020, 0, "2563"])
def test_intake_years_outside_2560_to_next_year_be_are_refused(uow, geography, year):
    fields = refused_fields(lambda: registry.register_centre(
        uow, geography, centre_command(intake_year_be=year), TODAY))
    assert "intake_year_be" in fields
    assert uow.centres.rows == {} and uow.events == []


def test_a_christian_era_year_gets_a_hint_in_buddhist_era(uow, geography):
    fields = refused_fields(lambda: registry.register_centre(
        uow, geography, centre_command(intake_year_be=2020), TODAY))
    assert "2563" in fields["intake_year_be"][0]


def test_next_years_planned_intake_is_accepted(uow, geography):
    assert registry.register_centre(uow, geography, centre_command(intake_year_be=2567), TODAY)


@pytest.mark.parametrize("focus_areas", [[], ["fishing"], ["production", "fishing"]])
def test_focus_areas_must_be_known_and_present(uow, geography, focus_areas):
    fields = refused_fields(lambda: registry.register_centre(
        uow, geography, centre_command(focus_areas=focus_areas), TODAY))
    assert list(fields) == ["focus_areas"]


def test_every_problem_is_reported_at_once(uow, geography):
    fields = refused_fields(lambda: registry.register_centre(uow, geography, centre_command(
        subdistrict_code="999999", intake_year_be=1, focus_areas=[],
        contacts=[{"name_th": "ก", "phone": "12345"}]), TODAY))
    assert set(fields) == {"subdistrict_code", "intake_year_be", "focus_areas", "contacts"}


@pytest.mark.parametrize("phone, expected", [("081-234-5678", "0812345678"), ("+66 81 234 5678", "0812345678"),
                                             ("02 123 4567", "021234567"), ("1234", None), ("0812345", None)])
def test_thai_phone_numbers(phone, expected):
    assert registry.thai_phone(phone) == expected


def test_the_same_name_typed_differently_in_the_same_subdistrict_is_a_duplicate(uow, geography):
    registry.register_centre(uow, geography, centre_command(), TODAY)
    with pytest.raises(Conflict):
        registry.register_centre(uow, geography, centre_command(
            name_th="ศูนย์บ่มเพาะ เศรษฐกิจและทุนชุมชน ตำบลบ้านปรางค์"), TODAY)
    assert len(uow.centres.rows) == 1


def test_the_same_name_in_another_subdistrict_is_another_centre(uow, geography):
    registry.register_centre(uow, geography, centre_command(), TODAY)
    registry.register_centre(uow, geography, centre_command(subdistrict_code="300101"), TODAY)
    assert len(uow.centres.rows) == 2


def test_an_organisation_links_to_an_existing_centre_only(uow, geography):
    centre = registry.register_centre(uow, geography, centre_command(), TODAY)
    command = {"name_th": "กลุ่มท่องเที่ยวบ้านปรางค์", "kind": "community_enterprise", "subdistrict_code": "300405"}
    org = registry.register_organisation(uow, geography, {**command, "centre_id": centre["centre_id"]})
    assert org["centre_id"] == centre["centre_id"]
    fields = refused_fields(lambda: registry.register_organisation(
        uow, geography, {**command, "name_th": "อีกกลุ่ม", "centre_id": uuid.uuid4()}))
    assert list(fields) == ["centre_id"]


@pytest.mark.parametrize("field, value, stored", [
    ("juristic_id", "0-99-4-000-61772-1", VALID_MOA),
    ("tax_id", "1-2345-45678-78-1", "1234545678781"),
])
def test_registration_numbers_are_checked_and_kept_compact(uow, geography, field, value, stored):
    org = registry.register_organisation(uow, geography, {
        "name_th": "วิสาหกิจชุมชนจักสาน", "kind": "community_enterprise", "subdistrict_code": "910602",
        field: value})
    assert org[field] == stored
    assert uow.events[0][1][field] == stored


@pytest.mark.parametrize("field, value", [("juristic_id", "0-99-4-000-61772-3"), ("juristic_id", "1234545678781"),
                                          ("tax_id", "1234545678789"), ("tax_id", "12")])
def test_bad_registration_numbers_are_refused(uow, geography, field, value):
    fields = refused_fields(lambda: registry.register_organisation(uow, geography, {
        "name_th": "วิสาหกิจชุมชนจักสาน", "kind": "community_enterprise", "subdistrict_code": "910602",
        field: value}))
    assert list(fields) == [field]


def test_an_update_announces_the_full_new_snapshot(uow, geography):
    centre = registry.register_centre(uow, geography, centre_command(), TODAY)
    updated = registry.update(registry.CENTRE, uow, geography, centre["centre_id"],
                              {"subdistrict_code": "710202", "focus_areas": ["processing_marketing"]}, TODAY)
    assert updated["place"]["province_name_th"] == "กาญจนบุรี"
    assert updated["name_th"] == centre["name_th"] and updated["intake_year_be"] == 2563
    event_type, snapshot = uow.events[-1]
    assert event_type is events.CENTRE_UPDATED
    assert snapshot["place"]["province_group"] == 12
    assert snapshot["contacts"] == centre["contacts"]
    assert uow.centres.get(centre["centre_id"])["focus_areas"] == ["processing_marketing"]


def test_an_update_is_checked_like_a_registration(uow, geography):
    fund = registry.register_fund(uow, geography, {"name_th": "กองทุนสวัสดิการชุมชนนาทอน", "subdistrict_code": "910602"})
    fields = refused_fields(lambda: registry.update(registry.FUND, uow, geography, fund["fund_id"],
                                                    {"subdistrict_code": "999999"}))
    assert list(fields) == ["subdistrict_code"]
    assert len(uow.events) == 1


def test_renaming_onto_another_bodys_name_is_a_conflict(uow, geography):
    first = registry.register_fund(uow, geography, {"name_th": "กองทุนหนึ่ง", "subdistrict_code": "910602"})
    second = registry.register_fund(uow, geography, {"name_th": "กองทุนสอง", "subdistrict_code": "910602"})
    with pytest.raises(Conflict):
        registry.update(registry.FUND, uow, geography, second["fund_id"], {"name_th": first["name_th"]})
    # keeping one's own name is no conflict
    assert registry.update(registry.FUND, uow, geography, first["fund_id"], {"name_en": "Fund one"})


def test_updating_nothing_or_nobody_is_refused(uow, geography):
    with pytest.raises(NotFound):
        registry.update(registry.ORGANISATION, uow, geography, uuid.uuid4(), {"name_th": "x"})
    fund = registry.register_fund(uow, geography, {"name_th": "กองทุนหนึ่ง", "subdistrict_code": "910602"})
    with pytest.raises(InvalidInput):
        registry.update(registry.FUND, uow, geography, fund["fund_id"], {})


def test_reusing_an_id_is_a_conflict(uow, geography):
    fund = registry.register_fund(uow, geography, {"name_th": "กองทุนหนึ่ง", "subdistrict_code": "910602"})
    with pytest.raises(Conflict):
        registry.register_fund(uow, geography, {"name_th": "อื่น", "subdistrict_code": "360101",
                                                "fund_id": fund["fund_id"]})
