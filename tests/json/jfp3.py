#!/usr/bin/python3
"""The JSON test schema python's protobuf ships
(google/protobuf/util/json_format_proto3.proto), for tests/cases_json.py.

Usage: jfp3.py STANDIN_DIR OUT_DIR

python3-protobuf holds the schema only as the serialized FileDescriptorProto
inside json_format_proto3_pb2.py (which cannot even be imported: it needs
unittest_pb2, which Debian does not ship). This script takes that
descriptor from the module's source, writes it back as .proto text under
OUT_DIR (buoy debug gen-c reads .proto files, not descriptor sets), has
protoc compile the text (with STANDIN_DIR/google/protobuf/unittest.proto, a
stand-in for the one message it uses from protobuf's unittest.proto) and
checks that protoc's descriptor equals python's, then writes
OUT_DIR/jfp3set.pb: the FileDescriptorSet with imports, python's own
descriptor in it.
"""
import ast
import os
import re
import subprocess
import sys

from google.protobuf import descriptor_pb2

FDP = descriptor_pb2.FieldDescriptorProto
SCALARS = {FDP.TYPE_DOUBLE: "double", FDP.TYPE_FLOAT: "float", FDP.TYPE_INT64: "int64", FDP.TYPE_UINT64: "uint64",
           FDP.TYPE_INT32: "int32", FDP.TYPE_FIXED64: "fixed64", FDP.TYPE_FIXED32: "fixed32", FDP.TYPE_BOOL: "bool",
           FDP.TYPE_STRING: "string", FDP.TYPE_BYTES: "bytes", FDP.TYPE_UINT32: "uint32",
           FDP.TYPE_SFIXED32: "sfixed32", FDP.TYPE_SFIXED64: "sfixed64", FDP.TYPE_SINT32: "sint32",
           FDP.TYPE_SINT64: "sint64"}
NAME = "google/protobuf/util/json_format_proto3.proto"


def python_descriptor():
    import google.protobuf
    path = os.path.join(os.path.dirname(google.protobuf.__file__), "util", "json_format_proto3_pb2.py")
    m = re.search(r"AddSerializedFile\((b'.*?')\)\n", open(path, encoding="utf-8").read(), re.S)
    if not m:
        raise SystemExit("no serialized descriptor in " + path)
    return ast.literal_eval(m.group(1))


def type_of(f):
    return SCALARS.get(f.type) or f.type_name


def field_text(f, label):
    opts = ' [json_name = "%s"]' % f.json_name if f.HasField("json_name") else ""
    return "%s%s %s = %d%s;" % (label, type_of(f), f.name, f.number, opts)


def message_text(m, ind, proto3):
    out = ["%smessage %s {" % (ind, m.name)]
    entries = {"." + e.name: e for e in m.nested_type if e.options.map_entry}
    oneof_members = {}
    for f in m.field:
        if f.HasField("oneof_index") and not f.proto3_optional:
            oneof_members.setdefault(f.oneof_index, []).append(f)
    done_oneofs = set()
    for f in m.field:
        entry = next((e for n, e in entries.items() if f.type_name.endswith("." + m.name + n)), None)
        if entry is not None and f.label == FDP.LABEL_REPEATED:
            k, v = entry.field[0], entry.field[1]
            out.append("%s  map<%s, %s> %s = %d;" % (ind, type_of(k), type_of(v), f.name, f.number))
        elif f.HasField("oneof_index") and not f.proto3_optional:
            if f.oneof_index in done_oneofs:
                continue
            done_oneofs.add(f.oneof_index)
            out.append("%s  oneof %s {" % (ind, m.oneof_decl[f.oneof_index].name))
            out += ["%s    %s" % (ind, field_text(x, "")) for x in oneof_members[f.oneof_index]]
            out.append("%s  }" % ind)
        else:
            label = "repeated " if f.label == FDP.LABEL_REPEATED else "required " if (
                f.label == FDP.LABEL_REQUIRED) else "optional " if f.proto3_optional or not proto3 else ""
            out.append("%s  %s" % (ind, field_text(f, label)))
    for n in m.nested_type:
        if not n.options.map_entry:
            out += message_text(n, ind + "  ", proto3)
    for e in m.enum_type:
        out += enum_text(e, ind + "  ")
    for r in m.extension_range:
        out.append("%s  extensions %d to %d;" % (ind, r.start, r.end - 1))
    out.append("%s}" % ind)
    return out


def enum_text(e, ind):
    return ["%senum %s {" % (ind, e.name)] + ["%s  %s = %d;" % (ind, v.name, v.number) for v in e.value] + \
        ["%s}" % ind]


def proto_text(fd):
    proto3 = fd.syntax == "proto3"
    out = ["// Written by tests/json/jfp3.py from the descriptor python's protobuf ships.",
           'syntax = "%s";' % (fd.syntax or "proto2"), "", "package %s;" % fd.package, ""]
    out += ['import "%s";' % d for d in fd.dependency] + [""]
    for m in fd.message_type:
        out += message_text(m, "", proto3)
    for e in fd.enum_type:
        out += enum_text(e, "")
    return "\n".join(out) + "\n"


def normalized(fd):
    """What protoc and python's descriptor should agree on."""
    c = descriptor_pb2.FileDescriptorProto()
    c.CopyFrom(fd)
    c.ClearField("source_code_info")
    c.ClearField("options")

    def walk(ms):
        for m in ms:
            for f in m.field:
                if f.json_name == "".join(w.capitalize() if i else w for i, w in enumerate(f.name.split("_"))):
                    f.ClearField("json_name")
            walk(m.nested_type)
    walk(c.message_type)
    return c


def main():
    standin, out = sys.argv[1], sys.argv[2]
    mine = descriptor_pb2.FileDescriptorProto.FromString(python_descriptor())
    path = os.path.join(out, NAME)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as f:
        f.write(proto_text(mine))
    set_path = os.path.join(out, "jfp3set.pb")
    p = subprocess.run(["protoc", "-I", out, "-I", standin, "--include_imports", "--descriptor_set_out=" + set_path,
                        NAME], capture_output=True)
    if p.returncode != 0:
        raise SystemExit("protoc rejects the written schema:\n" + p.stderr.decode())
    fds = descriptor_pb2.FileDescriptorSet.FromString(open(set_path, "rb").read())
    for i, f in enumerate(fds.file):
        if f.name == NAME:
            if normalized(f) != normalized(mine):
                raise SystemExit("the written schema does not compile to python's descriptor")
            fds.file[i].CopyFrom(mine)
    open(set_path, "wb").write(fds.SerializeToString())


if __name__ == "__main__":
    main()
