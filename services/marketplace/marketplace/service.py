"""nameko entrypoints of the marketplace: thin, the logic lives in ``orders``."""
import datetime as dt

from chassis import idempotency
from chassis.http import http, load_body, path_uuid, read_json
from chassis.messaging import event_consumer
from chassis.service import PlatformService
from contracts import centres

from marketplace import orders, schemas
from marketplace.adapters import MarketUnitOfWork


def now():
    return dt.datetime.now(dt.timezone.utc)


class MarketplaceService(PlatformService):
    name = "marketplace"

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
    @http("POST", "/v1/products")
    def create_product(self, request):
        principal = self.db.principal(request).require("organisation", "operator")
        command = load_body(request, schemas.ProductIn())
        with self.db.unit_of_work(MarketUnitOfWork) as uow:
            product = orders.create_product(uow, principal, command)
        return 201, schemas.ProductOut().dump(product)

    @http("GET", "/v1/products/<product_id>")
    def get_product(self, request, product_id):
        with self.db.unit_of_work(MarketUnitOfWork) as uow:
            product = uow.products.get(path_uuid(product_id, "product_id"))
        if product is None:
            return 404, {"error": {"code": "not_found", "message": "ไม่พบสินค้า (product not found)"}}
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

    @http("POST", "/v1/orders")
    def place_order(self, request):
        principal = self.db.principal(request)
        command = load_body(request, schemas.OrderIn())

        def work(uow):
            order = orders.place_order(uow, principal, command, now(), self.order_ttl)
            return 201, schemas.OrderOut().dump(order)
        return self._idempotent(request, principal, work)

    @http("GET", "/v1/orders/<order_id>")
    def get_order(self, request, order_id):
        principal = self.db.principal(request)
        with self.db.unit_of_work(MarketUnitOfWork) as uow:
            order = orders.get_order(uow, principal, path_uuid(order_id, "order_id"))
        return 200, schemas.OrderOut().dump(order)

    @http("POST", "/v1/orders/<order_id>/payments")
    def pay_order(self, request, order_id):
        principal = self.db.principal(request)
        order_id = path_uuid(order_id, "order_id")
        command = load_body(request, schemas.PaymentIn())

        def work(uow):
            order = orders.pay_order(uow, principal, order_id, command, now())
            return 200, schemas.OrderOut().dump(order)
        return self._idempotent(request, principal, work)
