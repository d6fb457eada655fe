"""The storefront's plain pieces (baht typed by people, order states, delivery choices) and its pages
run against a fake marketplace: what they send to the API, and what they render."""
import datetime as dt
import uuid

import pytest
from werkzeug.datastructures import MultiDict

from web import forms, shop_pages
from web.errors import ApiError, PageError
from web.money import baht_text, parse_baht
from web.order_states import (buyer_may_confirm_receipt, order_state_th, seller_may_confirm_transfer,
                              seller_may_refund, seller_may_ship)
from web.views import Views

NOW = dt.datetime(2026, 12, 3, 7, 0, tzinfo=dt.timezone.utc)


# -- baht --------------------------------------------------------------------------------------
@pytest.mark.parametrize("typed, satang", [
    ("45.50", 4550), ("45.5", 4550), ("45", 4500), ("0.01", 1), (" 1,234.56 ", 123456), ("1234.56", 123456),
    ("1,000,000", 100000000), ("0.10", 10), ("19.99", 1999), ("0", 0), ("๔๕.๕๐", 4550)])
def test_baht_as_typed_becomes_exact_integer_satang(typed, satang):
    assert parse_baht(typed) == satang and isinstance(parse_baht(typed), int)


@pytest.mark.parametrize("typed", ["45.505", "1.999", "-5", "+5", "abc", "", None, "4 5.5x", "1,23.00", ".5",
                                   "5.", "1e3", "٤٥", "45,50", "1,2345"])
def test_anything_but_baht_with_at_most_two_decimals_is_refused_in_thai(typed):
    with pytest.raises(ValueError, match="ทศนิยมไม่เกิน 2 ตำแหน่ง"):
        parse_baht(typed)


def test_a_float_rounding_trap_stays_exact():
    assert parse_baht("0.29") == 29 and parse_baht("1.15") == 115 and parse_baht("4.35") == 435


def test_satang_is_shown_back_as_parse_baht_reads_it():
    for satang in (1, 10, 4550, 100, 123456789):
        assert parse_baht(baht_text(satang)) == satang
    assert baht_text(4550) == "45.50" and baht_text(5) == "0.05"


# -- order states -------------------------------------------------------------------------------
def an_order(**values):
    order = {"id": str(uuid.uuid4()), "status": "placed", "payment_status": "unpaid",
             "fulfilment_status": "unfulfilled", "dispute": None}
    order.update(values)
    return order


@pytest.mark.parametrize("values, label", [
    ({}, "รอชำระเงิน (awaiting payment)"),
    ({"payment_status": "held_for_review"}, "ยอดโอนไม่ตรง รอเจ้าหน้าที่ตรวจสอบ (payment held for review)"),
    ({"status": "confirmed", "payment_status": "paid"}, "ชำระแล้ว รอจัดส่ง (paid, to be shipped)"),
    ({"status": "confirmed", "payment_status": "paid", "fulfilment_status": "shipped"},
     "จัดส่งแล้ว รอผู้ซื้อยืนยันรับ (shipped)"),
    ({"status": "confirmed", "payment_status": "paid", "fulfilment_status": "shipped",
      "dispute": {"reason": "ขาด 5 ถุง", "outcome": None}}, "มีข้อโต้แย้ง รอเจ้าหน้าที่ (disputed)"),
    ({"status": "completed", "payment_status": "paid", "fulfilment_status": "delivered"},
     "ได้รับสินค้าแล้ว (received)"),
    ({"status": "completed", "payment_status": "partially_refunded", "fulfilment_status": "delivered"},
     "ได้รับสินค้าแล้ว (received) · คืนเงินบางส่วนแล้ว (partly refunded)"),
    ({"status": "cancelled", "payment_status": "refunded"}, "ยกเลิกแล้ว (cancelled) · คืนเงินแล้ว (refunded)"),
    ({"status": "expired"}, "หมดเวลาชำระเงิน (expired unpaid)"),
])
def test_every_order_state_has_its_thai_label(values, label):
    assert order_state_th(an_order(**values)) == label


