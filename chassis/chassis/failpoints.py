"""Fail points: let a fault test kill this process at a precise moment.

``CODI_FAILPOINTS="relay.after_publish=0.02,consumer.after_commit=0.02"`` makes ``hit(name)`` kill the
process (SIGKILL, no clean-up) with that probability. Unset, ``hit`` costs one dictionary lookup.
Only the fault-injection harness sets it.
"""
import os
import random
import signal


def _parse(spec):
    points = {}
    for item in filter(None, (part.strip() for part in spec.split(","))):
        name, _, probability = item.partition("=")
        points[name] = float(probability or 1.0)
    return points


_POINTS = _parse(os.environ.get("CODI_FAILPOINTS", ""))


def hit(name):
    probability = _POINTS.get(name)
    if probability and random.random() < probability:
        os.kill(os.getpid(), signal.SIGKILL)
