#!/usr/bin/python3
"""Differential test: buoy's compiled descriptors against protoc's.

Usage: tests/descriptors.py BUOY ROOT FILE...   (FILE relative to ROOT)

Compiles the files with protoc (-I ROOT -I /usr/include) and with
`buoy debug descriptors`, and compares each named file's FileDescriptorProto
as a dict. Parts buoy does not write yet (options, source info) are left out
of the comparison. Needs Debian's python3-protobuf, hence /usr/bin/python3.
Prints the first differences and exits 1 if there are any.
"""
import json
import os
import subprocess
import sys
import tempfile

from google.protobuf import descriptor_pb2, json_format

NOT_YET = ("options", "source_code_info")


def strip(obj):
    if isinstance(obj, dict):
        return {k: strip(v) for k, v in obj.items() if k not in NOT_YET}
    if isinstance(obj, list):
        return [strip(v) for v in obj]
    return obj


def first_difference(a, b, path="$"):
    if type(a) != type(b):
        return "%s: protoc %r, buoy %r" % (path, a, b)
    if isinstance(a, dict):
        for k in sorted(set(a) | set(b)):
            if k not in a:
                return "%s.%s: only buoy has it: %r" % (path, k, b[k])
            if k not in b:
                return "%s.%s: only protoc has it: %r" % (path, k, a[k])
            d = first_difference(a[k], b[k], "%s.%s" % (path, k))
            if d:
                return d
        return None
    if isinstance(a, list):
        for i, (x, y) in enumerate(zip(a, b)):
            d = first_difference(x, y, "%s[%d]" % (path, i))
            if d:
                return d
        if len(a) != len(b):
            return "%s: protoc has %d items, buoy %d" % (path, len(a), len(b))
        return None
    if a != b and path.endswith(".default_value") and same_number(a, b):
        return None  # protoc and buf (buoy's model) format float defaults differently
    return None if a == b else "%s: protoc %r, buoy %r" % (path, a, b)


def same_number(a, b):
    import struct
    try:
        x, y = float(a), float(b)
    except ValueError:
        return False
    return x == y or struct.pack("<f", x) == struct.pack("<f", y)


def main():
    buoy, root, files = sys.argv[1], sys.argv[2], sys.argv[3:]
    with tempfile.TemporaryDirectory() as tmp:
        out = os.path.join(tmp, "protoc.pb")
        argfile = os.path.join(tmp, "files.txt")
        with open(argfile, "w") as f:
            f.write("\n".join(files) + "\n")
        p = subprocess.run(["protoc", "-I", root, "-I", "/usr/include", "-o", out, "@" + argfile],
                           capture_output=True)
        if p.returncode != 0:
            print("protoc failed:\n" + p.stderr.decode()[:2000])
            return 1
        fds = descriptor_pb2.FileDescriptorSet()
        fds.ParseFromString(open(out, "rb").read())
        want = {f.name: strip(json_format.MessageToDict(f, preserving_proto_field_name=True)) for f in fds.file}
        p = subprocess.run([buoy, "debug", "descriptors", "-I", root] + files, capture_output=True)
        if p.returncode != 0:
            print("buoy failed:\n" + p.stderr.decode()[:2000])
            return 1
        got = {f["name"]: strip(f) for f in json.loads(p.stdout)["file"]}
    bad = 0
    for name in files:
        d = first_difference(want.get(name), got.get(name))
        if d:
            bad += 1
            if bad <= 10:
                print("%s: %s" % (name, d))
    if bad:
        print("%d of %d files differ" % (bad, len(files)))
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
