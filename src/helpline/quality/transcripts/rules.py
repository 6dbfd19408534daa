"""The script-compliance engine: a transcript, a rulebook, the operator's role and the hold
intervals in; findings with their evidence out.

Each finding is JSON-ready (``Finding.to_dict``): ``rule`` (the rule's id), ``kind``,
``passed``, ``applicable`` (false when the rule had nothing to judge, e.g. no hold or no
introduction; such a finding counts as passed), ``start`` / ``end`` (seconds: the matched
utterances, the scope looked at when nothing matched, or the hold), ``message`` and
``evidence`` (the utterances, each with speaker, start, end, text and the matched words),
``message_key`` and ``params`` (the message's entry in
:mod:`helpline.quality.findings_i18n` and what it quotes: ``message`` is its English
rendering, pages render it in the reader's language) and ``titles`` (the rule's title
per language).

How each kind decides is documented on its function below; phrases are matched by lemma
(:mod:`morphology`) within one utterance or across consecutive utterances of one speaker,
never across a change of speaker.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from helpline.quality.findings_i18n import render, scope_params
from helpline.quality.transcripts.errors import UnknownRole
from helpline.quality.transcripts.holds import HoldInterval
from helpline.quality.transcripts.model import Speaker, Transcript, Utterance
from helpline.quality.transcripts.morphology import (
    Match,
    Phrase,
    Token,
    find_phrase,
    lemmas,
    near,
    tokenize,
)
from helpline.quality.transcripts.names import CustomerName, find_customer_name
from helpline.quality.transcripts.rules_config import (
    CountRule,
    GreetingRule,
    HoldAnnouncementRule,
    HoldDurationRule,
    HoldThanksRule,
    MaxSilenceRule,
    NameUsageRule,
    NearRule,
    PhraseAbsentRule,
    PhrasePresentRule,
    Rule,
    Rulebook,
    Scope,
    SilenceResponseRule,
)

#: how far (s) an utterance may overlap a hold boundary and still count as before/after it
HOLD_EDGE_TOLERANCE_SECONDS = 2.0
_MAX_SCOPE_EVIDENCE = 3


@dataclass(frozen=True)
class Evidence:
    speaker: str
    start: float
    end: float
    text: str
    matched: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {"speaker": self.speaker, "start": self.start, "end": self.end,
                "text": self.text, "matched": self.matched}


@dataclass(frozen=True)
class Finding:
    rule: str
    kind: str
    passed: bool
    start: float
    end: float
    message: str
    evidence: tuple[Evidence, ...] = ()
    applicable: bool = True
    title: str = ""
    message_key: str = ""
    params: Mapping[str, Any] = field(default_factory=dict, hash=False)
    titles: Mapping[str, str] = field(default_factory=dict, hash=False)

    def to_dict(self) -> dict[str, Any]:
        return {"rule": self.rule, "kind": self.kind, "title": self.title,
                "passed": self.passed, "applicable": self.applicable,
                "start": self.start, "end": self.end, "message": self.message,
                "evidence": [e.to_dict() for e in self.evidence],
                "message_key": self.message_key, "params": dict(self.params),
                "titles": dict(self.titles)}


@dataclass(frozen=True)
class RulesReport:
    role: str
    channel: str
    findings: tuple[Finding, ...]
    rulebook: str = ""
    holds: tuple[HoldInterval, ...] = field(default=())

    @property
    def failed(self) -> tuple[Finding, ...]:
        return tuple(f for f in self.findings if not f.passed)

    def to_dict(self) -> dict[str, Any]:
        return {
            "role": self.role, "channel": self.channel, "rulebook": self.rulebook,
            "holds": [[h.start, h.end] for h in self.holds],
            "summary": {"findings": len(self.findings),
                        "passed": sum(f.passed for f in self.findings),
                        "failed": len(self.failed),
                        "not_applicable": sum(not f.applicable for f in self.findings)},
            "findings": [f.to_dict() for f in self.findings],
        }


# -- a stream of tokens over selected utterances ------------------------------------------
@dataclass(frozen=True)
class _Stream:
    """Tokens of some utterances in order; a barrier (None) wherever the speaker changes or
    an utterance of the transcript is skipped, so no phrase matches across it."""

    transcript: Transcript
    indices: tuple[int, ...]
    tokens: tuple[Token | None, ...]
    owners: tuple[int, ...]  # utterance index of each position (-1 for a barrier)
    seq: tuple[frozenset[str] | None, ...]

    @classmethod
    def of(cls, transcript: Transcript, indices: Sequence[int]) -> _Stream:
        tokens: list[Token | None] = []
        owners: list[int] = []
        previous: int | None = None
        for index in indices:
            utterance = transcript.utterances[index]
            if previous is not None and (
                    index != previous + 1
                    or transcript.utterances[previous].speaker is not utterance.speaker):
                tokens.append(None)
                owners.append(-1)
            for token in tokenize(utterance.text):
                tokens.append(token)
                owners.append(index)
            previous = index
        seq = tuple(None if t is None else lemmas(t.text) for t in tokens)
        return cls(transcript, tuple(indices), tuple(tokens), tuple(owners), seq)

    def find(self, phrases: Sequence[Phrase], slop: int) -> list[Match]:
        """Matches of any of the phrases, left to right; where two overlap (one phrase
        inside another, or two spellings of one word) the earlier, longer one is kept."""
        found: list[Match] = []
        for phrase in phrases:
            found.extend(find_phrase(phrase, self.seq, slop=slop))
        kept: list[Match] = []
        for match in sorted(found, key=lambda m: (m.start, -m.end)):
            if not kept or match.start >= kept[-1].end:
                kept.append(match)
        return kept

    def evidence(self, *matches: Match) -> tuple[Evidence, ...]:
        """One evidence item per utterance the matches touch; ``matched`` is the text from
        the first matched word to the last one in that utterance."""
        positions: dict[int, list[int]] = {}
        for match in matches:
            for p in range(match.start, match.end):
                if self.owners[p] >= 0:
                    positions.setdefault(self.owners[p], []).append(p)
        result = []
        for index in sorted(positions):
            first, last = self.tokens[min(positions[index])], self.tokens[max(positions[index])]
            assert first is not None and last is not None
            utterance = self.transcript.utterances[index]
            result.append(_evidence(utterance, utterance.text[first.start:last.end]))
        return tuple(result)


def _evidence(utterance: Utterance, matched: str | None = None) -> Evidence:
    return Evidence(utterance.speaker.value, utterance.start, utterance.end, utterance.text,
                    matched)


def _span(evidence: Sequence[Evidence], default: tuple[float, float]) -> tuple[float, float]:
    if not evidence:
        return default
    return min(e.start for e in evidence), max(e.end for e in evidence)


def select(transcript: Transcript, scope: Scope) -> list[int]:
    """Indices of the utterances a scope covers, in order."""
    indices = [i for i, u in enumerate(transcript.utterances)
               if scope.speaker == "any" or u.speaker.value == scope.speaker]
    if scope.first_utterances is not None:
        return indices[:scope.first_utterances]
    if scope.last_utterances is not None:
        return indices[-scope.last_utterances:]
    if scope.within_seconds is not None:
        a, b = scope.within_seconds
        return [i for i in indices if a <= transcript.utterances[i].start <= b]
    if scope.last_seconds is not None:
        since = transcript.duration_seconds - scope.last_seconds
        return [i for i in indices if transcript.utterances[i].start >= since]
    return indices


def _scope_span(transcript: Transcript, indices: Sequence[int]) -> tuple[float, float]:
    if not indices:
        return 0.0, transcript.duration_seconds
    return (transcript.utterances[indices[0]].start,
            max(transcript.utterances[i].end for i in indices))


def _scope_evidence(transcript: Transcript, indices: Sequence[int]) -> tuple[Evidence, ...]:
    return tuple(_evidence(transcript.utterances[i]) for i in indices[:_MAX_SCOPE_EVIDENCE])


def _texts(phrases: Sequence[Phrase]) -> list[str]:
    return [p.text for p in phrases]


def _scope(scope: Scope) -> dict[str, Any]:
    return scope_params(scope.speaker, first_utterances=scope.first_utterances,
                        last_utterances=scope.last_utterances,
                        within_seconds=scope.within_seconds, last_seconds=scope.last_seconds)


@dataclass(frozen=True)
class _Context:
    transcript: Transcript
    role: str
    holds: tuple[HoldInterval, ...]


def _finding(rule: Rule, passed: bool, span: tuple[float, float], key: str,
             params: Mapping[str, Any] | None = None, evidence: tuple[Evidence, ...] = (),
             applicable: bool = True) -> Finding:
    """A finding whose message is the catalogue's entry ``key`` (English) with ``params``."""
    values = dict(params or {})
    return Finding(rule.id, rule.kind, passed, span[0], span[1], render(key, values, "en"),
                   evidence, applicable, rule.title, key, values, dict(rule.titles))