def test_what_each_side_may_do_follows_the_order_state():
    placed, paid = an_order(), an_order(status="confirmed", payment_status="paid")
    shipped = an_order(status="confirmed", payment_status="paid", fulfilment_status="shipped")
    direct, provider = {"method": "direct_transfer"}, {"method": "provider"}
    assert seller_may_confirm_transfer(placed, direct) and not seller_may_confirm_transfer(placed, provider)
    assert not seller_may_confirm_transfer(paid, direct) and not seller_may_confirm_transfer(placed, None)
    assert seller_may_ship(paid) and not seller_may_ship(placed) and not seller_may_ship(shipped)
    assert buyer_may_confirm_receipt(shipped) and not buyer_may_confirm_receipt(paid)
    assert seller_may_refund(paid) and not seller_may_refund(placed)


# -- delivery -----------------------------------------------------------------------------------
CENTRE = str(uuid.uuid4())


def test_delivery_choices_name_the_fee_and_the_centres_and_become_order_in_delivery():
    options = {"carrier": {"fee_satang": 5000}, "distribution_centre_ids": [CENTRE, str(uuid.uuid4())],
               "local_pickup": True}
    choices = shop_pages.delivery_choices(options, {CENTRE: {"id": CENTRE, "name_th": "ศูนย์กาญจนบุรี"}})
    assert [value for value, _ in choices] == ["carrier", f"distribution_centre:{CENTRE}", "local_pickup"]
    assert "50.00" in choices[0][1] and "ศูนย์กาญจนบุรี" in choices[1][1]  # an unknown centre is left out
    assert shop_pages.delivery_of("carrier") == {"method": "carrier"}
    assert shop_pages.delivery_of(f"distribution_centre:{CENTRE}") == {
        "method": "distribution_centre", "distribution_centre_id": CENTRE}
    no_carrier = shop_pages.delivery_choices({"carrier": None, "distribution_centre_ids": [],
                                              "local_pickup": True}, {})
    assert no_carrier == [("local_pickup", "รับเองที่ผู้ขาย (pickup at the seller's)")]


# -- the pages, against a fake marketplace ------------------------------------------------------
SELLER, BUYER, PRODUCT = str(uuid.uuid4()), str(uuid.uuid4()), str(uuid.uuid4())
ORDER_ID = str(uuid.uuid4())
PLACE = {"subdistrict_code": "360101", "subdistrict_name_th": "ในเมือง", "district_name_th": "เมืองชัยภูมิ",
         "province_name_th": "ชัยภูมิ"}
RICE = {"id": PRODUCT, "seller_org_id": SELLER, "name_th": "ข้าวหอมมะลิ", "name_en": None, "unit": "ถุง",
        "unit_price_satang": 25000, "stock": 10, "category": "rice", "active": True, "listing_kind": "sale",
        "description": "", "images": []}


def placed_order(**values):
    order = {"id": ORDER_ID, "seller_org_id": SELLER, "buyer_org_id": BUYER, "status": "placed",
             "payment_status": "unpaid", "fulfilment_status": "unfulfilled",
             "ship_to": {"name": "เครือข่ายภูเก็ต", "address_line": "12 ถนนถลาง", "subdistrict_code": "830101"},
             "lines": [{"line_no": 1, "kind": "goods", "product_name": "ข้าวหอมมะลิ", "unit": "ถุง",
                        "quantity": 2, "unit_price_satang": 25000}],
             "total_satang": 50000, "refunded_satang": 0, "placed_at": "2026-12-03T07:00:00+00:00",
             "expires_at": "2026-12-04T07:00:00+00:00", "route": {"method": "carrier"}, "shipment": None,
             "receipt": None, "dispute": None}
    order.update(values)
    return order


