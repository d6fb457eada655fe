"""Run the four services as real processes, the way an operator would.

    python -m devtools.platform up      all services in the foreground, logs to stdout; Ctrl-C stops

Also used by the demo, the end-to-end tests, the benchmark and the fault tests.
"""
import os
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import requests

from chassis.cli import SERVICES, config_path, migrate_service

DEFAULT_PORTS = {"marketplace": 8001, "funds": 8002, "centres": 8003, "notifications": 8004}


@dataclass
class Instance:
    service: str
    process: subprocess.Popen
    address: str


def instance_name(service, instance=1):
    return service if instance == 1 else f"{service}#{instance}"


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def platform_env(ports=None, amqp_uri=None, db_prefix="codi", smtp_port=1025, pg_port=5432, extra=None):
    """Environment variables that point every service at its database, port, broker and SMTP."""
    ports = ports or DEFAULT_PORTS
    env = {"SMTP_PORT": str(smtp_port), "PYTHONWARNINGS": "ignore::Warning:nameko.cli.commands"}
    if amqp_uri:
        env["AMQP_URI"] = amqp_uri
    for service in SERVICES:
        prefix = service.upper()
        env[f"{prefix}_HTTP_ADDRESS"] = f"127.0.0.1:{ports[service]}"
        env[f"{prefix}_DATABASE_URL"] = f"postgresql://postgres@127.0.0.1:{pg_port}/{db_prefix}_{service}"
    env.update(extra or {})
    return env


class Platform:
    def __init__(self, env, log_dir=None, services=SERVICES):
        self.env = {**os.environ, **env}
        self.log_dir = Path(log_dir) if log_dir else None
        self.services = services
        self.processes = {}

    def url(self, service, path=""):
        return f"http://{self.env[f'{service.upper()}_HTTP_ADDRESS']}{path}"

    def migrate(self):
        for service in self.services:
            migrate_service(service, self.env)

    def start(self, service, instance=1):
        """Start one process of ``service``; instances after the first get their own HTTP port."""
        name = instance_name(service, instance)
        env = dict(self.env)
        if instance > 1:
            env[f"{service.upper()}_HTTP_ADDRESS"] = f"127.0.0.1:{free_port()}"
        command = [sys.executable, "-m", "nameko", "run", "--config", config_path(service),
                   f"{service}.service:{service.capitalize()}Service"]
        output = None
        if self.log_dir:
            self.log_dir.mkdir(parents=True, exist_ok=True)
            output = open(self.log_dir / f"{name}.log", "ab")
        process = subprocess.Popen(command, env=env, stdout=output,
                                   stderr=subprocess.STDOUT if output else None)
        self.processes[name] = Instance(service, process, env[f"{service.upper()}_HTTP_ADDRESS"])
        return process

    def start_all(self):
        for service in self.services:
            self.start(service)
        self.wait_ready()

    def wait_ready(self, names=None, timeout=60):
        deadline = time.monotonic() + timeout
        for name in names or list(self.processes):
            instance = self.processes[name]
            while True:
                if instance.process.poll() is not None:
                    raise RuntimeError(f"{name} exited with status {instance.process.returncode}")
                try:
                    ready = requests.get(f"http://{instance.address}/health/ready", timeout=2)
                    if ready.status_code == 200:
                        break
                except requests.RequestException:
                    pass
                if time.monotonic() > deadline:
                    raise RuntimeError(f"{name} did not become ready within {timeout}s")
                time.sleep(0.2)

    def stop(self, name, sig=signal.SIGTERM, timeout=15):
        instance = self.processes.pop(name, None)
        if instance is None or instance.process.poll() is not None:
            return
        instance.process.send_signal(sig)
        try:
            instance.process.wait(timeout)
        except subprocess.TimeoutExpired:
            instance.process.kill()
            instance.process.wait()

    def stop_all(self):
        for name in list(self.processes):
            self.stop(name)

    def __enter__(self):
        self.start_all()
        return self

    def __exit__(self, *exc):
        self.stop_all()


def up():
    from devtools import infra, smtp_sink

    if not infra.ensure_all():
        sys.exit(1)
    platform = Platform(platform_env())
    platform.migrate()
    sink = smtp_sink.start("var/mail", port=1025)
    print("SMTP sink on 127.0.0.1:1025 → var/mail/", flush=True)
    platform.start_all()
    for service in SERVICES:
        print(f"{service:14} {platform.url(service)}", flush=True)
    print("all services ready; Ctrl-C stops", flush=True)
    try:
        while all(i.process.poll() is None for i in platform.processes.values()):
            time.sleep(1)
        print("a service exited; stopping the others", file=sys.stderr)
    except KeyboardInterrupt:
        print("\nstopping…", flush=True)
    finally:
        platform.stop_all()
        sink.stop()


if __name__ == "__main__":
    if sys.argv[1:] != ["up"]:
        sys.exit(__doc__)
    up()
