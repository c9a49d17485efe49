"""Differential checks of runtime/pb against Python's protobuf (run with
/usr/bin/python3, whose protobuf module is Debian's python3-protobuf).

Usage: pb_python.py PB_TEST DESCRIPTOR_SET CHECK

DESCRIPTOR_SET is testdata/pb/handmade3.proto and handmade.proto compiled by
protoc (--include_imports); the message classes are built from it at run
time. PB_TEST is tests/pb-test, whose
--reencode mode decodes stdin with the hand-written tables of
tests/pb_handmade.c and writes the message encoded again. CHECK is one of
maps, ext, mset, malformed. Prints the first difference and exits 1 on failure.

For maps, Python's pure implementation is the oracle: the C++ one
(DynamicMessage, in 3.21) keeps both entries of a key repeated in merged
input, which no protobuf runtime does for generated code. Neither keeps a
map entry whose closed enum value is unknown as an unknown field (C++
generated code and upb do, and so does runtime/pb): pb-test's unit tests
check that case. For extensions and message sets the C++ implementation is
the oracle (the pure one of 3.21 fails on message set items and on
extensions of a pool built at run time)."""
import os
import random
import subprocess
import sys
import warnings

if __name__ == "__main__":
    os.environ["PROTOCOL_BUFFERS_PYTHON_IMPLEMENTATION"] = "python" if sys.argv[3:4] == ["maps"] else "cpp"

from google.protobuf import descriptor_pb2, descriptor_pool, message_factory  # noqa: E402


def load(path):
    fds = descriptor_pb2.FileDescriptorSet()
    with open(path, "rb") as f:
        fds.ParseFromString(f.read())
    pool = descriptor_pool.DescriptorPool()
    for fd in fds.file:
        pool.Add(fd)
    return pool


def cls(pool, name):
    d = pool.FindMessageTypeByName(name)
    if hasattr(message_factory, "GetMessageClass"):
        return message_factory.GetMessageClass(d)
    return message_factory.MessageFactory(pool).GetPrototype(d)


def reencode(pb_test, type_name, data, *flags):
    p = subprocess.run([pb_test, "--reencode", type_name] + list(flags), input=data, capture_output=True)
    if p.returncode != 0:
        raise SystemExit("pb-test --reencode %s failed (%d): %s" % (type_name, p.returncode, p.stderr.decode()[:2000]))
    return p.stdout


def hexs(b):
    return b.hex(" ")


def fail(what, data, want, got):
    raise SystemExit("%s\n  input: %s\n  want:  %s\n  got:   %s" % (what, hexs(data)[:3000], hexs(want)[:3000],
                                                                    hexs(got)[:3000]))


def rand_str(rng):
    alphabet = ["", "a", "b", "ab", "ba", "z", "\u00e9", "\u4e2d", "A", "0", "\U0001f600"]
    return "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 4)))


def fill_maps(m, rng, depth):
    for _ in range(rng.randint(0, 6)):
        m.str_int[rand_str(rng)] = rng.randint(-2**31, 2**31 - 1)
    for _ in range(rng.randint(0, 6)):
        m.int_str[rng.choice([0, 1, -1, rng.randint(-2**31, 2**31 - 1)])] = rand_str(rng)
    for _ in range(rng.randint(0, 4)):
        v = m.i64_msg[rng.choice([0, -1, 2**63 - 1, -2**63, rng.randint(-2**63, 2**63 - 1)])]
        if rng.random() < 0.7:
            v.n = rng.randint(-5, 5)
        if rng.random() < 0.5:
            v.s = rand_str(rng)
    for _ in range(rng.randint(0, 6)):
        m.u32_bytes[rng.choice([0, 1, 2**32 - 1, rng.randint(0, 2**32 - 1)])] = bytes(
            rng.randint(0, 255) for _ in range(rng.randint(0, 5)))
    for _ in range(rng.randint(0, 6)):
        m.u64_dbl[rng.choice([0, 2**64 - 1, 2**63, rng.randint(0, 2**64 - 1)])] = rng.choice([0.0, -0.0, 1.5, 1e300])
    for _ in range(rng.randint(0, 6)):
        m.s32_flt[rng.randint(-2**31, 2**31 - 1)] = rng.choice([0.0, 0.5, -2.25])
    for _ in range(rng.randint(0, 6)):
        m.s64_s64[rng.randint(-2**63, 2**63 - 1)] = rng.randint(-2**63, 2**63 - 1)
    for _ in range(rng.randint(0, 6)):
        m.f32_f64[rng.randint(0, 2**32 - 1)] = rng.randint(0, 2**64 - 1)
    for _ in range(rng.randint(0, 6)):
        m.sf32_sf64[rng.randint(-2**31, 2**31 - 1)] = rng.randint(-2**63, 2**63 - 1)
    for _ in range(rng.randint(0, 2)):
        m.bool_bool[rng.random() < 0.5] = rng.random() < 0.5
    for _ in range(rng.randint(0, 6)):
        m.int_enum[rng.randint(-3, 3)] = rng.choice([0, 1, 5])
    if depth < 3:
        for _ in range(rng.randint(0, 2)):
            fill_maps(m.str_maps[rand_str(rng)], rng, depth + 1)
    if rng.random() < 0.3:
        m.plain = rng.randint(-100, 100)


