"""Reading many reports at once from a CSV or JSON Lines file (``careterm import``).

Reports that came in through an online form's export, or test data. The file
is UTF-8 (a byte-order mark is fine); its format is chosen by the extension
(``.csv``; ``.jsonl``, ``.ndjson``, ``.json``) or else by its first character
(``{`` means JSON Lines).

Column names (CSV header, case and surrounding spaces ignored) and JSON keys
are the ``careterm capture`` option names:

* ``what`` (required in every row), ``who``, ``when``, ``where``, ``ongoing``,
  ``contact``, ``reporter``, ``source``, ``urgency``;
* ``unknown`` and ``declined``: the names of the fields the reporter did not
  know or did not want to answer, separated by commas (JSON: a list or such
  a string), exactly like ``--unknown`` / ``--declined``;
* ``anonymous``: ``yes``/``true``/``1`` when the reporter declined to give a
  name (JSON: ``true``);
* ``support``: ``KIND=STATE`` pairs separated by commas or semicolons, e.g.
  ``escort=requested; police=declined`` (JSON: also an object).

Marks are never guessed from free text: a ``who`` cell saying "unknown" or
"prefers not to say" is kept as the words typed, because a form's answer is
the reporter's own words. Only where the words cannot be an answer do they
become marks: ``declined`` in the ``ongoing`` or ``source`` column, and
``unknown`` in the ``source`` column (``ongoing`` has "unknown" as a choice
of its own). ``source`` also accepts the spelled-out labels ("in person",
"e-mail", "relayed by staff", "observed by CARE"). Empty cells and JSON
``null`` are empty answers; blank lines are skipped.

All or nothing: the first problem is raised as :class:`ImportRowError`
("FILE:LINE: message", LINE being the line the row starts on) and nothing
is returned, so nothing gets stored.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from careterm.actions.incidents import CAPTURE_OPTIONS, PreparedCapture, prepare_capture
from careterm.core.validate import MAX_TEXT
from careterm.core.vocabulary import (
    CHOICE_FIELDS,
    MARKS,
    SOURCE_LABELS,
    SUPPORT_ALIASES,
    SUPPORT_KINDS,
    SUPPORT_STATES,
)
from careterm.errors import InvalidInput

MARK_OPTIONS = ("unknown", "declined", "anonymous", "support")
"""Options beyond the capture fields: marks and support, as on the command line."""
IMPORT_COLUMNS = CAPTURE_OPTIONS + MARK_OPTIONS
"""Every column (CSV) or key (JSON Lines) an import may have."""
_TEXT_COLUMNS = frozenset(CAPTURE_OPTIONS)
_SOURCE_BY_LABEL = {label.lower(): code for code, label in SOURCE_LABELS.items()}
_YES = frozenset({"yes", "y", "true", "1"})
_NO = frozenset({"no", "n", "false", "0", ""})
_SPLIT = re.compile(r"[,;\s]+")


class ImportRowError(InvalidInput):
    """A row (or the file) cannot be imported; the message names file and line."""

    def __init__(self, source: str, line: int | None, message: str) -> None:
        where = f"{source}:{line}" if line else source
        super().__init__(f"{where}: {message}")
        self.source = source
        self.line = line


@dataclass
class ImportRow:
    """One validated report and the line of the file it starts on."""

    line: int
    capture: PreparedCapture


def field_names(value: Any, option: str) -> list[str]:
    """Field names from ``"who, contact"`` or ``["who", "contact"]`` (lower-cased)."""
    if value is None:
        return []
    items = [value] if isinstance(value, str) else value
    if not isinstance(items, list | tuple):
        raise InvalidInput(f"{option}: expected field names such as who, contact")
    names: list[str] = []
    for item in items:
        if not isinstance(item, str):
            raise InvalidInput(f"{option}: expected field names such as who, contact")
        names.extend(part.lower() for part in _SPLIT.split(item) if part)
    for name in names:
        if name not in CAPTURE_OPTIONS:
            raise InvalidInput(f"{option}: {name!r} is not a capture field "
                               f"({', '.join(CAPTURE_OPTIONS)})")
    return names


def parse_marks(unknown: Any = None, declined: Any = None,
                anonymous: bool = False) -> dict[str, str]:
    """``{field: "unknown"|"declined"}`` from the unknown/declined lists and anonymous."""
    marks: dict[str, str] = {}

    def mark(name: str, how: str) -> None:
        if marks.get(name, how) != how:
            raise InvalidInput(f"{name} is marked both {marks[name]} and {how}: choose one")
        marks[name] = how

    for name in field_names(unknown, "unknown"):
        mark(name, "unknown")
    for name in field_names(declined, "declined"):
        mark(name, "declined")
    if anonymous:
        mark("reporter", "declined")
    return marks


def parse_support(value: Any) -> dict[str, str]:
    """``{kind: state}`` from ``"escort=requested; friend=declined"``, a list of such, or a dict."""
    if value is None:
        return {}
    if isinstance(value, dict):
        pairs = list(value.items())
    else:
        items = [value] if isinstance(value, str) else value
        if not isinstance(items, list | tuple) or not all(isinstance(i, str) for i in items):
            raise InvalidInput("support: expected KIND=STATE, e.g. escort=requested")
        pairs = []
        for item in items:
            for part in re.split(r"[,;]+", item):
                if not part.strip():
                    continue
                kind, equals, state = part.partition("=")
                if not equals:
                    raise InvalidInput(f"support: {part.strip()!r} is not KIND=STATE, "
                                       "e.g. escort=requested")
                pairs.append((kind, state))
    support: dict[str, str] = {}
    for kind, state in pairs:
        if not isinstance(kind, str) or not isinstance(state, str):
            raise InvalidInput("support: expected KIND=STATE, e.g. escort=requested")
        kind, state = kind.strip().lower(), state.strip().lower()
        state = SUPPORT_ALIASES.get(state, state)
        if kind not in SUPPORT_KINDS:
            raise InvalidInput(f"support: {kind!r} is not one of {', '.join(SUPPORT_KINDS)}")
        if state not in SUPPORT_STATES:
            raise InvalidInput(f"support: {kind}: {state!r} is not one of "
                               f"{', '.join(SUPPORT_STATES)}")
        if support.get(kind, state) != state:
            raise InvalidInput(f"support: {kind} is given twice ({support[kind]}, {state})")
        support[kind] = state
    return support


def parse_flag(value: Any, option: str) -> bool:
    """``yes``/``no`` style answers (JSON booleans too)."""
    if value is None or isinstance(value, bool):
        return bool(value)
    if isinstance(value, str) and value.strip().lower() in _YES | _NO:
        return value.strip().lower() in _YES
    raise InvalidInput(f"{option}: expected yes or no")


def prepare_row(values: dict[str, Any]) -> PreparedCapture:
    """Validate one row's values (column name → cell) into a prepared capture."""
    marks = parse_marks(values.get("unknown"), values.get("declined"),
                        parse_flag(values.get("anonymous"), "anonymous"))
    support = parse_support(values.get("support"))
    fields: dict[str, Any] = {}
    for name in CAPTURE_OPTIONS:
        value = values.get(name)
        if name == "what" or value is None:
            continue
        if not isinstance(value, str):
            raise InvalidInput(f"{name}: expected text, not {type(value).__name__}")
        if name == "source":
            value = _SOURCE_BY_LABEL.get(" ".join(value.lower().split()), value)
        word = value.strip().lower()
        if name in ("ongoing", "source") and word in MARKS and word not in CHOICE_FIELDS[name]:
            if marks.get(name, word) != word:
                raise InvalidInput(f"{name} is marked both {marks[name]} and {word}: "
                                   "choose one")
            marks[name] = word
            continue
        fields[name] = value
    what = values.get("what")
    if what is not None and not isinstance(what, str):
        raise InvalidInput(f"what: expected text, not {type(what).__name__}")
    return prepare_capture(what, marks=marks or None, support=support or None, **fields)


