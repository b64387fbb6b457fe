"""The dashboard's JSON kept between runs: what the cache gives is what the SDK builds; any
change to the panels, the builder or the SDK is another entry; a damaged entry, or none, is
only slower; only the entries used last are kept."""

from __future__ import annotations

import copy
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from compiler.core.user_cache import NO_CACHE, TEMPORARY
from compiler.plan import dashboard_cache, grafana
from compiler.plan.alerts import Panel, PanelQuery
from compiler.plan.dashboard import TITLE, UID, dashboard_json

REPO = Path(__file__).resolve().parents[2]
PANEL = Panel("Age", "Age of the last copy.", "s", "bargauge", 1, ((0.0, "green"), (1.0, "red")))
PANELS = [(PANEL, [PanelQuery(PANEL, "time() - k8up_last_success", "{{namespace}}")])]
OTHER = [(PANEL, [PanelQuery(PANEL, "time() - k8up_last_success", "{{schedule}}")])]


def _environ(tmp_path: Path) -> dict[str, str]:
    return {"XDG_CACHE_HOME": str(tmp_path / "cache")}


def _entries(tmp_path: Path) -> list[str]:
    return sorted(p.name for p in (tmp_path / "cache/backup-policy/dashboards").iterdir())


def test_a_kept_dashboard_is_what_the_sdk_builds(tmp_path: Path) -> None:
    environ = _environ(tmp_path)
    name = dashboard_cache.key(TITLE, UID, PANELS)
    built = grafana.build(TITLE, UID, PANELS)
    assert dashboard_cache.load(name, environ) is None
    dashboard_cache.save(name, built, environ)
    assert dashboard_cache.load(name, environ) == built
    assert _entries(tmp_path) == [f"{name}.json"]


