"""The centres service in-process against the real PostgreSQL and RabbitMQ (isolated per run)."""
import json
import uuid

import pytest
import requests

from devtools.scenario import eventually
from devtools.testing import query

pytestmark = pytest.mark.integration


def centre_body(tag, **overrides):
    body = {"name_th": f"ศูนย์บ่มเพาะบ้านปรางค์ {tag}", "subdistrict_code": "300405", "intake_year_be": 2563,
            "focus_areas": ["community_tourism"], "partner_agencies": ["พอช."],
            "contacts": [{"name_th": "นางสมใจ ใจดี", "phone": "081-234-5678", "email": "somjai@example.org"}]}
    return {**body, **overrides}


def events_about(centres, record_id):
    rows = query(centres["DATABASE_URL"], "SELECT body FROM outbox WHERE body LIKE %s ORDER BY id",
                 (f"%{record_id}%",))
    return [json.loads(row["body"]) for row in rows]


def test_a_centre_is_registered_read_and_updated_each_change_staged_as_an_event(api, centres, tag):
    status, centre = api("POST", "/v1/centres", centre_body(tag))
    assert status == 201, centre
    assert centre["place"]["province_name_th"] == "นครราชสีมา"
    assert centre["focus_areas_th"] == ["การท่องเที่ยวโดยชุมชน"]
    assert centre["contacts"][0]["phone"] == "0812345678"
    assert api("GET", f"/v1/centres/{centre['centre_id']}") == (200, centre)

    status, updated = api("PATCH", f"/v1/centres/{centre['centre_id']}",
                          {"focus_areas": ["processing_marketing", "production"], "intake_year_be": 2564})
    assert status == 200, updated
    assert updated["intake_year_be"] == 2564 and updated["name_th"] == centre["name_th"]

    registered, changed = events_about(centres, centre["centre_id"])
    assert (registered["event_type"], changed["event_type"]) == ("centre.registered", "centre.updated")
    assert changed["data"]["focus_areas"] == ["processing_marketing", "production"]
    assert changed["data"]["contacts"][0]["name_th"] == "นางสมใจ ใจดี"  # the full snapshot
    eventually("the relay to publish both", lambda: query(
        centres["DATABASE_URL"], "SELECT count(*) AS n FROM outbox WHERE published_at IS NOT NULL AND body LIKE %s",
        (f"%{centre['centre_id']}%",))[0]["n"] == 2)


def test_centres_are_not_shown_without_a_token(centres, api, tag):
    _, centre = api("POST", "/v1/centres", centre_body(tag))
    base = f"http://{centres['WEB_SERVER_ADDRESS']}"
    assert requests.get(f"{base}/v1/centres/{centre['centre_id']}", timeout=5).status_code == 401
    assert requests.get(f"{base}/v1/centres", timeout=5).status_code == 401


@pytest.mark.parametrize("overrides, field", [
    ({"intake_year_be": 2020}, "intake_year_be"),
    ({"intake_year_be": "2563"}, "intake_year_be"),
    ({"subdistrict_code": "999999"}, "subdistrict_code"),
    ({"focus_areas": ["fishing"]}, "focus_areas"),
    ({"name_th": "   "}, "name_th"),
    ({"contacts": [{"name_th": "ก", "email": "not-an-email"}]}, "contacts"),
    ({"colour": "red"}, "colour"),
])
def test_bad_centre_input_is_a_400_naming_the_field_and_writes_nothing(api, centres, tag, overrides, field):
    status, body = api("POST", "/v1/centres", centre_body(tag, **overrides))
    assert status == 400, body
    assert field in body["error"]["fields"]
    assert query(centres["DATABASE_URL"], "SELECT 1 FROM centres WHERE name_th LIKE %s", (f"%{tag}",)) == []
    assert events_about(centres, tag) == []


