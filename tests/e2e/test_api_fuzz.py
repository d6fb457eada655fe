"""Schemathesis against the four running services, with real tokens and real ids.

Every operation of each committed OpenAPI document (contracts/openapi/<service>.json, which each
service also serves at GET /openapi.json: checked here) gets API_FUZZ_EXAMPLES generated cases
(default 200 per operation in `make test`, with a fixed seed so a submission is judged on the same
cases; `make fuzz-api` runs 1,000 with a random one), valid and invalid ones, sent
with a bearer token of a kind chosen per case (operator, organisation, officer) to the real processes
on the real broker and database. Path parameters are drawn from the generated values and from ids
that exist (the network devtools.scenario sets up), so handlers run past their 404s. Every response
must be a non-5xx that conforms to the document (status code, content type, headers, body schema),
and an operation that declares the bearer scheme must refuse a request without one.
"""
import json
import os
import uuid
import zlib

import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    ignored_auth,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from chassis import registry
from chassis.cli import issue_token
from devtools import openapi_documents, scenario

pytestmark = pytest.mark.e2e

MAKE_TEST_EXAMPLES = 200
EXAMPLES = int(os.environ.get("API_FUZZ_EXAMPLES", MAKE_TEST_EXAMPLES))
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance,
          response_headers_conformance, response_schema_conformance, ignored_auth]
FUZZ_SETTINGS = settings(max_examples=EXAMPLES, deadline=None, derandomize=EXAMPLES <= MAKE_TEST_EXAMPLES,
                         suppress_health_check=list(HealthCheck), database=None, print_blob=True)


@pytest.fixture(scope="module")
def network(platform):
    """The demo network, an order of each kind of state, a centre, and one email delivery."""
    network = scenario.set_up_network(platform, officer_email=f"fuzz-{uuid.uuid4().hex[:8]}@example.org")
    order, paid = scenario.place_and_pay(platform, network, bags=2)       # through the provider
    unpaid = scenario.place_order(platform, network, bags=1)
    scenario.payment_request(platform, network, unpaid)                  # its provider charge made
    scenario.collect_directly(platform, network)                         # the seller's PromptPay from now on
    direct_unpaid, direct_paid, held = (scenario.place_order(platform, network, bags=1) for _ in range(3))
    scenario.confirm_transfer(platform, network, direct_paid)
    scenario.confirm_transfer(platform, network, held, amount_satang=held["total_satang"] - 1)
    centre = scenario.call("POST", platform.url("centres", "/v1/centres"), network["ops"]["centres"], {
        "name_th": "ศูนย์บ่มเพาะทดสอบ (ข้อมูลสาธิต)", "subdistrict_code": "830101", "intake_year_be": 2568,
        "focus_areas": ["production"], "demo": True})
    distribution_centre = scenario.call("POST", platform.url("centres", "/v1/distribution-centres"),
                                        network["ops"]["centres"], {
        "name_th": "ศูนย์กระจายสินค้าทดสอบ (ข้อมูลสาธิต)", "subdistrict_code": "710101", "address": "ถนนแสงชูโต",
        "opening_hours": [{"days": ["mon"], "opens": "08:30", "closes": "16:30"}],
        "contact": {"name_th": "ผู้ประสานงาน", "phone": "034000000"}, "serves_groups": [12, 17], "demo": True})
    plan = scenario.call("POST", platform.url("centres", "/v1/community-plans"), network["ops"]["centres"], {
        "organisation_id": network["seller"]["organisation_id"], "subdistrict_code": "360101", "year_be": 2568,
        "focus": "production", "demo": True})
    share, exchange, trade_listings = shared_and_exchanged(platform, network)
    fund_id = network["fund"]["fund_id"]
    deliveries = scenario.eventually("the officer's email to be logged", lambda: scenario.call(
        "GET", platform.url("notifications", f"/v1/funds/{fund_id}/deliveries"),
        network["ops"]["notifications"])["deliveries"])
    env = platform.env
    seller, buyer = uuid.UUID(network["seller"]["organisation_id"]), uuid.UUID(network["buyer"]["organisation_id"])
    officer = uuid.UUID(network["officer"]["officer_id"])
    tokens = {
        "centres": [network["ops"]["centres"]],
        "marketplace": [network["ops"]["marketplace"], network["buyer_token"],
                        issue_token("marketplace", "organisation", seller, "fuzz seller", environ=env)],
        "funds": [network["ops"]["funds"], issue_token("funds", "officer", officer, "fuzz officer", environ=env)],
        "notifications": [network["ops"]["notifications"]],
        "web": [network["ops"]["web"]],   # its API is the chassis's own: tokens, health, metrics
    }
    ids = {
        "centres": {"organisation_id": [str(seller), str(buyer)], "fund_id": [fund_id],
                    "centre_id": [centre["centre_id"]], "code": ["830101", "360101"],
                    "distribution_centre_id": [distribution_centre["distribution_centre_id"]],
                    "plan_id": [plan["plan_id"]]},
        "marketplace": {"product_id": [network["product"]["id"], *trade_listings],
                        "share_id": [share["id"]], "exchange_id": [exchange["id"]],
                        "order_id": [order["id"], unpaid["id"], direct_unpaid["id"], direct_paid["id"],
                                     held["id"]],
                        "seller_org_id": [str(seller)]},
        "funds": {"fund_id": [fund_id], "agreement_id": [network["agreement"]["id"]],
                  "month": [paid["paid_at"][:7]]},
        "notifications": {"fund_id": [fund_id], "delivery_id": [deliveries[0]["delivery_id"]]},
        "web": {},
    }
    for service in registry.names():
        RUNTIME[service].update(tokens=tokens[service], ids=ids[service])
    return network


