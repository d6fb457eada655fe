"""Run the four services as real processes, the way an operator would.

    python -m devtools.platform up      all services in the foreground, logs to stdout (plain text
                                        unless LOG_FORMAT=json); Ctrl-C stops

`up` restarts a service that dies, as a process supervisor would (1 s, doubling up to 30 s while
it keeps dying). The environment wins over the local defaults: <SERVICE>_HTTP_ADDRESS,
<SERVICE>_DATABASE_URL, AMQP_URI, SMTP_PORT (the SMTP sink listens there) and OMISE_API_URL.

Where OMISE_API_URL is a local address (the default), the Platform runs the Omise stand-in
(devtools.omise_standin) there, its signed webhooks sent to the marketplace's webhook URL, as
the SMTP sink stands in for a mail server.

Platform is also used by the demo, the end-to-end tests, the benchmark and the fault tests, which
restart nothing by themselves (the fault run kills and restarts services on purpose).
"""
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import requests

from chassis import registry
from chassis.cli import issue_token, migrate_service, nameko_command
from devtools import omise_standin
from devtools.isolation import free_port

OMISE_WEBHOOK_PATH = "/v1/payments/omise/webhook"
# The stand-in's test-mode keys: not secrets (a real account's come from the environment)
STANDIN_KEYS = {"OMISE_SECRET_KEY": "skey_test_standin", "OMISE_PUBLIC_KEY": "pkey_test_standin",
                "OMISE_WEBHOOK_SECRET": "c3RhbmQtaW4gd2ViaG9vayBzZWNyZXQsIG5vdCBhIHNlY3JldA=="}


def database_url(database, pg_port=5432, pg_nodes=None):
    """The address of ``database`` on 127.0.0.1:``pg_port``, or on several ``pg_nodes`` [(host,
    port)]: libpq tries them in turn and keeps the one that takes writes (the primary)."""
    if not pg_nodes:
        return f"postgresql://postgres@127.0.0.1:{pg_port}/{database}"
    hosts = ",".join(f"{host}:{port}" for host, port in pg_nodes)
    return f"postgresql://postgres@{hosts}/{database}?target_session_attrs=read-write"


def platform_env(ports=None, amqp_uri=None, db_prefix="codi", smtp_port=1025, pg_port=5432, extra=None,
                 omise_port=8010, pg_nodes=None):
    """Environment variables that point every service at its database, port, broker, SMTP and the
    payment provider (the Omise stand-in on ``omise_port``). ``pg_nodes``: a primary and its
    standbys, instead of the one server on ``pg_port``."""
    ports = ports or {service.name: service.default_http_port for service in registry.services()}
    env = {"SMTP_PORT": str(smtp_port), "OMISE_API_URL": f"http://127.0.0.1:{omise_port}", **STANDIN_KEYS}
    if amqp_uri:
        env["AMQP_URI"] = amqp_uri
    for service in registry.names():
        prefix = service.upper()
        env[f"{prefix}_HTTP_ADDRESS"] = f"127.0.0.1:{ports[service]}"
        env[f"{prefix}_URL"] = f"http://127.0.0.1:{ports[service]}"
        env[f"{prefix}_DATABASE_URL"] = database_url(f"{db_prefix}_{service}", pg_port, pg_nodes)
    # people open the pages at localhost: browsers keep the Secure session cookie there
    env["WEB_PUBLIC_URL"] = f"http://localhost:{ports['web']}"
    env.update(extra or {})
    return env


def local_env(environ=os.environ):
    """platform_env's defaults, each overridden by the environment where it is set (make up, make demo)."""
    env = {name: environ.get(name) or value for name, value in platform_env().items()}
    for service in registry.names():  # callers follow a service's address where only that is set
        if not environ.get(f"{service.upper()}_URL"):
            env[f"{service.upper()}_URL"] = local_url(env[f"{service.upper()}_HTTP_ADDRESS"])
    if not environ.get("WEB_PUBLIC_URL"):
        env["WEB_PUBLIC_URL"] = local_url(env["WEB_HTTP_ADDRESS"]).replace("127.0.0.1", "localhost")
    return env


def local_url(address, path=""):
    """The URL of a bind address from here: an address on every interface (":8001", "0.0.0.0:8001")
    is reached on 127.0.0.1."""
    host, _, port = address.rpartition(":")
    if host in ("", "0.0.0.0", "[::]"):
        host = "127.0.0.1"
    return f"http://{host}:{port}{path}"


