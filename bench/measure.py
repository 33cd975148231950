"""wrk runs and interleaved A/B comparisons."""

import re
import shutil
import statistics
import subprocess
from dataclasses import dataclass

UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0}


@dataclass
class Load:
    """One wrk run: requests per second and latency percentiles in milliseconds."""

    rps: float
    p50: float
    p99: float
    errors: int
    # Connections that got no answer in the whole run (see unanswered).
    unanswered: int = 0


def wrk_binary() -> str:
    found = shutil.which("wrk")
    if not found:
        raise SystemExit(
            "wrk is missing: make bench needs it. Install it: sudo apt-get install wrk "
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
    result = subprocess.run(  # noqa: S603 (wrk from PATH, a loopback URL built here)
        [
            wrk_binary(),
            f"-t{threads}",
            f"-c{connections}",
            f"-d{seconds}s",
            "--latency",
            "-H",
            f"Accept-Encoding: {encoding}",
            url,
        ],
        capture_output=True,
        text=True,
        timeout=seconds + 60,
        check=True,
    )
    return parsed(result.stdout, connections)


def parsed(out: str, connections: int) -> Load:
    """A Load from wrk's --latency report of a run with `connections` connections."""
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out)[1])
    p50 = milliseconds(re.search(r"^\s+50%\s+(\S+)", out, re.M)[1])
    p99 = milliseconds(re.search(r"^\s+99%\s+(\S+)", out, re.M)[1])
    errors = sum(int(n) for n in re.findall(r"(?:connect|read|write|timeout) (\d+)", out))
    non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    average = milliseconds(re.search(r"^\s+Latency\s+(\S+)", out, re.M)[1])
    return Load(
        rps,
        p50,
        p99,
        errors + (int(non_2xx[1]) if non_2xx else 0),
        unanswered(connections, rps, average),
    )


def unanswered(connections: int, rps: float, average_ms: float) -> int:
    """How many of the connections were never answered, by Little's law.

    Each wrk connection sends its next request as soon as the last is answered, so the
    connections being answered are the requests per second times the mean latency. wrk
    counts neither an error nor a latency for a request that is never answered before the run
    ends: a server that takes in 8 of 32 connections and leaves the rest in its listen backlog
    (granian with GRANIAN_BACKPRESSURE=4 over 2 workers) reported a p99 of 9 ms, half of
    stock's, with "errors 0". Below 3/4 of the connections, the rest count as errors."""
    answered = rps * average_ms / 1000
    return 0 if answered >= 0.75 * connections else connections - round(answered)


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
