"""A fresh three-node RabbitMQ cluster of its own on this machine (never the machine's rabbit@localhost).

    python -m devtools.rabbit_cluster up|down|status

Nodes codi1..3@localhost: AMQP on 127.0.0.1:5681-5683, distribution on 25681-25683, no plugins.
Their data, logs and their own Erlang cookie (in a HOME of their own) live under CLUSTER_DIR
(``CODI_RABBIT_CLUSTER_DIR``, default /tmp/codi-rabbit-cluster); ``down`` stops them and deletes it.
Run as root, the nodes and the CLI run as the user ``rabbitmq`` (``runuser``), as Debian's node does.
``cluster_partition_handling = pause_minority``: a node cut off from the other two stops serving,
its clients reconnect to the majority, and it rejoins by itself once the partition heals.
"""
import json
import os
import pwd
import secrets
import shutil
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

CLUSTER_DIR = Path(os.environ.get("CODI_RABBIT_CLUSTER_DIR", "/tmp/codi-rabbit-cluster"))
RABBITMQ_BIN = Path("/usr/lib/rabbitmq/bin")
RUN_AS = "rabbitmq"
START_TIMEOUT = 120


@dataclass(frozen=True)
class Node:
    index: int

    @property
    def name(self):
        return f"codi{self.index}@localhost"

    @property
    def amqp_port(self):
        return 5680 + self.index

    @property
    def dist_port(self):
        return 25680 + self.index

    @property
    def base(self):
        return CLUSTER_DIR / f"codi{self.index}"

    @property
    def pid_file(self):
        return self.base / "rabbit.pid"


NODES = tuple(Node(i) for i in (1, 2, 3))


def node_named(name):
    return next(node for node in NODES if node.name == name)


def amqp_uri(vhost="", nodes=NODES, ports=None):
    """One URI listing every node (``;``-separated, as kombu takes them): clients fail over between
    them. ``ports`` replaces the nodes' own AMQP ports (proxies in front of them)."""
    ports = ports or [node.amqp_port for node in nodes]
    return ";".join(f"pyamqp://guest:guest@127.0.0.1:{port}/{vhost}" for port in ports)


def _as_rabbitmq():
    return ["runuser", "-u", RUN_AS, "--"] if os.geteuid() == 0 else []


def _env(node):
    return {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(CLUSTER_DIR / "home"),  # its .erlang.cookie: the machine's node's stays unread
        "LANG": "C.UTF-8",
        "RABBITMQ_CONF_ENV_FILE": str(CLUSTER_DIR / "rabbitmq-env.conf"),  # not the machine's
        "RABBITMQ_NODENAME": node.name,
        "RABBITMQ_NODE_IP_ADDRESS": "127.0.0.1",
        "RABBITMQ_NODE_PORT": str(node.amqp_port),
        "RABBITMQ_DIST_PORT": str(node.dist_port),
        "RABBITMQ_CONFIG_FILE": str(node.base / "rabbitmq.conf"),
        "RABBITMQ_MNESIA_BASE": str(node.base / "mnesia"),
        "RABBITMQ_LOG_BASE": str(node.base / "log"),
        "RABBITMQ_PID_FILE": str(node.pid_file),
        "RABBITMQ_ENABLED_PLUGINS_FILE": str(CLUSTER_DIR / "enabled_plugins"),
        "RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS": "-kernel inet_dist_use_interface {127,0,0,1}",
        "ERL_EPMD_ADDRESS": "127.0.0.1",
    }


def ctl(node, *args, tool="rabbitmqctl", timeout=60, check=True):
    """A RabbitMQ CLI command against ``node``; returns its standard output."""
    result = subprocess.run([*_as_rabbitmq(), "env", *(f"{k}={v}" for k, v in _env(node).items()),
                             str(RABBITMQ_BIN / tool), "-n", node.name, *args],
                            capture_output=True, text=True, timeout=timeout)
    if check and result.returncode != 0:
        raise RuntimeError(f"{tool} -n {node.name} {' '.join(args)}: {(result.stderr or result.stdout).strip()}")
    return result.stdout


def _write_files():
    home = CLUSTER_DIR / "home"
    home.mkdir(parents=True, exist_ok=True)
    cookie = home / ".erlang.cookie"
    if not cookie.exists():
        cookie.write_text(secrets.token_hex(20))
        cookie.chmod(0o400)
    (CLUSTER_DIR / "rabbitmq-env.conf").write_text("")
    (CLUSTER_DIR / "enabled_plugins").write_text("[].\n")
    for node in NODES:
        for sub in ("mnesia", "log"):
            (node.base / sub).mkdir(parents=True, exist_ok=True)
        (node.base / "rabbitmq.conf").write_text("\n".join([
            f"listeners.tcp.local = 127.0.0.1:{node.amqp_port}",
            "cluster_partition_handling = pause_minority",
            "log.console = false",
            "log.file.level = info",
            "vm_memory_high_watermark.relative = 0.2",
            "disk_free_limit.absolute = 50MB", ""]))
    if os.geteuid() == 0:
        user = pwd.getpwnam(RUN_AS)
        for path in [CLUSTER_DIR, *CLUSTER_DIR.rglob("*")]:
            os.chown(path, user.pw_uid, user.pw_gid)


