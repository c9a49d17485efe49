#!/usr/bin/python3
"""Differential tests of `buoy debug codec` against protoc 3.21's --encode,
--decode and --decode_raw (run with Debian's /usr/bin/python3, which has
python3-protobuf).

    codec_diff.py BUOY DIR MODE TYPE SEED COUNT FILE.proto...

DIR holds the .proto files (both tools run there with -I .). MODE:
  decode     random messages of TYPE (python-protobuf fills them from seeded
             choices, with unknown fields appended) through --decode and
             --decode_raw: the same stdout bytes and exit status
  encode     protoc's text of random messages, and hand-written texts
             (DIR/text/TYPE.*.txt), through --encode: the same bytes (or, when
             maps with several entries are involved, whose order protoc
             leaves to its hash tables, the same message) and exit status;
             for hand-written texts protoc refuses, the first error at the
             same line:column
  malformed  random messages cut, flipped and extended, through --decode and
             --decode_raw; and their texts with characters dropped, doubled
             or replaced, through --encode: the same stdout and exit status
Prints a summary line; on a difference, prints the input and both answers
and exits 1."""
import glob
import math
import os
import random
import struct
import subprocess
import sys

from google.protobuf import descriptor, descriptor_pb2, descriptor_pool, message_factory

FD = descriptor.FieldDescriptor


def run(cmd, data, cwd):
    p = subprocess.run(cmd, input=data, capture_output=True, cwd=cwd, timeout=120)
    return p.returncode, p.stdout, p.stderr


class Tools:
    def __init__(self, buoy, cwd, files):
        self.buoy, self.cwd, self.files = buoy, cwd, files

    def both(self, flag, data):
        files = [] if flag == "--decode_raw" else self.files
        want = run(["protoc", "-I", ".", flag] + files, data, self.cwd)
        got = run([self.buoy, "debug", "codec", "-I", ".", flag] + files, data, self.cwd)
        if b"ERROR: AddressSanitizer" in got[2] or b"runtime error:" in got[2]:
            raise Difference(flag, data, want, got, "sanitizer")
        return want, got


class Difference(Exception):
    def __init__(self, flag, data, want, got, why="differs"):
        super().__init__(why)
        self.flag, self.data, self.want, self.got, self.why = flag, data, want, got, why

    def report(self):
        out = ["%s %s" % (self.flag, self.why), "input: %r" % self.data[:2000]]
        a, b = self.want[1], self.got[1]
        i = next((k for k in range(min(len(a), len(b))) if a[k] != b[k]), min(len(a), len(b)))
        lo = max(0, i - 300)
        for who, (rc, so, se) in (("protoc", self.want), ("buoy", self.got)):
            out.append("%s: exit %d, %d bytes out\nstdout from byte %d: %r\nstderr: %r" %
                       (who, rc, len(so), lo, so[lo:i + 300], se[:800]))
        return "\n".join(out)


def load_pool(tools):
    fds_path = os.path.join(tools.cwd, ".codec_diff.fds")
    p = subprocess.run(["protoc", "-I", ".", "--include_imports", "--descriptor_set_out=" + fds_path] + tools.files,
                       cwd=tools.cwd, capture_output=True)
    if p.returncode != 0:
        raise SystemExit("protoc failed: " + p.stderr.decode())
    fds = descriptor_pb2.FileDescriptorSet.FromString(open(fds_path, "rb").read())
    os.remove(fds_path)
    pool = descriptor_pool.DescriptorPool()
    for f in fds.file:
        pool.Add(f)
    return pool


def message_class(pool, name):
    d = pool.FindMessageTypeByName(name)
    if hasattr(message_factory, "GetMessageClass"):
        return message_factory.GetMessageClass(d)
    return message_factory.MessageFactory(pool).GetPrototype(d)


STRINGS = ["", "a", "hello world", "quote \" and ' and \\", "tab\tnew\nline\r", "caf\u00e9", "\u65e5\u672c",
           "\U0001f600", "ctl\x01\x7f", "#not a comment", "0123456789" * 3]
