"""``python -m experiments ARGS`` = ``regref demo ARGS``."""

import sys

from .cli import main

raise SystemExit(main(sys.argv[1:]))
