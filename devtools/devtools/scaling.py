"""แบบจำลองการขยายตัว: การค้าหนึ่งวันของทั้งเครือข่ายในฤดูเก็บเกี่ยว ผ่านกฎการสเกลของ KEDA
(The scaling model: one harvest-season day of the whole network's trade driving KEDA's scaling rule.)

    python -m devtools.scaling      (make scaling) writes docs/scaling.png and prints the summary

Nothing here is measured anew. Per-instance throughput and CPU cost come from the bench's committed
full run (bench/results/full/latest.json); the scaling rule from the generated KEDA ScaledObject of
funds, the consumer that credits the fund (deploy/k8s/keda-scaledobjects.yaml). What is assumed is
named in VOLUMES and in the constants below, and stated in docs/operations.md.

The model, one second at a time:
- paid orders arrive at the day's rate; each puts one message on funds' queue;
- the ready replicas credit min(replicas × per-instance rate, the database primary's ceiling) a second;
- every pollingInterval KEDA reads the queue depth and the HPA sets ceil(depth / queueLength target),
  within [minReplicaCount, maxReplicaCount], ignoring changes within its 10 % tolerance; it scales up at
  once, scales down only to the highest recommendation of the stabilisation window, and a new pod
  takes POD_START_SECONDS to become ready;
- payment → credit latency is the bench's unloaded latency plus the wait behind the queue
  (depth / credit rate, first come first served).
"""
import json
import math
from collections import deque
from dataclasses import dataclass, replace
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]
BENCH_RESULTS = ROOT / "bench" / "results" / "full" / "latest.json"
SCALED_OBJECTS = ROOT / "deploy" / "k8s" / "keda-scaledobjects.yaml"
PLOT = ROOT / "docs" / "scaling.png"
CREDITING_CONSUMER = "funds"

# Assumed volumes of the whole network (docs/operations.md, "Scaling model")
VOLUMES = {
    "centres": 58,                  # the incubation centres set up 2563–2566
    "organisations": 12_000,        # community enterprises selling through them (~200 a centre)
    "funds": 3_500,                 # funds receiving levies (the bench's monthly-statement scale)
    "orders_per_organisation": 25,  # on the busiest harvest day (an ordinary day: about 4)
    "spike_share": 0.4,             # share of the day's orders in the morning sale of the new crop
    "spike_peak_hour": 9.5,         # 09:30, when the rice lots open
    "spike_spread_minutes": 5,      # standard deviation of that burst
}
# Share of the rest of the day's orders in each hour 00–23: markets from dawn, a lull at noon, evening
HOURLY_WEIGHTS = (0, 0, 0, 0, 1, 3, 6, 9, 10, 10, 9, 7, 5, 6, 7, 7, 6, 5, 4, 3, 2, 1, 0, 0)
POD_START_SECONDS = 20   # image on the node, first readiness probe passed (periodSeconds 10)
HPA_TOLERANCE = 0.1      # Kubernetes' default: no change while desired/current is within 10 %
MACHINE_CORES = 2        # every machine of this project's kind, and the bench's
DATABASE_CORES = 2       # the CloudNativePG primary: one such machine
# the services' own processes scale out; the database primary and the broker do not
SERVICE_PROCESSES = ("centres", "funds", "marketplace", "notifications", "web")
DATABASE_PROCESSES = ("postgresql backends (bench databases)", "postgresql server processes (shared)")
DAY_SECONDS = 24 * 3600


@dataclass(frozen=True)
class Rule:
    """KEDA's rabbitmq QueueLength rule as the ScaledObject states it."""
    target: int
    min_replicas: int
    max_replicas: int
    polling_seconds: int
    cooldown_seconds: int
    scale_down_window_seconds: int


@dataclass(frozen=True)
class Capacity:
    """What the bench measured, as rates."""
    per_instance: float          # credited orders/s with one instance of every service
    unloaded_latency_ms: float   # p50 payment → credit at the lowest offered load
    per_machine: float           # orders/s one more 2-core machine of service instances adds
    database_ceiling: float      # orders/s the primary's cores allow, however many machines


def read_rule(path=SCALED_OBJECTS, consumer=CREDITING_CONSUMER):
    [scaled] = [manifest for manifest in yaml.safe_load_all(path.read_text(encoding="utf-8"))
                if manifest and manifest["metadata"]["name"] == consumer]
    spec = scaled["spec"]
    targets = {int(trigger["metadata"]["value"]) for trigger in spec["triggers"]}
    [target] = targets  # one queueLength target for all of a consumer's queues
    behaviour = spec["advanced"]["horizontalPodAutoscalerConfig"]["behavior"]
    return Rule(target=target, min_replicas=spec["minReplicaCount"], max_replicas=spec["maxReplicaCount"],
                polling_seconds=spec["pollingInterval"], cooldown_seconds=spec["cooldownPeriod"],
                scale_down_window_seconds=behaviour["scaleDown"]["stabilizationWindowSeconds"])


