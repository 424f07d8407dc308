#!/usr/bin/env python3
"""Writes a media-heavy pcap for bench/capture_bench.sh: CALLS concurrent G.711 calls (INVITE with SDP,
100, 180, 200 with SDP, ACK, BYE, 200) with RTP both ways every 20 ms, each stream with its own SSRC,
sequence and timestamp, for SECONDS of media. Ethernet/IPv4/UDP, 198.18.0.0/15 addresses (nothing is
sent anywhere: the packets only exist in the file).
Usage: gen_media_pcap.py OUT CALLS SECONDS"""
import struct
import sys

out, calls, seconds = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
T0 = 1_700_000_000


def csum(data):
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack(f"!{len(data) // 2}H", data))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF


def ip(a):
    return bytes(int(x) for x in a.split("."))


def frame(src, sport, dst, dport, payload):
    udp = struct.pack("!HHHH", sport, dport, 8 + len(payload), 0) + payload
    hdr = struct.pack("!BBHHHBBH4s4s", 0x45, 0xB8, 20 + len(udp), 0, 0x4000, 64, 17, 0, ip(src), ip(dst))
    hdr = hdr[:10] + struct.pack("!H", csum(hdr)) + hdr[12:]
    return b"\x02\0\0\0\0\x02\x02\0\0\0\0\x01\x08\x00" + hdr + udp


def sdp(addr, port):
    return (f"v=0\r\no=- 1 1 IN IP4 {addr}\r\ns=-\r\nc=IN IP4 {addr}\r\nt=0 0\r\n"
            f"m=audio {port} RTP/AVP 0 101\r\na=rtpmap:0 PCMU/8000\r\na=rtpmap:101 telephone-event/8000\r\n"
            "a=ptime:20\r\na=sendrecv\r\n")


def sip(first, cid, cseq, method, a, b, body=""):
    hdrs = [first, f"Via: SIP/2.0/UDP {a}:5060;branch=z9hG4bK{cid}{cseq}{method[:3]}",
            f"From: <sip:1000{cid}@{a}>;tag=a{cid}", f"To: <sip:2000{cid}@{b}>" + (";tag=b" + cid if not first.startswith("INVITE") else ""),
            f"Call-ID: {cid}@bench", f"CSeq: {cseq} {method}", f"Contact: <sip:1000@{a}:5060>", "Max-Forwards: 70"]
    if body:
        hdrs.append("Content-Type: application/sdp")
    hdrs.append(f"Content-Length: {len(body)}")
    return ("\r\n".join(hdrs) + "\r\n\r\n" + body).encode()


with open(out, "wb") as f:
    w = f.write
    w(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1))

    def rec(t, data):
        sec = int(t)
        w(struct.pack("<IIII", sec, int((t - sec) * 1e6), len(data), len(data)))
        w(data)

    legs = []
    for c in range(calls):
        a, b = f"198.18.{c // 250}.{c % 250 + 1}", f"198.19.{c // 250}.{c % 250 + 1}"
        cid, pa, pb = f"c{c}", 10000 + 2 * (c % 20000), 30000 + 2 * (c % 15000)
        legs.append((a, b, cid, pa, pb))
        t = T0 + c * 0.001
        ruri = f"INVITE sip:2000{cid}@{b} SIP/2.0"
        rec(t, frame(a, 5060, b, 5060, sip(ruri, cid, 1, "INVITE", a, b, sdp(a, pa))))
        for i, st in enumerate(("100 Trying", "180 Ringing")):
            rec(t + 0.0001 * (i + 1), frame(b, 5060, a, 5060, sip(f"SIP/2.0 {st}", cid, 1, "INVITE", a, b)))
    for c, (a, b, cid, pa, pb) in enumerate(legs):
        t = T0 + 0.5 + c * 0.001
        rec(t, frame(b, 5060, a, 5060, sip("SIP/2.0 200 OK", cid, 1, "INVITE", a, b, sdp(b, pb))))
        rec(t + 0.0001, frame(a, 5060, b, 5060, sip(f"ACK sip:2000{cid}@{b} SIP/2.0", cid, 1, "ACK", a, b)))
    payload = bytes([0xFF]) * 160
    n = seconds * 50
    for k in range(n):
        base = T0 + 1 + k * 0.02
        for c, (a, b, cid, pa, pb) in enumerate(legs):
            t = base + c * 0.00001
            seq, ts = (1000 + k) & 0xFFFF, (160 * k) & 0xFFFFFFFF
            m = 0x80 if k == 0 else 0
            rec(t, frame(a, pa, b, pb, struct.pack("!BBHII", 0x80, m, seq, ts, 0x10000000 + 2 * c) + payload))
            rec(t + 0.000005, frame(b, pb, a, pa, struct.pack("!BBHII", 0x80, m, seq, ts, 0x10000001 + 2 * c) + payload))
    for c, (a, b, cid, pa, pb) in enumerate(legs):
        t = T0 + 1 + n * 0.02 + c * 0.001
        rec(t, frame(a, 5060, b, 5060, sip(f"BYE sip:2000{cid}@{b} SIP/2.0", cid, 2, "BYE", a, b)))
        rec(t + 0.0001, frame(b, 5060, a, 5060, sip("SIP/2.0 200 OK", cid, 2, "BYE", a, b)))
