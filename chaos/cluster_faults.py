"""Faults of the run's own three-node RabbitMQ cluster (``devtools.rabbit_cluster``), never of the
machine's broker. Each is a function of (harness, random generator) returning a short description,
and each ends with all three nodes running together again, so the next fault starts from a whole
cluster.

The partition cuts one node's Erlang distribution links to the other two and keeps them from
reconnecting (it gives the node a wrong cookie for each of them, ``erlang:set_cookie/2``), while its
AMQP listener and the CLI stay reachable: with ``pause_minority`` the cut-off node stops serving,
its clients go to the majority, and it rejoins once given the right cookies back.
"""
import time

from devtools import rabbit_cluster
from devtools.rabbit_cluster import NODES

DOWN_SECONDS = 5  # long enough for the clients on the lost node to reconnect elsewhere and work on
PARTITION_SECONDS = 10
QUEUE_PREFIX = "funds."  # the credits' queues: the leader killed is one of theirs


def _leader(harness, rng):
    queues = [q for q in rabbit_cluster.quorum_queues(harness.vhost)
              if q["name"].startswith(QUEUE_PREFIX) and not q["name"].endswith("dead-letters")]
    paid = [q for q in queues if q["name"].endswith("order.paid")]
    queue = (paid or queues)[0] if rng.random() < 0.5 else rng.choice(queues)
    return queue["name"], rabbit_cluster.node_named(queue["leader"])


def kill_queue_leader(harness, rng):
    """SIGKILL the node leading a funds queue; restart it after a few seconds."""
    queue, leader = _leader(harness, rng)
    rabbit_cluster.kill_node(leader)
    time.sleep(DOWN_SECONDS)
    _, new_leader = next(((q["name"], q["leader"]) for q in rabbit_cluster.quorum_queues(harness.vhost)
                          if q["name"] == queue), (queue, "?"))
    rabbit_cluster.start_node(leader)
    rabbit_cluster.wait_clustered()
    return f"SIGKILL {leader.name} (leader of {queue}; {new_leader} took over), restarted"


def restart_node_app(harness, rng):
    """``rabbitmqctl stop_app``, a few seconds down, ``start_app`` on one node."""
    node = rng.choice(NODES)
    rabbit_cluster.ctl(node, "stop_app")
    time.sleep(DOWN_SECONDS)
    rabbit_cluster.ctl(node, "start_app")
    rabbit_cluster.wait_clustered()
    return f"stop_app/start_app {node.name}"


def _others(node):
    return "[" + ",".join(f"'{other.name}'" for other in NODES if other != node) + "]"


def partition_node(harness, rng):
    """Cut one node off from the other two for a while, then heal."""
    node = rng.choice(NODES)
    rabbit_cluster.ctl(node, "eval", f"[begin erlang:set_cookie(N, codi_partition), erlang:disconnect_node(N) end"
                                     f" || N <- {_others(node)}], ok.")
    try:
        time.sleep(PARTITION_SECONDS)
    finally:
        rabbit_cluster.ctl(node, "eval", f"[erlang:set_cookie(N, erlang:get_cookie()) || N <- {_others(node)}], ok.")
    rabbit_cluster.wait_clustered()
    return f"partitioned {node.name} from the others for {PARTITION_SECONDS}s, healed"


def rolling_restart(harness, rng):
    """Stop and start each node in turn, as an upgrade does: a node is stopped only once no quorum
    queue needs it for its majority (``check_if_node_is_quorum_critical``)."""
    for node in NODES:
        _wait_not_quorum_critical(node)
        rabbit_cluster.ctl(node, "stop")
        rabbit_cluster.start_node(node)
        rabbit_cluster.wait_clustered()
    return "rolling restart of " + ", ".join(node.name for node in NODES)


def _wait_not_quorum_critical(node, timeout=120):
    deadline = time.monotonic() + timeout
    while True:
        try:
            rabbit_cluster.ctl(node, "check_if_node_is_quorum_critical", tool="rabbitmq-queues")
            return
        except RuntimeError:
            if time.monotonic() > deadline:
                raise
            time.sleep(1)


CLUSTER_FAULTS = {
    "kill_queue_leader": kill_queue_leader,
    "restart_node_app": restart_node_app,
    "partition_node": partition_node,
    "rolling_restart": rolling_restart,
}
