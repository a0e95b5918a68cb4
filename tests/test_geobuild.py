"""data/geo is rebuilt from Natural Earth by the project's own script, and the result is what ships."""

import geopandas as gpd
import pytest
import shapely

from borderstates.geobuild import FOCUS, build_geo

from .conftest import ROOT

SHIPPED = ROOT / "data" / "geo"


@pytest.fixture(scope="module")
def rebuilt(tmp_path_factory):
    out = tmp_path_factory.mktemp("geo")
    build_geo(out)
    return out


def test_rebuild_reproduces_the_shipped_drawing_copy(rebuilt):
    assert (rebuilt / "countries.geojson").read_bytes() == (SHIPPED / "countries.geojson").read_bytes()


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
