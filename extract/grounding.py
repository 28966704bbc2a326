"""Ground a quoted string to an exact character span of the source.

A model's "verbatim" quote often differs from the source in punctuation width, spaces or a
character or two. We search on a normalised copy whose every character maps back to a raw
offset, then fall back to character-level fuzzy matching (Chinese is never split on
whitespace). The span we return always satisfies ``text[start:end]`` being real source text;
the quote itself is then replaced by that source text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from difflib import SequenceMatcher
from typing import Literal

from budgetlens.extract.numbers import FULLWIDTH

# Punctuation folded for matching: width variants and quote styles compare equal.
_FOLD = str.maketrans({"“": '"', "”": '"', "‘": "'", "’": "'", "、": ",", "。": "."})
_DROP = re.compile(r"\s+")
MIN_FUZZY_SCORE = 0.9


MatchMethod = Literal["exact", "normalised", "fuzzy"]


@dataclass(frozen=True, slots=True)
class Grounded:
    start: int
    end: int
    method: MatchMethod
    score: float


def normalise_with_map(text: str) -> tuple[str, list[int]]:
    """Folded copy without whitespace, and for each of its characters the raw offset."""
    folded = text.translate(FULLWIDTH).translate(_FOLD)
    chars: list[str] = []
    offsets: list[int] = []
    for offset, char in enumerate(folded):
        if char.isspace():
            continue
        chars.append(char.lower())
        offsets.append(offset)
    return "".join(chars), offsets


def _strip_quote(quote: str) -> str:
    return quote.strip().strip("\"'“”‘’「」『』").strip()


class Grounder:
    """Aligns many quotes against one text; the normalised copy is built once."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.normal, self.offsets = normalise_with_map(text)

    def ground(self, quote: str, window: tuple[int, int] | None = None) -> Grounded | None:
        quote = _strip_quote(quote)
        if not quote:
            return None
        lo, hi = window or (0, len(self.text))
        position = self.text.find(quote, lo, hi)
        if position >= 0:
            return Grounded(position, position + len(quote), "exact", 1.0)
        needle, _ = normalise_with_map(quote)
        if not needle:
            return None
        n_lo = _first_at_or_after(self.offsets, lo)
        n_hi = _first_at_or_after(self.offsets, hi)
        position = self.normal.find(needle, n_lo, n_hi)
        if position >= 0:
            return self._span(position, position + len(needle), "normalised", 1.0)
        return self._fuzzy(needle, n_lo, n_hi)

    def _span(self, n_start: int, n_end: int, method: MatchMethod, score: float) -> Grounded:
        return Grounded(self.offsets[n_start], self.offsets[n_end - 1] + 1, method, score)

    def _fuzzy(self, needle: str, n_lo: int, n_hi: int) -> Grounded | None:
        """Best window of the needle's length (±10 %) by character similarity."""
        haystack = self.normal[n_lo:n_hi]
        size = len(needle)
        if size < 6 or not haystack:
            return None  # too short to tell a near-miss from a different phrase
        anchors = {needle[:2], needle[size // 2 : size // 2 + 2], needle[-2:]}
        candidates: set[int] = set()
        for anchor in anchors:
            start = haystack.find(anchor)
            while start >= 0:
                candidates.update(range(max(0, start - size), start + 1))
                start = haystack.find(anchor, start + 1)
        best: tuple[float, int, int] | None = None
        matcher = SequenceMatcher(autojunk=False)
        matcher.set_seq2(needle)
        for start in sorted(candidates):
            for length in {size, int(size * 0.9), int(size * 1.1)}:
                window = haystack[start : start + length]
                if len(window) < size * 0.8:
                    continue
                matcher.set_seq1(window)
                if matcher.real_quick_ratio() < MIN_FUZZY_SCORE:
                    continue
                score = matcher.ratio()
                if score >= MIN_FUZZY_SCORE and (best is None or score > best[0]):
                    best = (score, start, start + len(window))
        if best is None:
            return None
        score, start, end = best
        return self._span(n_lo + start, n_lo + end, "fuzzy", round(score, 3))


def _first_at_or_after(offsets: list[int], raw: int) -> int:
    from bisect import bisect_left

    return bisect_left(offsets, raw)


def ground(text: str, quote: str, window: tuple[int, int] | None = None) -> Grounded | None:
    return Grounder(text).ground(quote, window)
