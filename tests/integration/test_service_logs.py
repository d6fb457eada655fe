"""Services log JSON lines that carry the request, order and event ids (chassis.logs), seen
from a running service."""
import io
import json
import logging
import uuid

import eventlet
import pytest
import requests

from chassis import logs
from chassis.cli import issue_token
from contracts import centres
from devtools.testing import publish_event
from funds.service import FundsService
from marketplace.service import MarketplaceService


@pytest.fixture
def captured():
    """Every record of this process at INFO and above, formatted as the services do."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logs.ServiceJsonFormatter("test"))
    root = logging.getLogger()
    level = root.level
    root.setLevel(logging.INFO)
    root.addHandler(handler)
    yield lambda: [json.loads(line) for line in stream.getvalue().splitlines()]
    root.removeHandler(handler)
    root.setLevel(level)


@pytest.mark.integration
def test_a_running_service_logs_the_request_id_it_returns_and_the_order_in_the_path(
        run_container, config_of, test_env, captured):
    config = config_of("marketplace")
    run_container(MarketplaceService, config)
    base = f"http://{config['WEB_SERVER_ADDRESS']}"
    token = issue_token("marketplace", "operator", None, environ=test_env)
    order_id = str(uuid.uuid4())
    response = requests.get(f"{base}/v1/orders/{order_id}", headers={
        "Authorization": f"Bearer {token}", "X-Request-ID": "trace-42"}, timeout=10)
    assert response.status_code == 404 and response.headers["X-Request-ID"] == "trace-42"
    fresh = requests.get(f"{base}/health/live", timeout=10).headers["X-Request-ID"]
    assert len(fresh) == 32
    lines = captured()
    assert [line for line in lines if line.get("request_id") == "trace-42"
            and line.get("order_id") == order_id], lines
    assert [line for line in lines if line.get("request_id") == fresh], lines


@pytest.mark.integration
def test_a_consumer_logs_the_event_it_handles(run_container, config_of, amqp_uri, captured):
    run_container(FundsService, config_of("funds"))
    event_id, _ = publish_event(amqp_uri, centres.FUND_REGISTERED, {
        "fund_id": uuid.uuid4(), "name_th": "กองทุนทดสอบ", "place": {
            "subdistrict_code": "360101", "district_code": "3601", "province_code": "36",
            "province_group": 8, "region": "northeast"}})
    deadline = eventlet.Timeout(20)
    try:
        while not [line for line in captured() if line.get("event_id") == str(event_id)]:
            eventlet.sleep(0.1)
    finally:
        deadline.cancel()
    [line] = [line for line in captured() if line.get("event_id") == str(event_id)]
    assert line["event_type"] == "centres/fund.registered" and "handled" in line["message"]