# -- the kinds ----------------------------------------------------------------------------
def _phrase_present(rule: PhrasePresentRule, ctx: _Context) -> list[Finding]:
    """Passes when any of the phrases is said in the scope; evidence: the first match. With
    ``unless_customer_introduced``, a missing phrase is not applicable when the customer gave
    their name all the same."""
    indices = select(ctx.transcript, rule.scope)
    stream = _Stream.of(ctx.transcript, indices)
    matches = stream.find(rule.phrases, rule.slop)
    span = _scope_span(ctx.transcript, indices)
    if matches:
        evidence = stream.evidence(matches[0])
        return [_finding(rule, True, _span(evidence, span), "phrase_present.found",
                         {"scope": _scope(rule.scope)}, evidence)]
    if rule.unless_customer_introduced:
        name = find_customer_name(ctx.transcript)
        if name is not None:
            intro = ctx.transcript.utterances[name.utterance_index]
            return [_finding(rule, True, (intro.start, intro.end),
                             "phrase_present.customer_introduced", {},
                             (_evidence(intro, name.name),), applicable=False)]
    return [_finding(rule, False, span, "phrase_present.missing",
                     {"phrases": _texts(rule.phrases), "scope": _scope(rule.scope)},
                     _scope_evidence(ctx.transcript, indices))]


