"""diff --base REF: what a change does to protection, data item by data item.

The policies and their output tree are compiled twice: as the git ref has them (exported
with ``git archive`` into a temporary folder) and as the work tree has them. Each data item
is compared: the methods that copy it, its effective RPO, its declared RPO and RTO, the
restore tests that cover its service and how often each must pass (and the plan's grace
period), the routines beyond the copies (a check of them, a Velero backup of the
namespace: how often, how long kept), each rule of each method's retention (how many
copies, or how long), how many targets apart from the data and offsite hold a copy, the
alerts that watch its service and how urgently they page (their ``severity``). A change
that takes protection away is an error (BP500) unless the policy acknowledges it. A ref
without a policy folder protected nothing: every item is new. A ref whose policies do not
compile cannot be compared: that is an error too (BP501), with the ref's errors.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from pathlib import Path

from msgspec import Struct, field
from msgspec.structs import replace

from compiler.config import RunConfig
from compiler.core.diagnostics import Diagnostic, Diagnostics
from compiler.pipeline.build import BuildResult, build
from compiler.pipeline.gitref import export_commit
from compiler.pipeline.protection import Found, Protection, Where, protections
from compiler.pipeline.weakening import compare
from compiler.rules.protection import BASE_NOT_COMPILED, WEAKENED


class ItemChange(Struct, frozen=True):
    service: str
    item: str
    names: tuple[str, ...]
    where: Where
    before: Protection | None
    after: Protection | None
    weakened: tuple[str, ...] = ()
    strengthened: tuple[str, ...] = ()


class ProtectionDiff(Struct):
    base: str
    changes: list[ItemChange] = field(default_factory=list)
    diagnostics: list[Diagnostic] = field(default_factory=list)
    compared: bool = True
    """False when one side does not compile: then nothing is compared."""
    base_policies: bool = True
    """False when the ref has no policy folder (before adopting backup-policy): every item
    is compared with no protection, and so is new."""
    base_errors: list[Diagnostic] = field(default_factory=list)
    """The errors of the ref's policies when they do not compile (BP501), each file
    relative to the repository, as ``git show REF:FILE`` names it."""


def _changes(old: Found, new: Found) -> Iterator[ItemChange]:
    for key in sorted(old.keys() | new.keys()):
        where = new[key][0] if key in new else (old[key][0][0], 1, 1)
        names = (new.get(key) or old[key])[1]
        before = old[key][2] if key in old else None
        after = new[key][2] if key in new else None
        if before is None:
            yield ItemChange(*key, names, where, None, after, (), ("item protected",))
        elif after is None:
            yield ItemChange(*key, names, where, before, None, ("protection removed",))
        elif before != after:
            # alerts known on one side only (the other has errors) are no change
            weaker, stronger = compare(before, after)
            if weaker or stronger:
                yield ItemChange(*key, names, where, before, after, tuple(weaker), tuple(stronger))


def protection_diff(config: RunConfig, ref: str, commit: str) -> tuple[ProtectionDiff, BuildResult]:
    """Compile at ``commit`` (what :func:`resolve_base` made of ``ref``, the name messages
    use) and in the work tree; the item changes and BP500 for weaker ones."""
    current = build(config)
    with tempfile.TemporaryDirectory(prefix="backup-policy-base-") as folder:
        previous = _build_base(config, commit, Path(folder), current)
    diff = ProtectionDiff(ref, base_policies=previous is not None)
    if previous is not None and previous.analysis is None:
        diff.base_errors = [d for d in previous.diagnostics.sorted() if d.level == "error"]
        diff.diagnostics.append(_not_compiled(config, ref, diff.base_errors))
    if current.analysis is None or diff.diagnostics:
        diff.compared = False
        return diff, current
    before = protections(previous) if previous is not None else {}  # none: all is new
    diff.changes = list(_changes(before, protections(current)))
    for change in diff.changes:
        if change.weakened:
            message = f"{change.service} {change.item}: protection weakened since {ref}: " + (
                "; ".join(change.weakened)
            )
            subjects = (change.item, *change.names)
            diff.diagnostics.append(WEAKENED.diagnostic(*change.where, message, subjects=subjects))
    return diff, current


def _build_base(
    config: RunConfig, commit: str, base_root: Path, current: BuildResult
) -> BuildResult | None:
    """The compile of ``commit`` exported into ``base_root``; None when it has no policy
    folder. The files its diagnostics name are made relative to the repository."""
    repository = config.repository
    export_commit(repository, commit, base_root)
    moved = base_root / config.policies.resolve().relative_to(repository)
    if not moved.is_dir():
        return None
    output = None
    if config.output is not None:
        output = base_root / config.output.resolve().relative_to(repository)
    cache = current.output_root or base_root  # the work tree's: most files are the same
    previous = build(
        RunConfig(policies=moved, output=output, limits=config.limits, parse_cache_of=cache)
    )
    root, project = base_root.resolve(), moved.resolve().parent
    relocated = [_in_repository(d, project, root) for d in previous.diagnostics.items]
    previous.diagnostics = Diagnostics(relocated)
    return previous


def _in_repository(diagnostic: Diagnostic, project: Path, root: Path) -> Diagnostic:
    """``diagnostic`` of the compile of the export at ``root`` with its file (relative to
    the export's ``project`` root, or absolute) relative to the repository."""
    path = project / diagnostic.file
    if not path.is_relative_to(root):
        return diagnostic
    return replace(diagnostic, file=path.relative_to(root).as_posix())


def _not_compiled(config: RunConfig, ref: str, errors: list[Diagnostic]) -> Diagnostic:
    """BP501 on the policy folder: the ref's policies do not compile, with the first error."""
    count = f"{len(errors)} error{'' if len(errors) == 1 else 's'}"
    first = f"; the first: {at_ref(errors[0], ref)}" if errors else ""
    folder = config.policies.resolve().relative_to(config.project_root).as_posix()
    message = f"the policies of {ref} do not compile ({count}), so no item is compared{first}"
    hint = (
        "compare with a ref whose policies compile; a change that fixes them has nothing "
        "to be compared with: review it by hand"
    )
    return BASE_NOT_COMPILED.diagnostic(folder, 1, 1, message, hint)


def at_ref(error: Diagnostic, ref: str) -> str:
    """An error of the ref's policies as one line, its file named as git names it there
    (``REF:policies/services/web.yaml:7:19: error [BP203] ...``)."""
    return replace(error, file=f"{ref}:{error.file}", hint="").render()
