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


def dead_letter(uri, body, headers):
    with Connection(uri) as connection:
        connection.Producer().publish(body, exchange=topology.DEAD_LETTER_EXCHANGE, routing_key="funds",
                                      headers=headers, content_type="application/json",
                                      content_encoding="utf-8", delivery_mode=2)


def drain(uri, queue):
    with Connection(uri) as connection:
        channel = connection.channel()
        bodies = []
        while (message := channel.basic_get(queue)) is not None:
            bodies.append(message.body)
            channel.basic_ack(message.delivery_tag)
        return bodies


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
