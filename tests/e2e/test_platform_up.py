"""`make up` (python -m devtools.platform up) as a real process tree: it follows the environment
(HTTP addresses, databases, SMTP_PORT) and starts a killed service again, with backoff."""
import os
import queue
import re
import signal
import smtplib
import subprocess
import sys
import threading
import time

import pytest
import requests

from chassis import registry
from devtools.testing import isolated_platform_env

pytestmark = pytest.mark.e2e


class Output:
    """The lines of a process's stdout, read on a thread so that waiting can time out."""

    def __init__(self, stream):
        self.lines = queue.Queue()
        self.seen = []
        threading.Thread(target=self._read, args=(stream,), daemon=True).start()

    def _read(self, stream):
        for line in stream:
            self.lines.put(line)

    def wait_for(self, pattern, timeout=90):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                line = self.lines.get(timeout=0.5)
            except queue.Empty:
                continue
            self.seen.append(line)
            if match := re.search(pattern, line):
                return match
        raise AssertionError(f"no line matching {pattern!r} within {timeout}s:\n{''.join(self.seen[-40:])}")

    def everything(self):
        while not self.lines.empty():
            self.seen.append(self.lines.get())
        return "".join(self.seen)


def live(address):
    return requests.get(f"http://{address}/health/live", timeout=5).status_code == 200


def alive(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


@pytest.fixture
def up(run_id, amqp_uri, tmp_path):
    with isolated_platform_env(f"t{run_id}up", amqp_uri) as environ:
        environ = {name: value for name, value in environ.items() if name != "PYTHONWARNINGS"}
        process = subprocess.Popen([sys.executable, "-m", "devtools.platform", "up"], env=environ, cwd=tmp_path,
                                   stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        try:
            yield process, Output(process.stdout), environ
        finally:
            if process.poll() is None:
                process.send_signal(signal.SIGINT)
                try:
                    process.wait(60)
                except subprocess.TimeoutExpired:
                    process.kill()


def test_up_follows_the_environment_and_restarts_a_killed_service_with_backoff(up):
    process, output, environ = up
    sink = output.wait_for(r"SMTP sink on 127\.0\.0\.1:(\d+)")
    assert sink.group(1) == environ["SMTP_PORT"]
    pids = {}
    for service in registry.names():  # in the order up prints them
        found = output.wait_for(rf"^{service}\s+http://(\S+)\s+pid (\d+)")
        assert found.group(1) == environ[f"{service.upper()}_HTTP_ADDRESS"]
        pids[service] = int(found.group(2))
    output.wait_for(r"\(all services ready")
    with smtplib.SMTP("127.0.0.1", int(environ["SMTP_PORT"]), timeout=10) as smtp:
        assert smtp.noop()[0] == 250
    centres = environ["CENTRES_HTTP_ADDRESS"]
    assert live(centres)

    os.kill(pids["centres"], signal.SIGKILL)
    output.wait_for(r"restarting centres \(signal SIGKILL\), attempt 1 in 1 s")
    restarted = int(output.wait_for(r"started centres, pid (\d+)").group(1))
    assert restarted != pids["centres"]
    deadline = time.monotonic() + 60
    while True:
        try:
            if live(centres):
                break
        except requests.RequestException:
            pass
        assert time.monotonic() < deadline, "centres did not come back"
        time.sleep(0.3)
    assert all(alive(pid) for service, pid in pids.items() if service != "centres"), "the others keep running"

    os.kill(restarted, signal.SIGKILL)  # dying again within the stable minute: the delay doubles
    output.wait_for(r"restarting centres \(signal SIGKILL\), attempt 2 in 2 s")
    again = int(output.wait_for(r"started centres, pid (\d+)").group(1))

    process.send_signal(signal.SIGTERM)
    assert process.wait(60) == 0
    assert not any(alive(pid) for pid in [*pids.values(), again]), "up stops every service it started"
    assert "Eventlet is deprecated" not in output.everything()
