"""Run the four services as real processes, the way an operator would.

    python -m devtools.platform up      all services in the foreground, logs to stdout (plain text
                                        unless LOG_FORMAT=json); Ctrl-C stops

Also used by the demo, the end-to-end tests, the benchmark and the fault tests.
"""
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import requests

from chassis.cli import SERVICES, config_path, migrate_service
from devtools.isolation import free_port

DEFAULT_PORTS = {"marketplace": 8001, "funds": 8002, "centres": 8003, "notifications": 8004}


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
    """The services as processes; ``instances`` runs N processes of a service (default 1).

    Instance 1 of a service is named after it and serves on its configured address; instance
    k is named ``<service>.<k>`` and serves on a free port. All instances share the database
    and compete for the same queues.
    """

    def __init__(self, env, log_dir=None, services=SERVICES, instances=None):
        self.env = {**os.environ, **env}
        self.log_dir = Path(log_dir) if log_dir else None
        self.services = services
        self.processes = {}
        self.addresses = {}
        for service in services:
            self.addresses[service] = self.env[f"{service.upper()}_HTTP_ADDRESS"]
            for number in range(2, (instances or {}).get(service, 1) + 1):
                self.addresses[f"{service}.{number}"] = f"127.0.0.1:{free_port()}"

    def instance_names(self, service):
        return [name for name in self.addresses if name.split(".")[0] == service]

    def url(self, service, path=""):
        """The URL of ``path`` on ``service`` (its first instance) or on one named instance."""
        address = self.addresses.get(service) or self.env[f"{service.upper()}_HTTP_ADDRESS"]
        return f"http://{address}{path}"

    def urls(self, service, path=""):
        """The URL of ``path`` on every instance of ``service``."""
        return [self.url(name, path) for name in self.instance_names(service)]

    def migrate(self):
        for service in self.services:
            migrate_service(service, self.env)

    def start(self, service):
        """Start every instance of ``service``; returns the first one's process."""
        for name in self.instance_names(service):
            self.start_instance(name)
        return self.processes[service]

    def start_instance(self, name):
        service = name.split(".")[0]
        command = [sys.executable, "-m", "nameko", "run", "--config", config_path(service),
                   f"{service}.service:{service.capitalize()}Service"]
        output = None
        if self.log_dir:
            self.log_dir.mkdir(parents=True, exist_ok=True)
            output = open(self.log_dir / f"{name}.log", "ab")
        env = {**self.env, f"{service.upper()}_HTTP_ADDRESS": self.addresses[name]}
        self.processes[name] = subprocess.Popen(
            command, env=env, stdout=output, stderr=subprocess.STDOUT if output else None)

    def start_all(self):
        for service in self.services:
            self.start(service)
        self.wait_ready()

    def wait_ready(self, services=None, timeout=60):
        deadline = time.monotonic() + timeout
        names = [name for service in services or self.services for name in self.instance_names(service)]
        for name in names:
            while True:
                process = self.processes[name]
                if process.poll() is not None:
                    raise RuntimeError(f"{name} exited with status {process.returncode}")
                try:
                    if requests.get(self.url(name, "/health/ready"), timeout=2).status_code == 200:
                        break
                except requests.RequestException:
                    pass
                if time.monotonic() > deadline:
                    raise RuntimeError(f"{name} did not become ready within {timeout}s")
                time.sleep(0.2)

    def stop(self, service, sig=signal.SIGTERM, timeout=15):
        """Stop ``service`` (every instance), or one instance by its name."""
        names = [service] if "." in service else self.instance_names(service)
        for name in names:
            self.stop_instance(name, sig, timeout)

    def stop_instance(self, name, sig=signal.SIGTERM, timeout=15):
        process = self.processes.pop(name, None)
        if process is None or process.poll() is not None:
            return
        process.send_signal(sig)
        try:
            process.wait(timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()

    def stop_all(self):
        for service in list(self.processes):
            self.stop(service)

    def __enter__(self):
        self.start_all()
        return self

    def __exit__(self, *exc):
        self.stop_all()


def up():
    from devtools import infra, smtp_sink

    if not infra.ensure_all():
        sys.exit(1)
    platform = Platform(platform_env(extra={"LOG_FORMAT": os.environ.get("LOG_FORMAT", "plain")}))
    platform.migrate()
    sink = smtp_sink.start("var/mail", port=1025)
    print("SMTP sink on 127.0.0.1:1025 → var/mail/", flush=True)
    platform.start_all()
    for service in SERVICES:
        print(f"{service:14} {platform.url(service)}", flush=True)
    print("all services ready; Ctrl-C stops", flush=True)
    try:
        while all(p.poll() is None for p in platform.processes.values()):
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
