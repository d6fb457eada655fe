"""Officers over HTTP against the real PostgreSQL: found by email, seen and changed by themselves
(or an operator), each change told again in full as officer.registered in the same transaction."""
import uuid

import pytest
import requests

from chassis.cli import issue_token
from chassis.db import Database
from devtools.testing import query
from funds.adapters import FundsUnitOfWork

pytestmark = pytest.mark.integration



def new_fund(service):
    fund_id = uuid.uuid4()
    database = Database(service["dsn"], pool_size=1)
    try:
        with database.transaction() as cursor:
            FundsUnitOfWork(cursor).funds.upsert({
                "id": fund_id, "name_th": "กองทุนสวัสดิการชุมชน (ทดสอบ)", "province_code": "36",
                "province_group": 9, "region": "northeast", "centre_id": None, "place": {}})
    finally:
        database.close()
    return fund_id


def register(service, fund_id, email, name="สมชาย รักชุมชน", **more):
    response = requests.post(f"{service['base']}/v1/funds/{fund_id}/officers", headers=service["operator"],
                             timeout=5, json={"name": name, "email": email, **more})
    assert response.status_code == 201, response.text
    return response.json()


def as_officer(service, officer):
    token = issue_token("funds", "officer", uuid.UUID(officer["officer_id"]), environ=service["env"])
    return {"Authorization": f"Bearer {token}"}


def told(service, officer_id):
    """The officer.registered payloads staged for ``officer_id``, oldest first."""
    return [row["data"] for row in query(
        service["dsn"], "SELECT body::jsonb -> 'data' AS data FROM outbox WHERE routing_key = 'officer.registered'"
                        " AND body::jsonb -> 'data' ->> 'officer_id' = %s ORDER BY id", (officer_id,))]


def test_an_operator_finds_the_active_officers_of_an_email_in_any_case_across_funds(service):
    email = f"Somchai.{uuid.uuid4().hex[:6]}@Example.org"
    first, second, third = new_fund(service), new_fund(service), new_fund(service)
    one = register(service, first, email)
    two = register(service, second, email.lower())
    gone = register(service, third, email.upper())
    register(service, first, f"other.{uuid.uuid4().hex[:6]}@example.org")
    with Database(service["dsn"], pool_size=1).transaction() as cursor:
        cursor.execute("UPDATE officers SET active = false WHERE id = %s", (gone["officer_id"],))

    found = requests.get(f"{service['base']}/v1/officers", params={"email": email.swapcase()},
                         headers=service["operator"], timeout=5)
    assert found.status_code == 200, found.text
    officers = found.json()["officers"]
    assert sorted(officer["officer_id"] for officer in officers) == sorted([one["officer_id"], two["officer_id"]])
    assert {officer["fund_id"] for officer in officers} == {str(first), str(second)}
    assert all(officer["active"] and set(officer) == set(one) for officer in officers)

    nobody = requests.get(f"{service['base']}/v1/officers", params={"email": "nobody@example.org"},
                          headers=service["operator"], timeout=5)
    assert nobody.json() == {"officers": []}
    bad = requests.get(f"{service['base']}/v1/officers", params={"email": "not an email"},
                       headers=service["operator"], timeout=5)
    assert bad.status_code == 400 and list(bad.json()["error"]["fields"]) == ["email"]
    missing = requests.get(f"{service['base']}/v1/officers", headers=service["operator"], timeout=5)
    assert missing.status_code == 400
    officer_asks = requests.get(f"{service['base']}/v1/officers", params={"email": email},
                                headers=as_officer(service, one), timeout=5)
    assert officer_asks.status_code == 403


def test_an_officer_changes_their_own_record_and_it_is_told_again_in_full(service):
    fund_id = new_fund(service)
    officer = register(service, fund_id, f"o{uuid.uuid4().hex[:6]}@example.org",
                       preferences={"per_credit": True, "daily_digest_at": "18:00", "monthly_statement": True})
    headers = as_officer(service, officer)
    url = f"{service['base']}/v1/officers/{officer['officer_id']}"

    seen = requests.get(url, headers=headers, timeout=5)
    assert seen.status_code == 200 and seen.json() == officer

    new_email = f"new.{uuid.uuid4().hex[:6]}@example.org"
    changed = requests.patch(url, headers=headers, timeout=5,
                             json={"email": new_email, "language": "en", "preferences": {"daily_digest_at": None}})
    assert changed.status_code == 200, changed.text
    expected = {**officer, "email": new_email, "language": "en",
                "preferences": {"per_credit": True, "daily_digest_at": None, "monthly_statement": True}}
    assert changed.json() == expected
    assert requests.get(url, headers=headers, timeout=5).json() == expected

    assert told(service, officer["officer_id"]) == [officer, expected]  # registered, then changed

    by_operator = requests.patch(url, headers=service["operator"], timeout=5,
                                 json={"name": "สมชาย ใจดี", "preferences": {"monthly_statement": False}})
    assert by_operator.status_code == 200, by_operator.text
    assert by_operator.json()["name"] == "สมชาย ใจดี" and by_operator.json()["preferences"] == {
        "per_credit": True, "daily_digest_at": None, "monthly_statement": False}
    assert len(told(service, officer["officer_id"])) == 3


