"""Issue 17 against the real PostgreSQL and RabbitMQ: agreements with shipping and trade kinds over
HTTP, a received share credited and posted once, levy movements v2 naming the parties from the
read model, the routes report, reconciliation of sales only, and migration 0003."""
import datetime as dt
import uuid
from importlib import resources

import pytest
import requests

from chassis.cli import issue_token
from chassis.db import Database, migrate
from contracts import marketplace
from devtools import samples
from devtools.testing import migrate_before, publish_event, query
from funds.adapters import FundsUnitOfWork
from test_funds_ledger_pg import fund, get, order_of, paid, service, wait_for_balance  # noqa: F401

pytestmark = pytest.mark.integration


def post_agreement(fund, **changes):
    body = {"seller_org_id": str(fund["seller_id"]), "basis": "per_unit", "rate": 100, "recipient": "fund",
            "fund_id": str(fund["fund_id"]), "effective_from": "2020-01-01T00:00:00+07:00", **changes}
    return requests.post(f"{fund['base']}/v1/levy-agreements", headers=fund["operator"], json=body, timeout=5)


def register_seller(fund, name_th="วิสาหกิจชุมชนข้าวหอมมะลิชัยภูมิ"):
    database = Database(fund["dsn"], pool_size=1)
    try:
        with database.transaction() as cursor:
            FundsUnitOfWork(cursor).organisations.upsert({"id": fund["seller_id"], "name_th": name_th,
                                                          "home_fund_id": None, "place": samples.place("360101")})
    finally:
        database.close()


def share_of(fund, quantity):
    return {"share_id": uuid.uuid4(), "giver_org_id": fund["seller_id"], "receiver_org_id": uuid.uuid4(),
            "goods": {"product_id": uuid.uuid4(), "product_name": "ข้าวหอมมะลิชัยภูมิ", "category": "rice",
                      "unit": "ถุง", "quantity": quantity},
            "route": samples.route(), "status": "received", "shipment": None,
            "receipt": {"confirmed_by": "buyer", "received_at": dt.datetime.now(dt.timezone.utc)}}


def messages(errors):
    """Every message of a field's errors (a list, or per list item a dict of lists)."""
    if isinstance(errors, dict):
        return [message for nested in errors.values() for message in messages(nested)]
    return list(errors)


def test_agreements_take_shipping_and_trade_kinds_and_refuse_what_they_cannot_say_in_thai(fund):
    made = post_agreement(fund, levies_shipping=True, trade_kinds=["sale", "share"])
    assert made.status_code == 201, made.text
    assert made.json()["levies_shipping"] is True and made.json()["trade_kinds"] == ["sale", "share"]
    [first] = [a for a in get(fund, f"/v1/levy-agreements?seller_org_id={fund['seller_id']}").json()["agreements"]
               if a["id"] != made.json()["id"]]
    assert first["levies_shipping"] is False and first["trade_kinds"] == ["sale"]  # the defaults
    for changes, field in [({"trade_kinds": ["gift"]}, "trade_kinds"), ({"trade_kinds": []}, "trade_kinds"),
                           ({"basis": "basis_points", "trade_kinds": ["exchange"]}, "trade_kinds"),
                           ({"levies_shipping": "sometimes"}, "levies_shipping")]:
        refused = post_agreement(fund, **changes)
        assert refused.status_code == 400, (changes, refused.text)
        for message in messages(refused.json()["error"]["fields"][field]):
            assert "\u0e00" <= message[0] <= "\u0e7f" and "(" in message, message  # Thai, then English
    assert len(get(fund, f"/v1/levy-agreements?seller_org_id={fund['seller_id']}").json()["agreements"]) == 2
    revised = requests.put(f"{fund['base']}/v1/levy-agreements/{first['id']}", headers=fund["operator"], timeout=5,
                           json={k: first[k] for k in ("seller_org_id", "basis", "rate", "recipient", "fund_id",
                                                       "effective_from")} | {"trade_kinds": ["sale", "share"]})
    assert revised.status_code == 201 and revised.json()["trade_kinds"] == ["sale", "share"]


