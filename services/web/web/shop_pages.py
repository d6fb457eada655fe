"""The reference storefront: the marketplace's website as its working example, calling only the
marketplace's public HTTP API (and the centres' public one for sellers' names and places).

Buyers search and order (/shop), follow and pay their orders, confirm receipt; sellers list products
and act on incoming orders (/seller). Every POST is a CSRF-protected form; those the API runs once
carry an Idempotency-Key in a hidden field, so a double click does it once. A refusal of the API is
shown on the page it came from, with its Thai message and status.
"""
import uuid

from werkzeug.utils import redirect
from werkzeug.wrappers import Response

from chassis.thai import THAI_TIME, format_baht
from web import forms, money, order_states
from web.errors import ApiError, PageError, path_uuid
from web.signin_pages import checked

NO_ORGANISATION = "อีเมลนี้ไม่ได้เป็นผู้ติดต่อขององค์กรใด จึงซื้อขายไม่ได้ (this email is no organisation's contact)"
ORDERS_PER_PAGE = 20



def _market(visit):
    return visit.app.apis.marketplace


def _organisations(visit):
    organisations = visit.signed_in()["organisations"]
    if not organisations:
        raise PageError(403, NO_ORGANISATION)
    return organisations


def _organisation(visit, org_id=None):
    """The person's organisation ``org_id`` (the ?org= of the page), else their first."""
    organisations = _organisations(visit)
    wanted = org_id or visit.request.args.get("org")
    if not wanted:
        return organisations[0]
    for organisation in organisations:
        if organisation["org_id"] == wanted:
            return organisation
    raise PageError(403, "องค์กรนี้ไม่ใช่ขององค์กรของคุณ (not one of your organisations)")


def _refusal(refused):
    """A refusal a page shows in place (a 4xx of the API); a 401 or an outage goes to ``serve``."""
    if refused.status == 401 or refused.status >= 500:
        raise refused
    problems = [f"{name}: {'; '.join(map(str, messages)) if isinstance(messages, list) else messages}"
                for name, messages in (refused.fields or {}).items()]
    return {"message": refused.message, "problems": problems, "status": refused.status}


def _sellers(visit, seller_ids):
    """seller id → its registry record (name, place), read once each from the centres' public API."""
    found = {}
    for seller_id in dict.fromkeys(str(seller_id) for seller_id in seller_ids):
        try:
            found[seller_id] = visit.app.apis.centres.call("GET", f"/v1/organisations/{seller_id}", None)
        except ApiError as refused:
            if refused.status >= 500:
                raise
            found[seller_id] = None
    return found


# -- buyers ---------------------------------------------------------------------------------
def search(visit):
    args = visit.request.args
    params = {key: args[key] for key in ("q", "category", "province", "cursor") if args.get(key)}
    params.update(limit=24, listing_kind="sale")
    shown = {"q": args.get("q", ""), "category": args.get("category", ""), "province": args.get("province", "")}
    try:
        page = _market(visit).call("GET", "/v1/products", None, params=params)
    except ApiError as refused:  # e.g. a province that is not two digits: said on the same page
        refusal = _refusal(refused)
        return "shop.html", {**shown, "page": {"items": [], "next_cursor": None}, "sellers": {},
                             "refused": refusal, "status": refusal["status"]}
    sellers = _sellers(visit, [product["seller_org_id"] for product in page["items"]])
    return "shop.html", {**shown, "page": page, "sellers": sellers}


