"""The fixed-seed, short version of ``make chaos`` that CI runs on every submission.

It restarts the machine's RabbitMQ and PostgreSQL, so ``make test`` runs it on its own, last.
"""
import json

import pytest

from chaos import faults
from chaos.run import RESULTS, run

pytestmark = pytest.mark.chaos

SEED = 20261124


def test_a_short_fixed_seed_run_loses_and_doubles_nothing():
    kinds = set(faults.PROCESS_FAULTS) | set(faults.INFRA_FAULTS)
    results = run(SEED, orders=60, fault_count=len(kinds) + 4, allow_infra=True)
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "ci.json").write_text(json.dumps(results, indent=2, ensure_ascii=False) + "\n")
    assert set(results["faults_injected"]) == kinds
    assert not results["faults_not_injected"]
    assert results["passed"], json.dumps(results, indent=2, ensure_ascii=False)
