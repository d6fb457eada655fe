"""The platform as real processes (and a real SMTP server), once per test module."""
import pytest

from devtools import smtp_sink
from devtools.platform import Platform


@pytest.fixture(scope="module")
def mail_dir(tmp_path_factory, test_env):
    directory = tmp_path_factory.mktemp("mail")
    sink = smtp_sink.start(directory, port=int(test_env["SMTP_PORT"]))
    yield directory
    sink.stop()


@pytest.fixture(scope="module")
def platform(test_env, mail_dir, tmp_path_factory):
    with Platform(test_env, log_dir=tmp_path_factory.mktemp("logs")) as running:
        yield running
