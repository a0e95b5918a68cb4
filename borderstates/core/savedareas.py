"""Saved areas: GeoJSON files in the data directory's `areas/`, each named by its area's name.

A name is also a file's name, a choice of the sidebar and a link's `areaname`: one rule
(`check_name`) says which names can be all three, for the names typed to save an area and
for the files found in the folder alike.
"""

from __future__ import annotations

import json
import os
import secrets
import unicodedata
from pathlib import Path

from borderstates.core.area import Area, AreaError
from borderstates.core.csvio import atomic_write

AREAS_FOLDER = "areas"  # in the data directory
SUFFIX = ".geojson"
MAX_NAME_CHARACTERS = 80
# … and bytes in UTF-8: a file name holds at most 255, and the file written aside before it
# is linked into place adds 44 (`save_area`, `csvio.atomic_write`).
MAX_NAME_BYTES = 200
NAME_RULE = "letters, digits, spaces and . , ( ) ' -, beginning with a letter or a digit"
_PUNCTUATION = frozenset(" .,()'-")
# Letters of one script, or of one of the mixes that writing uses (Unicode TR39's "highly
# restrictive" level): a Cyrillic "а" in a Latin name would pass for another area's name.
_SCRIPT_MIXES = (
    frozenset({"LATIN", "HAN", "HIRAGANA", "KATAKANA"}),
    frozenset({"LATIN", "HAN", "BOPOMOFO"}),
    frozenset({"LATIN", "HAN", "HANGUL"}),
)
# Unicode names that do not begin with their script's: Han's ideographs, Japanese's long vowel.
_SCRIPT_OF_NAME = {"CJK": "HAN", "KATAKANA-HIRAGANA": "KATAKANA"}


def check_name(name: str) -> str:
    """Return a saved area's name as it is kept (trimmed, in Unicode's composed form, NFC).

    Raises
    ------
    AreaError
        Saying which part of the rule the name breaks: its characters (`NAME_RULE`), its length
        (`MAX_NAME_CHARACTERS`, `MAX_NAME_BYTES`), or letters of scripts that do not mix.

    """
    cleaned = unicodedata.normalize("NFC", name.strip())
    shown = repr(cleaned if len(cleaned) <= 40 else cleaned[:40] + "…")
    if (
        not cleaned
        or not _letter_or_digit(cleaned[0])
        or not all(_letter_or_digit(c) or c in _PUNCTUATION for c in cleaned)
    ):
        raise AreaError(f"{shown} cannot name an area: {NAME_RULE} only")
    if len(cleaned) > MAX_NAME_CHARACTERS:
        raise AreaError(
            f"{shown} cannot name an area: at most {MAX_NAME_CHARACTERS} characters, not {len(cleaned)}"
        )
    size = len(cleaned.encode("utf-8"))
    if size > MAX_NAME_BYTES:
        raise AreaError(
            f"{shown} cannot name an area: a file's name holds at most {MAX_NAME_BYTES} bytes of it "
            f"in UTF-8, and this one takes {size}"
        )
    scripts = {script for c in cleaned if (script := _script(c))}
    if len(scripts) > 1 and not any(scripts <= mix for mix in _SCRIPT_MIXES):
        mixed = " and ".join(sorted(script.title() for script in scripts))
        raise AreaError(f"{shown} cannot name an area: it mixes letters of {mixed}")
    return cleaned


def _letter_or_digit(char: str) -> bool:
    return char.isalnum()  # what `\w` matches, without `_`


def _script(char: str) -> str:
    """Return the script of a letter, from the first word of its Unicode name; "" for any other character."""
    if not unicodedata.category(char).startswith("L"):
        return ""
    words = [w for w in unicodedata.name(char, "").split() if w not in ("HALFWIDTH", "FULLWIDTH")]
    return _SCRIPT_OF_NAME.get(words[0], words[0]) if words else ""


def area_files(directory: Path | str) -> list[Path]:
    """Return the GeoJSON files of the data directory's `areas/`, whatever their names."""
    folder = Path(directory) / AREAS_FOLDER
    return sorted(folder.glob(f"*{SUFFIX}")) if folder.is_dir() else []


def saved_areas(directory: Path | str) -> tuple[dict[str, Path], list[str]]:
    """Return the data directory's saved areas by name, and a problem per file left out.

    A file whose name breaks the naming rule (put there by hand) is left out and named, so
    that every area offered can be chosen, linked and deleted by its name.
    """
    found: dict[str, Path] = {}
    problems: list[str] = []
    for path in area_files(directory):
        try:
            name = check_name(path.stem)
        except AreaError as exc:
            problems.append(f"{AREAS_FOLDER}/{path.name}: {exc} (rename the file)")
            continue
        if name != path.stem:
            problems.append(
                f"{AREAS_FOLDER}/{path.name}: the name is to be written {name!r} (rename the file)"
            )
            continue
        found[name] = path
    return found, problems


def area_file(directory: Path | str, name: str) -> Path:
    """Return the file a saved area of this name lives in; raise AreaError for a name no file can have."""
    return Path(directory) / AREAS_FOLDER / f"{check_name(name)}{SUFFIX}"


def save_area(directory: Path | str, name: str, area: Area) -> Path:
    """Write an area's shapes as a new named GeoJSON file into `areas/`, never over another; return it.

    Raises
    ------
    AreaError
        When the name cannot name a file (`check_name`), a saved area has this name already
        (in any case), or the area has no shape to save.

    """
    path = area_file(directory, name)
    if not (area.polygons or area.circles):
        raise AreaError("only drawn shapes can be saved as an area")
    taken = {n.casefold(): n for n in saved_areas(directory)[0]}
    if path.stem.casefold() in taken:
        raise AreaError(_taken(taken[path.stem.casefold()]))
    # Written whole aside, then linked into place: a link, unlike a rename, never replaces a
    # file, so of two sessions saving one name at once the second is told, not obeyed.
    aside = path.with_name(f".{path.name}.{secrets.token_hex(4)}.new")
    with atomic_write(aside) as handle:
        json.dump(
            Area(area.polygons, area.circles, name=path.stem).to_geojson(),
            handle,
            ensure_ascii=False,
            indent=1,
        )
    try:
        os.link(aside, path)
    except FileExistsError:
        raise AreaError(_taken(path.stem)) from None
    except OSError:  # a file system without hard links: the name was free a moment ago
        os.replace(aside, path)
    finally:
        aside.unlink(missing_ok=True)
    return path


def _taken(name: str) -> str:
    return f"an area named {name!r} exists: choose another name, or delete that one first"


def delete_area(directory: Path | str, name: str) -> bool:
    """Remove a saved area's file; return False when there was none."""
    path = area_file(directory, name)
    existed = path.exists()
    path.unlink(missing_ok=True)
    return existed
