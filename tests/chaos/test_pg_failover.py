"""A short fault run on a PostgreSQL pair of its own (``python -m chaos.run --pg-failover``): the
primary is killed and the standby promoted twice mid-run, and nothing is lost or doubled.

It creates two clusters on ports 5433 and 5434 (Debian's pg_createcluster, as root) and removes
them afterwards; the machine's PostgreSQL and RabbitMQ are left alone (no infrastructure faults).
Where the pair cannot be created the test fails with the reason: it never skips.
"""
import json

import pytest

from chaos import faults
from chaos.run import run
from devtools import pg_replica

pytestmark = pytest.mark.chaos

SEED = 20261204
FAILOVERS = 2


def test_a_short_run_over_two_failovers_loses_and_doubles_nothing():
    kinds = set(faults.PROCESS_FAULTS) - {"cut_database_connections"} | {"pg_failover"}
    results = run(SEED, orders=60, fault_count=len(kinds), allow_infra=False, pg_failovers=FAILOVERS)
    verdict = json.dumps(results, indent=2, ensure_ascii=False)
    assert set(results["faults_injected"]) == kinds, verdict
    assert results["faults_injected"]["pg_failover"] == FAILOVERS, verdict
    assert not results["faults_not_injected"], verdict
    assert results["acknowledged_steps"] > 0 and results["acknowledged_lost"] == 0, verdict
    assert results["passed"], verdict
    assert all(node["role"] == "absent" for node in pg_replica.status()["nodes"].values())  # cleaned up
