"""The columnar store's merge (`core.columnstore`) on small staged tables."""

from pathlib import Path

import pyarrow.parquet as pq
import pytest

from borderstates.core import columnstore, storereader
from borderstates.core.csvio import Problem
from borderstates.core.load import load_columnar


@pytest.fixture
def stage(make_data_dir, fixture_rows):
    """Return a function that stages rows (dicts of text cells) as an import stages them."""
    made = []

    def staged(rows, extra=None):
        directory = make_data_dir(rows, name=f"staged-{len(made)}")
        made.append(directory)
        if extra:  # an extra column, as an analyst adds one
            text = (directory / "events.csv").read_text(encoding="utf-8").splitlines()
            text = [text[0] + f",{extra}"] + [line + f",{extra} {n}" for n, line in enumerate(text[1:])]
            (directory / "events.csv").write_text("\r\n".join(text) + "\r\n", encoding="utf-8")
        return load_columnar(directory / "events.csv", directory / "articles.csv").events

    return staged


def rows_like(fixture_rows, ids, **changes):
    return [dict(fixture_rows[n % 3], event_id=event_id, **changes) for n, event_id in enumerate(ids)]


def stored(location):
    generation = columnstore.current_generation(location)
    folder = columnstore.events_location(generation)
    return {path: pq.read_schema(path) for path in Path(folder).glob("**/*.parquet")}


def test_a_repeated_id_keeps_its_first_row(tmp_path, stage, fixture_rows):
    import pyarrow as pa
    import pyarrow.compute as pc

    table = pq.read_table(stage(rows_like(fixture_rows, ["A", "B", "C"])))  # on lines 2, 3, 4
    again = table.slice(0, 1)  # A again, later in the file, with another summary
    again = again.set_column(again.schema.get_field_index("summary"), "summary", pa.array(["second A"]))
    later = [again.set_column(again.schema.get_field_index("_line"), "_line", pa.array([n])) for n in (7, 5)]
    events = tmp_path / "staged.parquet"
    pq.write_table(pa.concat_tables([table, *later]), events)
    assert list(columnstore.repeated_ids(events, tmp_path)) == [("A", 5, 2), ("A", 7, 2)]
    report = columnstore.merge(tmp_path / "store", "X", events, None, [])
    assert report.counts["added"] == 3 and report.counts["repeated"] == 2
    frame = pq.read_table(columnstore.events_location(report.generation))
    assert sorted(frame["event_id"].to_pylist()) == ["A", "B", "C"]
    first = frame.filter(pc.equal(frame["event_id"], "A"))["summary"].to_pylist()
    assert first == [fixture_rows[0]["summary"]]


def test_the_line_column_is_never_stored_and_every_file_has_one_schema(tmp_path, stage, fixture_rows):
    location = tmp_path / "store"
    columnstore.merge(location, "Y", stage(rows_like(fixture_rows, ["Y1", "Y2", "Y3"])), None, [])
    # Another dataset brings a column the store has not seen: the other files get it too.
    columnstore.merge(location, "X", stage(rows_like(fixture_rows, ["X1", "X2"]), extra="note"), None, [])
    schemas = stored(location)
    assert len(schemas) == 5  # two datasets, over the fixtures' years
    names = {tuple(schema.names) for schema in schemas.values()}
    assert len(names) == 1 and "_line" not in next(iter(names)) and "note" in next(iter(names))
    frame = pq.read_table(columnstore.events_location(columnstore.current_generation(location))).to_pandas()
    assert sorted(frame.loc[frame["dataset"] == "Y", "note"]) == ["", "", ""]
    assert sorted(frame.loc[frame["dataset"] == "X", "note"]) == ["note 0", "note 1"]


def test_a_dataset_name_is_escaped_in_its_folder_and_read_back(tmp_path, stage, fixture_rows):
    report = columnstore.merge(
        tmp_path / "store", "my data/1", stage(rows_like(fixture_rows, ["A"])), None, []
    )
    (folder,) = (Path(report.generation) / "events").iterdir()
    assert folder.name == "dataset=my%20data%2F1"
    frame = pq.read_table(columnstore.events_location(report.generation)).to_pandas()
    assert frame["dataset"].tolist() == ["my data/1"]


def test_a_complete_generation_that_current_does_not_name_is_taken_on(tmp_path, stage, fixture_rows):
    location = tmp_path / "store"
    columnstore.merge(location, "X", stage(rows_like(fixture_rows, ["A"])), None, [])
    columnstore.merge(location, "X", stage(rows_like(fixture_rows, ["A", "B"])), None, [])
    (location / columnstore.CURRENT).write_text("gen-000001\n")  # as if killed before CURRENT was renamed
    assert columnstore.event_count(columnstore.current_generation(location)) == 1
    report = columnstore.merge(location, "X", stage(rows_like(fixture_rows, ["A", "B"])), None, [])
    assert report.counts["unchanged"] == 2 and report.generation is None
    assert columnstore.current_generation(location).endswith("gen-000002")
    (location / columnstore.CURRENT).unlink()  # CURRENT lost: the newest generation is still the store
    columnstore.merge(location, "X", stage(rows_like(fixture_rows, ["C"])), None, [])
    assert columnstore.event_count(columnstore.current_generation(location)) == 3


def test_the_problems_of_each_source_are_replaced_by_its_next_import(tmp_path, stage, fixture_rows):
    location = tmp_path / "store"

    def problem(text):
        return [Problem("f.csv", 2, "-", text, "warning")]

    columnstore.merge(location, "X", stage(rows_like(fixture_rows, ["A"])), None, problem("one"), source="a")
    columnstore.merge(location, "X", stage(rows_like(fixture_rows, ["B"])), None, problem("two"), source="b")
    messages = [p.message for p in storereader.served(location).recorded]
    assert messages == ["one", "two"]
    # Nothing new but the problems: they alone make a new generation.
    report = columnstore.merge(
        location, "X", stage(rows_like(fixture_rows, ["A"])), None, problem("three"), source="a"
    )
    assert report.counts["unchanged"] == 1 and report.changed
    messages = [p.message for p in storereader.served(location).recorded]
    assert messages == ["two", "three"]


def test_staged_events_without_lines_are_refused(tmp_path):
    import pyarrow as pa

    path = tmp_path / "staged.parquet"
    pq.write_table(pa.table({"event_id": ["A"]}), path)
    with pytest.raises(ValueError, match="_line"):
        columnstore.merge(tmp_path / "store", "X", path, None, [])
