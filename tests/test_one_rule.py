"""Rules the parts of the project share: each part must agree with the others on every input."""

from __future__ import annotations

import csv
import io

import pandas as pd
import pytest
from markupsafe import Markup

from borderstates.analysis import mapdata
from borderstates.analysis.eventtable import table_frame
from borderstates.core import contract, query
from borderstates.core.engine import open_store
from borderstates.core.export import export_bytes
from borderstates.core.filters import EventFilter
from borderstates.core.load import load_articles, load_dataset
from borderstates.render import markup

from .conftest import write_csv_rows


@pytest.mark.parametrize("cell", [";A-1", "A-1;", "A-1;;A-2", "A-1; ;A-2", " ; A-1"])
def test_an_empty_article_item_is_a_validation_error(cell, fixture_rows, make_data_dir):
    rows = [dict(fixture_rows[0], article_id=cell), *fixture_rows[1:]]
    data = load_dataset(make_data_dir(rows))
    (problem,) = data.errors
    assert (problem.line, problem.column) == (2, "article_id")
    assert "has an empty item" in problem.message and repr(cell) in problem.message
    assert "T-1" not in set(data.events["event_id"])


def test_every_part_names_the_same_first_article(fixture_rows, make_data_dir):
    # A-2 first, with spaces around: the export, the quality checks, the passage panel, the
    # table and the Articles page must all.
    rows = [dict(fixture_rows[0], article_id=" A-2 ; A-1"), *fixture_rows[1:]]
    directory = make_data_dir(rows)
    store = open_store(directory)
    assert store.status.problems == []
    only = EventFilter(text="Armenia stops taking part")  # T-1
    exported = list(csv.DictReader(io.StringIO(export_bytes(store, only).decode("utf-8"))))
    assert [row["article_title"] for row in exported] == ["Test article two"]
    events = store.matching(only)
    firsts = store.fetch(events.select(first=query.first_article(events["article_id"])))
    assert firsts["first"].tolist() == ["A-2"]
    assert table_frame(store, only, {})["article"].tolist() == ["Test article two"]
    record = mapdata.event_record(store, "T-1")
    cited = mapdata.articles_of(store, record)
    assert cited["article_id"].tolist() == ["A-2", "A-1"]
    assert markup.articles_of(record, cited)[0]["article_id"] == "A-2"
    assert 'lang="en"' in markup.passage_html(record, cited)
    events = load_dataset(directory).events
    assert contract.first_article(events["article_id"]).tolist()[0] == "A-2"  # the pandas form agrees


URLS = [
    ("https://example.org/a", True),
    ("  http://example.org/a?b=c  ", True),  # trimmed
    ("HTTPS://EXAMPLE.ORG", True),
    ("https://example.org/a b", False),  # a space inside: never a link, so never valid
    ("https:// example.org", False),
    ("javascript:alert(1)", False),
    ("ftp://example.org/file", False),
    ("https://", False),
]


@pytest.mark.parametrize(("url", "valid"), URLS)
def test_validation_accepts_exactly_the_urls_that_are_shown_as_links(url, valid, tmp_path):
    articles = write_csv_rows(
        tmp_path / "articles.csv",
        contract.ARTICLE_COLUMNS,
        [{"article_id": "A", "title": "T", "language": "en", "url": url}],
    )
    _, problems = load_articles(articles)
    assert (problems == []) is valid, problems
    assert contract.is_http_url(url) is valid
    assert isinstance(markup.link(url, "T"), Markup)
    assert ("<a href" in markup.link(url, "T")) is valid


def test_first_article_reads_each_cell_once():
    cells = pd.Series(["X", "X; Y", "Y;X ;Z", ""])
    assert contract.first_article(cells).tolist() == ["X", "X", "Y", ""]
    assert contract.article_ids("Y;X ;Z") == ["Y", "X", "Z"]
