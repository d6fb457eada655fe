"""The platform as real processes, a real SMTP server and Debian's Chromium, once per module."""
import uuid

import pytest

from browser_steps import STAFF_EMAIL
from devtools import browser, scenario
from devtools.platform import Platform


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
