"""Prometheus scrape config, alert rules, the Grafana dashboard and a live /metrics exposition."""
import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest
import requests
import yaml
from prometheus_client import REGISTRY

from centres.service import CentresService  # noqa: F401  each service registers its own metrics
from chassis import registry
from funds.service import FundsService
from marketplace import payment_reconciler  # noqa: F401  its metrics (the service's timer runs it)
from marketplace.service import MarketplaceService  # noqa: F401
from notifications.service import NotificationsService  # noqa: F401

DEPLOY = Path(__file__).resolve().parents[2] / "deploy"
DASHBOARD = DEPLOY / "grafana" / "dashboard.json"
# exported by RabbitMQ's rabbitmq_prometheus plugin (families queue_coarse_metrics and
# queue_consumer_count of /metrics/detailed) and by Prometheus itself
EXTERNAL_METRICS = {"rabbitmq_detailed_queue_messages", "rabbitmq_detailed_queue_consumers", "up"}
SAMPLE_SUFFIXES = {"counter": ["_total"], "gauge": [""], "histogram": ["_bucket", "_sum", "_count"],
                   "summary": ["", "_sum", "_count"], "info": ["_info"]}
PROMQL_KEYWORDS = {"and", "or", "unless", "bool", "offset"}


def promtool(*args, stdin=None):
    executable = shutil.which("promtool")
    if executable is None:
        pytest.fail("promtool is missing: apt-get install -y --no-install-recommends prometheus")
    return subprocess.run([executable, *args], input=stdin, capture_output=True, text=True)


def assert_promtool(*args, stdin=None):
    result = promtool(*args, stdin=stdin)
    assert result.returncode == 0, result.stdout + result.stderr


def metrics_that_exist():
    names = set(EXTERNAL_METRICS)
    for family in REGISTRY.collect():
        names.update(family.name + suffix for suffix in SAMPLE_SUFFIXES.get(family.type, [""]))
    return names


def metric_names(expr):
    """Metric names an expression reads: identifiers outside label sets that are not functions."""
    expr = re.sub(r'"(?:[^"\\]|\\.)*"', "", expr)  # string literals
    expr = re.sub(r"\{[^}]*\}|\[[^\]]*\]", "", expr)  # label matchers, ranges
    expr = re.sub(r"\b(by|without|on|ignoring)\s*\([^)]*\)", "", expr)  # grouping labels
    return {name for name, call in re.findall(r"\b([a-zA-Z_:][a-zA-Z0-9_:]*)\s*(\()?", expr)
            if not call} - PROMQL_KEYWORDS


def dashboard_targets():
    dashboard = json.loads(DASHBOARD.read_text(encoding="utf-8"))
    return [target for panel in dashboard["panels"] for target in panel["targets"]]


def alert_expressions():
    rules = yaml.safe_load((DEPLOY / "prometheus" / "alerts.yml").read_text(encoding="utf-8"))
    return [rule["expr"] for group in rules["groups"] for rule in group["rules"]]


def test_the_scrape_config_is_valid():
    assert_promtool("check", "config", str(DEPLOY / "prometheus" / "prometheus.yml"))


def test_the_alert_rules_are_valid_and_fire_as_their_unit_tests_expect():
    assert_promtool("check", "rules", str(DEPLOY / "prometheus" / "alerts.yml"))
    assert_promtool("test", "rules", str(DEPLOY / "prometheus" / "alerts.test.yml"))


def test_the_metric_name_reader_sees_through_promql():
    assert metric_names('histogram_quantile(0.95, sum by (le, service) '
                        '(rate(codi_entrypoint_duration_seconds_bucket{kind="http"}[5m]))) '
                        'and on (service) up == 0') == {"codi_entrypoint_duration_seconds_bucket", "up"}


def test_the_dashboard_queries_are_valid_promql(tmp_path):
    rules = {"groups": [{"name": "dashboard", "rules": [
        {"record": f"dashboard:query{number}", "expr": target["expr"]}
        for number, target in enumerate(dashboard_targets()) if "expr" in target]}]}
    path = tmp_path / "dashboard-rules.yml"
    path.write_text(yaml.safe_dump(rules), encoding="utf-8")
    assert_promtool("check", "rules", str(path))


def test_every_metric_the_project_defines_starts_with_codi():
    """prometheus_client's own (process_*, python_*) aside, each family is ours: one prefix for all."""
    ours = [family.name for family in REGISTRY.collect()
            if not family.name.startswith(("process_", "python_", "platform_"))]
    assert "codi_levy_credited_satang" in ours and "codi_retention_pruned_rows" in ours
    assert [name for name in ours if not name.startswith("codi_")] == []


def test_dashboard_and_alerts_read_only_metrics_that_exist():
    expressions = [target["expr"] for target in dashboard_targets() if "expr" in target]
    expressions += alert_expressions()
    missing = {name for expr in expressions for name in metric_names(expr)} - metrics_that_exist()
    assert not missing, f"no service or exporter exposes {sorted(missing)}"


@pytest.mark.integration
def test_a_running_services_metrics_pass_promtool(run_container, config_of):
    config = config_of("funds")
    run_container(FundsService, config)
    response = requests.get(f"http://{config['WEB_SERVER_ADDRESS']}/metrics", timeout=10)
    assert response.status_code == 200
    assert 'codi_outbox_lag_seconds{service="funds"}' in response.text
    assert "# TYPE codi_levy_credited_satang_total counter" in response.text
    assert_promtool("check", "metrics", stdin=response.text)


def test_prometheus_scrapes_every_service_of_the_compose_file_on_its_http_port():
    scrape = yaml.safe_load((DEPLOY / "prometheus" / "prometheus.yml").read_text(encoding="utf-8"))
    compose = yaml.safe_load((DEPLOY.parent / "docker-compose.yml").read_text(encoding="utf-8"))
    [job] = [job for job in scrape["scrape_configs"] if job["job_name"] == "codi-services"]
    [discovery] = job["dns_sd_configs"]
    assert sorted(discovery["names"]) == sorted(registry.names())
    for service in registry.names():
        address = compose["services"][service]["environment"][f"{service.upper()}_HTTP_ADDRESS"]
        assert address.endswith(f":{discovery['port']}")


def test_every_dashboard_panel_uses_a_provisioned_datasource():
    provisioned = yaml.safe_load((DEPLOY / "grafana" / "provisioning" / "datasources" / "datasources.yml")
                                 .read_text(encoding="utf-8"))
    uids = {(source["type"], source["uid"]) for source in provisioned["datasources"]}
    for target in dashboard_targets():
        assert (target["datasource"]["type"], target["datasource"]["uid"]) in uids
