"""``make bench``: the front's throughput and ACK latency against its floor, and its cold init.

Both servers run pinned to CPU 0 (uvicorn, one worker); wrk runs pinned to CPU 1 with a Lua script
that cycles through pre-signed requests: 10% PING, 60% deferred ``/play``, 20% ``/queue`` answered
by the front from the player snapshot, 10% bad signatures.
Results are printed and written to ``docs/performance.md`` with the machine and the command.
"""

from __future__ import annotations

import json
import os
import platform
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Final

from nacl.signing import SigningKey

from bench.doc_sections import keep_sections

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
DURATION_S = int(os.environ.get("BENCH_DURATION", "5"))
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "3"))
CONNECTIONS = (16, 64)
#: Distinct interactions per run: every request is a new interaction from a new member of a new
#: guild, so neither the replay guard nor per-user/per-guild rate limits short-cut the work (as in
#: production, where tens of thousands of guilds each send a few commands a minute).
REQUESTS = int(os.environ.get("BENCH_REQUESTS", "50000"))


FLOOR = "floor (raw ASGI + PyNaCl)"
ENCORE = "encore serve (front)"


@dataclass(frozen=True)
class Result:
    server: str
    connections: int
    requests_per_s: float
    p50_ms: float
    p99_ms: float
    non_2xx: int


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def signed_requests(key: SigningKey, first_id: int, count: int) -> bytes:
    """``count`` distinct raw HTTP requests with the benchmark's mix, separated by NUL bytes."""
    stamp = str(int(time.time()))
    requests = []
    for i in range(first_id, first_id + count):
        interaction_id = 1_180_000_000_000_000_000 + i
        kind = {0: "ping", 5: "forged", 3: "queue", 7: "queue"}.get(i % 10, "play")
        payload: dict[str, Any] = {
            "id": str(interaction_id),
            "application_id": "1000000000000000001",
            "type": 1 if kind == "ping" else 2,
            "token": f"bench-token-{i}",
            "version": 1,
        }
        if kind != "ping":
            payload |= {
                "guild_id": str(1_100_000_000_000_000_000 + i * (1 << 22)),
                "channel_id": "1100000000000000100",
                "locale": "en-US",
                "member": {
                    "user": {"id": str(1_100_000_000_000_000_200 + i)},
                    "roles": [],
                    "permissions": "2248473465835073",
                },
                "data": {
                    "id": "1",
                    "name": "play",
                    "type": 1,
                    "options": [{"name": "query", "type": 3, "value": f"song number {i}"}],
                }
                if kind == "play"
                else {"id": "2", "name": "queue", "type": 1, "options": []},
            }
        body = json.dumps(payload, separators=(",", ":")).encode()
        signature = key.sign(stamp.encode() + body).signature.hex()
        if kind == "forged":
            signature = ("0" if signature[0] != "0" else "1") + signature[1:]
        head = (
            "POST /interactions HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
            f"X-Signature-Ed25519: {signature}\r\nX-Signature-Timestamp: {stamp}\r\n"
            f"Content-Length: {len(body)}\r\n\r\n"
        )
        requests.append(head.encode() + body)
    return b"\0".join(requests)


#: wrk's Lua reads the requests from a file (a script holding them as constants would be too big).
LUA = """
local path = "{path}"
local f = assert(io.open(path, "rb"))
local data = f:read("*a")
f:close()
local reqs = {{}}
for req in string.gmatch(data, "([^%z]+)") do reqs[#reqs + 1] = req end
local i = 0
request = function() i = i % #reqs + 1; return reqs[i] end
done = function(summary, latency, requests)
  io.write(string.format("NON2XX %d\\n", summary.errors.status))
end
"""


def start_server(app: str, port: int, env: dict[str, str], factory: bool) -> subprocess.Popen[bytes]:
    command = [
        "taskset",
        "-c",
        "0",
        PYTHON,
        "-m",
        "uvicorn",
        app,
        "--port",
        str(port),
        "--no-access-log",
        "--log-level",
        "warning",
    ]
    if factory:
        command.append("--factory")
    process = subprocess.Popen(command, env=env, cwd=ROOT)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                return process
        time.sleep(0.1)
    process.kill()
    raise RuntimeError(f"{app} did not start")


def run_wrk(port: int, script: Path, connections: int) -> tuple[float, float, float, int]:
    output = subprocess.run(
        [
            "taskset",
            "-c",
            "1",
            "wrk",
            "-t1",
            f"-c{connections}",
            f"-d{DURATION_S}s",
            "--latency",
            "-s",
            str(script),
            f"http://127.0.0.1:{port}",
        ],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))  # type: ignore[union-attr]

    def percentile(label: str) -> float:
        match = re.search(rf"^\s+{label}%\s+([\d.]+)(us|ms|s)", output, re.M)
        assert match, output
        value, unit = float(match.group(1)), match.group(2)
        return value / 1000 if unit == "us" else value * 1000 if unit == "s" else value

    non_2xx_401 = int(re.search(r"NON2XX (\d+)", output).group(1))  # type: ignore[union-attr]
    return rps, percentile("50"), percentile("99"), non_2xx_401