def product(visit, product_id):
    """The product page and its order form (GET shows it, POST places the order)."""
    product_id = path_uuid(product_id)
    item = _market(visit).call("GET", f"/v1/products/{product_id}", None)
    context = {"product": item, "seller": _sellers(visit, [item["seller_org_id"]])[item["seller_org_id"]]}
    # an organisation never buys its own goods (the API refuses it): only the person's others buy
    organisations = [org for org in (visit.identity or {}).get("organisations", [])
                     if org["org_id"] != item["seller_org_id"]]
    context["own_product"] = bool(visit.identity) and not organisations and bool(visit.identity["organisations"])
    if not organisations or not _orderable(item):
        if visit.request.method == "POST":
            visit.signed_in()
            raise PageError(403, "สั่งซื้อสินค้านี้ไม่ได้ (this product cannot be ordered)")
        return "product.html", context
    if visit.request.method == "POST":
        visit.require_session()
    else:
        visit.ensure_session()
    options, centres = _delivery_choices(visit, item["seller_org_id"])
    buyer_place = None if visit.request.method == "POST" else _place_of(visit, organisations[0]["org_id"])
    form = forms.bind(forms.OrderForm, visit, ship_name=organisations[0]["name_th"],
                      subdistrict_code=(buyer_place or {}).get("subdistrict_code"))
    form.buyer_org_id.choices = [(org["org_id"], org["name_th"]) for org in organisations]
    form.delivery.choices = options
    context.update(form=form, centres=centres)
    if visit.request.method == "GET":
        return "product.html", context
    if not checked(form):
        return "product.html", {**context, "status": 400}
    buyer = next(org for org in organisations if org["org_id"] == form.buyer_org_id.data)  # a valid choice
    body = {"lines": [{"product_id": str(product_id), "quantity": form.quantity.data}],
            "ship_to": {"name": form.ship_name.data.strip(), "address_line": form.address_line.data.strip(),
                        "subdistrict_code": form.subdistrict_code.data},
            "delivery": delivery_of(form.delivery.data)}
    if form.phone.data:
        body["ship_to"]["phone"] = form.phone.data.strip()
    try:
        order = _market(visit).call("POST", "/v1/orders", buyer["token"], json=body,
                                    headers={"Idempotency-Key": form.idempotency_key.data})
    except ApiError as refused:
        shown = _refusal(refused)
        form.idempotency_key.data = str(uuid.uuid4())  # a changed order is a new request
        return "product.html", {**context, "refused": shown, "status": shown["status"]}
    return redirect(f"/shop/orders/{order['id']}", code=303)


def _orderable(item):
    return item.get("active", True) and item.get("listing_kind", "sale") == "sale" and item.get("stock", 0) > 0


def _place_of(visit, org_id):
    try:
        return visit.app.apis.centres.call("GET", f"/v1/organisations/{org_id}", None).get("place")
    except ApiError:
        return None


def _delivery_choices(visit, seller_org_id):
    """([(value, Thai label)] of the seller's delivery options, {centre id: centre})."""
    options = _market(visit).call("GET", f"/v1/sellers/{seller_org_id}/delivery-options", None)
    centres = {}
    if options.get("distribution_centre_ids"):
        centres = {centre["id"]: centre for centre in
                   _market(visit).call("GET", "/v1/distribution-centres", None)["items"]}
    return delivery_choices(options, centres), centres


def delivery_choices(options, centres):
    """The order form's choices for a seller's DeliveryOptionsOut: a carrier (with its fee), each
    open distribution centre ("distribution_centre:<id>"), pickup at the seller's."""
    choices = []
    if options.get("carrier") is not None:
        fee = options["carrier"].get("fee_satang", 0)
        fee_th = f"ค่าส่ง {format_baht(fee)}" if fee else "ไม่มีค่าส่ง (no fee)"
        choices.append(("carrier", f"{order_states.delivery_label('carrier')} · {fee_th}"))
    for centre_id in options.get("distribution_centre_ids") or []:
        centre = centres.get(str(centre_id))
        if centre is not None:
            choices.append((f"distribution_centre:{centre_id}", f"รับที่{centre['name_th']}"))
    if options.get("local_pickup"):
        choices.append(("local_pickup", order_states.delivery_label("local_pickup")))
    return choices


def delivery_of(choice):
    """The OrderIn delivery of a form's choice."""
    method, _, centre_id = choice.partition(":")
    return {"method": method, "distribution_centre_id": centre_id} if centre_id else {"method": method}


def my_orders(visit):
    rows = []
    for organisation in _organisations(visit):
        page = _market(visit).call("GET", "/v1/orders", organisation["token"],
                                   params={"buyer_org_id": organisation["org_id"], "limit": 50})
        rows.extend({**order, "state_th": order_states.order_state_th(order), "buyer": organisation}
                    for order in page["items"])
    rows.sort(key=lambda order: order["placed_at"], reverse=True)
    return "orders.html", {"orders": rows}


def _order_as(visit, order_id, side):
    """(order, organisation) of an order the person's organisation buys (``side`` "buyer") or sells."""
    order_id = path_uuid(order_id)
    for organisation in _organisations(visit):
        try:
            order = _market(visit).call("GET", f"/v1/orders/{order_id}", organisation["token"])
        except ApiError as refused:
            if refused.status in (403, 404):
                continue
            raise
        if order[f"{side}_org_id"] == organisation["org_id"]:
            return order, organisation
    raise PageError(404, "ไม่พบคำสั่งซื้อนี้ในองค์กรของคุณ (no such order of your organisations)")


