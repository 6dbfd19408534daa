"""Findings from speech segments and holds (pure: no audio, no I/O).

Definitions (times in seconds from the start of the recording):

* **pause**: a gap of at least ``pause_s`` (2 s) in one channel's speech, between two of
  its segments (``channel`` = agent / customer), or in the union of both channels'
  speech anywhere in the recording, edges included (``channel`` = both; ``mixed`` for a
  mono recording). Every such gap is listed in ``silences`` with the seconds of it spent
  on hold.
* **dead air** (rule ``dead_air``): the part of a both-silent gap outside every hold that
  is longer than ``dead_air_s`` (10 s: seed 004, "no pause over 10 s without hold").
* **hold return** (rule ``hold_return``): each hold must end within ``hold_return_s``
  (120 s) or, for role ``senior``, ``hold_return_senior_s`` (180 s) (seed 004: "до 2
  минут ... до 3 минут – для старших специалистов").
* **over-talk**: both channels speak at once for at least ``overtalk_min_s``; the
  interrupter is the one whose segment started later (the second speaker starts while the
  first is speaking); when both started within ``simultaneous_start_s`` nobody
  interrupted (``both``). Rule ``no_interruption`` fails for each time the agent
  interrupted the customer.
* **response latency**: from the end of a customer's speech to the agent's next start,
  when the customer spoke last, nobody is speaking at the agent's start and no hold lies
  between. Rule ``response_latency`` fails above ``response_latency_s``.
* **talk/listen ratio**: agent speech seconds / customer speech seconds (each channel's
  segments); rule ``talk_listen_ratio`` only when ``max_talk_listen_ratio`` is set.

Over-talk, latency and the ratio need one party per channel: a mono recording gets
pauses, dead air and holds only.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from itertools import pairwise
from typing import Any

from helpline.quality.audio.errors import InvalidParameter
from helpline.quality.audio.holds import Hold, HoldReport, overlap_s, subtract
from helpline.quality.audio.vad import Segment
from helpline.quality.findings_i18n import AUDIO_KINDS, render

OPERATOR_ROLES = ("agent", "senior")
#: the rules these findings are about (each finding's ``rule``)
RULES = AUDIO_KINDS


@dataclass(frozen=True)
class Thresholds:
    dead_air_s: float = 10.0
    pause_s: float = 2.0
    hold_return_s: float = 120.0
    hold_return_senior_s: float = 180.0
    overtalk_min_s: float = 0.5
    simultaneous_start_s: float = 0.2
    response_latency_s: float = 5.0
    max_talk_listen_ratio: float | None = None

    def __post_init__(self) -> None:
        for name in ("dead_air_s", "pause_s", "hold_return_s", "hold_return_senior_s",
                     "overtalk_min_s", "response_latency_s"):
            if not getattr(self, name) > 0:
                raise InvalidParameter(f"threshold {name} must be > 0")
        if self.simultaneous_start_s < 0:
            raise InvalidParameter("threshold simultaneous_start_s must be >= 0")

    def hold_limit_s(self, role: str) -> float:
        return self.hold_return_senior_s if role == "senior" else self.hold_return_s


@dataclass(frozen=True)
class Silence:
    channel: str  # "agent", "customer", "both" or "mixed"
    start_s: float
    end_s: float
    on_hold_s: float = 0.0

    @property
    def duration_s(self) -> float:
        return self.end_s - self.start_s


@dataclass(frozen=True)
class Overtalk:
    start_s: float
    end_s: float
    interrupter: str  # "agent", "customer" or "both"
    interrupted: str  # the other party, or "both"

    @property
    def duration_s(self) -> float:
        return self.end_s - self.start_s


@dataclass(frozen=True)
class Latency:
    customer_end_s: float
    agent_start_s: float

    @property
    def latency_s(self) -> float:
        return self.agent_start_s - self.customer_end_s


@dataclass(frozen=True)
class Finding:
    """``evidence`` is the message in English; ``message_key`` and ``params`` render it
    in any language (:mod:`helpline.quality.findings_i18n`)."""

    rule: str
    passed: bool
    start: float | None
    end: float | None
    evidence: str
    measured: float | None = None
    limit: float | None = None
    message_key: str = ""
    params: Mapping[str, Any] = field(default_factory=dict, hash=False)

    @classmethod
    def of(cls, rule: str, passed: bool, start: float | None, end: float | None,
           key: str, params: Mapping[str, Any], measured: float | None = None,
           limit: float | None = None) -> Finding:
        """A finding whose evidence is the catalogue's English text for ``key``."""
        return cls(rule, passed, start, end, render(key, params, "en"), measured, limit,
                   key, dict(params))

    def to_dict(self) -> dict[str, Any]:
        return {"rule": self.rule, "passed": self.passed, "start": _r(self.start),
                "end": _r(self.end), "evidence": self.evidence,
                "measured": _r(self.measured), "limit": self.limit,
                "message_key": self.message_key, "params": dict(self.params)}


