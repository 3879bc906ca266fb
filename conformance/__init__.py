"""The conformance suite: holds any backend — a port, a framework, your own — to :mod:`numpy_ref`.

Run it with ``regref check`` or ``pytest --pyargs conformance --backend NAME``; write a backend with
``docs/protocol.md``. The pieces: :mod:`~conformance.protocol` (what a backend is),
:mod:`~conformance.backends` and :mod:`~conformance.locate` (finding one where it was written, and
loading it), :mod:`~conformance.ops` (the functions and how each is compared),
:mod:`~conformance.strategies` (every input drawn), :mod:`~conformance.tolerances` and
:mod:`~conformance.ulp` (how close is close enough), :mod:`~conformance.assertions` (failures that
explain themselves), :mod:`~conformance.stats` (exact tests for a framework's own RNG),
:mod:`~conformance.deviations` (known deviations as data), :mod:`~conformance.plugin` (pytest) and
:mod:`~conformance.cache` (where its files go), :mod:`~conformance.report`, :mod:`~conformance.failures`
and :mod:`~conformance.collect` (the report that ``regref check``, in :mod:`regref.check`, prints), and
the ``test_<area>_<aspect>.py`` modules, one report row each.
"""
