#!/usr/bin/python3
"""Differential tests over protobuf's conformance test-message schemas
(testdata/upstream/protobuf) against python3-protobuf (run with Debian's
/usr/bin/python3; its google.protobuf is the C++ implementation, 3.21).

    tm_diff.py TOOL PYSET SEED COUNT MODE [CASE]

TOOL is tests/testmsgs/tm_tool.c built against buoy's generated tables of
the five schemas; it runs twice, as generated tables (TOOL) and as dynamic
ones (TOOL --dynamic FULLSET, FULLSET next to PYSET as full.pb: every
schema, editions included). PYSET holds the proto2 and proto3 schemas (and
their imports), which python loads. Case I of a run uses
random.Random("SEED/MODE/I") alone, so `... SEED COUNT MODE I` reruns just
that case. MODE:

  binary     random TestAllTypesProto2/3 (every field kind: scalars at their
             limits, strings, bytes, open and closed enums, nested and
             recursive messages, groups, maps, oneofs, extensions, message
             sets, well-known types) plus unknown fields, as python
             serializes them deterministically: buoy decodes and re-encodes
             deterministically to the same bytes, and python reads buoy's
             bytes back as the same message (extensions: see EXT_ORDER)
  json       the same messages as JSON under five option sets: buoy's JSON
             equals python's (as parsed JSON values) and python reads it back
             to the same message; buoy reads python's JSON to the same message
  malformed  damaged binary (truncation, bit flips, bad varints, wrong wire
             types, bad lengths, invalid UTF-8 in strings, nesting around
             the depth limit) and damaged JSON: buoy accepts exactly what
             python accepts, reading it as the same message
  codec      message sets (fixed item shapes, damaged random ones) through
             protoc's --decode and `buoy debug codec --decode`: the same text
  editions   the editions goldens (test_messages_proto2_editions,
             test_messages_proto3_editions), which python 3.21 cannot load,
             read the proto2/proto3 messages to the same bytes and JSON as
             their proto2/proto3 twins; test_messages_edition2023 answers the
             same through generated and dynamic tables

Generated and dynamic tables must give the same answer to every command.
Prints a summary line; on a mismatch, the seed, mode and case index, the
input and the answers; exit status 1.

EXT_ORDER: runtime/pb writes a message's extension set before its fields
(wire.h: Go's order); python writes extensions among the fields by number.
Both orders are valid encodings of the same message (the encoding spec
leaves field order open: "Parsers must be able to parse fields in any
order"), so where a message holds extensions (or unknown fields in an
extension range, or a message set), the bytes are compared after python
reads buoy's bytes and writes them again deterministically.
"""
import json
import os
import random
import re
import sys
import warnings

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "json"))
sys.path.insert(0, os.path.join(HERE, "..", "dynamic"))
import differ  # noqa: E402  (random values, JSON comparison, the tool protocol)
import codec_diff  # noqa: E402  (unknown fields, binary and text mutations)

from google.protobuf import json_format, message, unknown_fields  # noqa: E402
from google.protobuf.descriptor import FieldDescriptor as FD  # noqa: E402

P2 = "protobuf_test_messages.proto2."
P3 = "protobuf_test_messages.proto3."
E2 = "protobuf_test_messages.editions.proto2."
E3 = "protobuf_test_messages.editions.proto3."
E2023 = "protobuf_test_messages.editions."
ALL2, ALL3 = P2 + "TestAllTypesProto2", P3 + "TestAllTypesProto3"
MSET = P2 + "TestAllTypesProto2.MessageSetCorrect"
REQ2 = P2 + "TestAllRequiredTypesProto2"  # partial messages: neither side checks required fields when parsing
UNKNOWN2 = P2 + "UnknownToTestAllTypes"  # its bytes are read as TestAllTypesProto2's unknown fields
FLAG_SETS = [0, differ.EMIT_DEFAULTS, differ.PROTO_NAMES, differ.ENUMS_AS_INTS,
             differ.EMIT_DEFAULTS | differ.PROTO_NAMES | differ.ENUMS_AS_INTS]
ANY_TYPES = [P3 + "ForeignMessage", "google.protobuf.Timestamp", "google.protobuf.Duration",
             "google.protobuf.Int32Value", "google.protobuf.StringValue", "google.protobuf.FieldMask",
             "google.protobuf.Struct", "google.protobuf.Value", "google.protobuf.ListValue",
             P3 + "TestAllTypesProto3.NestedMessage", "google.protobuf.Any"]


def cls(name):
    return differ.SCHEMA.cls(name)


# ------------------------------------------------------------------ random messages

