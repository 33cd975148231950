"""Faults the tests cause for real: a nearly full disk under a folder a server reads.

A tmpfs (a real filesystem with a hard size) is mounted beside the folder and the folder's
contents copied onto it, then bind-mounted over the folder, so the server and the deploy see
the same paths with the disk now full. A filler file beside (not inside) the folder takes all
the free space, and a writer keeps taking any block that is freed, as another program on a
busy disk would. Everything is undone afterwards: the folder shows its own files again.
"""

import contextlib
import errno
import gzip
import hashlib
import os
import re
import shutil
import subprocess
import tempfile
import threading
import time
from pathlib import Path

import brotli

CHUNK = 4096


def mount(*args: str) -> None:
    result = subprocess.run(["mount", *args], capture_output=True, text=True, check=False)  # noqa: S603, S607
    if result.returncode != 0:
        raise AssertionError(
            f"`mount {' '.join(args)}` failed ({result.stderr.strip()}): the full-disk tests "
            "need a real filesystem with a size limit. Run make test as root on a machine that "
            "allows mounting a tmpfs (in a container: --cap-add SYS_ADMIN)."
        )


def unmount(path: Path) -> None:
    subprocess.run(["umount", "--lazy", str(path)], check=False)  # noqa: S603, S607


def allocated_bytes(folder: Path) -> int:
    """What the folder's files take on a filesystem with 4 KiB blocks."""
    total = 0
    for path in folder.rglob("*"):
        size = path.lstat().st_size
        total += -(-size // CHUNK) * CHUNK + CHUNK  # each file and folder: its blocks, an inode
    return total


def fill(path: Path, stop: threading.Event) -> None:
    """Write to `path` until the disk is full, and go on taking whatever space is freed."""
    with open(path, "ab", buffering=0) as filler:
        while not stop.is_set():
            try:
                filler.write(b"\0" * CHUNK)
            except OSError as error:
                if error.errno != errno.ENOSPC:
                    raise
                stop.wait(0.001)


@contextlib.contextmanager
def nearly_full_disk(folder: Path, spare: int = 8 * 1024 * 1024):
    """Put `folder` on a tmpfs of its own size plus `spare`, all of it taken by a filler."""
    if os.geteuid() != 0:
        raise AssertionError(
            "The full-disk tests mount a tmpfs, which needs root: run make test as root."
        )
    disk = Path(tempfile.mkdtemp(prefix="cds-full-disk-"))
    size = allocated_bytes(folder) + spare
    stop = threading.Event()
    writer = None
    try:
        mount("-t", "tmpfs", "-o", f"size={size},mode=0755", "tmpfs", str(disk))
        shutil.copytree(folder, disk / "folder", symlinks=True, copy_function=shutil.copy2)
        shutil.copystat(folder, disk / "folder")
        mount("--bind", str(disk / "folder"), str(folder))
        writer = threading.Thread(target=fill, args=(disk / "filler", stop), daemon=True)
        writer.start()
        wait_until_full(disk)
        yield folder
    finally:
        stop.set()
        if writer is not None:
            writer.join(timeout=10)
        unmount(folder)
        unmount(disk)
        shutil.rmtree(disk, ignore_errors=True)


def wait_until_full(disk: Path) -> None:
    for _ in range(1000):
        if shutil.disk_usage(disk).free < CHUNK:
            return
        threading.Event().wait(0.01)
    raise AssertionError(f"the filler never filled {disk}")


def snapshot(folder: Path) -> dict[str, tuple[int, str]]:
    """Every file under `folder`: (inode, SHA-256). Another inode means it was replaced."""
    return {
        str(path.relative_to(folder)): (path.stat().st_ino, sha256(path))
        for path in sorted(folder.rglob("*"))
        if path.is_file()
    }


def sha256(path: Path) -> str:
    with open(path, "rb") as file:
        return hashlib.file_digest(file, "sha256").hexdigest()


# A name with Django's hash: css/site.3f2a1c9b7e4d.css, LICENSE.3f2a1c9b7e4d.
HASHED_NAME = re.compile(r"\.([0-9a-f]{12})(?:\.[A-Za-z0-9]+)?$")


def file_hash(data: bytes) -> str:
    """The hash Django's hashed name gives these bytes (HashedFilesMixin.file_hash)."""
    return hashlib.md5(data).hexdigest()[:12]  # noqa: S324 (Django's, not for security)


def files_that_lie(folder: Path) -> list[str]:
    """Hashed files whose bytes do not have the hash in their name, and compressed copies
    that do not decompress to their file: what browsers would cache for a year."""
    lying = []
    for path in sorted(folder.rglob("*")):
        if not path.is_file():
            continue
        original = path.with_suffix("")
        if path.suffix in (".br", ".gz") and original.is_file():
            unpack = brotli.decompress if path.suffix == ".br" else gzip.decompress
            if unpack(path.read_bytes()) != original.read_bytes():
                lying.append(path.name)
        elif found := HASHED_NAME.search(path.name):
            if file_hash(path.read_bytes()) != found.group(1):
                lying.append(f"{path.name} ({path.stat().st_size} bytes)")
    return lying


@contextlib.contextmanager
def hostile_clients(port: int, count: int, kind: str, seconds: float):
    """`count` connections to 127.0.0.1:`port` that never finish a request, for at most
    `seconds`: "headers" sends a request line and then one header byte a second; "body" sends
    whole headers with a Content-Length and then one body byte a second. A dropped one
    reconnects. Yields their counters (open, connects, dropped) while they run."""
    import asyncio
    import resource

    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (max(soft, min(hard, count + 4096)), hard))
    opening = {
        "headers": b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ",
        "body": b"POST /admin/login/ HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        b"Content-Type: application/x-www-form-urlencoded\r\n"
        b"Cookie: csrftoken=abcdefghijklmnopqrstuvwxyzABCDEF\r\nContent-Length: 100000\r\n\r\n",
    }[kind]
    counters = {"open": 0, "connects": 0, "dropped": 0}
    loop = asyncio.new_event_loop()
    deadline = time.monotonic() + seconds

    async def one():
        while time.monotonic() < deadline:
            try:
                reader, writer = await asyncio.wait_for(
                    asyncio.open_connection("127.0.0.1", port), 5
                )
            except (OSError, TimeoutError):
                await asyncio.sleep(0.2)
                continue
            counters["connects"] += 1
            counters["open"] += 1
            try:
                writer.write(opening)
                while time.monotonic() < deadline:
                    try:
                        if not await asyncio.wait_for(reader.read(4096), 1):
                            break  # closed by the server
                        break  # answered (408, 400): counts as dropped
                    except TimeoutError:
                        writer.write(b"a")
                        await writer.drain()
            except OSError:
                pass
            finally:
                counters["open"] -= 1
                counters["dropped"] += 1
                writer.close()

    async def attack():
        tasks = [loop.create_task(one()) for _ in range(count)]
        await asyncio.gather(*tasks, return_exceptions=True)

    thread = threading.Thread(target=loop.run_until_complete, args=(attack(),), daemon=True)
    thread.start()
    try:
        yield counters
    finally:
        deadline = 0  # noqa: F841 (read by the tasks through the closure)
        thread.join(timeout=seconds + 15)
        loop.close()
