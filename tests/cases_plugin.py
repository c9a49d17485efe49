"""`buoy protoc` and the plugin protocol (src/cmd/protoc.c, src/gen/plugin.c),
differentially against protoc 3.21 (Debian's protobuf-compiler) running the
same plugins over the same inputs. protoc, protoc-gen-c (protobuf-c-compiler),
grpc_cpp_plugin and grpc_python_plugin (protobuf-compiler-grpc) and
/usr/bin/python3 with google.protobuf (python3-protobuf) must be installed;
a missing one fails its cases.

Categories:
  plugin/request/<set>          the CodeGeneratorRequest buoy sends equals protoc's (a capture
                                plugin saves both): decoded and compared field by field, and
                                byte for byte with source_code_info left out of both
  plugin/request-bytes/<set>    the same requests byte for byte, source info included, for the
                                sets whose source info buoy writes as protoc does
  plugin/descriptor-set/<set>/<flags>  --descriptor_set_out (-o) byte for byte against protoc's
                                (cmp), with and without --include_imports (and
                                --include_source_info for the sets above)
  plugin/out/<plugin>/<set>     the output tree of --X_out (protoc-gen-c, grpc_cpp_plugin,
                                grpc_python_plugin) is protoc's (diff -r)
  plugin/protocol/<name>        the test plugin (testdata/plugin/test_plugin.py) run by both:
                                insertion points, unnamed chunks, zip and jar output, a
                                plugin's error, a failing or crashing plugin, unparsable
                                answers, missing features: the same exit status, the same
                                files written (none when anything fails)
  plugin/cli/<name>             protoc's command line: -I forms, @argsfile, inputs named by a
                                path under a root or by import path, --NAME_opt joining,
                                --version, --help, usage errors (exit status as protoc's)
  plugin/buoy/<set>             buoy's C generator three ways give the same files: protoc running
                                protoc-gen-buoy (a link to the buoy binary, so the model is
                                built from protoc's descriptors, src/compile/from_descriptor.c),
                                `buoy protoc --buoy_out` (in process) and `buoy debug gen-c`;
                                editions files (which protoc 3.21 cannot read) with buoy
                                protoc running protoc-gen-buoy as a plugin; its errors
  plugin/codec/<name>           --encode, --decode, --decode_raw (src/cmd/codec.c, reached through
                                buoy protoc): output and exit status as protoc's
  plugin/googleapis/<name>      a few googleapis files through grpc_cpp_plugin and the capture
                                plugin (requests compared decoded, without source info)
  plugin/googleapis/descriptor-set[-source-info]  all of googleapis (with --include_imports;
                                with --include_source_info): protoc's bytes
"""
import filecmp
import os
import shutil
import subprocess
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PLUGIN_DATA = os.path.join(ROOT, "testdata", "plugin")
TEST_PLUGIN = os.path.join(PLUGIN_DATA, "test_plugin.py")
PY = "/usr/bin/python3"

# Input sets: (name, proto_path relative to testdata/plugin, files, source info matches protoc's)
SETS = [
    ("basic", "basic", ["common/money.proto", "shop/v1/shop.proto", "shop/v1/legacy.proto"], True),
    ("basic-one", "basic", ["shop/v1/shop.proto"], True),
    ("plain", "plain", ["plain/a.proto", "plain/b.proto"], True),
    ("gen", "../gen", ["sample.proto", "sample3.proto"], True),
    ("comments", "../build/comments", sorted(f for f in os.listdir(os.path.join(ROOT, "testdata", "build", "comments"))
                                             if f.endswith(".proto")), True),
    ("comment-places", "comments", ["places.proto", "statements.proto"], True),
]

PLUGINS = [
    ("c", "/usr/bin/protoc-gen-c"),
    ("grpc_cpp", "/usr/bin/grpc_cpp_plugin"),
    ("grpc_python", "/usr/bin/grpc_python_plugin"),
]


def tree(d):
    """{relative path: bytes} of the files below d (a missing d: {})."""
    out = {}
    for base, _, files in os.walk(d):
        for f in files:
            p = os.path.join(base, f)
            out[os.path.relpath(p, d)] = open(p, "rb").read()
    return out


