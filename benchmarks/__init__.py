"""The benchmark of issue 10: per-stage time and memory, beside ``kubectl kustomize``.

Run ``python -m benchmarks --help``; figures and how to read them are in README.md here.
"""
