#!/usr/bin/env python3
"""Readiness probe for the HBase Thrift1 and Thrift2 gateways, with no
dependencies.

Sends one real Thrift call over a raw socket and parses the reply, so
scripts/hbase can tell "port open" apart from "the gateway answers Thrift".
Standard library only, because it runs on a fresh machine before anything
is installed from PyPI.

Usage: thrift_probe.py HOST PORT [buffered|framed] [binary|compact] [one|two]
Without the last argument: Hbase.getTableNames() (Thrift1), printing the
table names, one per line. With `one` or `two`: getThriftServerType(),
which both gateways answer in HBase 2.x, and the answer must be that kind
(a Thrift1 gateway on the Thrift2 port is not ready); prints ONE or TWO.
Exits 0 on a successful reply; exits 1 with a message on stderr otherwise.
"""
import socket
import struct
import sys

TABLES = b"getTableNames"
SERVER_TYPE = b"getThriftServerType"
T_CALL, T_REPLY, T_EXCEPTION = 1, 2, 3


def binary_call(seqid, method):
    # Strict binary protocol: version|type, name, seqid, empty args struct.
    return (struct.pack(">I", 0x80010000 | T_CALL) + struct.pack(">i", len(method))
            + method + struct.pack(">i", seqid) + b"\x00")


def varint(n):
    out = bytearray()
    while True:
        if n < 0x80:
            out.append(n)
            return bytes(out)
        out.append((n & 0x7F) | 0x80)
        n >>= 7


def compact_call(seqid, method):
    # Compact protocol: 0x82, type<<5 | version 1, varint seqid, varint-len name.
    return (bytes([0x82, (T_CALL << 5) | 1]) + varint(seqid) + varint(len(method))
            + method + b"\x00")


class Reader:
    def __init__(self, sock):
        self.sock = sock

    def take(self, n):
        buf = b""
        while len(buf) < n:
            chunk = self.sock.recv(n - len(buf))
            if not chunk:
                raise EOFError("connection closed by the server")
            buf += chunk
        return buf

    def varint(self):
        shift = result = 0
        while True:
            b = self.take(1)[0]
            result |= (b & 0x7F) << shift
            if not b & 0x80:
                return result
            shift += 7


def read_binary_reply(r, method):
    head = struct.unpack(">I", r.take(4))[0]
    if head & 0xFFFF0000 != 0x80010000:
        raise ValueError("not a strict binary protocol reply: %#x" % head)
    mtype = head & 0xFF
    name = r.take(struct.unpack(">i", r.take(4))[0])
    r.take(4)  # seqid
    if mtype != T_REPLY:
        raise ValueError("reply type %d to %r (exception?)" % (mtype, name))
    names = []
    while True:
        ftype = r.take(1)[0]
        if ftype == 0:
            return names
        fid = struct.unpack(">h", r.take(2))[0]
        if method == SERVER_TYPE and fid == 0 and ftype == 8:  # success: i32 enum
            names.append(struct.unpack(">i", r.take(4))[0])
            continue
        if fid != 0 or ftype != 15:  # field 0 (success) is list<Text>
            raise ValueError("server returned field %d (IOError?)" % fid)
        r.take(1)  # element type: string
        for _ in range(struct.unpack(">i", r.take(4))[0]):
            names.append(r.take(struct.unpack(">i", r.take(4))[0]))


def read_compact_reply(r, method):
    if r.take(1)[0] != 0x82:
        raise ValueError("not a compact protocol reply")
    mtype = r.take(1)[0] >> 5
    r.varint()  # seqid
    name = r.take(r.varint())
    if mtype != T_REPLY:
        raise ValueError("reply type %d to %r (exception?)" % (mtype, name))
    names = []
    last = 0
    while True:
        b = r.take(1)[0]
        if b == 0:
            return names
        delta, ctype = b >> 4, b & 0x0F
        if delta:
            fid = last + delta
        else:
            zz = r.varint()
            fid = (zz >> 1) ^ -(zz & 1)
        last = fid
        if method == SERVER_TYPE and fid == 0 and ctype == 5:  # success: i32 enum
            zz = r.varint()
            names.append((zz >> 1) ^ -(zz & 1))
            continue
        if fid != 0 or ctype != 9:  # field 0 (success) is a compact list
            raise ValueError("server returned field %d (IOError?)" % fid)
        sz = r.take(1)[0]
        count = sz >> 4
        if count == 15:
            count = r.varint()
        for _ in range(count):
            names.append(r.take(r.varint()))


def main():
    if len(sys.argv) < 3:
        print(__doc__, file=sys.stderr)
        return 2
    host, port = sys.argv[1], int(sys.argv[2])
    transport = sys.argv[3] if len(sys.argv) > 3 else "buffered"
    protocol = sys.argv[4] if len(sys.argv) > 4 else "binary"
    kind = sys.argv[5] if len(sys.argv) > 5 else ""
    method = SERVER_TYPE if kind else TABLES
    payload = compact_call(1, method) if protocol == "compact" else binary_call(1, method)
    if transport == "framed":
        payload = struct.pack(">i", len(payload)) + payload
    try:
        with socket.create_connection((host, port), timeout=10) as sock:
            sock.sendall(payload)
            r = Reader(sock)
            if transport == "framed":
                r.take(4)  # frame length; the message parser reads the rest
            names = (read_compact_reply(r, method) if protocol == "compact"
                     else read_binary_reply(r, method))
            if kind:
                want = {"one": 1, "two": 2}[kind]
                if names != [want]:
                    raise ValueError("the gateway reports server type %r, not %s"
                                     % (names, kind.upper()))
                names = [kind.upper().encode()]
    except (OSError, EOFError, ValueError, struct.error) as e:
        print("thrift probe %s:%d (%s/%s): %s" % (host, port, transport, protocol, e),
              file=sys.stderr)
        return 1
    for n in names:
        print(n.decode("utf-8", "replace"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
