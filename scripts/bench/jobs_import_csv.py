#!/usr/bin/env python3
"""Writes the lead-import benchmark file: a CSV of N unique, valid leads.

    python3 scripts/bench/jobs_import_csv.py <rows> <out.csv>

Headers `name,email,phone,status`. Emails are `lead{i}@bench.test`; phones
are valid US numbers in E.164, built like scripts/bench/seed_leads.sql
does (its list of 356 area codes valid with any [2-9]XX-XXXX local number,
read from that file, and local = 2000000 + (i / n) * 7919 mod 6000000, a
bijection for i < n * 6000000), so every row passes the api's validation
and none is a duplicate: the job's result should read inserted = rows.
"""

import pathlib
import re
import sys

STATUSES = ("new", "contacted", "qualified", "booked", "won", "lost")
FIRST = ("Ana", "Ben", "Carla", "David", "Elena", "Frank", "Grace", "Hector", "Irene", "James")
LAST = ("Smith", "Johnson", "Garcia", "Nguyen", "Okafor", "Patel", "Rivera", "Kim", "Brown", "Lee", "Cruz")


def area_codes() -> list[int]:
    seed = pathlib.Path(__file__).with_name("seed_leads.sql").read_text(encoding="utf-8")
    match = re.search(r"SELECT ARRAY\[([\d,\s]+)\] AS codes", seed)
    if not match:
        sys.exit("jobs_import_csv.py: no area-code list found in seed_leads.sql")
    return [int(code) for code in match.group(1).replace("\n", " ").split(",")]


def main() -> None:
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    rows, out = int(sys.argv[1]), sys.argv[2]
    codes = area_codes()
    n = len(codes)
    if rows > n * 6_000_000:
        sys.exit(f"jobs_import_csv.py: at most {n * 6_000_000} unique phones")
    with open(out, "w", encoding="utf-8", newline="") as f:
        f.write("name,email,phone,status\n")
        for i in range(rows):
            name = f"{FIRST[i % len(FIRST)]} {LAST[i % len(LAST)]} {i}"
            phone = f"+1{codes[i % n]}{2_000_000 + ((i // n) * 7919) % 6_000_000}"
            f.write(f"{name},lead{i}@bench.test,{phone},{STATUSES[i % len(STATUSES)]}\n")


if __name__ == "__main__":
    main()
