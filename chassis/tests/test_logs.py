"""JSON logs with the ids of the work in hand: formatter, green threads, and a running service."""
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


def formatted(record_args, **extra):
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logs.ServiceJsonFormatter("funds"))
    logger = logging.getLogger(f"test.logs.{uuid.uuid4().hex}")
    logger.addHandler(handler)
    logger.propagate = False
    logger.warning(*record_args, extra=extra or None)
    return [json.loads(line) for line in stream.getvalue().splitlines()]


def test_one_json_object_per_line_with_service_level_message_and_bound_ids():
    logs.start(event_id="e-1", order_id=None)
    logs.bind(request_id="r-1")
    [line] = formatted(("credited %d satang\nto กองทุน", 400))
    assert line["service"] == "funds" and line["level"] == "WARNING"
    assert line["message"] == "credited 400 satang\nto กองทุน"
    assert (line["event_id"], line["request_id"]) == ("e-1", "r-1") and "order_id" not in line
    assert line["time"].endswith("+00:00")


def test_an_id_given_with_extra_wins_over_the_bound_one():
    logs.start(order_id="bound")
    [line] = formatted(("x",), order_id="given")
    assert line["order_id"] == "given"


def test_each_green_thread_has_its_own_ids_and_a_new_one_starts_with_none():
    logs.start(request_id="spawner")
    seen = {}

    def worker(number):
        seen[f"start-{number}"] = logs.current()
        logs.start(event_id=number)
        eventlet.sleep(0.01)  # the others run and bind their own meanwhile
        seen[number] = logs.current()

    for thread in [eventlet.spawn(worker, number) for number in range(5)]:
        thread.wait()
    assert all(seen[number] == {"event_id": str(number)} for number in range(5))
    assert all(seen[f"start-{number}"] == {} for number in range(5))
    assert logs.current() == {"request_id": "spawner"}


class Request:
    def __init__(self, headers, path_values=None):
        self.headers, self.environ, self.path_values = headers, {}, path_values


def test_a_request_id_is_the_clients_when_it_is_a_short_token_else_a_new_one():
    assert logs.request_ids(Request({"X-Request-ID": "abc-123.4:5_6"}))["request_id"] == "abc-123.4:5_6"
    for bad in ("", "has space", "x" * 129, "quote\"", "ไทย"):
        request = Request({"X-Request-ID": bad})
        made = logs.request_ids(request)["request_id"]
        assert made != bad and len(made) == 32
        assert logs.request_ids(request)["request_id"] == made  # the same for the whole request
    order_id = str(uuid.uuid4())
    assert logs.request_ids(Request({}, {"order_id": order_id}))["order_id"] == order_id


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
    from marketplace.service import MarketplaceService

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
    from funds.service import FundsService

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
    assert line["event_type"] == "centres/fund.registered" and "finished" in line["message"]
