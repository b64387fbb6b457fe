"""Adopting backup-policy on real homelab trees (../shared/realworld, read in place).

For each tree a first policy set, as an operator would start (the defaults: Litestream
0.3, the generated replica paths), is checked against the tree as it is: every migration,
Flux-wiring and Component problem this issue's checks find is listed here, so a change of
what they report is seen. Then the same policies with what the diagnostics ask for
(version, ``replicaPath``, ``metricsPort``): only what needs the tree itself changed stays.

Some findings come from the trees being partial copies (PROVENANCE.md of each): a
Component folder whose kustomization.yaml was not copied (tuxpeople
``kubernetes/components/common``), app kustomizations listing files that were left out.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import realworld_dir, require_tool
from tests.litestream.example import edit_yaml
from tests.realworld.runner import HERE, check_in_place

# the rule IDs of migration safety, Flux wiring and removed Components
MINE = {"BP314", "BP331", "BP368", "BP373", "BP374", "BP375", "BP376", "BP377"}
MINE |= {"BP408", "BP409", "BP410", "BP411"}

TUXPEOPLE = "tuxpeople__k8s-homelab"
TYRIIS = "tyriis__home-ops"
KELCHM = "kelchm__home-lab"
SKIP = {TUXPEOPLE: ("_at_HEAD",)}  # a later snapshot of some files, for comparison only


def tree(name: str) -> Path:
    root = realworld_dir() / name
    require_tool(f"the real-world fixture {root}", root.is_dir())
    return root


def findings(name: str, policies: Path) -> list[str]:
    diagnostics, _ = check_in_place(tree(name), policies, SKIP.get(name, ()))
    return [f"{d.file}:{d.line}:{d.col}: {d.level} {d.rule}" for d in diagnostics if d.rule in MINE]


TUX_APP = f"{TUXPEOPLE}/kubernetes/apps"
FIRST = {
    TUXPEOPLE: [
        "policies/services/linkding.yaml:19:3: error BP374",
        "policies/services/linkding.yaml:19:3: error BP375",
        "policies/services/linkding.yaml:19:3: error BP376",
        "policies/services/linkding.yaml:20:13: error BP373",
        "policies/services/paperless.yaml:19:3: error BP374",
        "policies/services/paperless.yaml:19:3: error BP375",
        "policies/services/paperless.yaml:20:13: error BP373",
        "policies/services/python-ipam.yaml:20:3: error BP374",
        "policies/services/python-ipam.yaml:20:3: error BP375",
        "policies/services/python-ipam.yaml:21:13: error BP373",
        "policies/services/spoolman.yaml:19:3: error BP374",
        "policies/services/spoolman.yaml:19:3: error BP375",
        "policies/services/spoolman.yaml:20:13: error BP373",
        f"{TUX_APP}/storage/kustomization.yaml:6:1: error BP409",
        f"{TUX_APP}/storage/litestream-cleanup/app/helmrelease.yaml:52:1: warning BP377",
    ],
    TYRIIS: [
        "policies/services/pocket-id.yaml:20:3: error BP374",
        "policies/services/pocket-id.yaml:20:3: error BP375",
        "policies/services/pocket-id.yaml:21:13: error BP373",
        f"{TYRIIS}/kubernetes/apps/observability/backup-policy/kustomization.yaml:1:1: error BP408",
        f"{TYRIIS}/kubernetes/apps/storage/litestream-cleanup/kustomization.yaml:1:1: error BP408",
    ],
    KELCHM: ["policies/cluster.yaml:8:3: error BP408"],
}
POLICIES = {TUXPEOPLE: "tuxpeople", TYRIIS: "tyriis", KELCHM: "kelchm"}


@pytest.mark.parametrize("name", sorted(FIRST))
def test_a_first_adoption_is_refused_where_it_would_lose_data(name: str) -> None:
    assert findings(name, HERE / POLICIES[name] / "policies") == FIRST[name]


def _set(path: Path, where: tuple[str, ...], value: Any) -> None:
    def change(data: Any) -> None:
        node = data
        for key in where[:-1]:
            node = node.setdefault(key, {})
        node[where[-1]] = value

    edit_yaml(path, change)


def adopted(tmp: Path, name: str, paths: dict[str, str], extra: dict[tuple[str, ...], Any]) -> Path:
    """The first policies with what the refusals asked for."""
    policies = tmp / "policies"
    shutil.copytree(HERE / POLICIES[name] / "policies", policies)
    _set(policies / "cluster.yaml", ("spec", "litestream", "version"), "0.5")
    for service, replica in paths.items():
        path = policies / "services" / f"{service}.yaml"

        def keep(data: Any, replica: str = replica) -> None:
            data["spec"]["sqlite"][0]["replicaPath"] = replica

        edit_yaml(path, keep)
    for (service, *where), value in extra.items():
        _set(policies / "services" / f"{service}.yaml", tuple(where), value)
    return policies


def test_tuxpeople_keeps_its_replicas_and_only_the_hand_wiring_must_go(tmp_path: Path) -> None:
    paths = {
        "linkding": "linkding",
        "paperless": "paperless",
        "python-ipam": "python-ipam",
        "spoolman": "spoolman",
    }
    metrics: dict[tuple[str, ...], Any] = {("linkding", "spec", "litestream", "metricsPort"): 9091}
    policies = adopted(tmp_path, TUXPEOPLE, paths, metrics)
    # the sidecars and restore containers of the values stay until removed from the tree
    assert findings(TUXPEOPLE, policies) == [
        "policies/services/linkding.yaml:19:3: error BP375",
        "policies/services/paperless.yaml:19:3: error BP375",
        "policies/services/python-ipam.yaml:20:3: error BP375",
        "policies/services/spoolman.yaml:19:3: error BP375",
        f"{TUX_APP}/storage/kustomization.yaml:6:1: error BP409",
    ]


def test_tyriis_keeps_pocket_id_on_05_and_its_replica(tmp_path: Path) -> None:
    policies = adopted(tmp_path, TYRIIS, {"pocket-id": "pocket-id/pocket-id.db"}, {})
    assert findings(TYRIIS, policies) == [
        "policies/services/pocket-id.yaml:20:3: error BP375",
        f"{TYRIIS}/kubernetes/apps/observability/backup-policy/kustomization.yaml:1:1: error BP408",
    ]


def test_kelchm_longhorn_jobs_depend_on_the_longhorn_kustomization() -> None:
    _, plan = check_in_place(tree(KELCHM), HERE / "kelchm/policies")
    shared = {s.folder: s for s in plan.shared}
    folder = "kubernetes/apps/storage/longhorn/recurring-jobs"
    ks = next(f for f in plan.files if f.path == f"{folder}/ks.yaml")
    (document,) = ks.documents
    assert isinstance(document, dict)
    assert document["spec"]["dependsOn"] == [{"name": "longhorn"}]
    assert shared[folder].owners == ("longhorn",)
