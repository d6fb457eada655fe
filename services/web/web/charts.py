"""Bar charts as plain shapes for inline SVG: readable without JavaScript, printable, and the same
figures are always in a table beside them."""
from dataclasses import dataclass

WIDTH, HEIGHT, LABEL_SPACE, GAP = 600, 220, 40, 6


@dataclass(frozen=True)
class Bar:
    x: float
    y: float
    width: float
    height: float
    label: str
    value: int
    caption: str


def bar_chart(rows, label, value, caption):
    """The bars of ``rows``: ``label(row)`` under each, height from ``value(row)`` (an integer ≥ 0,
    e.g. satang), ``caption(row)`` as its tooltip. A chart of zeros is flat, never a division by 0."""
    rows = list(rows)
    if not rows:
        return []
    top = max(max(value(row) for row in rows), 1)
    slot = WIDTH / len(rows)
    plot = HEIGHT - LABEL_SPACE
    bars = []
    for index, row in enumerate(rows):
        height = plot * max(value(row), 0) / top
        bars.append(Bar(x=index * slot + GAP / 2, y=plot - height, width=max(slot - GAP, 1), height=height,
                        label=label(row), value=value(row), caption=caption(row)))
    return bars
