"""The IDs a policy document can fail its model with (reported by :mod:`compiler.model.build`)."""

from __future__ import annotations

from compiler.core.rule import Rule

HEADER = Rule(
    "BP110",
    "policy-header",
    "error",
    "A policy file starts with a supported apiVersion and a known kind.",
    "Kinds: ClusterPolicy (one per repository), ServicePolicy (one per service) and "
    "RestoreTestPlan (at most one).",
    passing="apiVersion: backup-policy/v1alpha1\nkind: ServicePolicy",
    failing="apiVersion: backup-policy/v1\nkind: ServicePolicies",
)
UNKNOWN_KEY = Rule(
    "BP200",
    "unknown-key",
    "error",
    "Every key is one the format defines; a misspelt key is never ignored.",
    "The hint names the closest allowed key, or lists them.",
    passing="spec:\n  classification: critical",
    failing="spec:\n  clasification: critical",
)
MISSING_KEY = Rule(
    "BP201",
    "missing-key",
    "error",
    "Required keys are present.",
    passing="spec:\n  owner: platform\n  ...",
    failing="spec:\n  classification: critical  # no owner",
)
WRONG_TYPE = Rule(
    "BP202",
    "wrong-type",
    "error",
    "A value has the type its key expects; nothing is coerced.",
    "A bare number where a duration is expected has no unit, so it is refused with a hint "
    "rather than read as seconds or nanoseconds. A number where one of a choice of texts is "
    'expected (version: 0.3 for "0.3") is refused too, with the quoted form to write: '
    "unquoted, 0.50 and 0.5 are the same number.",
    passing="rpo: 24h",
    failing="rpo: 24",
)
NOT_A_CHOICE = Rule(
    "BP203",
    "not-a-choice",
    "error",
    "A closed choice (classification, storage, method, type, ...) is one of its values.",
    passing="classification: critical",
    failing="classification: critcal",
)
INVALID_VALUE = Rule(
    "BP204",
    "invalid-value",
    "error",
    "A value has a valid form: durations, dates, cron expressions, DNS labels, paths, ranges.",
    passing='schedule: "H H(0-5) * * *"\nrpo: 1h',
    failing='schedule: "H H * 5 *"\nrpo: 0s',
)
RULES = (HEADER, UNKNOWN_KEY, MISSING_KEY, WRONG_TYPE, NOT_A_CHOICE, INVALID_VALUE)
