import os
import subprocess
import sys

import pytest

from borderstates.cli import main

from .conftest import BROKEN, FIXTURES, ROOT, read_rows

ARTICLES = str(FIXTURES / "articles.csv")


def test_validate_valid_file(capsys):
    assert main(["validate", str(FIXTURES / "events.csv"), "--articles", ARTICLES]) == 0
    out, err = capsys.readouterr()
    assert out == "" and "3 valid events of 3" in err


@pytest.mark.parametrize(
    "broken", sorted(p.name for p in BROKEN.glob("*.csv") if not p.name.startswith("articles"))
)
def test_validate_prints_one_line_per_problem(broken, capsys):
    code = main(["validate", str(BROKEN / broken), "--articles", ARTICLES])
    lines = capsys.readouterr().out.splitlines()
    assert lines, "every broken file has a problem to report"
    for line in lines:
        file, number, column, message = line.split(":", 3)
        assert file == str(BROKEN / broken) and int(number) >= 1 and column.strip() and message.strip()
    warnings_only = all(": warning: " in line for line in lines)
    assert code == (0 if warnings_only else 1)
    assert (broken == "point_outside_country.csv") == warnings_only


def test_validate_missing_file_is_a_clear_line(tmp_path, capsys):
    assert main(["validate", str(tmp_path / "nope.csv"), "--articles", ARTICLES]) == 1
    out = capsys.readouterr().out
    assert "nope.csv:1: -: cannot be read" in out and "Traceback" not in out


def test_console_script_runs_without_traceback():
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "borderstates.cli",
            "validate",
            str(BROKEN / "not_utf8.csv"),
            "--articles",
            ARTICLES,
        ],
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=False,
    )
    assert result.returncode == 1
    assert "not UTF-8" in result.stdout and "Traceback" not in result.stderr


def test_export_filters_like_the_filter_function(tmp_path, capsys):
    out = tmp_path / "out.csv"
    code = main(
        [
            "export",
            "--events",
            str(FIXTURES / "events.csv"),
            "--country",
            "aze",
            "--relation",
            "security",
            "--since",
            "2025-06-30",
            "--until",
            "2025-06-30",
            "-o",
            str(out),
        ]
    )
    assert code == 0
    assert [r["event_id"] for r in read_rows(out)] == ["T-2"]
    assert "1 of 3 events" in capsys.readouterr().err


def test_export_actor_sides_and_search(tmp_path):
    out = tmp_path / "out.csv"
    events = str(FIXTURES / "events.csv")
    assert main(["export", "--events", events, "--actor2", "Ukraine", "-o", str(out)]) == 0
    assert [r["event_id"] for r in read_rows(out)] == ["T-3"]
    assert main(["export", "--events", events, "--actor1", "Ukraine", "-o", str(out)]) == 0
    assert read_rows(out) == []
    assert (
        main(["export", "--events", events, "--search", "CSTO", "--format", "geojson", "-o", str(out)]) == 0
    )
    assert '"event_id": "T-1"' in out.read_text(encoding="utf-8")


@pytest.mark.parametrize(
    ("args", "fragment"),
    [
        (["--relation", "warfare"], "invalid choice: 'warfare' (choose from 'military', 'security'"),
        (["--since", "2025-02-30"], "'2025-02-30' is not a date written YYYY-MM-DD"),
        (["--country", "XX"], "'XX' is not an ISO 3166-1 alpha-3 country code"),
        (["--format", "xlsx"], "invalid choice: 'xlsx' (choose from 'csv', 'csv-excel', 'geojson')"),
        (["--actor", "Nobody"], "unknown actor 'Nobody'; actors in the data: Azerbaijani police, CSTO"),
        (["--actor2", "ukraine"], "unknown actor 'ukraine'; did you mean 'Ukraine'?"),
        (["--dataset", "ACLED"], "unknown dataset 'ACLED'; datasets in the data: curated"),
        (["--region", "UA-99"], "unknown region 'UA-99'; close: UA-59 Sumy Oblast, UA-09 Luhansk Oblast"),
        (["--region", "Donetsk"], "unknown region 'Donetsk'; close: UA-14 Donetsk Oblast\n"),
        (
            ["--geoprec", "street"],
            "invalid choice: 'street' (choose from 'exact', 'city', 'region', 'country')",
        ),
        (["--dateprec", "hour"], "invalid choice: 'hour' (choose from 'day', 'week', 'month', 'year')"),
    ],
)
def test_export_wrong_value_lists_allowed(args, fragment, tmp_path, capsys):
    try:
        code = main(
            ["export", "--events", str(FIXTURES / "events.csv"), *args, "-o", str(tmp_path / "o.csv")]
        )
    except SystemExit as exit_info:  # argparse's own checks
        code = exit_info.code
    assert code == 2
    assert fragment in capsys.readouterr().err
    assert not (tmp_path / "o.csv").exists()


