"""The OpenAPI document describes every HTTP route of the service, from the marshmallow schemas."""
import inspect
import json
import re

from marketplace import openapi
from marketplace.service import MarketplaceService

UNDOCUMENTED = {"/health/live", "/health/ready", "/metrics", "/openapi.json"}


def http_routes():
    for _, function in inspect.getmembers(MarketplaceService, inspect.isfunction):
        for entrypoint in getattr(function, "nameko_entrypoints", ()):
            url = getattr(entrypoint, "url", None)
            if url and url not in UNDOCUMENTED:
                yield entrypoint.method.lower(), re.sub(r"<(\w+)>", r"{\1}", url)


def test_every_route_of_the_service_is_documented_and_nothing_else():
    document = openapi.document()
    documented = {(method, path) for path, operations in document["paths"].items() for method in operations}
    assert documented == set(http_routes())
    assert document["openapi"] == "3.1.0"


def test_every_reference_resolves_to_a_component_schema():
    document = openapi.document()
    text = json.dumps(document)
    references = set(re.findall(r'"#/components/schemas/(\w+)"', text))
    assert references and references <= set(document["components"]["schemas"])


def test_bodies_come_from_the_schemas_with_their_rules():
    document = openapi.document()
    schemas = document["components"]["schemas"]
    refund = document["paths"]["/v1/orders/{order_id}/refunds"]["post"]
    assert refund["requestBody"]["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/RefundIn"}
    assert {"401", "403", "409", "422"} <= set(refund["responses"])
    assert schemas["ProductIn"]["properties"]["unit_price_satang"]["type"] == "integer"
    assert set(schemas["ProductIn"]["required"]) >= {"name_th", "unit", "unit_price_satang", "stock", "category"}
    # a PATCH changes any subset of fields and never the owner
    assert "required" not in schemas["ProductPatch"] and "seller_id" not in schemas["ProductPatch"]["properties"]
    listing = document["paths"]["/v1/orders"]["get"]
    assert {p["name"] for p in listing["parameters"]} == {"seller_id", "buyer_id", "status", "limit", "cursor"}
