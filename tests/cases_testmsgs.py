"""protobuf's conformance test-message schemas (testdata/upstream/protobuf:
test_messages_proto2/proto3, the editions goldens and
test_messages_edition2023), against python3-protobuf, protoc and buf.

Categories:
  testmsgs/protoc/NAME     protoc 3.21 compiles the proto2 and proto3 schemas
                           (it predates editions, so not the others)
  testmsgs/build/...       `buoy build` of all five equals `buf build` (BUOY_BUF), file by
                           file and byte for byte (tests/fdsdiff.py), as a FileDescriptorSet
                           with source info and as an image without
  testmsgs/plugin-bindings the bindings `buoy debug gen-c` writes for the five schemas are
                           byte for byte what protoc-gen-buoy writes under `buoy protoc`
                           (and under protoc 3.21, for the proto2 and proto3 ones)
  testmsgs/tool            tests/testmsgs/tm_tool.c compiles (-std=c11 -Wall -Wextra -Werror
                           -pedantic, the build's sanitizers) against the bindings `buoy debug
                           gen-c` writes for the five schemas
  testmsgs/binary          seeded random TestAllTypesProto2/3 and message sets: python's
                           deterministic bytes decode and re-encode through generated and
                           dynamic tables to the same bytes, and read back in python
  testmsgs/json            the same messages as JSON both ways under five option sets
  testmsgs/malformed       damaged binary and JSON: buoy rejects exactly what python rejects
  testmsgs/codec           message sets (fixed item shapes, damaged random ones, COUNT/25)
                           through protoc 3.21's --decode and `buoy debug codec`: same text
  testmsgs/editions        the editions goldens give their proto2/proto3 twins' bytes and
                           JSON; test_messages_edition2023 through generated = dynamic tables
(tests/testmsgs/tm_diff.py). BUOY_TESTMSGS_COUNT (default 2500) sets the
number of cases per mode, BUOY_TESTMSGS_SEED (default 1) the seed; a
mismatch names the seed and case index to rerun.
"""
import os
import shutil
import subprocess
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
UPSTREAM = os.path.join(ROOT, "testdata", "upstream", "protobuf")
PY = "/usr/bin/python3"
CLASSIC = ["google/protobuf/test_messages_proto2.proto", "google/protobuf/test_messages_proto3.proto"]
SCHEMAS = CLASSIC + ["google/protobuf/editions/golden/test_messages_proto2_editions.proto",
                     "google/protobuf/editions/golden/test_messages_proto3_editions.proto",
                     "conformance/test_protos/test_messages_edition2023.proto"]
MODES = ["binary", "json", "malformed", "editions"]


class Tool:
    """tm_tool and the descriptor sets, built once per run in a temporary
    directory: py.pb (the proto2 and proto3 schemas with their imports, for
    python) and full.pb (all five, for the dynamic tables)."""

    def __init__(self, r):
        self.r, self.dir, self.problem = r, None, None

    def build(self):
        if self.dir or self.problem:
            return self.problem
        self.dir = d = tempfile.mkdtemp(prefix="buoy-testmsgs-")
        p = self.r.run_buoy(["debug", "gen-c", "-I", UPSTREAM, "-o", d] + SCHEMAS)
        if p.returncode != 0:
            self.problem = "buoy debug gen-c failed:\n" + p.stderr.decode()[:3000]
            return self.problem
        for out, files in (("py.pb", CLASSIC), ("full.pb", SCHEMAS)):
            p = self.r.run_buoy(["build", "-I", UPSTREAM] + [os.path.join(UPSTREAM, f) for f in files] +
                                ["--as-file-descriptor-set", "--exclude-source-info", "-o", os.path.join(d, out)])
            if p.returncode != 0:
                self.problem = "buoy build failed:\n" + p.stderr.decode()[:3000]
                return self.problem
        import cases_json  # the build's sanitizer flags
        srcs = [os.path.join(ROOT, "tests", "testmsgs", "tm_tool.c")] + [
            os.path.join(d, f[:-len(".proto")] + ".pb.c") for f in SCHEMAS]
        cmd = [os.environ.get("CC", "cc"), "-std=c11", "-Wall", "-Wextra", "-Werror", "-pedantic",
               "-Wno-overlength-strings", "-g", "-O1", "-I", os.path.join(ROOT, "runtime"),
               "-I", os.path.join(ROOT, "runtime", "gen"), "-I", d, "-o", os.path.join(d, "tm-tool")] + \
            cases_json.sanitize_flags(self.r.build) + srcs + [os.path.join(self.r.build, "libbuoy-pb.a"), "-lm"]
        q = subprocess.run(["nice"] + cmd, capture_output=True, timeout=600)
        if q.returncode != 0:
            self.problem = "compiling tm_tool failed:\n%s\n%s" % (" ".join(cmd), q.stderr.decode()[:3000])
        return self.problem

    def cleanup(self):
        if self.dir:
            shutil.rmtree(self.dir, ignore_errors=True)


