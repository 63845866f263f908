#!/usr/bin/env python3
"""Uploads a data set of a million aggregate rows to a `rise demo` server while 20 other
members write, and prints how the upload, the writes and the server's memory fared
(issue 11 §2: "a 1 M-row upload while 20 other users write, with 0 errors").

Usage: upload_load.py URL SERVER_PID [ROWS [WRITERS]]     (default 1000000 rows, 20 writers)

  1. signs in, through the HTML form, as the org admins of WRITERS + 1 approved demo members
     (admin@<slug>.example / rise-demo-member) and makes each an API token on /account;
  2. builds an aggregate CSV of ROWS rows: one `bp,overall,All` row holding the sums, and
     ROWS - 1 rows `bp,zip,Z0000001,2024,N,50,false` with N from 20 to 40 (no count of 1-10,
     so nothing needs suppressing); `bp` is not a built-in measure, so the upload describes it
     in `measures`;
  3. at the same moment: the first member POSTs it to /api/v1/org/datasets (JSON, ~34 MB),
     while the others each POST /api/v1/me/tokens in a loop, one request at a time on a
     kept-alive connection, until the upload has answered;
  4. reads the stored data set back twice (GET /api/v1/org/datasets/{id}: the first computes
     its view, the second is served from the view cache).

Exits 1 if the upload or any write failed, or the data set does not hold ROWS rows.
Standard library only. Only talks to URL, which must be on this machine.
"""

import collections
import http.client
import json
import re
import sys
import threading
import time
import urllib.parse

from sign_in_load import rss_mib  # same folder: Python puts the script's folder on sys.path

# The approved members of `rise demo`, in order (crates/cli/src/serve.rs, ORGS: all but
# index 30, which was declined, and the last four, still applicants).
MEMBERS = [
    "Valley Health System",
    "Lakeshore Health",
    "Piedmont Regional Health",
    "Cascade Health Partners",
    "St. Brigid Hospital",
    "Riverbend Community Hospital",
    "Mesa General Hospital",
    "Gulf Coast Medical Center",
    "Northside Community Health Center",
    "La Clínica del Valle",
    "Delta Family Health Center",
    "Harbor Health Center",
    "Prairie Family Medicine",
    "Eastside Pediatrics",
    "Blue Ridge Internal Medicine",
    "Dr. Amara Okafor, MD",
    "Dr. Luis Ortega, DO",
    "Keystone Health Plan",
    "Sunbelt Medicaid Partners",
    "Great Lakes Health Plan",
    "Helix Therapeutics",
    "Meridian Biosciences",
    "Society of Community Cardiology",
    "American Academy of Equity in Nursing",
    "Southside Neighbors United",
    "Promotoras del Norte",
    "Tribal Wellness Circle",
    "Puget Sound Health Alliance",
    "Carolina Health Improvement Collaborative",
    "Institute for Equity Research",
    "Sierra Rural Health Network",
]
PASSWORD = "rise-demo-member"
UPLOAD_TIMEOUT = 900  # seconds, for the upload and the two reads
WRITE_TIMEOUT = 300  # seconds, for one write


def slug(name):
    """As serve.rs `slug`: ASCII letters and digits lowercased, every other character a dash,
    runs of dashes and dashes at the ends dropped."""
    s = "".join(c if c.isascii() and c.isalnum() else "-" for c in name.lower())
    return "-".join(p for p in s.split("-") if p)


class Client:
    """One kept-alive HTTP/1.1 connection."""

    def __init__(self, host, port, timeout):
        self.host, self.port, self.timeout = host, port, timeout
        self.conn = http.client.HTTPConnection(host, port, timeout=timeout)

    def request(self, method, path, body=None, headers=None):
        """Returns (status, message headers, body bytes)."""
        self.conn.request(method, path, body=body, headers=headers or {})
        res = self.conn.getresponse()
        data = res.read()
        if res.will_close:
            self.reconnect()
        return res.status, res.msg, data

    def reconnect(self):
        self.conn.close()
        self.conn = http.client.HTTPConnection(self.host, self.port, timeout=self.timeout)

    def close(self):
        self.conn.close()


def cookie(msg, name):
    for c in msg.get_all("Set-Cookie") or []:
        if c.startswith(name + "="):
            return c.split(";")[0]
    return None


def csrf_field(body):
    m = re.search(rb'name="csrf" value="([^"]+)"', body)
    if not m:
        sys.exit("upload_load.py: no csrf field in the page")
    return m.group(1).decode()


