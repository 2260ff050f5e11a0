"""happybase's side of the interoperability test (tests/happybase_interop.rs).

    happybase_peer.py write|read HOST PORT TRANSPORT PROTOCOL TABLE ROW [CELLS_JSON]

write: stores CELLS_JSON ({"family:qualifier": "value", ...}) under ROW.
read:  prints ROW's cells as that JSON object (values decoded as UTF-8).
"""
import json
import sys

import happybase


def main():
    mode, host, port, transport, protocol, table, row = sys.argv[1:8]
    connection = happybase.Connection(
        host, int(port), transport=transport, protocol=protocol, timeout=30000
    )
    try:
        t = connection.table(table)
        if mode == "write":
            cells = json.loads(sys.argv[8])
            t.put(row.encode(), {k.encode(): v.encode() for k, v in cells.items()})
        elif mode == "read":
            data = t.row(row.encode())
            print(json.dumps({k.decode(): v.decode() for k, v in data.items()}, sort_keys=True))
        else:
            raise SystemExit(f"unknown mode {mode}")
    finally:
        connection.close()


if __name__ == "__main__":
    main()