def start_node(node):
    """Start ``node``'s server (in the background, its own session) and wait until it runs."""
    log = open(node.base / "log" / "server.out", "ab")
    subprocess.Popen([*_as_rabbitmq(), "env", *(f"{k}={v}" for k, v in _env(node).items()),
                      str(RABBITMQ_BIN / "rabbitmq-server")],
                     stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, start_new_session=True)
    log.close()
    wait_running(node)


def wait_running(node, timeout=START_TIMEOUT):
    """Until ``node``'s RabbitMQ application runs (``await_startup`` fails while its VM is not up)."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            ctl(node, "await_startup", "--timeout", "30", timeout=40)
            return
        except (RuntimeError, subprocess.TimeoutExpired):
            if time.monotonic() > deadline:
                raise RuntimeError(f"{node.name} did not start in {timeout}s (logs: {node.base / 'log'})")
            time.sleep(1)


def pid_of(node):
    try:
        pid = int(node.pid_file.read_text().strip())
    except (OSError, ValueError):
        return None
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return None
    return pid


def running_nodes(node):
    """The nodes ``node`` sees running in its cluster."""
    status = json.loads(ctl(node, "cluster_status", "--formatter", "json"))
    return sorted(status["running_nodes"])


def up():
    """Start the three nodes, join codi2 and codi3 to codi1, wait until all three run together."""
    if any(pid_of(node) for node in NODES):
        raise RuntimeError(f"a cluster already runs under {CLUSTER_DIR}: python -m devtools.rabbit_cluster down")
    shutil.rmtree(CLUSTER_DIR, ignore_errors=True)
    _write_files()
    try:
        for node in NODES:
            start_node(node)
        for node in NODES[1:]:
            ctl(node, "stop_app")
            ctl(node, "join_cluster", NODES[0].name)
            ctl(node, "start_app")
        wait_clustered()
    except Exception:
        down()
        raise


def wait_clustered(timeout=START_TIMEOUT):
    """Until every node runs and sees all three running."""
    everyone = sorted(node.name for node in NODES)
    deadline = time.monotonic() + timeout
    while True:
        try:
            if all(running_nodes(node) == everyone for node in NODES):
                return
        except (RuntimeError, subprocess.TimeoutExpired, ValueError):
            pass
        if time.monotonic() > deadline:
            raise RuntimeError(f"the three nodes did not run together in {timeout}s")
        time.sleep(1)


def down():
    """Stop every node (SIGKILL if it does not stop) and delete every file of the cluster."""
    for node in NODES:
        if pid_of(node):
            try:
                ctl(node, "stop", timeout=60)
            except (RuntimeError, subprocess.TimeoutExpired):
                pass
        kill_node(node)
    shutil.rmtree(CLUSTER_DIR, ignore_errors=True)


def kill_node(node):
    """SIGKILL ``node``'s VM (its own pid, from its pid file) and wait until it is gone."""
    pid = pid_of(node)
    if pid:
        os.kill(pid, signal.SIGKILL)
        while pid_of(node):
            time.sleep(0.1)
    return pid


def status():
    """{node: "running with [...]" | "stopped" | "unreachable"}."""
    report = {}
    for node in NODES:
        if not pid_of(node):
            report[node.name] = "stopped"
            continue
        try:
            report[node.name] = f"running, sees {', '.join(running_nodes(node))}"
        except (RuntimeError, subprocess.TimeoutExpired, ValueError) as exc:
            report[node.name] = f"unreachable: {exc}"
    return report


def any_running_node(exclude=()):
    for node in NODES:
        if node not in exclude and pid_of(node):
            try:
                ctl(node, "await_startup", "--timeout", "5", timeout=15)
                return node
            except (RuntimeError, subprocess.TimeoutExpired):
                continue
    raise RuntimeError("no node of the cluster runs")


def quorum_queues(vhost):
    """[{name, leader, members, messages}] of the vhost's quorum queues, asked of a running node."""
    rows = json.loads(ctl(any_running_node(), "list_queues", "-p", vhost, "name", "type", "leader", "members",
                          "messages", "--formatter", "json"))
    return [row for row in rows if row.get("type") == "quorum"]


def main(argv=None):
    command = (argv or sys.argv[1:] or ["status"])[0]
    if command == "up":
        up()
        print(f"up: {', '.join(node.name for node in NODES)}; AMQP_URI={amqp_uri()}")
    elif command == "down":
        down()
        print(f"down: nodes stopped, {CLUSTER_DIR} deleted")
    elif command == "status":
        report = status()
        for name, state in report.items():
            print(f"{name}: {state}")
        return 0 if all(state.startswith("running") for state in report.values()) else 1
    else:
        print(__doc__, file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