def _phrase_absent(rule: PhraseAbsentRule, ctx: _Context) -> list[Finding]:
    """One failing finding per occurrence of a phrase in the scope; one passing finding
    over the scope when there is none."""
    indices = select(ctx.transcript, rule.scope)
    stream = _Stream.of(ctx.transcript, indices)
    matches = stream.find(rule.phrases, rule.slop)
    span = _scope_span(ctx.transcript, indices)
    if not matches:
        return [_finding(rule, True, span, "phrase_absent.none",
                         {"phrases": _texts(rule.phrases), "scope": _scope(rule.scope)})]
    findings = []
    for match in matches:
        evidence = stream.evidence(match)
        findings.append(_finding(rule, False, _span(evidence, span), "phrase_absent.found",
                                 {"matched": evidence[0].matched}, evidence))
    return findings


def _near(rule: NearRule, ctx: _Context) -> list[Finding]:
    """X and Y with at most ``within_words`` words between them (in one utterance or a run
    of one speaker's consecutive utterances); ``expect = "absent"`` inverts the rule."""
    indices = select(ctx.transcript, rule.scope)
    stream = _Stream.of(ctx.transcript, indices)
    pairs = []
    for x in rule.x:
        for y in rule.y:
            pairs.extend(near(stream.seq, x, y, within_words=rule.within_words,
                              ordered=rule.ordered))
    pairs.sort(key=lambda p: (min(p[0].start, p[1].start), -max(p[0].end, p[1].end)))
    distinct: list[tuple[Match, Match]] = []
    for pair in pairs:  # one pair per stretch of words, whichever phrases matched there
        if not distinct or min(pair[0].start, pair[1].start) >= max(distinct[-1][0].end,
                                                                   distinct[-1][1].end):
            distinct.append(pair)
    pairs = distinct
    span = _scope_span(ctx.transcript, indices)
    what = {"what": "near.what_ordered" if rule.ordered else "near.what",
            "x": _texts(rule.x), "y": _texts(rule.y), "within_words": rule.within_words}
    if rule.expect == "present":
        if pairs:
            evidence = stream.evidence(*pairs[0])
            return [_finding(rule, True, _span(evidence, span), "near.found", what,
                             evidence)]
        return [_finding(rule, False, span, "near.missing",
                         {**what, "scope": _scope(rule.scope)},
                         _scope_evidence(ctx.transcript, indices))]
    if not pairs:
        return [_finding(rule, True, span, "near.none", what)]
    findings = []
    for pair in pairs:
        evidence = stream.evidence(*pair)
        findings.append(_finding(rule, False, _span(evidence, span), "near.found", what,
                                 evidence))
    return findings


