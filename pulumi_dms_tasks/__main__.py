"""``python -m pulumi_dms_tasks``: the ``dms-tasks`` command line."""

from __future__ import annotations

import sys

from ._cli import main

if __name__ == "__main__":
    sys.exit(main())
