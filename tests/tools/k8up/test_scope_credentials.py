"""BP343: the services of one namespace K8up Schedule (``k8up.scope: namespace``) reach its
target with one credentials Secret (``spec.credentials``), and the Schedule uses it.

On the acceptance case ``k8up-scope-credentials`` (web, api and worker of namespace apps,
class important, one Schedule): different Secrets, or one service's own Secret next to the
target's, are BP343 at each service that names its own, with the message and hint a user
reads. When every service names the same Secret the Schedule's S3 backend reads it (and
never the target's); a service naming the target's own Secret agrees with one naming none;
with ``scope: service`` each Schedule keeps its service's Secret and nothing is refused.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from compiler.core.yamlread import load_documents
from compiler.tools.k8up.schedule import FOLDER
from tests.conftest import RunCli
from tests.test_cases import _diagnostics, materialise

CASE = Path(__file__).parents[2] / "cases" / "invalid" / "k8up-scope-credentials"
SERVICES = ("web", "api", "worker")
OWN = "  credentials:\n    garage:\n      name: {}\n"
SHARED = f"{FOLDER}/apps-bp-namespace-important.yaml"


def _case(tmp: Path, secrets: dict[str, str | None]) -> Path:
    """The case with each service naming the given Secret for garage (None: the target's)."""
    root = materialise(CASE, tmp)
    for name in SERVICES:
        policy = root / "policies" / "services" / f"{name}.yaml"
        text = policy.read_text()
        if "  credentials:\n" in text:
            start = text.index("  credentials:\n")
            text = text[:start] + text[text.index("  restoreTests:") :]
        secret = secrets.get(name)
        own = OWN.format(secret) if secret else ""
        policy.write_text(text.replace("  restoreTests:", own + "  restoreTests:"))
    return root


def _bp343(root: Path) -> list[str]:
    return [line for line in _diagnostics(root) if "BP343" in line]


def _backend(root: Path, path: str) -> dict[str, Any]:
    (schedule,) = load_documents((root / "out" / path).read_text())
    assert schedule["kind"] == "Schedule"
    return dict(schedule["spec"]["backend"]["s3"])


def test_the_cli_names_each_service_and_secret_with_a_hint(tmp_path: Path, run_cli: RunCli) -> None:
    result = run_cli("validate", cwd=materialise(CASE, tmp_path))
    assert result.exit_code == 1, result.output
    lines = result.output.splitlines()
    web = (
        "policies/services/web.yaml:18:3: error [BP343] apps/web names Secret 'web-s3' for "
        "target 'garage', but the namespace K8up Schedule apps/bp-namespace-important has one "
        "backend for all its services: apps/api uses 'api-s3'; apps/worker uses 'garage-s3' "
        "(the target's)"
    )
    assert web in lines
    hint = lines[lines.index(web) + 1]
    assert hint == (
        "    hint: name the same Secret for 'garage' in every service of the Schedule, "
        "or use k8up.scope: service"
    )


def test_one_own_secret_next_to_the_targets_is_refused_at_that_service(tmp_path: Path) -> None:
    assert _bp343(_case(tmp_path, {"web": "web-s3"})) == [
        "policies/services/web.yaml:18:3: error BP343"
    ]


def test_one_secret_for_all_is_the_schedules(tmp_path: Path, run_cli: RunCli) -> None:
    root = _case(tmp_path, dict.fromkeys(SERVICES, "apps-s3"))
    result = run_cli("compile", cwd=root)
    assert result.exit_code == 0, result.output
    s3 = _backend(root, SHARED)
    assert s3["accessKeyIDSecretRef"] == {"name": "apps-s3", "key": "access-key-id"}
    assert s3["secretAccessKeySecretRef"] == {"name": "apps-s3", "key": "secret-access-key"}
    assert "garage-s3" not in (root / "out" / SHARED).read_text()


def test_naming_the_targets_secret_agrees_with_naming_none(tmp_path: Path) -> None:
    assert _bp343(_case(tmp_path, {"web": "garage-s3"})) == []


def test_scope_service_keeps_each_services_secret(tmp_path: Path, run_cli: RunCli) -> None:
    root = _case(tmp_path, {"web": "web-s3", "api": "api-s3"})
    cluster = root / "policies" / "cluster.yaml"
    cluster.write_text(cluster.read_text().replace("scope: namespace", "scope: service"))
    cluster.write_text(cluster.read_text().replace('"0 10 * * 6"', "H H(8-20) * * 6"))
    result = run_cli("compile", cwd=root)
    assert result.exit_code == 0, result.output
    for name, secret in (("web", "web-s3"), ("api", "api-s3"), ("worker", "garage-s3")):
        s3 = _backend(root, f"kubernetes/apps/apps/{name}/backup/k8up-schedule.yaml")
        assert s3["accessKeyIDSecretRef"]["name"] == secret, name