def test_duplicates_conflict_and_missing_records_are_404(api, tag):
    _, centre = api("POST", "/v1/centres", centre_body(tag))
    status, body = api("POST", "/v1/centres", centre_body(tag, name_th=f"ศูนย์บ่มเพาะ บ้านปรางค์ {tag}"))
    assert status == 409, body
    assert api("PATCH", f"/v1/centres/{uuid.uuid4()}", {"intake_year_be": 2564})[0] == 404
    assert api("PATCH", "/v1/centres/not-a-uuid", {"intake_year_be": 2564})[0] == 400
    assert api("PATCH", f"/v1/centres/{centre['centre_id']}", {"centre_id": str(uuid.uuid4())})[0] == 400
    assert api("PATCH", f"/v1/centres/{centre['centre_id']}", {"intake_year_be": 1999})[0] == 400


def test_organisations_and_funds_are_updated_with_events_and_registration_numbers_stay_unique(api, centres, tag):
    _, centre = api("POST", "/v1/centres", centre_body(tag))
    status, fund = api("POST", "/v1/funds", {"name_th": f"กองทุนสวัสดิการ {tag}", "subdistrict_code": "300405",
                                              "centre_id": centre["centre_id"]})
    assert status == 201, fund
    moa = "0994000617721"
    status, org = api("POST", "/v1/organisations", {
        "name_th": f"วิสาหกิจชุมชน {tag}", "kind": "วิสาหกิจชุมชน", "subdistrict_code": "300405"})
    assert status == 400  # the API takes kind codes; Thai labels are for CSV files
    status, org = api("POST", "/v1/organisations", {
        "name_th": f"วิสาหกิจชุมชน {tag}", "kind": "community_enterprise", "subdistrict_code": "300405",
        "juristic_id": f"{moa[0]}-{moa[1:3]}-{moa[3]}-{moa[4:7]}-{moa[7:12]}-{moa[12]}"})
    assert status == 201, org
    assert org["juristic_id"] == moa

    status, moved = api("PATCH", f"/v1/organisations/{org['organisation_id']}",
                        {"centre_id": centre["centre_id"], "home_fund_id": fund["fund_id"]})
    assert status == 200, moved
    assert events_about(centres, org["organisation_id"])[-1]["event_type"] == "organisation.updated"
    status, renamed = api("PATCH", f"/v1/funds/{fund['fund_id']}", {"name_en": "Welfare fund"})
    assert (status, renamed["name_en"]) == (200, "Welfare fund")
    assert events_about(centres, fund["fund_id"])[-1]["event_type"] == "fund.updated"

    status, body = api("POST", "/v1/organisations", {
        "name_th": f"อีกวิสาหกิจ {tag}", "kind": "community_enterprise", "subdistrict_code": "910602",
        "juristic_id": moa})
    assert status == 409, body  # the juristic id is someone else's (unique index, one transaction)


def test_lists_filter_by_place_focus_area_and_forgiving_thai_text(api, tag):
    _, korat = api("POST", "/v1/centres", centre_body(tag))
    _, satun = api("POST", "/v1/centres", centre_body(
        tag, name_th=f"ศูนย์จักสานนาทอน {tag}", subdistrict_code="910602", focus_areas=["production"]))
    _, org = api("POST", "/v1/organisations", {"name_th": f"กลุ่มท่องเที่ยวบ้านปรางค์ {tag}", "kind": "producer_group",
                                               "subdistrict_code": "300405", "centre_id": korat["centre_id"]})

    def names(path, **filters):
        status, body = api("GET", path, q=tag, **filters)
        assert status == 200, body
        assert body["total"] == len(body["items"])
        return sorted(item["name_th"] for item in body["items"])

    assert names("/v1/centres") == sorted([korat["name_th"], satun["name_th"]])
    assert names("/v1/centres", region="northeast") == [korat["name_th"]]
    assert names("/v1/centres", province_group=17) == [satun["name_th"]]
    assert names("/v1/centres", province="91", district="9106", subdistrict="910602") == [satun["name_th"]]
    assert names("/v1/centres", focus_area="community_tourism") == [korat["name_th"]]
    assert names("/v1/centres", region="north") == []
    assert names("/v1/organisations", focus_area="community_tourism", region="northeast") == [org["name_th"]]
    assert names("/v1/organisations", centre_id=satun["centre_id"]) == []

    # spaces and a doubled tone mark still find the centre
    status, found = api("GET", "/v1/centres", q=f"บ่่ม เพาะ บ้านปรางค์ {tag}")
    assert [item["centre_id"] for item in found["items"]] == [korat["centre_id"]]
    status, page = api("GET", "/v1/centres", q=tag, limit=1, offset=1)
    assert (page["total"], len(page["items"])) == (2, 1)


