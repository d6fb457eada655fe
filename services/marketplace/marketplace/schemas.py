"""What crosses the marketplace's HTTP boundary."""
import base64
import datetime as dt
import json
import uuid

import geothai
from marshmallow import INCLUDE, Schema, ValidationError, fields, post_load, validate, validates_schema

from chassis.schemas import Strict, Timestamp
from contracts.envelope import EnvelopeSchema
from contracts.centres import Contact, OpeningPeriod
from contracts.common import Place
from contracts.marketplace import (DELIVERY_METHODS, EXCHANGE_SIDES, EXCHANGE_STATUSES, SHARE_STATUSES, ExchangeLeg,
                                   Receipt, Route, Shipment, TradeGoods)

from marketplace.catalogue import LISTING_KINDS, NO_PRICE, SALE
from marketplace.delivery import DISTRIBUTION_CENTRE, tracking_number_problem
from marketplace.orders import STATUSES


def real_subdistrict(code):
    if geothai.subdistrict(code) is None:
        raise ValidationError(f"ไม่พบรหัสตำบล {code} (no such subdistrict)")


class ProductIn(Strict):
    seller_org_id = fields.UUID()
    name_th = fields.String(required=True, validate=validate.Length(min=1, max=300))
    name_en = fields.String(allow_none=True, validate=validate.Length(max=300))
    description = fields.String(validate=validate.Length(max=5000))
    unit = fields.String(required=True, validate=validate.Length(min=1, max=50))
    listing_kind = fields.String(load_default=SALE, validate=validate.OneOf(LISTING_KINDS), metadata={
        "description": "sale: sold at its price; share: surplus given away on request; exchange: "
                       "goods for goods (a share or exchange listing has no price)"})
    unit_price_satang = fields.Integer(strict=True, validate=validate.Range(
        # a 0-baht sale would be "paid" with no money, and a per-unit levy would invent a credit
        min=100, max=10**11, error="ราคาขายตั้งแต่ 1.00 บาท ถึง 1,000,000,000.00 บาท (price: 1 baht to 1 billion baht)"))
    stock = fields.Integer(required=True, strict=True, validate=validate.Range(min=0, max=10**9))
    category = fields.String(required=True, validate=validate.Length(min=1, max=100))
    images = fields.List(fields.Url(), validate=validate.Length(max=20))

    @validates_schema
    def only_a_sale_has_a_price(self, data, **kwargs):
        if self.partial:  # a patch: the product's kind decides (catalogue.update_product)
            return
        if data["listing_kind"] == SALE and "unit_price_satang" not in data:
            raise ValidationError("ต้องระบุราคาขาย (a sale needs its price)", "unit_price_satang")
        if data["listing_kind"] != SALE and "unit_price_satang" in data:
            raise ValidationError(NO_PRICE, "unit_price_satang")

    example = {"name_th": "ข้าวหอมมะลิชัยภูมิ ถุง 5 กิโลกรัม", "name_en": "Chaiyaphum jasmine rice, 5 kg bag",
               "description": "ข้าวหอมมะลิจากนาของสมาชิกกลุ่ม สีใหม่ทุกสัปดาห์", "unit": "ถุง",
               "unit_price_satang": 25000, "stock": 200, "category": "rice",
               "images": ["https://example.org/images/jasmine-rice-5kg.jpg"]}


class ProductPatch(ProductIn):
    """Any of a product's own fields (all optional); the seller never changes."""

    active = fields.Boolean()

    example = {"unit_price_satang": 24000, "stock": 150}

    def __init__(self, **kwargs):
        super().__init__(partial=True, exclude=("seller_org_id", "listing_kind"), **kwargs)

    @validates_schema
    def something_to_change(self, data, **kwargs):
        if not data:
            raise ValidationError("ต้องระบุอย่างน้อยหนึ่งช่อง (nothing to change)", "_body")


