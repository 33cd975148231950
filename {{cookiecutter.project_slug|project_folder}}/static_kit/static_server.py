"""What granian runs (ASGI): static files first, request bodies read before a thread is taken,
proxy headers checked once; pages on Django's WSGI application in a pool of threads.

Why ASGI in front of a WSGI Django: granian's WSGI mode hands a request to a Python thread as
soon as its headers arrive, and the thread then waits for the body. Sixteen clients sending
their bodies a byte at a time held every thread, and the site answered nobody, static files
included; granian has no body timeout. Here the event loop reads each body (spooled to disk
past FILE_UPLOAD_MAX_MEMORY_SIZE), with a timeout and the upload limit, and only a complete
request takes one of Django's APP_THREADS threads (Pages below, one hand-off per response).

- Static files, where WhiteNoise serves them: WhiteNoise (its WSGI application, configured from
  the WHITENOISE_* settings) picks the file and its headers; granian sends the file from Rust
  (ASGI pathsend).
  An If-Range that does not match the file is honoured here (WhiteNoise ignores it).
- Proxy headers: a header whose name has an underscore is dropped, as nginx and gunicorn do
  (X_Forwarded_Proto would otherwise read as X-Forwarded-Proto). X-Forwarded-Proto sets the
  scheme only from FORWARDED_ALLOW_IPS, and only when it is one header saying http or https;
  two of them are refused with 400.

https://whitenoise.readthedocs.io/en/stable/base.html  https://peps.python.org/pep-3333/
"""

import asyncio
import contextvars
import gc
import io
import ipaddress
import logging
import os
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import urlsplit

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
    Hashed names (the manifest's, and the previous release's: compressed.py) are the immutable
    ones, and with a manifest only they and STATIC_UNHASHED_NAMES's are served: every unhashed
    copy would be a second URL per file in each worker's index (storage/unhashed.py)."""
    from whitenoise import WhiteNoise  # only where WhiteNoise serves the static files

    class ReleaseFiles(WhiteNoise):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            self.files = Index(self.get_static_file)

        def update_files_dictionary(self, root, prefix):
            """With a manifest, the names it serves, without a walk of STATIC_ROOT: at 20,000
            sources the walk stat()ed 72,549 files (each .br and .gz copy, each unhashed name)
            in every worker. Without one, WhiteNoise's walk."""
            if served is None:
                return super().update_files_dictionary(root, prefix)
            for url in served:
                # As the walk would: no name outside STATIC_ROOT (a hand-edited manifest; a
                # canonical URL has no ".." and no "//"), and no .gz/.br copy of a served file
                # under a URL of its own.
                copy = url[-3:] in (".gz", ".br") and url[:-3] in served
                if not copy and self.url_is_canonical(url):
                    self.files[url] = root + url[len(prefix) :]

        def add_file_to_dictionary(self, url, path, stat_cache=None):
            if not self.is_compressed_variant(path, stat_cache):
                self.files[url] = path  # its headers are built at its first request (Index)

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
        previous = getattr(staticfiles_storage, "previous_hashed_names", set)()
        hashed = {prefix + name for name in (*names.values(), *previous)}
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


class Index(dict):
    """WhiteNoise's URL -> file index, where a file's entry (its headers, and the size and time of
    each of its .br/.gz copies) is built at its first request, from its path: at 20,000 files
    the entries built at start-up were 22 MiB of every worker's memory and a second of its
    start, for files most of which a worker never sends. A file that cannot be sent when
    first asked for (gone since start-up, a previous release's file deleted, or not a regular
    file or unreadable, logged once) answers as one never collected: Django's 404."""

    def __init__(self, build):
        super().__init__()
        self.build = build
        self.unsendable = set()

    def get(self, url, default=None):
        found = dict.get(self, url, default)
        if isinstance(found, str):
            from whitenoise.responders import MissingFileError, NotARegularFileError

            try:
                found = self[url] = self.build(found, url)
            except (NotARegularFileError, OSError) as error:
                if not isinstance(error, MissingFileError) and url not in self.unsendable:
                    self.unsendable.add(url)
                    logger.warning("%s: not sent, answered by Django: %s", url, error)
                return default
        return found


