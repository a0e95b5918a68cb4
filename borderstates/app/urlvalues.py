"""A URL parameter's values as the forms read them: the one that counts, a valid choice, a quoted value."""

from __future__ import annotations

from collections.abc import Sequence

from borderstates.core.contract import Params

QUOTED = 40  # characters of a link's value quoted in a notice


def last(params: Params, name: str) -> str:
    """Return the value of a one-value parameter: the last one given, "" when none."""
    values = params.get(name, ())
    return values[-1] if values else ""


def short(value: str, limit: int = QUOTED) -> str:
    """Return a link's value as a notice quotes it: cut at `limit` characters."""
    return value if len(value) <= limit else value[:limit] + "…"


def choice(params: Params, name: str, allowed: Sequence[str], default: str, dropped: list[str]) -> str:
    """Return a one-value parameter that must be one of `allowed`; name it in `dropped` when it is not."""
    value = last(params, name)
    if value and value not in allowed:
        dropped.append(f"{name}={short(value)} (allowed: {', '.join(allowed)})")
        return default
    return value or default
