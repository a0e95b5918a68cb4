"""The `borderstates` command line: validate, export, import and rebuild the geometry."""

from __future__ import annotations

import argparse
import difflib
import sys
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import IO, NoReturn

from borderstates.analysis import summary
from borderstates.analysis.mapdata import offered
from borderstates.analysis.quality import validation_lines, validation_summary
from borderstates.analysis.trends import (
    DEFAULT_BASELINE,
    MAX_BASELINE,
    PERIODS,
    UNIT_COLUMNS,
    build_trends,
    compare_periods,
    default_as_of,
    periods_until,
    write_comparison,
    write_trends,
)
from borderstates.core import columnstore, contract, query, storereader
from borderstates.core.area import Area, AreaError, read_area
from borderstates.core.csvio import LINE, atomic_write
from borderstates.core.engine import DataStatus, Store, UnknownEngine, open_files, open_store
from borderstates.core.export import FORMATS, export_events
from borderstates.core.filters import EventFilter, parse_date
from borderstates.core.load import load_files
from borderstates.core.paths import data_dir, geometry_dir
from borderstates.core.regions import RegionNames, load_regions
from borderstates.importers.run import (
    FOCUS_COUNTRIES,
    FORMAT_NAMES,
    ChangedAfterMerge,
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


class _Parser(argparse.ArgumentParser):
    """An argument parser whose every complaint is one line: the command, the option, what is wrong."""

    def error(self, message: str) -> NoReturn:
        self.exit(EXIT_USAGE, f"{self.prog}: {message} (see {self.prog} --help)\n")


def _parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="borderstates",
        description="Events on Russia's southern border states: check, filter and export them.",
    )
    commands = parser.add_subparsers(required=True, metavar="COMMAND", parser_class=_Parser)

    validate = commands.add_parser("validate", help="check an events file and its articles")
    validate.add_argument("events", nargs="?", type=Path, help="events CSV (default: the data directory's)")
    validate.add_argument(
        "--articles", type=Path, help="articles CSV (default: articles.csv beside the events)"
    )
    validate.set_defaults(run=_validate)

    export = commands.add_parser(
        "export", help="write the events that match a filter", parents=[_filter_options()]
    )
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

    trends = commands.add_parser(
        "trends",
        help="each state's or region's latest week or month against its baseline, banded",
        parents=[_filter_options()],
    )
    trends.add_argument("--period", default="week", choices=PERIODS, help="Monday weeks or months")
    trends.add_argument(
        "--baseline", type=_periods, default=DEFAULT_BASELINE, metavar="N",
        help=f"periods before the latest whose mean is the baseline (default {DEFAULT_BASELINE})",
    )  # fmt: skip
    trends.add_argument(
        "--as-of", type=_date, metavar="YYYY-MM-DD",
        help="the latest period is the last complete one ending by this day "
        "(default: the last day a filtered event's span reaches)",
    )  # fmt: skip
    trends.add_argument("--by", default="state", choices=tuple(UNIT_COLUMNS))
    trends.add_argument("-o", "--output", type=Path, help="CSV file to write (default: standard output)")
    trends.set_defaults(run=_trends)

    compare = commands.add_parser(
        "compare", help="two periods' events per state or region", parents=[_filter_options()]
    )
    compare.add_argument("--a", required=True, type=_range, metavar="FROM:TO", help="period A, first")
    compare.add_argument("--b", required=True, type=_range, metavar="FROM:TO", help="period B")
    compare.add_argument("--by", default="state", choices=tuple(UNIT_COLUMNS))
    compare.add_argument("-o", "--output", type=Path, help="CSV file to write (default: standard output)")
    compare.set_defaults(run=_compare)

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


def _filter_options() -> _Parser:
    """Return the filter's options, shared by every command that filters (`_event_filter` reads them)."""
    options = _Parser(add_help=False)
    options.add_argument("--events", type=Path, help="events CSV (default: the data directory's)")
    options.add_argument(
        "--articles", type=Path, help="articles CSV (default: articles.csv beside the events)"
    )
    options.add_argument("--actor", action="append", default=[], help="actor on either side (repeatable)")
    options.add_argument("--actor1", action="append", default=[], help="actor as actor1 only (repeatable)")
    options.add_argument("--actor2", action="append", default=[], help="actor as actor2 only (repeatable)")
    options.add_argument("--relation", action="append", default=[], choices=contract.RELATION_TYPES)
    options.add_argument("--quad", action="append", default=[], choices=contract.QUAD_CLASSES)
    options.add_argument("--status", action="append", default=[], choices=contract.STATUSES)
    options.add_argument(
        "--geoprec", action="append", default=[], choices=contract.GEO_PRECISIONS,
        help="how exact the point is (repeatable)",
    )  # fmt: skip
    options.add_argument(
        "--dateprec", action="append", default=[], choices=contract.DATE_PRECISIONS,
        help="how exact the dating is (repeatable)",
    )  # fmt: skip
    options.add_argument("--dataset", action="append", default=[], help="dataset, e.g. curated (repeatable)")
    options.add_argument("--country", action="append", default=[], type=_country, metavar="ISO3")
    options.add_argument(
        "--involving", action="store_true", help="countries also match the actors' countries"
    )
    options.add_argument(
        "--region", action="append", default=[], metavar="ISO3166-2",
        help="region the point lies in, such as UA-14 (repeatable)",
    )  # fmt: skip
    options.add_argument(
        "--since", type=_date, metavar="YYYY-MM-DD", help="events whose span reaches this day"
    )
    options.add_argument(
        "--until", type=_date, metavar="YYYY-MM-DD", help="events whose span starts by this day"
    )
    options.add_argument("--search", default="", metavar="TEXT", help="case-insensitive text search")
    options.add_argument(
        "--dedupe", action="store_true",
        help="count each event once across sources: one event per cluster of corroborating events",
    )  # fmt: skip
    options.add_argument(
        "--within", type=_area, metavar="AREA.geojson",
        help="events whose point lies in this area (Polygon, MultiPolygon, circles, or a FeatureCollection)",
    )  # fmt: skip
    return options


