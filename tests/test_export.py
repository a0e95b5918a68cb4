import csv
import io
import json

import pandas as pd
import pytest
from streamlit.runtime.download_data_util import convert_data_to_bytes_and_infer_mime

from borderstates.core.engine import open_store
from borderstates.core.export import FORMATS, export_bytes, export_events, export_file
from borderstates.core.filters import EventFilter
from borderstates.core.load import load_dataset, load_events

HOSTILE = ["=cmd|' /C calc'!A0", "+1+1", "-2+3", "@SUM(1)", "\t=1", "\r=1", "'=1"]


def test_an_export_adds_the_first_articles_fields(fixture_rows, make_data_dir):
    store = open_store(make_data_dir(fixture_rows))
    text = export_bytes(store, EventFilter()).decode("utf-8")
    flat = pd.DataFrame(list(csv.DictReader(io.StringIO(text)))).set_index("event_id")
    assert flat.loc["T-2", "article_title"] == "[Test article one]"  # A-1;A-2: the first one
    assert flat.loc["T-3", "article_url"] == "https://example.org/two"
    assert flat.loc["T-1", "date"] == "2024-02-01" and flat.loc["T-1", "date_end"] == ""
    assert "_line" not in flat.columns and "span_end" not in flat.columns and "located_in" not in flat.columns
    assert flat[["region", "region_name"]].to_dict("index") == {
        "T-1": {"region": "AM-ER", "region_name": "Yerevan"},
        "T-2": {"region": "AZ-BA", "region_name": "Baku"},
        "T-3": {"region": "UA-30", "region_name": "Kyiv"},
    }


def test_a_loaded_export_gets_its_regions_computed_again_not_read(fixture_rows, make_data_dir, tmp_path):
    out = tmp_path / "export.csv"
    export_events(open_store(make_data_dir(fixture_rows)), EventFilter(), out)
    rows = list(csv.DictReader(out.open(encoding="utf-8", newline="")))
    for row in rows:
        row["region"], row["region_name"] = "UA-14", "Donetsk Oblast"  # edited by hand: not trusted
    again = tmp_path / "again"
    again.mkdir()
    with (again / "events.csv").open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, list(rows[0]), lineterminator="\r\n")
        writer.writeheader()
        writer.writerows(rows)
    (again / "articles.csv").write_bytes((tmp_path / "data" / "articles.csv").read_bytes())
    data = load_dataset(again)
    assert data.problems == []
    assert data.events["region"].astype(str).tolist() == ["AM-ER", "AZ-BA", "UA-30"]
    assert data.events["region_name"].astype(str).tolist() == ["Yerevan", "Baku", "Kyiv"]
    assert list(data.events.columns).count("region") == 1


def test_csv_export_neutralises_formulas_and_round_trips(fixture_rows, make_data_dir, tmp_path):
    rows = [
        dict(fixture_rows[i % 3], event_id=f"H-{i}", summary=text, actor2=text, notes=text)
        for i, text in enumerate(HOSTILE)
    ]
    directory = make_data_dir(rows)
    data = load_dataset(directory)
    assert len(data.events) == len(HOSTILE)
    out = tmp_path / "export.csv"
    export_events(open_store(directory), EventFilter(), out)
    raw = pd.read_csv(out, dtype=str, keep_default_na=False)
    for column in ("summary", "actor2", "notes"):
        assert all(cell.startswith("'") for cell in raw[column]), column
    assert raw["longitude"].str.startswith("'").sum() == 0  # numbers stay numbers
    again, problems, _ = load_events(out)
    assert problems == []
    for column in ("summary", "actor2", "notes", "excerpt", "tags"):
        assert again[column].astype(str).tolist() == data.events[column].astype(str).tolist()
    assert again["fatalities"].tolist() == data.events["fatalities"].tolist()


def test_non_ascii_survives_csv_bytes(fixture_rows, make_data_dir):
    text = export_bytes(open_store(make_data_dir(fixture_rows)), EventFilter()).decode("utf-8")
    assert "Oekraïne" in text and "'s-Hertogenbosch" in text
    assert "''s-Hertogenbosch" not in text


def test_geojson_has_a_point_per_event(fixture_rows, make_data_dir, tmp_path):
    out = tmp_path / "events.geojson"
    assert export_events(open_store(make_data_dir(fixture_rows)), EventFilter(), out, "geojson") == 3
    collection = json.loads(out.read_text(encoding="utf-8"))
    first = collection["features"][0]
    assert first["geometry"] == {"type": "Point", "coordinates": [44.5126, 40.1776]}
    assert first["properties"]["excerpt"].startswith("Jeravan")
    assert first["properties"]["fatalities"] is None
    assert collection["features"][2]["properties"]["excerpt"].endswith(
        "Oekraïne steun toe tegen de Russische inval."
    )


@pytest.mark.parametrize("export_format", FORMATS)
def test_a_download_is_the_command_lines_file_written_into_a_temporary_file(
    export_format, fixture_rows, make_data_dir, tmp_path
):
    store = open_store(make_data_dir(fixture_rows))
    out = tmp_path / f"events.{export_format}"
    export_events(store, EventFilter(), out, export_format)
    with export_file(store, EventFilter(), export_format) as download:
        # What Streamlit's download button does with it: read it whole, once.
        held, _ = convert_data_to_bytes_and_infer_mime(download, ValueError("not a file Streamlit takes"))
    assert held == out.read_bytes()


def test_a_download_with_a_limit_holds_the_first_rows_in_the_exports_order(fixture_rows, make_data_dir):
    rows = [dict(fixture_rows[n % 3], event_id=f"L-{n}") for n in range(7)]
    store = open_store(make_data_dir(rows))
    everything = export_bytes(store, EventFilter()).decode("utf-8").splitlines(keepends=True)
    first = export_bytes(store, EventFilter(), limit=4).decode("utf-8").splitlines(keepends=True)
    assert first == everything[:5]  # the header and four rows
    collection = json.loads(export_bytes(store, EventFilter(), "geojson", limit=4))
    assert [f["properties"]["event_id"] for f in collection["features"]] == ["L-0", "L-1", "L-2", "L-3"]
