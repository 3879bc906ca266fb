"""``python -m conformance check …``: the ``regref`` command without installing the package."""

import sys

from conformance.cli import main

sys.exit(main())
