"""The encoder's tests (runtime/pb/encode.c: generated encoders, the hasbit
walk of tables with hasbit lists, bp_encoded_size), over testdata/encode and
the generator's schemas (testdata/gen, as gen-SCHEMA).

Categories:
  encode/hasbits/SCHEMA   the schema's bindings (buoy debug gen-c) linked with
                          tests/encode/enc_check.c and the build's runtime/pb; messages
                          filled at random by Python's protobuf (/usr/bin/python3,
                          tests/gen/pyfill.py: fields declared out of number order,
                          sparse numbers, hasbit fields among repeated fields,
                          submessages, groups, oneofs, maps and extensions, each
                          field set or not) come back equal and byte for byte as
                          Python writes them (but for extensions); enc_check also
                          checks that bp_encoded_size is the encoded size, and that
                          encoding from an almost full arena, through copies of
                          the table without its generated encoder (with and
                          without its hasbit lists), and through the type's
                          dynamic table (no generated encoder at any level), in
                          normal and deterministic mode, gives the same bytes
  encode/optimize-for     which messages get a generated encoder (SPEED and
                          LITE_RUNTIME files, not CODE_SIZE ones, map entries or
                          messages without fields)
  encode/lists            the generated hasbit lists of enc.Nine and enc3.Mixed:
                          hasbits in field-number order (as the accessors test
                          them), the other fields in the second list
"""
import atexit
import json
import os
import re
import shutil
import subprocess
import tempfile

import cases_gen

PY = "/usr/bin/python3"
SCHEMAS = {
    "hasbits": ["enc.Wide", "enc.Eight", "enc.Nine", "enc.Only", "enc.Extended"],
    "hasbits3": ["enc3.Mixed"],
}
# and the generator's test schemas (testdata/gen), with the types
# gen/roundtrip fills: encode/hasbits/gen-SCHEMA
SCHEMAS.update(("gen-" + k, v) for k, v in cases_gen.ROUNDTRIP.items())


def proto_of(schema):
    return (schema[len("gen-"):] if schema.startswith("gen-") else schema) + ".proto"


def filedef_of(schema):
    return re.sub(r"[^A-Za-z0-9_]", "_", proto_of(schema)[:-len(".proto")]) + "_pb_filedef"


def build_compiler(build):
    """The compiler and sanitizer flags runtime/pb was built with."""
    try:
        targets = json.load(open(os.path.join(build, "meson-info", "intro-targets.json")))
        src = next(t for t in targets if t["name"] == "buoy-pb")["target_sources"][0]
        flags = [f for f in src["parameters"] if f.startswith(("-fsanitize", "-fno-sanitize"))]
        return src["compiler"], flags
    except (OSError, KeyError, ValueError, StopIteration, IndexError):
        return ["cc"], []


