"""Charts drawn on the server as inline SVG: no chart library, nothing loaded by the browser, and
readable without JavaScript. Sizes are attributes (no inline styles: the console's CSP forbids them)."""

from __future__ import annotations

from decimal import Decimal

from markupsafe import Markup, escape

WIDTH, LABEL, ROW = 560, 170, 30
BAR_MAX = WIDTH - LABEL - 70


def bars(rows: list[tuple[str, float, float | None]], title: str) -> Markup:
    """Horizontal bars, one per (label, value, target); a target is drawn as a dark tick with its number."""
    if not rows:
        return Markup("")
    top = max([max(v, t or 0) for _, v, t in rows] + [1])
    height = ROW * len(rows) + 10
    parts = [f'<svg class="chart" role="img" width="{WIDTH}" height="{height}" viewBox="0 0 {WIDTH} {height}" '
             f'xmlns="http://www.w3.org/2000/svg"><title>{escape(title)}</title>']
    for i, (label, value, target) in enumerate(rows):
        y = 5 + i * ROW
        width = round(BAR_MAX * value / top, 1)
        text = f"{value:g}" + (f" / {target:g}" if target is not None else "")
        parts.append(f'<text x="{LABEL - 8}" y="{y + 18}" text-anchor="end" font-size="13" fill="#333">'
                     f'{escape(label)}</text>')
        parts.append(f'<rect x="{LABEL}" y="{y + 4}" width="{BAR_MAX}" height="18" fill="#eef1f5"/>')
        fill = "#2e7d32" if target is not None and value >= target else "#1f5fa8"
        parts.append(f'<rect x="{LABEL}" y="{y + 4}" width="{width}" height="18" fill="{fill}"/>')
        if target is not None:
            tx = round(LABEL + BAR_MAX * target / top, 1)
            parts.append(f'<line x1="{tx}" y1="{y + 1}" x2="{tx}" y2="{y + 25}" stroke="#c62828" stroke-width="2"/>')
        parts.append(f'<text x="{LABEL + BAR_MAX + 6}" y="{y + 18}" font-size="13" fill="#333">{escape(text)}</text>')
    parts.append("</svg>")
    return Markup("".join(parts))


def share(part: float, whole: float, title: str) -> Markup:
    """One bar showing part of a whole (the 3% headroom: used against the cap)."""
    fraction = 0.0 if whole <= 0 else min(part / whole, 1.0)
    width = round((WIDTH - 20) * fraction, 1)
    fill = "#c62828" if fraction >= 1 else "#ef6c00" if fraction >= 0.8 else "#2e7d32"
    return Markup(f'<svg class="chart" role="img" width="{WIDTH}" height="30" viewBox="0 0 {WIDTH} 30" xmlns="http://www.w3.org/2000/svg">'
                  f'<title>{escape(title)}</title><rect x="10" y="5" width="{WIDTH - 20}" height="20" fill="#eef1f5"/>'
                  f'<rect x="10" y="5" width="{width}" height="20" fill="{fill}"/></svg>')


def percent(share: object) -> str | None:
    """Reporting's share (an exact decimal string) as a percentage of two places, as the reports print it."""
    return None if share is None else str((Decimal(str(share)) * 100).quantize(Decimal("0.01")))
