"""Streamlit glue of the analysis pages: the head every page shares, and what each page draws.

Pages stay thin: they call `open_page` and the `show_*` functions here, which draw what the
package's plain modules (`eventtable`, `timeline`, `relations`, `passages`, `quality`) compute.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from typing import TYPE_CHECKING, TypeVar

import pandas as pd
import streamlit as st
from markupsafe import Markup

from borderstates.analysis import eventtable
from borderstates.analysis.eventtable import table_identity
from borderstates.analysis.fatalities import Deaths
from borderstates.analysis.mapdata import placed
from borderstates.analysis.passages import article_passages
from borderstates.analysis.quality import QualityReport, build_report, validation_summary
from borderstates.analysis.relations import Relations, network
from borderstates.analysis.timeline import Timeline, chronological, default_unit
from borderstates.app import data as appdata
from borderstates.app import filterform, mapui, sidebar, timeaxis
from borderstates.core import contract
from borderstates.core.contract import CONFLICT, COOPERATION, NEUTRAL
from borderstates.core.engine import Store
from borderstates.core.filters import EventFilter
from borderstates.core.geo import TOLERANCE_KM
from borderstates.core.paths import data_dir, geometry_dir
from borderstates.render import charts, markup
from borderstates.render.palette import RELATION_COLOURS
from borderstates.render.styles import PAGE_CSS

if TYPE_CHECKING:  # Streamlit has the type of a column's configuration in no public module
    from streamlit.elements.lib.column_types import ColumnConfig

CHRONICLE_SHOWN = 200  # events in the timeline's list
TABLE_HEIGHT, ROW_HEIGHT = 460, 35  # px of the events table at most, and of a row in it
ARTICLES_SHOWN = 30  # articles on the Articles page
MAP_LINK = r"event=([^&]*)"  # a link column shows the event id out of the map link

T = TypeVar("T")


@dataclass
class PageView:
    """What a page shows: the data's store, the sidebar's selection and how many events it keeps."""

    store: Store
    selection: sidebar.Selection
    count: int  # filtered events
    deaths: Deaths = field(default_factory=Deaths)  # theirs, with the sources' ranges

    @property
    def event_filter(self) -> EventFilter:
        """The sidebar's filter."""
        return self.selection.event_filter

    def ask(self, question: Callable[..., T], *args: object) -> T:
        """Return `question(store, filter, *args)`, asked once per dataset, filter and arguments."""
        return appdata.ask(self.store, question, self.event_filter, *args)


def open_page(title: str, icon: str, intro: str, *, quality_link: bool = True) -> PageView:
    """Set a page up as every page is: sidebar filter, title, "N of M events", download, warnings."""
    st.set_page_config(page_title=f"{title} · Borderstates", page_icon=icon, layout="wide")
    store = appdata.load_store()
    selection = sidebar.sidebar_filter(store, appdata.per_dataset(store).offered)
    where = appdata.ask(store, placed, selection.event_filter)
    count = where.total
    sidebar.show_count(selection, count, store.total)
    heading, downloads = st.columns([3, 2], vertical_alignment="bottom")
    heading.title(title)
    heading.caption(intro)
    with downloads:
        mapui.download_buttons(store, selection.event_filter, count)
    sidebar.show_problems(store, link=quality_link)
    sidebar.show_notices(selection)
    st.html(PAGE_CSS)
    return PageView(store, selection, count, where.all_deaths)


def has_events(view: PageView) -> bool:
    """Say so when the filter keeps no event; return whether there is anything to show."""
    if view.count == 0:
        st.info("No event matches the filter. Widen it in the sidebar, or reset it.")
    return view.count > 0


def _event_column(label: str = "event") -> ColumnConfig:
    return st.column_config.LinkColumn(label, display_text=MAP_LINK, help="Opens the map on this event")


# --- Events ------------------------------------------------------------------------------------


def show_event_table(view: PageView) -> str | None:
    """Draw the filtered events as a sortable, searchable table; return the id of the chosen row."""
    frame = view.ask(eventtable.table_frame, view.selection.params)
    if len(frame) < view.count:
        held = "them all" if view.count <= mapui.DOWNLOAD_ROWS else f"the first {mapui.DOWNLOAD_ROWS:,}"
        st.caption(f"The {len(frame):,} newest of {view.count:,} events; the download holds {held}.")
    chosen = st.dataframe(
        frame,
        # Keyed by the rows it shows: a table keeps its selection by position, so when a filter
        # changes the rows, a new table starts with none instead of pointing at another event.
        key=f"events_table_{table_identity(frame)}",
        hide_index=True,
        on_select="rerun",
        selection_mode="single-row",
        height=min(TABLE_HEIGHT, ROW_HEIGHT * (len(frame) + 1) + 3),  # no empty rows below a short table
        column_order=[c for c in frame.columns if c != "event_id"],
        column_config={
            "event": _event_column(),
            "date": st.column_config.DateColumn("from", format="YYYY-MM-DD", help="First possible day"),
            "until": st.column_config.DateColumn("until", format="YYYY-MM-DD", help="Last possible day"),
            "relation": st.column_config.MultiselectColumn(
                "relation type",
                options=list(contract.RELATION_TYPES),
                color=[RELATION_COLOURS[r] for r in contract.RELATION_TYPES],
            ),
            "quad_class": st.column_config.TextColumn("quad class"),
            "region": st.column_config.TextColumn(help="The region (ISO 3166-2) the point lies in"),
            "summary": st.column_config.TextColumn(width="large", help="What happened, in one sentence"),
            "fatalities": st.column_config.NumberColumn(format="%d"),
            "source": st.column_config.LinkColumn("source", display_text=":material/open_in_new:"),
        },
    )
    rows = [row for row in (chosen.selection.rows if chosen else []) if 0 <= row < len(frame)]
    return str(frame["event_id"].iloc[rows[0]]) if rows else None


