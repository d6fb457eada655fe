"""The fault of a run on a PostgreSQL pair (``python -m chaos.run --pg-failover``): the primary dies.

Its postmaster and every backend get SIGKILL at once, the standby is promoted, and the dead node is
rebuilt from the new primary as its standby, so that the next failover has somewhere to go. Services
hold multi-host addresses (``devtools.pg_replica.dsn``): the connections that died with the primary
fail as transient errors (a 503 to HTTP clients, who send again with the same Idempotency-Key; a
requeue for consumers) and the next ones find the new primary.

Commits wait for the standby (synchronous replication), so whatever a client was told succeeded is
on the promoted node; the checker's ``acknowledged_lost`` holds the run to that.
"""
from devtools import pg_replica


def kill_primary_and_promote(harness, rng):
    killed, promoted, writable_after, whole_after = pg_replica.failover()
    harness.failovers.append({"killed": killed, "promoted": promoted, "writable_after_s": writable_after,
                              "pair_whole_after_s": whole_after})
    return (f"SIGKILL primary {killed}, promoted {promoted} ({writable_after}s), "
            f"{killed} rebuilt as its standby ({whole_after}s)")


FAILOVER_FAULTS = {"pg_failover": kill_primary_and_promote}
