"""The actor alias table (`data/actors.csv`): one name and one country per state or force.

Each row maps an `alias` (a name as a dataset writes it) to a `canonical` name and the actor's
`country` (ISO alpha-3, empty for organisations). Matching ignores case and repeated spaces.
An alias ending in ` (*)` matches any parenthesis at the end of a name: ACLED names a state's
forces with the period of its regime (`Military Forces of Russia (2000-)`), UCDP adds an older
name (`Government of Russia (Soviet Union)`).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from borderstates.core.contract import ISO3_CODES
from borderstates.core.csvio import LINE, read_table
from borderstates.core.paths import data_dir
from borderstates.importers.common import ImportFailure, ProblemLog

ALIAS_COLUMNS = ("alias", "canonical", "country")
SHIPPED_ACTORS = Path(__file__).resolve().parents[2] / "data" / "actors.csv"
_ANY_ENDING = " (*)"
_PARENTHESIS_AT_END = r"\s*\([^()]*\)$"


@dataclass(frozen=True)
class AliasTable:
    """Canonical names and countries by normalised alias."""

    names: dict[str, str]
    countries: dict[str, str]  # "" for actors that are no state's

    def resolve(self, names: pd.Series) -> tuple[pd.Series, pd.Series]:
        """Return the canonical name and country of each name; missing where the table has no alias."""
        distinct = pd.Series(names.unique(), dtype="str")  # names repeat: look each up once
        key = _normalise(distinct)
        wildcard = key.str.replace(_PARENTHESIS_AT_END, _ANY_ENDING, regex=True)

        def look_up(table: dict[str, str]) -> pd.Series:
            found = key.map(table).fillna(wildcard.map(table))
            return names.map(dict(zip(distinct, found, strict=True))).astype("str")

        return look_up(self.names), look_up(self.countries)


def _normalise(names: pd.Series) -> pd.Series:
    return names.str.strip().str.replace(r"\s+", " ", regex=True).str.casefold()


def default_actors_path(into: Path | None = None) -> Path:
    """Return the alias table to use: the target directory's, the data directory's, or the shipped one."""
    for directory in (into, data_dir()):
        if directory is not None and (directory / "actors.csv").is_file():
            return directory / "actors.csv"
    return SHIPPED_ACTORS


def load_aliases(path: Path, log: ProblemLog) -> AliasTable:
    """Read an alias table; a bad row is logged as a warning and skipped, an unreadable file fails."""
    raw = read_table(path, ALIAS_COLUMNS)
    if raw.frame.empty and raw.problems:
        raise ImportFailure(f"alias table {raw.problems[0]}")
    for problem in raw.problems:
        log.add(problem.file, [problem.line], problem.column, problem.message, severity="warning")
    frame = raw.frame.assign(
        alias=raw.frame["alias"].str.strip(),
        canonical=raw.frame["canonical"].str.strip(),
        country=raw.frame["country"].str.strip().str.upper(),
    )
    frame["key"] = _normalise(frame["alias"])
    checks = [
        (frame["alias"] == "", "alias", "is empty: the row is ignored"),
        (frame["canonical"] == "", "canonical", "is empty: the row is ignored"),
        (
            ~frame["country"].isin(ISO3_CODES | {""}),
            "country",
            "is not an ISO 3166-1 alpha-3 code: the row is ignored",
        ),
        (frame["key"].duplicated(), "alias", "is listed before: this row is ignored"),
    ]
    bad = pd.Series(False, index=frame.index)
    for failing, column, kind in checks:
        failing = failing & ~bad
        if failing.any():
            log.add(str(path), frame.loc[failing, LINE], column, kind, frame.loc[failing, column], "warning")
        bad |= failing
    good = frame[~bad]
    return AliasTable(
        dict(zip(good["key"], good["canonical"], strict=True)),
        dict(zip(good["key"], good["country"], strict=True)),
    )