def compare_trees(want, got):
    a, b = tree(want), tree(got)
    if set(a) != set(b):
        return "files differ: only protoc's %s, only buoy's %s" % (sorted(set(a) - set(b))[:10],
                                                                  sorted(set(b) - set(a))[:10])
    for k in sorted(a):
        if a[k] != b[k]:
            return "%s differs" % k
    return None


def noise(p):
    text = p.stderr.decode("utf-8", "replace")
    for marker in ("AddressSanitizer", "LeakSanitizer", "runtime error:", "UndefinedBehaviorSanitizer"):
        if marker in text:
            return text[:2000]
    return None


def missing_tools(*tools):
    for t in tools:
        if not shutil.which(t) and not os.path.exists(t):
            return "%s is not installed (tests/all.sh installs it)" % t
    return None


def both(r, args, cwd, setup=None):
    """Runs protoc and buoy protoc with args ({OUT} replaced by a fresh
    directory each) in cwd; returns (protoc process, buoy process, protoc's
    out, buoy's out, tmp) -- the caller removes tmp."""
    tmp = tempfile.mkdtemp(prefix="buoy-plugin-")
    res = []
    for who, cmd in (("protoc", ["protoc"]), ("buoy", [r.buoy, "protoc"])):
        out = os.path.join(tmp, who)
        os.makedirs(out)
        if setup:
            setup(out)
        a = [x.replace("{OUT}", out) for x in args]
        res.append((subprocess.run(cmd + a, cwd=cwd, capture_output=True, timeout=300), out))
    return res[0][0], res[1][0], res[0][1], res[1][1], tmp


def decoded_request_problem(want_path, got_path):
    """Compares two captured CodeGeneratorRequests with python's protobuf."""
    code = r"""
import sys
from google.protobuf.compiler import plugin_pb2
from google.protobuf import text_format
a, b = plugin_pb2.CodeGeneratorRequest(), plugin_pb2.CodeGeneratorRequest()
a.ParseFromString(open(sys.argv[1], 'rb').read())
b.ParseFromString(open(sys.argv[2], 'rb').read())
if a != b:
    # where they differ, source info aside
    for x in (a, b):
        for f in x.proto_file:
            f.ClearField('source_code_info')
    if a != b:
        import difflib
        d = difflib.unified_diff(text_format.MessageToString(a).splitlines(),
                                 text_format.MessageToString(b).splitlines(), 'protoc', 'buoy', lineterm='', n=2)
        print('requests differ:\n' + '\n'.join(list(d)[:40]))
        sys.exit(1)
    if a.SerializeToString() != b.SerializeToString():
        print('requests without source info differ in their bytes')
        sys.exit(1)
    print('SOURCE_INFO_ONLY')
"""
    p = subprocess.run([PY, "-c", code, want_path, got_path], capture_output=True, timeout=120)
    out = p.stdout.decode() + p.stderr.decode()
    if p.returncode != 0:
        return out or "python failed"
    return "SOURCE_INFO_ONLY" if "SOURCE_INFO_ONLY" in out else None


def request_case(r, name, cwd, files, exact, extra=()):
    def capture():
        bad = missing_tools("protoc", PY)
        if bad:
            return bad
        tmp = tempfile.mkdtemp(prefix="buoy-plugin-")
        try:
            caps = []
            for who, cmd in (("protoc", ["protoc"]), ("buoy", [r.buoy, "protoc"])):
                # the same parameter for both: one capture path, renamed after each run
                cap = os.path.join(tmp, "request.bin")
                p = subprocess.run(cmd + list(extra) + ["--plugin=protoc-gen-cap=" + TEST_PLUGIN,
                                                        "--cap_out=capture=%s:%s" % (cap, tmp),
                                                        "--cap_opt=a=1", "--cap_opt=b"] + files,
                                   cwd=cwd, capture_output=True, timeout=300)
                if noise(p):
                    return noise(p)
                if p.returncode != 0:
                    return "%s exit %d: %s" % (who, p.returncode, p.stderr.decode()[:1500])
                os.rename(cap, os.path.join(tmp, who + ".bin"))
                caps.append(os.path.join(tmp, who + ".bin"))
            problem = decoded_request_problem(caps[0], caps[1])
            if problem == "SOURCE_INFO_ONLY":
                return "source info differs" if exact else None
            if problem:
                return problem
            return None
        finally:
            shutil.rmtree(tmp, ignore_errors=True)

    return capture


