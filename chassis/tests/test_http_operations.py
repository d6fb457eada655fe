"""What @http does around a handler: authenticate, load the body and the query, dump the result."""
import json
import uuid
from contextlib import contextmanager

import pytest
from marshmallow import Schema, fields, validate
from werkzeug.test import EnvironBuilder
from werkzeug.wrappers import Request, Response

from chassis.auth import Principal
from chassis.errors import Forbidden, InvalidInput, Unauthorized
from chassis.http import JsonHttpHandler, http, query_arguments
from chassis.schemas import Strict


class ItemIn(Strict):
    name = fields.String(required=True, validate=validate.Length(min=1))
    example = {"name": "ข้าว"}


class ItemQuery(Strict):
    limit = fields.Integer(load_default=20)
    item_id = fields.List(fields.UUID())


class ItemOut(Schema):
    id = fields.UUID()
    name = fields.String()


class Database:
    """What an operation uses of a service's ``db``: who sent the request, a unit of work."""

    def __init__(self, principal):
        self.principal_of_token, self.units = principal, []

    def principal(self, request):
        if self.principal_of_token is None:
            raise Unauthorized("ไม่มีโทเคน (no token)")
        return self.principal_of_token

    @contextmanager
    def unit_of_work(self, factory):
        self.units.append(factory)
        yield factory


class Service:
    def __init__(self, principal=Principal("operator")):
        self.db = Database(principal)

    @http("POST", "/v1/items", body=ItemIn, response=ItemOut, status=201, roles=("operator",))
    def create_item(self, principal, body):
        """สร้าง (create)"""
        return {"id": uuid.UUID(int=1), "name": body["name"], "secret": principal.kind}

    @http("GET", "/v1/items", query=ItemQuery, response=ItemOut, public=True)
    def find_items(self, query):
        """ค้นหา (find)"""
        return {"id": query["item_id"][-1], "name": str(query["limit"])}

    @http("GET", "/v1/items/<item_id>/csv", public=True)
    def item_csv(self, item_id):
        """CSV"""
        return Response(f"id\n{item_id}\n", content_type="text/csv")

    @http("PUT", "/v1/items/<item_id>", body=ItemIn, response=ItemOut)
    def replace_item(self, item_id, body):
        """แทน (replace)"""
        return (200 if item_id == "old" else 201), {"id": uuid.UUID(int=2), "name": body["name"]}


def request(method="POST", body=None, query_string=None, data=None, content_type="application/json"):
    data = json.dumps(body) if body is not None else data
    return Request(EnvironBuilder(method=method, data=data, query_string=query_string,
                                  content_type=content_type if data else None).get_environ())


def test_the_body_is_loaded_and_the_result_dumped_with_the_declared_status():
    status, payload = Service().create_item(request(body={"name": "ข้าว"}))
    assert (status, payload) == (201, {"id": str(uuid.UUID(int=1)), "name": "ข้าว"})  # dumped: no secret


def test_a_missing_token_or_the_wrong_kind_is_refused_before_the_body_is_read():
    garbage = request(data=b"not json", content_type="text/plain")  # a 415 once read
    with pytest.raises(Unauthorized):
        Service(principal=None).create_item(garbage)
    with pytest.raises(Forbidden):
        Service(principal=Principal("organisation", uuid.uuid4())).create_item(garbage)
    with pytest.raises(InvalidInput) as refused:
        Service().create_item(request(body={"name": ""}))
    assert list(refused.value.fields) == ["name"]


def test_a_repeated_query_parameter_is_a_list_only_where_the_schema_says_so():
    ids = [str(uuid.uuid4()), str(uuid.uuid4())]
    arguments = request("GET", query_string=[("item_id", ids[0]), ("item_id", ids[1]), ("limit", "5"),
                                             ("limit", "7")]).args
    assert query_arguments(arguments, ItemQuery()) == {"item_id": ids, "limit": "5"}
    status, payload = Service().find_items(request("GET", query_string=[("item_id", i) for i in ids]))
    assert (status, payload) == (200, {"id": ids[1], "name": "20"})


def test_a_response_passes_untouched_and_a_status_may_vary():
    response = Service().item_csv(request("GET"), item_id="x")
    assert isinstance(response, Response) and response.get_data() == b"id\nx\n"
    assert Service().replace_item(request("PUT", body={"name": "a"}), item_id="old")[0] == 200
    assert Service().replace_item(request("PUT", body={"name": "a"}), item_id="new")[0] == 201


def test_the_handler_result_becomes_json():
    handler = JsonHttpHandler("GET", "/x")
    response = handler.response_from_result((201, {"name": "ข้าว"}))
    assert response.status_code == 201 and json.loads(response.get_data()) == {"name": "ข้าว"}


@pytest.mark.parametrize("declaration, signature", [
    ({}, "def handler(self, item_id, body): pass"),                   # no body declared
    ({"public": True}, "def handler(self, item_id, principal): pass"),  # nobody to name
    ({}, "def handler(self, item_id, uow): pass"),                    # no unit_of_work declared
    ({}, "def handler(self, item_id, payload): pass"),                # nothing of that name
    ({}, "def handler(self, request): pass"),                         # item_id not taken
    ({"idempotent": True}, "def handler(self, item_id): pass"),       # idempotent: needs a unit_of_work
])
def test_a_mistaken_declaration_fails_when_the_module_is_imported(declaration, signature):
    namespace = {}
    exec(signature, namespace)
    with pytest.raises(TypeError):
        http("POST", "/v1/items/<item_id>", **declaration)(namespace["handler"])
