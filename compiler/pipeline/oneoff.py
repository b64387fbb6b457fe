"""One-off manifests, applied by hand: a folder below the cluster policy's
``spec.output.drills`` (restore drills, pre-upgrade backups).

The files are rendered like the compile's (header, the one YAML writer; never Flux-escaped:
Flux does not apply them) and written by the write stage's all-or-nothing writer below the
output root: a file there without the generated header is never replaced (BP401), and the
generated files of the same folder that this run no longer produces are removed. ``check``
does not compare the drills folder (:func:`compiler.write.compare`).
"""

from __future__ import annotations

import io
import os
from collections.abc import Sequence
from pathlib import Path

from msgspec import Struct

from compiler.config import RunConfig
from compiler.core.diagnostics import Diagnostic
from compiler.core.generated import is_generated_text
from compiler.core.paths import NotRegularFile, from_cwd, open_regular, symlink_between
from compiler.pipeline import Result
from compiler.pipeline.build import output_root
from compiler.plan import OutputFile
from compiler.policies import Policies
from compiler.render import render_file
from compiler.rules.wiring import file_in_the_way
from compiler.tree.root import OUTPUT_ROOT, root_problem
from compiler.verify import verify_rendered
from compiler.write import Changes, apply

_COMPILE = "run `backup-policy compile`."


class Folder(Struct, frozen=True):
    """A folder of one-off files: the output root, the folder relative to it, and the
    folder as commands name it (relative to the working directory)."""

    root: Path
    shown_root: str
    path: str

    @property
    def shown(self) -> str:
        return from_cwd(self.root / self.path)


def oneoff_folder(
    config: RunConfig, result: Result, policies: Policies, name: str
) -> Folder | None:
    """``<output root>/<spec.output.drills>/<name>``, if the output root may be written."""
    spec = policies.cluster.policy.spec
    root, shown = output_root(config, spec.output.root)
    result.output_root, result.shown_root = root, shown
    problem = root_problem(config.repository, root)
    if problem:
        path = ("spec", "output", "root")
        result.diagnostics.add(OUTPUT_ROOT.at(policies.cluster.doc, path, problem))
        return None
    return Folder(root, shown, f"{spec.output.drills}/{name}")


def _existing(folder: Folder) -> dict[str, str | None]:
    """Files already in the folder: path -> text when generated, None when not."""
    found: dict[str, str | None] = {}
    base = folder.root / folder.path
    if symlink_between(folder.root, base) is not None:
        return found  # never read through a link: the writer refuses the targets (BP407)
    for current, dirs, files in os.walk(base):
        dirs.sort()
        for name in files:
            path = Path(current) / name
            if path.is_symlink():
                continue
            rel = path.relative_to(folder.root).as_posix()
            try:
                with (
                    open_regular(path) as raw,  # a FIFO is not waited on: in the way
                    io.TextIOWrapper(raw, encoding="utf-8", errors="replace") as stream,
                ):
                    text = stream.read()
            except NotRegularFile:
                text = ""
            found[rel] = text if is_generated_text(text) else None
    return found


def _shown(folder: Folder, rel: str) -> str:
    return rel if folder.shown_root in ("", ".") else f"{folder.shown_root}/{rel}"


def _rendered(planned: OutputFile, again: str) -> str:
    """The file with the compile's header, whose last line names the command that made it."""
    return render_file(planned).replace(_COMPILE, f"run `{again}` again.", 1)


def write_oneoff(
    config: RunConfig, folder: Folder, files: Sequence[OutputFile], again: str
) -> list[Diagnostic]:
    """Render ``files`` (paths relative to the output root; ``again`` is the command that
    makes them) and write them all or nothing; the problems that stopped it (nothing
    written then)."""
    outputs = {planned.path: _rendered(planned, again) for planned in files}
    problems = verify_rendered(outputs)
    existing = _existing(folder)
    for rel in sorted(outputs):
        if rel in existing and existing[rel] is None:
            problems.append(
                file_in_the_way.diagnostic(
                    _shown(folder, rel),
                    1,
                    1,
                    "a file without the generated header is where the drill writes",
                    "move it out of the drills folder, then run the command again",
                )
            )
    if problems:
        return problems
    writes = {rel: text for rel, text in outputs.items() if existing.get(rel) != text}
    deletes = tuple(sorted(r for r, t in existing.items() if r not in outputs and t is not None))
    old = {rel: text for rel, text in existing.items() if text is not None}
    changes = Changes(folder.root, writes, deletes, (), old)
    written = apply(changes, home=config.repository, shown_root=folder.shown_root)
    return list(written.problems)
