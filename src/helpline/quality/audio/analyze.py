"""One recording -> :class:`AudioAnalysis`: speech per side, silences, holds, over-talk,
response latency, talk/listen ratio and findings (definitions in ``findings``).

:func:`analyze_audio` is the pure core (decoded audio in, result out);
:func:`analyze_recording` reads the file and the hold events first.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from helpline.quality.audio.errors import InvalidParameter
from helpline.quality.audio.findings import (
    Finding,
    Latency,
    Overtalk,
    Silence,
    Thresholds,
    check_role,
    dead_air_findings,
    find_latencies,
    find_overtalk,
    find_silences,
    hold_findings,
    latency_findings,
    overtalk_findings,
    ratio_findings,
    talk_metrics,
)
from helpline.quality.audio.holds import (
    ContactEvents,
    HoldEvent,
    HoldReport,
    holds_from_events,
    load_hold_events,
    parse_hold_events,
)
from helpline.quality.audio.vad import VadEngine, VadParams, detect_speech, get_engine
from helpline.quality.audio.wav import MIXED, Recording, read_recording, split_channels

MONO_LIMITATION = ("mono recording: over-talk, talk/listen ratio and response latency need "
                   "one party per channel and were not computed")

EventsInput = Path | str | Sequence[HoldEvent] | Sequence[Mapping[str, Any]] | \
    Mapping[str, Any] | HoldReport | ContactEvents | None


@dataclass(frozen=True)
class AudioAnalysis:
    recording: str
    duration_s: float
    sample_rate: int
    encoding: str
    channels: tuple[str, ...]  # role per channel in file order; ("mixed",) for mono
    mono: bool
    engine: str
    role: str
    speech: Mapping[str, tuple[tuple[float, float], ...]]
    silences: tuple[Silence, ...]
    holds: HoldReport
    overtalk: tuple[Overtalk, ...]
    latencies: tuple[Latency, ...]
    metrics: Mapping[str, float | int | None]
    findings: tuple[Finding, ...]
    thresholds: Thresholds
    limitations: tuple[str, ...] = ()
    warnings: tuple[str, ...] = ()
    transcript: str | None = None
    vad: Mapping[str, float] = field(default_factory=dict)

    @property
    def passed(self) -> bool:
        return all(f.passed for f in self.findings)

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict (times in seconds, rounded to the millisecond)."""
        return {
            "recording": self.recording,
            "transcript": self.transcript,
            "duration_s": _r(self.duration_s),
            "sample_rate": self.sample_rate,
            "encoding": self.encoding,
            "channels": list(self.channels),
            "mono": self.mono,
            "engine": self.engine,
            "role": self.role,
            "passed": self.passed,
            "speech": {k: [[_r(a), _r(b)] for a, b in v] for k, v in self.speech.items()},
            "silences": [{"channel": s.channel, "start": _r(s.start_s), "end": _r(s.end_s),
                          "duration": _r(s.duration_s), "on_hold": _r(s.on_hold_s)}
                         for s in self.silences],
            "holds": {
                "source": self.holds.source,
                "count": len(self.holds.holds),
                "total_s": _r(self.holds.total_s),
                "limit_s": self.thresholds.hold_limit_s(self.role),
                "items": [{"start": _r(h.start_s), "end": _r(h.end_s),
                           "duration": _r(h.duration_s), "open_ended": h.open_ended,
                           "late": h.duration_s > self.thresholds.hold_limit_s(self.role)}
                          for h in self.holds.holds],
                "unmatched": list(self.holds.problems),
            },
            "overtalk": [{"start": _r(o.start_s), "end": _r(o.end_s),
                          "duration": _r(o.duration_s), "interrupter": o.interrupter,
                          "interrupted": o.interrupted} for o in self.overtalk],
            "response_latency": [{"customer_end": _r(x.customer_end_s),
                                  "agent_start": _r(x.agent_start_s),
                                  "latency": _r(x.latency_s)} for x in self.latencies],
            "metrics": dict(self.metrics),
            "findings": [f.to_dict() for f in self.findings],
            "limitations": list(self.limitations),
            "warnings": list(self.warnings),
            "thresholds": asdict(self.thresholds),
            "vad": dict(self.vad),
        }


