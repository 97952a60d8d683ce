"""Writing and approving a report's public summary (the rules are in
:mod:`careterm.core.summaries`).

:func:`write_summary` sets the ``summary_text`` field (the writer counts as its first
approval); :func:`approve_summary` adds a ``summary-approval`` entry carrying the
hash of the text approved, so two laptops approving at once never overwrite each
other and an approval never carries over to another text. Both sync like any
casework change. Whether the text names one of the report's people is the faces'
warning (:func:`careterm.views.report.summary_names`), never a refusal here.
"""

from __future__ import annotations

from typing import Any

from careterm.core import summaries
from careterm.core.model import Incident
from careterm.core.validate import required_text
from careterm.errors import InvalidInput
from careterm.store.store import Store


def write_summary(store: Store, incident_id: str, text: str | None) -> bool:
    """Write (or, with ``None`` or ``""``, withdraw) the report's public summary; False
    when it already read so (an unchanged text keeps its approvals). A new text waits
    for approval again."""
    body = summaries.check_summary(text) if text is not None and text.strip() else None
    out: list[bool] = []

    def build(maker: Any) -> None:
        incident = store.get(incident_id)
        if summaries.summary_text(incident) == body:
            out.append(False)
            return
        maker.add(incident.id, "set", {summaries.SUMMARY_FIELD: body})
        out.append(True)

    store.transact(build)
    return out[0]


def approve_summary(store: Store, incident_id: str, member: str | None = None,
                    text_hash: str | None = None) -> bool:
    """Approve the current public summary as ``member`` (default: this laptop's member).

    ``text_hash`` is the hash of the text the member read (the app passes the one it
    showed): when the summary changed since, nothing is recorded and the member is told
    to read it again. Returns False when this member's approval (or authorship) already
    counts for this text.
    """
    name = required_text(member, "member") if member is not None else store.member
    out: list[bool] = []

    def build(maker: Any) -> None:
        incident: Incident = store.get(incident_id)
        text = summaries.summary_text(incident)
        if text is None:
            raise InvalidInput(f"{incident.id}: there is no public summary to approve; "
                               "write one first (careterm summary ID --text TEXT)")
        current = summaries.text_hash(text)
        if text_hash is not None and text_hash != current:
            raise InvalidInput(f"{incident.id}: the public summary changed since you read "
                               "it; read it again before approving")
        if summaries.has_approved(incident, name):
            out.append(False)
            return
        maker.add(incident.id, summaries.APPROVAL_OP, {"member": name, "hash": current})
        out.append(True)

    store.transact(build)
    return out[0]
