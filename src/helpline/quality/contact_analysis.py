"""One contact's analysis: the recording's findings and the transcript's rules in one list,
and the timeline the QA page draws (issue 5 §6). Pure: no database, no files.

Who decides what:

* with a recording, the **audio** decides everything about time: dead air (``dead_air``),
  returns from hold (``hold_return``), over-talk (``no_interruption``), response latency
  and the talk/listen ratio; the transcript's own timing rules (kinds ``max_silence`` and
  ``hold_duration``) are left out, the audio measures the same thing better;
* the **transcript** decides everything about words: greeting, forbidden words, the name,
  the hold announcement and thanks, «Чем ещё могу помочь?», …;
* without a recording (a chat, or a call known only by its transcript) every rule of the
  rulebook runs on the transcript.

Holds reach both sides from one source: the PBX events paired once by the audio analysis
(:func:`helpline.quality.audio.analyze.hold_report`), or, without audio, the hold list
given to the rules engine.

Every finding has the same shape (:meth:`ContactFinding.to_dict`): ``rule``, ``source``
(audio | transcript), ``kind``, ``title``, ``passed``, ``applicable``, ``start``, ``end``
(seconds), ``message``, ``evidence`` (a list of ``{speaker, start, end, text, matched,
utterance}``; ``utterance`` is the index of the transcript utterance it quotes, or
``None``; an audio finding's first item is the measurement itself, with ``speaker``
``None``), ``measured`` and ``limit``, and the keys its texts are rendered from in any
language (:mod:`helpline.quality.findings_i18n`): ``message_key``, ``params`` and
``titles``. ``title`` and ``message`` are the rulebook's title and the English message.

The timeline (:class:`Timeline`) holds the speech of each side, the holds, the both-side
silences of 2 s or more (``dead_air`` marks those over the limit outside holds) and the
over-talk; from the audio when there is a recording, else from the utterances.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from helpline.quality.audio.analyze import AudioAnalysis
from helpline.quality.audio.findings import Finding as AudioFinding
from helpline.quality.audio.holds import HoldReport
from helpline.quality.findings_i18n import LANGUAGES, kind_title
from helpline.quality.transcripts.holds import HoldInterval
from helpline.quality.transcripts.model import Transcript
from helpline.quality.transcripts.rules import Evidence, RulesReport, evaluate
from helpline.quality.transcripts.rules import Finding as RuleFinding
from helpline.quality.transcripts.rules_config import Rulebook, default_rulebook

#: transcript rule kinds that a recording's analysis replaces
AUDIO_DECIDES_KINDS = frozenset({"max_silence", "hold_duration"})
#: roles the audio analysis knows (its only use of the role is the hold return limit)
AUDIO_ROLES = ("agent", "senior")
PAUSE_SECONDS = 2.0
OVERTALK_MIN_SECONDS = 0.5
_MAX_NEARBY = 3

Redact = Callable[[str], str]


def _r(value: float | None) -> float | None:
    return None if value is None else round(value, 3)


@dataclass(frozen=True)
class EvidenceItem:
    speaker: str | None
    start: float
    end: float
    text: str
    matched: str | None = None
    utterance: int | None = None

    def to_dict(self) -> dict[str, Any]:
        return {"speaker": self.speaker, "start": _r(self.start), "end": _r(self.end),
                "text": self.text, "matched": self.matched, "utterance": self.utterance}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> EvidenceItem:
        return cls(data.get("speaker"), float(data["start"]), float(data["end"]),
                   str(data["text"]), data.get("matched"), data.get("utterance"))


@dataclass(frozen=True)
class ContactFinding:
    rule: str
    source: str  # audio | transcript
    kind: str
    passed: bool
    start: float | None
    end: float | None
    message: str
    evidence: tuple[EvidenceItem, ...] = ()
    applicable: bool = True
    title: str = ""
    measured: float | None = None
    limit: float | None = None
    #: the message's entry in the catalogue and its parameters; the title per language
    message_key: str = ""
    params: Mapping[str, Any] = field(default_factory=dict, hash=False)
    titles: Mapping[str, str] = field(default_factory=dict, hash=False)

    def to_dict(self) -> dict[str, Any]:
        return {"rule": self.rule, "source": self.source, "kind": self.kind,
                "title": self.title, "passed": self.passed, "applicable": self.applicable,
                "start": _r(self.start), "end": _r(self.end), "message": self.message,
                "evidence": [e.to_dict() for e in self.evidence],
                "measured": _r(self.measured), "limit": self.limit,
                "message_key": self.message_key, "params": dict(self.params),
                "titles": dict(self.titles)}

    def redacted(self, quote: Redact, message: Redact | None = None) -> ContactFinding:
        """The same finding with every quoted text masked by ``quote`` and its message by
        ``message`` (default: ``quote``), the message's parameters too (they hold what
        the message quotes: the customer's name, a matched word). An audio finding's
        measurement (the evidence without a speaker) is the message again."""
        message = message or quote
        return replace(
            self, message=message(self.message),
            params={k: _mask(v, message) for k, v in self.params.items()},
            evidence=tuple(
                replace(e, text=quote(e.text) if e.speaker is not None else message(e.text),
                        matched=None if e.matched is None else quote(e.matched))
                for e in self.evidence))


def _mask(value: Any, redact: Redact) -> Any:
    """Every string in a parameter (lists and tables included) through ``redact``."""
    if isinstance(value, str):
        return redact(value)
    if isinstance(value, list | tuple):
        return [_mask(v, redact) for v in value]
    if isinstance(value, Mapping):
        return {k: _mask(v, redact) for k, v in value.items()}
    return value


@dataclass(frozen=True)
class Timeline:
    source: str  # audio | transcript
    duration: float
    mono: bool
    speech: dict[str, tuple[tuple[float, float], ...]]
    holds: tuple[tuple[float, float, bool], ...] = ()  # start, end, late
    silences: tuple[tuple[float, float, bool], ...] = ()  # start, end, dead air
    dead_air: tuple[tuple[float, float], ...] = ()
    overtalk: tuple[tuple[float, float, str], ...] = ()  # start, end, interrupter

    def to_dict(self) -> dict[str, Any]:
        return {
            "source": self.source, "duration": _r(self.duration), "mono": self.mono,
            "speech": {k: [[_r(a), _r(b)] for a, b in v] for k, v in self.speech.items()},
            "holds": [{"start": _r(a), "end": _r(b), "late": late}
                      for a, b, late in self.holds],
            "silences": [{"start": _r(a), "end": _r(b), "dead_air": dead}
                         for a, b, dead in self.silences],
            "dead_air": [[_r(a), _r(b)] for a, b in self.dead_air],
            "overtalk": [{"start": _r(a), "end": _r(b), "interrupter": who}
                         for a, b, who in self.overtalk],
        }


@dataclass(frozen=True)
class ContactAnalysis:
    """What ``helpline qa analyze`` prints and what the store keeps."""

    channel: str  # call | chat
    role: str
    duration_s: float
    findings: tuple[ContactFinding, ...]
    timeline: Timeline
    audio: AudioAnalysis | None = None
    transcript: Transcript | None = None
    rules: RulesReport | None = None
    notes: tuple[str, ...] = field(default=())

    @property
    def passed(self) -> bool:
        return all(f.passed for f in self.findings)

    @property
    def failed(self) -> tuple[ContactFinding, ...]:
        return tuple(f for f in self.findings if not f.passed)

    def to_dict(self) -> dict[str, Any]:
        """The audio analysis' keys (when there is a recording) with ``findings`` replaced
        by the merged list, plus ``timeline``, ``rulebook`` and ``summary``."""
        timeline = self.timeline.to_dict()
        base: dict[str, Any] = self.audio.to_dict() if self.audio is not None else {
            "recording": None, "duration_s": _r(self.duration_s), "channels": [],
            "mono": False, "engine": None,
            "silences": [{"channel": "both", **s} for s in timeline["silences"]],
            "holds": {"count": len(timeline["holds"]), "items": timeline["holds"]},
            "overtalk": timeline["overtalk"], "metrics": {}, "limitations": [],
            "warnings": []}
        base.update({
            "channel": self.channel, "role": self.role, "passed": self.passed,
            "findings": [f.to_dict() for f in self.findings],
            "rulebook": self.rules.rulebook if self.rules is not None else None,
            "summary": {"findings": len(self.findings), "failed": len(self.failed),
                        "not_applicable": sum(not f.applicable for f in self.findings)},
            "timeline": timeline,
            "notes": list(self.notes),
        })
        if self.transcript is not None:
            base["utterances"] = [u.to_dict() for u in self.transcript.utterances]
        return base


# -- findings ---------------------------------------------------------------------------
def _utterance_index(transcript: Transcript | None, e: Evidence) -> int | None:
    if transcript is None:
        return None
    for i, u in enumerate(transcript.utterances):
        if u.speaker.value == e.speaker and u.start == e.start and u.end == e.end \
                and u.text == e.text:
            return i
    return None


def from_rule(finding: RuleFinding, transcript: Transcript | None) -> ContactFinding:
    evidence = tuple(EvidenceItem(e.speaker, e.start, e.end, e.text, e.matched,
                                  _utterance_index(transcript, e)) for e in finding.evidence)
    return ContactFinding(finding.rule, "transcript", finding.kind, finding.passed,
                          finding.start, finding.end, finding.message, evidence,
                          finding.applicable, finding.title,
                          message_key=finding.message_key, params=dict(finding.params),
                          titles=dict(finding.titles))


def _nearby(transcript: Transcript, start: float, end: float) -> list[EvidenceItem]:
    """Utterances touching [start - 1 s, end + 1 s]: the words around a time finding."""
    out = []
    for i, u in enumerate(transcript.utterances):
        if u.end >= start - 1.0 and u.start <= end + 1.0:
            out.append(EvidenceItem(u.speaker.value, u.start, u.end, u.text, None, i))
    if len(out) > _MAX_NEARBY:  # the first and the last: what came before and after
        out = [out[0], *out[-(_MAX_NEARBY - 1):]]
    return out


def from_audio(finding: AudioFinding, transcript: Transcript | None) -> ContactFinding:
    start, end = finding.start, finding.end
    evidence = [EvidenceItem(None, start or 0.0, end or 0.0, finding.evidence)]
    if transcript is not None and not finding.passed and start is not None and end is not None:
        evidence.extend(_nearby(transcript, start, end))
    return ContactFinding(finding.rule, "audio", finding.rule, finding.passed, start, end,
                          finding.evidence, tuple(evidence), True, "", finding.measured,
                          finding.limit, finding.message_key, dict(finding.params),
                          _audio_titles(finding.rule))


def _audio_titles(rule: str) -> dict[str, str]:
    """The audio rules' titles (the catalogue's), kept with the finding as the rulebook's
    are."""
    return {lang: text for lang in LANGUAGES if (text := kind_title(rule, lang))}


def merge(audio: AudioAnalysis | None, report: RulesReport | None,
          transcript: Transcript | None) -> tuple[ContactFinding, ...]:
    """Audio findings and the transcript's (less the kinds the audio decides when there is
    audio), ordered by start time; at one time audio first, then by rule."""
    out: list[ContactFinding] = []
    if audio is not None:
        out.extend(from_audio(f, transcript) for f in audio.findings)
    if report is not None:
        out.extend(from_rule(f, transcript) for f in report.findings
                   if audio is None or f.kind not in AUDIO_DECIDES_KINDS)
    order = {"audio": 0, "transcript": 1}
    out.sort(key=lambda f: (f.start if f.start is not None else -1.0, order[f.source],
                            f.rule))
    return tuple(out)


# -- timelines --------------------------------------------------------------------------
def _union(spans: Sequence[tuple[float, float]]) -> list[tuple[float, float]]:
    out: list[tuple[float, float]] = []
    for a, b in sorted(spans):
        if out and a <= out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], b))
        else:
            out.append((a, b))
    return out


def timeline_from_audio(audio: AudioAnalysis) -> Timeline:
    limit = audio.thresholds.hold_limit_s(audio.role)
    dead = tuple((f.start, f.end) for f in audio.findings
                 if f.rule == "dead_air" and not f.passed
                 and f.start is not None and f.end is not None)
    silences = tuple(
        (s.start_s, s.end_s, any(a < s.end_s and b > s.start_s for a, b in dead))
        for s in audio.silences if s.channel in ("both", "mixed"))
    return Timeline(
        source="audio", duration=audio.duration_s, mono=audio.mono,
        speech={k: tuple(v) for k, v in audio.speech.items()},
        holds=tuple((h.start_s, h.end_s, h.duration_s > limit) for h in audio.holds.holds),
        silences=silences, dead_air=dead,
        overtalk=tuple((o.start_s, o.end_s, o.interrupter) for o in audio.overtalk))


def timeline_from_transcript(transcript: Transcript, holds: Sequence[HoldInterval],
                             findings: Sequence[ContactFinding]) -> Timeline:
    """Speech = the utterances; silences = gaps of 2 s or more between them (calls only:
    a chat's gaps are typing, not silence); dead air and late holds = the failed
    ``max_silence`` / ``hold_duration`` findings; over-talk = utterances of both sides
    overlapping 0.5 s or more (the later starter interrupts)."""
    speech: dict[str, tuple[tuple[float, float], ...]] = {
        side: tuple((u.start, u.end) for u in transcript.utterances if u.speaker.value == side)
        for side in ("agent", "customer")}
    duration = transcript.duration_seconds
    dead = tuple((f.start, f.end) for f in findings
                 if f.kind == "max_silence" and not f.passed
                 and f.start is not None and f.end is not None)
    late = {(f.start, f.end) for f in findings if f.kind == "hold_duration" and not f.passed}
    silences: list[tuple[float, float, bool]] = []
    overtalk: list[tuple[float, float, str]] = []
    if transcript.channel == "call":
        covered = _union([(u.start, u.end) for u in transcript.utterances])
        t = 0.0
        for a, b in [*covered, (duration, duration)]:
            if a - t >= PAUSE_SECONDS:
                silences.append((t, a, any(x < a and y > t for x, y in dead)))
            t = max(t, b)
        utterances = transcript.utterances
        for i, u in enumerate(utterances):
            for v in utterances[i + 1:]:
                if v.start >= u.end:
                    break
                if v.speaker is u.speaker:
                    continue
                lo, hi = max(u.start, v.start), min(u.end, v.end)
                if hi - lo >= OVERTALK_MIN_SECONDS:
                    who = "both" if v.start == u.start else v.speaker.value
                    overtalk.append((lo, hi, who))
    return Timeline(
        source="transcript", duration=duration, mono=False, speech=speech,
        holds=tuple((h.start, h.end, (h.start, h.end) in late) for h in holds),
        silences=tuple(silences), dead_air=dead, overtalk=tuple(overtalk))


# -- entry points -----------------------------------------------------------------------
def rule_holds(report: HoldReport) -> tuple[HoldInterval, ...]:
    """The audio's paired holds as the rules engine takes them."""
    return tuple(HoldInterval(h.start_s, h.end_s) for h in report.holds)


def audio_role(role: str) -> str:
    """The audio analysis knows agent and senior; every other rulebook role (paid line,
    supervisor, …) returns from hold within the agent's limit."""
    return role if role in AUDIO_ROLES else "agent"


def combine(audio: AudioAnalysis, transcript: Transcript | None, *, role: str = "agent",
            rulebook: Rulebook | None = None) -> ContactAnalysis:
    """A recording's analysis with its transcript's rules (holds from the audio's
    events)."""
    report = None
    if transcript is not None:
        book = rulebook or default_rulebook(transcript.language)
        report = evaluate(transcript, book, role=role, holds=rule_holds(audio.holds))
    notes = (*audio.limitations, *audio.warnings, *audio.holds.problems)
    if transcript is not None and transcript.duration_seconds > audio.duration_s + 1.0:
        notes = (*notes, f"the transcript ends at {transcript.duration_seconds:.1f} s, after "
                         f"the recording ({audio.duration_s:.1f} s): is it this call's?")
    return ContactAnalysis(
        channel="call", role=role, duration_s=audio.duration_s,
        findings=merge(audio, report, transcript), timeline=timeline_from_audio(audio),
        audio=audio, transcript=transcript, rules=report, notes=tuple(notes))


def analyze_transcript(transcript: Transcript, *, role: str = "agent",
                       holds: Sequence[HoldInterval] = (),
                       rulebook: Rulebook | None = None) -> ContactAnalysis:
    """A contact known only by its transcript (a chat, or a call without its recording):
    every rule of the rulebook."""
    book = rulebook or default_rulebook(transcript.language)
    report = evaluate(transcript, book, role=role, holds=holds)
    findings = merge(None, report, transcript)
    return ContactAnalysis(
        channel=transcript.channel, role=role, duration_s=transcript.duration_seconds,
        findings=findings,
        timeline=timeline_from_transcript(transcript, report.holds, findings),
        transcript=transcript, rules=report)