def asgi_application():
    """What asgi.py serves: this front, with Django's WSGI application behind it.

    What start-up built (Django, the index of STATIC_ROOT) lives as long as the worker: it is
    frozen out of the garbage collector's full passes (gc.freeze), which otherwise walk all of
    it again and again under load, each pass a stall for every page waiting in that worker
    (one worker, 16 connections, APP_THREADS=1: p99 41 ms before, 23-31 ms after; gunicorn's
    25-32 ms)."""
    application, serve_static = django_application()
    server = Server(application, serve_static=serve_static)
    gc.collect()
    gc.freeze()
    return server


def django_application():
    """Django's WSGI application as the front runs it (static_kit.wsgi: the start-up refusal
    included), and whether the front answers the static files.

    Where it does (WhiteNoise), the application is built without WhiteNoiseMiddleware: every
    request it would see, the front has looked up already, and it would index STATIC_ROOT a
    second time in every worker (at 20,000 files, 19 of the 22 s of a worker's start and a
    third of its memory). runserver and the test client, which have no front, keep the
    middleware that the settings list."""
    from .wsgi import get_wsgi_application

    serve_static = WHITENOISE in settings.MIDDLEWARE
    if serve_static:
        settings.MIDDLEWARE = [name for name in settings.MIDDLEWARE if name != WHITENOISE]
    return get_wsgi_application(), serve_static


class Server:
    """The ASGI application: see the module's doc."""

    def __init__(self, django_application, serve_static=None):
        self.pages = Pages(django_application, settings.APP_THREADS)
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
        # The request's headers as WSGI names them, once: for WhiteNoise, then for Django.
        environ = static_environ(scope)
        if scope["method"] in ("GET", "HEAD") and await self.send_static(scope, environ, send):
            return
        body = await self.read_body(scope, receive, send)
        if body is not None:
            with body:
                await self.pages(scope, environ, body, send)

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

    async def send_static(self, scope, environ, send) -> bool:
        """Send the collected file at this path (`environ`: static_environ's), if there is
        one; whether it was sent. Over plain HTTP with SECURE_SSL_REDIRECT, Django answers
        instead (its 301)."""
        if self.files is None or self.redirect_to_https and scope["scheme"] != "https":
            return False
        if "HTTP_IF_RANGE" in environ and "HTTP_RANGE" in environ:
            whole = {key: value for key, value in environ.items() if key != "HTTP_RANGE"}
            found = self.files_answer({**whole, "REQUEST_METHOD": "HEAD"})
            if found is None:
                return False
            if not if_range_matches(environ["HTTP_IF_RANGE"], found[1]):
                environ = whole  # RFC 9110 13.1.5: the whole file, 200
        found = self.files_answer(environ)
        if found is None:
            self.files.not_found(scope["path"])
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


