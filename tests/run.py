#!/usr/bin/env python3
"""buoy's test runner.

Usage: tests/run.py BUILD_DIR [-k SUBSTRING] [-v]

Runs every test case below and ends with the line `N passed, M failed`.
Cases:
  ast/<name>        testdata/syntax/valid/<name>.proto parses, and `buoy debug ast`
                    prints exactly testdata/syntax/valid/<name>.proto.ast
  invalid/<name>    testdata/syntax/invalid/<name>.proto is rejected (exit 1), and the
                    first error's line:col equals the oracle's (<name>.proto.err,
                    recorded from protoc or buf by tests/oracle/record-syntax-errors.sh)
  compile/<name>    testdata/compile/invalid/<name>.proto (or <name>/main.proto, -I <name>)
                    fails to compile (`buoy debug descriptors`, exit 1), and its first
                    error is where the oracle's is (<name>.proto.err or <name>.err, recorded
                    by tests/oracle/record-compile-errors.sh): the same file and line:col,
                    or no position when the oracle gives none
  compile-valid/<name>  testdata/compile/valid/<name>.proto (or <name>/main.proto) compiles
                    (exit 0), and the oracle (protoc, or buf for ed_*) accepts it too
  protoc/<name>     (when protoc is installed) protoc accepts each valid proto2/proto3 file
  corpus/...        every file of ../shared/proto and of googleapis parses
  fuzz/parse        (when the fuzz target was built) a short libFuzzer smoke run
"""
import argparse
import os
import re
import shutil
import subprocess
import sys
import tarfile
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SHARED = os.path.join(os.path.dirname(ROOT), "shared")
TESTDATA = os.path.join(ROOT, "testdata")

POS_RE = re.compile(r"^(?P<path>[^:\n]+):(?P<line>\d+):(?P<col>\d+):")


class Runner:
    def __init__(self, build, pattern, verbose):
        self.build = build
        self.buoy = os.path.join(build, "buoy")
        self.pattern = pattern
        self.verbose = verbose
        self.passed = 0
        self.failed = 0
        self.failures = []

    def case(self, name, fn):
        if self.pattern and self.pattern not in name:
            return
        try:
            problem = fn()
        except Exception as e:  # a crashed test is a failed test
            problem = "exception: %r" % (e,)
        if problem:
            self.failed += 1
            self.failures.append(name)
            print("FAIL %s\n     %s" % (name, problem.replace("\n", "\n     ")))
        else:
            self.passed += 1
            if self.verbose:
                print("ok   %s" % name)

    def run_buoy(self, args, cwd=None, timeout=120):
        return subprocess.run([self.buoy] + args, cwd=cwd, capture_output=True, timeout=timeout)


def sanitizer_noise(stderr):
    text = stderr.decode("utf-8", "replace")
    for marker in ("AddressSanitizer", "LeakSanitizer", "runtime error:", "UndefinedBehaviorSanitizer"):
        if marker in text:
            return text[:2000]
    return None


def ast_cases(r):
    d = os.path.join(TESTDATA, "syntax", "valid")
    if not os.path.isdir(d):
        return
    for f in sorted(os.listdir(d)):
        if not f.endswith(".proto"):
            continue

        def check(f=f):
            p = r.run_buoy(["debug", "ast", f], cwd=d)
            bad = sanitizer_noise(p.stderr)
            if bad:
                return bad
            if p.returncode != 0:
                return "exit %d:\n%s" % (p.returncode, p.stderr.decode()[:2000])
            golden = os.path.join(d, f + ".ast")
            if not os.path.exists(golden):
                return "no golden file %s" % golden
            want = open(golden, "rb").read()
            if p.stdout != want:
                import difflib
                diff = difflib.unified_diff(want.decode().splitlines(), p.stdout.decode().splitlines(),
                                            "expected", "buoy", lineterm="", n=2)
                return "output differs:\n" + "\n".join(list(diff)[:40])
            return None

        r.case("ast/" + f[:-6], check)


def first_position(text):
    for line in text.splitlines():
        m = POS_RE.match(line)
        if m:
            return int(m.group("line")), int(m.group("col"))
    return None


def buf_to_protoc_column(path, pos):
    """buf counts columns in bytes, a tab being one; buoy (like protoc, and as
    its documentation says) advances a tab to the next multiple of 8. Both name
    the same byte: convert buf's column to buoy's convention."""
    line, col = pos
    lines = open(path, "rb").read().split(b"\n")
    if line - 1 >= len(lines):
        return pos
    text = lines[line - 1]
    out = 0
    for ch in text[:col - 1]:
        out = out + 8 - out % 8 if ch == 9 else out + 1
    return line, out + 1 + max(0, col - 1 - len(text))


