"""A failed `manage.py` command ends in one line that says what is wrong and what to do.

Django prints a whole traceback for anything that is not a CommandError: a mistyped
DATABASE_URL, a value in .env that is not a number, a stylesheet that points at a missing
image. The cause is then the last of 40-80 lines, phrased for Django's own developers. Here
the traceback goes to .run/last-error.txt and the terminal gets one line; `--traceback`
prints it as Django does.
"""

import errno
import os
import re
import sys
import traceback
from contextlib import suppress
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from django.core.exceptions import ImproperlyConfigured
from django.db import DatabaseError

HERE = Path(__file__).resolve()
PROJECT = HERE.parent.parent
TRACEBACK_FILE = PROJECT / ".run" / "last-error.txt"


def execute_from_command_line(argv: list[str]) -> None:
    """Django's execute_from_command_line(argv), through run()."""
    from django.core.management import execute_from_command_line as django_command_line

    run(django_command_line, argv)


def run(command, argv: list[str]) -> None:
    """command(argv), ending in one line (exit status 1) if it raises."""
    if "--traceback" in argv:
        command(argv)
        return
    try:
        command(argv)
    except Exception as exc:  # noqa: BLE001 (every failure gets its line)
        where = "add --traceback to see it"
        with suppress(OSError):
            TRACEBACK_FILE.parent.mkdir(exist_ok=True)
            TRACEBACK_FILE.write_text(traceback.format_exc())
            shown = TRACEBACK_FILE
            if shown.is_relative_to(PROJECT):
                shown = shown.relative_to(PROJECT)
            where = f"traceback in {shown}"
        print(f"ERROR: {explain(exc)} ({where}).", file=sys.stderr)
        sys.exit(1)


def explain(exc: BaseException) -> str:
    """What went wrong and what to do, in one line."""
    message = one_line(exc)
    setting = environment_variable(exc)
    if setting is not None:
        name, value = setting
        return f"{name}={value!r} cannot be read: {message}. Fix it in .env or the environment"
    if isinstance(exc, OSError) and exc.errno is not None:
        return file_error(exc)
    missing = missing_static_file(exc, message)
    if missing:
        return missing
    if isinstance(exc, ImproperlyConfigured) and raised_in(exc, "settings"):
        return message
    if isinstance(exc, DatabaseError) or raised_in(exc, "django.db"):
        return database_error(message)
    if isinstance(exc, ImproperlyConfigured):
        return message
    return f"{type(exc).__name__}: {message}{project_line(exc)}"


def one_line(exc: BaseException) -> str:
    return " ".join(str(exc).split()).rstrip(".") or type(exc).__name__


def frames(exc: BaseException):
    """Every frame of the traceback, with those of the exceptions it was raised from."""
    seen = set()
    while exc is not None and id(exc) not in seen:
        seen.add(id(exc))
        tb = exc.__traceback__
        while tb is not None:
            yield tb.tb_frame
            tb = tb.tb_next
        exc = exc.__cause__ or exc.__context__


def environment_variable(exc: BaseException) -> tuple[str, str] | None:
    """(name, value) when django-environ failed to convert a variable, as in env.int(...)."""
    for frame in frames(exc):
        if frame.f_globals.get("__name__", "").startswith("environ") and "var" in frame.f_locals:
            name = str(frame.f_locals["var"])
            if name in os.environ:
                return name, os.environ[name]
    return None


def file_error(exc: OSError) -> str:
    path = f" {exc.filename}" if exc.filename else ""
    problem = f"{exc.strerror or exc}:{path}"
    if exc.errno == errno.ENOSPC:
        return f"{problem}: free some space, then run the command again"
    if exc.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
        return (  # reading a source as often as writing a copy: both said, neither assumed
            f"{problem}: check who may read and write it (ls -l), run as a user who may, or "
            "point the setting elsewhere"
        )
    return problem


def raised_in(exc: BaseException, module: str) -> bool:
    """Whether the innermost frame of exc's own traceback is in that module (or package), or
    in a `settings` module or package of any name when module is "settings"."""
    tb = exc.__traceback__
    while tb is not None and tb.tb_next is not None:
        tb = tb.tb_next
    name = tb.tb_frame.f_globals.get("__name__", "") if tb is not None else ""
    if module == "settings":
        return "settings" in name.split(".")
    return name == module or name.startswith(module + ".")


def missing_static_file(exc: BaseException, message: str) -> str | None:
    """collectstatic's post-processing met a reference to a file that is not among the static
    files. WhiteNoise's wording names the referring file; Django's does not, but the frame of
    its post-processing loop holds it."""
    named = re.search(
        r"The \w+ file '(.+?)' references a file which could not be found: (\S+)", message
    )
    found = named or re.search(r"()The file '(.+?)' could not be found with", message)
    if not found:
        return None
    referrer, missing = found.groups()
    referrers = (
        [referrer]
        if referrer
        else [
            frame.f_locals["name"]
            for frame in frames(exc)
            if frame.f_code.co_name == "_post_process"
            and isinstance(frame.f_locals.get("name"), str)
        ]
    )
    where = f"{referrers[-1] if referrers else 'a static file'} references {missing}"
    return (
        f"{where}, which is not among the static files: fix the reference (a relative one "
        "starts from the referring file's folder) or add the file, then run collectstatic"
    )


def database_error(message: str) -> str:
    url = redacted(os.environ.get("DATABASE_URL", ""))
    database = f"DATABASE_URL={url}" if url else "the default SQLite database (db.sqlite3)"
    if "psycopg" in message:
        return (
            f"{database} is PostgreSQL, and its driver is not installed: add psycopg[binary] "
            "to requirements.txt, then make install"
        )
    if "mysqlclient" in message or "MySQLdb" in message:
        return (
            f"{database} is MySQL, and its driver is not installed: add mysqlclient "
            "to requirements.txt, then make install"
        )
    if "isn't an available database backend" in message:
        return (
            f"{database} names no database this project knows: use postgres://, mysql:// "
            "or sqlite:///, in .env or the environment"
        )
    if re.search(r"no such table|relation .* does not exist", message):
        return f"{message}: the tables are missing; make migrate creates them"
    return f"{database} cannot be used: {message}. Check DATABASE_URL, and that the server runs"


def redacted(url: str) -> str:
    """The URL without its password."""
    parts = urlsplit(url)
    if not parts.password:
        return url
    netloc = parts.netloc.replace(f":{parts.password}@", ":***@")
    return urlunsplit(parts._replace(netloc=netloc))


def project_line(exc: BaseException) -> str:
    """Where in the project's own code it was raised (not in a library)."""
    last = None
    for tb in traceback.extract_tb(exc.__traceback__):
        path = Path(tb.filename)
        if path.is_relative_to(PROJECT) and ".venv" not in path.parts and path != HERE:
            last = f", at {path.relative_to(PROJECT)}:{tb.lineno}"
    return last or ""
