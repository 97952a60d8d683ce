"""The capture form as it is being typed, kept encrypted so a crash loses nothing.

The draft lives in ``<home>/draft.ct``, sealed with a subkey of this laptop's
store key (``subkey(store key, "draft")``; a re-key seals it again under the
new key, see :mod:`careterm.store.store`) and replaced atomically (fsynced, by
:mod:`careterm.store.files`). A store that lives only in memory keeps its
draft in memory too. There is one draft file per laptop and one form being
typed in it: the info desk captures one report at a time.

A draft is a plain dict (what the form held); this module does not look
inside it beyond JSON.

The sealed record holds the form being typed (``form``, with ``saved_at``, when
it was last written, and ``member``) and the drafts set aside with "Not now
(keep the draft)" (``kept``: newest first, each ``{"id", "saved_at", "member",
"form"}``). A new report always starts empty: a kept draft is only offered (with
its time and first words, :func:`draft_time` and :func:`first_words`, read from
inside the sealed record, never written anywhere in clear) and comes back into
the form only when chosen (:func:`resume_kept`). Every change is one
read-modify-write under the store lock, so the form being typed never replaces a
kept draft.
"""

from __future__ import annotations

import contextlib
import json
import secrets
import weakref
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from careterm.core import clock
from careterm.core.model import Incident
from careterm.core.validate import effective_urgency
from careterm.core.vocabulary import MARKS, SUPPORT_ALIASES, SUPPORT_KINDS, SUPPORT_STATES
from careterm.core.whentext import describe_when, parse_when
from careterm.errors import StoreDamaged
from careterm.store.crypto import Unsealable, seal, unseal
from careterm.store.files import atomic_write
from careterm.store.store import DRAFT_FILE, DRAFT_PURPOSE, Store, StoreLocked

_memory_drafts: weakref.WeakKeyDictionary[Store, dict[str, Any]] = weakref.WeakKeyDictionary()


def draft_path(store: Store) -> Path | None:
    """Where the store's draft is kept on disk (``None`` for a memory store)."""
    return store.home / DRAFT_FILE if store.home is not None else None


def save_draft(store: Store, form: dict[str, Any]) -> None:
    """Keep ``form`` (JSON-ready) as the form being typed, replacing the previous one
    (the kept drafts stay as they are)."""

    def change(record: dict[str, Any]) -> None:
        record.update(saved_at=clock.now().isoformat(), member=store.member, form=form)

    _update(store, change)


def load_draft(store: Store) -> dict[str, Any] | None:
    """The saved draft ``{"saved_at", "member", "form", "kept"}``, or ``None`` when there
    is none (``form`` may be empty when only kept drafts are left).

    Raises :class:`~careterm.errors.StoreDamaged` when the file cannot be
    read back; the file is then left exactly as it is.
    """
    path = draft_path(store)
    if path is None:
        if store.is_locked:
            raise StoreLocked()
        memory = _memory_drafts.get(store)
        if not memory:
            return None
        record = json.loads(json.dumps(memory))
        record["kept"] = kept_drafts(record)
        return record
    try:
        blob = path.read_bytes()
    except FileNotFoundError:
        return None
    try:
        record = json.loads(_unseal_any(store.file_keys("draft"), blob))
    except (Unsealable, ValueError) as exc:
        raise StoreDamaged(path, "the capture draft cannot be read") from exc
    if not isinstance(record, dict) or not isinstance(record.get("form"), dict):
        raise StoreDamaged(path, "the capture draft has unexpected contents")
    record["kept"] = kept_drafts(record)
    return record


