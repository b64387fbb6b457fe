"""Restore drills as data (``backup-policy drill``): what each tool contributes to one run.

A drill of a restore test is a folder of manifests, applied by hand, and a checklist with the
exact commands. Tools contribute through :class:`ToolDrills`: for a test whose ``type`` is
theirs (and for ``full-dr``, the cold-start runbook over every tool) a :class:`DrillPart`
with the files, the steps, the test namespaces it restores into, the Secrets those need,
the scripts its pods run and the commands that clean up after it. The drill command adds
what every drill shares (the silence, the namespaces, the scripts, the ``record`` line) and
never names a tool.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import shlex
from collections.abc import Iterable, Mapping, Sequence
from typing import Any, Protocol

from msgspec import Struct, field

from compiler.analyse import Analysis, EffectiveService
from compiler.model.cluster import ClusterSpec
from compiler.model.images import Images
from compiler.model.restore import RestoreTest
from compiler.plan.types import MANAGED_BY, Document
from compiler.tree import Inventory

DRILL_LABEL = "backup-policy.io/drill"
SCRIPTS_CONFIG_MAP = "bp-drill-scripts"

# The order of a cold start (full-dr): the targets answer, the objects are back, then the
# volumes, then the databases that live on them.
PHASE_TARGETS = 0
PHASE_OBJECTS = 1
PHASE_VOLUMES = 2
PHASE_DATABASES = 3


def dns_name(*parts: str, limit: int = 63) -> str:
    """``parts`` joined by '-', shortened with a hash to ``limit`` characters."""
    name = "-".join(parts)
    if len(name) <= limit:
        return name
    digest = hashlib.sha256(name.encode()).hexdigest()[:8]
    return f"{name[: limit - 9].rstrip('-')}-{digest}"


def restore_namespace(namespace: str) -> str:
    """``<namespace>-restore-test``: where a drill restores, beside the live namespace."""
    return dns_name(namespace, "restore-test")


class DrillFile(Struct, frozen=True):
    """Manifests of a drill: a file of its folder (``name`` relative to it), the documents
    and the policy files they come from (the restore plan is added)."""

    name: str
    documents: tuple[Document, ...]
    sources: tuple[str, ...] = ()


class DrillStep(Struct, frozen=True):
    """One checklist item: what to do and the exact commands. For full-dr, the service it
    restores ('' for the tool as a whole) and its phase order the runbook."""

    text: str
    commands: tuple[str, ...] = ()
    service: str = ""
    phase: int = PHASE_VOLUMES


class SecretCopy(Struct, frozen=True):
    """A Secret a drill's pods read in a test namespace, copied from the live namespace."""

    name: str
    source: str
    target: str


class DrillPart(Struct, frozen=True):
    """What one tool (named as people write it) contributes to one drill: its steps and
    files, the test namespaces it restores into (created, silenced and deleted by the drill),
    the Secrets they need, the scripts of ``templates/drill/`` its pods run (shipped in the
    ConfigMap ``bp-drill-scripts`` of each namespace) and its own clean-up commands."""

    tool: str
    steps: tuple[DrillStep, ...]
    files: tuple[DrillFile, ...] = ()
    namespaces: tuple[str, ...] = ()
    secrets: tuple[SecretCopy, ...] = ()
    scripts: tuple[str, ...] = ()
    cleanup: tuple[str, ...] = ()


def not_restored(
    services: Sequence[EffectiveService], restored: Iterable[EffectiveService], what: str
) -> list[DrillStep]:
    """The checklist line naming the services of the scope that ``what`` does not restore
    (none when it restores every one)."""
    done = {id(service) for service in restored}
    missing = [s.key for s in services if id(s) not in done]
    return [DrillStep(f"{what}: {', '.join(missing)}")] if missing else []


def secrets_in_order(found: Iterable[SecretCopy]) -> tuple[SecretCopy, ...]:
    """Each Secret to copy once, by test namespace and name."""
    return tuple(sorted(set(found), key=lambda s: (s.target, s.name)))


class DrillContext(Struct, frozen=True):
    """What a tool drills from: the analysis, the day of the run, the drill's folder
    (``folder`` relative to the output root, ``shown`` as the commands name it) and the
    tree, read once (what the tree's own backup objects say)."""

    analysis: Analysis
    date: dt.date
    folder: str
    shown: str
    inventory: Inventory = field(default_factory=Inventory)

    @property
    def cluster(self) -> ClusterSpec:
        return self.analysis.policies.cluster.policy.spec

    @property
    def images(self) -> Images:
        return self.cluster.images

    @property
    def stamp(self) -> str:
        """The day as ``YYYYMMDD``, for the names of one-off objects."""
        return self.date.strftime("%Y%m%d")

    def labels(self, test: RestoreTest) -> dict[str, str]:
        """The labels of every object the drill of ``test`` creates."""
        return dict(sorted({**MANAGED_BY, DRILL_LABEL: test.id}.items()))

    def path(self, name: str) -> str:
        """A file of the drill as the commands name it."""
        return shlex.quote(f"{self.shown}/{name}")

    def apply(self, name: str) -> str:
        return f"kubectl apply -f {self.path(name)}"


class ToolDrills(Protocol):
    """What the drill asks of a backup tool (None: the test is not the tool's)."""

    def drill(
        self, context: DrillContext, test: RestoreTest, services: Sequence[EffectiveService]
    ) -> DrillPart | None: ...


def patched_apply(path: str, patch: Mapping[str, Any]) -> str:
    """``kubectl apply`` of a drill file with the values known only at run time merged in
    (``patch`` holds shell variables like ``$SIZE``: the command is double-quoted)."""
    text = json.dumps(patch, separators=(",", ":")).replace('"', '\\"')
    return f'kubectl patch --local -f {path} --type merge -p "{text}" -o yaml | kubectl apply -f -'
