"""Two writers of one post-mortem section: neither text is dropped, and the one who saves second is told.

Two `Store`s on one file stand for two consoles; the Pilot tests drive the real editor while another
store writes the file from outside. What the file holds is read with a connection of its own.
"""

from __future__ import annotations

from pathlib import Path

from store_support import write_section
from textual.widgets import TextArea
from tui_support import console, one, paste_text, query, run, settle, toasts, wait_until

from ir_console.model import Section
from ir_console.store import Store
from ir_console.tui.dialogs.section_history import SectionHistoryScreen
from ir_console.tui.screens import postmortem as postmortem_screen
from ir_console.tui.screens.postmortem import PostMortemScreen, editor_id


def current_and_kept(path: Path, section: str = "summary") -> tuple[dict, list[dict]]:
    current = one(path, "SELECT body, revision, updated_by FROM postmortem_sections WHERE section = ?", section)
    kept = query(
        path,
        "SELECT body, revision, written_by, replaced_by, reason FROM postmortem_section_revisions "
        "WHERE section = ? ORDER BY id",
        section,
    )
    return current, kept


def test_two_consoles_saving_from_the_same_version_keep_both_texts(store, db_path, clock, incident) -> None:
    write_section(store, incident.id, Section.SUMMARY, "Start.", author="dana")
    with Store.open(db_path, clock=clock) as a, Store.open(db_path, clock=clock) as b:
        loaded_a = a.postmortem_section_states(incident.id)[Section.SUMMARY].revision
        loaded_b = b.postmortem_section_states(incident.id)[Section.SUMMARY].revision
        assert loaded_a == loaded_b == 1
        first = write_section(a, incident.id, Section.SUMMARY, "Alice's summary.", author="alice", loaded=loaded_a)
        assert first.conflict is None and first.revision == 2
        second = write_section(b, incident.id, Section.SUMMARY, "Bob's summary.", author="bob", loaded=loaded_b)
    # Bob is told whose text was there, and where it is kept.
    assert second.conflict is not None
    assert (second.conflict.written_by, second.conflict.body, second.conflict.revision) == (
        "alice",
        "Alice's summary.",
        2,
    )
    current, kept = current_and_kept(db_path)
    assert current == {"body": "Bob's summary.", "revision": 3, "updated_by": "bob"}
    assert kept == [
        {"body": "Start.", "revision": 1, "written_by": "dana", "replaced_by": "alice", "reason": "edit"},
        {"body": "Alice's summary.", "revision": 2, "written_by": "alice", "replaced_by": "bob", "reason": "conflict"},
    ]


def test_a_text_that_holds_the_other_whole_is_a_merge_not_a_conflict(store, db_path, clock, incident) -> None:
    write_section(store, incident.id, Section.LESSONS, "Canary.", author="dana")
    with Store.open(db_path, clock=clock) as a, Store.open(db_path, clock=clock) as b:
        write_section(a, incident.id, Section.LESSONS, "Canary. And alert on pool use.", author="alice", loaded=1)
        # Bob, from revision 1, saves text that Alice's already holds: hers stays, nothing to report.
        kept = write_section(b, incident.id, Section.LESSONS, "Canary.", author="bob", loaded=1)
        assert kept.conflict is None and kept.body == "Canary. And alert on pool use."
        # Carol, from revision 1 too, saves text that holds Alice's whole: hers becomes the section.
        grown = write_section(
            b, incident.id, Section.LESSONS, "Canary. And alert on pool use. Soak.", author="carol", loaded=1
        )
        assert grown.conflict is None
    current, _ = current_and_kept(db_path, "lessons")
    assert current["body"] == "Canary. And alert on pool use. Soak."


def test_a_writer_that_saw_nothing_keeps_the_text_it_replaces(store, db_path, clock, incident) -> None:
    """The CLI's and scripts' rule: no version loaded, so the text they replace is kept as it stood."""
    write_section(store, incident.id, Section.IMPACT, "EU card payments.", author="dana")
    with Store.open(db_path, clock=clock) as other:
        saved = write_section(other, incident.id, Section.IMPACT, "All card payments.", author="sam")
    assert saved.conflict is None
    current, kept = current_and_kept(db_path, "impact")
    assert current["body"] == "All card payments."
    assert [(k["body"], k["reason"]) for k in kept] == [("EU card payments.", "edit")]