def _update(store: Store, change: Callable[[dict[str, Any]], Any]) -> Any:
    """Read the record, let ``change`` edit it in place, write it back (or delete the file
    when nothing is left in it); returns what ``change`` returned. A damaged file is set
    aside first (never overwritten)."""
    path = draft_path(store)
    if path is None:
        if store.is_locked:
            raise StoreLocked()
        record = load_draft(store) or _blank_record(store)
        result = change(record)
        if _holds_nothing(record):
            _memory_drafts.pop(store, None)
        else:
            _memory_drafts[store] = json.loads(json.dumps(record))
        return result
    with store.locked():  # a re-key or another careterm of this laptop is not in between
        try:
            record = load_draft(store) or _blank_record(store)
        except StoreDamaged:
            set_aside_damaged(store)
            record = _blank_record(store)
        result = change(record)
        if _holds_nothing(record):
            with contextlib.suppress(FileNotFoundError):
                path.unlink()
        else:
            payload = json.dumps(record, ensure_ascii=False).encode("utf-8", "surrogatepass")
            atomic_write(path, seal(store.file_keys("draft")[0], payload, DRAFT_PURPOSE))
        return result


def _blank_record(store: Store) -> dict[str, Any]:
    return {"saved_at": clock.now().isoformat(), "member": store.member,
            "form": empty_form(), "kept": []}


def _holds_nothing(record: dict[str, Any]) -> bool:
    return form_is_empty(record.get("form") or {}) and not record.get("kept")


def kept_drafts(record: dict[str, Any]) -> list[dict[str, Any]]:
    """The drafts set aside in ``record``, newest first: ``{"id", "saved_at", "member",
    "form"}`` each (entries an older careterm could not have written are left out)."""
    kept = record.get("kept")
    entries: list[dict[str, Any]] = []
    for entry in kept if isinstance(kept, list) else []:
        if (isinstance(entry, dict) and isinstance(entry.get("id"), str)
                and isinstance(entry.get("form"), dict)):
            entries.append({"id": entry["id"], "saved_at": str(entry.get("saved_at") or ""),
                            "member": str(entry.get("member") or ""),
                            "form": entry["form"]})
    return entries


def keep_for_later(store: Store) -> None:
    """Set the form being typed aside as a kept draft ("Not now"): the next new report
    starts empty and offers it. Nothing happens when the form is empty."""

    def change(record: dict[str, Any]) -> None:
        if form_is_empty(record["form"]):
            return
        record["kept"].insert(0, {"id": secrets.token_hex(6), "saved_at": record["saved_at"],
                                  "member": record["member"], "form": record["form"]})
        record["form"] = empty_form()

    _update(store, change)


def resume_kept(store: Store, draft_id: str,
                typed: dict[str, Any] | None = None) -> dict[str, Any] | None:
    """Make the kept draft ``draft_id`` the form being typed again and return its form
    (``None`` when it is no longer kept). ``typed``, what the form held when it was
    chosen, is kept in its place unless it is empty: nothing is ever dropped."""

    def change(record: dict[str, Any]) -> dict[str, Any] | None:
        chosen = next((e for e in record["kept"] if e["id"] == draft_id), None)
        if chosen is None:
            return None
        record["kept"].remove(chosen)
        for form in (typed, record["form"]):
            if form is not None and not form_is_empty(form):
                record["kept"].insert(0, {"id": secrets.token_hex(6),
                                          "saved_at": clock.now().isoformat(),
                                          "member": store.member, "form": form})
                break
        record.update(saved_at=chosen["saved_at"], member=chosen["member"],
                      form=chosen["form"])
        return normalise_form(chosen["form"])

    result: dict[str, Any] | None = _update(store, change)
    return result


def _unseal_any(keys: list[bytes], blob: bytes) -> bytes:
    """The draft under the store key, or under a key this process held before a re-key."""
    for key in keys:
        try:
            return unseal(key, blob, DRAFT_PURPOSE)
        except Unsealable:
            continue
    raise Unsealable("authentication failed")


def clear_draft(store: Store) -> None:
    """Forget the form being typed (after it was saved as a report, or discarded); the
    kept drafts stay. The file goes when nothing is left in it."""
    path = draft_path(store)
    if path is not None and not path.exists():
        return

    def change(record: dict[str, Any]) -> None:
        record["form"] = empty_form()

    _update(store, change)


