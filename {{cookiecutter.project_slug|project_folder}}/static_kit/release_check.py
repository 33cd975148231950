"""deploy/start's check of the release, once before granian starts its workers:

    python -m static_kit.release_check

It builds Django's application as each worker will (static_server.django_application, with
the start-up refusal of checks.py) but not the front, whose index of STATIC_ROOT each worker
builds for itself. A refused release exits 1 with its message on one line on stderr, once,
instead of in every worker, which granian would start again and again. Otherwise it prints
the fingerprint of the manifest it checked, which deploy/start hands the workers: a worker
that loads the same manifest skips the same check (checks.py).

Importing wsgi.py here instead, as deploy/start did, loaded WhiteNoiseMiddleware, which indexed
all of STATIC_ROOT (unhashed copies and .br/.gz included) only to throw it away: 3-4 s of a
6 s start at 20,000 files.
"""

import contextlib
import sys

from django.core.exceptions import ImproperlyConfigured


def checked_release() -> str:
    """The start-up refusal, as a worker meets it; the fingerprint of the manifest checked."""
    from .checks import checked_manifest
    from .static_server import django_application

    django_application()
    return checked_manifest()


def main() -> int:
    try:
        with contextlib.redirect_stdout(sys.stderr):  # stdout carries the fingerprint alone
            fingerprint = checked_release()
    except ImproperlyConfigured as error:
        print(f"ERROR: {error}", file=sys.stderr)
        return 1
    print(fingerprint)
    return 0


if __name__ == "__main__":
    sys.exit(main())
