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
    queries = {
        "csv": f"CREATE TABLE t AS SELECT * FROM read_csv('{stem}.csv')",
        "qvd": None,
        "parquet": f"CREATE TABLE t AS SELECT * FROM read_parquet('{stem}.parquet')",
    }
    print(f"rows: {rows:,}  machine: {platform.machine()}, 2 cores, {platform.platform()}")
    print(f"duckdb {duckdb.__version__}; medians of {repeats} runs, each in a fresh process\n")
    print(f"{'format':<9}{'qixd ms':>10}{'qixd Mrows/s':>14}{'qixd peak/model':>17}{'duckdb ms':>11}{'qixd/duckdb':>13}")
    for name, sql in queries.items():
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
        peak_ratio = o["peak_bytes"] / o["model_bytes"] if o["model_bytes"] else float("nan")
        print(f"{name:<9}{o['ms']:>10.0f}{o['rows_per_s'] / 1e6:>14.2f}{peak_ratio:>17.2f}{duck:>11}{ratio:>13}")


if __name__ == "__main__":
    main()
