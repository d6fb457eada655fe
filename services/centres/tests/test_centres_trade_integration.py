"""Distribution centres, community business plans, the trade the registry consumes (paid orders,
received shares, completed exchanges) and the coverage they make: the centres service in-process against the real PostgreSQL and RabbitMQ."""
import datetime as dt
import json
import uuid

import pytest
import requests

from chassis import metrics
from contracts import encode, marketplace
from devtools.samples import route
from devtools.scenario import eventually
from devtools.testing import publish_event, publish_raw, query

pytestmark = pytest.mark.integration


def distribution_body(tag, **overrides):
    body = {"name_th": f"ศูนย์กระจายสินค้ากาญจนบุรี {tag}", "subdistrict_code": "710101", "address": "ถนนแสงชูโต",
            "opening_hours": [{"days": ["mon", "tue", "wed", "thu", "fri"], "opens": "08:30", "closes": "16:30"}],
            "contact": {"name_th": "นายสมศักดิ์", "phone": "034-000-000", "email": "dc@example.org"},
            "serves_groups": [12, 17]}
    return {**body, **overrides}


def announced(centres, record_id):
    rows = query(centres["DATABASE_URL"], "SELECT body FROM outbox WHERE body LIKE %s ORDER BY id",
                 (f"%{record_id}%",))
    return [json.loads(row["body"]) for row in rows]


def organisation(api, tag, subdistrict_code, name="กลุ่มผู้ผลิต"):
    status, body = api("POST", "/v1/organisations", {"name_th": f"{name} {tag}", "kind": "producer_group",
                                                     "subdistrict_code": subdistrict_code})
    assert status == 201, body
    return body


def test_a_distribution_centre_is_registered_listed_publicly_and_updated_with_events(api, centres, tag):
    status, centre = api("POST", "/v1/distribution-centres", distribution_body(tag))
    assert status == 201, centre
    assert centre["place"]["province_name_th"] == "กาญจนบุรี" and centre["contact"]["phone"] == "034000000"
    assert centre["opening_hours_th"] == ["จันทร์–ศุกร์ 08:30–16:30 น."] and centre["time_zone"] == "Asia/Bangkok"
    base = f"http://{centres['WEB_SERVER_ADDRESS']}"
    public = requests.get(f"{base}/v1/distribution-centres/{centre['distribution_centre_id']}", timeout=5)
    assert (public.status_code, public.json()) == (200, centre)  # no token needed

    def found(**filters):
        response = requests.get(f"{base}/v1/distribution-centres", params={"q": tag, **filters}, timeout=5)
        assert response.status_code == 200, response.text
        return [item["distribution_centre_id"] for item in response.json()["items"]]
    mine = [centre["distribution_centre_id"]]
    assert found() == found(serves_group=17) == found(province="71") == found(region="central_west") == mine
    assert found(serves_group=8) == found(province_group=17) == found(status="closed") == []

    status, closed = api("PATCH", f"/v1/distribution-centres/{centre['distribution_centre_id']}",
                         {"status": "closed", "serves_groups": [12]})
    assert status == 200, closed
    assert (closed["status"], closed["status_th"], closed["address"]) == ("closed", "ปิดแล้ว", "ถนนแสงชูโต")
    assert found(status="closed") == mine
    registered, updated = announced(centres, centre["distribution_centre_id"])
    assert (registered["event_type"], updated["event_type"]) == ("distribution_centre.registered",
                                                                "distribution_centre.updated")
    assert updated["data"]["serves_groups"] == [12] and updated["data"]["contact"]["name_th"] == "นายสมศักดิ์"
    eventually("the relay to publish both", lambda: query(
        centres["DATABASE_URL"], "SELECT count(*) AS n FROM outbox WHERE published_at IS NOT NULL AND body LIKE %s",
        (f"%{centre['distribution_centre_id']}%",))[0]["n"] == 2)


@pytest.mark.parametrize("overrides, field", [
    ({"serves_groups": [19]}, "serves_groups"),
    ({"serves_groups": [10**30]}, "serves_groups"),
    ({"opening_hours": [{"days": ["mon"], "opens": "17:00", "closes": "08:00"}]}, "opening_hours"),
    ({"opening_hours": [{"days": ["funday"], "opens": "08:00", "closes": "12:00"}]}, "opening_hours"),
    ({"contact": {"name_th": "ก", "phone": "12"}}, "contact"),
    ({"contact": {"name_th": "ก"}}, "contact"),
    ({"subdistrict_code": "999999"}, "subdistrict_code"),
])
def test_a_bad_distribution_centre_is_a_400_naming_the_field_and_writes_nothing(api, centres, tag, overrides, field):
    status, body = api("POST", "/v1/distribution-centres", distribution_body(tag, **overrides))
    assert status == 400, body
    assert field in body["error"]["fields"]
    assert query(centres["DATABASE_URL"], "SELECT 1 FROM distribution_centres WHERE name_th LIKE %s",
                 (f"%{tag}",)) == []
    assert announced(centres, tag) == []


