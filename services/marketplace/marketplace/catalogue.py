"""The catalogue: products, their owners' rights over them, and text search keys.

Plain Python; the adapters store ``search_text`` and match queries against it.
"""
import uuid

from chassis.errors import Forbidden, InvalidInput, NotFound, Unprocessable
from chassis.thai import search_key

SEARCHED_FIELDS = ("name_th", "name_en", "category", "description")
# A sale is ordered and paid (marketplace.orders); a share is given away on request
# (marketplace.sharing); an exchange swaps goods for goods (marketplace.exchange).
LISTING_KINDS = SALE, SHARE, EXCHANGE = ("sale", "share", "exchange")
NO_PRICE = "รายการแบ่งปันและแลกเปลี่ยนไม่มีราคา (a share or exchange listing has no price)"


def search_text(product):
    """The searched fields' keys, a space apart: a key has no space, so neither has a query's
    key, and a match never runs from one field into the next."""
    keys = (search_key(product.get(name)) for name in SEARCHED_FIELDS)
    return " ".join(key for key in keys if key)


def with_search_text(product):
    return {**product, "search_text": search_text(product)}


def require_seller_or_operator(uow, principal, seller_org_id):
    """Only the seller itself or an operator says how the seller is paid or delivers."""
    principal.require("organisation", "operator")
    if not principal.is_operator and principal.subject_id != seller_org_id:
        raise Forbidden("ผู้ขายหรือเจ้าหน้าที่เท่านั้น (only the seller itself or an operator)")
    if not uow.sellers.exists(seller_org_id):
        raise NotFound("ไม่พบผู้ขายนี้ในทะเบียน (no such seller in the registry)")


def create_product(uow, principal, command):
    principal.require("organisation", "operator")
    seller_org_id = command.get("seller_org_id") if principal.is_operator else principal.subject_id
    if not principal.is_operator and command.get("seller_org_id") not in (None, seller_org_id):
        raise Forbidden("ขายสินค้าได้เฉพาะในนามองค์กรของตน (an organisation sells only its own products)")
    if seller_org_id is None:
        raise Unprocessable("ต้องระบุผู้ขาย (seller_org_id is required for an operator)")
    if not uow.sellers.exists(seller_org_id):
        raise Unprocessable("ไม่พบองค์กรผู้ขายในทะเบียน (seller is not in the registry yet)")
    product = with_search_text({
        "id": uuid.uuid4(), "seller_org_id": seller_org_id, "active": True, "images": [],
        "description": "", "name_en": None, "listing_kind": SALE, "unit_price_satang": 0,
        **{k: v for k, v in command.items() if k != "seller_org_id"}})
    uow.products.add(product)
    return product


def get_product(uow, product_id, for_update=False):
    product = uow.products.get(product_id, for_update=for_update)
    if product is None:
        raise NotFound("ไม่พบสินค้า (product not found)")
    return product


def update_product(uow, principal, product_id, changes):
    """Only the product's seller, or an operator, may change it (object-level authorisation)."""
    principal.require("organisation", "operator")
    product = get_product(uow, product_id, for_update=True)
    if not principal.is_operator and principal.subject_id != product["seller_org_id"]:
        raise Forbidden("แก้ไขได้เฉพาะสินค้าขององค์กรตน (only the seller may change this product)")
    if product["listing_kind"] != SALE and "unit_price_satang" in changes:
        raise InvalidInput({"unit_price_satang": [NO_PRICE]})
    product = with_search_text({**product, **changes})
    uow.products.update(product)
    return product


def search_products(uow, query):
    return uow.products.search(
        search_key(query["q"]) if query.get("q") else None, query.get("after"), query["limit"],
        **{name: query.get(name) for name in
           ("category", "seller_org_id", "province", "province_group", "region", "listing_kind")})
