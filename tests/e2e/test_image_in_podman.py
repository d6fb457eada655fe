"""The project's image built and run with podman (make containers, shorter): every service a
container, funds in three, containers killed and restarted under a workload of paid orders, and
the ledger checked. Where podman is missing or cannot run containers this fails, saying why."""
import json
import shutil

import pytest

from chassis import registry
from chaos import containers as container_run
from devtools import containers

pytestmark = pytest.mark.e2e

SEED = 20261204


def test_podman_is_installed_and_runs_containers_here():
    assert shutil.which("podman"), "ไม่พบ podman (podman is not installed): make system-tools installs it"
    reason = containers.can_run_containers(containers.python_image())
    assert reason is None, f"podman รันคอนเทนเนอร์ไม่ได้ (podman cannot run containers here): {reason}"


def test_killed_and_restarted_containers_lose_and_double_nothing():
    results = container_run.run(SEED, orders=60, fault_count=4)
    summary = json.dumps(results, indent=2, ensure_ascii=False)
    assert len(results["containers"]) == len(registry.names()) + 2, summary  # funds.2 and funds.3
    assert results["faults_total"] == 4 and results["faults_during_workload"] >= 1, summary
    funds_queues = {queue: n for queue, n in results["queue_consumers"].items() if queue.startswith("funds.")}
    assert funds_queues and set(funds_queues.values()) == {3}, summary  # the three compete for each queue
    assert results["passed"], summary