def read_capacity(path=BENCH_RESULTS):
    results = json.loads(path.read_text(encoding="utf-8"))
    cpu = results["cpu_ms_per_order"]
    lowest_rate = min(results["latency_ms"], key=float)
    return Capacity(
        per_instance=results["platform_orders_per_s"],
        unloaded_latency_ms=results["latency_ms"][lowest_rate]["p50"],
        per_machine=orders_per_second(MACHINE_CORES, sum(cpu.get(name, 0) for name in SERVICE_PROCESSES)),
        database_ceiling=orders_per_second(DATABASE_CORES, sum(cpu[name] for name in DATABASE_PROCESSES)))


def orders_per_second(cores, cpu_ms_per_order):
    return cores * 1000 / cpu_ms_per_order


def day_orders(volumes=VOLUMES):
    return volumes["organisations"] * volumes["orders_per_organisation"]


def arrival_rates(volumes=VOLUMES, weights=HOURLY_WEIGHTS):
    """Paid orders/s for every second of the day: the hourly profile plus the sale's normal burst."""
    total = day_orders(volumes)
    spike = total * volumes["spike_share"]
    per_weight = (total - spike) / sum(weights) / 3600
    centre, spread = volumes["spike_peak_hour"] * 3600, volumes["spike_spread_minutes"] * 60
    scale = spike / (spread * math.sqrt(2 * math.pi))
    return [weights[second // 3600] * per_weight + scale * math.exp(-0.5 * ((second - centre) / spread) ** 2)
            for second in range(DAY_SECONDS)]


class Autoscaler:
    """The HPA's decision on KEDA's metric, one polling tick at a time."""

    def __init__(self, rule):
        self.rule = rule
        self.recommendations = deque()  # (time, desired) within the scale-down window
        self.last_active = None

    def desired(self, depth, current):
        rule = self.rule
        if current and abs(depth / (rule.target * current) - 1) <= HPA_TOLERANCE:
            return current
        wanted = math.ceil(depth / rule.target)
        return min(max(wanted, rule.min_replicas), rule.max_replicas)

    def decide(self, now, depth, current):
        """The replica count from now on: up at once, down only to the window's highest recommendation;
        to zero (minReplicaCount 0) only after cooldownPeriod without a message."""
        if depth:
            self.last_active = now
        wanted = self.desired(depth, current)
        if wanted == 0 and self.last_active is not None and now - self.last_active < self.rule.cooldown_seconds:
            wanted = 1
        self.recommendations.append((now, wanted))
        while self.recommendations[0][0] <= now - self.rule.scale_down_window_seconds:
            self.recommendations.popleft()
        if wanted >= current:
            return wanted
        return max(desired for _, desired in self.recommendations)


@dataclass
class Day:
    arrivals: list
    depth: list
    replicas: list
    credited: list
    latency_ms: list


def simulate(rates, rule, capacity, start_seconds=POD_START_SECONDS):
    """Second by second: arrivals, credits by the ready replicas, KEDA's ticks; see the module's text."""
    scaler = Autoscaler(rule)
    depth, wanted, ready = 0.0, rule.min_replicas, rule.min_replicas
    starting = deque()  # times at which pods asked for become ready
    day = Day([], [], [], [], [])
    for now, arriving in enumerate(rates):
        if now % rule.polling_seconds == 0:
            decided = scaler.decide(now, round(depth), wanted)
            if decided > wanted:
                starting.extend([now + start_seconds] * (decided - wanted))
            surplus = max(wanted - decided, 0)
            while surplus and starting:  # a pod still starting is the first to go
                starting.pop()
                surplus -= 1
            ready -= surplus
            wanted = decided
        while starting and starting[0] <= now:
            starting.popleft()
            ready += 1
        rate = min(ready * capacity.per_instance, capacity.database_ceiling)
        depth += arriving
        credited = min(depth, rate)
        depth -= credited
        wait_ms = depth / rate * 1000 if rate else math.inf
        day.arrivals.append(arriving)
        day.depth.append(depth)
        day.replicas.append(ready)
        day.credited.append(credited)
        day.latency_ms.append(capacity.unloaded_latency_ms + wait_ms)
    return day


def summary(day, rule, capacity, volumes=VOLUMES):
    peak = max(range(len(day.arrivals)), key=day.arrivals.__getitem__)
    latencies = sorted(day.latency_ms)
    absorbable = min(rule.max_replicas * capacity.per_instance, capacity.database_ceiling)
    return {
        "orders_in_the_day": round(sum(day.arrivals)),
        "credited_in_the_day": round(sum(day.credited)),
        "peak_orders_per_s": round(day.arrivals[peak], 1),
        "peak_at": f"{peak // 3600:02d}:{peak % 3600 // 60:02d}",
        "max_queue_depth": round(max(day.depth)),
        "max_replicas": max(day.replicas),
        "latency_p50_ms": round(latencies[len(latencies) // 2], 1),
        "latency_max_ms": round(latencies[-1], 1),
        "seconds_over_1_s": sum(latency > 1000 for latency in day.latency_ms),
        "per_instance_orders_per_s": capacity.per_instance,
        "per_added_machine_orders_per_s": round(capacity.per_machine, 1),
        "database_ceiling_orders_per_s": round(capacity.database_ceiling, 1),
        "absorbable_orders_per_s": round(absorbable, 1),
        "volumes": volumes,
        "rule": rule.__dict__,
    }


def harvest_rule(rule, capacity, rates):
    """The same rule with minReplicaCount raised to what the day's peak needs (the operator's harvest
    setting): queue length only grows once the consumers fall behind, so the floor must carry the peak."""
    floor = math.ceil(min(max(rates), capacity.database_ceiling) / capacity.per_instance)
    return replace(rule, min_replicas=min(max(floor, rule.min_replicas), rule.max_replicas))


ZOOM_HOURS = (9.0, 10.0)


def plot(day, harvest_day, rule, harvest, capacity, path=PLOT):
    """The day on the left, the spike's hour on the right; the harvest setting dashed."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    hours = [second / 3600 for second in range(len(day.arrivals))]
    figure, rows = plt.subplots(4, 2, figsize=(12, 10), sharex="col", gridspec_kw={"width_ratios": (3, 2)})
    for column, (load, queue, replicas, latency) in enumerate(zip(*rows)):
        load.plot(hours, day.arrivals, label="paid orders/s (offered)", color="tab:blue")
        load.plot(hours, day.credited, label="credited orders/s", color="tab:green", linewidth=0.8)
        load.axhline(capacity.database_ceiling, color="tab:red", linestyle=":",
                     label=f"database primary's ceiling ({capacity.database_ceiling:.0f}/s)")
        load.set_ylabel("orders/s")
        queue.plot(hours, day.depth, color="tab:orange", label=f"min {rule.min_replicas} replicas")
        queue.plot(hours, harvest_day.depth, color="tab:orange", linestyle="--",
                   label=f"min {harvest.min_replicas} (harvest setting)")
        queue.set_ylabel("queue depth (ready)")
        replicas.step(hours, day.replicas, where="post", color="tab:purple")
        replicas.step(hours, harvest_day.replicas, where="post", color="tab:purple", linestyle="--")
        replicas.set_ylabel(f"ready {CREDITING_CONSUMER} replicas")
        replicas.set_ylim(0, rule.max_replicas + 1)
        latency.plot(hours, day.latency_ms, color="tab:brown")
        latency.plot(hours, harvest_day.latency_ms, color="tab:brown", linestyle="--")
        latency.set_yscale("log")
        latency.set_ylabel("payment → credit (ms)")
        latency.set_xlabel("hour of the day")
        for axes in (load, queue, replicas, latency):
            axes.grid(True, alpha=0.3)
        if column:
            quarters = [ZOOM_HOURS[0] + quarter / 4 for quarter in range(int((ZOOM_HOURS[1] - ZOOM_HOURS[0]) * 4) + 1)]
            latency.set_xlim(*ZOOM_HOURS)
            latency.set_xticks(quarters, [f"{int(hour):02d}:{round(hour % 1 * 60):02d}" for hour in quarters])
        else:
            latency.set_xticks(range(0, 25, 2))
            load.legend(fontsize=8)
            queue.legend(fontsize=8)
    rows[0][0].set_title(f"A harvest day: {sum(day.arrivals):,.0f} orders; KEDA on the {CREDITING_CONSUMER} consumer's queue "
                         f"(target {rule.target}/replica, {rule.min_replicas}–{rule.max_replicas} replicas)",
                         fontsize=10)
    rows[0][1].set_title("the morning sale of the new crop", fontsize=10)
    figure.tight_layout()
    figure.savefig(path, dpi=90)
    plt.close(figure)


def main():
    rule, capacity, rates = read_rule(), read_capacity(), arrival_rates()
    harvest = harvest_rule(rule, capacity, rates)
    day, harvest_day = simulate(rates, rule, capacity), simulate(rates, harvest, capacity)
    plot(day, harvest_day, rule, harvest, capacity)
    print(json.dumps({"as generated": summary(day, rule, capacity),
                      "harvest setting": summary(harvest_day, harvest, capacity)}, indent=2, ensure_ascii=False))
    print(f"wrote {PLOT}")


if __name__ == "__main__":
    main()
