"""Plots for the outlet dashboard, drawn server-side as inline SVG: no script, nothing fetched.

Every label is escaped (outlet names come from stored articles); colours and numbers are ours.
Each bar and point carries an SVG <title>, which browsers show on hover.
"""

from __future__ import annotations

from html import escape

from markupsafe import Markup

FONT = 'font-family="system-ui, sans-serif" font-size="12"'


def _nice_max(value: float) -> float:
    if value <= 0:
        return 1.0
    for step in (0.1, 0.2, 0.25, 0.5, 1, 2, 2.5, 5, 10, 20, 25, 50, 100, 200, 250, 500, 1000):
        if value <= step * 5:
            return step * 5
    return value


def _fmt(value: float) -> str:
    return f"{value:.2f}".rstrip("0").rstrip(".") if value else "0"


def _legend(series: list[tuple[str, str]], x: int, y: int, width: int) -> tuple[list[str], int]:
    """Legend entries laid out in rows; returns the SVG parts and the height used."""
    parts, cx, cy = [], x, y
    for label, color in series:
        item_width = 18 + 7 * len(label) + 16
        if cx + item_width > x + width and cx > x:
            cx, cy = x, cy + 18
        parts.append(f'<rect x="{cx}" y="{cy}" width="12" height="12" fill="{color}"/>'
                     f'<text x="{cx + 16}" y="{cy + 10}" {FONT}>{escape(label)}</text>')
        cx += item_width
    return parts, cy - y + 18


def _bar_frame(title: str, x_label: str, left: int, top: int, plot_w: int, plot_h: int, x_max: float) -> list[str]:
    """A horizontal bar chart's title, vertical grid with values and x-axis label."""
    parts = [f'<text x="8" y="16" {FONT} font-weight="bold">{escape(title)}</text>']
    for k in range(6):
        v = x_max * k / 5
        x = left + plot_w * v / x_max
        parts.append(f'<line x1="{x:.1f}" x2="{x:.1f}" y1="{top}" y2="{top + plot_h}" stroke="#ddd"/>'
                     f'<text x="{x:.1f}" y="{top + plot_h + 14}" text-anchor="middle" {FONT}>{_fmt(v)}</text>')
    parts.append(f'<text x="{left + plot_w / 2:.0f}" y="{top + plot_h + 30}" text-anchor="middle" {FONT}>'
                 f'{escape(x_label)}</text>')
    return parts


def _bar_svg(title: str, width: int, height: int, parts: list[str], series: list[tuple[str, list[float], str]]) -> Markup:
    """The bar chart's SVG: its parts, then the series' legend below `height`."""
    legend, legend_height = _legend([(name, color) for name, _, color in series], 8, 0, width - 16)
    total_h = height + legend_height + 4
    return Markup(
        f'<svg class="chart" role="img" aria-label="{escape(title)}" viewBox="0 0 {width} {total_h}" '
        f'width="100%" xmlns="http://www.w3.org/2000/svg"><title>{escape(title)}</title>{"".join(parts)}'
        f'<g transform="translate(0 {height})">{"".join(legend)}</g></svg>')


