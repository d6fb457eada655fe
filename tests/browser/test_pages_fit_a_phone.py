"""The main pages at a phone's width: nothing wider than the screen, Thai headings; their
screenshots are kept in docs/screenshots/ (the README shows them)."""
import datetime as dt

import pytest
from selenium.webdriver.common.by import By

from chassis.thai import THAI_TIME
from devtools import browser, scenario

from conftest import STAFF_EMAIL, sign_in

pytestmark = pytest.mark.e2e


@pytest.fixture
def phone():
    with browser.chromium(browser.PHONE) as chromium:
        yield chromium


def this_month():
    return dt.datetime.now(THAI_TIME).strftime("%Y-%m")


def check(driver, url, heading, screenshot=None):
    driver.get(url)
    browser.wait_for_text(driver, "h1", heading)
    assert browser.fits_width(driver), f"{url} is wider than a phone"
    if screenshot:
        browser.screenshot(driver, screenshot)


def test_officers_pages_fit_a_phone(phone, platform, web_url, mail_dir, network):
    scenario.place_and_pay(platform, network)
    scenario.wait_for_pending(platform, network, scenario.BAGS * scenario.LEVY_PER_BAG_SATANG)
    fund_id, officer = network["fund"]["fund_id"], network["officer"]
    check(phone, f"{web_url}/signin", "เข้าสู่ระบบ", "phone-signin")
    sign_in(phone, web_url, mail_dir, officer["email"])
    check(phone, f"{web_url}/funds/{fund_id}", "กองทุน", "phone-fund")
    assert phone.find_element(By.ID, "pending").text == "100.00 บาท"
    check(phone, f"{web_url}/funds/{fund_id}/entries", "รายการบัญชี", "phone-entries")
    check(phone, f"{web_url}/funds/{fund_id}/statements", "รายงานประจำเดือน")
    check(phone, f"{web_url}/funds/{fund_id}/statements/{this_month()}", "รายงานประจำเดือน", "phone-statement")
    check(phone, f"{web_url}/officers/{officer['officer_id']}/preferences", "อีเมลและการแจ้งเตือน",
          "phone-preferences")


def test_staff_see_the_network_on_a_phone(phone, platform, web_url, mail_dir, network):
    scenario.place_and_pay(platform, network)
    sign_in(phone, web_url, mail_dir, STAFF_EMAIL)
    check(phone, f"{web_url}/network", "ภาพรวมเครือข่าย", "phone-network")
    assert phone.find_elements(By.CSS_SELECTOR, "figure.chart rect")


def test_the_public_pages_fit_a_phone(phone, web_url):
    check(phone, f"{web_url}/", "ตลาดนัดองค์กรชุมชน", "phone-home")
