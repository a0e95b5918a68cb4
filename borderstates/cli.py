"""The `borderstates` command line: validate, export, import and rebuild the geometry."""

from __future__ import annotations

import argparse
import difflib
import sys
from collections.abc import Sequence
from pathlib import Path

from borderstates.analysis.mapdata import offered
from borderstates.analysis.quality import validation_lines, validation_summary
from borderstates.core import columnstore, contract, query, storereader
from borderstates.core.area import Area, AreaError, read_area
from borderstates.core.csvio import LINE
from borderstates.core.engine import DataStatus, UnknownEngine, open_files
from borderstates.core.export import FORMATS, export_events
from borderstates.core.filters import EventFilter, parse_date
from borderstates.core.load import load_files
from borderstates.core.paths import data_dir
from borderstates.importers.run import (
    FOCUS_COUNTRIES,
    FORMAT_NAMES,
    ImportFailure,
    ImportOptions,
    import_file,
    migrate_directory,
)

EXIT_OK, EXIT_INVALID, EXIT_USAGE = 0, 1, 2


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the exit code."""
    parser = _parser()
    args = parser.parse_args(argv)
    try:
        return args.run(args)
    except KeyboardInterrupt:
        return 130
    except UnknownEngine as exc:  # the environment names no engine
        print(f"borderstates: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except OSError as exc:  # a file the user named cannot be written or read
        print(f"borderstates: {exc.filename or ''}: {exc.strerror or exc}", file=sys.stderr)
        return EXIT_USAGE


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="borderstates",
        description="Events on Russia's southern border states: check, filter and export them.",
    )
    commands = parser.add_subparsers(required=True, metavar="COMMAND")

    validate = commands.add_parser("validate", help="check an events file and its articles")
    validate.add_argument("events", nargs="?", type=Path, help="events CSV (default: the data directory's)")
    validate.add_argument(
        "--articles", type=Path, help="articles CSV (default: articles.csv beside the events)"
    )
    validate.set_defaults(run=_validate)

    export = commands.add_parser("export", help="write the events that match a filter")
    export.add_argument("--events", type=Path, help="events CSV (default: the data directory's)")
    export.add_argument(
        "--articles", type=Path, help="articles CSV (default: articles.csv beside the events)"
    )
    export.add_argument("--actor", action="append", default=[], help="actor on either side (repeatable)")
    export.add_argument("--actor1", action="append", default=[], help="actor as actor1 only (repeatable)")
    export.add_argument("--actor2", action="append", default=[], help="actor as actor2 only (repeatable)")
    export.add_argument("--relation", action="append", default=[], choices=contract.RELATION_TYPES)
    export.add_argument("--quad", action="append", default=[], choices=contract.QUAD_CLASSES)
    export.add_argument("--status", action="append", default=[], choices=contract.STATUSES)
    export.add_argument("--dataset", action="append", default=[], help="dataset, e.g. curated (repeatable)")
    export.add_argument("--country", action="append", default=[], type=_country, metavar="ISO3")
    export.add_argument("--involving", action="store_true", help="countries also match the actors' countries")
    export.add_argument(
        "--since", type=_date, metavar="YYYY-MM-DD", help="events whose span reaches this day"
    )
    export.add_argument(
        "--until", type=_date, metavar="YYYY-MM-DD", help="events whose span starts by this day"
    )
    export.add_argument("--search", default="", metavar="TEXT", help="case-insensitive text search")
    export.add_argument(
        "--within", type=_area, metavar="AREA.geojson",
        help="events whose point lies in this area (Polygon, MultiPolygon, circles, or a FeatureCollection)",
    )  # fmt: skip
    export.add_argument("--format", default="csv", choices=FORMATS, dest="export_format")
    output = export.add_mutually_exclusive_group(required=True)
    output.add_argument("-o", "--output", type=Path, help="file to write")
    output.add_argument(
        "--show-sql", action="store_true",
        help="print the SQL that selects these events, to run where the data lives, and write nothing",
    )  # fmt: skip
    export.add_argument(
        "--dialect", default="duckdb", choices=query.DIALECTS,
        help="with --show-sql: the SQL's dialect (default: duckdb)",
    )  # fmt: skip
    export.set_defaults(run=_export)

    importer = commands.add_parser("import", help="import an ACLED, UCDP GED or GDELT 2.0 events file")
    importer.add_argument(
        "input", type=Path, help="the file as downloaded: CSV or tab-separated, plain, .zip or .gz"
    )
    importer.add_argument(
        "--format", default="auto", choices=(*FORMAT_NAMES, "auto"), dest="source_format",
        help="the file's format (default: auto, recognised from the content)",
    )  # fmt: skip
    target = importer.add_mutually_exclusive_group(required=True)
    target.add_argument("-o", "--output", type=Path, help="write a new events file (its articles beside it)")
    target.add_argument(
        "--into", type=Path, metavar="DATA_DIR", help="merge into the columnar store of a data directory"
    )
    importer.add_argument(
        "--articles", type=Path, help="with -o: the articles file (default: articles.csv beside the events)"
    )
    importer.add_argument(
        "--actors",
        type=Path,
        help="alias table (default: the data directory's actors.csv, else the shipped one)",
    )
    importer.add_argument(
        "--all-countries", action="store_true",
        help=f"keep events everywhere, not only those in {', '.join(FOCUS_COUNTRIES)}",
    )  # fmt: skip
    importer.add_argument(
        "--since", type=_date, metavar="YYYY-MM-DD", help="events whose span reaches this day"
    )
    importer.add_argument(
        "--until", type=_date, metavar="YYYY-MM-DD", help="events whose span starts by this day"
    )
    importer.set_defaults(run=_import)

    migrator = commands.add_parser(
        "migrate", help="move the imported rows of a data directory's events.csv into its columnar store"
    )
    _data_dir_argument(migrator)
    migrator.set_defaults(run=_migrate)

    store = commands.add_parser("store", help="manage a data directory's columnar store")
    store_commands = store.add_subparsers(required=True, metavar="ACTION")
    rollback = store_commands.add_parser(
        "rollback", help="undo the store's last change: make its previous generation current again"
    )
    _data_dir_argument(rollback)
    rollback.set_defaults(run=_rollback)

    build_geo = commands.add_parser("build-geo", help="rebuild data/geo from Natural Earth")
    build_geo.add_argument("--out", type=Path, help="folder to write (default: the data directory's geo/)")
    build_geo.set_defaults(run=_build_geo)
    return parser


def _data_dir_argument(parser: argparse.ArgumentParser) -> None:
    help_text = "the data directory (default: the configured one)"
    parser.add_argument("directory", nargs="?", type=Path, metavar="DATA_DIR", help=help_text)


def _date(text: str) -> object:
    try:
        return parse_date(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date written YYYY-MM-DD") from None


def _area(text: str) -> Area:
    try:
        return read_area(text)
    except AreaError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def _country(text: str) -> str:
    code = text.strip().upper()
    if code not in contract.ISO3_CODES:
        raise argparse.ArgumentTypeError(
            f"{text!r} is not an ISO 3166-1 alpha-3 country code (such as UKR, GEO, ARM, AZE, RUS)"
        )
    return code


def _paths(events: Path | None, articles: Path | None) -> tuple[Path, Path]:
    events = events or data_dir() / "events.csv"
    return events, articles or events.parent / "articles.csv"


def _validate(args: argparse.Namespace) -> int:
    events_path, articles_path = _paths(args.events, args.articles)
    dataset = load_files(events_path, articles_path)
    store = storereader.served(events_path.parent / columnstore.STORE_FOLDER)
    ids = dataset.events[["event_id", LINE]]
    status = DataStatus.of(
        events_path, dataset.problems, dataset.rows_in_file, ids, len(dataset.articles), store
    )
    for line in validation_lines(status):  # the data-quality page shows the same lines
        print(line)
    print(validation_summary(status, events_path), file=sys.stderr)
    # The store's rows were checked when they were imported: the files' own errors decide, and
    # the store's faults (a file that cannot be read leaves its events out).
    failing = dataset.errors + [p for p in store.faults if p.severity == "error"]
    return EXIT_INVALID if failing else EXIT_OK


def _export(args: argparse.Namespace) -> int:
    events_path, articles_path = _paths(args.events, args.articles)
    store = open_files(events_path, articles_path)
    if store.status.errors:
        print(
            f"borderstates: {len(store.status.errors)} problems in the input; exporting the "
            f"{store.total} valid events (see: borderstates validate {events_path})",
            file=sys.stderr,
        )
    sides = [(args.actor, "any"), (args.actor1, "actor1"), (args.actor2, "actor2")]
    chosen = [(actors, side) for actors, side in sides if actors]
    if len(chosen) > 1:
        print("borderstates: use one of --actor, --actor1 and --actor2", file=sys.stderr)
        return EXIT_USAGE
    actors, side = chosen[0] if chosen else ([], "any")
    choices = offered(store).choices
    unknown = [_unknown("actor", a, choices.actors) for a in actors if a not in choices.actors]
    unknown += [_unknown("dataset", d, choices.datasets) for d in args.dataset if d not in choices.datasets]
    if unknown:
        print("\n".join(f"borderstates export: {message}" for message in unknown), file=sys.stderr)
        return EXIT_USAGE
    event_filter = EventFilter(
        actors=tuple(actors),
        side=side,
        date_from=args.since,
        date_to=args.until,
        relations=tuple(args.relation),
        quads=tuple(args.quad),
        statuses=tuple(args.status),
        datasets=tuple(args.dataset),
        countries=tuple(args.country),
        involving=args.involving,
        text=args.search,
        area=args.within,
    )
    if args.show_sql:
        try:
            print(store.to_sql(event_filter, args.dialect))
        except ValueError as exc:
            print(f"borderstates export: {exc}", file=sys.stderr)
            return EXIT_USAGE
        return EXIT_OK
    count = export_events(store, event_filter, args.output, args.export_format)
    if args.within is not None and args.within.repaired:
        print(
            f"borderstates export: a polygon of {args.within.name} crossed itself and was repaired",
            file=sys.stderr,
        )
    if count == 0 and args.within is not None:
        print(f"borderstates export: no event lies in {args.within.name}", file=sys.stderr)
    print(f"{args.output}: {count} of {store.total} events", file=sys.stderr)
    return EXIT_OK


def _unknown(kind: str, value: str, known: frozenset[str], listed: int = 30) -> str:
    """Say that a value is not in the data, with the likeliest intended one or the full list."""
    close = difflib.get_close_matches(value, known, n=1) or [
        k for k in known if k.casefold() == value.casefold()
    ]
    if close:
        return f"unknown {kind} {value!r}; did you mean {close[0]!r}?"
    names = sorted(known)
    shown = ", ".join(names[:listed]) + (f" … ({len(names)} in all)" if len(names) > listed else "")
    return f"unknown {kind} {value!r}; {kind}s in the data: {shown}"


def _import(args: argparse.Namespace) -> int:
    if args.articles and args.into:
        print("borderstates import: --articles goes with -o; --into uses the directory's articles.csv",
              file=sys.stderr)  # fmt: skip
        return EXIT_USAGE

    def progress(read: int, imported: int) -> None:
        print(f"{args.input}: {read:,} rows read, {imported:,} imported so far", file=sys.stderr, flush=True)

    options = ImportOptions(all_countries=args.all_countries, since=args.since, until=args.until)
    try:
        report = import_file(
            args.input, args.source_format, output=args.output, articles=args.articles, into=args.into,
            actors=args.actors, options=options, progress=progress,
        )  # fmt: skip
    except ImportFailure as exc:
        print(f"borderstates import: {exc}; nothing was written", file=sys.stderr)
        return EXIT_USAGE
    for problem in report.log.problems:
        print(problem)
    print("\n".join(report.summary()), file=sys.stderr)
    return EXIT_INVALID if report.log.errors else EXIT_OK


def _migrate(args: argparse.Namespace) -> int:
    try:
        report = migrate_directory(args.directory or data_dir())
    except ImportFailure as exc:
        print(f"borderstates migrate: {exc}; nothing was moved", file=sys.stderr)
        return EXIT_USAGE
    print("\n".join(report.summary()), file=sys.stderr)
    return EXIT_OK


def _rollback(args: argparse.Namespace) -> int:
    location = (args.directory or data_dir()) / columnstore.STORE_FOLDER
    try:
        if not location.is_dir():
            raise columnstore.NothingToRollBack(f"{location}: no store")
        with columnstore.exclusive(location):
            new, restored = columnstore.rollback(location)
    except (columnstore.NothingToRollBack, columnstore.StoreBusy) as exc:
        changed = "; nothing was changed" if location.is_dir() else ""
        print(f"borderstates store rollback: {exc}{changed}", file=sys.stderr)
        return EXIT_USAGE
    print(
        f"{location}: the store is now {new}, the events of {restored}; the generation before it is "
        "kept: `borderstates store rollback` again undoes this",
        file=sys.stderr,
    )
    return EXIT_OK


def _build_geo(args: argparse.Namespace) -> int:
    from borderstates.core.geobuild import build_geo

    written = build_geo(args.out or data_dir() / "geo")
    for key, value in written.items():
        print(f"{key}: {value}")
    return EXIT_OK


if __name__ == "__main__":
    sys.exit(main())
