"""codi-admin SERVICE dead-letters list|replay against a real broker."""
import json

import pytest
from kombu import Connection

from chassis.broker import Publisher
from chassis.cli import list_dead_letters, main, replay_dead_letters
from contracts import marketplace, topology

pytestmark = pytest.mark.integration

ORIGINAL_QUEUE = topology.queue_name("funds", marketplace.ORDER_PAID)


@pytest.fixture
def broker_env(empty_vhost, monkeypatch):
    publisher = Publisher(empty_vhost)
    publisher.declare_topology()
    publisher.close()
    monkeypatch.setenv("AMQP_URI", empty_vhost)
    return {"AMQP_URI": empty_vhost}


def dead_letter(uri, body, headers, content_type="application/json", content_encoding="utf-8"):
    with Connection(uri) as connection:
        connection.Producer().publish(body, exchange=topology.DEAD_LETTER_EXCHANGE, routing_key="funds",
                                      headers=headers, content_type=content_type,
                                      content_encoding=content_encoding, delivery_mode=2)


def drain_messages(uri, queue):
    """(body, headers, content type, content encoding) of every message in ``queue``, removed."""
    with Connection(uri) as connection:
        channel = connection.channel()
        found = []
        while (message := channel.basic_get(queue)) is not None:
            found.append((message.body, message.headers, message.content_type, message.content_encoding))
            channel.basic_ack(message.delivery_tag)
        return found


def drain(uri, queue):
    return [body for body, *_ in drain_messages(uri, queue)]


def test_list_shows_reasons_and_replay_returns_messages_to_their_queue(broker_env, capsys):
    uri = broker_env["AMQP_URI"]
    ours = json.dumps({"event_id": "1"})
    dead_letter(uri, ours, {"x-dead-letter-reason": "handler error: boom",
                            "x-original-queue": ORIGINAL_QUEUE})
    dead_letter(uri, json.dumps({"event_id": "2"}),
                {"x-death": [{"queue": ORIGINAL_QUEUE, "reason": "delivery_limit", "count": 1}]})

    main(["funds", "dead-letters", "list"])
    listed = capsys.readouterr().out
    assert "handler error: boom" in listed and "2 message(s) in funds.dead-letters" in listed
    assert len(list_dead_letters("funds", broker_env)) == 2, "listing must not remove anything"

    assert replay_dead_letters("funds", limit=1, environ=broker_env) == (1, 1)
    assert replay_dead_letters("funds", environ=broker_env) == (1, 0)
    replayed = drain(uri, ORIGINAL_QUEUE)
    assert [json.loads(body)["event_id"] for body in replayed] == ["1", "2"]


def test_replay_returns_a_poison_message_byte_for_byte_with_its_reason(broker_env):
    uri = broker_env["AMQP_URI"]
    poison = b"\xff\x00 not json"
    dead_letter(uri, poison, {"x-dead-letter-reason": "undecodable body", "x-original-queue": ORIGINAL_QUEUE,
                              "x-death": [{"queue": ORIGINAL_QUEUE, "count": 1}]},
                content_type="application/octet-stream", content_encoding="binary")

    assert replay_dead_letters("funds", environ=broker_env) == (1, 0)
    [(body, headers, content_type, content_encoding)] = drain_messages(uri, ORIGINAL_QUEUE)
    assert (body, content_type, content_encoding) == (poison, "application/octet-stream", "binary")
    assert headers["x-dead-letter-reason"] == "undecodable body" and "x-death" not in headers


def test_a_message_of_unknown_origin_stops_the_replay_and_stays(broker_env):
    uri = broker_env["AMQP_URI"]
    dead_letter(uri, json.dumps({"event_id": "1"}), {"x-dead-letter-reason": "no origin"})
    dead_letter(uri, json.dumps({"event_id": "2"}), {"x-original-queue": ORIGINAL_QUEUE})

    assert replay_dead_letters("funds", environ=broker_env) == (0, 2)
    assert drain(uri, ORIGINAL_QUEUE) == []
