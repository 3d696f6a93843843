"""The load benchmark's DuckDB side: times CREATE TABLE ... AS SELECT * FROM read_csv / read_parquet on the
files load-bench used (each run in a fresh process, so its peak memory is its own) and prints the
comparison with qixd's results.

Usage: load_duckdb.py <rows> <repeats> <dir> <ours.json>
"""

import json
import platform
import resource
import subprocess
import sys
import time

import duckdb


def one(sql: str) -> None:
    con = duckdb.connect()
    t = time.perf_counter()
    con.execute(sql)
    ms = (time.perf_counter() - t) * 1000
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    print(json.dumps({"ms": ms, "peak_bytes": peak}))


def main() -> None:
    if sys.argv[1] == "--one":
        one(sys.argv[2])
        return
    rows, repeats, folder, ours_path = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3], sys.argv[4]
    ours = json.load(open(ours_path))
    stem = f"{folder}/load-{rows}"
    csv = f"read_csv('{stem}.csv')"
    load = f"CREATE TABLE t AS SELECT * FROM {csv};"
    queries = {
        "csv": load,
        "qvd": None,
        "parquet": f"CREATE TABLE t AS SELECT * FROM read_parquet('{stem}.parquet')",
        "csv_fields": f"CREATE TABLE t AS SELECT id, Dim, Sel, D2, m1, m2 FROM {csv}",
        "csv_expr_where": f"CREATE TABLE t AS SELECT id, Dim, D2, m1 * 2 AS m1x2, "
        f"CASE WHEN m2 > 50 THEN 'hi' ELSE 'lo' END AS band FROM {csv} WHERE Sel < 25",
        "group_by": f"{load} CREATE TABLE g AS SELECT Dim, sum(m1) AS s, avg(m2) AS a, count(id) AS n "
        "FROM t GROUP BY Dim",
        "left_join": f"{load} CREATE TABLE d AS SELECT range AS D2, 'N' || range AS D2Name FROM range(1000); "
        "CREATE TABLE j AS SELECT t.*, d.D2Name FROM t LEFT JOIN d USING (D2)",
    }
    print(f"rows: {rows:,}  machine: {platform.machine()}, 2 cores, {platform.platform()}")
    print(f"duckdb {duckdb.__version__}; medians of {repeats} runs, each in a fresh process\n")
    print(f"{'form':<16}{'qixd ms':>10}{'qixd Mrows/s':>14}{'peak/model':>12}{'after/model':>13}{'duckdb ms':>11}{'qixd/duckdb':>13}")
    for name, sql in queries.items():
        if name not in ours:
            continue
        o = ours[name]
        duck = "-"
        ratio = "-"
        if sql:
            runs = []
            for _ in range(repeats):
                out = subprocess.run([sys.executable, __file__, "--one", sql], capture_output=True, check=True, text=True)
                runs.append(json.loads(out.stdout))
            runs.sort(key=lambda r: r["ms"])
            d = runs[len(runs) // 2]
            duck = f"{d['ms']:.0f}"
            ratio = f"{o['ms'] / d['ms']:.2f}"
        model = o["model_bytes"] or float("nan")
        print(f"{name:<16}{o['ms']:>10.0f}{o['rows_per_s'] / 1e6:>14.2f}{o['peak_bytes'] / model:>12.2f}"
              f"{o.get('rss_bytes', 0) / model:>13.2f}{duck:>11}{ratio:>13}")


if __name__ == "__main__":
    main()
