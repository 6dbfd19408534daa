"""Per-class precision, recall and F1, macro-F1 and the confusion matrix.

With classes as unbalanced as a contact center's (about 85% neutral) accuracy says
little: always answering "neutral" scores 0.85. Macro-F1 — the mean of the classes' F1 —
gives each class the same say. Conventions: a class never predicted has precision 0, a
class absent from the gold labels has recall 0, and F1 is 0 when precision and recall
are both 0 (as scikit-learn's ``zero_division=0``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class ClassScores:
    label: str
    precision: float
    recall: float
    f1: float
    #: how many gold items have this label
    support: int
    #: how many items were predicted with this label
    predicted: int


@dataclass(frozen=True)
class Report:
    classes: tuple[ClassScores, ...]
    macro_f1: float
    accuracy: float
    #: ``confusion[i][j]``: gold ``labels[i]`` predicted as ``labels[j]``
    confusion: tuple[tuple[int, ...], ...]
    labels: tuple[str, ...]

    def scores(self, label: str) -> ClassScores:
        for scores in self.classes:
            if scores.label == label:
                return scores
        raise KeyError(label)

    def to_json(self) -> dict[str, Any]:
        return {
            "macro_f1": round(self.macro_f1, 4),
            "accuracy": round(self.accuracy, 4),
            "classes": {c.label: {"precision": round(c.precision, 4),
                                  "recall": round(c.recall, 4), "f1": round(c.f1, 4),
                                  "support": c.support, "predicted": c.predicted}
                        for c in self.classes},
            "confusion": {"labels": list(self.labels),
                          "rows_gold_columns_predicted": [list(r) for r in self.confusion]},
        }


def _ratio(part: int, whole: int) -> float:
    return part / whole if whole else 0.0


def classification_report(gold: Sequence[str], predicted: Sequence[str],
                          labels: Sequence[str]) -> Report:
    """Scores of ``predicted`` against ``gold`` (same length) for each of ``labels``."""
    if len(gold) != len(predicted):
        raise ValueError("gold and predicted must have the same length")
    labels = tuple(labels)
    if len(set(labels)) != len(labels) or not labels:
        raise ValueError("labels must be distinct and not empty")
    index = {label: i for i, label in enumerate(labels)}
    unknown = sorted({*gold, *predicted} - set(labels))
    if unknown:
        raise ValueError(f"labels not in the list: {', '.join(unknown)}")
    matrix = [[0] * len(labels) for _ in labels]
    for g, p in zip(gold, predicted, strict=True):
        matrix[index[g]][index[p]] += 1
    classes: list[ClassScores] = []
    for i, label in enumerate(labels):
        tp = matrix[i][i]
        support = sum(matrix[i])
        predicted_count = sum(row[i] for row in matrix)
        precision = _ratio(tp, predicted_count)
        recall = _ratio(tp, support)
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        classes.append(ClassScores(label, precision, recall, f1, support, predicted_count))
    macro = sum(c.f1 for c in classes) / len(classes)
    correct = sum(matrix[i][i] for i in range(len(labels)))
    return Report(tuple(classes), macro, _ratio(correct, len(gold)),
                  tuple(tuple(row) for row in matrix), labels)
