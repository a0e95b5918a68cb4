"""The fast reader of unquoted GDELT files gives exactly what the careful `csv` reader gives."""

import pandas as pd
import pytest

from borderstates.importers import pipeline, source
from borderstates.importers.common import ImportOptions, MapContext, ProblemLog

from .import_helpers import IMPORTS

GOOD = (IMPORTS / "gdelt_events.export.CSV").read_bytes().splitlines()


def read_with(reader, path):
    layout = source.recognise(path)
    ctx = MapContext(str(path), ImportOptions(), ProblemLog())
    frames = list(reader(path, layout, ctx))
    frame = pd.concat(frames, ignore_index=True) if frames else None
    return frame, ctx.rows_read, [str(p) for p in ctx.log.problems], dict(ctx.log.counts)


def assert_same(path):
    careful = read_with(source.read_chunks, path)
    fast = read_with(pipeline.read_fast, path)
    assert fast[1:] == careful[1:]
    if careful[0] is None:
        assert fast[0] is None
    else:
        columns = sorted(careful[0].columns)
        pd.testing.assert_frame_equal(fast[0][columns], careful[0][columns])
    return careful


ODD = [
    GOOD[0],
    b"",  # a blank line: not a row, but a line
    GOOD[1],
    GOOD[2][:50],  # too few fields
    b"  ",  # white space only: a row of one field
    GOOD[3].replace(b"\t", b"\t\r", 1),  # a carriage return inside a field
    GOOD[4] + b"\r",  # CRLF
    b"\r",  # a blank line ended by CRLF
    GOOD[5].replace(b"https", b"htt\xe2s"),  # a byte that is no UTF-8
    GOOD[6] + b"\textra",  # too many fields
    GOOD[1].replace(b"https", b"\xef\xbf\xbdttps"),  # a real U+FFFD
]


@pytest.mark.parametrize("block", [pipeline.BLOCK_BYTES, 700, 1500])
@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("odd.export.CSV", b"\xef\xbb\xbf" + b"\n".join(ODD)),  # a byte-order mark, no final line feed
        ("odd-end.export.CSV", b"\n".join(ODD) + b"\n\n\n"),
        ("clean.export.CSV", b"\n".join(GOOD) + b"\n"),
    ],
)
def test_odd_files_read_alike(tmp_path, monkeypatch, block, name, content):
    monkeypatch.setattr(pipeline, "BLOCK_BYTES", block)  # blocks end in the middle of lines
    path = tmp_path / name
    path.write_bytes(content)
    frame, rows, problems, _ = assert_same(path)
    if name.startswith("odd"):
        assert rows == 9 and len(frame) == 5
        garbled = "warning: holds bytes that are not UTF-8 text (imported as �)"
        assert [p.split(": -: ")[1][:20] for p in problems] == [
            "7 columns, expected ", "1 columns, expected ", "malformed CSV: new-l", garbled[:20],
            "62 columns, expected", garbled[:20]]  # fmt: skip
        assert [int(p.split(":")[1]) for p in problems] == [4, 5, 6, 9, 10, 11]  # blank lines counted


@pytest.mark.parametrize(
    "name", ["gdelt_events.export.CSV", "gdelt_broken.export.CSV", "gdelt_events.export.CSV.zip"]
)
def test_the_fixtures_read_alike(name):
    assert_same(IMPORTS / name)


def test_a_synthetic_export_reads_alike(tmp_path, monkeypatch):
    from tools.synthetic_gdelt import write_synthetic_gdelt

    monkeypatch.setattr(pipeline, "BLOCK_BYTES", 100_000)
    frame, rows, problems, _ = assert_same(write_synthetic_gdelt(tmp_path / "s.export.CSV", 3_000))
    assert rows == len(frame) == 3_000 and problems == []
    assert frame["_line"].tolist() == list(range(1, 3_001))


def test_a_gzipped_file_is_read_fast(tmp_path):
    import gzip

    path = tmp_path / "events.export.CSV.gz"
    path.write_bytes(gzip.compress(b"\n".join(ODD)))
    assert_same(path)


def test_quoted_and_headed_files_take_the_careful_reader(monkeypatch):
    called = []
    real = source.read_chunks

    def spy(*args):
        called.append(args[1].format)
        return real(*args)

    monkeypatch.setattr(pipeline, "read_chunks", spy)
    read_with(pipeline.read_fast, IMPORTS / "acled_api.csv")
    read_with(pipeline.read_fast, IMPORTS / "gdelt_events.export.CSV")
    assert called == ["acled"]