class ProductOut(Schema):
    id = fields.UUID()
    seller_org_id = fields.UUID()
    name_th = fields.String()
    name_en = fields.String(allow_none=True)
    description = fields.String()
    unit = fields.String()
    unit_price_satang = fields.Integer()
    stock = fields.Integer()
    category = fields.String()
    images = fields.List(fields.String())
    active = fields.Boolean()
    listing_kind = fields.String()


class ShipTo(Strict):
    name = fields.String(required=True, validate=validate.Length(min=1, max=300))
    address_line = fields.String(required=True, validate=validate.Length(min=1, max=500))
    subdistrict_code = fields.String(required=True, validate=[
        validate.Regexp(r"^\d{6}$", error="รหัสตำบลเป็นตัวเลข 6 หลัก (six digits)"), real_subdistrict])
    phone = fields.String(validate=validate.Length(max=30))


class OrderLineIn(Strict):
    product_id = fields.UUID(required=True)
    quantity = fields.Integer(required=True, strict=True, validate=validate.Range(min=1, max=10**6))


class DeliveryIn(Strict):
    """How the buyer takes the goods, among the seller's delivery options."""

    method = fields.String(required=True, validate=validate.OneOf(DELIVERY_METHODS), metadata={
        "description": "carrier: shipped to ship_to's subdistrict (the seller's fee, if any, is its own "
                       "order line); distribution_centre: picked up at the centre named; local_pickup: "
                       "picked up at the seller's place"})
    distribution_centre_id = fields.UUID(metadata={"description": "for distribution_centre only"})

    @validates_schema
    def a_centre_for_a_centre_pickup(self, data, **kwargs):
        if (data.get("method") == DISTRIBUTION_CENTRE) != ("distribution_centre_id" in data):
            raise ValidationError("ระบุศูนย์กระจายสินค้าเฉพาะเมื่อรับที่ศูนย์ (a distribution centre goes with, "
                                  "and only with, a pickup there)", "distribution_centre_id")


class OrderIn(Strict):
    lines = fields.List(fields.Nested(OrderLineIn), required=True, validate=validate.Length(min=1, max=100))
    ship_to = fields.Nested(ShipTo, required=True)
    delivery = fields.Nested(DeliveryIn, metadata={
        "description": "by a carrier to ship_to when not given"})

    example = {"lines": [{"product_id": "3f2c8a4e-6b1d-4c9e-8f7a-2d5b9e0c1a36", "quantity": 25}],
               "ship_to": {"name": "เครือข่ายสวัสดิการชุมชนจังหวัดภูเก็ต", "address_line": "12 ถนนถลาง",
                           "subdistrict_code": "830101", "phone": "076-211-234"},
               "delivery": {"method": "carrier"}}


class PaymentSettingsIn(Strict):
    collection = fields.String(required=True, validate=validate.OneOf(["provider", "direct"]), metadata={
        "description": "provider: the marketplace's payment provider collects (PromptPay through Omise); "
                       "direct: PromptPay straight to the seller's own PromptPay ID"})
    promptpay_id = fields.String(allow_none=True, validate=validate.Length(max=40), metadata={
        "description": "a Thai mobile number, a 13-digit national ID or tax ID, or a 15-digit e-wallet ID; "
                       "required for direct"})

    example = {"collection": "direct", "promptpay_id": "0812345678"}


class PaymentSettingsOut(Schema):
    seller_org_id = fields.UUID()
    collection = fields.String()
    promptpay_id = fields.String(allow_none=True)


class PaymentRequestOut(Schema):
    order_id = fields.UUID()
    reference = fields.String(metadata={"description": "quote it with a bank transfer"})
    amount_satang = fields.Integer()
    currency = fields.String()
    expires_at = fields.AwareDateTime()
    method = fields.String(metadata={"description": "provider | direct_transfer"})
    provider = fields.String(allow_none=True)
    charge_id = fields.String(allow_none=True)
    qr_payload = fields.String(allow_none=True, metadata={
        "description": "the Thai QR (EMVCo) payload; none once nothing is due and no QR was made"})
    qr_png_url = fields.String()
    qr_svg_url = fields.String()
    status = fields.String(metadata={
        "description": "awaiting_payment | paid | held_for_review | refund_due | expired | cancelled"})


