"""Start-up of the pre-commit fast path: what ``validate`` loads and builds, and what not.

Timings belong to the benchmark (``benchmarks/``), never to a test; these pin the causes.
"""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from compiler.cli.runner import no_pydantic_plugins
from tests.conftest import REPO

VALIDATE = (
    "import sys\n"
    "from compiler.cli.main import cli\n"
    "try:\n"
    "    cli(['validate', '-p', 'policies'])\n"
    "except SystemExit:\n"
    "    pass\n"
)


def _python(code: str) -> list[str]:
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stderr
    return done.stdout.split()


def test_validate_never_loads_the_plan_assembly_or_the_kustomization_editor() -> None:
    """Assembling a plan (``compiler.plan.assemble``, imported from there, not from
    ``compiler.plan``), the app wiring and its ruamel.yaml editor, the docs and jinja2 are
    the compile's; rule BP409 asks ``compiler.plan.stale``, not the editor."""
    loaded = _python(VALIDATE + "print('\\n'.join(sorted(sys.modules)))\n")
    assert "compiler.pipeline.validate" in loaded
    moved_off = ("compiler.plan.assemble", "compiler.plan.wiring", "compiler.plan.unwiring")
    later = ("ruamel", "jinja2", "compiler.plan.docs")
    assert [m for m in loaded if m in moved_off or m.startswith(later)] == []


def test_check_of_a_wired_tree_never_loads_the_kustomization_editor() -> None:
    """ruamel.yaml edits an app's kustomization (``--fix``, and the fix a BP4xx problem
    shows) and is imported only then: the example's apps list their Components, so its
    ``check`` plans the wiring without it."""
    loaded = _python(
        VALIDATE.replace("'validate'", "'check'") + "print('\\n'.join(sorted(sys.modules)))\n"
    )
    assert "compiler.plan.wiring" in loaded and "compiler.plan.unwiring" in loaded
    assert [m for m in loaded if m.startswith("ruamel")] == []


def test_importing_the_cli_and_the_registry_builds_no_validator() -> None:
    """Every model defers its build (``MODEL_CONFIG``): a run builds only the composed
    models it validates with, on first use, not every base model at import."""
    code = (
        "import compiler.cli.main, compiler.registry\n"
        "from pydantic import BaseModel\n"
        "seen, todo = set(), [BaseModel]\n"
        "while todo:\n"
        "    for sub in todo.pop().__subclasses__():\n"
        "        if sub not in seen:\n"
        "            seen.add(sub)\n"
        "            todo.append(sub)\n"
        "ours = [m for m in seen if m.__module__.startswith('compiler.')]\n"
        "print(len(ours))\n"
        "print(*sorted(m.__qualname__ for m in ours if m.__pydantic_complete__))\n"
    )
    count, *built = _python(code)
    assert int(count) > 30  # the models and every tool's settings
    assert built == []


def test_pydantic_plugins_are_skipped_unless_the_environment_says(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("PYDANTIC_DISABLE_PLUGINS", raising=False)
    no_pydantic_plugins()
    assert os.environ["PYDANTIC_DISABLE_PLUGINS"] == "__all__"
    monkeypatch.setenv("PYDANTIC_DISABLE_PLUGINS", "")
    no_pydantic_plugins()
    assert os.environ["PYDANTIC_DISABLE_PLUGINS"] == ""


def test_a_run_collects_young_cycles_but_never_rescans_what_it_keeps() -> None:
    """``batch_gc``: a run keeps most of what it builds; the young generation is still
    collected, the older ones not within a run (at 5,000 services two middle-generation
    collections rescanned a million live objects each). 1.3 M kept lists pass the point
    (21 young collections) where the old thresholds started a middle one."""
    code = (
        "import gc\n"
        "from compiler.cli.runner import batch_gc\n"
        "batch_gc()\n"
        "runs = []\n"
        "def seen(phase, info):\n"
        "    if phase == 'stop':\n"
        "        runs.append(info['generation'])\n"
        "gc.callbacks.append(seen)\n"
        "kept = [[] for _ in range(1_300_000)]\n"
        "print(runs.count(0), runs.count(1) + runs.count(2))\n"
    )
    young, older = map(int, _python(code))
    assert older == 0
    assert young > 21  # past the point: the old thresholds made one of these a middle one
