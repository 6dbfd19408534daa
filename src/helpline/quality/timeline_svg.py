"""A contact's timeline as an SVG picture (pure: a timeline dict in, SVG text out).

Lanes from top to bottom: the agent's speech, the customer's (one "speech" lane for a mono
recording), holds (a late return in a darker colour), both-side silences of 2 s or more
(dead air in red), over-talk, and a marker for each failed rule. A time axis in m:ss runs
below and a legend under it. Every shape has a ``<title>`` (a tooltip in browsers) with
what it is and when; every text is XML-escaped. The input is
:meth:`helpline.quality.contact_analysis.Timeline.to_dict` and the findings' dicts, as the
store keeps them.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any
from xml.sax.saxutils import escape, quoteattr

LABELS_EN = {
    "title": "Contact timeline", "agent": "Agent", "customer": "Customer",
    "mixed": "Speech (mono)", "hold": "Hold", "late_hold": "Hold, late return",
    "silence": "Silence", "dead_air": "Dead air", "overtalk": "Over-talk",
    "findings": "Failed rules", "interrupter": "started by",
}
COLORS = {
    "agent": "#2b6cb0", "customer": "#2f855a", "mixed": "#4a5568", "hold": "#d69e2e",
    "late_hold": "#9c4221", "silence": "#a0aec0", "dead_air": "#e53e3e",
    "overtalk": "#805ad5", "findings": "#c53030",
}
_STEPS = (1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200)
LABEL_W = 170
RIGHT = 16
LANE_H = 18
GAP = 8
TOP = 8


def mmss(seconds: float) -> str:
    total = round(seconds)
    return f"{total // 60}:{total % 60:02d}"


def _step(duration: float) -> int:
    for step in _STEPS:
        if duration / step <= 12:
            return step
    return _STEPS[-1]


class _Canvas:
    def __init__(self, width: int, duration: float) -> None:
        self.width = width
        self.plot = width - LABEL_W - RIGHT
        self.duration = max(duration, 1.0)
        self.parts: list[str] = []

    def x(self, t: float) -> float:
        return LABEL_W + max(0.0, min(t, self.duration)) / self.duration * self.plot

    def span(self, y: float, a: float, b: float, color: str, tip: str, cls: str) -> None:
        x0, x1 = self.x(a), self.x(b)
        w = max(x1 - x0, 2.0)  # a chat message (no duration) still shows
        self.parts.append(
            f'<rect class={quoteattr(cls)} x="{x0:.1f}" y="{y:.1f}" width="{w:.1f}" '
            f'height="{LANE_H}" fill="{color}"><title>{escape(tip)}</title></rect>')

    def label(self, y: float, text: str) -> None:
        self.parts.append(f'<text x="{LABEL_W - 8}" y="{y + LANE_H - 5:.1f}" '
                          f'text-anchor="end">{escape(text)}</text>')


def _when(a: float, b: float) -> str:
    return f"{mmss(a)}–{mmss(b)} ({b - a:.1f} s)"


def render_timeline_svg(timeline: Mapping[str, Any],
                        findings: Sequence[Mapping[str, Any]] = (),
                        labels: Mapping[str, str] | None = None, *, width: int = 960) -> str:
    """The picture; ``labels`` overrides :data:`LABELS_EN` (e.g. Russian strings)."""
    t = {**LABELS_EN, **(labels or {})}
    canvas = _Canvas(width, float(timeline.get("duration") or 0.0))
    speech: Mapping[str, Sequence[Sequence[float]]] = timeline.get("speech") or {}
    sides = ["mixed"] if "mixed" in speech else ["agent", "customer"]
    lanes = [*sides, "hold", "silence", "overtalk", "findings"]
    y = float(TOP)
    for lane in lanes:
        canvas.label(y, t[lane])
        canvas.parts.append(f'<rect x="{LABEL_W}" y="{y:.1f}" width="{canvas.plot}" '
                            f'height="{LANE_H}" fill="#f7fafc"/>')
        if lane in sides:
            for a, b in speech.get(lane, ()):
                canvas.span(y, a, b, COLORS[lane], f"{t[lane]}: {_when(a, b)}", f"speech {lane}")
        elif lane == "hold":
            for h in timeline.get("holds", ()):
                key = "late_hold" if h.get("late") else "hold"
                canvas.span(y, h["start"], h["end"], COLORS[key],
                            f"{t[key]}: {_when(h['start'], h['end'])}", key.replace("_", "-"))
        elif lane == "silence":
            for s in timeline.get("silences", ()):
                key = "dead_air" if s.get("dead_air") else "silence"
                canvas.span(y, s["start"], s["end"], COLORS[key],
                            f"{t[key]}: {_when(s['start'], s['end'])}", key.replace("_", "-"))
        elif lane == "overtalk":
            for o in timeline.get("overtalk", ()):
                canvas.span(y, o["start"], o["end"], COLORS["overtalk"],
                            f"{t['overtalk']}: {_when(o['start'], o['end'])}, "
                            f"{t['interrupter']} {o.get('interrupter', '')}", "overtalk")
        else:
            for f in findings:
                if f.get("passed", True) or f.get("start") is None:
                    continue
                x = canvas.x(float(f["start"]))
                tip = f"{f.get('title') or f.get('rule')} @ {mmss(float(f['start']))}: " \
                      f"{f.get('message', '')}"
                canvas.parts.append(
                    f'<path class="finding" data-rule={quoteattr(str(f.get("rule")))} '
                    f'd="M{x:.1f} {y + 2:.1f} L{x + 6:.1f} {y + LANE_H - 2:.1f} '
                    f'L{x - 6:.1f} {y + LANE_H - 2:.1f} Z" fill="{COLORS["findings"]}">'
                    f'<title>{escape(tip)}</title></path>')
        y += LANE_H + GAP
    # the time axis
    step = _step(canvas.duration)
    axis_y = y + 2
    canvas.parts.append(f'<line x1="{LABEL_W}" y1="{axis_y:.1f}" x2="{LABEL_W + canvas.plot}" '
                        f'y2="{axis_y:.1f}" stroke="#4a5568"/>')
    tick = 0
    while tick <= canvas.duration + 1e-9:
        x = canvas.x(tick)
        canvas.parts.append(f'<line x1="{x:.1f}" y1="{TOP}" x2="{x:.1f}" y2="{axis_y + 4:.1f}" '
                            'stroke="#cbd5e0" stroke-width="0.5"/>')
        canvas.parts.append(f'<text x="{x:.1f}" y="{axis_y + 16:.1f}" '
                            f'text-anchor="middle">{mmss(tick)}</text>')
        tick += step
    # the legend
    legend_y = axis_y + 30
    x = float(LABEL_W)
    for key in (*sides, "hold", "late_hold", "silence", "dead_air", "overtalk", "findings"):
        text = t[key]
        step_x = 16 + 7.0 * len(text) + 18
        if x > LABEL_W and x + step_x > width:
            x = float(LABEL_W)
            legend_y += 18
        canvas.parts.append(f'<rect x="{x:.1f}" y="{legend_y:.1f}" width="12" height="12" '
                            f'fill="{COLORS[key]}"/>')
        canvas.parts.append(f'<text x="{x + 16:.1f}" y="{legend_y + 10.5:.1f}">'
                            f'{escape(text)}</text>')
        x += step_x
    height = int(legend_y + 24)
    head = (f'<svg xmlns="http://www.w3.org/2000/svg" class="timeline" role="img" '
            f'width="{width}" height="{height}" viewBox="0 0 {width} {height}" '
            f'font-family="sans-serif" font-size="12" fill="#1a202c">'
            f'<title>{escape(t["title"])}</title>')
    return head + "".join(canvas.parts) + "</svg>"
