"""regref: a framework-agnostic reference for the L2 penalty, weight-decay updates and inverted dropout.

The distribution's front door. The reference and its ports are the top-level packages ``numpy_ref``,
``jax_impl`` and ``torch_impl``; the suite that holds any backend to the reference is ``conformance``.
This package holds the ``regref`` command (:mod:`regref.cli`: ``regref check``, the main job, and
``regref demo``) and the chapter's experiments (:mod:`regref.demos`). ``python -m regref`` is the same
command, and runs from a checkout without installing anything.
"""

__all__ = ["__version__"]

#: The one place the version is written: pyproject.toml reads it from here.
__version__ = "0.1.0"
