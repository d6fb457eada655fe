"""The cluster's addresses as the services get them (no node is started here)."""
from chassis.broker import broker_addresses
from devtools import rabbit_cluster


def test_the_cluster_uri_lists_every_node_of_its_own_and_never_the_machines_broker():
    addresses = broker_addresses(rabbit_cluster.amqp_uri("chaos-1"))
    assert addresses == [f"pyamqp://guest:guest@127.0.0.1:{port}/chaos-1" for port in (5681, 5682, 5683)]
    assert not any(":5672/" in address for address in addresses)


def test_proxies_in_front_of_the_nodes_replace_their_ports():
    assert rabbit_cluster.amqp_uri("v", ports=[40001]) == "pyamqp://guest:guest@127.0.0.1:40001/v"


def test_the_nodes_have_names_and_ports_of_their_own():
    assert [node.name for node in rabbit_cluster.NODES] == ["codi1@localhost", "codi2@localhost", "codi3@localhost"]
    ports = [port for node in rabbit_cluster.NODES for port in (node.amqp_port, node.dist_port)]
    assert len(set(ports)) == 6 and not {5672, 25672} & set(ports)
    assert rabbit_cluster.node_named("codi2@localhost").amqp_port == 5682
