import io

import pandas as pd
import pytest

from borderstates.core.csvio import LINE, atomic_write, guard_cell, read_table, write_csv


@pytest.mark.parametrize("cell", ["=1+1", "+31 20", "-cmd", "@SUM(A1)", "\tx", "\rx", "＝1", "'=1"])
def test_formula_cells_get_a_quote(cell):
    assert guard_cell(cell) == "'" + cell


@pytest.mark.parametrize("cell", ["-77.0364", "+3", "1e5", "'s-Hertogenbosch", "Baku", ""])
def test_numbers_and_plain_text_stay(cell):
    assert guard_cell(cell) == cell


def test_written_csv_reads_back_unchanged(tmp_path):
    cells = [
        '=HYPERLINK("x")',
        "-77.0364",
        "'s-Hertogenbosch",
        "'=already",
        "a\rb",
        "c\r\nd",
        "Oekraïne “x”",
        "@x",
    ]
    frame = pd.DataFrame({"text": cells})
    path = tmp_path / "out.csv"
    write_csv(frame, path)
    raw = path.read_bytes()
    assert raw.count(b"\r\n") >= len(cells)  # CRLF line ends
    assert b"\n=HYPERLINK" not in raw and b",=" not in raw  # no live formula starts a cell
    table = read_table(path)
    assert table.problems == []
    assert table.frame["text"].tolist() == cells


def test_a_guarded_header_reads_back_to_the_same_names(tmp_path):
    names = ['=HYPERLINK("x")', "@SUM(1+1)", "'=1", "'s-Hertogenbosch", "-1", "plain"]
    path = tmp_path / "out.csv"
    write_csv(pd.DataFrame([[f"cell {n}" for n in range(len(names))]], columns=names), path)
    header = path.read_bytes().decode("utf-8").split("\r\n")[0]
    assert header == """"'=HYPERLINK(""x"")",'@SUM(1+1),''=1,'s-Hertogenbosch,-1,plain"""
    table = read_table(path)
    assert table.problems == []
    assert list(table.frame.columns.drop(LINE)) == names


def test_bare_carriage_return_keeps_line_numbers(tmp_path):
    path = tmp_path / "t.csv"
    path.write_bytes(b'a,b\r\n"x\ry",1\r\n"multi\r\nline",2\r\nlast,3\r\n')
    table = read_table(path)
    assert table.frame["a"].tolist() == ["x\ry", "multi\r\nline", "last"]
    assert table.frame[LINE].tolist() == [2, 3, 5]


def test_excel_variant_has_bom_semicolons_and_decimal_commas():
    buffer = io.StringIO()
    write_csv(pd.DataFrame({"n": [1.5], "t": ["x;y"]}), buffer, excel_nl=True)
    text = buffer.getvalue()
    assert text.startswith("\ufeffn;t\r\n")
    assert '1,5;"x;y"' in text


def test_atomic_write_leaves_old_file_when_writer_fails(tmp_path):
    path = tmp_path / "f.txt"
    path.write_text("old")
    with pytest.raises(RuntimeError), atomic_write(path) as handle:
        handle.write("new, half")
        raise RuntimeError("killed")
    assert path.read_text() == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["f.txt"]