INTS32 = [0, 1, -1, 7, 127, 128, 300, 2 ** 31 - 1, -2 ** 31, 65535]
INTS64 = INTS32 + [2 ** 63 - 1, -2 ** 63, 2 ** 40]
DOUBLES = [0.0, -0.0, 1.0, 1.5, -2.25, 0.1, 1e30, -1e-300, 123456789.125, float("inf"), float("-inf"),
           float("nan"), 3.4028234663852886e38, 1.401298464324817e-45, 2.5e-8, 1e15, 1e16, 1e17, 100.0]


def scalar(rnd, f):
    t = f.type
    if t in (FD.TYPE_INT32, FD.TYPE_SINT32, FD.TYPE_SFIXED32):
        return rnd.choice(INTS32 + [rnd.randint(-2 ** 31, 2 ** 31 - 1)])
    if t in (FD.TYPE_INT64, FD.TYPE_SINT64, FD.TYPE_SFIXED64):
        return rnd.choice(INTS64 + [rnd.randint(-2 ** 63, 2 ** 63 - 1)])
    if t in (FD.TYPE_UINT32, FD.TYPE_FIXED32):
        return rnd.choice([0, 1, 300, 2 ** 32 - 1, rnd.randint(0, 2 ** 32 - 1)])
    if t in (FD.TYPE_UINT64, FD.TYPE_FIXED64):
        return rnd.choice([0, 1, 2 ** 64 - 1, 2 ** 63, rnd.randint(0, 2 ** 64 - 1)])
    if t in (FD.TYPE_DOUBLE, FD.TYPE_FLOAT):
        v = rnd.choice(DOUBLES + [rnd.uniform(-1e6, 1e6), rnd.uniform(0, 1)])
        if t == FD.TYPE_FLOAT and not math.isnan(v) and not math.isinf(v):
            v = struct.unpack("<f", struct.pack("<f", max(-3.4e38, min(3.4e38, v))))[0]
        return v
    if t == FD.TYPE_BOOL:
        return rnd.random() < 0.5
    if t == FD.TYPE_STRING:
        return rnd.choice(STRINGS)
    if t == FD.TYPE_BYTES:
        return bytes(rnd.randrange(256) for _ in range(rnd.randint(0, 12)))
    if t == FD.TYPE_ENUM:
        values = [v.number for v in f.enum_type.values]
        if f.enum_type.file.syntax == "proto3" and rnd.random() < 0.2:
            return rnd.choice([42, -3])
        return rnd.choice(values)
    raise ValueError(t)


# json_diff.py turns this off: python's json_format writes a repeated
# extension under its json_name, which it cannot read back.
REPEATED_EXTENSIONS = True


def fill(rnd, msg, depth, pool):
    d = msg.DESCRIPTOR
    if d.full_name == "google.protobuf.Any":
        if depth < 2:
            inner = message_class(pool, rnd.choice(["codec.two.Scalars", "codec.two.Node"]))()
            fill(rnd, inner, depth + 1, pool)
            msg.type_url = "type.googleapis.com/" + inner.DESCRIPTOR.full_name
            msg.value = inner.SerializePartialToString()
        return
    for f in d.fields:
        if rnd.random() < (0.45 if depth == 0 else 0.75):
            continue
        if f.containing_oneof is not None and msg.WhichOneof(f.containing_oneof.name):
            continue
        if f.message_type is not None and f.message_type.GetOptions().map_entry:
            kf, vf = f.message_type.fields_by_name["key"], f.message_type.fields_by_name["value"]
            m = getattr(msg, f.name)
            for _ in range(rnd.randint(0, 3 - depth)):
                k = scalar(rnd, kf)
                if vf.message_type is not None:
                    if depth < 2:
                        fill(rnd, m[k], depth + 1, pool)
                else:
                    m[k] = scalar(rnd, vf)
        elif f.label == FD.LABEL_REPEATED:
            field = getattr(msg, f.name)
            for _ in range(rnd.randint(0, 4 - depth)):
                if f.message_type is not None:
                    if depth < 2:
                        fill(rnd, field.add(), depth + 1, pool)
                else:
                    field.append(scalar(rnd, f))
        elif f.message_type is not None:
            if depth < 2:
                getattr(msg, f.name).SetInParent()
                fill(rnd, getattr(msg, f.name), depth + 1, pool)
        else:
            setattr(msg, f.name, scalar(rnd, f))
    for ext in pool.FindAllExtensions(d) if d.extension_ranges else []:
        if rnd.random() < 0.6 or (ext.label == FD.LABEL_REPEATED and not REPEATED_EXTENSIONS):
            continue
        if ext.label == FD.LABEL_REPEATED:
            for _ in range(rnd.randint(1, 3)):
                if ext.message_type is not None:
                    if depth < 2:
                        fill(rnd, msg.Extensions[ext].add(), depth + 1, pool)
                else:
                    msg.Extensions[ext].append(scalar(rnd, ext))
        elif ext.message_type is not None:
            if depth < 2:
                msg.Extensions[ext].SetInParent()
                fill(rnd, msg.Extensions[ext], depth + 1, pool)
        else:
            msg.Extensions[ext] = scalar(rnd, ext)


