"""The domain model: the seed's tables as data, parsing of user input, and the clock helpers."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ir_console.model import (
    SEED_CONTAINMENT,
    SEVERITY_TABLE,
    ContainmentState,
    EventKind,
    HypothesisResult,
    Milestone,
    Phase,
    Priority,
    Severity,
    Status,
    format_duration,
    parse_iso,
    to_iso,
)

# The seed's "Severity Classification" table, verbatim.
SEED_SEVERITY = {
    1: ("Full outage, data breach, revenue loss", "Immediate", "Service down, auth broken, data leak"),
    2: ("Major degradation, subset of users affected", "< 30 min", "Slow responses, feature broken, partial outage"),
    3: ("Minor impact, workaround available", "< 4 hours", "UI bug, non-critical feature down"),
    4: ("No user impact, internal issue", "Next business day", "Log errors, monitoring gaps"),
}

# The seed's Phase 2 containment table, verbatim.
SEED_CONTAINMENT_TABLE = [
    ("Rollback deployment", "Problem started after a deploy"),
    ("Feature flag disable", "New feature causing issues"),
    ("Scale up", "Traffic/load related"),
    ("Failover to backup", "Primary system unrecoverable"),
    ("Rate limit", "Being overwhelmed by requests"),
    ("Block bad actor", "Malicious traffic identified"),
]


# -- severity -------------------------------------------------------------------------------------


def test_severity_table_is_the_seeds_table() -> None:
    assert [int(s) for s in SEVERITY_TABLE] == [1, 2, 3, 4]
    for severity, info in SEVERITY_TABLE.items():
        assert (info.impact, info.response_time, info.examples) == SEED_SEVERITY[int(severity)]
        assert severity.info is info
        assert severity.label == f"SEV-{int(severity)}"


def test_severity_response_targets_grow_with_lower_severity() -> None:
    targets = [SEVERITY_TABLE[s].response_target for s in Severity]
    assert targets[1] == timedelta(minutes=30)
    assert targets[2] == timedelta(hours=4)
    assert targets == sorted(targets) and len(set(targets)) == 4


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("SEV-1", Severity.SEV1),
        ("sev2", Severity.SEV2),
        (" 3 ", Severity.SEV3),
        (4, Severity.SEV4),
        ("Sev-4", Severity.SEV4),
    ],
)
def test_severity_parse_accepts_what_people_type(text: str | int, expected: Severity) -> None:
    assert Severity.parse(text) is expected


@pytest.mark.parametrize("text", ["SEV-5", "0", "", "high", "SEV-", "1.5"])
def test_severity_parse_rejects_with_a_message(text: str) -> None:
    with pytest.raises(ValueError, match=r"severity must be 1, 2, 3 or 4 \(got "):
        Severity.parse(text)


def test_containment_seed_is_the_seeds_table() -> None:
    assert [(t.action, t.when_to_use) for t in SEED_CONTAINMENT] == SEED_CONTAINMENT_TABLE


# -- parsing user input ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Investigating", Status.INVESTIGATING),
        ("identified", Status.IDENTIFIED),
        (" MONITORING ", Status.MONITORING),
        ("resolved", Status.RESOLVED),
    ],
)
def test_status_parse(text: str, expected: Status) -> None:
    assert Status.parse(text) is expected


@pytest.mark.parametrize("text", ["closed", "", "Resolv", "done"])
def test_status_parse_error_lists_the_choices(text: str) -> None:
    with pytest.raises(ValueError) as caught:
        Status.parse(text)
    message = str(caught.value)
    assert message.startswith("status must be one of Investigating, Identified, Monitoring, Resolved")
    assert repr(text) in message


def test_status_is_open_only_until_resolved() -> None:
    assert [s.is_open for s in Status] == [True, True, True, False]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("impact started", Milestone.IMPACT_STARTED),
        ("Impact-Started", Milestone.IMPACT_STARTED),
        ("acknowledged", Milestone.ACKNOWLEDGED),
        (" RESOLVED ", Milestone.RESOLVED),
    ],
)
def test_milestone_parse(text: str, expected: Milestone) -> None:
    assert Milestone.parse(text) is expected


@pytest.mark.parametrize("text", ["started", "", "impact", "fixed"])
def test_milestone_parse_error_lists_the_choices(text: str) -> None:
    with pytest.raises(ValueError) as caught:
        Milestone.parse(text)
    message = str(caught.value)
    assert message.startswith("milestone must be one of impact_started, detected, declared, acknowledged,")
    assert repr(text) in message


def test_milestone_labels_and_descriptions() -> None:
    assert Milestone.IMPACT_STARTED.label == "Impact started"
    assert Milestone.DECLARED.description == "Incident declared"
    assert Milestone.IDENTIFIED.description == "Root cause identified"
    assert Milestone.RESOLVED.description == "Confirmed resolved"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("note", EventKind.NOTE),
        ("Status change", EventKind.STATUS_CHANGE),
        ("status-update", EventKind.STATUS_UPDATE),
        (" EVIDENCE ", EventKind.EVIDENCE),
    ],
)
def test_event_kind_parse(text: str, expected: EventKind) -> None:
    assert EventKind.parse(text) is expected


@pytest.mark.parametrize("text", ["comment", "", "notes"])
def test_event_kind_parse_error_lists_the_choices(text: str) -> None:
    with pytest.raises(ValueError) as caught:
        EventKind.parse(text)
    message = str(caught.value)
    assert message.startswith("kind must be one of note, alert, action, decision,")
    assert repr(text) in message


def test_other_parsers_reject_with_a_message() -> None:
    assert HypothesisResult.parse(" Confirmed ") is HypothesisResult.CONFIRMED
    with pytest.raises(ValueError, match="result must be open, confirmed or rejected"):
        HypothesisResult.parse("maybe")
    assert Priority.parse("p1") is Priority.P1
    with pytest.raises(ValueError, match="priority must be P1, P2 or P3"):
        Priority.parse("P4")
    assert ContainmentState.parse("n/a") is ContainmentState.NOT_APPLICABLE
    assert ContainmentState.parse("In progress") is ContainmentState.IN_PROGRESS
    with pytest.raises(ValueError, match="state must be pending, in_progress, done or not_applicable"):
        ContainmentState.parse("started")


def test_containment_state_next_is_a_checkbox_and_never_passes_through_done_to_not_applicable() -> None:
    assert ContainmentState.PENDING.next is ContainmentState.IN_PROGRESS
    assert ContainmentState.IN_PROGRESS.next is ContainmentState.DONE
    assert ContainmentState.DONE.next is ContainmentState.PENDING
    assert ContainmentState.NOT_APPLICABLE.next is ContainmentState.PENDING
    assert all(state.next is not ContainmentState.NOT_APPLICABLE for state in ContainmentState)
    assert ContainmentState.IN_PROGRESS.label == "in progress"


def test_phases_are_the_seeds_four_in_order() -> None:
    assert [p.value for p in Phase] == ["Detection & Triage", "Containment", "Resolution", "Post-Mortem"]
    assert Phase.TRIAGE.time_guide == "first 5 minutes"
    assert Phase.POST_MORTEM.time_guide == "write within 48 hours of resolution"


# -- clock ----------------------------------------------------------------------------------------

ISO_SHAPE = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$")


def test_to_iso_is_utc_with_milliseconds() -> None:
    moment = datetime(2026, 11, 27, 3, 4, 5, 678999, tzinfo=UTC)
    assert to_iso(moment) == "2026-11-27T03:04:05.678Z"
    assert to_iso(moment.replace(microsecond=0)) == "2026-11-27T03:04:05.000Z"
    plus_two = timezone(timedelta(hours=2))
    assert to_iso(datetime(2026, 11, 27, 5, 4, 5, 1000, tzinfo=plus_two)) == "2026-11-27T03:04:05.001Z"


def test_to_iso_refuses_naive_times() -> None:
    with pytest.raises(ValueError, match="no time zone"):
        to_iso(datetime(2026, 11, 27, 3, 4, 5))


@given(st.datetimes(min_value=datetime(1, 1, 2), max_value=datetime(9999, 12, 30), timezones=st.just(UTC)))
def test_to_iso_is_fixed_width_and_round_trips(moment: datetime) -> None:
    text = to_iso(moment)
    assert ISO_SHAPE.match(text), text
    assert parse_iso(text) == moment.replace(microsecond=moment.microsecond // 1000 * 1000)


@given(
    st.lists(
        st.datetimes(min_value=datetime(1, 1, 2), max_value=datetime(9999, 12, 30), timezones=st.just(UTC)),
        min_size=2,
        max_size=5,
    )
)
def test_to_iso_text_order_is_time_order(moments: list[datetime]) -> None:
    by_text = sorted(moments, key=to_iso)
    assert [to_iso(m) for m in by_text] == [to_iso(m) for m in sorted(moments)]


def test_parse_iso_z_offset_and_naive() -> None:
    expected = datetime(2026, 11, 27, 3, 4, 5, 678000, tzinfo=UTC)
    assert parse_iso("2026-11-27T03:04:05.678Z") == expected
    assert parse_iso("2026-11-27T03:04:05.678z") == expected
    assert parse_iso("2026-11-27T05:04:05.678+02:00") == expected
    assert parse_iso("2026-11-26T22:04:05.678-05:00") == expected
    assert parse_iso("  2026-11-27T03:04:05.678  ") == expected
    # Naive: taken as UTC by default, or as the zone given.
    assert parse_iso("2026-11-27T03:04:05.678") == expected
    assert parse_iso("2026-11-27 04:04:05.678", default_tz=timezone(timedelta(hours=1))) == expected
    # Sub-millisecond precision is dropped (truncated, not rounded).
    assert parse_iso("2026-11-27T03:04:05.678999Z") == expected
    assert parse_iso("2026-11-27T03:04:05.678Z").tzinfo == UTC


@pytest.mark.parametrize("text", ["", "   ", "yesterday", "2026-13-01T00:00:00Z", "27/11/2026 03:04"])
def test_parse_iso_rejects_with_a_message(text: str) -> None:
    with pytest.raises(ValueError, match="empty timestamp|not an ISO 8601 timestamp"):
        parse_iso(text)


@pytest.mark.parametrize(
    ("span", "expected"),
    [
        (timedelta(0), "0s"),
        (timedelta(seconds=45), "45s"),
        (timedelta(seconds=59, milliseconds=999), "59s"),
        (timedelta(minutes=12, seconds=3), "12m 03s"),
        (timedelta(hours=1, minutes=5), "1h 05m"),
        (timedelta(hours=1, minutes=5, seconds=59), "1h 05m"),
        (timedelta(hours=23, minutes=59), "23h 59m"),
        (timedelta(days=1, hours=2, minutes=30), "1d 02h"),
        (timedelta(days=12), "12d 00h"),
        (timedelta(minutes=-5), "-5m 00s"),
        (timedelta(hours=-2, minutes=-1), "-2h 01m"),
    ],
)
def test_format_duration(span: timedelta, expected: str) -> None:
    assert format_duration(span) == expected


def test_a_precise_duration_of_days_keeps_its_minutes() -> None:
    # The post-mortem's "time to resolve" of a 24 h 09 m outage is not "1d 00h".
    assert format_duration(timedelta(days=1, minutes=9), precise=True) == "1d 00h 09m"
    assert format_duration(timedelta(hours=17, minutes=30), precise=True) == "17h 30m"
