"""Plotly figures for the chart cards of a dashboard spec (bar, row, pie, donut, line, area,
scatter, heatmap), from the card's rows.

Tooltips show the same text as the tables (``cerebro.formatting``, the tenant's locale): each
trace carries the formatted values in ``customdata`` and its ``hovertemplate`` only places them,
so a tooltip never depends on the browser's locale. Axes use Plotly's own number formatting with
the locale's separators (``layout.separators``); percentages are plotted from 0 to 100 so that
an axis reads "78%" rather than "0.78".
"""

from __future__ import annotations

import html

import pandas as pd
import plotly.graph_objects as go

from cerebro.formatting import (
    currency_affixes,
    format_percent,
    format_value,
    is_missing,
    locale_for,
    number_separators,
    percent_suffix,
)
from cerebro.serving.dashboards.spec import Card

NUMERIC_FORMATS = frozenset({"integer", "number", "percent", "currency", "hours", "days"})
TIME_FORMATS = frozenset({"date", "month"})
#: Colours shared with the page's stylesheet (cerebro.css).
COLORWAY = (
    "#3b5bdb", "#12b886", "#f59f00", "#e64980", "#7950f2",
    "#15aabf", "#fa5252", "#82c91e", "#fd7e14", "#868e96",
)  # fmt: skip
HEATMAP_COLORSCALE = ((0.0, "#f1f4ff"), (0.5, "#748ffc"), (1.0, "#1c2f8a"))
MARKER_COLOR = "#111827"
#: Above this many points a line has no dots on it (they would only blur the line).
LINE_DOTS_UP_TO = 40
#: Above this many points a scatter's points carry no text label.
POINT_LABELS_UP_TO = 15
#: Pie slices smaller than this share have no label on them (it would not fit).
PIE_LABELS_FROM = 0.04
#: Heatmap cells show their value when there are at most this many of them.
HEATMAP_CELL_TEXT_UP_TO = 400
#: An axis of counts up to this value steps by one (Plotly would step 0 to 1 by 0.2).
COUNT_STEP_ONE_UP_TO = 10

#: One small template embedded in every figure (Plotly's default template is ~7 kB each).
HOUSE_TEMPLATE = go.layout.Template(
    layout={
        "colorway": COLORWAY,
        "font": {"family": "Inter, 'Segoe UI', Roboto, Helvetica, Arial, sans-serif",
                 "size": 12, "color": "#343a40"},
        "paper_bgcolor": "rgba(0,0,0,0)",
        "plot_bgcolor": "rgba(0,0,0,0)",
        "separators": ",.",  # decimal ',', thousands '.'
        "hoverlabel": {"bgcolor": "#ffffff", "bordercolor": "#ced4da",
                       "font": {"color": "#212529", "size": 12}},
        # Whole numbers on the axes ("60.000", not "60k": Plotly's SI suffixes are English).
        "xaxis": {"gridcolor": "#eef0f3", "linecolor": "#ced4da", "zeroline": False,
                  "automargin": True, "separatethousands": True, "exponentformat": "none"},
        "yaxis": {"gridcolor": "#eef0f3", "linecolor": "#ced4da", "zeroline": False,
                  "automargin": True, "separatethousands": True, "exponentformat": "none"},
        "legend": {"orientation": "h", "yanchor": "bottom", "y": 1.02, "x": 0},
        "margin": {"l": 8, "r": 8, "t": 8, "b": 8},
        "modebar": {"bgcolor": "rgba(0,0,0,0)", "color": "#adb5bd", "activecolor": "#3b5bdb"},
    }
)  # fmt: skip


def chart_values(frame: pd.DataFrame, column: str, fmt: str) -> list:
    """What Plotly plots for a column: floats for numbers (percentages from 0 to 100), ISO text
    for dates, text for the rest; None where the value is missing."""
    values = []
    for value in frame[column]:
        if is_missing(value):
            values.append(None)
        elif fmt in NUMERIC_FORMATS:
            values.append(float(value) * (100 if fmt == "percent" else 1))
        elif fmt in TIME_FORMATS:
            values.append(str(value)[:10])
        else:
            values.append(format_value(value, fmt))
    return values


