"""BP405: a Component patch must hit an object of the app's kustomize build."""

from __future__ import annotations

from pathlib import Path

from compiler.core.yamlread import load_documents
from tests.litestream.example import compile_tree, copy_example, edit_yaml, errors
from tests.support.validation import kustomize_build


def test_a_workload_name_typo_is_reported_at_the_policy(tmp_path: Path) -> None:
    root = copy_example(tmp_path)

    def typo(data: dict[str, dict[str, dict[str, str]]]) -> None:
        data["spec"]["workload"]["name"] = "python-ipm"

    edit_yaml(root / "policies/services/python-ipam.yaml", typo)
    found = [(d.rule, d.file, d.line) for d in errors(compile_tree(root))]
    # two patches miss it: Litestream's and the K8up SQLite dump's (k8up.sqliteDump)
    assert found == [("BP405", "policies/services/python-ipam.yaml", 14)] * 2
    messages = " ".join(d.message for d in errors(compile_tree(root)))
    assert "Deployment 'python-ipm' is not in the build of out/" in messages
    assert "Litestream would never be injected" in messages
    assert "K8up would copy only the database file" in messages


def test_the_real_kustomize_drops_what_bp405_refuses(tmp_path: Path, kubectl: str) -> None:
    """The premise, against kubectl: a renamed PVC builds without error and without labels."""
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