def descriptor_set_case(r, cwd, files, flags):
    def check():
        bad = missing_tools("protoc")
        if bad:
            return bad
        tmp = tempfile.mkdtemp(prefix="buoy-plugin-")
        try:
            outs = []
            for who, cmd in (("protoc", ["protoc"]), ("buoy", [r.buoy, "protoc"])):
                o = os.path.join(tmp, who + ".pb")
                p = subprocess.run(cmd + flags + ["--descriptor_set_out=" + o] + files, cwd=cwd,
                                   capture_output=True, timeout=300)
                if noise(p):
                    return noise(p)
                if p.returncode != 0:
                    return "%s exit %d: %s" % (who, p.returncode, p.stderr.decode()[:1500])
                outs.append(o)
            if not filecmp.cmp(outs[0], outs[1], shallow=False):
                d = subprocess.run([PY, os.path.join(ROOT, "tests", "fdsdiff.py")] + outs, capture_output=True)
                return "descriptor sets differ:\n" + d.stdout.decode()[:1500]
            return None
        finally:
            shutil.rmtree(tmp, ignore_errors=True)

    return check


def out_case(r, plugin_name, path, cwd, files, extra=()):
    def check():
        bad = missing_tools("protoc", path)
        if bad:
            return bad
        args = ["--plugin=protoc-gen-x=" + path, "--x_out={OUT}"] + list(extra) + files
        pp, bp, po, bo, tmp = both(r, args, cwd)
        try:
            if noise(bp):
                return noise(bp)
            if pp.returncode != bp.returncode:
                return "exit %d, protoc's %d: %s" % (bp.returncode, pp.returncode, bp.stderr.decode()[:1500])
            if pp.returncode != 0:
                return "protoc failed: %s" % pp.stderr.decode()[:1500]
            if not tree(po):
                return "protoc wrote nothing"
            return compare_trees(po, bo)
        finally:
            shutil.rmtree(tmp, ignore_errors=True)

    return check


def protocol_case(r, args, cwd, want_status, want_err=None):
    """Both tools with args: the same exit status, the same files; buoy's
    stderr contains want_err."""
    def check():
        bad = missing_tools("protoc", PY)
        if bad:
            return bad
        pp, bp, po, bo, tmp = both(r, args, cwd)
        try:
            if noise(bp):
                return noise(bp)
            if bp.returncode != want_status or pp.returncode != want_status:
                return "exit: buoy %d, protoc %d, expected %d\nbuoy: %s\nprotoc: %s" % (
                    bp.returncode, pp.returncode, want_status, bp.stderr.decode()[:1000], pp.stderr.decode()[:1000])
            if want_err and want_err not in bp.stderr.decode():
                return "buoy's errors lack %r:\n%s" % (want_err, bp.stderr.decode()[:1000])
            return compare_trees(po, bo)
        finally:
            shutil.rmtree(tmp, ignore_errors=True)

    return check


def cli_case(r, args, cwd, want_status, want_out=None, want_err=None, compare_protoc=True, files_from=None):
    def check():
        p = subprocess.run([r.buoy, "protoc"] + args, cwd=cwd, capture_output=True, timeout=120)
        if noise(p):
            return noise(p)
        if p.returncode != want_status:
            return "exit %d, expected %d: %s" % (p.returncode, want_status, p.stderr.decode()[:1500])
        if compare_protoc:
            q = subprocess.run(["protoc"] + args, cwd=cwd, capture_output=True, timeout=120)
            if q.returncode != p.returncode:
                return "exit %d, protoc's %d" % (p.returncode, q.returncode)
            if want_status == 0 and q.stdout != p.stdout and want_out is None:
                return "stdout differs from protoc's"
        if want_out and want_out not in p.stdout.decode():
            return "stdout lacks %r: %s" % (want_out, p.stdout.decode()[:500])
        if want_err and want_err not in p.stderr.decode():
            return "stderr lacks %r: %s" % (want_err, p.stderr.decode()[:500])
        return None

    return check


