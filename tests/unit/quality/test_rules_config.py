"""The rulebook file: the default one loads with every kind; mistakes in a custom one are
clear errors naming the rule and the key; custom scopes and kinds behave as documented."""

from __future__ import annotations

from pathlib import Path

import pytest

from helpline.quality.transcripts.errors import RulesConfigError
from helpline.quality.transcripts.model import Speaker, Transcript, Utterance
from helpline.quality.transcripts.rules import evaluate
from helpline.quality.transcripts.rules_config import (
    KINDS,
    Scope,
    default_rulebook,
    load_rulebook,
    loads_rulebook,
)


def test_default_rulebook_uses_every_kind_and_knows_the_roles() -> None:
    rulebook = default_rulebook("ru")
    assert {rule.kind for rule in rulebook.rules} == set(KINDS)
    assert rulebook.roles == ("agent", "ookk", "paid_line", "senior", "supervisor")
    assert rulebook.rule("hold_return").limit_seconds("senior") == 180.0  # type: ignore[union-attr]
    assert rulebook.rule("hold_return").limit_seconds("agent") == 120.0  # type: ignore[union-attr]


def test_no_default_rulebook_for_an_unknown_language() -> None:
    with pytest.raises(RulesConfigError, match="no default rulebook"):
        default_rulebook("xx")


def _one(body: str) -> str:
    return f'[rulebook]\nlanguage = "ru"\n\n[[rules]]\n{body}\n'


@pytest.mark.parametrize(("text", "message"), [
    (_one('id = "a"\nkind = "phrase_present"\nphrase = ["x"]'),
     "rules[0] (a): unknown key(s) for kind phrase_present: phrase"),
    (_one('id = "a"\nkind = "phrase_presence"\nphrases = ["x"]'), "unknown kind 'phrase_presence'"),
    (_one('id = "a"\nkind = "phrase_present"'), "rules[0] (a).phrases: is required"),
    (_one('id = "a"\nkind = "phrase_present"\nphrases = []'), "non-empty list"),
    (_one('id = "a"\nkind = "phrase_present"\nphrases = ["*"]'), "has no words"),
    (_one('id = "a"\nkind = "phrase_present"\nphrases = ["x"]\nfirst_utterances = 2\n'
          'last_utterances = 1'), "at most one of first_utterances, last_utterances"),
    (_one('id = "a"\nkind = "phrase_present"\nphrases = ["x"]\nwithin_seconds = [5, 1]'),
     "within_seconds: must be [from, to]"),
    (_one('id = "a"\nkind = "phrase_present"\nphrases = ["x"]\nspeaker = "bot"'),
     "speaker: must be one of agent, customer, any"),
    (_one('id = "a"\nkind = "count"\nphrases = ["x"]'), "needs min, max or both"),
    (_one('id = "a"\nkind = "greeting"'), "roles: is required"),
    (_one('id = "a"\nkind = "name_usage"\nintroductions = ["меня зовут"]'), "one '*'"),
    (_one('id = "a"\nkind = "max_silence"\nmax_seconds = -1'), "positive number"),
    (_one('id = "a"\nkind = "max_silence"\nchannels = ["fax"]'), "unknown channel 'fax'"),
    (_one('id = "a"\nkind = "max_silence"') + '\n[[rules]]\nid = "a"\nkind = "max_silence"\n',
     "duplicate rule id 'a'"),
    ('[rulebook]\nlanguage = "ru"\n', "at least one [[rules]]"),
    ("[[rules]\n", "not valid TOML"),
])
def test_mistakes_are_clear_errors(text: str, message: str) -> None:
    with pytest.raises(RulesConfigError) as caught:
        loads_rulebook(text, source="my.toml")
    assert message in caught.value.message
    assert caught.value.message.startswith("my.toml")
    assert caught.value.error_id == "qa_rules_invalid"


def test_load_from_a_file(tmp_path: Path) -> None:
    path = tmp_path / "rules.toml"
    path.write_text(_one('id = "a"\nkind = "max_silence"'), encoding="utf-8")
    assert load_rulebook(path).rules[0].id == "a"
    with pytest.raises(RulesConfigError, match="cannot read"):
        load_rulebook(tmp_path / "missing.toml")


def _transcript() -> Transcript:
    return Transcript.of([
        Utterance(Speaker.AGENT, 0, 3, "Здравствуйте, оператор слушает"),
        Utterance(Speaker.CUSTOMER, 4, 6, "Подключите роуминг"),
        Utterance(Speaker.AGENT, 7, 9, "Роуминг подключён, роуминг бесплатный"),
        Utterance(Speaker.AGENT, 40, 42, "Всего доброго"),
    ])


def test_custom_scopes_and_kinds() -> None:
    rulebook = loads_rulebook('''
[[rules]]
id = "early_roaming"
kind = "phrase_present"
phrases = ["роуминг"]
within_seconds = [0, 5]

[[rules]]
id = "customer_roaming"
kind = "phrase_present"
phrases = ["роуминг"]
speaker = "customer"
first_utterances = 1

[[rules]]
id = "no_goodbye_early"
kind = "phrase_absent"
phrases = ["всего доброго"]
last_seconds = 10

[[rules]]
id = "roaming_at_most_once"
kind = "count"
phrases = ["роуминг"]
speaker = "any"
max = 2

[[rules]]
id = "no_free_roaming"
kind = "near"
x = ["роуминг"]
y = ["бесплатный"]
within_words = 1
ordered = true
expect = "absent"
''')
    report = evaluate(_transcript(), rulebook)
    result = {f.rule: f for f in report.findings}
    assert not result["early_roaming"].passed  # the agent says it at 7 s
    assert result["customer_roaming"].passed
    assert not result["no_goodbye_early"].passed
    assert result["no_goodbye_early"].evidence[0].start == 40
    assert not result["roaming_at_most_once"].passed
    assert result["roaming_at_most_once"].message == "3 time(s), expected at most 2"
    assert not result["no_free_roaming"].passed
    assert result["no_free_roaming"].evidence[0].matched == "роуминг бесплатный"


def test_scope_descriptions() -> None:
    assert Scope("agent", first_utterances=2).describe() == "the first 2 utterance(s) of the agent"
    assert Scope("any", within_seconds=(0, 30)).describe() == (
        "what anyone said between 0 s and 30 s")
