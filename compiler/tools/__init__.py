"""The backup tools, one package each, all behind :class:`compiler.tools.base.Tool`.

The explicit list of tools the stages loop over is ``compiler/toolset.py``; no stage
names a tool, and no tool imports another.
"""
