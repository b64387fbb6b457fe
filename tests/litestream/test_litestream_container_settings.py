"""Resources and securityContext of the Litestream containers: service, else class, else
cluster; the sidecar and every restore init container get the same."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tests.litestream.example import (
    compile_tree,
    copy_example,
    edit_yaml,
    errors,
    litestream_apps,
)

APPS = "kubernetes/apps"
DEFAULT = {"allowPrivilegeEscalation": False, "readOnlyRootFilesystem": True}
# a user that is not root: no capability is needed
HARDENED = {**DEFAULT, "capabilities": {"drop": ["ALL"]}}


def _class_settings(data: Any) -> None:
    data["spec"]["classes"]["important"]["litestream"]["securityContext"] = {
        "runAsUser": 2000,
        "runAsGroup": 2000,
    }
    data["spec"]["classes"]["important"]["litestream"]["resources"] = {
        "requests": {"cpu": "20m", "memory": "64Mi"}
    }


def _service_settings(data: Any) -> None:
    data["spec"]["litestream"]["securityContext"] = {"runAsUser": 3000}
    data["spec"]["litestream"]["resources"] = {"limits": {"memory": "512Mi", "cpu": "1"}}


def _containers(apps: dict[str, Any], app: str) -> list[dict[str, Any]]:
    pod = apps[f"{APPS}/{app}"].pod_patch["spec"]["template"]["spec"]
    return [*pod["initContainers"], *pod["containers"]]


def test_service_then_class_then_cluster(tmp_path: Path) -> None:
    root = copy_example(tmp_path)
    edit_yaml(root / "policies/cluster.yaml", _class_settings)
    edit_yaml(root / "policies/services/linkding.yaml", _service_settings)
    result = compile_tree(root)
    assert result.outputs is not None and not errors(result), errors(result)
    apps = litestream_apps(result)
    for container in _containers(apps, "productivity/linkding"):  # the service's
        assert container["securityContext"] == {**HARDENED, "runAsUser": 3000}
        assert container["resources"] == {
            "requests": {"cpu": "10m", "memory": "32Mi"},
            "limits": {"cpu": "1", "memory": "512Mi"},
        }
    for container in _containers(apps, "network/python-ipam"):  # the class's
        assert container["securityContext"] == {**HARDENED, "runAsGroup": 2000, "runAsUser": 2000}
        assert container["resources"] == {
            "requests": {"cpu": "20m", "memory": "64Mi"},
            "limits": {"memory": "128Mi"},
        }
    for container in _containers(apps, "productivity/paperless"):  # critical: the cluster's
        # the user is the pod's, maybe root: a root sidecar without CAP_DAC_OVERRIDE could
        # not write a database the app's user owns, so capabilities are left as they are
        assert container["securityContext"] == DEFAULT


def test_root_user_with_run_as_non_root_is_refused(tmp_path: Path) -> None:
    root = copy_example(tmp_path)
    edit_yaml(
        root / "policies/services/linkding.yaml",
        lambda d: d["spec"]["litestream"].__setitem__(
            "securityContext", {"runAsNonRoot": True, "runAsUser": 0}
        ),
    )
    found = errors(compile_tree(root))
    assert [(d.file, d.line) for d in found] == [("policies/services/linkding.yaml", 31)]
    assert "runAsNonRoot" in found[0].message


def test_a_root_app_may_opt_out(tmp_path: Path) -> None:
    root = copy_example(tmp_path)
    edit_yaml(
        root / "policies/services/linkding.yaml",
        lambda d: d["spec"]["litestream"].__setitem__(
            "securityContext", {"runAsNonRoot": False, "runAsUser": 0}
        ),
    )
    result = compile_tree(root)
    assert result.outputs is not None and not errors(result), errors(result)
    for container in _containers(litestream_apps(result), "productivity/linkding"):
        assert container["securityContext"] == {**DEFAULT, "runAsNonRoot": False, "runAsUser": 0}