def test_distribution_centres_need_an_operator_to_change_and_a_real_id(api, centres, tag):
    base = f"http://{centres['WEB_SERVER_ADDRESS']}"
    assert requests.post(f"{base}/v1/distribution-centres", json=distribution_body(tag), timeout=5).status_code == 401
    assert api("PATCH", f"/v1/distribution-centres/{uuid.uuid4()}", {"status": "closed"})[0] == 404
    assert api("GET", "/v1/distribution-centres/not-a-uuid")[0] == 400
    assert api("GET", "/v1/distribution-centres", serves_group=19)[0] == 400
    _, centre = api("POST", "/v1/distribution-centres", distribution_body(tag))
    assert api("POST", "/v1/distribution-centres", distribution_body(tag))[0] == 409


def test_community_plans_are_registered_listed_publicly_and_moved_on(api, centres, tag):
    group = organisation(api, tag, "910602")
    plan_body = {"organisation_id": group["organisation_id"], "subdistrict_code": "910602", "year_be": 2568,
                 "focus": "production"}
    status, plan = api("POST", "/v1/community-plans", plan_body)
    assert status == 201, plan
    assert (plan["status"], plan["organisation_name_th"], plan["focus_th"]) == ("drafted", group["name_th"], "การผลิต")
    assert api("POST", "/v1/community-plans", {**plan_body, "status": "approved"})[0] == 409
    assert api("POST", "/v1/community-plans", {**plan_body, "organisation_id": str(uuid.uuid4())})[0] == 400
    assert api("POST", "/v1/community-plans", {**plan_body, "year_be": 2025})[0] == 400
    status, tourism = api("POST", "/v1/community-plans", {**plan_body, "focus": "community_tourism", "year_be": 2567})
    assert status == 201, tourism

    status, moved = api("PATCH", f"/v1/community-plans/{plan['plan_id']}", {"status": "in_progress"})
    assert (status, moved["status"], moved["status_th"]) == (200, "in_progress", "กำลังดำเนินการ")
    assert [event["event_type"] for event in announced(centres, plan["plan_id"])] == [
        "community_plan.registered", "community_plan.updated"]

    base = f"http://{centres['WEB_SERVER_ADDRESS']}"

    def plans(**filters):
        response = requests.get(f"{base}/v1/community-plans",
                                params={"organisation_id": group["organisation_id"], **filters}, timeout=5)
        assert response.status_code == 200, response.text
        return [item["plan_id"] for item in response.json()["items"]]
    assert plans() == [plan["plan_id"], tourism["plan_id"]]  # the latest year first
    assert plans(status="in_progress") == plans(year_be=2568) == plans(focus="production", province="91") == [
        plan["plan_id"]]
    assert plans(region="north") == []
    assert requests.get(f"{base}/v1/community-plans", params={"focus": "fishing"}, timeout=5).status_code == 400
    assert requests.get(f"{base}/v1/community-plans/{plan['plan_id']}", timeout=5).json() == moved


def paid_order(seller_id, order_id=None):
    return {"order_id": order_id or uuid.uuid4(), "seller_org_id": seller_id, "buyer_org_id": uuid.uuid4(),
            "lines": [{"line_no": 1, "kind": "goods", "product_id": uuid.uuid4(), "product_name": "ข้าวหอมมะลิ",
                       "category": "rice", "unit": "ถุง", "quantity": 2, "unit_price_satang": 25000}],
            "route": route("360101", "830101"), "total_satang": 50000, "payment_id": uuid.uuid4(), "amount_satang": 50000,
            "paid_at": dt.datetime(2026, 11, 30, 3, 0, tzinfo=dt.timezone.utc), "payment": {
                "method": "direct_transfer", "provider": None, "charge_id": None, "reference": "CODI-TRADE",
                "confirmed_by": {"kind": "organisation", "id": str(seller_id)},
                "received_at": dt.datetime(2026, 11, 30, 3, 0, tzinfo=dt.timezone.utc)}}


def duplicates_seen():
    return metrics.EVENTS_CONSUMED.labels("centres", marketplace.ORDER_PAID.key, "duplicate")._value.get()


