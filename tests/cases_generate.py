"""`buoy generate` (src/cmd/generate.c, src/module/gen_config.c, src/gen/managed.c).

Categories:
  generate/diff/<case>   testdata/generate/cases/<case>: a buf.gen.yaml (and
                         optionally `args`, one command-line argument a line,
                         and its own .proto files; otherwise testdata/generate/proto
                         is copied in as proto/) run by real `buf generate`
                         (BUOY_BUF, from tests/oracles.sh; offline, its cache in a
                         temporary directory) and by `buoy generate` in two copies
                         of the case: the exit statuses and the whole resulting
                         trees must be identical (diff -r). The plugins are real:
                         protoc-gen-c (protobuf-c-compiler), grpc_cpp_plugin and
                         grpc_python_plugin (protobuf-compiler-grpc), and
                         testdata/generate/bin/protoc-gen-capture, which writes the
                         CodeGeneratorRequest it got (hex bytes and text), so buf's
                         and buoy's requests are compared byte for byte, managed
                         mode included. `local: protoc-gen-buoy` runs buoy's C
                         generator inside buoy, and buoy itself as a plugin (a link
                         named protoc-gen-buoy) under buf. Without buf these cases are skipped, as
                         buf comparisons are elsewhere.
  generate/googleapis    the same against buf over four googleapis directories
                         (the corpus of run.googleapis_root): 214 files.
  generate/googleapis-types  the same with four --type/--exclude-type filters
                         (custom options, excluded extensions, NAME.**).
  generate/errors/<name> testdata/generate/errors/<name>.yaml, an invalid template
                         whose first line says `# error: LINE:COL`: buoy exits 1
                         (buf's status for template errors) and its message
                         starts with the template's path and that position; buf,
                         when available, rejects the template with status 1 too.
  generate/builtin       `local: protoc-gen-buoy` runs buoy's C generator in
                         process: the same files as `buoy protoc --buoy_out`.
  fuzz/gen-config        a short fuzzing run of tests/fuzz/fuzz_gen_config.c (templates,
                         then managed mode) from testdata/generate/fuzz.
  generate/help          every flag of `buoy generate --help` is in
                         man/buoy-generate.1, and every key of the template in
                         man/buf.gen.yaml.5.
"""
import os
import re
import shutil
import subprocess
import tempfile
import zipfile

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
GEN = os.path.join(ROOT, "testdata", "generate")
PLUGINS = ("protoc-gen-c", "grpc_cpp_plugin", "grpc_python_plugin")


def find_buf():
    buf = os.environ.get("BUOY_BUF") or shutil.which("buf")
    if not buf:
        local = os.path.join(ROOT, ".oracles", "node_modules", ".bin", "buf")
        buf = local if os.path.exists(local) else None
    return buf


def tool_env(cache, buoy=None):
    """The plugins of testdata/generate/bin on PATH, and buoy as the plugin
    protoc-gen-buoy (a link named so), which buf runs as a process."""
    env = dict(os.environ)
    env["PATH"] = os.path.join(GEN, "bin") + os.pathsep + env.get("PATH", "")
    if buoy:
        links = os.path.join(cache, "links")
        os.makedirs(links, exist_ok=True)
        os.symlink(buoy, os.path.join(links, "protoc-gen-buoy"))
        env["PATH"] = links + os.pathsep + env["PATH"]
    env["BUF_CACHE_DIR"] = cache
    env["BUF_TOKEN"] = ""
    return env


def prepare(case, dest):
    shutil.copytree(os.path.join(GEN, "cases", case), dest, symlinks=True)
    own = any(f.endswith(".proto") for _, _, files in os.walk(dest) for f in files)
    if not own:
        shutil.copytree(os.path.join(GEN, "proto"), os.path.join(dest, "proto"))
    args_file = os.path.join(dest, "args")
    args = []
    if os.path.exists(args_file):
        args = [a for a in open(args_file).read().split("\n") if a]
    return args


def zip_entries(path):
    with zipfile.ZipFile(path) as z:
        return [(i.filename, z.read(i)) for i in z.infolist()]


def tree_diff(a, b):
    """diff -r, except that zip and jar archives are compared by their
    entries (names, order and contents): buf dates every entry 1980-00-00,
    which is not a valid DOS date, and buoy's writer (src/gen/plugin.c) dates
    them 1980-01-01 as protoc does."""
    p = subprocess.run(["diff", "-r", "-x", "*.zip", "-x", "*.jar", a, b], capture_output=True)
    if p.returncode != 0:
        return p.stdout.decode(errors="replace")[:4000]
    for root, _, files in os.walk(a):
        for f in files:
            if f.endswith((".zip", ".jar")):
                mine = os.path.join(b, os.path.relpath(os.path.join(root, f), a))
                if not os.path.exists(mine):
                    return "no " + mine
                if zip_entries(os.path.join(root, f)) != zip_entries(mine):
                    return "the entries of %s differ: %s vs %s" % (
                        mine, [n for n, _ in zip_entries(os.path.join(root, f))], [n for n, _ in zip_entries(mine)])
    return None