class TransferConfirmationIn(Strict):
    reference = fields.String(required=True, validate=validate.Length(min=1, max=100), metadata={
        "description": "the transfer's reference in the seller's bank statement"})
    amount_satang = fields.Integer(required=True, strict=True, validate=validate.Range(min=1, max=10**12))
    transferred_at = Timestamp(required=True)
    note = fields.String(validate=validate.Length(max=500))

    example = {"reference": "KTB 20260115 093012 000123", "amount_satang": 625000,
               "transferred_at": "2026-01-15T09:30:12+07:00", "note": "เห็นยอดในบัญชีแล้ว"}


class OmiseEventIn(Schema):
    """An Omise webhook: an event object. Only its signature and the charge fetched back from
    Omise's API are trusted, never this copy."""

    class Meta:
        unknown = INCLUDE  # Omise adds fields to its events

    object = fields.String(validate=validate.Equal("event"))
    id = fields.String(required=True, validate=validate.Length(min=1, max=100))
    key = fields.String(required=True, validate=validate.Length(min=1, max=100))
    data = fields.Dict(required=True)
    created_at = fields.String(validate=validate.Length(max=40))

    example = {"object": "event", "id": "evnt_test_5xyz", "livemode": False, "key": "charge.complete",
               "created_at": "2026-01-15T02:30:12Z",
               "data": {"object": "charge", "id": "chrg_test_5xyz", "status": "successful"}}


class WebhookOut(Schema):
    received = fields.Boolean()
    changed = fields.Boolean(metadata={"description": "whether it changed anything (a replay does not)"})


class LineOut(Schema):
    line_no = fields.Integer()
    kind = fields.String()  # goods, or the shipping fee
    product_id = fields.UUID(allow_none=True)
    product_name = fields.String()
    category = fields.String()
    unit = fields.String()
    quantity = fields.Integer()
    unit_price_satang = fields.Integer()


class OrderOut(Schema):
    id = fields.UUID()
    seller_org_id = fields.UUID()
    buyer_org_id = fields.UUID()
    status = fields.String()
    payment_status = fields.String()
    fulfilment_status = fields.String()
    ship_to = fields.Dict()
    lines = fields.List(fields.Nested(LineOut))
    total_satang = fields.Integer()
    placed_at = fields.AwareDateTime()
    expires_at = fields.AwareDateTime()
    paid_at = fields.AwareDateTime(allow_none=True)
    refunded_satang = fields.Integer()
    cancel_reason = fields.String(allow_none=True)
    route = fields.Nested(Route)
    shipment = fields.Dict(allow_none=True)
    receipt = fields.Dict(allow_none=True)
    dispute = fields.Nested(lambda: DisputeOut(), allow_none=True)


CARRIERS = ("thailand_post", "kerry", "flash", "jt_express", "scg_express", "ninja_van", "other")


class ShipmentIn(Strict):
    """A carrier and its tracking number, or nothing when the goods wait at the pickup place."""

    carrier = fields.String(validate=validate.OneOf(CARRIERS))
    tracking_number = fields.String(validate=validate.Regexp(
        r"^[A-Za-z0-9]{6,40}$", error="เลขพัสดุเป็นตัวอักษรหรือตัวเลข 6–40 ตัว (6 to 40 letters or digits)"),
        metadata={"description": "thailand_post numbers of the UPU S10 shape (EE123456785TH) must "
                                 "have their check digit right"})

    @validates_schema
    def tracking_needs_a_carrier(self, data, **kwargs):
        if ("carrier" in data) != ("tracking_number" in data):
            raise ValidationError("ระบุผู้ขนส่งพร้อมเลขพัสดุ (a carrier and its tracking number go together)",
                                  "tracking_number")
        problem = "carrier" in data and tracking_number_problem(data["carrier"], data["tracking_number"])
        if problem:
            raise ValidationError(problem, "tracking_number")

    @post_load
    def postal_numbers_in_capitals(self, data, **kwargs):
        if data.get("carrier") == "thailand_post":
            data["tracking_number"] = data["tracking_number"].upper()
        return data

    example = {"carrier": "thailand_post", "tracking_number": "EE123456785TH"}