def api_token(c, email):
    """Signs in as `email` through the form and makes an API token on /account. Returns the
    token and the seconds spent waiting for the sign-in limit."""
    waited = 0.0
    while True:
        status, msg, body = c.request("GET", "/login")
        anon = cookie(msg, "rise_csrf")
        form = urllib.parse.urlencode({"csrf": csrf_field(body), "email": email, "password": PASSWORD})
        status, msg, body = c.request("POST", "/login", form, {
            "Cookie": anon,
            "Content-Type": "application/x-www-form-urlencoded",
        })
        if status == 429:  # 20 sign-ins a minute per address (rise demo has no flag for it)
            wait = int(msg.get("Retry-After") or 3)
            time.sleep(wait)
            waited += wait
            continue
        session = cookie(msg, "rise_session")
        if status != 303 or not session:
            sys.exit(f"upload_load.py: signing in as {email}: {status} {body[:300]!r}")
        break
    status, _, body = c.request("GET", "/account", headers={"Cookie": session})
    if status != 200:
        sys.exit(f"upload_load.py: /account as {email}: {status}")
    form = urllib.parse.urlencode({"csrf": csrf_field(body), "label": "bench/upload-under-load"})
    status, _, body = c.request("POST", "/account/tokens", form, {
        "Cookie": session,
        "Content-Type": "application/x-www-form-urlencoded",
    })
    m = re.search(rb'<p class="secret">\s*([^<\s]+)\s*</p>', body)
    if status != 200 or not m:
        sys.exit(f"upload_load.py: making a token as {email}: {status} {body[:300]!r}")
    return m.group(1).decode(), waited


def aggregates_csv(rows):
    """ROWS rows: the overall row, then ROWS - 1 ZIP codes with 20-40 of 50."""
    nums = [20 + i % 21 for i in range(1, rows)]
    lines = ["measure,dimension,subgroup,period,numerator,denominator,suppressed",
             f"bp,overall,All,2024,{sum(nums)},{50 * len(nums)},false"]
    lines.extend(f"bp,zip,Z{i:07d},2024,{n},50,false" for i, n in enumerate(nums, 1))
    return "\n".join(lines) + "\n"