def _bounds(low: int | None, high: int | None) -> str:
    if low is not None and high is not None:
        return "count.range"
    return "count.at_least" if low is not None else "count.at_most"


def _count(rule: CountRule, ctx: _Context) -> list[Finding]:
    """Occurrences of the phrases in the scope, between ``min`` and ``max``."""
    indices = select(ctx.transcript, rule.scope)
    stream = _Stream.of(ctx.transcript, indices)
    matches = stream.find(rule.phrases, rule.slop)
    count = len(matches)
    passed = (rule.min is None or count >= rule.min) and (rule.max is None or count <= rule.max)
    evidence = stream.evidence(*matches)
    return [_finding(rule, passed, _span(evidence, _scope_span(ctx.transcript, indices)),
                     "count.result", {"count": count, "min": rule.min, "max": rule.max,
                                      "bounds": _bounds(rule.min, rule.max)}, evidence)]


def _name_usage(rule: NameUsageRule, ctx: _Context) -> list[Finding]:
    """The customer's first name (from their introduction) said by the agent at least
    ``min`` times after the introduction. Not applicable when the customer gave no name."""
    name = find_customer_name(ctx.transcript, introductions=rule.introductions,
                              questions=rule.questions)
    if name is None:
        return [_finding(rule, True, (0.0, ctx.transcript.duration_seconds),
                         "name_usage.no_name", applicable=False)]
    uses = _name_uses(ctx.transcript, name, rule.speaker)
    intro = ctx.transcript.utterances[name.utterance_index]
    evidence = (_evidence(intro, name.name), *uses)
    passed = len(uses) >= rule.min
    return [_finding(rule, passed, _span(evidence, (intro.start, intro.end)),
                     "name_usage.used", {"name": name.name, "uses": len(uses),
                                         "speaker": rule.speaker, "min": rule.min},
                     evidence)]


def _name_uses(transcript: Transcript, name: CustomerName, speaker: str) -> list[Evidence]:
    uses = []
    for utterance in transcript.utterances[name.utterance_index + 1:]:
        if utterance.speaker.value != speaker:
            continue
        for token in tokenize(utterance.text):
            if name.matches(token.text):
                uses.append(_evidence(utterance, token.text))
    return uses


def check_role(rulebook: Rulebook, role: str) -> None:
    """Raise :class:`UnknownRole` unless the rulebook's greetings know ``role``."""
    roles = rulebook.roles
    if roles and role not in roles:
        raise UnknownRole(f"unknown operator role {role!r}; the rulebook knows: "
                          f"{', '.join(roles)}", field="role", allowed=list(roles))


def _greeting(rule: GreetingRule, ctx: _Context) -> list[Finding]:
    """The agent's first ``first_utterances`` utterances hold the greeting of their role;
    when another role's greeting is used instead, the message says which."""
    indices = select(ctx.transcript, Scope("agent", first_utterances=rule.first_utterances))
    stream = _Stream.of(ctx.transcript, indices)
    span = _scope_span(ctx.transcript, indices)
    expected = rule.roles.get(ctx.role, ())
    matches = stream.find(expected, rule.slop)
    if matches:
        evidence = stream.evidence(matches[0])
        return [_finding(rule, True, _span(evidence, span), "greeting.ok",
                         {"role": ctx.role}, evidence)]
    other = [r for r, phrases in rule.roles.items()
             if r != ctx.role and stream.find(phrases, rule.slop)]
    return [_finding(rule, False, span, "greeting.missing",
                     {"role": ctx.role, "expected": _texts(expected), "others": other,
                      "hint": "greeting.other_role" if other else None},
                     _scope_evidence(ctx.transcript, indices))]


def _no_holds(rule: Rule, ctx: _Context) -> list[Finding]:
    return [_finding(rule, True, (0.0, ctx.transcript.duration_seconds), "hold.none",
                     applicable=False)]


