"""The rule IDs of the write stage, declared apart from it so that the registry (imported
by every command, ``validate`` included) lists them without importing the stage."""

from __future__ import annotations

from compiler.core.rule import Rule

OUT_OF_DATE = Rule(
    "BP400",
    "out-of-date",
    "error",
    "The committed generated files are a fresh compile of the policies.",
    "Reported by check, at the first line that differs, for a file that would be written, "
    "rewritten or removed: a hand edit of a generated file, or a policy change without "
    "`backup-policy compile`.",
    passing="backup-policy compile, then commit what it wrote",
    failing="a hand edit in kubernetes/apps/web/backup/k8up-schedule.yaml",
    stage="tree",
)

WRITE_FAILED = Rule(
    "BP407",
    "write-failed",
    "error",
    "A compile changes the output tree completely or not at all.",
    "Every file is written into a staging folder of the repository first and renamed into "
    "place only when all of them are ready. An I/O error (a full disk, a folder that cannot "
    "be written) puts every file back at once, so the tree is byte-identical to the one "
    "before; a compile that was killed is rolled back, or finished after its commit point, "
    "by the next compile or check. Reported at the file that failed, or at a staging folder "
    "that another live run holds or that cannot be recovered.",
    passing="backup-policy compile into a folder with room for the new files",
    failing="backup-policy compile while the disk holding out/ is full",
    stage="tree",
)

RULES = (OUT_OF_DATE, WRITE_FAILED)