def show_chosen_event(view: PageView, event_id: str | None) -> None:
    """Show the chosen event's passage and article below the table, with a link to the map."""
    if event_id is None:
        st.caption("Choose a row (the box at its left) to read its passage and article here.")
        return
    st.html(Markup("<p>Open {} on the map</p>").format(markup.event_link(event_id, view.selection.params)))
    mapui.show_passage(view.store, event_id)


# --- Timeline ----------------------------------------------------------------------------------


def choose_unit(view: PageView) -> str:
    """Let the reader count by day, week or month, as below the map; by default as the span suits."""
    control, _ = st.columns([1, 2])
    return timeaxis.unit_control(control, view.ask(default_unit))


def show_timeline(timeline: Timeline, f: EventFilter, deaths: Deaths | None = None) -> None:
    """Draw the counts per bin, the neutral events apart, and the band of less precise events.

    The bars take a brush that sets From and To, drawn over the dates of the filter `f`.
    """
    unit = timeline.unit
    st.caption(
        f"{timeline.total:,} events: {timeline.binned:,} dated within one {unit} are counted per {unit} "
        f"({timeline.count(COOPERATION):,} cooperation above the axis, {timeline.count(CONFLICT):,} conflict "
        f"below it, {timeline.count(NEUTRAL):,} neutral in the row beneath); {timeline.in_band:,} "
        f"dated less precisely are kept apart in the band at the bottom."
        + (f" They report {deaths.label}." if deaths and deaths.label else "")
    )
    st.altair_chart(
        charts.timeline_bars(timeline, timeaxis.brush_days(f)),
        key="timeline_bars",
        on_select=timeaxis.brushable("timeline_bars"),
    )
    if timeline.count(NEUTRAL):
        st.altair_chart(charts.timeline_neutral(timeline), key="timeline_neutral")
    if timeline.in_band:
        st.altair_chart(charts.timeline_band(timeline), key="timeline_band")
        if charts.band_lanes_left_out(timeline)[0]:
            st.caption("Too many spans to draw one by one: narrow the filter to see each event's span.")


def show_chronicle(view: PageView) -> None:
    """List the events oldest first, each with its excerpt and the link to the map."""
    ordered = view.ask(chronological, CHRONICLE_SHOWN)
    st.subheader("The events in order")
    if len(ordered) < view.count:
        st.caption(f"The {len(ordered)} oldest of {view.count:,} events; narrow the filter for the others.")
    st.html(markup.chronicle_html(ordered, view.selection.params))


# --- Actors ------------------------------------------------------------------------------------


def choose_actor_count(actors_in_data: int) -> int:
    """Let the reader choose how many actors (those with most events) the matrix and network show."""
    if actors_in_data <= 5:
        return actors_in_data
    slider, _ = st.columns([1, 2])
    return slider.slider(
        "Actors shown", 5, min(actors_in_data, 50), min(15, actors_in_data), key="actors_shown"
    )


def show_relations(relations: Relations, regions: dict[str, str]) -> None:
    """Draw the matrix and the network; a click on an actor applies it as the actor filter."""
    shown, total = len(relations.actors), relations.actors_in_data
    which = (
        f"All {total} actors" if shown == total else f"The {shown} actors with the most events, of {total:,}"
    )
    st.caption(
        f"{which}; the pairs among them hold {relations.events_shown:,} of the {relations.total:,} events. "
        "Colour: the balance (cooperation − conflict) / (cooperation + conflict), red for conflict, "
        "blue for cooperation, grey for neutral events only. Click an actor to filter by it."
    )
    st.altair_chart(
        charts.actor_matrix(relations),
        key="actor_matrix",
        on_select=partial(_apply_picked_actor, "actor_matrix"),
        width="content",
    )
    st.caption(
        "The same relations as a network: edges join two actors whichever acted, as wide as their count."
    )
    nodes, edges = network(relations)
    st.altair_chart(
        charts.actor_network(nodes, edges),
        key="actor_network",
        on_select=partial(_apply_picked_actor, "actor_network"),
    )
    st.html(markup.actor_list_html(relations.actors, regions))


