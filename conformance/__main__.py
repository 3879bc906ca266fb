"""``python -m conformance ARGS`` is ``regref ARGS`` (kept for scripts written before :mod:`regref` existed)."""

from regref.cli import main

raise SystemExit(main())
