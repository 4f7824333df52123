#!/usr/bin/env python3
"""Sequential latency of login and refresh against a running api (used by bench.sh).

Login and refresh are dominated by bcrypt (login) and by SQL writes (refresh:
revoke + insert), so they are measured one request at a time on one
keep-alive connection; throughput of these paths is bounded by bcrypt's
cost per core, not by the server. Prints a markdown table row per path.
"""
import http.client, json, statistics, sys, time

host, port, email, password = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
conn = http.client.HTTPConnection(host, port, timeout=30)

def post(path, body):
    conn.request("POST", path, json.dumps(body), {"Content-Type": "application/json"})
    response = conn.getresponse()
    data = response.read()
    if response.status != 200:
        raise SystemExit(f"{path}: {response.status} {data[:200]!r}")
    return json.loads(data)

def measure(label, n, call):
    samples = []
    for _ in range(n):
        started = time.perf_counter()
        call()
        samples.append((time.perf_counter() - started) * 1000)
    samples.sort()
    p50 = statistics.median(samples)
    p99 = samples[min(len(samples) - 1, int(len(samples) * 0.99))]
    print(f"| {label} | {n} sequential | {1000 / statistics.mean(samples):.1f} | {p50:.2f} ms | {p99:.2f} ms |")

session = post("/api/v1/auth/login", {"email": email, "password": password})
measure("POST /api/v1/auth/login (bcrypt verify)", 30, lambda: post("/api/v1/auth/login", {"email": email, "password": password}))

token = [session["refreshToken"]]
def rotate():
    token[0] = post("/api/v1/auth/refresh", {"refreshToken": token[0]})["refreshToken"]
measure("POST /api/v1/auth/refresh (rotation)", 300, rotate)