def test_a_paid_order_is_counted_once_however_often_it_is_announced(api, centres, amqp_uri, broker, tag):
    seller = organisation(api, tag, "360101", name="วิสาหกิจข้าวหอมมะลิ")
    order_id = uuid.uuid4()
    duplicates_before = duplicates_seen()
    order = paid_order(seller["organisation_id"], order_id)
    event_id, _ = publish_event(amqp_uri, marketplace.ORDER_PAID, order)
    publish_event(amqp_uri, marketplace.ORDER_PAID, order, event_id=event_id)  # delivered again
    # the same order announced again under another event id, as version 1 (no payment: during a rollout)
    envelope = json.loads(encode(marketplace.ORDER_PAID, paid_order(seller["organisation_id"], order_id))[1])
    envelope["version"] = 1
    del envelope["data"]["payment"]
    publish_raw(amqp_uri, json.dumps(envelope).encode(), marketplace.ORDER_PAID.exchange, marketplace.ORDER_PAID.name)

    dsn = centres["DATABASE_URL"]

    def all_three_handled():  # two event ids in the inbox, and the copy of the first seen as a duplicate
        handled = query(dsn, "SELECT count(*) AS n FROM inbox WHERE consumer = 'on_order_paid'"
                             " AND event_id = ANY(%s::uuid[])", ([str(event_id), envelope["event_id"]],))[0]["n"]
        return handled == 2 and duplicates_seen() - duplicates_before == 1
    eventually("all three to be handled", all_three_handled)
    facts = query(dsn, "SELECT seller_org_id, event_id FROM trade_facts WHERE order_id = %s", (str(order_id),))
    assert [(str(fact["seller_org_id"]), str(fact["event_id"])) for fact in facts] == [
        (seller["organisation_id"], str(event_id))]
    dead = broker.channel().queue_declare(queue="centres.dead-letters", passive=True)
    assert dead.message_count == 0  # the later field was no contract violation


def subdistrict_row(api, province, code):
    status, report = api("GET", "/v1/coverage/subdistrict", province=province, limit=1000)
    assert status == 200, report
    return next((row for row in report["items"] if row["code"] == code), None)


def test_coverage_counts_plans_centres_distribution_centres_and_trade_per_level(api, centres, amqp_uri, tag):
    seller = organisation(api, tag, "450101", name="กลุ่มทอผ้า")  # ในเมือง, ร้อยเอ็ด
    _, province_before = api("GET", "/v1/coverage/province", province="45")
    _, region_before = api("GET", "/v1/coverage/region", region="northeast")

    api("POST", "/v1/community-plans", {"organisation_id": seller["organisation_id"], "subdistrict_code": "450102",
                                        "year_be": 2568, "focus": "production"})
    api("POST", "/v1/centres", {"name_th": f"ศูนย์บ่มเพาะ {tag}", "subdistrict_code": "450103", "intake_year_be": 2570,
                                "status": "planned", "focus_areas": ["production"]})
    api("POST", "/v1/distribution-centres", distribution_body(tag, subdistrict_code="450104"))
    event_id, _ = publish_event(amqp_uri, marketplace.ORDER_PAID, paid_order(seller["organisation_id"]))
    eventually("the sale to be recorded", lambda: query(
        centres["DATABASE_URL"], "SELECT 1 FROM inbox WHERE event_id = %s", (str(event_id),)))

    status, province_after = api("GET", "/v1/coverage/province", province="45")
    assert status == 200, province_after
    [before], [after] = province_before["items"], province_after["items"]
    assert (after["code"], after["name_th"], after["province_group"], after["region"]) == (
        "45", "ร้อยเอ็ด", 7, "northeast")
    assert after["subdistricts"] == before["subdistricts"] > 0
    for figure in ("with_plan", "with_planned_incubation_centre", "with_distribution_centre", "with_trade"):
        assert after[figure] - before[figure] == 1, figure  # no other test places anything in Roi Et
    assert after["with_incubation_centre"] == before["with_incubation_centre"]  # planned is not open
    assert subdistrict_row(api, "45", "450101")["with_trade"] == 1
    assert subdistrict_row(api, "45", "450102")["with_plan"] == 1
    assert subdistrict_row(api, "45", "450103")["with_planned_incubation_centre"] == 1
    assert subdistrict_row(api, "45", "450104")["with_distribution_centre"] == 1
    assert subdistrict_row(api, "45", "450104")["place"]["province_name_th"] == "ร้อยเอ็ด"
    _, region_after = api("GET", "/v1/coverage/region", region="northeast")
    assert region_after["totals"]["with_trade"] - region_before["totals"]["with_trade"] == 1
    assert region_after["items"][0]["name_th"] == "ภาคตะวันออกเฉียงเหนือ (อีสาน)"
    assert api("GET", "/v1/coverage/district")[0] == 400
    assert api("GET", "/v1/coverage/province", province_group=19)[0] == 400
    _, old = api("GET", "/v1/coverage")  # the registrations report as it was
    assert {"regions", "bangkok", "totals", "note"} <= set(old)