class Scripts:
    """Fresh pre-signed requests for every run, so no two runs share an interaction."""

    def __init__(self, key: SigningKey, folder: Path) -> None:
        self._key = key
        self._folder = folder
        self._next_id = 0

    def make(self, count: int) -> Path:
        data = self._folder / f"requests-{self._next_id}.bin"
        data.write_bytes(signed_requests(self._key, self._next_id, count))
        script = self._folder / f"mix-{self._next_id}.lua"
        script.write_text(LUA.format(path=data))
        self._next_id += count
        return script


def bench_server(name: str, app: str, factory: bool, key: SigningKey, scripts: Scripts) -> list[Result]:
    env = dict(os.environ, DISCORD_PUBLIC_KEY=key.verify_key.encode().hex(), ENCORE_QUEUE="memory")
    for variable in ("DISCORD_BOT_TOKEN", "REDIS_URL", "ENCORE_SQS_QUEUE_URLS"):
        env.pop(variable, None)
    port = free_port()
    process = start_server(app, port, env, factory)
    results = []
    try:
        run_wrk(port, scripts.make(2000), 16)  # warm-up
        for connections in CONNECTIONS:
            rps, p50, p99, non_2xx = run_wrk(port, scripts.make(REQUESTS), connections)
            results.append(Result(name, connections, rps, p50, p99, non_2xx))
    finally:
        process.terminate()
        process.wait(timeout=30)
    return results


def fresh_interpreter_ms(snippet: str, runs: int) -> list[float]:
    """How long ``snippet`` takes in a new interpreter (the Lambda cold start's situation), in ms."""
    code = f"import time\nt = time.perf_counter()\n{snippet}\nprint((time.perf_counter() - t) * 1000)\n"
    env = dict(os.environ, DISCORD_PUBLIC_KEY="a" * 64, ENCORE_QUEUE="memory")
    env.pop("REDIS_URL", None)
    times = []
    for _ in range(runs):
        out = subprocess.run(
            [PYTHON, "-c", code], env=env, cwd=ROOT, check=True, capture_output=True, text=True
        ).stdout
        times.append(float(out.strip()))
    return times


def cold_init_ms(runs: int = 10) -> list[float]:
    return fresh_interpreter_ms("import interactions.lambda_handler as h\nh.build_endpoint()", runs)


#: What the pieces the front keeps off (or pays on) its cold path cost on their own.
COLD_PATH_PIECES: Final = (
    ("FastAPI (import)", "import fastapi"),
    (
        "boto3 + an SQS client",
        "import boto3\nboto3.client('sqs', region_name='us-east-1', "
        "aws_access_key_id='x', aws_secret_access_key='x')",
    ),
    ("redis-py (import)", "import redis.asyncio"),
    ("pydantic-settings + Encore's settings", "from encore.settings import load_settings\nload_settings()"),
    (
        "Powertools Logger + Metrics",
        "from aws_lambda_powertools import Logger, Metrics\nLogger(service='x')\nMetrics(namespace='x')",
    ),
    ("Mangum (import)", "import mangum"),
)


def cold_path_costs(runs: int = 5) -> list[tuple[str, float]]:
    return [
        (name, statistics.median(fresh_interpreter_ms(snippet, runs))) for name, snippet in COLD_PATH_PIECES
    ]


def signature_check_us(rounds: int = 2000) -> float:
    """Median cost of one Ed25519 verification of a /play-sized body (both servers pay it)."""
    key = SigningKey.generate()
    body = signed_requests(key, 0, 2).split(b"\0")[1].split(b"\r\n\r\n", 1)[1]
    signed = key.sign(b"1700000000" + body)
    verify = key.verify_key.verify
    samples = []
    for _ in range(5):
        started = time.perf_counter()
        for _ in range(rounds):
            verify(signed.message, signed.signature)
        samples.append((time.perf_counter() - started) / rounds * 1e6)
    return statistics.median(samples)


def machine() -> str:
    cpu = "unknown CPU"
    if Path("/proc/cpuinfo").exists():
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    return f"{cpu}, {os.cpu_count()} cores, Linux {platform.release()}, Python {platform.python_version()}"


