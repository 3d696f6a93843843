"""The SQL oracle for the conformance suite: answers queries over CSV files with DuckDB.

Reads one JSON document on stdin: {"tables": {"name": "/path/file.csv", ...}, "queries": ["SELECT ...", ...]}
and prints {"results": [[row, ...], ...]} with every row a list of JSON values (NULL as null).
"""

import json
import sys

import duckdb


def main() -> None:
    request = json.load(sys.stdin)
    con = duckdb.connect()
    for name, path in request["tables"].items():
        con.execute(
            f"CREATE TABLE {name} AS SELECT * FROM read_csv(?, header = true, nullstr = '')",
            [path],
        )
    results = []
    for sql in request["queries"]:
        rows = con.execute(sql).fetchall()
        results.append([[_plain(v) for v in row] for row in rows])
    json.dump({"results": results}, sys.stdout)


def _plain(v):
    if v is None or isinstance(v, (bool, int, float, str)):
        return v
    return float(v) if hasattr(v, "__float__") else str(v)


if __name__ == "__main__":
    main()