def _payment_request(visit, order, token):
    try:
        return _market(visit).call("GET", f"/v1/orders/{order['id']}/payment-request", token)
    except ApiError as refused:
        if refused.status >= 500 or refused.status == 401:
            raise
        return None


def order(visit, order_id):
    """The buyer's order: its state, lines, payment request and QR, shipment, receipt button."""
    found, organisation = _order_as(visit, order_id, "buyer")
    visit.ensure_session()
    return "order.html", _order_context(visit, found, organisation,
                                        receipt_form=forms.bind(forms.OnceForm, visit))


def _order_context(visit, found, organisation, **more):
    request = _payment_request(visit, found, organisation["token"])
    return {"order": found, "organisation": organisation, "state_th": order_states.order_state_th(found),
            "payment": request,
            "payment_state_th": order_states.PAYMENT_REQUEST_STATES.get((request or {}).get("status"), ""),
            "delivery_th": order_states.delivery_label((found.get("route") or {}).get("method")),
            "may_receive": order_states.buyer_may_confirm_receipt(found), **more}


def confirm_receipt(visit, order_id):
    visit.require_session()
    found, organisation = _order_as(visit, order_id, "buyer")
    form = forms.bind(forms.OnceForm, visit)
    if not checked(form):
        return "order.html", {**_order_context(visit, found, organisation, receipt_form=form), "status": 400}
    try:
        _market(visit).call("POST", f"/v1/orders/{found['id']}/receipt", organisation["token"],
                            headers={"Idempotency-Key": form.idempotency_key.data})
    except ApiError as refused:
        shown = _refusal(refused)
        return "order.html", {**_order_context(visit, found, organisation, receipt_form=form),
                              "refused": shown, "status": shown["status"]}
    return redirect(f"/shop/orders/{found['id']}", code=303)


def order_qr(visit, order_id, side="buyer"):
    """The order's Thai QR as SVG, fetched with the buyer's (or seller's) token."""
    found, organisation = _order_as(visit, order_id, side)
    image = _market(visit).call("GET", f"/v1/orders/{found['id']}/payment-request/qr.svg", organisation["token"],
                                raw=True)
    return Response(image.content, content_type="image/svg+xml",
                    headers={"Cache-Control": "private, max-age=300"})


def seller_order_qr(visit, order_id):
    return order_qr(visit, order_id, side="seller")


# -- sellers --------------------------------------------------------------------------------
def seller_home(visit):
    """The organisation's products and the form to list a new one (GET shows, POST lists)."""
    organisation = _organisation(visit)
    if visit.request.method == "POST":
        visit.require_session()
    else:
        visit.ensure_session()
    form = forms.bind(forms.ProductForm, visit)
    context = {"organisation": organisation, "organisations": visit.identity["organisations"], "form": form}
    if visit.request.method == "POST":
        if not checked(form):
            return "seller.html", {**_seller_products(visit, organisation, context), "status": 400}
        body = {"name_th": form.name_th.data.strip(), "category": form.category.data.strip(),
                "unit": form.unit.data.strip(), "unit_price_satang": form.price.satang, "stock": form.stock.data}
        if form.description.data:
            body["description"] = form.description.data.strip()
        try:
            listed = _market(visit).call("POST", "/v1/products", organisation["token"], json=body)
        except ApiError as refused:
            shown = _refusal(refused)
            return "seller.html", {**_seller_products(visit, organisation, context), "refused": shown,
                                   "status": shown["status"]}
        return redirect(f"/seller?org={organisation['org_id']}&listed={listed['id']}", code=303)
    return "seller.html", {**_seller_products(visit, organisation, context),
                           "listed": visit.request.args.get("listed")}


def _seller_products(visit, organisation, context):
    page = _market(visit).call("GET", "/v1/products", None,
                               params={"seller_org_id": organisation["org_id"], "limit": 100})
    return {**context, "products": page["items"]}


