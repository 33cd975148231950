"""static_server.py, the front granian runs (asgi.py): request bodies read whole before
Django's thread; proxy headers believed only from FORWARDED_ALLOW_IPS, never in their
underscore spelling; and with WhiteNoise, collected files answered before Django, with
Django's security headers."""

import asyncio
import gc
import shutil

import pytest
from django.contrib.staticfiles.storage import staticfiles_storage
from django.core.management import call_command
from django.test import override_settings

from static_kit.static_server import WHITENOISE, Server, asgi_application, static_files


class Django:
    """Stands in for Django's WSGI application: records what reached it."""

    def __init__(self):
        self.seen = []

    def __call__(self, environ, start_response):
        body = environ["wsgi.input"].read()
        self.seen.append((environ["PATH_INFO"], environ["wsgi.url_scheme"], body))
        start_response("200 OK", [("Content-Type", "text/plain")])
        return [b"django"]


def call(
    app, path, *, method="GET", headers=(), client="127.0.0.1", scheme="http", body=b"", more=False
):
    """One request through the ASGI app: (status, headers, body, path sent from disk). With
    `more`, the client says more of the body is coming, and then sends nothing."""
    scope = {
        "type": "http",
        "method": method,
        "path": path,
        "query_string": b"",
        "headers": [(name.lower().encode(), value.encode()) for name, value in headers],
        "client": (client, 50000),
        "server": ("127.0.0.1", 8000),
        "scheme": scheme,
        "http_version": "1.1",
        "root_path": "",
    }
    parts = [body[i : i + 1000] for i in range(0, len(body), 1000)] or [b""]
    messages = [
        {"type": "http.request", "body": part, "more_body": more or n < len(parts) - 1}
        for n, part in enumerate(parts)
    ]
    sent = []

    async def receive():
        if messages:
            return messages.pop(0)
        await asyncio.sleep(3600)  # the client sends nothing more

    async def send(message):
        sent.append(message)

    asyncio.run(app(scope, receive, send))
    start = next(m for m in sent if m["type"] == "http.response.start")
    answer = {k.decode().lower(): v.decode() for k, v in start["headers"]}
    content = b"".join(m.get("body", b"") for m in sent if m["type"] == "http.response.body")
    pathsend = next((m["path"] for m in sent if m["type"] == "http.response.pathsend"), None)
    return start["status"], answer, content, pathsend


@pytest.fixture
def collected_static(collected):
    return collected[0]


@pytest.fixture
def front(collected_static):
    """`front(**settings)`: the ASGI front over a fresh STATIC_ROOT, and the Django behind it."""

    def make(**overrides):
        django = Django()
        with override_settings(STATIC_ROOT=collected_static, **overrides):
            return Server(django), django

    return make


def hashed_css(collected_static) -> str:
    from django.contrib.staticfiles.storage import staticfiles_storage

    return "/static/" + staticfiles_storage.hashed_files["css/site.css"]


HTTPS = {"scheme": "https"}


@pytest.mark.parametrize("path", ["/", "/static/no-such-file.css", "/static/../manage.py"])
def test_anything_else_goes_to_django(front, path):
    app, django = front()
    assert call(app, path)[2] == b"django"
    assert [seen for seen, _, _ in django.seen] == [path]


@pytest.mark.parametrize(
    ("allowed", "client", "scheme"),
    [
        (None, "127.0.0.1", "https"),  # the default: a proxy on this machine
        (None, "203.0.113.9", "http"),  # anyone else claiming HTTPS is not believed
        ("10.0.0.0/8", "10.1.2.3", "https"),
        ("10.0.0.0/8", "127.0.0.1", "http"),
        ("*", "203.0.113.9", "https"),  # behind a PaaS router whose address changes
    ],
)
def test_forwarded_proto_is_believed_only_from_allowed_proxies(
    front, monkeypatch, allowed, client, scheme
):
    if allowed is None:
        monkeypatch.delenv("FORWARDED_ALLOW_IPS", raising=False)
    else:
        monkeypatch.setenv("FORWARDED_ALLOW_IPS", allowed)
    app, django = front()
    call(app, "/", client=client, headers=[("X-Forwarded-Proto", "https")])
    assert [seen[:2] for seen in django.seen] == [("/", scheme)]