def scrub_draft(store: Store, texts: list[str]) -> int:
    """Drop the form being typed and every kept draft that holds one of ``texts``
    (case-insensitive): values an erasure removed (:mod:`careterm.store.compact`).
    Returns how many were dropped; the file goes when nothing is left in it."""
    path = draft_path(store)
    if path is not None and not path.exists():
        return 0
    needles = [text.casefold() for text in texts if text.strip()]

    def holds(form: Any) -> bool:
        blob = json.dumps(form, ensure_ascii=False).casefold()
        return any(needle in blob for needle in needles)

    def change(record: dict[str, Any]) -> int:
        dropped = 0
        if holds(record.get("form") or {}):
            record["form"] = empty_form()
            dropped += 1
        kept = [entry for entry in record.get("kept") or [] if not holds(entry)]
        dropped += len(record.get("kept") or []) - len(kept)
        record["kept"] = kept
        return dropped

    result: int = _update(store, change)
    return result


def set_aside_damaged(store: Store) -> Path | None:
    """Rename a damaged draft out of the way (never overwrite it); return its new path."""
    path = draft_path(store)
    if path is None or not path.exists():
        return None
    stamp = clock.now().strftime("%Y%m%d-%H%M%S")
    target = path.with_name(f"{DRAFT_FILE}.damaged-{stamp}")
    path.rename(target)
    return target


FORM_TEXT_FIELDS = ("what", "who", "when", "where", "contact", "reporter", "relayed_by")
"""``relayed_by``: who passed the report on (an intake detail, kept in ``Incident.extra``)."""


FORM_CHOICE_FIELDS = ("ongoing", "source", "urgency", "wishes")
"""``wishes``: what the reporter wants done (:data:`careterm.core.vocabulary.WISHES`)."""


_EXTRA_FIELDS = ("relayed_by", "wishes")
"""Form fields read from ``Incident.extra`` (not attributes of the incident)."""


MARKABLE_FIELDS = ("who", "when", "where", "ongoing", "contact", "reporter", "source")
"""Form fields that can be set to unknown / declined in one key (all but what and urgency)."""


def empty_form() -> dict[str, Any]:
    """A capture form with nothing filled in."""
    return {**{name: "" for name in FORM_TEXT_FIELDS + FORM_CHOICE_FIELDS},
            "support": {kind: "" for kind in SUPPORT_KINDS}, "marks": {}}


def normalise_form(form: dict[str, Any]) -> dict[str, Any]:
    """A form with every key present and only known keys (drafts from older versions)."""
    clean = empty_form()
    for name in FORM_TEXT_FIELDS + FORM_CHOICE_FIELDS:
        value = form.get(name)
        clean[name] = value if isinstance(value, str) else ""
    support = form.get("support") if isinstance(form.get("support"), dict) else {}
    for kind in SUPPORT_KINDS:
        value = support.get(kind)
        value = SUPPORT_ALIASES.get(value, value)
        clean["support"][kind] = value if value in SUPPORT_STATES else ""
    marks = form.get("marks") if isinstance(form.get("marks"), dict) else {}
    clean["marks"] = {k: v for k, v in marks.items() if k in MARKABLE_FIELDS and v in MARKS}
    return clean


def form_is_empty(form: dict[str, Any]) -> bool:
    """True when nothing was typed, chosen or marked."""
    form = normalise_form(form)
    return (not any(form[name].strip() for name in FORM_TEXT_FIELDS + FORM_CHOICE_FIELDS)
            and not any(form["support"].values()) and not form["marks"])


def capture_arguments(form: dict[str, Any]) -> dict[str, Any]:
    """Keyword arguments for :func:`careterm.actions.incidents.capture` from a form."""
    form = normalise_form(form)
    marks = dict(form["marks"])
    fields = {name: form[name] for name in FORM_TEXT_FIELDS + FORM_CHOICE_FIELDS
              if name != "what" and name not in marks and form[name].strip()}
    support = {kind: state for kind, state in form["support"].items() if state}
    return {"what": form["what"], "marks": marks or None, "support": support or None,
            **fields}