class DisputeIn(Strict):
    reason = fields.String(required=True, validate=validate.Length(min=1, max=2000))

    example = {"reason": "ได้รับข้าวไม่ครบ ขาดไป 5 ถุง (5 bags of rice short)"}


class DisputeOut(Schema):
    reason = fields.String()
    opened_by_org_id = fields.UUID()
    opened_at = fields.AwareDateTime()
    outcome = fields.String(allow_none=True, metadata={"description": "received | refund, once resolved"})
    resolved_at = fields.AwareDateTime(allow_none=True)


class DisputeResolutionIn(Strict):
    outcome = fields.String(required=True, validate=validate.OneOf(["received", "refund"]), metadata={
        "description": "received: the goods arrived (the levy is posted); refund: whatever is still "
                       "paid goes back to the buyer"})

    example = {"outcome": "received"}


class CarrierOption(Strict):
    fee_satang = fields.Integer(required=True, strict=True, validate=validate.Range(min=0, max=10**9))


class DeliveryOptionsIn(Strict):
    carrier = fields.Nested(CarrierOption, required=True, allow_none=True, metadata={
        "description": "shipping by a carrier and its fee, or null when the seller does not ship"})
    distribution_centre_ids = fields.List(fields.UUID(), required=True, validate=validate.Length(max=100),
                                          metadata={"description": "the centres buyers may pick up at"})
    local_pickup = fields.Boolean(required=True, metadata={"description": "pickup at the seller's place"})

    @validates_schema
    def offers_something(self, data, **kwargs):
        if data.get("carrier") is None and not data.get("distribution_centre_ids") and not data.get("local_pickup"):
            raise ValidationError("ต้องมีวิธีจัดส่งอย่างน้อยหนึ่งวิธี (at least one delivery option)", "_body")

    example = {"carrier": {"fee_satang": 5000}, "distribution_centre_ids": [], "local_pickup": True}


class DeliveryOptionsOut(Schema):
    seller_org_id = fields.UUID()
    carrier = fields.Nested(CarrierOption, allow_none=True)
    distribution_centre_ids = fields.List(fields.UUID())
    local_pickup = fields.Boolean()


class DistributionCentreOut(Schema):
    id = fields.UUID()
    name_th = fields.String()
    name_en = fields.String(allow_none=True)
    place = fields.Nested(Place)
    address = fields.String()
    opening_hours = fields.List(fields.Nested(OpeningPeriod))
    time_zone = fields.String()
    contact = fields.Nested(Contact)
    serves_groups = fields.List(fields.Integer(), metadata={"description": "province groups served"})
    status = fields.String(metadata={"description": "planned | active (only active ones take pickups)"})


class DistributionCentreList(Schema):
    items = fields.List(fields.Nested(DistributionCentreOut))


class CancellationIn(Strict):
    reason = fields.String(validate=validate.Length(max=500))

    example = {"reason": "ผู้ซื้อขอยกเลิก สั่งซ้ำ (the buyer ordered twice)"}


class RefundLine(Strict):
    line_no = fields.Integer(required=True, strict=True, validate=validate.Range(min=1))
    quantity = fields.Integer(required=True, strict=True, validate=validate.Range(min=1, max=10**6))


class RefundIn(Strict):
    lines = fields.List(fields.Nested(RefundLine), required=True, validate=validate.Length(min=1, max=100))

    example = {"lines": [{"line_no": 1, "quantity": 2}]}