def read_import(path: Path, *, name: str | None = None) -> list[ImportRow]:
    """Read and validate every report in ``path``; :class:`ImportRowError` on the first problem."""
    name = name or str(path)
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise ImportRowError(name, None, "no such file") from None
    except IsADirectoryError:
        raise ImportRowError(name, None, "is a folder, not a file") from None
    except PermissionError:
        raise ImportRowError(name, None, "cannot be read (permission denied)") from None
    except OSError as exc:
        raise ImportRowError(name, None, f"cannot be read ({exc.strerror or exc})") from None
    return parse_import(decode_import(raw, name), name, detect_format(path.name, raw))


def decode_import(raw: bytes, name: str) -> str:
    """The file's text: UTF-8, with or without a byte-order mark."""
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise ImportRowError(name, 1, "the file is UTF-16; save it as UTF-8 (CSV UTF-8)")
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        raise ImportRowError(name, line, "not valid UTF-8 text; save the file as UTF-8") from None


def detect_format(filename: str, raw: bytes) -> str:
    """``"csv"`` or ``"jsonl"``: by extension, else by the first character."""
    suffix = Path(filename).suffix.lower()
    if suffix == ".csv":
        return "csv"
    if suffix in (".jsonl", ".ndjson", ".json"):
        return "jsonl"
    return "jsonl" if raw.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"{") else "csv"


