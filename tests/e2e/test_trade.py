"""Sharing and exchange across provinces, as real processes: no money moves, so no levy unless an
agreement lists the kind (the demo network's agreement lists sales only)."""
import pytest

from devtools import scenario

pytestmark = pytest.mark.e2e


def test_a_share_and_an_exchange_travel_their_routes_and_credit_a_sales_only_fund_nothing(platform, network):
    before = scenario.fund_balance(platform, network)
    shared = scenario.share_surplus(platform, network)
    assert shared["status"] == "received" and shared["goods"]["quantity"] == scenario.SHARED_BAGS
    assert (shared["route"]["origin"]["province_code"], shared["route"]["destination"]["province_code"]) == ("36", "83")

    exchanged = scenario.exchange_goods(platform, network)
    assert exchanged["status"] == "completed"
    assert exchanged["owner_leg"]["route"]["origin"]["province_code"] == "36"
    assert exchanged["offerer_leg"]["route"]["origin"]["province_code"] == "83"
    assert all(leg["receipt"] for leg in (exchanged["owner_leg"], exchanged["offerer_leg"]))

    # a paid order told after the trades: its credit is the only change (the queues are separate, so
    # this bounds the wait rather than proving an absence)
    scenario.place_and_pay(platform, network, bags=1)
    after = scenario.wait_for_pending(platform, network, before["pending_satang"] + scenario.LEVY_PER_BAG_SATANG)
    assert after["posted_satang"] == before["posted_satang"]