def test_export_by_precision_of_place_and_date(tmp_path):
    out = tmp_path / "out.csv"
    events = str(FIXTURES / "events.csv")  # T-1 month/country, T-2 day/city, T-3 year/country
    assert (
        main(["export", "--events", events, "--geoprec", "country", "--dateprec", "year", "-o", str(out)])
        == 0
    )
    assert [r["event_id"] for r in read_rows(out)] == ["T-3"]
    assert (
        main(["export", "--events", events, "--geoprec", "city", "--geoprec", "exact", "-o", str(out)]) == 0
    )
    assert [r["event_id"] for r in read_rows(out)] == ["T-2"]


@pytest.mark.parametrize("missing", ["nowhere", "nowhere/deeper"])
def test_export_refuses_an_output_in_a_folder_that_does_not_exist(tmp_path, capsys, missing):
    out = tmp_path / missing / "out.csv"
    code = main(["export", "--events", str(FIXTURES / "events.csv"), "-o", str(out)])
    assert code == 2
    (said,) = capsys.readouterr().err.splitlines()
    assert said == f"borderstates export: {out.parent}: no such folder, for -o {out}"
    assert not (tmp_path / "nowhere").exists()  # nothing made on the way


def test_export_by_region_and_its_sql(tmp_path, capsys):
    out = tmp_path / "out.csv"
    events = str(FIXTURES / "events.csv")  # T-1 Yerevan, T-2 Baku, T-3 Kyiv
    assert main(["export", "--events", events, "--region", "UA-30", "--region", "am-er", "-o", str(out)]) == 0
    assert [(r["event_id"], r["region"], r["region_name"]) for r in read_rows(out)] == [
        ("T-1", "AM-ER", "Yerevan"),
        ("T-3", "UA-30", "Kyiv"),
    ]
    capsys.readouterr()
    assert main(["export", "--events", events, "--region", "UA-14", "--show-sql", "--dialect", "spark"]) == 0
    assert "`t0`.`region` IN ('UA-14')" in capsys.readouterr().out


def test_a_wrong_region_is_one_line(tmp_path, capsys):
    events = str(FIXTURES / "events.csv")
    assert main(["export", "--events", events, "--region", "XX-1", "-o", str(tmp_path / "o.csv")]) == 2
    hint = "regions are ISO 3166-2 codes such as UA-14, GE-AB, RU-BEL"
    assert capsys.readouterr().err.splitlines()[-1:] == [
        f"borderstates export: unknown region 'XX-1'; {hint}"
    ]


def test_an_unknown_engine_is_one_line_and_exit_2(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("BORDERSTATES_ENGINE", "foo")
    out = tmp_path / "out.csv"
    assert main(["export", "--events", str(FIXTURES / "events.csv"), "-o", str(out)]) == 2
    said = "borderstates: BORDERSTATES_ENGINE='foo': the engine must be one of duckdb, spark"
    assert capsys.readouterr().err.splitlines() == [said] and not out.exists()
    command = [sys.executable, "-m", "borderstates.cli", "export", "--events", str(FIXTURES / "events.csv")]
    environment = {**os.environ, "BORDERSTATES_ENGINE": "foo"}
    result = subprocess.run(
        [*command, "-o", str(out)], capture_output=True, text=True, cwd=ROOT, check=False, env=environment
    )
    assert (result.returncode, result.stderr.splitlines()) == (2, [said])