def parse_import(text: str, name: str, fmt: str) -> list[ImportRow]:
    """Validate every report in ``text`` (``fmt`` is ``"csv"`` or ``"jsonl"``)."""
    rows = _csv_rows(text, name) if fmt == "csv" else _jsonl_rows(text, name)
    prepared: list[ImportRow] = []
    for line, values in rows:
        try:
            prepared.append(ImportRow(line, prepare_row(values)))
        except ImportRowError:
            raise
        except InvalidInput as exc:
            raise ImportRowError(name, line, str(exc)) from None
    return prepared


def _csv_rows(text: str, name: str) -> Iterator[tuple[int, dict[str, Any]]]:
    # A 1 MB statement is a valid report; csv's default limit is 128 kB.
    if csv.field_size_limit() <= MAX_TEXT:
        csv.field_size_limit(MAX_TEXT + 1)
    first_line = next((line for line in text.split("\n") if line.strip()), "")
    # Spreadsheets in many locales write ';' (or tabs); the header shows which.
    delimiter = next((d for d in (",", ";", "\t") if d in first_line), ",")
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    header: list[str] | None = None
    header_line = 0
    while True:
        start = reader.line_num + 1
        try:
            cells = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            raise ImportRowError(name, start, f"not valid CSV ({exc})") from None
        if not any(cell.strip() for cell in cells):
            continue
        if header is None:
            header, header_line = _check_header(cells, name, start), start
            continue
        if len(cells) > len(header) and any(c.strip() for c in cells[len(header):]):
            raise ImportRowError(name, start, f"this row has {len(cells)} cells but the "
                                 f"header on line {header_line} names {len(header)}")
        values: dict[str, Any] = {}
        for column, cell in zip(header, cells, strict=False):
            if not column:
                if cell.strip():
                    raise ImportRowError(name, start, "a value in a column with no name "
                                         "in the header")
                continue
            values[column] = cell if cell.strip() else None
        yield start, values


def _check_header(cells: list[str], name: str, line: int) -> list[str]:
    columns = [cell.strip().lower() for cell in cells]
    seen: set[str] = set()
    for column in columns:
        if not column:
            continue
        if column not in IMPORT_COLUMNS:
            raise ImportRowError(name, line, f"unknown column {column!r}; columns are "
                                 f"{', '.join(IMPORT_COLUMNS)}")
        if column in seen:
            raise ImportRowError(name, line, f"column {column!r} appears twice")
        seen.add(column)
    if "what" not in seen:
        raise ImportRowError(name, line, "no 'what' column (what happened is the one "
                             "required answer); the first line must name the columns")
    return columns


def _jsonl_rows(text: str, name: str) -> Iterator[tuple[int, dict[str, Any]]]:
    # split("\n"), not splitlines(): JSON strings may hold U+2028, which
    # splitlines() would count as a line break and so shift every line number.
    for number, line in enumerate(text.split("\n"), 1):
        stripped = line.strip()
        if not stripped:
            continue
        try:
            obj = json.loads(stripped)
        except json.JSONDecodeError as exc:
            hint = (" (careterm reads JSON Lines: one object per line, not an array)"
                    if stripped.startswith("[") else "")
            raise ImportRowError(name, number, f"not valid JSON: {exc.msg} at column "
                                 f"{exc.colno}{hint}") from None
        except RecursionError:
            raise ImportRowError(name, number, "not valid JSON: nested too deeply") from None
        if not isinstance(obj, dict):
            raise ImportRowError(name, number, "expected one JSON object per line "
                                 "(JSON Lines), not an array or a single value")
        values: dict[str, Any] = {}
        for key, value in obj.items():
            column = key.strip().lower()
            if column not in IMPORT_COLUMNS:
                raise ImportRowError(name, number, f"unknown key {key!r}; keys are "
                                     f"{', '.join(IMPORT_COLUMNS)}")
            if column in values:
                raise ImportRowError(name, number, f"key {column!r} appears twice")
            if column in _TEXT_COLUMNS and isinstance(value, str) and not value.strip():
                value = None
            values[column] = value
        yield number, values