def cases(r, run):
    root = run.ROOT
    data = os.path.join(root, "testdata", "encode")
    gen_data = os.path.join(root, "testdata", "gen")
    state = {}

    def setup():
        """Generates, compiles and describes the schemas once; a problem or None."""
        if "problem" in state:
            return state["problem"]
        state["problem"] = None
        work = tempfile.mkdtemp(prefix="buoy-encode-")
        atexit.register(shutil.rmtree, work, True)
        state["work"] = work
        gen = os.path.join(work, "gen")
        os.mkdir(gen)
        protos = [proto_of(s) for s in sorted(SCHEMAS)]
        with open(os.path.join(gen, "files.c"), "w") as f:
            for s in sorted(SCHEMAS):
                f.write('#include "%s.pb.h"\n' % proto_of(s)[:-len(".proto")])
            f.write("const bp_filedef *const enc_files[] = {%s};\n" %
                    ", ".join("&" + filedef_of(s) for s in sorted(SCHEMAS)))
            f.write("const size_t enc_file_count = %d;\n" % len(SCHEMAS))
        cc, san = build_compiler(r.build)
        state["fds"] = os.path.join(work, "enc.fds")
        state["exe"] = os.path.join(work, "enc-check")
        steps = [
            [r.buoy, "debug", "gen-c", "-I", data, "-I", gen_data, "-o", gen] + protos,
            [r.buoy, "build", "-I", data, "-I", gen_data] + protos + ["--as-file-descriptor-set", "-o", state["fds"]],
            cc + san + ["-std=c11", "-g", "-O1", "-Wall", "-Wextra", "-Werror", "-pedantic", "-I",
                        os.path.join(root, "runtime"), "-I", os.path.join(root, "runtime", "gen"), "-I", gen, "-o",
                        state["exe"],
                        os.path.join(root, "tests", "encode", "enc_check.c"), os.path.join(gen, "files.c")] +
            [os.path.join(gen, proto_of(s)[:-len(".proto")] + ".pb.c") for s in sorted(SCHEMAS)] +
            [os.path.join(r.build, "libbuoy-pb.a")],
        ]
        for cmd in steps:
            if not shutil.which(cmd[0]):
                state["problem"] = "%s is missing" % cmd[0]
                return state["problem"]
            p = subprocess.run(cmd, capture_output=True, timeout=600)
            if p.returncode != 0:
                state["problem"] = "%s failed:\n%s" % (" ".join(cmd[:3]), (p.stdout + p.stderr).decode()[-3000:])
                return state["problem"]
        state["gen"] = gen
        return None

    for schema in sorted(SCHEMAS):

        def hasbits(schema=schema):
            if not os.path.exists(PY) or subprocess.run([PY, "-c", "import google.protobuf"],
                                                        capture_output=True).returncode != 0:
                return "%s with google.protobuf is needed (Debian package python3-protobuf)" % PY
            problem = setup()
            if problem:
                return problem
            env = dict(os.environ, ENC_CHECK_FDS=state["fds"])
            p = subprocess.run([PY, os.path.join(root, "tests", "gen", "pyfill.py"), state["fds"], state["exe"],
                                "120"] + SCHEMAS[schema], capture_output=True, timeout=900, env=env)
            if p.returncode != 0:
                return (p.stdout + p.stderr).decode("utf-8", "replace")[:4000]
            return None

        r.case("encode/hasbits/" + schema, hasbits)

    def lists():
        problem = setup()
        if problem:
            return problem
        src = open(os.path.join(state["gen"], "hasbits.pb.c")).read()
        hdr = open(os.path.join(state["gen"], "hasbits.pb.h")).read()
        # enc.Nine: fields by number 1..12; hasbits for 1-9 and 12, others 10 (repeated) and 11 (message)
        want = {"hasbit": "0, 1, 2, 3, 4, 5, 6, 7, 8, 11", "plain": "9, 10"}
        for kind, values in want.items():
            m = re.search(r"static const uint16_t enc_Nine__%s_fields\[\d+\] = \{([^}]*)\};" % kind, src)
            if not m or m.group(1) != values:
                return "enc.Nine's %s list is %r, not {%s}" % (kind, m.group(1) if m else None, values)
        if ".hasbit_count = 10," not in src.split("const bp_msgdef enc_Nine_msgdef")[1].split("};")[0]:
            return "enc.Nine's hasbit_count is not 10"
        # hasbits in field-number order: a1 (field 1) is bit 0, s9 (field 9) bit 8, a12 bit 9
        for name, byte, mask in (("a1", 0, "0x01"), ("a8", 0, "0x80"), ("s9", 1, "0x01"), ("a12", 1, "0x02")):
            if not re.search(r"enc_Nine_has_%s\(const enc_Nine \*m\) \{\s*return \(m->bp_has_\[%d\] & %s\) != 0;"
                             % (name, byte, mask), hdr):
                return "enc.Nine's %s is not hasbit %d of byte %d" % (name, int(mask, 16).bit_length() - 1, byte)
        # proto3 optional fields have hasbits; implicit ones, the oneof and the map do not
        src3 = open(os.path.join(state["gen"], "hasbits3.pb.c")).read()
        want3 = {"hasbit": "1, 3, 5, 7, 11, 12, 13, 14, 15, 16, 18", "plain": "0, 2, 4, 6, 8, 9, 10, 17"}
        for kind, values in want3.items():
            m = re.search(r"static const uint16_t enc3_Mixed__%s_fields\[\d+\] = \{([^}]*)\};" % kind, src3)
            if not m or m.group(1) != values:
                return "enc3.Mixed's %s list is %r, not {%s}" % (kind, m.group(1) if m else None, values)
        return None

    r.case("encode/lists", lists)

    def optimize_for():
        """Encoders for SPEED (the default) and LITE_RUNTIME files, none for
        CODE_SIZE ones, map entries or messages without fields."""
        work = tempfile.mkdtemp(prefix="buoy-encode-opt-")
        try:
            kinds = {"speed": "", "lite": "option optimize_for = LITE_RUNTIME;\n",
                     "size": "option optimize_for = CODE_SIZE;\n"}
            for name, option in kinds.items():
                with open(os.path.join(work, name + ".proto"), "w") as f:
                    f.write('syntax = "proto3";\npackage %s;\n%smessage M {\n  int32 a = 1;\n'
                            '  map<string, int32> m = 2;\n}\nmessage Empty {}\n' % (name, option))
            p = subprocess.run([r.buoy, "debug", "gen-c", "-I", work, "-o", work] +
                               [n + ".proto" for n in kinds], capture_output=True, timeout=60)
            if p.returncode != 0:
                return "gen-c failed: " + (p.stdout + p.stderr).decode()[-2000:]
            for name in kinds:
                src = open(os.path.join(work, name + ".pb.c")).read()
                encoders = sorted(re.findall(r"\.encode = (\w+),", src))
                want = [] if name == "size" else ["%s_M__encoder" % name]
                if encoders != want:
                    return "%s.proto's tables have encoders %s, not %s" % (name, encoders, want)
            return None
        finally:
            shutil.rmtree(work, True)

    r.case("encode/optimize-for", optimize_for)
