"""runtime/pb's proto3 JSON (runtime/pb/json.h).

Categories:
  json/build        tests/json/json_tool.c and the bindings `buoy debug gen-c` writes for
                    testdata/json/types3.proto and types2.proto, and for python's own test
                    schema json_format_proto3.proto (taken from python3-protobuf and written
                    back as .proto text by tests/json/jfp3.py, checked with protoc), compile
                    with -std=c11 -Wall -Wextra -Werror -pedantic (and the build's sanitizers)
  json/random       seeded random messages of every field kind, map, oneof, extension and
                    well-known type, against /usr/bin/python3's protobuf json_format
                    (tests/json/differ.py): buoy's JSON under each option set equals python's
                    as parsed JSON (floats by value and no longer than python's), python
                    reads it back to the same message, and buoy reads python's JSON (json
                    names, proto names, enum numbers) to the same message
  json/dynamic/...  json/random and json/malformed again, over tables built at run time from
                    the schemas' descriptor set (pb/dynamic.h) instead of the generated ones
  json/malformed    invalid JSON and values python rejects, buoy rejects too (with a position
                    and a message); and inputs python accepts against the mapping, which buoy
                    rejects
  json/cases/...    exact answers of buoy for chosen inputs: pretty printing, error line:col,
                    the depth limit, ignoring unknown fields, repeated extensions, timestamp
                    offsets, URL-safe base64, exponents in integers, FLT_MAX
  fuzz/json         (when the fuzz targets were built) a short libFuzzer smoke run of
                    tests/fuzz/fuzz_json.c on testdata/fuzz/json
"""
import json
import os
import re
import shutil
import subprocess
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PY = "/usr/bin/python3"
SCHEMAS = ["types3.proto", "types2.proto"]
JFP3 = ["google/protobuf/util/json_format_proto3.proto", "google/protobuf/unittest.proto"]


# Keeps the first of the files a set holds twice (run by /usr/bin/python3).
DEDUPE = """
import sys
from google.protobuf import descriptor_pb2
s = descriptor_pb2.FileDescriptorSet.FromString(open(sys.argv[1], "rb").read())
out, seen = descriptor_pb2.FileDescriptorSet(), set()
for f in s.file:
    if f.name not in seen:
        seen.add(f.name)
        out.file.add().CopyFrom(f)
open(sys.argv[2], "wb").write(out.SerializeToString())
"""


def merge_sets(paths, out):
    """Concatenated FileDescriptorSets are one set (field 1 repeated); files
    in both are written twice, which differ.py skips."""
    with open(out, "wb") as f:
        for p in paths:
            f.write(open(p, "rb").read())

# BP_JSON_* flags
EMIT_DEFAULTS, PROTO_NAMES, ENUMS_AS_INTS, IGNORE_UNKNOWN = 1, 2, 4, 8


def sanitize_flags(build):
    """The -fsanitize flags the build directory was configured with."""
    try:
        opts = json.load(open(os.path.join(build, "meson-info", "intro-buildoptions.json")))
    except OSError:
        return []
    for o in opts:
        if o.get("name") == "b_sanitize" and o.get("value") not in (None, "", "none"):
            return ["-fsanitize=" + o["value"], "-fno-sanitize-recover=all"]
    return []


