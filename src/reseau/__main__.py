"""``python -m reseau ...``: the ``reseau`` command."""

import sys

from reseau.cli import main

sys.exit(main())