def fill(rng, m, depth=0):
    """A sparse random message: a few fields at each level (fewer deeper),
    so thousands of cases reach every field of the 150-field types without
    growing huge. Values come from tests/json/differ.py's generators."""
    if differ.fill_wkt(rng, m, depth):
        return
    d = m.DESCRIPTOR
    fields = list(d.fields)
    for f in rng.sample(fields, min(len(fields), rng.randint(0, max(2, 16 - 6 * depth)))):
        if f.message_type is not None and f.message_type.GetOptions().map_entry:
            kf, vf = f.message_type.fields_by_name["key"], f.message_type.fields_by_name["value"]
            mp = getattr(m, f.name)
            for _ in range(rng.randint(0, 3)):
                key = differ.rand_key(rng, kf)
                if vf.message_type is not None:
                    sub = mp[key]
                    if depth < 3:
                        fill(rng, sub, depth + 1)
                else:
                    mp[key] = differ.rand_scalar(rng, vf)
        elif f.message_type is not None:
            if f.label == FD.LABEL_REPEATED:
                for _ in range(rng.randint(0, 2) if depth < 3 else 0):
                    fill(rng, getattr(m, f.name).add(), depth + 1)
            else:
                sub = getattr(m, f.name)
                sub.SetInParent()
                if depth < 3:
                    fill(rng, sub, depth + 1)
        elif f.label == FD.LABEL_REPEATED:
            getattr(m, f.name).extend(differ.rand_scalar(rng, f) for _ in range(rng.randint(0, 4)))
        else:
            setattr(m, f.name, differ.rand_scalar(rng, f))
    if d.is_extendable:
        for e in differ.SCHEMA.pool.FindAllExtensions(d):
            if rng.random() < 0.6:
                continue
            if e.message_type is not None:
                fill(rng, m.Extensions[e], depth + 1)
            else:
                m.Extensions[e] = differ.rand_scalar(rng, e)


def random_message(rng, types):
    name = rng.choice(types)
    m = cls(name)()
    if name == MSET:
        for e in differ.SCHEMA.pool.FindAllExtensions(m.DESCRIPTOR):
            if rng.random() < 0.6:
                fill(rng, m.Extensions[e], 1)
                m.Extensions[e].SetInParent()
    else:
        fill(rng, m)
    return name, m


def has_extensions(m):
    """Whether m or a message in it holds extensions (python writes them
    elsewhere than buoy: EXT_ORDER)."""
    if any(f.is_extension for f, _ in m.ListFields()):
        return True
    for f, v in m.ListFields():
        if f.message_type is None:
            continue
        if f.message_type.GetOptions().map_entry:
            if f.message_type.fields_by_name["value"].message_type is not None and any(
                    has_extensions(x) for x in v.values()):
                return True
        elif f.label == FD.LABEL_REPEATED:
            if any(has_extensions(x) for x in v):
                return True
        elif has_extensions(v):
            return True
    return False


def random_unknown(rng, name):
    """Unknown fields after the known ones: numbers the schema reserves
    (proto2 1000-9999, proto3 501-510), and for proto2 sometimes one in the
    extension range 120-200 that no extension declares."""
    if name == ALL2:
        nums = [1000, 1001, 5000, 9999] + ([150, 199] if rng.random() < 0.3 else [])
    elif name == ALL3:
        nums = [501, 505, 510]
    else:
        return b"", False
    picked = [rng.choice(nums) for _ in range(rng.randint(1, 3))]
    return b"".join(codec_diff.unknown_field(rng, n) for n in picked), any(120 <= n <= 200 for n in picked)


def py_parse(name, data, partial_ok=False):
    """python's message from the bytes, or None when it rejects them. With
    partial_ok, PARTIAL when python stops early (see PYTHON_PARTIAL)."""
    m = cls(name)()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            m.MergeFromString(data)
        except message.DecodeError:
            return None
    if any("Unexpected end-group tag" in str(w.message) for w in caught):
        return PARTIAL if partial_ok else None
    return m


# PYTHON_PARTIAL: python 3.21's C++ MergeFromString, meeting an end-group tag
# that closes no group (or a tag of field number 0) at the top level, stops
# there, keeps what it read, and only warns ("Unexpected end-group tag: Not
# all data was converted"); C++'s own ParseFromString and upb return an
# error for the same bytes. The encoding spec makes an END_GROUP valid only
# as the match of a START_GROUP of the same number, and 0 is not a valid
# field number, so the input is malformed and buoy rejects it.
PARTIAL = object()


def same_msg(a, b):
    """a and b hold the same fields, extensions and unknown fields, unknown
    fields compared per field number (their order across numbers is not
    part of a message: runtime/pb writes unknown fields of extension
    numbers with its extension set, python with the other unknown fields)."""
    if a.DESCRIPTOR is not b.DESCRIPTOR:
        return False
    fa, fb = a.ListFields(), b.ListFields()
    if [f for f, _ in fa] != [f for f, _ in fb]:
        return False
    for (f, va), (_, vb) in zip(fa, fb):
        if f.message_type is not None and f.message_type.GetOptions().map_entry:
            msgs = f.message_type.fields_by_name["value"].message_type is not None
            try:
                if set(va.keys()) != set(vb.keys()) or not all(
                        same_msg(va[k], vb[k]) if msgs else same_value(va[k], vb[k]) for k in va):
                    return False
            except ValueError:
                # python cannot hand out a proto2 map key that is not UTF-8
                # (which it decodes): compare the whole messages' bytes
                return det(a) == det(b)
        elif f.label == FD.LABEL_REPEATED:
            if len(va) != len(vb) or not all(
                    same_msg(x, y) if f.message_type is not None else same_value(x, y) for x, y in zip(va, vb)):
                return False
        elif not (same_msg(va, vb) if f.message_type is not None else same_value(va, vb)):
            return False
    return unknown_of(a) == unknown_of(b)


def same_value(x, y):
    return x == y or (isinstance(x, float) and isinstance(y, float) and x != x and y != y)


def unknown_of(m):
    def norm(fields):
        out = [(f.field_number, f.wire_type, norm(f.data) if f.wire_type == 3 else f.data) for f in fields]
        return sorted(out, key=lambda x: x[0])  # stable: one number's fields keep their order
    return norm(unknown_fields.UnknownFieldSet(m))


def det(m):
    return m.SerializePartialToString(deterministic=True)


# ------------------------------------------------------------------ the tool