class Tool:
    """json_tool built once per run, in a temporary directory."""

    def __init__(self, r):
        self.r = r
        self.dir = None
        self.problem = None

    def build(self):
        if self.dir or self.problem:
            return self.problem
        self.dir = tempfile.mkdtemp(prefix="buoy-json-")
        d = self.dir
        schemas = os.path.join(ROOT, "testdata", "json")
        p = self.r.run_buoy(["debug", "gen-c", "-I", schemas, "-o", d] + SCHEMAS)
        if p.returncode != 0:
            self.problem = "buoy debug gen-c failed:\n" + p.stderr.decode()[:3000]
            return self.problem
        if not shutil.which("protoc"):
            self.problem = "protoc is not installed (protobuf-compiler): the schemas' descriptor set needs it"
            return self.problem
        q = subprocess.run(["protoc", "-I", schemas, "--include_imports",
                            "--descriptor_set_out=" + os.path.join(d, "set.pb")] + SCHEMAS,
                           capture_output=True, timeout=120)
        if q.returncode != 0:
            self.problem = "protoc failed:\n" + q.stderr.decode()[:3000]
            return self.problem
        # python's own test schema, written back as .proto text (tests/json/jfp3.py)
        standin = os.path.join(ROOT, "testdata", "json", "standin")
        j3 = os.path.join(d, "jfp3")
        q = subprocess.run([PY, os.path.join(ROOT, "tests", "json", "jfp3.py"), standin, j3],
                           capture_output=True, timeout=120)
        if q.returncode != 0:
            self.problem = "tests/json/jfp3.py failed:\n" + (q.stdout + q.stderr).decode()[-3000:]
            return self.problem
        p = self.r.run_buoy(["debug", "gen-c", "-I", j3, "-I", standin, "-o", d] + JFP3)
        if p.returncode != 0:
            self.problem = "buoy debug gen-c failed on json_format_proto3.proto:\n" + p.stderr.decode()[:3000]
            return self.problem
        merge_sets([os.path.join(d, "set.pb"), os.path.join(j3, "jfp3set.pb")], os.path.join(d, "all.pb"))
        q = subprocess.run([PY, "-c", DEDUPE, os.path.join(d, "all.pb"), os.path.join(d, "once.pb")],
                           capture_output=True, timeout=120)
        if q.returncode != 0:
            self.problem = "writing the descriptor set failed:\n" + q.stderr.decode()[-2000:]
            return self.problem
        lib = os.path.join(self.r.build, "libbuoy-pb.a")
        srcs = [os.path.join(ROOT, "tests", "json", "json_tool.c")] + [
            os.path.join(d, f[:-len(".proto")] + ".pb.c") for f in SCHEMAS + JFP3]
        cc = os.environ.get("CC", "cc")
        cmd = [cc, "-std=c11", "-Wall", "-Wextra", "-Werror", "-pedantic", "-Wno-overlength-strings", "-g", "-O1",
               "-I", os.path.join(ROOT, "runtime"), "-I", os.path.join(ROOT, "runtime", "gen"), "-I", d,
               "-o", os.path.join(d, "json-tool")] + sanitize_flags(self.r.build) + srcs + [lib, "-lm"]
        q = subprocess.run(cmd, capture_output=True, timeout=600)
        if q.returncode != 0:
            self.problem = "compiling json_tool failed:\n%s\n%s" % (" ".join(cmd), q.stderr.decode()[:3000])
        return self.problem

    def path(self):
        return os.path.join(self.dir, "json-tool")

    def ask(self, lines):
        p = subprocess.run([self.path()], input=("\n".join(lines) + "\n").encode(), capture_output=True, timeout=300)
        if p.returncode != 0 or p.stderr:
            raise RuntimeError("json-tool exit %d: %s" % (p.returncode, p.stderr.decode("utf-8", "replace")[-2000:]))
        return p.stdout.decode().split("\n")[:-1]

    def cleanup(self):
        if self.dir:
            shutil.rmtree(self.dir, ignore_errors=True)


def differ(tool, mode, seed=0, count=0, dynamic=False):
    problem = tool.build()
    if problem:
        return problem
    if subprocess.run([PY, "-c", "import google.protobuf"], capture_output=True).returncode != 0:
        return "%s lacks google.protobuf (python3-protobuf)" % PY
    cmd = tool.path() + (" --dynamic " + os.path.join(tool.dir, "once.pb") if dynamic else "")
    p = subprocess.run([PY, os.path.join(ROOT, "tests", "json", "differ.py"), cmd,
                        os.path.join(tool.dir, "all.pb"), str(seed), str(count), mode],
                       capture_output=True, timeout=1200)
    out = (p.stdout + p.stderr).decode("utf-8", "replace")
    if p.returncode != 0:
        return out[-6000:]
    return None


def hexs(text):
    return text.encode("utf-8").hex()


def from_hex_json(answer):
    status, _, payload = answer.partition(" ")
    return status, bytes.fromhex(payload).decode("utf-8") if status == "OK" else payload


