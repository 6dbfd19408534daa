"""The labelled evaluation set (``eval_ru.jsonl``) and the baseline's scores on it.

Each line is one customer utterance (``text``) or a short contact (``dialogue``: a list
of ``{"speaker": "customer"|"agent", "text"}``), with ``label`` and ``split``. The set
was written and labelled before the lexicon was tuned, in the proportions of seed 001
(85% neutral, 8% very positive, 7% negative). Labelling rules:

* ``positive`` — the customer praises, is pleased or thanks emphatically for a result
  («огромное спасибо, вы очень помогли», «вот это сервис!»);
* ``negative`` — the customer shows anger, frustration or disappointment, accuses,
  threatens to complain or to leave («сколько можно!», «буду жаловаться»);
* ``neutral`` — everything else: questions, requests, facts, calmly described problems
  («у меня не работает интернет, можете проверить?»), routine politeness («спасибо, до
  свидания», «спасибо большое, до свидания»).

``split`` alternates within each class in file order: ``dev`` (the lexicon was tuned
looking at these) and ``test`` (held out: only ever scored).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from helpline.quality.search.lemmas import Lemmatizer
from helpline.quality.sentiment.metrics import Report, classification_report
from helpline.quality.sentiment.rules import LABELS, Scored, score_contact, score_text

EVAL_SET = Path(__file__).with_name("eval_ru.jsonl")
SPLITS = ("dev", "test")


@dataclass(frozen=True)
class Example:
    id: str
    label: str
    split: str
    #: ``(speaker, text)``; one customer utterance for a single-utterance example
    utterances: tuple[tuple[str, str], ...]

    @property
    def is_dialogue(self) -> bool:
        return len(self.utterances) > 1 or self.utterances[0][0] != "customer"


def load_examples(path: Path = EVAL_SET) -> list[Example]:
    examples: list[Example] = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        data = json.loads(line)
        if data["label"] not in LABELS or data["split"] not in SPLITS:
            raise ValueError(f"{path}:{number}: unknown label or split")
        if "dialogue" in data:
            turns = tuple((str(t["speaker"]), str(t["text"])) for t in data["dialogue"])
        else:
            turns = (("customer", str(data["text"])),)
        examples.append(Example(str(data["id"]), str(data["label"]), str(data["split"]), turns))
    return examples


def predict(example: Example, lemmatizer: Lemmatizer | None = None) -> Scored:
    if example.is_dialogue:
        return score_contact(example.utterances, lemmatizer)
    return score_text(example.utterances[0][1], lemmatizer)


@dataclass(frozen=True)
class Evaluation:
    split: str
    report: Report
    examples: tuple[Example, ...]
    predicted: tuple[str, ...]


def evaluate(split: str = "test", examples: Sequence[Example] | None = None,
             lemmatizer: Lemmatizer | None = None) -> Evaluation:
    """The baseline's per-class precision/recall/F1 and macro-F1 on one split."""
    chosen = tuple(e for e in (examples if examples is not None else load_examples())
                   if e.split == split)
    predicted = tuple(predict(e, lemmatizer).label.value for e in chosen)
    report = classification_report([e.label for e in chosen], predicted,
                                   [label.value for label in LABELS])
    return Evaluation(split, report, chosen, predicted)
