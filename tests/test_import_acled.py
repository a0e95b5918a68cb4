"""ACLED exports: both variants of the file, the contract's mapping, broken rows."""

import datetime as dt

import pytest

from borderstates.core.load import load_events

from .import_helpers import IMPORTS, assert_valid, import_to, problem_lines


@pytest.fixture(scope="module")
def acled_dir(tmp_path_factory):
    return tmp_path_factory.mktemp("acled")


@pytest.fixture(scope="module")
def acled(acled_dir):
    return import_to(acled_dir, "acled_export.csv", "acled")


def test_export_tool_and_api_variants_import_alike(tmp_path, acled):
    # The export tool writes `16 February 2024` and actor types as text; the API ISO dates and codes.
    _, from_export, export_articles = acled
    _, from_api, api_articles = import_to(tmp_path / "api", "acled_api.csv", "acled")
    assert from_export == from_api and export_articles == api_articles
    assert len(from_export) == 7


def test_result_passes_validation(acled_dir, acled):
    report, _, _ = acled
    assert report.log.problems == [] and report.log.errors == 0
    assert_valid(acled_dir / "out" / "events.csv")


def test_focus_countries_by_default_everything_on_request(tmp_path, acled):
    report, events, _ = acled
    assert {e["country"] for e in events.values()} == {"UKR", "RUS", "GEO", "AZE", "ARM"}
    assert report.left_out == {"located outside UKR, GEO, ARM, AZE, RUS": 2}
    _, everything, _ = import_to(tmp_path / "all", "acled_export.csv", all_countries=True)
    assert everything["ACLED:POL6001"]["country"] == "POL"
    assert everything["ACLED:XKX7001"]["country"] == "XKX"  # ACLED's iso 0: from the name Kosovo


def test_event_types_give_relation_and_quad_class(acled):
    _, events, _ = acled
    expected = {
        "ACLED:UKR1001": ("military", "material_conflict", "Shelling/artillery/missile attack"),
        "ACLED:RUS2001": ("security", "material_conflict", "Arrests"),
        "ACLED:GEO3001": ("political", "verbal_conflict", "Peaceful protest"),
        "ACLED:AZE4001": ("diplomatic", "verbal_cooperation", "Agreement"),
        "ACLED:ARM5001": ("political", "material_conflict", "Mob violence"),
        "ACLED:UKR1003": ("military", "material_conflict", "Disrupted weapons use"),
    }
    for event_id, (relation, quad, source_code) in expected.items():
        event = events[event_id]
        assert (event["relation_type"], event["quad_class"], event["source_code"]) == (
            relation,
            quad,
            source_code,
        )
        assert event["dataset"] == "ACLED" and event["excerpt"] == ""


def test_time_precision_widens_the_dates(acled):
    _, events, _ = acled
    day, week, month = events["ACLED:UKR1001"], events["ACLED:UKR1002"], events["ACLED:GEO3001"]
    assert (day["date"], day["date_end"], day["date_precision"]) == ("2024-02-16", "", "day")
    # ACLED dates a week by its middle day.
    assert (week["date"], week["date_end"], week["date_precision"]) == ("2024-02-09", "2024-02-15", "week")
    assert "week around 2024-02-12" in week["notes"]
    assert (month["date"], month["date_end"], month["date_precision"]) == ("2024-02-01", "", "month")


def test_actors_get_canonical_names_and_countries(acled):
    _, events, _ = acled
    shelling = events["ACLED:UKR1001"]
    assert (shelling["actor1"], shelling["actor1_country"]) == ("Russian armed forces", "RUS")
    assert (shelling["actor2"], shelling["actor2_country"]) == ("Civilians (Ukraine)", "UKR")
    assert "In ACLED actor1 is 'Military Forces of Russia (2000-)'." in shelling["notes"]
    arrest = events["ACLED:RUS2001"]
    assert (arrest["actor1"], arrest["actor2_country"]) == ("Russian police", "RUS")
    agreement = events["ACLED:AZE4001"]
    assert (agreement["actor1"], agreement["actor2"]) == ("Government of Azerbaijan", "Government of Armenia")
    assert "associates with actor1: Air Force of Ukraine" in events["ACLED:UKR1003"]["notes"]