class Tools:
    """The generated-table tool and the dynamic-table tool, asked the same
    commands: a list of (generated answer, dynamic answer) lines."""

    def __init__(self, tool, fullset):
        self.cmds = [tool, "%s --dynamic %s" % (tool, fullset)]

    def ask(self, lines):
        return list(zip(differ.run_tool(self.cmds[0], lines), differ.run_tool(self.cmds[1], lines)))


def py_json_again(name, text):
    """The canonical form of python's reading of JSON it printed itself."""
    again = cls(name)()
    json_format.Parse(text, again, descriptor_pool=differ.SCHEMA.pool)
    return differ.canon(again)


def parse_answer(line):
    status, _, payload = line.partition(" ")
    return status == "OK", payload


def bcmd(name, data):
    return "B %s %s" % (name, data.hex())


def ecmd(name, flags, data, indent=0):
    return "E %s %d %d %s" % (name, flags, indent, data.hex())


def dcmd(name, flags, text):
    return "D %s %d %s" % (name, flags, (text if isinstance(text, bytes) else text.encode("utf-8")).hex())


# ------------------------------------------------------------------ modes
# Each mode's case(rng) returns (commands, check); check(answers) returns
# None or a description of the mismatch, and a label to count.

def binary_case(rng):
    name, m = random_message(rng, [ALL2, ALL3, ALL2, ALL3, MSET, REQ2, UNKNOWN2])
    unknown, in_ext_range = random_unknown(rng, name) if rng.random() < 0.3 else (b"", False)
    data = det(m) + unknown
    if name == UNKNOWN2:
        name = ALL2
    want = det(py_parse(name, data))
    loose = name == MSET or has_extensions(m) or in_ext_range

    def check(ans):
        (ok, payload), = ans
        if not ok:
            return "buoy rejects python's bytes: %s\n  input: %s" % (payload, data.hex()), None
        got = bytes.fromhex(payload)
        if got == want:
            return None, "same-bytes"
        back = py_parse(name, got)
        if back is None:
            return "python rejects buoy's bytes\n  input: %s\n  buoy:  %s" % (data.hex(), got.hex()), None
        if not loose:
            return "other bytes\n  input: %s\n  want:  %s\n  buoy:  %s" % (data.hex(), want.hex(), got.hex()), None
        if not same_msg(back, py_parse(name, data)):
            return "python reads buoy's bytes as another message\n  input: %s\n  buoy:  %s" % (
                data.hex(), got.hex()), None
        return None, "same-message(ext-order)"
    return [bcmd(name, data)], check


def json_case(rng):
    name, m = random_message(rng, [ALL2, ALL3, ALL3])
    data = det(m)
    cmds, checks = [], []
    for flags in FLAG_SETS:
        cmds.append(ecmd(name, flags, data))
        checks.append(("print", flags))
    cmds.append(ecmd(name, 0, data, indent=2))
    checks.append(("print", 0))
    for flags in (0, differ.PROTO_NAMES, differ.ENUMS_AS_INTS, differ.EMIT_DEFAULTS):
        cmds.append(dcmd(name, 0, differ.py_json(m, flags)))
        checks.append(("parse", flags))

    def check(ans):
        for (kind, flags), (ok, payload) in zip(checks, ans):
            where = "%s flags=%d message %s" % (kind, flags, data.hex())
            theirs_text = differ.py_json(m, flags)
            if not ok:
                return "%s: buoy fails: %s\n  python: %s" % (where, payload, theirs_text[:800]), None
            if kind == "print":
                mine_text = bytes.fromhex(payload).decode("utf-8")
                theirs = differ.load(theirs_text)
                if flags & differ.EMIT_DEFAULTS:
                    drop_presence_defaults(theirs, m, flags)
                d = differ.same_json(differ.load(mine_text), theirs)
                if d:
                    return "%s: %s\n  buoy:   %s\n  python: %s" % (where, d, mine_text[:800], theirs_text[:800]), None
                back = cls(name)()
                try:
                    json_format.Parse(mine_text, back, descriptor_pool=differ.SCHEMA.pool)
                except json_format.ParseError as e:
                    return "%s: python cannot read buoy's JSON: %s\n  %s" % (where, e, mine_text[:800]), None
                # Or as python reads its own JSON: a Value holding NaN or an
                # infinity prints as a string and reads back as one.
                if differ.canon(back) != differ.canon(m) and differ.canon(back) != py_json_again(name, theirs_text):
                    return "%s: python reads buoy's JSON as another message\n  %s" % (where, mine_text[:800]), None
            else:
                want = cls(name)()
                json_format.Parse(theirs_text, want, descriptor_pool=differ.SCHEMA.pool)
                back = py_parse(name, bytes.fromhex(payload))
                if back is None or differ.canon(back) != differ.canon(want):
                    return "%s: buoy reads python's JSON as another message\n  json: %s\n  buoy: %s" % (
                        where, theirs_text[:800], payload[:800]), None
        return None, "agree"
    return cmds, check


