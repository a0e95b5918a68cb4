"""Deaths summed over a filter, with the sources' ranges: `30 (28–41)` where any event has a range.

An event's range is its source's low and high (UCDP's; `fatalities` is its best figure); an
event without a range counts its best figure at both ends. The sums are asked of the engine
with the counts they go beside, in the same grouped question.
"""

from __future__ import annotations

from dataclasses import dataclass

import ibis.expr.types as ir
import pandas as pd

from borderstates.core.contract import FATALITIES_HIGH, FATALITIES_LOW

COLUMNS = ("deaths", "deaths_low", "deaths_high", "deaths_known", "deaths_ranged")


def sums(events: ir.Table) -> dict[str, ir.Value]:
    """Return the aggregates of the deaths of `events`, named as `COLUMNS`, for a `group_by().aggregate`."""
    best = events["fatalities"]
    return {
        "deaths": best.sum(),
        "deaths_low": events[FATALITIES_LOW].fill_null(best).sum(),
        "deaths_high": events[FATALITIES_HIGH].fill_null(best).sum(),
        "deaths_known": best.count(),
        "deaths_ranged": (events[FATALITIES_LOW].notnull() | events[FATALITIES_HIGH].notnull()).sum(),
    }


@dataclass(frozen=True)
class Deaths:
    """The deaths of some events: the sum of the best figures and of each end of the ranges."""

    best: int = 0
    low: int = 0
    high: int = 0
    known: int = 0  # events with a figure
    ranged: int = 0  # events with a range

    def __add__(self, other: Deaths) -> Deaths:
        return Deaths(*(a + b for a, b in zip(self.astuple(), other.astuple(), strict=True)))

    def astuple(self) -> tuple[int, int, int, int, int]:
        """Return the five figures in order."""
        return self.best, self.low, self.high, self.known, self.ranged

    @property
    def label(self) -> str:
        """`30 deaths (28–41)`, `1 death`, or "" when no event has a figure."""
        if not self.known:
            return ""
        noun = "death" if self.best == 1 else "deaths"
        return f"{self.best:,} {noun}" + (f" ({self.low:,}–{self.high:,})" if self.ranged else "")

    @classmethod
    def of(cls, row: pd.Series | dict) -> Deaths:
        """Return the deaths of one answer row holding `COLUMNS` (nulls are none)."""
        return cls(*(0 if pd.isna(row[c]) else int(row[c]) for c in COLUMNS))
