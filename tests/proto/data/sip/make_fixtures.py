#!/usr/bin/env python3
"""Regenerates the SIP parser fixtures from the shared corpus (run once; needs tshark).

Each fixture is one SIP message's bytes exactly as carried in the packet (UDP/TCP payload).
reference.tsv holds tshark's own dissection of the same frame, so the parser test compares our parser
against an independent one. header_count and body_len are counted here by splitting at the first
empty line and counting non-continuation lines (not by voipscope code).
"""
import os, subprocess, sys

CORPUS = os.environ.get("CORPUS", os.path.join(os.path.dirname(__file__), "../../../../../shared/corpus"))
OUT = os.path.dirname(os.path.abspath(__file__))

PICKS = [
    ("OISF_suricata-verify/sip_compact_form.pcap", 1, "compact_invite"),
    ("zeek_zeek/sip-long-request-response-paths.pcap", 1, "long_path_options"),
    ("zeek_zeek/sip-long-request-response-paths.pcap", 2, "long_path_200"),
    ("seladb_PcapPlusPlus/sip_resp.pcap", 1, "resp_100_two_via"),
    ("seladb_PcapPlusPlus/sip_resp.pcap", 3, "resp_200_sdp"),
    ("seladb_PcapPlusPlus/sip_resp.pcap", 5, "resp_401_tcp"),
    ("seladb_PcapPlusPlus/sip_resp.pcap", 6, "resp_504"),
    ("sipcapture_heplify/sip_ipv6_udp.pcap", 1, "ipv6_invite"),
    ("irontec_sngrep/aaa.pcap", 30, "register_auth"),
    ("irontec_sngrep/aaa.pcap", 252, "resp_408"),
    ("ntop_nDPI/gre_sip.pcapng", 1, "gre_options"),
]

FIELDS = ["sip.Method", "sip.r-uri", "sip.Status-Code", "sip.Call-ID", "sip.CSeq.seq", "sip.CSeq.method",
          "sip.Via.branch", "sip.from.tag", "sip.to.tag", "sip.Content-Length", "udp.payload", "tcp.payload"]


def tshark(path, frame):
    cmd = ["tshark", "-r", path, "-Y", f"frame.number=={frame}", "-T", "fields", "-E", "occurrence=a",
           "-E", "aggregator=,"]
    for f in FIELDS:
        cmd += ["-e", f]
    out = subprocess.run(cmd, capture_output=True, text=True, check=True).stdout.rstrip("\n")
    return dict(zip(FIELDS, out.split("\t")))


def main():
    rows = ["name\tmethod\truri\tstatus\tcall_id\tcseq_num\tcseq_method\tvia_branches\tfrom_tag\tto_tag\t"
            "header_count\tbody_len\tcontent_length"]
    for path, frame, name in PICKS:
        f = tshark(os.path.join(CORPUS, path), frame)
        payload = bytes.fromhex((f["udp.payload"] or f["tcp.payload"]).replace(":", ""))
        with open(os.path.join(OUT, name + ".sip"), "wb") as fh:
            fh.write(payload)
        head, _, body = payload.partition(b"\r\n\r\n")
        lines = head.split(b"\r\n")[1:]
        header_count = sum(1 for l in lines if l and l[:1] not in (b" ", b"\t"))
        rows.append("\t".join([name, f["sip.Method"], f["sip.r-uri"], f["sip.Status-Code"], f["sip.Call-ID"],
                               f["sip.CSeq.seq"], f["sip.CSeq.method"], f["sip.Via.branch"], f["sip.from.tag"],
                               f["sip.to.tag"], str(header_count), str(len(body)), f["sip.Content-Length"]]))
    with open(os.path.join(OUT, "reference.tsv"), "w") as fh:
        fh.write("\n".join(rows) + "\n")


if __name__ == "__main__":
    sys.exit(main())