def drop_presence_defaults(value, m, flags):
    """Removes from python's JSON (EMIT_DEFAULTS) the unset fields with
    presence it writes with their defaults, in every message, map values
    included. runtime/pb/README.md lists this as a known difference: proto2
    fields (and proto3 `optional` ones) have presence, so an unset one has no
    value to print; protobuf's later printers (python 4.26's
    always_print_fields_with_no_presence, C++, Java) skip them too."""
    if not isinstance(value, dict) or m.DESCRIPTOR.full_name.startswith("google.protobuf."):
        return
    for k in differ.presence_keys(m, flags):
        value.pop(k, None)
    for f, v in m.ListFields():
        key = "[%s]" % f.full_name if f.is_extension else f.name if flags & differ.PROTO_NAMES else f.json_name
        if f.message_type is None or key not in value:
            continue
        if f.message_type.GetOptions().map_entry:
            if f.message_type.fields_by_name["value"].message_type is not None and isinstance(value[key], dict):
                for k2, x in v.items():
                    drop_presence_defaults(value[key].get(str(k2).lower() if isinstance(k2, bool) else str(k2)), x,
                                           flags)
        elif f.label == FD.LABEL_REPEATED:
            for x, j in zip(v, value[key]):
                drop_presence_defaults(j, x, flags)
        else:
            drop_presence_defaults(value[key], v, flags)


def varint(v):
    return codec_diff.varint(v)


def nest(field, depth, leaf=b"", via_group=False):
    """A TestAllTypes message nested depth levels through field (27:
    recursive_message; 18/2: optional_nested_message.corecursive)."""
    inner = leaf
    for _ in range(depth):
        if field == 27:
            inner = varint(27 << 3 | 2) + varint(len(inner)) + inner
        else:
            corec = varint(2 << 3 | 2) + varint(len(inner)) + inner
            inner = varint(18 << 3 | 2) + varint(len(corec)) + corec
    return inner


def damage(rng, name, data):
    """One of the ways a message goes bad; returns (kind, bytes)."""
    k = rng.randrange(9)
    if k == 0 and data:
        return "truncated", data[:rng.randrange(len(data))]
    if k == 1:
        # an over-long or unterminated varint where a tag or value is
        n = rng.choice([10, 11, 12])
        bad = bytes([0xff] * (n - 1)) + bytes([rng.choice([0x00, 0x01, 0x7f, 0x80])])
        return "bad-varint", data + rng.choice([bad, varint(1 << 3) + bad, varint(2 << 3) + bad])
    if k == 2:
        # a known field with another wire type (kept as unknown), or wire types 6/7, or field 0
        num = rng.choice([1, 11, 12, 14, 18, 27, 31, 56, 75, 89, 111, 120, 201, 301])
        wt = rng.choice([0, 1, 2, 3, 4, 5, 6, 7])
        body = {0: varint(5), 1: b"\x01" * 8, 2: varint(2) + b"ab", 3: varint(num << 3 | 4), 4: b"",
                5: b"\x01" * 4}.get(wt, b"\x00")
        return "wire-type", data + varint((num if rng.random() < 0.9 else 0) << 3 | wt) + body
    if k == 3:
        # a length past the end, or a huge one
        ln = rng.choice([len(data) + 1, 2 ** 31 - 1, 2 ** 31, 2 ** 32 + 1, 2 ** 63])
        return "bad-length", data + varint(14 << 3 | 2) + varint(ln) + b"xy"
    if k == 4:
        # invalid UTF-8 in a string field, a map key, a oneof, a nested string
        bad = rng.choice([b"\xff", b"\xc3", b"\xed\xa0\x80", b"\xf4\x90\x80\x80", b"a\x80b", b"\xc0\xaf"])
        num = rng.choice([14, 44, 113, 24, 25])
        field = varint(num << 3 | 2) + varint(len(bad)) + bad
        if rng.random() < 0.3:
            entry = varint(1 << 3 | 2) + varint(len(bad)) + bad + varint(2 << 3 | 2) + varint(1) + b"x"
            field = varint(69 << 3 | 2) + varint(len(entry)) + entry
        elif rng.random() < 0.3:
            field = nest(27, rng.randint(1, 3), field)
        return "utf8", data + field
    if k == 5:
        # nesting around the limit (100 messages below the top one)
        depth = rng.choice([98, 99, 100, 101, 102, 150])
        field = rng.choice([27, 18])  # 18: two messages a level (NestedMessage, then corecursive)
        levels = depth if field == 27 else depth // 2 + rng.choice([0, 1])
        return "depth%d" % (levels * (1 if field == 27 else 2)), data + nest(field, levels)
    if k == 6:
        # group ends and starts that do not match
        return "group", data + rng.choice([varint(201 << 3 | 4), varint(201 << 3 | 3) + varint(202 << 3 | 4),
                                           varint(201 << 3 | 3), varint(201 << 3 | 3) + varint(202 << 3) + b"\x01"])
    if k == 7:
        # a packed run cut short
        num = rng.choice([75, 81, 82, 85, 86])
        return "packed", data + varint(num << 3 | 2) + varint(rng.choice([3, 5, 7])) + b"\x01\x02\x03\x04\x05\x06\x07"
    bad = data
    for _ in range(rng.randint(1, 3)):
        bad = codec_diff.mutate_binary(rng, bad)
    return "mutated", bad


JSON_BITS = ['"', "{", "}", "[", "]", ",", ":", "null", "true", "1e400", "-0", "1.5", "\"\\ud800\"", "\"\\u0000\"",
             "\"NaN\"", "\"Infinity\"", "18446744073709551616", "9223372036854775808", "\"-\"", "\"BAZ\"", "\"MOO\"",
             "\"1970-01-01T00:00:00Z\"", "\"10000-01-01T00:00:00Z\"", "\"1.5s\"", "\"315576000001s\"", "\"a_b\"",
             "\"optionalInt32\"", "\"@type\"", "\xff", "\"\xc3\"", " ", "0x10", "01", "\"=\"", "{}", "[]"]