def diff_case(r, run, buf, case):
    def fn():
        missing = [p for p in PLUGINS if not shutil.which(p)]
        if missing:
            return "missing plugins %s: install protobuf-c-compiler and protobuf-compiler-grpc" % ", ".join(missing)
        with tempfile.TemporaryDirectory() as tmp:
            env = tool_env(os.path.join(tmp, "cache"), r.buoy)
            mine, theirs = os.path.join(tmp, "buoy"), os.path.join(tmp, "buf")
            os.makedirs(mine)
            os.makedirs(theirs)
            args = prepare(case, os.path.join(mine, case))
            prepare(case, os.path.join(theirs, case))
            b = subprocess.run([buf, "generate"] + args, cwd=os.path.join(theirs, case), env=env,
                               capture_output=True, timeout=300)
            p = subprocess.run([r.buoy, "generate"] + args, cwd=os.path.join(mine, case), env=env,
                               capture_output=True, timeout=300)
            bad = run.sanitizer_noise(p.stderr)
            if bad:
                return bad
            if p.returncode != b.returncode:
                return "exit status %d, buf's %d\nbuoy: %s\nbuf: %s" % (
                    p.returncode, b.returncode, p.stderr.decode()[:2000], b.stderr.decode()[:2000])
            return tree_diff(theirs, mine)
    r.case("generate/diff/" + case, fn)


def error_case(r, run, buf, name):
    path = os.path.join(GEN, "errors", name)

    def fn():
        first = open(path).readline()
        m = re.match(r"# error: (\d+):(\d+)", first)
        if not m:
            return "the first line must be `# error: LINE:COL`"
        with tempfile.TemporaryDirectory() as tmp:
            shutil.copytree(os.path.join(GEN, "proto"), os.path.join(tmp, "proto"))
            shutil.copy(path, os.path.join(tmp, name))
            env = tool_env(os.path.join(tmp, "cache"))
            p = subprocess.run([r.buoy, "generate", "--template", name, "proto"], cwd=tmp, env=env,
                               capture_output=True, timeout=60)
            bad = run.sanitizer_noise(p.stderr)
            if bad:
                return bad
            err = p.stderr.decode()
            if p.returncode != 1:
                return "exit status %d, want 1\n%s" % (p.returncode, err[:2000])
            want = "%s:%s:%s: " % (name, m.group(1), m.group(2))
            if not err.startswith(want):
                return "want an error starting %r, got:\n%s" % (want, err[:2000])
            if buf and "buoy only" not in first:
                b = subprocess.run([buf, "generate", "--template", name, "proto"], cwd=tmp, env=env,
                                   capture_output=True, timeout=60)
                if b.returncode != 1:
                    return "buf's exit status is %d, not 1: %s" % (b.returncode, b.stderr.decode()[:1000])
            if os.path.exists(os.path.join(tmp, "gen")):
                return "output was written despite the error"
        return None
    r.case("generate/errors/" + name[:-len(".yaml")], fn)


def builtin_case(r, run):
    def fn():
        with tempfile.TemporaryDirectory() as tmp:
            src = os.path.join(GEN, "proto")
            shutil.copytree(src, os.path.join(tmp, "proto"))
            # time.proto: the C generator does not write extensions yet (units.proto)
            tmpl = '{"version":"v2","plugins":[{"local":"protoc-gen-buoy","out":"gen"}]}'
            p = r.run_buoy(["generate", "--template", tmpl, "proto", "--path", "proto/acme/common/v1/time.proto"],
                           cwd=tmp)
            bad = run.sanitizer_noise(p.stderr)
            if bad or p.returncode != 0:
                return bad or "buoy generate failed:\n" + p.stderr.decode()[:3000]
            os.makedirs(os.path.join(tmp, "want"))
            q = r.run_buoy(["protoc", "-Iproto", "--buoy_out=want", "proto/acme/common/v1/time.proto"], cwd=tmp)
            if q.returncode != 0:
                return "buoy protoc failed:\n" + q.stderr.decode()[:3000]
            return tree_diff(os.path.join(tmp, "want"), os.path.join(tmp, "gen"))
    r.case("generate/builtin", fn)


def help_case(r):
    def fn():
        p = r.run_buoy(["generate", "--help"])
        if p.returncode != 0:
            return "--help failed"
        man = open(os.path.join(ROOT, "man", "buoy-generate.1")).read().replace("\\-", "-")
        missing = [f for f in re.findall(r"--[a-z-]+", p.stdout.decode()) if f not in man]
        conf = open(os.path.join(ROOT, "man", "buf.gen.yaml.5")).read().replace("\\-", "-").replace("\\_", "_")
        keys = ["version", "clean", "plugins", "local", "protoc_builtin", "protoc_path", "remote", "out", "opt",
                "strategy", "include_imports", "include_wkt", "inputs", "directory", "proto_file",
                "binary_image", "module", "paths", "exclude_paths", "managed", "enabled", "disable",
                "override", "file_option", "field_option", "field", "path", "value", "types", "exclude_types"]
        missing += [k for k in keys if k not in conf]
        return "not documented: " + ", ".join(sorted(set(missing))) if missing else None
    r.case("generate/help", fn)


