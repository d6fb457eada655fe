"""An organisation's contacts against the real PostgreSQL: kept in the registry, shown to operators
only, searched by email (any case) by operators only, and never announced in its snapshot."""
import json
import uuid

import pytest
import requests

from chassis.cli import issue_token
from devtools.testing import query

pytestmark = pytest.mark.integration


def organisation(api, tag, name, contacts):
    status, body = api("POST", "/v1/organisations", {
        "name_th": f"{name} {tag}", "kind": "community_enterprise", "subdistrict_code": "360101",
        "contacts": contacts})
    assert status == 201, body
    return body


@pytest.fixture
def base(centres):
    return f"http://{centres['WEB_SERVER_ADDRESS']}"


def test_operators_find_organisations_by_any_contacts_email_in_any_case(api, tag):
    email = f"Sompong.{tag}@Example.org"
    first = organisation(api, tag, "วิสาหกิจชุมชนข้าวหอม", [
        {"name_th": "สมปอง ขยันดี", "phone": "081-234-5678", "email": email}])
    second = organisation(api, tag, "กลุ่มผู้ผลิตผ้าไหม", [
        {"name_th": "สมศรี ใจดี", "email": f"somsri.{tag}@example.org"},
        {"name_th": "สมปอง ขยันดี", "role": "เหรัญญิก", "email": email.lower()}])
    organisation(api, tag, "กลุ่มผู้ผลิตน้ำพริก", [{"name_th": "สมหมาย", "email": f"other.{tag}@example.org"}])
    organisation(api, tag, "กลุ่มไม่มีผู้ติดต่อ", [])
    assert first["contacts"] == [{"name_th": "สมปอง ขยันดี", "phone": "0812345678", "email": email}]

    status, page = api("GET", "/v1/organisations", contact_email=email.upper())
    assert status == 200, page
    assert sorted(item["organisation_id"] for item in page["items"]) == sorted(
        [first["organisation_id"], second["organisation_id"]]) and page["total"] == 2
    status, narrowed = api("GET", "/v1/organisations", contact_email=email, q="ผ้าไหม")
    assert [item["organisation_id"] for item in narrowed["items"]] == [second["organisation_id"]]
    assert api("GET", "/v1/organisations", contact_email=f"nobody.{tag}@example.org")[1]["items"] == []
    status, refused = api("GET", "/v1/organisations", contact_email="not an email")
    assert status == 400 and list(refused["error"]["fields"]) == ["contact_email"]


def test_only_operators_search_by_contact_email_or_see_contacts(api, base, tag, test_env):
    email = f"somchai.{tag}@example.org"
    found = organisation(api, tag, "วิสาหกิจชุมชนกาแฟ", [{"name_th": "สมชาย", "email": email}])
    url = f"{base}/v1/organisations"
    assert requests.get(url, params={"contact_email": email}, timeout=5).status_code == 401
    organisation_token = issue_token("centres", "organisation", uuid.UUID(found["organisation_id"]), environ=test_env)
    refused = requests.get(url, params={"contact_email": email}, timeout=5,
                           headers={"Authorization": f"Bearer {organisation_token}"})
    assert refused.status_code == 403 and refused.json()["error"]["message"].startswith("ค้นด้วย contact_email")

    public = requests.get(url, params={"q": f"กาแฟ {tag}"}, timeout=5).json()["items"]
    assert [item["organisation_id"] for item in public] == [found["organisation_id"]]
    assert "contacts" not in public[0]
    one = requests.get(f"{url}/{found['organisation_id']}", timeout=5,
                       headers={"Authorization": f"Bearer {organisation_token}"}).json()
    assert "contacts" not in one and one["name_th"] == found["name_th"]
    assert api("GET", f"/v1/organisations/{found['organisation_id']}")[1]["contacts"][0]["email"] == email


def test_contacts_change_by_patch_and_stay_out_of_the_snapshot(api, centres, tag):
    found = organisation(api, tag, "เครือข่ายเกษตรอินทรีย์", [{"name_th": "สมใจ", "email": f"a.{tag}@example.org"}])
    new_email = f"b.{tag}@example.org"
    status, changed = api("PATCH", f"/v1/organisations/{found['organisation_id']}",
                          {"contacts": [{"name_th": "สมใจ", "email": new_email, "phone": "+66 81 234 5678"}]})
    assert status == 200, changed
    assert changed["contacts"] == [{"name_th": "สมใจ", "phone": "0812345678", "email": new_email}]
    assert api("GET", "/v1/organisations", contact_email=f"a.{tag}@example.org")[1]["items"] == []
    assert len(api("GET", "/v1/organisations", contact_email=new_email)[1]["items"]) == 1
    status, refused = api("PATCH", f"/v1/organisations/{found['organisation_id']}",
                          {"contacts": [{"name_th": "สมใจ", "phone": "12345"}]})
    assert status == 400 and "contacts" in refused["error"]["fields"]
    bodies = [json.loads(row["body"]) for row in query(
        centres["DATABASE_URL"], "SELECT body FROM outbox WHERE body LIKE %s ORDER BY id",
        (f"%{found['organisation_id']}%",))]
    assert len(bodies) == 2 and all("contacts" not in body["data"] for body in bodies)
