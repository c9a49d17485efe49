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
  modules/<case>    `buoy ls-files` prints what `buf ls-files` prints, with the same exit
                    status (testdata/modules/cases.txt; buf's goldens in testdata/modules/golden,
                    recorded by tests/oracle/record-modules.py; live buf too when BUOY_BUF is set)
  descriptors/...   buoy's descriptors against protoc's (tests/descriptors.py)
  source-info/...   buoy's source info against buf's (tests/source_info.py)
  build/...         `buoy build` output byte for byte against buf's
  pb/unit           runtime/pb and generated bindings (tests/pb_test.c)
  pb/roundtrip/...  descriptor sets (buf's googleapis image among them) decoded by
                    runtime/pb and encoded again give the same bytes
  gen/bootstrap     regenerating runtime/gen with the built buoy changes no byte
  gen/strict/...    generated C compiles with -std=c11 -Wall -Wextra -Werror -pedantic
  fuzz/parse        (when the fuzz targets were built) short libFuzzer smoke runs of the parser
  fuzz/compile      of the compiler
  fuzz/decode       and of runtime/pb's decoder
  ...               and the categories of tests/cases_*.py (each documents its own)
"""
import argparse
import json
import os
import re
import shutil
import subprocess
import shlex
import sys
import tarfile
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SHARED = os.path.join(os.path.dirname(ROOT), "shared")
TESTDATA = os.path.join(ROOT, "testdata")
MODULES = os.path.join(TESTDATA, "modules")

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
        if self.pattern and not any(p in name for p in self.pattern):
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

    def run_ls_files(self, cwd, args):
        return run_ls_files(self.buoy, cwd, args)


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


_googleapis = {}


def googleapis_root(r):
    """The googleapis corpus, extracted once per run (None if absent)."""
    tarball = os.path.join(SHARED, "corpus", "googleapis.tar.xz")
    if not os.path.exists(tarball):
        return None
    if "root" not in _googleapis:
        tmp = tempfile.mkdtemp(prefix="buoy-googleapis-")
        with tarfile.open(tarball) as t:
            t.extractall(tmp)
        _googleapis["root"] = os.path.join(tmp, "googleapis")
    return _googleapis["root"]


def build_cases(r):
    """`buoy build` against `buf build`: every FileDescriptorProto byte for
    byte (tests/fdsdiff.py), as a FileDescriptorSet with source info and as a
    buf image without. Cases under testdata/build/ also have buf's output
    recorded next to them (CASE.binpb, a FileDescriptorSet with source info),
    checked even where buf is not installed."""
    buf = os.environ.get("BUOY_BUF") or shutil.which("buf")
    if buf and not os.path.exists(buf):
        buf = None
    sys.path.insert(0, os.path.join(ROOT, "tests"))
    import fdsdiff

    def compare(want_bytes, got_bytes):
        exp, act = fdsdiff.files_of(want_bytes), fdsdiff.files_of(got_bytes)
        out = []
        for name in sorted(set(exp) | set(act)):
            if name not in act or name not in exp:
                out.append("%s: only in %s" % (name, "buf" if name in exp else "buoy"))
            elif exp[name] != act[name]:
                out.append("%s: %s" % (name, fdsdiff.first_diff(exp[name], act[name], "")))
        if not out and list(exp) != list(act):
            out.append("files in a different order: buf %s, buoy %s" % (list(exp)[:5], list(act)[:5]))
        return "\n".join(out[:10]) + ("\n... %d files differ" % len(out) if len(out) > 10 else "") if out else None

    def run_pair(root, flags, golden=None, keep=None):
        with tempfile.TemporaryDirectory() as tmp:
            mine = os.path.join(tmp, "buoy.binpb")
            p = r.run_buoy(["build", root, "-o", mine] + flags, timeout=1200)
            bad = sanitizer_noise(p.stderr)
            if bad or p.returncode != 0:
                return bad or "buoy build failed (%d):\n%s" % (p.returncode, p.stderr.decode()[:3000])
            got = open(mine, "rb").read()
            if golden:
                d = compare(open(golden, "rb").read(), got)
                if d:
                    return "differs from %s:\n%s" % (os.path.relpath(golden, ROOT), d)
            if buf:
                theirs = os.path.join(tmp, "buf.binpb")
                q = subprocess.run([buf, "build", root, "-o", theirs] + flags, capture_output=True, timeout=1200)
                if q.returncode != 0:
                    return "buf build failed:\n" + q.stderr.decode()[:3000]
                if keep:
                    shutil.copyfile(theirs, keep)
                return compare(open(theirs, "rb").read(), got)
        return None

    fds_sci = ["--as-file-descriptor-set"]
    image_nosci = ["--exclude-source-info"]
    suites = []
    d = os.path.join(TESTDATA, "build")
    for case in sorted(os.listdir(d)) if os.path.isdir(d) else []:
        if os.path.isdir(os.path.join(d, case)):
            suites.append((case, os.path.join(d, case), os.path.join(d, case + ".binpb")))
    suites.append(("syntax-valid", os.path.join(TESTDATA, "syntax", "valid"), None))
    suites.append(("example", os.path.join(TESTDATA, "example"), None))
    for m in ("v2-single", "v2-multi", "v1", "v1beta1", "work", "nested", "plain"):
        suites.append(("modules-" + m, os.path.join(TESTDATA, "modules", m), None))
    suites.append(("shared-proto", os.path.join(SHARED, "proto"), None))
    for name, root, golden in suites:
        if not os.path.isdir(root) or (not buf and not (golden and os.path.exists(golden))):
            continue
        r.case("build/%s/fds" % name, lambda root=root, golden=golden: run_pair(
            root, fds_sci, golden if golden and os.path.exists(golden) else None))
        if buf:
            r.case("build/%s/image" % name, lambda root=root: run_pair(root, image_nosci))
            r.case("build/%s/exclude-imports" % name,
                   lambda root=root: run_pair(root, ["--exclude-imports", "--as-file-descriptor-set"]))
    opts = os.path.join(d, "options")
    if buf and os.path.isdir(opts):
        r.case("build/options/path", lambda: run_pair(
            opts, ["--path", os.path.join(opts, "acme/use"), "--exclude-path", os.path.join(opts, "acme/use/three.proto")]))
        r.case("build/options/path-exclude-imports", lambda: run_pair(
            opts, ["--path", os.path.join(opts, "acme/use/use.proto"), "--exclude-imports", "--exclude-source-info"]))

        def error_writes_nothing():
            with tempfile.TemporaryDirectory() as tmp:
                with open(os.path.join(tmp, "bad.proto"), "w") as f:
                    f.write('syntax = "proto3";\nmessage M { Missing m = 1; }\n')
                out = os.path.join(tmp, "out.binpb")
                p = r.run_buoy(["build", tmp, "-o", out])
                if p.returncode != 100:
                    return "expected exit 100, got %d: %s" % (p.returncode, p.stderr.decode()[:500])
                if os.path.exists(out) or len(os.listdir(tmp)) != 1:
                    return "output left behind after an error: %s" % os.listdir(tmp)
            return None
        r.case("build/error-writes-nothing", error_writes_nothing)

    def image_input():
        """An image as input: passed through, filtered by the flags."""
        with tempfile.TemporaryDirectory() as tmp:
            img = os.path.join(tmp, "in.binpb")
            p = r.run_buoy(["build", opts, "-o", img])
            if p.returncode != 0:
                return p.stderr.decode()[:2000]
            for flags, direct in ((["-o"], []),
                                  (["--as-file-descriptor-set", "--exclude-source-info", "-o"],
                                   ["--as-file-descriptor-set", "--exclude-source-info"]),
                                  (["--exclude-imports", "-o"], ["--exclude-imports"])):
                out, want = os.path.join(tmp, "out.binpb"), os.path.join(tmp, "want.binpb")
                p = r.run_buoy(["build", img] + flags + [out])
                q = r.run_buoy(["build", opts, "-o", want] + direct)
                bad = sanitizer_noise(p.stderr) or sanitizer_noise(q.stderr)
                if bad or p.returncode or q.returncode:
                    return bad or (p.stderr + q.stderr).decode()[:2000]
                d = compare(open(want, "rb").read(), open(out, "rb").read())
                if d:
                    return "image input with %s: %s" % (flags[:-1], d)
            junk = os.path.join(tmp, "junk.binpb")
            with open(junk, "wb") as f:
                f.write(b"\x0a\xff\xff\xff\xff\x0f garbage")
            p = r.run_buoy(["build", junk, "-o", os.path.join(tmp, "j")])
            if p.returncode != 100 or sanitizer_noise(p.stderr):
                return "malformed image: exit %d %s" % (p.returncode, p.stderr.decode()[:500])
        return None
    if os.path.isdir(opts):
        r.case("build/image-input", image_input)

    def protoc_style():
        """-I roots and files, as protoc takes them: the same bytes as buf's
        build of those files in their module."""
        if not buf:
            return None
        with tempfile.TemporaryDirectory() as tmp:
            mine, theirs = os.path.join(tmp, "mine.binpb"), os.path.join(tmp, "buf.binpb")
            files = ["acme/use/three.proto", "acme/use/use.proto"]  # in buf's (import path) order
            p = r.run_buoy(["build", "-I", opts] + [os.path.join(opts, f) for f in files] +
                           ["--as-file-descriptor-set", "-o", mine])
            bad = sanitizer_noise(p.stderr)
            if bad or p.returncode:
                return bad or p.stderr.decode()[:2000]
            args = [buf, "build", opts, "--as-file-descriptor-set", "-o", theirs]
            for f in files:
                args += ["--path", os.path.join(opts, f)]
            q = subprocess.run(args, capture_output=True, timeout=600)
            if q.returncode:
                return q.stderr.decode()[:2000]
            return compare(open(theirs, "rb").read(), open(mine, "rb").read())
    if os.path.isdir(opts):
        r.case("build/protoc-style-roots", protoc_style)
    if buf and googleapis_root(r):
        r.case("build/googleapis/fds", lambda: run_pair(googleapis_root(r), fds_sci))
        r.case("build/googleapis/image", lambda: run_pair(googleapis_root(r), image_nosci))
        r.case("build/googleapis/fds-nosci", lambda: run_pair(googleapis_root(r), fds_sci + ["--exclude-source-info"]))
        r.case("build/googleapis/image-sci", lambda: run_pair(googleapis_root(r), [], keep=buf_image_path()))


def buf_image_path():
    """Where buf's googleapis image (with source info) is kept once built."""
    return os.path.join(os.path.dirname(_googleapis["root"]), "buf-image.binpb")


def buf_googleapis_image(r):
    """buf's image of googleapis with source info: the one build/googleapis/image-sci
    made, or a new one (None without buf or the corpus)."""
    buf = os.environ.get("BUOY_BUF") or shutil.which("buf")
    if not buf or not os.path.exists(buf) or not googleapis_root(r):
        return None
    path = buf_image_path()
    if not os.path.exists(path):
        q = subprocess.run([buf, "build", googleapis_root(r), "-o", path], capture_output=True, timeout=1200)
        if q.returncode != 0:
            raise RuntimeError("buf build failed:\n" + q.stderr.decode()[:3000])
    return path


def pb_cases(r):
    """runtime/pb: the unit tests, and descriptor sets decoded and encoded again."""
    test = os.path.join(r.build, "tests", "pb-test")
    if not os.path.exists(test):
        return

    def run(args):
        p = subprocess.run([test] + args, capture_output=True, timeout=600)
        bad = sanitizer_noise(p.stderr)
        if bad or p.returncode != 0:
            return bad or (p.stdout + p.stderr).decode("utf-8", "replace")[-3000:]
        return None

    r.case("pb/unit", lambda: run([]))
    d = os.path.join(TESTDATA, "build")
    for f in sorted(os.listdir(d)) if os.path.isdir(d) else []:
        if f.endswith(".binpb"):
            r.case("pb/roundtrip/" + f[:-6], lambda f=f: run(["--roundtrip", os.path.join(d, f)]))
    if (os.environ.get("BUOY_BUF") or shutil.which("buf")) and googleapis_root(r):
        r.case("pb/roundtrip/googleapis-buf-image", lambda: run(["--roundtrip", buf_googleapis_image(r)]))


GEN_FILES = ["google/protobuf/descriptor.proto", "google/protobuf/compiler/plugin.proto"]


def gen_cases(r):
    """The C generator: the committed bootstrap is what the built buoy writes,
    and generated code compiles cleanly under strict flags."""
    gen_dir = os.path.join(ROOT, "runtime", "gen")

    def bootstrap():
        with tempfile.TemporaryDirectory() as tmp:
            # from the embedded copies: no -I, run where no google/ directory is
            p = r.run_buoy(["debug", "gen-c", "-o", tmp] + GEN_FILES, cwd=tmp)
            bad = sanitizer_noise(p.stderr)
            if bad or p.returncode != 0:
                return bad or "buoy debug gen-c failed:\n" + p.stderr.decode()[:3000]
            out = []
            for f in GEN_FILES:
                for ext in (".pb.h", ".pb.c"):
                    rel = f[:-len(".proto")] + ext
                    mine = os.path.join(tmp, rel)
                    committed = os.path.join(gen_dir, rel)
                    if not os.path.exists(committed) or open(mine, "rb").read() != open(committed, "rb").read():
                        out.append("runtime/gen/%s differs from what buoy generates now" % rel)
            if out:
                out.append("regenerate: (cd /tmp && %s debug gen-c -o %s %s)" % (r.buoy, gen_dir, " ".join(GEN_FILES)))
            return "\n".join(out) or None

    r.case("gen/bootstrap", bootstrap)

    sample = os.path.join(TESTDATA, "gen")
    for cc in ("gcc", "clang"):
        if not shutil.which(cc):
            continue

        def strict(cc=cc):
            with tempfile.TemporaryDirectory() as tmp:
                p = r.run_buoy(["debug", "gen-c", "-I", sample, "-o", tmp, "sample.proto", "sample3.proto"])
                if p.returncode != 0:
                    return "buoy debug gen-c failed:\n" + p.stderr.decode()[:3000]
                srcs = [os.path.join(gen_dir, f[:-len(".proto")] + ".pb.c") for f in GEN_FILES]
                srcs += [os.path.join(tmp, "sample.pb.c"), os.path.join(tmp, "sample3.pb.c")]
                srcs += [os.path.join(ROOT, "runtime", "pb", f) for f in ("arena.c", "msg.c", "decode.c", "encode.c")]
                for src in srcs:
                    q = subprocess.run([cc, "-std=c11", "-Wall", "-Wextra", "-Werror", "-pedantic", "-c", "-o",
                                        os.devnull, "-I", os.path.join(ROOT, "runtime"), "-I", gen_dir, "-I", tmp, src],
                                       capture_output=True, timeout=300)
                    if q.returncode != 0:
                        return "%s %s:\n%s" % (cc, os.path.relpath(src, ROOT), q.stderr.decode()[:3000])
            return None

        r.case("gen/strict/" + cc, strict)


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

    if googleapis_root(r):
        def googleapis():
            root = googleapis_root(r)
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


def module_case_list():
    """(name, cwd, args) for each line of testdata/modules/cases.txt."""
    cases = []
    with open(os.path.join(MODULES, "cases.txt"), encoding="utf-8") as f:
        for line in f:
            if not line.strip() or line.lstrip().startswith("#"):
                continue
            words = shlex.split(line)
            args = [w.replace("@DIR@", MODULES) for w in words[2:]]
            cases.append((words[0], os.path.join(MODULES, words[1]), args))
    return cases


def run_ls_files(exe, cwd, args):
    env = dict(os.environ, NO_COLOR="1")
    return subprocess.run([exe, "ls-files"] + args, cwd=cwd, capture_output=True, timeout=120, env=env)


def hide_dir(data):
    return data.replace(MODULES.encode(), b"@DIR@")


# Well-known types buf 1.75 carries that buoy does not embed yet (see
# src/compile/embedded.h): listed by buf with --include-importable or when
# imported. The comparison leaves exactly these out of buf's output.
WKT_NOT_EMBEDDED = {"google/protobuf/" + n for n in (
    "c_sharp_features.proto", "cpp_file_options.proto", "cpp_options.proto",
    "json_enumvalue_options.proto", "json_options.proto")}
WKT_CACHE_RE = re.compile(rb'"path":"[^"]*/wellknowntypes/[^/"]+/')


def normalize_buf_stdout(data):
    """buf prints the well-known types' JSON paths inside its cache (and sorts
    by them); buoy has no cache and prints their import paths. Rewrite buf's
    JSON to buoy's convention and re-sort, and drop WKT_NOT_EMBEDDED."""
    lines = data.split(b"\n")
    out, is_json = [], False
    for line in lines:
        if not line:
            continue
        if line.startswith(b'{"path":'):
            is_json = True
            line = WKT_CACHE_RE.sub(b'"path":"', line)
            if json.loads(line)["import_path"] in WKT_NOT_EMBEDDED:
                continue
        elif line.decode("utf-8", "replace") in WKT_NOT_EMBEDDED:
            continue
        out.append(line)
    if is_json:
        out.sort(key=lambda l: json.loads(l)["path"].encode())
    return b"".join(l + b"\n" for l in out)


# buf's configuration errors ("decode buf.yaml: yaml: line 3: ...") name a
# line; buoy's must then carry a path:line:col: position.
BUF_POSITION_RE = re.compile(r"decode [^:]+: .*(\bline \d+|:\d+:\d+)")


def compare_ls_files(want_out, want_status, want_err, p, who):
    got_out = hide_dir(p.stdout)
    want_out = normalize_buf_stdout(want_out)
    status = 0 if p.returncode == 0 else 1
    err = p.stderr.decode("utf-8", "replace")
    if status != want_status:
        return "exit status %d, %s's is %d\nbuoy stderr: %s\n%s stderr: %s" % (
            p.returncode, who, want_status, err[:800], who, want_err[:800])
    if got_out != want_out:
        import difflib
        diff = difflib.unified_diff(want_out.decode("utf-8", "replace").splitlines(),
                                    got_out.decode("utf-8", "replace").splitlines(), who, "buoy", lineterm="", n=2)
        return "stdout differs:\n" + "\n".join(list(diff)[:40])
    if status and BUF_POSITION_RE.search(want_err) and not any(POS_RE.match(l) for l in err.splitlines()):
        return "%s's error has a position, buoy's has none:\nbuoy: %s\n%s: %s" % (who, err[:800], who, want_err[:800])
    if status and not err.strip():
        return "exit %d without a message" % p.returncode
    return None


def module_cases(r):
    """`buoy ls-files` against buf's recorded answers, and against buf itself
    when BUOY_BUF is set."""
    if not os.path.exists(os.path.join(MODULES, "cases.txt")):
        return
    buf = os.environ.get("BUOY_BUF")
    if buf and not os.path.exists(buf):
        buf = None
    golden = os.path.join(MODULES, "golden")
    for name, cwd, args in module_case_list():

        def check(name=name, cwd=cwd, args=args):
            base = os.path.join(golden, name)
            if not os.path.exists(base + ".status"):
                return "no golden output: run tests/oracle/record-modules.py " + name
            g_out = open(base + ".stdout", "rb").read()
            g_status = int(open(base + ".status").read())
            g_err = open(base + ".stderr", "rb").read().decode("utf-8", "replace")
            p = r.run_ls_files(cwd, args)
            bad = sanitizer_noise(p.stderr)
            if bad:
                return bad
            problem = compare_ls_files(g_out, g_status, g_err, p, "golden")
            if problem or not buf:
                return problem
            b = run_ls_files(buf, cwd, args)
            b_status = 0 if b.returncode == 0 else 1
            if (normalize_buf_stdout(hide_dir(b.stdout)), b_status) != (normalize_buf_stdout(g_out), g_status):
                return "buf's answer differs from its golden: run tests/oracle/record-modules.py " + name
            return compare_ls_files(hide_dir(b.stdout), b_status, b.stderr.decode("utf-8", "replace"), p, "buf")

        r.case("modules/" + name, check)


def fuzz_cases(r):
    seconds = int(os.environ.get("BUOY_FUZZ_SECONDS", "60"))
    # target, corpus, seconds: the decoder's inputs are small, half the time does
    targets = [("parse", "-max_len=65536", seconds), ("compile", "-max_len=65536", max(1, seconds // 2)),
               ("decode", "-max_len=16384", max(1, seconds // 2))]
    for name, max_len, secs in targets:
        fuzzer = os.path.join(r.fuzz_build or r.build, "fuzz-" + name)
        if not os.path.exists(fuzzer):
            continue

        def smoke(fuzzer=fuzzer, name=name, max_len=max_len, secs=secs):
            corpus = os.path.join(TESTDATA, "fuzz", name)
            with tempfile.TemporaryDirectory() as work:
                p = subprocess.run([fuzzer, "-max_total_time=%d" % secs, "-timeout=10", "-rss_limit_mb=2048",
                                    max_len, "-print_final_stats=1", work, corpus],
                                   capture_output=True, timeout=secs + 300, cwd=work)
            out = p.stderr.decode("utf-8", "replace")
            if p.returncode != 0:
                return "fuzzer failed (exit %d):\n%s" % (p.returncode, out[-3000:])
            m = re.search(r"stat::number_of_executed_units:\s*(\d+)", out)
            if r.verbose and m:
                print("     fuzz/%s executed %s inputs" % (name, m.group(1)))
            return None

        r.case("fuzz/" + name, smoke)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("build")
    ap.add_argument("-k", dest="pattern", action="append", default=None,
                    help="run only cases whose name contains this (repeatable: any of them)")
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
    build_cases(r)
    module_cases(r)
    pb_cases(r)
    gen_cases(r)
    fuzz_cases(r)
    # Further categories live in tests/cases_*.py, each with a function
    # cases(r, run) (run: this module, for its helpers such as
    # googleapis_root), run in name order.
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    import importlib
    for name in sorted(os.listdir(os.path.dirname(os.path.abspath(__file__)))):
        if name.startswith("cases_") and name.endswith(".py"):
            importlib.import_module(name[:-3]).cases(r, sys.modules[__name__])
    if "root" in _googleapis:
        shutil.rmtree(os.path.dirname(_googleapis["root"]), ignore_errors=True)
    if r.failures:
        print("failed: " + " ".join(r.failures[:50]) + (" ..." if len(r.failures) > 50 else ""))
    print("%d passed, %d failed" % (r.passed, r.failed))
    return 0 if r.failed == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
