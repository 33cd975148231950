"""What granian runs (ASGI): static files first, request bodies read before a thread is taken,
proxy headers checked once; pages on Django's WSGI application in a pool of threads.

Why ASGI in front of a WSGI Django: granian's WSGI mode hands a request to a Python thread as
soon as its headers arrive, and the thread then waits for the body. Sixteen clients sending
their bodies a byte at a time held every thread, and the site answered nobody, static files
included; granian has no body timeout. Here the event loop reads each body (spooled to disk
past FILE_UPLOAD_MAX_MEMORY_SIZE), with a timeout and the upload limit, and only a complete
request takes one of Django's threads (a2wsgi's pool).

- Static files, where WhiteNoise serves them: WhiteNoise (its WSGI application, configured from
  the WHITENOISE_* settings) picks the file and its headers; granian sends the file from Rust
  (ASGI pathsend).
  An If-Range that does not match the file is honoured here (WhiteNoise ignores it).
- Proxy headers: a header whose name has an underscore is dropped, as nginx and gunicorn do
  (X_Forwarded_Proto would otherwise read as X-Forwarded-Proto). X-Forwarded-Proto sets the
  scheme only from FORWARDED_ALLOW_IPS, and only when it is one header saying http or https;
  two of them are refused with 400.

https://whitenoise.readthedocs.io/en/stable/base.html  https://github.com/abersheeran/a2wsgi
"""

import asyncio
import ipaddress
import logging
import os
import tempfile
from urllib.parse import urlsplit

from a2wsgi import WSGIMiddleware
from django.conf import settings
from django.contrib.staticfiles.storage import ManifestFilesMixin, staticfiles_storage

from .storage.unhashed import unhashed_names

logger = logging.getLogger(__name__)

CHUNK = 64 * 1024
# A body over the limit is read and thrown away (no thread is held) so that the client sees
# the 413 rather than a reset; past this many bytes the connection is simply closed.
MOST_DRAINED = 64 * 1024 * 1024
NOT_STATIC = object()
WHITENOISE = "whitenoise.middleware.WhiteNoiseMiddleware"


def trusted_proxies(value: str) -> list | None:
    """FORWARDED_ALLOW_IPS ("127.0.0.1,::1", networks allowed, or "*"): None means any."""
    if value.strip() == "*":
        return None
    try:
        return [ipaddress.ip_network(part.strip()) for part in value.split(",") if part.strip()]
    except ValueError as error:
        raise ValueError(
            f"FORWARDED_ALLOW_IPS={value!r}: {error}. Use comma-separated addresses or networks "
            "(127.0.0.1,::1 or 10.0.0.0/8), or * behind a PaaS router."
        ) from None


def static_files():
    """WhiteNoise over STATIC_ROOT, configured as WhiteNoiseMiddleware is, from the settings.
    Hashed names (the manifest's) are the immutable ones, and with a manifest only they and
    STATIC_UNHASHED_NAMES's are served: every unhashed copy would be a second URL per file in
    each worker's index (storage/unhashed.py)."""
    from whitenoise import WhiteNoise  # only where WhiteNoise serves the static files

    class ReleaseFiles(WhiteNoise):
        def add_file_to_dictionary(self, url, path, stat_cache=None):
            if served is None or url in served:
                super().add_file_to_dictionary(url, path, stat_cache=stat_cache)

        def not_found(self, path: str) -> None:
            """Say once per name why a collected file's unhashed name answers 404."""
            name = path[len(prefix) :]
            if served is None or not path.startswith(prefix) or name not in names:
                return
            if name not in warned:
                warned.add(name)
                logger.warning(
                    "%s: 404, as every unhashed name not in STATIC_UNHASHED_NAMES. A page links "
                    "it with the static template tag (%s%s); code that loads it by this name "
                    "needs a glob for it in STATIC_UNHASHED_NAMES.",
                    path,
                    prefix,
                    names[name],
                )

    warned = set()

    # URL paths as WhiteNoise keys them: the prefix (a CDN host left out) and the name, unquoted.
    prefix = urlsplit(settings.STATIC_URL).path
    hashed, served = set(), None
    names = getattr(staticfiles_storage, "hashed_files", None)
    if isinstance(staticfiles_storage, ManifestFilesMixin) and names:
        hashed = {prefix + name for name in names.values()}
        served = hashed | {prefix + name for name in unhashed_names(names)}
    files = ReleaseFiles(
        lambda environ, start_response: NOT_STATIC,
        max_age=settings.WHITENOISE_MAX_AGE,
        mimetypes=getattr(settings, "WHITENOISE_MIMETYPES", None),
        add_headers_function=getattr(settings, "WHITENOISE_ADD_HEADERS_FUNCTION", None),
        immutable_file_test=lambda path, url: url in hashed,
    )
    files.add_files(settings.STATIC_ROOT, prefix=prefix)
    return files


