"""Percentiles and latency summaries (pure functions)."""


def percentile(values, fraction):
    """The ``fraction`` (0..1) percentile of ``values``, linearly interpolated between ranks."""
    if not values:
        raise ValueError("percentile of no values")
    if not 0 <= fraction <= 1:
        raise ValueError("fraction must be between 0 and 1")
    ordered = sorted(values)
    position = fraction * (len(ordered) - 1)
    lower = int(position)
    upper = min(lower + 1, len(ordered) - 1)
    return ordered[lower] + (ordered[upper] - ordered[lower]) * (position - lower)


def latency_summary(latencies_ms):
    """p50/p95/p99/max of latencies in milliseconds, rounded to 0.1 ms; None if there are none."""
    if not latencies_ms:
        return None
    summary = {name: percentile(latencies_ms, fraction)
               for name, fraction in (("p50", 0.50), ("p95", 0.95), ("p99", 0.99), ("max", 1.0))}
    return {**{name: round(value, 1) for name, value in summary.items()}, "samples": len(latencies_ms)}


def rate(count, seconds):
    return round(count / seconds, 1) if seconds > 0 else 0.0


def per_unit(amounts, units):
    """Each group's amount per unit of work, plus the total; None when no work was done."""
    if not units:
        return None
    result = {group: round(amount / units, 3) for group, amount in sorted(amounts.items())}
    result["total"] = round(sum(amounts.values()) / units, 3)
    return result
