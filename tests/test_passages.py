"""The articles page's answer: each cited article with the passages quoted from it, asked of the engine."""

import pandas as pd
import pytest

from borderstates.analysis import passages
from borderstates.core import contract
from borderstates.core.csvio import LINE
from borderstates.core.engine import open_store
from borderstates.core.filters import EventFilter
from tests.citing_data import (
    EVERYTHING,
    FILTERS,
    expected_frames,
    in_file_order,
    make_citing_dir,
)
from tests.oracle import filter_events


@pytest.fixture
def citing_dir(tmp_path, fixture_rows):
    return make_citing_dir(tmp_path, fixture_rows)


def test_the_fixture_articles_their_passages_and_who_else_cites_them(fixture_rows, make_data_dir):
    store = open_store(make_data_dir(fixture_rows))
    (first, second), total = passages.article_passages(store, EVERYTHING, limit=5)
    assert total == 2
    assert first.article["article_id"] == "A-1" and first.article[LINE] == 2
    assert [p.excerpt for p in first.passages] == [
        "Jeravan beschouwt de CSTO nu als een instrument van Russische machtspolitiek.",
        "Twee werknemers werden gearresteerd.",
    ]
    assert [p.excerpt_en for p in first.passages][1] == "Two employees were arrested."
    assert [p.events["event_id"].tolist() for p in first.passages] == [["T-1"], ["T-2"]]
    assert first.passage_count == 2 and first.cited_without_quote == [] and first.quoted_elsewhere == 0
    assert second.cited_without_quote == ["T-2"] and second.cited_without_quote_count == 1  # A-1;A-2
    # The listed events are whole rows: the page shows their dates and summaries.
    event = second.passages[0].events.iloc[0]
    assert event["summary"] == "Russia invades Ukraine." and event["span_end"] == pd.Timestamp("2022-12-31")
    narrow = EventFilter(actors=("Azerbaijani police",))  # T-2 alone: it quotes A-1 and cites A-2
    (quoted, cited), total = passages.article_passages(store, narrow, limit=5)
    assert total == 2 and quoted.article["article_id"] == "A-1" and quoted.quoted_elsewhere == 1  # T-1
    assert [p.events["event_id"].tolist() for p in quoted.passages] == [["T-2"]]
    assert cited.passages == [] and cited.passage_count == 0 and cited.cited_without_quote == ["T-2"]
    assert cited.quoted_elsewhere == 1  # T-3


def test_the_limit_keeps_the_first_articles_and_the_total_counts_them_all(citing_dir):
    store = open_store(citing_dir)
    every, total = passages.article_passages(store, EVERYTHING, limit=100)
    first, also_total = passages.article_passages(store, EVERYTHING, limit=3)
    assert total == also_total == len(every) == 10  # eight curated articles, two imported ones
    assert [a.article["article_id"] for a in first] == [a.article["article_id"] for a in every[:3]]
    # The file's articles in its order (not the ids'), then the imported ones (no line) by id.
    assert [a.article["article_id"] for a in every] == [
        "A-05", "A-01", "A-03", "A-07", "A-02", "A-04", "A-08", "A-06", "IA-1", "IA-2",
    ]  # fmt: skip
    assert every[-1].article[LINE] is None
    assert passages.article_passages(store, EventFilter(text="nothing matches this"), limit=3) == ([], 0)


def test_passages_events_and_citers_are_bounded(citing_dir, monkeypatch):
    monkeypatch.setattr(passages, "PASSAGES_SHOWN", 2)
    monkeypatch.setattr(passages, "EVENTS_LISTED", 2)
    monkeypatch.setattr(passages, "CITERS_LISTED", 1)
    store = open_store(citing_dir)
    events, articles = expected_frames(citing_dir)
    shown, _ = passages.article_passages(store, EVERYTHING, limit=20)
    assert _summary(shown) == _expected(events, events, articles, 20, shown=2, listed=2, citers=1)[0]
    assert any(a.passage_count > len(a.passages) == 2 for a in shown)
    assert any(p.count > len(p.events) == 2 for a in shown for p in a.passages)
    assert any(a.cited_without_quote_count > len(a.cited_without_quote) == 1 for a in shown)


