"""backup-policy: compile per-service backup policies into Kubernetes manifests."""

__version__ = "0.1.0"
