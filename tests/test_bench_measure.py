"""make bench's comparisons count what wrk does not: connections a server never answered.

A real HTTP server on 127.0.0.1 that takes in only some of wrk's connections and leaves the
others in its listen backlog, as granian does past GRANIAN_BACKPRESSURE: the answered ones
are fast, so the run looked faster than one that answers everybody.
"""

import socket
import threading
import time
from contextlib import contextmanager

import pytest

from bench.measure import wrk
from harness.servers import LOOPBACK

pytestmark = pytest.mark.serving

# Each answer takes 2 ms, as a small page does (not the microseconds wrk's own loop takes).
SECONDS_PER_ANSWER = 0.002
ANSWER = b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Type: text/plain\r\n\r\nok"


def keep_answering(connection: socket.socket) -> None:
    with connection:
        pending = b""
        while True:
            try:
                data = connection.recv(65536)
            except OSError:  # wrk resets its connections at the end of the run
                return
            if not data:
                return
            pending += data
            while b"\r\n\r\n" in pending:
                _, pending = pending.split(b"\r\n\r\n", 1)
                time.sleep(SECONDS_PER_ANSWER)
                try:
                    connection.sendall(ANSWER)
                except OSError:
                    return


@contextmanager
def server_taking_in(connections: int):
    """A keep-alive HTTP server that accepts `connections` connections and no more: its URL."""
    listener = socket.create_server((LOOPBACK, 0), backlog=128)

    def accept() -> None:
        for _ in range(connections):
            try:
                connection, _ = listener.accept()
            except OSError:  # closed at the end of the test
                return
            threading.Thread(target=keep_answering, args=(connection,), daemon=True).start()

    threading.Thread(target=accept, daemon=True).start()
    try:
        yield f"http://{LOOPBACK}:{listener.getsockname()[1]}/"
    finally:
        listener.close()


def test_connections_a_server_never_takes_in_are_counted():
    """wrk alone reports no error for this server; the run's Load counts the 6 or 7 connections
    left waiting (wrk's own first check that the address answers may take one of the two)."""
    with server_taking_in(2) as url:
        load = wrk(url, 2, connections=8)
    assert load.rps > 0 and load.errors == 0, load
    assert 6 <= load.unanswered <= 7, load


def test_a_server_answering_every_connection_leaves_none_unanswered():
    with server_taking_in(9) as url:  # wrk's 8, and its first check
        load = wrk(url, 2, connections=8)
    assert load.unanswered == 0, load
