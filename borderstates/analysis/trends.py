"""What is changing, and where: each state's and region's latest period against its baseline, banded.

The method, written once for every view (the Trends page, the map's change fill, the command
line): periods are Monday weeks or months; the *latest* is the last complete period ending on
or before the as-of day, the *baseline* the mean of the N periods before it. An event counts in
a period only when its whole span lies within it (the histogram's rule): an event dated less
precisely than the period, or whose span runs over a period's end, is counted apart as left
out. The change is banded ACLED-style, with a rule for low baselines: a rise from almost
nothing is `new` or too `limited` to say, never a percentage.

One grouped question goes to the engine per view: the counts per unit and period, a row per
group; the bands are made from that small answer.
"""

from __future__ import annotations

import csv
import datetime as dt
from dataclasses import dataclass
from typing import IO

import ibis
import ibis.expr.types as ir
import numpy as np
import pandas as pd

from borderstates.analysis import fatalities
from borderstates.analysis.fatalities import Deaths
from borderstates.analysis.timeline import bin_of, bin_start, next_bin
from borderstates.core.contract import LOCATED_IN, REGION, REGION_NAME, SPAN_END, country_name
from borderstates.core.engine import Store
from borderstates.core.filters import EventFilter

PERIODS = ("week", "month")
DEFAULT_BASELINE = 4  # periods in the baseline
LONG_BASELINE = {"week": 52, "month": 12}  # the long view: a year of periods
MAX_BASELINE = 520  # periods a baseline may hold at most (ten years of weeks)
# The bands, from most to least alarming; `limited`: too few events to say.
BANDS = ("surge", "new", "increase", "stable", "decrease", "limited")
# What each band means, in the words the page and the README use.
BAND_MEANINGS = {
    "surge": "at least twice a baseline of one or more a period",
    "new": "three or more after a baseline of less than one a period",
    "increase": "up by 25 % or more",
    "stable": "within 25 % of the baseline",
    "decrease": "down by 25 % or more",
    "limited": "less than one a period before and fewer than three now: too few to say",
}
CHANGE_BAND = 0.25  # a change of at least ±25 % is an increase or a decrease
SURGE_FACTOR = 2.0  # the latest at least twice the baseline (of one or more a period) is a surge
NEW_FROM = 3  # events in the latest period that make a unit without a baseline `new`
# The units trends are counted by: the state the point lies in, or its admin-1 region.
UNIT_COLUMNS = {"state": LOCATED_IN, "region": REGION}
_NAME_COLUMNS = {"region": REGION_NAME}  # a unit's name, where the data holds it (a state's: `unit_name`)


@dataclass(frozen=True)
class Periods:
    """The periods compared: the baseline's, oldest first, then the latest."""

    period: str  # week or month
    starts: tuple[pd.Timestamp, ...]  # the first day of each period, the latest last
    as_of: dt.date

    @property
    def latest(self) -> pd.Timestamp:
        """The first day of the latest period."""
        return self.starts[-1]

    @property
    def baseline(self) -> int:
        """How many periods the baseline holds."""
        return len(self.starts) - 1

    @property
    def first_day(self) -> pd.Timestamp:
        """The first day of the first baseline period."""
        return self.starts[0]

    @property
    def last_day(self) -> pd.Timestamp:
        """The last day of the latest period."""
        return next_bin(pd.Series([self.latest]), self.period).iloc[0] - pd.Timedelta(days=1)


def periods_until(as_of: dt.date, period: str = "week", baseline: int = DEFAULT_BASELINE) -> Periods:
    """Return the latest complete period ending on or before `as_of`, and the `baseline` periods before it.

    Raises
    ------
    ValueError
        For a period other than week or month, or a baseline outside 1 … `MAX_BASELINE`.

    """
    if period not in PERIODS:
        raise ValueError(f"the period must be one of {', '.join(PERIODS)}, not {period!r}")
    if not 1 <= baseline <= MAX_BASELINE:
        raise ValueError(f"the baseline must hold 1 to {MAX_BASELINE} periods, not {baseline}")
    day = pd.Timestamp(as_of)
    # The period holding the day after as-of begins after the latest complete one ends.
    after = bin_start(pd.Series([day + pd.Timedelta(days=1)]), period).iloc[0]
    offset = pd.DateOffset(weeks=1) if period == "week" else pd.DateOffset(months=1)
    starts = tuple(after - offset * k for k in range(baseline + 1, 0, -1))
    return Periods(period, starts, as_of)


