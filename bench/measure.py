"""wrk runs and interleaved A/B comparisons."""

import re
import shutil
import statistics
import subprocess
import time
from dataclasses import dataclass
from urllib.parse import urlsplit

UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0}


@dataclass
class Load:
    """One wrk run: requests per second and latency percentiles in milliseconds."""

    rps: float
    p50: float
    p99: float
    errors: int
    # Connections that sat in the server's listen backlog through the whole run (see waiting).
    unanswered: int = 0


def tool(name: str, package: str) -> str:
    """The path of a system tool make bench drives, or a stop saying what to install."""
    found = shutil.which(name)
    if not found:
        raise SystemExit(
            f"{name} is missing: make bench needs it. Install it: sudo apt-get install {package} "
            "(or make system-packages as root)."
        )
    return found


def milliseconds(text: str) -> float:
    number, unit = re.fullmatch(r"([\d.]+)(us|ms|s)", text).groups()
    return float(number) * UNITS[unit]


def wrk(
    url: str, seconds: int, encoding: str = "br, gzip", connections: int = 32, threads: int = 2
) -> Load:
    """A fixed, bounded load: `connections` keep-alive connections for `seconds`, asking
    for `encoding` (a browser's "br, gzip"; "identity" for the same bytes everywhere)."""
    command = [
        tool("wrk", "wrk"),
        f"-t{threads}",
        f"-c{connections}",
        f"-d{seconds}s",
        "--latency",
        "-H",
        f"Accept-Encoding: {encoding}",
        url,
    ]
    # wrk from PATH, a loopback URL built here.
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)  # noqa: S603
    begun, port = time.monotonic(), urlsplit(url).port
    never_taken = None
    for moment in (0.25, 0.5, 0.75):  # of the run: the connections waiting at each
        time.sleep(max(0.0, begun + moment * seconds - time.monotonic()))
        now = waiting(port)
        never_taken = now if never_taken is None else never_taken & now
    out, err = process.communicate(timeout=seconds + 60)
    if process.returncode != 0:
        raise subprocess.CalledProcessError(process.returncode, command, out, err)
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out)[1])
    p50 = milliseconds(re.search(r"^\s+50%\s+(\S+)", out, re.M)[1])
    p99 = milliseconds(re.search(r"^\s+99%\s+(\S+)", out, re.M)[1])
    errors = sum(int(n) for n in re.findall(r"(?:connect|read|write|timeout) (\d+)", out))
    non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    errors += int(non_2xx[1]) if non_2xx else 0
    return Load(rps, p50, p99, errors, len(never_taken))


def waiting(port: int) -> set[str]:
    """The client ends of the connections to `port` that the kernel has set up but no server
    process has taken in (accepted): those in its listen backlog.

    wrk reports neither an error nor a latency for a request that is never answered before
    its run ends: granian with GRANIAN_BACKPRESSURE=4 over 2 workers took in 8 of 32
    connections and left the rest in its backlog, and wrk saw a p99 of 9 ms, half of stock's,
    with no error. A connection waiting at a quarter, half and three quarters of a run is one
    that was never answered; a server that closes each connection after its answer (gunicorn's
    sync workers) leaves others waiting in turn, each with a new client port. (Requests per
    second times the mean latency, Little's law, counts the connections answered only where
    wrk's own time per request is small: at 26,000 requests per second it counted 18 of 32.)"""
    listing = subprocess.run(  # noqa: S603 (ss from iproute2, a port number)
        [tool("ss", "iproute2"), "-tnpH", "state", "established", f"( sport = :{port} )"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return {line.split()[3] for line in listing.splitlines() if "users:" not in line}


def ratios(a: list[float], b: list[float]) -> list[float]:
    """B/A for each interleaved round."""
    return [y / x for x, y in zip(a, b, strict=True)]


def summary(values: list[float], form: str = "{:.2f}x") -> str:
    """'1.67x (median of 3, spread 1.58-1.70x)': how every goal reports its ratios."""
    median, low, high = (form.format(f(values)) for f in (statistics.median, min, max))
    return f"{median} (median of {len(values)}, spread {low}-{high})"


@dataclass
class Comparison:
    """B against A over interleaved rounds."""

    a: list[Load]
    b: list[Load]

    @property
    def ratios(self) -> list[float]:
        return ratios([load.rps for load in self.a], [load.rps for load in self.b])

    @property
    def ratio(self) -> float:
        return statistics.median(self.ratios)

    def median(self, side: str, field: str) -> float:
        return statistics.median(getattr(load, field) for load in getattr(self, side))

    @property
    def errors(self) -> int:
        """Failed and non-2xx/3xx requests, and connections never answered, on both sides."""
        return sum(load.errors + load.unanswered for load in self.a + self.b)


def interleave(
    url_a: str, url_b: str, rounds: int, seconds: int, encoding: str = "br, gzip"
) -> Comparison:
    """A then B, `rounds` times, so drift in the machine's speed hits both alike."""
    a, b = [], []
    for _ in range(rounds):
        a.append(wrk(url_a, seconds, encoding))
        b.append(wrk(url_b, seconds, encoding))
    return Comparison(a, b)
