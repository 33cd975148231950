#!/usr/bin/env python
"""Django's command-line utility for administrative tasks."""

import os
import sys


def main():
    # The settings to load: this project\'s, unless the environment names others.
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "{{ cookiecutter.project_slug }}.settings")
    from django.core.management import execute_from_command_line

    from {{ cookiecutter.project_slug }} import errors

    # A failure ends in one line that says what to do; --traceback shows Django's traceback.
    errors.run(execute_from_command_line, sys.argv)


if __name__ == "__main__":
    main()