def band(latest: float, baseline: float) -> str:
    """Return the band of a change from a baseline (a mean per period) to the latest count.

    `limited` and `new` come first: below one event a period, a percentage says nothing (one
    event after a baseline of 0.25 would be +300 %). Then a doubling from a baseline of at least
    one a period is a `surge`; ±25 % is an increase or a decrease; the rest is `stable`.
    """
    if baseline < 1:
        return "new" if latest >= NEW_FROM else "limited"
    if latest >= SURGE_FACTOR * baseline:
        return "surge"
    change = (latest - baseline) / baseline
    if change >= CHANGE_BAND:
        return "increase"
    if change <= -CHANGE_BAND:
        return "decrease"
    return "stable"


@dataclass(frozen=True)
class Trends:
    """The trend of every unit with events in the periods compared.

    `table` has a row per unit (and relation type, when split): `unit` (ISO code), `latest`,
    `baseline` (the mean per period), `change` (a fraction; NaN for `limited` and `new`),
    `band`, `fatalities_latest`, `fatalities_baseline` and `series` (the counts per period,
    oldest first, the latest last).
    """

    periods: Periods
    by: str
    table: pd.DataFrame
    left_out: int  # filtered events in the periods whose span lies in no single period
    new_actors: pd.DataFrame  # `state`, `actor`, `events` in the latest period, none in the baseline


def _fitting(store: Store, f: EventFilter, periods: Periods) -> tuple[ir.Table, ir.BooleanValue]:
    """Return the filtered events touching the periods, with the period their span lies in (or null)."""
    events = store.matching(f)
    touching = events.filter(
        (events["date"] <= periods.last_day.date()) & (events[SPAN_END] >= periods.first_day.date())
    )
    first, last = bin_of(touching["date"], periods.period), bin_of(touching[SPAN_END], periods.period)
    return touching.mutate(period=ibis.ifelse(first == last, first, ibis.null("date"))), first == last


def build_trends(
    store: Store,
    f: EventFilter,
    periods: Periods,
    by: str = "state",
    *,
    split_relations: bool = False,
) -> Trends:
    """Count the filtered events per unit and period, and band each unit's latest against its baseline.

    Parameters
    ----------
    store, f
        The data and the filter.
    periods
        The periods compared (`periods_until`).
    by
        `state` (where the point lies) or `region` (its admin-1 unit).
    split_relations
        A row per unit and relation type instead of per unit.

    """
    if by not in UNIT_COLUMNS:
        raise ValueError(f"trends are counted by {' or '.join(UNIT_COLUMNS)}, not {by!r}")
    events, _ = _fitting(store, f, periods)
    keys = {"unit": events[UNIT_COLUMNS[by]], **_name_key(events, by), "period": events["period"]}
    if split_relations:
        keys["relation_type"] = events["relation_type"]
    counted = store.fetch(events.group_by(**keys).aggregate(events=ibis._.count(), **fatalities.sums(events)))
    fitting = counted[counted["period"].notna()]
    left_out = int(counted.loc[counted["period"].isna(), "events"].sum())
    groups = ["unit", "name", "relation_type"] if split_relations else ["unit", "name"]
    table = _banded(_named(fitting, by), periods, groups)
    return Trends(periods, by, table, left_out, new_actors(store, f, periods))


def _name_key(events: ir.Table, by: str) -> dict[str, ir.Value]:
    """Return the group key of a unit's name, where the data holds it."""
    return {"name": events[_NAME_COLUMNS[by]]} if by in _NAME_COLUMNS else {}


def _named(counted: pd.DataFrame, by: str) -> pd.DataFrame:
    """Return counts with each unit's name: the data's, or a state's English name."""
    if by in _NAME_COLUMNS:
        return counted.assign(name=counted["name"].where(counted["unit"] != "", unit_name("")))
    return counted.assign(name=[unit_name(code) for code in counted["unit"]])