def test_notes_are_the_summary_and_each_outlet_an_article(acled):
    _, events, articles = acled
    shelling = events["ACLED:UKR1001"]
    assert shelling["summary"].startswith("On 16 February 2024, Russian forces shelled")
    outlets = [articles[a]["outlet"] for a in shelling["article_id"].split(";")]
    assert outlets == ["Ukrainska Pravda", "Kharkiv Regional Military Administration"]
    assert articles[shelling["article_id"].split(";")[0]]["title"] == "[Ukrainska Pravda, as cited by ACLED]"
    # `Interpressnews; Civil Georgia; interpressnews`: one article per outlet, however spelt.
    assert len(events["ACLED:GEO3001"]["article_id"].split(";")) == 2
    # The same outlet is the same article across events and imports.
    assert all(a.startswith("ACLED:") for a in articles)


def test_an_event_without_notes_or_source_still_has_both(acled):
    _, events, articles = acled
    quiet = events["ACLED:UKR1003"]
    assert quiet["summary"] == "Disrupted weapons use: Ukrainian armed forces, Odesa."
    assert articles[quiet["article_id"]]["url"] == "https://acleddata.com/"


def test_tags_fatalities_and_revision_time(acled):
    _, events, _ = acled
    assert events["ACLED:UKR1001"]["tags"] == "civilian targeting"
    assert events["ACLED:RUS2001"]["tags"] == "crowd size=no report"
    assert events["ACLED:UKR1001"]["fatalities"] == "2"
    assert events["ACLED:UKR1001"]["source_updated"] == "2024-02-18T23:46:40Z"


def test_formula_like_notes_are_guarded_and_load_back(acled_dir, acled):
    _, events, _ = acled
    assert events["ACLED:ARM5001"]["summary"].startswith("'=On 14 February")
    loaded, _, _ = load_events(acled_dir / "out" / "events.csv")
    summary = loaded.set_index("event_id").loc["ACLED:ARM5001", "summary"]
    assert summary.startswith("=On 14 February")


def test_since_and_until_keep_overlapping_spans(tmp_path):
    report, events, _ = import_to(tmp_path, "acled_export.csv", since=dt.date(2024, 2, 15),
                                  until=dt.date(2024, 2, 16))  # fmt: skip
    # The week 9–15 February reaches the 15th; the month of February covers both days.
    assert set(events) == {"ACLED:UKR1001", "ACLED:UKR1002", "ACLED:GEO3001"}
    assert report.left_out["dated outside --since/--until"] == 4


def test_broken_rows_are_reported_with_lines_and_the_rest_imported(tmp_path):
    report, events, _ = import_to(tmp_path, "acled_broken.csv", all_countries=True)
    name = str(IMPORTS / "acled_broken.csv")
    assert problem_lines(report) == [
        f"{name}:3: event_date: '31 February 2024' is not a date written 16 February 2024 or 2024-02-16",
        f"{name}:4: event_type: 'Duels / Armed clash' is not an ACLED event type / sub-event type",
        f"{name}:5: country: 'Atlantis' is no country we can map to ISO 3166-1 alpha-3 (nor is its iso code)",
        f"{name}:6: -: 29 columns, expected 31",
        f"{name}:7: latitude: '148.5' is not a latitude from -90 to 90",
        f"{name}:8: inter1: warning: 'Aliens' is not an ACLED actor type (1–8 or its name)",
        f"{name}:8: fatalities: warning: '2.5' is not a whole number ≥ 0; left empty",
    ]
    assert report.log.errors == 5 and report.rows_read == 7
    assert set(events) == {"ACLED:UKR9001", "ACLED:UKR9007"}
    assert events["ACLED:UKR9007"]["fatalities"] == ""
    assert_valid(tmp_path / "out" / "events.csv")


