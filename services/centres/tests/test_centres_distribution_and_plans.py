"""Distribution centres, community business plans and planned incubation centres: the domain alone,
in memory."""
import datetime as dt
import uuid

import pytest
from marshmallow import ValidationError

from chassis.errors import Conflict, InvalidInput
from contracts import centres as events
from contracts import decode, encode
from centres import registry, schemas

TODAY = dt.date(2026, 12, 1)  # พ.ศ. 2569
WEEKDAYS = ["mon", "tue", "wed", "thu", "fri"]


def distribution_command(**overrides):
    command = {"name_th": "ศูนย์กระจายสินค้าชุมชนจังหวัดกาญจนบุรี", "subdistrict_code": "710101",
               "address": "ถนนแสงชูโต",
               "opening_hours": [{"days": ["sat"], "opens": "08:30", "closes": "12:00"},
                                 {"days": ["fri", "mon", "wed", "tue", "thu", "mon"], "opens": "08:30",
                                  "closes": "16:30"}],
               "contact": {"name_th": "สมศักดิ์ รักษ์ชุมชน", "phone": "034-000-000", "email": "dc@example.org"},
               "serves_groups": [17, 12, 12, 8]}
    return {**command, **overrides}


def refused_fields(call):
    with pytest.raises(InvalidInput) as refused:
        call()
    return refused.value.fields


def register_distribution_centre(uow, geography, **overrides):
    return registry.register(registry.DISTRIBUTION_CENTRE, uow, geography, distribution_command(**overrides), TODAY)


def test_a_distribution_centre_is_registered_in_order_and_announced_with_a_full_snapshot(uow, geography):
    centre = register_distribution_centre(uow, geography)
    assert centre["place"]["province_name_th"] == "กาญจนบุรี" and centre["place"]["province_group"] == 12
    assert centre["serves_groups"] == [8, 12, 17]
    assert centre["opening_hours"] == [{"days": WEEKDAYS, "opens": "08:30", "closes": "16:30"},
                                       {"days": ["sat"], "opens": "08:30", "closes": "12:00"}]
    assert centre["time_zone"] == "Asia/Bangkok"
    assert centre["contact"]["phone"] == "034000000"
    assert centre["status"] == "active"
    [(event_type, snapshot)] = uow.events
    assert event_type is events.DISTRIBUTION_CENTRE_REGISTERED
    announced = decode(event_type, encode(event_type, snapshot)[1]).data
    assert announced["serves_groups"] == [8, 12, 17] and announced["contact"]["phone"] == "034000000"
    assert announced["opening_hours"][0]["days"] == WEEKDAYS


def test_opening_hours_read_in_thai_with_runs_of_days_as_ranges():
    assert registry.opening_hours_th([
        {"days": WEEKDAYS, "opens": "08:30", "closes": "16:30"},
        {"days": ["sat", "sun"], "opens": "09:00", "closes": "12:00"},
        {"days": ["mon", "wed", "thu", "fri"], "opens": "18:00", "closes": "20:00"}]) == [
        "จันทร์–ศุกร์ 08:30–16:30 น.", "เสาร์ อาทิตย์ 09:00–12:00 น.", "จันทร์ พุธ–ศุกร์ 18:00–20:00 น."]


@pytest.mark.parametrize("overrides, field, words", [
    ({"serves_groups": [19]}, "serves_groups", "19"),
    ({"serves_groups": []}, "serves_groups", "1–18"),
    ({"subdistrict_code": "999999"}, "subdistrict_code", "999999"),
    ({"contact": {"name_th": "ก", "phone": "12345"}}, "contact", "12345"),
    ({"opening_hours": [{"days": ["mon"], "opens": "17:00", "closes": "08:00"}]}, "opening_hours", "17:00"),
    ({"opening_hours": [{"days": ["mon", "tue"], "opens": "08:00", "closes": "12:00"},
                        {"days": ["tue"], "opens": "11:00", "closes": "15:00"}]}, "opening_hours", "อังคาร"),
    ({"opening_hours": []}, "opening_hours", "active"),
    ({"status": "open"}, "status", "closed"),
    ({"opening_hours": [{"days": ["mon"]}]}, "opening_hours", "closes"),  # a PATCH loads nested bodies partially
    ({"opening_hours": [{"days": ["mon"], "opens": "08:00"}, {"days": ["mon"], "opens": "09:00", "closes": "10:00"}]},
     "opening_hours", "closes"),
    ({"contact": {"name_th": "ก"}}, "contact", "phone"),
])
def test_a_bad_distribution_centre_is_refused_naming_the_field_and_nothing_is_written(
        uow, geography, overrides, field, words):
    fields = refused_fields(lambda: register_distribution_centre(uow, geography, **overrides))
    assert field in fields and words in " ".join(fields[field])
    assert uow.distribution_centres.rows == {} and uow.events == []


