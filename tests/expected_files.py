"""The exact files each answer puts in a generated project.

The bake test compares every variant against COMMON plus the files of each chosen answer.
A new choice in cookiecutter.json fails that test until its files are listed here.
"""

COMMON = {
    ".dockerignore",
    ".env",
    ".env.example",
    ".github/workflows/ci.yml",
    ".gitignore",
    "Makefile",
    "README.md",
    "manage.py",
    "pyproject.toml",
    "requirements-dev.txt",
    "requirements.txt",
    "pages/__init__.py",
    "pages/apps.py",
    "pages/context_processors.py",
    "pages/static/pages/img/logo.svg",
    "pages/static/pages/img/staff.svg",
    "pages/static/pages/js/site.js",
    "pages/templates/pages/home.html",
    "pages/urls.py",
    "pages/views.py",
    "static/css/site.css",
    "static/favicon.ico",
    "static/fonts/dejavu-sans-LICENSE.txt",
    "static/fonts/dejavu-sans-subset.woff2",
    "static/img/landscape.png",
    "static/img/pattern.png",
    "templates/base.html",
    "templates/admin/base_site.html",
    "tests/templates/missing_reference.html",
    "tests/test_static_doctor.py",
    "tests/test_security_headers.py",
    "tests/__init__.py",
    "tests/conftest.py",
    "tests/test_checks.py",
    "tests/test_collect_safely.py",
    "tests/test_static.py",
    "{slug}/__init__.py",
    "{slug}/apps.py",
    "{slug}/checks.py",
    "{slug}/doctor.py",
    "{slug}/live.py",
    "{slug}/security.py",
    "{slug}/management/__init__.py",
    "{slug}/management/commands/__init__.py",
    "{slug}/management/commands/static_doctor.py",
    "{slug}/settings/__init__.py",
    "{slug}/settings/base.py",
    "{slug}/static_references.py",
    "{slug}/storage/__init__.py",
    "{slug}/storage/atomic.py",
    "{slug}/storage/integrity.py",
    "{slug}/urls.py",
    "{slug}/wsgi.py",
}

BY_ANSWER = {
    ("serving_strategy", "whitenoise"): {
        "deploy/Dockerfile",
        "deploy/whitenoise/Procfile",
        "deploy/whitenoise/serve",
        "deploy/whitenoise/start",
        "{slug}/static_server.py",
        "{slug}/storage/__init__.py",
        "{slug}/storage/compressed.py",
        "tests/test_static_server.py",
        "tests/test_static_root.py",
        "{slug}/settings/whitenoise.py",
    },
    ("serving_strategy", "nginx"): {
        "deploy/nginx/deploy.sh",
        "deploy/nginx/gunicorn.conf.py",
        "deploy/nginx/http.conf",
        "deploy/nginx/local-nginx.conf",
        "deploy/nginx/local.conf",
        "deploy/nginx/locations.conf",
        "deploy/nginx/nginx_config.py",
        "deploy/nginx/security-headers.conf",
        "deploy/nginx/serve",
        "deploy/nginx/site.conf",
        "deploy/nginx/systemd/{slug}.service",
        "deploy/nginx/systemd/{slug}.socket",
        "deploy/nginx/tls.conf",
        "tests/test_release_storage.py",
        "tests/test_static_root.py",
        "{slug}/settings/nginx.py",
        "{slug}/storage/__init__.py",
        "{slug}/storage/compressed.py",
        "{slug}/storage/nginx.py",
    },
    ("serving_strategy", "s3_cdn"): {
        "deploy/Dockerfile",
        "deploy/gunicorn.conf.py",
        "deploy/s3_cdn/bucket-policy.json",
        "deploy/s3_cdn/cors.json",
        "deploy/s3_cdn/iam-policy.json",
        "deploy/s3_cdn/local-cdn.conf",
        "deploy/s3_cdn/local_stack.py",
        "deploy/s3_cdn/publish-static.yml",
        "deploy/s3_cdn/serve",
        "deploy/local_s3.py",
        "tests/local_bucket.py",
        "tests/test_publish.py",
        "{slug}/settings/s3.py",
        "{slug}/settings/s3_cdn.py",
        "{slug}/storage/__init__.py",
        "{slug}/storage/s3_cdn.py",
    },
    ("media_storage", "local"): {
        "tests/test_uploads.py",
        "uploads/__init__.py",
        "uploads/admin.py",
        "uploads/apps.py",
        "uploads/middleware.py",
        "uploads/migrations/0001_initial.py",
        "uploads/migrations/__init__.py",
        "uploads/models.py",
        "uploads/templates/uploads/list.html",
        "uploads/urls.py",
        "uploads/views.py",
        "uploads/file_types.py",
        "{slug}/settings/media_common.py",
        "{slug}/settings/media_local.py",
    },
    ("media_storage", "s3"): {
        "deploy/local_s3.py",
        "tests/local_bucket.py",
        "tests/test_media_s3.py",
        "uploads/__init__.py",
        "uploads/admin.py",
        "uploads/apps.py",
        "uploads/file_types.py",
        "uploads/middleware.py",
        "uploads/migrations/0001_initial.py",
        "uploads/migrations/__init__.py",
        "uploads/models.py",
        "uploads/storage.py",
        "uploads/templates/uploads/list.html",
        "uploads/urls.py",
        "uploads/views.py",
        "{slug}/settings/media_common.py",
        "{slug}/settings/media_s3.py",
        "{slug}/settings/s3.py",
    },
    ("media_storage", "none"): set(),
}


# Files that exist only when two answers meet.
BY_PAIR = {
    (("serving_strategy", "nginx"), ("media_storage", "local")): {
        "deploy/nginx/media.conf",
        "deploy/nginx/media-body-size.conf",
    },
    (("serving_strategy", "nginx"), ("media_storage", "s3")): {
        "deploy/nginx/media-body-size.conf",
    },
}


def expected_files(answers: dict, slug: str) -> set[str]:
    files = set(COMMON)
    for prompt, answer in answers.items():
        key = (prompt, answer)
        assert key in BY_ANSWER, f"list the files of {prompt}={answer} in tests/expected_files.py"
        files |= BY_ANSWER[key]
    for (first, second), extra in BY_PAIR.items():
        if answers.get(first[0]) == first[1] and answers.get(second[0]) == second[1]:
            files |= extra
    return {name.format(slug=slug) for name in files}