def _banded(counted: pd.DataFrame, periods: Periods, groups: list[str]) -> pd.DataFrame:
    """Return each group's counts per period, latest, baseline, change and band."""
    starts = pd.DatetimeIndex(periods.starts)
    columns = [*groups, "latest", "baseline", "change", "band", "fatalities_latest", "fatalities_baseline"]
    columns.append("deaths_latest")  # the latest period's deaths as a reader reads them, with their range
    if counted.empty:
        return pd.DataFrame({c: [] for c in [*columns, "series"]})
    counted = counted.assign(period=pd.to_datetime(counted["period"]).astype("datetime64[ns]"))
    grid = counted.pivot_table(index=groups, columns="period", values="events", aggfunc="sum", fill_value=0)
    sums = {
        name: counted.pivot_table(index=groups, columns="period", values=name, aggfunc="sum", fill_value=0)
        .reindex(index=grid.index, columns=starts, fill_value=0)
        .astype("int64")
        for name in fatalities.COLUMNS
    }
    grid, deaths = grid.reindex(columns=starts, fill_value=0).astype("int64"), sums["deaths"]
    latest = grid[starts[-1]].to_numpy()
    baseline = grid[starts[:-1]].to_numpy().mean(axis=1)
    out = grid.index.to_frame(index=False)
    out["latest"] = latest
    out["baseline"] = baseline
    out["band"] = [band(a, b) for a, b in zip(latest, baseline, strict=True)]
    with np.errstate(divide="ignore", invalid="ignore"):
        change = (latest - baseline) / baseline
    out["change"] = np.where(out["band"].isin(("limited", "new")), np.nan, change)
    out["fatalities_latest"] = deaths[starts[-1]].to_numpy()
    out["fatalities_baseline"] = deaths[starts[:-1]].to_numpy().mean(axis=1)
    latest_sums = zip(*(sums[name][starts[-1]].to_numpy() for name in fatalities.COLUMNS), strict=True)
    out["deaths_latest"] = [Deaths(*map(int, row)).label for row in latest_sums]
    out["series"] = [list(map(int, r)) for r in grid.to_numpy()]
    # The most alarming first; within a band, the busiest.
    out["_order"] = out["band"].map({b: i for i, b in enumerate(BANDS)})
    ordered = out.sort_values(["_order", "latest", *groups], ascending=[True, False, *[True] * len(groups)])
    return ordered.reset_index(drop=True)[[*columns, "series"]]


def new_actors(store: Store, f: EventFilter, periods: Periods) -> pd.DataFrame:
    """Return per state the actors with events in the latest period and none in the baseline periods.

    Both sides count; an event is counted in a period by the same rule as the trends (its whole
    span lies within it). Rows: `state`, `actor`, `events` (in the latest period), most first.
    """
    events, fits = _fitting(store, f, periods)
    placed = events.filter(fits)
    sides = [
        placed.select(state=placed[LOCATED_IN], actor=placed[side], period=placed["period"])
        for side in ("actor1", "actor2")
    ]
    acting = ibis.union(*sides, distinct=False)
    acting = acting.filter(acting["actor"] != "")
    latest = periods.latest.date()
    counted = store.fetch(
        acting.group_by("state", "actor").aggregate(
            latest=(acting["period"] == latest).sum(), before=(acting["period"] < latest).sum()
        )
    )
    counted = counted.astype({"latest": "int64", "before": "int64"})  # DuckDB sums booleans as HUGEINT
    found = counted[(counted["latest"] > 0) & (counted["before"] == 0)]
    found = found.rename(columns={"latest": "events"})[["state", "actor", "events"]]
    return found.sort_values(["state", "events", "actor"], ascending=[True, False, True], ignore_index=True)


def default_as_of(store: Store, f: EventFilter) -> dt.date | None:
    """Return the last day any filtered event's span reaches; None when no event matches."""
    events = store.matching(f)
    last = store.fetch(events.aggregate(last=events[SPAN_END].max()))["last"].iloc[0]
    return None if pd.isna(last) else pd.Timestamp(last).date()


@dataclass(frozen=True)
class Comparison:
    """Two periods compared per unit.

    `table`: `unit`, `a`, `b` (events whose whole span lies in each), `difference` (b − a) and
    `ratio` (b / a; NaN where a is 0).
    """

    a: tuple[dt.date, dt.date]
    b: tuple[dt.date, dt.date]
    by: str
    table: pd.DataFrame
    left_out: int  # filtered events that touch A or B without lying wholly within it