class RefundOut(Schema):
    id = fields.UUID()
    order_id = fields.UUID()
    amount_satang = fields.Integer()
    lines = fields.List(fields.Nested(RefundLine))
    created_at = fields.AwareDateTime()
    status = fields.String(metadata={"description": "confirmed (it counts), or requested of the payment "
                                                    "provider (it counts when the provider confirms it)"})
    charge_id = fields.String(allow_none=True)
    order = fields.Nested(OrderOut)


class CancellationOut(OrderOut):
    refund = fields.Nested(RefundOut(exclude=("order",)), allow_none=True, metadata={
        "description": "the refund asked of the payment provider, when the order was paid through it"})


class DisputeResolutionOut(OrderOut):
    refund = fields.Nested(RefundOut(exclude=("order",)), allow_none=True, metadata={
        "description": "the refund of a refund outcome: confirmed (a direct transfer) or requested of "
                       "the payment provider"})


# -- listing: keyset pagination behind an opaque cursor -----------------------------

class Cursor(fields.String):
    """(sort timestamp, id) of the last item of a page, as an opaque URL-safe string."""

    def _serialize(self, value, attr, obj, **kwargs):
        if value is None:
            return None
        text = json.dumps([value[0].isoformat(), str(value[1])])
        return base64.urlsafe_b64encode(text.encode()).decode()

    def _deserialize(self, value, attr, data, **kwargs):
        try:
            sort_value, item_id = json.loads(base64.urlsafe_b64decode(value.encode()))
            return dt.datetime.fromisoformat(sort_value), uuid.UUID(item_id)
        except (ValueError, TypeError, AttributeError):
            raise ValidationError("ตัวชี้หน้าไม่ถูกต้อง (invalid cursor)") from None


class PageQuery(Strict):
    limit = fields.Integer(load_default=20, validate=validate.Range(min=1, max=100))
    after = Cursor(data_key="cursor")


class OrderQuery(PageQuery):
    seller_org_id = fields.UUID()
    buyer_org_id = fields.UUID()
    status = fields.String(validate=validate.OneOf(STATUSES))


class ProductQuery(PageQuery):
    q = fields.String(validate=validate.Length(min=1, max=200))
    category = fields.String(validate=validate.Length(min=1, max=100))
    seller_org_id = fields.UUID()
    province = fields.String(validate=validate.Regexp(r"^\d{2}$", error="รหัสจังหวัด 2 หลัก (two digits)"))
    province_group = fields.Integer(validate=validate.Range(min=1, max=99))
    region = fields.String(validate=validate.Length(min=1, max=50))
    listing_kind = fields.String(validate=validate.OneOf(LISTING_KINDS))


class OrderPage(Schema):
    items = fields.List(fields.Nested(OrderOut))
    next_cursor = Cursor(allow_none=True)


class ProductPage(Schema):
    items = fields.List(fields.Nested(ProductOut))
    next_cursor = Cursor(allow_none=True)


# -- reconciliation (operators; funds' reconcile command) -----------------------------

class ReconciliationQuery(PageQuery):
    limit = fields.Integer(load_default=200, validate=validate.Range(min=1, max=1000))
    paid_from = Timestamp(metadata={"description": "paid at or after"})
    paid_to = Timestamp(metadata={"description": "paid before"})
    # 100 ids keep the URL within what the HTTP server reads (8 KiB); the reconciler asks 100 at a time
    order_id = fields.List(fields.UUID(), validate=validate.Length(max=100), metadata={
        "description": "only these orders, if paid (repeat the parameter)"})


class PaidOrderOut(OrderOut):
    """An order without its delivery address (funds has no use for it)."""

    class Meta:
        exclude = ("ship_to",)


class ReconciliationOrder(Schema):
    order = fields.Nested(PaidOrderOut)
    events = fields.List(fields.Nested(EnvelopeSchema), metadata={
        "description": "the order's order.paid, delivered, cancelled, expired and refunded events "
                       "as published (original event ids), in the order they were staged"})