def _agent_between(transcript: Transcript, low: float, high: float) -> list[int]:
    return [i for i, u in enumerate(transcript.utterances)
            if u.speaker is Speaker.AGENT and low <= u.start <= high]


def _hold_announcement(rule: HoldAnnouncementRule, ctx: _Context) -> list[Finding]:
    """Before each hold, in the agent's utterances starting within ``window_seconds`` before
    it (and after the previous hold), the purpose, the time and then the consent question:
    the consent must come after the purpose and the time («…займёт не более минуты.
    Оставайтесь, пожалуйста, на линии. Хорошо?»)."""
    if not ctx.holds:
        return _no_holds(rule, ctx)
    findings = []
    previous_end = 0.0
    for hold in ctx.holds:
        low = max(previous_end, hold.start - rule.window_seconds)
        indices = _agent_between(ctx.transcript, low, hold.start + HOLD_EDGE_TOLERANCE_SECONDS)
        previous_end = hold.end
        stream = _Stream.of(ctx.transcript, indices)
        purpose = stream.find(rule.purpose, rule.slop)
        time = stream.find(rule.time, rule.slop)
        after = max([m.end for m in (purpose[:1] + time[:1])], default=0)
        consent = [m for m in stream.find(rule.consent, rule.slop) if m.start >= after]
        missing = [name for name, found in (("purpose", purpose), ("time", time),
                                            ("consent", consent)) if not found]
        used = [m for m in (purpose[:1] + time[:1] + consent[:1])]
        evidence = stream.evidence(*used) if used else _scope_evidence(ctx.transcript, indices)
        key = "hold_announcement.missing" if missing else "hold_announcement.ok"
        findings.append(_finding(rule, not missing, (low, hold.start), key,
                                 {"hold_start": hold.start, "missing": missing}, evidence))
    return findings


def _hold_thanks(rule: HoldThanksRule, ctx: _Context) -> list[Finding]:
    """After each hold, the agent thanks the customer for waiting in an utterance starting
    within ``within_seconds`` of the hold's end."""
    if not ctx.holds:
        return _no_holds(rule, ctx)
    findings = []
    for hold in ctx.holds:
        indices = _agent_between(ctx.transcript, hold.end - HOLD_EDGE_TOLERANCE_SECONDS,
                                 hold.end + rule.within_seconds)
        stream = _Stream.of(ctx.transcript, indices)
        matches = stream.find(rule.phrases, rule.slop)
        window = (hold.end, hold.end + rule.within_seconds)
        if matches:
            evidence = stream.evidence(matches[0])
            findings.append(_finding(rule, True, _span(evidence, window), "hold_thanks.ok",
                                     {"hold_end": hold.end}, evidence))
        else:
            findings.append(_finding(
                rule, False, window, "hold_thanks.missing",
                {"phrases": _texts(rule.phrases), "within": rule.within_seconds,
                 "hold_end": hold.end}, _scope_evidence(ctx.transcript, indices)))
    return findings


def _hold_duration(rule: HoldDurationRule, ctx: _Context) -> list[Finding]:
    """Each hold ends (the agent comes back) within the role's limit: 120 s, 180 s for a
    senior specialist in the default rulebook."""
    if not ctx.holds:
        return _no_holds(rule, ctx)
    limit = rule.limit_seconds(ctx.role)
    return [_finding(rule, hold.duration_seconds <= limit, (hold.start, hold.end),
                     "hold_duration.result", {"duration": hold.duration_seconds,
                                              "limit": limit, "role": ctx.role})
            for hold in ctx.holds]


def _subtract(low: float, high: float, holds: Sequence[HoldInterval]) -> list[tuple[float, float]]:
    pieces = [(low, high)]
    for hold in holds:
        next_pieces = []
        for a, b in pieces:
            if hold.end <= a or hold.start >= b:
                next_pieces.append((a, b))
                continue
            if hold.start > a:
                next_pieces.append((a, hold.start))
            if hold.end < b:
                next_pieces.append((hold.end, b))
        pieces = next_pieces
    return pieces


