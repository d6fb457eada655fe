"""Writes each service's OpenAPI 3.1 document: the one the service serves at ``GET /openapi.json``.

    python -m devtools.openapi_documents     write contracts/openapi/<service>.json (make contracts)

The document is built by ``chassis.openapi`` from the declarations on the service's ``@http``
entrypoints; this module only imports the service classes (named by chassis.registry) and writes
the result. Development tooling, so that contracts/ imports nothing of the project.
"""
import json
import warnings
from pathlib import Path

from chassis import registry
from chassis.openapi import document

DIRECTORY = Path(__file__).resolve().parents[2] / "contracts" / "openapi"


def service_class(service):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # eventlet announces its deprecation on import
        return registry.description(service).load_service_class()


def openapi(service):
    return document(service_class(service))


def render(document_dict):
    return json.dumps(document_dict, indent=2, ensure_ascii=False) + "\n"


def documents():
    """{path: text} of every service's document."""
    return {DIRECTORY / f"{service}.json": render(openapi(service)) for service in registry.names()}


def main():
    DIRECTORY.mkdir(exist_ok=True)
    for path, text in documents().items():
        path.write_text(text, encoding="utf-8")
        print(f"wrote {path}")


if __name__ == "__main__":
    main()