@pytest.mark.parametrize(
    "headers",
    [
        [("X-Forwarded-Proto", "http"), ("X_Forwarded_Proto", "https")],
        [("X_Forwarded_Proto", "https"), ("X-Forwarded-Proto", "http")],
        [("X_Forwarded_Proto", "https")],
    ],
    ids=["underscore-last", "underscore-first", "underscore-only"],
)
def test_an_underscore_forwarded_proto_is_never_believed(front, headers):
    """A router that sets X-Forwarded-Proto may pass the client's X_Forwarded_Proto along;
    WSGI servers read both as one variable. Here it is dropped, as nginx and gunicorn do."""
    app, django = front()
    call(app, "/", headers=headers)
    assert [seen[:2] for seen in django.seen] == [("/", "http")]


def test_two_forwarded_proto_headers_are_refused(front):
    app, django = front()
    status = call(
        app, "/", headers=[("X-Forwarded-Proto", "http"), ("X-Forwarded-Proto", "https")]
    )[0]
    assert status == 400 and django.seen == []


def test_a_wrong_forwarded_allow_ips_is_refused_with_the_fix(front, monkeypatch):
    monkeypatch.setenv("FORWARDED_ALLOW_IPS", "127.0.0.1,proxy.internal")
    with pytest.raises(ValueError, match=r"FORWARDED_ALLOW_IPS=.*Use comma-separated"):
        front()


def test_a_body_reaches_django_whole(front):
    app, django = front()
    body = b"x" * 5000
    call(app, "/upload/", method="POST", body=body, headers=[("Content-Length", "5000")])
    assert django.seen == [("/upload/", "http", body)]


def test_a_body_over_the_limit_is_refused_without_reaching_django(front, settings):
    app, django = front(MAX_UPLOAD_SIZE=4000)
    body = b"x" * 5000
    status, _, text, _ = call(
        app, "/up/", method="POST", body=body, headers=[("Content-Length", "5000")]
    )
    assert status == 413 and b"too large" in text and django.seen == []
    # Without a Content-Length (chunked): counted as it comes.
    status = call(app, "/up/", method="POST", body=body)[0]
    assert status == 413 and django.seen == []


def test_a_body_that_stops_coming_times_out_with_408(front):
    """The client sends its headers, a first part, then nothing: no thread waits for it."""
    app, django = front(REQUEST_BODY_TIMEOUT=0.2)
    headers = [("Content-Length", "5000")]
    status = call(app, "/up/", method="POST", body=b"x" * 1000, headers=headers, more=True)[0]
    assert status == 408 and django.seen == []


def test_without_whitenoise_every_request_goes_to_django(front, collected_static, settings):
    """S3 + CDN: static files are on the CDN; a path under /static/ here is Django's."""
    middleware = [m for m in settings.MIDDLEWARE if "whitenoise" not in m]
    app, django = front(MIDDLEWARE=middleware)
    assert call(app, hashed_css(collected_static), **HTTPS)[2] == b"django"


def test_a_collected_file_never_reaches_django(front, collected_static, settings):
    app, django = front()
    css = hashed_css(collected_static)
    status, headers, body, pathsend = call(app, css, headers=[("Accept-Encoding", "br")], **HTTPS)
    assert status == 200 and django.seen == []
    assert headers["content-encoding"] == "br"
    assert headers["cache-control"] == "max-age=315360000, public, immutable"
    assert headers["x-content-type-options"] == "nosniff"
    assert headers["referrer-policy"] == settings.SECURE_REFERRER_POLICY
    assert headers["cross-origin-opener-policy"] == "same-origin"
    if settings.SECURE_HSTS_SECONDS:
        assert headers["strict-transport-security"].startswith(
            f"max-age={settings.SECURE_HSTS_SECONDS}"
        )
    # Sent by granian from disk: the .br copy collectstatic wrote.
    assert pathsend == str(collected_static / (css.removeprefix("/static/") + ".br"))


def test_only_hashed_names_and_the_listed_unhashed_ones_are_indexed(collected, front, caplog):
    """An unhashed copy is a second URL per file in each worker's index, and pages link hashed
    names: one is served only where STATIC_UNHASHED_NAMES lists it, and a request for another
    says why it is a 404, once."""
    root, manifest = collected
    app, django = front()
    assert set(app.files.files) == {f"/static/{hashed}" for hashed in manifest.values()}
    for _ in range(2):
        call(app, "/static/css/site.css", **HTTPS)
    assert [seen[0] for seen in django.seen] == ["/static/css/site.css"] * 2
    said = [r.getMessage() for r in caplog.records if "STATIC_UNHASHED_NAMES" in r.getMessage()]
    assert len(said) == 1 and f"/static/{manifest['css/site.css']}" in said[0], said

    app, django = front(STATIC_UNHASHED_NAMES=["img/*"])
    status, headers, _, pathsend = call(app, "/static/img/dot.png", **HTTPS)
    assert status == 200 and pathsend == str(root / "img" / "dot.png")
    assert "immutable" not in headers["cache-control"]  # the name may change content
    assert call(app, "/static/css/site.css", **HTTPS)[2] == b"django"