class FakeApi:
    """Answers by (method, path); records every call; a path answering an ApiError raises it."""

    def __init__(self, answers):
        self.answers, self.calls = answers, []

    def call(self, method, path, token, *, json=None, params=None, raw=False, headers=None):
        self.calls.append({"method": method, "path": path, "token": token, "json": json, "params": params,
                           "headers": headers or {}})
        answer = self.answers[(method, path)]
        if isinstance(answer, ApiError):
            raise answer
        return answer(json, params) if callable(answer) else answer


class FakeApis:
    def __init__(self, marketplace, centres):
        self.marketplace, self.centres = marketplace, centres


class Request:
    def __init__(self, method, form=None, args=None):
        self.method, self.form, self.args = method, MultiDict(form or {}), MultiDict(args or {})
        self.full_path = "/shop"


class Session:
    def __init__(self, identity):
        self.data, self.identity = {}, identity


class Visit:
    def __init__(self, apis, identity=None, method="GET", form=None, args=None, session=None):
        self.app = type("App", (), {"apis": apis, "secret_key": b"k" * 32})()
        self.request = Request(method, form, args)
        self.session = session or Session(identity)
        self.now = NOW

    @property
    def identity(self):
        return self.session.identity

    def signed_in(self):
        if self.identity is None:
            raise AssertionError("would redirect to sign-in")
        return self.identity

    def ensure_session(self):
        return self.session

    def require_session(self):
        return self.session


IDENTITY = {"email": "somsri@example.org", "officers": [], "staff": None,
            "organisations": [{"org_id": BUYER, "name_th": "เครือข่ายภูเก็ต", "token": "buyer-token"}]}
SELLER_IDENTITY = {"email": "chai@example.org", "officers": [], "staff": None,
                   "organisations": [{"org_id": SELLER, "name_th": "วิสาหกิจข้าวชัยภูมิ", "token": "seller-token"}]}


def platform(more=None):
    marketplace = FakeApi({
        ("GET", "/v1/products"): {"items": [RICE], "next_cursor": None},
        ("GET", f"/v1/products/{PRODUCT}"): RICE,
        ("GET", f"/v1/sellers/{SELLER}/delivery-options"): {"carrier": {"fee_satang": 0},
                                                            "distribution_centre_ids": [], "local_pickup": True},
        ("POST", "/v1/orders"): lambda body, _: placed_order(),
        ("GET", f"/v1/orders/{ORDER_ID}"): placed_order(),
        ("GET", f"/v1/orders/{ORDER_ID}/payment-request"): {
            "order_id": ORDER_ID, "reference": "CODI1234", "amount_satang": 50000, "method": "direct_transfer",
            "qr_payload": "000201", "status": "awaiting_payment", "expires_at": "2026-12-04T07:00:00+00:00"},
        **(more or {})})
    centres = FakeApi({("GET", f"/v1/organisations/{SELLER}"): {"name_th": "วิสาหกิจข้าวชัยภูมิ", "place": PLACE},
                       ("GET", f"/v1/organisations/{BUYER}"): {"name_th": "เครือข่ายภูเก็ต",
                                                               "place": {"subdistrict_code": "830101"}}})
    return FakeApis(marketplace, centres)


def render(result):
    template, context = result
    context = dict(context)
    context.pop("status", None)
    return Views("http://localhost:8005").render(template, visit=None, identity=None, **context)


def test_the_shop_searches_sales_in_thai_and_shows_seller_and_province():
    apis = platform()
    result = shop_pages.search(Visit(apis, args={"q": "ข้าว"}))
    assert apis.marketplace.calls[0]["params"] == {"q": "ข้าว", "limit": 24, "listing_kind": "sale"}
    html = render(result)
    assert "ข้าวหอมมะลิ" in html and "250.00 บาท" in html and "วิสาหกิจข้าวชัยภูมิ" in html and "จ.ชัยภูมิ" in html


