"""The codec benchmark's programs and datasets as tests.

Categories:
  bench/codec/DATASET  bench/codec/bench_buoy.c, built over this build's
                       runtime/pb (with its sanitizers) and the bindings this
                       buoy generates, decodes every payload of the dataset
                       (copying and aliasing) and encodes it again; the bytes
                       must be what Python's protobuf writes for the same
                       payloads (maps in key order on both sides). DATASET: google_message1_proto2,
                       google_message1_proto3, google_message2 (../shared/bench)
                       and service_1k, service_64k (bench/codec/payloads.py).
Needs gcc or the build's compiler, protoc and /usr/bin/python3 with
python3-protobuf (tests/all.sh installs them); fails when they are missing.
Skipped when ../shared/bench (the datasets) is absent."""
import atexit
import json
import os
import shutil
import subprocess
import tempfile

PY = "/usr/bin/python3"
DATASETS = ["google_message1_proto2", "google_message1_proto3", "google_message2", "service_1k", "service_64k"]
SCHEMAS = ["benchmark_message1_proto2.proto", "benchmark_message1_proto3.proto", "benchmark_message2.proto",
           "service.proto"]

# Python's protobuf as the reference: each payload parsed as the dataset's
# message_name and serialized again, the results concatenated.
REFERENCE = r"""
import sys
sys.path.insert(0, sys.argv[1])
import benchmarks_pb2, benchmark_message1_proto2_pb2, benchmark_message1_proto3_pb2
import benchmark_message2_pb2, service_pb2
from google.protobuf import symbol_database
ds = benchmarks_pb2.BenchmarkDataset()
ds.ParseFromString(open(sys.argv[2], "rb").read())
cls = symbol_database.Default().GetSymbol(ds.message_name)
out = b""
for p in ds.payload:
    m = cls()
    m.ParseFromString(p)
    out += m.SerializeToString(deterministic=True)
open(sys.argv[3], "wb").write(out)
"""


def build_compiler(build):
    """The compiler and sanitizer flags runtime/pb was built with, from
    meson's introspection of the build."""
    try:
        targets = json.load(open(os.path.join(build, "meson-info", "intro-targets.json")))
        src = next(t for t in targets if t["name"] == "buoy-pb")["target_sources"][0]
        flags = [f for f in src["parameters"] if f.startswith(("-fsanitize", "-fno-sanitize"))]
        return src["compiler"], flags
    except (OSError, KeyError, ValueError, StopIteration, IndexError):
        return ["cc"], []


def cases(r, run):
    root = run.ROOT
    shared = os.path.join(run.SHARED, "bench")
    if not os.path.isdir(shared):  # the shared datasets: skipped without them, as the googleapis cases are
        return
    codec = os.path.join(root, "bench", "codec")
    state = {}

    def setup():
        """Builds the program and the datasets once; returns a problem or None."""
        if "problem" in state:
            return state["problem"]
        state["problem"] = None
        work = tempfile.mkdtemp(prefix="buoy-bench-")
        atexit.register(shutil.rmtree, work, True)
        state["work"] = work
        for d in ("gen", "py", "data"):
            os.mkdir(os.path.join(work, d))
        steps = [
            [r.buoy, "debug", "gen-c", "-I", shared, "-I", codec, "-o", os.path.join(work, "gen")] + SCHEMAS,
            ["protoc", "-I", shared, "-I", codec, "--python_out=" + os.path.join(work, "py"), "benchmarks.proto"]
            + SCHEMAS,
            [PY, os.path.join(codec, "payloads.py"), os.path.join(work, "py"), os.path.join(work, "data")],
        ]
        cc, san = build_compiler(r.build)
        gen = os.path.join(work, "gen")
        srcs = [os.path.join(codec, "bench_buoy.c")] + [os.path.join(gen, f[:-len(".proto")] + ".pb.c")
                                                          for f in SCHEMAS]
        steps.append(cc + san + ["-std=c11", "-g", "-O1", "-Wall", "-Wextra", "-Werror", "-I",
                                 os.path.join(root, "runtime"), "-I", gen, "-I", codec, "-o",
                                 os.path.join(work, "bench-buoy")] + srcs +
                     [os.path.join(r.build, "libbuoy-pb.a")])
        for cmd in steps:
            if not shutil.which(cmd[0]):
                state["problem"] = "%s is missing (tests/all.sh installs it)" % cmd[0]
                return state["problem"]
            p = subprocess.run(cmd, capture_output=True, timeout=600)
            if p.returncode != 0:
                state["problem"] = "%s failed:\n%s" % (" ".join(cmd[:3]), (p.stdout + p.stderr).decode()[-3000:])
                return state["problem"]
        return None

    def check(name):
        problem = setup()
        if problem:
            return problem
        work = state["work"]
        data = os.path.join(shared if name.startswith("google") else os.path.join(work, "data"),
                            "dataset.%s.pb" % name)
        mine = os.path.join(work, name + ".buoy")
        want = os.path.join(work, name + ".python")
        p = subprocess.run([os.path.join(work, "bench-buoy"), "check", data, mine], capture_output=True, timeout=300)
        bad = run.sanitizer_noise(p.stderr)
        if bad or p.returncode != 0:
            return bad or "bench-buoy check failed:\n" + (p.stdout + p.stderr).decode()[-3000:]
        q = subprocess.run([PY, "-c", REFERENCE, os.path.join(work, "py"), data, want], capture_output=True,
                           timeout=300)
        if q.returncode != 0:
            return "the Python reference failed:\n" + q.stderr.decode()[-3000:]
        a, b = open(mine, "rb").read(), open(want, "rb").read()
        if a != b:
            at = next((i for i in range(min(len(a), len(b))) if a[i] != b[i]), min(len(a), len(b)))
            return "buoy writes %d bytes, Python %d; first difference at byte %d" % (len(a), len(b), at)
        return None

    for name in DATASETS:
        r.case("bench/codec/" + name, lambda name=name: check(name))
