"""GDELT 2.0 event exports: plain and zipped, CAMEO, FIPS, actors by code, broken rows."""

import zipfile

import pytest

from borderstates.importers.run import import_file

from .import_helpers import IMPORTS, assert_valid, import_to, problem_lines


@pytest.fixture(scope="module")
def gdelt_dir(tmp_path_factory):
    return tmp_path_factory.mktemp("gdelt")


@pytest.fixture(scope="module")
def gdelt(gdelt_dir):
    return import_to(gdelt_dir, "gdelt_events.export.CSV", "gdelt")


def test_zip_holds_the_plain_fixture_and_imports_alike(tmp_path, gdelt):
    with zipfile.ZipFile(IMPORTS / "gdelt_events.export.CSV.zip") as archive:
        assert archive.read(archive.namelist()[0]) == (IMPORTS / "gdelt_events.export.CSV").read_bytes()
    assert import_to(tmp_path, "gdelt_events.export.CSV.zip", "gdelt")[1:] == gdelt[1:]


def test_result_passes_validation_with_empty_excerpts(gdelt_dir, gdelt):
    report, events, _ = gdelt
    assert report.log.problems == [] and len(events) == 6
    assert report.left_out == {
        "without a place (GDELT could not locate them)": 1,
        "located outside UKR, GEO, ARM, AZE, RUS": 1,
    }
    assert {e["excerpt"] for e in events.values()} == {""}
    assert_valid(gdelt_dir / "out" / "events.csv")


def test_cameo_codes_give_relation_type_and_quad_class(gdelt):
    _, events, _ = gdelt
    expected = {
        "GDELT:1155500001": ("military", "material_conflict", "195"),  # employ aerial weapons
        "GDELT:1155500002": ("military", "material_cooperation", "062"),  # cooperate militarily
        "GDELT:1155500003": ("political", "verbal_conflict", "141"),  # demonstrate
        "GDELT:1155500004": ("sanctions", "material_conflict", "163"),  # embargo, sanctions
        "GDELT:1155500005": ("diplomatic", "verbal_cooperation", "042"),  # make a visit
        "GDELT:1155500008": ("diplomatic", "verbal_cooperation", "010"),  # leading zero kept
    }
    for event_id, values in expected.items():
        event = events[event_id]
        assert (event["relation_type"], event["quad_class"], event["source_code"]) == values


def test_fips_codes_and_geographic_types(gdelt):
    _, events, _ = gdelt
    assert [events[f"GDELT:115550000{n}"]["country"] for n in (1, 2, 3, 4, 5)] == [
        "UKR",
        "ARM",
        "RUS",
        "GEO",
        "AZE",
    ]
    assert events["GDELT:1155500001"]["geo_precision"] == "city"
    assert events["GDELT:1155500005"]["geo_precision"] == "region"
    armenia = events["GDELT:1155500002"]  # ActionGeo_Type 1: the country only
    assert (armenia["geo_precision"], armenia["location"]) == ("country", "Yerevan")


def test_actors_by_code_then_name_keeping_roles(gdelt):
    _, events, _ = gdelt
    actors = {i: (e["actor1"], e["actor1_country"]) for i, e in events.items()}
    assert actors["GDELT:1155500001"] == ("Government of Russia", "RUS")  # RUSSIA
    assert actors["GDELT:1155500002"] == ("Russian armed forces", "RUS")  # RUSMIL
    assert actors["GDELT:1155500003"] == ("RUSSIA (opposition)", "RUS")  # RUSOPP: not the government
    assert actors["GDELT:1155500004"] == ("Government of the United States", "USA")
    assert actors["GDELT:1155500008"] == ("(unnamed)", "")
    assert events["GDELT:1155500005"]["actor2"] == ""
    assert "In GDELT Actor1 is 'RUSSIA' (RUSMIL)." in events["GDELT:1155500002"]["notes"]


def test_summary_is_built_from_cameo_and_actors(gdelt):
    _, events, _ = gdelt
    assert events["GDELT:1155500001"]["summary"] == (
        "Government of Russia → Employ aerial weapons → Government of Ukraine "
        "(Kharkiv, Kharkivs'ka Oblast', Ukraine)."
    )


def test_source_urls_become_articles_shared_by_events(gdelt):
    _, events, articles = gdelt
    first, last = events["GDELT:1155500001"]["article_id"], events["GDELT:1155500008"]["article_id"]
    assert first == last and first.startswith("GDELT:")
    article = articles[first]
    assert (article["url"], article["outlet"], article["title"], article["published"]) == (
        "https://www.example.com/news/kharkiv-strike",
        "example.com",
        "[Article on example.com]",
        "2024-02-16",
    )
    not_a_url = articles[events["GDELT:1155500005"]["article_id"]]  # SOURCEURL `BBC Monitoring`
    assert (not_a_url["url"], not_a_url["outlet"]) == ("", "BBC Monitoring")
    assert len(articles) == 5


def test_broken_rows_are_reported_with_lines_and_the_rest_imported(tmp_path):
    report, events, _ = import_to(tmp_path, "gdelt_broken.export.CSV")
    name = str(IMPORTS / "gdelt_broken.export.CSV")
    assert problem_lines(report) == [
        f"{name}:2: -: 58 columns, expected 61",
        f"{name}:3: ActionGeo_CountryCode: 'XX' is no FIPS 10-4 country code we know "
        "(nor is the place's country name)",
        f"{name}:4: SQLDATE: '20241345' is not a date written YYYYMMDD",
        f"{name}:5: EventCode: '995' is not a CAMEO event code",
        f"{name}:6: QuadClass: '7' is not a GDELT QuadClass (1 to 4)",
    ]
    assert set(events) == {"GDELT:1155500001", "GDELT:1155500004"}
    assert_valid(tmp_path / "out" / "events.csv")


def test_an_export_with_a_header_row_imports_too(tmp_path, gdelt):
    # BigQuery and other tools write the same columns comma-separated, with their names.
    from borderstates.importers.gdelt import COLUMNS

    lines = (IMPORTS / "gdelt_events.export.CSV").read_text(encoding="utf-8").splitlines()
    rows = [",".join(COLUMNS)] + [",".join(f'"{cell}"' for cell in line.split("\t")) for line in lines]
    path = tmp_path / "bigquery.csv"
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    report = import_file(path, output=tmp_path / "out" / "events.csv")
    assert report.format == "gdelt" and report.imported == 6 and report.log.errors == 0


def test_many_rows_of_one_kind_are_counted_not_all_listed(tmp_path):
    good, short = (IMPORTS / "gdelt_broken.export.CSV").read_text(encoding="utf-8").splitlines()[:2]
    path = tmp_path / "damaged.export.CSV"
    path.write_text("\n".join([good] + [short] * 25) + "\n", encoding="utf-8")
    report = import_file(path, "gdelt", output=tmp_path / "out" / "events.csv")
    assert report.log.errors == 25 and len(report.log.problems) == 10
    assert report.log.more() == ["… and 15 more like this: -: 58 columns, expected 61"]


def test_the_fips_adm1_code_is_kept_as_it_came(gdelt):
    _, events, _ = gdelt
    kept = {e["location"]: e["source_admin1"] for e in events.values()}
    assert (
        kept["Kharkiv"] == "UP07" and kept["Tbilisi"] == "GG51" and kept["Yerevan"] == "AM"
    )  # country level: on the capital
