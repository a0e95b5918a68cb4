"""UCDP GED files: mixed date formats, Gleditsch–Ward countries, sources as articles, broken rows."""

import pytest

from .import_helpers import IMPORTS, assert_valid, import_to, problem_lines


@pytest.fixture(scope="module")
def ucdp_dir(tmp_path_factory):
    return tmp_path_factory.mktemp("ucdp")


@pytest.fixture(scope="module")
def ucdp(ucdp_dir):
    return import_to(ucdp_dir, "ucdp_ged.csv", "ucdp")


def test_result_passes_validation(ucdp_dir, ucdp):
    report, events, _ = ucdp
    assert report.log.errors == 0 and len(events) == 5
    assert report.left_out == {"located outside UKR, GEO, ARM, AZE, RUS": 1}  # the event in Syria
    assert_valid(ucdp_dir / "out" / "events.csv")


def test_mixed_date_formats_are_month_first(ucdp):
    _, events, _ = ucdp
    iso = events["UCDP:900001"]
    assert (iso["date"], iso["date_end"], iso["date_precision"]) == ("2022-03-01", "", "day")
    us_style = events["UCDP:900002"]  # 3/5/2022 12:00:00 AM … 3/7/2022 12:00:00 AM
    assert (us_style["date"], us_style["date_end"], us_style["date_precision"]) == (
        "2022-03-05",
        "2022-03-07",
        "week",
    )
    zero_padded = events["UCDP:900003"]  # 05/02/2014 00:00, date_prec 3
    assert (zero_padded["date"], zero_padded["date_end"], zero_padded["date_precision"]) == (
        "2014-05-02", "2014-05-04", "week")  # fmt: skip
    assert events["UCDP:900004"]["date_precision"] == "year"


def test_violence_types_and_fatalities(ucdp):
    _, events, _ = ucdp
    assert [events[i]["relation_type"] for i in ("UCDP:900001", "UCDP:900002")] == ["military", "security"]
    assert {e["quad_class"] for e in events.values()} == {"material_conflict"}
    assert events["UCDP:900002"]["source_code"] == "type_of_violence=3"
    assert events["UCDP:900001"]["fatalities"] == "10" and events["UCDP:900004"]["fatalities"] == ""
    # UCDP's low and high are kept beside its best estimate.
    assert (events["UCDP:900001"]["fatalities_low"], events["UCDP:900001"]["fatalities_high"]) == ("8", "14")
    assert (events["UCDP:900004"]["fatalities_low"], events["UCDP:900004"]["fatalities_high"]) == ("", "")
    assert events["UCDP:900002"]["summary"] == (
        "One-sided violence by Government of Russia against Civilians in Bucha: 1 death (UCDP best estimate)."
    )


def test_sides_get_canonical_names_and_gleditsch_ward_countries(ucdp):
    _, events, _ = ucdp
    war = events["UCDP:900001"]
    assert (war["actor1"], war["actor1_country"]) == ("Government of Russia", "RUS")
    assert (war["actor2"], war["actor2_country"]) == ("Government of Ukraine", "UKR")
    assert "In UCDP side_a is 'Government of Russia (Soviet Union)'." in war["notes"]
    donbas = events["UCDP:900003"]
    assert (donbas["actor2"], donbas["actor2_country"]) == ("DPR", "")
    assert events["UCDP:900005"]["country"] == "AZE"  # Shusha, by country_id 373


def test_where_precision_and_country_level_events_on_the_capital(ucdp):
    _, events, _ = ucdp
    assert [events[i]["geo_precision"] for i in ("UCDP:900001", "UCDP:900002", "UCDP:900003")] == [
        "exact", "city", "region"]  # fmt: skip
    assert events["UCDP:900001"]["location"] == "Kharkiv"  # where_coordinates `Kharkiv town`
    georgia = events["UCDP:900004"]
    assert (georgia["geo_precision"], georgia["location"]) == ("country", "Tbilisi")
    assert abs(float(georgia["latitude"]) - 41.69) < 0.05
    assert "shown on the capital" in georgia["notes"]


def test_headlines_offices_and_dates_become_articles(ucdp):
    _, events, articles = ucdp
    cited = [articles[a] for a in events["UCDP:900001"]["article_id"].split(";")]
    assert [(a["title"], a["outlet"], a["published"]) for a in cited] == [
        ("Shelling of Kharkiv centre", "Ukrinform", "2022-03-01"),
        ("Russian strikes hit Kharkiv", "BBC Monitoring", "2022-03-02"),
    ]
    # Two offices, one headline: the second article gets a title in brackets.
    second = articles[events["UCDP:900005"]["article_id"].split(";")[1]]
    assert second["title"] == "[Armenpress report of 2020-10-09]"
    assert articles[events["UCDP:900004"]["article_id"]]["url"] == "https://ucdp.uu.se/"


def test_uneven_source_lists_are_a_warning(ucdp):
    report, _, _ = ucdp
    assert problem_lines(report) == [
        f"{IMPORTS / 'ucdp_ged.csv'}:6: source_headline: warning: 'Shelling in Shusha' has another number of "
        "entries than source_office; paired in order"
    ]


def test_broken_rows_are_reported_with_lines_and_the_rest_imported(tmp_path):
    report, events, _ = import_to(tmp_path, "ucdp_broken.csv")
    name = str(IMPORTS / "ucdp_broken.csv")
    assert problem_lines(report) == [
        f"{name}:3: type_of_violence: '9' is not a UCDP type of violence (1, 2 or 3)",
        f"{name}:4: date_start: '2022-13-45' is not a date (2014-01-22 or 1/22/2014)",
        f"{name}:5: country: 'Atlantis' is no country we can map to ISO 3166-1 alpha-3 "
        "(nor is its country_id)",
        f"{name}:6: date_end: '2022-03-01' is before date_start",
    ]
    assert list(events) == ["UCDP:900001"]
    assert_valid(tmp_path / "out" / "events.csv")


def test_the_sources_adm_1_is_kept_as_it_came(ucdp):
    _, events, _ = ucdp
    assert events["UCDP:900001"]["source_admin1"] == "Kharkivs'ka oblast"
    assert events["UCDP:900004"]["source_admin1"] == ""
    assert events["UCDP:900005"]["source_admin1"] == "Shusha"
