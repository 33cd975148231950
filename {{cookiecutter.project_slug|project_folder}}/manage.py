#!/usr/bin/env python
"""Django's command-line utility for administrative tasks."""

import os
import sys


def main():
    """Run administrative tasks."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "{{ cookiecutter.project_slug }}.settings")
    # Django's, with a failure ending in one line that says what to do (--traceback: all of it).
    from static_kit.errors import execute_from_command_line

    execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()
