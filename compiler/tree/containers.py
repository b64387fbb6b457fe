"""The containers an app's hand-written files run: workloads and Helm release values.

A container is written in a Deployment, StatefulSet, DaemonSet, Job or CronJob manifest, or
in a HelmRelease's values wherever a mapping has an ``image`` (bjw-s app-template's
``controllers.<id>.containers.<name>`` and ``initContainers``, other charts' sidecar blocks).
Each says which file writes it and where in that file, so a message can tell the user how
to remove it. The backup Component's generated patches are not hand-written: they are left
out.
"""

from __future__ import annotations

import posixpath
from collections.abc import Iterator, Mapping
from typing import Any

from msgspec import Struct

from compiler.core.data import mapping_at
from compiler.tree.inventory import Inventory
from compiler.tree.records import HelmRelease

ValuesPath = tuple[str | int, ...]


class AppContainer(Struct, frozen=True):
    """One container: ``where`` locates it in ``file`` (``values controllers.app...`` for a
    release's values), ``owner`` is the object that runs it, ``controller`` the app-template
    controller it belongs to."""

    name: str
    image: str
    init: bool
    file: str
    where: str
    owner: str
    controller: str = ""
    ports: tuple[int, ...] = ()

    @property
    def repository(self) -> str:
        return image_parts(self.image)[0]

    @property
    def tag(self) -> str:
        return image_parts(self.image)[1]


def image_parts(image: str) -> tuple[str, str]:
    """(repository, tag) of an image reference; a digest is dropped, a missing tag is ''."""
    reference = image.split("@", 1)[0]
    repository, colon, tag = reference.rpartition(":")
    if not colon or "/" in tag:
        return reference, ""
    return repository, tag


def _mine(app_dir: str, path: str) -> bool:
    return path.startswith(f"{app_dir}/") and not path.startswith(f"{app_dir}/backup/")


def _ports(node: Mapping[str, Any]) -> tuple[int, ...]:
    ports = node.get("ports")
    found = []
    for port in ports if isinstance(ports, list) else []:
        number = port.get("containerPort") if isinstance(port, Mapping) else None
        if isinstance(number, int) and not isinstance(number, bool):
            found.append(number)
    return tuple(found)


def _image(node: Mapping[str, Any]) -> str:
    image = node.get("image")
    if isinstance(image, str):
        return image
    if not isinstance(image, Mapping) or not image.get("repository"):
        return ""
    tag = image.get("tag")
    return f"{image['repository']}:{tag}" if tag not in (None, "") else str(image["repository"])


def _with_image(node: Any, path: ValuesPath) -> Iterator[tuple[ValuesPath, Mapping[str, Any]]]:
    """Every mapping below the values' top that has an ``image`` (a container, by the look)."""
    if isinstance(node, Mapping):
        if path and "image" in node and _image(node):
            yield path, node
        for key, value in node.items():
            yield from _with_image(value, (*path, str(key)))
    elif isinstance(node, list):
        for index, item in enumerate(node):
            yield from _with_image(item, (*path, index))


def _has(data: Any, path: ValuesPath) -> bool:
    for part in path:
        if isinstance(part, int):
            data = data[part] if isinstance(data, list) and len(data) > part else None
        else:
            data = data.get(part) if isinstance(data, Mapping) else None
        if data is None:
            return False
    return True


def values_files(inventory: Inventory, release: HelmRelease) -> list[tuple[str, Any]]:
    """The files a release's values come from, as (file, values), last one wins: each
    ``valuesFrom`` ConfigMap made by the folder's ``configMapGenerator``, then the release's
    own ``spec.values``."""
    manifest = release.manifest
    folder = manifest.file.rpartition("/")[0] or "."
    kustomization = inventory.kustomization_in(folder)
    generators = {g.name: g for g in kustomization.generators} if kustomization else {}
    spec = mapping_at(manifest.body, "spec")
    found: list[tuple[str, Any]] = []
    sources = spec.get("valuesFrom")
    for source in sources if isinstance(sources, list) else []:
        if not isinstance(source, Mapping) or source.get("kind") != "ConfigMap":
            continue
        generator = generators.get(str(source.get("name") or ""))
        key = str(source.get("valuesKey") or "values.yaml")
        for file_key, file in generator.files if generator is not None else ():
            path = posixpath.normpath(posixpath.join(folder, file))
            read = inventory.documents(path) if file_key == key else []
            if isinstance(read, list) and len(read) == 1:
                found.append((path, read[0].data))
    found.append((manifest.file, spec.get("values")))
    return found


