"""``python -m loopnet``: the same as the ``loopnet`` command (see :mod:`loopnet.cli`)."""
import sys

from .cli import main

sys.exit(main())
