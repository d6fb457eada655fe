"""nameko entrypoints of the marketplace: thin, the logic lives in ``orders`` and ``catalogue``;
its events are consumed through the handler table (``marketplace.handlers``)."""
from chassis.http import http, path_uuid
from chassis.service import ConfiguredTimer, PlatformService

from marketplace import bootstrap, catalogue, handlers, orders, schemas

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
        return orders.place_order(uow, principal, body, self.app.clock(), self.order_ttl)

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

    @http("POST", "/v1/orders/<order_id>/payments", body=schemas.PaymentIn, response=schemas.OrderOut,
          unit_of_work=True, idempotent=True, errors={
              409: "สถานะของคำสั่งซื้อไม่อนุญาต หรือหมดอายุแล้ว (the order's state does not allow it, or "
                   "it has expired)",
              422: "ยอดชำระต้องเท่ากับยอดสั่งซื้อ (the amount must equal the order total)"})
    def pay_order(self, uow, principal, order_id, body):
        """ชำระเงิน (pay an order)

        ผู้ซื้อ (หรือเจ้าหน้าที่) ชำระเต็มยอด ประกาศ order.paid แล้วกองทุนได้เงินสมทบ (the buyer, or an
        operator, pays the whole total; announces order.paid, and the funds' levy is credited)."""
        return orders.pay_order(uow, principal, path_uuid(order_id, "order_id"), body, self.app.clock())

    @http("POST", "/v1/orders/<order_id>/fulfilments", body=schemas.FulfilmentIn,
          response=schemas.OrderOut, unit_of_work=True, idempotent=True,
          errors={409: ILLEGAL_STEP})
    def fulfil_order(self, uow, principal, order_id, body):
        """แจ้งจัดส่งหรือส่งถึงแล้ว (mark an order shipped or delivered)

        ผู้ขายหรือเจ้าหน้าที่ (its seller or an operator)."""
        return orders.fulfil_order(uow, principal, path_uuid(order_id, "order_id"), body)

    @http("POST", "/v1/orders/<order_id>/cancellation", body=schemas.CancellationIn,
          response=schemas.OrderOut, unit_of_work=True, idempotent=True,
          errors={409: ILLEGAL_STEP})
    def cancel_order(self, uow, principal, order_id, body):
        """ยกเลิกคำสั่งซื้อ (cancel an order)

        ผู้ซื้อ ผู้ขาย หรือเจ้าหน้าที่ ก่อนจัดส่งเท่านั้น ยอดที่ชำระแล้วคืนให้ผู้ซื้อ (either party or an
        operator, before shipment only; whatever was paid goes back to the buyer)."""
        return orders.cancel_order(uow, principal, path_uuid(order_id, "order_id"), body, self.app.clock())

    @http("POST", "/v1/orders/<order_id>/refunds", body=schemas.RefundIn, response=schemas.RefundOut,
          status=201, unit_of_work=True, idempotent=True, errors={
              409: ILLEGAL_STEP,
              422: "ไม่มีรายการนี้ในคำสั่งซื้อ หรือคืนเกินกว่าที่ชำระ (no such order line, or more than "
                   "was paid)"})
    def refund_order(self, uow, principal, order_id, body):
        """คืนเงินบางรายการ (refund order lines)

        ผู้ขายหรือเจ้าหน้าที่ คืนเป็นเงินเท่านั้น ไม่คืนสต็อก (its seller or an operator; money only:
        stock is not put back)."""
        order, refund = orders.refund_order(uow, principal, path_uuid(order_id, "order_id"), body, self.app.clock())
        return {**refund, "order": order}

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