class Pages:
    """Django's WSGI application on a pool of threads, one hand-off per response.

    A thread runs the application and reads the whole response; the event loop sends it.
    a2wsgi, used before, handed each message (the start, each chunk, the end) from the thread
    to the loop and waited for it, three round trips per page that each waited for the GIL:
    pages ran at 0.8-0.9x gunicorn's with twice its p99 (make bench). A streaming response
    (a download) is read a chunk per hand-off; a file on disk is sent by granian (pathsend).
    """

    def __init__(self, application, threads: int):
        self.application = application
        self.threads = ThreadPoolExecutor(max_workers=threads, thread_name_prefix="django")

    async def __call__(self, scope, headers, body, send) -> None:
        """Answer with Django: `headers` is static_environ's for this request."""
        loop = asyncio.get_running_loop()
        environ = wsgi_environ(scope, headers, body)
        call = contextvars.copy_context().run
        status, headers, content, rest = await loop.run_in_executor(
            self.threads, call, self.respond, environ
        )
        await send({"type": "http.response.start", "status": status, "headers": headers})
        if isinstance(rest, str):
            return await send({"type": "http.response.pathsend", "path": rest})
        try:
            while rest is not None and content is not None:
                await send({"type": "http.response.body", "body": content, "more_body": True})
                content = await loop.run_in_executor(self.threads, call, next, rest, None)
            await send({"type": "http.response.body", "body": content or b""})
        finally:
            if rest is not None:
                await loop.run_in_executor(self.threads, call, close, rest)

    def respond(self, environ):
        """(status, headers, the body or its first chunk, None or the iterator of the rest or
        the path of the file to send), from a Django thread."""
        started = {}

        def start_response(status, headers, exc_info=None):
            if exc_info and started:
                raise exc_info[1].with_traceback(exc_info[2])
            started["status"] = int(status.split(" ", 1)[0])
            started["headers"] = [
                (name.lower().encode("latin-1"), value.encode("latin-1")) for name, value in headers
            ]
            return started.setdefault("written", []).append  # WSGI's write(), seldom used

        result = self.application(environ, start_response)
        file = getattr(result, "filelike", None)  # wsgi.file_wrapper: a FileResponse
        path = getattr(file, "name", None)
        if (
            type(file) is io.BufferedReader  # open(path, "rb"): not a temporary file
            and isinstance(path, str)
            and os.path.isabs(path)
            and started.get("status") == 200
            and environ["REQUEST_METHOD"] == "GET"
            and not started.get("written")
        ):
            close(result)
            return started["status"], started["headers"], None, path
        if file is None and getattr(result, "streaming", True) is False:  # an HttpResponse
            try:
                content = b"".join([*started.get("written", []), *result])
            finally:
                close(result)
            return started["status"], started["headers"], content, None
        rest = chunks(result)
        first = b"".join(started.get("written", [])) + next(rest, b"")
        return started["status"], started["headers"], first, rest


def chunks(result):
    """The chunks of a streaming response, which is closed however the sending ends (its
    close() sends Django's request_finished and closes a FileResponse's file)."""
    try:
        yield from result
    finally:
        close(result)


def close(result) -> None:
    getattr(result, "close", lambda: None)()


def wsgi_string(text: str) -> str:
    """An ASGI path (decoded text) as WSGI spells it: the latin-1 spelling of its UTF-8."""
    return text.encode().decode("latin-1")


def wsgi_environ(scope, headers: dict, body) -> dict:
    """The WSGI environ Django reads, from the ASGI scope, its headers as static_environ
    names them, and the spooled body."""
    server = scope.get("server") or ("localhost", 80)
    client = scope.get("client") or ("", 0)
    root, path = scope.get("root_path", ""), scope["path"]
    if root and path.startswith(root):
        path = path[len(root) :]
    environ = {
        **headers,
        "SCRIPT_NAME": wsgi_string(root),
        "PATH_INFO": wsgi_string(path),
        "SERVER_PROTOCOL": f"HTTP/{scope['http_version']}",
        "SERVER_NAME": server[0],
        "SERVER_PORT": str(server[1] or 0),
        "REMOTE_ADDR": client[0],
        "REMOTE_PORT": str(client[1]),
        "wsgi.version": (1, 0),
        "wsgi.url_scheme": scope.get("scheme", "http"),
        "wsgi.input": body,
        "wsgi.errors": sys.stderr,
        "wsgi.multithread": True,
        "wsgi.multiprocess": True,
        "wsgi.run_once": False,
    }
    for name in ("CONTENT_LENGTH", "CONTENT_TYPE"):
        if f"HTTP_{name}" in environ:
            environ[name] = environ.pop(f"HTTP_{name}")
    return environ


def static_environ(scope) -> dict:
    """The WSGI environ WhiteNoise reads: the method, the path and the request headers."""
    environ = {
        "REQUEST_METHOD": scope["method"],
        "PATH_INFO": wsgi_string(scope["path"]),  # WhiteNoise's lookup decodes it back
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
    """wsgi.file_wrapper: keeps the file WhiteNoise or a FileResponse opened, for pathsend or
    a range; else it is read in blocks."""

    def __init__(self, filelike, block_size=CHUNK):
        self.filelike, self.block_size = filelike, block_size

    def __iter__(self):
        return iter(lambda: self.filelike.read(self.block_size), b"")

    def close(self) -> None:
        self.filelike.close()


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
