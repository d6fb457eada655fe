"""Bad input to the pages is a Thai 4xx page, never a 500: made-up ids, malformed months and
cursors, hostile query strings and form bodies, signed in or not."""
import re
import uuid

import pytest
import requests

from browser_steps import signin_links
from devtools import scenario

pytestmark = pytest.mark.e2e

HOSTILE = ["x", "-1", "0" * 300, "'; DROP TABLE x;--", "<script>alert(1)</script>", "%00", "๑๒", "9" * 40]


def session_cookie(web_url, mail_dir, email):
    """Sign in over plain HTTP, as a browser would (the cookie set by hand: Secure cookies stay off http)."""
    first = requests.get(f"{web_url}/signin", timeout=10)
    cookie = first.headers["Set-Cookie"].split(";")[0]
    token = csrf(first.text)
    requests.post(f"{web_url}/signin", data={"email": email, "csrf_token": token}, headers={"Cookie": cookie},
                  timeout=10)
    link = scenario.eventually("the link", lambda: (signin_links(mail_dir, email) or [None])[-1])
    page = requests.get(link, headers={"Cookie": cookie}, timeout=10)
    signed = requests.post(link, data={"csrf_token": csrf(page.text)}, headers={"Cookie": cookie},
                           allow_redirects=False, timeout=10)
    return signed.headers["Set-Cookie"].split(";")[0]


def csrf(html):
    """The page's first CSRF token; "forged" where it has none (a refusal page)."""
    found = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html)
    return found.group(1) if found else "forged"


def test_no_page_answers_bad_input_with_a_500(web_url, mail_dir, network):
    fund, officer = network["fund"]["fund_id"], network["officer"]["officer_id"]
    product, order = network["product"]["id"], str(uuid.uuid4())
    officer_cookie = session_cookie(web_url, mail_dir, network["officer"]["email"])
    buyer_cookie = session_cookie(web_url, mail_dir, network["buyer_contact_email"])
    paths = [f"/funds/{bad}" for bad in HOSTILE] + [f"/funds/{fund}/statements/{bad}" for bad in HOSTILE]
    paths += [f"/funds/{fund}/entries?kind={bad}&phase={bad}&cursor={bad}" for bad in HOSTILE]
    paths += [f"/shop?q={bad}&cursor={bad}&province={bad}&category={bad}" for bad in HOSTILE]
    paths += [f"/shop/products/{bad}" for bad in HOSTILE] + [f"/shop/orders/{bad}" for bad in HOSTILE]
    paths += [f"/seller?org={bad}" for bad in HOSTILE] + [f"/seller/orders?status={bad}&cursor={bad}" for bad in HOSTILE]
    paths += [f"/officers/{bad}/preferences" for bad in HOSTILE] + [f"/signin?next={bad}" for bad in HOSTILE]
    paths += [f"/shop/orders/{order}", f"/seller/orders/{order}", f"/shop/orders/{order}/qr.svg", "/static/x.css",
              f"/funds/{fund}/statements/2026-13", f"/funds/{fund}/statements/1999-01/print", "/network"]
    for cookie in (None, officer_cookie, buyer_cookie):
        headers = {"Cookie": cookie} if cookie else {}
        for path in paths:
            answer = requests.get(f"{web_url}{path}", headers=headers, allow_redirects=False, timeout=10)
            assert answer.status_code < 500, f"GET {path}: {answer.status_code} {answer.text[:300]}"
    forms = {f"/shop/products/{product}": {"quantity": "-5", "delivery": "teleport", "buyer_org_id": "x",
                                           "subdistrict_code": "abc", "idempotency_key": "not-a-uuid"},
             "/seller": {"price": "12.345", "stock": "lots", "name_th": "x" * 5000},
             f"/officers/{officer}/preferences": {"email": "not an email", "daily_digest_at": "25:99"},
             f"/seller/orders/{order}/shipment": {"carrier": "rocket", "tracking_number": "?"},
             f"/seller/orders/{order}/refunds": {"line_no": "x", "quantity": "0"},
             f"/shop/orders/{order}/receipt": {}}
    for cookie in (officer_cookie, buyer_cookie):
        for path, data in forms.items():
            page = requests.get(f"{web_url}{path.split('/shipment')[0].split('/refunds')[0].split('/receipt')[0]}",
                                headers={"Cookie": cookie}, timeout=10)
            for body in (data, {**data, "csrf_token": csrf(page.text)}):
                answer = requests.post(f"{web_url}{path}", data=body, headers={"Cookie": cookie},
                                       allow_redirects=False, timeout=10)
                assert answer.status_code < 500, f"POST {path}: {answer.status_code} {answer.text[:300]}"
