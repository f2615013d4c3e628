"""The overview's charts as SVG drawn on the server: geometry here, markup in
templates/dashboard/_charts.html.

No chart library: the page's Content-Security-Policy allows no inline style or script, which
rules out the SVG that pygal writes (its colours are an inline <style>) and any JavaScript
library; here every colour is a class of the app's stylesheet, each bar is a link to the list
of the requests it counts, and the layout is mirrored for right-to-left languages.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

# Drawn in a narrow box, so that on a phone (about 360 px for the chart) the text is still
# drawn at about its size in the stylesheet: each bar's label sits on a line of its own above it.
WIDTH = 400
VALUE_ROOM = 56
LABEL_HEIGHT = 20  # the line of a bar's label, above the bar (14 px text: app.css)
BAR_HEIGHT = 16
ROW_HEIGHT = LABEL_HEIGHT + BAR_HEIGHT + 8
LABEL_CHARACTERS = 50
COLUMN_CHART_HEIGHT = 180
MONTH_LABELS = 8  # at most, under a column chart: more ran into each other at phone width
MONTH_LABEL_HALF = 16  # half a month's label ("12/26" in 11 px text): the columns keep this far from the sides
AXIS_ROOM = 24


@dataclass(frozen=True)
class Bar:
    label: str
    value: float
    url: str | None = None
    inner: float | None = None  # a second, shorter value drawn inside the bar (a median in its 90th percentile)
    shown: str | None = None  # the value as written beside the bar (default: the number)


@dataclass(frozen=True)
class DrawnBar:
    bar: Bar
    top: float  # of its row (label and bar): the whole row is the link's target
    x: float
    y: float
    width: float
    inner_x: float | None
    inner_width: float | None
    label_x: float
    label_y: float
    label_anchor: str
    value_x: float
    value_anchor: str
    short_label: str


@dataclass(frozen=True)
class BarChart:
    width: int
    height: int
    bars: list[DrawnBar]
    bar_height: int = BAR_HEIGHT
    row_height: int = LABEL_HEIGHT + BAR_HEIGHT


def _short(text: str) -> str:
    return text if len(text) <= LABEL_CHARACTERS else text[: LABEL_CHARACTERS - 1].rstrip() + "…"


# An Arabic label ending at the chart's very edge lost the right of its first letter (its vowel mark).
RTL_LABEL_INSET = 3


def bar_chart(bars: list[Bar], rtl: bool = False) -> BarChart:
    """Horizontal bars, longest for the largest value, each under its label; all start on the
    reading side (the right in RTL), the value just after the bar's end."""
    room = WIDTH - VALUE_ROOM
    top = max((bar.value for bar in bars), default=0) or 1
    drawn = []
    for index, bar in enumerate(bars):
        length = room * bar.value / top
        inner = room * bar.inner / top if bar.inner is not None else None
        row = index * ROW_HEIGHT
        label_y, y = row + LABEL_HEIGHT - 4, row + LABEL_HEIGHT
        if rtl:
            drawn.append(
                DrawnBar(bar, row, WIDTH - length, y, length, WIDTH - inner if inner is not None else None, inner,
                         WIDTH - RTL_LABEL_INSET, label_y, "end", WIDTH - length - 6, "end", _short(bar.label))
            )  # fmt: skip
        else:
            drawn.append(
                DrawnBar(bar, row, 0, y, length, 0 if inner is not None else None, inner,
                         0, label_y, "start", length + 6, "start", _short(bar.label))
            )  # fmt: skip
    return BarChart(WIDTH, max(len(bars), 1) * ROW_HEIGHT - 8, drawn)


@dataclass(frozen=True)
class Segment:
    series: str
    value: int
    x: float
    y: float
    width: float
    height: float
    url: str | None


@dataclass(frozen=True)
class Column:
    label: str
    total: int
    label_x: float
    segments: list[Segment]
    labelled: bool = True  # its month written under it (on a long chart, one in `step`)


@dataclass(frozen=True)
class ColumnChart:
    width: int
    height: int
    plot_height: int
    columns: list[Column]
    series: list[str]
    top: int  # the figure of the plot's top line: the tallest column's
    rtl: bool = False  # the scale's figure at the right, where an Arabic reader starts


def stacked_columns(
    table: dict[str, dict[str, int]], series: list[str], urls: dict[tuple[str, str], str], rtl: bool = False
) -> ColumnChart:
    """Columns in time order (right to left in RTL), each stacked from the first series up."""
    keys = list(table)
    plot = COLUMN_CHART_HEIGHT - AXIS_ROOM
    top = max((sum(row.values()) for row in table.values()), default=0) or 1
    slot = (WIDTH - 2 * MONTH_LABEL_HALF) / max(len(keys), 1)
    width = slot * 0.7
    step = math.ceil(len(keys) / MONTH_LABELS) or 1  # the latest month always written, then one in `step`
    columns = []
    for index, key in enumerate(keys):
        position = len(keys) - 1 - index if rtl else index
        x = MONTH_LABEL_HALF + position * slot + (slot - width) / 2
        base = plot
        segments = []
        for name in series:
            value = table[key].get(name, 0)
            height = plot * value / top
            base -= height
            if value:
                segments.append(Segment(name, value, x, base, width, height, urls.get((key, name))))
        labelled = (len(keys) - 1 - index) % step == 0
        columns.append(Column(key, sum(table[key].values()), x + width / 2, segments, labelled))
    return ColumnChart(WIDTH, COLUMN_CHART_HEIGHT, plot, columns, series, top, rtl)
