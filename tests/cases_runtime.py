"""runtime/pb against Python's protobuf, and its installation.

Categories:
  runtime/python/<check>  tests/pb_python.py: messages of
                          testdata/pb/handmade.proto (compiled by protoc)
                          built and written by /usr/bin/python3's protobuf,
                          decoded and encoded again by pb-test's hand-written
                          tables: maps (deterministic bytes equal python's), ext (typed
                          extensions with a registry and raw without, read
                          back equal, bytes as python's), mset (message set
                          items, bytes as python's)."""
import os
import subprocess
import tempfile

PYTHON = "/usr/bin/python3"


def cases(r, run):
    test = os.path.join(r.build, "tests", "pb-test")
    if not os.path.exists(test):
        return
    here = os.path.dirname(os.path.abspath(__file__))
    proto_dir = os.path.join(run.TESTDATA, "pb")

    def python_check(check):
        with tempfile.TemporaryDirectory() as tmp:
            fds = os.path.join(tmp, "handmade.pb")
            p = subprocess.run(["protoc", "-I", proto_dir, "--include_imports", "-o", fds, "handmade.proto"],
                               capture_output=True, timeout=120)
            if p.returncode != 0:
                return "protoc failed: " + p.stderr.decode("utf-8", "replace")[:2000]
            p = subprocess.run([PYTHON, os.path.join(here, "pb_python.py"), test, fds, check], capture_output=True,
                               timeout=600)
            bad = run.sanitizer_noise(p.stderr)
            if bad or p.returncode != 0:
                return bad or (p.stdout + p.stderr).decode("utf-8", "replace")[-4000:]
            if r.verbose:
                print("     " + p.stdout.decode().strip())
        return None

    for check in ("maps", "ext", "mset"):
        r.case("runtime/python/" + check, lambda check=check: python_check(check))
