#!/usr/bin/python3
"""Writes FileDescriptorSets that bp_dynpool_new must refuse (or accept),
one file per case, into the directory given, with the expected answer: for
each NAME, NAME.binpb and NAME.want (a substring of the error, or "ok").
Run with Debian's /usr/bin/python3 (python3-protobuf)."""
import os
import sys

from google.protobuf import descriptor_pb2 as d

F = d.FieldDescriptorProto


def base():
    s = d.FileDescriptorSet()
    f = s.file.add(name="a.proto", package="p", syntax="proto2")
    m = f.message_type.add(name="M")
    m.field.add(name="x", number=1, label=F.LABEL_OPTIONAL, type=F.TYPE_INT32)
    return s, f, m


def cases():
    s, f, m = base()
    yield "ok", s, "ok"

    s, f, m = base()
    m.field.add(name="y", number=2, label=F.LABEL_OPTIONAL, type=F.TYPE_MESSAGE, type_name=".p.Missing")
    yield "unresolved", s, 'type ".p.Missing" is not defined'

    s, f, m = base()
    m.nested_type.add(name="Inner")
    m.field.add(name="y", number=2, label=F.LABEL_OPTIONAL, type=F.TYPE_MESSAGE, type_name="Inner")
    yield "relative-name", s, "ok"

    s, f, m = base()
    m.field.add(name="y", number=2, label=F.LABEL_OPTIONAL, type=F.TYPE_ENUM, type_name=".p.M")
    yield "enum-is-message", s, 'is not an enum'

    s, f, m = base()
    m.field[0].number = 0
    yield "number-zero", s, "field number 0 is out of range"

    s, f, m = base()
    m.field[0].number = 536870912
    yield "number-too-big", s, "out of range"

    s, f, m = base()
    m.field.add(name="y", number=1, label=F.LABEL_OPTIONAL, type=F.TYPE_INT32)
    yield "number-twice", s, "field number 1 is used twice"

    # Label and Type are closed enums: numbers they do not define are read
    # as unknown fields, leaving the field without a type.
    s, f, m = base()
    m.field[0].ClearField("type")
    m.field[0].MergeFromString(b"\x28\x28")
    yield "bad-type", s, "M.x: no type name"

    s, f, m = base()
    m.field[0].oneof_index = 3
    yield "oneof-index", s, "oneof index 3 out of range"

    s, f, m = base()
    f.dependency.append("missing.proto")
    yield "missing-import", s, 'imports "missing.proto"'

    s, f, m = base()
    f.message_type.add(name="M")
    yield "defined-twice", s, '"p.M" is defined twice'

    s, f, m = base()
    f.extension.add(name="e", number=5, label=F.LABEL_OPTIONAL, type=F.TYPE_INT32, extendee=".p.M")
    yield "extension-range", s, "has no extension range holding number 5"

    s, f, m = base()
    m.extension_range.add(start=10, end=20)
    f.extension.add(name="e", number=15, label=F.LABEL_OPTIONAL, type=F.TYPE_INT32, extendee="M")
    f.extension.add(name="e2", number=15, label=F.LABEL_OPTIONAL, type=F.TYPE_INT32, extendee=".p.M")
    yield "extension-twice", s, "number 15 of p.M is already used"

    s, f, m = base()
    f.extension.add(name="e", number=15, label=F.LABEL_OPTIONAL, type=F.TYPE_INT32, extendee=".p.Nope")
    yield "extendee", s, 'extendee ".p.Nope" is not a message'

    s, f, m = base()
    f.syntax = "proto4"
    yield "syntax", s, 'unknown syntax "proto4"'

    s, f, m = base()
    f.syntax = "editions"
    f.MergeFromString(b"\x70\xea\x07")  # edition = 1002 (2026); this python's descriptor.proto lacks the field
    yield "edition", s, "edition 1002 is not supported"

    s, f, m = base()
    f.enum_type.add(name="E")
    yield "empty-enum", s, "enum p.E has no values"

    s, f, m = base()
    m.field[0].name = "1bad"
    yield "bad-name", s, "has no valid name"

    s, f, m = base()
    inner = m
    for i in range(70):
        inner = inner.nested_type.add(name="N%d" % i)
    yield "deep", s, "nested too deeply"

    s, f, m = base()
    svc = f.service.add(name="S")
    svc.method.add(name="Get", input_type=".p.M", output_type=".p.Gone")
    yield "method-type", s, "input or output type is not a message"

    yield "garbage", b"\x0a\x05\x0a\x03ab", "cannot be read"


def main():
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    for name, s, want in cases():
        data = s if isinstance(s, bytes) else s.SerializeToString()
        with open(os.path.join(out, name + ".binpb"), "wb") as fh:
            fh.write(data)
        with open(os.path.join(out, name + ".want"), "w") as fh:
            fh.write(want)


if __name__ == "__main__":
    main()
