"""The sidebar every page shares: the page links, the filter widgets, the count, and the warnings.

The widgets are drawn here; everything between them, the URL and the filter happens in
`filterform`: restored before the widgets are drawn, applied after.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import streamlit as st
from streamlit.delta_generator import DeltaGenerator

from borderstates.analysis.mapdata import Offered
from borderstates.app import areaform, filterform
from borderstates.app import data as appdata
from borderstates.core import contract
from borderstates.core.contract import Params
from borderstates.core.engine import Store
from borderstates.core.filters import Choices, EventFilter
from borderstates.render import markup

NOTICES_SHOWN = 10  # values of a link that were not applied, named one by one
# (script, label, icon) of every page, the map first; scripts are relative to dashboard.py.
PAGES = (
    ("dashboard.py", "Map", ":material/map:"),
    ("pages/1_Events.py", "Events", ":material/table_rows:"),
    ("pages/2_Timeline.py", "Timeline", ":material/timeline:"),
    ("pages/3_Actors.py", "Actors", ":material/hub:"),
    ("pages/4_Articles.py", "Articles", ":material/article:"),
    ("pages/5_Data_quality.py", "Data quality", ":material/fact_check:"),
    ("pages/6_Trends.py", "Trends", ":material/trending_up:"),
)
QUALITY_PAGE = "pages/5_Data_quality.py"


@dataclass
class Selection:
    """What the sidebar chose: the filter, what the URL asked for in vain, and the chosen event."""

    event_filter: EventFilter
    notices: list[str] = field(default_factory=list)
    event_id: str | None = None
    count_slot: DeltaGenerator | None = None  # where `show_count` writes "N of M events"
    params: dict[str, list[str]] = field(default_factory=dict)  # the filter as URL parameters


def sidebar_filter(store: Store, offered: Offered) -> Selection:
    """Draw the page links and the filter widgets in the sidebar, kept in the URL; return the selection.

    On a session's first run, the URL's parameters are compared with what the widgets kept;
    every dropped value becomes a notice, and unknown parameters leave the URL. The URL and
    the page links follow the widgets, so every page opens on the same filter.
    """
    named, problems = areaform.named_areas(_area_countries())
    choices = replace(offered.choices, areas=tuple(named.items()))
    countries = filterform.country_options(offered.countries)
    raw = filterform.url_params()
    filterform.restore_widgets(raw, choices, countries)
    links = st.sidebar.container()
    st.sidebar.header("Filters")
    count_slot = st.sidebar.empty()
    values = _filter_widgets(st.sidebar, choices, countries, offered.actor_countries)
    if len(choices.datasets) <= 1:  # no dataset widget: the URL's values pass through
        values["dataset"] = raw.get("dataset", [])
    values.update(areaform.area_widgets(st.sidebar, list(named), problems))
    st.sidebar.button("Reset all filters", key="reset", on_click=filterform.reset_widgets, width="stretch")
    asked = raw.get(filterform.EVENT, [""])[-1]
    exists = bool(asked) and appdata.has_event(store, asked)
    form = filterform.apply_widgets(values, raw, choices, event_exists=exists)
    event = {filterform.EVENT: [form.event_id]} if form.event_id else {}
    page_links(links, {**form.params, **event, **filterform.view_params(raw)})
    return Selection(form.event_filter, form.notices, form.event_id, count_slot, form.params)


def _area_countries() -> list[str]:
    """Return the states of the geometry, the focus states first: each can be chosen as an area."""
    drawing = appdata.load_drawing()
    focus = [c for c in contract.FOCUS_STATES if c in set(drawing["iso_a3"])]
    return focus + sorted(set(drawing["iso_a3"].astype("str")) - set(focus))


def _filter_widgets(
    sidebar: DeltaGenerator, choices: Choices, countries: list[str], actor_countries: dict[str, str]
) -> dict[str, object]:
    labels = appdata.region_labels()
    return {
        # Grouped by country ("RUS · Russian police"), so one state's government, forces and
        # police stand together; the URL keeps the plain names.
        "actor": sidebar.multiselect(
            "Actor",
            sorted(choices.actors, key=lambda a: (actor_countries.get(a) or "~", a)),
            format_func=lambda a: f"{actor_countries[a]} · {a}" if actor_countries.get(a) else a,
            key="actor",
        ),
        filterform.SIDE: sidebar.radio(
            "Actor on side",
            contract.ACTOR_SIDES,
            key=filterform.SIDE,
            horizontal=True,
            help="any: either side · actor1: the one who acts · actor2: the other side",
        ),
        filterform.DATE_FROM: sidebar.date_input(
            "From",
            value=None,
            min_value=filterform.EARLIEST,
            max_value=filterform.LATEST,
            key=filterform.DATE_FROM,
            format="YYYY-MM-DD",
        ),
        filterform.DATE_TO: sidebar.date_input(
            "To",
            value=None,
            min_value=filterform.EARLIEST,
            max_value=filterform.LATEST,
            key=filterform.DATE_TO,
            format="YYYY-MM-DD",
        ),
        "relation": sidebar.multiselect("Relation type", contract.RELATION_TYPES, key="relation"),
        "quad": sidebar.multiselect(
            "Quad class",
            contract.QUAD_CLASSES,
            key="quad",
            help="Cooperation or conflict, verbal or material (GDELT's QuadClass), or neutral",
        ),
        "status": sidebar.multiselect("Status", contract.STATUSES, key="status"),
        filterform.GEO_PRECISION: sidebar.multiselect(
            "Place precision",
            contract.GEO_PRECISIONS,
            key=filterform.GEO_PRECISION,
            help="How exact the point is: an exact spot, a city, a region or only the country (drawn hollow)",
        ),
        filterform.DATE_PRECISION: sidebar.multiselect(
            "Date precision",
            contract.DATE_PRECISIONS,
            key=filterform.DATE_PRECISION,
            help="How exact the dating is: a day, a week, a month or a year",
        ),
        filterform.COUNTRY: sidebar.multiselect(
            "Country where it happened",
            countries,
            key=filterform.COUNTRY,
            help=" · ".join(f"{c}: {contract.country_name(c)}" for c in countries),
        ),
        filterform.INVOLVING: sidebar.toggle(
            "…or involving actors of that country", key=filterform.INVOLVING
        ),
        # By state ("UKR · UA-14 Donetsk Oblast"); the URL keeps the ISO 3166-2 codes.
        filterform.REGION: sidebar.multiselect(
            "Region where it happened",
            list(labels),
            format_func=lambda code: labels.get(code, code),
            key=filterform.REGION,
            help="The region (ISO 3166-2) the event's point lies in, in the four states and Russia",
        ),
        "dataset": (
            sidebar.multiselect("Dataset", sorted(choices.datasets), key="dataset")
            if len(choices.datasets) > 1
            else []
        ),
        filterform.TEXT: sidebar.text_input(
            "Search text", key=filterform.TEXT, max_chars=filterform.MAX_SEARCH_LENGTH
        ),
        filterform.DEDUPE: sidebar.toggle(
            "Count each event once across sources",
            key=filterform.DEDUPE,
            help="Events that several datasets report (the same day ±1, within 10 km or the same "
            "region or state, of a compatible type) count once: the curated one first, then ACLED, "
            "UCDP, GDELT",
        ),
    }


def page_links(container: DeltaGenerator, params: Params) -> None:
    """Draw a link to every page, each carrying the URL parameters `params`."""
    for script, label, icon in PAGES:
        container.page_link(script, label=label, icon=icon, query_params=dict(params))


def show_count(selection: Selection, shown: int, total: int) -> None:
    """Write "N of M events" at the top of the sidebar."""
    if selection.count_slot is not None:
        with selection.count_slot.container():
            st.markdown(f"**{shown} of {total} events**")
            areaform.show_area_notices(selection.event_filter.area, shown)


def show_notices(selection: Selection) -> None:
    """Say which values of the link were not applied."""
    if selection.notices:
        # Each notice quotes the link's own values: code spans keep them from becoming Markdown.
        notices = "; ".join(markup.code_span(notice) for notice in selection.notices[:NOTICES_SHOWN])
        if (more := len(selection.notices) - NOTICES_SHOWN) > 0:
            notices += f"; and {more:,} more"  # a link can hold thousands of values
        st.warning("Not applied from the link: " + notices, icon="⚠️")


def show_problems(store: Store, *, link: bool = True) -> None:
    """Warn briefly when the data has problems, linking to the data-quality page that lists them.

    The errors of the data directory's CSV files, those the imports recorded and the store's own
    (a file that cannot be read) are told apart: only the first left rows of events.csv out.
    """
    status = store.status
    if not status.problems:
        return
    warnings = len(status.problems) - len(status.errors)
    said = []
    if status.file_errors:
        said.append(
            f"{status.rows_left_out} of {status.rows_in_file} event rows were left out: the data files "
            f"break the data contract in {markup.counted(len(status.file_errors), 'place')}."
        )
    if status.import_errors:
        said.append(
            "The imports into the store left out rows that break the data contract "
            f"({markup.counted(len(status.import_errors), 'problem')} recorded)."
        )
    if status.store_errors:
        said.append(
            f"{markup.counted(len(status.store_errors), 'file')} of the store cannot be read: "
            "the events it holds are left out."
        )
    if said:
        said.append(f"The page shows the {markup.counted(store.total, 'valid event')}.")
        if warnings:
            said.append(f"The data also has {markup.counted(warnings, 'warning')}.")
        st.warning(" ".join(said), icon="⚠️")
    else:
        st.warning(
            f"The data has {markup.counted(warnings, 'warning')}, such as points outside their country.",
            icon="⚠️",
        )
    if link:
        st.page_link(
            QUALITY_PAGE,
            label="Every problem, by file, line and column, on the data-quality page",
            icon=":material/fact_check:",
            query_params=filterform.current_params(),
        )