def axis_format(fmt: str, currency: str) -> dict:
    """Tick labels for an axis (or colour bar) showing a column of format ``fmt``: the symbol
    and percent sign where the tenant's locale writes them (``cerebro.formatting``)."""
    if fmt == "percent":
        return {"ticksuffix": percent_suffix(locale_for(currency))}
    if fmt == "currency":
        prefix, suffix = currency_affixes(currency)
        return {"tickprefix": prefix, "ticksuffix": suffix, "tickformat": ",.0f"}
    if fmt == "hours":
        return {"ticksuffix": " h"}
    if fmt == "days":
        return {"ticksuffix": " d"}
    if fmt == "integer":
        return {"tickformat": ",d"}
    if fmt == "month":
        return {"tickformat": "%b %Y"}
    if fmt == "date":
        return {"tickformat": "%-d %b"}
    return {}


class ChartBuilder:
    """The figure for one card and its rows (in the tenant's ``currency``)."""

    def __init__(self, card: Card, frame: pd.DataFrame, currency: str) -> None:
        self.card = card
        self.frame = frame.reset_index(drop=True)
        self.currency = currency
        self.locale = locale_for(currency)

    # -- shared pieces ------------------------------------------------------------------------
    def fmt(self, column: str) -> str:
        return self.card.columns.get(column, "text")

    def label(self, column: str) -> str:
        return html.escape(self.card.label(column))

    def formatted(self, frame: pd.DataFrame, column: str) -> list[str]:
        fmt = self.fmt(column)
        return [format_value(v, fmt, self.currency) for v in frame[column]]

    @property
    def x(self) -> str:
        return self.card.x or next(iter(self.card.columns))

    @property
    def metrics(self) -> list[str]:
        if self.card.y:
            return list(self.card.y)
        chosen = [c for c in self.card.columns if c != self.x and self.fmt(c) in NUMERIC_FORMATS]
        return chosen[:1] or [c for c in self.card.columns if c != self.x][:1]

    def groups(self, frame: pd.DataFrame) -> list[tuple[str, pd.DataFrame]]:
        """(series name, rows) per value of the card's series column, in order of appearance;
        one unnamed group without a series column."""
        if not self.card.series:
            return [("", frame)]
        series = self.card.series
        names = list(dict.fromkeys(frame[series]))
        return [
            (format_value(name, self.fmt(series), self.currency), frame[frame[series] == name])
            for name in names
        ]

    def hover(self, frame: pd.DataFrame, x: str, y: str, series_name: str = ""):
        """customdata and hovertemplate: "<b>x</b><br>series · label: value"."""
        customdata = list(zip(self.formatted(frame, x), self.formatted(frame, y), strict=True))
        prefix = f"{html.escape(series_name)} · " if series_name else ""
        template = f"<b>%{{customdata[0]}}</b><br>{prefix}{self.label(y)}: %{{customdata[1]}}"
        return customdata, template + "<extra></extra>"

    def layout(self, **overrides) -> dict:
        layout = {"template": HOUSE_TEMPLATE, "autosize": True, "hovermode": "closest"}
        layout.update(overrides)
        return layout

    def value_axis(self, column: str, **extra) -> dict:
        axis = axis_format(self.fmt(column), self.currency)
        return {
            "title": {"text": self.label(column)},
            **axis,
            **self.count_ticks([column]),
            **extra,
        }

    def count_ticks(self, columns: list[str]) -> dict:
        """Whole-number ticks on an axis whose columns are all counts (format ``integer``)."""
        if not columns or any(self.fmt(column) != "integer" for column in columns):
            return {}
        values = [abs(float(v)) for c in columns for v in self.frame[c] if not is_missing(v)]
        if max(values, default=0) <= COUNT_STEP_ONE_UP_TO:
            return {"tick0": 0, "dtick": 1}
        return {"tickformat": ",d"}  # Plotly's own steps are whole above ten

    def dimension_axis(self, column: str, **extra) -> dict:
        fmt = self.fmt(column)
        axis = {"title": {"text": self.label(column)}, **axis_format(fmt, self.currency)}
        if fmt not in NUMERIC_FORMATS | TIME_FORMATS:
            axis["type"] = "category"
        return {**axis, **extra}

    # -- one method per display ---------------------------------------------------------------
    def figure(self) -> go.Figure:
        display = self.card.display
        if display in ("bar", "row"):
            return self.bars(horizontal=display == "row")
        if display in ("pie", "donut"):
            return self.pie(hole=0.55 if display == "donut" else 0.0)
        if display in ("line", "area"):
            return self.lines(area=display == "area")
        if display == "scatter":
            return self.scatter()
        if display == "heatmap":
            return self.heatmap()
        raise ValueError(f"card {self.card.key!r}: {display!r} is not a chart display")

    def bars(self, *, horizontal: bool) -> go.Figure:
        x, metrics = self.x, self.metrics
        traces = []
        for series_name, rows in self.groups(self.frame):
            for y in metrics if not series_name else metrics[:1]:
                customdata, template = self.hover(rows, x, y, series_name)
                categories = chart_values(rows, x, self.fmt(x))
                values = chart_values(rows, y, self.fmt(y))
                traces.append(
                    go.Bar(
                        x=values if horizontal else categories,
                        y=categories if horizontal else values,
                        orientation="h" if horizontal else "v",
                        name=series_name or self.card.label(y),
                        customdata=customdata,
                        hovertemplate=template,
                        **self.meaning_color(y, series_name, "marker"),
                    )
                )
        value_axis = self.value_axis(metrics[0]) if len(metrics) == 1 else self.count_ticks(metrics)
        dimension_axis = self.dimension_axis(x)
        if horizontal:
            # The first row of the query on top, as it reads in a table. The labels name the
            # rows (the card's title says what they are): an axis title would only crowd them.
            rows_axis = {**dimension_axis, "autorange": "reversed", "title": {"text": ""}}
            layout = self.layout(xaxis=value_axis, yaxis=rows_axis)
        else:
            layout = self.layout(xaxis=dimension_axis, yaxis=value_axis)
        return go.Figure(
            traces, layout={**layout, "barmode": "group", "showlegend": len(traces) > 1}
        )

    def meaning_color(self, metric: str, series_name, part: str) -> dict:
        """``{part: {"color": …}}`` for a metric whose spec says what it means (a series split
        by a column's values keeps the palette)."""
        color = None if series_name else self.card.series_color(metric)
        return {part: {"color": color}} if color else {}

    def pie(self, *, hole: float) -> go.Figure:
        x, y = self.x, self.metrics[0]
        values = chart_values(self.frame, y, self.fmt(y))
        total = sum(v for v in values if v is not None and v > 0)
        shares = [(v or 0) / total if total else None for v in values]
        customdata, _ = self.hover(self.frame, x, y)
        share_text = [format_percent(s, locale=self.locale) for s in shares]
        customdata = [(*point, text) for point, text in zip(customdata, share_text, strict=True)]
        trace = go.Pie(
            labels=self.formatted(self.frame, x),
            values=values,
            hole=hole,
            sort=False,  # the query's order (usually largest first)
            direction="clockwise",
            # Shares in the tenant's locale ("13,8%"); slivers get no label, their tooltip has it.
            text=[
                t if (s or 0) >= PIE_LABELS_FROM else ""
                for s, t in zip(shares, share_text, strict=True)
            ],
            textinfo="text",
            textposition="inside",
            insidetextorientation="horizontal",
            customdata=customdata,
            hovertemplate=(
                f"<b>%{{customdata[0]}}</b><br>{self.label(y)}: %{{customdata[1]}}"
                "<br>%{customdata[2]} del total<extra></extra>"
            ),
            marker={"line": {"color": "#ffffff", "width": 2}},
        )
        legend = {"orientation": "v", "x": 1.0, "xanchor": "left", "y": 0.5, "yanchor": "middle"}
        return go.Figure([trace], layout=self.layout(legend=legend, showlegend=True))

    def line_points(self) -> list[dict]:
        """Each line's points as the figure draws them: x, y, the tooltip's texts
        (customdata), the mode and the name. The static pages redraw a line chart from these
        alone when the page changes what it shows (a customer found by its search)."""
        x, metrics = self.x, self.metrics
        frame = self.frame
        if self.fmt(x) in NUMERIC_FORMATS | TIME_FORMATS:
            frame = frame.sort_values(x, kind="stable")
        points = []
        for series_name, rows in self.groups(frame):
            for y in metrics if not series_name else metrics[:1]:
                customdata, template = self.hover(rows, x, y, series_name)
                points.append(
                    {
                        "x": chart_values(rows, x, self.fmt(x)),
                        "y": chart_values(rows, y, self.fmt(y)),
                        "mode": "lines+markers" if len(rows) <= LINE_DOTS_UP_TO else "lines",
                        "name": series_name or self.card.label(y),
                        "customdata": [list(point) for point in customdata],
                        "hovertemplate": template,
                        "metric": y,
                        "series_name": series_name,
                    }
                )
        return points

    def lines(self, *, area: bool) -> go.Figure:
        x, metrics = self.x, self.metrics
        frame = self.frame
        if self.fmt(x) in NUMERIC_FORMATS | TIME_FORMATS:
            frame = frame.sort_values(x, kind="stable")
        traces = []
        for points in self.line_points():
            metric, series_name = points.pop("metric"), points.pop("series_name")
            extra = {"stackgroup": "area"} if area else {}
            traces.append(
                go.Scatter(
                    **points,
                    line={
                        "width": 2.5,
                        "shape": "linear",
                        **self.meaning_color(metric, series_name, "line").get("line", {}),
                    },
                    **extra,
                )
            )
        if self.card.marker:
            traces.append(self.marker_trace(frame, x, metrics[0]))
        value_axis = self.value_axis(metrics[0]) if len(metrics) == 1 else self.count_ticks(metrics)
        layout = self.layout(
            xaxis=self.dimension_axis(x),
            yaxis=value_axis,
            showlegend=len(traces) > 1,
            hovermode="x unified" if area else "closest",
        )
        return go.Figure(traces, layout=layout)

    def marker_trace(self, frame: pd.DataFrame, x: str, y: str) -> go.Scatter:
        """The highlighted points (the marker column is true), e.g. the current spend on a
        response curve."""
        flagged = frame[frame[self.card.marker].map(lambda v: not is_missing(v) and bool(v))]
        customdata, template = self.hover(flagged, x, y)
        if self.card.series:  # name the curve each point is on
            customdata = [
                (f"{name} · {point[0]}", point[1])
                for name, point in zip(
                    self.formatted(flagged, self.card.series), customdata, strict=True
                )
            ]
        return go.Scatter(
            x=chart_values(flagged, x, self.fmt(x)),
            y=chart_values(flagged, y, self.fmt(y)),
            mode="markers",
            name=self.card.label(self.card.marker),
            marker={
                "symbol": "diamond",
                "size": 13,
                "color": MARKER_COLOR,
                "line": {"color": "#ffffff", "width": 2},
            },
            customdata=customdata,
            hovertemplate=f"<b>{self.label(self.card.marker)}</b><br>{template}",
        )

    def scatter(self) -> go.Figure:
        x, y = self.x, self.metrics[0]
        point_label = self.card.series or next(
            (c for c in self.card.columns if c not in (x, *self.card.y) and self.fmt(c) == "text"),
            None,
        )
        # Every other column of the point in its tooltip (e.g. spend and new customers).
        extras = [c for c in self.card.columns if c not in (x, y, point_label)]
        extra_lines = "".join(
            f"<br>{self.label(c)}: %{{customdata[{3 + i}]}}" for i, c in enumerate(extras)
        )
        traces = []
        for series_name, rows in self.groups(self.frame):
            names = self.formatted(rows, point_label) if point_label else [""] * len(rows)
            columns = [self.formatted(rows, x), self.formatted(rows, y), names]
            columns += [self.formatted(rows, c) for c in extras]
            traces.append(
                go.Scatter(
                    x=chart_values(rows, x, self.fmt(x)),
                    y=chart_values(rows, y, self.fmt(y)),
                    mode="markers+text" if len(self.frame) <= POINT_LABELS_UP_TO else "markers",
                    text=names,
                    textposition="top center",
                    cliponaxis=False,  # a point's label may stand outside the axes
                    name=series_name or self.card.label(y),
                    marker={"size": 14, "opacity": 0.9, "line": {"color": "#ffffff", "width": 1}},
                    customdata=list(zip(*columns, strict=True)),
                    hovertemplate=(
                        "<b>%{customdata[2]}</b><br>"
                        f"{self.label(x)}: %{{customdata[0]}}<br>"
                        f"{self.label(y)}: %{{customdata[1]}}{extra_lines}<extra></extra>"
                    ),
                )
            )
        layout = self.layout(
            xaxis=self.value_axis(x),
            yaxis=self.value_axis(y),
            showlegend=bool(self.card.series) and len(traces) > 1,
        )
        return go.Figure(traces, layout=layout)

    def heatmap(self) -> go.Figure:
        """Rows are the x column (e.g. cohorts), columns the series column (e.g. months since
        the first order), colour and text the first metric."""
        row, y = self.x, self.metrics[0]
        column = self.card.series or next(c for c in self.card.columns if c not in (row, y))
        rows = list(dict.fromkeys(self.frame[row]))
        columns = list(dict.fromkeys(self.frame[column]))
        if self.fmt(column) in NUMERIC_FORMATS | TIME_FORMATS:
            columns = sorted(columns, key=lambda v: (is_missing(v), v if not is_missing(v) else 0))
        cells = {
            (r, c): v
            for r, c, v in zip(self.frame[row], self.frame[column], self.frame[y], strict=True)
        }
        scale = 100 if self.fmt(y) == "percent" else 1
        z, text = [], []
        for r in rows:
            values = [cells.get((r, c)) for c in columns]
            z.append([None if is_missing(v) else float(v) * scale for v in values])
            text.append(
                [
                    "" if is_missing(v) else format_value(v, self.fmt(y), self.currency)
                    for v in values
                ]
            )
        row_names = [format_value(r, self.fmt(row), self.currency) for r in rows]
        column_names = [format_value(c, self.fmt(column), self.currency) for c in columns]
        show_text = len(rows) * len(columns) <= HEATMAP_CELL_TEXT_UP_TO
        trace = go.Heatmap(
            z=z,
            x=column_names,
            y=row_names,
            text=text,
            texttemplate="%{text}" if show_text else None,
            textfont={"size": 10},
            colorscale=[list(stop) for stop in HEATMAP_COLORSCALE],
            hoverongaps=False,
            xgap=2,
            ygap=2,
            colorbar={
                "thickness": 12,
                "outlinewidth": 0,
                "exponentformat": "none",
                **axis_format(self.fmt(y), self.currency),
            },
            hovertemplate=(
                f"{self.label(row)}: <b>%{{y}}</b><br>{self.label(column)}: %{{x}}<br>"
                f"{self.label(y)}: %{{text}}<extra></extra>"
            ),
        )
        layout = self.layout(
            xaxis={
                "title": {"text": self.label(column)},
                "type": "category",
                "side": "top",
                "showgrid": False,
            },
            yaxis={
                "title": {"text": self.label(row)},
                "type": "category",
                "autorange": "reversed",
                "showgrid": False,
            },
        )
        return go.Figure([trace], layout=layout)


def build_figure(card: Card, frame: pd.DataFrame, currency: str) -> go.Figure:
    """The Plotly figure of a chart card from its (non-empty) rows, its axes' numbers with the
    separators of the tenant's locale."""
    figure = ChartBuilder(card, frame, currency).figure()
    return figure.update_layout(separators=number_separators(locale_for(currency)))