def seller_orders(visit):
    organisation = _organisation(visit)
    args = visit.request.args
    params = {"seller_org_id": organisation["org_id"], "limit": ORDERS_PER_PAGE}
    status = args.get("status")
    if status:
        params["status"] = status
    if args.get("cursor"):
        params["cursor"] = args["cursor"]
    page = _market(visit).call("GET", "/v1/orders", organisation["token"], params=params)
    rows = [{**order, "state_th": order_states.order_state_th(order)} for order in page["items"]]
    return "seller_orders.html", {"organisation": organisation, "organisations": visit.identity["organisations"],
                                  "orders": rows, "next_cursor": page.get("next_cursor"), "status_filter": status,
                                  "statuses": STATUS_FILTERS}


STATUS_FILTERS = {"placed": "รอชำระเงิน (placed)", "confirmed": "ชำระแล้ว (confirmed)",
                  "completed": "ได้รับสินค้าแล้ว (completed)", "cancelled": "ยกเลิก (cancelled)",
                  "expired": "หมดเวลา (expired)"}


def seller_order(visit, order_id):
    found, organisation = _order_as(visit, order_id, "seller")
    visit.ensure_session()
    return "seller_order.html", _seller_order_context(visit, found, organisation,
                                                      done=visit.request.args.get("done"))


def _seller_order_context(visit, found, organisation, posted=None, **more):
    """The seller's order page: a fresh form for each action, the ``posted`` one as it was sent."""
    request = _payment_request(visit, found, organisation["token"])
    def shown(name, form_class, **values):
        posted_here = visit.request.method == "POST" and name == posted
        return forms.bind(form_class, visit, **values) if posted_here else forms.fresh(form_class, visit, **values)
    transfer = shown("transfer", forms.TransferForm, amount=money.baht_text(found["total_satang"]),
                     transferred_at=transferred_at_default(visit.now))
    shipment = shown("shipment", forms.ShipmentForm)
    refund = shown("refund", forms.RefundForm)
    refund.line_no.choices = [(line["line_no"], f"{line['line_no']}. {line['product_name']} × {line['quantity']}")
                              for line in found["lines"]]
    return {"order": found, "organisation": organisation, "state_th": order_states.order_state_th(found),
            "payment": request,
            "payment_state_th": order_states.PAYMENT_REQUEST_STATES.get((request or {}).get("status"), ""),
            "delivery_th": order_states.delivery_label((found.get("route") or {}).get("method")),
            "transfer_form": transfer, "shipment_form": shipment, "refund_form": refund,
            "may_confirm_transfer": order_states.seller_may_confirm_transfer(found, request),
            "may_ship": order_states.seller_may_ship(found), "may_refund": order_states.seller_may_refund(found),
            **more}


def _seller_action(visit, order_id, name, path, body_of):
    visit.require_session()
    found, organisation = _order_as(visit, order_id, "seller")
    context = _seller_order_context(visit, found, organisation, posted=name)
    form = context[f"{name}_form"]
    if not checked(form):
        return "seller_order.html", {**context, "status": 400}
    try:
        _market(visit).call("POST", f"/v1/orders/{found['id']}/{path}", organisation["token"], json=body_of(form),
                            headers={"Idempotency-Key": form.idempotency_key.data})
    except ApiError as refused:
        shown = _refusal(refused)
        form.idempotency_key.data = str(uuid.uuid4())  # a corrected form is a new request
        return "seller_order.html", {**context, "refused": shown, "status": shown["status"]}
    return redirect(f"/seller/orders/{found['id']}?done={name}", code=303)


def confirm_transfer(visit, order_id):
    def body(form):
        at = form.transferred_at.data.replace(tzinfo=THAI_TIME)
        return {"reference": form.reference.data.strip(), "amount_satang": form.amount.satang,
                "transferred_at": at.isoformat(), **({"note": form.note.data.strip()} if form.note.data else {})}
    return _seller_action(visit, order_id, "transfer", "transfer-confirmations", body)


def ship(visit, order_id):
    def body(form):
        if not form.carrier.data:
            return {}
        return {"carrier": form.carrier.data, "tracking_number": form.tracking_number.data.strip()}
    return _seller_action(visit, order_id, "shipment", "shipment", body)


def refund(visit, order_id):
    def body(form):
        return {"lines": [{"line_no": form.line_no.data, "quantity": form.quantity.data}]}
    return _seller_action(visit, order_id, "refund", "refunds", body)


def transferred_at_default(now):
    """Now in Bangkok, as a datetime-local box shows it."""
    return now.astimezone(THAI_TIME).replace(tzinfo=None, second=0, microsecond=0)