RECEIVED_AT = dt.datetime(2026, 12, 1, 4, 0, tzinfo=dt.timezone.utc)


def goods(name="ผ้าทอมือ"):
    return {"product_id": uuid.uuid4(), "product_name": name, "category": "textiles", "unit": "ผืน", "quantity": 3}


def receipt(at=RECEIVED_AT):
    return {"confirmed_by": "buyer", "received_at": at}


def received_share(giver_id, receiver_id, share_id=None):
    return {"share_id": share_id or uuid.uuid4(), "giver_org_id": giver_id, "receiver_org_id": receiver_id,
            "goods": goods(), "route": route("570101", "570102"), "status": "received", "receipt": receipt()}


def completed_exchange(owner_id, offerer_id, exchange_id=None):
    return {"exchange_id": exchange_id or uuid.uuid4(), "owner_org_id": owner_id, "offerer_org_id": offerer_id,
            "owner_leg": {"from_org_id": owner_id, "goods": goods("ข้าวหอมมะลิ"), "route": route("570103", "570104"),
                          "receipt": receipt()},
            "offerer_leg": {"from_org_id": offerer_id, "goods": goods(), "route": route("570104", "570103"),
                            "receipt": receipt(RECEIVED_AT + dt.timedelta(days=1))},
            "status": "completed"}


def handled(centres, *event_ids):
    return lambda: len(query(centres["DATABASE_URL"], "SELECT 1 FROM inbox WHERE event_id = ANY(%s::uuid[])",
                             ([str(event_id) for event_id in event_ids],))) == len(event_ids)


def test_a_received_share_counts_its_giver_and_a_completed_exchange_both_sides_once(api, centres, amqp_uri, broker, tag):
    # เชียงราย: no other test places trade there
    giver = organisation(api, tag, "570101", name="กลุ่มทอผ้าเวียง")
    receiver = organisation(api, tag, "570102", name="กลุ่มรับผ้ารอบเวียง")
    owner = organisation(api, tag, "570103", name="กลุ่มข้าวบ้านดู่")
    offerer = organisation(api, tag, "570104", name="กลุ่มทอผ้านางแล")
    _, before = api("GET", "/v1/coverage/province", province="57")

    share = received_share(giver["organisation_id"], receiver["organisation_id"])
    exchange = completed_exchange(owner["organisation_id"], offerer["organisation_id"])
    share_event, _ = publish_event(amqp_uri, marketplace.SHARE_RECEIVED, share)
    exchange_event, _ = publish_event(amqp_uri, marketplace.EXCHANGE_COMPLETED, exchange)
    # each told again under another event id (a retold receipt): still one trade each
    share_again, _ = publish_event(amqp_uri, marketplace.SHARE_RECEIVED, share)
    exchange_again, _ = publish_event(amqp_uri, marketplace.EXCHANGE_COMPLETED, exchange)
    eventually("all four to be handled", handled(centres, share_event, exchange_event, share_again, exchange_again))

    facts = query(centres["DATABASE_URL"], "SELECT kind, org_id, traded_at, event_id FROM goods_trade_facts"
                                           " WHERE trade_id = ANY(%s::uuid[])",
                  ([str(exchange["exchange_id"]), str(share["share_id"])],))
    latest = RECEIVED_AT + dt.timedelta(days=1)  # an exchange is complete when its second leg is received
    assert sorted((fact["kind"], str(fact["org_id"]), fact["traded_at"], str(fact["event_id"])) for fact in facts) == sorted([
        ("exchange", owner["organisation_id"], latest, str(exchange_event)),
        ("exchange", offerer["organisation_id"], latest, str(exchange_event)),
        ("share", giver["organisation_id"], RECEIVED_AT, str(share_event))])

    _, after = api("GET", "/v1/coverage/province", province="57")
    assert after["items"][0]["with_trade"] - before["items"][0]["with_trade"] == 3
    for code in ("570101", "570103", "570104"):
        assert subdistrict_row(api, "57", code)["with_trade"] == 1, code
    receiving = subdistrict_row(api, "57", "570102")  # the receiver of a share gave nothing
    assert receiving is None or receiving["with_trade"] == 0
    dead = broker.channel().queue_declare(queue="centres.dead-letters", passive=True)
    assert dead.message_count == 0
