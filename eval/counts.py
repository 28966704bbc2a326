"""Precision/recall/F1 from three counts, so every field aggregates the same way.

Why counts rather than averaged ratios: adding the counts of documents (or keys) gives the
micro-average directly, and F1 = 2·hit / (predicted + gold) stays defined when nothing was
predicted (precision alone is then undefined and shown as None).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(slots=True)
class Counts:
    hit: int = 0  # predicted items (or characters) that are right
    predicted: int = 0  # what the record offered for scoring
    gold: int = 0  # what the gold file lists

    def __add__(self, other: Counts) -> Counts:
        return Counts(
            self.hit + other.hit, self.predicted + other.predicted, self.gold + other.gold
        )

    @property
    def precision(self) -> float | None:
        return ratio(self.hit, self.predicted)

    @property
    def recall(self) -> float | None:
        return ratio(self.hit, self.gold)

    @property
    def f1(self) -> float | None:
        return ratio(2 * self.hit, self.predicted + self.gold)

    def as_dict(self) -> dict[str, Any]:
        return {
            "precision": rounded(self.precision),
            "recall": rounded(self.recall),
            "f1": rounded(self.f1),
            "hit": self.hit,
            "predicted": self.predicted,
            "gold": self.gold,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Counts:
        return cls(int(data["hit"]), int(data["predicted"]), int(data["gold"]))


def ratio(numerator: float, denominator: float) -> float | None:
    return numerator / denominator if denominator else None


def rounded(value: float | None, digits: int = 4) -> float | None:
    return None if value is None else round(value, digits)


def total(items: list[Counts]) -> Counts:
    result = Counts()
    for item in items:
        result = result + item
    return result
