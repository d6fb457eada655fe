"""Writing the results: JSON, a Markdown summary and a plot of latency against offered load."""
import json
import os
from pathlib import Path

CAVEAT = ("Figures taken on a shared 2-core machine while other developers' builds and tests ran: "
          "they are not representative and must not be compared with a quiet machine's.")
QUIET = "Quiet machine: nothing else was running when the run started (load average below 1)."
BUSY_LOAD = 1.0  # 1-minute load average at the start above which the machine counts as shared


def under_contention(load_average_at_start):
    return load_average_at_start[0] >= BUSY_LOAD


def write_json(path, results):
    """Write ``results`` as indented UTF-8 JSON, atomically (a reader never sees half a file)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_suffix(path.suffix + ".partial")
    partial.write_text(json.dumps(results, indent=2, ensure_ascii=False, sort_keys=True) + "\n",
                       encoding="utf-8")
    os.replace(partial, path)


def _figure(value, unit=""):
    return "—" if value is None else f"{value:,}{unit}"


def headline_rows(results):
    """(what, measured, target, reference) rows of the summary's first table; the reference is
    the figure measured on a machine of this kind (shared/reference/engineering-notes.md)."""
    latency_250 = (results.get("latency_ms") or {}).get("250") or {}
    cpu = results.get("cpu_ms_per_order") or {}
    naive = results.get("naive") or {}
    transactions = results.get("db_transactions_per_order") or {}
    return [
        ("credited orders/s at saturation", _figure(results.get("platform_orders_per_s")), "≥ 500",
         "~430 (naive outbox pipeline, 2026-12-01)"),
        ("naive outbox pipeline, same run (orders/s)", _figure(naive.get("orders_per_s")), "", "415–467"),
        ("platform / naive pipeline ratio, same run", _figure(results.get("ratio_platform_to_naive")), "≥ 1", ""),
        ("p99 payment → ledger at 250/s (ms)", _figure(latency_250.get("p99")), "≤ 50", ""),
        ("CPU-ms per credited order, all platform processes", _figure(cpu.get("total")), "≤ 4", "~4.5 (naive)"),
        ("CPU-ms per order, naive pipeline, same run", _figure((naive.get("cpu_ms_per_order") or {}).get("total")),
         "", "~4.5"),
        ("PostgreSQL transactions per credited order", _figure(transactions.get("total")), "≤ 3", "~9.7"),
        ("balance read (ms, p50)", _figure(results.get("balance_read_ms")), "< 2", "0.3"),
        ("RabbitMQ publish+consume, confirms in flight (msg/s)", _figure(results.get("broker_msgs_per_s")), "",
         "~6,500 publish (pika, 500 in flight)"),
        ("outbox relay draining a backlog (msg/s)", _figure(results.get("relay_msgs_per_s")), "",
         "~1,030 (one confirm per message)"),
        ("platform / broker ratio", _figure(results.get("ratio_platform_to_broker")), "", ""),
        ("PostgreSQL INSERT+COMMIT, 1 connection (tps)", _figure(results.get("pg_tps_1")), "", "~2,800"),
        ("PostgreSQL INSERT+COMMIT, 8 connections (tps)", _figure(results.get("pg_tps_8")), "", "~5,300"),
        (f"monthly statements, {results.get('statement_funds', 0):,} funds (s)",
         _figure(results.get("statements_s")), "", ""),
        (f"reconciliation, {results.get('reconcile_order_lines', 0):,} order lines (s)",
         _figure(results.get("reconcile_s")), "", ""),
    ]


def render_markdown(results):
    machine = results.get("machine", {})
    lines = [
        f"# Benchmark results ({results.get('mode', '?')} run)",
        "",
        f"> {CAVEAT}" if results.get("under_contention", True) else f"> {QUIET}",
        "",
        f"Commit `{machine.get('git_commit', '?')}`, {machine.get('cores', '?')} cores, "
        f"load average at start {machine.get('load_average_at_start', '?')}, "
        f"PostgreSQL {machine.get('postgresql', '?')}, RabbitMQ {machine.get('rabbitmq', '?')}, "
        f"Python {machine.get('python', '?')}; started {results.get('started_at', '?')}, "
        f"took {results.get('duration_s', '?')} s.",
        f"Platform: {results.get('platform_config', {})}",
        "",
        "| what | measured | target | reference (engineering notes) |",
        "|---|---|---|---|",
        *[f"| {' | '.join(row)} |" for row in headline_rows(results)],
        "",
        "## Latency from the payment's HTTP response to the ledger credit",
        "",
        "| offered orders/s | achieved orders/s | credited | p50 ms | p95 ms | p99 ms | max ms |",
        "|---|---|---|---|---|---|---|",
    ]
    for offered, row in sorted((results.get("latency_ms") or {}).items(), key=lambda kv: float(kv[0])):
        lines.append(f"| {offered} | {row.get('achieved_per_s')} | {row.get('samples')} | {row.get('p50')} | "
                     f"{row.get('p95')} | {row.get('p99')} | {row.get('max')} |")
    lines += ["", "## CPU-milliseconds per credited order (saturation run)", "",
              ("Shared servers also did other developers' work meanwhile; the bench client is not in the total."
               if results.get("under_contention", True) else "The bench client is not in the total."),
              "", "| process | CPU-ms |", "|---|---|"]
    lines += [f"| {group} | {ms} |" for group, ms in (results.get("cpu_ms_per_order") or {}).items()]
    lines += [f"| {group} | {ms} |" for group, ms in (results.get("client_cpu_ms_per_order") or {}).items()
              if group != "total"]
    lines += ["", "## Database transactions per credited order (saturation run)", "",
              "| database | transactions |", "|---|---|"]
    lines += [f"| {name} | {count} |" for name, count in (results.get("db_transactions_per_order") or {}).items()]
    backlog = results.get("funds_backlog")
    if backlog:
        lines += ["", "## Funds draining a backlog (stopped while orders were paid, then started)", "",
                  f"{backlog['credited']:,} of {backlog['orders']:,} paid orders credited at "
                  f"{backlog['credits_per_s']:,} credits/s; {backlog['funds_transactions_per_credit']} funds "
                  "transactions per credit (batches fill when a queue has depth).", "",
                  "| process | CPU-ms per credit |", "|---|---|"]
        lines += [f"| {group} | {ms} |" for group, ms in (backlog["cpu_ms_per_credit"] or {}).items()]
    lines += ["", "## Notes", ""] + [f"- {note}" for note in results.get("notes", [])]
    return "\n".join(lines) + "\n"


def plot_title(results):
    machine = "machine under contention" if results.get("under_contention", True) else "quiet machine"
    return f"Latency and achieved rate against offered load ({results.get('mode')} run, {machine})"


def plot_latency(results, path):
    """PNG of p50/p95/p99 latency (log scale: every latency is positive) and of the achieved rate,
    both against the offered load; returns the figure's axes for inspection."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    rows = sorted((float(rate), row) for rate, row in (results.get("latency_ms") or {}).items() if row)
    offered = [rate for rate, _ in rows]
    figure, (latency, achieved) = plt.subplots(2, 1, figsize=(7, 7), sharex=True,
                                               gridspec_kw={"height_ratios": (3, 2)})
    for key in ("p50", "p95", "p99"):
        latency.plot(offered, [row[key] for _, row in rows], marker="o", label=key)
    latency.axhline(50, color="grey", linestyle=":", label="p99 target 50 ms")
    latency.set_ylabel("payment response → ledger credit (ms)")
    latency.set_yscale("log")
    latency.set_title(plot_title(results))
    latency.grid(True, which="both", alpha=0.3)
    latency.legend()
    achieved.plot(offered, [row.get("achieved_per_s") for _, row in rows], marker="o", color="tab:green",
                  label="achieved (credited orders/s)")
    achieved.plot(offered, offered, color="grey", linestyle=":", label="offered = achieved")
    for rate, row in rows:
        achieved.annotate(f"{row.get('achieved_per_s')}", (rate, row.get("achieved_per_s") or 0),
                          textcoords="offset points", xytext=(0, 6), ha="center", fontsize=8)
    achieved.set_xlabel("offered load (paid orders/s)")
    achieved.set_ylabel("achieved (orders/s)")
    achieved.set_ylim(bottom=0)
    achieved.grid(True, alpha=0.3)
    achieved.legend()
    figure.tight_layout()
    figure.savefig(path, dpi=110)
    plt.close(figure)
    return latency, achieved
