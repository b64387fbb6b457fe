"""Rules proving that the schedules deliver the declared protection."""

from __future__ import annotations

from collections.abc import Iterator

from compiler.analyse import Copy
from compiler.core.diagnostics import Diagnostic
from compiler.core.durations import humanize
from compiler.core.rule import Rule
from compiler.rules import PolicyContext, policy_rule


def describe(copy: Copy) -> str:
    where = "offsite" if copy.offsite else "separate target" if copy.separate else "local"
    counted = "" if copy.consistent else ", not consistent"
    return f"{copy.method} to {copy.target} every {humanize(copy.gap)} ({where}{counted})"


@policy_rule(
    "BP350",
    "rpo-not-met",
    "error",
    passing="rpo: 24h  # and a daily K8up backup",
    failing="rpo: 1h  # with only daily backups, or only local snapshots",
)
def rpo_not_met(context: PolicyContext) -> Iterator[Diagnostic]:
    """Every data item has a copy on a separate target at least as often as the RPO.

    The gap of a copy is the largest interval between two consecutive scheduled copies
    over a year of cron firings; a snapshot on the volume itself is local and does not
    count, a copy on any declared target does.
    """
    for item in context.analysis.coverage:
        if item.met:
            continue
        service = item.service
        methods = ", ".join(describe(c) for c in item.copies) or "no backup method"
        path = ("spec", "rpo") if service.source.policy.spec.rpo else ("spec", "classification")
        effective = item.effective_rpo
        achieved = humanize(effective) if effective else "never (no copy on a separate target)"
        yield rpo_not_met.at(
            service.source.doc,
            path,
            f"{item.item.key}: RPO {humanize(service.rpo)} not met; worst gap on a separate "
            f"target is {achieved} [{methods}]",
            "schedule a more frequent backup to a separate target or relax the RPO",
            subjects=(item.item.key, *item.item.names),
        )


@policy_rule(
    "BP351",
    "no-offsite-copy",
    "warning",
    passing="a critical PVC backed up by Longhorn to nas (offsite: true)",
    failing="a critical PVC copied only to garage (offsite: false) and local snapshots",
)
def no_offsite_copy(context: PolicyContext) -> Iterator[Diagnostic]:
    """Every data item of a critical service has a copy on an offsite target (3-2-1).

    3-2-1: three copies (the live data counts), on two separate targets, one offsite. The
    cluster policy says which targets are offsite (``offsite: true``): they survive losing
    the site. Only consistent copies count.
    """
    for item in context.analysis.coverage:
        service = item.service
        if service.classification != "critical" or item.offsite_targets:
            continue
        yield no_offsite_copy.at(
            service.source.doc,
            ("spec", "classification"),
            f"{item.item.key}: no offsite copy ({item.three_two_one}); losing the site loses it",
            "add a method whose target is offsite: true, or mark the target offsite",
            subjects=(item.item.key, *item.item.names),
        )


@policy_rule(
    "BP341",
    "backup-start-collision",
    "error",
    passing="20 services with backup: H H(0-5) * * * on one target",
    failing="61 services with backup: H 2 * * * on one target",
)
def backup_start_collision(context: PolicyContext) -> Iterator[Diagnostic]:
    """Spread backups of one target never start in the same minute.

    When every minute an ``H`` range allows is taken on that target, the range is too
    narrow for the number of services.
    """
    cluster = context.analysis.policies.cluster
    for job in context.analysis.schedules.collisions:
        target = job.target.split(":", 1)[1]
        yield backup_start_collision.at(
            cluster.doc,
            job.origin,
            f"{job.seed}: every start minute in {job.expression!r} is "
            f"taken by other backups on target {target!r}",
            "widen the H range so each backup of the target gets its own minute",
        )


WEAKENED = Rule(
    "BP500",
    "protection-weakened",
    "error",
    "A change never takes protection away unnoticed: diff --base reports it as an error.",
    "Weaker is: a data item that loses a method or disappears, a declared or effective RPO "
    "or a declared RTO that gets longer, fewer targets apart from the data or offsite "
    "holding a copy (a target no longer offsite), a restore test or an alert that no longer"
    " covers it, a restore test that must pass less often or a longer grace period before a"
    " late one is overdue, a check of its copies (restic check, Litestream's verification "
    "and validation) or a Velero backup of its namespace that runs less often or no longer,"
    " a Velero backup kept for less long, no longer offsite or no longer snapshotting the "
    "volumes, an alert that pages less urgently (its severity label lowered, as when the "
    "service moves to a lower class), a method that keeps its copies for less long (a "
    "retention rule that keeps fewer copies or a shorter window, or is dropped: a restore "
    "cannot go back as far; or a count of the newest copies, such as a Longhorn tier's "
    "retain, on a schedule so much denser that it surely reaches less far back), local "
    "snapshots taken less often. A Velero tier, a Longhorn tier or a restore test renamed, "
    "the new one doing all the old did (a tier's copies as many and as far apart), is no "
    "change. Acknowledge a deliberate change in the policy "
    "(acknowledge: [{id: BP500, item: ..., reason: ...}]).",
    passing="rpo: 24h -> rpo: 1h with an hourly backup",
    failing="methods: [longhorn, k8up] -> methods: [longhorn]",
    stage="diff",
)

BASE_NOT_COMPILED = Rule(
    "BP501",
    "base-not-compiled",
    "error",
    "diff --base compares with a ref whose policies compile; when they do not, it says why.",
    "A ref with no policy folder (before backup-policy was adopted) is compared as no "
    "protection at all: every data item is new. A ref whose policies have errors cannot be "
    "compared: the run fails (nothing proves the change weakens nothing), and the message "
    "names the ref, how many errors it has and the first (REF:file:line:col); the text and "
    "markdown output list the first five and --format json all of them (baseErrors). "
    "It cannot be acknowledged: compare with a ref whose policies compile.",
    passing="classification: critical  # at the base ref, as in the work tree",
    failing="classification: critcal  # at the base ref; the change fixes it",
    stage="diff",
    acknowledgeable=False,
)

RULES = (rpo_not_met, no_offsite_copy, backup_start_collision, WEAKENED, BASE_NOT_COMPILED)
