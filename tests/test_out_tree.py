"""The committed example tree against the real tools: kubectl kustomize and upstream schemas."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml
from yamllint import linter
from yamllint.config import YamlLintConfig

from compiler.analyse import EffectiveService
from compiler.config import RunConfig
from compiler.core.yamlread import load_documents
from compiler.pipeline.validate import validate
from compiler.tree.claims import app_claims
from compiler.tree.read import read_tree
from tests.support.files import is_generated
from tests.support.validation import kustomize_build, validate_stream
from tests.support.validation.schemas import SchemaRegistry

REPO = Path(__file__).resolve().parent.parent
OUT = REPO / "out"


def kustomization_dirs() -> list[Path]:
    """Every folder Flux would build: app folders and the shared storage folders."""
    found = []
    for path in sorted(OUT.rglob("kustomization.yaml")):
        text = path.read_text()
        if "kind: Component" in text:
            continue  # built through the app that lists it
        found.append(path.parent)
    return found


def generated_objects() -> list[tuple[str, dict[str, object]]]:
    objects = []
    for path in sorted(OUT.rglob("*.yaml")):
        if not is_generated(path) or path.name == "kustomization.yaml":
            continue
        if path.parent.name == "patches":
            continue  # partial objects: validated in the kustomize-built stream instead
        for document in load_documents(path.read_text()):
            if isinstance(document, dict) and "apiVersion" in document:
                objects.append((path.relative_to(REPO).as_posix(), document))
    return objects


def test_every_app_folder_is_wired_and_found() -> None:
    names = {p.relative_to(OUT).as_posix() for p in kustomization_dirs()}
    assert "kubernetes/apps/productivity/paperless/app" in names  # HelmRelease app
    assert "kubernetes/apps/network/python-ipam" in names  # plain Deployment app
    assert "kubernetes/apps/storage/longhorn/recurring-jobs" in names


@pytest.mark.parametrize(
    "folder", kustomization_dirs(), ids=lambda p: p.relative_to(OUT).as_posix()
)
def test_kustomize_builds_and_output_validates(
    folder: Path, kubectl: str, schema_registry: SchemaRegistry
) -> None:
    built = kustomize_build(folder)
    problems = validate_stream(built, schema_registry)
    assert problems == []
    assert built.strip(), "kustomize produced nothing"


@pytest.mark.parametrize(
    "source, obj", generated_objects(), ids=lambda v: v if isinstance(v, str) else ""
)
def test_generated_object_validates(
    source: str, obj: dict[str, object], schema_registry: SchemaRegistry
) -> None:
    assert schema_registry.validate_object(obj) == []


def test_longhorn_labels_reach_the_built_pvc(kubectl: str) -> None:
    built = load_documents(kustomize_build(OUT / "kubernetes/apps/productivity/paperless/app"))
    claims = {
        d["metadata"]["name"]: d["metadata"].get("labels", {})
        for d in built
        if d and d.get("kind") == "PersistentVolumeClaim"
    }
    for labels in claims.values():
        # without the source label Longhorn silently ignores the group label (SPEC §9.5)
        assert labels["recurring-job.longhorn.io/source"] == "enabled"
        assert labels["recurring-job-group.longhorn.io/bp-critical"] == "enabled"
        assert labels["backup-policy.io/service"] == "paperless"
    assert set(claims) == {"paperless-data", "paperless-media"}


def test_k8up_schedule_selects_exactly_the_service_pvcs(kubectl: str) -> None:
    built = load_documents(kustomize_build(OUT / "kubernetes/apps/media/overseerr/app"))
    schedule = next(d for d in built if d and d.get("kind") == "Schedule")
    selector = schedule["spec"]["backup"]["labelSelectors"][0]["matchLabels"]
    pvcs = [d for d in built if d and d.get("kind") == "PersistentVolumeClaim"]
    assert pvcs and all(selector.items() <= d["metadata"]["labels"].items() for d in pvcs)
    assert "keepJobs" not in str(schedule)


def _example_services() -> list[tuple[str, object]]:
    result = validate(RunConfig(policies=REPO / "policies"))
    assert result.analysis is not None
    return [(s.key, s) for s in result.analysis.services]


def _chart_pvc_labels(built: list[dict[str, Any]], service: EffectiveService, claim: str) -> Any:
    """A PVC the app's chart creates: its labels are in the built HelmRelease's values
    (tests/plan/test_chart_delivery.py renders the chart and finds them on the PVC)."""
    found = app_claims(read_tree(OUT, "out"), service.app_dir)
    made_by = found.named(claim) if found is not None else None
    assert made_by is not None and made_by.source == "chart", claim
    release = next(d for d in built if d.get("kind") == "HelmRelease")
    return release["spec"]["values"]["persistence"][made_by.key]["labels"]


@pytest.mark.parametrize(
    "key, service", _example_services(), ids=lambda v: v if isinstance(v, str) else ""
)
def test_every_component_patch_lands_in_the_build(key: str, service: object, kubectl: str) -> None:
    """kustomize skips a patch whose target is missing without a word (BP405): prove that in
    the example every generated patch changed the object it was written for."""
    assert isinstance(service, EffectiveService)
    found = read_tree(OUT, "out").app_kustomization(service.app_dir)
    assert found is not None, key
    built = [
        d for d in load_documents(kustomize_build(OUT / found[0].folder)) if isinstance(d, dict)
    ]
    spec = service.source.policy.spec
    if {"k8up", "longhorn"} & set(service.methods):
        claims = {
            d["metadata"]["name"]: d["metadata"].get("labels", {})
            for d in built
            if d.get("kind") == "PersistentVolumeClaim"
        }
        for volume in spec.volumes:
            if volume.claim:
                labels = claims.get(volume.claim) or _chart_pvc_labels(built, service, volume.claim)
                assert labels["backup-policy.io/service"] == service.name, key
    if spec.sqlite:
        workload = next(
            d
            for d in built
            if d.get("kind") == spec.workload.kind and d["metadata"]["name"] == spec.workload.name
        )
        text = str(workload["spec"])
        assert "litestream" in text and "restore" in text, key


def test_generated_files_pass_yamllint(repo: Path) -> None:
    """yamllint's default rules with the committed .yamllint: no error, and the only warnings
    are lines of embedded text (scripts, configs, patches) longer than 100 columns."""
    config = YamlLintConfig(file=str(repo / ".yamllint"))
    files = [p for p in sorted(OUT.rglob("*.yaml")) if is_generated(p)]
    assert files
    problems = [
        (path.relative_to(repo).as_posix(), problem)
        for path in files
        for problem in linter.run(path.read_text(), config)
    ]
    assert [(path, p.line, p.desc) for path, p in problems if p.level == "error"] == []
    assert {p.rule for _, p in problems} <= {"line-length"}


def _strings(text: str) -> list[Any]:
    """Every scalar as the string written (BaseLoader): what a reader could misread."""
    return [d for d in yaml.load_all(text, Loader=yaml.BaseLoader) if isinstance(d, dict)]


@pytest.mark.parametrize(
    "folder", kustomization_dirs(), ids=lambda p: p.relative_to(OUT).as_posix()
)
def test_go_reads_every_generated_value_as_written(folder: Path, kubectl: str) -> None:
    """Each generated object of a build comes out of kubectl kustomize value by value as the
    writer wrote it (patched objects excepted: kustomize merged something into them)."""
    built = {(d["kind"], d["metadata"]["name"]): d for d in _strings(kustomize_build(folder))}
    generated = [
        document
        for path in sorted(folder.parent.rglob("*.yaml"))
        if is_generated(path) and path.parent.name != "patches"
        for document in _strings(path.read_text())
        if document.get("kind") not in {"Kustomization", "Component"}
    ]
    compared = 0
    for document in generated:
        found = built.get((document["kind"], document["metadata"]["name"]))
        if found is not None:
            assert found == document
            compared += 1
    # a folder with generated objects of its own (a shared folder, an app with its backup
    # Component) must show some; a namespace folder applies only Flux Kustomizations
    own = [
        path
        for where in (folder, folder / "backup", folder.parent / "backup")
        for path in where.glob("*.yaml")
        if is_generated(path) and path.name not in {"kustomization.yaml", "ks.yaml"}
    ]
    assert compared or not own
