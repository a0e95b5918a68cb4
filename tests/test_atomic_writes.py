"""No data lost: a writer killed mid-way leaves the previous file whole.

Every file the project writes goes through `csvio.atomic_write` (written aside, then renamed):
exports, the Parquet cache, the rebuilt geometry, imports. Killing an import mid-stream is
tested in test_import_merge.py (`test_killing_an_import_mid_stream_leaves_the_previous_files`);
here the other writers are killed with SIGKILL in the middle of writing, in a process of
their own, and the previous file is checked byte for byte.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap

import geopandas as gpd
import pandas as pd
import pytest

from borderstates.core.cache import CACHE_DIR_VARIABLE, read_cached
from borderstates.core.load import load_dataset, load_events
from tests.conftest import ROOT, kill_once_said

HALF_WRITTEN = "half written"  # what the child says when it is stuck in the middle of a write
# Runs the command line with one writer replaced by one that writes half and then hangs.
CHILD = """
import os, signal, sys
import geopandas as gpd
import pandas as pd

def hang():
    sys.stderr.write("half written\\n")
    sys.stderr.flush()
    signal.pause()  # until the test kills it

{patch}

from borderstates.cli import main
sys.exit(main(sys.argv[1:]))
"""
CSV_HALF = """
real = pd.DataFrame.to_csv
def to_csv(self, target=None, **options):
    text = real(self, None, **options)
    target.write(text[: len(text) // 2])
    target.flush()
    hang()
pd.DataFrame.to_csv = to_csv
"""
BEFORE_RENAME = """
real_replace = os.replace
def replace(source, target):
    if os.path.basename(str(target)).startswith("out."):
        hang()
    real_replace(source, target)
os.replace = replace
"""
PARQUET_HALF = """
import io
import pyarrow.parquet as pq
real = pq.write_table
calls = []
def write_table(table, where, **options):
    calls.append(1)
    if len(calls) < 2:  # the events are written whole; the articles are killed half-way
        return real(table, where, **options)
    buffer = io.BytesIO()
    real(table, buffer, **options)
    where.write(buffer.getvalue()[: buffer.tell() // 2])
    where.flush()
    hang()
pq.write_table = write_table
"""


def kill_mid_write(patch: str, *args: str, env: dict[str, str] | None = None) -> None:
    """Run the command line with a writer that hangs half-way, and SIGKILL it there."""
    script = CHILD.format(patch=textwrap.dedent(patch))
    process = subprocess.Popen(
        [sys.executable, "-c", script, *args],
        cwd=ROOT,
        env={**os.environ, **(env or {})},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    kill_once_said(process, HALF_WRITTEN)


@pytest.fixture
def data(fixture_rows, make_data_dir):
    many = [dict(fixture_rows[n % 3], event_id=f"K-{n}") for n in range(300)]
    return make_data_dir(many)


@pytest.mark.parametrize(
    ("export_format", "patch"),
    [("csv", CSV_HALF), ("csv-excel", CSV_HALF), ("csv", BEFORE_RENAME), ("geojson", BEFORE_RENAME)],
    ids=["csv-half-written", "csv-excel-half-written", "csv-before-rename", "geojson-before-rename"],
)
def test_a_killed_export_leaves_the_previous_file(data, tmp_path, export_format, patch):
    out = tmp_path / "out.csv"
    previous = b"event_id\r\nthe previous export\r\n"
    out.write_bytes(previous)
    events = str(data / "events.csv")
    kill_mid_write(patch, "export", "--events", events, "--format", export_format, "-o", str(out))
    assert out.read_bytes() == previous
    (aside,) = tmp_path.glob(".out.csv.*.tmp")  # the half-written file, never renamed into place
    assert aside.stat().st_size > 0

    assert subprocess.run(  # the next export replaces it whole
        [sys.executable, "-m", "borderstates.cli", "export", "--events", events, "--format",
         export_format, "-o", str(out)],
        cwd=ROOT, capture_output=True, check=False,
    ).returncode == 0  # fmt: skip
    if export_format == "geojson":
        assert len(json.loads(out.read_text(encoding="utf-8"))["features"]) == 300
    else:
        again, problems, _ = load_events(out)
        assert problems == [] and len(again) == 300


def test_a_killed_cache_write_is_never_read_and_the_previous_entry_stays(data, tmp_path, monkeypatch):
    cache = tmp_path / "cache"
    monkeypatch.setenv(CACHE_DIR_VARIABLE, str(cache))
    load_dataset(data, cache=True)  # a complete entry for the data as it is now
    (old,) = [p for p in cache.iterdir() if p.is_dir()]
    old_files = {p.name: p.read_bytes() for p in old.iterdir()}

    events = data / "events.csv"
    events.write_bytes(events.read_bytes().replace(b"K-299,", b"K-300,"))  # new content, a new entry
    load = (
        "from borderstates.core.load import load_dataset; load_dataset(sys.argv[1], cache=True); sys.exit(0)"
    )
    kill_mid_write(PARQUET_HALF + load, str(data))

    (new,) = [p for p in cache.iterdir() if p.is_dir() and p != old]
    assert (new / "events.parquet").exists() and not (new / "meta.json").exists()
    assert list(new.glob(".articles.parquet.*.tmp"))  # the half-written file, aside
    assert read_cached(new.name) is None  # an entry without meta.json is never read
    assert {p.name: p.read_bytes() for p in old.iterdir()} == old_files
    assert read_cached(old.name) is not None

    cold = load_dataset(data)
    warm = load_dataset(data, cache=True)  # loads afresh and completes the entry
    pd.testing.assert_frame_equal(warm.events, cold.events)
    assert (new / "meta.json").exists()
    pd.testing.assert_frame_equal(load_dataset(data, cache=True).events, cold.events)


def test_a_killed_geometry_build_leaves_the_previous_layers(tmp_path, monkeypatch):
    from borderstates.core import contract, geobuild, paths

    out = tmp_path / "geo"
    out.mkdir()
    (out / paths.FULL_FILE).write_bytes(b"the previous full layer")
    (out / paths.DRAWING_FILE).write_bytes(b"the previous drawing")
    real_replace, renamed = os.replace, []

    def killed_before_the_drawing_is_renamed(source, target):
        renamed.append(os.path.basename(target))
        if renamed[-1] == paths.DRAWING_FILE:
            raise KeyboardInterrupt  # the process dies with the new drawing written aside
        real_replace(source, target)

    # The shipped layer's focus and context states stand in for Natural Earth: the same writes, faster.
    full = gpd.read_parquet(ROOT / "data" / "geo" / paths.FULL_FILE)
    states = full[full["iso_a3"].isin([*contract.FOCUS_STATES, *geobuild.CONTEXT])].reset_index(drop=True)
    monkeypatch.setattr(geobuild, "read_countries", lambda source: states)
    monkeypatch.setattr(os, "replace", killed_before_the_drawing_is_renamed)
    with pytest.raises(KeyboardInterrupt):
        geobuild.build_geo(out, source=tmp_path / "natural-earth.zip")
    monkeypatch.undo()
    assert renamed == [paths.FULL_FILE, paths.DRAWING_FILE]  # both written aside, then renamed
    assert (out / paths.DRAWING_FILE).read_bytes() == b"the previous drawing"
    assert sorted(p.name for p in out.iterdir()) == [paths.DRAWING_FILE, paths.FULL_FILE]
