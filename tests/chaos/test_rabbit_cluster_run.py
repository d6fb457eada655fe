"""A short fixed-seed fault run over a fresh three-node RabbitMQ cluster of its own
(``python -m chaos.run --rabbit-cluster``): the cluster's fault kinds, each twice, with the process
and webhook faults; none of the machine's RabbitMQ or PostgreSQL is restarted. A cluster that cannot
start fails the test: it is never skipped. The cluster is taken down after the run, also on failure.
"""
import json

import pytest

from chaos import cluster_faults, faults
from chaos.run import RESULTS, run
from devtools import rabbit_cluster

pytestmark = pytest.mark.chaos

SEED = 20261204


def test_a_short_run_over_a_three_node_cluster_loses_and_doubles_nothing():
    kinds = set(faults.PROCESS_FAULTS) | set(cluster_faults.CLUSTER_FAULTS)
    try:
        results = run(SEED, orders=60, fault_count=len(kinds) + len(cluster_faults.CLUSTER_FAULTS), cluster=True)
    finally:
        assert not any(rabbit_cluster.pid_of(node) for node in rabbit_cluster.NODES)
        assert not rabbit_cluster.CLUSTER_DIR.exists()
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "rabbit-cluster-ci.json").write_text(json.dumps(results, indent=2, ensure_ascii=False) + "\n")
    assert set(results["faults_injected"]) == kinds
    assert all(results["faults_injected"][kind] >= 2 for kind in cluster_faults.CLUSTER_FAULTS)
    assert not results["faults_not_injected"]
    assert results["rabbit_cluster"]["members"] == {3: results["rabbit_cluster"]["quorum_queues"]}
    assert results["passed"], json.dumps(results, indent=2, ensure_ascii=False)