UNKNOWN_MEMBERS = ['"noSuchField": 1', '"no_such_field": {"a": [1, {"b": null}]}', '"[no.such.extension]": 2',
                   '"optionalNestedEnum": "NO_SUCH_VALUE"', '"repeatedNestedEnum": ["FOO", "NO_SUCH", "BAR"]',
                   '"mapStringNestedEnum": {"k": "NO_SUCH"}', '"optionalNestedMessage": {"zzz": true, "a": 1}']


def damage_json(rng, text):
    b = text.encode("utf-8")
    for _ in range(rng.randint(1, 2)):
        if not b:
            b = rng.choice(JSON_BITS).encode("latin-1")
            continue
        i = rng.randrange(len(b))
        k = rng.randrange(3)
        bit = rng.choice(JSON_BITS).encode("latin-1")
        if k == 0:
            b = b[:i] + b[i + 1:]
        elif k == 1:
            b = b[:i] + bit + b[i:]
        else:
            b = b[:i] + bit + b[min(len(b), i + rng.randint(1, 8)):]
    return b


def py_json_parse(name, text, ignore_unknown=False):
    m = cls(name)()
    try:
        json_format.Parse(text.decode("utf-8") if isinstance(text, bytes) else text, m,
                          ignore_unknown_fields=ignore_unknown, descriptor_pool=differ.SCHEMA.pool)
    except (json_format.ParseError, UnicodeDecodeError, RecursionError):
        return None
    except (KeyError, TypeError, ValueError, AttributeError, OverflowError, IndexError) as e:
        # python 3.21 lets a few bad inputs escape as other exceptions: it rejects them all the same
        return ("raised", e)
    return m


def python_lax(name, text):
    """Inputs python 3.21's json_format accepts though the proto3 JSON
    mapping does not, which runtime/pb/README.md lists as rejected on
    purpose (as protobuf's C++ parser rejects them): one field under both
    its names, a number with a fraction or a boolean for an enum, a
    duration or timestamp outside the mapping's syntax (lax_time), a quoted
    integer with a leading zero, base64 outside RFC 4648, an enum number
    outside int32, an array for a message. Returns the reason, or None."""
    try:
        value = json.loads(text.decode("utf-8") if isinstance(text, bytes) else text)
    except (ValueError, UnicodeDecodeError):
        return None
    return lax_in(value, cls(name)().DESCRIPTOR)


BASE64_RE = re.compile(r"^[A-Za-z0-9+/_-]*={0,2}$")


def lax_in(value, d):
    if isinstance(value, (list, str)) and not d.full_name.startswith("google.protobuf."):
        # python 3.21 walks a JSON array or string given for a message as if
        # it were an object's member names (an empty one sets nothing; with
        # ignore_unknown_fields every character is an unknown field): the
        # mapping wants an object
        return "message %s given as %r" % (d.full_name, value)
    if not isinstance(value, dict) or d.full_name.startswith("google.protobuf."):
        return None
    seen = {}
    for key, v in value.items():
        f = d.fields_by_name.get(key) or next((x for x in d.fields if x.json_name == key), None)
        if f is None:
            continue
        if f.name in seen:
            return "field %s given as %r and %r" % (f.name, seen[f.name], key)
        seen[f.name] = key
        vals = v if isinstance(v, list) and f.label == FD.LABEL_REPEATED else [v]
        if f.message_type is not None and f.message_type.GetOptions().map_entry:
            vals = list(v.values()) if isinstance(v, dict) else []
            f = f.message_type.fields_by_name["value"]
        for x in vals:
            if f.enum_type is not None and (isinstance(x, bool) or isinstance(x, float)):
                return "enum %s given as %r" % (f.name, x)
            if f.type in differ.INT_EDGES and isinstance(x, str) and re.match(r"^-?0\d", x.strip()):
                # python reads a quoted integer with int(); the mapping's
                # quoted integers are JSON numbers in a string, and a JSON
                # number has no leading zero (RFC 8259 section 6; Go's
                # protojson parses the quoted text as a JSON number too)
                return "integer %s given as %r" % (f.name, x)
            if (f.type == FD.TYPE_BYTES or (f.message_type is not None and
                                            f.message_type.full_name == "google.protobuf.BytesValue")) and \
                    isinstance(x, str) and (not BASE64_RE.match(x) or ("=" in x and len(x) % 4)):
                # python pads the text with "=" to a multiple of 4 and decodes
                # it with base64.urlsafe_b64decode, which skips characters
                # outside the alphabet: RFC 4648 section 3.3 says to reject
                # those, and padding ("=") only completes a 4-character group
                return "bytes %s given as %r" % (f.name, x)
            if f.enum_type is not None and isinstance(x, int) and not -2 ** 31 <= x < 2 ** 31:
                # python stores the number modulo 2**64 (18446744073709551615
                # becomes -1, NEG); enum numbers are 32-bit
                return "enum %s given as %r" % (f.name, x)
            if f.message_type is not None and f.message_type.full_name == "google.protobuf.Any":
                r = lax_any(x)
                if r:
                    return r
            if f.message_type is not None:
                r = lax_in(x, f.message_type)
                if r:
                    return r
                if f.message_type.full_name in ("google.protobuf.Duration", "google.protobuf.Timestamp") and \
                        isinstance(x, str) and lax_time(f.message_type.name, x):
                    return "%s %r" % (f.message_type.name, x)
    return None


