"""errors.py: a failed manage.py command ends in one line that names the fix."""

import errno

import pytest
from django.core.management import call_command

from static_kit import errors


def raised(callable_, *args):
    try:
        callable_(*args)
    except Exception as exc:  # noqa: BLE001
        return exc
    raise AssertionError(f"{callable_} did not raise")


def test_a_value_django_environ_cannot_convert_is_named_with_its_value(monkeypatch):
    import environ

    monkeypatch.setenv("DJANGO_HSTS_SECONDS", "a year")
    line = errors.explain(raised(environ.Env().int, "DJANGO_HSTS_SECONDS"))
    assert line.startswith("DJANGO_HSTS_SECONDS='a year' cannot be read:"), line
    assert "Fix it in .env" in line


def test_a_database_error_names_the_url_without_its_password(monkeypatch):
    monkeypatch.setenv("DATABASE_URL", "postgres://site:hunter2@db.internal:5432/site")
    line = errors.database_error("connection refused")
    assert "postgres://site:***@db.internal:5432/site" in line and "hunter2" not in line
    assert "psycopg[binary]" in errors.database_error("Error loading psycopg2 or psycopg module")
    assert "make migrate" in errors.database_error("no such table: uploads_upload")


def test_a_full_disk_says_to_free_space():
    line = errors.explain(OSError(errno.ENOSPC, "No space left on device", "/srv/static/a.css"))
    assert line.startswith("No space left on device: /srv/static/a.css: free some space"), line


def test_a_file_it_may_not_open_says_to_check_reading_too():
    """collectstatic reading a source it may not read was told to find a user who may write."""
    line = errors.explain(OSError(errno.EACCES, "Permission denied", "/src/static/img/a.png"))
    assert line.startswith("Permission denied: /src/static/img/a.png: ")
    assert "may read and write it" in line


def test_a_missing_reference_names_both_files():
    message = (
        "The CSS file 'css/site.css' references a file which could not be found:\n"
        "  img/gone.png\n\nPlease check the URL references in this CSS file."
    )
    line = errors.explain(ValueError(message))
    assert line.startswith("css/site.css references img/gone.png, which is not among"), line


def test_anything_else_is_its_type_message_and_the_projects_line(capsys, tmp_path, monkeypatch):
    monkeypatch.setattr(errors, "TRACEBACK_FILE", tmp_path / "last-error.txt")
    with pytest.raises(SystemExit) as exited:
        errors.run(lambda argv: call_command("shell", "-c", "1 / 0"), ["manage.py", "shell"])
    assert exited.value.code == 1
    (line,) = capsys.readouterr().err.splitlines()
    assert line.startswith("ERROR: ZeroDivisionError: division by zero, at static_kit/"), line
    assert line.endswith(f"(traceback in {tmp_path / 'last-error.txt'})."), line
    assert "ZeroDivisionError" in (tmp_path / "last-error.txt").read_text()
