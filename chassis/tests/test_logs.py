"""JSON logs with the ids of the work in hand: the formatter and green threads (a running service: tests/integration/test_service_logs.py)."""
import io
import json
import logging
import uuid

import eventlet

from chassis import logs


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