def lax_any(x):
    """lax_in for the value an Any holds."""
    if not isinstance(x, dict) or not isinstance(x.get("@type"), str):
        return None
    try:
        d = differ.SCHEMA.pool.FindMessageTypeByName(x["@type"].split("/")[-1])
    except KeyError:
        return None
    if d.full_name in ("google.protobuf.Timestamp", "google.protobuf.Duration"):
        v = x.get("value")
        return "%s %r" % (d.name, v) if isinstance(v, str) and lax_time(d.name, v) else None
    if d.full_name == "google.protobuf.Any":
        return lax_any(x.get("value"))
    return lax_in({k: v for k, v in x.items() if k != "@type"}, d)


TIMESTAMP_RE = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{1,9})?(Z|[+-]\d\d:\d\d)$")
DURATION_RE = re.compile(r"^-?\d+(\.\d{1,9})?s$")


def lax_time(name, s):
    """A Timestamp or Duration text outside the mapping's syntax that python
    3.21 reads anyway: python parses timestamps with strptime, whose %d and
    %m take a space-padded or one-digit number ("1969-12- 1T..."), and
    durations with float(), which takes "1.s" or ten fraction digits. RFC
    3339 (section 5.6: date-mday = 2DIGIT) and the JSON mapping (up to 9
    fraction digits, "s" suffix) do not allow these."""
    return not (TIMESTAMP_RE.match(s) if name == "Timestamp" else DURATION_RE.match(s))


def strip_ignorable(text, name):
    """The JSON text without what buoy's IGNORE_UNKNOWN skips beyond unknown
    fields (PYTHON_IGNORE_NARROW), or None if it is not JSON."""
    try:
        value = json.loads(text.decode("utf-8") if isinstance(text, bytes) else text)
    except (ValueError, UnicodeDecodeError, RecursionError):
        return None
    return json.dumps(strip_value(value, cls(name)().DESCRIPTOR))


def known_name(e, x):
    return not isinstance(x, str) or x in e.values_by_name or e.full_name == "google.protobuf.NullValue"


def strip_value(value, d):
    if not isinstance(value, dict) or d.full_name.startswith("google.protobuf."):
        return value
    out = {}
    for key, v in value.items():
        if key.startswith("[") and not d.extension_ranges:
            continue
        f = d.fields_by_name.get(key) or next((x for x in d.fields if x.json_name == key), None)
        if f is None:
            out[key] = v
            continue
        if f.message_type is not None and f.message_type.GetOptions().map_entry:
            vf = f.message_type.fields_by_name["value"]
            if isinstance(v, dict):
                if vf.enum_type is not None:
                    v = {k: x for k, x in v.items() if known_name(vf.enum_type, x)}
                elif vf.message_type is not None:
                    v = {k: strip_value(x, vf.message_type) for k, x in v.items()}
        elif f.enum_type is not None:
            if isinstance(v, list):
                v = [x for x in v if known_name(f.enum_type, x)]
            elif not known_name(f.enum_type, v):
                continue
        elif f.message_type is not None:
            v = [strip_value(x, f.message_type) for x in v] if isinstance(v, list) else strip_value(v, f.message_type)
        out[key] = v
    return out


# Inputs every malformed run checks first (case indices -1, -2, ...): edges
# the random damage found once (a UBSan report in json.c's integer range
# check, for magnitudes of 2^63 and beyond), kept so they stay checked.
FIXED_JSON = [
    (ALL3, '{"optionalNestedEnum": -9223372036854775808}'),
    (ALL3, '{"optionalNestedEnum": -18446744073709551615}'),
    (ALL3, '{"optionalInt32": -9223372036854775809}'),
    (ALL3, '{"optionalInt64": "-9223372036854775808", "optionalInt32": -2147483648}'),
    (ALL3, '{"optionalInt64": "-9223372036854775809"}'),
    (ALL3, '{"mapInt32Int32": {"-9223372036854775808": 1}}'),
    (ALL3, '{"mapInt64Int64": {"-9223372036854775808": "-9223372036854775808"}}'),
    (ALL2, '{"repeatedNestedEnum": [-9223372036854775808]}'),
    (ALL3, '{"optionalUint64": "-0", "optionalUint32": -0}'),
]


# Message set items of every shape (K: a known type id, U: an unknown one,
# M: a message, X: another field): protobuf's C++ parser keeps the first type
# id and the first message, skips the rest, and drops an item without both;
# decode.c once kept every piece (found by the random damage).
_K, _U, _U2 = "1090b3fc01", "10f9bb4d", "1005"
_M1, _M2, _X = "1a024807", "1a024809", "800c0b"
FIXED_BINARY = [(MSET, "0b" + "".join(item) + "0c") for item in (
    [_K, _M1, _K, _M2], [_K, _M1, _M2], [_M1, _M2, _K], [_M1, _K, _M2], [_K, "10f9bb5e", _M1], [_U, _M1, _K, _M2],
    [_K, _M1, _U, _M2], [_U, _M1, _U2, _M2], [_U, _U2, _M1], [_U], [_K], [_M1], [], [_K, _M1, _X], [_U, _M1, _X],
    [_X, _U, _M1], [_M1, _U])]


