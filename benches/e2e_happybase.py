"""happybase's side of the end-to-end benchmark (benches/e2e.rs).

    e2e_happybase.py serve HOST PORT
        Reads one JSON command per line on stdin and answers one JSON line
        on stdout; the Rust bench drives it so that capjure, happybase and
        the bare Thrift client take turns against the same server.
    e2e_happybase.py count HOST PORT TABLE START STOP
        Counts rows START <= key < STOP keys-only in a fresh process and
        prints {"rows", "seconds", "rss_before_kb", "peak_kb"}.

Cells come from a file the Rust side wrote with capjure's mapper (the same
row keys, columns and bytes capjure writes), so happybase puts exactly the
cells capjure puts; building the put dicts is done before the clock starts.
Reads hydrate: `hydrate` below rebuilds the object from the cells in
capjure's JSON-codec, multi-family layout, so both sides deliver the same
object.
"""
import json
import struct
import sys
import time

import happybase

KEYS_ONLY = b"FirstKeyOnlyFilter() AND KeyOnlyFilter()"


def connect(host, port):
    return happybase.Connection(host, int(port), timeout=120000, autoconnect=True)


def load_cells(path):
    """[(row key, {b"family:qualifier": value})] from the Rust side's file."""
    rows = []
    with open(path, "rb") as f:
        data = f.read()
    (count,) = struct.unpack_from("<I", data, 0)
    at = 4
    for _ in range(count):
        (klen,) = struct.unpack_from("<I", data, at)
        at += 4
        key = data[at : at + klen]
        at += klen
        (ncells,) = struct.unpack_from("<I", data, at)
        at += 4
        cells = {}
        for _ in range(ncells):
            clen, vlen = struct.unpack_from("<II", data, at)
            at += 8
            column = data[at : at + clen]
            at += clen
            cells[column] = data[at : at + vlen]
            at += vlen
        rows.append((key, cells))
    return rows


def unescape(name):
    if b"%" not in name:
        return name.decode()
    out = bytearray()
    i = 0
    while i < len(name):
        if name[i] == 0x25:  # %
            out.append(int(name[i + 1 : i + 3], 16))
            i += 3
        else:
            out.append(name[i])
            i += 1
    return out.decode()


def hydrate(cells, configured):
    """capjure's JSON codec, multi-family layout: cells -> object.

    `configured` maps each array-of-maps key to its primary-key field.
    """
    groups = {}
    for column, value in cells.items():
        family, _, qualifier = column.partition(b":")
        entries = groups.get(family)
        if entries is None:
            groups[family] = [(qualifier, value)]
        else:
            entries.append((qualifier, value))
    obj = {}
    fields = []  # (key, field, entries) of arrays of maps, applied last
    for family, entries in groups.items():
        name = unescape(family)
        owner = None
        for key in configured:
            if name == key:
                owner = (key, None)
                break
            if name.startswith(key) and name[len(key) : len(key) + 1] == "_":
                owner = (key, name[len(key) + 1 :])
                break
        if owner is not None:
            key, field = owner
            if field is None and entries == [(b"", b"[]")]:
                obj[key] = []
            elif field is None:
                pk_field = configured[key]
                children = {}
                for qualifier, value in entries:
                    index = json.loads(value)
                    pk = index["pk"] if "pk" in index else qualifier.decode()
                    children[qualifier] = (index["at"], {pk_field: pk})
                obj[key] = children
            else:
                fields.append((key, field, entries))
            continue
        first_q, first_v = entries[0]
        if len(entries) == 1 and first_q == b"":
            if first_v == b"{}":
                obj[name] = {}
            elif first_v == b"[]":
                obj[name] = []
            else:
                obj[name] = json.loads(first_v)
        elif first_v[:1] == b"[":
            pairs = []
            for qualifier, value in entries:
                for item in json.loads(value):
                    if isinstance(item, int):
                        pairs.append((item, qualifier.decode()))
                    else:
                        pairs.append((item[0], item[1]))
            pairs.sort(key=lambda pair: pair[0])
            obj[name] = [element for _, element in pairs]
        else:
            obj[name] = {q.decode(): json.loads(v) for q, v in entries}
    for key, field, entries in fields:
        children = obj[key]
        for qualifier, value in entries:
            children[qualifier][1][field] = json.loads(value)
    for key in configured:
        children = obj.get(key)
        if isinstance(children, dict):
            obj[key] = [child for _, child in sorted(children.values(), key=lambda c: c[0])]
    return obj