def test_autosaves_of_your_own_draft_are_not_each_a_revision(store, db_path, clock, incident) -> None:
    write_section(store, incident.id, Section.LUCKY, "Low", author="dana", loaded=0)
    write_section(store, incident.id, Section.LUCKY, "Low traffic", author="dana", loaded=1)
    clock.advance(minutes=10)
    write_section(store, incident.id, Section.LUCKY, "Low traffic at 3 a.m.", author="dana", loaded=2)
    _, kept = current_and_kept(db_path, "lucky")
    assert [k["body"] for k in kept] == ["Low traffic"]  # the one that stood for ten minutes


def box(screen: PostMortemScreen, section: Section) -> TextArea:
    return screen.query_one(f"#{editor_id(section)}", TextArea)


async def open_editor(pilot) -> PostMortemScreen:
    await pilot.press("p")
    await wait_until(pilot, lambda: isinstance(pilot.app.screen, PostMortemScreen), "the post-mortem editor")
    return pilot.app.screen


async def test_the_editor_says_whose_text_it_saved_over_and_keeps_it(
    store, db_path, clock, incident, monkeypatch
) -> None:
    monkeypatch.setattr(postmortem_screen, "AUTOSAVE_SECONDS", 3600)  # only the saves this test asks for
    write_section(store, incident.id, Section.SUMMARY, "Start.", author="dana")
    app = console(store, clock)
    async with run(app) as pilot:
        screen = await open_editor(pilot)
        assert box(screen, Section.SUMMARY).text == "Start."
        await pilot.press("f7")
        await paste_text(pilot, "My summary.")
        # Another console saves the same section from the same version, while this box is unsaved.
        clock.advance(seconds=30)
        with Store.open(db_path, clock=clock) as other:
            write_section(other, incident.id, Section.SUMMARY, "Sam's summary.", author="sam", loaded=1)
        await wait_until(pilot, lambda: screen.record.sections.get(Section.SUMMARY) == "Sam's summary.", "the re-read")
        assert box(screen, Section.SUMMARY).text == "My summary."
        await pilot.press("ctrl+s")
        await wait_until(pilot, lambda: any("sam saved this section" in t for t in toasts(app)), "the notice")
        notice = next(t for t in toasts(app) if "sam saved this section" in t)
        assert "03:15 while you edited it: yours is the section now, theirs is kept as revision 2" in notice
        assert "ctrl+r" in notice
        hint = str(screen.query_one(f"#hint-{editor_id(Section.SUMMARY)}").render())
        assert hint.startswith("sam saved this section")
        current, kept = current_and_kept(db_path)
        assert current["body"] == "My summary." and current["updated_by"] == "tester"
        assert ("Sam's summary.", "sam", "conflict") in [(k["body"], k["written_by"], k["reason"]) for k in kept]

        # ctrl+r shows where it is kept: the section's earlier texts.
        await pilot.press("ctrl+r")
        await wait_until(pilot, lambda: isinstance(app.screen, SectionHistoryScreen), "the history")
        history = app.screen.query_one("#history-text", TextArea).text
        assert "revision 2, written by sam" in history and "Sam's summary." in history
        assert "Start." in history
        await pilot.press("escape")
        await wait_until(pilot, lambda: app.screen is screen, "the editor")


async def test_when_their_text_holds_yours_the_editor_shows_theirs(
    store, db_path, clock, incident, monkeypatch
) -> None:
    monkeypatch.setattr(postmortem_screen, "AUTOSAVE_SECONDS", 3600)
    app = console(store, clock)
    async with run(app) as pilot:
        screen = await open_editor(pilot)
        box(screen, Section.LESSONS).focus()
        await pilot.pause()
        await paste_text(pilot, "Mine.")
        assert box(screen, Section.LESSONS).text == "Mine."
        with Store.open(db_path, clock=clock) as other:
            write_section(other, incident.id, Section.LESSONS, "Mine. Theirs.", author="sam", loaded=0)
        await wait_until(pilot, lambda: screen.record.sections.get(Section.LESSONS) == "Mine. Theirs.", "the re-read")
        assert box(screen, Section.LESSONS).text == "Mine."  # unsaved, so left alone
        await pilot.press("ctrl+s")
        # Their text held ours whole: the box now shows theirs, no conflict to report.
        await wait_until(pilot, lambda: box(screen, Section.LESSONS).text == "Mine. Theirs.", "the merged text")
        await settle(pilot)
        assert not any("saved this section" in t for t in toasts(app))
        assert one(db_path, "SELECT body FROM postmortem_sections WHERE section = 'lessons'")["body"] == "Mine. Theirs."