def binary_verdict(name, kind, bad):
    """The check of one damaged binary input: buoy accepts it exactly when
    python does (PYTHON_PARTIAL aside), and reads it as python does."""
    def check(ans):
        (ok, payload), = ans
        theirs = py_parse(name, bad, partial_ok=True)
        if theirs is PARTIAL:
            if ok:
                return "%s: python stops early (PYTHON_PARTIAL), buoy accepts\n  input: %s" % (kind, bad.hex()), None
            return None, kind + "-rejected(python-partial)"
        if (theirs is None) != (not ok):
            return "%s: python %s, buoy %s\n  input: %s" % (
                kind, "rejects" if theirs is None else "accepts", "accepts" if ok else "rejects: " + payload,
                bad.hex()), None
        if theirs is None:
            return None, kind + "-rejected"
        back = py_parse(name, bytes.fromhex(payload))
        if back is None or not same_msg(back, theirs):
            return "%s: buoy reads the bytes as another message\n  input: %s\n  buoy:  %s" % (
                kind, bad.hex(), payload), None
        return None, kind + "-accepted"
    return check


def malformed_case(rng, fixed=None):
    name, m = random_message(rng, [ALL2, ALL3, ALL3, MSET])
    data = det(m)
    if name == MSET and fixed is None:
        # message sets only as binary: damaged items, type ids, messages
        kind, bad = damage(rng, name, data)
        return [bcmd(name, bad)], binary_verdict(name, "mset-" + kind, bad)
    if fixed is not None:
        name, kind, json_text = fixed[0], "json-fixed", fixed[1].encode("utf-8")
        cmds = [dcmd(name, 0, json_text)]
    elif rng.random() < 0.6:
        kind, bad = damage(rng, name, data)
        cmds = [bcmd(name, bad)]
        json_text = None
    else:
        # sometimes with an unknown member (a field, an extension, an enum
        # name), read with both sides' option to ignore unknown fields
        ignore = rng.random() < 0.3
        kind = "json-ignore-unknown" if ignore else "json"
        text = differ.py_json(m, rng.choice([0, differ.PROTO_NAMES]))
        if text.startswith("{") and rng.random() < 0.5:
            text = "{" + rng.choice(UNKNOWN_MEMBERS) + ("," if text.strip() != "{}" else "") + text.strip()[1:]
        json_text = damage_json(rng, text) if rng.random() < 0.8 else text.encode("utf-8")
        cmds = [dcmd(name, differ.IGNORE_UNKNOWN if ignore else 0, json_text)]

    def check(ans):
        (ok, payload), = ans
        if json_text is None:
            return binary_verdict(name, kind, bad)(ans)
        label = kind
        theirs = py_json_parse(name, json_text, ignore_unknown=kind == "json-ignore-unknown")
        if isinstance(theirs, tuple):
            if ok:
                return "%s: python raises %r, buoy accepts\n  input: %r" % (label, theirs[1], json_text), None
            return None, "%s-rejected(python-raised-%s)" % (label, type(theirs[1]).__name__)
        if theirs is None and ok and kind == "json-ignore-unknown":
            # PYTHON_IGNORE_NARROW: python 3.21's ignore_unknown_fields skips
            # unknown fields only; with it, buoy (as protobuf's C++ and Java
            # parsers and the conformance suite's IgnoreUnknownEnumStringValue
            # cases) also skips enum names it does not know (an element of a
            # repeated field, a map entry, or the field), and "[...]"
            # extension keys on a message without extension ranges. Python
            # must then read the text with those removed as buoy read it.
            stripped = strip_ignorable(json_text, name)
            if stripped is not None:
                theirs = py_json_parse(name, stripped, ignore_unknown=True)
                if theirs is not None and not isinstance(theirs, tuple):
                    label = "json-ignore-unknown(python-narrower)"
        if theirs is None:
            if ok:
                return "%s: python rejects, buoy accepts\n  input: %r" % (label, json_text), None
            return None, label + "-rejected"
        if not ok:
            lax = python_lax(name, json_text)
            if lax:
                return None, label + "-python-lax"
            return "%s: python accepts, buoy rejects: %s\n  input: %r" % (label, payload, json_text), None
        back = py_parse(name, bytes.fromhex(payload))
        # same_msg compares numbers as numbers: python's json module reads the
        # JSON number -0 as the integer 0, losing the sign buoy keeps (-0.0 in
        # a double), and -0.0 == 0.0
        if back is None or (differ.canon(back) != differ.canon(theirs) and not same_msg(back, theirs)):
            return label + ": buoy reads the text as another message\n  input: %r\n  buoy: %s" % (
                json_text, payload), None
        return None, label + "-accepted"
    return cmds, check


def editions_case(rng):
    name, m = random_message(rng, [ALL2, ALL3])
    data = det(m) + (random_unknown(rng, name)[0] if rng.random() < 0.3 else b"")
    twin = (E2 + "TestAllTypesProto2") if name == ALL2 else (E3 + "TestAllTypesProto3")
    pkg, epkg = (P2, E2) if name == ALL2 else (P3, E3)
    kind, bad = damage(rng, name, data)
    text = differ.py_json(m, rng.choice([0, differ.PROTO_NAMES]))
    # pairs of commands, the proto2/proto3 type first and its twin second
    cmds = [bcmd(name, data), bcmd(twin, data), bcmd(name, bad), bcmd(twin, bad),
            dcmd(name, 0, text), dcmd(twin, 0, text.replace('"[' + pkg, '"[' + epkg))]
    for flags in FLAG_SETS:
        cmds += [ecmd(name, flags, data), ecmd(twin, flags, data)]
    if name == ALL2:
        cmds += [bcmd(E2023 + "TestAllTypesEdition2023", data), bcmd(E2023 + "TestAllTypesEdition2023", bad)]
        cmds += [ecmd(E2023 + "TestAllTypesEdition2023", f, data) for f in FLAG_SETS]

    def check(ans):
        check.message = m
        for i, what in enumerate(("bytes %s" % data.hex(), "damaged (%s) bytes %s" % (kind, bad.hex()),
                                  "python's JSON %r" % text)):
            if ans[2 * i] != ans[2 * i + 1]:
                return "%s and %s read the %s differently\n  %s\n  %s" % (
                    name, twin, what, ans[2 * i], ans[2 * i + 1]), None
        for i, flags in enumerate(FLAG_SETS):
            a, b = ans[6 + 2 * i], ans[7 + 2 * i]
            if a[0] != b[0] or (a[0] and bytes.fromhex(a[1]).decode().replace("\"[" + pkg, "\"[" + epkg) !=
                                bytes.fromhex(b[1]).decode()):
                return "%s and %s print different JSON (flags %d)\n  input: %s\n  %s\n  %s" % (
                    name, twin, flags, data.hex(), a[1][:600], b[1][:600]), None
        return None, "same"
    return cmds, check


