"""nameko entrypoints of the marketplace: thin, the logic lives in ``orders``, ``collection`` and
``catalogue``; its events are consumed through the handler table (``marketplace.handlers``).

The payment provider is called here, between short transactions, never inside one."""
import logging
from functools import partial

from werkzeug.wrappers import Response

from chassis.errors import Conflict, DomainError, NotFound, TransientError
from chassis.http import http, path_uuid
from chassis.service import ConfiguredTimer, PlatformService

from marketplace import (bootstrap, catalogue, collection, delivery, exchange, handlers, orders, payment_reconciler,
                         promptpay, schemas, sharing)
from marketplace.payments import WebhookRejected, confirm_from_webhook

log = logging.getLogger(__name__)

EXPIRY_BATCH = 100
RECEIPT_BATCH = 100
REFUND_RETRY_BATCH = 50
ILLEGAL_STEP = "สถานะของคำสั่งซื้อไม่อนุญาต (the order's state does not allow this step)"
ILLEGAL_SHARE_STEP = "สถานะของการแบ่งปันไม่อนุญาต (the share's state does not allow this step)"
ILLEGAL_EXCHANGE_STEP = "สถานะของการแลกเปลี่ยนไม่อนุญาต (the exchange's state does not allow this step)"
PARTIES = "ผู้ซื้อ ผู้ขาย หรือเจ้าหน้าที่ (the buyer, the seller or an operator)"
QR_IMAGES = {"png": ("image/png", promptpay.qr_png), "svg": ("image/svg+xml", promptpay.qr_svg)}
NO_QR = "ไม่มีคิวอาร์ให้ชำระ คำสั่งซื้อนี้ไม่รอชำระเงินแล้ว (no QR to pay: the order awaits no payment)"


