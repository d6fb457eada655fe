"""nameko entrypoints of the notifications service; its events are consumed through the handler
table (``notifications.handlers``) and its mail is sent by ``notifications.worker``."""
from chassis.http import http, path_uuid
from chassis.service import PlatformService
from nameko.timer import timer

from notifications import bootstrap, compose, handlers, schemas
from notifications.worker import DeliveryWorker

DIGEST_CHECK_SECONDS = 60  # digest times are to the minute
OPERATOR = ("operator",)
TEMPLATE_KIND = {"kind": {"type": "string", "enum": sorted(compose.KINDS)}}


class NotificationsService(PlatformService):
    name = "notifications"
    event_handlers = handlers.EVENT_HANDLERS
    bootstrap = staticmethod(bootstrap.bootstrap)
    mail = DeliveryWorker()

    @timer(interval=DIGEST_CHECK_SECONDS)
    def queue_due_digests(self):
        with self.unit_of_work() as uow:
            handlers.queue_due_digests(uow, self.app.clock(), self.app.settings.message_id_domain,
                                       self.app.settings.web_url)

    @http("GET", "/v1/funds/<fund_id>/deliveries", query=schemas.LogQuery, response=schemas.DeliveryLog,
          roles=OPERATOR)
    def deliveries_of_fund(self, fund_id, query):
        """อีเมลถึงเจ้าหน้าที่ของกองทุน (the emails to a fund's officers, newest first)"""
        fund_id = path_uuid(fund_id, "fund_id")
        with self.unit_of_work() as uow:
            return {"deliveries": uow.deliveries.for_fund(fund_id, **query)}

    @http("GET", "/v1/deliveries", query=schemas.RecipientLogQuery, response=schemas.DeliveryLog,
          roles=OPERATOR)
    def deliveries_of_recipient(self, query):
        """อีเมลถึงผู้รับหนึ่งราย (the emails to one address, newest first)"""
        with self.unit_of_work() as uow:
            return {"deliveries": uow.deliveries.for_recipient(query.pop("recipient"), **query)}

    @http("POST", "/v1/deliveries/<delivery_id>/resend", response=schemas.DeliveryLogEntry, status=202,
          roles=OPERATOR, errors={409: "ส่งซ้ำได้เฉพาะอีเมลที่ส่งไม่สำเร็จ (only a failed email can be resent)"})
    def resend_delivery(self, delivery_id):
        """ส่งอีเมลที่ส่งไม่สำเร็จอีกครั้ง (resend a failed email)

        เข้าคิวส่งใหม่ด้วย Message-ID เดิม ไม่มี body (queued again with the same Message-ID; no
        body)."""
        with self.unit_of_work() as uow:
            return handlers.resend(uow, path_uuid(delivery_id, "delivery_id"))

    @http("GET", "/v1/templates/<kind>/preview", query=schemas.PreviewQuery, response=schemas.Preview,
          path=TEMPLATE_KIND, roles=OPERATOR)
    def preview_template(self, kind, query):
        """ตัวอย่างอีเมลจากแม่แบบ (preview an email template with sample data)"""
        template = compose.template_kind(kind)
        subject, text, html = compose.preview(template, query["language"])
        return {"kind": template.name, "critical": template.critical, "subject": subject, "text": text,
                "html": html}
