"""The vocabulary: every fixed set of answers and its label, defined once.

Capture, casework, the board, exports and the CLI all read these tuples, so a
name means one thing everywhere (``support`` states are the same for the
capture form and the casework record).
"""

from __future__ import annotations

URGENCIES = ("critical", "high", "medium", "low")
"""Urgency levels, most urgent first."""
TEAM_RECORD = "~team"
"""The reserved record id of the team's settings (:mod:`careterm.core.settings`): its
changes sync like a report's but fold into :attr:`careterm.core.model.Fold.team`, never
into the reports. ``~`` is no letter of an incident id, so no report can have it."""
STAGES = ("acknowledge", "review", "needs-info", "inform")
"""The stages a report waits in with a clock (:mod:`careterm.core.stages`), in order."""
STAGE_LABELS = {"acknowledge": "acknowledge", "review": "review",
                "needs-info": "collect information", "inform": "inform the reporter"}
STATUSES = ("new", "acknowledged", "in-review", "needs-info", "decided", "informed", "closed")
"""The workflow, in order. Casework adds rules on top; the set is data, not code."""
OPEN_STATUSES = tuple(s for s in STATUSES if s != "closed")
SOURCES = ("in-person", "email", "staff", "observed", "phone")
"""How a report came in."""
SOURCE_LABELS = {"in-person": "in person", "email": "e-mail", "staff": "relayed by staff",
                 "observed": "observed by CARE", "phone": "by phone"}
WISHES = ("action", "no-action", "no-confrontation", "record-only", "unknown")
"""What the reporter wants done (``--wishes``), as the guide asks the team to respect."""
WISHES_LABELS = {"action": "wants action taken", "no-action": "wants no action taken",
                 "no-confrontation": "does not want the person confronted",
                 "record-only": "only wants it on record", "unknown": "not known"}
ONGOING = ("yes", "no", "unknown")
ACK_VIA = ("in-person", "email", "phone", "other")
"""How an acknowledgement reached the reporter."""
SUPPORT_KINDS = ("escort", "friend", "police")
"""Support the guide says to offer: an escort, contacting a friend, local law enforcement."""
SUPPORT_LABELS = {"escort": "escort", "friend": "contact a friend",
                  "police": "local law enforcement"}
SUPPORT_STATES = ("requested", "arranged", "declined")
"""Casework support states. Capture's ``done`` is read as ``arranged``."""
SUPPORT_ALIASES = {"done": "arranged"}
"""Aliases: ``done`` was the capture form's word for ``arranged``."""
MARKS = ("unknown", "declined")
"""What a field holds when the reporter did not know, or did not want to say."""
TEXT_FIELDS = ("what", "who", "when_text", "where", "contact", "reporter")
"""Free-text fields of a capture, in the guide's order."""
OPTIONAL_FIELDS = ("who", "when_text", "where", "ongoing", "contact", "reporter", "source")
"""Capture fields that may be left empty or marked unknown / declined."""
CHOICE_FIELDS: dict[str, tuple[str, ...]] = {
    "ongoing": ONGOING,
    "source": SOURCES,
    "urgency": URGENCIES,
    "status": STATUSES,
    **{f"support_{kind}": SUPPORT_STATES for kind in SUPPORT_KINDS},
    "wishes": WISHES,
}
FIELD_LABELS = {
    "what": "what happened", "who": "who was involved", "when_text": "when",
    "where": "where", "ongoing": "ongoing", "contact": "contact", "reporter": "reporter",
    "source": "came in", "urgency": "urgency", "status": "status",
    **{f"support_{k}": f"support: {v}" for k, v in SUPPORT_LABELS.items()},
    "wishes": "wishes", "relayed_by": "relayed by",
}
LIST_OPS = ("note", "conflict", "conversation", "unilateral", "inform", "support", "link",
            "reveal", "evidence", "alias", "summary-approval", "erase", "erased")
