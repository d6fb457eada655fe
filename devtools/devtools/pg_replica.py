"""คลัสเตอร์ PostgreSQL คู่ของตัวเอง: primary กับ standby แบบ streaming ที่ commit ต้องรอ (synchronous)
A PostgreSQL pair of its own: a primary and a synchronous streaming standby, on this machine.

    python -m devtools.pg_replica up       two fresh clusters, 5433 (primary) and 5434 (standby)
    python -m devtools.pg_replica status   which node is primary, and what streams to it
    python -m devtools.pg_replica failover kill the primary, promote the standby, rebuild the old one
    python -m devtools.pg_replica down     stop and remove both clusters

The clusters are Debian's (pg_createcluster) with names of their own; the machine's cluster on
5432 is never touched. Both nodes carry the same settings, so either can be primary: a commit
waits until the other has the WAL on disk (synchronous_commit = on, ``ANY 1`` of the other node).
Services reach whichever is primary with ``dsn(database)``: libpq tries both addresses and keeps
the one that takes writes (target_session_attrs=read-write).
"""
import argparse
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import psycopg2

from devtools.platform import database_url

VERSION = "15"
NODES = {"codi_pg_a": 5433, "codi_pg_b": 5434}  # name: port; a is the primary after `up`
SETTINGS = f"""# devtools.pg_replica: either node may be primary
listen_addresses = '127.0.0.1'
synchronous_standby_names = 'ANY 1 ({", ".join(NODES)})'
synchronous_commit = on
wal_level = replica
max_wal_senders = 5
hot_standby = on
autovacuum = off
"""
HBA = """local all all trust
host all all 127.0.0.1/32 trust
local replication all trust
host replication all 127.0.0.1/32 trust
"""
READY_SECONDS = 60


def nodes():
    return [("127.0.0.1", port) for port in NODES.values()]


def dsn(database):
    """The multi-host address of ``database`` on the pair: whichever node is primary."""
    return database_url(database, pg_nodes=nodes())


def node_dsn(name, database="postgres"):
    return f"postgresql://postgres@127.0.0.1:{NODES[name]}/{database}"


def run(*command, timeout=120):
    done = subprocess.run(command, capture_output=True, text=True, timeout=timeout)
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(command)}: {done.stderr.strip() or done.returncode}")
    return done.stdout


def exists(name):
    return Path(f"/etc/postgresql/{VERSION}/{name}").is_dir()


def data_dir(name):
    return Path(f"/var/lib/postgresql/{VERSION}/{name}")


def ctl(name, action, *args):
    # --skip-systemctl-redirect: the pair is ours, not systemd's (no systemd runs here anyway)
    return run("pg_ctlcluster", "--skip-systemctl-redirect", VERSION, name, action, *args)


def in_recovery(name):
    """True for a standby, False for a primary, None if the node does not answer."""
    try:
        conn = psycopg2.connect(node_dsn(name), connect_timeout=3)
    except psycopg2.OperationalError:
        return None
    try:
        with conn.cursor() as cursor:
            cursor.execute("SELECT pg_is_in_recovery()")
            return cursor.fetchone()[0]
    finally:
        conn.close()


def primary():
    """The name of the node that takes writes, or None."""
    return next((name for name in NODES if exists(name) and in_recovery(name) is False), None)


def other(name):
    return next(n for n in NODES if n != name)


def streaming_standbys(name):
    """{application_name: sync_state} of the standbys streaming from node ``name``."""
    conn = psycopg2.connect(node_dsn(name), connect_timeout=3)
    try:
        with conn.cursor() as cursor:
            cursor.execute("SELECT application_name, sync_state FROM pg_stat_replication WHERE state = 'streaming'")
            return dict(cursor.fetchall())
    finally:
        conn.close()


def wait_for(what, check, seconds=READY_SECONDS):
    deadline = time.monotonic() + seconds
    while not check():
        if time.monotonic() > deadline:
            raise RuntimeError(f"PostgreSQL pair: {what} not within {seconds}s")
        time.sleep(0.2)


def create_cluster(name):
    """A new, stopped cluster ``name`` with the pair's settings and trust on 127.0.0.1."""
    run("pg_createcluster", VERSION, name, "--port", str(NODES[name]), "--start-conf", "manual",
        "--", "--auth=trust")
    config = Path(f"/etc/postgresql/{VERSION}/{name}")
    (config / "conf.d" / "90-codi-pair.conf").write_text(SETTINGS)
    (config / "pg_hba.conf").write_text(HBA)


