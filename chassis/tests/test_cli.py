"""codi-admin as an operator meets it: the installed command, run as a process.

An unreachable database or broker (a closed port) and a refused argument must each be one line on
stderr, Thai first, exit status 2, no traceback; no command may show eventlet's deprecation banner.
"""
import os
import re
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest

from chassis import registry
from chassis.cli import main
from devtools.isolation import free_port

CODI_ADMIN = Path(sys.executable).parent / "codi-admin"  # the entry point, installed by make venv


def environment(**overrides):
    env = {name: value for name, value in os.environ.items() if name != "PYTHONWARNINGS"}
    return {**env, **overrides}


def codi_admin(*args, env=None, timeout=60):
    assert CODI_ADMIN.exists(), "codi-admin is not installed (make venv)"
    return subprocess.run([str(CODI_ADMIN), *args], env=env or environment(), capture_output=True,
                          text=True, timeout=timeout)


def assert_one_line_refusal(result, *expected, status=2):
    assert result.returncode == status, result
    assert "Traceback" not in result.stderr and "Eventlet" not in result.stderr, result.stderr
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("codi-admin"), lines
    assert re.search("[\u0e00-\u0e7f]", lines[0].split("(")[0]), f"Thai first: {lines[0]}"
    for text in expected:
        assert text in lines[0], lines[0]


@pytest.fixture
def database_down():
    port = free_port()  # bound once, then released: nothing listens there
    return environment(**{f"{service.upper()}_DATABASE_URL": f"postgresql://postgres@127.0.0.1:{port}/codi_x"
                          for service in registry.names()}), port


@pytest.fixture
def broker_down():
    port = free_port()
    return environment(AMQP_URI=f"pyamqp://guest:guest@127.0.0.1:{port}/"), port


@pytest.mark.parametrize("args", [
    ("funds", "migrate"),
    ("centres", "token", "issue", "--kind", "operator"),
    ("marketplace", "token", "revoke", "some-token"),
])
def test_an_unreachable_database_is_one_line_and_status_2(database_down, args):
    env, port = database_down
    assert_one_line_refusal(codi_admin(*args, env=env), "ฐานข้อมูลไม่พร้อม", f"127.0.0.1:{port}")


@pytest.mark.parametrize("args", [("topology",), ("funds", "dead-letters", "list"),
                                  ("notifications", "dead-letters", "replay")])
def test_an_unreachable_broker_is_one_line_and_status_2(broker_down, args):
    env, port = broker_down
    result = codi_admin(*args, env=env)
    assert_one_line_refusal(result, "RabbitMQ ไม่พร้อม", f"127.0.0.1:{port}")
    assert "guest" not in result.stderr, "the broker's credentials stay out of the message"


@pytest.mark.parametrize("args, expected", [
    (("funds", "token", "issue", "--kind", "organisation", "--subject", "not-a-uuid"), "not-a-uuid"),
    (("funds", "token", "issue", "--kind", "officer"), "--subject"),
    (("funds", "token", "issue", "--kind", "root"), "root"),
    (("funds", "token", "issue", "--kind", "operator", "--ttl-seconds", "59"), "--ttl-seconds"),
    (("funds", "token", "issue", "--kind", "operator", "--ttl-seconds", "a day"), "a day"),
    (("ledger", "migrate"), "ledger"),
    (("funds",), "COMMAND"),
    (("centres", "reconcile"), "reconcile"),
    ((), "SERVICE"),
])
def test_a_refused_argument_is_one_line_and_status_2(args, expected):
    assert_one_line_refusal(codi_admin(*args), "คำสั่งไม่ถูกต้อง", expected)


@pytest.mark.integration
def test_an_unknown_token_is_one_line_and_status_1(test_env):
    result = codi_admin("funds", "token", "revoke", uuid.uuid4().hex, env=test_env)
    assert_one_line_refusal(result, "no such active token", status=1)


@pytest.mark.integration
def test_a_token_issued_with_a_lifetime_expires_then_and_one_without_never(test_env):
    from chassis.cli import service_config
    from chassis.auth import digest
    from devtools.testing import query

    dsn = service_config("funds", test_env)["DATABASE_URL"]
    issued = {}
    for ttl in ("600", None):
        result = codi_admin("funds", "token", "issue", "--kind", "operator", "--label", "ttl test",
                            *(("--ttl-seconds", ttl) if ttl else ()), env=test_env)
        assert result.returncode == 0, result.stderr
        issued[ttl] = result.stdout.strip()
    (short,) = query(dsn, "SELECT extract(epoch FROM expires_at - created_at) AS ttl FROM api_tokens"
                          " WHERE token_sha256 = %s", (digest(issued["600"]),))
    assert 599 <= short["ttl"] <= 601
    assert query(dsn, "SELECT expires_at FROM api_tokens WHERE token_sha256 = %s",
                 (digest(issued[None]),)) == [{"expires_at": None}]


def test_each_service_lists_its_own_commands_and_not_the_others():
    funds = codi_admin("funds", "--help")
    assert funds.returncode == 0, funds.stderr
    for command in ("migrate", "run", "config-path", "token", "dead-letters", "reconcile"):
        assert re.search(rf"^\s+{command}\b", funds.stdout, re.M), (command, funds.stdout)
    centres = codi_admin("centres", "--help")
    assert centres.returncode == 0, centres.stderr
    assert "migrate" in centres.stdout and "reconcile" not in centres.stdout
    assert "reconcile" in codi_admin("funds", "reconcile", "--help").stdout


def help_pages():
    yield ()
    yield ("topology",)
    for service in registry.names():
        yield (service,)
        for command in ("migrate", "run", "config-path", "token", "dead-letters"):
            yield (service, command)
        yield (service, "token", "issue")
        yield (service, "dead-letters", "replay")
    for service in registry.services():
        for command in service.commands:
            yield (service.name, command)


def test_help_is_plain_text(capsys):
    for page in help_pages():
        with pytest.raises(SystemExit) as exited:
            main([*page, "--help"])
        assert exited.value.code == 0, page
        text = capsys.readouterr().out
        assert text.startswith("usage: codi-admin"), (page, text)
        assert not re.search(r"``|:\w+:`|\*\*", text), (page, text)


def test_running_a_service_shows_no_eventlet_banner():
    """`codi-admin SERVICE run` becomes `nameko run`, which imports eventlet before any of our code."""
    closed = free_port()
    env = environment(AMQP_URI=f"pyamqp://guest:guest@127.0.0.1:{closed}/",
                      CENTRES_DATABASE_URL=f"postgresql://postgres@127.0.0.1:{closed}/codi_x",
                      CENTRES_HTTP_ADDRESS=f"127.0.0.1:{free_port()}", PYTHONWARNINGS="default")
    process = subprocess.Popen([str(CODI_ADMIN), "centres", "run"], env=env, stdout=subprocess.PIPE,
                               stderr=subprocess.STDOUT, text=True)
    output = []
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            line = process.stdout.readline()
            output.append(line)
            if "starting services" in line or not line:
                break
    finally:
        process.kill()
        output.append(process.communicate()[0])
    text = "".join(output)
    assert "starting services: centres" in text, text  # nameko ran, so eventlet was imported
    assert "Eventlet is deprecated" not in text, text