"""Ops whose entries are only ever added (merge by union). Each lands in
:attr:`Incident.entries` under its op name; ``note`` also in :attr:`Incident.notes`."""
STATUS_LABELS = {
    "new": "new", "acknowledged": "acknowledged", "in-review": "in review",
    "needs-info": "more information needed", "decided": "resolution decided",
    "informed": "reporter informed", "closed": "closed",
}
"""Status names (as typed on the command line) → what people read."""
CATEGORIES = ("harassment", "sexual-attention", "offensive-talk", "offensive-remark",
              "physical-safety", "online", "other")
"""Report categories for the transparency report, in display order."""
CATEGORY_LABELS = {
    "harassment": "harassment",
    "sexual-attention": "unwelcome sexual attention",
    "offensive-talk": "offensive content in a talk or slides",
    "offensive-remark": "offensive joke or remark",
    "physical-safety": "physical safety",
    "online": "online / chat",
    "other": "other",
}
VIOLATIONS = ("yes", "no", "undetermined")
"""Answers to "is this a Code of Conduct violation?"."""
VIOLATION_LABELS = {"yes": "violation", "no": "no violation", "undetermined": "undetermined"}
RESOLUTIONS = ("no-action", "stop-behaviour", "avoid-contact", "no-video", "cancel-talk",
               "remove-participant", "other")
"""The guide's most common resolutions, plus other (with free text)."""
RESOLUTION_LABELS = {
    "no-action": "no action",
    "stop-behaviour": "demand that the participant stops their behaviour",
    "avoid-contact": "demand that the participant prevents further contact with "
                     "certain other participants",
    "no-video": "do not publish the video of the talk",
    "cancel-talk": "cancel the talk",
    "remove-participant": "remove the participant from the conference, without refund",
    "other": "other",
}
RESOLUTION_ALIASES = {"stop-behavior": "stop-behaviour", "none": "no-action"}
CONVERSATION_KINDS = ("reporter", "witness", "reported-person", "other")
"""Whom a conversation was with."""
CONVERSATION_KIND_LABELS = {"reporter": "the reporter", "witness": "a witness",
                            "reported-person": "the reported person", "other": "someone else"}




CONFLICT_DECISIONS = ("may-take-part", "recused")
"""The team's decision on a member with a conflict of interest (the latest one counts)."""
CONFLICT_DECISION_LABELS = {"may-take-part": "may take part", "recused": "recused"}
TEAM_DECISION_MEMBERS = 2
"""The guide: the team almost never acts alone. Fewer members than this on a review, a
resolution, a statement or a conversation with a party is a standing warning."""
UNASSIGNED = "unassigned"
"""The handover's group for open reports nobody owns (listed last)."""
STATEMENT_LEVELS = ("none", "brief", "detailed")
"""The team's decision on a public statement."""
NOBODY_REACHED = "nobody could be reached"
CASEWORK_FIELD_LABELS = {
    "category": "category",
    "review_finding": "review: what happened", "review_violation": "review: violation",
    "review_actors": "review: who acted badly", "review_reason": "review: reasoning",
    "resolutions": "resolution", "resolution_other": "resolution: other",
    "statement_level": "public statement", "statement_text": "public statement: text",
    "statement_members": "public statement: decided by",
    "resolution_forced": "resolution recorded out of order (forced)",
    "status_reason": "reason for the status",
    "resolution_against_wishes": "resolution against the reporter's wishes",
    "review_members": "review: decided by", "review_at": "review: meeting",
    "review_at_text": "review: meeting (as typed)", "resolution_members": "resolution: decided by",
    "owner": "owner",
    "summary_text": "public summary written",
}
"""Labels for the set-fields casework writes (for timelines and exports)."""
REVIEW_FIELDS = ("finding", "violation", "actors", "reason")
ENTRY_OPS = ("conflict", "conversation", "unilateral", "support", "inform", "reveal", "link",
             "evidence", "alias", "summary-approval")
"""The add-only ops casework writes."""
