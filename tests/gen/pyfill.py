"""Differential round trips for the C generator's tables, against Python's
protobuf (run with /usr/bin/python3, whose google.protobuf is Debian's).

Usage: pyfill.py SET.pb ROUNDTRIP COUNT MESSAGE...

Loads the FileDescriptorSet SET.pb (buoy build --as-file-descriptor-set),
and for each MESSAGE builds COUNT messages filled with seeded random values
(every field kind: scalars at their limits, strings with non-ASCII text,
bytes, enums, nested and recursive messages, repeated fields, maps, oneofs,
proto2 extensions, unknown fields), serializes them with Python, has the C
program ROUNDTRIP (tests/gen/roundtrip.c) decode and encode them with the
generated tables, and parses its output back with Python. The message must
come back equal; the bytes must be Python's bytes too, except where order
is not defined across implementations (messages with extensions, whose
place in the output differs between upb and buoy, and map entries, which
upb always writes whole). Prints one line per problem; exit status 1 if any.
"""
import random
import subprocess
import sys

from google.protobuf import descriptor_pb2, descriptor_pool, message_factory
from google.protobuf.descriptor import FieldDescriptor as FD

INT32 = [0, 1, -1, 127, 128, 2**31 - 1, -2**31]
INT64 = [0, 1, -1, 2**63 - 1, -2**63, 2**35 + 7]
UINT32 = [0, 1, 127, 128, 2**32 - 1]
UINT64 = [0, 1, 2**64 - 1, 2**40 + 3]
FLOATS = [0.0, 1.5, -2.25, float("inf"), float("-inf"), 1e30]
DOUBLES = [0.0, 0.1, -1e-300, float("inf"), 1e300, 2.5]
STRINGS = ["", "a", "héllo wörld", "日本語", "x" * 200, "\x00nul"]
BYTES = [b"", b"\x00", b"\xff\xfe", bytes(range(40))]


def varint(v):
    out = bytearray()
    while True:
        b = v & 0x7F
        v >>= 7
        if v:
            out.append(b | 0x80)
        else:
            out.append(b)
            return bytes(out)


def scalar(f, rnd):
    t = f.type
    if t in (FD.TYPE_INT32, FD.TYPE_SINT32, FD.TYPE_SFIXED32):
        return rnd.choice(INT32 + [rnd.randint(-2**31, 2**31 - 1)])
    if t in (FD.TYPE_INT64, FD.TYPE_SINT64, FD.TYPE_SFIXED64):
        return rnd.choice(INT64 + [rnd.randint(-2**63, 2**63 - 1)])
    if t in (FD.TYPE_UINT32, FD.TYPE_FIXED32):
        return rnd.choice(UINT32 + [rnd.randint(0, 2**32 - 1)])
    if t in (FD.TYPE_UINT64, FD.TYPE_FIXED64):
        return rnd.choice(UINT64 + [rnd.randint(0, 2**64 - 1)])
    if t == FD.TYPE_BOOL:
        return rnd.choice([False, True])
    if t == FD.TYPE_FLOAT:
        return rnd.choice(FLOATS)
    if t == FD.TYPE_DOUBLE:
        return rnd.choice(DOUBLES)
    if t == FD.TYPE_STRING:
        return rnd.choice(STRINGS)
    if t == FD.TYPE_BYTES:
        return rnd.choice(BYTES)
    if t == FD.TYPE_ENUM:
        numbers = [v.number for v in f.enum_type.values]
        if f.file.syntax == "proto3" and rnd.random() < 0.2:
            return 99  # an open enum keeps numbers it does not define
        return rnd.choice(numbers)
    raise ValueError("no scalar for type %d" % t)


def is_map(f):
    return f.message_type is not None and f.message_type.GetOptions().map_entry


