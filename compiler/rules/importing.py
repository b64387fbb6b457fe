"""The diagnostics of ``backup-policy import``: what it could not map, a policy file in the
way, and an item the imported policies would protect less than the tree does today."""

from __future__ import annotations

from compiler.core.rule import Rule

UNMAPPED = Rule(
    "BP600",
    "import-unmapped",
    "warning",
    "Everything import reads of the tree's backup objects ends up in the policies, or is "
    "reported here.",
    "`backup-policy import` maps the tree's own K8up Schedules, Longhorn RecurringJobs, Velero "
    "Schedules, Litestream configs, VolSync ReplicationSources and CloudNativePG Clusters into "
    "policies. A field the format has no place for (a Longhorn filesystem-trim job, a second "
    "backup tier folded into the first, a Velero resource filter), a value set at run time, "
    "or a value written with a placeholder is reported at its line: it never guesses silently.",
    passing="a K8up Schedule with backend, backup/check/prune schedules and keep* retention",
    failing="a Longhorn RecurringJob with task: filesystem-trim",
    stage="import",
)
WEAKER = Rule(
    "BP601",
    "import-weaker",
    "error",
    "The imported policies protect every item at least as well as the tree does today.",
    "After writing the policies, import analyses them like `explain`: for every data item a "
    "copy it has today (method and, from the imported object's schedule, the effective RPO) "
    "must still be there, equal or better. An item that loses a method or whose effective "
    "RPO grows is reported with what is lost; the policies are written so they can be edited.",
    passing="a PVC backed up hourly by Longhorn, imported into a class with an hourly backup",
    failing="a PVC backed up hourly, in a class whose backup runs daily",
    stage="import",
)
EXISTS = Rule(
    "BP602",
    "import-overwrite",
    "error",
    "import never overwrites a policy file that has content.",
    "The policies import writes go to --output (default: the policies folder). A file there "
    "that is not empty is refused, and nothing is written: move it away, or name another "
    "folder with --output.",
    passing="backup-policy import --output policies-imported",
    failing="backup-policy import  # policies/cluster.yaml exists",
    stage="import",
)
RULES = (UNMAPPED, WEAKER, EXISTS)
