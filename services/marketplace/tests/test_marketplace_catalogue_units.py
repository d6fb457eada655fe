"""The catalogue in the domain alone: search keys, who may change a product, HTTP schemas."""
import datetime as dt
import uuid

import pytest

from chassis.auth import Principal
from chassis.errors import Forbidden, InvalidInput, NotFound
from chassis.schemas import load
from chassis.thai import search_key
from marketplace import catalogue, schemas


def test_the_search_text_covers_both_names_the_category_and_the_description():
    product = catalogue.with_search_text({"name_th": "ข้าวหอมมะลิ", "name_en": "Jasmine Rice",
                                          "category": "rice", "description": None})
    assert product["search_text"] == "ข้าวหอมมะลิ jasminerice rice"


def test_a_query_matches_within_one_field_only():
    text = catalogue.search_text({"name_th": "ข้าว", "category": "หอม"})
    assert "ข้าว" in text and "หอม" in text and search_key("ข้าว หอม") not in text


class FakeProducts:
    def __init__(self, product):
        self.product = product
        self.updated = None

    def get(self, product_id, for_update=False):
        return self.product if product_id == self.product["id"] else None

    def update(self, product):
        self.updated = product


class FakeUnitOfWork:
    def __init__(self, product):
        self.products = FakeProducts(product)


def a_product():
    return {"id": uuid.uuid4(), "seller_org_id": uuid.uuid4(), "name_th": "ข้าวหอมมะลิ", "name_en": None,
            "category": "rice", "description": "", "stock": 10, "listing_kind": "sale"}


@pytest.mark.parametrize("principal", [Principal("organisation", uuid.uuid4()),
                                       Principal("officer", uuid.uuid4())])
def test_only_the_products_seller_or_an_operator_may_change_it(principal):
    product = a_product()
    uow = FakeUnitOfWork(product)
    with pytest.raises(Forbidden):
        catalogue.update_product(uow, principal, product["id"], {"stock": 0})
    assert uow.products.updated is None


@pytest.mark.parametrize("as_seller", [True, False])
def test_the_seller_or_an_operator_changes_it_and_the_search_text_follows(as_seller):
    product = a_product()
    principal = Principal("organisation", product["seller_org_id"]) if as_seller else Principal("operator")
    uow = FakeUnitOfWork(product)
    changed = catalogue.update_product(uow, principal, product["id"], {"name_th": "ข้าวเหนียว"})
    assert uow.products.updated == changed
    assert changed["search_text"].startswith("ข้าวเหนียว") and changed["stock"] == 10


def test_changing_a_product_that_does_not_exist_is_not_found():
    with pytest.raises(NotFound):
        catalogue.update_product(FakeUnitOfWork(a_product()), Principal("operator"), uuid.uuid4(), {"stock": 1})


@pytest.mark.parametrize("body, field", [
    ({}, "_body"),
    ({"seller_org_id": str(uuid.uuid4())}, "seller_org_id"),
    ({"stock": -1}, "stock"),
    ({"unit_price_satang": 10.5}, "unit_price_satang"),
    ({"unit_price_satang": 0}, "unit_price_satang"),  # a 0-baht sale is refused
])
def test_a_bad_patch_is_a_400_naming_the_field(body, field):
    with pytest.raises(InvalidInput) as refused:
        load(schemas.ProductPatch(), body)
    assert field in refused.value.fields


def test_a_cursor_round_trips_and_a_forged_one_is_a_400():
    keyset = (dt.datetime(2026, 5, 1, 9, 0, tzinfo=dt.timezone.utc), uuid.uuid4())
    cursor = schemas.OrderPage().dump({"items": [], "next_cursor": keyset})["next_cursor"]
    assert load(schemas.OrderQuery(), {"cursor": cursor})["after"] == keyset
    for forged in ("not-base64!", "WzFd", "e30="):
        with pytest.raises(InvalidInput) as refused:
            load(schemas.OrderQuery(), {"cursor": forged})
        assert "cursor" in refused.value.fields


def test_list_queries_refuse_unknown_parameters_and_bad_limits():
    with pytest.raises(InvalidInput) as refused:
        load(schemas.ProductQuery(), {"limit": "1000", "colour": "red", "province": "8"})
    assert {"limit", "colour", "province"} <= set(refused.value.fields)
