#!/usr/bin/python3
"""JSON over dynamic tables against python-protobuf's json_format (run with
/usr/bin/python3):

    json_diff.py DYN_TEST DIR TYPE SEED COUNT FILE.proto...

Random messages of TYPE (codec_diff.py's generator) are written as JSON by
`dyn-test json` (tables built at run time from DIR's files) and by python:
the two parse to the same JSON value (numbers compared as the doubles or,
for float fields, the floats they denote). python's JSON is then read by
`dyn-test fromjson`, and python reads the binary result as the message it
started from (or, where an Any's value bytes differ only by field order,
as a message with the same JSON form)."""
import json
import math
import os
import random
import struct
import subprocess
import sys
import tempfile

from google.protobuf import json_format

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import codec_diff  # noqa: E402


def same(a, b):
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(same(a[k], b[k]) for k in a)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b))
    if isinstance(a, (int, float)) and isinstance(b, (int, float)) and not isinstance(a, bool):
        if a == b:
            return True
        f32 = lambda v: struct.pack("<f", v) if abs(v) < 3.5e38 else None
        return f32(a) is not None and f32(a) == f32(b)
    return a == b


def main():
    dyn, cwd, typ, seed, count = sys.argv[1:6]
    files = sys.argv[6:]
    tools = codec_diff.Tools(None, cwd, files)
    pool = codec_diff.load_pool(tools)
    cls = codec_diff.message_class(pool, typ)
    rnd = random.Random("%s/%s/json" % (seed, typ))
    codec_diff.REPEATED_EXTENSIONS = False
    with tempfile.TemporaryDirectory() as work:
        fds = os.path.join(work, "set.binpb")
        subprocess.run(["protoc", "-I", ".", "--include_imports", "--descriptor_set_out=" + fds] + files, cwd=cwd,
                       check=True)
        n = anys = 0
        for _ in range(int(count)):
            msg = cls()
            codec_diff.fill(rnd, msg, 0, pool)
            if any(math.isnan(v) or math.isinf(v) for v in floats_in(msg)):
                continue  # a NaN in a repeated field compares unequal to itself
            data = msg.SerializePartialToString()
            path = os.path.join(work, "in.bin")
            with open(path, "wb") as fh:
                fh.write(data)
            p = subprocess.run([dyn, "json", fds, typ, path], capture_output=True)
            want = json_format.MessageToJson(msg, descriptor_pool=pool)
            if p.returncode != 0:
                print("dyn-test json failed: %s\nmessage: %r\npython: %s" % (p.stderr.decode(), data, want))
                return 1
            if not same(json.loads(p.stdout), json.loads(want)):
                print("JSON differs\nmessage: %r\nbuoy:   %s\npython: %s" % (data, p.stdout.decode(), want))
                return 1
            jpath = os.path.join(work, "in.json")
            with open(jpath, "w") as fh:
                fh.write(want)
            q = subprocess.run([dyn, "fromjson", fds, typ, jpath], capture_output=True)
            back = cls()
            if q.returncode != 0:
                print("dyn-test fromjson failed: %s\njson: %s" % (q.stderr.decode(), want))
                return 1
            back.ParseFromString(q.stdout)
            if back != msg and same(json_format.MessageToDict(back, descriptor_pool=pool),
                                    json_format.MessageToDict(msg, descriptor_pool=pool)):
                # An Any's value is the binary form of its message, which
                # bp_encode writes with the extension set first and python
                # with extensions among the fields: the same message, other
                # bytes.
                anys += 1
            elif back != msg:
                import difflib
                diff = difflib.unified_diff(str(msg).splitlines(), str(back).splitlines(), "python", "buoy", lineterm="")
                print("read back differently\njson: %s\n%s" % (want, "\n".join(diff)))
                return 1
            n += 1
    print("json %s: %d messages agree (%d with Any values in another field order)" % (typ, n, anys))
    return 0


def floats_in(msg):
    for f, v in msg.ListFields():
        vals = v if f.label == f.LABEL_REPEATED else [v]
        if f.message_type is not None and f.message_type.GetOptions().map_entry:
            vals = list(v.values())
            if f.message_type.fields_by_name["value"].message_type is None:
                for x in vals:
                    if isinstance(x, float):
                        yield x
                continue
        for x in vals:
            if isinstance(x, float):
                yield x
            elif hasattr(x, "ListFields"):
                yield from floats_in(x)


if __name__ == "__main__":
    sys.exit(main())
