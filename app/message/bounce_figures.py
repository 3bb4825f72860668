"""How well a classifier reads a corpus: the four figures issue 23 sets goals for.

Pure: pairs of (expected verdict, verdict given) in, :class:`Figures` out. A verdict is
``hard``, ``soft``, ``complaint`` or ``ignore`` (not a bounce). Used by the corpus
test and by ``bench/bounces.py`` so both count the same way; :func:`verdict_of` turns
a report into the verdict it counts as.
"""
from __future__ import annotations

from dataclasses import dataclass, field

GOALS = {"hard_recall": 0.95, "wrongly_hard": 0.02, "bounces_recognised": 0.98, "complaints_recognised": 0.95}


def verdict_of(kind: str, final: bool = True) -> str:
    """The verdict a report counts as: a delay warning (``final`` False) is not a bounce.

    The report stays ``soft`` for the service, which notes it without counting it; for the
    figures, as for a postmaster, "still trying" is no failure.
    """
    return "ignore" if not final and kind in ("hard", "soft") else kind


@dataclass
class Figures:
    hard: int = 0  # expected hard
    hard_hit: int = 0  # … and given hard
    not_hard: int = 0  # expected soft, complaint or ignore
    wrongly_hard: int = 0  # … but given hard: a live person suppressed
    bounces: int = 0  # expected hard or soft
    bounces_hit: int = 0  # … and given hard or soft
    complaints: int = 0
    complaints_hit: int = 0
    misses: list[tuple[str, str, str]] = field(default_factory=list)  # (name, expected, given)

    @staticmethod
    def rate(hit: int, total: int, empty: float = 1.0) -> float:
        """``hit / total``; ``empty`` when there is nothing to count (a goal met, not failed)."""
        return hit / total if total else empty

    @property
    def hard_recall(self) -> float:
        return self.rate(self.hard_hit, self.hard)

    @property
    def wrongly_hard_rate(self) -> float:
        return self.rate(self.wrongly_hard, self.not_hard, empty=0.0)

    @property
    def bounces_recognised(self) -> float:
        return self.rate(self.bounces_hit, self.bounces)

    @property
    def complaints_recognised(self) -> float:
        return self.rate(self.complaints_hit, self.complaints)

    def meets_goals(self) -> bool:
        return (self.hard_recall >= GOALS["hard_recall"] and self.wrongly_hard_rate <= GOALS["wrongly_hard"]
                and self.bounces_recognised >= GOALS["bounces_recognised"]
                and self.complaints_recognised >= GOALS["complaints_recognised"])

    def lines(self) -> list[str]:
        return [
            f"hard bounces recognised as hard   {self.hard_recall:7.1%}  ({self.hard_hit}/{self.hard})  goal ≥ 95 %",
            f"not-hard classed hard             {self.wrongly_hard_rate:7.1%}  ({self.wrongly_hard}/{self.not_hard})  goal ≤ 2 %",
            f"bounces recognised as bounces     {self.bounces_recognised:7.1%}  ({self.bounces_hit}/{self.bounces})  goal ≥ 98 %",
            f"complaints recognised             {self.complaints_recognised:7.1%}  ({self.complaints_hit}/{self.complaints})  goal ≥ 95 %",
        ]


def figures(results: list[tuple[str, str, str]]) -> Figures:
    """``results``: (sample name, expected verdict, verdict given)."""
    out = Figures()
    for name, expected, given in results:
        if expected == "hard":
            out.hard += 1
            out.hard_hit += given == "hard"
        else:
            out.not_hard += 1
            out.wrongly_hard += given == "hard"
        if expected in ("hard", "soft"):
            out.bounces += 1
            out.bounces_hit += given in ("hard", "soft")
        if expected == "complaint":
            out.complaints += 1
            out.complaints_hit += given == "complaint"
        if given != expected:
            out.misses.append((name, expected, given))
    return out