def test_the_key_covers_the_panels_title_builder_and_sdk(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = dashboard_cache.key(TITLE, UID, PANELS)
    assert first == dashboard_cache.key(TITLE, UID, copy.deepcopy(PANELS))  # by value
    assert dashboard_cache.key(TITLE, UID, OTHER) != first
    assert dashboard_cache.key("Other", UID, PANELS) != first
    assert dashboard_cache.key(TITLE, "other", PANELS) != first
    builder = tmp_path / "grafana.py"
    builder.write_bytes(dashboard_cache.BUILDER.read_bytes() + b"\n# changed\n")
    monkeypatch.setattr(dashboard_cache, "BUILDER", builder)
    assert dashboard_cache.key(TITLE, UID, PANELS) != first
    monkeypatch.undo()
    sdk = dashboard_cache._sdk_identity()
    assert sdk is not None and sdk.split("\0")[0].endswith("grafana_foundation_sdk/__init__.py")
    monkeypatch.setattr(dashboard_cache, "_sdk_identity", lambda: f"{sdk}-upgraded")
    assert dashboard_cache.key(TITLE, UID, PANELS) != first
    monkeypatch.setattr(dashboard_cache, "_sdk_identity", lambda: None)
    assert dashboard_cache.key(TITLE, UID, PANELS) is None  # no SDK: no cache


@pytest.mark.parametrize(
    "content",
    [b"", b"{", b"[]", b'{"key": "another", "model": {}}', b'{"model": {"a": 1}}', b"\xff\xfe"],
    ids=["empty", "torn", "not-an-object", "another-key", "no-key", "not-utf8"],
)
def test_a_damaged_entry_is_a_miss_and_is_rewritten(tmp_path: Path, content: bytes) -> None:
    environ = _environ(tmp_path)
    name = dashboard_cache.key(TITLE, UID, PANELS)
    dashboard_cache.save(name, {"title": "x"}, environ)
    entry = tmp_path / f"cache/backup-policy/dashboards/{name}.json"
    entry.write_bytes(content.replace(b"another", b"x" * 64))
    assert dashboard_cache.load(name, environ) is None
    dashboard_cache.save(name, {"title": "y"}, environ)
    assert dashboard_cache.load(name, environ) == {"title": "y"}


def test_only_the_entries_used_last_are_kept(tmp_path: Path) -> None:
    environ = _environ(tmp_path)
    folder = tmp_path / "cache/backup-policy/dashboards"
    names = [f"{index:064x}" for index in range(dashboard_cache.KEEP + 3)]
    for age, name in enumerate(reversed(names)):  # names[0] saved last, names[-1] first
        dashboard_cache.save(name, {"n": name}, environ)
        os.utime(folder / f"{name}.json", (time.time() - 100 + age, time.time() - 100 + age))
    assert dashboard_cache.load(names[-1], environ) is None  # pruned: used longest ago
    oldest_kept = names[dashboard_cache.KEEP - 1]
    assert dashboard_cache.load(oldest_kept, environ) == {"n": oldest_kept}  # used now
    stale, fresh = folder / f"{TEMPORARY}stale", folder / f"{TEMPORARY}fresh"
    for temporary in (stale, fresh):
        temporary.write_bytes(b"{")
    os.utime(stale, (time.time() - 2 * 86_400, time.time() - 2 * 86_400))
    dashboard_cache.save("f" * 64, {"n": "new"}, environ)
    left = _entries(tmp_path)
    assert len([n for n in left if not n.startswith(TEMPORARY)]) == dashboard_cache.KEEP
    assert f"{oldest_kept}.json" in left and f"{'f' * 64}.json" in left
    assert fresh.name in left and stale.name not in left  # a save under way is left alone


def test_an_entry_that_cannot_be_marked_used_is_still_read(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A cache on a read-only filesystem: the entry is used, only its use is not noted."""
    environ = _environ(tmp_path)
    name = dashboard_cache.key(TITLE, UID, PANELS)
    dashboard_cache.save(name, {"title": "x"}, environ)

    def read_only(*_: object) -> None:
        raise OSError(30, "Read-only file system")

    monkeypatch.setattr(os, "utime", read_only)
    assert dashboard_cache.load(name, environ) == {"title": "x"}


def test_with_caches_off_nothing_is_kept(tmp_path: Path) -> None:
    environ = {**_environ(tmp_path), NO_CACHE: "1"}
    name = dashboard_cache.key(TITLE, UID, PANELS)
    dashboard_cache.save(name, {"title": "x"}, environ)
    assert dashboard_cache.load(name, environ) is None
    assert not (tmp_path / "cache").exists()


def test_the_dashboard_json_is_the_same_from_the_cache(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    built = dashboard_json(PANELS)
    assert _entries(tmp_path) == [f"{dashboard_cache.key(TITLE, UID, PANELS)}.json"]
    assert json.dumps(dashboard_json(PANELS), sort_keys=True) == json.dumps(built, sort_keys=True)


def test_a_second_check_reads_the_dashboard_without_importing_the_sdk(tmp_path: Path) -> None:
    """Two compiles of the example in fresh interpreters with one cache folder: the same
    dashboard file, and the second never imports grafana-foundation-sdk."""
    code = (
        "import sys\n"
        "from pathlib import Path\n"
        "from compiler.config import RunConfig\n"
        "from compiler.pipeline.build import build\n"
        "result = build(RunConfig(policies=Path('policies')))\n"
        "print(any(m.startswith('grafana_foundation_sdk') for m in sys.modules))\n"
        "print(next(t for p, t in result.outputs.items() if p.endswith('/dashboard.yaml')))\n"
    )
    env = {**os.environ, "XDG_CACHE_HOME": str(tmp_path / "cache")}
    runs = [
        subprocess.run(
            [sys.executable, "-c", code], cwd=REPO, env=env, capture_output=True, text=True
        )
        for _ in range(2)
    ]
    first, second = (run.stdout.split("\n", 1) for run in runs)
    assert [first[0], second[0]] == ["True", "False"], [r.stderr for r in runs]
    assert first[1] == second[1] and "grafana_dashboard" in first[1]