def invalid_cases(r):
    d = os.path.join(TESTDATA, "syntax", "invalid")
    if not os.path.isdir(d):
        return
    for f in sorted(os.listdir(d)):
        if not f.endswith(".proto"):
            continue

        def check(f=f):
            errf = os.path.join(d, f + ".err")
            if not os.path.exists(errf):
                return "no oracle output %s.err" % f
            want = first_position(open(errf, encoding="utf-8", errors="replace").read())
            if want is None:
                return "oracle output has no position"
            if f.startswith("ed_"):
                want = buf_to_protoc_column(os.path.join(d, f), want)
            p = r.run_buoy(["debug", "ast", "-q", f], cwd=d)
            bad = sanitizer_noise(p.stderr)
            if bad:
                return bad
            err = p.stderr.decode("utf-8", "replace")
            if p.returncode != 1:
                return "expected exit 1, got %d\n%s" % (p.returncode, err[:1000])
            got = first_position(err)
            if got != want:
                return "first error at %s, oracle says %s\nbuoy: %s\noracle: %s" % (
                    got, want, err.splitlines()[0] if err else "",
                    open(errf, encoding="utf-8", errors="replace").read().splitlines()[0])
            return None

        r.case("invalid/" + f[:-6], check)


ERROR_RE = re.compile(r"^(?P<path>[^:\s]+\.proto):(?:(?P<line>\d+):(?P<col>\d+):)?\s?(?P<msg>.*)$")


def first_error(text):
    """The first error line's (path, line, col), with line and col None for
    an error without a position (protoc prints some as `path: message`).
    Warnings are skipped."""
    for line in text.splitlines():
        m = ERROR_RE.match(line)
        if not m or m.group("msg").startswith("warning:"):
            continue
        if m.group("line") is None:
            return m.group("path"), None, None
        return m.group("path"), int(m.group("line")), int(m.group("col"))
    return None


def compile_invalid_cases(r):
    d = os.path.join(TESTDATA, "compile", "invalid")
    if not os.path.isdir(d):
        return
    for entry in sorted(os.listdir(d)):
        path = os.path.join(d, entry)
        if os.path.isdir(path):
            name, include, target, errf = entry, path, "main.proto", path + ".err"
        elif entry.endswith(".proto"):
            name, include, target, errf = entry[:-6], d, entry, path + ".err"
        else:
            continue

        def check(name=name, include=include, target=target, errf=errf):
            if not os.path.exists(errf):
                return "no oracle output %s" % os.path.basename(errf)
            oracle = open(errf, encoding="utf-8", errors="replace").read()
            want = first_error(oracle)
            if want is None:
                return "oracle output has no error line"
            if name.startswith("ed_") and want[1] is not None:
                want = (want[0],) + buf_to_protoc_column(os.path.join(include, want[0]), want[1:])
            p = r.run_buoy(["debug", "descriptors", "-I", include, target])
            bad = sanitizer_noise(p.stderr)
            if bad:
                return bad
            err = p.stderr.decode("utf-8", "replace")
            if p.returncode != 1:
                return "expected exit 1, got %d\n%s" % (p.returncode, err[:1000])
            got = first_error(err)
            if got != want:
                return "first error %s, oracle's %s\nbuoy: %s\noracle: %s" % (
                    got, want, err.splitlines()[0] if err else "", oracle.splitlines()[0])
            return None

        r.case("compile/" + name, check)


