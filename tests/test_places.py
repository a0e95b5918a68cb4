"""The gazetteer of the focus states (core/places.py): rebuilt byte for byte, names, capitals."""

import pytest

from borderstates.core import places


@pytest.fixture(scope="module")
def shipped():
    return places.load_places()


def test_the_shipped_gazetteer_is_rebuilt_byte_for_byte(tmp_path):
    rebuilt = tmp_path / "places.csv"
    places.write_places(rebuilt)
    assert rebuilt.read_bytes() == places.PLACES_FILE.read_bytes()


def test_places_are_the_focus_states_most_populous_first(shipped):
    assert set(shipped["country"]) == {"UKR", "GEO", "ARM", "AZE"}
    assert 6_000 < len(shipped) < 6_576  # the package's 6,576, less the districts
    assert shipped["population"].is_monotonic_decreasing
    assert shipped["geonameid"].is_unique


def test_the_capitals_are_the_countries_own(shipped):
    capitals = shipped[shipped["capital"]].set_index("country")["name"].to_dict()
    assert capitals == {"UKR": "Kyiv", "AZE": "Baku", "ARM": "Yerevan", "GEO": "Tbilisi"}


@pytest.mark.parametrize(
    ("name", "local"),
    [
        ("Kyiv", "Київ"),
        ("Odesa", "Одеса"),
        ("Donetsk", "Донецьк"),  # not the Russian Донецк
        ("Kerch", "Керч"),  # not the Russian Керчь
        ("Kharkiv", "Харків"),
        ("Tbilisi", "თბილისი"),
        ("Kutaisi", "ქუთაისი"),
        ("Yerevan", "Երևան"),
        ("Gyumri", "Գյումրի"),
        ("Baku", "Bakı"),  # not the Turkish Bakü
        ("Sumgayit", "Sumqayıt"),
        ("Ganja", "Gəncə"),
        ("Naxçıvan", ""),  # the English name is the local one
    ],
)
def test_local_names_are_in_the_countrys_own_alphabet(shipped, name, local):
    assert shipped.set_index("name").loc[name, "local"] == local


@pytest.mark.parametrize("district", ["Pravyi Bereh", "Obolon", "Saltivka", "Kentron", "Shengavit", "Sykhiv"])
def test_city_districts_are_left_out(shipped, district):
    # Villages of the same name elsewhere stay; the districts of 100,000 people and more do not.
    assert not ((shipped["name"] == district) & (shipped["population"] > 100_000)).any()


@pytest.mark.parametrize("town", ["Mariupol", "Makiyivka", "Brovary", "Khirdalan", "Rustavi", "Yalta"])
def test_towns_beside_a_city_are_kept(shipped, town):
    assert town in set(shipped["name"])


def record(geonameid, name, lat, lon, population, names, country="UA"):
    return {
        "geonameid": geonameid,
        "name": name,
        "latitude": lat,
        "longitude": lon,
        "countrycode": country,
        "population": population,
        "alternatenames": [f"{name} {i}" for i in range(names)],
    }


def test_a_district_is_the_place_with_fewer_names_within_the_built_up_radius():
    city = record(1, "City", 47.0, 37.0, 230_000, 50)
    district = record(2, "Right Bank", 47.03, 37.0, 350_000, 4)  # more people, fewer names, 3 km off
    suburb = record(3, "Suburb", 47.2, 37.0, 40_000, 4)  # 22 km off: beyond the radius
    # A town beside a village with a few more names (Yalta beside Masandra): a town of its own.
    town, village = record(4, "Town", 44.5, 34.17, 77_000, 14), record(5, "Village", 44.52, 34.18, 7_000, 19)
    abroad = record(6, "Abroad", 47.0, 37.0, 900_000, 90, country="RU")
    built = places.build_places([city, district, suburb, town, village, abroad], {"UA": "City"})
    assert list(built["name"]) == ["City", "Town", "Suburb", "Village"]
    assert list(built["capital"]) == [True, False, False, False]