def line_chart(x_labels: list[str], series: list[tuple[str, list[float | None], str]], title: str,
               y_label: str, width: int = 760, height: int = 300) -> Markup:
    """One line per series over `x_labels` (months); a gap where a value is None."""
    left, right, top, bottom = 56, 16, 28, 40
    legend, legend_height = _legend([(name, color) for name, _, color in series], left, 0, width - left - right)
    plot_w, plot_h = width - left - right, height - top - bottom
    y_max = _nice_max(max((v for _, values, _ in series for v in values if v is not None), default=0))
    n = len(x_labels)

    def px(i: int) -> float:
        return left + (plot_w * (i + 0.5) / n if n else 0)

    def py(v: float) -> float:
        return top + plot_h - plot_h * v / y_max

    parts = [f'<text x="{left}" y="16" {FONT} font-weight="bold">{escape(title)}</text>']
    for k in range(6):  # horizontal grid with values
        v = y_max * k / 5
        parts.append(f'<line x1="{left}" x2="{left + plot_w}" y1="{py(v):.1f}" y2="{py(v):.1f}" stroke="#ddd"/>'
                     f'<text x="{left - 6}" y="{py(v) + 4:.1f}" text-anchor="end" {FONT}>{_fmt(v)}</text>')
    step = max(1, n // 12)
    for i, label in enumerate(x_labels):
        if i % step == 0:
            parts.append(f'<text x="{px(i):.1f}" y="{top + plot_h + 16}" text-anchor="middle" {FONT}>{escape(label)}</text>')
    parts.append(f'<text x="14" y="{top + plot_h / 2:.0f}" transform="rotate(-90 14 {top + plot_h / 2:.0f})" '
                 f'text-anchor="middle" {FONT}>{escape(y_label)}</text>')
    for name, values, color in series:
        run: list[str] = []
        for i, value in enumerate(values + [None]):
            if value is None:
                if len(run) > 1:
                    parts.append(f'<polyline fill="none" stroke="{color}" stroke-width="2" points="{" ".join(run)}"/>')
                run = []
                continue
            run.append(f"{px(i):.1f},{py(value):.1f}")
            parts.append(f'<circle cx="{px(i):.1f}" cy="{py(value):.1f}" r="3.5" fill="{color}">'
                         f'<title>{escape(name)}, {escape(x_labels[i])}: {_fmt(value)}</title></circle>')
    body = "".join(parts)
    legend_svg = "".join(legend)
    total_h = height + legend_height + 8
    return Markup(
        f'<svg class="chart" role="img" aria-label="{escape(title)}" viewBox="0 0 {width} {total_h}" '
        f'width="100%" xmlns="http://www.w3.org/2000/svg"><title>{escape(title)}</title>{body}'
        f'<g transform="translate(0 {height + 4})">{legend_svg}</g></svg>')


def stacked_bar_chart(categories: list[str], series: list[tuple[str, list[float], str]], title: str,
                      x_label: str, width: int = 760, bar_height: int = 22) -> Markup:
    """Horizontal bars, one per category (outlet), each cut into the series (techniques)."""
    left, right, top = 180, 24, 28
    plot_w = width - left - right
    totals = [sum(values[i] for _, values, _ in series) for i in range(len(categories))]
    x_max = _nice_max(max(totals, default=0))
    plot_h = len(categories) * (bar_height + 8)
    parts = _bar_frame(title, x_label, left, top, plot_w, plot_h, x_max)
    for i, category in enumerate(categories):
        y = top + i * (bar_height + 8)
        shown = category if len(category) <= 26 else category[:25] + "…"
        parts.append(f'<text x="{left - 6}" y="{y + bar_height / 2 + 4:.1f}" text-anchor="end" {FONT}>'
                     f'<title>{escape(category)}</title>{escape(shown)}</text>')
        x = float(left)
        for name, values, color in series:
            value = values[i]
            if value <= 0:
                continue
            w = plot_w * value / x_max
            parts.append(f'<rect x="{x:.1f}" y="{y}" width="{w:.1f}" height="{bar_height}" fill="{color}">'
                         f'<title>{escape(category)}, {escape(name)}: {_fmt(value)}</title></rect>')
            x += w
    return _bar_svg(title, width, top + plot_h + 40, parts, series)


def grouped_bar_chart(categories: list[str], series: list[tuple[str, list[float], str]], title: str,
                      x_label: str, width: int = 760, bar_height: int = 10) -> Markup:
    """Horizontal bars side by side: per category (technique), one bar per series (this outlet, others)."""
    left, right, top = 230, 24, 28
    plot_w = width - left - right
    x_max = _nice_max(max((v for _, values, _ in series for v in values), default=0))
    group_h = bar_height * len(series) + 8
    plot_h = len(categories) * group_h
    parts = _bar_frame(title, x_label, left, top, plot_w, plot_h, x_max)
    for i, category in enumerate(categories):
        y0 = top + i * group_h
        parts.append(f'<text x="{left - 6}" y="{y0 + group_h / 2:.1f}" text-anchor="end" {FONT}>{escape(category)}</text>')
        for j, (name, values, color) in enumerate(series):
            w = plot_w * values[i] / x_max
            parts.append(f'<rect x="{left}" y="{y0 + j * bar_height}" width="{w:.1f}" height="{bar_height - 1}" '
                         f'fill="{color}"><title>{escape(category)}, {escape(name)}: {_fmt(values[i])}</title></rect>')
    return _bar_svg(title, width, top + plot_h + 40, parts, series)
