"""The platform as real processes, a real SMTP server and Debian's Chromium, once per module."""
import re
import time
import uuid

import pytest
import requests
from selenium.webdriver.common.by import By

from devtools import browser, scenario, smtp_sink
from devtools.platform import Platform

STAFF_EMAIL = "staff.demo@codi.example.org"
LINK = re.compile(r"https?://\S+/signin/[A-Za-z0-9_-]{40,}")


@pytest.fixture(scope="module")
def mail_dir(tmp_path_factory, test_env):
    directory = tmp_path_factory.mktemp("mail")
    sink = smtp_sink.start(directory, port=int(test_env["SMTP_PORT"]))
    yield directory
    sink.stop()


@pytest.fixture(scope="module")
def platform(test_env, mail_dir, tmp_path_factory):
    env = {**test_env, "WEB_STAFF_EMAILS": STAFF_EMAIL}
    with Platform(env, log_dir=tmp_path_factory.mktemp("logs")) as running:
        yield running


@pytest.fixture(scope="module")
def web_url(platform):
    return platform.env["WEB_PUBLIC_URL"].rstrip("/")


@pytest.fixture
def network(platform):
    tag = uuid.uuid4().hex[:8]
    return scenario.set_up_network(platform, officer_email=f"officer-{tag}@example.org",
                                   seller_email=f"seller-{tag}@example.org", buyer_email=f"buyer-{tag}@example.org")


@pytest.fixture
def driver():
    with browser.chromium() as chromium:
        yield chromium


def signin_links(mail_dir, email):
    texts = [mail.get_body(preferencelist=("plain",)).get_content()
             for mail in scenario.read_mail(mail_dir) if mail["To"] == email]
    return [found.group(0) for found in map(LINK.search, texts) if found]


def request_link(driver, web_url, mail_dir, email):
    """Ask for a sign-in link in the browser; the link, once its email arrived."""
    before = len(signin_links(mail_dir, email))
    driver.get(f"{web_url}/signin")
    field = driver.find_element(By.NAME, "email")
    field.clear()
    field.send_keys(email)
    field.submit()
    browser.wait_for_text(driver, "h1", "ตรวจอีเมล")
    return scenario.eventually(f"a sign-in email to {email}", lambda: (
        lambda links: links[-1] if len(links) > before else None)(signin_links(mail_dir, email)))


def follow_link(driver, link):
    driver.get(link)
    browser.wait_for(driver, "#confirm-signin").click()


def sign_in(driver, web_url, mail_dir, email):
    follow_link(driver, request_link(driver, web_url, mail_dir, email))
    browser.wait_for(driver, "form[action='/signout']")
    return driver.get_cookie("codi_session")["value"]


def sign_out(driver):
    driver.find_element(By.CSS_SELECTOR, "form[action='/signout'] button").click()
    browser.wait_for(driver, "a[href='/signin']")


def get_with_cookie(url, cookie):
    """A page fetched with a given session cookie (Python's cookie jar keeps Secure cookies off http)."""
    return requests.get(url, headers={"Cookie": f"codi_session={cookie}"}, allow_redirects=False, timeout=10)


def wait_until(what, probe, timeout=20):
    deadline = time.monotonic() + timeout
    while not probe():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.2)