def fuzz_case(r):
    """A short libFuzzer run of tests/fuzz/fuzz_gen_config.c over the
    templates in testdata/generate/fuzz, when the fuzz build is there."""
    fuzzer = os.path.join(r.fuzz_build or r.build, "fuzz-gen-config")
    if not os.path.exists(fuzzer):
        return
    secs = max(1, int(os.environ.get("BUOY_FUZZ_SECONDS", "60")) // 2)

    def fn():
        with tempfile.TemporaryDirectory() as work:
            p = subprocess.run([fuzzer, "-max_total_time=%d" % secs, "-timeout=10", "-rss_limit_mb=2048",
                                "-max_len=8192", work, os.path.join(GEN, "fuzz")],
                               capture_output=True, timeout=secs + 300, cwd=work)
        if p.returncode != 0:
            return "fuzzer failed (exit %d):\n%s" % (p.returncode, p.stderr.decode("utf-8", "replace")[-3000:])
        return None
    r.case("fuzz/gen-config", fn)


def googleapis_case(r, run, buf):
    """buf and buoy over googleapis' google/api, google/rpc, google/type and
    google/longrunning (many directories, long import chains): the requests
    (managed mode on) and protoc-gen-c's output must be identical."""
    def fn():
        root = run.googleapis_root(r)
        if not root:
            return None
        with tempfile.TemporaryDirectory() as tmp:
            env = tool_env(os.path.join(tmp, "cache"))
            tmpl = ('{"version":"v2","managed":{"enabled":true,"override":[{"file_option":"go_package_prefix",'
                    '"value":"example.com/g"}]},"plugins":[{"local":"protoc-gen-capture","out":"%s"},'
                    '{"local":"protoc-gen-c","out":"%s/c"}]}')
            paths = ["--path", "google/api", "--path", "google/rpc", "--path", "google/type",
                     "--path", "google/longrunning"]
            outs = {}
            for who, exe in (("buf", buf), ("buoy", r.buoy)):
                out = os.path.join(tmp, who)
                p = subprocess.run([exe, "generate", "--template", tmpl % (out, out), "."] + paths, cwd=root,
                                   env=env, capture_output=True, timeout=900)
                if who == "buoy":
                    bad = run.sanitizer_noise(p.stderr)
                    if bad:
                        return bad
                if p.returncode != 0:
                    return "%s generate failed (%d): %s" % (who, p.returncode, p.stderr.decode()[-2000:])
                outs[who] = out
            return tree_diff(outs["buf"], outs["buoy"])
    r.case("generate/googleapis", fn)


def googleapis_types_case(r, run, buf):
    """Filtering by types over the same googleapis directories: custom
    options (google.api.http...) bring their definitions, excluded ones
    leave the options and their source locations, unused imports go."""
    filters = [["--exclude-type", "google.api.http"], ["--type", "google.api.**"],
               ["--type", "google.longrunning", "--exclude-type", "google.api.http"],
               ["--exclude-type", "google.api.field_behavior", "--exclude-type", "google.api.resource_reference"]]

    def fn():
        root = run.googleapis_root(r)
        if not root:
            return None
        with tempfile.TemporaryDirectory() as tmp:
            env = tool_env(os.path.join(tmp, "cache"))
            tmpl = ('{"version":"v2","plugins":[{"local":"protoc-gen-capture","out":"%s/all","strategy":"all"},'
                    '{"local":"protoc-gen-capture","out":"%s/dir"}]}')
            paths = ["--path", "google/api", "--path", "google/rpc", "--path", "google/type",
                     "--path", "google/longrunning"]
            for k, flt in enumerate(filters):
                outs = {}
                for who, exe in (("buf", buf), ("buoy", r.buoy)):
                    out = os.path.join(tmp, "%s%d" % (who, k))
                    p = subprocess.run([exe, "generate", "--template", tmpl % (out, out), "."] + paths + flt,
                                       cwd=root, env=env, capture_output=True, timeout=900)
                    if who == "buoy":
                        bad = run.sanitizer_noise(p.stderr)
                        if bad:
                            return bad
                    if p.returncode != 0:
                        return "%s generate %s failed (%d): %s" % (who, flt, p.returncode, p.stderr.decode()[-2000:])
                    outs[who] = out
                d = tree_diff(outs["buf"], outs["buoy"])
                if d:
                    return "%s: %s" % (" ".join(flt), d)
        return None
    r.case("generate/googleapis-types", fn)


def cases(r, run):
    buf = find_buf()
    if buf and os.path.exists(buf):
        for case in sorted(os.listdir(os.path.join(GEN, "cases"))):
            diff_case(r, run, buf, case)
        googleapis_case(r, run, buf)
        googleapis_types_case(r, run, buf)
    else:
        buf = None
    for name in sorted(os.listdir(os.path.join(GEN, "errors"))):
        if name.endswith(".yaml"):
            error_case(r, run, buf, name)
    builtin_case(r, run)
    help_case(r)
    fuzz_case(r)
