#!/usr/bin/env python3
"""kpath conformance: one ordered stream of nftables trace events from many network namespaces.

Run inside an observer network namespace in which every traced namespace has an nsid
(`ip netns set NAME ID`). It opens one NETLINK_NETFILTER socket subscribed to NFNLGRP_NFTRACE with
NETLINK_LISTEN_ALL_NSID, so the trace messages of all those namespaces land in one socket queue in
the order the kernel emitted them (nft_trace_notify -> nfnetlink_send -> netlink_broadcast): the
kernel's own cross-namespace order, not a timestamp merge. Each message is printed as one JSON line
with the raw attributes (headers in hex); the TypeScript side decodes them (trace-netlink.ts).

Prints "ready" once subscribed; stops on SIGTERM/SIGINT after draining what is queued.
Standard library only (python3 is on every CI machine of this kind).
"""
import json
import os
import select
import signal
import socket
import struct
import sys

NETLINK_NETFILTER = 12
SOL_NETLINK = 270
NETLINK_ADD_MEMBERSHIP = 1
NETLINK_LISTEN_ALL_NSID = 8
NFNLGRP_NFTRACE = 9
NFNL_SUBSYS_NFTABLES = 10
NFT_MSG_TRACE = 17
NLMSG_ERROR = 2
NLA_TYPE_MASK = 0x3FFF

# enum nft_trace_attributes (include/uapi/linux/netfilter/nf_tables.h; CT_* since 6.17)
ATTRS = {
    1: ("table", "str"),
    2: ("chain", "str"),
    3: ("handle", "u64"),
    4: ("type", "u32"),
    5: ("verdict", "nested"),
    6: ("id", "u32"),
    7: ("ll", "hex"),
    8: ("nh", "hex"),
    9: ("th", "hex"),
    10: ("iif", "u32"),
    11: ("iiftype", "u16"),
    12: ("oif", "u32"),
    13: ("oiftype", "u16"),
    14: ("mark", "u32"),
    15: ("nfproto", "u32"),
    16: ("policy", "u32"),
    18: ("ct_id", "u32"),
    19: ("ct_dir", "u8"),
    20: ("ct_status", "u32"),
    21: ("ct_state", "u32"),
}


def attrs(buf, off, end):
    while off + 4 <= end:
        alen, atype = struct.unpack_from("=HH", buf, off)
        if alen < 4:
            break
        yield atype & NLA_TYPE_MASK, buf[off + 4:off + alen]
        off += (alen + 3) & ~3


def decode_verdict(data):
    out = {}
    for t, v in attrs(data, 0, len(data)):
        if t == 1 and len(v) >= 4:  # NFTA_VERDICT_CODE, be32 signed
            out["code"] = struct.unpack(">i", v[:4])[0]
        elif t == 2:  # NFTA_VERDICT_CHAIN
            out["chain"] = v.rstrip(b"\0").decode(errors="replace")
    return out


def decode(buf, off, end):
    family = buf[off]
    ev = {"family": family}
    for t, v in attrs(buf, off + 4, end):
        if t not in ATTRS:
            continue
        name, kind = ATTRS[t]
        if kind == "str":
            ev[name] = v.rstrip(b"\0").decode(errors="replace")
        elif kind == "u64":
            ev[name] = struct.unpack(">Q", v[:8])[0]
        elif kind == "u32":
            ev[name] = struct.unpack(">I", v[:4])[0]
        elif kind == "u16":
            ev[name] = struct.unpack(">H", v[:2])[0]
        elif kind == "u8":
            ev[name] = v[0]
        elif kind == "hex":
            ev[name] = v.hex()
        elif kind == "nested":
            ev[name] = decode_verdict(v)
    return ev


def main():
    sock = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, NETLINK_NETFILTER)
    try:
        sock.setsockopt(socket.SOL_SOCKET, 33, 16 << 20)  # SO_RCVBUFFORCE: never lose a burst
    except OSError:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 16 << 20)
    sock.bind((0, 0))
    sock.setsockopt(SOL_NETLINK, NETLINK_ADD_MEMBERSHIP, NFNLGRP_NFTRACE)
    sock.setsockopt(SOL_NETLINK, NETLINK_LISTEN_ALL_NSID, 1)

    stopping = []
    signal.signal(signal.SIGTERM, lambda *_: stopping.append(1))
    signal.signal(signal.SIGINT, lambda *_: stopping.append(1))

    out = sys.stdout
    out.write("ready\n")
    out.flush()
    seq = 0
    while True:
        r, _, _ = select.select([sock], [], [], 0.05)
        if not r:
            if stopping:
                break
            continue
        try:
            data, anc, _flags, _addr = sock.recvmsg(1 << 16, socket.CMSG_SPACE(4))
        except InterruptedError:
            continue
        except OSError as e:
            out.write(json.dumps({"error": os.strerror(e.errno or 0)}) + "\n")
            continue
        nsid = None
        for level, ctype, cdata in anc:
            if level == SOL_NETLINK and ctype == NETLINK_LISTEN_ALL_NSID and len(cdata) >= 4:
                nsid = struct.unpack("=i", cdata[:4])[0]
        off = 0
        while off + 16 <= len(data):
            mlen, mtype, _mflags, _mseq, _mpid = struct.unpack_from("=IHHII", data, off)
            if mlen < 16:
                break
            if mtype == ((NFNL_SUBSYS_NFTABLES << 8) | NFT_MSG_TRACE):
                ev = decode(data, off + 16, off + mlen)
                ev["nsid"] = nsid
                ev["seq"] = seq
                seq += 1
                out.write(json.dumps(ev, separators=(",", ":")) + "\n")
            off += (mlen + 3) & ~3
    out.flush()


if __name__ == "__main__":
    main()