def cases(r, run):
    for name, root, files, exact in SETS:
        cwd = os.path.normpath(os.path.join(PLUGIN_DATA, root))
        r.case("plugin/request/" + name, request_case(r, name, cwd, files, False))
        if exact:
            r.case("plugin/request-bytes/" + name, request_case(r, name, cwd, files, True))
        flag_sets = [[], ["--include_imports"]]
        if exact:
            flag_sets += [["--include_source_info"], ["--include_imports", "--include_source_info"]]
        for flags in flag_sets:
            r.case("plugin/descriptor-set/%s/%s" % (name, "+".join(f[2:] for f in flags) or "plain"),
                   descriptor_set_case(r, cwd, files, flags))
    basic = os.path.join(PLUGIN_DATA, "basic")
    basic_files = ["common/money.proto", "shop/v1/shop.proto", "shop/v1/legacy.proto"]
    for pname, path in PLUGINS:
        r.case("plugin/out/%s/basic" % pname, out_case(r, pname, path, basic, basic_files))
        r.case("plugin/out/%s/plain" % pname,
               out_case(r, pname, path, os.path.join(PLUGIN_DATA, "plain"), ["plain/a.proto", "plain/b.proto"]))
    r.case("plugin/out/grpc_cpp/options",
           out_case(r, "grpc_cpp", "/usr/bin/grpc_cpp_plugin", basic, basic_files,
                    ["--x_opt=generate_mock_code=true"]))
    protocol_cases(r, basic)
    buoy_plugin_cases(r)
    cli_cases(r, basic)
    codec_cases(r, basic)
    if os.path.exists(os.path.join(run.SHARED, "corpus", "googleapis.tar.xz")):  # skipped without the corpus, as run.py's googleapis cases are
        googleapis_cases(r, run)


def protocol_cases(r, cwd):
    t = "--plugin=protoc-gen-t=" + TEST_PLUGIN
    u = "--plugin=protoc-gen-u=" + TEST_PLUGIN
    files = ["common/money.proto", "shop/v1/shop.proto"]
    r.case("plugin/protocol/insertion-points",
           protocol_case(r, [t, u, "--t_out=files:{OUT}", "--u_out=insert:{OUT}"] + files, cwd, 0))
    r.case("plugin/protocol/chunks", protocol_case(r, [t, "--t_out=chunks:{OUT}"] + files, cwd, 0))
    r.case("plugin/protocol/zip",
           protocol_case(r, [t, u, "--t_out=files:{OUT}/out.zip", "--u_out=insert:{OUT}/out.zip"] + files, cwd, 0))
    r.case("plugin/protocol/jar", protocol_case(r, [t, "--t_out=files:{OUT}/out.jar"] + files, cwd, 0))
    r.case("plugin/protocol/error",
           protocol_case(r, [t, u, "--t_out=files:{OUT}", "--u_out=error:{OUT}"] + files, cwd, 1,
                         "--u_out: test plugin: asked to fail"))
    r.case("plugin/protocol/exit-status",
           protocol_case(r, [t, u, "--t_out=files:{OUT}", "--u_out=exit3:{OUT}"] + files, cwd, 1, "status 3"))
    r.case("plugin/protocol/garbage",
           protocol_case(r, [t, "--t_out=garbage:{OUT}"] + files, cwd, 1, "--t_out:"))
    r.case("plugin/protocol/bad-insertion-point",
           protocol_case(r, [t, u, "--t_out=files:{OUT}", "--u_out=badpoint:{OUT}"] + files, cwd, 1, "missing"))
    r.case("plugin/protocol/insert-into-nothing",
           protocol_case(r, [u, "--u_out=insert:{OUT}"] + files, cwd, 1))
    r.case("plugin/protocol/written-twice",
           protocol_case(r, [t, u, "--t_out=files:{OUT}", "--u_out=files:{OUT}"] + files, cwd, 1))
    r.case("plugin/protocol/proto3-optional-refused",
           protocol_case(r, [t, "--t_out=nofeatures,files:{OUT}", "sample3.proto"],
                         os.path.join(ROOT, "testdata", "gen"), 1, "FEATURE_PROTO3_OPTIONAL"))
    r.case("plugin/protocol/not-found",
           protocol_case(r, ["--plugin=protoc-gen-t=/nonexistent/plugin", "--t_out={OUT}"] + files, cwd, 1,
                         "/nonexistent/plugin"))
    r.case("plugin/protocol/not-on-path",
           protocol_case(r, ["--buoytestnothere_out={OUT}"] + files, cwd, 1, "protoc-gen-buoytestnothere"))
    r.case("plugin/protocol/crash",
           protocol_case(r, ["--plugin=protoc-gen-c=/usr/bin/protoc-gen-c", "--c_out={OUT}", "sample.proto"],
                         os.path.join(ROOT, "testdata", "gen"), 1, "signal"))


