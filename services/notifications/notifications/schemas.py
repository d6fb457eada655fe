"""What crosses HTTP: query parameters in, delivery log entries and previews out."""
from marshmallow import Schema, fields, validate


class LogQuery(Schema):
    status = fields.String(load_default=None, validate=validate.OneOf(["queued", "sent", "failed"]))
    limit = fields.Integer(load_default=100, validate=validate.Range(min=1, max=500))


class RecipientLogQuery(LogQuery):
    recipient = fields.Email(required=True)


class PreviewQuery(Schema):
    language = fields.String(load_default="th", validate=validate.OneOf(["th", "en"]))


class DeliveryLogEntry(Schema):
    delivery_id = fields.UUID(attribute="id")
    event_id = fields.UUID()
    officer_id = fields.UUID(allow_none=True)  # None: an email to an address (a sign-in link)
    fund_id = fields.UUID(allow_none=True)
    kind = fields.String()
    recipient = fields.String()
    subject = fields.String()
    message_id = fields.String()
    status = fields.String()
    attempts = fields.Integer()
    last_error = fields.String(allow_none=True)
    created_at = fields.DateTime()
    sent_at = fields.DateTime(allow_none=True)


class DeliveryLog(Schema):
    deliveries = fields.List(fields.Nested(DeliveryLogEntry))


class Preview(Schema):
    kind = fields.String()
    critical = fields.Boolean()
    subject = fields.String()
    text = fields.String()
    html = fields.String()
