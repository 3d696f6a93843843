"""DuckDB's side of bench/wire.sh: the same rows (formulas of bench/src/data.rs), the queries a sheet's six
objects stand for after a selection of Sel, timed in this run, and the comparison with qixd's wire timings.

Usage: wire_duckdb.py ROWS ROUNDS OURS_JSON
"""
import statistics
import time

from duckdb_table import print_machine, wire_side

rows, rounds, ours, con = wire_side()

CUBE = "SELECT Dim, sum(m1), avg(m2), max(m3) FROM t WHERE Sel = {v} GROUP BY Dim"
SHEET = [
    CUBE,
    "SELECT D2, sum(m1) FROM t WHERE Sel = {v} GROUP BY D2 ORDER BY D2 LIMIT 100",
    "SELECT Dim, Sel, count(m3) FROM t WHERE Sel = {v} GROUP BY Dim, Sel",
    "SELECT DISTINCT Dim FROM t WHERE Sel = {v}",
    "SELECT DISTINCT Sel FROM t",
    "SELECT sum(m1) FROM t WHERE Sel = {v}",
]


def timed(queries):
    times = []
    for k in range(rounds):
        t = time.perf_counter()
        for q in queries:
            con.execute(q.format(v=k % 50)).fetchall()
        times.append((time.perf_counter() - t) * 1000)
    return statistics.median(times)


duck_cube = timed([CUBE])
duck_sheet = timed(SHEET)
s = ours["single"]
c = ours["concurrent"]
print_machine(rows, ours)
print(f"{'on the wire (medians, ms)':<36} {'qixd':>8} {'p99':>8} {'duckdb':>8} {'duckdb/qixd':>12}")
for name, ours_row, duck in [
    ("select + 3-measure cube", s["select_then_cube"], duck_cube),
    ("select + six layouts", s["select_then_six_layouts"], duck_sheet),
    ("repeated state + cube", s["repeated_state_cube"], duck_cube),
]:
    m = ours_row["median_ms"]
    print(f"{name:<36} {m:>8.2f} {ours_row['p99_ms']:>8.2f} {duck:>8.2f} {duck / m:>11.1f}x")
i = c["interaction"]
print(f"{c['sessions']} concurrent sessions: {c['interactions']} interactions (select + six layouts), "
      f"{c['per_sec']:.1f}/s, median {i['median_ms']:.1f} ms, p99 {i['p99_ms']:.1f} ms, max {i['max_ms']:.1f} ms")
if c.get("server_cpu_ms_per_interaction") is not None:
    print(f"server CPU time in that phase: {c['server_cpu_ms_per_interaction']:.2f} ms an interaction")
if c.get("client_cpu_ms_per_interaction") is not None:
    print(f"client CPU time in that phase (same cores): {c['client_cpu_ms_per_interaction']:.2f} ms an interaction"
          f" (its layouts taken as JSON text, {c.get('layout_bytes_per_interaction', 0):,} bytes an interaction)")
