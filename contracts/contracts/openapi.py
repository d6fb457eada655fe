"""Writes each service's OpenAPI 3.1 document: the one the service serves at ``GET /openapi.json``.

    python -m contracts.openapi          write contracts/openapi/<service>.json

The document is built by ``chassis.openapi`` from the declarations on the service's ``@http``
entrypoints; this module only imports the service classes and writes the result. Development
tooling: it imports the services.
"""
import importlib
import json
import warnings
from pathlib import Path

from chassis.cli import SERVICES
from chassis.openapi import document

DIRECTORY = Path(__file__).resolve().parents[1] / "openapi"


def service_class(service):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # eventlet announces its deprecation on import
        module = importlib.import_module(f"{service}.service")
    return getattr(module, f"{service.capitalize()}Service")


def openapi(service):
    return document(service_class(service))


def render(document_dict):
    return json.dumps(document_dict, indent=2, ensure_ascii=False) + "\n"


def documents():
    """{path: text} of every service's document."""
    return {DIRECTORY / f"{service}.json": render(openapi(service)) for service in SERVICES}


def main():
    DIRECTORY.mkdir(exist_ok=True)
    for path, text in documents().items():
        path.write_text(text, encoding="utf-8")
        print(f"wrote {path}")


if __name__ == "__main__":
    main()
