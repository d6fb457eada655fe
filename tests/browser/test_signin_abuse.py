"""Sign-in and sessions under abuse, in Chromium: links reused or expired, forged and ended cookies,
forms without their CSRF token, another fund's page, unknown emails, too many requests."""
import uuid

import psycopg2
import pytest
import requests
from selenium.webdriver.common.by import By

from devtools import browser, scenario

from browser_steps import (CSRF_TOKEN, follow_link, get_with_cookie, request_link, sign_in, sign_out, signin_links,
                           use_link_without_browser)

pytestmark = pytest.mark.e2e

REFUSED_LINK = "ลิงก์นี้ใช้ไม่ได้แล้ว"


def test_a_link_works_once(driver, web_url, mail_dir, network):
    email = network["officer"]["email"]
    link = request_link(driver, web_url, mail_dir, email)
    follow_link(driver, link)
    browser.wait_for(driver, "form[action='/signout']")
    sign_out(driver)
    follow_link(driver, link)
    browser.wait_for_text(driver, "h1", REFUSED_LINK)
    assert driver.find_elements(By.CSS_SELECTOR, "form[action='/signout']") == []
    refused = use_link_without_browser(link)
    assert refused.status_code == 410 and REFUSED_LINK in refused.text


def test_an_expired_link_is_refused(driver, web_url, mail_dir, network, platform):
    link = request_link(driver, web_url, mail_dir, network["officer"]["email"])
    with psycopg2.connect(platform.env["WEB_DATABASE_URL"]) as connection, connection.cursor() as cursor:
        cursor.execute("UPDATE signin_links SET expires_at = now() - interval '1 second' WHERE used_at IS NULL")
    follow_link(driver, link)
    browser.wait_for_text(driver, "h1", REFUSED_LINK)
    assert use_link_without_browser(link).status_code == 410


def test_a_made_up_link_is_refused(driver, web_url):
    follow_link(driver, f"{web_url}/signin/{'A' * 43}")
    browser.wait_for_text(driver, "h1", REFUSED_LINK)


def test_a_forged_cookie_opens_nothing(driver, web_url, network):
    fund_page = f"{web_url}/funds/{network['fund']['fund_id']}"
    driver.get(f"{web_url}/")
    driver.add_cookie({"name": "codi_session", "value": "forged-" + uuid.uuid4().hex, "path": "/"})
    driver.get(fund_page)
    assert driver.current_url.startswith(f"{web_url}/signin?next=")
    forged = get_with_cookie(fund_page, "x" * 43)
    assert forged.status_code == 303 and forged.headers["Location"].startswith("/signin")


def test_signing_out_ends_the_session_everywhere(driver, web_url, mail_dir, network):
    fund_page = f"{web_url}/funds/{network['fund']['fund_id']}"
    cookie = sign_in(driver, web_url, mail_dir, network["officer"]["email"])
    assert get_with_cookie(fund_page, cookie).status_code == 200
    sign_out(driver)
    assert driver.get_cookie("codi_session") is None
    ended = get_with_cookie(fund_page, cookie)
    assert ended.status_code == 303 and ended.headers["Location"].startswith("/signin")


def test_the_session_cookie_is_httponly_secure_and_samesite(driver, web_url, mail_dir, network):
    sign_in(driver, web_url, mail_dir, network["officer"]["email"])
    cookie = driver.get_cookie("codi_session")
    assert cookie["httpOnly"] and cookie["secure"] and cookie["sameSite"] == "Lax"
    assert driver.execute_script("return document.cookie") == ""


def test_a_form_without_its_csrf_token_is_refused_and_changes_nothing(driver, web_url, mail_dir, network, platform):
    officer = network["officer"]
    sign_in(driver, web_url, mail_dir, officer["email"])
    driver.get(f"{web_url}/officers/{officer['officer_id']}/preferences")
    driver.execute_script("document.querySelector('main form input[name=csrf_token]').remove()")
    field = driver.find_element(By.NAME, "email")
    field.clear()
    field.send_keys("attacker@example.org")
    field.submit()
    browser.wait_for_text(driver, "h1", "403")
    stored = requests.get(platform.url("funds", f"/v1/officers/{officer['officer_id']}"), timeout=10,
                          headers={"Authorization": f"Bearer {network['ops']['funds']}"}).json()
    assert stored["email"] == officer["email"]


def test_a_form_posted_from_another_site_is_refused(web_url, network):
    """A cross-site POST carries no session cookie (SameSite) and no token: nothing signs anyone out
    or sends links on another site's behalf."""
    response = requests.post(f"{web_url}/signin", data={"email": network["officer"]["email"]}, timeout=10,
                             allow_redirects=False)
    assert response.status_code == 403


def test_an_officer_cannot_open_another_funds_pages(driver, web_url, mail_dir, network, platform):
    other = scenario.call("POST", platform.url("centres", "/v1/funds"), network["ops"]["centres"], {
        "name_th": "กองทุนสวัสดิการชุมชนอื่น (ข้อมูลสาธิต)", "subdistrict_code": "360101", "demo": True})
    sign_in(driver, web_url, mail_dir, network["officer"]["email"])
    for path in ("", "/entries", "/statements", "/statements/2026-11", "/statements/2026-11?format=csv"):
        driver.get(f"{web_url}/funds/{other['fund_id']}{path}")
        browser.wait_for_text(driver, "h1", "403")
        assert "ไม่มีสิทธิ์" in driver.find_element(By.CSS_SELECTOR, "main").text


def test_an_unregistered_email_sees_the_same_page_and_gets_no_email(driver, web_url, mail_dir, network):
    stranger = f"stranger-{uuid.uuid4().hex[:8]}@example.org"
    driver.get(f"{web_url}/signin")
    field = driver.find_element(By.NAME, "email")
    field.send_keys(stranger)
    field.submit()
    stranger_page = browser.wait_for_text(driver, "main", "ตรวจอีเมล").text.replace(stranger, "EMAIL")
    registered = network["officer"]["email"]
    request_link(driver, web_url, mail_dir, registered)  # its email arrives: the stranger's would be there by now
    assert driver.find_element(By.CSS_SELECTOR, "main").text.replace(registered, "EMAIL") == stranger_page
    assert signin_links(mail_dir, stranger) == []


def test_sign_in_requests_are_rate_limited_per_email(web_url, network):
    session_page = requests.get(f"{web_url}/signin", timeout=10)
    cookie = session_page.headers["Set-Cookie"].split(";")[0]
    statuses = []
    for _ in range(7):
        page = requests.get(f"{web_url}/signin", headers={"Cookie": cookie}, timeout=10).text
        token = CSRF_TOKEN.search(page).group(1)
        statuses.append(requests.post(f"{web_url}/signin", headers={"Cookie": cookie}, timeout=10, data={
            "email": "limited@example.org",
            "csrf_token": token}).status_code)
    assert statuses[:5] == [200] * 5 and statuses[5:] == [429, 429]