def check_maps(pb_test, pool):
    Maps = cls(pool, "hm.Maps")
    rng = random.Random(4)
    for i in range(200):
        m = Maps()
        fill_maps(m, rng, 0)
        data = m.SerializeToString()
        # a second message merged in: keys it repeats replace the first's values
        if i % 3 == 0:
            other = Maps()
            fill_maps(other, rng, 0)
            for k in list(m.str_int)[:2]:
                other.str_int[k] = 12345
            data += other.SerializeToString()
        want_msg = Maps()
        want_msg.ParseFromString(data)
        want = want_msg.SerializeToString(deterministic=True)
        got = reencode(pb_test, "Maps", data, "-d")
        if got != want:
            fail("maps: deterministic bytes differ from python's", data, want, got)
        back = Maps()
        back.ParseFromString(reencode(pb_test, "Maps", data))
        if back != want_msg:
            fail("maps: the insertion-order encoding reads back as another message", data,
                 want_msg.SerializeToString(), back.SerializeToString())
    # merged: bp_msg_merge against MergeFrom (map entries of a key replaced)
    for i in range(100):
        m1, m2 = Maps(), Maps()
        fill_maps(m1, rng, 0)
        fill_maps(m2, rng, 0)
        for k in list(m1.i64_msg)[:2]:
            m2.i64_msg[k].s = "other"
        for k in list(m1.str_maps)[:1]:
            m2.str_maps[k].plain = 7
        a, b = m1.SerializeToString(), m2.SerializeToString()
        m1.MergeFrom(m2)
        want = m1.SerializeToString(deterministic=True)
        data = len(a).to_bytes(4, "little") + a + b
        got = reencode(pb_test, "Maps", data, "-d", "-m")
        if got != want:
            fail("maps: merged bytes differ from python's MergeFrom", data, want, got)
    print("maps: 200 messages, deterministic bytes as python's; 100 merges as MergeFrom")


def check_ext(pb_test, pool):
    Ext = cls(pool, "hm.Ext")
    Val = cls(pool, "hm.Val")
    f = pool.FindFileByName("handmade.proto")
    exts = {n: f.extensions_by_name[n] for n in f.extensions_by_name}
    rng = random.Random(5)
    for i in range(150):
        m = Ext()
        if rng.random() < 0.5:
            m.a = rng.randint(-9, 9)
        if rng.random() < 0.6:
            m.Extensions[exts["e_int"]] = rng.randint(-2**31, 2**31 - 1)
        for _ in range(rng.randint(0, 4)):
            m.Extensions[exts["e_packed"]].append(rng.randint(-2**31, 2**31 - 1))
        if rng.random() < 0.5:
            m.Extensions[exts["e_msg"]].n = rng.randint(-9, 9)
        for _ in range(rng.randint(0, 3)):
            m.Extensions[exts["e_strs"]].append(rand_str(rng))
        if rng.random() < 0.5:
            m.Extensions[exts["e_enum"]] = rng.choice([0, 1, 5])
        for _ in range(rng.randint(0, 3)):
            v = m.Extensions[exts["e_msgs"]].add()
            v.s = rand_str(rng)
        for _ in range(rng.randint(0, 3)):
            m.Extensions[exts["e_enums"]].append(rng.choice([0, 1, 5]))
        data = m.SerializeToString()
        if i % 4 == 0:
            # the singular message extension twice: merged; an unknown enum number: unknown field
            data += b"\xb2\x06\x02\x08\x07" + b"\xc0\x06\x03" + b"\xd0\x06\x09"
        want = Ext()
        want.ParseFromString(data)
        for flags in ([], ["-r"]):
            got = reencode(pb_test, "Ext", data, *flags)
            back = Ext()
            back.ParseFromString(got)
            if back != want:
                fail("ext %s: reads back as another message" % flags, data, want.SerializeToString(),
                     back.SerializeToString())
            # typed: the extension set first, then the fields; python writes both by number,
            # so without the field `a` the bytes are the same
            if flags and not want.HasField("a") and got != want.SerializeToString():
                fail("ext %s: bytes differ from python's" % flags, data, want.SerializeToString(), got)
    # merged: extensions merge (messages merge, repeated append, scalars replace)
    for i in range(60):
        m1, m2 = Ext(), Ext()
        for m in (m1, m2):
            if rng.random() < 0.5:
                m.a = rng.randint(-9, 9)
            if rng.random() < 0.6:
                m.Extensions[exts["e_int"]] = rng.randint(-9, 9)
            if rng.random() < 0.6:
                m.Extensions[exts["e_msg"]].n = rng.randint(-9, 9)
            if rng.random() < 0.6:
                m.Extensions[exts["e_msg"]].s = rand_str(rng)
            for _ in range(rng.randint(0, 2)):
                m.Extensions[exts["e_packed"]].append(rng.randint(-9, 9))
                m.Extensions[exts["e_msgs"]].add().n = rng.randint(-9, 9)
        a, b = m1.SerializeToString(), m2.SerializeToString()
        m1.MergeFrom(m2)
        data = len(a).to_bytes(4, "little") + a + b
        for flags in ([], ["-r"]):
            got = reencode(pb_test, "Ext", data, "-m", *flags)
            back = Ext()
            back.ParseFromString(got)
            if back != m1:
                fail("ext %s: merged reads back as another message than MergeFrom's" % flags, data,
                     m1.SerializeToString(), got)
    print("ext: 150 messages read back equal, typed (-r) and raw; 60 merges as MergeFrom")


