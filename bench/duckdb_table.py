"""What the benches' DuckDB sides share: a connection on every core, and the engine benchmark's table — the
rows of bench/src/data.rs, by its formulas in SQL — so that each script times its queries on the same data
qixd has.
"""
import json
import os
import platform
import sys

import duckdb


def connect():
    """An in-memory DuckDB using every core."""
    con = duckdb.connect()
    con.execute(f"SET threads TO {os.cpu_count()}")
    return con


def create_table(con, name, rows):
    """Creates table `name` with `rows` rows of the benchmark table (Dim, Sel, D2, m1, m2, m3)."""
    con.execute(f"""
CREATE TABLE {name} AS SELECT
  'D' || lpad(CAST(x % 100 AS VARCHAR), 2, '0') AS Dim,
  (x // 100) % 50 AS Sel,
  (x // 5000) % 1000 AS D2,
  CAST((i * 40503 + 17) % 100000 AS DOUBLE) / 100.0 AS m1,
  CAST((i * 7919) % 1000 AS DOUBLE) / 10.0 AS m2,
  CAST((i * 97) % 10000 AS DOUBLE) AS m3
FROM (SELECT i, (i * 2654435761) % 4294967291 AS x FROM range({rows}) t(i))""")


def wire_side():
    """The wire benches' DuckDB side (`ROWS ROUNDS OURS_JSON`): rows, rounds, qixd's timings, and a
    connection holding the table as `t`."""
    rows, rounds, ours_path = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
    with open(ours_path) as f:
        ours = json.load(f)
    con = connect()
    create_table(con, "t", rows)
    return rows, rounds, ours, con


def print_machine(rows, ours):
    """The first line of a wire bench's report: rows, machine, DuckDB's version, qixd's load time."""
    print(f"rows: {rows:,}  machine: {platform.machine()}, {os.cpu_count()} cores; "
          f"duckdb {duckdb.__version__}; qixd loaded the CSV in {ours['load_secs']:.1f} s")
