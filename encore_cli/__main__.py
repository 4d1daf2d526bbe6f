"""``python -m encore_cli`` is the ``encore`` command."""

import sys

from encore_cli.main import main

sys.exit(main())