def shared_and_exchanged(platform, network):
    """A share the buyer asked the seller for, and an exchange the buyer offered its own goods in
    (a listing of its own, once the marketplace knows it): (share, exchange, their listings' ids)."""
    ops, marketplace = network["ops"]["marketplace"], (lambda path: platform.url("marketplace", path))

    def new_listing(org_id, kind):
        response = requests.post(marketplace("/v1/products"), timeout=5, headers={"Authorization": f"Bearer {ops}"},
                                 json={"seller_org_id": org_id, "name_th": f"ข้าวเหนียว ({kind}, ข้อมูลสาธิต)",
                                       "unit": "ถุง", "stock": 50, "category": "rice", "listing_kind": kind})
        return response.json() if response.status_code == 201 else None

    seller, buyer = network["seller"]["organisation_id"], network["buyer"]["organisation_id"]
    share_listing, exchange_listing = new_listing(seller, "share"), new_listing(seller, "exchange")
    buyers_goods = scenario.eventually("marketplace to learn of the buyer", lambda: new_listing(buyer, "exchange"))
    share = scenario.call("POST", marketplace("/v1/shares"), network["buyer_token"], {
        "listing_id": share_listing["id"], "quantity": 2,
        "ship_to": {"name": "เครือข่ายสวัสดิการชุมชนภูเก็ต", "address_line": "ถนนถลาง", "subdistrict_code": "830101"}})
    exchange = scenario.call("POST", marketplace("/v1/exchanges"), network["buyer_token"], {
        "listing_id": exchange_listing["id"], "quantity": 2, "offered_listing_id": buyers_goods["id"],
        "offered_quantity": 3})
    return share, exchange, [share_listing["id"], exchange_listing["id"], buyers_goods["id"]]


# tokens and ids of each service, filled in by the ``network`` fixture before any case is generated
# (the hook reads them at generation time)
RUNTIME = {service: {"tokens": [], "ids": {}} for service in registry.names()}


def committed_schema(service):
    """The committed document of ``service``; path parameters are drawn from generated values and
    from the ids that exist."""
    schema = schemathesis.openapi.from_path(openapi_documents.DIRECTORY / f"{service}.json")

    @schema.hook
    def flatmap_path_parameters(context, path_parameters):
        ids = RUNTIME[service]["ids"]
        return st.fixed_dictionaries({
            name: st.one_of(st.just(value), st.sampled_from(ids[name])) if ids.get(name) else st.just(value)
            for name, value in (path_parameters or {}).items()})

    return schema


@pytest.fixture(scope="module")
def session():
    with requests.Session() as session:
        yield session


def call_and_validate(case, platform, service, session):
    """Send the case with one of the service's tokens (chosen by the case's content, so a rerun of
    the same case uses the same token) and run the checks."""
    tokens = RUNTIME[service]["tokens"]
    drawn = repr((case.path_parameters, case.query, case.body)).encode()
    token = tokens[zlib.crc32(drawn) % len(tokens)]
    if (case.method.upper(), case.path) == ("DELETE", "/v1/tokens/current"):  # signing out revokes it
        token = issue_token(service, "operator", label="fuzz sign-out", environ=platform.env)
    case.call_and_validate(base_url=platform.url(service), session=session, checks=CHECKS, timeout=10,
                           headers={"Authorization": f"Bearer {token}"})


def api_test(service):
    """One test per operation of the service's document."""
    @committed_schema(service).parametrize()
    @FUZZ_SETTINGS
    def test(case, platform, network, session):
        call_and_validate(case, platform, service, session)

    test.__name__ = test.__qualname__ = f"test_{service}_api"
    return test


test_centres_api = api_test("centres")
test_marketplace_api = api_test("marketplace")
test_funds_api = api_test("funds")
test_notifications_api = api_test("notifications")
test_web_api = api_test("web")


@pytest.mark.parametrize("service", registry.names())
def test_each_service_serves_the_committed_document(platform, service):
    served = requests.get(platform.url(service, "/openapi.json"), timeout=10)
    assert served.status_code == 200
    committed = json.loads((openapi_documents.DIRECTORY / f"{service}.json").read_text(encoding="utf-8"))
    assert served.json() == committed, f"{service} serves another document: run `make contracts`"
