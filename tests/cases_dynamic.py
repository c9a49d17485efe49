"""Dynamic messages (runtime/pb/dynamic.c), the text format (runtime/pb/text.c)
and `buoy debug codec` (src/cmd/codec.c).

Categories:
  dynamic/layout            tables built at run time from a FileDescriptorSet of
                            descriptor.proto, testdata/gen/sample*.proto and
                            testdata/dynamic/layout_editions.proto equal the generated
                            ones field by field: offsets, presence, types, flags, subtables,
                            names, sizes (tests/dynamic/dyn_test.c)
  dynamic/roundtrip/<set>   each descriptor set of testdata/build (through the dynamic
                            FileDescriptorSet table of descriptor.proto), and googleapis (buf's
                            image when buf is installed, else buoy's, which equals it; through
                            its own descriptor.proto), decoded and encoded again gives the
                            input bytes and the generated table's bytes; every
                            extension met on the way (options of googleapis: http rules,
                            field behaviours, resource descriptors...) is decoded through its
                            dynamic type and encoded back
  dynamic/python/<set>      sets of testdata/build decoded and encoded through the types
                            of its own files (own-descriptor extends descriptor.proto with
                            fields) reads in python-protobuf as the same message as the input
  dynamic/bad/<name>        hostile descriptor sets (tests/dynamic/bad_sets.py) are refused
                            with the expected error, never a crash
  dynamic/json/<type>       JSON (runtime/pb/json.c) over dynamic tables against python's
                            json_format: seeded random messages of codec2/codec3 written by
                            both parse to the same JSON value, and python's JSON read back
                            gives python the same message (tests/dynamic/json_diff.py)
  codec/<mode>/<type>       `buoy debug codec` against protoc 3.21 (tests/dynamic/codec_diff.py)
                            over testdata/dynamic/codec2.proto (proto2: groups, extensions,
                            maps, Any, required) and codec3.proto (proto3), seeded:
                            decode: random messages with unknown fields through --decode and
                            --decode_raw; encode: protoc's text of random messages and the
                            hand-written texts of testdata/dynamic/text (every syntax form and
                            error; errors at protoc's line:column) through --encode;
                            malformed: cut and flipped binaries and damaged texts. Same stdout
                            bytes and exit status
  codec/editions            testdata/dynamic/editions_input.txt through --encode with
                            layout_editions.proto (editions 2023): the wire form has the
                            features' effects (groups for DELIMITED, packed and expanded
                            lists, explicit and implicit presence), and --decode of it
                            encodes back to the same bytes (protoc 3.21 has no editions)
  fuzz/text                 (when the fuzz targets were built) a short libFuzzer run of
                            tests/fuzz/fuzz_text.c from testdata/fuzz/text: descriptor sets for
                            bp_dynpool_new, wire data for bp_text_print_raw, text that must
                            print, parse again and print the same
"""
import os
import shutil
import subprocess
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
PY = "/usr/bin/python3"  # Debian's, with python3-protobuf


def _run(cmd, **kw):
    return subprocess.run(cmd, capture_output=True, timeout=kw.pop("timeout", 600), **kw)


def _dyn_test(r, run, args):
    exe = os.path.join(r.build, "tests", "dyn-test")
    p = _run([exe] + args)
    bad = run.sanitizer_noise(p.stderr)
    return p, bad


def _googleapis_image(r, run):
    """buf's googleapis image when buf is there, else the one buoy builds."""
    if os.environ.get("BUOY_BUF") or shutil.which("buf"):
        return run.buf_googleapis_image(r)
    root = run.googleapis_root(r)
    if not root:
        return None
    path = os.path.join(os.path.dirname(root), "buoy-image.binpb")
    if not os.path.exists(path):
        p = _run([r.buoy, "build", root, "-o", path], timeout=1200)
        if p.returncode != 0:
            raise RuntimeError("buoy build googleapis failed:\n" + p.stderr.decode()[-3000:])
    return path