def main() -> int:
    if shutil.which("wrk") is None:
        print("make bench needs wrk (Debian: apt-get install wrk)", file=sys.stderr)
        return 2
    key = SigningKey.generate()
    results: list[Result] = []
    with tempfile.TemporaryDirectory() as tmp:
        scripts = Scripts(key, Path(tmp))
        # Alternate the two servers, round after round: this machine's speed drifts over minutes,
        # and the ratio is only fair between runs made close together.
        for _ in range(ROUNDS):
            results += bench_server(FLOOR, "bench.floor_app:app", False, key, scripts)
            results += bench_server(ENCORE, "interactions.app:create_app", True, key, scripts)
    cold = cold_init_ms()
    report = render(results, cold, cold_path_costs(), signature_check_us())
    print(report)
    path = ROOT / "docs" / "performance.md"
    path.write_text(keep_sections(path, report))  # the other benchmarks' sections stay
    return 0


def render(
    results: list[Result], cold: list[float], pieces: list[tuple[str, float]], verify_us: float
) -> str:
    def median_of(server: str, connections: int) -> Result:
        runs = [r for r in results if r.server == server and r.connections == connections]
        return Result(
            server,
            connections,
            statistics.median(r.requests_per_s for r in runs),
            statistics.median(r.p50_ms for r in runs),
            statistics.median(r.p99_ms for r in runs),
            sum(r.non_2xx for r in runs) // len(runs),
        )

    lines = [
        "# Performance",
        "",
        "Written by `make bench` (`python -m bench.front`); do not edit by hand.",
        "",
        f"- Measured: {datetime.now(UTC):%Y-%m-%d %H:%M} UTC",
        f"- Machine: {machine()}",
        f"- Command: `make bench` ({ROUNDS} alternating rounds, {DURATION_S} s per run, medians shown)",
        "- Setup: server pinned to CPU 0 (uvicorn, one worker, uvloop + httptools); wrk pinned to CPU 1.",
        f"  Each run sends up to {REQUESTS:,} distinct pre-signed interactions (each from its own member",
        "  and guild): 10% PING, 60% deferred `/play` (in-process queue), 20% `/queue` answered by the",
        "  front (in-process snapshot store), 10% bad signatures (401s, counted as non-2xx). The floor",
        "  verifies and parses the same requests and answers every command with type 5.",
        "",
        "## Interactions: throughput and ACK latency",
        "",
        "| Server | Connections | Requests/s | vs floor | p50 ms | p99 ms | non-2xx per run |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for server in (FLOOR, ENCORE):
        for connections in CONNECTIONS:
            r = median_of(server, connections)
            ratio = r.requests_per_s / median_of(FLOOR, connections).requests_per_s
            lines.append(
                f"| {server} | {connections} | {r.requests_per_s:,.0f} | {ratio:.2f}× | "
                f"{r.p50_ms:.2f} | {r.p99_ms:.2f} | {r.non_2xx} |"
            )
    lines += [
        "",
        "Every run, in order:",
        "",
        "| Server | Connections | Requests/s | p50 ms | p99 ms |",
        "|---|---:|---:|---:|---:|",
        *(
            f"| {r.server} | {r.connections} | {r.requests_per_s:,.0f} | {r.p50_ms:.2f} | {r.p99_ms:.2f} |"
            for r in results
        ),
        "",
        "Targets (issue 3): Encore ≥ 0.8× the floor's throughput; ACK p99 ≤ 5 ms at 16 and ≤ 10 ms",
        "at 64 connections.",
        "",
        "Reading these numbers: this is a shared 2-core VM whose speed drifts by tens of percent",
        "between minutes (compare the rounds above), so only the ratio of neighbouring runs means",
        "much. Both servers pay the same Ed25519 verification "
        f"({verify_us:.0f} µs per request, measured in this run, the largest single",
        "cost) and the same uvicorn/httptools parsing. Per command, Encore also validates the",
        "payload and the options, checks the replay guard, takes two token-bucket hits (user and",
        "guild), resolves locale and tier, builds and serialises the envelope, queues it, and",
        "records the search for autocomplete -- the floor does none of that. The long p99 tails at 64",
        "connections (the floor has them too, smaller) are not explained yet.",
        "",
        "## Lambda cold init",
        "",
        "Fresh interpreter, `import interactions.lambda_handler` and `build_endpoint()`, 10 runs:",
        f"median **{statistics.median(cold):.0f} ms** (min {min(cold):.0f}, max {max(cold):.0f}).",
        "Target: ≤ 300 ms.",
        "",
        "What pieces cost on their own in a fresh interpreter (median of 5; the front loads FastAPI,",
        "boto3 and redis-py only when first needed, see docs/decisions/0001):",
        "",
        "| Piece | ms |",
        "|---|---:|",
        *(f"| {name} | {ms:.0f} |" for name, ms in pieces),
        "",
    ]
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())
