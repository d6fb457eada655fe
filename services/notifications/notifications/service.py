"""nameko entrypoints of the notifications service; its events are consumed through the handler
table (``notifications.handlers``) and its mail is sent by ``notifications.worker``."""
from chassis.http import http, load, path_uuid
from chassis.service import PlatformService
from nameko.timer import timer

from notifications import bootstrap, compose, handlers, schemas
from notifications.adapters import NotificationsUnitOfWork
from notifications.worker import DeliveryWorker

DIGEST_CHECK_SECONDS = 60  # digest times are to the minute
TEMPLATE_KIND = {"kind": {"type": "string", "enum": sorted(compose.KINDS)}}


class NotificationsService(PlatformService):
    name = "notifications"
    event_handlers = handlers.EVENT_HANDLERS
    bootstrap = staticmethod(bootstrap.bootstrap)
    mail = DeliveryWorker()

    @timer(interval=DIGEST_CHECK_SECONDS)
    def queue_due_digests(self):
        with self.db.unit_of_work(self.app.unit_of_work) as uow:
            handlers.queue_due_digests(uow, self.app.clock(), self.app.settings.message_id_domain)

    @http("GET", "/v1/funds/<fund_id>/deliveries", query=schemas.LogQuery, response=schemas.DeliveryLog)
    def deliveries_of_fund(self, request, fund_id):
        """อีเมลถึงเจ้าหน้าที่ของกองทุน (the emails to a fund's officers, newest first)"""
        self.db.principal(request).require("operator")
        fund_id = path_uuid(fund_id, "fund_id")
        query = load(schemas.LogQuery(), request.args.to_dict())
        with self.db.unit_of_work(NotificationsUnitOfWork) as uow:
            rows = uow.deliveries.for_fund(fund_id, **query)
        return 200, {"deliveries": schemas.DeliveryLogEntry(many=True).dump(rows)}

    @http("GET", "/v1/deliveries", query=schemas.RecipientLogQuery, response=schemas.DeliveryLog)
    def deliveries_of_recipient(self, request):
        """อีเมลถึงผู้รับหนึ่งราย (the emails to one address, newest first)"""
        self.db.principal(request).require("operator")
        query = load(schemas.RecipientLogQuery(), request.args.to_dict())
        with self.db.unit_of_work(NotificationsUnitOfWork) as uow:
            rows = uow.deliveries.for_recipient(query.pop("recipient"), **query)
        return 200, {"deliveries": schemas.DeliveryLogEntry(many=True).dump(rows)}

    @http("POST", "/v1/deliveries/<delivery_id>/resend", response=schemas.DeliveryLogEntry, status=202,
          errors={409: "ส่งซ้ำได้เฉพาะอีเมลที่ส่งไม่สำเร็จ (only a failed email can be resent)"})
    def resend_delivery(self, request, delivery_id):
        """ส่งอีเมลที่ส่งไม่สำเร็จอีกครั้ง (resend a failed email)

        เข้าคิวส่งใหม่ด้วย Message-ID เดิม ไม่มี body (queued again with the same Message-ID; no
        body)."""
        self.db.principal(request).require("operator")
        with self.db.unit_of_work(NotificationsUnitOfWork) as uow:
            entry = handlers.resend(uow, path_uuid(delivery_id, "delivery_id"))
        return 202, schemas.DeliveryLogEntry().dump(entry)

    @http("GET", "/v1/templates/<kind>/preview", query=schemas.PreviewQuery, response=schemas.Preview,
          path=TEMPLATE_KIND)
    def preview_template(self, request, kind):
        """ตัวอย่างอีเมลจากแม่แบบ (preview an email template with sample data)"""
        self.db.principal(request).require("operator")
        query = load(schemas.PreviewQuery(), request.args.to_dict())
        template = compose.template_kind(kind)
        subject, text, html = compose.preview(template, query["language"])
        return 200, schemas.Preview().dump({"kind": template.name, "critical": template.critical,
                                            "subject": subject, "text": text, "html": html})
