"""``python -m conformance.native``: ``regref check --native`` without the ``regref`` command."""

import sys

from conformance.native.report import main

sys.exit(main())
