"""The pod Litestream joins, and what else cleans its bucket.

- The sidecar's metrics port is in the app's pod: a port a container of the pod already
  uses (a ``containerPort``, or the target of an app-template service of its controller)
  cannot be bound twice.
- A blunt age-based cleanup (``mc rm --older-than``, ``rclone delete --min-age``) over a
  whole bucket deletes the only copy of an app stopped for longer than the age; beside the
  generated generation-aware cleanup it is a warning that names where it is written.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from typing import Any

from msgspec import Struct

from compiler.analyse import EffectiveService
from compiler.core.data import mapping_at
from compiler.core.diagnostics import Diagnostic
from compiler.rules import TreeContext, tree_rule
from compiler.tools.litestream.existing import is_litestream
from compiler.tools.litestream.resolve import resolve
from compiler.tools.litestream.settings import SERVICE
from compiler.tree import HelmRelease, Inventory
from compiler.tree.containers import app_containers, service_ports, values_files
from compiler.tree.fluxreleases import app_release

TOOL = "litestream"


def _controller(workload_controller: str | None, values: Mapping[str, Any]) -> str:
    if workload_controller:
        return workload_controller
    controllers = values.get("controllers")
    names = list(controllers) if isinstance(controllers, Mapping) else []
    return str(names[0]) if len(names) == 1 else ""


def _release_values(release: HelmRelease) -> Mapping[str, Any]:
    if release.values is not None:
        return release.values
    return mapping_at(release.manifest.body, "spec", "values")


def pod_ports(inventory: Inventory, service: EffectiveService) -> list[tuple[int, str]]:
    """The ports the service's pod uses already, with what uses each."""
    workload = service.source.policy.spec.workload
    owner = f"{workload.kind} {workload.name}"
    containers = [c for c in app_containers(inventory, service.app_dir) if c.owner == owner]
    controller = ""
    found: list[tuple[int, str]] = []
    if workload.kind == "HelmRelease":
        release = app_release(inventory, service.app_dir, workload.name)
        if release is None:
            return []
        values = _release_values(release)
        controller = _controller(workload.controller, values)
        found += [(p, f"{what} of {owner}") for p, what in service_ports(values, controller)]
    for container in containers:
        if is_litestream(container) or (controller and container.controller != controller):
            continue
        found += [(p, f"container {container.name} of {owner}") for p in container.ports]
    return found


@tree_rule(
    "BP376",
    "litestream-metrics-port",
    "error",
    passing="litestream: {metricsPort: 9091}  # the app listens on 9090",
    failing="service: {app: {ports: {http: {port: 9090}}}}  # and metricsPort absent (9090)",
)
def metrics_port(context: TreeContext) -> Iterator[Diagnostic]:
    """The sidecar's metrics port is free in the app's pod.

    The containers of a pod share one network namespace: a port the app already listens on
    cannot be bound again, so either Litestream or the app fails to start. The pod's ports
    are the ``containerPort`` of its containers and, for an app-template release, the
    targets of the services of its controller.
    """
    cluster = context.analysis.policies.cluster.policy.spec
    for service in context.analysis.services:
        spec = resolve(cluster, service)
        if spec is None:
            continue
        used = pod_ports(context.inventory, service)
        taken = [what for port, what in used if port == spec.metrics_port]
        if not taken:
            continue
        free = spec.metrics_port + 1
        while any(port == free for port, _ in used):
            free += 1
        override = SERVICE.of(service.source.policy.spec)
        own = override is not None and override.metrics_port is not None
        yield metrics_port.at(
            service.source.doc,
            ("spec", "litestream", "metricsPort") if own else ("spec", "sqlite"),
            f"Litestream's metrics port {spec.metrics_port} is already used in the pod of "
            f"{service.key} ({taken[0]}): the sidecar or the app cannot bind it",
            f"set spec.litestream.metricsPort to a free port, e.g. {free}",
            key=not own,
        )


_MC = re.compile(r"\bmc\s+rm\b(?=.*--older-than)(?P<args>.*)$")
_RCLONE = re.compile(r"\brclone\s+(?:delete|purge)\b(?=.*--min-age)(?P<args>.*)$")


class Blunt(Struct, frozen=True):
    file: str
    line: int
    command: str


def _whole_bucket(line: str) -> bool:
    """Whether the command's target is a whole bucket (``alias/bucket/``, ``remote:bucket``)."""
    for pattern, split in ((_MC, "/"), (_RCLONE, ":")):
        match = pattern.search(line)
        if match is None:
            continue
        words = [w.strip("'\"") for w in match.group("args").split() if not w.startswith("-")]
        targets = [w for w in words if split in w]
        if not targets:
            return False
        inside = targets[0].partition(split)[2] if split == ":" else targets[0]
        return len([p for p in inside.strip("/").split("/") if p]) <= (1 if split == ":" else 2)
    return False


def _strings(node: Any) -> Iterator[str]:
    if isinstance(node, str):
        yield node
    elif isinstance(node, Mapping):
        for value in node.values():
            yield from _strings(value)
    elif isinstance(node, list):
        for item in node:
            yield from _strings(item)


def _lines(data: Any) -> Iterator[str]:
    for text in _strings(data):
        if "older-than" in text or "min-age" in text:
            yield from (line.strip() for line in text.splitlines() if _whole_bucket(line))


def _sources(inventory: Inventory) -> Iterator[tuple[str, Any]]:
    """(file, data) of every hand-written manifest and every release values file."""
    for manifest in inventory.manifests:
        yield manifest.file, manifest.body
    for release in inventory.helm_releases:
        yield from values_files(inventory, release)[:-1]


def blunt_cleanups(inventory: Inventory) -> list[Blunt]:
    """Every blunt whole-bucket cleanup command written in the tree, once per file."""
    found: dict[str, Blunt] = {}
    for file, data in _sources(inventory):
        for command in _lines(data):
            if file in found:
                break
            text = (inventory.files[file].text or "") if file in inventory.files else ""
            number = next((n for n, t in enumerate(text.splitlines(), 1) if command in t), 1)
            found[file] = Blunt(file, number, command)
    return sorted(found.values(), key=lambda b: b.file)


@tree_rule(
    "BP377",
    "litestream-blunt-cleanup",
    "warning",
    passing="the generated litestream-cleanup CronJob alone cleans the bucket",
    failing="command: [sh, -c, 'mc rm --recursive --force --older-than 7d garage/litestream/']",
)
def blunt_cleanup(context: TreeContext) -> Iterator[Diagnostic]:
    """No blunt age-based cleanup runs over a Litestream bucket beside the generated one.

    ``mc rm --recursive --force --older-than 7d`` (or ``rclone delete --min-age``) over a
    whole bucket deletes every object older than the age: all of an app that was stopped
    for that long, its newest generation included. The generated cleanup keeps each
    database's newest generation; the blunt one undoes that.
    """
    generated = [s.folder for s in context.plan.shared if TOOL in s.owners]
    if not generated:
        return
    inventory = context.inventory
    for blunt in blunt_cleanups(inventory):
        yield blunt_cleanup.diagnostic(
            inventory.shown(blunt.file),
            blunt.line,
            1,
            f"a blunt age-based cleanup beside the generated one: `{blunt.command}` deletes "
            "every object older than its age in the whole bucket, the only copy of an app "
            "stopped that long included",
            f"remove it; the generated cleanup in {inventory.shown(generated[0])} keeps each "
            "database's newest generation",
        )


RULES = (metrics_port, blunt_cleanup)
