"""The written record of one report: every section present, user text kept literal."""

from __future__ import annotations

from markdown_it import MarkdownIt

from careterm.actions import casework as casework_actions
from careterm.actions import incidents
from careterm.core.textsafe import visible
from careterm.store.store import Store
from careterm.views.export import export_markdown, fenced, inline

HOSTILE = ("# I am a heading\n```\n</details><script>alert(1)</script>\n- a list item\n"
           "[click](http://evil.example)\n1. numbered\n````` more fences\n"
           "\x1b]52;c;QUJD\x07 and \u202eright-to-left")
HOSTILE_LINE = "# Room *Zeta* [x](http://evil.example) <b>bold</b> | table & `code`"


def _tokens(markdown: str) -> list:
    flat = []
    for token in MarkdownIt("commonmark").parse(markdown):
        flat.append(token)
        flat.extend(token.children or [])
    return flat


def _full_record(store: Store, frozen_clock) -> str:
    inc_id = incidents.capture(store, HOSTILE, who="Bo Sample", where=HOSTILE_LINE,
                               reporter="Cy Example", contact="cy@example.org",
                               when="10 min ago", marks={"source": "declined"}).id
    frozen_clock.advance(minutes=4)
    incidents.acknowledge(store, inc_id, "in-person")
    casework_actions.categorize(store, inc_id, "offensive-remark")
    casework_actions.record_review(store, inc_id, finding=HOSTILE, violation="yes",
                           actors=["Bo Sample"], reason="repeated after a warning")
    casework_actions.declare_conflict(store, inc_id, "Eve Example", "friends with Bo Sample")
    casework_actions.record_conversation(store, inc_id, "Bo Sample", ["Eve Example"], notes=HOSTILE)
    casework_actions.record_unilateral(store, inc_id, "asked Bo Sample to leave the bar", None)
    casework_actions.record_support(store, inc_id, "escort", "arranged", who="Gus Staff")
    casework_actions.record_resolution(store, inc_id, ["stop-behaviour"], other=HOSTILE_LINE)
    casework_actions.record_statement(store, inc_id, "none")
    incidents.add_note(store, inc_id, "# heading in a note")
    return export_markdown(store.get(inc_id))


def test_export_has_every_section(store: Store, frozen_clock) -> None:
    record = _full_record(store, frozen_clock)
    for section in ("## The report", "## Warnings", "## Review", "## Resolution",
                    "## Conflicts of interest", "## Conversations", "## Unilateral actions",
                    "## Support for the reporter", "## Informing the reporter",
                    "## Public statement", "## Notes", "## Timeline"):
        assert f"\n{section}\n" in record
    # Nobody asked whether it is ongoing: no answer, not "not known".
    assert "**Missing answers:** ongoing (no answer), came in (declined to say)" in record
    assert "- **Acknowledged:** Ada Example, 2026-11-25 14:34 (in-person)" in record
    assert "- **Who acted badly:** Bo Sample" in record
    assert "- **Eve Example:** friends with Bo Sample" in record
    assert "- **Consulted:** nobody could be reached" in record
    assert "- **Escort:** arranged, by Gus Staff, 2026-11-25 14:34" in record
    assert "- demand that the participant stops their behaviour" in record
    assert "**Waiting:** a resolution is decided and nobody has recorded informing" in record
    assert "- **Team decision:** none" in record
    # Both warnings: one member with the reported person, and a conflicted member.
    assert record.count("- **Warning:**") == 2
    assert "had one CARE member present (Eve Example)" in record
    # The timeline says who did what, when.
    assert "- 2026-11-25 14:34 · Ada Example · acknowledged (in-person)" in record
    assert "- 2026-11-25 14:30 · Ada Example · report captured" in record


def test_hostile_text_cannot_change_the_structure(store: Store, frozen_clock) -> None:
    record = _full_record(store, frozen_clock)
    tokens = _tokens(record)
    headings = [t for t in tokens if t.type == "heading_open"]
    # Our headings only: 1 title, 13 sections (evidence too), 1 conversation, 1 action,
    # 1 note.
    assert [h.tag for h in headings].count("h1") == 1
    assert len(headings) == 17
    assert not [t for t in tokens if t.type in ("html_block", "html_inline", "link_open")]
    # Multi-line text is shown exactly (made visible) inside code blocks.
    blocks = [t.content for t in tokens if t.type == "fence"]
    assert blocks.count(visible(HOSTILE) + "\n") == 3  # what, finding, conversation notes
    # One-line text reads back literally once rendered.
    rendered = "".join(t.content for t in tokens if t.type in ("text", "code_inline"))
    assert visible(HOSTILE_LINE) in rendered
    assert "# heading in a note" in rendered
    # Nothing a terminal would act on reaches it.
    assert "\x1b" not in record and "\u202e" not in record and "\x07" not in record


def test_inline_escapes_block_starts() -> None:
    for text in ("# not a heading", "- not a list", "1. not numbered", "= not setext",
                 "> not a quote", "+ plus"):
        tokens = _tokens(f"{inline(text)}\n")
        assert [t.type for t in tokens if t.type.endswith("_open")] == ["paragraph_open"]
        assert tokens[1].children[0].content == text or "".join(
            c.content for c in tokens[1].children) == text


def test_fence_is_longer_than_any_backtick_run_inside() -> None:
    lines = fenced("a ```` b\n`````` c")
    assert lines[0] == "```````text" and lines[-1] == "```````"


def test_record_of_a_bare_report_says_what_is_missing(store: Store) -> None:
    inc_id = incidents.capture(store, "Someone shouted at the info desk").id
    record = export_markdown(store.get(inc_id))
    assert "- **Acknowledged:** not yet acknowledged" in record
    assert "- **Category:** not categorised" in record
    assert "- **Who was involved:** (no answer)" in record
    assert "No resolution recorded yet." in record
    assert "None declared." in record
    assert "\n## Warnings\n\nNone.\n" in record