def form_from_incident(incident: Incident) -> dict[str, Any]:
    """The form showing an incident's current answers (for editing)."""
    form = empty_form()
    for name in FORM_TEXT_FIELDS:
        if name in _EXTRA_FIELDS:
            continue
        value = incident.when_text if name == "when" else getattr(incident, name)
        form[name] = value or ""
    for name in _EXTRA_FIELDS:
        value = incident.extra.get(name)
        form[name] = value if isinstance(value, str) else ""
    form["ongoing"] = incident.ongoing or ""
    form["source"] = incident.source or ""
    form["urgency"] = incident.urgency
    for kind in SUPPORT_KINDS:
        form["support"][kind] = incident.support.get(kind, "")
    for name, mark in incident.marks.items():
        key = "when" if name == "when_text" else name
        if key in MARKABLE_FIELDS:
            form["marks"][key] = mark
            form[key] = ""
    return form


def update_arguments(form: dict[str, Any], original: dict[str, Any]) -> dict[str, Any]:
    """Keyword arguments for :func:`careterm.actions.incidents.update`: only what the edit
    changed."""
    form, original = normalise_form(form), normalise_form(original)
    fields: dict[str, Any] = {}
    marks: dict[str, str] = {}
    for name in FORM_TEXT_FIELDS + FORM_CHOICE_FIELDS:
        mark, old_mark = form["marks"].get(name), original["marks"].get(name)
        if mark:
            if mark != old_mark:
                marks[name] = mark
        elif form[name].strip() != original[name].strip() or old_mark:
            if name == "urgency" and not form[name]:
                continue  # urgency cannot be emptied; leaving it blank keeps it
            else:
                fields[name] = form[name].strip() or None
    for kind in SUPPORT_KINDS:
        if form["support"][kind] != original["support"][kind]:
            fields[f"support_{kind}"] = form["support"][kind] or None
    return {"marks": marks or None, **fields}


def when_preview(text: str, now: datetime | None = None) -> str:
    """What "when" will be stored as: ``→ 14:20 today`` or that the words are kept as text."""
    if not text.strip():
        return ""
    now = now or clock.now()
    resolved = parse_when(text, now)
    if resolved is None:
        return "will be kept as text"
    return f"→ {describe_when(resolved, now)}"


def urgency_preview(form: dict[str, Any]) -> str:
    """What urgency the report will get, and why, for the form to show."""
    form = normalise_form(form)
    ongoing = None if "ongoing" in form["marks"] else form["ongoing"] or None
    urgency, raised = effective_urgency(ongoing, form["urgency"] or None)
    if raised:
        return f"{urgency}: raised, it is ongoing"
    if form["urgency"]:
        return f"{urgency}, set by hand"
    return f"{urgency} unless chosen"


def draft_time(saved_at: str, now: datetime | None = None) -> str:
    """When a draft was last written, for the offer to resume it: ``14:02`` (today),
    ``yesterday 21:40``, ``Tue 24 Nov 09:00``; ``an earlier time`` when unreadable."""
    try:
        when = datetime.fromisoformat(saved_at)
    except (TypeError, ValueError):
        return "an earlier time"
    now = now or clock.now()
    if when.tzinfo is None or now.tzinfo is None:
        when, now = when.replace(tzinfo=None), now.replace(tzinfo=None)
    else:
        when = when.astimezone(now.tzinfo)
    if when.date() == now.date():
        return f"{when:%H:%M}"
    if when.date() == (now - timedelta(days=1)).date():
        return f"yesterday {when:%H:%M}"
    if when.year == now.year:
        return f"{when:%a %d %b %H:%M}"
    return f"{when:%Y-%m-%d %H:%M}"


def first_words(form: dict[str, Any], limit: int = 40) -> str:
    """The start of a draft's "what happened" (on one line, cut after a word with ``…``),
    or of the first other answer when that is still empty."""
    form = normalise_form(form)
    text = next((form[name] for name in FORM_TEXT_FIELDS if form[name].strip()), "")
    line = " ".join(text.split())
    if not line:
        return "(nothing typed yet)"
    if len(line) <= limit:
        return line
    cut = line[:limit + 1].rsplit(" ", 1)[0] if " " in line[:limit + 1] else line[:limit]
    return cut[:limit].rstrip(" ,;:.-") + "…"
