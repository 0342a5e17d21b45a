"""Load generation on loopback: wrk when installed, else a bounded pure-Python client."""
from __future__ import annotations

import http.client
import re
import shutil
import subprocess
import threading
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from benchmarks.client import USER_AGENT

THREADS = 2
CONNECTIONS = 16
TIMEOUT_S = 30  # a response slower than this counts as a timeout (wrk's default is 2 s)
PYTHON_MAX_REQUESTS = 50_000  # the fallback's bound on top of the duration

# wrk prints 50/75/90/99 with --latency; its Lua done() hook can read any percentile.
WRK_SCRIPT = """\
done = function(summary, latency, requests)
  io.write(string.format("ECOLE-BENCH p50_us=%d p95_us=%d p99_us=%d requests=%d duration_us=%d status_errors=%d\\n",
    latency:percentile(50), latency:percentile(95), latency:percentile(99),
    summary.requests, summary.duration, summary.errors.status))
end
"""


@dataclass
class LoadResult:
    tool: str
    requests: int
    duration_s: float
    rps: float
    p50_ms: float
    p95_ms: float
    p99_ms: float
    non_2xx: int = 0  # wrk counts 4xx/5xx here (3xx are not errors for wrk); the fallback counts non-200
    socket_errors: int = 0
    percentiles_ms: dict[str, float] = field(default_factory=dict)  # wrk's --latency distribution

    def as_dict(self) -> dict:
        return asdict(self)


def wrk_path() -> str | None:
    return shutil.which("wrk")


class Loader:
    def __init__(self, tmp: Path, use_wrk: bool = True):
        self.wrk = wrk_path() if use_wrk else None
        self.script = tmp / "p95.lua"
        self.script.write_text(WRK_SCRIPT)

    @property
    def tool(self) -> str:
        return "wrk" if self.wrk else "python"

    def run(self, url: str, headers: dict[str, str], duration: float, connections: int = CONNECTIONS) -> LoadResult:
        if self.wrk:
            return self._wrk(url, headers, duration, connections)
        return python_load(url, headers, duration, connections=connections)

    def _wrk(self, url: str, headers: dict[str, str], duration: float, connections: int) -> LoadResult:
        # --timeout: wrk leaves a response slower than 2 s (its default) out of the latencies.
        command = [self.wrk, f"-t{min(THREADS, connections)}", f"-c{connections}", f"-d{max(1, round(duration))}s",
                   f"--timeout={TIMEOUT_S}s", "--latency", "-s", str(self.script)]
        for name, value in {"User-Agent": USER_AGENT, **headers}.items():
            command += ["-H", f"{name}: {value}"]
        done = subprocess.run(command + [url], capture_output=True, text=True, timeout=duration + 30)
        if done.returncode != 0:
            raise RuntimeError(f"wrk failed ({done.returncode}): {done.stderr.strip() or done.stdout.strip()}")
        return parse_wrk(done.stdout)


_UNITS_MS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0, "h": 3_600_000.0}


def _ms(text: str) -> float:
    number, unit = re.fullmatch(r"([\d.]+)(us|ms|s|m|h)", text).groups()
    return float(number) * _UNITS_MS[unit]


def parse_wrk(output: str) -> LoadResult:
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))
    percentiles = {f"p{p}": _ms(value) for p, value in
                   re.findall(r"^\s+(50|75|90|99)%\s+([\d.]+(?:us|ms|s|m|h))\s*$", output, re.M)}
    ours = dict(re.findall(r"(\w+)=(\d+)", re.search(r"^ECOLE-BENCH (.*)$", output, re.M).group(1)))
    socket = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output)
    non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    percentiles["p95"] = int(ours["p95_us"]) / 1000
    return LoadResult(
        tool="wrk", requests=int(ours["requests"]), duration_s=int(ours["duration_us"]) / 1e6, rps=rps,
        p50_ms=int(ours["p50_us"]) / 1000, p95_ms=int(ours["p95_us"]) / 1000, p99_ms=int(ours["p99_us"]) / 1000,
        non_2xx=int(non_2xx.group(1)) if non_2xx else int(ours["status_errors"]),
        socket_errors=sum(int(n) for n in socket.groups()) if socket else 0,
        percentiles_ms=dict(sorted(percentiles.items(), key=lambda item: int(item[0][1:]))),
    )


def _percentile(ordered: list[float], pct: float) -> float:
    if not ordered:
        return 0.0
    rank = max(0, min(len(ordered) - 1, round(pct / 100 * len(ordered) + 0.5) - 1))
    return ordered[rank]


def python_load(url: str, headers: dict[str, str], duration: float, connections: int = CONNECTIONS,
                max_requests: int = PYTHON_MAX_REQUESTS) -> LoadResult:
    """`connections` threads, each sending requests one after the other on loopback until the
    deadline or max_requests in all; the client itself is slower than wrk, so only ratios compare."""
    parts = urlsplit(url)
    path = parts.path + (f"?{parts.query}" if parts.query else "")
    all_headers = {"User-Agent": USER_AGENT, **headers}
    lock = threading.Lock()
    latencies: list[float] = []
    counts = {"sent": 0, "non_200": 0, "errors": 0}
    start = time.monotonic()
    deadline = start + duration

    def worker() -> None:
        mine: list[float] = []
        while time.monotonic() < deadline:
            with lock:
                if counts["sent"] >= max_requests:
                    break
                counts["sent"] += 1
            began = time.perf_counter()
            connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=10)
            try:
                connection.request("GET", path, headers=all_headers)
                response = connection.getresponse()
                response.read()
                if response.status != 200:
                    with lock:
                        counts["non_200"] += 1
                mine.append(time.perf_counter() - began)
            except OSError:
                with lock:
                    counts["errors"] += 1
            finally:
                connection.close()
        with lock:
            latencies.extend(mine)

    threads = [threading.Thread(target=worker, daemon=True) for _ in range(connections)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=max(0.0, deadline - time.monotonic()) + 15)
    elapsed = time.monotonic() - start
    with lock:
        ordered = sorted(x * 1000 for x in latencies)
    percentiles = {f"p{p}": _percentile(ordered, p) for p in (50, 75, 90, 95, 99)}
    return LoadResult(
        tool="python", requests=len(ordered), duration_s=elapsed, rps=len(ordered) / elapsed if elapsed else 0.0,
        p50_ms=percentiles["p50"], p95_ms=percentiles["p95"], p99_ms=percentiles["p99"],
        non_2xx=counts["non_200"], socket_errors=counts["errors"], percentiles_ms=percentiles,
    )
