"""``python -m reseau.ops``: print the table of primitives (Markdown), as ``reseau ops``."""

import sys

from reseau.cli import main

sys.exit(main(["ops"]))
