"""The platform as real processes and a real SMTP server, once per test module."""
import uuid

import pytest

from devtools import scenario
from devtools.platform import Platform


@pytest.fixture(scope="module")
def platform(test_env, mail_dir, tmp_path_factory):
    with Platform(test_env, log_dir=tmp_path_factory.mktemp("logs")) as running:
        yield running


@pytest.fixture
def network(platform):
    return scenario.set_up_network(platform, officer_email=f"officer-{uuid.uuid4().hex[:8]}@example.org")