def test_an_officer_may_not_see_or_change_another(service):
    fund_id = new_fund(service)
    mine = register(service, fund_id, f"a{uuid.uuid4().hex[:6]}@example.org")
    theirs = register(service, fund_id, f"b{uuid.uuid4().hex[:6]}@example.org")
    headers = as_officer(service, mine)
    url = f"{service['base']}/v1/officers/{theirs['officer_id']}"
    assert requests.get(url, headers=headers, timeout=5).status_code == 403
    refused = requests.patch(url, headers=headers, timeout=5, json={"name": "ใครก็ได้"})
    assert refused.status_code == 403 and refused.json()["error"]["message"].startswith("เจ้าหน้าที่")
    assert requests.get(url, headers=service["operator"], timeout=5).json() == theirs
    assert told(service, theirs["officer_id"]) == [theirs]
    organisation = {"Authorization": "Bearer " + issue_token("funds", "organisation", uuid.uuid4(),
                                                             environ=service["env"])}
    assert requests.get(url, headers=organisation, timeout=5).status_code == 403


def test_an_email_another_officer_of_the_fund_has_is_a_conflict(service):
    fund_id, other_fund = new_fund(service), new_fund(service)
    taken = f"taken.{uuid.uuid4().hex[:6]}@example.org"
    register(service, fund_id, taken)
    officer = register(service, fund_id, f"c{uuid.uuid4().hex[:6]}@example.org")
    url = f"{service['base']}/v1/officers/{officer['officer_id']}"
    for email in (taken, taken.upper()):
        conflict = requests.patch(url, headers=as_officer(service, officer), timeout=5, json={"email": email})
        assert conflict.status_code == 409, conflict.text
    assert told(service, officer["officer_id"]) == [officer]
    # the same email in another fund is another officer record: allowed; so is one's own in another case
    elsewhere = register(service, other_fund, f"d{uuid.uuid4().hex[:6]}@example.org")
    moved = requests.patch(f"{service['base']}/v1/officers/{elsewhere['officer_id']}",
                           headers=as_officer(service, elsewhere), timeout=5, json={"email": taken})
    assert moved.status_code == 200, moved.text
    own = requests.patch(url, headers=as_officer(service, officer), timeout=5, json={"email": officer["email"].upper()})
    assert own.status_code == 200 and own.json()["email"] == officer["email"].upper()


@pytest.mark.parametrize("body, field", [
    ({}, "_body"),
    ({"preferences": {}}, "preferences"),
    ({"email": "not an email"}, "email"),
    ({"name": ""}, "name"),
    ({"language": "fr"}, "language"),
    ({"preferences": {"daily_digest_at": "25:00"}}, "preferences"),
    ({"fund_id": str(uuid.UUID(int=1))}, "fund_id"),
    ({"active": False}, "active"),
])
def test_a_bad_change_is_a_400_naming_the_field(service, body, field):
    officer = register(service, new_fund(service), f"e{uuid.uuid4().hex[:6]}@example.org")
    response = requests.patch(f"{service['base']}/v1/officers/{officer['officer_id']}",
                              headers=as_officer(service, officer), timeout=5, json=body)
    assert response.status_code == 400, response.text
    assert list(response.json()["error"]["fields"]) == [field]


def test_an_unknown_officer_is_a_404_for_an_operator(service):
    url = f"{service['base']}/v1/officers/{uuid.uuid4()}"
    assert requests.get(url, headers=service["operator"], timeout=5).status_code == 404
    assert requests.patch(url, headers=service["operator"], timeout=5, json={"name": "x"}).status_code == 404
    assert requests.get(f"{service['base']}/v1/officers/not-a-uuid", headers=service["operator"],
                        timeout=5).status_code == 400
