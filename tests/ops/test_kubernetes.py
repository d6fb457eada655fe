"""deploy/k8s: built-in kinds validate offline against Kubernetes' own schemas (kubernetes-validate);
KEDA's custom resources against KEDA's schemas (npm @kubernetes-models/keda 2.0.0, generated from
KEDA's v2 API types; `make keda-schema` installs it), and for what KEDA needs of them."""
import copy
import json
import runpy
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml
from kubernetes_validate import utils as kubernetes

from chassis import registry
from contracts import topology

K8S = Path(__file__).resolve().parents[2] / "deploy" / "k8s"
KUBERNETES_VERSION = "1.33.0"
KEDA_KINDS = {"ScaledObject", "TriggerAuthentication"}
KEDA_SCHEMA = K8S.parent / "schemas" / "keda"


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
    broken["spec"]["selecter"] = broken["spec"].pop("selector")
    with pytest.raises(kubernetes.ValidationError):
        kubernetes.validate(broken, KUBERNETES_VERSION, strict=True)


@pytest.mark.parametrize("service", registry.names())
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


def test_kedas_consumers_leave_the_replica_count_to_keda():
    """A `replicas` in a Deployment KEDA scales would reset the scale on every kubectl apply."""
    scaled = {manifest["spec"]["scaleTargetRef"]["name"] for manifest in named("ScaledObject").values()}
    for name, deployment in named("Deployment").items():
        if name in scaled:
            assert "replicas" not in deployment["spec"], name
        else:
            assert deployment["spec"]["replicas"] >= 2, name
    consumers = {service for service in registry.names() if topology.SUBSCRIPTIONS.get(service)}
    assert scaled == consumers, "KEDA scales every service that consumes events"


@pytest.mark.parametrize("service", registry.names())
def test_every_deployment_spreads_over_zones_and_nodes(service):
    pod = named("Deployment")[service]["spec"]["template"]
    spread = {constraint["topologyKey"]: constraint for constraint in pod["spec"]["topologySpreadConstraints"]}
    assert set(spread) == {"topology.kubernetes.io/zone", "kubernetes.io/hostname"}
    for constraint in spread.values():
        assert constraint["labelSelector"]["matchLabels"].items() <= pod["metadata"]["labels"].items()
        assert constraint["whenUnsatisfiable"] == "ScheduleAnyway"  # never blocks a scale-up
        assert constraint["maxSkew"] == 1


def migration_jobs():
    return [manifest for manifest in yaml.safe_load_all((K8S / "migrate.yaml").read_text(encoding="utf-8"))
            if manifest and manifest["kind"] == "Job"]


def test_the_migration_job_migrates_every_service_and_cleans_up_after_itself():
    [job] = migration_jobs()
    assert named("Job") == {job["metadata"]["name"]: job}, "one migration Job in deploy/k8s"
    script = " ".join(job["spec"]["template"]["spec"]["containers"][0]["command"])
    for service in registry.names():
        assert f"codi-admin {service} migrate" in script
    assert job["spec"]["ttlSecondsAfterFinished"] > 0


def test_the_migration_job_is_named_after_its_pod_template_so_a_new_image_applies():
    """A Job's pod template is immutable: the same template keeps its name (apply again: no change),
    another image gets another name (apply: a new Job, not a refused update)."""
    generate = runpy.run_path(str(K8S.parent / "generate.py"))
    [job] = migration_jobs()
    assert generate["migration_job"]()["metadata"]["name"] == job["metadata"]["name"]
    assert job["metadata"]["name"].startswith("codi-migrate-")
    migration_job = generate["migration_job"]
    migration_job.__globals__["IMAGE"] = "registry.example/codi:1.0.1"
    released = migration_job()
    assert released["metadata"]["name"] != job["metadata"]["name"]
    assert released["spec"]["template"]["spec"]["containers"][0]["image"] == "registry.example/codi:1.0.1"


def keda_validate(manifests):
    """(exit status, output) of KEDA's schema validator over the manifests; never skipped."""
    node = shutil.which("node")
    if node is None:
        pytest.fail("node is missing: apt-get install -y --no-install-recommends nodejs npm")
    if not (KEDA_SCHEMA / "node_modules" / "@kubernetes-models" / "keda").is_dir():
        pytest.fail("KEDA's schemas are not installed: make keda-schema")
    result = subprocess.run([node, str(KEDA_SCHEMA / "validate.mjs")], input=json.dumps(manifests),
                            capture_output=True, text=True, timeout=60)
    return result.returncode, result.stdout + result.stderr


def test_keda_resources_follow_kedas_schema():
    keda = [manifest for manifest in manifests() if manifest["kind"] in KEDA_KINDS]
    assert {manifest["kind"] for manifest in keda} == KEDA_KINDS
    status, output = keda_validate(keda)
    assert status == 0, output
    assert output.count(": ok") == len(keda), output


def test_kedas_schema_refuses_a_wrong_type_and_a_misspelt_required_field():
    wrong_type = copy.deepcopy(named("ScaledObject")["funds"])
    wrong_type["spec"]["triggers"][0]["metadata"]["value"] = 200  # trigger metadata are strings
    misspelt = copy.deepcopy(named("ScaledObject")["funds"])
    misspelt["spec"]["scaleTargetReference"] = misspelt["spec"].pop("scaleTargetRef")
    for broken in (wrong_type, misspelt):
        status, output = keda_validate([broken])
        assert status == 1, output