def _max_silence(rule: MaxSilenceRule, ctx: _Context) -> list[Finding]:
    """Nobody speaks for longer than ``max_seconds`` outside a hold (seed 004: no pause over
    10 s without putting the call on hold). One failing finding per such silence."""
    utterances = ctx.transcript.utterances
    findings = []
    covered_until: float | None = None
    before: Utterance | None = None
    for utterance in utterances:
        if covered_until is not None and before is not None and utterance.start > covered_until:
            for a, b in _subtract(covered_until, utterance.start, ctx.holds):
                if b - a > rule.max_seconds:
                    findings.append(_finding(
                        rule, False, (a, b), "max_silence.failed",
                        {"duration": round(b - a, 3), "limit": rule.max_seconds},
                        (_evidence(before), _evidence(utterance))))
        if covered_until is None or utterance.end >= covered_until:
            covered_until, before = utterance.end, utterance
    if findings:
        return findings
    return [_finding(rule, True, (0.0, ctx.transcript.duration_seconds),
                     "max_silence.passed", {"limit": rule.max_seconds})]


def _silence_response(rule: SilenceResponseRule, ctx: _Context) -> list[Finding]:
    """When the customer is silent for ``after_seconds`` after the agent's greeting, the
    agent says «Вас не слышно, говорите, пожалуйста» (or another of the phrases) before the
    customer speaks. Not applicable when the customer answers in time."""
    utterances = ctx.transcript.utterances
    agent = [i for i, u in enumerate(utterances) if u.speaker is Speaker.AGENT]
    if not agent:
        return [_finding(rule, True, (0.0, ctx.transcript.duration_seconds),
                         "silence_response.no_agent", applicable=False)]
    greeting = utterances[agent[0]]
    answers = [u.start for u in utterances
               if u.speaker is Speaker.CUSTOMER and u.start >= greeting.start]
    silence_until = answers[0] if answers else ctx.transcript.duration_seconds
    if silence_until - greeting.end < rule.after_seconds:
        return [_finding(rule, True, (greeting.end, silence_until),
                         "silence_response.answered", applicable=False)]
    indices = [i for i in agent[1:] if greeting.end <= utterances[i].start < silence_until]
    stream = _Stream.of(ctx.transcript, indices)
    matches = stream.find(rule.phrases, rule.slop)
    span = (greeting.end, silence_until)
    if matches:
        evidence = stream.evidence(matches[0])
        return [_finding(rule, True, span, "silence_response.ok", {}, evidence)]
    return [_finding(rule, False, span, "silence_response.failed",
                     {"silence": round(silence_until - greeting.end, 3),
                      "phrases": _texts(rule.phrases)},
                     (_evidence(greeting), *_scope_evidence(ctx.transcript, indices)))]


_EVALUATORS: dict[type, Callable[[Any, _Context], list[Finding]]] = {
    PhrasePresentRule: _phrase_present,
    PhraseAbsentRule: _phrase_absent,
    NearRule: _near,
    CountRule: _count,
    NameUsageRule: _name_usage,
    GreetingRule: _greeting,
    HoldAnnouncementRule: _hold_announcement,
    HoldThanksRule: _hold_thanks,
    HoldDurationRule: _hold_duration,
    MaxSilenceRule: _max_silence,
    SilenceResponseRule: _silence_response,
}


def evaluate(transcript: Transcript, rulebook: Rulebook, *, role: str = "agent",
             holds: Sequence[HoldInterval] = ()) -> RulesReport:
    """Run every rule that applies to the transcript's channel. Findings are ordered by
    start time, then by the rule's place in the rulebook."""
    check_role(rulebook, role)
    ordered_holds = tuple(sorted(holds, key=lambda h: (h.start, h.end)))
    ctx = _Context(transcript, role, ordered_holds)
    keyed: list[tuple[float, int, int, Finding]] = []
    for position, rule in enumerate(rulebook.rules):
        if transcript.channel not in rule.channels:
            continue
        for k, finding in enumerate(_EVALUATORS[type(rule)](rule, ctx)):
            keyed.append((finding.start, position, k, finding))
    keyed.sort(key=lambda item: item[:3])
    return RulesReport(role, transcript.channel, tuple(item[3] for item in keyed),
                       rulebook.name, ordered_holds)
