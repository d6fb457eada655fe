"""deploy/rabbitmq/definitions.json and the KEDA ScaledObjects are up to date and complete."""
import runpy
from pathlib import Path

import pytest

from contracts import topology

generate = runpy.run_path(str(Path(__file__).resolve().parents[2] / "deploy" / "generate.py"))


@pytest.mark.parametrize("path", list(generate["OUTPUTS"]), ids=lambda path: path.name)
def test_the_committed_file_is_what_make_contracts_generates(path):
    render = generate["OUTPUTS"][path]
    assert path.read_text(encoding="utf-8") == render(), \
        f"{path} is stale: run `make contracts` and commit it"


def test_every_consumed_queue_has_a_keda_trigger():
    triggers = {(manifest["metadata"]["name"], trigger["metadata"]["queueName"])
                for manifest in generate["keda_manifests"]() for trigger in manifest["spec"]["triggers"]}
    assert triggers == {(consumer, topology.queue_name(consumer, event_type))
                        for consumer, event_types in topology.SUBSCRIPTIONS.items()
                        for event_type in event_types}
