"""DuckDB's side of bench/charts.sh: the same rows (formulas of bench/src/data.rs), a 2-level pivot's first
page after a selection (GROUP BY ROLLUP, ordered, 50 rows) and a prefix search over every column, timed in
this run, and the comparison with qixd's wire timings.

Usage: charts_duckdb.py ROWS ROUNDS OURS_JSON
"""
import statistics
import time

from duckdb_table import print_machine, wire_side

rows, rounds, ours, con = wire_side()

# The pivot's first page: the totals of each Dim and its D2 rows, in order (NULLs last: a total follows
# its level's values, as qixd's totals-below default).
PIVOT = """SELECT Dim, D2, sum(m1) FROM t WHERE Sel = {v} GROUP BY ROLLUP (Dim, D2)
ORDER BY Dim NULLS LAST, D2 NULLS LAST LIMIT 50"""
COLUMNS = ["Dim", "Sel", "D2", "m1", "m2", "m3"]
# A search across all fields: each column's distinct values whose text starts with the term.
SEARCH = " UNION ALL ".join(
    f"SELECT * FROM (SELECT DISTINCT '{c}' AS f, CAST({c} AS VARCHAR) AS v FROM t "
    f"WHERE starts_with(lower(CAST({c} AS VARCHAR)), lower('{{term}}')) LIMIT 10)"
    for c in COLUMNS
)


def timed(query, arg):
    times = []
    for k in range(rounds):
        t = time.perf_counter()
        con.execute(query.format(**arg(k))).fetchall()
        times.append((time.perf_counter() - t) * 1000)
    return statistics.median(times)


duck_pivot = timed(PIVOT, lambda k: {"v": k % 50})
duck_search = timed(SEARCH, lambda k: {"term": f"D{k % 10}"})
p = ours["pivot"]["first_page"]
s = ours["search"]["after_first"]
print_machine(rows, ours)
print(f"{'on the wire (medians, ms)':<44} {'qixd':>8} {'p99':>8} {'duckdb':>8} {'duckdb/qixd':>12}")
for name, row, duck in [
    ("select + pivot Dim x D2 first page (50)", p, duck_pivot),
    ("SearchResults, one term, all fields", s, duck_search),
]:
    m = row["median_ms"]
    print(f"{name:<44} {m:>8.2f} {row['p99_ms']:>8.2f} {duck:>8.2f} {duck / m:>11.1f}x")
print(f"first search (indexes built): {ours['search']['first_ms']:.1f} ms; "
      f"search after the first: median {s['median_ms']:.2f} ms (goal: <= 10 ms)")
