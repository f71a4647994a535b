"""A bounded load test of `newssift serve` on loopback.

Starts its own server (unless --base-url is given), sends a fixed number of requests at a fixed
concurrency — a mix of analyses, stored-report reads, source look-ups and fact-check searches,
and writes that go to SQLite concurrently — and prints one JSON object: counts per status,
5xx errors, p50 and p99 latency, requests per second.

    python benchmarks/load_test.py --requests 2000 --concurrency 16
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

TEXTS = [
    "Council agrees water plan\n\nThe council agreed on Monday to replace the oldest water mains within three "
    "years, the city said in a statement. \"This plan is a start, not a finish,\" the mayor told reporters.",
    "Budget vote delayed\n\nThe vote on the final budget was delayed to March 3 after two members were absent, "
    "a spokesperson said. Critics called the delay a pathetic stunt.",
    "Lead levels above limit\n\nThe state agency said lead levels in 14 of 60 tested homes exceeded the federal "
    "action level last spring.",
]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(db_url: str, home: str) -> tuple[subprocess.Popen, str]:
    port = free_port()
    env = {**os.environ, "NEWSSIFT_HOME": home}
    process = subprocess.Popen([sys.executable, "-m", "newssift.cli", "serve", "--host", "127.0.0.1",
                                "--port", str(port), "--db", db_url], env=env,
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError("server exited: " + process.stderr.read().decode()[-2000:])
        try:
            if httpx.get(base + "/openapi.json", timeout=2).status_code == 200:
                return process, base
        except httpx.HTTPError:
            time.sleep(0.3)
    process.kill()
    raise RuntimeError("server did not start within 120 s")


async def run_load(base: str, requests: int, concurrency: int, analyze_share: float, seed: int = 7) -> dict:
    rng = random.Random(seed)
    latencies: list[float] = []
    statuses: dict[str, int] = {}
    report_ids: list[str] = []
    semaphore = asyncio.Semaphore(concurrency)

    async with httpx.AsyncClient(base_url=base, timeout=120) as client:
        # seed a few stored reports so that reads have something to read
        for text in TEXTS:
            r = await client.post("/api/analyze", json={"text": text})
            if r.status_code == 200 and r.json().get("id"):
                report_ids.append(r.json()["id"])

        async def one(i: int):
            roll = rng.random()
            async with semaphore:
                start = time.perf_counter()
                try:
                    if roll < analyze_share or not report_ids:
                        text = TEXTS[i % len(TEXTS)] + f"\n\nRequest {i}."  # a new report: a concurrent write
                        r = await client.post("/api/analyze", json={"text": text})
                    elif roll < 0.55:
                        r = await client.get(f"/api/reports/{rng.choice(report_ids)}")
                    elif roll < 0.8:
                        r = await client.get(f"/api/sources/{rng.choice(['reuters.com', 'theduran.com', 'example.org'])}")
                    else:
                        r = await client.get("/api/factchecks/search", params={"q": "lead in the water' OR 1=1 --"})
                    key = str(r.status_code)
                except httpx.HTTPError as exc:
                    key = type(exc).__name__
                latencies.append(time.perf_counter() - start)
                statuses[key] = statuses.get(key, 0) + 1

        start = time.perf_counter()
        await asyncio.gather(*(one(i) for i in range(requests)))
        elapsed = time.perf_counter() - start
    latencies.sort()

    def pct(p):
        return round(1000 * latencies[min(len(latencies) - 1, int(p * len(latencies)))], 1)

    return {
        "requests": requests, "concurrency": concurrency, "analyze_share": analyze_share,
        "statuses": statuses,
        "errors_5xx": sum(v for k, v in statuses.items() if k.startswith("5")),
        "transport_errors": sum(v for k, v in statuses.items() if not k.isdigit()),
        "p50_ms": pct(0.50), "p99_ms": pct(0.99), "requests_per_second": round(requests / elapsed, 1),
    }


def main(argv=None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--base-url")
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--analyze-share", type=float, default=0.05, help="share of requests that analyse a new text")
    args = parser.parse_args(argv)
    process = None
    with tempfile.TemporaryDirectory() as home:
        base = args.base_url
        if not base:
            process, base = start_server(f"sqlite:///{Path(home) / 'load.db'}", home)
        try:
            result = asyncio.run(run_load(base, args.requests, args.concurrency, args.analyze_share))
        finally:
            if process:
                process.terminate()
                process.wait(10)
    print(json.dumps(result, indent=2))
    return result


if __name__ == "__main__":
    main()
