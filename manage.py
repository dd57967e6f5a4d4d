#!/usr/bin/env python
"""Django's command-line utility for cpdash."""

import os
import sys


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cpdash.settings")
    from django.core.management import execute_from_command_line

    if sys.argv[1:2] == ["runserver"]:
        from cpdash.startup import require_secret_key

        require_secret_key()
    execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()
