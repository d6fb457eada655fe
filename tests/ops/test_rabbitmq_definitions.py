"""deploy/rabbitmq/definitions.json declares exactly what the services declare on a real broker."""
import json
import runpy
import subprocess
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest

from chassis.broker import Publisher

pytestmark = pytest.mark.integration

generate = runpy.run_path(str(Path(__file__).resolve().parents[2] / "deploy" / "generate.py"))


def broker_view(definitions, vhost):
    """Exchanges, queues and bindings of one vhost, comparable whatever the vhost's name."""
    def of_vhost(items):
        return [{key: value for key, value in item.items() if key != "vhost"}
                for item in items if item["vhost"] == vhost]
    return {
        "exchanges": sorted((item["name"], item["type"], item["durable"], item["auto_delete"],
                             json.dumps(item["arguments"], sort_keys=True))
                            for item in of_vhost(definitions["exchanges"])),
        "queues": sorted((item["name"], item["durable"], item["auto_delete"],
                          json.dumps(item["arguments"], sort_keys=True))
                         for item in of_vhost(definitions["queues"])),
        "bindings": sorted((item["source"], item["destination"], item["routing_key"])
                           for item in of_vhost(definitions["bindings"])),
    }


def test_the_definitions_match_what_the_services_declare_on_a_real_broker(empty_vhost):
    publisher = Publisher(empty_vhost)
    publisher.declare_topology()
    publisher.close()
    exported = json.loads(subprocess.run(["rabbitmqctl", "-q", "export_definitions", "-"],
                                         check=True, capture_output=True, text=True).stdout)
    vhost = unquote(urlsplit(empty_vhost).path.lstrip("/"))
    assert broker_view(exported, vhost) == broker_view(generate["rabbitmq_definitions"](), "/")