def varint(v):
    out = bytearray()
    while v >= 0x80:
        out.append((v & 0x7F) | 0x80)
        v >>= 7
    out.append(v)
    return bytes(out)


def unknown_field(rnd, number, depth=0):
    wt = rnd.choice([0, 1, 2, 2, 3, 5])
    tag = varint(number << 3 | wt)
    if wt == 0:
        return tag + varint(rnd.choice([0, 1, 300, 2 ** 64 - 1, rnd.randrange(2 ** 35)]))
    if wt == 1:
        return tag + struct.pack("<Q", rnd.randrange(2 ** 64))
    if wt == 5:
        return tag + struct.pack("<I", rnd.randrange(2 ** 32))
    if wt == 2:
        if depth < 2 and rnd.random() < 0.5:
            body = b"".join(unknown_field(rnd, rnd.randint(1, 20), depth + 1) for _ in range(rnd.randint(1, 3)))
        else:
            body = rnd.choice([b"", b"text", bytes(rnd.randrange(256) for _ in range(rnd.randint(1, 8)))])
        return tag + varint(len(body)) + body
    body = b"".join(unknown_field(rnd, rnd.randint(1, 20), depth + 1) for _ in range(rnd.randint(0, 2))) if depth < 2 else b""
    return tag + body + varint(number << 3 | 4)


def random_binary(rnd, cls, pool):
    msg = cls()
    fill(rnd, msg, 0, pool)
    data = msg.SerializePartialToString()
    if rnd.random() < 0.3:
        data += b"".join(unknown_field(rnd, rnd.choice([50, 51, 60, 999])) for _ in range(rnd.randint(1, 3)))
    return data


def has_big_map(msg):
    for f, v in msg.ListFields():
        if f.message_type is not None and f.message_type.GetOptions().map_entry:
            if len(v) > 1:
                return True
            items = list(v.values()) if f.message_type.fields_by_name["value"].message_type else []
            if any(has_big_map(x) for x in items):
                return True
        elif f.message_type is not None:
            for x in (v if f.label == FD.LABEL_REPEATED else [v]):
                if has_big_map(x):
                    return True
    return False


def check_same(flag, data, want, got):
    if want[0] != got[0] or want[1] != got[1]:
        raise Difference(flag, data, want, got)


def check_decode(tools, typ, data):
    for flag in ("--decode=" + typ, "--decode_raw"):
        want, got = tools.both(flag, data)
        check_same(flag, data, want, got)


def first_position(stderr):
    for line in stderr.decode("utf-8", "replace").splitlines():
        parts = line.split(":")
        if len(parts) > 3 and parts[0] == "input" and parts[1].isdigit() and parts[2].isdigit():
            return parts[1] + ":" + parts[2]
    return None


def check_encode(tools, typ, text, cls, positions=False):
    flag = "--encode=" + typ
    want, got = tools.both(flag, text)
    if positions and want[0] != 0 and first_position(want[2]) != first_position(got[2]):
        raise Difference(flag, text, want, got, "reports its first error elsewhere")
    if want[0] == got[0] and want[1] != got[1] and want[0] == 0:
        # protoc writes map entries in the order of its hash tables
        a, b = cls.FromString(want[1]), cls.FromString(got[1])
        if has_big_map(a) and a == b:
            return "map-order"
        raise Difference(flag, text, want, got)
    check_same(flag, text, want, got)
    return "same"