@pytest.mark.parametrize("path, stored, typed", [
    ("/v1/centres", "ศูนย์บ่มเพาะบ้านแม่ทา", "ศูนย์บ่มเพาะบ้าน\u0e40\u0e40ม่ทา"),        # two SARA E for SARA AE
    ("/v1/centres", "ศูนย์บ่มเพาะ\u200bบ้าน\u200bโคก", "ศูนย์ บ่ม เพาะ บ้านโคก"),       # ZWSP stored, spaces typed
    ("/v1/organisations", "กลุ่มน้ำพริกบ้านโคก", "กลุ่มน\u0e4d\u0e49\u0e32พริกบ้านโคก"),  # SARA AM as ํ + ้ + า
    ("/v1/organisations", "กลุ่มข้าวหอมมะลิ", "กลุ่มข\u0e49\u0e49าวหอมมะลิ"),          # ไม้โท typed twice
    ("/v1/funds", "กองทุนสวัสดิการหมู่ ๕", "หมู่5"),                                  # Thai digit
])
def test_a_name_is_found_however_it_was_typed(api, tag, path, stored, typed):
    body = ({"subdistrict_code": "300405", "kind": "producer_group"} if path == "/v1/organisations" else
            {"subdistrict_code": "300405"} if path == "/v1/funds" else centre_body(tag))
    status, made = api("POST", path, {**body, "name_th": f"{stored} {tag}"})
    assert status == 201, made
    status, found = api("GET", path, q=f"{typed}{tag}")
    assert status == 200 and [item["name_th"] for item in found["items"]] == [made["name_th"]]


@pytest.mark.parametrize("params, field", [({"region": "mars"}, "region"), ({"province_group": "x"}, "province_group"),
                                           ({"colour": "red"}, "colour"), ({"limit": 0}, "limit"),
                                           ({"kind": "network"}, "kind")])
def test_bad_filters_are_a_400(api, params, field):
    status, body = api("GET", "/v1/centres", **params)
    assert status == 400 and field in body["error"]["fields"]


def test_the_coverage_report_counts_per_group_and_region(api, tag):
    def group8(report):
        region = next(region for region in report["regions"] if region["code"] == "northeast")
        return region, next(group for group in region["groups"] if group["number"] == 8)

    _, before = api("GET", "/v1/coverage")
    api("POST", "/v1/centres", centre_body(tag))
    api("POST", "/v1/organisations", {"name_th": f"กลุ่มผู้ผลิต {tag}", "kind": "producer_group",
                                      "subdistrict_code": "360101"})
    status, after = api("GET", "/v1/coverage")
    assert status == 200
    (region_before, group_before), (region_after, group_after) = group8(before), group8(after)
    assert group_after["name_th"] == "ภาคตะวันออกเฉียงเหนือตอนล่าง 1"
    assert group_after["centres"] - group_before["centres"] == 1
    assert group_after["organisations"] - group_before["organisations"] == 1
    assert region_after["centres"] - region_before["centres"] == 1
    assert after["totals"]["centres"] - before["totals"]["centres"] == 1
