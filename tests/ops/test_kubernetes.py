"""deploy/k8s: built-in kinds validate offline against Kubernetes' own schemas (kubernetes-validate);
the operators' custom resources against their published schemas (npm @kubernetes-models/keda 2.0.0 and
@kubernetes-models/cloudnative-pg 2.0.0, generated from KEDA's and CloudNativePG's Go API types;
`make operator-schemas` installs them), and for what KEDA and the services need of them.

The RabbitMQ Cluster Operator publishes no schema on a registry reachable here (its npm models,
@kubernetes-models/rabbitmq-cluster-operator, are not on it): RabbitmqCluster is checked only for what
the services rely on (deploy/schemas/README.md)."""
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
# custom resources: validated against their operator's schema, never against Kubernetes' own
OPERATOR_GROUPS = {"keda.sh/v1alpha1", "postgresql.cnpg.io/v1", "rabbitmq.com/v1beta1"}
SCHEMA_CHECKED = {"keda.sh/v1alpha1", "postgresql.cnpg.io/v1"}
OPERATOR_SCHEMAS = K8S.parent / "schemas" / "operators"


def manifests():
    return [manifest for path in sorted(K8S.glob("*.yaml"))
            for manifest in yaml.safe_load_all(path.read_text(encoding="utf-8")) if manifest]


def named(kind):
    return {manifest["metadata"]["name"]: manifest for manifest in manifests() if manifest["kind"] == kind}


