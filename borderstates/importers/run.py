"""`borderstates import` and `migrate`: recognise a file, map it, write a data file or merge into a store."""

from __future__ import annotations

from pathlib import Path

from borderstates.importers.actors import default_actors_path
from borderstates.importers.common import FOCUS_COUNTRIES, ImportFailure, ImportOptions, ProblemLog
from borderstates.importers.merge import ChangedAfterMerge, MigrateReport, import_into, migrate
from borderstates.importers.newfiles import write_new
from borderstates.importers.pipeline import ImportReport, Progress
from borderstates.importers.source import FORMAT_NAMES, recognise

# What the command line needs of the importers, in one place.
__all__ = [
    "FOCUS_COUNTRIES", "FORMAT_NAMES", "ChangedAfterMerge", "ImportFailure", "ImportOptions", "ImportReport",
    "MigrateReport", "import_file", "migrate_directory",
]  # fmt: skip


def import_file(
    source: Path | str,
    declared: str = "auto",
    *,
    output: Path | str | None = None,
    articles: Path | str | None = None,
    into: Path | str | None = None,
    actors: Path | str | None = None,
    options: ImportOptions = ImportOptions(),  # noqa: B008 (frozen, so a safe default)
    progress: Progress | None = None,
) -> ImportReport:
    """Import an ACLED, UCDP GED or GDELT 2.0 events file.

    Parameters
    ----------
    source
        The file as downloaded: CSV or tab-separated, plain, zipped or gzipped.
    declared
        `acled`, `ucdp`, `gdelt`, or `auto` to recognise the format from the content.
    output, articles
        Write a new events file and its articles file (default: `articles.csv` beside it).
    into
        Merge into the columnar store of this data directory instead (its `store/` folder;
        `events.csv` and `articles.csv` are not changed).
    actors
        The alias table (default: `actors.csv` of the target or data directory, else the shipped one).
    options
        Which rows to keep.
    progress
        Called with (rows read, rows imported) every `pipeline.PROGRESS_ROWS` rows.

    Raises
    ------
    ImportFailure
        When nothing can be imported: the file is unreadable, empty, damaged or of another
        format, or the target cannot be merged into. Nothing is written then.

    """
    if (output is None) == (into is None):
        raise ValueError("give either an output file or a data directory to import into")
    source = Path(source)
    layout = recognise(source, declared)
    report = ImportReport(source, layout.format, ProblemLog())
    target = Path(into) if into is not None else None
    actors = Path(actors) if actors else default_actors_path(target)
    if target is not None:
        import_into(target, layout, source, report, options, actors, progress)
    else:
        assert output is not None  # exactly one of `output` and `into`, as checked above
        output = Path(output)
        articles = Path(articles) if articles else output.parent / "articles.csv"
        write_new(output, articles, layout, source, report, options, actors, progress)
    return report


def migrate_directory(directory: Path | str) -> MigrateReport:
    """Move the imported rows of a data directory's events.csv into its store (`merge.migrate`).

    Raises
    ------
    ImportFailure
        When nothing was moved: the directory has no events.csv, the file cannot be read, an
        import is running, or the file changed while it was read.
    ChangedAfterMerge
        When the file changed while its rows were merged into the store: none was removed from it.

    """
    return migrate(Path(directory))