def with_plugin_link(r, fn):
    """Calls fn(link) with a protoc-gen-buoy link to the buoy binary."""
    tmp = tempfile.mkdtemp(prefix="buoy-plugin-")
    try:
        link = os.path.join(tmp, "protoc-gen-buoy")
        os.symlink(r.buoy, link)
        return fn(link, tmp)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


BUOY_SETS = [
    ("gen", os.path.join(ROOT, "testdata", "gen"), [], ["sample.proto", "sample3.proto"]),
    ("plain", os.path.join(PLUGIN_DATA, "plain"), [], ["plain/a.proto"]),
    ("wkt", "/usr/include", ["-I", "/usr/include"],
     ["google/protobuf/descriptor.proto", "google/protobuf/any.proto", "google/protobuf/type.proto",
      "google/protobuf/timestamp.proto"]),
]


def buoy_plugin_cases(r):
    for name, cwd, inc, files in BUOY_SETS:
        def three_ways(name=name, cwd=cwd, inc=inc, files=files):
            def run(link, tmp):
                outs = []
                runs = [
                    ["protoc", "--plugin=protoc-gen-bx=" + link, "--bx_out=%s/a" % tmp] + inc + files,
                    [r.buoy, "protoc", "--buoy_out=%s/b" % tmp] + inc + files,
                    [r.buoy, "debug", "gen-c", "-o", "%s/c" % tmp] + (inc or ["-I", "."]) + files,
                ]
                for i, cmd in enumerate(runs):
                    d = os.path.join(tmp, "abc"[i])
                    os.makedirs(d)
                    p = subprocess.run(cmd, cwd=cwd, capture_output=True, timeout=300)
                    if noise(p):
                        return noise(p)
                    if p.returncode != 0:
                        return "%s: exit %d: %s" % (" ".join(cmd[:3]), p.returncode, p.stderr.decode()[:1500])
                    outs.append(d)
                if not tree(outs[0]):
                    return "nothing generated"
                return compare_trees(outs[0], outs[1]) or compare_trees(outs[0], outs[2])
            if missing_tools("protoc"):
                return missing_tools("protoc")
            return with_plugin_link(r, run)

        r.case("plugin/buoy/" + name, three_ways)
    edir = os.path.join(PLUGIN_DATA, "editions")
    r.case("plugin/buoy/editions", lambda: BUOY_EDITIONS(r, edir))

    def takes_no_options():
        def run(link, tmp):
            for cmd in (["protoc", "--plugin=protoc-gen-buoy=" + link], [r.buoy, "protoc"]):
                p = subprocess.run(cmd + ["--buoy_out=x:" + tmp, "sample.proto"],
                                   cwd=os.path.join(ROOT, "testdata", "gen"), capture_output=True, timeout=120)
                if noise(p):
                    return noise(p)
                if p.returncode != 1 or b"takes no options" not in p.stderr:
                    return "%s: exit %d: %s" % (cmd[0], p.returncode, p.stderr.decode()[:500])
            if sorted(os.listdir(tmp)) != ["protoc-gen-buoy"]:
                return "files were written"
            return None
        return with_plugin_link(r, run)

    r.case("plugin/buoy/takes-no-options", takes_no_options)

    def bad_request():
        def run(link, tmp):
            p = subprocess.run([link], input=b"\xff\xff", capture_output=True, timeout=60)
            if noise(p):
                return noise(p)
            if p.returncode == 0 or b"CodeGeneratorRequest" not in p.stderr:
                return "exit %d: %s" % (p.returncode, p.stderr.decode()[:500])
            return None
        return with_plugin_link(r, run)

    r.case("plugin/buoy/bad-request", bad_request)

    # requests no protoc sends: protoc-gen-buoy answers with an error (or
    # files), never crashes
    hostile = r"""
import sys
from google.protobuf.compiler import plugin_pb2
from google.protobuf import descriptor_pb2 as d
def req(*files, gen=None):
    r = plugin_pb2.CodeGeneratorRequest()
    for f in files:
        r.proto_file.add().CopyFrom(f)
    r.file_to_generate.extend(gen if gen is not None else [files[-1].name] if files else ['x.proto'])
    return r
def f(name, **kw):
    x = d.FileDescriptorProto(name=name, **kw)
    return x
cases = {}
cases['missing-import'] = req(f('a.proto', dependency=['nothere.proto']))
m = d.DescriptorProto(name='M')
m.field.add(name='x', number=1, label=1, type=11, type_name='.nothere.T')
cases['unresolved-type'] = req(f('a.proto', message_type=[m]))
cases['not-in-request'] = req(f('a.proto'), gen=['b.proto'])
deep = d.DescriptorProto(name='D0')
cur = deep
for i in range(1, 400):
    cur = cur.nested_type.add(name='D%d' % i)
cases['deep'] = req(f('a.proto', message_type=[deep]))
m2 = d.DescriptorProto(name='M')
m2.field.add(name='x', number=1, label=1, type=5, oneof_index=7)
cases['bad-oneof'] = req(f('a.proto', message_type=[m2]))
e = d.EnumDescriptorProto(name='E')
cases['empty-enum'] = req(f('a.proto', enum_type=[e]))
cases['twice'] = req(f('a.proto'), f('a.proto'))
m3 = d.DescriptorProto(name='M')
m3.field.add(name='x', number=0, label=1, type=5)
cases['no-number'] = req(f('a.proto', message_type=[m3]))
cases['bad-syntax'] = req(f('a.proto', syntax='proto4'))
m4 = d.DescriptorProto(name='M')
m4.field.add(name='x', number=1, label=1, type=14, type_name='.M')
cases['enum-is-message'] = req(f('a.proto', message_type=[m4]))
which = sys.argv[1]
sys.stdout.buffer.write(cases[which].SerializeToString())
"""
    for name in ["missing-import", "unresolved-type", "not-in-request", "deep", "bad-oneof", "empty-enum", "twice",
                 "no-number", "bad-syntax", "enum-is-message"]:
        def check(name=name):
            def run(link, tmp):
                q = subprocess.run([PY, "-c", hostile, name], capture_output=True, timeout=60)
                if q.returncode != 0:
                    return "python: " + q.stderr.decode()[:500]
                p = subprocess.run([link], input=q.stdout, capture_output=True, timeout=60)
                if noise(p):
                    return noise(p)
                if p.returncode != 0:
                    return "exit %d: %s" % (p.returncode, p.stderr.decode()[:500])
                code = "import sys\nfrom google.protobuf.compiler import plugin_pb2\n" \
                       "r = plugin_pb2.CodeGeneratorResponse(); r.ParseFromString(sys.stdin.buffer.read())\n" \
                       "print(r.error)"
                e = subprocess.run([PY, "-c", code], input=p.stdout, capture_output=True, timeout=60)
                if not e.stdout.strip():
                    return "no error in the response: %s" % e.stderr.decode()[:300]
                return None
            return with_plugin_link(r, run)
        r.case("plugin/buoy/hostile/" + name, check)