def written_in(inventory: Inventory, release: HelmRelease, path: ValuesPath) -> str:
    """The file whose values set ``path`` (the last that does; the release's own file if
    none can be told)."""
    for file, values in reversed(values_files(inventory, release)):
        if _has(values, path):
            return str(file)
    return release.manifest.file


def _dotted(path: ValuesPath) -> str:
    return ".".join(f"[{p}]" if isinstance(p, int) else p for p in path).replace(".[", "[")


def _release_containers(inventory: Inventory, release: HelmRelease) -> Iterator[AppContainer]:
    values = release.values
    if values is None:
        values = mapping_at(release.manifest.body, "spec", "values")
    owner = f"HelmRelease {release.manifest.name}"
    for path, node in _with_image(values, ()):
        last = path[-1]
        name = str(node.get("name") or "") if isinstance(last, int) else last
        controller = str(path[1]) if len(path) > 1 and path[0] == "controllers" else ""
        yield AppContainer(
            name,
            _image(node),
            "initContainers" in path,
            written_in(inventory, release, path),
            f"values {_dotted(path)}",
            owner,
            controller,
            _ports(node),
        )


def _containers_by_app(inventory: Inventory) -> dict[str, tuple[AppContainer, ...]]:
    """Per inventory, the containers of each app asked for so far."""
    return {}


def app_containers(inventory: Inventory, app_dir: str) -> tuple[AppContainer, ...]:
    """Every container the app's hand-written workloads and HelmRelease values run, found
    once per app and inventory (the Litestream rules ask four times per service)."""
    known = inventory.derived(_containers_by_app)
    if app_dir not in known:
        known[app_dir] = tuple(_app_containers(inventory, app_dir))
    return known[app_dir]


def _app_containers(inventory: Inventory, app_dir: str) -> list[AppContainer]:
    found = []
    for workload in inventory.workloads_under(app_dir):
        manifest = workload.manifest
        if not _mine(app_dir, manifest.file):
            continue
        for container in workload.containers:
            key = "initContainers" if container.init else "containers"
            found.append(
                AppContainer(
                    container.name,
                    container.image,
                    container.init,
                    manifest.file,
                    f"spec.template.spec.{key}[{container.name}]",
                    f"{manifest.kind} {manifest.name}",
                    ports=container.ports,
                )
            )
    for release in inventory.helm_releases_under(app_dir):
        if _mine(app_dir, release.manifest.file):
            found.extend(_release_containers(inventory, release))
    return found


def service_ports(values: Mapping[str, Any], controller: str) -> list[tuple[int, str]]:
    """The ports app-template's ``service:`` entries of ``controller`` send to its pod
    (``targetPort``, else ``port``), each with what declares it."""
    found = []
    services = values.get("service")
    for name, service in services.items() if isinstance(services, Mapping) else ():
        if not isinstance(service, Mapping) or service.get("enabled") is False:
            continue
        if service.get("controller", controller) != controller:
            continue
        ports = service.get("ports")
        for port_name, port in ports.items() if isinstance(ports, Mapping) else ():
            if not isinstance(port, Mapping) or port.get("enabled") is False:
                continue
            number = port.get("targetPort")
            number = number if isinstance(number, int) else port.get("port")
            if isinstance(number, int) and not isinstance(number, bool):
                found.append((number, f"service {name} port {port_name}"))
    return found
