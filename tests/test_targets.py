"""BP405: a Component patch must hit an object of the app's kustomize build."""

from __future__ import annotations

from pathlib import Path

import pytest

from compiler.targets import UnknownBuild, build_objects
from tests.litestream.example import compile_tree, copy_example, edit_yaml, errors

KUSTOMIZATION = "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\n"


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def pvc(name: str) -> str:
    return f"apiVersion: v1\nkind: PersistentVolumeClaim\nmetadata:\n  name: {name}\n"


def test_objects_follow_resources_folders_and_components(tmp_path: Path) -> None:
    app = tmp_path / "app"
    write(
        app / "kustomization.yaml",
        KUSTOMIZATION + "resources: [a.yaml, sub]\ncomponents: [../extra, ./backup]\n",
    )
    write(app / "a.yaml", pvc("a") + "---\n" + pvc("a2"))
    write(app / "sub/kustomization.yml", KUSTOMIZATION + "resources: [b.yaml]\n")
    write(app / "sub/b.yaml", pvc("b"))
    write(app / "unlisted.yaml", pvc("unlisted"))
    write(tmp_path / "extra/kustomization.yaml", "kind: Component\nresources: [c.yaml]\n")
    write(tmp_path / "extra/c.yaml", pvc("c"))
    write(app / "backup/kustomization.yaml", "kind: Component\nresources: [d.yaml]\n")
    write(app / "backup/d.yaml", pvc("generated"))
    objects = build_objects(app, app / "backup")
    assert {name for _, name in objects} == {"a", "a2", "b", "c"}


@pytest.mark.parametrize(
    "kustomization, files",
    [
        ("resources: [https://github.com/example/app//deploy?ref=v1]\n", {}),
        ("resources: [github.com/example/app/deploy]\n", {}),
        ("helmCharts: [{name: app, repo: https://example.invalid}]\n", {}),
        ("resources: [missing.yaml]\n", {}),
        ("resources: [pvc.yaml]\n", {"pvc.yaml": pvc("${APP}-data")}),
        ("resources: [" + "a" * 300 + "]\n", {}),
    ],
    ids=["remote-url", "remote-github", "helm-charts", "missing-file", "flux-variable", "too-long"],
)
def test_builds_that_cannot_be_read_here_are_not_judged(
    tmp_path: Path, kustomization: str, files: dict[str, str]
) -> None:
    write(tmp_path / "kustomization.yaml", KUSTOMIZATION + kustomization)
    for name, text in files.items():
        write(tmp_path / name, text)
    with pytest.raises(UnknownBuild):
        build_objects(tmp_path, tmp_path / "backup")


def test_a_workload_name_typo_is_reported_at_the_policy(tmp_path: Path) -> None:
    root = copy_example(tmp_path)

    def typo(data: dict[str, dict[str, dict[str, str]]]) -> None:
        data["spec"]["workload"]["name"] = "python-ipm"

    edit_yaml(root / "policies/services/python-ipam.yaml", typo)
    found = [(d.rule, d.file, d.line) for d in errors(compile_tree(root))]
    assert found == [("BP405", "policies/services/python-ipam.yaml", 14)]
    message = next(d.message for d in errors(compile_tree(root)))
    assert "Deployment 'python-ipm' is not in the build of out/" in message
    assert "Litestream would never be injected" in message


def test_the_real_kustomize_drops_what_bp405_refuses(tmp_path: Path, kubectl: str) -> None:
    """The premise, against kubectl: a renamed PVC builds without error and without labels."""
    from compiler.core.yamlread import load_documents
    from tests.support.validation import kustomize_build

    root = copy_example(tmp_path)
    app = root / "out/kubernetes/apps/network/python-ipam"
    pvc_file = app / "pvc.yaml"
    pvc_file.write_text(pvc_file.read_text().replace("python-ipam-data", "ipam-data"))
    built = [d for d in load_documents(kustomize_build(app)) if isinstance(d, dict)]
    (claim,) = [d for d in built if d["kind"] == "PersistentVolumeClaim"]
    assert claim["metadata"]["name"] == "ipam-data"
    assert "backup-policy.io/service" not in claim["metadata"].get("labels", {})
    found = [(d.rule, d.line, d.col) for d in errors(compile_tree(root))]
    assert found == [("BP405", 18, 14)]