def main():
    args = sys.argv[1:]
    if len(args) < 2:
        sys.exit(__doc__.split("\n\n")[1])
    url, pid = args[0], int(args[1])
    rows = int(args[2]) if len(args) > 2 else 1_000_000
    writers = int(args[3]) if len(args) > 3 else 20
    if not 2 <= rows <= 1_000_000 or not 1 <= writers < len(MEMBERS):
        sys.exit(f"upload_load.py: 2-1000000 rows and 1-{len(MEMBERS) - 1} writers")
    u = urllib.parse.urlsplit(url)
    host, port = u.hostname, u.port or 80
    if host not in ("127.0.0.1", "localhost", "::1"):
        sys.exit("upload_load.py: the server must be on this machine")

    # 1. Accounts and tokens.
    t = time.perf_counter()
    c = Client(host, port, 60)
    tokens, waited = [], 0.0
    for name in MEMBERS[: writers + 1]:
        token, w = api_token(c, f"admin@{slug(name)}.example")
        tokens.append(token)
        waited += w
    c.close()
    print(f"  signed in as {len(tokens)} org admins and made their API tokens in "
          f"{time.perf_counter() - t:.1f} s ({waited:.0f} s of it waiting for the sign-in limit)")

    # 2. The upload.
    body = json.dumps({
        "label": f"Benchmark: {rows:,} ZIP codes",
        "source": "bench/upload-under-load (synthetic)",
        "aggregates_csv": aggregates_csv(rows),
        "measures": [{
            "id": "bp",
            "title": "Blood pressure control (benchmark)",
            "steward": "bench/upload-under-load",
            "higher_is_better": True,
            "description": "Synthetic counts: 20 to 40 of 50 in every ZIP code.",
        }],
    }).encode()

    # 3. The upload and the writers, started together.
    go, done = threading.Event(), threading.Event()
    writes = [[] for _ in range(writers)]  # per writer: (start, latency, status, body)
    t0 = 0.0

    def write(w):
        c = Client(host, port, WRITE_TIMEOUT)
        headers = {"Authorization": f"Bearer {tokens[w + 1]}", "Content-Type": "application/json"}
        c.conn.connect()  # before the start, not all at once with it
        go.wait()
        k = 0
        while not done.is_set():
            k += 1
            payload = json.dumps({"label": f"writer {w + 1} write {k}"})
            start = time.perf_counter()
            try:
                status, _, data = c.request("POST", "/api/v1/me/tokens", payload, headers)
            except (OSError, http.client.HTTPException) as e:
                status, data = f"error {type(e).__name__}", str(e).encode()
                c.reconnect()
            end = time.perf_counter()
            writes[w].append((start - t0, end - t0, status, data if status != 201 else b""))
        c.close()

    peak = [0.0]

    def memory():
        while not done.is_set():
            peak[0] = max(peak[0], rss_mib(pid))
            time.sleep(0.05)

    threads = [threading.Thread(target=write, args=(w,), daemon=True) for w in range(writers)]
    threads.append(threading.Thread(target=memory, daemon=True))
    for th in threads:
        th.start()
    time.sleep(0.5)  # every writer connected and waiting
    rss_before = rss_mib(pid)
    peak[0] = rss_before

    up = Client(host, port, UPLOAD_TIMEOUT)
    up_headers = {"Authorization": f"Bearer {tokens[0]}", "Content-Type": "application/json"}
    up.conn.connect()
    t0 = time.perf_counter()
    go.set()
    try:
        up.conn.request("POST", "/api/v1/org/datasets", body=body, headers=up_headers)
        sent = time.perf_counter() - t0
        res = up.conn.getresponse()
        up_body = res.read()
        up_status = res.status
    except (OSError, http.client.HTTPException) as e:
        sent = float("nan")
        up_status, up_body = f"error {type(e).__name__}", str(e).encode()
    up_wall = time.perf_counter() - t0
    done.set()
    for th in threads:
        th.join()
    up.close()
    rss_upload = rss_mib(pid)

    ok = up_status == 201
    dataset = json.loads(up_body) if ok else {}
    print(f"  upload: {up_status} in {up_wall:.2f} s ({len(body) / 1e6:.1f} MB of JSON sent in {sent:.2f} s)"
          + (f"; data set {dataset.get('id')} with {dataset.get('rows'):,} rows" if ok else
             f": {up_body[:500].decode(errors='replace')}"))

    # 4. The stored data set, read back twice.
    if ok:
        c = Client(host, port, UPLOAD_TIMEOUT)
        auth = {"Authorization": f"Bearer {tokens[0]}"}
        path = f"/api/v1/org/datasets/{dataset['id']}"
        reads = []
        for _ in range(2):
            t = time.perf_counter()
            status, _, data = c.request("GET", path, headers=auth)
            reads.append((status, time.perf_counter() - t, data))
        c.close()
        (s1, w1, d1), (s2, w2, d2) = reads
        stored = None
        if s1 == 200:
            view = json.loads(d1)
            stored = len(view["rows"])
            listed = view["dataset"]["rows"]
            del view
        print(f"  view: first GET {s1} in {w1:.2f} s ({len(d1) / 1e6:.0f} MB"
              + (f", {stored:,} rows, {listed:,} listed)" if stored is not None else ")")
              + f", second GET {s2} in {w2:.2f} s ({'same' if d2 == d1 else 'DIFFERENT'} body, cached)")
        if s1 != 200 or s2 != 200 or stored != rows or listed != rows or d1 != d2:
            ok = False
            if s1 != 200:
                print(f"  first GET: {d1[:500].decode(errors='replace')}")
        del d1, d2, reads
    rss_views = rss_mib(pid)

    every = [x for per in writes for x in per]
    during = sum(1 for x in every if x[1] <= up_wall)
    codes = collections.Counter(x[2] for x in every)
    failed = [x for x in every if x[2] != 201]
    lat = sorted(x[1] - x[0] for x in every)

    def pct(q):
        return lat[min(len(lat) - 1, int(q * len(lat)))] * 1000 if lat else float("nan")

    print(f"  writes: {len(every)} ({during} answered while the upload ran, "
          f"{len(every) - during} in flight when it answered); "
          f"answers={dict(sorted(codes.items(), key=str))}")
    if failed:
        first = min(failed, key=lambda x: x[0])
        print(f"  errors: {len(failed)}; the first, {first[2]} at {first[0]:.2f} s: "
              f"{first[3][:500].decode(errors='replace')}")
    else:
        print("  errors: 0")
    if lat:
        print(f"  write latency p50={pct(0.5):.1f}ms p95={pct(0.95):.1f}ms p99={pct(0.99):.1f}ms "
              f"max={lat[-1] * 1000:.1f}ms")
    print(f"  server RSS before={rss_before:.0f} MiB peak={peak[0]:.0f} MiB "
          f"after upload={rss_upload:.0f} MiB after views={rss_views:.0f} MiB")
    met = ok and not failed and every
    print(f"  target ({rows:,} rows stored while {writers} members write, 0 errors): "
          f"{'met' if met else 'NOT met'}")
    sys.exit(0 if met else 1)


main()