class Platform:
    """The services as processes; ``instances`` runs N processes of a service (default 1).

    Instance 1 of a service is named after it and serves on its configured address; instance
    k is named ``<service>.<k>`` and serves on a free port. All instances share the database
    and compete for the same queues. ``omise_args``: more command-line options of the Omise
    stand-in (``devtools.omise_standin``), e.g. how often it tries a webhook.
    """

    def __init__(self, env, log_dir=None, instances=None, omise_args=()):
        self.env = {**os.environ, **env}
        self.omise_args = tuple(omise_args)
        self.log_dir = Path(log_dir) if log_dir else None
        self.services = registry.names()
        self.processes = {}
        self.omise = None  # the stand-in's process, while it runs
        self.addresses = {}
        for service in self.services:
            self.addresses[service] = self.env[f"{service.upper()}_HTTP_ADDRESS"]
            for number in range(2, (instances or {}).get(service, 1) + 1):
                self.addresses[f"{service}.{number}"] = f"127.0.0.1:{free_port()}"

    def instance_names(self, service):
        return [name for name in self.addresses if name.split(".")[0] == service]

    def url(self, service, path=""):
        """The URL of ``path`` on ``service`` (its first instance) or on one named instance."""
        return local_url(self.addresses.get(service) or self.env[f"{service.upper()}_HTTP_ADDRESS"], path)

    def urls(self, service, path=""):
        """The URL of ``path`` on every instance of ``service``."""
        return [self.url(name, path) for name in self.instance_names(service)]

    def migrate(self):
        for service in self.services:
            migrate_service(service, self.env)

    def issue_caller_tokens(self, caller):
        """An operator token at each service ``caller`` calls (its description's ``calls``), unless
        the environment gives one (the callees' databases must be migrated)."""
        for callee in registry.description(caller).calls:
            variable = f"{caller.upper()}_{callee.upper()}_TOKEN"
            if not self.env.get(variable):
                self.env[variable] = issue_token(callee, "operator", label=f"{caller} service", environ=self.env)

    def start(self, service):
        """Start every instance of ``service``; returns the first one's process."""
        for name in self.instance_names(service):
            self.start_instance(name)
        return self.processes[service]

    def start_instance(self, name):
        service = name.split(".")[0]
        self.issue_caller_tokens(service)
        output = None
        if self.log_dir:
            self.log_dir.mkdir(parents=True, exist_ok=True)
            output = open(self.log_dir / f"{name}.log", "ab")
        env = {**self.env, f"{service.upper()}_HTTP_ADDRESS": self.addresses[name]}
        self.processes[name] = subprocess.Popen(
            nameko_command(service), env=env, stdout=output, stderr=subprocess.STDOUT if output else None)

    def start_all(self):
        self.start_omise_standin()
        for service in self.services:
            self.start(service)
        self.wait_ready()

    @property
    def omise_url(self):
        return self.env.get("OMISE_API_URL")

    def start_omise_standin(self):
        """The Omise stand-in, where OMISE_API_URL is a local address, its webhooks sent to the
        marketplace (its first instance)."""
        host, _, port = (self.omise_url or "").removeprefix("http://").rpartition(":")
        if host != "127.0.0.1" or self.omise is not None:
            return
        output = None
        if self.log_dir:
            self.log_dir.mkdir(parents=True, exist_ok=True)
            output = open(self.log_dir / "omise-standin.log", "ab")
        self.omise = omise_standin.start(
            int(port), self.env["OMISE_SECRET_KEY"], self.url("marketplace", OMISE_WEBHOOK_PATH),
            self.env["OMISE_WEBHOOK_SECRET"], extra_args=self.omise_args, output=output)

    def post_omise_webhook(self, event, timestamp=None, secret=None):
        """``event`` POSTed to the marketplace's webhook, signed as Omise signs (with the
        configured webhook secret unless ``secret``)."""
        return omise_standin.post_webhook(self.url("marketplace", OMISE_WEBHOOK_PATH),
                                          secret or self.env["OMISE_WEBHOOK_SECRET"], event, timestamp)

    def mark_as_paid(self, charge_id):
        """The buyer scans the QR and pays (the stand-in's test-mode control): the stand-in then
        sends its signed charge.complete webhook to the marketplace."""
        return omise_standin.mark_as_paid(self.omise_url, self.env["OMISE_SECRET_KEY"], charge_id)

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
        if self.omise is not None:
            omise_standin.stop(self.omise)
            self.omise = None

    def __enter__(self):
        self.start_all()
        return self

    def __exit__(self, *exc):
        self.stop_all()


