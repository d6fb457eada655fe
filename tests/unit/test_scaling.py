"""devtools.scaling: KEDA's rule as the HPA applies it, the queue's arithmetic, and that its inputs are
read from the committed files (the bench's results, the generated ScaledObjects)."""
import json
import math
import runpy

import pytest

from devtools import scaling

RULE = scaling.Rule(target=200, min_replicas=2, max_replicas=6, polling_seconds=15, cooldown_seconds=300,
                    scale_down_window_seconds=300)
CAPACITY = scaling.Capacity(per_instance=50.0, unloaded_latency_ms=5.0, per_machine=100.0,
                            database_ceiling=1000.0)


@pytest.mark.parametrize("depth, current, desired", [
    (0, 2, 2),        # an empty queue: the floor
    (1000, 2, 5),     # ceil(depth / target)
    (5000, 2, 6),     # never past maxReplicaCount
    (1150, 6, 6),     # within the HPA's 10 % tolerance of 6 × 200: no change
    (1250, 5, 6),     # 25 % over: up
])
def test_the_hpa_asks_for_queue_depth_over_the_target(depth, current, desired):
    assert scaling.Autoscaler(RULE).desired(depth, current) == desired


def test_it_scales_up_at_once_and_down_only_after_the_stabilisation_window():
    scaler = scaling.Autoscaler(RULE)
    assert scaler.decide(0, 1200, 2) == 6
    held = [scaler.decide(now, 0, 6) for now in range(15, 300, 15)]
    assert set(held) == {6}, "a lower recommendation waits for the window"
    assert scaler.decide(300, 0, 6) == 2


def test_to_zero_only_after_the_cooldown_without_messages():
    scaler = scaling.Autoscaler(scaling.replace(RULE, min_replicas=0, scale_down_window_seconds=15))
    assert scaler.decide(0, 10, 0) == 1
    assert scaler.decide(150, 0, 1) == 1
    assert scaler.decide(300, 0, 1) == 0


def test_every_order_is_credited_and_the_queue_holds_the_difference():
    rates = [150.0] * 600 + [0.0] * 600
    day = scaling.simulate(rates, RULE, CAPACITY, start_seconds=20)
    for second in (100, 599, 1199):
        assert sum(day.arrivals[:second + 1]) == pytest.approx(sum(day.credited[:second + 1]) + day.depth[second])
    assert day.depth[-1] == 0
    assert max(day.replicas) == 6 and day.replicas[0] == 2


def test_new_pods_credit_only_once_they_are_ready():
    day = scaling.simulate([200.0] * 60, RULE, CAPACITY, start_seconds=20)
    assert day.replicas[14] == 2          # the first tick at 0 s saw an empty queue
    assert day.replicas[15 + 19] == 2     # asked for at 15 s (1,500 waiting), still starting
    assert day.replicas[15 + 20] == 6
    assert day.credited[34] == 2 * CAPACITY.per_instance
    assert day.credited[35] == 6 * CAPACITY.per_instance


def test_the_database_primary_caps_the_credit_rate_whatever_the_replicas():
    capped = scaling.replace(CAPACITY, database_ceiling=120.0)
    day = scaling.simulate([400.0] * 300, RULE, capped, start_seconds=0)
    assert max(day.credited) == 120.0
    assert max(day.replicas) == 6


def test_latency_is_the_unloaded_latency_plus_the_wait_behind_the_queue():
    day = scaling.simulate([10.0, 150.0, 0.0], RULE, CAPACITY)
    assert day.latency_ms[0] == CAPACITY.unloaded_latency_ms
    assert day.latency_ms[1] == pytest.approx(CAPACITY.unloaded_latency_ms + 50 / 100 * 1000)


def test_the_day_carries_the_stated_volume_with_its_spike():
    rates = scaling.arrival_rates()
    assert len(rates) == scaling.DAY_SECONDS
    assert sum(rates) == pytest.approx(scaling.day_orders(), rel=1e-3)
    peak = max(range(len(rates)), key=rates.__getitem__)
    assert peak == scaling.VOLUMES["spike_peak_hour"] * 3600


def test_the_harvest_setting_raises_the_floor_to_what_the_peak_needs():
    harvest = scaling.harvest_rule(RULE, CAPACITY, [175.0])
    assert harvest.min_replicas == 4 and harvest.max_replicas == RULE.max_replicas
    assert scaling.harvest_rule(RULE, CAPACITY, [10.0]).min_replicas == RULE.min_replicas


def test_the_rule_is_read_from_the_generated_scaled_object():
    generate = runpy.run_path(str(scaling.ROOT / "deploy" / "generate.py"))
    assert scaling.read_rule() == scaling.Rule(
        target=generate["MESSAGES_PER_REPLICA"], min_replicas=generate["MIN_REPLICAS"],
        max_replicas=generate["MAX_REPLICAS"], polling_seconds=generate["POLLING_SECONDS"],
        cooldown_seconds=generate["COOLDOWN_SECONDS"],
        scale_down_window_seconds=generate["SCALE_DOWN_WINDOW_SECONDS"])


def test_the_capacity_is_read_from_the_benchs_committed_results(tmp_path):
    results = {"platform_orders_per_s": 40.0,
               "latency_ms": {"100": {"p50": 30.0}, "25": {"p50": 4.0}},
               "cpu_ms_per_order": {"funds": 4.0, "marketplace": 6.0, "notifications": 0.0, "centres": 0.0,
                                    "postgresql backends (bench databases)": 9.5,
                                    "postgresql server processes (shared)": 0.5, "rabbitmq (shared server)": 2.0}}
    path = tmp_path / "latest.json"
    path.write_text(json.dumps(results))
    capacity = scaling.read_capacity(path)
    assert capacity == scaling.Capacity(per_instance=40.0, unloaded_latency_ms=4.0,
                                        per_machine=2 * 1000 / 10.0, database_ceiling=2 * 1000 / 10.0)
    committed = scaling.read_capacity()
    assert committed.per_instance == json.loads(scaling.BENCH_RESULTS.read_text())["platform_orders_per_s"]
    assert math.isfinite(committed.per_machine) and committed.per_machine > committed.per_instance


def test_the_plot_is_written(tmp_path):
    rates = [150.0] * 600 + [0.0] * 600
    harvest = scaling.replace(RULE, min_replicas=3)
    path = tmp_path / "scaling.png"
    scaling.plot(scaling.simulate(rates, RULE, CAPACITY), scaling.simulate(rates, harvest, CAPACITY),
                 RULE, harvest, CAPACITY, path)
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