def mutate_binary(rnd, data):
    if not data:
        return bytes([rnd.randrange(256)])
    data = bytearray(data)
    k = rnd.randrange(4)
    i = rnd.randrange(len(data))
    if k == 0:
        del data[i:]
    elif k == 1:
        data[i] ^= 1 << rnd.randrange(8)
    elif k == 2:
        data[i:i] = bytes([rnd.choice([0x00, 0x07, 0x0f, 0x80, 0xff, 0x0b, 0x0c, 0x13, 0x14])])
    else:
        data[i] = rnd.randrange(256)
    return bytes(data)


TEXT_BITS = [b"{", b"}", b"<", b">", b":", b"[", b"]", b",", b";", b"\"", b"'", b"\\", b"-", b"0x", b"1e5", b"#",
             b"\n", b" ", b"nan", b"inf", b"true", b"x", b"\t", b"\x01", b"\xc3\xa9", b"9999999999999999999999"]


def mutate_text(rnd, text):
    if not text:
        return rnd.choice(TEXT_BITS)
    i = rnd.randrange(len(text))
    k = rnd.randrange(3)
    if k == 0:
        return text[:i] + text[i + 1:]
    if k == 1:
        return text[:i] + rnd.choice(TEXT_BITS) + text[i:]
    j = min(len(text), i + rnd.randint(1, 10))
    return text[:i] + rnd.choice(TEXT_BITS) + text[j:]


def main():
    buoy, cwd, mode, typ, seed, count = sys.argv[1:7]
    files = sys.argv[7:]
    tools = Tools(buoy, cwd, files)
    pool = load_pool(tools)
    cls = message_class(pool, typ)
    rnd = random.Random("%s/%s/%s" % (seed, typ, mode))
    counts = {}
    try:
        if mode == "decode":
            for _ in range(int(count)):
                check_decode(tools, typ, random_binary(rnd, cls, pool))
                counts["decoded"] = counts.get("decoded", 0) + 1
        elif mode == "encode":
            hand = sorted(glob.glob(os.path.join(cwd, "text", typ + ".*.txt")))
            for path in hand:
                with open(path, "rb") as fh:
                    r = check_encode(tools, typ, fh.read(), cls, positions=True)
                counts["hand-" + r] = counts.get("hand-" + r, 0) + 1
            for _ in range(int(count)):
                data = random_binary(rnd, cls, pool)
                rc, text, _ = run(["protoc", "-I", ".", "--decode=" + typ] + files, data, cwd)
                if rc != 0:
                    continue
                r = check_encode(tools, typ, text, cls)
                counts[r] = counts.get(r, 0) + 1
        elif mode == "malformed":
            for _ in range(int(count)):
                data = random_binary(rnd, cls, pool)
                bad = data
                for _ in range(rnd.randint(1, 3)):
                    bad = mutate_binary(rnd, bad)
                try:
                    check_decode(tools, typ, bad)
                except Difference as d:
                    # Known difference: protoc keeps unknown fields of extension
                    # numbers and other unknown fields in one list, in the order
                    # read; runtime/pb keeps the former in the extension set, so
                    # they print first. Only the order of lines may differ.
                    if d.want[0] != d.got[0] or sorted(d.want[1].split(b"\n")) != sorted(d.got[1].split(b"\n")):
                        raise
                    counts["unknown-order"] = counts.get("unknown-order", 0) + 1
                rc, text, _ = run(["protoc", "-I", ".", "--decode=" + typ] + files, data, cwd)
                bad_text = text
                for _ in range(rnd.randint(1, 2)):
                    bad_text = mutate_text(rnd, bad_text)
                flag = "--encode=" + typ
                want, got = tools.both(flag, bad_text)
                if want[0] == 0 and got[0] == 0 and want[1] != got[1]:
                    a, b = cls.FromString(want[1]), cls.FromString(got[1])
                    if not (has_big_map(a) and a == b):
                        raise Difference(flag, bad_text, want, got)
                else:
                    check_same(flag, bad_text, want, got)
                counts["rejected" if want[0] else "accepted"] = counts.get("rejected" if want[0] else "accepted", 0) + 1
        else:
            raise SystemExit("unknown mode " + mode)
    except Difference as d:
        print(d.report())
        return 1
    print("%s %s: %s" % (mode, typ, ", ".join("%s %d" % kv for kv in sorted(counts.items()))))
    return 0


if __name__ == "__main__":
    sys.exit(main())