# Each case: (name, commands, check) where check gets the tool's answers
# and returns None or a problem.
def exact_cases():
    cases = []

    def encode_then(name, typ, json_in, flags, indent, want):
        """Decodes json_in, encodes the result with flags and indent: want exactly."""
        def run(tool):
            a = tool.ask(["D %s %s %s" % (typ, flags, hexs(json_in))])
            if not a[0].startswith("OK "):
                return "decoding %r: %s" % (json_in, a[0])
            b = tool.ask(["E %s %s %d %s" % (typ, flags, indent, a[0][3:])])
            status, got = from_hex_json(b[0])
            if status != "OK" or got != want:
                return "got %s %r\nwant %r" % (status, got, want)
            return None
        cases.append((name, run))

    def decode_error(name, typ, json_in, flags, want_status, want_pos):
        """Decoding json_in fails with this status at line:col want_pos."""
        def run(tool):
            data = json_in.hex() if isinstance(json_in, bytes) else hexs(json_in)
            a = tool.ask(["D %s %s %s" % (typ, flags, data)])[0]
            m = re.match(r"ERR (\d+) (\d+) (\d+:\d+) (.+)$", a)
            if not m:
                return "expected an error, got %s" % a
            if int(m.group(1)) != want_status or (want_pos and m.group(3) != want_pos):
                return "got %s, want status %d at %s" % (a, want_status, want_pos)
            return None
        cases.append((name, run))

    encode_then("pretty", "buoy.jsontest.Top",
                '{"scalars": {"fInt32": 1, "fString": "a\\"b"}, "repeated": {"rInt32": [1, 2], "rMsg": [{}]},'
                ' "maps": {"mInt32": {"3": 4}}}', 0, 2,
                '{\n  "scalars": {\n    "fInt32": 1,\n    "fString": "a\\"b"\n  },\n  "repeated": {\n'
                '    "rInt32": [\n      1,\n      2\n    ],\n    "rMsg": [\n      {}\n    ]\n  },\n'
                '  "maps": {\n    "mInt32": {\n      "3": 4\n    }\n  }\n}')
    encode_then("compact", "buoy.jsontest.Top", '{"oString": "x", "customName": 7, "snake_case_field_name": "s"}',
                0, 0, '{"oString":"x","customName":7,"snakeCaseFieldName":"s"}')
    encode_then("proto-names", "buoy.jsontest.Top", '{"customName": 7, "snakeCaseFieldName": "s"}', PROTO_NAMES, 0,
                '{"json_named":7,"snake_case_field_name":"s"}')
    encode_then("emit-defaults", "buoy.jsontest.Top", '{}', EMIT_DEFAULTS, 0,
                '{"customName":0,"snakeCaseFieldName":""}')
    # proto2: repeated fields written empty; optional and required fields,
    # the group and the message field not (python 3.21 writes
    # "id":0,"name":"","level":"LOW" too: see presence_keys in differ.py)
    encode_then("emit-defaults-proto2", "buoy.jsontest2.Base", '{"child": {"id": 1}}', EMIT_DEFAULTS, 0,
                '{"levels":[],"child":{"id":1,"levels":[]}}')
    encode_then("timestamp-offset", "google.protobuf.Timestamp", '"1970-01-01T01:00:00.5+01:00"', 0, 0,
                '"1970-01-01T00:00:00.500Z"')
    encode_then("timestamp-negative-offset", "google.protobuf.Timestamp", '"0001-01-01T00:00:00-00:01"', 0, 0,
                '"0001-01-01T00:01:00Z"')
    encode_then("duration-fraction", "google.protobuf.Duration", '"-0.000001s"', 0, 0, '"-0.000001s"')
    encode_then("base64-urlsafe", "buoy.jsontest.Scalars", '{"fBytes": "-_8"}', 0, 0, '{"fBytes":"+/8="}')
    encode_then("base64-unpadded", "buoy.jsontest.Scalars", '{"fBytes": "YWJjZA"}', 0, 0, '{"fBytes":"YWJjZA=="}')
    encode_then("integer-exponent", "buoy.jsontest.Scalars", '{"fInt32": 1.5e2, "fInt64": "12e1", "fUint32": "7"}', 0,
                0, '{"fInt64":"120","fInt32":150,"fUint32":7}')
    encode_then("float-max", "buoy.jsontest.Scalars", '{"fFloat": 3.4028235e+38, "fDouble": -0.0}', 0, 0,
                '{"fDouble":-0.0,"fFloat":3.4028235e+38}')
    encode_then("float-special", "buoy.jsontest.Repeated", '{"rFloat": ["NaN", "-Infinity", 1e-45, "2.5"]}', 0, 0,
                '{"rFloat":["NaN","-Infinity",1e-45,2.5]}')
    encode_then("enum-number", "buoy.jsontest.Scalars", '{"fEnum": 2}', 0, 0, '{"fEnum":"GREEN"}')
    encode_then("enum-unknown-open", "buoy.jsontest.Scalars", '{"fEnum": 99}', 0, 0, '{"fEnum":99}')
    encode_then("null-clears", "buoy.jsontest.Top", '{"scalars": null, "oInt32": null, "customName": null}', 0, 0,
                '{}')
    encode_then("null-value", "buoy.jsontest.Wkts", '{"value": null, "rValue": [null, 1], "nullValue": null}', 0, 0,
                '{"value":null,"rValue":[null,1]}')
    encode_then("struct", "google.protobuf.Struct", '{"a": [1, "x", true, null, {"b": {}}]}', 0, 0,
                '{"a":[1,"x",true,null,{"b":{}}]}')
    encode_then("escapes", "buoy.jsontest.Scalars", '{"fString": "\\u00e9\\ud83d\\ude00\\/\\u0001\\u007f"}', 0, 0,
                '{"fString":"\u00e9\U0001f600/\\u0001\\u007f"}')
    encode_then("ignore-unknown", "buoy.jsontest.Scalars",
                '{"noField": {"a": [1, {"b": null}]}, "fInt32": 5, "fEnum": "PURPLE"}', IGNORE_UNKNOWN, 0,
                '{"fInt32":5}')
    encode_then("extensions", "buoy.jsontest2.Base",
                '{"id": 1, "[buoy.jsontest2.ext_int64s]": ["1", 2], "[buoy.jsontest2.Holder.holder]": {"value": "3"},'
                ' "[buoy.jsontest2.Holder.notes]": ["n"], "item": {"count": 4}}', 0, 0,
                '{"id":1,"item":{"count":4},"[buoy.jsontest2.ext_int64s]":["1","2"],'
                '"[buoy.jsontest2.Holder.holder]":{"value":"3"},"[buoy.jsontest2.Holder.notes]":["n"]}')
    encode_then("any-wkt", "buoy.jsontest.Wkts",
                '{"any": {"value": "1s", "@type": "type.googleapis.com/google.protobuf.Duration"}}', 0, 0,
                '{"any":{"@type":"type.googleapis.com/google.protobuf.Duration","value":"1s"}}')
    encode_then("any-message", "buoy.jsontest.Wkts",
                '{"any": {"fInt32": 3, "@type": "x/buoy.jsontest.Scalars"}}', 0, 0,
                '{"any":{"@type":"x/buoy.jsontest.Scalars","fInt32":3}}')
    encode_then("map-keys", "buoy.jsontest.Maps",
                '{"mBool": {"true": "t", "false": "f"}, "mSint64": {"-9223372036854775808": 1.5},'
                ' "mFixed64": {"18446744073709551615": 3}}', 0, 0,
                '{"mSint64":{"-9223372036854775808":1.5},"mFixed64":{"18446744073709551615":3},'
                '"mBool":{"true":"t","false":"f"}}')

    decode_error("error-position", "buoy.jsontest.Scalars", '{\n  "fInt32": 1,\n  "fBool": 3\n}', 0, 2, "3:12")
    decode_error("error-utf8", "buoy.jsontest.Scalars", b'{"fString": "a\xff"}', 0, 5, "1:15")
    decode_error("error-utf8-overlong", "buoy.jsontest.Scalars", b'{"fString": "\xc0\xaf"}', 0, 5, "1:14")
    decode_error("error-surrogate", "buoy.jsontest.Scalars", '{"fString": "\\ud800x"}', 0, 5, "1:14")
    decode_error("error-depth", "buoy.jsontest.Top", '{"child": ' * 100 + '{}' + '}' * 100, 0, 3, None)
    decode_error("error-depth-unknown", "buoy.jsontest.Top", '{"x": ' + '[' * 200 + ']' * 200 + '}',
                 IGNORE_UNKNOWN, 3, None)
    decode_error("error-depth-struct", "google.protobuf.Value", '[' * 150 + ']' * 150, 0, 3, None)
    decode_error("error-depth-option", "buoy.jsontest.Top", '{"child": {"child": {"child": {}}}}', "0:3", 3, "1:31")
    decode_error("error-depth-option-array", "buoy.jsontest.Repeated", '{"rMsg": [{}]}', "0:2", 3, "1:11")
    decode_error("error-size-option", "buoy.jsontest.Scalars", '{"fInt32": 1}', "0:0:12", 4, "1:1")
    encode_then("depth-option-fits", "buoy.jsontest.Top", '{"child": {"child": {}}}', "0:3", 0,
                '{"child":{"child":{}}}')
    decode_error("error-trailing", "buoy.jsontest.Scalars", '{} {}', 0, 2, "1:4")
    decode_error("error-duplicate-names", "buoy.jsontest.Scalars", '{"f_int32": 1, "fInt32": 1}', 0, 2, "1:16")
    decode_error("error-oneof", "buoy.jsontest.Top", '{"oInt32": 1, "oEnum": null, "oString": ""}', 0, 2, "1:30")
    decode_error("error-closed-enum", "buoy.jsontest2.Base", '{"levels": ["LOW", 5]}', 0, 2, "1:20")
    decode_error("error-any-type", "buoy.jsontest.Wkts", '{"any": {"@type": "x/no.Such", "a": 1}}', 0, 2, "1:9")

    def encode_error(name, typ, binary_hex, want):
        def run(tool):
            a = tool.ask(["E %s 0 0 %s" % (typ, binary_hex)])[0]
            if not a.startswith("ERR 2 ") or want not in a:
                return "expected an error mentioning %r, got %s" % (want, a)
            return None
        cases.append((name, run))

    # Timestamp seconds 253402300800 (year 10000)
    encode_error("encode-timestamp-range", "google.protobuf.Timestamp", "088083d1ffaf07", "Timestamp")
    # Duration 1s, -1ns: mixed signs
    encode_error("encode-duration-signs", "google.protobuf.Duration", "080110ffffffffffffffffff01", "Duration")
    # Any of a type the registry does not know
    encode_error("encode-any-unknown", "google.protobuf.Any", "0a05782f6e2e41", "registry")
    # FieldMask path "a_1": no lowerCamelCase form
    encode_error("encode-fieldmask", "google.protobuf.FieldMask", "0a03615f31", "FieldMask")
    def encode_hex(name, typ, binary_hex, want):
        """The binary message binary_hex is written as exactly want."""
        def run(tool):
            status, got = from_hex_json(tool.ask(["E %s 0 0 %s" % (typ, binary_hex)])[0])
            if status != "OK" or got != want:
                return "got %s %r\nwant %r" % (status, got, want)
            return None
        cases.append((name, run))

    def decode_hex(name, typ, json_in, want_hex):
        """json_in reads as the binary message want_hex."""
        def run(tool):
            a = tool.ask(["D %s 0 %s" % (typ, hexs(json_in))])[0]
            if a != "OK " + want_hex:
                return "got %s\nwant OK %s" % (a, want_hex)
            return None
        cases.append((name, run))

    # A Value holding NaN or an infinity is written as a string, as python
    # 3.21 writes it; the string reads back as string_value.
    encode_hex("encode-value-nan", "google.protobuf.Value", "11000000000000f87f", '"NaN"')
    encode_hex("encode-value-infinity", "google.protobuf.Value", "11000000000000f07f", '"Infinity"')
    encode_hex("encode-value-minus-infinity", "google.protobuf.Value", "11000000000000f0ff", '"-Infinity"')
    # Struct {"a": -Infinity}, ListValue [NaN]
    encode_hex("encode-struct-infinity", "google.protobuf.Struct", "0a0e0a016112091100000000" + "0000f0ff",
               '{"a":"-Infinity"}')
    encode_hex("encode-list-nan", "google.protobuf.ListValue", "0a091100000000" + "0000f87f", '["NaN"]')
    decode_hex("decode-value-nan-string", "google.protobuf.Value", '"NaN"', "1a034e614e")
    return cases