def BUOY_EDITIONS(r, cwd):
    """Editions through protoc-gen-buoy, run by buoy protoc (protoc 3.21 has
    no editions), against --buoy_out and debug gen-c."""
    def run(link, tmp):
        outs = []
        for i, cmd in enumerate([
                [r.buoy, "protoc", "--plugin=protoc-gen-bx=" + link, "--bx_out=%s/a" % tmp, "ed2023.proto"],
                [r.buoy, "protoc", "--buoy_out=%s/b" % tmp, "ed2023.proto"],
                [r.buoy, "debug", "gen-c", "-o", "%s/c" % tmp, "ed2023.proto"]]):
            d = os.path.join(tmp, "abc"[i])
            os.makedirs(d)
            p = subprocess.run(cmd, cwd=cwd, capture_output=True, timeout=120)
            if noise(p) or p.returncode != 0:
                return noise(p) or "exit %d: %s" % (p.returncode, p.stderr.decode()[:1000])
            outs.append(d)
        if not tree(outs[0]):
            return "nothing generated"
        return compare_trees(outs[0], outs[1]) or compare_trees(outs[0], outs[2])
    return with_plugin_link(r, run)


PRODUCT_TEXT = b'''id: "p1"
title: "Hat"
price { currency_code: "EUR" units: 3 nanos: 500000000 }
tags: "a"
tags: "b"
attributes { key: "colour" value: "red" }
status: STATUS_ACTIVE
variants { sku: "s" weight_kg: 0.25 }
count: 4
'''


