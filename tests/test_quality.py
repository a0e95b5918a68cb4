"""The data-quality report: the validation lines as the command line prints them, and the checks."""

import shutil
from pathlib import Path

import pandas as pd
import pytest

from borderstates.analysis import quality
from borderstates.core import contract
from borderstates.core.csvio import LINE
from borderstates.core.engine import open_store
from borderstates.core.filters import EventFilter
from borderstates.core.geo import GEOGRAPHY_COLUMN, locate_events
from borderstates.core.paths import DRAWING_FILE, FULL_FILE, geometry_dir
from tests.citing_data import (
    EVERYTHING,
    FILTERS,
    MOSCOW,
    OFF_BAKU,
    article_row,
    expected_frames,
    in_file_order,
    make_citing_dir,
)
from tests.conftest import BROKEN, FIXTURES, ROOT, read_rows
from tests.oracle import filter_events

GEO = ROOT / "data" / "geo"  # the geometry of every test directory here that has none of its own
ARTICLES = [
    *read_rows(FIXTURES / "articles.csv"),
    {"article_id": "A-3", "title": "Nobody cites me", "language": "en"},
]


@pytest.fixture
def troubled_dir(fixture_rows, make_data_dir):
    """The fixture events, some broken, one far and one just outside its country, one article uncited."""
    t1, t2, t3 = fixture_rows
    rows = [
        dict(t1, excerpt_en=""),  # quoted from a Dutch article, no English
        dict(t2, latitude="55.752", longitude="37.6178"),  # Moscow, declared AZE
        dict(t3, excerpt_en=""),  # quoted from an English article: nothing missing
        dict(t2, event_id="Q-1", latitude="40.30", longitude="49.98"),  # at sea off Baku, within 25 km
        dict(t1, event_id="Q-2", date="2024-02-30"),
        dict(t1, event_id="Q-3", quad_class="lukewarm"),
    ]
    return make_data_dir(rows, articles=ARTICLES)


def test_the_report_prints_what_validate_prints(troubled_dir, capsys):
    from borderstates import cli  # the command line is importers and all: only this test needs it

    store = open_store(troubled_dir)
    code = cli.main(["validate", str(troubled_dir / "events.csv")])
    printed = capsys.readouterr()
    assert code == cli.EXIT_INVALID
    lines = quality.validation_lines(store.status)
    assert printed.out.splitlines() == lines
    summary = quality.validation_summary(store.status, troubled_dir / "events.csv")
    assert printed.err.strip() == summary
    assert summary == f"{troubled_dir / 'events.csv'}: 4 valid events of 6, 3 articles; 2 errors, 1 warnings"
    assert (
        f"{troubled_dir / 'events.csv'}:6: date: '2024-02-30' must be a real date written YYYY-MM-DD" in lines
    )
    assert any(line.startswith(f"{troubled_dir / 'events.csv'}:7: quad_class: 'lukewarm'") for line in lines)
    report = quality.build_report(store, EVERYTHING)
    assert report.printed == lines
    assert list(report.problems.columns) == list(quality.PROBLEM_COLUMNS)
    assert report.problems[["line", "column"]].values.tolist()[:2] == [[6, "date"], [7, "quad_class"]]


def test_the_summary_counts_the_stored_events_as_read_and_valid(tmp_path, fixture_rows):
    store = open_store(make_citing_dir(tmp_path, fixture_rows))
    status = store.status
    assert (status.rows_in_file, status.valid_in_file, status.in_store) == (62, 60, 16)
    articles = status.articles
    assert articles > 0
    warnings = len(status.problems) - 2
    assert quality.validation_summary(status, "events.csv") == (
        f"events.csv: 76 valid events of 78, {articles} articles; 2 errors, {warnings} warnings"
    )


def test_events_outside_their_country_say_whether_validate_warns(troubled_dir):
    store = open_store(troubled_dir)
    report = quality.build_report(store, EVERYTHING, GEO)
    outside = report.outside.set_index("event_id")
    assert list(outside.index) == ["T-2", "Q-1"] and report.outside_count == 2
    assert outside.loc["T-2", "located_in"] == "RUS" and outside.loc["T-2", "beyond_tolerance"]
    assert outside.loc["Q-1", "located_in"] == "(no country: at sea)"
    assert not outside.loc["Q-1", "beyond_tolerance"]  # within the tolerance for coasts: no warning
    only_t1 = quality.build_report(store, EventFilter(actors=("Government of Armenia",)), GEO)
    assert only_t1.outside.empty and only_t1.outside_count == 0  # the checks follow the filter