def check_mset(pb_test, pool):
    Holder = cls(pool, "hm.Holder")
    f = pool.FindFileByName("handmade.proto")
    a_ext = pool.FindMessageTypeByName("hm.ItemA").extensions_by_name["ext"]
    b_ext = pool.FindMessageTypeByName("hm.ItemB").extensions_by_name["ext"]
    del f
    rng = random.Random(6)
    for i in range(100):
        h = Holder()
        if rng.random() < 0.7:
            h.set.Extensions[a_ext].x = rng.randint(-9, 9)
        if rng.random() < 0.7:
            h.set.Extensions[b_ext].s = rand_str(rng)
        if rng.random() < 0.3:
            h.after = rng.randint(0, 9)
        data = h.SerializeToString()
        for flags in ([], ["-r"]):
            got = reencode(pb_test, "Holder", data, *flags)
            if got != data:
                fail("mset %s: bytes differ from python's" % flags, data, data, got)
    # items of unknown types, type_id after the message, two items of one type: read as python reads them
    raw_items = [
        b"\x0b\x10\xe8\x07\x1a\x02\x08\x05\x0c",  # ItemA x=5
        b"\x0b\x1a\x03\x0a\x01q\x10\xe9\x07\x0c",  # ItemB s="q", message before type_id
        b"\x0b\x10\xd0\x0f\x1a\x01\xff\x0c",  # type 2000: unknown to both
        b"\x0b\x10\xe8\x07\x1a\x02\x08\x06\x0c",  # ItemA again: merged
    ]
    for n in range(1, len(raw_items) + 1):
        body = b"".join(raw_items[:n])
        data = b"\x0a" + bytes([len(body)]) + body
        want = Holder()
        want.ParseFromString(data)
        for flags in ([], ["-r"]):
            got = reencode(pb_test, "Holder", data, *flags)
            back = Holder()
            back.ParseFromString(got)
            if back != want:
                fail("mset %s: reads back as another message" % flags, data, want.SerializeToString(),
                     back.SerializeToString())
            if flags and got != want.SerializeToString():
                fail("mset %s: bytes differ from python's" % flags, data, want.SerializeToString(), got)
    print("mset: 100 messages as python writes them, and items in other forms")


def varint(n):
    out = bytearray()
    while n >= 0x80:
        out.append(n & 0x7f | 0x80)
        n >>= 7
    out.append(n)
    return bytes(out)


def fill_p3(m, rng, depth):
    m.s = rand_str(rng)
    for _ in range(rng.randint(0, 2)):
        m.rs.append(rand_str(rng))
    for _ in range(rng.randint(0, 2)):
        m.ms[rand_str(rng)] = rand_str(rng)
    if rng.random() < 0.5:
        m.b = bytes(rng.randrange(256) for _ in range(3))
    if rng.random() < 0.5:
        m.os = rand_str(rng)
    if rng.random() < 0.5:
        m.val.s = rand_str(rng)
    if depth and rng.random() < 0.5:
        fill_p3(m.child, rng, depth - 1)


def mutate(rng, data):
    """A random damage to valid bytes: truncated, a byte changed, inserted or
    removed, or a slice repeated."""
    b = bytearray(data)
    kind = rng.randrange(5)
    if kind == 0 and b:
        del b[rng.randrange(len(b)):]
    elif kind == 1 and b:
        b[rng.randrange(len(b))] = rng.choice([0x00, 0x07, 0x0e, 0x0f, 0x0c, 0x80, 0xff, rng.randrange(256)])
    elif kind == 2:
        b.insert(rng.randrange(len(b) + 1), rng.choice([0x80, 0xff, 0x07, 0x0c, 0x0b, rng.randrange(256)]))
    elif kind == 3 and b:
        del b[rng.randrange(len(b))]
    elif b:
        i = rng.randrange(len(b))
        b[i:i] = b[i:i + rng.randint(1, 8)]
    return bytes(b)


