"""The C generator's tests (src/gen, runtime/gen, testdata/gen, tests/gen).

Categories:
  gen/bootstrap-wkt   regenerating the well-known types' bindings in runtime/gen
                      (any, api, duration, empty, field_mask, source_context, struct,
                      timestamp, type, wrappers) with the built buoy changes no byte
  gen/unit            tests/gen/gen_test.c over the bindings of testdata/gen: editions
                      features as encoded bytes, collision rules, extension, service,
                      enum and file tables, the well-known types
  gen/roundtrip/...   messages filled at random by Python's protobuf (/usr/bin/python3)
                      come back equal, byte for byte but for extensions, through
                      the generated tables (tests/gen/pyfill.py, tests/gen/roundtrip.c)
  gen/schemas/CC      every schema of testdata/gen and every file of runtime/gen,
                      generated and compiled with CC (gcc, clang) at -std=c11 -Wall
                      -Wextra -Werror -pedantic, file by file and all in one
                      translation unit
  gen/googleapis/CC   all of googleapis generated and compiled the same way in a few
                      translation units (names must not collide inside each)
  gen/errors          a file that does not compile gives no bindings and exit 1
"""
import os
import shutil
import subprocess
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
GEN_DIR = os.path.join(ROOT, "testdata", "gen")
RUNTIME = os.path.join(ROOT, "runtime")
RUNTIME_GEN = os.path.join(ROOT, "runtime", "gen")
PY = "/usr/bin/python3"
STRICT = ["-std=c11", "-Wall", "-Wextra", "-Werror", "-pedantic"]

WKT = ["google/protobuf/%s.proto" % n for n in ("any", "api", "duration", "empty", "field_mask", "source_context",
                                                 "struct", "timestamp", "type", "wrappers")]

# message types pyfill.py fills, per schema (proto2 and proto3 ones: Python's
# protobuf here predates editions)
ROUNDTRIP = {
    "sample": ["sample.Scalars", "sample.Repeated", "sample.Node"],
    "sample3": ["sample3.Implicit"],
    "maps": ["maps.Maps", "maps.Item"],
    "maps2": ["maps2.Holder"],
    "ext": ["ext.Base", "ext.Scope", "ext.Annotated"],
    "names": ["names.Thing", "names.Foo", "names.Foo_bar", "names.Kind", "names.Shade", "names._Hidden"],
    "names_dep": ["names.Thing_new_get", "names.Foo_bar_baz"],
    "nopkg": ["strlen", "main", "bp_str"],
    "services": ["svc.v1.Book", "svc.v1.GetRequest"],
}


def schemas():
    return sorted(f for f in os.listdir(GEN_DIR) if f.endswith(".proto"))


def runtime_gen_files():
    out = []
    for d, _, files in os.walk(RUNTIME_GEN):
        out += [os.path.join(d, f) for f in files if f.endswith(".pb.c")]
    return sorted(out)


def compile_c(cc, src, includes, cwd=None, timeout=600):
    args = ["nice", cc] + STRICT + ["-O0", "-c", "-o", os.devnull] + ["-I" + i for i in includes] + [src]
    return subprocess.run(args, capture_output=True, timeout=timeout, cwd=cwd)


