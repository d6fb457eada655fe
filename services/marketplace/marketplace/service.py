"""nameko entrypoints of the marketplace: thin, the logic lives in ``orders`` and ``catalogue``;
its events are consumed through the handler table (``marketplace.handlers``)."""
from chassis import idempotency
from chassis.app import utc_now as now
from chassis.http import http, load, load_body, path_uuid, read_json
from chassis.service import ConfiguredTimer, PlatformService

from marketplace import bootstrap, catalogue, handlers, orders, schemas
from marketplace.adapters import MarketUnitOfWork

EXPIRY_BATCH = 100
ILLEGAL_STEP = "สถานะของคำสั่งซื้อไม่อนุญาต (the order's state does not allow this step)"


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
          errors={422: "เจ้าหน้าที่ไม่ได้ระบุ seller_id หรือยังไม่พบผู้ขายในทะเบียน "
                       "(an operator gave no seller_id, or the seller is not in the registry yet)"})
    def create_product(self, request):
        """ลงขายสินค้า (put a product on sale)

        องค์กรขายในนามของตน เจ้าหน้าที่ต้องระบุ seller_id (an organisation sells as itself; an
        operator names the seller_id)."""
        principal = self.db.principal(request).require("organisation", "operator")
        command = load_body(request, schemas.ProductIn())
        with self.db.unit_of_work(MarketUnitOfWork) as uow:
            product = catalogue.create_product(uow, principal, command)
        return 201, schemas.ProductOut().dump(product)

    @http("GET", "/v1/products", query=schemas.ProductQuery, response=schemas.ProductPage, public=True)
    def search_products(self, request):
        """ค้นหาสินค้า (search the catalogue)

        สินค้าที่พร้อมขาย ตามคำค้น หมวด ผู้ขาย หรือที่ตั้งของผู้ขาย (products on sale, by words,
        category, seller or the seller's place)."""
        query = load(schemas.ProductQuery(), request.args.to_dict())
        with self.db.unit_of_work(MarketUnitOfWork) as uow:
            items, after = catalogue.search_products(uow, query)
        return 200, schemas.ProductPage().dump({"items": items, "next_cursor": after})

    @http("GET", "/v1/products/<product_id>", response=schemas.ProductOut, public=True)
    def get_product(self, request, product_id):
        """ดูสินค้า (get a product)"""
        with self.db.unit_of_work(MarketUnitOfWork) as uow:
            product = uow.products.get(path_uuid(product_id, "product_id"))
        if product is None:
            return 404, {"error": {"code": "not_found", "message": "ไม่พบสินค้า (product not found)"}}
        return 200, schemas.ProductOut().dump(product)

    @http("PATCH", "/v1/products/<product_id>", body=schemas.ProductPatch, response=schemas.ProductOut)
    def update_product(self, request, product_id):
        """แก้ไขสินค้า (change a product)

        ผู้ขายหรือเจ้าหน้าที่ ส่งเฉพาะช่องที่แก้ (its seller or an operator; send the fields that
        change)."""
        principal = self.db.principal(request).require("organisation", "operator")
        product_id = path_uuid(product_id, "product_id")
        changes = load_body(request, schemas.ProductPatch())
        with self.db.unit_of_work(MarketUnitOfWork) as uow:
            product = catalogue.update_product(uow, principal, product_id, changes)
        return 200, schemas.ProductOut().dump(product)

    # -- orders ----------------------------------------------------------------------
    def _idempotent(self, request, principal, work):
        """Run ``work(uow) -> (status, body)`` once per Idempotency-Key, in one transaction."""
        key = idempotency.request_key(request.headers)
        with self.db.unit_of_work(MarketUnitOfWork) as uow:
            if key:
                stored = idempotency.claim(uow.cursor, principal.key(), key,
                                           {"path": request.path, "body": read_json(request)})
                if stored is not None:
                    return stored
            status, body = work(uow)
            if key:
                idempotency.record(uow.cursor, principal.key(), key, status, body)
        return status, body

    @http("POST", "/v1/orders", body=schemas.OrderIn, response=schemas.OrderOut, status=201,
          idempotent=True, errors={
              409: "สินค้ามีไม่พอ (not enough stock)",
              422: "ไม่พบสินค้าหรือไม่พร้อมขาย สินค้ามาจากผู้ขายหลายราย หรือซื้อสินค้าของตนเอง "
                   "(a product not found or not on sale, products of several sellers, or buying from "
                   "oneself)"})
    def place_order(self, request):
        """สั่งซื้อ (place an order)

        สินค้าของผู้ขายรายเดียว ผู้ซื้อคือองค์กรของโทเคน คำสั่งซื้อที่ไม่ชำระตามเวลาจะหมดอายุ (the
        products of one seller, bought by the token's organisation; an unpaid order expires)."""
        principal = self.db.principal(request)
        command = load_body(request, schemas.OrderIn())

        def work(uow):
            order = orders.place_order(uow, principal, command, now(), self.order_ttl)
            return 201, schemas.OrderOut().dump(order)
        return self._idempotent(request, principal, work)

    @http("GET", "/v1/orders", query=schemas.OrderQuery, response=schemas.OrderPage)
    def list_orders(self, request):
        """รายการคำสั่งซื้อ (list orders)

        องค์กรเห็นคำสั่งซื้อที่ตนซื้อหรือขาย เจ้าหน้าที่เห็นทั้งหมด (an organisation sees the orders
        it buys or sells; an operator sees all)."""
        principal = self.db.principal(request)
        query = load(schemas.OrderQuery(), request.args.to_dict())
        with self.db.unit_of_work(MarketUnitOfWork) as uow:
            items, after = orders.list_orders(uow, principal, query)
        return 200, schemas.OrderPage().dump({"items": items, "next_cursor": after})

    @http("GET", "/v1/orders/<order_id>", response=schemas.OrderOut)
    def get_order(self, request, order_id):
        """ดูคำสั่งซื้อ (get an order)"""
        principal = self.db.principal(request)
        with self.db.unit_of_work(MarketUnitOfWork) as uow:
            order = orders.get_order(uow, principal, path_uuid(order_id, "order_id"))
        return 200, schemas.OrderOut().dump(order)

    def _order_step(self, request, order_id, schema, step):
        """A POST that changes one order: ``step(uow, principal, order_id, command)`` → (status, body)."""
        principal = self.db.principal(request)
        order_id = path_uuid(order_id, "order_id")
        command = load_body(request, schema)
        return self._idempotent(request, principal,
                                lambda uow: step(uow, principal, order_id, command))

    @http("POST", "/v1/orders/<order_id>/payments", body=schemas.PaymentIn, response=schemas.OrderOut,
          idempotent=True, errors={
              409: "สถานะของคำสั่งซื้อไม่อนุญาต หรือหมดอายุแล้ว (the order's state does not allow it, or "
                   "it has expired)",
              422: "ยอดชำระต้องเท่ากับยอดสั่งซื้อ (the amount must equal the order total)"})
    def pay_order(self, request, order_id):
        """ชำระเงิน (pay an order)

        ผู้ซื้อ (หรือเจ้าหน้าที่) ชำระเต็มยอด ประกาศ order.paid แล้วกองทุนได้เงินสมทบ (the buyer, or an
        operator, pays the whole total; announces order.paid, and the funds' levy is credited)."""
        def step(uow, principal, order_id, command):
            return 200, schemas.OrderOut().dump(orders.pay_order(uow, principal, order_id, command, now()))
        return self._order_step(request, order_id, schemas.PaymentIn(), step)

    @http("POST", "/v1/orders/<order_id>/fulfilments", body=schemas.FulfilmentIn,
          response=schemas.OrderOut, idempotent=True, errors={409: ILLEGAL_STEP})
    def fulfil_order(self, request, order_id):
        """แจ้งจัดส่งหรือส่งถึงแล้ว (mark an order shipped or delivered)

        ผู้ขายหรือเจ้าหน้าที่ (its seller or an operator)."""
        def step(uow, principal, order_id, command):
            return 200, schemas.OrderOut().dump(orders.fulfil_order(uow, principal, order_id, command))
        return self._order_step(request, order_id, schemas.FulfilmentIn(), step)

    @http("POST", "/v1/orders/<order_id>/cancellation", body=schemas.CancellationIn,
          response=schemas.OrderOut, idempotent=True, errors={409: ILLEGAL_STEP})
    def cancel_order(self, request, order_id):
        """ยกเลิกคำสั่งซื้อ (cancel an order)

        ผู้ซื้อ ผู้ขาย หรือเจ้าหน้าที่ ก่อนจัดส่งเท่านั้น ยอดที่ชำระแล้วคืนให้ผู้ซื้อ (either party or an
        operator, before shipment only; whatever was paid goes back to the buyer)."""
        def step(uow, principal, order_id, command):
            return 200, schemas.OrderOut().dump(orders.cancel_order(uow, principal, order_id, command, now()))
        return self._order_step(request, order_id, schemas.CancellationIn(), step)

    @http("POST", "/v1/orders/<order_id>/refunds", body=schemas.RefundIn, response=schemas.RefundOut,
          status=201, idempotent=True, errors={
              409: ILLEGAL_STEP,
              422: "ไม่มีรายการนี้ในคำสั่งซื้อ หรือคืนเกินกว่าที่ชำระ (no such order line, or more than "
                   "was paid)"})
    def refund_order(self, request, order_id):
        """คืนเงินบางรายการ (refund order lines)

        ผู้ขายหรือเจ้าหน้าที่ คืนเป็นเงินเท่านั้น ไม่คืนสต็อก (its seller or an operator; money only:
        stock is not put back)."""
        def step(uow, principal, order_id, command):
            order, refund = orders.refund_order(uow, principal, order_id, command, now())
            return 201, schemas.RefundOut().dump({**refund, "order": order})
        return self._order_step(request, order_id, schemas.RefundIn(), step)

    @http("GET", "/v1/reconciliation/orders", query=schemas.ReconciliationQuery,
          response=schemas.ReconciliationPage)
    def reconciliation_orders(self, request):
        """คำสั่งซื้อที่ชำระแล้วพร้อมเหตุการณ์ (paid orders with their events)

        สำหรับการกระทบยอดของกองทุน เจ้าหน้าที่เท่านั้น (for funds' reconciliation; operators only)."""
        principal = self.db.principal(request)
        arguments = {name: values if name == "order_id" else values[0]
                     for name, values in request.args.lists()}
        query = load(schemas.ReconciliationQuery(), arguments)
        with self.db.unit_of_work(MarketUnitOfWork) as uow:
            page = orders.reconciliation_page(uow, principal, query)
        return 200, schemas.ReconciliationPage().dump(page)

    @ConfiguredTimer.decorator("order_expiry_sweep_seconds")
    def expire_unpaid_orders(self):
        """Expire unpaid orders past their time to live, a batch per transaction until none is due."""
        while True:
            with self.db.unit_of_work(self.app.unit_of_work) as uow:
                expired = orders.expire_due_orders(uow, self.app.clock(), EXPIRY_BATCH)
            if len(expired) < EXPIRY_BATCH:
                return