def fill_field(msg, container_get, f, rnd, depth, info):
    """Sets one field (or extension) f of msg; container_get() returns its
    current value (the repeated container, the map, or the submessage)."""
    if is_map(f):
        info["map"] = True
        k, v = f.message_type.fields_by_name["key"], f.message_type.fields_by_name["value"]
        m = container_get()
        for _ in range(rnd.randint(0, 3)):
            key = scalar(k, rnd)
            if v.message_type is not None:
                if depth < 3:
                    fill(m[key], rnd, depth + 1, info)
                else:
                    m[key].SetInParent()
            else:
                m[key] = scalar(v, rnd)
    elif f.label == FD.LABEL_REPEATED:
        c = container_get()
        for _ in range(rnd.randint(0, 3)):
            if f.message_type is not None:
                if depth < 3:
                    fill(c.add(), rnd, depth + 1, info)
            else:
                c.append(scalar(f, rnd))
    elif f.message_type is not None:
        if depth < 3:
            sub = container_get()
            sub.SetInParent()
            fill(sub, rnd, depth + 1, info)
    else:
        return scalar(f, rnd)
    return None


def fill(msg, rnd, depth, info):
    d = msg.DESCRIPTOR
    chosen = {}
    for o in d.oneofs:
        if o.name.startswith("_") and len(o.fields) == 1 and o.fields[0].has_presence:
            continue  # a proto3 `optional`'s synthetic oneof
        chosen[o.name] = rnd.choice(list(o.fields) + [None])
    for f in d.fields:
        o = f.containing_oneof
        if o is not None and o.name in chosen and chosen[o.name] is not f:
            continue
        required = f.label == FD.LABEL_REQUIRED
        if not required and o is None and f.label != FD.LABEL_REPEATED and rnd.random() < 0.25:
            continue
        v = fill_field(msg, lambda f=f: getattr(msg, f.name), f, rnd, depth, info)
        if v is not None:
            setattr(msg, f.name, v)
    pool = d.file.pool
    for x in sorted(pool.FindAllExtensions(d), key=lambda x: x.number):
        if rnd.random() < 0.4:
            continue
        info["ext"] = True
        v = fill_field(msg, lambda x=x: msg.Extensions[x], x, rnd, depth, info)
        if v is not None:
            msg.Extensions[x] = v
    if rnd.random() < 0.3:
        info["unknown"] = True
        if any(r[0] <= 536870000 < r[1] for r in d.extension_ranges):
            info["ext"] = True  # kept in the extension set, written first by buoy
        msg.MergeFromString(varint(536870000 << 3) + varint(rnd.randint(0, 2**40)))


def main():
    fds_path, roundtrip, count = sys.argv[1], sys.argv[2], int(sys.argv[3])
    fds = descriptor_pb2.FileDescriptorSet()
    fds.ParseFromString(open(fds_path, "rb").read())
    pool = descriptor_pool.DescriptorPool()
    for fd in fds.file:
        pool.Add(fd)
    factory = message_factory.MessageFactory(pool)
    problems = 0
    for name in sys.argv[4:]:
        cls = factory.GetPrototype(pool.FindMessageTypeByName(name))
        for seed in range(count):
            rnd = random.Random("%s/%d" % (name, seed))
            info = {}
            msg = cls()
            fill(msg, rnd, 0, info)
            data = msg.SerializePartialToString()
            p = subprocess.run([roundtrip, name], input=data, capture_output=True, timeout=60)
            if p.returncode != 0 or p.stderr:
                print("%s seed %d: roundtrip failed (exit %d): %s" % (name, seed, p.returncode,
                                                                      p.stderr.decode("utf-8", "replace")[:800]))
                problems += 1
                continue
            back = cls()
            try:
                back.MergeFromString(p.stdout)
            except Exception as e:  # the C output does not parse
                print("%s seed %d: Python cannot parse the output: %r" % (name, seed, e))
                problems += 1
                continue
            if back != msg:
                print("%s seed %d: the message changed\n  in:  %s\n  out: %s" % (name, seed, data.hex()[:400],
                                                                                p.stdout.hex()[:400]))
                problems += 1
            elif p.stdout != data and not info.get("ext") and not info.get("map"):
                print("%s seed %d: other bytes\n  in:  %s\n  out: %s" % (name, seed, data.hex()[:400], p.stdout.hex()[:400]))
                problems += 1
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