def asgi_application():
    """What asgi.py serves: this front, with Django's WSGI application (static_kit.wsgi) behind
    it. Where the front answers the static files (WhiteNoise), Django's application is built
    without WhiteNoiseMiddleware: every request it would see, the front has looked up already,
    and it would index STATIC_ROOT a second time in every worker (at 20,000 files, 19 of the
    22 s of a worker's start and a third of its memory). runserver and the test client, which
    have no front, keep the middleware that the settings list."""
    from .wsgi import get_wsgi_application

    serve_static = WHITENOISE in settings.MIDDLEWARE
    if serve_static:
        settings.MIDDLEWARE = [name for name in settings.MIDDLEWARE if name != WHITENOISE]
    return Server(get_wsgi_application(), serve_static=serve_static)


class Server:
    """The ASGI application: see the module's doc."""

    def __init__(self, django_application, serve_static=None):
        self.pages = WSGIMiddleware(django_application, workers=settings.APP_THREADS)
        # With WhiteNoise, this server sends the static files; else they are elsewhere (a CDN).
        if serve_static is None:
            serve_static = WHITENOISE in settings.MIDDLEWARE
        self.files = static_files() if serve_static else None
        self.proxies = trusted_proxies(os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1,::1"))
        self.redirect_to_https = settings.SECURE_SSL_REDIRECT
        self.body_limit = settings.MAX_UPLOAD_SIZE
        self.body_timeout = settings.REQUEST_BODY_TIMEOUT

    async def __call__(self, scope, receive, send):
        if scope["type"] == "lifespan":
            return await lifespan(receive, send)
        if scope["type"] != "http":
            return await send({"type": "websocket.close", "code": 1000})
        scope = self.checked(scope)
        if scope is None:
            return await answer(send, 400, "Two X-Forwarded-Proto headers: which one is true?")
        if scope["method"] in ("GET", "HEAD") and await self.send_static(scope, send):
            return
        body = await self.read_body(scope, receive, send)
        if body is not None:
            with body:
                await self.pages(scope, replay(body, receive), send)

    def trusted(self, client) -> bool:
        if self.proxies is None:
            return True
        try:
            address = ipaddress.ip_address(client[0] if client else "")
        except ValueError:  # a unix socket has no address: the proxy on this machine
            return not client
        return any(address in network for network in self.proxies)

    def checked(self, scope):
        """The scope with no underscore header and the scheme the trusted proxy gives; None
        for a proxy that sent two."""
        headers = [(name, value) for name, value in scope["headers"] if b"_" not in name]
        forwarded = [value.lower() for name, value in headers if name == b"x-forwarded-proto"]
        scheme = scope.get("scheme", "http")
        if forwarded and self.trusted(scope.get("client")):
            if len(forwarded) > 1:
                return None
            if forwarded[0] in (b"http", b"https"):
                scheme = forwarded[0].decode()
        return {**scope, "headers": headers, "scheme": scheme}

    async def send_static(self, scope, send) -> bool:
        """Send the collected file at this path, if there is one; whether it was sent. Over
        plain HTTP with SECURE_SSL_REDIRECT, Django answers instead (its 301)."""
        if self.files is None or self.redirect_to_https and scope["scheme"] != "https":
            return False
        environ = static_environ(scope)
        if "HTTP_IF_RANGE" in environ and "HTTP_RANGE" in environ:
            whole = {key: value for key, value in environ.items() if key != "HTTP_RANGE"}
            found = self.files_answer({**whole, "REQUEST_METHOD": "HEAD"})
            if found is None:
                return False
            if not if_range_matches(environ["HTTP_IF_RANGE"], found[1]):
                environ = whole  # RFC 9110 13.1.5: the whole file, 200
        found = self.files_answer(environ)
        if found is None:
            self.files.not_found(environ["PATH_INFO"])
            return False
        status, headers, file = found
        start = {"type": "http.response.start", "status": status, "headers": headers}
        await send(start)
        if file is None:
            await send({"type": "http.response.body", "body": b""})
        elif status == 200 and scope["method"] == "GET" and hasattr(file, "name"):
            file.close()
            await send({"type": "http.response.pathsend", "path": file.name})
        else:  # a range: a slice of the file, read here
            with file:
                await send({"type": "http.response.body", "body": file.read()})
        return True

    def files_answer(self, environ) -> tuple[int, list, object] | None:
        """WhiteNoise's answer for this request: (status, headers, the open file or None)."""
        answer = {}

        def start_response(status, headers):
            answer["status"] = int(status.split(" ", 1)[0])
            answer["headers"] = [(k.lower().encode(), v.encode()) for k, v in headers]

        result = self.files(environ, start_response)
        if result is NOT_STATIC:
            return None
        file = getattr(result, "filelike", None)
        if environ["REQUEST_METHOD"] == "HEAD" and file is not None:
            file.close()
            file = None
        return answer["status"], answer["headers"], file

    async def read_body(self, scope, receive, send):
        """The whole body, spooled; None when an answer (408, 413) was sent or the client left."""
        length = header(scope, b"content-length")
        if length is not None and length.isdigit() and int(length) > self.body_limit:
            await drain(receive, int(length), self.body_timeout)
            return await too_large(send, self.body_limit)
        body = tempfile.SpooledTemporaryFile(max_size=settings.FILE_UPLOAD_MAX_MEMORY_SIZE)
        size, more = 0, True
        while more:
            try:
                message = await asyncio.wait_for(receive(), self.body_timeout)
            except TimeoutError:
                body.close()
                return await answer(
                    send, 408, f"No part of the request body came for {self.body_timeout} s."
                )
            if message["type"] == "http.disconnect":
                body.close()
                return None
            chunk, more = message.get("body", b""), message.get("more_body", False)
            size += len(chunk)
            if size > self.body_limit:
                body.close()
                if more:
                    await drain(receive, MOST_DRAINED, self.body_timeout)
                return await too_large(send, self.body_limit)
            body.write(chunk)
        body.seek(0)
        return body


def static_environ(scope) -> dict:
    """The WSGI environ WhiteNoise reads: the method, the path and the request headers."""
    environ = {
        "REQUEST_METHOD": scope["method"],
        "PATH_INFO": scope["path"],
        "QUERY_STRING": scope["query_string"].decode("latin-1"),
        "wsgi.file_wrapper": Wrapped,
    }
    for name, value in scope["headers"]:
        key, value = (
            "HTTP_" + name.decode("latin-1").upper().replace("-", "_"),
            value.decode("latin-1"),
        )
        environ[key] = f"{environ[key]},{value}" if key in environ else value
    return environ


class Wrapped:
    """wsgi.file_wrapper: keeps the file WhiteNoise opened, for pathsend or a range."""

    def __init__(self, filelike, block_size=CHUNK):
        self.filelike = filelike


def if_range_matches(value: str, headers: list) -> bool:
    """If-Range: the file's strong ETag, or exactly its Last-Modified date."""
    found = {name: stored.decode() for name, stored in headers}
    if value.startswith(("W/", '"')):
        return not value.startswith("W/") and value == found.get(b"etag")
    return value == found.get(b"last-modified")


def header(scope, name: bytes) -> str | None:
    for key, value in scope["headers"]:
        if key == name:
            return value.decode("latin-1")
    return None


def replay(body, receive):
    """An ASGI receive that gives the spooled body, then whatever the client sends next."""
    size = body.seek(0, os.SEEK_END)
    body.seek(0)
    given = False

    async def receive_body():
        nonlocal given
        if given and (body.closed or body.tell() >= size):
            return await receive()  # the body is all given: a disconnect, when it comes
        given = True
        chunk = body.read(CHUNK)
        return {"type": "http.request", "body": chunk, "more_body": body.tell() < size}

    return receive_body


async def drain(receive, most: int, timeout: float) -> None:
    """Read and drop up to `most` bytes of the body, so the client reads the answer."""
    drained, more = 0, True
    while more and drained < most:
        try:
            message = await asyncio.wait_for(receive(), timeout)
        except TimeoutError:
            return
        if message["type"] == "http.disconnect":
            return
        drained += len(message.get("body", b""))
        more = message.get("more_body", False)


async def too_large(send, limit: int) -> None:
    await answer(send, 413, f"Request body too large: the limit is {limit // (1024 * 1024)} MiB.")


async def answer(send, status: int, text: str) -> None:
    """A plain-text answer from the front itself (Django never saw the request)."""
    body = (text + "\n").encode()
    headers = [
        (b"content-type", b"text/plain; charset=utf-8"),
        (b"content-length", str(len(body)).encode()),
        (b"x-content-type-options", b"nosniff"),
        (b"connection", b"close"),
    ]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


async def lifespan(receive, send) -> None:
    while True:
        message = await receive()
        if message["type"] == "lifespan.startup":
            await send({"type": "lifespan.startup.complete"})
        elif message["type"] == "lifespan.shutdown":
            await send({"type": "lifespan.shutdown.complete"})
            return
