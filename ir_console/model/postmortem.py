"""The post-mortem: the seed's template sections, in its order, plus the console's own."""

from __future__ import annotations

from dataclasses import dataclass
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
