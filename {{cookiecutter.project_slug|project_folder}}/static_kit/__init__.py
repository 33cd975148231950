"""static_kit: what makes a Django project's static and media files work in production.

One library in every project made from cookiecutter-django-static, the same bytes whatever
the answers: it reads the settings at run time and uses Django, WhiteNoise and
django-storages through their public APIs, with one exception: storage/s3.py overrides
django-storages' S3Storage._create_session, its only place that makes a boto3 session (its
tests fail if a release stops calling it).

    storage/        the static storages (hashed, compressed once, per-release manifests,
                    S3 + CDN publishing and pruning) and the private S3 storage for uploads
    checks.py       system checks, and the start-up refusal wsgi.py applies
    release_check.py  that refusal once before a server's workers (deploy/start)
    doctor/         `manage.py static_doctor`: one module per group of checks
    static_server.py  the ASGI front that answers static files before Django (granian)
    headers.py      SecurityMiddleware's headers on WhiteNoise's answers
    security.py     Content-Security-Policy (django-csp) widened to this strategy's hosts
    media/          uploads: size limit, their types, local serving
    references.py   the static references in templates and stylesheets
    templatetags/   `assets`: script and stylesheet tags with their integrity digests
    preload.py      preload and preconnect hints: a Link header and the matching tags
    errors.py       a failed manage.py command in one line
    app_template/   what `manage.py startapp` writes (passes the project's `make test`)

Upgrade: replace this folder with a newer copy; CHANGELOG.md says what changed.
"""

__version__ = "1.6.2"