@pytest.mark.parametrize("manifest", [m for m in manifests() if m["apiVersion"] not in OPERATOR_GROUPS],
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


def operator_validate(manifests):
    """(exit status, output) of the operators' schema validator over the manifests; never skipped."""
    node = shutil.which("node")
    if node is None:
        pytest.fail("node is missing: apt-get install -y --no-install-recommends nodejs npm")
    for package in ("keda", "cloudnative-pg"):
        if not (OPERATOR_SCHEMAS / "node_modules" / "@kubernetes-models" / package).is_dir():
            pytest.fail("the operators' schemas are not installed: make operator-schemas")
    result = subprocess.run([node, str(OPERATOR_SCHEMAS / "validate.mjs")], input=json.dumps(manifests),
                            capture_output=True, text=True, timeout=60)
    return result.returncode, result.stdout + result.stderr


def test_keda_resources_follow_kedas_schema():
    keda = [manifest for manifest in manifests() if manifest["kind"] in KEDA_KINDS]
    assert {manifest["kind"] for manifest in keda} == KEDA_KINDS
    status, output = operator_validate(keda)
    assert status == 0, output
    assert output.count(": ok") == len(keda), output


def test_kedas_schema_refuses_a_wrong_type_and_a_misspelt_required_field():
    wrong_type = copy.deepcopy(named("ScaledObject")["funds"])
    wrong_type["spec"]["triggers"][0]["metadata"]["value"] = 200  # trigger metadata are strings
    misspelt = copy.deepcopy(named("ScaledObject")["funds"])
    misspelt["spec"]["scaleTargetReference"] = misspelt["spec"].pop("scaleTargetRef")
    for broken in (wrong_type, misspelt):
        status, output = operator_validate([broken])
        assert status == 1, output


def test_cloudnative_pg_resources_follow_cloudnative_pgs_schema():
    cnpg = [manifest for manifest in manifests() if manifest["apiVersion"] == "postgresql.cnpg.io/v1"]
    assert {manifest["kind"] for manifest in cnpg} == {"Cluster", "Database"}
    status, output = operator_validate(cnpg)
    assert status == 0, output
    assert output.count(": ok") == len(cnpg), output


def test_cloudnative_pgs_schema_refuses_a_wrong_type_an_unknown_mode_and_a_missing_cluster():
    wrong_type = copy.deepcopy(named("Cluster")["codi-postgres"])
    wrong_type["spec"]["instances"] = "3"
    unknown_mode = copy.deepcopy(named("Cluster")["codi-postgres"])
    unknown_mode["spec"]["postgresql"]["synchronous"]["method"] = "all"  # any or first
    orphan = copy.deepcopy(named("Database")["codi-funds"])
    del orphan["spec"]["cluster"]
    for broken in (wrong_type, unknown_mode, orphan):
        status, output = operator_validate([broken])
        assert status == 1, output


def test_every_custom_resource_is_schema_checked_except_the_rabbitmq_cluster():
    unchecked = {(m["apiVersion"], m["kind"]) for m in manifests()
                 if m["apiVersion"] in OPERATOR_GROUPS - SCHEMA_CHECKED}
    assert unchecked == {("rabbitmq.com/v1beta1", "RabbitmqCluster")}
    status, output = operator_validate([named("RabbitmqCluster")["codi-rabbitmq"]])
    assert status == 2, output  # says it has no schema rather than passing it


def test_the_broker_is_a_three_node_rabbitmq_cluster_the_services_and_keda_use():
    [cluster] = named("RabbitmqCluster").values()
    assert cluster["spec"]["replicas"] == 3
    assert isinstance(cluster["spec"]["replicas"], int)
    name, namespace = cluster["metadata"]["name"], cluster["metadata"]["namespace"]
    user = f"{name}-default-user"  # the Secret the operator makes
    for deployment in named("Deployment").values():
        env = {variable["name"]: variable for variable in deployment["spec"]["template"]["spec"]["containers"][0]["env"]}
        assert f"@{name}.{namespace}.svc:5672/" in env["AMQP_URI"]["value"]
        for key in ("AMQP_USERNAME", "AMQP_PASSWORD"):
            assert env[key]["valueFrom"]["secretKeyRef"]["name"] == user
    for scaled_object in named("ScaledObject").values():
        for trigger in scaled_object["spec"]["triggers"]:
            assert trigger["metadata"]["host"] == f"amqp://{name}.{namespace}.svc:5672/"
    references = named("TriggerAuthentication")["rabbitmq"]["spec"]["secretTargetRef"]
    assert {(ref["parameter"], ref["name"]) for ref in references} == {("username", user), ("password", user)}


def test_postgresql_keeps_a_synchronous_standby_of_three_instances():
    cluster = named("Cluster")["codi-postgres"]["spec"]
    assert cluster["instances"] == 3
    assert cluster["postgresql"]["synchronous"]["number"] >= 1
    assert cluster["postgresql"]["synchronous"]["dataDurability"] == "required"


def environment(container):
    return {variable["name"]: variable for variable in container["env"]}


@pytest.mark.parametrize("service", registry.names())
def test_every_service_has_its_own_role_and_database_on_the_primary(service):
    """The Deployment and the migration Job reach the service's own database through the -rw Service,
    as the service's role, whose password Secret exists and which the Cluster manages."""
    cluster = named("Cluster")["codi-postgres"]
    roles = {role["name"]: role for role in cluster["spec"]["managed"]["roles"]}
    databases = {db["spec"]["name"]: db["spec"] for db in named("Database").values()}
    database = databases[f"codi_{service}"]
    assert database["owner"] == service and database["cluster"]["name"] == "codi-postgres"
    secret = named("Secret")[roles[service]["passwordSecret"]["name"]]
    assert secret["type"] == "kubernetes.io/basic-auth" and secret["stringData"]["username"] == service
    [job] = migration_jobs()
    for container in (named("Deployment")[service]["spec"]["template"]["spec"]["containers"][0],
                      job["spec"]["template"]["spec"]["containers"][0]):
        env = environment(container)
        prefix = service.upper()
        assert env[f"{prefix}_DATABASE_URL"]["value"] == (
            f"postgresql://{service}:$({prefix}_DATABASE_PASSWORD)@codi-postgres-rw.codi.svc:5432/codi_{service}")
        password = env[f"{prefix}_DATABASE_PASSWORD"]["valueFrom"]["secretKeyRef"]
        assert password == {"name": secret["metadata"]["name"], "key": "password"}
        names = [variable["name"] for variable in container["env"]]
        # Kubernetes expands $(NAME) only from variables defined before it
        assert names.index(f"{prefix}_DATABASE_PASSWORD") < names.index(f"{prefix}_DATABASE_URL")
        assert names.index("AMQP_PASSWORD") < names.index("AMQP_URI")


def test_no_secret_still_carries_the_addresses_the_operators_now_give():
    for secret in named("Secret").values():
        assert not {key for key in secret.get("stringData", {}) if key == "AMQP_URI" or key.endswith("_DATABASE_URL")}