def test_a_head_request_gets_the_headers_and_no_body(front, collected_static):
    app, _ = front()
    status, headers, body, pathsend = call(
        app, hashed_css(collected_static), method="HEAD", **HTTPS
    )
    assert status == 200 and int(headers["content-length"]) > 0
    assert body == b"" and pathsend is None


def test_plain_http_static_requests_get_djangos_https_redirect(front, collected_static):
    app, django = front(SECURE_SSL_REDIRECT=True)
    path = hashed_css(collected_static)
    call(app, path)
    assert [seen[:2] for seen in django.seen] == [(path, "http")]  # SecurityMiddleware's 301
    call(app, path, headers=[("X-Forwarded-Proto", "https")])
    assert len(django.seen) == 1  # over HTTPS, the file itself


@pytest.mark.parametrize(("name", "expected"), [("f.woff", "font/woff"), ("f.woff2", "font/woff2")])
def test_fonts_are_sent_with_their_standard_type(front, settings, name, expected):
    """WhiteNoise's own table says application/font-woff; nginx and S3 say font/woff."""
    font = settings.STATICFILES_DIRS[0] / "fonts" / name
    font.parent.mkdir(exist_ok=True)
    font.write_bytes(b"wOFF" + b"\0" * 100)
    try:
        call_command("collectstatic", "--noinput", verbosity=0)
        app, _ = front()
        hashed = staticfiles_storage.stored_name(f"fonts/{name}")
        status, headers, _, _ = call(app, f"/static/{hashed}", **HTTPS)
    finally:
        shutil.rmtree(font.parent)
    assert status == 200 and headers["content-type"] == expected


def test_an_if_range_that_does_not_match_gets_the_whole_file(front, collected_static):
    """RFC 9110: a Range with a stale If-Range is ignored (WhiteNoise would send the part)."""
    app, _ = front()
    css = hashed_css(collected_static)
    _, whole, _, _ = call(app, css, **HTTPS)
    ranged = [("Range", "bytes=0-9")]
    stale = call(app, css, headers=[*ranged, ("If-Range", '"not-this-file"')], **HTTPS)
    assert stale[0] == 200 and stale[3] is not None
    current = call(app, css, headers=[*ranged, ("If-Range", whole["etag"])], **HTTPS)
    assert current[0] == 206 and len(current[2]) == 10
    dated = call(app, css, headers=[*ranged, ("If-Range", whole["last-modified"])], **HTTPS)
    assert dated[0] == 206


def test_asgi_application_indexes_static_root_once_per_worker(collected_static, indexed):
    """The front's WhiteNoise is the only index: Django behind it runs without the middleware
    (which would add every file again), and the settings keep it for runserver."""
    with override_settings(STATIC_ROOT=collected_static):
        from django.conf import settings

        listed = list(settings.MIDDLEWARE)
        with override_settings(MIDDLEWARE=listed):  # asgi_application() changes it
            app = asgi_application()
            gc.unfreeze()  # what it froze stays collectable for the rest of the tests
            assert WHITENOISE not in settings.MIDDLEWARE
        css = hashed_css(collected_static)
        status, _, _, pathsend = call(app, css, **HTTPS)
        page = call(app, "/not-a-static-file/", **HTTPS)
    assert indexed == ["ReleaseFiles"], f"STATIC_ROOT indexed {len(indexed)} times: {indexed}"
    assert status == 200 and pathsend, "the front no longer serves the collected files"
    assert page[0] == 404 and b"Not Found" in page[2], "Django no longer answers behind it"
    assert WHITENOISE in listed


def test_a_files_entry_is_built_at_its_first_request(collected, front):
    """At 20,000 files the entries WhiteNoise built at start-up (headers, each .br/.gz copy's
    size and time) were 22 MiB of every worker, for files most of which it never sends: only a
    requested file's entry is built, once; a file removed since start-up answers Django's 404."""
    from whitenoise.responders import StaticFile

    root, manifest = collected
    app, django = front()

    def built():
        return [url for url, entry in app.files.files.items() if isinstance(entry, StaticFile)]

    assert built() == [], "every file's entry was built at start-up"
    css = f"/static/{manifest['css/site.css']}"
    asks = {"headers": [("Accept-Encoding", "gzip, br")], **HTTPS}
    first, again = call(app, css, **asks), call(app, css, **asks)
    assert built() == [css]
    assert first[0] == again[0] == 200 and first[1] == again[1]
    assert "immutable" in first[1]["cache-control"] and first[1]["content-encoding"] == "br"
    image = manifest["img/dot.png"]
    for copy in root.glob(image + "*"):
        copy.unlink()
    assert call(app, f"/static/{image}", **HTTPS)[2] == b"django"
    assert [seen[0] for seen in django.seen] == [f"/static/{image}"]


