"""data/geo is rebuilt from Natural Earth by the project's own script, and the result is what ships."""

import geopandas as gpd
import pytest
import shapely

from borderstates.core.contract import FOCUS_STATES as FOCUS
from borderstates.core.geobuild import CONTEXT_FRAME, build_geo

from .conftest import ROOT

SHIPPED = ROOT / "data" / "geo"

#: How far (degrees) the simplification may move a coast inland; gaps further from the sea count.
COAST = 0.05


@pytest.fixture(scope="module")
def rebuilt(tmp_path_factory):
    out = tmp_path_factory.mktemp("geo")
    build_geo(out)
    return out


def test_rebuild_reproduces_the_shipped_drawing_copy(rebuilt):
    assert (rebuilt / "countries.geojson").read_bytes() == (SHIPPED / "countries.geojson").read_bytes()


def test_rebuild_reproduces_the_shipped_regions(rebuilt):
    assert (rebuilt / "regions.geojson").read_bytes() == (SHIPPED / "regions.geojson").read_bytes()
    built, shipped = (
        gpd.read_parquet(rebuilt / "regions_full.parquet"),
        gpd.read_parquet(SHIPPED / "regions_full.parquet"),
    )
    assert built.drop(columns="geometry").equals(shipped.drop(columns="geometry"))
    assert built.geometry.geom_equals_exact(shipped.geometry, tolerance=0).all()


def test_rebuild_reproduces_the_shipped_full_layer(rebuilt):
    built, shipped = (
        gpd.read_parquet(rebuilt / "countries_full.parquet"),
        gpd.read_parquet(SHIPPED / "countries_full.parquet"),
    )
    assert built["iso_a3"].tolist() == shipped["iso_a3"].tolist()
    assert built.geometry.geom_equals_exact(shipped.geometry, tolerance=0).all()


def test_drawing_copy_is_small_and_keeps_exclaves():
    assert (SHIPPED / "countries.geojson").stat().st_size <= 1.5 * 1024 * 1024
    drawing = gpd.read_file(SHIPPED / "countries.geojson").set_index("iso_a3")
    places = {
        "AZE": (45.4122, 39.2089),
        "RUS": (20.5103, 54.7104),
        "UKR": (34.1024, 44.9521),
    }  # Nakhchivan, Kaliningrad, Simferopol
    for code, (lon, lat) in places.items():
        assert drawing.loc[code].geometry.contains(shapely.Point(lon, lat)), code
    assert set(FOCUS) <= set(drawing.index)
    assert drawing.total_bounds[0] >= -180 and drawing.total_bounds[2] <= 180


def test_worldview_puts_disputed_areas_where_the_contract_says():
    full = gpd.read_parquet(SHIPPED / "countries_full.parquet").set_index("iso_a3")
    places = {
        "UKR": [(33.5254, 44.6166 - 0.02), (37.8028, 48.0159)],  # Sevastopol (south of the bay), Donetsk
        "GEO": [(41.0234, 43.0015), (43.9686, 42.2276)],  # Sukhumi, Tskhinvali
        "AZE": [(46.7519, 39.8153)],  # Khankendi (Stepanakert)
    }
    for code, points in places.items():
        for lon, lat in points:
            assert full.loc[code].geometry.contains(shapely.Point(lon, lat)), (code, lon, lat)


def gaps_and_overlaps(drawn, full):
    """Return what is wrong with ``drawn`` (GeoSeries by iso_a3) as a coverage of ``full`` (or [])."""
    geoms, problems = drawn.to_numpy(), []
    invalid = drawn.index[~shapely.is_valid(geoms)].tolist()
    if invalid:
        problems.append(f"invalid polygons: {invalid}")
    if not shapely.coverage_is_valid(geoms):  # overlaps, or borders not shared vertex for vertex
        edges = shapely.coverage_invalid_edges(geoms)
        problems.append(f"overlaps or unmatched borders: {drawn.index[~shapely.is_empty(edges)].tolist()}")
    land, drawn_land = shapely.union_all(full), shapely.union_all(geoms)
    inland = shapely.buffer(shapely.intersection(land, shapely.box(*CONTEXT_FRAME)), -COAST)
    if not shapely.covers(drawn_land, inland):
        missing = shapely.difference(inland, drawn_land)
        problems.append(f"land left out: {missing.area:.4g} sq. deg. at {missing.representative_point()}")
    for part in shapely.get_parts(drawn_land):
        for hole in map(shapely.Polygon, part.interiors):
            if shapely.intersection(hole, land).area >= hole.area / 2:
                problems.append(f"a hole on land at {hole.representative_point()}")
    return problems


def test_drawing_copy_has_no_gaps_or_overlaps_between_neighbours():
    drawing = gpd.read_file(SHIPPED / "countries.geojson").set_index("iso_a3")  # rounded as shipped
    full = gpd.read_parquet(SHIPPED / "countries_full.parquet").set_index("iso_a3")
    assert gaps_and_overlaps(drawing.geometry, full.loc[drawing.index].geometry.to_numpy()) == []