def cases(r, run):
    def bootstrap_wkt():
        with tempfile.TemporaryDirectory() as tmp:
            # from the embedded copies: no -I, run where no google/ directory is
            p = r.run_buoy(["debug", "gen-c", "-o", tmp] + WKT, cwd=tmp)
            bad = run.sanitizer_noise(p.stderr)
            if bad or p.returncode != 0:
                return bad or "buoy debug gen-c failed:\n" + p.stderr.decode()[:3000]
            out = []
            for f in WKT:
                for ext in (".pb.h", ".pb.c"):
                    rel = f[:-len(".proto")] + ext
                    mine, committed = os.path.join(tmp, rel), os.path.join(RUNTIME_GEN, rel)
                    if not os.path.exists(committed) or open(mine, "rb").read() != open(committed, "rb").read():
                        out.append("runtime/gen/%s differs from what buoy generates now" % rel)
            if out:
                out.append("regenerate: (cd /tmp && %s debug gen-c -o %s %s)" % (r.buoy, RUNTIME_GEN, " ".join(WKT)))
            return "\n".join(out) or None

    r.case("gen/bootstrap-wkt", bootstrap_wkt)

    def unit():
        exe = os.path.join(r.build, "tests", "gen", "gen-test")
        if not os.path.exists(exe):
            return "no %s (built by tests/gen/meson.build)" % exe
        p = subprocess.run([exe], capture_output=True, timeout=120)
        bad = run.sanitizer_noise(p.stderr)
        if bad or p.returncode != 0:
            return bad or "gen-test failed:\n" + (p.stderr + p.stdout).decode("utf-8", "replace")[-3000:]
        return None

    r.case("gen/unit", unit)

    fds_cache = {}

    def descriptor_set(tmp):
        if "path" not in fds_cache:
            path = os.path.join(tmp, "gen.fds")
            p = r.run_buoy(["build", "-I", GEN_DIR] + [s + ".proto" for s in sorted(ROUNDTRIP)] +
                           ["--as-file-descriptor-set", "-o", path])
            if p.returncode != 0:
                return None, "buoy build failed:\n" + p.stderr.decode()[:2000]
            fds_cache["path"] = path
        return fds_cache["path"], None

    fds_tmp = tempfile.mkdtemp(prefix="buoy-gen-fds-")
    for schema in sorted(ROUNDTRIP):

        def roundtrip(schema=schema):
            if not os.path.exists(PY) or subprocess.run([PY, "-c", "import google.protobuf"],
                                                        capture_output=True).returncode != 0:
                return "%s with google.protobuf is needed (Debian package python3-protobuf)" % PY
            exe = os.path.join(r.build, "tests", "gen", "gen-roundtrip")
            if not os.path.exists(exe):
                return "no %s (built by tests/gen/meson.build)" % exe
            fds, err = descriptor_set(fds_tmp)
            if err:
                return err
            p = subprocess.run([PY, os.path.join(ROOT, "tests", "gen", "pyfill.py"), fds, exe, "25"] +
                               ROUNDTRIP[schema], capture_output=True, timeout=600)
            if p.returncode != 0:
                return (p.stdout + p.stderr).decode("utf-8", "replace")[:4000]
            return None

        r.case("gen/roundtrip/" + schema, roundtrip)

    for cc in ("gcc", "clang"):

        def compile_schemas(cc=cc):
            if not shutil.which(cc):
                return "%s is not installed" % cc
            with tempfile.TemporaryDirectory() as tmp:
                p = r.run_buoy(["debug", "gen-c", "-I", GEN_DIR, "-o", tmp] + schemas())
                bad = run.sanitizer_noise(p.stderr)
                if bad or p.returncode != 0:
                    return bad or "buoy debug gen-c failed:\n" + p.stderr.decode()[:3000]
                srcs = [os.path.join(tmp, s[:-len(".proto")] + ".pb.c") for s in schemas()] + runtime_gen_files()
                for src in srcs:
                    q = compile_c(cc, src, [RUNTIME, RUNTIME_GEN, tmp])
                    if q.returncode != 0:
                        return "%s %s:\n%s" % (cc, src, q.stderr.decode()[:3000])
                unity = os.path.join(tmp, "unity.c")
                with open(unity, "w") as f:
                    f.writelines('#include "%s"\n' % s for s in srcs)
                q = compile_c(cc, unity, [RUNTIME, RUNTIME_GEN, tmp])
                if q.returncode != 0:
                    return "%s, all in one translation unit:\n%s" % (cc, q.stderr.decode()[:3000])
            return None

        r.case("gen/schemas/" + cc, compile_schemas)

    def errors():
        with tempfile.TemporaryDirectory() as tmp:
            with open(os.path.join(tmp, "bad.proto"), "w") as f:
                f.write('syntax = "proto3";\nmessage A { Missing m = 1; }\n')
            p = r.run_buoy(["debug", "gen-c", "-I", tmp, "-o", tmp, "bad.proto"])
            bad = run.sanitizer_noise(p.stderr)
            if bad:
                return bad
            if p.returncode != 1 or b"Missing" not in p.stderr:
                return "expected exit 1 naming Missing, got %d:\n%s" % (p.returncode, p.stderr.decode()[:1000])
            if os.path.exists(os.path.join(tmp, "bad.pb.h")):
                return "bindings were written for a file with errors"
        return None

    r.case("gen/errors", errors)

    if os.path.exists(os.path.join(run.SHARED, "corpus", "googleapis.tar.xz")):  # skipped without the corpus, as run.py's googleapis cases are
        googleapis_cases(r, run)
    shutil.rmtree(fds_tmp, ignore_errors=True)