def analyze_audio(recording: Recording, *, channels: Sequence[str] | str = ("agent", "customer"),
                  holds: HoldReport | None = None, role: str = "agent",
                  engine: str | VadEngine = "silero", thresholds: Thresholds | None = None,
                  vad_params: VadParams | None = None,
                  transcript: str | None = None) -> AudioAnalysis:
    """Analyse decoded audio (pure apart from running the VAD model)."""
    role = check_role(role)
    thresholds = thresholds or Thresholds()
    params = vad_params or VadParams()
    vad = get_engine(engine) if isinstance(engine, str) else engine
    per_role = split_channels(recording, channels)
    duration = recording.duration_s
    speech = detect_speech(per_role, recording.sample_rate, vad, params)
    report = holds or HoldReport()
    silences = find_silences(speech, duration, report.holds, thresholds.pause_s)
    findings: list[Finding] = dead_air_findings(silences, report.holds, duration, thresholds)
    findings += hold_findings(report, role, thresholds)
    mono = recording.channels == 1
    overtalk: tuple[Overtalk, ...] = ()
    latencies: tuple[Latency, ...] = ()
    metrics: dict[str, float | int | None] = {
        "speech_s": round(sum(s.duration_s for v in speech.values() for s in v), 3),
        "hold_count": len(report.holds),
        "hold_total_s": round(report.total_s, 3),
        "pauses": sum(1 for s in silences if s.channel in ("both", MIXED)),
    }
    if not mono:
        agent, customer = speech["agent"], speech["customer"]
        overtalk = find_overtalk(agent, customer, thresholds)
        latencies = find_latencies(agent, customer, report.holds)
        metrics.update(talk_metrics(agent, customer, overtalk, latencies))
        findings += overtalk_findings(overtalk, duration, thresholds)
        findings += latency_findings(latencies, duration, thresholds)
        findings += ratio_findings(metrics, duration, thresholds)
    findings.sort(key=lambda f: (f.start if f.start is not None else -1.0, f.rule))
    order = list(per_role)
    return AudioAnalysis(
        recording=recording.source, duration_s=duration, sample_rate=recording.sample_rate,
        encoding=recording.encoding, channels=tuple(order), mono=mono, engine=vad.name,
        role=role,
        speech={k: tuple((s.start_s, s.end_s) for s in v) for k, v in speech.items()},
        silences=silences, holds=report, overtalk=overtalk, latencies=latencies,
        metrics=metrics, findings=tuple(findings), thresholds=thresholds,
        limitations=(MONO_LIMITATION,) if mono else (), warnings=recording.warnings,
        transcript=transcript,
        vad={"threshold": params.threshold, "neg_threshold": params.neg_threshold,
             "min_speech_s": params.min_speech_s, "min_silence_s": params.min_silence_s,
             "pad_s": params.pad_s, "refine_s": params.refine_s})


def analyze_recording(path: Path | str, *, channels: Sequence[str] | str = ("agent", "customer"),
                      events: EventsInput = None, role: str = "agent",
                      engine: str | VadEngine = "silero", thresholds: Thresholds | None = None,
                      vad_params: VadParams | None = None,
                      recording_start: datetime | None = None,
                      transcript: Path | str | None = None,
                      raw_sample_rate: int = 8000) -> AudioAnalysis:
    """Read ``path`` (WAV or MixMonitor ``.raw``) and the hold ``events`` (a JSON file, its
    decoded content, parsed events, a contact's events from the log
    (:class:`ContactEvents`) or a ready :class:`HoldReport`) and analyse."""
    role = check_role(role)
    if isinstance(engine, str) and engine not in ("silero", "webrtc"):
        raise InvalidParameter(f"unknown VAD engine {engine!r}; choose silero or webrtc")
    recording = read_recording(path, raw_sample_rate=raw_sample_rate)
    holds = hold_report(events, duration_s=recording.duration_s,
                        recording_start=recording_start)
    return analyze_audio(recording, channels=channels, holds=holds, role=role, engine=engine,
                         thresholds=thresholds, vad_params=vad_params,
                         transcript=None if transcript is None else str(transcript))


def hold_report(events: EventsInput, *, duration_s: float | None,
                recording_start: datetime | None = None) -> HoldReport:
    """Any accepted form of hold events -> paired holds."""
    if events is None:
        return HoldReport()
    if isinstance(events, HoldReport):
        return events
    if isinstance(events, ContactEvents):
        return events.report(duration_s)
    if isinstance(events, Path | str):
        parsed = load_hold_events(events, recording_start=recording_start)
    elif isinstance(events, Mapping):
        parsed = parse_hold_events(dict(events), recording_start=recording_start)
    elif all(isinstance(e, HoldEvent) for e in events):
        parsed = [e for e in events if isinstance(e, HoldEvent)]
    else:
        parsed = parse_hold_events(list(events), recording_start=recording_start)
    return holds_from_events(parsed, duration_s=duration_s)


def _r(value: float) -> float:
    return round(value, 3)