def test_a_search_the_api_refuses_is_said_on_the_shop_page_with_its_status():
    refusal = ApiError(400, "ข้อมูลไม่ถูกต้อง (invalid input)", {"province": ["รหัสจังหวัด 2 หลัก (two digits)"]})
    apis = platform({("GET", "/v1/products"): refusal})
    template, context = shop_pages.search(Visit(apis, args={"province": "ชัยภูมิ"}))
    assert context["status"] == 400 and "รหัสจังหวัด 2 หลัก" in render((template, context))


def shown_order_form(apis):
    visit = Visit(apis, IDENTITY)
    template, context = shop_pages.product(visit, PRODUCT)
    assert template == "product.html" and "place-order" in render((template, context))
    return visit.session, context["form"]


def test_an_order_is_posted_once_per_key_with_the_chosen_delivery_and_goes_to_its_page():
    apis = platform()
    session, form = shown_order_form(apis)
    key = form.idempotency_key.data
    assert uuid.UUID(key) and form.subdistrict_code.data == "830101"  # the buyer's own place by default
    posted = {"csrf_token": form.csrf_token.current_token, "idempotency_key": key, "buyer_org_id": BUYER,
              "quantity": "2", "delivery": "local_pickup", "ship_name": "เครือข่ายภูเก็ต",
              "address_line": "12 ถนนถลาง", "subdistrict_code": "830101", "phone": ""}
    response = shop_pages.product(Visit(apis, IDENTITY, "POST", posted, session=session), PRODUCT)
    assert response.status_code == 303 and response.location == f"/shop/orders/{ORDER_ID}"
    call = apis.marketplace.calls[-1]
    assert (call["method"], call["path"], call["token"]) == ("POST", "/v1/orders", "buyer-token")
    assert call["headers"] == {"Idempotency-Key": key}
    assert call["json"] == {"lines": [{"product_id": PRODUCT, "quantity": 2}],
                            "ship_to": {"name": "เครือข่ายภูเก็ต", "address_line": "12 ถนนถลาง",
                                        "subdistrict_code": "830101"},
                            "delivery": {"method": "local_pickup"}}


def test_a_refused_order_is_shown_on_the_product_page_with_its_thai_message_and_a_new_key():
    apis = platform({("POST", "/v1/orders"): ApiError(409, "สินค้ามีไม่พอ (not enough stock)")})
    session, form = shown_order_form(apis)
    posted = {"csrf_token": form.csrf_token.current_token, "idempotency_key": form.idempotency_key.data,
              "buyer_org_id": BUYER, "quantity": "200", "delivery": "carrier", "ship_name": "ก",
              "address_line": "ข", "subdistrict_code": "830101"}
    template, context = shop_pages.product(Visit(apis, IDENTITY, "POST", posted, session=session), PRODUCT)
    assert context["status"] == 409 and "สินค้ามีไม่พอ" in render((template, context))
    assert context["form"].idempotency_key.data != posted["idempotency_key"]


def test_an_order_form_without_its_csrf_token_is_a_403_and_posts_nothing():
    apis = platform()
    session, form = shown_order_form(apis)
    posted = {"idempotency_key": form.idempotency_key.data, "buyer_org_id": BUYER, "quantity": "1",
              "delivery": "carrier", "ship_name": "ก", "address_line": "ข", "subdistrict_code": "830101"}
    with pytest.raises(PageError) as refused:
        shop_pages.product(Visit(apis, IDENTITY, "POST", posted, session=session), PRODUCT)
    assert refused.value.status == 403
    assert all(call["method"] == "GET" for call in apis.marketplace.calls)


def test_the_buyers_order_page_shows_state_lines_qr_and_no_receipt_button_before_shipment():
    apis = platform()
    html = render(shop_pages.order(Visit(apis, IDENTITY), ORDER_ID))
    assert "รอชำระเงิน (awaiting payment)" in html and "500.00 บาท" in html and "CODI1234" in html
    assert f'src="/shop/orders/{ORDER_ID}/qr.svg"' in html and "confirm-receipt" not in html
    shipped = placed_order(status="confirmed", payment_status="paid", fulfilment_status="shipped",
                           shipment={"carrier": "thailand_post", "tracking_number": "EE123456785TH",
                                     "shipped_at": "2026-12-03T08:00:00+00:00"})
    apis = platform({("GET", f"/v1/orders/{ORDER_ID}"): shipped})
    html = render(shop_pages.order(Visit(apis, IDENTITY), ORDER_ID))
    assert "EE123456785TH" in html and "confirm-receipt" in html and "ได้รับสินค้าแล้ว" in html


