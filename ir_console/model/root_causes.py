"""The seed's "Common Root Causes" table: a symptom, the cause usually behind it, the quick fix."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class RootCause:
    symptom: str
    cause: str
    quick_fix: str


COMMON_ROOT_CAUSES: tuple[RootCause, ...] = (
    RootCause("500 errors spike", "Bad deployment", "Rollback"),
    RootCause("Slow responses", "Database query regression", "Kill slow queries, add index"),
    RootCause("Connection timeouts", "Connection pool exhaustion", "Restart, increase pool size"),
    RootCause("OOM crashes", "Memory leak", "Restart, set memory limits"),
    RootCause("Auth failures", "Token/cert expiry", "Rotate credentials"),
    RootCause("Data inconsistency", "Race condition", "Add locking, retry logic"),
)
