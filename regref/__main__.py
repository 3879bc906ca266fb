"""``python -m regref ARGS`` is ``regref ARGS``, installed or not."""

from regref.cli import main

raise SystemExit(main())