class Worker:
    def __init__(self, host, port):
        self.connection = connect(host, port)
        self.rows = []
        self.configured = {}

    def load(self, cmd):
        self.rows = load_cells(cmd["cells"])
        self.configured = cmd["configured"]
        return {"rows": len(self.rows)}

    def insert(self, cmd):
        table = self.connection.table(cmd["table"])
        rows = self.rows[: cmd["rows"]]
        batch_size = cmd["batch"]
        cpu = time.process_time()
        start = time.perf_counter()
        # happybase's batch_size counts cells, not rows: send by hand every
        # `batch_size` rows so that both clients send the same calls.
        for at in range(0, len(rows), batch_size):
            batch = table.batch()
            for key, cells in rows[at : at + batch_size]:
                batch.put(key, cells)
            batch.send()
        return {"seconds": time.perf_counter() - start, "cpu": time.process_time() - cpu}

    def get(self, cmd):
        table = self.connection.table(cmd["table"])
        configured = self.configured
        latencies = []
        objects = []
        cpu = time.process_time()
        for key in cmd["keys"]:
            t0 = time.perf_counter()
            obj = hydrate(table.row(key.encode()), configured)
            latencies.append(time.perf_counter() - t0)
            objects.append(obj)
        cpu = time.process_time() - cpu
        return {"latencies": latencies, "cpu": cpu, "checked": self.check(cmd, objects)}

    def multiget(self, cmd):
        table = self.connection.table(cmd["table"])
        configured = self.configured
        latencies = []
        objects = []
        cpu = time.process_time()
        for group in cmd["groups"]:
            keys = [key.encode() for key in group]
            t0 = time.perf_counter()
            found = [hydrate(cells, configured) for _, cells in table.rows(keys)]
            latencies.append(time.perf_counter() - t0)
            if len(found) != len(keys):
                raise SystemExit(f"multiget: {len(found)} rows for {len(keys)} keys")
            objects.extend(found)
        cpu = time.process_time() - cpu
        return {"latencies": latencies, "cpu": cpu, "checked": self.check(cmd, objects)}

    def scan(self, cmd):
        table = self.connection.table(cmd["table"])
        configured = self.configured
        rows = 0
        cpu = time.process_time()
        start = time.perf_counter()
        for _, cells in table.scan(batch_size=cmd["batch"]):
            hydrate(cells, configured)
            rows += 1
        seconds = time.perf_counter() - start
        return {"seconds": seconds, "rows": rows, "cpu": time.process_time() - cpu}

    @staticmethod
    def check(cmd, objects):
        """Compares the first objects read with what the Rust side expects."""
        expected = cmd.get("expect") or []
        for i, want in enumerate(expected):
            if objects[i] != want:
                raise SystemExit(
                    f"happybase hydrated {json.dumps(objects[i], sort_keys=True)[:300]} "
                    f"but expected {json.dumps(want, sort_keys=True)[:300]}"
                )
        return len(expected)

    def serve(self):
        for line in sys.stdin:
            cmd = json.loads(line)
            op = cmd["op"]
            if op == "quit":
                break
            answer = getattr(self, op)(cmd)
            sys.stdout.write(json.dumps(answer) + "\n")
            sys.stdout.flush()
        self.connection.close()


def peak_kb():
    """This process's peak RSS (VmHWM). Not getrusage's ru_maxrss: Linux
    carries that over from the parent across fork and exec, so a child of
    the bench would report the bench's own peak."""
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    return 0


def count(host, port, table, start, stop):
    connection = connect(host, port)
    t = connection.table(table)
    before = peak_kb()
    cpu = time.process_time()
    t0 = time.perf_counter()
    rows = sum(
        1
        for _ in t.scan(
            row_start=start.encode(), row_stop=stop.encode(), filter=KEYS_ONLY, batch_size=1000
        )
    )
    seconds = time.perf_counter() - t0
    cpu = time.process_time() - cpu
    print(json.dumps({"rows": rows, "seconds": seconds, "cpu": cpu, "rss_before_kb": before, "peak_kb": peak_kb()}))
    connection.close()


def main():
    mode = sys.argv[1]
    if mode == "serve":
        Worker(sys.argv[2], sys.argv[3]).serve()
    elif mode == "count":
        count(*sys.argv[2:7])
    else:
        raise SystemExit(f"unknown mode {mode}")


if __name__ == "__main__":
    main()