def _apply_picked_actor(chart_key: str) -> None:
    actor = charts.picked_actor(st.session_state.get(chart_key))
    if actor is not None:
        st.session_state["actor"] = [actor]  # as if chosen in the sidebar
        filterform.clear_event()


# --- Articles ----------------------------------------------------------------------------------


def show_articles(view: PageView) -> None:
    """Show each article the filtered events cite, with every passage quoted from it."""
    shown, total = view.ask(article_passages, ARTICLES_SHOWN)
    which = f"The first {len(shown)} of {total:,}" if len(shown) < total else f"The {total}"
    st.caption(
        f"{which} {'article' if total == 1 else 'articles'} that the "
        f"{markup.counted(view.count, 'filtered event')} cite, in the order of the articles file; "
        "passages in the order of the events file. Each event id opens the map on that event."
    )
    for item in shown:
        st.html(markup.article_html(item, view.selection.params))


# --- Data quality ------------------------------------------------------------------------------


def show_validation(view: PageView, report: QualityReport) -> None:
    """Show the validation report exactly as `borderstates validate` prints it, and as a table."""
    st.subheader("Validation report")
    st.caption(validation_summary(view.store.status, data_dir() / "events.csv"))
    if not report.printed:
        st.success("No problems: every row of both files keeps the data contract.")
        return
    st.code("\n".join(report.printed), language=None, wrap_lines=True)
    with st.expander(f"The {len(report.printed):,} problems as a table, to sort and search"):
        st.dataframe(report.problems, hide_index=True)


def quality_report(view: PageView) -> QualityReport:
    """Return the quality report of the filtered events, their regions checked against the loader's."""
    return view.ask(build_report, str(geometry_dir(data_dir())))


def show_checks(view: PageView, report: QualityReport) -> None:
    """Show the checks of the filtered events: geography, precision, English, article URLs."""
    params = view.selection.params
    st.caption(f"The checks below cover the {view.count:,} filtered events and the articles they cite.")
    st.subheader("Events outside their declared country")
    if report.outside is None:
        st.warning(
            "The geography check did not run: the data has no country polygons (see the report above)."
        )
    else:
        _table(
            report.outside,
            report.outside_count,
            params,
            "Every point lies inside its country.",
            located_in="located in",
            beyond_tolerance=f"beyond {TOLERANCE_KM:g} km",
        )
    if report.other_region is not None:
        st.subheader("Events whose source names another region")
        _table(
            report.other_region,
            report.other_region_count,
            params,
            "Every source's region is the one its point lies in.",
            source_says="the source says",
            means="which is",
            lies_in="the point lies in",
        )
        if report.unknown_admin1 is not None and len(report.unknown_admin1):
            st.caption("Region names of the sources that no region goes by (not compared):")
            _table(
                report.unknown_admin1, len(report.unknown_admin1), None, "", source_admin1="the source says"
            )
    if report.disagreeing is not None:
        st.subheader("Sources that disagree on one event")
        st.caption(
            "Clusters of events that several datasets report (see Sources in the README) whose "
            "sources give other fatalities or other actors; every filtered event is compared, "
            "also when each event is counted once."
        )
        _table(
            report.disagreeing,
            report.disagreeing_count,
            params,
            "No sources of one event disagree on its fatalities or actors.",
            event_id="cluster (its first event)",
            disagree_on="they disagree on",
        )
    st.subheader("Precision")
    dates, places = st.columns(2)
    for column, frame, label in (
        (dates, report.date_precision, "date"),
        (places, report.geo_precision, "place"),
    ):
        column.dataframe(
            frame,
            hide_index=True,
            column_config={
                "precision": f"{label} precision",
                "share": st.column_config.ProgressColumn(format="percent", min_value=0, max_value=1),
            },
        )
    st.subheader("Events without an English rendering")
    _table(
        report.without_english,
        report.without_english_count,
        params,
        "Every excerpt is in English or has its English rendering.",
    )
    st.subheader("Articles without URL")
    _table(
        report.articles_without_url,
        report.articles_without_url_count,
        None,
        "Every article the events cite has a URL.",
    )
    if report.uncited_articles_count:
        st.caption(f"{markup.counted(report.uncited_articles_count, 'article')} cited by no event:")
        _table(report.uncited_articles, report.uncited_articles_count, None, "")


def _table(frame: pd.DataFrame, count: int, params: dict | None, when_empty: str, **labels: str) -> None:
    if frame.empty:
        st.success(when_empty)
        return
    if count > len(frame):
        st.caption(f"The first {len(frame):,} of {count:,}, in the order of the files.")
    shown = frame.copy()
    config: dict[str, ColumnConfig | str] = dict(labels)
    if params is not None:
        shown["event_id"] = eventtable.event_links(shown["event_id"], params)
        config["event_id"] = _event_column()
    st.dataframe(shown, hide_index=True, column_config=config)