def check_ranges(a: tuple[dt.date, dt.date], b: tuple[dt.date, dt.date]) -> None:
    """Raise ValueError unless both ranges run forward and A begins no later than B."""
    for name, (first, last) in (("A", a), ("B", b)):
        if first > last:
            raise ValueError(f"period {name} ends ({last}) before it begins ({first})")
    if a[0] > b[0]:
        raise ValueError(f"period A ({a[0]} to {a[1]}) must not begin after period B ({b[0]} to {b[1]})")


def compare_periods(
    store: Store, f: EventFilter, a: tuple[dt.date, dt.date], b: tuple[dt.date, dt.date], by: str = "state"
) -> Comparison:
    """Count the filtered events of two date ranges per unit, by the trends' rule, in one grouped question.

    Raises
    ------
    ValueError
        When a range runs backwards or A begins after B (`check_ranges`), or for an unknown `by`.

    """
    check_ranges(a, b)
    if by not in UNIT_COLUMNS:
        raise ValueError(f"periods are compared by {' or '.join(UNIT_COLUMNS)}, not {by!r}")
    events = store.matching(f)
    start, end = events["date"], events[SPAN_END]

    def within(first: dt.date, last: dt.date) -> ir.BooleanValue:
        return (start >= first) & (end <= last)

    def touches(first: dt.date, last: dt.date) -> ir.BooleanValue:
        return (start <= last) & (end >= first)

    near = events.filter(touches(*a) | touches(*b))
    counted = store.fetch(
        near.group_by(unit=near[UNIT_COLUMNS[by]], **_name_key(near, by)).aggregate(
            a=within(*a).ifelse(1, 0).sum(),
            b=within(*b).ifelse(1, 0).sum(),
            apart=((touches(*a) & ~within(*a)) | (touches(*b) & ~within(*b))).ifelse(1, 0).sum(),
        )
    )
    left_out = int(counted["apart"].sum())
    counted = _named(counted, by)[["unit", "name", "a", "b", "apart"]]
    table = counted[(counted["a"] > 0) | (counted["b"] > 0)].drop(columns="apart")
    table = table.astype({"a": "int64", "b": "int64"})
    table["difference"] = table["b"] - table["a"]
    table["ratio"] = np.where(table["a"] > 0, table["b"] / table["a"].where(table["a"] > 0, 1), np.nan)
    table = table.sort_values(["difference", "unit"], ascending=[False, True], ignore_index=True)
    return Comparison(a, b, by, table, left_out)


TREND_COLUMNS = (
    "unit", "name", "latest", "baseline", "change_pct", "band", "fatalities_latest", "fatalities_baseline",
)  # fmt: skip
COMPARISON_COLUMNS = ("unit", "name", "a", "b", "difference", "ratio")


def unit_name(code: str) -> str:
    """Return a state's English name; the unit of events in no state or region is "elsewhere"."""
    return country_name(code) if code else "(elsewhere: at sea, or outside the regions' states)"


def write_trends(built: Trends, handle: IO[str]) -> None:
    """Write the trend table as CSV: means with two decimals, the change in percent with one."""
    writer = csv.writer(handle, lineterminator="\r\n")
    writer.writerow(TREND_COLUMNS)
    for row in built.table.to_dict("records"):
        change = "" if np.isnan(row["change"]) else f"{row['change'] * 100:.1f}"
        unit = row["unit"]
        baseline, deaths = f"{row['baseline']:.2f}", f"{row['fatalities_baseline']:.2f}"
        writer.writerow(
            [
                unit,
                row["name"],
                row["latest"],
                baseline,
                change,
                row["band"],
                row["fatalities_latest"],
                deaths,
            ]
        )


def write_comparison(compared: Comparison, handle: IO[str]) -> None:
    """Write two periods compared as CSV: the ratio with two decimals, empty where A has no event."""
    writer = csv.writer(handle, lineterminator="\r\n")
    writer.writerow(COMPARISON_COLUMNS)
    for row in compared.table.to_dict("records"):
        ratio = "" if np.isnan(row["ratio"]) else f"{row['ratio']:.2f}"
        writer.writerow([row["unit"], row["name"], row["a"], row["b"], row["difference"], ratio])