def codec_mode(seed, count, only):
    """Message sets through protoc 3.21's --decode and buoy's (`buoy debug
    codec`, TM_BUOY in the environment, run in TM_PROTO_ROOT): the fixed item
    shapes and damaged random message sets give the same text and exit
    status. Returns (problems, counts)."""
    import subprocess
    buoy, root = os.environ["TM_BUOY"], os.environ["TM_PROTO_ROOT"]
    inputs = [(-1 - j, bytes.fromhex(h)) for j, (_, h) in enumerate(FIXED_BINARY)]
    for i in range(count):
        rng = random.Random("%s/codec/%d" % (seed, i))
        name, m = random_message(rng, [MSET])
        inputs.append((i, damage(rng, name, det(m))[1] if rng.random() < 0.7 else det(m)))
    problems, counts = [], {}
    args = ["-I", ".", "--decode=" + MSET, "google/protobuf/test_messages_proto2.proto"]
    for i, data in inputs:
        if only is not None and i != only:
            continue
        want = subprocess.run(["protoc"] + args, input=data, capture_output=True, cwd=root, timeout=60)
        got = subprocess.run([buoy, "debug", "codec"] + args, input=data, capture_output=True, cwd=root, timeout=60)
        if (want.returncode != 0) != (got.returncode != 0) or (want.returncode == 0 and want.stdout != got.stdout):
            problems.append("codec seed %s case %d (rerun: tm_diff.py TOOL PYSET %s %d codec %d): --decode differs\n"
                            "  input: %s\n  protoc (exit %d): %r\n  buoy (exit %d): %r" % (
                                seed, i, seed, count, i, data.hex(), want.returncode, want.stdout[:600],
                                got.returncode, got.stdout[:600]))
        else:
            label = "rejected" if want.returncode else "same-text"
            counts[label] = counts.get(label, 0) + 1
    return problems, counts


MODES = {"binary": binary_case, "json": json_case, "malformed": malformed_case, "editions": editions_case}


def main():
    tool, pyset, seed, count, mode = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]), sys.argv[5]
    only = int(sys.argv[6]) if len(sys.argv) > 6 else None
    differ.SCHEMA = differ.Schema(pyset)
    differ.ANY_TYPES = ANY_TYPES
    if mode == "codec":
        problems, counts = codec_mode(seed, count, only)
        for p in problems[:10]:
            print(p)
        print("codec: %d problems; %s" % (len(problems), ", ".join("%s %d" % kv for kv in sorted(counts.items()))))
        return 1 if problems else 0
    tools = Tools(tool, os.path.join(os.path.dirname(pyset), "full.pb"))
    indices = [only] if only is not None else range(count)
    cases = []
    if mode == "malformed":
        for j, fixed in enumerate(FIXED_JSON + FIXED_BINARY):
            if only is None or only == -1 - j:
                if j < len(FIXED_JSON):
                    cases.append((-1 - j,) + malformed_case(random.Random(0), fixed))
                else:
                    data = bytes.fromhex(fixed[1])
                    cases.append((-1 - j, [bcmd(fixed[0], data)], binary_verdict(fixed[0], "mset-fixed", data)))
    for i in indices if only is None or only >= 0 else []:
        rng = random.Random("%s/%s/%d" % (seed, mode, i))
        cmds, check = MODES[mode](rng)
        cases.append((i, cmds, check))
    lines = [c for _, cmds, _ in cases for c in cmds]
    answers = tools.ask(lines)
    counts, problems, k = {}, [], 0
    for i, cmds, check in cases:
        pairs = answers[k:k + len(cmds)]
        k += len(cmds)
        split = [(c, g, d) for c, (g, d) in zip(cmds, pairs) if g != d]
        if split:
            c, g, d = split[0]
            problem = "generated and dynamic tables answer differently to %s\n  generated: %s\n  dynamic:   %s" % (
                c[:300], g[:400], d[:400])
            label = None
        else:
            problem, label = check([parse_answer(g) for g, _ in pairs])
        if problem:
            problems.append("%s seed %s case %d (rerun: tm_diff.py TOOL PYSET %s %d %s %d): %s" % (
                mode, seed, i, seed, count, mode, i, problem))
        else:
            counts[label] = counts.get(label, 0) + 1
    for p in problems[:10]:
        print(p)
    print("%s: %d cases, %d commands, %d problems; %s" % (mode, len(cases), len(lines), len(problems),
                                                          ", ".join("%s %d" % kv for kv in sorted(counts.items()))))
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