def test_a_received_share_is_credited_and_posted_once_with_the_parties_named(fund, amqp_uri):
    register_seller(fund)
    assert post_agreement(fund, basis="per_order", rate=2_000, trade_kinds=["share"]).status_code == 201
    share = share_of(fund, 10)
    event_id, _ = publish_event(amqp_uri, marketplace.SHARE_RECEIVED, share)
    wait_for_balance(fund, posted=2_000, pending=0)
    publish_event(amqp_uri, marketplace.SHARE_RECEIVED, share, event_id=event_id)  # redelivered
    publish_event(amqp_uri, marketplace.SHARE_RECEIVED, share)  # the same share told again
    publish_event(amqp_uri, marketplace.ORDER_PAID, paid(order_of(fund, bags=1)))  # consumed after them
    wait_for_balance(fund, posted=2_000, pending=400)
    [credit] = query(fund["dsn"], "SELECT trade_kind, origin_province_code, destination_province_group, status"
                     " FROM credits WHERE order_id = %s", (share["share_id"],))
    assert credit == {"trade_kind": "share", "origin_province_code": "36", "destination_province_group": 17,
                      "status": "posted"}
    entries = get(fund, f"/v1/funds/{fund['fund_id']}/entries?order_id={share['share_id']}").json()["entries"]
    assert {(e["kind"], e["trade_kind"]) for e in entries} == {("levy_pending", "share"), ("levy_posted", "share")}
    outbox = query(fund["dsn"], "SELECT routing_key, body::jsonb AS body FROM outbox WHERE body LIKE %s"
                   " ORDER BY id", (f"%{share['share_id']}%",))
    assert [row["routing_key"] for row in outbox] == ["levy.pending", "levy.posted"]
    for row in outbox:
        assert row["body"]["version"] == 2
        data = row["body"]["data"]
        assert data["trade_kind"] == "share" and data["seller"]["name_th"] == "วิสาหกิจชุมชนข้าวหอมมะลิชัยภูมิ"
        assert data["seller"]["province_name_th"] == "ชัยภูมิ" and data["buyer"]["name_th"] is None
        assert data["route"]["destination"]["province_name_th"] == "ภูเก็ต"


def test_an_order_with_a_shipping_line_levies_the_fee_only_under_an_agreement_that_says_so(fund, amqp_uri):
    order = order_of(fund, bags=2)
    order["lines"].append({"line_no": 2, "kind": "shipping", "product_id": None, "product_name": "ค่าจัดส่ง",
                           "category": "shipping", "unit": "ครั้ง", "quantity": 1, "unit_price_satang": 12_000})
    order["total_satang"] += 12_000
    publish_event(amqp_uri, marketplace.ORDER_PAID, paid(order))
    wait_for_balance(fund, posted=0, pending=800)  # 400 a bag, the fee not levied
    assert post_agreement(fund, basis="basis_points", rate=500, levies_shipping=True,
                          category="none-of-these").status_code == 201
    again = {**order, "order_id": uuid.uuid4()}
    publish_event(amqp_uri, marketplace.ORDER_PAID, paid(again))
    wait_for_balance(fund, posted=0, pending=800 + 800 + 600)  # and 5 % of the fee
    [row] = query(fund["dsn"], "SELECT body::jsonb -> 'data' -> 'lines' AS lines FROM outbox WHERE body LIKE %s"
                  " AND body LIKE '%%shipping%%'", (f"%{again['order_id']}%",))
    assert [(line["kind"], line["product_id"], line["levy_satang"]) for line in row["lines"]] == [
        ("shipping", None, 600)]


def test_the_routes_report_gives_levy_and_volume_per_route_in_thai(fund, amqp_uri, test_env):
    assert post_agreement(fund, rate=100, trade_kinds=["share"]).status_code == 201
    publish_event(amqp_uri, marketplace.ORDER_PAID, paid(order_of(fund, bags=3)))
    publish_event(amqp_uri, marketplace.SHARE_RECEIVED, {**share_of(fund, 5), "route": samples.route(
        "830101", "360101")})
    wait_for_balance(fund, posted=500, pending=1_200)

    def route_of(report, route_th):
        return next(r for r in report["routes"] if r["route_th"] == route_th)

    # other tests' funds share the database: compare the routes this fund's officer sees
    officer = requests.post(f"{fund['base']}/v1/funds/{fund['fund_id']}/officers", headers=fund["operator"],
                            timeout=5, json={"name": "สมศรี ใจดี", "email": f"r{uuid.uuid4().hex[:6]}@example.org"})
    token = issue_token("funds", "officer", uuid.UUID(officer.json()["officer_id"]), environ=test_env)
    own = {"Authorization": f"Bearer {token}"}
    report = get(fund, "/v1/reports/routes?by=province", own).json()
    sale = route_of(report, "ชัยภูมิ → ภูเก็ต")
    assert (sale["pending_satang"], sale["posted_satang"], sale["orders"], sale["units"]) == (1_200, 0, 1, 3)
    assert sale["pending_th"] == "12.00 บาท" and sale["origin"] == {"code": "36", "name_th": "ชัยภูมิ"}
    shared = route_of(report, "ภูเก็ต → ชัยภูมิ")
    assert (shared["posted_satang"], shared["units"]) == (500, 5)
    only_shares = get(fund, "/v1/reports/routes?by=province&trade_kind=share", own).json()
    assert [r["route_th"] for r in only_shares["routes"]] == ["ภูเก็ต → ชัยภูมิ"]
    groups = get(fund, "/v1/reports/routes?by=group", own).json()
    assert {r["destination"]["code"] for r in groups["routes"]} == {"17", "8"}
    rolled = {kind: get(fund, f"/v1/rollups?by=region&trade_kind={kind}", own).json()["groups"]
              for kind in ("sale", "share", "exchange")}
    assert {kind: [(g["key"], g["posted_satang"], g["pending_satang"]) for g in groups]
            for kind, groups in rolled.items()} == {
        "sale": [("south", 0, 1_200)], "share": [("south", 500, 0)], "exchange": [("south", 0, 0)]}
    assert get(fund, "/v1/reports/routes?by=province")  # operators see every fund's
    refused = requests.get(f"{fund['base']}/v1/reports/routes?by=district", headers=own, timeout=5)
    assert refused.status_code == 400 and "by" in refused.json()["error"]["fields"]
    assert requests.get(f"{fund['base']}/v1/reports/routes?by=group", timeout=5).status_code == 401