def test_someone_elses_order_is_a_404():
    apis = platform({("GET", f"/v1/orders/{ORDER_ID}"): ApiError(403, "ไม่ใช่ของคุณ (not yours)")})
    with pytest.raises(PageError) as refused:
        shop_pages.order(Visit(apis, IDENTITY), ORDER_ID)
    assert refused.value.status == 404
    with pytest.raises(PageError):  # the seller's page of an order the person only buys
        shop_pages.seller_order(Visit(platform(), IDENTITY), ORDER_ID)


def test_a_seller_sees_no_order_form_on_its_own_product():
    template, context = shop_pages.product(Visit(platform(), SELLER_IDENTITY), PRODUCT)
    html = render((template, context))
    assert "place-order" not in html and "own-product" in html


def test_a_seller_lists_a_product_priced_in_baht_as_exact_satang():
    apis = platform({("POST", "/v1/products"): lambda body, _: {**RICE, **body}})
    shown = Visit(apis, SELLER_IDENTITY)
    template, context = shop_pages.seller_home(shown)
    assert "list-product" in render((template, context))
    posted = {"csrf_token": context["form"].csrf_token.current_token, "name_th": "ปลาร้าบอง", "category": "food",
              "unit": "กระปุก", "price": "45.50", "stock": "30", "description": ""}
    response = shop_pages.seller_home(Visit(apis, SELLER_IDENTITY, "POST", posted, session=shown.session))
    assert response.status_code == 303
    assert apis.marketplace.calls[-1]["json"] == {"name_th": "ปลาร้าบอง", "category": "food", "unit": "กระปุก",
                                                  "unit_price_satang": 4550, "stock": 30}
    three_decimals = {**posted, "price": "45.505"}
    template, context = shop_pages.seller_home(Visit(apis, SELLER_IDENTITY, "POST", three_decimals,
                                                     session=shown.session))
    assert context["status"] == 400 and "ทศนิยมไม่เกิน 2 ตำแหน่ง" in render((template, context))
    assert sum(call["method"] == "POST" for call in apis.marketplace.calls) == 1


def seller_page(apis):
    visit = Visit(apis, SELLER_IDENTITY)
    template, context = shop_pages.seller_order(visit, ORDER_ID)
    return visit.session, context, render((template, context))


def test_a_seller_confirms_a_direct_transfer_in_bangkok_time():
    apis = platform({("POST", f"/v1/orders/{ORDER_ID}/transfer-confirmations"): lambda body, _: placed_order()})
    session, context, html = seller_page(apis)
    assert "confirm-transfer" in html and 'id="ship"' not in html and 'id="refund"' not in html
    form = context["transfer_form"]
    posted = {"csrf_token": form.csrf_token.current_token, "idempotency_key": form.idempotency_key.data,
              "reference": "KTB 0001", "amount": "500.00", "transferred_at": "2026-12-03T14:05", "note": ""}
    response = shop_pages.confirm_transfer(Visit(apis, SELLER_IDENTITY, "POST", posted, session=session), ORDER_ID)
    assert response.status_code == 303
    call = apis.marketplace.calls[-1]
    assert call["path"] == f"/v1/orders/{ORDER_ID}/transfer-confirmations" and call["token"] == "seller-token"
    assert call["json"] == {"reference": "KTB 0001", "amount_satang": 50000,
                            "transferred_at": "2026-12-03T14:05:00+07:00"}
    assert call["headers"] == {"Idempotency-Key": form.idempotency_key.data}


