#!/usr/bin/env python3
"""Fires N simultaneous wrong sign-ins at a Rise server while probing /healthz and sampling
the server's memory; prints what came back, the probe latencies and the memory figures.

Usage: sign_in_load.py URL SERVER_PID EMAIL N one|spread

  one     every request from this machine's address (the per-address limit answers most)
  spread  each request with its own X-Forwarded-For address from 198.18.0.0/15 (the range
          set aside for benchmarks; only headers, no traffic goes there), as a botnet would
          look behind a trusted proxy (the server must run with --trust-forwarded-for):
          every guess is then let through to Argon2.

Standard library only. Only talks to URL, which must be on this machine.
"""

import asyncio
import collections
import re
import resource
import sys
import time
import urllib.parse

HEALTH_EVERY = 0.01  # seconds between /healthz probes


def rss_mib(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


async def request(host, port, raw):
    """Sends one HTTP/1.1 request (Connection: close); returns (status, headers, body)."""
    reader, writer = await asyncio.open_connection(host, port)
    try:
        writer.write(raw)
        await writer.drain()
        data = await reader.read()
    finally:
        writer.close()
    head, _, body = data.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split()[1]) if lines and len(lines[0].split()) > 1 else 0
    headers = collections.defaultdict(list)
    for line in lines[1:]:
        k, _, v = line.partition(":")
        headers[k.strip().lower()].append(v.strip())
    return status, headers, body


def get(host, port, path, extra=""):
    return f"GET {path} HTTP/1.1\r\nHost: {host}:{port}\r\n{extra}Connection: close\r\n\r\n".encode()


async def main():
    url, pid, email, n, mode = sys.argv[1], int(sys.argv[2]), sys.argv[3], int(sys.argv[4]), sys.argv[5]
    u = urllib.parse.urlsplit(url)
    host, port = u.hostname, u.port or 80
    if host not in ("127.0.0.1", "localhost", "::1"):
        sys.exit("sign_in_load.py: the server must be on this machine")
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, max(soft, n + 256)), hard))

    status, headers, body = await request(host, port, get(host, port, "/login"))
    cookie = next(c.split(";")[0] for c in headers["set-cookie"] if c.startswith("rise_csrf="))
    csrf = re.search(rb'name="csrf" value="([0-9a-f]+)"', body).group(1).decode()

    def sign_in(i):
        form = urllib.parse.urlencode({"csrf": csrf, "email": email, "password": f"wrong guess number {i}"})
        xff = f"X-Forwarded-For: 198.18.{i // 250}.{i % 250 + 1}\r\n" if mode == "spread" else ""
        return (
            f"POST /login HTTP/1.1\r\nHost: {host}:{port}\r\nCookie: {cookie}\r\n{xff}"
            f"Content-Type: application/x-www-form-urlencoded\r\nContent-Length: {len(form)}\r\n"
            f"Connection: close\r\n\r\n{form}"
        ).encode()

    rss_before = rss_mib(pid)
    rss_peak = rss_before
    probes = []
    done = asyncio.Event()

    async def probe():
        while not done.is_set():
            t = time.perf_counter()
            s, _, _ = await request(host, port, get(host, port, "/healthz"))
            probes.append((time.perf_counter() - t, s))
            await asyncio.sleep(HEALTH_EVERY)

    async def memory():
        nonlocal rss_peak
        while not done.is_set():
            rss_peak = max(rss_peak, rss_mib(pid))
            await asyncio.sleep(0.05)

    async def one(i):
        t = time.perf_counter()
        try:
            s, h, _ = await request(host, port, sign_in(i))
        except OSError as e:
            return f"error {type(e).__name__}", time.perf_counter() - t, None
        return s, time.perf_counter() - t, (h.get("retry-after") or [None])[0]

    watchers = [asyncio.create_task(probe()), asyncio.create_task(memory())]
    await asyncio.sleep(0.2)  # a few probes before the burst
    start = time.perf_counter()
    results = await asyncio.gather(*(one(i) for i in range(n)))
    wall = time.perf_counter() - start
    await asyncio.sleep(0.2)
    done.set()
    await asyncio.gather(*watchers)

    codes = collections.Counter(r[0] for r in results)
    lat = sorted(p[0] for p in probes)
    bad = sum(1 for p in probes if p[1] != 200)

    def pct(q):
        return lat[min(len(lat) - 1, int(q * len(lat)))] * 1000 if lat else float("nan")

    retry = sorted({int(r[2]) for r in results if r[2]})
    slowest = max(r[1] for r in results)
    print(f"mode={mode} sign-ins={n} wall={wall:.2f}s slowest-answer={slowest:.2f}s "
          f"answers={dict(sorted(codes.items(), key=str))} retry-after={retry[:1]}..{retry[-1:]}")
    print(f"  /healthz probes={len(lat)} non-200={bad} p50={pct(0.5):.1f}ms p99={pct(0.99):.1f}ms max={lat[-1] * 1000:.1f}ms")
    print(f"  server RSS before={rss_before:.0f} MiB peak={rss_peak:.0f} MiB after={rss_mib(pid):.0f} MiB")
    met = pct(0.99) < 100 and bad == 0
    print(f"  target (/healthz p99 < 100 ms, all 200): {'met' if met else 'NOT met'}")


if __name__ == "__main__":
    asyncio.run(main())