def test_with_a_manifest_no_worker_walks_static_root(collected, front, monkeypatch):
    """The manifest names what is served: the walk stat()ed every file collected (at 20,000
    sources, 72,549 with the .br/.gz copies and unhashed names) in every worker."""
    import whitenoise.base

    root, manifest = collected
    walked, walk = [], whitenoise.base.scantree
    monkeypatch.setattr(whitenoise.base, "scantree", lambda top: walked.append(top) or walk(top))
    app, _ = front()
    assert walked == []
    assert set(app.files.files) == {f"/static/{hashed}" for hashed in manifest.values()}
    assert call(app, f"/static/{manifest['css/site.css']}", **HTTPS)[0] == 200


def test_a_file_whose_name_is_not_ascii_is_served(collected, settings, tmp_path):
    """ASGI gives the path decoded; WhiteNoise looks it up as WSGI spells it (latin-1 of the
    UTF-8): passed as it came, /static/img/café.<hash>.png was a 404."""
    root, _ = collected
    extra = tmp_path / "extra" / "img"
    extra.mkdir(parents=True)
    (extra / "café.png").write_bytes(b"not really a png")
    settings.STATICFILES_DIRS = [*settings.STATICFILES_DIRS, extra.parent]
    storages_reset()
    call_command("collectstatic", "--noinput", verbosity=0)
    hashed = staticfiles_storage.hashed_files["img/café.png"]
    status, _, _, pathsend = call(Server(Django()), f"/static/{hashed}", **HTTPS)
    assert status == 200 and pathsend == str(root / hashed)


def test_only_the_walks_names_are_indexed_from_a_manifest(collected, settings, front):
    """A name outside STATIC_ROOT (a hand-edited manifest) and a .gz copy of a served name get
    no URL, as WhiteNoise's walk gave none; a file that is not a regular one answers Django."""
    import os

    root, manifest = collected
    settings.STATIC_UNHASHED_NAMES = ["img/*"]
    (root / "img" / "dot.png.gz").write_bytes(b"a vendor's copy")
    storages_reset()
    staticfiles_storage.hashed_files["../manage.py"] = "../manage.py"
    app, django = front(STATIC_UNHASHED_NAMES=["img/*"])
    assert "/static/img/dot.png" in app.files.files
    assert "/static/img/dot.png.gz" not in app.files.files
    assert not any(".." in url for url in app.files.files)
    pipe = manifest["img/dot.png"]
    for copy in root.glob(pipe + "*"):
        copy.unlink()
    os.mkfifo(root / pipe)
    assert call(app, f"/static/{pipe}", **HTTPS)[2] == b"django"


def test_what_start_up_built_is_frozen_out_of_the_garbage_collector(collected_static):
    """A full collection walked all of it again and again under load, a stall each time for
    every page waiting in the worker."""
    gc.unfreeze()
    with override_settings(STATIC_ROOT=collected_static):
        from django.conf import settings

        with override_settings(MIDDLEWARE=list(settings.MIDDLEWARE)):
            asgi_application()
    frozen = gc.get_freeze_count()
    gc.unfreeze()
    assert frozen > 10_000, f"{frozen} objects frozen"


def answering(make):
    """A WSGI application that answers as Django's WSGIHandler does: the response `make()`
    returns, or a FileResponse's file through wsgi.file_wrapper."""

    def application(environ, start_response):
        response = make()
        start_response(f"{response.status_code} {response.reason_phrase}", [*response.items()])
        if getattr(response, "file_to_stream", None) is not None:
            response.file_to_stream.close = response.close
            return environ["wsgi.file_wrapper"](response.file_to_stream, response.block_size)
        return response

    return application