def test_reconciliation_reads_only_sales_as_the_marketplaces_orders(fund, amqp_uri):
    assert post_agreement(fund, rate=100, trade_kinds=["share"]).status_code == 201
    share = share_of(fund, 2)
    publish_event(amqp_uri, marketplace.SHARE_RECEIVED, share)
    wait_for_balance(fund, posted=200, pending=0)
    database = Database(fund["dsn"], pool_size=1)
    try:
        with database.transaction() as cursor:
            repo = FundsUnitOfWork(cursor).reconciliation
            assert share["share_id"] not in repo.credited_orders(None, None, None, 100_000)
            assert repo.credits_of_orders([share["share_id"]]) == {share["share_id"]: []}
    finally:
        database.close()


def test_migration_0003_keeps_earlier_credits_as_sales_without_a_route(empty_database, tmp_path):
    migrate_before(empty_database, "funds", "0003_trade_kinds_and_routes.sql", tmp_path)
    agreement, credit = uuid.uuid4(), uuid.uuid4()
    query(empty_database, "INSERT INTO levy_agreements (id, version, seller_org_id, basis, rate, recipient, fund_id,"
                          " effective_from) VALUES (%s, 1, %s, 'basis_points', 100, 'fund', %s, now()) RETURNING id",
          (agreement, uuid.uuid4(), uuid.uuid4()))
    query(empty_database, "INSERT INTO credits (id, order_id, fund_id, agreement_id, agreement_version, seller_org_id,"
                          " buyer_org_id, amount_satang, lines, status, source_event_id) VALUES (%s, %s, %s, %s, 1,"
                          " %s, %s, 400, '[]', 'pending', %s) RETURNING id",
          (credit, uuid.uuid4(), uuid.uuid4(), agreement, uuid.uuid4(), uuid.uuid4(), uuid.uuid4()))

    migrate(empty_database, resources.files("funds").joinpath("migrations"))

    [row] = query(empty_database, "SELECT trade_kind, route, origin_province_code FROM credits WHERE id = %s",
                  (credit,))
    assert row == {"trade_kind": "sale", "route": None, "origin_province_code": None}
    [kept] = query(empty_database, "SELECT levies_shipping, trade_kinds FROM levy_agreements WHERE id = %s",
                   (agreement,))
    assert kept == {"levies_shipping": False, "trade_kinds": ["sale"]}
    with pytest.raises(Exception, match="moneyless_trades_not_in_basis_points"):
        query(empty_database, "UPDATE levy_agreements SET trade_kinds = '{sale,share}' WHERE id = %s RETURNING id",
              (agreement,))


def test_a_completed_exchange_credits_the_side_whose_giver_levies_exchanges(fund, amqp_uri):
    assert post_agreement(fund, rate=300, trade_kinds=["exchange"]).status_code == 201
    offerer = uuid.uuid4()  # no agreement of its own: its goods are levied nothing
    receipt = {"confirmed_by": "buyer", "received_at": dt.datetime.now(dt.timezone.utc)}

    def leg(giver, quantity, route):
        return {"from_org_id": giver, "route": route, "receipt": receipt, "goods": {
            "product_id": uuid.uuid4(), "product_name": "ผ้าทอ", "category": "textile", "unit": "ผืน",
            "quantity": quantity}}

    exchange = {"exchange_id": uuid.uuid4(), "owner_org_id": fund["seller_id"], "offerer_org_id": offerer,
                "owner_leg": leg(fund["seller_id"], 4, samples.route()),
                "offerer_leg": leg(offerer, 9, samples.route("830101", "360101")), "status": "completed"}
    event_id, _ = publish_event(amqp_uri, marketplace.EXCHANGE_COMPLETED, exchange)
    wait_for_balance(fund, posted=1_200, pending=0)
    publish_event(amqp_uri, marketplace.EXCHANGE_COMPLETED, exchange, event_id=event_id)  # redelivered
    publish_event(amqp_uri, marketplace.ORDER_PAID, paid(order_of(fund, bags=1)))  # consumed after it
    wait_for_balance(fund, posted=1_200, pending=400)
    [credit] = query(fund["dsn"], "SELECT trade_kind, seller_org_id, buyer_org_id, origin_province_code"
                     " FROM credits WHERE order_id = %s", (exchange["exchange_id"],))
    assert credit == {"trade_kind": "exchange", "seller_org_id": fund["seller_id"], "buyer_org_id": offerer,
                      "origin_province_code": "36"}
