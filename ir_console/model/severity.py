"""Severity levels and the seed's classification table, as data."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from enum import IntEnum


class Severity(IntEnum):
    SEV1 = 1
    SEV2 = 2
    SEV3 = 3
    SEV4 = 4

    @property
    def label(self) -> str:
        return f"SEV-{self.value}"

    @property
    def info(self) -> SeverityInfo:
        return SEVERITY_TABLE[self]

    @classmethod
    def parse(cls, value: str | int) -> Severity:
        text = str(value).strip().upper().replace("SEV-", "").replace("SEV", "")
        try:
            return cls(int(text))
        except ValueError:
            raise ValueError(f"severity must be 1, 2, 3 or 4 (got {value!r})") from None


@dataclass(frozen=True)
class SeverityInfo:
    impact: str
    response_time: str
    # "Immediate" is taken as the seed's five-minute triage window; "next business day" as 24 hours.
    response_target: timedelta
    examples: str
    # How often stakeholders hear from us; the communication issue makes this configurable.
    update_every: timedelta


SEVERITY_TABLE: dict[Severity, SeverityInfo] = {
    Severity.SEV1: SeverityInfo(
        "Full outage, data breach, revenue loss",
        "Immediate",
        timedelta(minutes=5),
        "Service down, auth broken, data leak",
        timedelta(minutes=15),
    ),
    Severity.SEV2: SeverityInfo(
        "Major degradation, subset of users affected",
        "< 30 min",
        timedelta(minutes=30),
        "Slow responses, feature broken, partial outage",
        timedelta(minutes=30),
    ),
    Severity.SEV3: SeverityInfo(
        "Minor impact, workaround available",
        "< 4 hours",
        timedelta(hours=4),
        "UI bug, non-critical feature down",
        timedelta(minutes=60),
    ),
    Severity.SEV4: SeverityInfo(
        "No user impact, internal issue",
        "Next business day",
        timedelta(hours=24),
        "Log errors, monitoring gaps",
        timedelta(minutes=240),
    ),
}