def codec_cases(r, cwd):
    def run_both(args, data):
        out = []
        for cmd in (["protoc"], [r.buoy, "protoc"]):
            p = subprocess.run(cmd + args, input=data, cwd=cwd, capture_output=True, timeout=60)
            out.append(p)
        return out

    def case(args, data_fn):
        def check():
            bad = missing_tools("protoc")
            if bad:
                return bad
            data = data_fn()
            if isinstance(data, str):
                return data
            pp, bp = run_both(args, data)
            if noise(bp):
                return noise(bp)
            if pp.returncode != bp.returncode:
                return "exit %d, protoc's %d: %s" % (bp.returncode, pp.returncode, bp.stderr.decode()[:500])
            if pp.stdout != bp.stdout:
                return "output differs:\nprotoc: %r\nbuoy:   %r" % (pp.stdout[:300], bp.stdout[:300])
            return None
        return check

    def encoded():
        p = subprocess.run(["protoc", "--encode=shop.v1.Product", "shop/v1/shop.proto"], input=PRODUCT_TEXT, cwd=cwd,
                           capture_output=True, timeout=60)
        return p.stdout if p.returncode == 0 else "protoc --encode failed: " + p.stderr.decode()[:300]

    r.case("plugin/codec/encode", case(["--encode=shop.v1.Product", "shop/v1/shop.proto"], lambda: PRODUCT_TEXT))
    r.case("plugin/codec/decode", case(["--decode=shop.v1.Product", "shop/v1/shop.proto"], encoded))
    r.case("plugin/codec/decode-imports", case(["--decode=shop.v1.Order", "shop/v1/legacy.proto"],
                                               lambda: b"\x0a\x02o1\x10\x05\x2a\x04\x0a\x02p1"))
    r.case("plugin/codec/decode-raw", case(["--decode_raw"], encoded))
    r.case("plugin/codec/decode-raw-with-inputs", case(["--decode_raw", "shop/v1/shop.proto"], lambda: b""))
    r.case("plugin/codec/unknown-type", case(["--encode=nope.T", "shop/v1/shop.proto"], lambda: b""))
    r.case("plugin/codec/bad-text", case(["--encode=shop.v1.Product", "shop/v1/shop.proto"], lambda: b"nope: 1\n"))


