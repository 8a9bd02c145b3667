"""``python -m reseau.labs NAME [--quick] [--out DIR] [--seed N]``: ``reseau lab``."""

import sys

from reseau.cli.lab import main

sys.exit(main())
