"""A real browser for the pages' tests: Debian's headless Chromium, driven by selenium through
Debian's chromedriver (browser downloads do not work here, so nothing is fetched).

    with browser.chromium() as driver:            # desktop size
    with browser.chromium(browser.PHONE) as driver:
"""
import base64
import os
import shutil
import subprocess
from contextlib import contextmanager
from pathlib import Path

from selenium import webdriver
from selenium.common.exceptions import StaleElementReferenceException, WebDriverException
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions
from selenium.webdriver.support.ui import WebDriverWait

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
CHROMEDRIVER = os.environ.get("CHROMEDRIVER", "/usr/bin/chromedriver")
DESKTOP = (1280, 900)
PHONE = (390, 844)       # a common phone's CSS pixels
SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"


class BrowserMissing(RuntimeError):
    pass


def thai_fonts(run=subprocess.run):
    """The font families fontconfig knows for Thai (without one, Thai renders as boxes in screenshots)."""
    try:
        found = run(["fc-list", ":lang=th", "family"], capture_output=True, text=True)
    except FileNotFoundError:  # no fontconfig: no fonts either
        return []
    return sorted({line.strip() for line in found.stdout.splitlines() if line.strip()})


def require_browser(fonts=thai_fonts):
    for path, package in ((CHROMIUM, "chromium"), (CHROMEDRIVER, "chromium-driver")):
        if not (Path(path).exists() or shutil.which(path)):
            raise BrowserMissing(f"ไม่พบ {path}: ติดตั้ง (install) apt-get install {package} — make test ทำให้เอง")
    if not fonts():
        raise BrowserMissing("ไม่มีฟอนต์ภาษาไทย (no Thai font): ติดตั้ง (install) apt-get install fonts-thai-tlwg"
                             " — make test ทำให้เอง")


@contextmanager
def chromium(size=DESKTOP):
    require_browser()
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for argument in ("--headless=new", "--disable-gpu", "--disable-dev-shm-usage", "--lang=th-TH",
                     f"--window-size={size[0]},{size[1]}", "--hide-scrollbars", "--force-device-scale-factor=1"):
        options.add_argument(argument)
    if os.geteuid() == 0:
        options.add_argument("--no-sandbox")  # Chromium's sandbox refuses to run as root
    if size == PHONE:
        options.add_experimental_option("mobileEmulation", {
            "deviceMetrics": {"width": size[0], "height": size[1], "pixelRatio": 2.0}})
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    driver.set_page_load_timeout(30)
    try:
        yield driver
    finally:
        driver.quit()


def _across_navigation(condition):
    """The condition, asked again when the page it looked at was replaced meanwhile: after a click or a
    submit, an element found in the old document can be gone before its text is read (Chromium then
    answers "Node with given id does not belong to the document", not a stale-element error)."""
    def check(driver):
        try:
            return condition(driver)
        except WebDriverException as error:
            if isinstance(error, StaleElementReferenceException) or "does not belong to the document" in str(error):
                return False
            raise
    return check


def wait_for(driver, css, timeout=20):
    return WebDriverWait(driver, timeout).until(
        _across_navigation(expected_conditions.presence_of_element_located((By.CSS_SELECTOR, css))))


def wait_for_text(driver, css, text, timeout=30):
    WebDriverWait(driver, timeout).until(
        _across_navigation(expected_conditions.text_to_be_present_in_element((By.CSS_SELECTOR, css), text)),
        f"no {text!r} in {css}")
    return driver.find_element(By.CSS_SELECTOR, css)


def fits_width(driver):
    """Nothing on the page is wider than the window: no sideways scrolling on a phone."""
    return driver.execute_script("return document.documentElement.scrollWidth <= window.innerWidth")


def screenshot(driver, name):
    """The whole page, beyond the window, as docs/screenshots/<name>.png (Chromium's DevTools capture)."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    size = driver.execute_cdp_cmd("Page.getLayoutMetrics", {})["cssContentSize"]
    shot = driver.execute_cdp_cmd("Page.captureScreenshot", {
        "format": "png", "captureBeyondViewport": True,
        "clip": {"x": 0, "y": 0, "width": size["width"], "height": min(size["height"], 4000), "scale": 1}})
    path = SCREENSHOTS / f"{name}.png"
    path.write_bytes(base64.b64decode(shot["data"]))
    return path