def cases(r, run):
    sys_path = os.path.join(ROOT, "tests")
    import sys
    if sys_path not in sys.path:
        sys.path.insert(0, sys_path)

    for f in CLASSIC:
        def protoc(f=f):
            if not shutil.which("protoc"):
                return "protoc is not installed (protobuf-compiler)"
            p = subprocess.run(["protoc", "-I", UPSTREAM, "-o", os.devnull, f], capture_output=True, timeout=120)
            return None if p.returncode == 0 else "protoc rejects %s:\n%s" % (f, p.stderr.decode()[:2000])
        r.case("testmsgs/protoc/" + os.path.basename(f)[:-len(".proto")], protoc)

    buf = os.environ.get("BUOY_BUF") or shutil.which("buf")
    if buf and os.path.exists(buf):
        import fdsdiff

        def build(flags):
            with tempfile.TemporaryDirectory() as tmp:
                mine, theirs = os.path.join(tmp, "buoy.binpb"), os.path.join(tmp, "buf.binpb")
                p = r.run_buoy(["build", UPSTREAM, "-o", mine] + flags)
                bad = run.sanitizer_noise(p.stderr)
                if bad or p.returncode != 0:
                    return bad or "buoy build failed:\n" + p.stderr.decode()[:3000]
                q = subprocess.run([buf, "build", UPSTREAM, "-o", theirs] + flags, capture_output=True, timeout=600)
                if q.returncode != 0:
                    return "buf build failed:\n" + q.stderr.decode()[:3000]
                exp, act = fdsdiff.files_of(open(theirs, "rb").read()), fdsdiff.files_of(open(mine, "rb").read())
                if list(exp) != list(act):
                    return "files: buf %s, buoy %s" % (list(exp), list(act))
                if not set(SCHEMAS) <= set(exp):
                    return "buf's output lacks some schemas: %s" % list(exp)
                out = ["%s: %s" % (n, fdsdiff.first_diff(exp[n], act[n], "")) for n in exp if exp[n] != act[n]]
                return "\n".join(out) or None

        r.case("testmsgs/build/fds", lambda: build(["--as-file-descriptor-set"]))
        r.case("testmsgs/build/image", lambda: build(["--exclude-source-info"]))

    def same_bindings():
        """The C the differential tests compile (buoy debug gen-c) is what
        protoc-gen-buoy writes, run by `buoy protoc` (all five schemas) and
        by protoc 3.21 (the proto2 and proto3 ones)."""
        with tempfile.TemporaryDirectory() as tmp:
            outs = {k: os.path.join(tmp, k) for k in ("gen-c", "buoy-protoc", "protoc")}
            for d in outs.values():
                os.mkdir(d)
            p = r.run_buoy(["debug", "gen-c", "-I", UPSTREAM, "-o", outs["gen-c"]] + SCHEMAS)
            q = r.run_buoy(["protoc", "-I", UPSTREAM, "--buoy_out=" + outs["buoy-protoc"]] + SCHEMAS)
            for who, x in (("buoy debug gen-c", p), ("buoy protoc", q)):
                bad = run.sanitizer_noise(x.stderr)
                if bad or x.returncode != 0:
                    return bad or "%s failed:\n%s" % (who, x.stderr.decode()[:2000])
            link = os.path.join(tmp, "protoc-gen-buoy")
            os.symlink(r.buoy, link)
            x = subprocess.run(["protoc", "--plugin=protoc-gen-buoy=" + link, "-I", UPSTREAM,
                                "--buoy_out=" + outs["protoc"]] + CLASSIC, capture_output=True, timeout=300)
            if x.returncode != 0:
                return "protoc with protoc-gen-buoy failed:\n" + x.stderr.decode()[:2000]
            for who, files in (("buoy-protoc", SCHEMAS), ("protoc", CLASSIC)):
                for f in files:
                    for ext in (".pb.h", ".pb.c"):
                        rel = f[:-len(".proto")] + ext
                        a, b = os.path.join(outs["gen-c"], rel), os.path.join(outs[who], rel)
                        if not os.path.exists(b) or open(a, "rb").read() != open(b, "rb").read():
                            return "%s: %s differs from buoy debug gen-c's" % (who, rel)
        return None

    if shutil.which("protoc"):
        r.case("testmsgs/plugin-bindings", same_bindings)

    tool = Tool(r)
    r.case("testmsgs/tool", tool.build)
    count = os.environ.get("BUOY_TESTMSGS_COUNT", "2500")
    seed = os.environ.get("BUOY_TESTMSGS_SEED", "1")
    for mode in MODES + ["codec"]:
        def differential(mode=mode):
            problem = tool.build()
            if problem:
                return problem
            if subprocess.run([PY, "-c", "import google.protobuf"], capture_output=True).returncode != 0:
                return "%s lacks google.protobuf (python3-protobuf)" % PY
            env = dict(os.environ, TM_BUOY=r.buoy, TM_PROTO_ROOT=UPSTREAM)
            n = count if mode != "codec" else str(max(1, int(count) // 25))  # two processes a case
            p = subprocess.run(["nice", PY, os.path.join(ROOT, "tests", "testmsgs", "tm_diff.py"),
                                os.path.join(tool.dir, "tm-tool"), os.path.join(tool.dir, "py.pb"), seed, n, mode],
                               capture_output=True, timeout=1800, env=env)
            # python's C++ library logs every invalid UTF-8 string it meets on stderr
            err = "\n".join(x for x in p.stderr.decode("utf-8", "replace").splitlines()
                            if not x.startswith("[libprotobuf ERROR"))
            out = p.stdout.decode("utf-8", "replace")
            if p.returncode != 0:
                return (out[-6000:] + "\n" + err[-3000:]).strip()
            if r.verbose:
                print(out.strip())
            return None
        r.case("testmsgs/" + mode, differential)
    tool.cleanup()