def cli_cases(r, cwd):
    t = "--plugin=protoc-gen-t=" + TEST_PLUGIN
    r.case("plugin/cli/version", cli_case(r, ["--version"], cwd, 0, want_out="libprotoc 3.21.12"))
    r.case("plugin/cli/help", cli_case(r, ["--help"], cwd, 0, want_out="--descriptor_set_out", compare_protoc=False))
    r.case("plugin/cli/no-args", cli_case(r, [], cwd, 0, want_out="--proto_path"))
    r.case("plugin/cli/no-inputs", cli_case(r, ["-o", "/dev/null"], cwd, 1))
    r.case("plugin/cli/no-outputs", cli_case(r, ["common/money.proto"], cwd, 1))
    r.case("plugin/cli/unknown-flag", cli_case(r, ["--frobnicate", "common/money.proto"], cwd, 1, want_err="--frobnicate"))
    r.case("plugin/cli/missing-value", cli_case(r, ["common/money.proto", "--proto_path"], cwd, 1))
    r.case("plugin/cli/missing-file", cli_case(r, ["-o", "/dev/null", "nothere.proto"], cwd, 1, want_err="nothere.proto"))
    r.case("plugin/cli/not-under-root",
           cli_case(r, ["-I", "shop", "-o", "/dev/null", "common/money.proto"], cwd, 1, want_err="common/money.proto"))
    errors = os.path.join(PLUGIN_DATA, "errors")
    r.case("plugin/cli/compile-error",
           cli_case(r, ["-I", errors, "-o", "/dev/null", os.path.join(errors, "bad_number.proto")], cwd, 1,
                    want_err="bad_number.proto:4:13:"))
    # the same request however the inputs and roots are written
    for name, args in [
        ("dash-I-joined", ["-I.", "shop/v1/shop.proto"]),
        ("dash-I-separate", ["-I", ".", "./shop/v1/shop.proto"]),
        ("proto-path-list", ["--proto_path=shop:.", "shop/v1/shop.proto"]),
        ("root-prefix", ["-Ishop", "-I.", "shop/v1/../v1/shop.proto"]),
        ("import-path", ["-I", ".", "common/money.proto"]),
    ]:
        def argcase(args=args):
            tmp = tempfile.mkdtemp(prefix="buoy-plugin-")
            try:
                caps = []
                for who, cmd in (("protoc", ["protoc"]), ("buoy", [r.buoy, "protoc"])):
                    cap = os.path.join(tmp, "request.bin")
                    p = subprocess.run(cmd + [t, "--t_out=capture=%s:%s" % (cap, tmp)] + args, cwd=cwd,
                                       capture_output=True, timeout=120)
                    if noise(p):
                        return noise(p)
                    kept = None
                    if os.path.exists(cap):
                        kept = os.path.join(tmp, who + ".bin")
                        os.rename(cap, kept)
                    caps.append((p.returncode, kept, p.stderr.decode()))
                if caps[0][0] != caps[1][0]:
                    return "exit %d, protoc's %d: %s / %s" % (caps[1][0], caps[0][0], caps[1][2][:500], caps[0][2][:500])
                if caps[0][1]:
                    problem = decoded_request_problem(caps[0][1], caps[1][1] or "/dev/null")
                    if problem and problem != "SOURCE_INFO_ONLY":
                        return problem
                return None
            finally:
                shutil.rmtree(tmp, ignore_errors=True)

        r.case("plugin/cli/" + name, argcase)

    def argsfile():
        tmp = tempfile.mkdtemp(prefix="buoy-plugin-")
        try:
            af = os.path.join(tmp, "args.txt")
            with open(af, "w") as f:
                f.write("-I\n.\n--descriptor_set_out=%s/x.pb\n--include_imports\nshop/v1/shop.proto\n" % tmp)
            p = subprocess.run([r.buoy, "protoc", "@" + af], cwd=cwd, capture_output=True, timeout=120)
            if noise(p) or p.returncode != 0:
                return noise(p) or "exit %d: %s" % (p.returncode, p.stderr.decode()[:500])
            os.rename(os.path.join(tmp, "x.pb"), os.path.join(tmp, "buoy.pb"))
            q = subprocess.run(["protoc", "@" + af], cwd=cwd, capture_output=True, timeout=120)
            if q.returncode != 0:
                return "protoc failed: " + q.stderr.decode()[:500]
            if not filecmp.cmp(os.path.join(tmp, "x.pb"), os.path.join(tmp, "buoy.pb"), shallow=False):
                return "descriptor sets differ"
            return None
        finally:
            shutil.rmtree(tmp, ignore_errors=True)

    r.case("plugin/cli/argsfile", argsfile)


GOOGLEAPIS_FILES = [
    "google/type/date.proto",
    "google/type/money.proto",
    "google/rpc/status.proto",
    "google/longrunning/operations.proto",
    "google/pubsub/v1/pubsub.proto",
]


def googleapis_cases(r, run):
    root = run.googleapis_root(r)
    for f in GOOGLEAPIS_FILES:
        name = f.rsplit("/", 1)[-1][:-6]

        def check(f=f, root=root):
            if not root:
                return "the googleapis corpus (../shared/corpus/googleapis.tar.xz) is missing"
            bad = missing_tools("protoc", "/usr/bin/grpc_cpp_plugin")
            if bad:
                return bad
            inc = ["-I", root, "-I", "/usr/include"]
            problem = request_case(r, name, root, inc + [f], False)()
            if problem:
                return problem
            return out_case(r, "grpc_cpp", "/usr/bin/grpc_cpp_plugin", root, [f], inc)()

        r.case("plugin/googleapis/" + name, check)

    def whole(flags, root=root):
        if not root:
            return "the googleapis corpus (../shared/corpus/googleapis.tar.xz) is missing"
        files = []
        for base, _, names in os.walk(os.path.join(root, "google")):
            files += [os.path.relpath(os.path.join(base, n), root) for n in names if n.endswith(".proto")]
        files.sort()
        return descriptor_set_case(r, root, ["-I", ".", "-I", "/usr/include"] + files, flags)()

    for label, flags in (("descriptor-set", ["--include_imports"]), ("descriptor-set-source-info",
                                                                     ["--include_source_info"])):
        r.case("plugin/googleapis/" + label, lambda flags=flags: whole(flags))
