"""Benchmark: per-stage time and peak memory for the example and N synthetic services.

    python benchmarks/run.py [--services 1000] [--repeat 5]

Also times `kubectl kustomize` building the generated tree of the example, for scale.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from compiler.config import RunConfig  # noqa: E402
from compiler.pipeline.build import build  # noqa: E402
from compiler.pipeline.validate import validate  # noqa: E402
from compiler.write import apply  # noqa: E402

SERVICE = """apiVersion: backup-policy/v1alpha1
kind: ServicePolicy
metadata: {{name: svc-{i}, namespace: ns-{ns}}}
spec:
  classification: important
  owner: bench
  storage: longhorn{methods}
  workload: {{kind: Deployment, name: svc-{i}}}
  volumes: [{{name: data, claim: svc-{i}-data, mountPath: /data}}]
"""
APP = """apiVersion: kustomize.config.k8s.io/v1beta1
kind: Kustomization
resources: []
components: [./backup]
"""


# One restic repository takes one backup start per minute: the example's nightly window
# H(0-5) holds 360, so a quarter of the services use K8up as well as Longhorn (BP341 would
# rightly refuse 1000 K8up backups in six hours on one target).
LONGHORN_ONLY = "\n  methods: [longhorn]"


def synthetic(root: Path, count: int) -> Path:
    """A policy repo with ``count`` services over 50 namespaces; every 4th also uses K8up."""
    policies = root / "policies"
    (policies / "services").mkdir(parents=True)
    shutil.copyfile(REPO / "policies/cluster.yaml", policies / "cluster.yaml")
    for i in range(count):
        methods = "" if i % 4 == 0 else LONGHORN_ONLY
        (policies / "services" / f"svc-{i}.yaml").write_text(
            SERVICE.format(i=i, ns=i % 50, methods=methods)
        )
        app = root / "out/kubernetes/apps" / f"ns-{i % 50}" / f"svc-{i}"
        app.mkdir(parents=True)
        (app / "kustomization.yaml").write_text(APP)
    return policies


def measure(policies: Path, repeat: int, label: str) -> None:
    config = RunConfig(policies=policies)
    walls, stages = [], {}
    for _ in range(repeat):
        started = time.perf_counter()
        result = build(config)
        walls.append(time.perf_counter() - started)
        for stage, seconds in result.timings.stages.items():
            stages.setdefault(stage, []).append(seconds)
    errors = [d for d in result.diagnostics.items if d.level == "error"]
    assert not errors, errors[:3]
    tracemalloc.start()
    build(config)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    started = time.perf_counter()
    validate(config)
    validate_wall = time.perf_counter() - started
    print(
        f"{label}: build (check) median {statistics.median(walls) * 1000:.1f} ms, "
        f"validate {validate_wall * 1000:.1f} ms, peak traced memory {peak / 2**20:.1f} MiB, "
        f"{len(result.outputs or {})} files"
    )
    for stage, values in stages.items():
        print(f"    {stage:14} {statistics.median(values) * 1000:8.1f} ms")
    if result.changes is not None:
        started = time.perf_counter()
        apply(result.changes)
        print(f"    {'write':14} {(time.perf_counter() - started) * 1000:8.1f} ms")


def cli_wall(args: list[str]) -> float:
    started = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "compiler", *args], cwd=REPO, check=False, capture_output=True
    )
    return time.perf_counter() - started


def kustomize_wall(root: Path) -> None:
    if shutil.which("kubectl") is None:
        print("kubectl not found: kustomize comparison skipped")
        return
    folders = sorted(
        {
            p.parent
            for p in root.rglob("kustomization.yaml")
            if (p.parent / "backup").is_dir() or p.parent.name == "app"
        }
    )
    started = time.perf_counter()
    failed = [
        f
        for f in folders
        if subprocess.run(
            ["kubectl", "kustomize", str(f)], check=False, capture_output=True
        ).returncode
    ]
    print(
        f"kubectl kustomize of {len(folders)} app folders: "
        f"{(time.perf_counter() - started) * 1000:.0f} ms ({len(failed)} failed)"
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--services", type=int, nargs="*", default=[100, 1000])
    parser.add_argument("--repeat", type=int, default=5)
    options = parser.parse_args()
    measure(REPO / "policies", options.repeat, "example homelab")
    print(
        f"CLI wall incl. interpreter start: validate {cli_wall(['validate']) * 1000:.0f} ms, "
        f"check {cli_wall(['check']) * 1000:.0f} ms"
    )
    kustomize_wall(REPO / "out")
    for count in options.services:
        with tempfile.TemporaryDirectory() as tmp:
            policies = synthetic(Path(tmp), count)
            measure(policies, max(1, options.repeat // 2), f"{count} synthetic services")


if __name__ == "__main__":
    main()