def _data_dir_argument(parser: argparse.ArgumentParser) -> None:
    help_text = "the data directory (default: the configured one)"
    parser.add_argument("directory", nargs="?", type=Path, metavar="DATA_DIR", help=help_text)


def _date(text: str) -> object:
    try:
        return parse_date(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date written YYYY-MM-DD") from None


def _periods(text: str) -> int:
    if not (text.isascii() and text.isdigit() and 1 <= int(text) <= MAX_BASELINE):
        raise argparse.ArgumentTypeError(
            f"{text!r} is not a whole number of periods from 1 to {MAX_BASELINE}"
        )
    return int(text)


def _range(text: str) -> tuple[object, object]:
    first, separator, last = text.partition(":")
    if not separator:
        raise argparse.ArgumentTypeError(f"{text!r} is not a period FROM:TO (YYYY-MM-DD:YYYY-MM-DD)")
    days = _date(first), _date(last)
    if days[0] > days[1]:  # type: ignore[operator]
        raise argparse.ArgumentTypeError(f"{text!r} ends before it begins")
    return days


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


def _open(args: argparse.Namespace, command: str) -> Store:
    """Open the data the options name; say on stderr how many rows its problems left out."""
    events_path, articles_path = _paths(args.events, args.articles)
    store = open_files(events_path, articles_path)
    if store.status.errors:
        print(
            f"borderstates {command}: {len(store.status.errors)} problems in the input; using the "
            f"{store.total} valid events (see: borderstates validate {events_path})",
            file=sys.stderr,
        )
    return store


def _event_filter(args: argparse.Namespace, store: Store, command: str) -> EventFilter | None:
    """Return the filter the options describe; None, with each reason on stderr, when they cannot."""
    sides = [(args.actor, "any"), (args.actor1, "actor1"), (args.actor2, "actor2")]
    chosen = [(actors, side) for actors, side in sides if actors]
    if len(chosen) > 1:
        print(f"borderstates {command}: use one of --actor, --actor1 and --actor2", file=sys.stderr)
        return None
    actors, side = chosen[0] if chosen else ([], "any")
    choices = offered(store).choices
    unknown = [_unknown("actor", a, choices.actors) for a in actors if a not in choices.actors]
    unknown += [_unknown("dataset", d, choices.datasets) for d in args.dataset if d not in choices.datasets]
    regions = [code.strip().upper() for code in args.region]
    if wrong := [
        given for given, code in zip(args.region, regions, strict=True) if code not in choices.regions
    ]:
        unknown += [_unknown_region(given, _paths(args.events, args.articles)[0].parent) for given in wrong]
    if unknown:
        print("\n".join(f"borderstates {command}: {message}" for message in unknown), file=sys.stderr)
        return None
    if args.within is not None and args.within.repaired:
        print(
            f"borderstates {command}: a polygon of {args.within.name} crossed itself and was repaired",
            file=sys.stderr,
        )
    return EventFilter(
        actors=tuple(actors),
        side=side,
        date_from=args.since,
        date_to=args.until,
        relations=tuple(args.relation),
        quads=tuple(args.quad),
        statuses=tuple(args.status),
        geo_precisions=tuple(dict.fromkeys(args.geoprec)),
        date_precisions=tuple(dict.fromkeys(args.dateprec)),
        datasets=tuple(args.dataset),
        countries=tuple(args.country),
        regions=tuple(dict.fromkeys(regions)),
        involving=args.involving,
        text=args.search,
        area=args.within,
        dedupe=args.dedupe,
    )


def _no_folder_for(output: Path | None, command: str) -> bool:
    """Say so and return True when `-o` names a file in a missing folder (never made on the way)."""
    if output is None or output.parent.is_dir():
        return False
    print(f"borderstates {command}: {output.parent}: no such folder, for -o {output}", file=sys.stderr)
    return True


def _export(args: argparse.Namespace) -> int:
    if _no_folder_for(args.output, "export"):
        return EXIT_USAGE
    store = _open(args, "export")
    event_filter = _event_filter(args, store, "export")
    if event_filter is None:
        return EXIT_USAGE
    if args.show_sql:
        try:
            print(store.to_sql(event_filter, args.dialect))
        except ValueError as exc:
            print(f"borderstates export: {exc}", file=sys.stderr)
            return EXIT_USAGE
        return EXIT_OK
    count = export_events(store, event_filter, args.output, args.export_format)
    if count == 0 and args.within is not None:
        print(f"borderstates export: no event lies in {args.within.name}", file=sys.stderr)
    print(f"{args.output}: {count} of {store.total} events", file=sys.stderr)
    return EXIT_OK


def _trends(args: argparse.Namespace) -> int:
    if _no_folder_for(args.output, "trends"):
        return EXIT_USAGE
    store = _open(args, "trends")
    event_filter = _event_filter(args, store, "trends")
    if event_filter is None:
        return EXIT_USAGE
    as_of = args.as_of or default_as_of(store, event_filter)
    if as_of is None:
        print("borderstates trends: no event matches the filter: nothing to compare", file=sys.stderr)
        return EXIT_OK
    periods = periods_until(as_of, args.period, args.baseline)
    built = build_trends(store, event_filter, periods, args.by)
    with _table_output(args.output) as handle:
        write_trends(built, handle)
    print(
        f"{args.output or 'stdout'}: {len(built.table)} {args.by}s; latest {args.period} "
        f"{periods.latest:%Y-%m-%d} to {periods.last_day:%Y-%m-%d} against the {periods.baseline} before it; "
        f"{built.left_out:,} events left out, dated less precisely than a {args.period} "
        f"or running over its end",
        file=sys.stderr,
    )
    return EXIT_OK


def _compare(args: argparse.Namespace) -> int:
    if _no_folder_for(args.output, "compare"):
        return EXIT_USAGE
    store = _open(args, "compare")
    event_filter = _event_filter(args, store, "compare")
    if event_filter is None:
        return EXIT_USAGE
    try:
        compared = compare_periods(store, event_filter, args.a, args.b, args.by)
    except ValueError as exc:
        print(f"borderstates compare: {exc}", file=sys.stderr)
        return EXIT_USAGE
    with _table_output(args.output) as handle:
        write_comparison(compared, handle)
    print(
        f"{args.output or 'stdout'}: {len(compared.table)} {args.by}s; {compared.left_out:,} events "
        "touch a period without lying wholly within it and are left out",
        file=sys.stderr,
    )
    return EXIT_OK


@contextmanager
def _table_output(target: Path | None) -> Iterator[IO[str]]:
    """Yield where a table goes: a file written aside and renamed into place, or standard output."""
    if target is None:
        yield sys.stdout
        return
    with atomic_write(target) as handle:
        yield handle


def _unknown_region(value: str, directory: Path, listed: int = 5) -> str:
    """Say that a region code is unknown, with the regions it may mean: by name, or by a close code."""
    try:
        regions = load_regions(geometry_dir(directory))
    except (OSError, ValueError):
        names, named = {}, []
    else:
        names = dict(zip(regions["region"], regions["name_en"], strict=True))
        named = sorted(RegionNames(regions).codes(value))  # "Donetsk", "UP04"
    close = named or difflib.get_close_matches(value.strip().upper(), sorted(contract.REGION_CODES), n=listed)
    shown = ", ".join(f"{code} {names.get(code, '')}".strip() for code in close[:listed])
    hint = f"; close: {shown}" if shown else "; regions are ISO 3166-2 codes such as UA-14, GE-AB, RU-BEL"
    return f"unknown region {value!r}{hint}"


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
    if args.into and report.generation is not None:
        _answer_first_visit(Path(args.into))
    return EXIT_INVALID if report.log.errors else EXIT_OK


def _answer_first_visit(directory: Path) -> None:
    """Answer a first visit's questions of the data directory's new version now, beside its store.

    So that the next server reads them (`analysis.summary`) instead of asking them of every event.
    """
    start = time.perf_counter()
    store = open_store(directory)
    written = summary.write(store, summary.first_visit(store))
    if written is not None:
        print(f"{written}: a first visit's answers, in {time.perf_counter() - start:.1f} s", file=sys.stderr)


def _migrate(args: argparse.Namespace) -> int:
    try:
        report = migrate_directory(args.directory or data_dir())
    except ImportFailure as exc:  # ChangedAfterMerge says itself what was done
        done = "" if isinstance(exc, ChangedAfterMerge) else "; nothing was moved"
        print(f"borderstates migrate: {exc}{done}", file=sys.stderr)
        return EXIT_USAGE
    print("\n".join(report.summary()), file=sys.stderr)
    if report.generation is not None:
        _answer_first_visit(report.directory)
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
    _answer_first_visit(location.parent)
    return EXIT_OK


def _build_geo(args: argparse.Namespace) -> int:
    from borderstates.core.geobuild import build_geo

    written = build_geo(args.out or data_dir() / "geo")
    for key, value in written.items():
        print(f"{key}: {value}")
    return EXIT_OK


if __name__ == "__main__":
    sys.exit(main())