def googleapis_cases(r, run):
    """All of googleapis: one buoy debug gen-c, then the .c files in 8
    translation units, compiled by gcc and clang side by side."""
    state = {}

    def generate():
        if "dir" in state or "error" in state:
            return state.get("error")
        root = run.googleapis_root(r)
        if root is None:
            state["error"] = "the googleapis corpus (../shared/corpus/googleapis.tar.xz) is missing"
            return state["error"]
        files = []
        for d, _, names in os.walk(root):
            files += [os.path.relpath(os.path.join(d, n), root) for n in names if n.endswith(".proto")]
        files.sort()
        out = tempfile.mkdtemp(prefix="buoy-gen-googleapis-")
        state["tmp"] = out
        p = r.run_buoy(["debug", "gen-c", "-I", root, "-o", out] + files, timeout=600)
        bad = run.sanitizer_noise(p.stderr)
        if bad or p.returncode != 0:
            state["error"] = bad or "buoy debug gen-c failed:\n" + p.stderr.decode()[:3000]
            return state["error"]
        srcs = sorted(os.path.relpath(os.path.join(d, n), out) for d, _, names in os.walk(out) for n in names
                      if n.endswith(".pb.c"))
        if len(srcs) != len(files):
            state["error"] = "%d .proto files but %d .pb.c files" % (len(files), len(srcs))
            return state["error"]
        # contiguous runs of paths, so the files of a package, which include
        # each other's headers, share a unit and its headers are parsed once
        groups = 8
        units = []
        for i in range(groups):
            part = srcs[len(srcs) * i // groups:len(srcs) * (i + 1) // groups]
            if not part:
                continue
            path = os.path.join(out, "unity%02d.c" % i)
            with open(path, "w") as f:
                f.writelines('#include "%s"\n' % s for s in part)
            units.append(path)
        state["dir"], state["units"] = out, units
        return None

    def compile_all():
        err = generate()
        if err:
            return {cc: err for cc in ("gcc", "clang")}
        results = {}
        for cc in ("gcc", "clang"):
            if not shutil.which(cc):
                results[cc] = "%s is not installed" % cc
        # gcc and clang side by side, one unit at a time each
        procs = {}
        for cc in ("gcc", "clang"):
            if cc not in results:
                procs[cc] = list(state["units"])
                results[cc] = None
        running = {}
        while procs or running:
            for cc in list(procs):
                if cc not in running and procs[cc]:
                    unit = procs[cc].pop(0)
                    args = ["nice", cc] + STRICT + ["-O0", "-c", "-o", os.devnull, "-I" + RUNTIME, "-I" + RUNTIME_GEN,
                                                    "-I" + state["dir"], unit]
                    running[cc] = (unit, subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE))
                if cc in procs and not procs[cc] and cc not in running:
                    del procs[cc]
            for cc in list(running):
                unit, p = running[cc]
                if p.poll() is None:
                    continue
                err = p.stderr.read().decode("utf-8", "replace")
                if p.returncode != 0 and results[cc] is None:
                    results[cc] = "%s %s:\n%s" % (cc, os.path.basename(unit), err[:3000])
                    procs.pop(cc, None)
                del running[cc]
            if running:
                import time
                time.sleep(0.05)
        return results

    results = {}

    def case(cc):
        if not results:
            results.update(compile_all())
        return results.get(cc)

    for cc in ("gcc", "clang"):
        r.case("gen/googleapis/" + cc, lambda cc=cc: case(cc))
    if "tmp" in state:
        shutil.rmtree(state["tmp"], ignore_errors=True)
