"""Prints codec.sh's results as tables.

Usage: report.py SPEED_FILE RUNS MS [INSTRUCTIONS_FILE]
SPEED_FILE: lines "RESULT impl op dataset MB/s" (harness.h), one per run;
INSTRUCTIONS_FILE: lines "IR program op dataset passes instructions" for
K and K+N passes of each (program, op, dataset)."""
import statistics
import sys

DATASETS = ["google_message1_proto2", "google_message1_proto3", "google_message2", "service_1k", "service_64k"]
IMPLS = ["buoy", "c++", "protobuf-c"]
PROGRAMS = {"bench-buoy": "buoy", "bench-cpp": "c++", "bench-pbc": "protobuf-c"}


def fmt(v, spec):
    return format(v, spec) if v is not None else format("n/a", ">" + spec.split(".")[0])


def speed(path, runs, ms):
    samples = {}
    for line in open(path):
        f = line.split()
        if len(f) == 5 and f[0] == "RESULT":
            samples.setdefault((f[1], f[2], f[3]), []).append(float(f[4]))
    mbps = {k: statistics.median(v) for k, v in samples.items()}
    print("Throughput in MB/s of payload, median of %s runs of >= %s ms (higher is better)" % (runs, ms))
    print("%-24s %-13s %9s %9s %11s %9s %11s" % ("dataset", "op", "buoy", "c++", "protobuf-c", "buoy/c++",
                                                "buoy/pb-c"))
    for d in DATASETS:
        for op, buoy_op in (("decode", "decode"), ("decode", "decode-alias"), ("encode", "encode")):
            b = mbps.get(("buoy", buoy_op, d))
            c = mbps.get(("c++", op, d))
            p = mbps.get(("protobuf-c", op, d))
            label = "decode (alias)" if buoy_op == "decode-alias" else op
            print("%-24s %-13s %9s %9s %11s %9s %11s" % (
                d, label, fmt(b, "9.1f"), fmt(c, "9.1f"), fmt(p, "11.1f"),
                fmt(b / c if b and c else None, "9.2f"), fmt(b / p if b and p else None, "11.2f")))
    print("targets: decode >= 1.5x c++, encode >= 1.0x c++ (google_message1)")


def instructions(path):
    runs = {}
    for line in open(path):
        f = line.split()
        if len(f) == 6 and f[0] == "IR":
            runs.setdefault((PROGRAMS[f[1]], f[2], f[3]), []).append((int(f[4]), int(f[5].replace(",", ""))))
    per = {}
    for key, pts in runs.items():
        if len(pts) == 2:
            (k1, i1), (k2, i2) = sorted(pts)
            per[key] = (i2 - i1) / (k2 - k1)
    print()
    print("Instructions per message (callgrind, (Ir(K+N) - Ir(K)) / N; lower is better)")
    print("%-24s %-7s %9s %9s %11s" % ("dataset", "op", "buoy", "c++", "protobuf-c"))
    for d in DATASETS:
        for op in ("decode", "encode"):
            vals = [per.get((i, op, d)) for i in IMPLS]
            if any(v is not None for v in vals):
                print("%-24s %-7s %9s %9s %11s" % (d, op, fmt(vals[0], "9.0f"), fmt(vals[1], "9.0f"),
                                                   fmt(vals[2], "11.0f")))
    print("targets: buoy < 3000 per decode, < 1700 per encode (google_message1)")


speed(sys.argv[1], sys.argv[2], sys.argv[3])
if len(sys.argv) > 4:
    instructions(sys.argv[4])