def test_a_refused_shipment_reshows_the_seller_page_with_the_thai_message():
    paid = placed_order(status="confirmed", payment_status="paid")
    refusal = ApiError(422, "ข้อมูลไม่ถูกต้อง (invalid input)",
                       {"tracking_number": ["เลขพัสดุไปรษณีย์ไทยไม่ถูกต้อง (bad check digit)"]})
    apis = platform({("GET", f"/v1/orders/{ORDER_ID}"): paid,
                       ("POST", f"/v1/orders/{ORDER_ID}/shipment"): refusal})
    session, context, html = seller_page(apis)
    assert 'id="ship"' in html and 'id="refund"' in html and "confirm-transfer" not in html
    form = context["shipment_form"]
    posted = {"csrf_token": form.csrf_token.current_token, "idempotency_key": form.idempotency_key.data,
              "carrier": "thailand_post", "tracking_number": "EE123456784TH"}
    template, context = shop_pages.ship(Visit(apis, SELLER_IDENTITY, "POST", posted, session=session), ORDER_ID)
    assert context["status"] == 422
    html = render((template, context))
    assert "เลขพัสดุไปรษณีย์ไทยไม่ถูกต้อง" in html and "EE123456784TH" in html


def test_a_refund_posts_the_line_and_quantity_and_an_outage_is_left_to_the_error_page():
    paid = placed_order(status="confirmed", payment_status="paid")
    apis = platform({("GET", f"/v1/orders/{ORDER_ID}"): paid,
                       ("POST", f"/v1/orders/{ORDER_ID}/refunds"): lambda body, _: {"status": "confirmed"}})
    session, context, _ = seller_page(apis)
    form = context["refund_form"]
    posted = {"csrf_token": form.csrf_token.current_token, "idempotency_key": form.idempotency_key.data,
              "line_no": "1", "quantity": "1"}
    response = shop_pages.refund(Visit(apis, SELLER_IDENTITY, "POST", posted, session=session), ORDER_ID)
    assert response.status_code == 303 and apis.marketplace.calls[-1]["json"] == {
        "lines": [{"line_no": 1, "quantity": 1}]}
    apis.marketplace.answers[("POST", f"/v1/orders/{ORDER_ID}/refunds")] = ApiError(503, "ไม่ตอบ (unreachable)")
    with pytest.raises(ApiError):
        shop_pages.refund(Visit(apis, SELLER_IDENTITY, "POST", posted, session=session), ORDER_ID)


def test_a_shipment_form_needs_a_carrier_and_a_tracking_number_together():
    visit = Visit(platform(), SELLER_IDENTITY)
    token = forms.fresh(forms.ShipmentForm, visit).csrf_token.current_token
    for values, valid in (({"carrier": "kerry", "tracking_number": ""}, False),
                          ({"carrier": "", "tracking_number": "KEX123456"}, False),
                          ({"carrier": "", "tracking_number": ""}, True),
                          ({"carrier": "kerry", "tracking_number": "KEX123456"}, True)):
        posted = Visit(platform(), SELLER_IDENTITY, "POST",
                       {"csrf_token": token, "idempotency_key": str(uuid.uuid4()), **values}, session=visit.session)
        assert forms.bind(forms.ShipmentForm, posted).validate() is valid, values


def test_a_quantity_that_is_not_a_whole_number_is_refused_in_thai():
    visit = Visit(platform(), IDENTITY)
    token = forms.fresh(forms.RefundForm, visit).csrf_token.current_token
    posted = Visit(platform(), IDENTITY, "POST", {"csrf_token": token, "idempotency_key": str(uuid.uuid4()),
                                                  "line_no": "1", "quantity": "2.5"}, session=visit.session)
    form = forms.bind(forms.RefundForm, posted)
    form.line_no.choices = [(1, "ข้าว")]
    assert not form.validate() and form.errors["quantity"][0] == "ต้องเป็นจำนวนเต็ม เช่น 5 (a whole number)"