def restart_delay(attempt, first=1.0, longest=30.0):
    """Seconds before restart number ``attempt`` (1, 2, …) of an instance that keeps dying."""
    return min(first * 2 ** (attempt - 1), longest)


def how_it_ended(returncode):
    return f"signal {signal.Signals(-returncode).name}" if returncode < 0 else f"exit {returncode}"


class Supervisor:
    """Starts again every instance of ``platform`` that dies, after restart_delay(attempt); an
    instance that stayed up ``stable_after`` seconds starts again from attempt 1."""

    def __init__(self, platform, stable_after=60.0, say=print):
        self.platform = platform
        self.stable_after = stable_after
        self.say = say
        now = time.monotonic()
        self.started = {name: now for name in platform.processes}
        self.attempts = {}
        self.due = {}  # instance name → when to start it again

    def check(self):
        now = time.monotonic()
        for name, process in list(self.platform.processes.items()):
            if name in self.due or process.poll() is None:
                continue
            if now - self.started[name] >= self.stable_after:
                self.attempts[name] = 0
            attempt = self.attempts[name] = self.attempts.get(name, 0) + 1
            delay = restart_delay(attempt)
            ended = how_it_ended(process.returncode)
            self.say(f"{name} หยุดทำงาน ({ended}): เริ่มใหม่ครั้งที่ {attempt} ในอีก {delay:g} วินาที "
                     f"(restarting {name} ({ended}), attempt {attempt} in {delay:g} s)")
            self.due[name] = now + delay
        for name, when in list(self.due.items()):
            if now >= when:
                del self.due[name]
                self.platform.start_instance(name)
                self.started[name] = time.monotonic()
                self.say(f"เริ่ม {name} แล้ว (started {name}, pid {self.platform.processes[name].pid})")

    def run(self, poll=0.5):
        while True:
            self.check()
            time.sleep(poll)


def say(text):
    print(text, flush=True)


def up():
    from devtools import infra, smtp_sink

    if not infra.ensure_all():
        sys.exit(1)
    signal.signal(signal.SIGTERM, signal.default_int_handler)  # stop the services as Ctrl-C does
    env = {**local_env(), "LOG_FORMAT": os.environ.get("LOG_FORMAT", "plain")}
    platform = Platform(env)
    platform.migrate()
    smtp_host = os.environ.get("SMTP_HOST", "127.0.0.1")
    sink = None
    if smtp_host in ("127.0.0.1", "localhost"):
        sink = smtp_sink.start("var/mail", host=smtp_host, port=int(env["SMTP_PORT"]))
        say(f"เก็บอีเมลไว้ใน var/mail/ (SMTP sink on {smtp_host}:{env['SMTP_PORT']} → var/mail/)")
    else:
        say(f"ส่งอีเมลไปที่ {smtp_host}:{env['SMTP_PORT']} (mail goes to SMTP_HOST: no local sink)")
    try:
        platform.start_all()
        for name, process in platform.processes.items():
            say(f"{name:14} {platform.url(name)}  pid {process.pid}")
        if platform.omise is not None:
            say(f"{'omise stand-in':14} {platform.omise_url}  pid {platform.omise.pid} (ผู้ให้บริการชำระเงินจำลอง: "
                f"the payment provider's stand-in, webhooks to the marketplace)")
        say("ทุกบริการพร้อมแล้ว (all services ready; a service that dies is restarted; Ctrl-C stops)")
        Supervisor(platform, say=say).run()
    except KeyboardInterrupt:
        say("\nกำลังหยุด (stopping)…")
    except RuntimeError as exc:  # a service that cannot start at all: its log above says why
        print(f"เริ่มระบบไม่ได้ (cannot start): {exc}", file=sys.stderr)
        sys.exit(1)
    finally:
        platform.stop_all()
        if sink:
            sink.stop()


if __name__ == "__main__":
    if sys.argv[1:] != ["up"]:
        sys.exit(__doc__)
    up()
