"""nameko entrypoints of the web service: its pages, each a plain function of its visit
(``web.pages``); the plumbing (database, outbox relay of the sign-in events, health, metrics)
comes from the chassis."""
import datetime as dt
import logging
from importlib.resources import files

from nameko.web.handlers import http as nameko_http
from werkzeug.wrappers import Response

from chassis.service import ConfiguredTimer, PlatformService

from web import adapters, bootstrap, officer_pages, shop_pages, signin_pages
from web.pages import page

log = logging.getLogger(__name__)

STATIC_TYPES = {"site.css": "text/css; charset=utf-8", "print.js": "text/javascript; charset=utf-8"}
EXPIRED_KEPT = dt.timedelta(days=1)  # links and sessions are forgotten a day after they expire or end


class WebService(PlatformService):
    name = "web"
    bootstrap = staticmethod(bootstrap.bootstrap)

    home = page("GET", "/")(signin_pages.home)
    signin_form = page("GET", "/signin")(signin_pages.signin_form)
    request_signin_link = page("POST", "/signin")(signin_pages.request_link)
    signin_link = page("GET", "/signin/<secret>")(signin_pages.link_page)
    use_signin_link = page("POST", "/signin/<secret>")(signin_pages.use_link)
    sign_out = page("POST", "/signout")(signin_pages.sign_out)

    fund = page("GET", "/funds/<fund_id>")(officer_pages.fund)
    fund_entries = page("GET", "/funds/<fund_id>/entries")(officer_pages.entries)
    fund_statements = page("GET", "/funds/<fund_id>/statements")(officer_pages.statements)
    fund_statement = page("GET", "/funds/<fund_id>/statements/<month>")(officer_pages.statement)
    fund_statement_print = page("GET", "/funds/<fund_id>/statements/<month>/print")(officer_pages.statement_print)
    officer_preferences = page("GET,POST", "/officers/<officer_id>/preferences")(officer_pages.preferences)
    network = page("GET", "/network")(officer_pages.network)

    shop = page("GET", "/shop")(shop_pages.search)
    shop_product = page("GET,POST", "/shop/products/<product_id>")(shop_pages.product)
    shop_orders = page("GET", "/shop/orders")(shop_pages.my_orders)
    shop_order = page("GET", "/shop/orders/<order_id>")(shop_pages.order)
    shop_order_qr = page("GET", "/shop/orders/<order_id>/qr.svg")(shop_pages.order_qr)
    shop_order_receipt = page("POST", "/shop/orders/<order_id>/receipt")(shop_pages.confirm_receipt)
    seller = page("GET,POST", "/seller")(shop_pages.seller_home)
    seller_orders = page("GET", "/seller/orders")(shop_pages.seller_orders)
    seller_order = page("GET", "/seller/orders/<order_id>")(shop_pages.seller_order)
    seller_order_qr = page("GET", "/seller/orders/<order_id>/qr.svg")(shop_pages.seller_order_qr)
    seller_transfer = page("POST", "/seller/orders/<order_id>/transfer-confirmations")(shop_pages.confirm_transfer)
    seller_shipment = page("POST", "/seller/orders/<order_id>/shipment")(shop_pages.ship)
    seller_refund = page("POST", "/seller/orders/<order_id>/refunds")(shop_pages.refund)

    @ConfiguredTimer.decorator("retention_interval_s")
    def prune_signins(self):
        with self.db.transaction() as cursor:
            links, gone = adapters.prune_expired(cursor, self.app.clock() - EXPIRED_KEPT)
        if links or gone:
            log.info("pruned %d sign-in links and %d sessions past their expiry", links, gone)

    @nameko_http("GET", "/static/<name>")
    def static_file(self, request, name):
        if name not in STATIC_TYPES:
            return Response("ไม่พบไฟล์ (not found)", status=404, content_type="text/plain; charset=utf-8")
        body = files("web").joinpath("static", name).read_bytes()
        return Response(body, content_type=STATIC_TYPES[name], headers={"Cache-Control": "max-age=3600"})
