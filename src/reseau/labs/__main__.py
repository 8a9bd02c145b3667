"""``python -m reseau.labs NAME [--quick] [--out DIR] [--seed N]``."""

import sys

from .cli import main

sys.exit(main())
