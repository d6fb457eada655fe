"""The reference storefront end to end, in a browser against the running platform: a seller lists a
product priced in baht; a buyer finds the rice, orders it and sees its Thai QR; the seller confirms
the direct transfer, is refused a wrong tracking number, ships; the buyer confirms receipt."""
import re

import pytest
import requests
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select

from devtools import browser, scenario

from browser_steps import sign_in, sign_out

pytestmark = pytest.mark.e2e


def fill(driver, name, text):
    box = driver.find_element(By.NAME, name)
    box.clear()
    box.send_keys(text)


def test_an_order_from_the_shop_to_the_receipt(driver, platform, web_url, mail_dir, network):
    scenario.collect_directly(platform, network)
    product_id = network["product"]["id"]

    sign_in(driver, web_url, mail_dir, network["seller_contact_email"])
    driver.get(f"{web_url}/seller")
    for name, text in (("name_th", "ปลาร้าบองแม่สมหมาย"), ("category", "food"), ("unit", "กระปุก"),
                       ("price", "45.50"), ("stock", "30")):
        fill(driver, name, text)
    driver.find_element(By.ID, "list-product").click()
    browser.wait_for(driver, "#listed")
    assert "45.50 บาท" in driver.find_element(By.TAG_NAME, "main").text
    sign_out(driver)

    cookie = sign_in(driver, web_url, mail_dir, network["buyer_contact_email"])
    driver.get(f"{web_url}/shop?q=ข้าวหอมมะลิ")
    browser.wait_for(driver, f"a[href='/shop/products/{product_id}']").click()
    browser.wait_for(driver, "#place-order")
    fill(driver, "quantity", "2")
    fill(driver, "address_line", "12 ถนนถลาง")
    Select(driver.find_element(By.NAME, "delivery")).select_by_value("carrier")
    driver.find_element(By.ID, "place-order").click()
    browser.wait_for_text(driver, "#order-state", "รอชำระเงิน")
    order_id = driver.current_url.rstrip("/").rsplit("/", 1)[1]
    assert driver.find_element(By.ID, "order-total").text == "500.00 บาท"
    qr = requests.get(f"{web_url}/shop/orders/{order_id}/qr.svg", headers={"Cookie": f"codi_session={cookie}"},
                      timeout=10)
    assert qr.status_code == 200 and qr.headers["Content-Type"].startswith("image/svg+xml")
    assert driver.find_elements(By.CSS_SELECTOR, f".qr img[src='/shop/orders/{order_id}/qr.svg']")
    assert ordered_twice_with_one_key(web_url, cookie, product_id) == 1
    sign_out(driver)

    sign_in(driver, web_url, mail_dir, network["seller_contact_email"])
    driver.get(f"{web_url}/seller/orders")
    browser.wait_for(driver, f"a[href='/seller/orders/{order_id}']").click()
    fill(driver, "reference", "KTB 0001")
    driver.find_element(By.ID, "confirm-transfer").click()
    browser.wait_for_text(driver, "#order-state", "ชำระแล้ว")
    Select(driver.find_element(By.NAME, "carrier")).select_by_value("thailand_post")
    fill(driver, "tracking_number", "EE123456784TH")  # a wrong check digit: the API refuses it
    driver.find_element(By.ID, "ship").click()
    assert browser.wait_for(driver, "#refused").text
    Select(driver.find_element(By.NAME, "carrier")).select_by_value("thailand_post")
    fill(driver, "tracking_number", "EE123456785TH")
    driver.find_element(By.ID, "ship").click()
    browser.wait_for_text(driver, "#order-state", "จัดส่งแล้ว")
    sign_out(driver)

    sign_in(driver, web_url, mail_dir, network["buyer_contact_email"])
    driver.get(f"{web_url}/shop/orders/{order_id}")
    assert browser.wait_for(driver, "#tracking-number").text == "EE123456785TH"
    driver.find_element(By.ID, "confirm-receipt").click()
    browser.wait_for_text(driver, "#order-state", "ได้รับสินค้าแล้ว")


def ordered_twice_with_one_key(web_url, cookie, product_id):
    """How many orders one order form makes when it is sent twice (a double click)."""
    headers = {"Cookie": f"codi_session={cookie}"}
    page = requests.get(f"{web_url}/shop/products/{product_id}", headers=headers, timeout=10).text
    hidden = dict(re.findall(r'name="(csrf_token|idempotency_key|buyer_org_id)"[^>]*value="([^"]+)"', page))
    form = {**hidden, "quantity": "1", "delivery": "carrier", "ship_name": "วิชัย", "address_line": "12 ถนนถลาง",
            "subdistrict_code": "830101"}
    answers = [requests.post(f"{web_url}/shop/products/{product_id}", data=form, headers=headers, timeout=10,
                             allow_redirects=False) for _ in range(2)]
    assert [answer.status_code for answer in answers] == [303, 303]
    return len({answer.headers["Location"] for answer in answers})