def cases(r, run):
    tool = Tool(r)
    r.case("json/build", tool.build)
    r.case("json/random", lambda: differ(tool, "random", seed=20261202, count=int(os.environ.get("BUOY_JSON_COUNT",
                                                                                                  "2000"))))
    r.case("json/malformed", lambda: differ(tool, "malformed"))
    r.case("json/dynamic/random", lambda: differ(tool, "random", seed=20261203, count=int(os.environ.get(
        "BUOY_JSON_COUNT", "2000")) // 2, dynamic=True))
    r.case("json/dynamic/malformed", lambda: differ(tool, "malformed", dynamic=True))
    for name, fn in exact_cases():
        r.case("json/cases/" + name, lambda fn=fn: tool.build() or fn(tool))
    fuzz_case(r)
    tool.cleanup()


def fuzz_case(r):
    fuzzer = os.path.join(r.fuzz_build or r.build, "fuzz-json")
    if not os.path.exists(fuzzer):
        return
    secs = max(1, int(os.environ.get("BUOY_FUZZ_SECONDS", "60")) // 2)

    def smoke():
        corpus = os.path.join(ROOT, "testdata", "fuzz", "json")
        with tempfile.TemporaryDirectory() as work:
            p = subprocess.run([fuzzer, "-max_total_time=%d" % secs, "-timeout=10", "-rss_limit_mb=2048",
                                "-max_len=8192", "-print_final_stats=1", work, corpus],
                               capture_output=True, timeout=secs + 300, cwd=work)
        out = p.stderr.decode("utf-8", "replace")
        if p.returncode != 0:
            return "fuzzer failed (exit %d):\n%s" % (p.returncode, out[-3000:])
        return None

    r.case("fuzz/json", smoke)