def seed_standby(name, source):
    """Replace node ``name``'s data with a base backup of primary ``source`` and start it streaming
    (``-R``: standby.signal and primary_conninfo, with its own name for synchronous_standby_names)."""
    data = data_dir(name)
    shutil.rmtree(data, ignore_errors=True)
    data.mkdir(mode=0o700)  # by root: postgres may not create directories here
    shutil.chown(data, "postgres", "postgres")
    conninfo = f"host=127.0.0.1 port={NODES[source]} user=postgres application_name={name}"
    run("runuser", "-u", "postgres", "--", f"/usr/lib/postgresql/{VERSION}/bin/pg_basebackup", "-D", str(data), "-d", conninfo,
        "-R", "-X", "stream", "-c", "fast")
    ctl(name, "start")
    wait_for(f"{name} streaming from {source}", lambda: name in streaming_standbys(source))


def up():
    """The pair, primary a and synchronous standby b; a healthy pair is left as it is."""
    if healthy():
        return status()
    down()
    first, second = NODES
    create_cluster(first)
    ctl(first, "start")
    wait_for(f"{first} to accept connections", lambda: in_recovery(first) is False)
    create_cluster(second)
    seed_standby(second, first)
    return status()


def healthy():
    current = primary()
    return current is not None and streaming_standbys(current).get(other(current)) in ("sync", "quorum")


def postmaster_pid(name):
    try:
        return int((data_dir(name) / "postmaster.pid").read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return None


def kill_node(name):
    """SIGKILL the node's postmaster and every backend of it at once, as a machine that dies would."""
    pid = postmaster_pid(name)
    if pid is None:
        raise RuntimeError(f"{name} is not running")
    children = children_of(pid)
    for victim in [pid, *children]:
        try:
            os.kill(victim, signal.SIGKILL)
        except ProcessLookupError:
            pass
    wait_for(f"{name}'s processes to end", lambda: not any(alive(p) for p in [pid, *children]))
    for leftover in Path("/var/run/postgresql").glob(f".s.PGSQL.{NODES[name]}*"):
        leftover.unlink()  # a dead machine's /run is empty when it comes back


def children_of(pid):
    found = subprocess.run(["pgrep", "-P", str(pid)], capture_output=True, text=True).stdout.split()
    return [int(child) for child in found]


def alive(pid):
    """Running, and not a zombie waiting to be reaped (a container's init may never reap it)."""
    try:
        return "State:\tZ" not in Path(f"/proc/{pid}/status").read_text()
    except FileNotFoundError:
        return False


def failover():
    """Kill the primary, promote the standby, rebuild the old primary as the new standby.
    Returns (killed, promoted, seconds until writes could go on, seconds until the pair was whole)."""
    if not healthy():
        raise RuntimeError(f"the pair is not whole, no failover: {status()}")
    killed = primary()
    promoted = other(killed)
    started = time.monotonic()
    kill_node(killed)
    ctl(promoted, "promote")
    wait_for(f"{promoted} to take writes", lambda: in_recovery(promoted) is False)
    promoted_after = time.monotonic() - started
    seed_standby(killed, promoted)
    return killed, promoted, round(promoted_after, 2), round(time.monotonic() - started, 2)


def down():
    """Stop and remove both clusters, whatever state they are in (nothing of them is left)."""
    for name in NODES:
        if exists(name):
            run("pg_dropcluster", VERSION, name, "--stop")
        shutil.rmtree(data_dir(name), ignore_errors=True)
        shutil.rmtree(f"/etc/postgresql/{VERSION}/{name}", ignore_errors=True)


def status():
    """{node: role} and what streams to the primary."""
    roles = {name: ("absent" if not exists(name) else
                    {None: "down", False: "primary", True: "standby"}[in_recovery(name)]) for name in NODES}
    current = primary()
    return {"nodes": {name: {"port": NODES[name], "role": role} for name, role in roles.items()},
            "streaming": streaming_standbys(current) if current else {}}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("action", choices=["up", "down", "status", "failover"])
    action = parser.parse_args(argv).action
    result = {"up": up, "down": down, "status": status, "failover": failover}[action]()
    if result is not None:
        print(result)
    return 0


if __name__ == "__main__":
    sys.exit(main())
