"""What crosses the marketplace's HTTP boundary."""
import geothai
from marshmallow import RAISE, Schema, ValidationError, fields, validate


class Strict(Schema):
    class Meta:
        unknown = RAISE


def real_subdistrict(code):
    if geothai.subdistrict(code) is None:
        raise ValidationError(f"ไม่พบรหัสตำบล {code} (no such subdistrict)")


class ProductIn(Strict):
    seller_id = fields.UUID()
    name_th = fields.String(required=True, validate=validate.Length(min=1, max=300))
    name_en = fields.String(allow_none=True, validate=validate.Length(max=300))
    description = fields.String(validate=validate.Length(max=5000))
    unit = fields.String(required=True, validate=validate.Length(min=1, max=50))
    unit_price_satang = fields.Integer(required=True, strict=True, validate=validate.Range(min=0, max=10**11))
    stock = fields.Integer(required=True, strict=True, validate=validate.Range(min=0, max=10**9))
    category = fields.String(required=True, validate=validate.Length(min=1, max=100))
    images = fields.List(fields.Url(), validate=validate.Length(max=20))


class ProductOut(Schema):
    id = fields.UUID()
    seller_id = fields.UUID()
    name_th = fields.String()
    name_en = fields.String(allow_none=True)
    description = fields.String()
    unit = fields.String()
    unit_price_satang = fields.Integer()
    stock = fields.Integer()
    category = fields.String()
    images = fields.List(fields.String())
    active = fields.Boolean()


class ShipTo(Strict):
    name = fields.String(required=True, validate=validate.Length(min=1, max=300))
    address_line = fields.String(required=True, validate=validate.Length(min=1, max=500))
    subdistrict_code = fields.String(required=True, validate=[
        validate.Regexp(r"^\d{6}$", error="รหัสตำบลเป็นตัวเลข 6 หลัก (six digits)"), real_subdistrict])
    phone = fields.String(validate=validate.Length(max=30))


class OrderLineIn(Strict):
    product_id = fields.UUID(required=True)
    quantity = fields.Integer(required=True, strict=True, validate=validate.Range(min=1, max=10**6))


class OrderIn(Strict):
    lines = fields.List(fields.Nested(OrderLineIn), required=True, validate=validate.Length(min=1, max=100))
    ship_to = fields.Nested(ShipTo, required=True)


class PaymentIn(Strict):
    amount_satang = fields.Integer(required=True, strict=True, validate=validate.Range(min=0))
    reference = fields.String(validate=validate.Length(max=200))


class LineOut(Schema):
    line_no = fields.Integer()
    product_id = fields.UUID()
    product_name = fields.String()
    category = fields.String()
    unit = fields.String()
    quantity = fields.Integer()
    unit_price_satang = fields.Integer()


class OrderOut(Schema):
    id = fields.UUID()
    seller_id = fields.UUID()
    buyer_id = fields.UUID()
    status = fields.String()
    payment_status = fields.String()
    fulfilment_status = fields.String()
    ship_to = fields.Dict()
    lines = fields.List(fields.Nested(LineOut))
    total_satang = fields.Integer()
    placed_at = fields.AwareDateTime()
    expires_at = fields.AwareDateTime()
    paid_at = fields.AwareDateTime(allow_none=True)
