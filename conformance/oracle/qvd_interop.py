"""Reads or writes a QVD with pyqvd (a reader and writer qixd's code shares nothing with).

Usage: qvd_interop.py read PATH   -> prints {"columns": [...], "data": [[...], ...]} as JSON
       qvd_interop.py write PATH  -> writes a small table (Name, Amount, Day) to PATH
"""
import json
import sys

import pyqvd


def main():
    mode, path = sys.argv[1], sys.argv[2]
    if mode == "read":
        table = pyqvd.QvdTable.from_qvd(path)
        rows = [[None if v is None else str(v) for v in row] for row in table.data]
        print(json.dumps({"columns": table.columns, "data": rows}))
    else:
        table = pyqvd.QvdTable.from_dict({
            "columns": ["Name", "Amount"],
            "data": [["Anna", 1.5], ["Bo", 2], ["Åsa", None]],
        })
        table.to_qvd(path)


if __name__ == "__main__":
    main()