def test_a_planned_distribution_centre_may_not_know_its_hours_yet(uow, geography):
    assert register_distribution_centre(uow, geography, opening_hours=[], status="planned")["opening_hours"] == []


def test_a_distribution_centre_update_keeps_the_rest_and_refuses_a_twin(uow, geography):
    first = register_distribution_centre(uow, geography)
    second = register_distribution_centre(uow, geography, name_th="ศูนย์กระจายสินค้าท่าม่วง")
    closed = registry.update(registry.DISTRIBUTION_CENTRE, uow, geography, first["distribution_centre_id"],
                             {"status": "closed", "serves_groups": [12]}, TODAY)
    assert (closed["status"], closed["serves_groups"], closed["address"]) == ("closed", [12], "ถนนแสงชูโต")
    assert uow.events[-1][0] is events.DISTRIBUTION_CENTRE_UPDATED
    with pytest.raises(Conflict):
        registry.update(registry.DISTRIBUTION_CENTRE, uow, geography, second["distribution_centre_id"],
                        {"name_th": "ศูนย์กระจายสินค้าชุมชน จังหวัดกาญจนบุรี"}, TODAY)


def test_the_http_schema_refuses_malformed_hours_and_requires_the_contacts_phone():
    schema = schemas.DistributionCentreIn()
    for hours in ([{"days": ["monday"], "opens": "08:00", "closes": "12:00"}],
                  [{"days": ["mon"], "opens": "8:00", "closes": "12:00"}],
                  [{"days": ["mon"], "opens": "08:00", "closes": "24:00"}],
                  [{"days": [], "opens": "08:00", "closes": "12:00"}]):
        with pytest.raises(ValidationError) as refused:
            schema.load(distribution_command(opening_hours=hours))
        assert "opening_hours" in refused.value.messages
    with pytest.raises(ValidationError) as refused:
        schema.load(distribution_command(contact={"name_th": "ก"}))
    assert "phone" in refused.value.messages["contact"]
    assert schema.load(distribution_command())["serves_groups"] == [17, 12, 12, 8]


# -- community business plans ------------------------------------------------------------

@pytest.fixture
def organisation(uow, geography):
    return registry.register_organisation(uow, geography, {
        "name_th": "กลุ่มจักสานต้นคลุ้มตำบลนาทอน", "kind": "producer_group", "subdistrict_code": "910602"})


def plan_command(organisation, **overrides):
    command = {"organisation_id": organisation["organisation_id"], "subdistrict_code": "910602",
               "year_be": 2568, "focus": "production"}
    return {**command, **overrides}


def test_a_plan_is_registered_for_a_registered_organisation_and_announced(uow, geography, organisation):
    plan = registry.register(registry.COMMUNITY_PLAN, uow, geography, plan_command(organisation), TODAY)
    assert (plan["status"], plan["year_be"], plan["place"]["province_name_th"]) == ("drafted", 2568, "สตูล")
    assert plan["organisation_name_th"] == organisation["name_th"]
    event_type, snapshot = uow.events[-1]
    assert event_type is events.COMMUNITY_PLAN_REGISTERED
    assert decode(event_type, encode(event_type, snapshot)[1]).data["focus"] == "production"
    assert "organisation_name_th" not in snapshot  # a name changes: consumers take it from the organisation