class ReconciliationPage(Schema):
    orders = fields.List(fields.Nested(ReconciliationOrder))
    next_cursor = Cursor(allow_none=True)



# -- shares and exchanges: goods given away or swapped, no money (marketplace.sharing, .exchange) ----

class ShareIn(Strict):
    listing_id = fields.UUID(required=True, metadata={"description": "a share listing of another organisation"})
    quantity = fields.Integer(required=True, strict=True, validate=validate.Range(min=1, max=10**6))
    ship_to = fields.Nested(ShipTo, required=True)

    example = {"listing_id": "3f2c8a4e-6b1d-4c9e-8f7a-2d5b9e0c1a36", "quantity": 10,
               "ship_to": {"name": "ศูนย์พัฒนาเด็กเล็กบ้านนาเกลือ", "address_line": "8 หมู่ 2",
                           "subdistrict_code": "830101", "phone": "076-211-555"}}


class ShareOut(Schema):
    id = fields.UUID()
    listing_id = fields.UUID()
    giver_org_id = fields.UUID()
    receiver_org_id = fields.UUID()
    status = fields.String(metadata={"description": " | ".join(SHARE_STATUSES)})
    goods = fields.Nested(TradeGoods)
    ship_to = fields.Dict()
    route = fields.Nested(Route)
    shipment = fields.Nested(Shipment, allow_none=True)
    receipt = fields.Nested(Receipt, allow_none=True)
    requested_at = fields.AwareDateTime()


class ShareQuery(PageQuery):
    status = fields.String(validate=validate.OneOf(SHARE_STATUSES))


class SharePage(Schema):
    items = fields.List(fields.Nested(ShareOut))
    next_cursor = Cursor(allow_none=True)


class ExchangeIn(Strict):
    listing_id = fields.UUID(required=True, metadata={"description": "an exchange listing of another organisation"})
    quantity = fields.Integer(required=True, strict=True, validate=validate.Range(min=1, max=10**6), metadata={
        "description": "how much of the listing is wanted"})
    offered_listing_id = fields.UUID(required=True, metadata={"description": "a listing of the offerer's own"})
    offered_quantity = fields.Integer(required=True, strict=True, validate=validate.Range(min=1, max=10**6))

    example = {"listing_id": "3f2c8a4e-6b1d-4c9e-8f7a-2d5b9e0c1a36", "quantity": 20,
               "offered_listing_id": "8d0f5b7e-2a4c-4e61-9b3d-5c7a1e9f0b24", "offered_quantity": 12}


class ExchangeOut(Schema):
    id = fields.UUID()
    owner_org_id = fields.UUID()
    offerer_org_id = fields.UUID()
    status = fields.String(metadata={"description": " | ".join(EXCHANGE_STATUSES)})
    owner_leg = fields.Nested(ExchangeLeg, metadata={"description": "the listing's goods, owner → offerer"})
    offerer_leg = fields.Nested(ExchangeLeg, metadata={"description": "the offered goods, offerer → owner"})
    offered_at = fields.AwareDateTime()


class ExchangeShipmentIn(ShipmentIn):
    side = fields.String(validate=validate.OneOf(EXCHANGE_SIDES), metadata={
        "description": "whose goods were shipped: an operator names it; an organisation ships its own"})

    example = {"carrier": "kerry", "tracking_number": "KEX123456789"}


class ExchangeReceiptIn(Strict):
    side = fields.String(validate=validate.OneOf(EXCHANGE_SIDES), metadata={
        "description": "whose goods arrived: an operator names it; an organisation confirms the other "
                       "side's (an empty body)"})

    example = {"side": "owner"}


class ExchangeQuery(PageQuery):
    status = fields.String(validate=validate.OneOf(EXCHANGE_STATUSES))


class ExchangePage(Schema):
    items = fields.List(fields.Nested(ExchangeOut))
    next_cursor = Cursor(allow_none=True)
