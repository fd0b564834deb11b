#!/usr/bin/env python
"""Django's command-line utility for administrative tasks."""

from __future__ import annotations

import os
import sys


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kyivguide.settings")
    from django.core.management import execute_from_command_line

    from kyivguide.env import check_settings_or_exit

    check_settings_or_exit()
    execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()
