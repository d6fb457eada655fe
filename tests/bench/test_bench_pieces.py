"""The benchmark's pure pieces: percentiles, CPU accounting, the JSON and Markdown writers."""
import json

import pytest

from bench import cpu, report
from bench.stats import latency_summary, per_unit, percentile, rate

STAT = ("4242 (nameko run (x) y) S 1 4242 4242 0 -1 4194560 9000 0 12 0 "
        "1500 250 3 4 20 0 5 0 100 200000000 3000 18446744073709551615")


def test_percentile_interpolates_between_ranks():
    values = [40, 10, 30, 20]
    assert percentile(values, 0) == 10
    assert percentile(values, 1) == 40
    assert percentile(values, 0.5) == 25
    assert percentile(list(range(1, 101)), 0.99) == pytest.approx(99.01)


def test_percentile_of_nothing_or_out_of_range_is_refused():
    with pytest.raises(ValueError):
        percentile([], 0.5)
    with pytest.raises(ValueError):
        percentile([1], 1.5)


def test_latency_summary_names_the_percentiles_and_counts_samples():
    summary = latency_summary([float(n) for n in range(1, 101)])
    assert summary == {"p50": 50.5, "p95": 95.0, "p99": 99.0, "max": 100.0, "samples": 100}
    assert latency_summary([]) is None


def test_rate_of_no_time_is_zero():
    assert rate(10, 0) == 0.0
    assert rate(10, 4) == 2.5


def test_stat_ticks_are_user_plus_system_even_with_parentheses_in_the_name():
    assert cpu.parse_stat_ticks(STAT) == 1500 + 250


def test_postgres_processes_are_grouped_by_database_or_as_shared_server():
    prefix = "bench1234abcd"
    assert cpu.postgres_group(f"postgres: 15/main: postgres {prefix}_funds 127.0.0.1(5123) idle", prefix) \
        == "postgresql backends (bench databases)"
    assert cpu.postgres_group("postgres: 15/main: walwriter", prefix) == "postgresql server processes (shared)"
    assert cpu.postgres_group("postgres: 15/main: postgres t99_funds 127.0.0.1(5124) idle", prefix) is None
    assert cpu.postgres_group("postgres: 15/main: postgres other [local] idle", prefix) is None


def test_cpu_ms_by_group_sums_deltas_and_counts_new_processes_from_zero():
    before = {1: ("funds", 100), 2: ("postgres", 50)}
    after = {1: ("funds", 150), 2: ("postgres", 60), 3: ("postgres", 5)}
    assert cpu.cpu_ms_by_group(before, after, ticks_per_second=100) == {"funds": 500.0, "postgres": 150.0}


def test_per_unit_adds_a_total_and_refuses_zero_units():
    assert per_unit({"funds": 300.0, "marketplace": 700.0}, 500) == {
        "funds": 0.6, "marketplace": 1.4, "total": 2.0}
    assert per_unit({"funds": 1.0}, 0) is None


def test_json_writer_writes_readable_utf8_and_leaves_no_partial_file(tmp_path):
    path = tmp_path / "results" / "latest.json"
    report.write_json(path, {"fund": "กองทุนสวัสดิการชุมชน", "latency_ms": {"100": {"p99": 4.2}}})
    assert json.loads(path.read_text(encoding="utf-8"))["fund"] == "กองทุนสวัสดิการชุมชน"
    assert "กองทุน" in path.read_text(encoding="utf-8")
    assert [p.name for p in path.parent.iterdir()] == ["latest.json"]


def test_markdown_summary_shows_measured_figures_against_targets():
    text = report.render_markdown({
        "mode": "quick", "platform_orders_per_s": 1234.5, "cpu_ms_per_order": {"funds": 0.5, "total": 1.5},
        "latency_ms": {"250": {"p50": 3.0, "p95": 9.0, "p99": 12.5, "max": 20.0, "samples": 10,
                               "achieved_per_s": 249.0}},
        "naive": {"orders_per_s": 430.0, "cpu_ms_per_order": {"total": 4.5}}, "ratio_platform_to_naive": 2.871,
        "db_transactions_per_order": {"funds": 1.0, "marketplace": 2.0, "total": 3.0},
        "notes": ["measured under contention"]})
    assert "| credited orders/s at saturation | 1,234.5 | ≥ 500 |" in text
    assert "| naive outbox pipeline, same run (orders/s) | 430.0 |" in text
    assert "| platform / naive pipeline ratio, same run | 2.871 | ≥ 1 |" in text
    assert "| p99 payment → ledger at 250/s (ms) | 12.5 | ≤ 50 |" in text
    assert "| CPU-ms per order, naive pipeline, same run | 4.5 |" in text
    assert "| PostgreSQL transactions per credited order | 3.0 | ≤ 3 |" in text
    assert "| balance read (ms, p50) | — | < 2 |" in text
    assert "| 250 | 249.0 | 10 | 3.0 | 9.0 | 12.5 | 20.0 |" in text
    assert report.CAVEAT in text  # unless the run says otherwise, figures are from a shared machine
    quiet = report.render_markdown({"mode": "full", "under_contention": False, "notes": []})
    assert report.CAVEAT not in quiet and report.QUIET in quiet


def test_the_summary_shows_funds_draining_a_backlog_where_one_was_measured():
    backlog = {"orders": 1200, "credited": 1200, "credits_per_s": 368.5, "funds_transactions_per_credit": 0.063,
               "cpu_ms_per_credit": {"funds": 2.2, "total": 4.8}}
    text = report.render_markdown({"mode": "quick", "funds_backlog": backlog, "notes": []})
    assert "1,200 of 1,200 paid orders credited at 368.5 credits/s; 0.063 funds transactions per credit" in text
    assert "| funds | 2.2 |" in text and "| total | 4.8 |" in text
    assert "Funds draining a backlog" not in report.render_markdown({"mode": "quick", "notes": []})


def test_a_run_started_under_load_counts_as_under_contention():
    assert report.under_contention([2.4, 1.0, 0.5]) and not report.under_contention([0.3, 1.8, 2.0])


def test_the_latency_plot_tells_the_truth(tmp_path):
    """A quiet run is not titled 'under contention', no latency axis goes below zero, and the
    achieved rate is drawn beside the offered one."""
    results = {"mode": "full", "under_contention": False, "latency_ms": {
        "25": {"p50": 4.6, "p95": 6.5, "p99": 9.1, "achieved_per_s": 25.0},
        "100": {"p50": 27.5, "p95": 269.2, "p99": 486.9, "achieved_per_s": 51.1}}}
    latency, achieved = report.plot_latency(results, tmp_path / "latency.png")
    assert (tmp_path / "latency.png").stat().st_size > 0
    assert "contention" not in latency.get_title() and "quiet" in latency.get_title()
    assert latency.get_yscale() == "log" and latency.get_ylim()[0] > 0
    assert [list(line.get_ydata()) for line in achieved.get_lines()][0] == [25.0, 51.1]
    assert "under contention" in report.plot_title({**results, "under_contention": True})