def test_one_sided_events_of_a_numeric_export_import_without_warnings(tmp_path):
    # ACLED's codebook codes the missing actor2 of a one-sided event as inter2 0 (interaction 10,
    # 60, 80, …); a spreadsheet may have re-saved the codes as 0.0 or 80.0.
    report, events, _ = import_to(tmp_path, "acled_one_sided.csv")
    assert problem_lines(report) == [] and report.log.errors == 0
    assert len(events) == report.rows_read == 8
    one_sided = ["ACLED:UKR8001", "ACLED:UKR8002", "ACLED:UKR8003", "ACLED:UKR8006", "ACLED:UKR8007",
                 "ACLED:UKR8008"]  # fmt: skip
    assert all(events[e]["actor2"] == events[e]["actor2_country"] == "" for e in one_sided)
    assert events["ACLED:UKR8006"]["date_precision"] == "day"  # time_precision 1.0
    assert events["ACLED:UKR8004"]["tags"] == "civilian targeting"
    assert_valid(tmp_path / "out" / "events.csv")


def test_every_form_of_the_codebook_codes_imports_without_warnings(tmp_path):
    # Names (as the export tool writes them, in either spelling of protesters, with a spaced
    # dash as in the codebook's table), numbers, and numbers as a spreadsheet writes them.
    report, events, _ = import_to(tmp_path, "acled_codebook_codes.csv")
    assert problem_lines(report) == [] and report.log.errors == 0
    assert len(events) == report.rows_read == 8
    # `Civilian targeting` in any case, and the codebook's `Civilians targeted`, tag the event.
    tagged = {e for e, event in events.items() if event["tags"] == "civilian targeting"}
    assert tagged == {"ACLED:UKR8102", "ACLED:UKR8103", "ACLED:UKR8104"}
    week, month, armed_clash = events["ACLED:UKR8105"], events["ACLED:UKR8106"], events["ACLED:UKR8107"]
    assert (week["date"], week["date_end"], week["date_precision"]) == ("2024-03-05", "2024-03-11", "week")
    assert (month["date"], month["date_precision"]) == ("2024-03-01", "month")
    assert month["geo_precision"] == armed_clash["geo_precision"] == "region"  # 3.0 and 2.0
    assert armed_clash["actor2_country"] == "UKR"  # inter2 1.0: the state force's own country


def test_codes_not_in_the_codebook_are_reported_once_with_file_line_and_column(tmp_path):
    report, events, _ = import_to(tmp_path, "acled_unknown_codes.csv")
    name = str(IMPORTS / "acled_unknown_codes.csv")
    interaction = "is not an ACLED interaction (such as 17 or State forces-Civilians)"
    mark = "is not ACLED's mark (Civilian targeting or empty); not tagged"
    assert problem_lines(report) == [
        f"{name}:2: inter2: warning: '9' is not an ACLED actor type (1–8 or its name)",
        f"{name}:3: inter2: warning: '0' says there is no actor2, but actor2 is named",
        f"{name}:4: inter2: warning: '7' gives actor2 a type, but actor2 is empty",
        f"{name}:5: interaction: warning: '81' {interaction}",
        f"{name}:6: interaction: warning: 'State forces-Aliens' {interaction}",
        f"{name}:7: civilian_targeting: warning: 'Yes' {mark}",
        f"{name}:8: time_precision: '4' is not an ACLED time_precision (1, 2 or 3)",
        f"{name}:9: geo_precision: '0' is not an ACLED geo_precision (1, 2 or 3)",
        f"{name}:10: time_precision: '1.5' is not an ACLED time_precision (1, 2 or 3)",
    ]
    # Warnings import the row all the same; only an unreadable precision leaves it out.
    assert report.log.errors == 3
    assert set(events) == {f"ACLED:UKR82{n:02}" for n in range(1, 7)}
    assert events["ACLED:UKR8206"]["tags"] == ""
    assert_valid(tmp_path / "out" / "events.csv")


def test_the_sources_admin1_is_kept_as_it_came(acled):
    _, events, _ = acled
    assert {i: events[i]["source_admin1"] for i in ("ACLED:UKR1001", "ACLED:UKR1003", "ACLED:AZE4001")} == {
        "ACLED:UKR1001": "Kharkiv",
        "ACLED:UKR1003": "Odeska",
        "ACLED:AZE4001": "Baku",
    }
