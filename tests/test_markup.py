"""HTML of the passage panel and the excerpt list: escaped, with http(s) links only."""

import pandas as pd

from borderstates.core import contract
from borderstates.core.load import load_dataset
from borderstates.render import markup


def test_link_only_for_http_urls():
    assert markup.link("https://example.org/a?b=1&c=2", "T") == (
        '<a href="https://example.org/a?b=1&amp;c=2" target="_blank" rel="noopener noreferrer">T</a>'
    )
    for url in ("javascript:alert(1)", "ftp://x.org", "//evil.org", "data:text/html,hi", "", None, 3.0):
        assert markup.link(url, "<b>T</b>") == "&lt;b&gt;T&lt;/b&gt;"
    assert markup.link('https://x.org/"onmouseover="alert(1)', "T").count('"') == 6  # quote escaped


def test_text_handles_missing_values():
    assert markup.text(None) == markup.text(pd.NA) == markup.text(float("nan")) == ""
    assert markup.text(pd.Timestamp("2024-02-01")) == "2024-02-01"
    assert markup.text("<i>") == "&lt;i&gt;"


def test_passage_shows_the_excerpt_english_and_every_article(fixture_rows, make_data_dir):
    data = load_dataset(make_data_dir(fixture_rows), check_geography=False)
    event = data.events.set_index("event_id", drop=False).loc["T-2"].to_dict()
    page = markup.passage_html(event, data.articles)
    assert "Twee werknemers werden gearresteerd." in page
    assert "Two employees were arrested." in page
    assert "[Test article one]" in page and "Berliner Zeitung" in page  # A-1, its cited sources
    assert 'href="https://example.org/two"' in page and "Example Outlet" in page
    assert '<blockquote lang="nl">' in page
    assert "<th>Fatalities</th><td>0</td>" in page and "<th>Notes</th><td>Test fixture.</td>" in page


def test_passage_and_list_escape_data(fixture_rows, make_data_dir):
    rows = [dict(row, summary="<script>x()</script>", excerpt="<img src=x>") for row in fixture_rows]
    data = load_dataset(make_data_dir(rows), check_geography=False)
    event = data.events.iloc[0].to_dict()
    for page in (markup.passage_html(event, data.articles), markup.excerpt_list_html(data.events, 10)):
        assert "<script>" not in page and "<img" not in page
        assert "&lt;script&gt;x()&lt;/script&gt;" in page and "&lt;img src=x&gt;" in page


def test_excerpts_are_listed_newest_first(fixture_rows, make_data_dir):
    data = load_dataset(make_data_dir(fixture_rows), check_geography=False)
    page = markup.excerpt_list_html(data.events, 10)
    order = sorted(data.events.itertuples(), key=lambda e: e.date, reverse=True)
    positions = [page.index(f"<b>{e.event_id}</b>") for e in order]
    assert positions == sorted(positions)
    assert markup.excerpt_list_html(data.events, 1).count("<li>") == 1


def test_date_label_shows_spans_with_their_precision(fixture_rows, make_data_dir):
    data = load_dataset(make_data_dir(fixture_rows), check_geography=False)
    labels = {e["event_id"]: markup.date_label(e) for e in data.events.to_dict("records")}
    assert labels["T-1"] == "2024-02-01 – 2024-02-29 (month)"
    assert labels["T-2"] == "2025-06-30"


def test_event_links_open_the_map_with_the_filter_and_escape_everything():
    params = {"actor": ["Russian police", "A&B"], "q": ['"><script>']}
    assert contract.map_href("ACLED:UKR1", params) == (
        "./?event=ACLED:UKR1&actor=Russian%20police&actor=A%26B&q=%22%3E%3Cscript%3E"
    )
    link = markup.event_link("<b>X</b>", {})
    assert (
        link
        == '<a class="bs-event" href="./?event=%3Cb%3EX%3C%2Fb%3E" target="_self">&lt;b&gt;X&lt;/b&gt;</a>'
    )
    assert markup.counted(1, "event") == "1 event" and markup.counted(1200, "event") == "1,200 events"


def test_an_article_shows_its_passages_with_links_to_their_events(fixture_rows, make_data_dir):
    from borderstates.analysis.passages import article_passages
    from borderstates.core.engine import open_store
    from borderstates.core.filters import EventFilter

    rows = [dict(row, excerpt="<i>quoted</i>") if row["event_id"] == "T-1" else row for row in fixture_rows]
    (first, second), total = article_passages(open_store(make_data_dir(rows)), EventFilter(), limit=5)
    page = markup.article_html(first, {"q": ["x"]})
    assert total == 2 and "&lt;i&gt;quoted&lt;/i&gt;" in page and "<i>quoted</i>" not in page
    assert 'href="./?event=T-1&amp;q=x"' in page and "<i>no URL</i>" in page
    also = markup.article_html(second, {})
    assert (
        'href="https://example.org/two"' in also
        and "Also cited, not quoted, by" in also
        and ">T-2</a>" in also
    )


def test_the_excerpt_list_links_ids_only_when_given_the_filter(fixture_rows, make_data_dir):
    events = load_dataset(make_data_dir(fixture_rows), check_geography=False).events
    assert "bs-event" not in markup.excerpt_list_html(events, 5)
    assert markup.excerpt_list_html(events, 5, {}).count('class="bs-event"') == 3
    chronicle = markup.chronicle_html(events, {})
    assert chronicle.count('class="bs-event"') == 3 and "Two employees were arrested." in chronicle


def test_the_actor_list_keeps_names_whole_and_escaped():
    actors = pd.Series({"<b>Russia</b>": 1200, "Georgia": 3})
    shown = markup.actor_list_html(actors)
    assert shown.endswith("events: &lt;b&gt;Russia&lt;/b&gt; (1,200) · Georgia (3)</p>")
    with_regions = markup.actor_list_html(actors, {"Georgia": "<i>Tbilisi</i>"})
    assert with_regions.endswith("Georgia (3; most in &lt;i&gt;Tbilisi&lt;/i&gt;)</p>")
