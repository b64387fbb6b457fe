"""The app's own kustomization must list the generated Component; ``--fix`` adds it."""

from __future__ import annotations

import io
from dataclasses import dataclass
from pathlib import Path

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.error import YAMLError

from compiler.diagnostics import Diagnostic
from compiler.plan import ComponentRef

NAMES = ("kustomization.yaml", "kustomization.yml", "Kustomization")


@dataclass(frozen=True)
class Wiring:
    """An app kustomization that lacks the Component, and its fixed text."""

    path: Path
    fixed: str


def find_kustomization(app: Path) -> tuple[Path, str] | None:
    """The app's kustomization and the Component path relative to it.

    Supports both ``<app>/kustomization.yaml`` and the flux-template ``<app>/app/`` layout.
    """
    for folder, component in ((app, "./backup"), (app / "app", "../backup")):
        for name in NAMES:
            if (folder / name).is_file():
                return folder / name, component
    return None


def _yaml() -> YAML:
    yaml = YAML(typ="rt")
    yaml.preserve_quotes = True
    yaml.indent(mapping=2, sequence=4, offset=2)
    yaml.width = 4096
    return yaml


def _lists(components: object, wanted: str) -> bool:
    if not isinstance(components, list):
        return False
    normal = wanted.removeprefix("./").rstrip("/")
    return any(str(c).removeprefix("./").rstrip("/") == normal for c in components)


def check_wiring(
    root: Path, shown_root: str, refs: tuple[ComponentRef, ...]
) -> tuple[list[Diagnostic], list[Wiring]]:
    """Diagnostics for apps whose kustomization misses the Component, and the fixes."""
    problems: list[Diagnostic] = []
    fixes: list[Wiring] = []
    for ref in refs:
        found = find_kustomization(root / ref.app_dir)
        if found is None:
            problems.append(
                Diagnostic(
                    ref.source,
                    ref.line,
                    ref.col,
                    "error",
                    "BP403",
                    f"{ref.service}: no kustomization.yaml in {shown_root}/{ref.app_dir} (or app/)",
                    "point spec.appPath at the app folder; "
                    "without it the backups are never applied",
                )
            )
            continue
        path, component = found
        shown = f"{shown_root}/{path.relative_to(root).as_posix()}"
        try:
            data = _yaml().load(path.read_text(encoding="utf-8"))
        except (YAMLError, OSError) as error:
            problems.append(_unreadable(shown, error))
            continue
        if not isinstance(data, CommentedMap) or _lists(data.get("components"), component):
            continue
        line, col = data.lc.key("components") if "components" in data else (0, 0)
        problems.append(
            Diagnostic(
                shown,
                line + 1,
                col + 1,
                "error",
                "BP402",
                f"{ref.service}: kustomization does not list the backup "
                f"Component {component!r}; its backups would never apply",
                "run `backup-policy compile --fix` to add it",
            )
        )
        fixes.append(Wiring(path, _with_component(data, component)))
    return problems, fixes


def _unreadable(shown: str, error: Exception) -> Diagnostic:
    mark = getattr(error, "problem_mark", None) or getattr(error, "context_mark", None)
    line, col = (mark.line + 1, mark.column + 1) if mark is not None else (1, 1)
    detail = (getattr(error, "problem", None) or str(error)).strip().splitlines()[0]
    return Diagnostic(
        shown, line, col, "error", "BP404", f"cannot read app kustomization: {detail}"
    )


def _with_component(data: CommentedMap, component: str) -> str:
    components = data.get("components")
    if not isinstance(components, CommentedSeq):
        components = CommentedSeq()
        data["components"] = components
    components.append(component)
    buffer = io.StringIO()
    _yaml().dump(data, buffer)
    return buffer.getvalue()
