"""deploy/k8s: built-in kinds validate offline against Kubernetes' own schemas (kubernetes-validate);
KEDA's custom resources, for which no schema ships on PyPI, are checked for what KEDA needs."""
import copy
from pathlib import Path

import pytest
import yaml
from kubernetes_validate import utils as kubernetes

from chassis.cli import SERVICES
from contracts import topology

K8S = Path(__file__).resolve().parents[2] / "deploy" / "k8s"
KUBERNETES_VERSION = "1.33.0"
KEDA_KINDS = {"ScaledObject", "TriggerAuthentication"}


def manifests():
    return [manifest for path in sorted(K8S.glob("*.yaml"))
            for manifest in yaml.safe_load_all(path.read_text(encoding="utf-8")) if manifest]


def named(kind):
    return {manifest["metadata"]["name"]: manifest for manifest in manifests() if manifest["kind"] == kind}


@pytest.mark.parametrize("manifest", [m for m in manifests() if m["kind"] not in KEDA_KINDS],
                         ids=lambda m: f"{m['kind']}/{m['metadata']['name']}")
def test_built_in_resources_follow_the_kubernetes_schema_strictly(manifest):
    kubernetes.validate(manifest, KUBERNETES_VERSION, strict=True)


def test_the_validator_refuses_a_misspelt_field():
    broken = copy.deepcopy(named("Deployment")["funds"])
    broken["spec"]["replica"] = broken["spec"].pop("replicas")
    with pytest.raises(kubernetes.ValidationError):
        kubernetes.validate(broken, KUBERNETES_VERSION, strict=True)


@pytest.mark.parametrize("service", SERVICES)
def test_every_service_has_a_deployment_a_service_and_a_disruption_budget(service):
    deployment = named("Deployment")[service]
    container = deployment["spec"]["template"]["spec"]["containers"][0]
    assert container["args"] == [service, "run"]
    assert container["readinessProbe"]["httpGet"]["path"] == "/health/ready"
    assert named("Service")[service]["spec"]["selector"] == {"app": service}
    assert named("PodDisruptionBudget")[service]["spec"]["selector"]["matchLabels"] == {"app": service}


def test_every_consumer_scales_on_its_queues_with_a_known_authentication():
    scaled, authentications = named("ScaledObject"), named("TriggerAuthentication")
    assert set(scaled) == set(topology.SUBSCRIPTIONS)
    for consumer, scaled_object in scaled.items():
        assert scaled_object["spec"]["scaleTargetRef"]["name"] in named("Deployment")
        for trigger in scaled_object["spec"]["triggers"]:
            assert trigger["type"] == "rabbitmq"
            assert {"queueName", "mode", "value"} <= set(trigger["metadata"])
            assert trigger["authenticationRef"]["name"] in authentications