def check_role(role: str) -> str:
    key = role.strip().lower()
    if key not in OPERATOR_ROLES:
        raise InvalidParameter(f"role {role!r}: expected one of {', '.join(OPERATOR_ROLES)}")
    return key


# -- building blocks --------------------------------------------------------------------
def union(*tracks: Sequence[Segment]) -> list[tuple[float, float]]:
    """Merged speech intervals of several channels."""
    spans = sorted((s.start_s, s.end_s) for track in tracks for s in track)
    out: list[tuple[float, float]] = []
    for a, b in spans:
        if out and a <= out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], b))
        else:
            out.append((a, b))
    return out


def gaps(spans: Sequence[tuple[float, float]], lo: float, hi: float,
         ) -> list[tuple[float, float]]:
    """Complement of sorted, disjoint ``spans`` within [lo, hi]."""
    out = []
    t = lo
    for a, b in spans:
        if a > t:
            out.append((t, min(a, hi)))
        t = max(t, b)
    if hi > t:
        out.append((t, hi))
    return [(a, b) for a, b in out if b > a]


def find_silences(speech: Mapping[str, Sequence[Segment]], duration_s: float,
                  holds: Sequence[Hold], pause_s: float) -> tuple[Silence, ...]:
    """Per-channel pauses between a channel's own segments and all-silent gaps."""
    eps = 1e-6
    found: list[Silence] = []
    for channel, segments in speech.items():
        if channel == "mixed":
            continue
        spans = union(segments)
        for (_, end), (start, _) in pairwise(spans):
            if start - end >= pause_s - eps:
                found.append(Silence(channel, end, start, overlap_s(end, start, holds)))
    everyone = "mixed" if "mixed" in speech else "both"
    for a, b in gaps(union(*speech.values()), 0.0, duration_s):
        if b - a >= pause_s - eps:
            found.append(Silence(everyone, a, b, overlap_s(a, b, holds)))
    order = {"both": 0, "mixed": 0, "agent": 1, "customer": 2}
    return tuple(sorted(found, key=lambda s: (s.start_s, order.get(s.channel, 3))))


def find_overtalk(agent: Sequence[Segment], customer: Sequence[Segment],
                  thresholds: Thresholds) -> tuple[Overtalk, ...]:
    """Simultaneous speech episodes and who started second."""
    out = []
    i = j = 0
    while i < len(agent) and j < len(customer):
        a, c = agent[i], customer[j]
        lo, hi = max(a.start_s, c.start_s), min(a.end_s, c.end_s)
        if hi - lo >= thresholds.overtalk_min_s - 1e-9:
            lead = c.start_s - a.start_s
            if lead > thresholds.simultaneous_start_s:
                who, whom = "customer", "agent"
            elif -lead > thresholds.simultaneous_start_s:
                who, whom = "agent", "customer"
            else:
                who, whom = "both", "both"
            out.append(Overtalk(lo, hi, who, whom))
        if a.end_s <= c.end_s:
            i += 1
        else:
            j += 1
    return tuple(out)


def find_latencies(agent: Sequence[Segment], customer: Sequence[Segment],
                   holds: Sequence[Hold]) -> tuple[Latency, ...]:
    """Customer stops -> agent starts (see the module docstring)."""
    c_spans = union(customer)
    a_spans = union(agent)
    c_starts = [a for a, _ in c_spans]
    c_ends = [b for _, b in c_spans]
    a_ends = [b for _, b in a_spans]
    out = []
    for start, _ in a_spans:
        k = bisect_right(c_starts, start) - 1
        if k >= 0 and c_ends[k] > start:
            continue  # the customer is still speaking: over-talk, not a response
        k = bisect_right(c_ends, start) - 1
        if k < 0:
            continue
        last_customer = c_ends[k]
        m = bisect_right(a_ends, start) - 1
        if m >= 0 and a_ends[m] >= last_customer:
            continue  # the agent spoke last: a pause in the agent's own turn
        if overlap_s(last_customer, start, holds) > 0:
            continue
        out.append(Latency(last_customer, start))
    return tuple(out)


