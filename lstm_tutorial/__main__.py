"""``python -m lstm_tutorial``: the same as the ``lstm-tutorial`` command."""

import sys

from .cli import main

sys.exit(main())
