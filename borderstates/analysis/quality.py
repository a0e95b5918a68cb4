"""What the loaded data is worth: the validation report and the checks an analyst reads before trusting it."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from borderstates.core import contract
from borderstates.core.contract import LOCATED_IN
from borderstates.core.csvio import LINE
from borderstates.core.load import Dataset
from borderstates.core.paths import FULL_FILE

GEOGRAPHY_COLUMN = "latitude/longitude"  # the column of the geography check's warnings
PROBLEM_COLUMNS = ("file", "line", "column", "message", "severity")


@dataclass(frozen=True)
class QualityReport:
    """The checks of one dataset; the event checks cover the events given (the filtered ones).

    `outside` is None when the geography check could not run (no country polygons).
    """

    printed: list[str]
    problems: pd.DataFrame
    outside: pd.DataFrame | None
    date_precision: pd.DataFrame
    geo_precision: pd.DataFrame
    without_english: pd.DataFrame
    articles_without_url: pd.DataFrame
    uncited_articles: pd.DataFrame


def validation_lines(dataset: Dataset) -> list[str]:
    """Return the problems as `borderstates validate` prints them: `FILE:LINE: COLUMN: message`."""
    return [str(problem) for problem in dataset.problems]


def validation_summary(dataset: Dataset, events_path: Path | str) -> str:
    """Return the summary line that `borderstates validate` ends with."""
    errors = len(dataset.errors)
    return (
        f"{events_path}: {len(dataset.events)} valid events of {dataset.rows_in_file}, "
        f"{len(dataset.articles)} articles; {errors} errors, {len(dataset.problems) - errors} warnings"
    )


def build_report(dataset: Dataset, events: pd.DataFrame) -> QualityReport:
    """Check a dataset: its problems as a whole, and `events` (a filtered part of it) one by one."""
    problems = pd.DataFrame([vars(p) for p in dataset.problems], columns=list(PROBLEM_COLUMNS))
    return QualityReport(
        printed=validation_lines(dataset),
        problems=problems,
        outside=outside_country(events, problems) if _geography_checked(dataset) else None,
        date_precision=precision_counts(events, "date_precision", contract.DATE_PRECISIONS),
        geo_precision=precision_counts(events, "geo_precision", contract.GEO_PRECISIONS),
        without_english=without_english(events, dataset.articles),
        articles_without_url=articles_without_url(events, dataset.articles),
        uncited_articles=uncited_articles(dataset.events, dataset.articles),
    )


def _geography_checked(dataset: Dataset) -> bool:
    unchecked = any(Path(p.file).name == FULL_FILE for p in dataset.problems)
    return LOCATED_IN in dataset.events.columns and not unchecked


def outside_country(events: pd.DataFrame, problems: pd.DataFrame) -> pd.DataFrame:
    """Return the events whose point lies outside their declared country.

    `beyond_tolerance` marks those that `validate` warns about (further out than its tolerance
    for coasts and borders); the others lie just outside, at sea or across a border.
    """
    located = events[LOCATED_IN].astype("str")
    outside = events[located != events["country"].astype("str")]
    warned = problems.loc[problems["column"] == GEOGRAPHY_COLUMN, "line"]
    return pd.DataFrame(
        {
            "event_id": outside["event_id"].astype("str"),
            "location": outside["location"].astype("str"),
            "country": outside["country"].astype("str"),
            "located_in": located[outside.index].replace("", "(no country: at sea)"),
            "latitude": outside["latitude"],
            "longitude": outside["longitude"],
            "beyond_tolerance": outside[LINE].isin(warned) if LINE in outside else False,
        }
    ).reset_index(drop=True)


def precision_counts(events: pd.DataFrame, column: str, levels: tuple[str, ...]) -> pd.DataFrame:
    """Return how many events have each precision level, every level listed, with its share."""
    counts = events[column].astype("str").value_counts().reindex(list(levels), fill_value=0)
    share = counts / counts.sum() if counts.sum() else counts.astype(float)
    return pd.DataFrame({"precision": levels, "events": counts.to_numpy(), "share": share.to_numpy()})


def citations(events: pd.DataFrame) -> pd.DataFrame:
    """Return a row per (event, article it cites): `event_id`, `article_id`, `position` (0: quoted)."""
    ids = events["article_id"].astype("str")
    several = ids.str.contains(contract.ARTICLE_ID_SEPARATOR, regex=False)
    later = ids[several].map(contract.article_ids).explode()
    later = later[later.groupby(level=0).cumcount() > 0]
    rows = pd.DataFrame(
        {
            "event_id": pd.concat([events["event_id"], events.loc[later.index, "event_id"]])
            .astype("str")
            .to_numpy(),
            "article_id": pd.concat([contract.first_article(events["article_id"]), later]).to_numpy(),
            "position": np.concatenate(
                [np.zeros(len(events), int), later.groupby(level=0).cumcount().to_numpy() + 1]
            ),
        }
    )
    return rows[rows["article_id"] != ""]


def without_english(events: pd.DataFrame, articles: pd.DataFrame) -> pd.DataFrame:
    """Return the events quoted from a non-English article (or an unknown one) with no `excerpt_en`."""
    # Object, not float: with no article at all the mapped column would be all-NaN floats.
    language = (
        contract.first_article(events["article_id"])
        .map(articles.set_index("article_id")["language"])
        .astype("object")
        .fillna("")
    )
    quoted = events["excerpt"].astype("str").str.strip() != ""
    untranslated = events["excerpt_en"].astype("str").str.strip() == ""
    missing = events[quoted & untranslated & (language != "en")]
    return pd.DataFrame(
        {
            "event_id": missing["event_id"].astype("str"),
            "article_id": contract.first_article(missing["article_id"]),
            "language": language[missing.index].replace("", "(unknown)"),
            "excerpt": missing["excerpt"].astype("str"),
        }
    ).reset_index(drop=True)


def cited_articles(events: pd.DataFrame) -> pd.Series:
    """Return how many of the events cite each article (in any position of `article_id`)."""
    return citations(events).drop_duplicates(["event_id", "article_id"])["article_id"].value_counts()


def articles_without_url(events: pd.DataFrame, articles: pd.DataFrame) -> pd.DataFrame:
    """Return the articles the events cite that have no URL, with how many events cite each."""
    cited = cited_articles(events)
    missing = articles[articles["article_id"].isin(cited.index) & (articles["url"].str.strip() == "")]
    columns = ["article_id", "title", "outlet", "published", "language"]
    return missing[columns].assign(events=missing["article_id"].map(cited).to_numpy()).reset_index(drop=True)


def uncited_articles(events: pd.DataFrame, articles: pd.DataFrame) -> pd.DataFrame:
    """Return the articles that no event cites."""
    cited = cited_articles(events)
    return articles.loc[
        ~articles["article_id"].isin(cited.index), ["article_id", "title", "outlet"]
    ].reset_index(drop=True)