def dynamic_cases(r, run):
    work = tempfile.mkdtemp(prefix="buoy-dynamic-")
    r.dynamic_work = work

    def layout():
        out = os.path.join(work, "layout.binpb")
        p = _run([r.buoy, "build", "--as-file-descriptor-set", "-I", os.path.join(ROOT, "testdata", "gen"), "-I",
                  os.path.join(ROOT, "testdata", "dynamic"), "google/protobuf/descriptor.proto", "sample.proto",
                  "sample3.proto", "layout_editions.proto", "-o", out], cwd=work)
        if p.returncode != 0:
            return "buoy build failed: " + p.stderr.decode()[-2000:]
        q, bad = _dyn_test(r, run, ["layout", out])
        if bad or q.returncode != 0:
            return bad or (q.stdout + q.stderr).decode("utf-8", "replace")[-3000:]
        return None

    r.case("dynamic/layout", layout)
    schema = os.path.join(work, "layout.binpb")

    def roundtrip(path, own=False):
        if path is None:
            return "no descriptor set"
        if not own and not os.path.exists(schema):
            return "no schema (dynamic/layout failed)"
        q, bad = _dyn_test(r, run, ["roundtrip", path] + ([] if own else [schema]))
        if bad or q.returncode != 0:
            return bad or (q.stdout + q.stderr).decode("utf-8", "replace")[-3000:]
        if r.verbose:
            print("     " + q.stdout.decode().strip())
        return None

    d = os.path.join(ROOT, "testdata", "build")
    for f in sorted(os.listdir(d)):
        if f.endswith(".binpb"):
            r.case("dynamic/roundtrip/" + f[:-6], lambda f=f: roundtrip(os.path.join(d, f)))
    if run.googleapis_root(r):
        r.case("dynamic/roundtrip/googleapis", lambda: roundtrip(_googleapis_image(r, run), own=True))

    def python_same(path):
        out = os.path.join(work, os.path.basename(path) + ".out")
        q, bad = _dyn_test(r, run, ["reencode", path, "google.protobuf.FileDescriptorSet", path])
        if bad or q.returncode != 0:
            return bad or q.stderr.decode("utf-8", "replace")[-3000:]
        with open(out, "wb") as fh:
            fh.write(q.stdout)
        p = _run([PY, os.path.join(HERE, "dynamic", "py_same.py"), path, "google.protobuf.FileDescriptorSet", path,
                  out])
        return None if p.returncode == 0 else (p.stdout + p.stderr).decode()[-2000:]

    # the sets that hold descriptor.proto and no editions files (python-protobuf
    # 4.21 reads no editions)
    for f in ("options", "own-descriptor"):
        r.case("dynamic/python/" + f, lambda f=f: python_same(os.path.join(d, f + ".binpb")))

    bad_dir = os.path.join(work, "bad")
    p = _run([PY, os.path.join(HERE, "dynamic", "bad_sets.py"), bad_dir])
    if p.returncode != 0:
        r.case("dynamic/bad/generate", lambda: "bad_sets.py failed:\n" + p.stderr.decode()[-2000:])
        return
    for f in sorted(os.listdir(bad_dir)):
        if not f.endswith(".binpb"):
            continue
        name = f[:-6]

        def check(name=name):
            with open(os.path.join(bad_dir, name + ".want")) as fh:
                want = fh.read()
            q, bad = _dyn_test(r, run, ["check", os.path.join(bad_dir, name + ".binpb")])
            if bad:
                return bad
            got = q.stdout.decode("utf-8", "replace").strip()
            if want == "ok":
                return None if q.returncode == 0 and got == "ok" else "refused: " + got
            if q.returncode != 1 or want not in got:
                return "want an error with %r, got (exit %d) %r" % (want, q.returncode, got)
            return None

        r.case("dynamic/bad/" + name, check)


CODEC_SEED = 20261202
CODEC_COUNT = {"decode": 50, "encode": 40, "malformed": 60}


def json_cases(r, run):
    schemas = os.path.join(ROOT, "testdata", "dynamic")
    dyn = os.path.join(r.build, "tests", "dyn-test")
    for typ in ("codec.two.Node", "codec.three.Msg"):
        def check(typ=typ):
            if not shutil.which("protoc"):
                return "protoc is not installed (protobuf-compiler)"
            p = _run([PY, os.path.join(HERE, "dynamic", "json_diff.py"), dyn, schemas, typ, str(CODEC_SEED), "60",
                      "codec2.proto", "codec3.proto"], timeout=1800)
            if p.returncode != 0 or run.sanitizer_noise(p.stderr):
                return (p.stdout + p.stderr).decode("utf-8", "replace")[-4000:]
            if r.verbose:
                print("     " + p.stdout.decode().strip())
            return None

        r.case("dynamic/json/" + typ, check)


def codec_cases(r, run):
    schemas = os.path.join(ROOT, "testdata", "dynamic")
    for mode in ("decode", "encode", "malformed"):
        for typ in ("codec.two.Node", "codec.three.Msg"):
            def check(mode=mode, typ=typ):
                if not shutil.which("protoc"):
                    return "protoc is not installed (protobuf-compiler)"
                p = _run([PY, os.path.join(HERE, "dynamic", "codec_diff.py"), r.buoy, schemas, mode, typ,
                          str(CODEC_SEED), str(CODEC_COUNT[mode]), "codec2.proto", "codec3.proto"], timeout=1800)
                if p.returncode != 0:
                    return (p.stdout + p.stderr).decode("utf-8", "replace")[-4000:]
                if r.verbose:
                    print("     " + p.stdout.decode().strip())
                return None

            r.case("codec/%s/%s" % (mode, typ), check)