def test_without_geometry_the_report_says_the_check_did_not_run(fixture_rows, make_data_dir):
    directory = make_data_dir(fixture_rows)
    (directory / "geo").mkdir()  # a geo folder whose full layer cannot be read
    (directory / "geo" / DRAWING_FILE).write_text("{}")
    (directory / "geo" / FULL_FILE).write_bytes(b"not parquet")
    store = open_store(directory)
    assert [p.message.split(":")[0] for p in store.status.problems] == ["no geography check"]
    report = quality.build_report(store, EVERYTHING, geometry_dir(directory))
    assert report.outside is None and report.outside_count == 0


def test_precision_counts_list_every_level_and_add_up(troubled_dir):
    store = open_store(troubled_dir)
    report = quality.build_report(store, EVERYTHING)
    assert report.date_precision.set_index("precision")["events"].to_dict() == {
        "day": 2, "week": 0, "month": 1, "year": 1,
    }  # fmt: skip
    assert report.geo_precision["events"].sum() == store.total == 4
    assert report.geo_precision["share"].sum() == pytest.approx(1)
    nothing = quality.precision_counts(store, EventFilter(text="no such text"), "date_precision", ("day",))
    assert nothing.values.tolist() == [["day", 0, 0.0]]


def test_english_renderings_and_urls_that_are_missing(troubled_dir):
    report = quality.build_report(open_store(troubled_dir), EVERYTHING)
    assert report.without_english[["event_id", "article_id", "language"]].values.tolist() == [
        ["T-1", "A-1", "nl"]
    ]
    assert report.articles_without_url[["article_id", "events"]].values.tolist() == [["A-1", 3]]
    assert list(report.uncited_articles["article_id"]) == ["A-3"]
    assert (
        report.without_english_count,
        report.articles_without_url_count,
        report.uncited_articles_count,
    ) == (
        1,
        1,
        1,
    )


def test_the_shipped_data_is_clean_but_for_its_missing_url(tmp_path):
    # A copy without the columnar store the user may have imported into `data/`.
    directory = tmp_path / "data"
    shutil.copytree(ROOT / "data", directory, ignore=shutil.ignore_patterns("store"))
    store = open_store(directory)
    report = quality.build_report(store, EVERYTHING, geometry_dir(directory))
    assert report.printed == [] and report.outside.empty and report.without_english.empty
    assert list(report.articles_without_url["article_id"]) == ["ART-0001"]
    assert report.date_precision["events"].sum() == store.total


def test_a_broken_file_is_reported_line_by_line(tmp_path):
    directory = tmp_path / "broken"
    directory.mkdir()
    shutil.copy(BROKEN / "point_outside_country.csv", directory / "events.csv")
    shutil.copy(FIXTURES / "articles.csv", directory / "articles.csv")
    (line,) = quality.validation_lines(open_store(directory).status)
    assert line.startswith(f"{directory / 'events.csv'}:3: latitude/longitude: warning: point")


def test_every_article_an_event_cites_counts_once_per_event(fixture_rows, make_data_dir):
    # Several articles in one cell, spaces around them, one article twice in a cell.
    cells = {"a": "X", "b": "X; Y", "c": "Y;X ;Z", "d": " Z ", "e": "Y;Y"}
    rows = [dict(fixture_rows[0], event_id=e, article_id=cell, excerpt_en="") for e, cell in cells.items()]
    articles = [article_row("X", "en", False), article_row("Y", "nl", False), article_row("Z", "en", False)]
    articles.append(article_row("W", "en", False))
    store = open_store(make_data_dir(rows, articles=articles))
    report = quality.build_report(store, EVERYTHING)
    counts = report.articles_without_url.set_index("article_id")["events"].to_dict()
    assert counts == {"X": 3, "Y": 3, "Z": 2}
    assert list(report.uncited_articles["article_id"]) == ["W"]
    # Quoted from its first article: c and e quote Y (Dutch), the others English ones.
    assert report.without_english[["event_id", "article_id"]].values.tolist() == [["c", "Y"], ["e", "Y"]]


def test_each_list_holds_its_first_rows_and_counts_them_all(tmp_path, fixture_rows):
    store = open_store(make_citing_dir(tmp_path, fixture_rows))
    full = quality.build_report(store, EVERYTHING, GEO)
    short = quality.build_report(store, EVERYTHING, GEO, limit=2)
    for name in ("outside", "without_english", "articles_without_url", "uncited_articles"):
        everything, first = getattr(full, name), getattr(short, name)
        assert len(everything) == getattr(full, f"{name}_count") == getattr(short, f"{name}_count") > 2, name
        pd.testing.assert_frame_equal(first, everything.head(2), obj=name)
    # Imported rows have no line: they come after the file's, by id.
    outside = full.outside["event_id"].tolist()
    imported = [e for e in outside if e.startswith("I-")]
    assert imported == sorted(imported) and outside[-len(imported) :] == imported