def talk_metrics(agent: Sequence[Segment], customer: Sequence[Segment],
                 overtalk: Sequence[Overtalk], latencies: Sequence[Latency],
                 ) -> dict[str, float | int | None]:
    agent_s = sum(b - a for a, b in union(agent))
    customer_s = sum(b - a for a, b in union(customer))
    values = sorted(x.latency_s for x in latencies)
    return {
        "agent_talk_s": round(agent_s, 3),
        "customer_talk_s": round(customer_s, 3),
        "talk_listen_ratio": round(agent_s / customer_s, 4) if customer_s > 0 else None,
        "agent_talk_share": (round(agent_s / (agent_s + customer_s), 4)
                             if agent_s + customer_s > 0 else None),
        "overtalk_s": round(sum(o.duration_s for o in overtalk), 3),
        "overtalk_count": len(overtalk),
        "agent_interruptions": sum(1 for o in overtalk if o.interrupter == "agent"),
        "customer_interruptions": sum(1 for o in overtalk if o.interrupter == "customer"),
        "response_latency_count": len(values),
        "response_latency_median_s": (round(values[len(values) // 2], 3)
                                      if values else None),
        "response_latency_max_s": round(values[-1], 3) if values else None,
    }


# -- findings ---------------------------------------------------------------------------
def dead_air_findings(silences: Sequence[Silence], holds: Sequence[Hold],
                      duration_s: float, thresholds: Thresholds) -> list[Finding]:
    limit = thresholds.dead_air_s
    out = []
    for s in silences:
        if s.channel not in ("both", "mixed"):
            continue
        for a, b in subtract([(s.start_s, s.end_s)], holds):
            if b - a > limit:
                where = ("dead_air.at_start" if a <= 0 else
                         "dead_air.at_end" if b >= duration_s else None)
                params = {"duration": round(b - a, 3), "limit": limit, "where": where,
                          "held": "dead_air.held" if s.on_hold_s else None,
                          "on_hold": round(s.on_hold_s, 3)}
                out.append(Finding.of("dead_air", False, a, b, "dead_air.failed", params,
                                      round(b - a, 3), limit))
    if not out:
        out.append(Finding.of("dead_air", True, 0.0, duration_s, "dead_air.passed",
                              {"limit": limit}, None, limit))
    return out


def hold_findings(report: HoldReport, role: str, thresholds: Thresholds) -> list[Finding]:
    limit = thresholds.hold_limit_s(role)
    out = []
    for n, hold in enumerate(report.holds, 1):
        late = hold.duration_s > limit
        params = {"n": n, "duration": round(hold.duration_s, 3), "limit": limit,
                  "role": role, "for_role": "hold_return.limit_role",
                  "open": "hold_return.open_ended" if hold.open_ended else None}
        out.append(Finding.of("hold_return", not late, hold.start_s, hold.end_s,
                              "hold_return.late" if late else "hold_return.in_time", params,
                              round(hold.duration_s, 3), limit))
    return out


def overtalk_findings(overtalk: Sequence[Overtalk], duration_s: float,
                      thresholds: Thresholds) -> list[Finding]:
    out = [Finding.of("no_interruption", False, o.start_s, o.end_s, "no_interruption.failed",
                      {"duration": round(o.duration_s, 3)}, round(o.duration_s, 3),
                      thresholds.overtalk_min_s)
           for o in overtalk if o.interrupter == "agent"]
    if not out:
        out.append(Finding.of("no_interruption", True, 0.0, duration_s,
                              "no_interruption.passed", {"others": len(overtalk)}, None,
                              thresholds.overtalk_min_s))
    return out


def latency_findings(latencies: Sequence[Latency], duration_s: float,
                     thresholds: Thresholds) -> list[Finding]:
    limit = thresholds.response_latency_s
    out = [Finding.of("response_latency", False, x.customer_end_s, x.agent_start_s,
                      "response_latency.failed",
                      {"latency": round(x.latency_s, 3), "limit": limit},
                      round(x.latency_s, 3), limit)
           for x in latencies if x.latency_s > limit]
    if not out:
        worst = max((x.latency_s for x in latencies), default=None)
        if worst is None:
            key, params = "response_latency.no_turns", {"limit": limit}
        else:
            key, params = "response_latency.passed", {
                "worst": round(worst, 3), "turns": len(latencies), "limit": limit}
        out.append(Finding.of("response_latency", True, 0.0, duration_s, key, params,
                              _r(worst), limit))
    return out


def ratio_findings(metrics: Mapping[str, float | int | None], duration_s: float,
                   thresholds: Thresholds) -> list[Finding]:
    limit = thresholds.max_talk_listen_ratio
    ratio = metrics.get("talk_listen_ratio")
    if limit is None or ratio is None:
        return []
    params = {"agent_s": metrics["agent_talk_s"], "customer_s": metrics["customer_talk_s"],
              "ratio": ratio, "limit": limit}
    return [Finding.of("talk_listen_ratio", float(ratio) <= limit, 0.0, duration_s,
                       "talk_listen_ratio.result", params, float(ratio), limit)]


def _r(value: float | None) -> float | None:
    return None if value is None else round(value, 3)
