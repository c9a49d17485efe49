#!/usr/bin/python3
"""Differential test: buoy's SourceCodeInfo against buf's.

Usage: tests/source_info.py BUOY BUF ROOT FILE...   (FILE relative to ROOT)

Builds ROOT with `buf build` (ROOT is a module without a buf.yaml) and the
files with `buoy debug descriptors`, and compares each file's locations:
path, span, comments and order. Needs Debian's python3-protobuf. (The
build/ tests compare whole descriptor sets byte for byte; this one prints
differences location by location.)
"""
import json
import os
import subprocess
import sys
import tempfile

from google.protobuf import descriptor_pb2

def main():
    buoy, buf, root, files = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4:]
    with tempfile.TemporaryDirectory() as tmp:
        out = os.path.join(tmp, "buf.binpb")
        p = subprocess.run([buf, "build", root, "--as-file-descriptor-set", "-o", out], capture_output=True)
        if p.returncode != 0:
            print("buf failed:\n" + p.stderr.decode()[:2000])
            return 1
        fds = descriptor_pb2.FileDescriptorSet()
        fds.ParseFromString(open(out, "rb").read())
    def comments(l):
        return (l.leading_comments if l.HasField("leading_comments") else None,
                l.trailing_comments if l.HasField("trailing_comments") else None,
                list(l.leading_detached_comments))
    want = {f.name: [(list(l.path), list(l.span), comments(l)) for l in f.source_code_info.location]
            for f in fds.file}
    p = subprocess.run([buoy, "debug", "descriptors", "-I", root] + files, capture_output=True)
    if p.returncode != 0:
        print("buoy failed:\n" + p.stderr.decode()[:2000])
        return 1
    got = {f["name"]: [(l["path"], l["span"], (l.get("leading_comments"), l.get("trailing_comments"),
                                                l.get("leading_detached_comments", [])))
                        for l in f.get("source_code_info", {}).get("location", [])]
           for f in json.loads(p.stdout)["file"]}
    bad = 0
    for name in files:
        w, g = want.get(name), got.get(name)
        if w == g:
            continue
        bad += 1
        if bad > 10:
            continue
        if w is None or g is None:
            print("%s: missing from %s" % (name, "buf" if w is None else "buoy"))
            continue
        for i, (x, y) in enumerate(zip(w, g)):
            if x != y:
                print("%s: location %d: buf %s, buoy %s" % (name, i, x, y))
                break
        else:
            print("%s: buf has %d locations, buoy %d" % (name, len(w), len(g)))
    if bad:
        print("%d of %d files differ" % (bad, len(files)))
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
