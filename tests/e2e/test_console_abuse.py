"""Abuse stays bounded against the real running bot: the `perps-bot` CLI on a paced dev replay,
its operator API with a small idle timeout, fifty connections that never send a byte and two
thousand requests from a few concurrent clients (plus some oversized bodies the body cap must
refuse). Asserted with counts, never wall-clock: the bot kept completing cycles during the load,
the server closed every idle connection itself, every request was answered as it should be, and
the process's resident memory (VmRSS) grew by less than a generous bound."""

from __future__ import annotations

import socket
import subprocess
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx

from tests.e2e._cli import (
    WAIT_S,
    cli_env,
    dev_command,
    killed_on_exit,
    signal_and_wait,
    wait_for_address,
    wait_for_cycle,
)

IDLE = 50
REQUESTS = 2000
CLIENTS = 4
OVERSIZED = 20
RSS_GROWTH_KB = 50 * 1024
READS = (
    "/api/v1/status",
    "/api/v1/positions",
    "/api/v1/orders",
    "/api/v1/fills",
    "/api/v1/events",
    "/health",
    "/metrics",
)


def rss_kb(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise AssertionError(f"no VmRSS for {pid}")


def _idle_socket(url: str) -> socket.socket:
    host, port = url.removeprefix("http://").rsplit(":", 1)
    # The timeout only guards against a hang; the server's own idle timeout closes it far sooner.
    return socket.create_connection((host, int(port)), timeout=WAIT_S)


def _closed_by_server(sock: socket.socket) -> bool:
    try:
        while sock.recv(4096):
            pass
    except TimeoutError:
        return False
    except ConnectionResetError:
        return True
    return True


def _load(url: str, share: int) -> tuple[dict[int, int], list[int]]:
    """`share` reads round the endpoints on one keep-alive client: the status codes counted and
    the cycle numbers the status reads reported."""
    codes: dict[int, int] = {}
    cycles: list[int] = []
    with httpx.Client(base_url=url, timeout=WAIT_S) as client:
        for n in range(share):
            path = READS[n % len(READS)]
            answer = client.get(path)
            codes[answer.status_code] = codes.get(answer.status_code, 0) + 1
            if path == "/api/v1/status" and answer.status_code == 200:
                cycles.append(int(answer.json()["cycle"]))
    return codes, cycles


def _oversized(url: str) -> list[int]:
    with httpx.Client(base_url=url, timeout=WAIT_S) as client:
        return [
            client.post("/api/v1/control/pause", content=b"x" * 200_000).status_code
            for _ in range(OVERSIZED)
        ]


def test_cycles_and_memory_stay_steady_under_load_and_idle_connections(tmp_path: Path) -> None:
    data_dir = tmp_path / "var"
    err = tmp_path / "bot.err"
    proc = subprocess.Popen(
        # Paced so the replay outlasts the load; a small idle timeout so the idle sockets go soon.
        dev_command(
            data_dir,
            "--set",
            "replay.pace_ms=20",
            "--set",
            "api.idle_timeout_s=0.5",
            "--set",
            "api.max_body_bytes=65536",
        ),
        stdout=subprocess.DEVNULL,
        stderr=err.open("w"),
        text=True,
        env=cli_env(),
    )
    with killed_on_exit(proc):
        url = wait_for_address(data_dir, proc, err)
        wait_for_cycle(url, proc, err)
        # Warm up what a first request loads (routes, the store connection) before the baseline.
        warm, _ = _load(url, 3 * len(READS))
        assert warm == {200: 3 * len(READS)}
        baseline_kb = rss_kb(proc.pid)
        before = wait_for_cycle(url, proc, err)

        idle = [_idle_socket(url) for _ in range(IDLE)]
        try:
            with ThreadPoolExecutor(CLIENTS + 1) as pool:
                loads = [pool.submit(_load, url, REQUESTS // CLIENTS) for _ in range(CLIENTS)]
                refused = pool.submit(_oversized, url)
                results = [f.result() for f in loads]
                refused_codes = refused.result()
            closed = sum(_closed_by_server(sock) for sock in idle)
        finally:
            for sock in idle:
                sock.close()

        grown_kb = rss_kb(proc.pid) - baseline_kb
        assert proc.poll() is None
        after = wait_for_cycle(url, proc, err)
        signal_and_wait(proc)

    codes: dict[int, int] = {}
    for part, _ in results:
        for code, count in part.items():
            codes[code] = codes.get(code, 0) + count
    seen_cycles = sorted(c for _, cycles in results for c in cycles)

    print(f"VmRSS {baseline_kb} kB +{grown_kb} kB; cycles {before} -> {after}; {codes}")
    # Every read answered, only the oversized bodies refused (413, by the body cap).
    assert codes == {200: REQUESTS}, codes
    assert refused_codes == [413] * OVERSIZED, refused_codes
    # The server closed all fifty idle connections itself (api.idle_timeout_s).
    assert closed == IDLE
    # The bot kept cycling under the load: the status reads saw the cycle move on.
    assert seen_cycles[0] >= before and seen_cycles[-1] > before, (before, seen_cycles[-1])
    assert after > before
    assert grown_kb < RSS_GROWTH_KB, f"VmRSS grew by {grown_kb} kB"
    assert proc.returncode == 0, err.read_text()[-3000:]
