"""What faces clients in production keeps answering them: slow clients by the thousand, a
worker killed under load, proxy headers spelled to fool the app server, a client that sends a
whole oversized body before it reads.

One variant per strategy: the servers facing clients are the strategy's (granian with the
front, nginx, gunicorn), the same whatever the media storage.
"""

import os
import signal
import socket
import subprocess
import threading
import time

import pytest
import requests

from harness.faults import hostile_clients
from harness.servers import LOOPBACK, free_port, running, wait_for
from harness.sites import serve_env
from harness.variants import VARIANTS, variant_id

pytestmark = pytest.mark.serving

ONE_PER_STRATEGY = [answers for answers in VARIANTS if answers["media_storage"] == "local"]
SLOW_HEADERS, SLOW_BODIES, PROBES = 2000, 64, 10


@pytest.fixture(params=ONE_PER_STRATEGY, ids=variant_id)
def strategy_site(request, start_site):
    return start_site(request.param)


def new_clients_answered(url: str, count: int = PROBES, within: float = 2.0) -> list[str]:
    """`count` new clients, one after the other, each on a new connection: what each got."""
    seen = []
    for _ in range(count):
        started = time.monotonic()
        try:
            status = requests.get(url, timeout=within).status_code
            seen.append(f"{status} in {time.monotonic() - started:.2f} s")
        except requests.RequestException as error:
            seen.append(f"{type(error).__name__} after {time.monotonic() - started:.2f} s")
    return seen


def all_answered(seen: list[str]) -> bool:
    return all(item.startswith("200 ") for item in seen)


@pytest.mark.threat(
    "Hostile clients", f"{SLOW_HEADERS} connections that never finish their headers"
)
def test_slow_header_clients_never_lock_out_a_new_client(strategy_site):
    site = strategy_site
    with hostile_clients(site.port, SLOW_HEADERS, "headers", seconds=40) as attack:
        wait_until_open(attack, SLOW_HEADERS)
        seen = new_clients_answered(site.url + "/")
        held = attack["open"]
    assert all_answered(seen), f"{site.name} with {held} slow clients held: {seen}"


@pytest.mark.threat("Hostile clients", f"{SLOW_BODIES} uploads sent a byte a second")
def test_slow_body_clients_never_lock_out_a_new_client(strategy_site):
    """A thread that waits for a body is a thread no one else gets: granian's WSGI mode gave
    every thread to 16 such clients, static files included."""
    site = strategy_site
    with hostile_clients(site.port, SLOW_BODIES, "body", seconds=30) as attack:
        wait_until_open(attack, SLOW_BODIES)
        time.sleep(1)  # their headers are in: each is now waiting on its body
        seen = new_clients_answered(site.url + "/")
        held = attack["open"]
    assert all_answered(seen), f"{site.name} with {held} slow uploads held: {seen}"


def wait_until_open(attack: dict, count: int) -> None:
    deadline = time.monotonic() + 20
    while attack["open"] < count * 0.95 and time.monotonic() < deadline:
        time.sleep(0.1)


def at_least_two(workers: set[int]) -> set[int] | None:
    return workers if len(workers) >= 2 else None


def workers_of(leader: int) -> set[int]:
    """The worker processes: the children of the server's main process (granian's or
    gunicorn's, which the start command execs into)."""
    found = subprocess.run(
        ["pgrep", "-P", str(leader)], capture_output=True, text=True, check=False
    ).stdout.split()
    return {int(pid) for pid in found}


