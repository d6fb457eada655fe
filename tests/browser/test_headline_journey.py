"""The headline case clicked through in Chromium by the three people in it: the Chaiyaphum seller
lists its rice, the Phuket network finds it, orders 25 bags and pays the order's Thai QR (through
the payment provider's stand-in, as a banking app would), the seller ships it, the buyer confirms
receipt, and the Phuket fund's officer sees 100.00 บาท posted, then reads and downloads the month's
statement. Screenshots of the pages are kept in docs/screenshots/."""
import re
import uuid

import pytest
import requests
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select

from devtools import browser, scenario

from conftest import sign_in

pytestmark = pytest.mark.e2e

LEVY_TH = "100.00 บาท"


def fill(driver, values):
    for name, value in values.items():
        field = driver.find_element(By.NAME, name)
        field.clear()
        field.send_keys(value)


def test_rice_listed_ordered_paid_shipped_received_and_the_officer_sees_the_levy_posted(
        platform, web_url, mail_dir, network):
    rice = f"ข้าวหอมมะลิชัยภูมิ ฤดูใหม่ {uuid.uuid4().hex[:6]} ถุง 5 กิโลกรัม"
    with browser.chromium() as seller:
        sign_in(seller, web_url, mail_dir, network["seller_contact_email"])
        seller.get(f"{web_url}/seller")
        fill(seller, {"name_th": rice, "category": "rice", "unit": "ถุง", "price": "250.00", "stock": "100"})
        seller.find_element(By.ID, "list-product").click()
        browser.wait_for(seller, "#listed")
        browser.screenshot(seller, "seller-products")

        with browser.chromium() as buyer:
            sign_in(buyer, web_url, mail_dir, network["buyer_contact_email"])
            buyer.get(f"{web_url}/shop")
            fill(buyer, {"q": rice.split(" ถุง")[0]})
            buyer.find_element(By.NAME, "q").submit()
            browser.wait_for_text(buyer, "main", rice)
            browser.screenshot(buyer, "shop-search")
            buyer.find_element(By.LINK_TEXT, rice).click()
            assert browser.wait_for_text(buyer, "#price", "250.00 บาท")
            fill(buyer, {"quantity": str(scenario.BAGS), "ship_name": "วิชัย ทะเลงาม (ข้อมูลสาธิต)",
                         "address_line": "99 ถนนถลาง", "subdistrict_code": "830101"})
            Select(buyer.find_element(By.NAME, "delivery")).select_by_value("carrier")
            browser.screenshot(buyer, "shop-product")
            buyer.find_element(By.ID, "place-order").click()
            browser.wait_for(buyer, ".qr img")
            order_id = re.search(r"/shop/orders/([0-9a-f-]{36})", buyer.current_url).group(1)
            assert "6,250.00 บาท" in buyer.find_element(By.CSS_SELECTOR, "main").text
            qr = requests.get(buyer.find_element(By.CSS_SELECTOR, ".qr img").get_attribute("src"), timeout=10,
                              headers={"Cookie": f"codi_session={buyer.get_cookie('codi_session')['value']}"})
            assert qr.status_code == 200 and qr.headers["Content-Type"].startswith("image/svg+xml")
            browser.screenshot(buyer, "shop-order-qr")

            # the buyer's banking app pays the QR: the provider confirms to the marketplace
            scenario.pay_through_provider(platform, network, {"id": order_id})
            buyer.refresh()
            browser.wait_for_text(buyer, "#order-state", "ชำระแล้ว")

            seller.get(f"{web_url}/seller/orders/{order_id}")
            Select(seller.find_element(By.NAME, "carrier")).select_by_value("thailand_post")
            fill(seller, {"tracking_number": "EE123456785TH"})
            seller.find_element(By.ID, "ship").click()
            browser.wait_for(seller, "#done")
            browser.screenshot(seller, "seller-order")

            buyer.refresh()
            assert "EE123456785TH" in browser.wait_for_text(buyer, "main", "EE123456785TH").text
            buyer.find_element(By.ID, "confirm-receipt").click()
            browser.wait_for_text(buyer, "#order-state", "ได้รับสินค้าแล้ว")
            browser.screenshot(buyer, "shop-order-received")

    with browser.chromium() as officer:
        sign_in(officer, web_url, mail_dir, network["officer"]["email"])
        fund_page = f"{web_url}/funds/{network['fund']['fund_id']}"
        scenario.eventually("the levy posted on the officer's page", lambda: (
            officer.get(fund_page), officer.find_element(By.ID, "posted").text == LEVY_TH)[1])
        assert officer.find_element(By.ID, "pending").text == "0.00 บาท"
        browser.screenshot(officer, "officer-fund")
        officer.find_element(By.PARTIAL_LINK_TEXT, "รายงานประจำเดือน").click()
        officer.find_elements(By.CSS_SELECTOR, "ul.months a")[0].click()
        browser.wait_for_text(officer, "#closing-posted", LEVY_TH)
        browser.screenshot(officer, "officer-statement")
        csv = requests.get(officer.find_element(By.ID, "download-csv").get_attribute("href"), timeout=10,
                           headers={"Cookie": f"codi_session={officer.get_cookie('codi_session')['value']}"})
        assert csv.status_code == 200 and csv.headers["Content-Type"].startswith("text/csv")
        assert order_id in csv.text and "attachment" in csv.headers["Content-Disposition"]
