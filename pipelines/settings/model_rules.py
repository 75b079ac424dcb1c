"""Shared pieces of the declarative file models (settings, indicator catalog).

Both files are edited by hand, so both speak the same way when a value is wrong: the key, then a
short problem in plain words, and for a misspelt key the closest known one.
"""

from __future__ import annotations

import difflib
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict

# pydantic's error types -> the words a user of a TOML file understands
MESSAGES = {
    "int_parsing": "must be a whole number, got {input!r}",
    "int_from_float": "must be a whole number, got {input!r}",
    "int_type": "must be a whole number, got {input!r}",
    "float_parsing": "must be a number, got {input!r}",
    "float_type": "must be a number, got {input!r}",
    "bool_parsing": "must be true or false, got {input!r}",
    "bool_type": "must be true or false, got {input!r}",
    "string_type": "must be a string, got {input!r}",
    "list_type": "must be a list, got {input!r}",
    "dict_type": "must be a table",
    "model_type": "must be a table",
    "missing": "is required but not set",
}


class FileModel(BaseModel):
    """A section of a hand-edited file: unknown keys are errors, values never change after."""

    model_config = ConfigDict(extra="forbid", frozen=True)


def closest(word: str, known: set[str] | list[str]) -> str | None:
    """The known word a misspelling most likely meant: swapped letters first ('lable' is
    'label', not 'table'), then the most similar."""
    candidates = difflib.get_close_matches(word, sorted(known), n=3, cutoff=0.5)
    swapped = [c for c in candidates if sorted(c) == sorted(word)]
    return (swapped or candidates or [None])[0]


def unknown_key(key: str, known: list[str] | set[str], what: str = "key") -> str:
    """'unknown key', with the closest known one when a misspelling is likely."""
    close = closest(key, known)
    return f"unknown {what}; did you mean {close!r}?" if close else f"unknown {what}"


def problem(error: dict) -> str:
    """One pydantic error (from `errors()`) as the words after the key."""
    if error["type"] in ("value_error", "assertion_error"):
        return str(error["ctx"]["error"]) if "ctx" in error else error["msg"]
    template = MESSAGES.get(error["type"])
    return template.format(input=error.get("input")) if template else error["msg"]


def one_of(*allowed: str, upper: bool = False) -> AfterValidator:
    """A text value from a fixed list, named in the error."""
    words = " or ".join(f"'{a}'" for a in allowed) if not upper else " or ".join(allowed)

    def check(value: str) -> str:
        value = value.strip().upper() if upper else value.strip()
        if value not in allowed:
            raise ValueError(f"must be {words}, got {value!r}")
        return value

    return AfterValidator(check)


def between(low: float, high: float, what: str = "") -> AfterValidator:
    def check(value: float) -> float:
        if not low <= value <= high:
            raise ValueError(f"must be {what}between {low:g} and {high:g}, got {value:g}")
        return value

    return AfterValidator(check)


def _text(value: Any) -> Any:
    if isinstance(value, str) and not value.strip():
        raise ValueError("must be a non-empty string")
    return value.strip() if isinstance(value, str) else value


Text = Annotated[str, BeforeValidator(_text)]
