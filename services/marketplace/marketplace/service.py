"""nameko entrypoints of the marketplace: thin, the logic lives in ``orders`` and ``catalogue``."""
import datetime as dt

from chassis import idempotency
from chassis.http import http, load, load_body, path_uuid, read_json
from chassis.messaging import event_consumer
from chassis.service import ConfiguredTimer, PlatformService
from contracts import centres

from marketplace import catalogue, orders, schemas
from marketplace.adapters import MarketUnitOfWork

EXPIRY_BATCH = 100


def now():
    return dt.datetime.now(dt.timezone.utc)


class MarketplaceService(PlatformService):
    name = "marketplace"
    retained_events = orders.RECONCILED_EVENTS  # GET /v1/reconciliation/orders serves them

    @property
    def order_ttl(self):
        return dt.timedelta(minutes=float(self.config.get("ORDER_TTL_MINUTES", 60)))

    # -- read model of the registry ------------------------------------------------
    @event_consumer(centres.ORGANISATION_REGISTERED)
    def on_organisation_registered(self, event):
        self._upsert_seller(event, "on_organisation_registered")

    @event_consumer(centres.ORGANISATION_UPDATED)
    def on_organisation_updated(self, event):
        self._upsert_seller(event, "on_organisation_updated")

    def _upsert_seller(self, event, consumer):
        with self.db.handling(event, consumer, MarketUnitOfWork) as uow:
            if uow is not None:
                uow.sellers.upsert(orders.seller_from_organisation(event.data))

    # -- catalogue -------------------------------------------------------------------
    @http("POST", "/v1/products", body=schemas.ProductIn, response=schemas.ProductOut, status=201)
    def create_product(self, request):
        principal = self.db.principal(request).require("organisation", "operator")
        command = load_body(request, schemas.ProductIn())
        with self.db.unit_of_work(MarketUnitOfWork) as uow:
            product = catalogue.create_product(uow, principal, command)
        return 201, schemas.ProductOut().dump(product)

    @http("GET", "/v1/products", query=schemas.ProductQuery, response=schemas.ProductPage, public=True)
    def search_products(self, request):
        query = load(schemas.ProductQuery(), request.args.to_dict())
        with self.db.unit_of_work(MarketUnitOfWork) as uow:
            items, after = catalogue.search_products(uow, query)
        return 200, schemas.ProductPage().dump({"items": items, "next_cursor": after})

    @http("GET", "/v1/products/<product_id>", response=schemas.ProductOut, public=True)
    def get_product(self, request, product_id):
        with self.db.unit_of_work(MarketUnitOfWork) as uow:
            product = uow.products.get(path_uuid(product_id, "product_id"))
        if product is None:
            return 404, {"error": {"code": "not_found", "message": "ไม่พบสินค้า (product not found)"}}
        return 200, schemas.ProductOut().dump(product)

    @http("PATCH", "/v1/products/<product_id>", body=schemas.ProductPatch, response=schemas.ProductOut)
    def update_product(self, request, product_id):
        principal = self.db.principal(request).require("organisation", "operator")
        product_id = path_uuid(product_id, "product_id")
        changes = load_body(request, schemas.ProductPatch())
        with self.db.unit_of_work(MarketUnitOfWork) as uow:
            product = catalogue.update_product(uow, principal, product_id, changes)
        return 200, schemas.ProductOut().dump(product)

    # -- orders ----------------------------------------------------------------------
    def _idempotent(self, request, principal, work):
        """Run ``work(uow) -> (status, body)`` once per Idempotency-Key, in one transaction."""
        key = request.headers.get("Idempotency-Key")
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

    @http("POST", "/v1/orders", body=schemas.OrderIn, response=schemas.OrderOut, status=201)
    def place_order(self, request):
        principal = self.db.principal(request)
        command = load_body(request, schemas.OrderIn())

        def work(uow):
            order = orders.place_order(uow, principal, command, now(), self.order_ttl)
            return 201, schemas.OrderOut().dump(order)
        return self._idempotent(request, principal, work)

    @http("GET", "/v1/orders", query=schemas.OrderQuery, response=schemas.OrderPage)
    def list_orders(self, request):
        principal = self.db.principal(request)
        query = load(schemas.OrderQuery(), request.args.to_dict())
        with self.db.unit_of_work(MarketUnitOfWork) as uow:
            items, after = orders.list_orders(uow, principal, query)
        return 200, schemas.OrderPage().dump({"items": items, "next_cursor": after})

    @http("GET", "/v1/orders/<order_id>", response=schemas.OrderOut)
    def get_order(self, request, order_id):
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

    @http("POST", "/v1/orders/<order_id>/payments", body=schemas.PaymentIn, response=schemas.OrderOut)
    def pay_order(self, request, order_id):
        def step(uow, principal, order_id, command):
            return 200, schemas.OrderOut().dump(orders.pay_order(uow, principal, order_id, command, now()))
        return self._order_step(request, order_id, schemas.PaymentIn(), step)

    @http("POST", "/v1/orders/<order_id>/fulfilments", body=schemas.FulfilmentIn,
          response=schemas.OrderOut)
    def fulfil_order(self, request, order_id):
        def step(uow, principal, order_id, command):
            return 200, schemas.OrderOut().dump(orders.fulfil_order(uow, principal, order_id, command))
        return self._order_step(request, order_id, schemas.FulfilmentIn(), step)

    @http("POST", "/v1/orders/<order_id>/cancellation", body=schemas.CancellationIn,
          response=schemas.OrderOut)
    def cancel_order(self, request, order_id):
        def step(uow, principal, order_id, command):
            return 200, schemas.OrderOut().dump(orders.cancel_order(uow, principal, order_id, command, now()))
        return self._order_step(request, order_id, schemas.CancellationIn(), step)

    @http("POST", "/v1/orders/<order_id>/refunds", body=schemas.RefundIn, response=schemas.RefundOut,
          status=201)
    def refund_order(self, request, order_id):
        def step(uow, principal, order_id, command):
            order, refund = orders.refund_order(uow, principal, order_id, command, now())
            return 201, schemas.RefundOut().dump({**refund, "order": order})
        return self._order_step(request, order_id, schemas.RefundIn(), step)

    @http("GET", "/v1/reconciliation/orders", query=schemas.ReconciliationQuery,
          response=schemas.ReconciliationPage)
    def reconciliation_orders(self, request):
        principal = self.db.principal(request)
        arguments = {name: values if name == "order_id" else values[0]
                     for name, values in request.args.lists()}
        query = load(schemas.ReconciliationQuery(), arguments)
        with self.db.unit_of_work(MarketUnitOfWork) as uow:
            page = orders.reconciliation_page(uow, principal, query)
        return 200, schemas.ReconciliationPage().dump(page)

    @ConfiguredTimer.decorator("ORDER_EXPIRY_SWEEP_SECONDS", 30)
    def expire_unpaid_orders(self):
        """Expire unpaid orders past ORDER_TTL_MINUTES, a batch per transaction until none is due."""
        while True:
            with self.db.unit_of_work(MarketUnitOfWork) as uow:
                expired = orders.expire_due_orders(uow, now(), EXPIRY_BATCH)
            if len(expired) < EXPIRY_BATCH:
                return
