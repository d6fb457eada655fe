"""CPU time of processes from /proc/<pid>/stat, grouped by what they are.

A snapshot maps pid → (group, ticks); the difference of two snapshots gives CPU
milliseconds per group. A pid seen only in the later snapshot counts from zero
(a connection opened during the measurement).
"""
import os
import re
from pathlib import Path

CLOCK_TICKS_PER_SECOND = os.sysconf("SC_CLK_TCK")

# A PostgreSQL client backend's title: "postgres: [cluster:] user database host(port) state".
CLIENT_BACKEND = re.compile(r"\d+\.\d+\.\d+\.\d+\(\d+\)|\[local\]|::1\(\d+\)")


def parse_stat_ticks(stat_text):
    """utime + stime (clock ticks) from the text of /proc/<pid>/stat.

    The command name (field 2) is in parentheses and may itself contain spaces or
    parentheses, so fields are counted from the last ')'.
    """
    after_name = stat_text[stat_text.rindex(")") + 2:].split()
    utime, stime = after_name[11], after_name[12]  # fields 14 and 15 of proc(5)
    return int(utime) + int(stime)


BENCH_BACKENDS = "postgresql backends (bench databases)"


def postgres_group(cmdline, database_prefix):
    """Which group a PostgreSQL process belongs to, or None for other clients' backends."""
    if database_prefix in cmdline:
        return BENCH_BACKENDS
    if CLIENT_BACKEND.search(cmdline):
        return None
    return "postgresql server processes (shared)"


def cpu_ms_by_group(before, after, ticks_per_second=CLOCK_TICKS_PER_SECOND):
    """CPU milliseconds spent per group between two snapshots {pid: (group, ticks)}."""
    totals = {}
    for pid, (group, ticks) in after.items():
        start = before.get(pid, (group, 0))[1]
        totals[group] = totals.get(group, 0.0) + (ticks - start) * 1000.0 / ticks_per_second
    return totals


def _read(path):
    try:
        return Path(path).read_text(errors="replace")
    except OSError:  # the process ended meanwhile
        return None


def find_processes(database_prefix):
    """{pid: group} of the PostgreSQL and RabbitMQ server processes on this machine."""
    found = {}
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        comm = (_read(proc / "comm") or "").strip()
        if comm == "beam.smp":
            found[int(proc.name)] = "rabbitmq (shared server)"
        elif comm == "postgres":
            group = postgres_group((_read(proc / "cmdline") or "").replace("\0", " "), database_prefix)
            if group:
                found[int(proc.name)] = group
    return found


def snapshot(groups_by_pid):
    """{pid: (group, ticks)} for every process that still exists."""
    result = {}
    for pid, group in groups_by_pid.items():
        text = _read(f"/proc/{pid}/stat")
        if text is not None:
            result[pid] = (group, parse_stat_ticks(text))
    return result