def check_malformed(pb_test, pool):
    """Damaged messages: runtime/pb rejects exactly what python's C++
    implementation rejects."""
    rng = random.Random(7)
    Maps, Ext, Req, P3 = cls(pool, "hm.Maps"), cls(pool, "hm.Ext"), cls(pool, "hm.Req"), cls(pool, "hm.P3")
    Holder = cls(pool, "hm.Holder")
    item_a = pool.FindMessageTypeByName("hm.ItemA").extensions_by_name["ext"]
    item_b = pool.FindMessageTypeByName("hm.ItemB").extensions_by_name["ext"]
    f = pool.FindFileByName("handmade.proto")
    exts = f.extensions_by_name
    total = 0
    for name, C, flags in (("Maps", Maps, []), ("Ext", Ext, ["-r"]), ("Ext", Ext, []), ("Req", Req, ["-r"]),
                           ("P3", P3, []), ("Holder", Holder, ["-r"])):
        inputs = []
        for i in range(1500):
            m = C()
            if name == "Maps":
                fill_maps(m, rng, 1)
            elif name == "Ext":
                m.a = rng.randint(-5, 5)
                m.Extensions[exts["e_msg"]].s = rand_str(rng)
                m.Extensions[exts["e_packed"]].extend([rng.randint(-300, 300) for _ in range(rng.randint(0, 4))])
                m.Extensions[exts["e_strs"]].append(rand_str(rng))
            elif name == "Holder":
                m.set.Extensions[item_a].x = rng.randint(-300, 300)
                m.set.Extensions[item_b].s = rand_str(rng)
                m.after = rng.randint(0, 3)
            elif name == "P3":
                # strings of multi-byte characters, so that damage makes them invalid UTF-8
                fill_p3(m, rng, 2)
            else:
                m.r = rng.randint(-300, 300)
                m.child.r = 1
                m.m[rng.randint(0, 9)].r = 2
                m.list.add().r = 3
                m.Extensions[exts["e_req"]].r = 4
                m.Extensions[exts["e_req"]].child.r = 5
            data = m.SerializeToString()
            for _ in range(rng.randint(1, 3)):
                data = mutate(rng, data)
            inputs.append(data)
        # nesting past the limit (100 below the top), through submessages and map values
        deep = b""
        for _ in range(101):
            deep = b"\x12" + varint(len(deep)) + deep
        if name == "Req":
            inputs += [deep, deep[3:]]
            # map entries count: 50 levels of entry and value are read, 51 are not
            for levels in (50, 51):
                d = b""
                for _ in range(levels):
                    value = b"\x12" + varint(len(d)) + d
                    entry = b"\x08\x01" + value
                    d = b"\x1a" + varint(len(entry)) + entry
                inputs.append(d)
        stream = b"".join(len(x).to_bytes(4, "little") + x for x in inputs)
        p = subprocess.run([pb_test, "--accepts", name] + flags, input=stream, capture_output=True)
        if p.returncode != 0:
            raise SystemExit("pb-test --accepts failed: " + p.stderr.decode()[:2000])
        got = p.stdout.decode().strip()
        for i, data in enumerate(inputs):
            # python's C++ module stops at a stray end-group tag or a tag 0 with a warning
            # ("not all data was converted") where C++'s ParseFromString fails: a rejection
            with warnings.catch_warnings(record=True) as warned:
                warnings.simplefilter("always")
                try:
                    C().MergeFromString(data)
                    want = "0" if warned else "1"
                except Exception:
                    want = "0"
            # without a registry extensions stay raw, unparsed: runtime/pb may accept what
            # python (which knows them) rejects, never the other way round
            lenient = name == "Ext" and not flags and want == "0"
            if got[i] != want and not lenient:
                raise SystemExit("malformed %s %s: python %s, runtime/pb %s\n  input: %s" % (
                    name, flags, "accepts" if want == "1" else "rejects", "accepts" if got[i] == "1" else "rejects",
                    hexs(data)))
        total += len(inputs)
    print("malformed: %d damaged messages accepted and rejected as python's C++ implementation does" % total)


def main():
    pb_test, fds, check = sys.argv[1:4]
    pool = load(fds)
    {"maps": check_maps, "ext": check_ext, "mset": check_mset, "malformed": check_malformed}[check](pb_test, pool)


if __name__ == "__main__":
    main()
