"""``python -m reseau.run script.py [args...]``: ``reseau run``, for a Python without the
``reseau`` command on its PATH (see :mod:`reseau.cli.run`)."""

import sys

from reseau.cli.run import main

if __name__ == "__main__":
    sys.exit(main())