@pytest.mark.parametrize("overrides, field", [
    ({"year_be": 2559}, "year_be"), ({"year_be": 2571}, "year_be"), ({"year_be": 2025}, "year_be"),
    ({"focus": "community_finance"}, "focus"), ({"status": "dreaming"}, "status"),
    ({"organisation_id": uuid.uuid4()}, "organisation_id"), ({"subdistrict_code": "000000"}, "subdistrict_code"),
])
def test_a_bad_plan_is_refused_naming_the_field(uow, geography, organisation, overrides, field):
    events_before = list(uow.events)
    fields = refused_fields(lambda: registry.register(
        registry.COMMUNITY_PLAN, uow, geography, plan_command(organisation, **overrides), TODAY))
    assert field in fields
    assert uow.community_plans.rows == {} and uow.events == events_before


def test_a_christian_era_plan_year_gets_the_buddhist_era_hint(uow, geography, organisation):
    fields = refused_fields(lambda: registry.register(
        registry.COMMUNITY_PLAN, uow, geography, plan_command(organisation, year_be=2025), TODAY))
    assert "2568" in fields["year_be"][0]


def test_one_plan_per_organisation_year_focus_and_subdistrict(uow, geography, organisation):
    registry.register(registry.COMMUNITY_PLAN, uow, geography, plan_command(organisation), TODAY)
    registry.register(registry.COMMUNITY_PLAN, uow, geography, plan_command(organisation, year_be=2569), TODAY)
    registry.register(registry.COMMUNITY_PLAN, uow, geography, plan_command(organisation, focus="community_tourism"),
                      TODAY)
    with pytest.raises(Conflict, match="ขององค์กรนี้ ปีนี้ ด้านนี้"):
        registry.register(registry.COMMUNITY_PLAN, uow, geography, plan_command(organisation, status="approved"),
                          TODAY)
    assert len(uow.community_plans.rows) == 3


def test_a_plan_moves_on_by_update(uow, geography, organisation):
    plan = registry.register(registry.COMMUNITY_PLAN, uow, geography, plan_command(organisation), TODAY)
    moved = registry.update(registry.COMMUNITY_PLAN, uow, geography, plan["plan_id"], {"status": "in_progress"},
                            TODAY)
    assert (moved["status"], moved["year_be"]) == ("in_progress", 2568)
    assert uow.events[-1][0] is events.COMMUNITY_PLAN_UPDATED


# -- incubation centres still to open ---------------------------------------------------------

def centre_command(**overrides):
    command = {"name_th": "ศูนย์บ่มเพาะตำบลท่าม่วง", "subdistrict_code": "710601", "intake_year_be": 2570,
               "focus_areas": ["processing_marketing"]}
    return {**command, **overrides}


def test_a_planned_centre_takes_an_intake_year_a_few_years_ahead_an_active_one_does_not(uow, geography):
    planned = registry.register_centre(uow, geography, centre_command(status="planned", intake_year_be=2574), TODAY)
    assert planned["status"] == "planned"
    fields = refused_fields(lambda: registry.register_centre(
        uow, geography, centre_command(name_th="ศูนย์อื่น", status="planned", intake_year_be=2575), TODAY))
    assert "2574" in fields["intake_year_be"][0]
    fields = refused_fields(lambda: registry.register_centre(
        uow, geography, centre_command(name_th="ศูนย์อื่น", intake_year_be=2574), TODAY))
    assert "2570" in fields["intake_year_be"][0]


def test_a_centre_is_active_unless_said_and_its_event_carries_the_status(uow, geography):
    centre = registry.register_centre(uow, geography, centre_command(), TODAY)
    assert centre["status"] == "active"
    assert uow.events[-1][1]["status"] == "active"
    opened = registry.update(registry.CENTRE, uow, geography, centre["centre_id"], {"status": "planned"}, TODAY)
    assert opened["status"] == "planned" and uow.events[-1][1]["status"] == "planned"


def test_a_centre_event_of_before_the_status_decodes_as_active(uow, geography):
    registry.register_centre(uow, geography, centre_command(), TODAY)
    snapshot = {key: value for key, value in uow.events[-1][1].items() if key != "status"}
    _, body = encode(events.CENTRE_REGISTERED, snapshot)
    assert decode(events.CENTRE_REGISTERED, body).data["status"] == "active"
    assert events.CENTRE_REGISTERED.version == 1  # additive: the same version
