"""The public summary of a report: the team's own words for the transparency report.

A report may carry one short public summary ("a participant made unwanted comments
to another participant; the person was asked to stop"), written by a member and
published in the transparency report (:mod:`careterm.views.report`) only once two
different members approved that exact text.

How it is stored (written by :mod:`careterm.actions.summaries`, merged like all
casework):

* the text is the ``set`` field :data:`SUMMARY_FIELD` (last writer wins, history
  kept; ``None`` withdraws it); its author is whoever wrote the winning value;
* an approval is an add-only ``summary-approval`` list entry (:data:`APPROVAL_OP`)
  ``{"member": NAME, "hash": HASH}``: ``member`` is who approves (the laptop's member,
  or a member naming themselves), ``hash`` the :func:`text_hash` of the text they
  approved. Two laptops approving at once never overwrite each other.

The approval rules (:func:`approvers`):

* the author's writing counts as their approval (one);
* an approval counts only for the text whose hash it carries, and only when it was
  recorded after that text was written (its change key is later than the text's):
  an edit, even one back to an earlier wording, needs approving again, and an
  approval made on one laptop while another laptop changed the text approves the
  old text, not the new one;
* members are told apart as :func:`careterm.core.validate.same_person_key` does
  ("bo sample" is "Bo Sample"): the same member twice counts once;
* :data:`APPROVALS_NEEDED` different members make the summary approved.

Whether the text names a person of the report is not decided here (the name masks
live in :mod:`careterm.views.privacy`): :mod:`careterm.views.report` warns about it
and leaves such a summary out of the published report.
"""

from __future__ import annotations

import hashlib
from typing import Any

from careterm.core.model import Incident
from careterm.core.validate import required_text, same_person_key
from careterm.errors import InvalidInput

SUMMARY_FIELD = "summary_text"
"""The set field holding the public summary's text."""
APPROVAL_OP = "summary-approval"
"""The add-only op of an approval (``{"member", "hash"}``)."""
APPROVALS_NEEDED = 2
"""Different members who must approve one exact text before it is published."""
MAX_SUMMARY = 1000
"""A public summary is a sentence or two: at most this many characters."""


def text_hash(text: str) -> str:
    """The SHA-256 of the text (UTF-8, hex): what an approval approves."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def check_summary(text: Any) -> str:
    """The summary text as it will be stored (trimmed); refused when empty or too long."""
    body = required_text(text, "summary")
    if len(body) > MAX_SUMMARY:
        raise InvalidInput(f"summary: the text is {len(body):,} characters; a public summary "
                           f"is a sentence or two (at most {MAX_SUMMARY:,})")
    return body


def summary_text(incident: Incident) -> str | None:
    """The current public summary, or ``None`` when there is none."""
    value = incident.extra.get(SUMMARY_FIELD)
    return value if isinstance(value, str) and value.strip() else None


def approvers(incident: Incident) -> list[str]:
    """The members whose approval counts for the current text, the author first, each
    member once ([] when there is no summary)."""
    text = summary_text(incident)
    if text is None:
        return []
    written = incident.history[SUMMARY_FIELD][-1]
    wanted = text_hash(text)
    names: dict[str, str] = {}
    if written.by:
        names[same_person_key(written.by)] = written.by
    for entry in incident.entries.get(APPROVAL_OP, []):
        member = entry.data.get("member")
        if (entry.data.get("hash") == wanted and entry.key > written.key
                and isinstance(member, str) and member.strip()):
            names.setdefault(same_person_key(member), member)
    return list(names.values())


def is_approved(incident: Incident) -> bool:
    """True when :data:`APPROVALS_NEEDED` different members approved the current text."""
    return len(approvers(incident)) >= APPROVALS_NEEDED


def has_approved(incident: Incident, member: str) -> bool:
    """True when ``member``'s approval (or authorship) already counts for the current text."""
    key = same_person_key(member)
    return any(same_person_key(name) == key for name in approvers(incident))


def summary(incident: Incident) -> dict[str, Any] | None:
    """``{text, hash, author, written_at, approved_by, approved, needed}`` (``needed``:
    how many more approvals it waits for), or ``None`` when there is no summary."""
    text = summary_text(incident)
    if text is None:
        return None
    written = incident.history[SUMMARY_FIELD][-1]
    names = approvers(incident)
    return {"text": text, "hash": text_hash(text), "author": written.by,
            "written_at": written.at.isoformat() if written.at else None,
            "approved_by": names, "approved": len(names) >= APPROVALS_NEEDED,
            "needed": max(0, APPROVALS_NEEDED - len(names))}


def status_line(incident: Incident) -> str:
    """One line saying where the summary stands (no summary text in it)."""
    found = summary(incident)
    if found is None:
        return "no public summary"
    by = ", ".join(found["approved_by"]) or "nobody"
    if found["approved"]:
        return f"public summary approved by {by}"
    more = "one more member" if found["needed"] == 1 else f"{found['needed']} more members"
    return f"public summary waiting for {more} to approve (approved so far: {by})"


def describe_approval(data: dict[str, Any]) -> str:
    """The timeline's line for an approval entry."""
    return f"public summary approved by {data.get('member', '')}"
