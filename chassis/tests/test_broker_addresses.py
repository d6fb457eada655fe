"""An AMQP_URI naming several brokers (a cluster's nodes): how it is split, shown and failed over."""
from types import SimpleNamespace

from kombu import Connection

from chassis.broker import Publisher, broker_addresses
from chassis.command import address
from chassis.messaging import SafeQueueConsumer

CLUSTER = ("pyamqp://guest:secret@127.0.0.1:5681/chaos;pyamqp://guest:secret@127.0.0.1:5682/chaos;"
           " pyamqp://guest:secret@127.0.0.1:5683/chaos;")


def test_one_broker_is_one_address():
    assert broker_addresses("pyamqp://guest:guest@127.0.0.1:5672/") == ["pyamqp://guest:guest@127.0.0.1:5672/"]


def test_several_brokers_split_on_semicolons_without_blanks():
    assert broker_addresses(CLUSTER) == [f"pyamqp://guest:secret@127.0.0.1:{port}/chaos" for port in (5681, 5682, 5683)]


def test_an_unreachable_cluster_is_named_by_every_node_and_never_its_credentials():
    shown = address(CLUSTER)
    assert shown == "127.0.0.1:5681, 127.0.0.1:5682, 127.0.0.1:5683"
    assert "secret" not in shown
    assert address("pyamqp://guest:guest@broker/") == "broker:5672"


def test_kombu_fails_over_to_the_next_node_round_robin():
    connection = Connection(Publisher(CLUSTER).amqp_uri)
    seen = [connection.as_uri()]
    for _ in range(3):
        connection.maybe_switch_next()
        seen.append(connection.as_uri())
    assert [uri.split("@")[1] for uri in seen] == ["127.0.0.1:5681/chaos", "127.0.0.1:5682/chaos",
                                                   "127.0.0.1:5683/chaos", "127.0.0.1:5681/chaos"]


def test_a_publisher_tries_every_node_before_it_gives_up_a_connection():
    assert Publisher(CLUSTER)._tries_per_round == 3
    assert Publisher("pyamqp://guest:guest@127.0.0.1:5672/")._tries_per_round == 1


def test_the_consumers_connection_warning_names_every_broker_and_no_password(caplog):
    consumer = SafeQueueConsumer()
    consumer.container = SimpleNamespace(config={"AMQP_URI": CLUSTER})
    consumer.on_connection_error(ConnectionRefusedError("refused"), 2)
    assert "secret" not in caplog.text and "guest" not in caplog.text
    assert all(f":{port}" in caplog.text for port in (5681, 5682, 5683))