def _wire_fields(data):
    """[(number, wire type, payload)] of a message's top level."""
    out, i = [], 0

    def varint():
        nonlocal i
        v = shift = 0
        while True:
            b = data[i]
            i += 1
            v |= (b & 0x7F) << shift
            shift += 7
            if b < 0x80:
                return v

    while i < len(data):
        tag = varint()
        num, wt = tag >> 3, tag & 7
        start = i
        if wt == 0:
            varint()
        elif wt == 1:
            i += 8
        elif wt == 5:
            i += 4
        elif wt == 2:
            n = varint()
            start = i
            i += n
        elif wt == 3:
            depth = 1
            while depth:
                t = varint()
                if t & 7 == 3:
                    depth += 1
                elif t & 7 == 4:
                    depth -= 1
                elif t & 7 == 0:
                    varint()
                elif t & 7 == 1:
                    i += 8
                elif t & 7 == 5:
                    i += 4
                elif t & 7 == 2:
                    i += varint()
        out.append((num, wt, data[start:i]))
    return out


# layout_editions.proto's Mixed: number -> wire type, for the fields the input sets
EDITIONS_WIRE = [(2, 0), (3, 2), (4, 2), (5, 0), (6, 0), (7, 2), (8, 0), (8, 0), (9, 2), (10, 2), (11, 3), (12, 3),
                 (12, 3), (13, 0), (14, 0), (15, 1), (16, 5), (21, 3), (30, 2)]


def editions_case(r, run):
    def check():
        d = os.path.join(ROOT, "testdata", "dynamic")
        with open(os.path.join(d, "editions_input.txt"), "rb") as fh:
            text = fh.read()
        args = [r.buoy, "debug", "codec", "-I", d]
        p = _run(args + ["--encode=layout.ed.Mixed", "layout_editions.proto"], input=text)
        if p.returncode != 0 or run.sanitizer_noise(p.stderr):
            return "encode failed: " + p.stderr.decode()[-2000:]
        got = _wire_fields(p.stdout)
        if [(n, wt) for n, wt, _ in got] != EDITIONS_WIRE:
            return "wire fields %r, want %r" % ([(n, wt) for n, wt, _ in got], EDITIONS_WIRE)
        inner = [x for x in got if x[0] == 30][0][2]
        if [(n, wt) for n, wt, _ in _wire_fields(inner)] != [(1, 3), (2, 2), (3, 0)]:
            return "inner message fields %r" % (_wire_fields(inner),)
        q = _run(args + ["--decode=layout.ed.Mixed", "layout_editions.proto"], input=p.stdout)
        if q.returncode != 0 or run.sanitizer_noise(q.stderr):
            return "decode failed: " + q.stderr.decode()[-2000:]
        z = _run(args + ["--encode=layout.ed.Mixed", "layout_editions.proto"], input=q.stdout)
        if z.stdout != p.stdout:
            return "decoded text encodes differently:\n" + q.stdout.decode()
        return None

    r.case("codec/editions", check)


def fuzz_cases(r, run):
    fuzzer = os.path.join(r.fuzz_build or r.build, "fuzz-text")
    if not os.path.exists(fuzzer):
        return
    secs = max(1, int(os.environ.get("BUOY_FUZZ_SECONDS", "60")) // 2)

    def smoke():
        corpus = os.path.join(ROOT, "testdata", "fuzz", "text")
        with tempfile.TemporaryDirectory() as work:
            p = subprocess.run([fuzzer, "-max_total_time=%d" % secs, "-timeout=10", "-rss_limit_mb=2048",
                                "-max_len=8192", "-print_final_stats=1", work, corpus],
                               capture_output=True, timeout=secs + 300, cwd=work)
        if p.returncode != 0:
            return "fuzzer failed (exit %d):\n%s" % (p.returncode, p.stderr.decode("utf-8", "replace")[-3000:])
        return None

    r.case("fuzz/text", smoke)


def cases(r, run):
    if not os.path.exists(os.path.join(r.build, "tests", "dyn-test")):
        r.case("dynamic/built", lambda: "tests/dyn-test was not built")
        return
    dynamic_cases(r, run)
    shutil.rmtree(r.dynamic_work, ignore_errors=True)
    json_cases(r, run)
    codec_cases(r, run)
    editions_case(r, run)
    fuzz_cases(r, run)