def compile_valid_cases(r):
    d = os.path.join(TESTDATA, "compile", "valid")
    if not os.path.isdir(d):
        return
    protoc = shutil.which("protoc")
    buf = os.environ.get("BUOY_BUF") or shutil.which("buf")
    for entry in sorted(os.listdir(d)):
        path = os.path.join(d, entry)
        if os.path.isdir(path):
            name, include, target = entry, path, "main.proto"
        elif entry.endswith(".proto"):
            name, include, target = entry[:-6], d, entry
        else:
            continue

        def check(name=name, include=include, target=target):
            p = r.run_buoy(["debug", "descriptors", "-I", include, target])
            bad = sanitizer_noise(p.stderr)
            if bad:
                return bad
            if p.returncode != 0:
                return "buoy rejects a file the tests call valid:\n" + p.stderr.decode()[:2000]
            with tempfile.TemporaryDirectory() as tmp:
                if name.startswith("ed_") and buf and os.path.exists(buf):
                    work = os.path.join(tmp, "case")
                    if include == d:
                        os.mkdir(work)
                        shutil.copy(os.path.join(d, target), work)
                    else:
                        shutil.copytree(include, work)
                    o = subprocess.run([buf, "build", target, "-o", os.path.join(tmp, "out.binpb")],
                                       capture_output=True, cwd=work, timeout=120)
                elif not name.startswith("ed_") and protoc:
                    o = subprocess.run([protoc, "-I", ".", "-I", "/usr/include", "-o", os.path.join(tmp, "out.pb"),
                                        target], capture_output=True, cwd=include, timeout=60)
                else:
                    return None
            if o.returncode != 0:
                return "the oracle rejects it:\n" + (o.stdout + o.stderr).decode()[:2000]
            return None

        r.case("compile-valid/" + name, check)


def protoc_cases(r):
    protoc = shutil.which("protoc")
    d = os.path.join(TESTDATA, "syntax", "valid")
    if not protoc or not os.path.isdir(d):
        return
    for f in sorted(os.listdir(d)):
        if not f.endswith(".proto"):
            continue
        text = open(os.path.join(d, f), encoding="utf-8", errors="replace").read()
        if re.search(r'^\s*edition\s*=', text, re.M):
            continue  # Debian's protoc predates editions; buf checks these

        def check(f=f):
            with tempfile.TemporaryDirectory() as tmp:
                p = subprocess.run([protoc, "-I", d, "-I", "/usr/include", "-o", os.path.join(tmp, "out.pb"), f],
                                   capture_output=True, cwd=d, timeout=60)
            if p.returncode != 0:
                return "protoc rejects a file buoy's tests call valid:\n" + p.stderr.decode()[:2000]
            return None

        r.case("protoc/" + f[:-6], check)


def corpus_cases(r):
    proto_dir = os.path.join(SHARED, "proto")
    if os.path.isdir(proto_dir):
        def shared_proto():
            p = r.run_buoy(["debug", "ast", "-q", proto_dir])
            bad = sanitizer_noise(p.stderr)
            if bad or p.returncode != 0:
                return bad or p.stderr.decode()[:3000]
            return None
        r.case("corpus/shared-proto", shared_proto)

    tarball = os.path.join(SHARED, "corpus", "googleapis.tar.xz")
    if os.path.exists(tarball):
        def googleapis():
            with tempfile.TemporaryDirectory() as tmp:
                with tarfile.open(tarball) as t:
                    t.extractall(tmp)
                files = []
                for dp, _, fs in os.walk(tmp):
                    files += [os.path.join(dp, x) for x in fs if x.endswith(".proto")]
                if len(files) != 7234:
                    return "expected 7234 files in the corpus, found %d" % len(files)
                p = r.run_buoy(["debug", "ast", "-q", tmp], timeout=1200)
                bad = sanitizer_noise(p.stderr)
                if bad or p.returncode != 0:
                    return bad or p.stderr.decode()[:3000]
            return None
        r.case("corpus/googleapis", googleapis)


def descriptor_cases(r):
    """buoy's compiled descriptors against protoc's (tests/descriptors.py)."""
    py = "/usr/bin/python3"
    if not shutil.which("protoc") or not os.path.exists(py) or subprocess.run(
            [py, "-c", "import google.protobuf"], capture_output=True).returncode != 0:
        return
    script = os.path.join(ROOT, "tests", "descriptors.py")
    d = os.path.join(TESTDATA, "syntax", "valid")
    for f in sorted(os.listdir(d)) if os.path.isdir(d) else []:
        if not f.endswith(".proto"):
            continue
        if re.search(r'^\s*edition\s*=', open(os.path.join(d, f), encoding="utf-8").read(), re.M):
            continue

        def check(f=f):
            p = subprocess.run([py, script, r.buoy, d, f], capture_output=True, timeout=120)
            return None if p.returncode == 0 else (p.stdout + p.stderr).decode()[-3000:]
        r.case("descriptors/" + f[:-6], check)

    tarball = os.path.join(SHARED, "corpus", "googleapis.tar.xz")
    if os.path.exists(tarball):
        def googleapis():
            with tempfile.TemporaryDirectory() as tmp:
                with tarfile.open(tarball) as t:
                    t.extractall(tmp)
                root = os.path.join(tmp, "googleapis")
                files = sorted(os.path.relpath(os.path.join(dp, x), root)
                               for dp, _, fs in os.walk(root) for x in fs if x.endswith(".proto"))
                p = subprocess.run([py, script, r.buoy, root] + files, capture_output=True, timeout=1800)
                return None if p.returncode == 0 else (p.stdout + p.stderr).decode()[-3000:]
        r.case("descriptors/googleapis", googleapis)


