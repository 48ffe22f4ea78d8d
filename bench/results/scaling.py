"""How time grows with rows: the slope of a least-squares line through log(time) against
log(rows) for each strategy variant. 1 is linear; below 1, fixed costs still dominate at
these sizes; above 1, each row costs more the more rows there are."""

from __future__ import annotations

import math

import numpy as np

from .record import CaseRecord

LINEAR = (0.9, 1.1)


def describe(slope: float) -> str:
    if slope < LINEAR[0]:
        return "sub-linear (fixed costs still matter)"
    if slope > LINEAR[1]:
        return "super-linear"
    return "linear"


def slopes(cases: list[CaseRecord]) -> list[dict]:
    """One entry per (variant, scenario, profile, latency) timed at two or more row counts."""
    lines: dict = {}
    for c in cases:
        if c.timed:
            key = (c.variant, c.scenario, c.profile, c.db_latency_ms)
            lines.setdefault(key, {})[c.rows] = c.median_s
    fits = []
    for (name, scenario, profile, latency), points in sorted(lines.items(), key=str):
        if len(points) < 2:
            continue
        rows = sorted(points)
        slope = float(np.polyfit([math.log(r) for r in rows],
                                 [math.log(points[r]) for r in rows], 1)[0])
        fits.append({"variant": name, "scenario": scenario, "profile": profile,
                     "db_latency_ms": latency, "rows": rows, "slope": slope,
                     "growth": describe(slope)})
    return fits