class MarketplaceService(PlatformService):
    name = "marketplace"
    retained_events = orders.RECONCILED_EVENTS  # GET /v1/reconciliation/orders serves them
    event_handlers = handlers.EVENT_HANDLERS
    bootstrap = staticmethod(bootstrap.bootstrap)

    @property
    def order_ttl(self):
        return self.app.settings.order_ttl

    # -- catalogue -------------------------------------------------------------------
    @http("POST", "/v1/products", body=schemas.ProductIn, response=schemas.ProductOut, status=201,
          roles=("organisation", "operator"),
          errors={422: "เจ้าหน้าที่ไม่ได้ระบุ seller_org_id หรือยังไม่พบผู้ขายในทะเบียน "
                       "(an operator gave no seller_org_id, or the seller is not in the registry yet)"})
    def create_product(self, principal, body):
        """ลงขายสินค้า (put a product on sale)

        องค์กรขายในนามของตน เจ้าหน้าที่ต้องระบุ seller_org_id (an organisation sells as itself; an
        operator names the seller_org_id)."""
        with self.unit_of_work() as uow:
            return catalogue.create_product(uow, principal, body)

    @http("GET", "/v1/products", query=schemas.ProductQuery, response=schemas.ProductPage, public=True)
    def search_products(self, query):
        """ค้นหาสินค้า (search the catalogue)

        สินค้าที่พร้อมขาย ตามคำค้น หมวด ผู้ขาย หรือที่ตั้งของผู้ขาย (products on sale, by words,
        category, seller or the seller's place)."""
        with self.unit_of_work() as uow:
            items, after = catalogue.search_products(uow, query)
        return {"items": items, "next_cursor": after}

    @http("GET", "/v1/products/<product_id>", response=schemas.ProductOut, public=True)
    def get_product(self, product_id):
        """ดูสินค้า (get a product)"""
        with self.unit_of_work() as uow:
            return catalogue.get_product(uow, path_uuid(product_id, "product_id"))

    @http("PATCH", "/v1/products/<product_id>", body=schemas.ProductPatch, response=schemas.ProductOut,
          roles=("organisation", "operator"))
    def update_product(self, principal, product_id, body):
        """แก้ไขสินค้า (change a product)

        ผู้ขายหรือเจ้าหน้าที่ ส่งเฉพาะช่องที่แก้ (its seller or an operator; send the fields that
        change)."""
        product_id = path_uuid(product_id, "product_id")
        with self.unit_of_work() as uow:
            return catalogue.update_product(uow, principal, product_id, body)

    # -- orders: a POST runs in the unit of work @http opens, its Idempotency-Key claimed there ----
    @http("POST", "/v1/orders", body=schemas.OrderIn, response=schemas.OrderOut, status=201,
          unit_of_work=True, idempotent=True, errors={
              409: "สินค้ามีไม่พอ (not enough stock)",
              422: "ไม่พบสินค้าหรือไม่พร้อมขาย สินค้ามาจากผู้ขายหลายราย หรือซื้อสินค้าของตนเอง "
                   "(a product not found or not on sale, products of several sellers, or buying from "
                   "oneself)"})
    def place_order(self, uow, principal, body):
        """สั่งซื้อ (place an order)

        สินค้าของผู้ขายรายเดียว ผู้ซื้อคือองค์กรของโทเคน คำสั่งซื้อที่ไม่ชำระตามเวลาจะหมดอายุ (the
        products of one seller, bought by the token's organisation; an unpaid order expires)."""
        return collection.place_order(uow, principal, body, self.app.clock(), self.order_ttl)

    @http("GET", "/v1/orders", query=schemas.OrderQuery, response=schemas.OrderPage)
    def list_orders(self, principal, query):
        """รายการคำสั่งซื้อ (list orders)

        องค์กรเห็นคำสั่งซื้อที่ตนซื้อหรือขาย เจ้าหน้าที่เห็นทั้งหมด (an organisation sees the orders
        it buys or sells; an operator sees all)."""
        with self.unit_of_work() as uow:
            items, after = orders.list_orders(uow, principal, query)
        return {"items": items, "next_cursor": after}

    @http("GET", "/v1/orders/<order_id>", response=schemas.OrderOut)
    def get_order(self, principal, order_id):
        """ดูคำสั่งซื้อ (get an order)"""
        with self.unit_of_work() as uow:
            return orders.get_order(uow, principal, path_uuid(order_id, "order_id"))

    # -- payments: confirmed by the side that holds the money, never the buyer -------------
    @http("PUT", "/v1/sellers/<seller_org_id>/payment-settings", body=schemas.PaymentSettingsIn,
          response=schemas.PaymentSettingsOut, roles=("organisation", "operator"))
    def put_payment_settings(self, principal, seller_org_id, body):
        """ตั้งค่าการรับชำระเงินของผู้ขาย (set how a seller is paid)

        ผู้ขายเองหรือเจ้าหน้าที่ provider: ผู้ให้บริการชำระเงินของตลาดรับเงิน direct: พร้อมเพย์เข้าบัญชีของ
        ผู้ขายโดยตรง ใช้กับคำสั่งซื้อถัดไป (the seller itself or an operator; provider: the marketplace's
        payment provider collects; direct: PromptPay to the seller's own PromptPay ID; applies to the
        orders placed from now on)."""
        seller_org_id = path_uuid(seller_org_id, "seller_org_id")
        with self.unit_of_work() as uow:
            return collection.set_payment_settings(uow, principal, seller_org_id, body)

    @http("GET", "/v1/orders/<order_id>/payment-request", response=schemas.PaymentRequestOut, errors={
        422: "ผู้ให้บริการชำระเงินไม่รับยอดนี้ (the payment provider refuses this amount)",
        502: "ผู้ให้บริการชำระเงินไม่รับกุญแจของระบบ (the payment provider refused our key)"})
    def get_payment_request(self, principal, order_id):
        """ดูคำขอชำระเงินและคิวอาร์พร้อมเพย์ (the payment request and its Thai QR)

        ยอด เลขอ้างอิง วันหมดอายุ และคิวอาร์ ผู้ซื้อ ผู้ขาย หรือเจ้าหน้าที่ ครั้งแรกที่ดูคำขอที่ชำระผ่าน
        ผู้ให้บริการ ระบบสร้างรายการชำระเงินที่ผู้ให้บริการ (amount, reference, expiry and QR, for the
        buyer, the seller or an operator; the first look at a provider request makes its charge)."""
        return self._payment_request(principal, path_uuid(order_id, "order_id"), then=collection.view)

    @http("GET", "/v1/orders/<order_id>/payment-request/qr.png", media={"image/png": {
        "schema": {"type": "string", "contentMediaType": "image/png"}}}, errors={409: NO_QR})
    def get_payment_qr_png(self, principal, order_id):
        """คิวอาร์พร้อมเพย์เป็นภาพ PNG (the Thai QR as a PNG image)"""
        return self._qr_image(principal, order_id, "png")

    @http("GET", "/v1/orders/<order_id>/payment-request/qr.svg", media={"image/svg+xml": {
        "schema": {"type": "string", "contentMediaType": "image/svg+xml"}}}, errors={409: NO_QR})
    def get_payment_qr_svg(self, principal, order_id):
        """คิวอาร์พร้อมเพย์เป็นภาพ SVG (the Thai QR as an SVG image)"""
        return self._qr_image(principal, order_id, "svg")

    def _qr_image(self, principal, order_id, kind):
        _, request = self._payment_request(principal, path_uuid(order_id, "order_id"))
        if not request.qr_payload:
            raise Conflict(NO_QR)
        content_type, draw = QR_IMAGES[kind]
        return Response(draw(request.qr_payload), content_type=content_type,
                        headers={"Cache-Control": "private, max-age=300"})

    def _payment_request(self, principal, order_id, then=lambda uow, order, request: (order, request)):
        """``then(uow, order, payment request)`` in the request's last transaction, the provider's
        charge made first if it is the first look (its HTTP call outside any transaction)."""
        with self.unit_of_work() as uow:
            order, request = collection.payment_request_of(uow, principal, order_id)
            if not collection.needs_charge(order, request, self.app.clock()):
                return then(uow, order, request)
        charge = self.app.payments.create_promptpay_charge(request.reference, request.amount_satang,
                                                           request.expires_at)
        qr_payload = self.app.payments.qr_payload(charge)
        with self.unit_of_work() as uow:
            return then(uow, order, collection.attach_charge(uow, order_id, charge, qr_payload))

    @http("POST", "/v1/payments/omise/webhook", body=schemas.OmiseEventIn, response=schemas.WebhookOut,
          public=True, errors={401: "ลายเซ็นของ Omise ไม่มี ไม่ถูกต้อง หรือหมดอายุ (Omise's signature "
                                    "is missing, wrong or stale)"})
    def omise_webhook(self, request, body):
        """รับการแจ้งเตือนจาก Omise (Omise's webhook)

        ตรวจลายเซ็นตามที่ Omise กำหนด แล้วดึงรายการชำระเงินจาก API ของ Omise อีกครั้ง ไม่เชื่อสำเนาใน
        การแจ้งเตือน เหตุการณ์เดิมซ้ำไม่เปลี่ยนอะไร (verified as Omise documents, then the charge is
        fetched back from Omise's API: the webhook's copy is never trusted; the same event again
        changes nothing)."""
        try:
            event, charge = confirm_from_webhook(self.app.payments, request.headers, request.get_data())
        except WebhookRejected as exc:
            log.warning("Omise webhook refused: %s", exc)
            raise
        except NotFound:
            log.warning("Omise webhook %s about a charge Omise does not know: nothing credited", body["id"])
            return {"received": True, "changed": False}
        refunds = self.app.payments.fetch_refunds(charge.id) \
            if charge is not None and event.type.startswith("refund.") else []
        with self.unit_of_work() as uow:
            changed = collection.apply_provider_event(uow, event, charge, refunds, self.app.clock())
        return {"received": True, "changed": changed}

    @http("POST", "/v1/orders/<order_id>/transfer-confirmations", body=schemas.TransferConfirmationIn,
          response=schemas.OrderOut, roles=("organisation", "operator"), unit_of_work=True,
          idempotent=True, errors={
              409: "คำสั่งซื้อนี้ชำระผ่านผู้ให้บริการชำระเงิน (this order is paid through the payment provider)",
              422: "เวลาโอนอยู่ในอนาคต (the transfer time is in the future)"})
    def confirm_transfer(self, uow, principal, order_id, body):
        """ผู้ขายยืนยันว่าได้รับเงินโอนแล้ว (the seller confirms a transfer arrived)

        ผู้ขายของคำสั่งซื้อหรือเจ้าหน้าที่ ผู้ซื้อยืนยันไม่ได้ ยอดตรงกับยอดสั่งซื้อก่อนหมดอายุ: ชำระแล้ว
        ยอดไม่ตรง: พักไว้ให้เจ้าหน้าที่ตรวจ หลังหมดอายุหรือยกเลิก: บันทึกไว้เพื่อคืนเงิน เลขอ้างอิงเดิมซ้ำ
        ไม่เปลี่ยนอะไร (the order's seller or an operator, never the buyer: the order's total before
        its expiry pays it; another amount is held for an operator; after expiry or cancellation it
        is recorded as due back; the same reference again changes nothing)."""
        return collection.confirm_transfer(uow, principal, path_uuid(order_id, "order_id"), body,
                                           self.app.clock())

    @http("POST", "/v1/orders/<order_id>/shipment", body=schemas.ShipmentIn,
          response=schemas.OrderOut, unit_of_work=True, idempotent=True,
          errors={409: ILLEGAL_STEP})
    def ship_order(self, uow, principal, order_id, body):
        """แจ้งจัดส่ง (the order was shipped, or made ready for pickup)

        ผู้ขายหรือเจ้าหน้าที่ (its seller or an operator)."""
        return orders.ship_order(uow, principal, path_uuid(order_id, "order_id"), body, self.app.clock())

    @http("POST", "/v1/orders/<order_id>/receipt", response=schemas.OrderOut, unit_of_work=True,
          idempotent=True, errors={409: ILLEGAL_STEP})
    def confirm_receipt(self, uow, principal, order_id):
        """ยืนยันรับสินค้า (the goods arrived: the fund's levy is posted)

        ผู้ซื้อหรือเจ้าหน้าที่ ไม่ใช่ผู้ขาย (its buyer or an operator, never the seller)."""
        return orders.confirm_receipt(uow, principal, path_uuid(order_id, "order_id"), self.app.clock())

    @http("POST", "/v1/orders/<order_id>/cancellation", body=schemas.CancellationIn,
          response=schemas.CancellationOut, unit_of_work=True, idempotent=True,
          errors={409: ILLEGAL_STEP, 202: {
              "description": "ขอคืนเงินจากผู้ให้บริการแล้ว ยกเลิกเมื่อผู้ให้บริการยืนยัน (the refund is asked "
                             "of the payment provider; the order is cancelled when it confirms)",
              "content": {"application/json": {"schema": {"$ref": "#/components/schemas/CancellationOut"}}}}})
    def cancel_order(self, uow, principal, order_id, body):
        """ยกเลิกคำสั่งซื้อ (cancel an order)

        ผู้ซื้อ ผู้ขาย หรือเจ้าหน้าที่ ก่อนจัดส่งเท่านั้น ยอดที่ชำระแล้วคืนให้ผู้ซื้อ ชำระผ่านผู้ให้บริการ:
        ยกเลิกเมื่อผู้ให้บริการยืนยันการคืนเงิน (202) (either party or an operator, before shipment only;
        whatever was paid goes back to the buyer; paid through the provider: cancelled once the
        provider confirms the refund, 202)."""
        status, order, refund = collection.cancel_order(uow, principal, path_uuid(order_id, "order_id"),
                                                        body, self.app.clock())
        if refund is not None:
            uow.after_commit(partial(self._ask_provider_refund, refund))
        return status, {**vars(order), "total_satang": order.total_satang,
                        "refunded_satang": order.refunded_satang, "refund": refund}

    @http("POST", "/v1/orders/<order_id>/refunds", body=schemas.RefundIn, response=schemas.RefundOut,
          status=201, unit_of_work=True, idempotent=True, errors={
              409: ILLEGAL_STEP,
              422: "ไม่มีรายการนี้ในคำสั่งซื้อ หรือคืนเกินกว่าที่ชำระ (no such order line, or more than "
                   "was paid)",
              202: {"description": "ขอคืนเงินจากผู้ให้บริการแล้ว นับเมื่อผู้ให้บริการยืนยัน (asked of the "
                                   "payment provider; it counts when the provider confirms it)",
                    "content": {"application/json": {"schema": {"$ref": "#/components/schemas/RefundOut"}}}}})
    def refund_order(self, uow, principal, order_id, body):
        """คืนเงินบางรายการ (refund order lines)

        ผู้ขายหรือเจ้าหน้าที่ คืนเป็นเงินเท่านั้น ไม่คืนสต็อก โอนตรง: ผู้ขายบันทึกเงินที่คืนแล้ว นับทันที
        (201) ชำระผ่านผู้ให้บริการ: ขอคืนผ่านผู้ให้บริการ นับเมื่อผู้ให้บริการยืนยัน (202) (its seller or
        an operator; money only: stock is not put back; a direct transfer: the seller records the
        refund it made, which counts at once, 201; through the provider: asked of the provider, it
        counts when the provider confirms it, 202)."""
        status, order, refund = collection.refund_order(uow, principal, path_uuid(order_id, "order_id"),
                                                        body, self.app.clock())
        if refund["status"] == "requested":
            uow.after_commit(partial(self._ask_provider_refund, refund))
        return status, {**refund, "order": order}

    def _ask_provider_refund(self, refund):
        """Ask the provider for a refund once its request is committed (its reference is our
        refund id, so asking again never refunds twice); its webhook confirms it."""
        try:
            self.app.payments.refund(refund["charge_id"], refund["amount_satang"], str(refund["id"]))
        except (TransientError, DomainError) as exc:
            log.warning("refund %s not yet asked of the provider (%s): asked again later", refund["id"], exc)

    @ConfiguredTimer.decorator("refund_retry_seconds")
    def retry_provider_refunds(self):
        """Refunds asked of the provider and not confirmed for a while: ask again (once per
        reference at the provider) and count those it reports made."""
        now = self.app.clock()
        with self.unit_of_work() as uow:
            due = uow.refunds.requested_before(now - self.app.settings.refund_retry, REFUND_RETRY_BATCH)
        for refund in due:
            try:
                made = self.app.payments.refund(refund["charge_id"], refund["amount_satang"], str(refund["id"]))
            except (TransientError, DomainError) as exc:
                log.warning("refund %s still not made by the provider: %s", refund["id"], exc)
                continue
            with self.unit_of_work() as uow:
                collection.confirm_provider_refunds(uow, refund["charge_id"], [made], self.app.clock())

    @http("GET", "/v1/reconciliation/orders", query=schemas.ReconciliationQuery,
          response=schemas.ReconciliationPage)
    def reconciliation_orders(self, principal, query):
        """คำสั่งซื้อที่ชำระแล้วพร้อมเหตุการณ์ (paid orders with their events)

        สำหรับการกระทบยอดของกองทุน เจ้าหน้าที่เท่านั้น (for funds' reconciliation; operators only)."""
        with self.unit_of_work() as uow:
            return orders.reconciliation_page(uow, principal, query)

    @ConfiguredTimer.decorator("order_expiry_sweep_seconds")
    def expire_unpaid_orders(self):
        """Expire unpaid orders past their time to live, a batch per transaction until none is due."""
        while True:
            with self.unit_of_work() as uow:
                expired = orders.expire_due_orders(uow, self.app.clock(), EXPIRY_BATCH)
            if len(expired) < EXPIRY_BATCH:
                return

    # -- payment reconciliation (off unless PAYMENT_RECONCILE_INTERVAL_S > 0) ----------
    @ConfiguredTimer.decorator("payment_reconcile_interval_s")
    def reconcile_payments_periodically(self):
        """Compare the provider's charges of yesterday and today with the recorded payments."""
        payment_reconciler.periodically(self.db, self.app)

    # -- delivery: distribution centres, sellers' delivery options, disputes, automatic receipt --
    @http("GET", "/v1/distribution-centres", response=schemas.DistributionCentreList, public=True)
    def list_distribution_centres(self):
        """ศูนย์กระจายสินค้า (the distribution centres)

        ที่ตั้ง จังหวัด เวลาทำการ และกลุ่มจังหวัดที่ให้บริการ ตามทะเบียนศูนย์ ศูนย์ที่ปิดแล้วไม่แสดง
        (place and province, opening hours and the province groups served, as the registry tells
        them; closed centres are left out)."""
        with self.unit_of_work() as uow:
            return {"items": delivery.list_distribution_centres(uow)}

    @http("GET", "/v1/sellers/<seller_org_id>/delivery-options", response=schemas.DeliveryOptionsOut,
          public=True)
    def get_delivery_options(self, seller_org_id):
        """วิธีจัดส่งของผู้ขาย (how a seller delivers)

        ผู้ขายที่ไม่เคยตั้งค่า: ส่งโดยผู้ขนส่งไม่มีค่าส่ง และรับเองที่ผู้ขาย (a seller that never said:
        a carrier at no fee, and pickup at the seller's place)."""
        with self.unit_of_work() as uow:
            return delivery.get_delivery_options(uow, path_uuid(seller_org_id, "seller_org_id"))

    @http("PUT", "/v1/sellers/<seller_org_id>/delivery-options", body=schemas.DeliveryOptionsIn,
          response=schemas.DeliveryOptionsOut, roles=("organisation", "operator"), errors={
              422: "ไม่พบศูนย์กระจายสินค้าหรือศูนย์ปิดแล้ว (no such distribution centre, or it is closed)"})
    def put_delivery_options(self, principal, seller_org_id, body):
        """ตั้งวิธีจัดส่งของผู้ขาย (set how a seller delivers)

        ผู้ขายเองหรือเจ้าหน้าที่ ค่าส่งเป็นสตางค์ เป็นรายการของตนเองในคำสั่งซื้อ ใช้กับคำสั่งซื้อถัดไป
        (the seller itself or an operator; the carrier's fee in satang is its own order line;
        applies to the orders placed from now on)."""
        seller_org_id = path_uuid(seller_org_id, "seller_org_id")
        with self.unit_of_work() as uow:
            return delivery.set_delivery_options(uow, principal, seller_org_id, body)

    @http("POST", "/v1/orders/<order_id>/dispute", body=schemas.DisputeIn, response=schemas.OrderOut,
          roles=("organisation", "operator"), unit_of_work=True, idempotent=True, errors={409: ILLEGAL_STEP})
    def dispute_order(self, uow, principal, order_id, body):
        """โต้แย้งการจัดส่ง (dispute a shipped order)

        ผู้ซื้อเท่านั้น หลังจัดส่งและก่อนยืนยันรับสินค้า ไม่มีการยืนยันรับอัตโนมัติ เงินสมทบรอจนเจ้าหน้าที่
        ปิดข้อโต้แย้ง (its buyer only, once shipped and before receipt: no automatic receipt follows;
        the levy waits until an operator resolves it)."""
        return orders.dispute_order(uow, principal, path_uuid(order_id, "order_id"), body, self.app.clock())

    @http("POST", "/v1/orders/<order_id>/dispute-resolution", body=schemas.DisputeResolutionIn,
          response=schemas.DisputeResolutionOut, roles=("operator",), unit_of_work=True, idempotent=True,
          errors={409: ILLEGAL_STEP, 202: {
              "description": "ขอคืนเงินจากผู้ให้บริการแล้ว นับเมื่อผู้ให้บริการยืนยัน (the refund is asked of "
                             "the payment provider; it counts when the provider confirms it)",
              "content": {"application/json": {"schema": {"$ref": "#/components/schemas/DisputeResolutionOut"}}}}})
    def resolve_dispute(self, uow, principal, order_id, body):
        """ปิดข้อโต้แย้ง (resolve a dispute)

        เจ้าหน้าที่เท่านั้น received: ได้รับสินค้าแล้ว (ยืนยันโดยเจ้าหน้าที่ เงินสมทบลงบัญชี) refund:
        คืนเงินที่ยังชำระอยู่ให้ผู้ซื้อตามทางคืนเงินปกติ (operators only; received: the goods arrived,
        confirmed by the operator, and the levy is posted; refund: whatever is still paid goes back
        to the buyer the way refunds go)."""
        status, order, refund = collection.resolve_dispute(uow, principal, path_uuid(order_id, "order_id"),
                                                           body, self.app.clock())
        if refund is not None and refund["status"] == "requested":
            uow.after_commit(partial(self._ask_provider_refund, refund))
        return status, {**vars(order), "total_satang": order.total_satang,
                        "refunded_satang": order.refunded_satang, "refund": refund}

    @ConfiguredTimer.decorator("receipt_auto_confirm_sweep_seconds")
    def confirm_receipts_automatically(self):
        """Confirm receipt of orders shipped RECEIPT_AUTO_CONFIRM_DAYS ago and never disputed, a
        batch per transaction until none is due."""
        while True:
            with self.unit_of_work() as uow:
                received = orders.confirm_receipts_automatically(
                    uow, self.app.clock(), self.app.settings.receipt_auto_confirm_after, RECEIPT_BATCH)
            if len(received) < RECEIPT_BATCH:
                return

    # -- shares: surplus given away on request, no money (marketplace.sharing) ---------------
    @http("POST", "/v1/shares", body=schemas.ShareIn, response=schemas.ShareOut, status=201,
          unit_of_work=True, idempotent=True, errors={
              409: "ของที่แบ่งปันมีไม่พอ (not enough left to share)",
              422: "ไม่พบรายการแบ่งปัน รายการไม่ใช่ของแบ่งปัน หรือขอรับของที่ตนแบ่งปันเอง (the listing is not "
                   "found, is not a share listing, or is the organisation's own)"})
    def request_share(self, uow, principal, body):
        """ขอรับของแบ่งปัน (ask for shared goods)

        องค์กรของโทเคนขอรับจำนวนหนึ่งจากรายการแบ่งปันขององค์กรอื่น จำนวนนี้กันไว้จนผู้ให้ปฏิเสธหรือผู้ขอถอน
        ไม่มีการชำระเงิน (the token's organisation asks for a quantity of another organisation's share
        listing; it is reserved until the giver declines or the receiver withdraws; no money moves)."""
        return sharing.request_share(uow, principal, body, self.app.clock())

    @http("GET", "/v1/shares", query=schemas.ShareQuery, response=schemas.SharePage)
    def list_shares(self, principal, query):
        """รายการการแบ่งปัน (list shares)

        องค์กรเห็นการแบ่งปันที่ตนให้หรือขอรับ เจ้าหน้าที่เห็นทั้งหมด (an organisation sees the shares it
        gives or receives; an operator sees all)."""
        with self.unit_of_work() as uow:
            items, after = sharing.list_shares(uow, principal, query)
        return {"items": items, "next_cursor": after}

    @http("GET", "/v1/shares/<share_id>", response=schemas.ShareOut)
    def get_share(self, principal, share_id):
        """ดูการแบ่งปัน (get a share)"""
        with self.unit_of_work() as uow:
            return sharing.get_share(uow, principal, path_uuid(share_id, "share_id"))

    @http("POST", "/v1/shares/<share_id>/approval", response=schemas.ShareOut, unit_of_work=True,
          idempotent=True, errors={409: ILLEGAL_SHARE_STEP})
    def approve_share(self, uow, principal, share_id):
        """อนุมัติคำขอรับ (approve a share request)

        ผู้ให้หรือเจ้าหน้าที่ (the giver or an operator)."""
        return sharing.approve_share(uow, principal, path_uuid(share_id, "share_id"))

    @http("POST", "/v1/shares/<share_id>/decline", response=schemas.ShareOut, unit_of_work=True,
          idempotent=True, errors={409: ILLEGAL_SHARE_STEP})
    def decline_share(self, uow, principal, share_id):
        """ปฏิเสธคำขอรับ (decline a share request)

        ผู้ให้หรือเจ้าหน้าที่ ก่อนอนุมัติ จำนวนที่กันไว้คืนสู่รายการ (the giver or an operator, before
        approving it; the reserved quantity goes back to the listing)."""
        return sharing.decline_share(uow, principal, path_uuid(share_id, "share_id"))

    @http("POST", "/v1/shares/<share_id>/withdrawal", response=schemas.ShareOut, unit_of_work=True,
          idempotent=True, errors={409: ILLEGAL_SHARE_STEP})
    def withdraw_share(self, uow, principal, share_id):
        """ถอนคำขอรับ (withdraw a share request)

        ผู้ขอรับหรือเจ้าหน้าที่ ก่อนจัดส่ง จำนวนที่กันไว้คืนสู่รายการ (the receiver or an operator, before
        the goods are shipped; the reserved quantity goes back to the listing)."""
        return sharing.withdraw_share(uow, principal, path_uuid(share_id, "share_id"))

    @http("POST", "/v1/shares/<share_id>/shipment", body=schemas.ShipmentIn, response=schemas.ShareOut,
          unit_of_work=True, idempotent=True, errors={409: ILLEGAL_SHARE_STEP})
    def ship_share(self, uow, principal, share_id, body):
        """แจ้งจัดส่งของแบ่งปัน (the shared goods were shipped, or made ready for pickup)

        ผู้ให้หรือเจ้าหน้าที่ หลังอนุมัติ (the giver or an operator, once approved)."""
        return sharing.ship_share(uow, principal, path_uuid(share_id, "share_id"), body, self.app.clock())

    @http("POST", "/v1/shares/<share_id>/receipt", response=schemas.ShareOut, unit_of_work=True,
          idempotent=True, errors={409: ILLEGAL_SHARE_STEP})
    def confirm_share_receipt(self, uow, principal, share_id):
        """ยืนยันรับของแบ่งปัน (the shared goods arrived)

        ผู้ขอรับหรือเจ้าหน้าที่ ไม่ใช่ผู้ให้ (the receiver or an operator, never the giver)."""
        return sharing.confirm_share_receipt(uow, principal, path_uuid(share_id, "share_id"), self.app.clock())

    # -- exchanges: goods for goods, no money (marketplace.exchange) ------------------------
    @http("POST", "/v1/exchanges", body=schemas.ExchangeIn, response=schemas.ExchangeOut, status=201,
          unit_of_work=True, idempotent=True, errors={
              409: "สินค้าฝั่งใดฝั่งหนึ่งมีไม่พอ (not enough stock on one side)",
              422: "ไม่พบรายการ รายการไม่ใช่รายการแลกเปลี่ยน หรือแลกกับตนเอง (a listing is not found or "
                   "inactive, is not an exchange listing, or is the organisation's own)"})
    def offer_exchange(self, uow, principal, body):
        """เสนอแลกเปลี่ยน (offer an exchange)

        องค์กรของโทเคนเสนอสินค้าของตนจำนวนหนึ่งแลกกับรายการแลกเปลี่ยนขององค์กรอื่น ทั้งสองฝั่งกันไว้จน
        ปฏิเสธหรือถอน ไม่มีการชำระเงิน (the token's organisation offers a quantity of its own goods for
        another organisation's exchange listing; both are reserved until declined or withdrawn; no
        money moves)."""
        return exchange.offer_exchange(uow, principal, body, self.app.clock())

    @http("GET", "/v1/exchanges", query=schemas.ExchangeQuery, response=schemas.ExchangePage)
    def list_exchanges(self, principal, query):
        """รายการการแลกเปลี่ยน (list exchanges)

        องค์กรเห็นการแลกเปลี่ยนที่ตนเป็นเจ้าของรายการหรือผู้เสนอ เจ้าหน้าที่เห็นทั้งหมด (an organisation
        sees the exchanges it owns or offered; an operator sees all)."""
        with self.unit_of_work() as uow:
            items, after = exchange.list_exchanges(uow, principal, query)
        return {"items": items, "next_cursor": after}

    @http("GET", "/v1/exchanges/<exchange_id>", response=schemas.ExchangeOut)
    def get_exchange(self, principal, exchange_id):
        """ดูการแลกเปลี่ยน (get an exchange)"""
        with self.unit_of_work() as uow:
            return exchange.get_exchange(uow, principal, path_uuid(exchange_id, "exchange_id"))

    @http("POST", "/v1/exchanges/<exchange_id>/acceptance", response=schemas.ExchangeOut, unit_of_work=True,
          idempotent=True, errors={409: ILLEGAL_EXCHANGE_STEP})
    def accept_exchange(self, uow, principal, exchange_id):
        """ตอบรับข้อเสนอแลกเปลี่ยน (accept an exchange offer)

        เจ้าของรายการหรือเจ้าหน้าที่ แล้วแต่ละฝั่งจัดส่งสินค้าของตน (the listing's owner or an operator;
        each side then ships its goods)."""
        return exchange.accept_exchange(uow, principal, path_uuid(exchange_id, "exchange_id"))

    @http("POST", "/v1/exchanges/<exchange_id>/decline", response=schemas.ExchangeOut, unit_of_work=True,
          idempotent=True, errors={409: ILLEGAL_EXCHANGE_STEP})
    def decline_exchange(self, uow, principal, exchange_id):
        """ปฏิเสธข้อเสนอแลกเปลี่ยน (decline an exchange offer)

        เจ้าของรายการหรือเจ้าหน้าที่ ทั้งสองฝั่งคืนสู่รายการ (the listing's owner or an operator; both
        quantities go back to their listings)."""
        return exchange.decline_exchange(uow, principal, path_uuid(exchange_id, "exchange_id"))

    @http("POST", "/v1/exchanges/<exchange_id>/withdrawal", response=schemas.ExchangeOut, unit_of_work=True,
          idempotent=True, errors={409: ILLEGAL_EXCHANGE_STEP})
    def withdraw_exchange(self, uow, principal, exchange_id):
        """ถอนข้อเสนอแลกเปลี่ยน (withdraw an exchange offer)

        ผู้เสนอหรือเจ้าหน้าที่ ก่อนตอบรับ ทั้งสองฝั่งคืนสู่รายการ (the offerer or an operator, before it is
        accepted; both quantities go back to their listings)."""
        return exchange.withdraw_exchange(uow, principal, path_uuid(exchange_id, "exchange_id"))

    @http("POST", "/v1/exchanges/<exchange_id>/shipment", body=schemas.ExchangeShipmentIn,
          response=schemas.ExchangeOut, unit_of_work=True, idempotent=True, errors={409: ILLEGAL_EXCHANGE_STEP})
    def ship_exchange(self, uow, principal, exchange_id, body):
        """แจ้งจัดส่งสินค้าแลกเปลี่ยน (one side shipped its goods)

        ฝั่งใดฝั่งหนึ่งจัดส่งสินค้าของตน เจ้าหน้าที่ระบุฝั่ง หลังตอบรับ (either side ships its own goods;
        an operator names the side; once accepted)."""
        return exchange.ship_exchange_leg(uow, principal, path_uuid(exchange_id, "exchange_id"), body,
                                          self.app.clock())

    @http("POST", "/v1/exchanges/<exchange_id>/receipt", body=schemas.ExchangeReceiptIn,
          response=schemas.ExchangeOut, unit_of_work=True, idempotent=True, errors={409: ILLEGAL_EXCHANGE_STEP})
    def confirm_exchange_receipt(self, uow, principal, exchange_id, body):
        """ยืนยันรับสินค้าแลกเปลี่ยน (the other side's goods arrived)

        ฝั่งที่รับเป็นผู้ยืนยัน ไม่ใช่ฝั่งที่ส่ง เจ้าหน้าที่ระบุฝั่งที่ส่ง เมื่อรับครบทั้งสองฝั่ง การแลกเปลี่ยน
        เสร็จสิ้น (the receiving side confirms, never the sender; an operator names the side whose goods
        arrived; with both received the exchange is completed)."""
        return exchange.confirm_exchange_receipt(uow, principal, path_uuid(exchange_id, "exchange_id"), body,
                                                 self.app.clock())