@pytest.mark.parametrize("f", FILTERS, ids=lambda f: repr(f)[:60])
def test_the_engine_reports_what_pandas_computes_from_the_loaded_frames(f, tmp_path, fixture_rows):
    directory = make_citing_dir(tmp_path, fixture_rows)
    store = open_store(directory)
    events, articles = expected_frames(directory)
    report = quality.build_report(store, f, GEO, limit=5)
    expected = _expected_report(filter_events(events, f), events, articles)
    for name, (frame, count) in expected.items():
        assert getattr(report, f"{name}_count") == count, name
        pd.testing.assert_frame_equal(
            getattr(report, name).astype("object"), frame.head(5).astype("object"), obj=name
        )
    kept = filter_events(events, f)
    for column, levels, frame in (
        ("date_precision", contract.DATE_PRECISIONS, report.date_precision),
        ("geo_precision", contract.GEO_PRECISIONS, report.geo_precision),
    ):
        counts = kept[column].value_counts()
        assert frame["events"].tolist() == [int(counts.get(level, 0)) for level in levels]


def test_spark_reports_what_duckdb_reports(spark, tmp_path, fixture_rows):
    directory = make_citing_dir(tmp_path, fixture_rows)
    duck, on_spark = open_store(directory), open_store(directory, spark)
    for f in (EVERYTHING, EventFilter(text="passage 1")):
        ours, theirs = (
            quality.build_report(duck, f, GEO, limit=4),
            quality.build_report(on_spark, f, GEO, limit=4),
        )
        for name in ("outside", "date_precision", "geo_precision", "without_english", "articles_without_url"):
            pd.testing.assert_frame_equal(
                getattr(ours, name).astype("object"), getattr(theirs, name).astype("object"), obj=name
            )
        pd.testing.assert_frame_equal(ours.uncited_articles, theirs.uncited_articles)
        assert ours.without_english_count == theirs.without_english_count


def _expected_report(kept, events, articles) -> dict[str, tuple[pd.DataFrame, int]]:
    """The report's lists as pandas computes them, every row, in file order."""
    ordered = in_file_order(kept, "event_id")
    away = ordered[ordered["located_in"] != ordered["country"]]
    outside = pd.DataFrame(
        {
            "event_id": away["event_id"],
            "location": away["location"],
            "country": away["country"],
            "located_in": away["located_in"].replace("", quality.AT_SEA),
            "latitude": away["latitude"],
            "longitude": away["longitude"],
            "beyond_tolerance": _warned(away),
        }
    )
    first = contract.first_article(ordered["article_id"])
    language = first.map(articles.drop_duplicates("article_id").set_index("article_id")["language"]).fillna(
        ""
    )
    missing = (
        (ordered["excerpt"].str.strip() != "")
        & (ordered["excerpt_en"].str.strip() == "")
        & (language != "en")
    )
    without_english = pd.DataFrame(
        {
            "event_id": ordered.loc[missing, "event_id"],
            "article_id": first[missing],
            "language": language[missing].replace("", quality.UNKNOWN_LANGUAGE),
            "excerpt": ordered.loc[missing, "excerpt"],
        }
    )
    citing = {
        (event_id, article)
        for event_id, cell in zip(kept["event_id"], kept["article_id"], strict=True)
        for article in contract.article_ids(cell)
        if article
    }
    cited = pd.Series([a for _, a in citing]).value_counts()
    no_url = in_file_order(articles, "article_id")
    no_url = no_url[no_url["article_id"].isin(cited.index) & (no_url["url"].str.strip() == "")]
    columns = ["article_id", "title", "outlet", "published", "language"]
    without_url = no_url[columns].assign(events=no_url["article_id"].map(cited).astype("int64"))
    every = {a for cell in events["article_id"] for a in contract.article_ids(cell)}
    uncited = in_file_order(articles, "article_id")
    uncited = uncited.loc[~uncited["article_id"].isin(every), ["article_id", "title", "outlet"]]
    lists = {
        "outside": outside,
        "without_english": without_english,
        "articles_without_url": without_url,
        "uncited_articles": uncited,
    }
    return {name: (frame.reset_index(drop=True), len(frame)) for name, frame in lists.items()}


def _warned(rows: pd.DataFrame) -> list[bool]:
    """Whether the loader's geography check warns about each row, every row checked as one of a file."""
    numbered = rows.assign(**{LINE: range(2, len(rows) + 2)})
    _, problems = locate_events(numbered, GEO, "rows.csv")
    warned = {p.line for p in problems if p.column == GEOGRAPHY_COLUMN}
    return [line in warned for line in numbered[LINE]]


