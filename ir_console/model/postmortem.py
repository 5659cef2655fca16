"""The post-mortem: the seed's template sections, in its order, plus the console's own."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import Enum

POST_MORTEM_WINDOW_HOURS = 48


class Section(str, Enum):
    SUMMARY = "summary"
    ROOT_CAUSE = "root_cause"
    IMPACT = "impact"
    WENT_WELL = "went_well"
    WENT_WRONG = "went_wrong"
    LESSONS = "lessons"
    AUTHOR = "author"
    # Beyond the seed's template.
    DETECTION = "detection"
    RESOLUTION_RECOVERY = "resolution_recovery"
    LUCKY = "lucky"

    @property
    def heading(self) -> str:
        return SECTION_HEADINGS[self]


SECTION_HEADINGS = {
    Section.SUMMARY: "Summary",
    Section.ROOT_CAUSE: "Root Cause",
    Section.IMPACT: "Impact",
    Section.WENT_WELL: "What Went Well",
    Section.WENT_WRONG: "What Went Wrong",
    Section.LESSONS: "Lessons Learned",
    Section.AUTHOR: "Author",
    Section.DETECTION: "Detection",
    Section.RESOLUTION_RECOVERY: "Resolution and Recovery",
    Section.LUCKY: "Where We Got Lucky",
}

# The seed template's headings, in its order (Timeline and Action Items are tables).
SEED_HEADINGS = (
    "Summary",
    "Timeline",
    "Root Cause",
    "Impact",
    "What Went Well",
    "What Went Wrong",
    "Action Items",
    "Lessons Learned",
)


@dataclass
class PostMortemSection:
    incident_id: int
    section: Section
    body: str
    updated_by: str = ""


@dataclass(frozen=True)
class SectionState:
    """A written section as stored: its text, its revision (1 for the first text), who wrote it when."""

    body: str
    revision: int
    updated_by: str = ""
    updated_at: datetime | None = None


@dataclass(frozen=True)
class SectionRevision:
    """A section's text that a later one replaced, kept. `reason`: "edit" (replaced by someone who
    had seen it), "conflict" (written under someone who had not) or "import"."""

    section: Section
    revision: int
    body: str
    written_by: str
    written_at: datetime | None
    replaced_by: str
    replaced_at: datetime
    reason: str


@dataclass(frozen=True)
class SectionSave:
    """What saving a section did: its text and revision now, and, when someone else had changed it
    since the writer loaded it, their text kept as a revision (`conflict`)."""

    section: Section
    body: str
    revision: int
    conflict: SectionRevision | None = None
