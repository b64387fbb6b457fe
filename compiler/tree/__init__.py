"""Stage 3, tree: the output root's hand-written GitOps tree, read once into an inventory."""

from compiler.tree.inventory import Inventory, UnknownBuild
from compiler.tree.records import (
    ChartSource,
    ConfigMapGenerator,
    Container,
    FluxKustomization,
    HelmRelease,
    Kustomization,
    Manifest,
    PodVolume,
    Pvc,
    TreeFile,
    Workload,
)

__all__ = [
    "ChartSource",
    "ConfigMapGenerator",
    "Container",
    "FluxKustomization",
    "HelmRelease",
    "Inventory",
    "Kustomization",
    "Manifest",
    "PodVolume",
    "Pvc",
    "TreeFile",
    "UnknownBuild",
    "Workload",
]
