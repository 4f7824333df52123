#!/usr/bin/env python3
"""Prints issue 15's goals as one table of ratios, read from the outputs that
scripts/bench_all.sh saved (one file per benchmark script in DIR).

Usage: summary.py DIR

Each goal names the file, the line that carries the figure and how to read
it; a goal whose script did not run (or whose line is missing) shows "—".
"""
import pathlib
import re
import sys

NUM = r"([0-9][0-9,]*\.?[0-9]*)"


def num(text):
    return float(text.replace(",", ""))


def row_ratio(line, which=0):
    """The which-th 'N ×' figure on a markdown row."""
    found = re.findall(NUM + r" ×", line)
    return num(found[which]) if len(found) > which else None


def first_line(text, needle):
    return next((line for line in text.splitlines() if needle in line), None)


def leads(text, needle, which=0):
    line = first_line(text, needle)
    return row_ratio(line, which) if line else None


def rps_ratio(text, needle, base):
    """req/s of the row with needle ÷ that of the row with base."""
    a, b = req_s(text, needle), req_s(text, base)
    return round(a / b, 2) if a and b else None


def auth_me(text):
    m = re.search(r"/api/v1/auth/me throughput = " + NUM + r" × raw user SELECT", text)
    return num(m.group(1)) if m else None


def login(text, what):
    pattern = {"rate": r"login throughput = " + NUM, "p99": r"read p99 during the storm = " + NUM}[what]
    m = re.search(pattern, text)
    return num(m.group(1)) if m else None


def jobs(text, scenario, column):
    line = next((l for l in text.splitlines() if l.startswith(f"| {scenario}: ")), None)
    if not line:
        return None
    cells = [c.strip() for c in line.strip("|").split("|")]
    if column == "drain":
        return num(cells[1].split()[0])
    if column == "light_p99":  # "p50 ms / p99 ms / max ms"
        parts = re.findall(NUM + r" ms", cells[4])
        return num(parts[1]) if len(parts) > 1 else None
    return None


def api_idle_rss(text):
    """The api's resident memory after start-up (api_lib.sh's line)."""
    m = re.search(r"api resident memory \(VmRSS[^)]*\): idle " + NUM + " MB", text)
    return num(m.group(1)) if m else None


def sql_queue_ratio(text):
    """Scenario D's drain ÷ pgbench of one SQL-queue job's statements, same run."""
    drain = jobs(text, "D", "drain")
    line = first_line(text, "pgbench `jobs_sql_cycle.sql`")
    if drain is None or not line:
        return None
    return round(drain / num(line.strip("|").split("|")[1].strip()), 2)


# (goal, file, reader, target, "ge" or "le", unit)
GOALS = [
    ("cached GET /leads/{id} ÷ Redis GET", "leads", lambda t: leads(t, "(cache hit)", 1), 0.60, "ge", "×"),
    ("GET /auth/me ÷ its SELECT", "status", auth_me, 0.60, "ge", "×"),
    ("POST /leads ÷ one INSERT", "leads", lambda t: leads(t, "`POST /api/v1/leads`"), 0.50, "ge", "×"),
    ("list page 1 ÷ the page query", "leads", lambda t: leads(t, "vs the page query alone"), 0.25, "ge", "×"),
    ("deep page by cursor ÷ page 1 (req/s)", "leads", lambda t: rps_ratio(t, "cursor=…", "(page 1 + total)"), 0.90, "ge", "×"),
    ("q search ÷ the trigram query", "leads", lambda t: leads(t, "?q="), 0.70, "ge", "×"),
    ("logins ÷ (cores ÷ one verify)", "login", lambda t: login(t, "rate"), 0.80, "ge", "×"),
    ("read p99 during a login storm ÷ idle", "login", lambda t: login(t, "p99"), 2.00, "le", "×"),
    ("Redis queue drain, 2 workers", "jobs", lambda t: jobs(t, "B", "drain"), 20000, "ge", "jobs/s"),
    ("Redis queue light-load p99", "jobs", lambda t: jobs(t, "B", "light_p99"), 10, "le", "ms"),
    ("SQL queue light-load p99", "jobs", lambda t: jobs(t, "D", "light_p99"), 20, "le", "ms"),
    ("SQL queue drain ÷ its statements (pgbench)", "jobs", sql_queue_ratio, 0.80, "ge", "×"),
    ("api idle resident memory", "leads", api_idle_rss, 40, "lt", "MB"),
]


def text_of(out, name):
    """The saved output of one benchmark script, or None when it did not run."""
    path = out / f"{name}.md"
    return path.read_text() if path.exists() else None


def req_s(text, needle):
    """req/s (second cell) of the markdown row with needle."""
    line = first_line(text, needle) if text else None
    return num(line.strip("|").split("|")[1].strip()) if line else None


def cross_rps(out, a_file, a_needle, b_file, b_needle):
    """req/s of a row in one output ÷ req/s of a row in another, same run."""
    a, b = req_s(text_of(out, a_file), a_needle), req_s(text_of(out, b_file), b_needle)
    return round(a / b, 2) if a and b else None


def drain_over_cpu_allowance(out, scenario="B"):
    """A scenario's drain ÷ the jobs/s its measured CPU per job allows on this machine's cores."""
    text = text_of(out, "jobs")
    drain = jobs(text, scenario, "drain") if text else None
    if drain is None:
        return None
    lines = text.splitlines()
    start = next((i for i, l in enumerate(lines) if l.startswith(f"- {scenario}: burst took")), None)
    if start is None:
        return None
    for line in lines[start + 1:start + 4]:
        m = re.search(r"cores allow ≈ " + NUM + " jobs/s", line)
        if m and num(m.group(1)) > 0:
            return round(drain / num(m.group(1)), 2)
    return None


# What bounds three of the goals, same run: (label, reader of DIR).
BOUNDS = [
    ("POST /leads ÷ its own statement (lead + outbox row + counter shard) in pgbench",
     lambda out: leads(text_of(out, "leads") or "", "vs its own statement")),
    ("cached GET /leads/{id} ÷ GET /health/live (the HTTP stack alone)",
     lambda out: cross_rps(out, "leads", "(cache hit)", "status", "| GET /health/live |")),
    ("Redis queue drain (B) ÷ the jobs/s its CPU per job allows on this machine's cores",
     drain_over_cpu_allowance),
]


def main():
    out = pathlib.Path(sys.argv[1])
    print("\n| goal | figure | target | met |\n|---|---|---|---|")
    for goal, name, reader, target, sense, unit in GOALS:
        text = text_of(out, name)
        value = reader(text) if text is not None else None
        sign = {"ge": "≥", "le": "≤", "lt": "<"}[sense]
        if value is None:
            print(f"| {goal} | — | {sign} {target:g} {unit} | not measured |")
            continue
        met = {"ge": value >= target, "le": value <= target, "lt": value < target}[sense]
        print(f"| {goal} | {value:g} {unit} | {sign} {target:g} {unit} | {'yes' if met else 'no'} |")
    print("\n| what bounds a goal (same run) | ratio |\n|---|---|")
    for label, reader in BOUNDS:
        value = reader(out)
        print(f"| {label} | {'—' if value is None else f'{value:g} ×'} |")


if __name__ == "__main__":
    main()
