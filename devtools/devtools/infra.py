"""Make sure PostgreSQL and RabbitMQ are reachable; start them where that is possible.

Order of attempts: already reachable; a local installation that is merely stopped
(the commands this machine kind uses); ``docker compose up -d`` for just those two where a
Docker engine runs. Otherwise it says which one is missing, where it looked, and how to fix it.
"""
import os
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]

SERVICES = {
    "PostgreSQL": {
        "address": ("127.0.0.1", int(os.environ.get("PGPORT", 5432))),
        "start": [["bash", "-c", "pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql | head -1) main start"]],
        "compose": "postgres",
        "install": "apt-get update && apt-get install -y postgresql && "
                   "pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start",
    },
    "RabbitMQ": {
        "address": ("127.0.0.1", 5672),
        "start": [["rabbitmq-server", "-detached"]],
        "compose": "rabbitmq",
        "install": "apt-get update && apt-get install -y rabbitmq-server && rabbitmq-server -detached",
    },
}


def reachable(address, timeout=1.0):
    try:
        with socket.create_connection(address, timeout=timeout):
            return True
    except OSError:
        return False


def wait_reachable(address, seconds):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if reachable(address):
            return True
        time.sleep(0.5)
    return False


def docker_engine_runs():
    if not shutil.which("docker"):
        return False
    return subprocess.run(["docker", "info"], capture_output=True).returncode == 0


def ensure(name):
    spec = SERVICES[name]
    address = spec["address"]
    if reachable(address):
        return True
    tried = []
    for command in spec["start"]:
        if shutil.which(command[0]) and (command[0] != "bash" or shutil.which("pg_ctlcluster")):
            tried.append(" ".join(command))
            print(f"{name} is not reachable at {address[0]}:{address[1]}; starting it: {' '.join(command)}")
            subprocess.run(command, capture_output=True)
            if wait_reachable(address, 60):
                return True
    if docker_engine_runs():
        tried.append(f"docker compose up -d {spec['compose']}")
        print(f"{name}: starting it with docker compose")
        subprocess.run(["docker", "compose", "-f", str(REPO / "docker-compose.yml"), "up", "-d",
                        spec["compose"]], check=False)
        if wait_reachable(address, 90):
            return True
    print(f"\n{name} is missing: nothing answers at {address[0]}:{address[1]}.", file=sys.stderr)
    print(f"  tried: {', '.join(tried) or 'no local installation and no Docker engine found'}",
          file=sys.stderr)
    print(f"  to install and start it on Debian: {spec['install']}", file=sys.stderr)
    print("  or, where Docker runs: docker compose up -d postgres rabbitmq", file=sys.stderr)
    return False


def ensure_all():
    return all([ensure(name) for name in SERVICES])


if __name__ == "__main__":
    sys.exit(0 if ensure_all() else 1)
