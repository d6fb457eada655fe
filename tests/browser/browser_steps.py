"""What a person does in the browser, as the pages' tests say it: ask for a sign-in link, follow it,
sign in and out; and the page fetched with a given cookie."""
import re

import requests
from selenium.webdriver.common.by import By

from devtools import browser, scenario

STAFF_EMAIL = "staff.demo@codi.example.org"
LINK = re.compile(r"https?://\S+/signin/[A-Za-z0-9_-]{40,}")


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


CSRF_TOKEN = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')


def use_link_without_browser(link):
    """The emailed link's confirm button pressed with requests: the status, which a browser does not show."""
    page = requests.get(link, timeout=10)
    cookie = page.headers["Set-Cookie"].split(";")[0]
    token = CSRF_TOKEN.search(page.text).group(1)
    return requests.post(link, headers={"Cookie": cookie}, data={"csrf_token": token}, allow_redirects=False,
                         timeout=10)


def get_with_cookie(url, cookie):
    """A page fetched with a given session cookie (Python's cookie jar keeps Secure cookies off http)."""
    return requests.get(url, headers={"Cookie": f"codi_session={cookie}"}, allow_redirects=False, timeout=10)