def test_an_event_is_beyond_tolerance_exactly_when_its_own_warning_exists(
    tmp_path, fixture_rows, make_data_dir
):
    """An import's warning names a line of the imported file, not of events.csv; imported rows count too."""
    from borderstates.importers.run import import_file
    from tests.import_helpers import IMPORTS

    t1, t2, t3 = fixture_rows
    directory = make_data_dir(
        [
            dict(t1, latitude=OFF_BAKU[0], longitude=OFF_BAKU[1], country="AZE"),  # line 2: within 25 km
            t2,
            dict(t3, latitude=MOSCOW[0], longitude=MOSCOW[1]),  # line 4: in Russia, declared UKR
        ]
    )
    acled = (IMPORTS / "acled_api.csv").read_text(encoding="utf-8").splitlines(keepends=True)
    acled[1] = acled[1].replace(",49.9935,36.2304,", f",{MOSCOW[0]},{MOSCOW[1]},")  # line 2, declared UKR
    moved = tmp_path / "acled.csv"
    moved.write_text("".join(acled), encoding="utf-8")
    import_file(moved, into=directory)
    store = open_store(directory)
    warned = [(Path(p.file).name, p.line) for p in store.status.problems if p.column == GEOGRAPHY_COLUMN]
    assert sorted(warned) == [("acled.csv", 2), ("events.csv", 4)]
    outside = quality.build_report(store, EVERYTHING, GEO).outside.set_index("event_id")["beyond_tolerance"]
    assert outside.to_dict() == {"T-1": False, "T-3": True, "ACLED:UKR1001": True}


def test_events_whose_source_names_another_region_are_listed_tolerant_to_spellings(tmp_path):
    """ACLED's, UCDP's and GDELT's admin-1 against the region each point lies in."""
    from borderstates.importers.run import import_file
    from tests.import_helpers import IMPORTS

    directory = curated_dir(tmp_path / "data")
    acled = (IMPORTS / "acled_api.csv").read_text(encoding="utf-8")
    # Donetsk's event named Dnipropetrovs'k (another region); Kharkiv's spelt as UCDP would
    changed = tmp_path / "acled.csv"
    changed.write_text(
        acled.replace(",Donetsk,", ",Dnipropetrovs'k,", 1).replace(
            ",Kharkiv,Kharkivskyi,", ",Kharkiv oblast,Kharkivskyi,", 1
        ),
        encoding="utf-8",
    )
    gdelt = (IMPORTS / "gdelt_events.export.CSV").read_text(encoding="utf-8")
    fips = tmp_path / "gdelt.export.CSV"
    fips.write_text(gdelt.replace("\tUP07\t", "\tUP04\t", 1), encoding="utf-8")  # Dnipropetrovsk for Kharkiv
    for path in (changed, IMPORTS / "ucdp_ged.csv", fips):
        import_file(path, into=directory)
    store = open_store(directory)
    report = quality.build_report(store, EVERYTHING, ROOT / "data" / "geo")
    listed = report.other_region.set_index("event_id")
    assert sorted(listed.index) == ["ACLED:UKR1002", "GDELT:1155500001"] and report.other_region_count == 2
    assert listed.loc["ACLED:UKR1002"].tolist() == [
        "Avdiivka", "Dnipropetrovs'k", "UA-12 Dnipropetrovsk Oblast", "UA-14 Donetsk Oblast",
    ]  # fmt: skip
    assert listed.loc["GDELT:1155500001", "means"] == "UA-12 Dnipropetrovsk Oblast"
    assert listed.loc["GDELT:1155500001", "lies_in"] == "UA-63 Kharkiv Oblast"
    # Kharkiv oblast, Kharkivs'ka oblast, UP07, Shusha, Odeska, Baku, Tbilisi, GG51: all agree
    assert report.unknown_admin1.to_dict("records") == [{"source_admin1": "AM", "events": 1}]
    # the check follows the filter, and does not run without regions or without imported rows
    only_ucdp = quality.build_report(store, EventFilter(datasets=("UCDP",)), ROOT / "data" / "geo")
    assert only_ucdp.other_region_count == 0 and only_ucdp.other_region.empty
    assert quality.build_report(store, EVERYTHING).other_region is None
    curated = quality.build_report(
        open_store(curated_dir(tmp_path / "plain")), EVERYTHING, ROOT / "data" / "geo"
    )
    assert curated.other_region is None


def curated_dir(directory):
    """A data directory holding the three curated test events, and no store yet."""
    directory.mkdir()
    shutil.copy(FIXTURES / "events.csv", directory / "events.csv")
    shutil.copy(FIXTURES / "articles.csv", directory / "articles.csv")
    return directory