@pytest.mark.threat("Crashed workers", "A worker killed (SIGKILL) under load")
def test_a_worker_killed_under_load_is_replaced_and_the_site_answers(strategy_site, measured):
    """kill -9 of one worker, as the OOM killer does, under a steady load: the server stays
    up, replaces it, and new clients are answered again within seconds. Requests that were on
    that worker fail; how many is recorded."""
    site = strategy_site
    port = free_port()
    env = serve_env(site, port, **site.local_stack_env())
    url = f"http://{LOOPBACK}:{port}/"
    with running(site.app_server(port), site.project, env, url, "crash") as server:
        # gunicorn forks its workers after the socket answers: wait for both.
        before = wait_for(lambda: at_least_two(workers_of(server.pid)), 20, site.name)
        outcome = {"ok": 0, "failed": 0}
        stop = threading.Event()

        def load():
            session = requests.Session()
            while not stop.is_set():
                try:
                    session.get(url, timeout=5).raise_for_status()
                    outcome["ok"] += 1
                except requests.RequestException:
                    outcome["failed"] += 1
                    session = requests.Session()

        loaders = [threading.Thread(target=load) for _ in range(4)]
        for loader in loaders:
            loader.start()
        time.sleep(2)
        victim = min(before)
        os.kill(victim, signal.SIGKILL)
        try:
            deadline = time.monotonic() + 15
            while time.monotonic() < deadline:
                after = workers_of(server.pid)
                if len(after) >= len(before) and victim not in after:
                    break
                time.sleep(0.1)
            time.sleep(2)
        finally:
            stop.set()
            for loader in loaders:
                loader.join()
        assert server.poll() is None, f"{site.name}: the server exited after one worker died"
        assert victim not in after and len(after) >= len(before), f"{site.name}: {after}"
        seen = new_clients_answered(url)
        assert all_answered(seen), f"{site.name} after the kill: {seen}"
    measured(site.name, "requests failed / answered while one worker was killed", outcome)
    assert outcome["ok"] > 0 and outcome["failed"] <= 25, f"{site.name}: {outcome}"


def raw_status(port: int, headers: list[tuple[str, str]]) -> str:
    """The status line for GET / with exactly these headers, as sent."""
    lines = ["GET / HTTP/1.1", f"Host: {LOOPBACK}", "Connection: close"]
    lines += [f"{name}: {value}" for name, value in headers]
    with socket.create_connection((LOOPBACK, port), timeout=10) as connection:
        connection.sendall(("\r\n".join(lines) + "\r\n\r\n").encode())
        return connection.makefile("rb").readline().decode().strip()


SPOOFS = {
    "underscore last": [("X-Forwarded-Proto", "http"), ("X_Forwarded_Proto", "https")],
    "underscore first": [("X_Forwarded_Proto", "https"), ("X-Forwarded-Proto", "http")],
    "underscore only": [("X_Forwarded_Proto", "https")],
}


@pytest.mark.threat(
    "Hostile clients", "X_Forwarded_Proto beside or instead of X-Forwarded-Proto", cases=3
)
def test_an_underscore_forwarded_proto_is_never_believed_by_the_app_server(strategy_site):
    """From a trusted proxy's address, with HTTPS required: only the proxy's own
    X-Forwarded-Proto may say https. Its underscore spelling, in any order, must not."""
    site = strategy_site
    port = free_port()
    env = serve_env(site, port, DJANGO_HTTPS="true", **site.local_stack_env())
    url = f"http://{LOOPBACK}:{port}/"
    with running(site.app_server(port), site.project, env, url, "proxy-headers"):
        believed = raw_status(port, [("X-Forwarded-Proto", "https")])
        spoofed = {name: raw_status(port, headers) for name, headers in SPOOFS.items()}
    assert " 200 " in believed + " ", f"{site.name}: the proxy's own header: {believed}"
    wrong = {name: status for name, status in spoofed.items() if " 301 " not in status + " "}
    assert not wrong, f"{site.name}: treated as HTTPS: {wrong}"


@pytest.mark.threat("Hostile clients", "An 11 MiB upload sent whole before the answer is read")
def test_a_client_that_sends_a_whole_oversized_body_first_reads_the_413(strategy_site):
    """Python's http.client, and other simple clients, send the whole body and only then
    read: a server that answers 413 and closes at once leaves them a broken pipe."""
    site = strategy_site
    body = b"\0" * (11 * 1024 * 1024)
    head = (
        "POST /admin/uploads/upload/add/ HTTP/1.1\r\n"
        f"Host: {LOOPBACK}\r\nContent-Type: application/octet-stream\r\n"
        f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n"
    )
    with socket.create_connection((LOOPBACK, site.port), timeout=30) as connection:
        try:
            connection.sendall(head.encode() + body)
            status = connection.makefile("rb").readline().decode().strip()
        except OSError as error:
            status = f"{type(error).__name__}: {error}"
    assert status.startswith("HTTP/1.1 413"), f"{site.name}: {status}"