@pytest.mark.parametrize("f", FILTERS, ids=lambda f: repr(f)[:60])
def test_the_engine_gives_what_pandas_computes_from_the_loaded_frames(f, citing_dir):
    store = open_store(citing_dir)
    events, articles = expected_frames(citing_dir)
    shown, total = passages.article_passages(store, f, limit=6)
    expected, expected_total = _expected(filter_events(events, f), events, articles, 6)
    assert total == expected_total
    assert _summary(shown) == expected


def test_an_imported_event_follows_the_files_events_quoting_the_same_passage(citing_dir):
    store = open_store(citing_dir)
    shown, _ = passages.article_passages(store, EVERYTHING, limit=20)
    (a03,) = [a for a in shown if a.article["article_id"] == "A-03"]
    (passage,) = [p for p in a03.passages if p.excerpt == "Passage 1 of A-03."]
    ids = passage.events["event_id"].tolist()
    imported = [e for e in ids if e.startswith("I-")]
    assert imported and ids[-len(imported) :] == sorted(imported) and ids[0].startswith("E-")
    lines = passage.events[LINE].dropna().tolist()
    assert lines == sorted(lines)


def test_spark_gives_what_duckdb_gives(spark, citing_dir):
    duck, on_spark = open_store(citing_dir), open_store(citing_dir, spark)
    for f in (EVERYTHING, EventFilter(countries=("AZE",))):
        ours, theirs = passages.article_passages(duck, f, 6), passages.article_passages(on_spark, f, 6)
        assert ours[1] == theirs[1] and _summary(ours[0]) == _summary(theirs[0])
        assert [a.article for a in ours[0]] == [a.article for a in theirs[0]]


def _summary(shown: list[passages.ArticlePassages]) -> list[tuple]:
    """What the page shows of each article, as plain values."""
    return [
        (
            item.article["article_id"],
            [(p.excerpt, p.excerpt_en, p.events["event_id"].tolist(), p.count) for p in item.passages],
            item.passage_count,
            item.cited_without_quote,
            item.cited_without_quote_count,
            item.quoted_elsewhere,
        )
        for item in shown
    ]


def _expected(
    kept: pd.DataFrame,
    events: pd.DataFrame,
    articles: pd.DataFrame,
    limit: int,
    *,
    shown: int = passages.PASSAGES_SHOWN,
    listed: int = passages.EVENTS_LISTED,
    citers: int = passages.CITERS_LISTED,
) -> tuple[list[tuple], int]:
    """The articles page computed in pandas, row by row, from every event and the filtered ones."""
    ordered = in_file_order(kept, "event_id")
    quoted = contract.first_article(ordered["article_id"])
    cites = [
        (event_id, article)
        for event_id, cell in zip(ordered["event_id"], ordered["article_id"], strict=True)
        for article in contract.article_ids(cell)
    ]
    chosen = in_file_order(articles, "article_id")
    chosen = chosen[chosen["article_id"].isin({a for _, a in cites})]
    quoted_in_all = contract.first_article(events["article_id"]).value_counts()
    first_of = dict(zip(ordered["event_id"], quoted, strict=True))
    result = []
    for article_id in chosen["article_id"].head(limit):
        own = ordered[(quoted == article_id).to_numpy()]
        texts = own["excerpt"].str.strip()
        english = own["excerpt_en"].str.strip()
        found = []
        for text in dict.fromkeys(texts):  # in order of first appearance
            same = (texts == text).to_numpy()
            renderings = [e for e in english[same] if e]
            found.append(
                (
                    text,
                    renderings[0] if renderings else "",
                    own["event_id"][same].tolist()[:listed],
                    int(same.sum()),
                )
            )
        others = list(dict.fromkeys(e for e, a in cites if a == article_id and first_of[e] != article_id))
        result.append(
            (
                article_id,
                found[:shown],
                len(found),
                others[:citers],
                len(others),
                int(quoted_in_all.get(article_id, 0)) - len(own),
            )
        )
    return result, len(chosen)
