"""Runs the engine benchmark's queries in DuckDB on the same generated rows and prints the comparison.

Usage: duckdb_bench.py ROWS REPEATS OURS_JSON  (run through bench/run.sh)
The data formulas mirror bench/src/data.rs exactly.
"""
import json
import os
import platform
import statistics
import sys
import time

import duckdb
from duckdb_table import connect, create_table

rows, repeats, ours_path = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
ours = json.load(open(ours_path))
con = connect()

t = time.perf_counter()
create_table(con, "facts", rows)
con.execute(f"""
CREATE TABLE fact AS SELECT (i * 7777) % 1000 AS Key,
  'D' || lpad(CAST(x % 100 AS VARCHAR), 2, '0') AS Dim,
  CAST((i * 40503 + 17) % 100000 AS DOUBLE) / 100.0 AS m1
FROM (SELECT i, (i * 2654435761) % 4294967291 AS x FROM range({rows}) t(i))""")
con.execute("""
CREATE TABLE keys AS SELECT k AS Key, 'R' || lpad(CAST((k * 13) % 20 AS VARCHAR), 2, '0') AS Region
FROM range(1000) t(k)""")
load_s = time.perf_counter() - t

queries = {
    # qixd's first selection in Sel, while it builds the row index; DuckDB has none to build.
    "first_select_3_measures_by_dim":
        "SELECT Dim, sum(m1), avg(m2), max(m3) FROM facts WHERE Sel = 7 GROUP BY Dim",
    "select_then_3_measures_by_dim":
        "SELECT Dim, sum(m1), avg(m2), max(m3) FROM facts WHERE Sel = 7 GROUP BY Dim",
    "no_selection_3_measures_by_dim":
        "SELECT Dim, sum(m1), avg(m2), max(m3) FROM facts GROUP BY Dim",
    "count_distinct_d2_by_dim": "SELECT Dim, count(DISTINCT D2) FROM facts GROUP BY Dim",
    "dim_x_d2_100k_cells": "SELECT Dim, D2, sum(m1) FROM facts GROUP BY Dim, D2",
    "select_then_sum_by_dim": "SELECT Dim, sum(m1) FROM facts WHERE Sel = 7 GROUP BY Dim",
    "set_sum_by_dim": "SELECT Dim, sum(m1) FROM facts WHERE Sel = 7 GROUP BY Dim",
    "avg_aggr_sum_by_dim_d2":
        "SELECT avg(s) FROM (SELECT Dim, D2, sum(m1) AS s FROM facts GROUP BY Dim, D2)",
    # DuckDB has no result cache: the repeated state costs it a full query again.
    "repeated_state_cached":
        "SELECT Dim, sum(m1), avg(m2), max(m3) FROM facts WHERE Sel = 7 GROUP BY Dim",
    "first_star_select_region_sum_by_dim":
        "SELECT f.Dim, sum(f.m1) FROM fact f JOIN keys k ON f.Key = k.Key WHERE k.Region = 'R03' GROUP BY f.Dim",
    "star_select_region_sum_by_dim":
        "SELECT f.Dim, sum(f.m1) FROM fact f JOIN keys k ON f.Key = k.Key WHERE k.Region = 'R03' GROUP BY f.Dim",
}

print(f"rows: {rows:,}  machine: {platform.machine()}, {os.cpu_count()} cores, {platform.platform()}")
print(f"duckdb {duckdb.__version__}; DuckDB table build {load_s*1000:.0f} ms; qixd model build {ours['build_ms']:.0f} ms")
print(f"qixd model: {ours['model_bytes']/1e6:.1f} MB ({ours['bytes_per_row']:.2f} bytes/row), "
      f"packed rows {ours['packed_row_bytes']/1e6:.1f} MB, ratio {ours['model_bytes']/max(ours['packed_row_bytes'],1):.2f}")
print(f"row indexes after selecting in Sel and Dim: {ours['row_index_bytes']/1e6:.1f} MB, "
      f"{ours['row_index_share_of_packed']:.2f}x the packed rows (goal: <= 0.5x)")
print()
print(f"{'query':<34} {'qixd ms':>10} {'duckdb ms':>10} {'qixd/duckdb':>12} {'rows':>8}")
for name, sql in queries.items():
    times = []
    result = []
    for _ in range(repeats):
        t = time.perf_counter()
        result = con.execute(sql).fetchall()
        times.append((time.perf_counter() - t) * 1000)
    duck = statistics.median(times)
    q = ours["queries"][name]
    ndims = {"dim_x_d2_100k_cells": 2, "avg_aggr_sum_by_dim_d2": 0}.get(name, 1)
    checksum = sum(float(r[ndims]) for r in result)
    check = ""
    if q["rows"] != len(result):
        check = f"  ROW COUNT DIFFERS (duckdb {len(result)})"
    elif abs(q["checksum"] - checksum) > 1e-6 * max(1.0, abs(checksum)):
        check = f"  RESULT DIFFERS (checksum {q['checksum']} vs duckdb {checksum})"
    print(f"{name:<34} {q['ms']:>10.2f} {duck:>10.2f} {q['ms']/duck:>12.3f} {q['rows']:>8}{check}")
set_ratio = ours["queries"]["set_sum_by_dim"]["ms"] / ours["queries"]["select_then_sum_by_dim"]["ms"]
print(f"\nset analysis: Sum({{<Sel={{7}}>}} m1) by Dim takes {set_ratio:.2f}x the time of selecting Sel=7 then Sum(m1) by Dim")