def test_a_page_is_one_hand_off_from_its_thread_to_the_event_loop(monkeypatch):
    """a2wsgi handed the start, each chunk and the end over one by one, each waiting for the
    GIL: pages at 0.8-0.9x gunicorn's, with twice its p99."""
    from concurrent.futures import ThreadPoolExecutor

    from django.http import HttpResponse

    handed, submit = [], ThreadPoolExecutor.submit
    monkeypatch.setattr(
        ThreadPoolExecutor, "submit", lambda *a, **k: handed.append(a[1]) or submit(*a, **k)
    )
    waited = []
    real = asyncio.run_coroutine_threadsafe
    monkeypatch.setattr(
        asyncio, "run_coroutine_threadsafe", lambda *a, **k: waited.append(a) or real(*a, **k)
    )
    app = Server(answering(lambda: HttpResponse(b"<p>page</p>", status=201)), serve_static=False)
    status, headers, body, pathsend = call(app, "/", **HTTPS)
    assert (status, body, pathsend) == (201, b"<p>page</p>", None)
    assert headers["content-type"] == "text/html; charset=utf-8"
    assert len(handed) == 1 and waited == [], f"{len(handed)} hand-offs, {len(waited)} waits"


def test_a_streaming_response_and_a_file_response_are_sent_whole(tmp_path):
    import tempfile

    from django.core.signals import request_finished
    from django.http import FileResponse, StreamingHttpResponse

    finished = []

    def seen(**kwargs):
        finished.append(kwargs)

    request_finished.connect(seen)  # sent by the response's close()
    try:
        app = Server(answering(lambda: StreamingHttpResponse(iter([b"a", b"b", b"c"]))), False)
        assert call(app, "/", **HTTPS)[2] == b"abc"
        assert len(finished) == 1, "the streaming response was never closed"
    finally:
        request_finished.disconnect(seen)
    path = tmp_path / "report.pdf"
    path.write_bytes(b"%PDF-1.7 " * 10_000)
    app = Server(answering(lambda: FileResponse(open(path, "rb"))), serve_static=False)  # noqa: SIM115
    status, headers, body, pathsend = call(app, "/", **HTTPS)
    assert status == 200 and pathsend == str(path) and body == b""  # sent by granian
    assert headers["content-length"] == str(path.stat().st_size)
    assert call(app, "/", method="HEAD", **HTTPS)[3] is None  # a HEAD sends no file
    # A temporary file is gone once closed: its bytes are read and sent here.
    temporary = tempfile.NamedTemporaryFile()  # noqa: SIM115
    temporary.write(b"x" * 200_000)
    temporary.seek(0)
    app = Server(answering(lambda: FileResponse(temporary)), serve_static=False)
    status, _, body, pathsend = call(app, "/", **HTTPS)
    assert status == 200 and pathsend is None and body == b"x" * 200_000


def test_django_reads_the_path_and_headers_as_wsgi_spells_them():
    seen = {}

    def application(environ, start_response):
        seen.update(environ, body=environ["wsgi.input"].read())
        start_response("200 OK", [("Content-Type", "text/plain")])
        return [b"ok"]

    app = Server(application, serve_static=False)
    headers = [("Content-Type", "text/plain"), ("Content-Length", "4"), ("X-A", "1")]
    assert call(app, "/café/", method="POST", headers=headers, body=b"body", **HTTPS)[2] == b"ok"
    assert seen["PATH_INFO"].encode("latin-1").decode() == "/café/"
    assert (seen["CONTENT_TYPE"], seen["CONTENT_LENGTH"], seen["HTTP_X_A"]) == (
        "text/plain",
        "4",
        "1",
    )
    assert "HTTP_CONTENT_TYPE" not in seen and seen["body"] == b"body"
    assert seen["wsgi.url_scheme"] == "https" and seen["REMOTE_ADDR"] == "127.0.0.1"


def test_the_previous_releases_hashed_files_are_served_after_a_deploy(collected, settings):
    """A page rendered before collectstatic and a restart (an open tab, the back button) asks
    for the previous release's names: they stay served, for one release, and no further."""
    root, first = collected
    source = root.parent / "source"
    shutil.copytree(settings.STATICFILES_DIRS[0], source)
    settings.STATICFILES_DIRS = [source]
    releases = [first]
    for n in range(2):
        css = source / "css" / "site.css"
        css.write_text(css.read_text() + f"\n/* release {n + 2} */\n")
        storages_reset()
        call_command("collectstatic", "--noinput", verbosity=0)
        releases.append(dict(staticfiles_storage.hashed_files))
    storages_reset()
    indexed = set(static_files().files)
    sites = [f"/static/{release['css/site.css']}" for release in releases]
    assert sites[2] in indexed and sites[1] in indexed, "this release's or the previous one's"
    assert sites[0] not in indexed, "two releases back: no longer served"
    assert (root / releases[0]["css/site.css"]).is_file()  # still on disk, never deleted


def storages_reset():
    from django.core.files.storage import storages
    from django.utils.functional import empty

    storages._storages.pop("staticfiles", None)  # noqa: SLF001
    staticfiles_storage._wrapped = empty  # noqa: SLF001