def source_info_cases(r):
    """buoy's source info against buf's (tests/source_info.py); buf comes from
    tests/oracles.sh, passed in BUOY_BUF."""
    buf = os.environ.get("BUOY_BUF") or shutil.which("buf")
    py = "/usr/bin/python3"
    if not buf or not os.path.exists(buf) or subprocess.run(
            [py, "-c", "import google.protobuf"], capture_output=True).returncode != 0:
        return
    script = os.path.join(ROOT, "tests", "source_info.py")
    d = os.path.join(TESTDATA, "syntax", "valid")
    if os.path.isdir(d):
        def valid():
            files = sorted(f for f in os.listdir(d) if f.endswith(".proto"))
            p = subprocess.run([py, script, r.buoy, buf, d] + files, capture_output=True, timeout=300)
            return None if p.returncode == 0 else (p.stdout + p.stderr).decode()[-3000:]
        r.case("source-info/valid", valid)
    tarball = os.path.join(SHARED, "corpus", "googleapis.tar.xz")
    if os.path.exists(tarball):
        def googleapis():
            with tempfile.TemporaryDirectory() as tmp:
                with tarfile.open(tarball) as t:
                    t.extractall(tmp)
                root = os.path.join(tmp, "googleapis")
                files = sorted(os.path.relpath(os.path.join(dp, x), root)
                               for dp, _, fs in os.walk(root) for x in fs if x.endswith(".proto"))
                p = subprocess.run([py, script, r.buoy, buf, root] + files, capture_output=True, timeout=1800)
                return None if p.returncode == 0 else (p.stdout + p.stderr).decode()[-3000:]
        r.case("source-info/googleapis", googleapis)


def fuzz_cases(r):
    fuzzer = os.path.join(r.fuzz_build or r.build, "fuzz-parse")
    seconds = os.environ.get("BUOY_FUZZ_SECONDS", "60")
    if not os.path.exists(fuzzer):
        return

    def smoke():
        corpus = os.path.join(TESTDATA, "fuzz", "parse")
        with tempfile.TemporaryDirectory() as work:
            p = subprocess.run([fuzzer, "-max_total_time=" + seconds, "-timeout=10", "-rss_limit_mb=2048",
                                "-max_len=65536", "-print_final_stats=1", work, corpus],
                               capture_output=True, timeout=int(seconds) + 300, cwd=work)
        out = p.stderr.decode("utf-8", "replace")
        if p.returncode != 0:
            return "fuzzer failed (exit %d):\n%s" % (p.returncode, out[-3000:])
        m = re.search(r"stat::number_of_executed_units:\s*(\d+)", out)
        if r.verbose and m:
            print("     fuzz/parse executed %s inputs" % m.group(1))
        return None

    r.case("fuzz/parse", smoke)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("build")
    ap.add_argument("-k", dest="pattern", default=None, help="run only cases whose name contains this")
    ap.add_argument("-v", dest="verbose", action="store_true")
    ap.add_argument("--fuzz-build", default=None, help="build directory holding the libFuzzer targets")
    args = ap.parse_args()
    r = Runner(os.path.abspath(args.build), args.pattern, args.verbose)
    r.fuzz_build = os.path.abspath(args.fuzz_build) if args.fuzz_build else None
    if not os.path.exists(r.buoy):
        print("no buoy binary in %s" % args.build)
        print("0 passed, 1 failed")
        return 1
    ast_cases(r)
    invalid_cases(r)
    compile_invalid_cases(r)
    compile_valid_cases(r)
    protoc_cases(r)
    corpus_cases(r)
    descriptor_cases(r)
    source_info_cases(r)
    fuzz_cases(r)
    if r.failures:
        print("failed: " + " ".join(r.failures[:50]) + (" ..." if len(r.failures) > 50 else ""))
    print("%d passed, %d failed" % (r.passed, r.failed))
    return 0 if r.failed == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
