"""Agreement between the automatic and the final values of scorecard items.

Each pair is one item of one scorecard that has both an automatic value and a final
value (manual items and items nobody filled are left out). Two measures:

* **share** — agreed pairs / pairs;
* **Cohen's kappa** — ``(p_o - p_e) / (1 - p_e)`` where ``p_o`` is the share and
  ``p_e = sum over categories k of (auto_k / n) x (final_k / n)``, the agreement two
  independent raters with the same marginals would reach by chance. Categories are the
  values seen (passed, failed, not_applicable). Kappa is undefined (``None``) when
  ``p_e = 1``: both raters used one and the same category for every pair.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Hashable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from helpline.quality.scorecards.scoring import Scorecard


def cohen_kappa(pairs: Sequence[tuple[Hashable, Hashable]]) -> float | None:
    """Cohen's kappa of two raters over ``pairs``; ``None`` when undefined (no pairs, or
    chance agreement is 1)."""
    n = len(pairs)
    if n == 0:
        return None
    observed = sum(1 for a, b in pairs if a == b) / n
    first = Counter(a for a, _ in pairs)
    second = Counter(b for _, b in pairs)
    expected = sum(first[k] * second[k] for k in first) / (n * n)
    if expected >= 1.0:
        return None
    return (observed - expected) / (1.0 - expected)


@dataclass(frozen=True)
class Agreement:
    compared: int
    agreed: int
    kappa: float | None

    @property
    def share(self) -> float | None:
        return self.agreed / self.compared if self.compared else None

    def to_dict(self) -> dict[str, Any]:
        share = self.share
        return {"compared": self.compared, "agreed": self.agreed,
                "share": None if share is None else round(share, 4),
                "kappa": None if self.kappa is None else round(self.kappa, 4)}


def agreement(pairs: Sequence[tuple[Hashable, Hashable]]) -> Agreement:
    return Agreement(len(pairs), sum(1 for a, b in pairs if a == b), cohen_kappa(pairs))


@dataclass(frozen=True)
class AgreementReport:
    overall: Agreement
    #: per item id, in the order the items were first met
    by_item: dict[str, Agreement]

    def to_dict(self) -> dict[str, Any]:
        return {"overall": self.overall.to_dict(),
                "by_item": {k: v.to_dict() for k, v in self.by_item.items()}}


def agreement_report(scorecards: Iterable[Scorecard]) -> AgreementReport:
    """Overall and per-item agreement across scorecards (any template versions: items
    are matched by id)."""
    everything: list[tuple[Hashable, Hashable]] = []
    per_item: dict[str, list[tuple[Hashable, Hashable]]] = {}
    for card in scorecards:
        for item_id, auto, final in card.pairs():
            everything.append((auto, final))
            per_item.setdefault(item_id, []).append((auto, final))
    return AgreementReport(agreement(everything),
                           {k: agreement(v) for k, v in per_item.items()})
