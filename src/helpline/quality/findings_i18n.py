"""Finding texts in Russian and English: a message catalogue keyed by rule kind, rendered
from a finding's stable key and parameters (pure: no I/O, no framework).

A finding keeps what a machine needs — ``rule``, ``kind``, ``passed``, ``start`` /
``end``, ``measured`` / ``limit`` — plus ``message_key`` (an entry of :data:`CATALOGUE`,
e.g. ``dead_air.failed``) and ``params`` (the numbers and words the text quotes, JSON-ready).
Its ``message`` is :func:`render` of those in English, so what the engines wrote before
(and the CLI prints) is unchanged; pages and the API render the same key and params in
the reader's language at display time (:func:`localize_findings`).

**Templates.** ``{name}`` is the parameter as is (a float as Python prints it); after a
colon a format:

* a number format (``.1f``, ``g``): Python's, with a decimal comma in Russian
  («12,3 с»);
* ``mmss`` — seconds as ``m:ss``;
* ``quote`` — a phrase or a list of phrases in «…», comma-separated;
* ``plural:one|few|many`` — the number and the noun in the right form (English:
  ``one|other``);
* ``term:ns`` / ``terms:ns`` — the value (or each value of a list) looked up as the
  catalogue entry ``ns.<value>``; an unknown value is shown as it is (a custom role);
* ``msg`` — the value names another entry, rendered with the same parameters (optional
  parts: an empty value renders nothing);
* ``scope`` — a rule's scope (``{"speaker", "first_utterances" | …}``) in words.

**Titles.** A transcript rule's title comes from the rulebook (``title = {ru, en}``),
kept with the finding as ``titles``; the audio rules' titles and a generic title per
rule kind (for a rulebook without a translation) are ``title.<kind>`` here.

**Stored findings from before** ``message_key`` existed render from what was stored:
the audio rules from their numbers (:func:`legacy_message`), everything else keeps the
stored English text.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from typing import Any

LANGUAGES = ("ru", "en")
DEFAULT_LANGUAGE = "ru"

#: rules of the audio analysis (their ``kind`` is the rule id)
AUDIO_KINDS = ("dead_air", "hold_return", "no_interruption", "response_latency",
               "talk_listen_ratio")

Params = Mapping[str, Any]


class MessageError(KeyError):
    """A key the catalogue does not know, or a parameter its template needs is missing."""


def _e(ru: str, en: str) -> dict[str, str]:
    return {"ru": ru, "en": en}


CATALOGUE: dict[str, dict[str, str]] = {
    # -- titles: the audio rules, and a generic title per transcript rule kind ---------
    "title.dead_air": _e("Нет тишины в эфире без удержания (запись)",
                         "No dead air outside holds (audio)"),
    "title.hold_return": _e("Своевременный возврат с удержания (запись)",
                            "Back from hold in time (audio)"),
    "title.no_interruption": _e("Оператор не перебивает клиента",
                                "The agent does not interrupt"),
    "title.response_latency": _e("Оператор отвечает без долгой паузы",
                                 "The agent answers without a long pause"),
    "title.talk_listen_ratio": _e("Соотношение речи оператора и клиента",
                                  "Talk/listen ratio"),
    "title.phrase_present": _e("Обязательная фраза", "Required phrase"),
    "title.phrase_absent": _e("Запрещённая фраза", "Forbidden phrase"),
    "title.near": _e("Слова рядом друг с другом", "Words near each other"),
    "title.count": _e("Число упоминаний", "How often a phrase is said"),
    "title.name_usage": _e("Обращение к клиенту по имени", "The customer's name used"),
    "title.greeting": _e("Приветствие по роли", "Greeting of the operator's role"),
    "title.hold_announcement": _e("Предупреждение перед удержанием",
                                  "The hold announced"),
    "title.hold_thanks": _e("Благодарность за ожидание после удержания",
                            "Thanks for waiting after the hold"),
    "title.hold_duration": _e("Длительность удержания", "Hold duration"),
    "title.max_silence": _e("Нет долгих пауз без удержания", "No long silence without hold"),
    "title.silence_response": _e("Ответ на тишину после приветствия",
                                 "Answer to silence after the greeting"),

    # -- audio ----------------------------------------------------------------------------
    "dead_air.failed": _e(
        "тишина в эфире {duration:.1f} с без удержания{where:msg} "
        "(норматив — до {limit:g} с){held:msg}",
        "both sides silent {duration:.1f} s without hold{where:msg} (limit {limit:g} s)"
        "{held:msg}"),
    "dead_air.at_start": _e(" в начале записи", " at the start of the recording"),
    "dead_air.at_end": _e(" в конце записи", " at the end of the recording"),
    "dead_air.held": _e("; ещё {on_hold:.1f} с паузы пришлись на удержание",
                        "; {on_hold:.1f} s of the gap on hold"),
    "dead_air.passed": _e("нет тишины дольше {limit:g} с вне удержаний",
                          "no silence over {limit:g} s outside holds"),
    "hold_return.late": _e(
        "удержание {n}: {duration:mmss}, возврат с опозданием{for_role:msg}{open:msg}",
        "hold {n}: {duration:mmss}, returned late{for_role:msg}{open:msg}"),
    "hold_return.in_time": _e(
        "удержание {n}: {duration:mmss}, возврат вовремя{for_role:msg}{open:msg}",
        "hold {n}: {duration:mmss}, returned in time{for_role:msg}{open:msg}"),
    "hold_return.limit_role": _e(" (норматив — до {limit:mmss} для роли «{role:term:role}»)",
                                 " (limit {limit:mmss} for role {role})"),
    "hold_return.limit": _e(" (норматив — до {limit:mmss})", " (limit {limit:mmss})"),
    "hold_return.open_ended": _e(" (снятия с удержания нет: считается до конца записи)",
                                 " (no unhold: counted to the end of the recording)"),
    "no_interruption.failed": _e(
        "оператор заговорил, перебив клиента; одновременная речь {duration:.1f} с",
        "agent started speaking while the customer spoke; both spoke {duration:.1f} s"),
    "no_interruption.passed": _e(
        "оператор никого не перебил (одновременная речь по инициативе клиента или обоих: "
        "{others:plural:эпизод|эпизода|эпизодов})",
        "the agent interrupted nobody ({others} over-talk episode(s) started by the "
        "customer or by both)"),
    "no_interruption.nobody": _e("оператор никого не перебил",
                                 "the agent interrupted nobody"),
    "response_latency.failed": _e(
        "оператор ответил через {latency:.1f} с после реплики клиента "
        "(норматив — до {limit:g} с)",
        "agent answered {latency:.1f} s after the customer stopped (limit {limit:g} s)"),
    "response_latency.passed": _e(
        "самый долгий ответ — {worst:.1f} с, всего {turns:plural:ответ|ответа|ответов} "
        "(норматив — до {limit:g} с)",
        "longest response {worst:.1f} s over {turns} turn(s) (limit {limit:g} s)"),
    "response_latency.longest": _e(
        "самый долгий ответ — {worst:.1f} с (норматив — до {limit:g} с)",
        "longest response {worst:.1f} s (limit {limit:g} s)"),
    "response_latency.no_turns": _e(
        "оператор не отвечал на реплики клиента (норматив — до {limit:g} с)",
        "no customer-to-agent turn found (limit {limit:g} s)"),
    "talk_listen_ratio.result": _e(
        "оператор говорил {agent_s} с, клиент — {customer_s} с: соотношение {ratio} "
        "(норматив — не более {limit:g})",
        "agent spoke {agent_s} s, customer {customer_s} s: ratio {ratio} (limit {limit:g})"),
    "talk_listen_ratio.ratio": _e("соотношение речи {ratio} (норматив — не более {limit:g})",
                                  "ratio {ratio} (limit {limit:g})"),

    # -- transcript rules -------------------------------------------------------------------
    "phrase_present.found": _e("прозвучало {scope:scope}", "said in {scope:scope}"),
    "phrase_present.customer_introduced": _e(
        "не спросил, но клиент представился сам",
        "not asked, but the customer gave their name"),
    "phrase_present.missing": _e("не прозвучало {scope:scope}: {phrases:quote}",
                                 "none of {phrases:quote} in {scope:scope}"),
    "phrase_absent.none": _e("ни разу не прозвучало {scope:scope}: {phrases:quote}",
                             "none of {phrases:quote} in {scope:scope}"),
    "phrase_absent.found": _e("прозвучало запрещённое «{matched}»",
                              "forbidden «{matched}» said"),
    "near.found": _e("найдено: {what:msg}", "found {what:msg}"),
    "near.missing": _e("не найдено {scope:scope}: {what:msg}",
                       "no {what:msg} in {scope:scope}"),
    "near.none": _e("не найдено: {what:msg}", "no {what:msg}"),
    "near.what": _e(
        "{x:quote} рядом с {y:quote} (не дальше {within_words:plural:слова|слов|слов})",
        "{x:quote} within {within_words} words of {y:quote}"),
    "near.what_ordered": _e(
        "{x:quote} перед {y:quote} (не дальше {within_words:plural:слова|слов|слов})",
        "{x:quote} within {within_words} words before {y:quote}"),
    "count.result": _e("прозвучало {count:plural:раз|раза|раз}, нужно {bounds:msg}",
                       "{count} time(s), expected {bounds:msg}"),
    "count.range": _e("от {min} до {max}", "{min}..{max}"),
    "count.at_least": _e("не менее {min}", "at least {min}"),
    "count.at_most": _e("не более {max}", "at most {max}"),
    "name_usage.no_name": _e("клиент не представился",
                             "the customer did not introduce themselves"),
    "name_usage.used": _e(
        "в речи {speaker:term:speaker} имя «{name}» прозвучало "
        "{uses:plural:раз|раза|раз}, нужно не менее {min}",
        "name «{name}» used {uses} time(s) by the {speaker}, expected at least {min}"),
    "greeting.ok": _e("приветствие роли «{role:term:role}»", "greeting of role {role}"),
    "greeting.missing": _e(
        "нет приветствия роли «{role:term:role}»: {expected:quote}{hint:msg}",
        "expected the greeting of role {role}: {expected:quote}{hint:msg}"),
    "greeting.other_role": _e("; прозвучало приветствие роли «{others:terms:role}»",
                              "; it is the greeting of role {others}"),
    "hold.none": _e("удержания не было", "no hold"),
    "hold_announcement.ok": _e(
        "перед удержанием в {hold_start:g} с: цель, время и согласие",
        "before the hold at {hold_start:g} s: purpose, time and consent"),
    "hold_announcement.missing": _e(
        "перед удержанием в {hold_start:g} с не хватает: {missing:terms:part}",
        "before the hold at {hold_start:g} s: missing {missing:terms:part}"),
    "hold_thanks.ok": _e(
        "поблагодарил за ожидание после удержания, закончившегося в {hold_end:g} с",
        "thanked after the hold ending at {hold_end:g} s"),
    "hold_thanks.missing": _e(
        "за {within:g} с после удержания, закончившегося в {hold_end:g} с, не прозвучало: "
        "{phrases:quote}",
        "no {phrases:quote} within {within:g} s after the hold ending at {hold_end:g} s"),
    "hold_duration.result": _e(
        "удержание {duration:g} с, норматив — до {limit:g} с для роли «{role:term:role}»",
        "hold of {duration:g} s, limit {limit:g} s for role {role}"),
    "max_silence.failed": _e(
        "тишина в эфире {duration:g} с без удержания (норматив — до {limit:g} с)",
        "{duration:g} s of silence without hold (limit {limit:g} s)"),
    "max_silence.passed": _e("нет тишины дольше {limit:g} с вне удержаний",
                             "no silence over {limit:g} s outside holds"),
    "silence_response.no_agent": _e("оператор ничего не сказал", "the agent did not speak"),
    "silence_response.answered": _e("клиент ответил на приветствие",
                                    "the customer answered the greeting"),
    "silence_response.ok": _e("оператор ответил на тишину по стандарту",
                              "the agent answered the silence as the standard says"),
    "silence_response.failed": _e(
        "после приветствия {silence:g} с тишины, и не прозвучало: {phrases:quote}",
        "{silence:g} s of silence after the greeting and none of {phrases:quote}"),

    # -- scopes (``{scope:scope}``) ----------------------------------------------------------
    "scope.first": _e("в первых {first_utterances} репликах {speaker:term:speaker}",
                      "the first {first_utterances} utterance(s) of {speaker:term:the}"),
    "scope.first_one": _e("в первой реплике {speaker:term:speaker}",
                          "the first 1 utterance(s) of {speaker:term:the}"),
    "scope.last": _e("в последних {last_utterances} репликах {speaker:term:speaker}",
                     "the last {last_utterances} utterance(s) of {speaker:term:the}"),
    "scope.last_one": _e("в последней реплике {speaker:term:speaker}",
                         "the last 1 utterance(s) of {speaker:term:the}"),
    "scope.within": _e("в репликах {speaker:term:speaker} с {from:g} по {to:g} с",
                       "what {speaker:term:the} said between {from:g} s and {to:g} s"),
    "scope.last_seconds": _e(
        "в репликах {speaker:term:speaker} за последние {last_seconds:g} с",
        "what {speaker:term:the} said in the last {last_seconds:g} s"),
    "scope.all": _e("в репликах {speaker:term:speaker}",
                    "everything {speaker:term:the} said"),

    # -- terms (``{x:term:ns}``) ------------------------------------------------------------
    # Russian: the genitive («в репликах оператора»); English: the plain word
    "speaker.agent": _e("оператора", "agent"),
    "speaker.customer": _e("клиента", "customer"),
    "speaker.any": _e("обеих сторон", "anyone"),
    "the.agent": _e("оператор", "the agent"),
    "the.customer": _e("клиент", "the customer"),
    "the.any": _e("обе стороны", "anyone"),
    "role.agent": _e("специалист", "agent"),
    "role.senior": _e("старший специалист", "senior"),
    "role.paid_line": _e("платное направление", "paid_line"),
    "role.supervisor": _e("супервизор", "supervisor"),
    "role.ookk": _e("специалист ООКК", "ookk"),
    "part.purpose": _e("цели", "purpose"),
    "part.time": _e("времени ожидания", "time"),
    "part.consent": _e("вопроса о согласии", "consent asked"),

    # -- scorecards: why an item got its automatic value ------------------------------------
    "scorecard.manual": _e("ручной пункт: оценивает специалист QA",
                           "manual item: scored by the QA specialist"),
    "scorecard.no_findings_na": _e("нет проверок по правилам {rules}",
                                   "no finding of {rules}"),
    "scorecard.no_findings_manual": _e(
        "нет проверок по правилам {rules}: оценивает специалист QA",
        "no finding of {rules}: scored by the QA specialist"),
    "scorecard.failed": _e(
        "не выполнено: {failed} из {applicable:plural:применимой проверки|"
        "применимых проверок|применимых проверок}",
        "{failed} of {applicable} applicable finding(s) failed"),
    "scorecard.passed": _e(
        "{applicable:plural:применимая проверка|применимые проверки|применимых проверок}, "
        "все выполнены",
        "{applicable} applicable finding(s), all passed"),
    "scorecard.not_applicable": _e(
        "проверок: {count}, применимых среди них нет",
        "{count} finding(s), none applicable"),
}

_FIELD = re.compile(r"\{([A-Za-z_][A-Za-z0-9_]*)(?::([^{}]*))?\}")


def check_language(language: str | None) -> str:
    """``ru`` or ``en``; anything else is the default, Russian."""
    return language if language is not None and language in LANGUAGES else DEFAULT_LANGUAGE


def has(key: str) -> bool:
    return key in CATALOGUE


def render(key: str, params: Params | None, language: str) -> str:
    """The entry ``key`` in ``language`` with ``params`` filled in (:class:`MessageError`
    for an unknown key or a missing parameter)."""
    lang = check_language(language)
    try:
        template = CATALOGUE[key][lang]
    except KeyError:
        raise MessageError(f"no message {key!r} in {lang}") from None
    values = params or {}
    return _FIELD.sub(lambda m: _field(key, m.group(1), m.group(2) or "", values, lang),
                      template)


def _field(key: str, name: str, spec: str, params: Params, lang: str) -> str:
    if name not in params:
        raise MessageError(f"message {key!r} needs the parameter {name!r}")
    value = params[name]
    head, _, rest = spec.partition(":")
    if head == "msg":
        return render(str(value), params, lang) if value else ""
    if head == "scope":
        return _scope(value, lang)
    if head == "quote":
        items = [value] if isinstance(value, str) else list(value)
        return ", ".join(f"«{item}»" for item in items)
    if head == "term":
        return _term(rest, value, lang)
    if head == "terms":
        items = [value] if isinstance(value, str) else list(value)
        return ", ".join(_term(rest, item, lang) for item in items)
    if head == "plural":
        return f"{_plain(value, lang)} {plural(int(value), rest.split('|'), lang)}"
    if head == "mmss":
        return _mmss(float(value))
    if spec:
        return _decimal(format(value, spec), lang)
    return _plain(value, lang)


def _decimal(text: str, lang: str) -> str:
    return text.replace(".", ",") if lang == "ru" else text


def _plain(value: Any, lang: str) -> str:
    if isinstance(value, bool) or value is None:
        return str(value)
    if isinstance(value, float):
        return _decimal(str(value), lang)
    if isinstance(value, list | tuple):
        return ", ".join(_plain(v, lang) for v in value)
    return str(value)


def _mmss(seconds: float) -> str:
    total = round(seconds)
    return f"{total // 60}:{total % 60:02d}"


def _term(namespace: str, value: Any, lang: str) -> str:
    entry = CATALOGUE.get(f"{namespace}.{value}")
    return entry[lang] if entry is not None else str(value)


def plural(n: int, forms: Sequence[str], lang: str) -> str:
    """The noun form for ``n``: Russian ``one|few|many`` (1, 2–4, 5–20 and 11–14),
    English ``one|other``."""
    if lang == "ru" and len(forms) == 3:
        if n % 10 == 1 and n % 100 != 11:
            return forms[0]
        if 2 <= n % 10 <= 4 and not 12 <= n % 100 <= 14:
            return forms[1]
        return forms[2]
    return forms[0] if n == 1 or len(forms) == 1 else forms[1]


def scope_params(speaker: str, *, first_utterances: int | None = None,
                 last_utterances: int | None = None,
                 within_seconds: tuple[float, float] | None = None,
                 last_seconds: float | None = None) -> dict[str, Any]:
    """A scope as message parameters (what ``{scope:scope}`` reads)."""
    out: dict[str, Any] = {"speaker": speaker}
    if first_utterances is not None:
        out["first_utterances"] = first_utterances
    elif last_utterances is not None:
        out["last_utterances"] = last_utterances
    elif within_seconds is not None:
        out["from"], out["to"] = within_seconds
    elif last_seconds is not None:
        out["last_seconds"] = last_seconds
    return out


def _scope(value: Any, lang: str) -> str:
    scope: Params = value if isinstance(value, Mapping) else {"speaker": "agent"}
    if "first_utterances" in scope:
        key = "scope.first_one" if scope["first_utterances"] == 1 else "scope.first"
    elif "last_utterances" in scope:
        key = "scope.last_one" if scope["last_utterances"] == 1 else "scope.last"
    elif "from" in scope:
        key = "scope.within"
    elif "last_seconds" in scope:
        key = "scope.last_seconds"
    else:
        key = "scope.all"
    return render(key, scope, lang)


# -- findings at display time -----------------------------------------------------------
def kind_title(kind: str, language: str) -> str | None:
    entry = CATALOGUE.get(f"title.{kind}")
    return entry[check_language(language)] if entry is not None else None


def finding_title(finding: Mapping[str, Any], language: str) -> str:
    """The rule's own title in ``language`` (the rulebook's ``titles``), else the title
    of its kind here, else any title it has, else the rule id."""
    lang = check_language(language)
    titles = finding.get("titles")
    titles = titles if isinstance(titles, Mapping) else {}
    own = titles.get(lang)
    if isinstance(own, str) and own:
        return own
    generic = kind_title(str(finding.get("kind") or finding.get("rule")), lang)
    if generic is not None:
        return generic
    for text in (*titles.values(), finding.get("title")):
        if isinstance(text, str) and text:
            return text
    return str(finding.get("rule", ""))


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value)


def legacy_message(finding: Mapping[str, Any], *, ordinal: int = 1,
                   role: str | None = None) -> tuple[str, dict[str, Any]] | None:
    """Key and parameters for an audio finding stored before findings kept them, from its
    rule, result and numbers (``ordinal``: the hold's number among the contact's holds,
    ``role``: the analysis' operator role); None when they do not say enough."""
    rule, passed = finding.get("rule"), bool(finding.get("passed"))
    measured, limit = _number(finding.get("measured")), _number(finding.get("limit"))
    if finding.get("source", "audio") != "audio" or limit is None:
        return None
    if rule == "dead_air":
        if passed:
            return "dead_air.passed", {"limit": limit}
        if measured is None:
            return None
        at_start = _number(finding.get("start")) == 0.0
        return "dead_air.failed", {"duration": measured, "limit": limit, "held": None,
                                   "where": "dead_air.at_start" if at_start else None}
    if rule == "hold_return" and measured is not None:
        return ("hold_return.in_time" if passed else "hold_return.late",
                {"n": ordinal, "duration": measured, "limit": limit, "role": role,
                 "for_role": "hold_return.limit_role" if role else "hold_return.limit",
                 "open": None})
    if rule == "no_interruption":
        if passed:
            return "no_interruption.nobody", {}
        if measured is None:
            return None
        return "no_interruption.failed", {"duration": measured}
    if rule == "response_latency":
        if not passed and measured is not None:
            return "response_latency.failed", {"latency": measured, "limit": limit}
        if passed and measured is not None:
            return "response_latency.longest", {"worst": measured, "limit": limit}
        return ("response_latency.no_turns", {"limit": limit}) if passed else None
    if rule == "talk_listen_ratio" and measured is not None:
        return "talk_listen_ratio.ratio", {"ratio": measured, "limit": limit}
    return None


def finding_message(finding: Mapping[str, Any], language: str, *, ordinal: int = 1,
                    role: str | None = None) -> str:
    """The finding's message in ``language``: from its key and parameters; for a finding
    stored without them, from its numbers (audio) — in English the stored text is kept
    then, it is the original; else (an unknown key) the stored text."""
    lang = check_language(language)
    stored = str(finding.get("message") or "")
    key, params = finding.get("message_key"), finding.get("params")
    if not (isinstance(key, str) and key):
        if lang == "en" and stored:
            return stored
        derived = legacy_message(finding, ordinal=ordinal, role=role)
        if derived is None:
            return stored
        key, params = derived
    if not has(key):
        return stored
    try:
        return render(key, params if isinstance(params, Mapping) else {}, lang)
    except (MessageError, TypeError, ValueError):
        return stored


def localize_findings(findings: Sequence[Mapping[str, Any]], language: str, *,
                      role: str | None = None,
                      titles: Callable[[Mapping[str, Any]], Mapping[str, str] | None]
                      | None = None) -> list[dict[str, Any]]:
    """Each finding (the stored / API dict) with ``title`` and ``message`` in
    ``language``; ``rule``, ``kind``, ``message_key``, ``params``, the numbers and the
    evidence stay. An audio finding's measurement (its evidence without a speaker) is the
    message again. ``titles`` supplies the rule titles of a finding stored without them;
    ``role`` is the analysis' operator role (for findings stored without parameters)."""
    lang = check_language(language)
    holds = 0
    out = []
    for finding in findings:
        item = dict(finding)
        if not isinstance(item.get("titles"), Mapping):
            found = titles(finding) if titles is not None else None
            if found:
                item["titles"] = dict(found)
            elif item.get("source") == "transcript" and item.get("title"):
                # stored before titles were kept: the title of the rulebook, and the
                # rulebook shipped then was the Russian one
                item["titles"] = {DEFAULT_LANGUAGE: str(item["title"])}
        if item.get("rule") == "hold_return" and item.get("source") == "audio":
            holds += 1
        stored = str(item.get("message") or "")
        item["title"] = finding_title(item, lang)
        item["message"] = finding_message(item, lang, ordinal=holds, role=role)
        evidence = item.get("evidence")
        if isinstance(evidence, list):
            item["evidence"] = [
                {**e, "text": item["message"]}
                if isinstance(e, Mapping) and e.get("speaker") is None
                and e.get("text") == stored else e
                for e in evidence]
        out.append(item)
    return out
