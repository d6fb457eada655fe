"""Orders and the catalogue: domain logic with no I/O of its own.

An order has three independent state axes, as commerce systems keep them:
status (placed → confirmed → completed | cancelled | expired), payment status and
fulfilment status. Lines freeze the product's name, unit and price at placement.
"""
import datetime as dt
import uuid
from dataclasses import dataclass, field

from chassis.errors import Conflict, Forbidden, InvalidInput, NotFound, Unprocessable
from contracts import marketplace as events


@dataclass
class Line:
    line_no: int
    product_id: uuid.UUID
    product_name: str
    category: str
    unit: str
    quantity: int
    unit_price_satang: int

    @property
    def value_satang(self):
        return self.quantity * self.unit_price_satang


@dataclass
class Order:
    id: uuid.UUID
    seller_id: uuid.UUID
    buyer_id: uuid.UUID
    ship_to: dict
    lines: list
    placed_at: dt.datetime
    expires_at: dt.datetime
    status: str = "placed"
    payment_status: str = "unpaid"
    fulfilment_status: str = "unfulfilled"
    paid_at: dt.datetime = None
    events: list = field(default_factory=list, repr=False)

    @property
    def total_satang(self):
        return sum(line.value_satang for line in self.lines)

    def event_data(self):
        return {
            "order_id": self.id,
            "seller_org_id": self.seller_id,
            "buyer_org_id": self.buyer_id,
            "lines": [vars(line) for line in self.lines],
            "total_satang": self.total_satang,
        }

    def pay(self, amount_satang, payment_id, now):
        if self.status != "placed" or self.payment_status != "unpaid":
            raise Conflict(f"ชำระเงินไม่ได้ในสถานะ {self.status}/{self.payment_status} "
                           "(order cannot be paid in its current state)")
        if now >= self.expires_at:
            raise Conflict("คำสั่งซื้อหมดอายุแล้ว (order has expired)")
        if amount_satang != self.total_satang:
            raise Unprocessable(
                f"ยอดชำระต้องเท่ากับยอดสั่งซื้อ {self.total_satang} สตางค์ (amount must equal the order total)")
        self.status, self.payment_status, self.paid_at = "confirmed", "paid", now
        self.events.append((events.ORDER_PAID, {
            **self.event_data(), "payment_id": payment_id, "amount_satang": amount_satang,
            "paid_at": now}))


def require_party(principal, order):
    """Operators see every order; an organisation sees the orders it buys or sells."""
    if principal.is_operator or principal.subject_id in (order.buyer_id, order.seller_id):
        return
    raise Forbidden("ไม่ใช่คำสั่งซื้อขององค์กรนี้ (not a party to this order)")


def create_product(uow, principal, command):
    seller_id = command["seller_id"] if principal.is_operator else principal.subject_id
    if not principal.is_operator and command.get("seller_id") not in (None, seller_id):
        raise Forbidden("ขายสินค้าได้เฉพาะในนามองค์กรของตน (an organisation sells only its own products)")
    if not uow.sellers.exists(seller_id):
        raise Unprocessable("ไม่พบองค์กรผู้ขายในทะเบียน (seller is not in the registry yet)")
    product = {"id": uuid.uuid4(), "seller_id": seller_id, "active": True, "images": [],
               "description": "", "name_en": None, **{k: v for k, v in command.items() if k != "seller_id"}}
    uow.products.add(product)
    return product


def place_order(uow, principal, command, now, ttl):
    principal.require("organisation")
    wanted = command["lines"]
    product_ids = [line["product_id"] for line in wanted]
    if len(set(product_ids)) != len(product_ids):
        raise InvalidInput({"lines": ["สินค้าซ้ำกันในคำสั่งซื้อ (a product appears twice)"]})
    products = uow.products.get_many(product_ids)
    missing = [str(pid) for pid in product_ids if pid not in products or not products[pid]["active"]]
    if missing:
        raise Unprocessable("ไม่พบสินค้าหรือสินค้าไม่พร้อมขาย (product not found or inactive)",
                            products=missing)
    sellers = {products[pid]["seller_id"] for pid in product_ids}
    if len(sellers) != 1:
        raise Unprocessable("หนึ่งคำสั่งซื้อต้องมาจากผู้ขายรายเดียว (one order, one seller)")
    seller_id = sellers.pop()
    if seller_id == principal.subject_id:
        raise Unprocessable("ซื้อสินค้าของตนเองไม่ได้ (an organisation cannot buy from itself)")
    lines = []
    for line_no, item in enumerate(wanted, start=1):
        product = products[item["product_id"]]
        if not uow.products.reserve(product["id"], item["quantity"]):
            raise Conflict(f"สินค้า {product['name_th']} มีไม่พอ (not enough stock)",
                           product_id=str(product["id"]))
        lines.append(Line(line_no, product["id"], product["name_th"], product["category"],
                          product["unit"], item["quantity"], product["unit_price_satang"]))
    order = Order(uuid.uuid4(), seller_id, principal.subject_id, command["ship_to"], lines,
                  placed_at=now, expires_at=now + ttl)
    uow.orders.add(order)
    uow.emit(events.ORDER_PLACED, order.event_data())
    return order


def get_order(uow, principal, order_id, for_update=False):
    order = uow.orders.get(order_id, for_update=for_update)
    if order is None:
        raise NotFound("ไม่พบคำสั่งซื้อ (order not found)")
    require_party(principal, order)
    return order


def pay_order(uow, principal, order_id, command, now):
    order = get_order(uow, principal, order_id, for_update=True)
    if not principal.is_operator and principal.subject_id != order.buyer_id:
        raise Forbidden("ผู้ซื้อเท่านั้นที่ชำระเงินได้ (only the buyer pays)")
    order.pay(command["amount_satang"], uuid.uuid4(), now)
    uow.orders.save(order, payment_reference=command.get("reference"))
    for event_type, data in order.events:
        uow.emit(event_type, data)
    return order


def seller_from_organisation(snapshot):
    place = snapshot["place"]
    return {"id": snapshot["organisation_id"], "name_th": snapshot["name_th"],
            "kind": snapshot["kind"], "province_code": place["province_code"],
            "province_group": place["province_group"], "region": place["region"], "place": place}
