#!/usr/bin/python3
"""runtime/pb's JSON against python protobuf's json_format (run with
/usr/bin/python3, which has the module).

Usage: differ.py TOOL DESCRIPTOR_SET SEED COUNT MODE

TOOL is the command of tests/json/json_tool.c built with the bindings of
the schemas in DESCRIPTOR_SET (a FileDescriptorSet with imports; files
given twice are read once), or with "--dynamic SET" for dynamic tables.
MODE:

  random     COUNT seeded random messages of every top-level type the tool
             knows; for each: the JSON buoy writes (under each option set)
             equals python's as parsed JSON values (floats by value, and no
             longer than python's shortest text), python parses buoy's JSON
             back to the same message, and buoy parses python's JSON (with
             json names, proto names, enum numbers) to the same message
             (binary encodings compared, deterministic).
  malformed  a list of invalid inputs: python rejects each, and so must buoy
             (with a position and a message); and a list python accepts
             against the mapping's rules, which buoy must reject.

Prints one line per problem (at most 20) and exits 1 when there is any.
"""
import base64
import json
import math
import random
import shlex
import struct
import subprocess
import sys

from google.protobuf import descriptor, descriptor_pb2, descriptor_pool, json_format, message_factory

FD = descriptor.FieldDescriptor

# BP_JSON_* flags of runtime/pb/json.h
EMIT_DEFAULTS, PROTO_NAMES, ENUMS_AS_INTS, IGNORE_UNKNOWN = 1, 2, 4, 8

# The types the tool knows (tests/json/json_tool.c), whose messages are
# generated and checked.
TOP_TYPES = ["buoy.jsontest.Top", "buoy.jsontest.Scalars", "buoy.jsontest.Repeated", "buoy.jsontest.Wkts",
             "buoy.jsontest.Maps", "buoy.jsontest2.Base"] + ["proto3." + n for n in (
                 "TestMessage", "TestOneof", "TestMap", "TestNestedMap", "TestStringMap", "TestWrapper",
                 "TestTimestamp", "TestDuration", "TestFieldMask", "TestStruct", "TestAny", "TestValue",
                 "TestListValue", "TestBoolValue", "TestCustomJsonName", "TestExtensions", "TestEnumValue")]
# Types an Any may hold in the random messages.
ANY_TYPES = ["buoy.jsontest.Scalars", "google.protobuf.Timestamp", "google.protobuf.Duration",
             "google.protobuf.Int32Value", "google.protobuf.StringValue", "google.protobuf.FieldMask",
             "google.protobuf.Empty", "google.protobuf.Struct", "google.protobuf.Value",
             "google.protobuf.ListValue", "buoy.jsontest.Maps", "google.protobuf.Any"]


class Schema:
    def __init__(self, set_path):
        fds = descriptor_pb2.FileDescriptorSet.FromString(open(set_path, "rb").read())
        self.pool = descriptor_pool.DescriptorPool()
        seen = set()
        for f in fds.file:
            if f.name not in seen:
                seen.add(f.name)
                self.pool.Add(f)
        self.factory = message_factory.MessageFactory(self.pool)

    def cls(self, name):
        return self.factory.GetPrototype(self.pool.FindMessageTypeByName(name))


# ------------------------------------------------------------------ random messages

INT_EDGES = {
    FD.TYPE_INT32: (-2**31, 2**31 - 1), FD.TYPE_SINT32: (-2**31, 2**31 - 1), FD.TYPE_SFIXED32: (-2**31, 2**31 - 1),
    FD.TYPE_UINT32: (0, 2**32 - 1), FD.TYPE_FIXED32: (0, 2**32 - 1),
    FD.TYPE_INT64: (-2**63, 2**63 - 1), FD.TYPE_SINT64: (-2**63, 2**63 - 1), FD.TYPE_SFIXED64: (-2**63, 2**63 - 1),
    FD.TYPE_UINT64: (0, 2**64 - 1), FD.TYPE_FIXED64: (0, 2**64 - 1),
}


def rand_int(rng, t):
    lo, hi = INT_EDGES[t]
    k = rng.random()
    if k < 0.2:
        return rng.choice([lo, hi, 0, 1, -1 if lo < 0 else 2, lo + 1, hi - 1])
    if k < 0.5:
        return max(lo, min(hi, rng.randint(-1000, 1000)))
    return rng.randint(lo, hi)


def rand_double(rng):
    k = rng.random()
    if k < 0.15:
        return rng.choice([0.0, -0.0, 1.0, -1.0, 0.1, 1e300, -1e-300, 5e-324, 1.7976931348623157e308,
                           float("nan"), float("inf"), float("-inf"), 123456789.0, 1e21, 1e-7])
    if k < 0.4:
        return float(rng.randint(-10**6, 10**6)) / rng.choice([1, 10, 100, 1000, 3])
    if k < 0.7:
        return rng.uniform(-1e6, 1e6)
    v = struct.unpack("<d", struct.pack("<Q", rng.getrandbits(64)))[0]
    return float("nan") if math.isnan(v) else v  # JSON keeps no NaN payload


def rand_float(rng):
    k = rng.random()
    if k < 0.15:
        # (not +-FLT_MAX: python 3.21 cannot read back the text it writes for them)
        v = rng.choice([0.0, -0.0, 1.0, 0.1, 3.4028232635611926e38, -3.4028232635611926e38, 1.401298464324817e-45,
                        float("nan"), float("inf"), float("-inf"), 16777217.0])
    elif k < 0.5:
        v = rng.uniform(-1e4, 1e4)
    else:
        v = struct.unpack("<f", struct.pack("<I", rng.getrandbits(32)))[0]
    v = struct.unpack("<f", struct.pack("<f", v))[0]
    return float("nan") if math.isnan(v) else v


STRING_PIECES = ["a", "Z", "0", " ", "\"", "\\", "/", "\n", "\t", "\r", "\b", "\f", "\x00", "\x01", "\x1f", "\x7f",
                 "é", "€", "😀", "\u2028", "\ufeff", "\U0010ffff", "<", "&", "'", "hello", "\u0800"]


def rand_string(rng):
    return "".join(rng.choice(STRING_PIECES) for _ in range(rng.randint(0, 8)))


def rand_bytes(rng):
    return bytes(rng.getrandbits(8) for _ in range(rng.randint(0, 12)))


def rand_path(rng):
    words = ["a", "foo", "bar_baz", "x1", "long_field_name", "b_c_d", "q"]
    return ".".join(rng.choice(words) for _ in range(rng.randint(1, 3)))


def fill_wkt(rng, m, depth):
    """Fills a well-known type with a valid value; False when m is not one."""
    name = m.DESCRIPTOR.full_name
    if name == "google.protobuf.Timestamp":
        m.seconds = rng.choice([rng.randint(-62135596800, 253402300799), 0, -1, 253402300799, -62135596800,
                                rng.randint(-10**9, 2 * 10**9)])
        m.nanos = rng.choice([0, rng.randint(0, 999) * 1000000, rng.randint(0, 999999) * 1000,
                              rng.randint(0, 999999999), 999999999])
    elif name == "google.protobuf.Duration":
        s = rng.choice([rng.randint(-315576000000, 315576000000), 0, 1, -1, rng.randint(-10**6, 10**6)])
        n = rng.choice([0, rng.randint(0, 999) * 1000000, rng.randint(0, 999999) * 1000, rng.randint(0, 999999999)])
        if s < 0 or (s == 0 and rng.random() < 0.5):
            n = -n
        m.seconds, m.nanos = s, n
    elif name == "google.protobuf.FieldMask":
        for _ in range(rng.randint(0, 3)):
            m.paths.append(rand_path(rng))
    elif name == "google.protobuf.Any":
        if rng.random() < 0.2:
            return True  # an empty Any
        inner_name = rng.choice(ANY_TYPES if depth < 3 else ANY_TYPES[:-1])
        inner = SCHEMA.cls(inner_name)()
        fill(rng, inner, depth + 1)
        m.Pack(inner)
    elif name.startswith("google.protobuf.") and name.endswith("Value") and name not in (
            "google.protobuf.Value", "google.protobuf.ListValue"):
        f = m.DESCRIPTOR.fields_by_name["value"]
        if rng.random() < 0.8:
            setattr(m, "value", rand_scalar(rng, f))
    elif name == "google.protobuf.Empty":
        pass
    elif name == "google.protobuf.Struct":
        for _ in range(rng.randint(0, 3)):
            fill_value(rng, m.fields[rand_string(rng)], depth + 1)
    elif name == "google.protobuf.ListValue":
        for _ in range(rng.randint(0, 3)):
            fill_value(rng, m.values.add(), depth + 1)
    elif name == "google.protobuf.Value":
        fill_value(rng, m, depth)
    else:
        return False
    return True


def fill_value(rng, v, depth):
    """A google.protobuf.Value of a random kind (NaN and the infinities too:
    written as strings, they read back as string_value; see as_read_back)."""
    k = rng.randint(0, 5 if depth < 4 else 3)
    if k == 0:
        v.null_value = 0
    elif k == 1:
        v.number_value = rand_double(rng)
    elif k == 2:
        v.string_value = rand_string(rng)
    elif k == 3:
        v.bool_value = rng.random() < 0.5
    elif k == 4:
        v.struct_value.SetInParent()
        fill_wkt(rng, v.struct_value, depth + 1)
    else:
        v.list_value.SetInParent()
        fill_wkt(rng, v.list_value, depth + 1)


def rand_key(rng, f):
    if f.type == FD.TYPE_STRING:
        return rand_string(rng)
    return rand_scalar(rng, f)


def rand_scalar(rng, f):
    t = f.type
    if t in INT_EDGES:
        return rand_int(rng, t)
    if t == FD.TYPE_DOUBLE:
        return rand_double(rng)
    if t == FD.TYPE_FLOAT:
        return rand_float(rng)
    if t == FD.TYPE_BOOL:
        return rng.random() < 0.5
    if t == FD.TYPE_STRING:
        return rand_string(rng)
    if t == FD.TYPE_BYTES:
        return rand_bytes(rng)
    if t == FD.TYPE_ENUM:
        values = [v.number for v in f.enum_type.values]
        if f.file.syntax == "proto3" and rng.random() < 0.15 and f.enum_type.full_name != "google.protobuf.NullValue":
            return rng.choice([rng.randint(-2**31, 2**31 - 1), 77, -5])
        return rng.choice(values)
    raise ValueError("no random value for type %d" % t)


def fill(rng, m, depth=0):
    if fill_wkt(rng, m, depth):
        return
    d = m.DESCRIPTOR
    chosen_oneofs = {o.name: rng.choice(o.fields) for o in d.oneofs}
    for f in d.fields:
        o = f.containing_oneof
        if o is not None and chosen_oneofs.get(o.name) is not f:
            continue
        if rng.random() < 0.35:
            continue
        if f.message_type is not None and f.message_type.GetOptions().map_entry:
            kf, vf = f.message_type.fields_by_name["key"], f.message_type.fields_by_name["value"]
            mp = getattr(m, f.name)
            for _ in range(rng.randint(0, 3)):
                key = rand_key(rng, kf)
                if vf.message_type is not None:
                    if depth < 4:
                        fill(rng, mp[key], depth + 1)
                else:
                    mp[key] = rand_scalar(rng, vf)
        elif f.message_type is not None:
            if depth >= 4:
                continue
            if f.label == FD.LABEL_REPEATED:
                for _ in range(rng.randint(0, 3)):
                    fill(rng, getattr(m, f.name).add(), depth + 1)
            else:
                sub = getattr(m, f.name)
                sub.SetInParent()
                fill(rng, sub, depth + 1)
        elif f.label == FD.LABEL_REPEATED:
            getattr(m, f.name).extend(rand_scalar(rng, f) for _ in range(rng.randint(0, 4)))
        else:
            setattr(m, f.name, rand_scalar(rng, f))
    if d.is_extendable:
        for e in SCHEMA.pool.FindAllExtensions(d):
            if rng.random() < 0.5:
                continue
            if e.message_type is not None:
                if depth < 4:
                    fill(rng, m.Extensions[e], depth + 1)
            elif e.label == FD.LABEL_REPEATED:
                # python 3.21 writes repeated extensions under their json_name
                # (and cannot read that back): tests/cases_json.py checks them
                continue
            else:
                m.Extensions[e] = rand_scalar(rng, e)


# ------------------------------------------------------------------ the tool

def run_tool(tool, lines):
    p = subprocess.run(shlex.split(tool), input=("\n".join(lines) + "\n").encode(), capture_output=True, timeout=600)
    if p.returncode != 0 or p.stderr:
        raise RuntimeError("json-tool exit %d:\n%s" % (p.returncode, p.stderr.decode("utf-8", "replace")[-3000:]))
    out = p.stdout.decode().split("\n")
    if len(out) != len(lines) + 1:
        raise RuntimeError("json-tool answered %d lines for %d" % (len(out) - 1, len(lines)))
    return out[:-1]


def tool_encode_cmd(name, flags, indent, m):
    return "E %s %d %d %s" % (name, flags, indent, m.SerializeToString().hex())


def tool_decode_cmd(name, flags, text):
    return "D %s %d %s" % (name, flags, text.encode("utf-8").hex())


def py_kwargs(flags):
    return dict(including_default_value_fields=bool(flags & EMIT_DEFAULTS),
                preserving_proto_field_name=bool(flags & PROTO_NAMES),
                use_integers_for_enums=bool(flags & ENUMS_AS_INTS))


def py_json(m, flags):
    return json_format.MessageToJson(m, descriptor_pool=SCHEMA.pool, **py_kwargs(flags))


def significant_digits(text):
    mant = text.lower().split("e")[0].lstrip("-").replace(".", "").lstrip("0").rstrip("0")
    return len(mant)


def same_float32(mine, theirs):
    """float fields: python prints at least 6 digits (1.4013e-45), buoy the
    shortest text that reads back as the same float (1e-45)."""
    if not isinstance(theirs, FloatText) or significant_digits(theirs.text) > 9:
        return False
    try:
        f32 = lambda x: struct.unpack("<f", struct.pack("<f", float(x)))[0]
        return f32(mine) == f32(theirs)
    except OverflowError:
        return False


def same_json(mine, theirs, path="$"):
    """None when two parsed JSON values agree, else where they differ."""
    if isinstance(theirs, dict):
        if not isinstance(mine, dict):
            return "%s: %r, expected an object" % (path, mine)
        if set(mine) != set(theirs):
            return "%s: keys %s, expected %s" % (path, sorted(mine), sorted(theirs))
        for k in theirs:
            d = same_json(mine[k], theirs[k], path + "." + k)
            if d:
                return d
        return None
    if isinstance(theirs, list):
        if not isinstance(mine, list) or len(mine) != len(theirs):
            return "%s: %r, expected %r" % (path, mine, theirs)
        for i, (a, b) in enumerate(zip(mine, theirs)):
            d = same_json(a, b, "%s[%d]" % (path, i))
            if d:
                return d
        return None
    if isinstance(theirs, bool) or isinstance(mine, bool) or theirs is None or isinstance(theirs, str):
        return None if mine == theirs and type(mine) == type(theirs) else "%s: %r, expected %r" % (path, mine, theirs)
    # numbers: equal values; floats no longer than python's shortest text
    if not isinstance(mine, (int, float)) or (float(mine) != float(theirs) and not same_float32(mine, theirs)) or (
            isinstance(mine, int) and isinstance(theirs, int) and mine != theirs):
        return "%s: %r, expected %r" % (path, mine, theirs)
    d = shortest_check(mine, theirs)
    return "%s: %s" % (path, d) if d else None


class FloatText(float):
    """A parsed JSON number with a fraction or an exponent, and its text."""

    def __new__(cls, text):
        v = float.__new__(cls, text)
        v.text = text
        return v


def load(text):
    return json.loads(text, parse_float=FloatText)


def shortest_check(mine, theirs):
    """buoy's float text has no more significant digits than python's."""
    if isinstance(mine, FloatText) and isinstance(theirs, FloatText):
        if significant_digits(mine.text) > max(significant_digits(theirs.text), 1):
            return "number %s is longer than python's %s" % (mine.text, theirs.text)
    return None


def presence_keys(m, flags):
    """Keys python 3.21 writes with EMIT_DEFAULTS (including_default_value_fields)
    that buoy cannot: unset singular non-message fields with explicit
    presence outside any oneof, i.e. proto2 optional and required fields
    (and, by the same rule, editions' explicit presence), which python
    writes with their declared [default] or zero (a closed enum: its first
    value). buoy's tables hold neither the declared defaults nor what tells
    a proto2 optional field from a proto3 `optional` one (both a hasbit),
    and python writes no proto3 `optional` field (its synthetic oneof makes
    it a oneof member, which python skips, as it skips singular messages):
    so buoy writes no unset field with presence. Repeated fields and maps
    are written empty by both."""
    out = set()
    for f in m.DESCRIPTOR.fields:
        if f.label == FD.LABEL_REPEATED or f.message_type is not None or f.containing_oneof is not None:
            continue
        if f.has_presence and not m.HasField(f.name):
            out.add(f.name if flags & PROTO_NAMES else f.json_name)
    return out


def drop_keys(value, m, flags, problems):
    """Removes presence_keys from python's JSON (messages and their JSON
    objects walked together); a key python did not write is a problem (the
    rule above no longer describes python)."""
    if not isinstance(value, dict) or m.DESCRIPTOR.full_name.startswith("google.protobuf."):
        return
    for k in presence_keys(m, flags):
        if k not in value:
            problems.append("python did not write unset field %s of %s" % (k, m.DESCRIPTOR.full_name))
        value.pop(k, None)
    fields = list(m.DESCRIPTOR.fields)
    fields += [e for e, _ in m.ListFields() if e.is_extension]
    for f in fields:
        key = "[%s]" % f.full_name if f.is_extension else f.name if flags & PROTO_NAMES else f.json_name
        if f.message_type is None or key not in value or f.message_type.GetOptions().map_entry:
            continue
        sub = m.Extensions[f] if f.is_extension else getattr(m, f.name)
        if f.label == FD.LABEL_REPEATED:
            for x, v in zip(sub, value[key]):
                drop_keys(v, x, flags, problems)
        elif f.is_extension or m.HasField(f.name):
            drop_keys(value[key], sub, flags, problems)


def canon(m):
    """The message's deterministic encoding, with the bytes of every Any in it
    made deterministic too (their map entries sorted), so equal messages
    give equal bytes."""
    m2 = type(m)()
    m2.CopyFrom(m)
    canon_in_place(m2)
    return m2.SerializeToString(deterministic=True)


def canon_in_place(m):
    if m.DESCRIPTOR.full_name == "google.protobuf.Any":
        if m.type_url:
            inner = SCHEMA.cls(m.type_url.split("/")[-1])()
            inner.ParseFromString(m.value)
            m.value = canon(inner)
        return
    for f, v in m.ListFields():
        if f.message_type is None:
            continue
        if f.message_type.GetOptions().map_entry:
            if f.message_type.fields_by_name["value"].message_type is not None:
                for k in v:
                    canon_in_place(v[k])
        elif f.label == FD.LABEL_REPEATED:
            for x in v:
                canon_in_place(x)
        else:
            canon_in_place(v)


def special_text(x):
    return "NaN" if math.isnan(x) else "Infinity" if x > 0 else "-Infinity"


def as_read_back(m):
    """m as its JSON reads back: a Value holding NaN or an infinity is
    written as the string "NaN", "Infinity" or "-Infinity" (by python 3.21
    and buoy alike), which reads back as that string_value."""
    m2 = type(m)()
    m2.CopyFrom(m)
    specials_as_strings(m2)
    return m2


def specials_as_strings(m):
    name = m.DESCRIPTOR.full_name
    if name == "google.protobuf.Value":
        if m.WhichOneof("kind") == "number_value" and not math.isfinite(m.number_value):
            m.string_value = special_text(m.number_value)
            return
    elif name == "google.protobuf.Any":
        if m.type_url:
            inner = SCHEMA.cls(m.type_url.split("/")[-1])()
            inner.ParseFromString(m.value)
            specials_as_strings(inner)
            m.value = inner.SerializeToString()
        return
    for f, v in m.ListFields():
        if f.message_type is None:
            continue
        if f.message_type.GetOptions().map_entry:
            if f.message_type.fields_by_name["value"].message_type is not None:
                for k in v:
                    specials_as_strings(v[k])
        elif f.label == FD.LABEL_REPEATED:
            for x in v:
                specials_as_strings(x)
        else:
            specials_as_strings(v)


def text_diff(want, got):
    import difflib
    lines = difflib.unified_diff(str(want).splitlines(), str(got).splitlines(), "expected", "got", lineterm="", n=1)
    return "\n    ".join(list(lines)[:12])


def random_mode(tool, seed, count):
    rng = random.Random(seed)
    msgs = []
    for i in range(count):
        name = TOP_TYPES[i % len(TOP_TYPES)]
        m = SCHEMA.cls(name)()
        fill(rng, m)
        msgs.append((name, m))
    flag_sets = [0, EMIT_DEFAULTS, PROTO_NAMES, ENUMS_AS_INTS, EMIT_DEFAULTS | PROTO_NAMES | ENUMS_AS_INTS]
    cmds, checks = [], []
    for name, m in msgs:
        for flags in flag_sets:
            cmds.append(tool_encode_cmd(name, flags, 0, m))
            checks.append(("encode", name, m, flags))
        cmds.append(tool_encode_cmd(name, 0, 2, m))
        checks.append(("pretty", name, m, 0))
        for flags in (0, PROTO_NAMES, ENUMS_AS_INTS):
            cmds.append(tool_decode_cmd(name, 0, py_json(m, flags)))
            checks.append(("decode", name, m, flags))
    answers = run_tool(tool, cmds)
    problems = []
    checked = 0
    for (kind, name, m, flags), ans in zip(checks, answers):
        status, _, payload = ans.partition(" ")
        where = "%s %s flags=%d message=%s" % (kind, name, flags, m.SerializeToString().hex()[:400])
        if status != "OK":
            problems.append("%s: buoy failed: %s" % (where, payload))
            continue
        checked += 1
        if kind in ("encode", "pretty"):
            mine_text = bytes.fromhex(payload).decode("utf-8")
            theirs_text = py_json(m, flags)
            mine = load(mine_text)
            theirs = load(theirs_text)
            if flags & EMIT_DEFAULTS:
                missing = []
                drop_keys(theirs, m, flags, missing)
                if missing:
                    problems.append("%s: %s" % (where, missing[0]))
                    continue
            d = same_json(mine, theirs)
            if d:
                problems.append("%s: %s\n  buoy:   %s\n  python: %s" % (where, d, mine_text[:600], theirs_text[:600]))
                continue
            if kind == "pretty" and "\n  " not in mine_text and mine_text not in ("{}",):
                problems.append("%s: indent 2 gave no indented lines: %s" % (where, mine_text[:200]))
                continue
            back = SCHEMA.cls(name)()
            try:
                json_format.Parse(mine_text, back, descriptor_pool=SCHEMA.pool)
            except json_format.ParseError as e:
                problems.append("%s: python cannot parse buoy's JSON: %s\n  %s" % (where, e, mine_text[:600]))
                continue
            if canon(back) != canon(as_read_back(m)):
                problems.append("%s: python reads buoy's JSON as another message: %s\n  %s" % (
                    where, text_diff(as_read_back(m), back), mine_text[:600]))
        else:
            back = SCHEMA.cls(name).FromString(bytes.fromhex(payload))
            if canon(back) != canon(as_read_back(m)):
                problems.append("%s: buoy reads python's JSON as another message: %s\n  json: %s" % (
                    where, text_diff(as_read_back(m), back), py_json(m, flags)[:600]))
    return problems, checked


# ------------------------------------------------------------------ malformed input

MALFORMED = [
    # (type, JSON): python's json_format rejects each
    ("buoy.jsontest.Scalars", ''),
    ("buoy.jsontest.Scalars", '{'),
    ("buoy.jsontest.Scalars", '{"fInt32": 1,}'),
    ("buoy.jsontest.Scalars", '{"fInt32": 1} x'),
    ("buoy.jsontest.Scalars", '{"fInt32": 1}{}'),
    ("buoy.jsontest.Scalars", '{"fInt32" 1}'),
    ("buoy.jsontest.Scalars", "{'fInt32': 1}"),
    ("buoy.jsontest.Scalars", '{"fInt32": 1, "fInt32": 2}'),
    ("buoy.jsontest.Scalars", '{"noSuchField": 1}'),
    ("buoy.jsontest.Scalars", '{"fInt32": 1.5}'),
    ("buoy.jsontest.Scalars", '{"fInt32": 2147483648}'),
    ("buoy.jsontest.Scalars", '{"fInt32": -2147483649}'),
    ("buoy.jsontest.Scalars", '{"fUint32": -1}'),
    ("buoy.jsontest.Scalars", '{"fUint32": 4294967296}'),
    ("buoy.jsontest.Scalars", '{"fInt64": "9223372036854775808"}'),
    ("buoy.jsontest.Scalars", '{"fUint64": "18446744073709551616"}'),
    ("buoy.jsontest.Scalars", '{"fUint64": "-1"}'),
    ("buoy.jsontest.Scalars", '{"fInt64": "1 "}'),
    ("buoy.jsontest.Scalars", '{"fInt64": "x"}'),
    ("buoy.jsontest.Scalars", '{"fInt32": true}'),
    ("buoy.jsontest.Scalars", '{"fInt32": 01}'),
    ("buoy.jsontest.Scalars", '{"fInt32": +1}'),
    ("buoy.jsontest.Scalars", '{"fInt32": [1]}'),
    ("buoy.jsontest.Scalars", '{"fDouble": NaN}'),
    ("buoy.jsontest.Scalars", '{"fDouble": "nan"}'),
    ("buoy.jsontest.Scalars", '{"fDouble": Infinity}'),
    ("buoy.jsontest.Scalars", '{"fDouble": 1e999}'),
    ("buoy.jsontest.Scalars", '{"fDouble": "abc"}'),
    ("buoy.jsontest.Scalars", '{"fFloat": 3.5e38}'),
    ("buoy.jsontest.Scalars", '{"fFloat": -3.5e38}'),
    ("buoy.jsontest.Scalars", '{"fBool": "true"}'),
    ("buoy.jsontest.Scalars", '{"fBool": 1}'),
    ("buoy.jsontest.Scalars", '{"fBool": tru}'),
    ("buoy.jsontest.Scalars", '{"fString": 1}'),
    ("buoy.jsontest.Scalars", '{"fString": "\\x"}'),
    ("buoy.jsontest.Scalars", '{"fString": "\\ud800"}'),
    ("buoy.jsontest.Scalars", '{"fString": "\\udc00"}'),
    ("buoy.jsontest.Scalars", '{"fString": "\\u12"}'),
    ("buoy.jsontest.Scalars", '{"fString": "a\nb"}'),
    ("buoy.jsontest.Scalars", '{"fString": "abc}'),
    ("buoy.jsontest.Scalars", '{"fBytes": "a"}'),
    ("buoy.jsontest.Scalars", '{"fBytes": 12}'),
    ("buoy.jsontest.Scalars", '{"fEnum": "PURPLE"}'),
    ("buoy.jsontest.Repeated", '{"rInt32": 1}'),
    ("buoy.jsontest.Repeated", '{"rInt32": [1, null]}'),
    ("buoy.jsontest.Repeated", '{"rInt32": [1,]}'),
    ("buoy.jsontest.Repeated", '{"rMsg": [null]}'),
    ("buoy.jsontest.Repeated", '{"rMsg": [1]}'),
    ("buoy.jsontest.Repeated", '{"rString": ["a", 2]}'),
    ("buoy.jsontest.Top", '{"oInt32": 1, "oString": "a"}'),
    ("buoy.jsontest.Top", '{"oMsg": {}, "oEnum": "RED"}'),
    ("buoy.jsontest.Top", '{"scalars": 1}'),
    ("buoy.jsontest.Top", '{"customName": 1, "jsonNamed": 2}'),
    ("buoy.jsontest.Top", '{"child": {"child": {"child": {"noField": 1}}}}'),
    ("buoy.jsontest.Top", '{"child": ' * 120 + '{}' + '}' * 120),
    ("buoy.jsontest.Wkts", '{"timestamp": "1970-01-01T00:00:00"}'),
    ("buoy.jsontest.Wkts", '{"timestamp": "1970-13-01T00:00:00Z"}'),
    ("buoy.jsontest.Wkts", '{"timestamp": "0000-12-31T00:00:00Z"}'),
    ("buoy.jsontest.Wkts", '{"timestamp": "1970-01-01T00:00:00.1234567890Z"}'),
    ("buoy.jsontest.Wkts", '{"timestamp": "1970-01-01 00:00:00Z"}'),
    ("buoy.jsontest.Wkts", '{"timestamp": 0}'),
    ("buoy.jsontest.Wkts", '{"duration": "1"}'),
    ("buoy.jsontest.Wkts", '{"duration": "315576000001s"}'),
    ("buoy.jsontest.Wkts", '{"duration": 1}'),
    ("buoy.jsontest.Wkts", '{"fieldMask": "foo_bar"}'),
    ("buoy.jsontest.Wkts", '{"fieldMask": 1}'),
    ("buoy.jsontest.Wkts", '{"wInt32": "x"}'),
    ("buoy.jsontest.Wkts", '{"wInt32": {"value": 1}}'),
    ("buoy.jsontest.Wkts", '{"wBool": 1}'),
    ("buoy.jsontest.Wkts", '{"wString": 1}'),
    ("buoy.jsontest.Wkts", '{"empty": {"a": 1}}'),
    ("buoy.jsontest.Wkts", '{"any": {"fInt32": 1}}'),
    ("buoy.jsontest.Wkts", '{"any": {"@type": "type.googleapis.com/no.Such"}}'),
    ("buoy.jsontest.Wkts", '{"any": {"@type": "type.googleapis.com/buoy.jsontest.Scalars", "noField": 1}}'),
    ("buoy.jsontest.Wkts", '{"any": {"@type": "type.googleapis.com/buoy.jsontest.Scalars", "fInt32": "x"}}'),
    ("buoy.jsontest.Wkts", '{"any": {"@type": "type.googleapis.com/google.protobuf.Timestamp", "value": 1}}'),
    ("buoy.jsontest.Wkts", '{"any": 1}'),
    ("buoy.jsontest.Wkts", '{"struct": []}'),
    ("buoy.jsontest.Wkts", '{"struct": {"a": }}'),
    ("buoy.jsontest.Wkts", '{"struct": {"a": 1, "a": 2}}'),
    ("buoy.jsontest.Wkts", '{"listValue": {}}'),
    ("buoy.jsontest.Wkts", '{"value": undefined}'),
    ("buoy.jsontest.Wkts", '{"rValue": [1, ]}'),
    ("buoy.jsontest.Wkts", '{"mValue": {"a": nul}}'),
    ("buoy.jsontest.Maps", '{"mInt32": {"x": 1}}'),
    ("buoy.jsontest.Maps", '{"mInt32": {"1": 1, "1": 2}}'),
    ("buoy.jsontest.Maps", '{"mInt32": {"1": null}}'),
    ("buoy.jsontest.Maps", '{"mInt32": []}'),
    ("buoy.jsontest.Maps", '{"mInt32": {1: 1}}'),
    ("buoy.jsontest.Maps", '{"mUint32": {"-1": 1}}'),
    ("buoy.jsontest.Maps", '{"mInt64": {"9223372036854775808": 1}}'),
    ("buoy.jsontest.Maps", '{"mBool": {"yes": "a"}}'),
    ("buoy.jsontest.Maps", '{"mString": {"a": 1}}'),
    ("buoy.jsontest.Maps", '{"mMsg": {"a": {"mInt32": {"1": "x"}}}}'),
    ("buoy.jsontest.Maps", '{"mFixed64": {"1": "PURPLE"}}'),
    ("buoy.jsontest2.Base", '{"level": 7}'),
    ("buoy.jsontest2.Base", '{"level": "MEDIUM"}'),
    ("buoy.jsontest2.Base", '{"[buoy.jsontest2.no_such]": 1}'),
    ("buoy.jsontest2.Base", '{"[buoy.jsontest2.ext_int32]": "x"}'),
    ("buoy.jsontest2.Base", '{"[buoy.jsontest2.ext_base]": {"id": "x"}}'),
    ("buoy.jsontest2.Base", '{"item": {"count": 1.5}}'),
    ("buoy.jsontest.Scalars", '{"[buoy.jsontest2.ext_int32]": 1}'),
]

# Inputs python 3.21 accepts but the JSON mapping does not (and neither does
# buoy, nor protobuf's C++ parser): checked against buoy alone.
STRICTER = [
    ("buoy.jsontest.Scalars", '[]'),
    ("buoy.jsontest.Scalars", '{"fInt32": 1, "f_int32": 2}'),
    ("buoy.jsontest.Scalars", '{"fEnum": 1.5}'),
    ("buoy.jsontest.Scalars", '{"fEnum": true}'),
    ("buoy.jsontest.Top", '{"scalars": []}'),
    ("buoy.jsontest.Wkts", '{"duration": "1.s"}'),
    ("buoy.jsontest.Wkts", '{"duration": "1.0000000001s"}'),
    ("buoy.jsontest.Wkts", '{"empty": []}'),
    # python's json module reads these tokens (a Value's number_value); JSON has none
    ("buoy.jsontest.Wkts", '{"value": NaN}'),
    ("buoy.jsontest.Wkts", '{"rValue": [Infinity]}'),
    ("buoy.jsontest.Wkts", '{"struct": {"a": -Infinity}}'),
]


def malformed_mode(tool):
    problems = []
    cmds = []
    for name, text in MALFORMED:
        try:
            json_format.Parse(text, SCHEMA.cls(name)(), descriptor_pool=SCHEMA.pool)
            problems.append("python accepts %s %r: not a malformed case" % (name, text[:200]))
        except (json_format.ParseError, KeyError, TypeError, ValueError, RecursionError):
            pass
        cmds.append(tool_decode_cmd(name, 0, text))
    cmds += [tool_decode_cmd(name, 0, text) for name, text in STRICTER]
    for (name, text), ans in zip(MALFORMED + STRICTER, run_tool(tool, cmds)):
        status, _, payload = ans.partition(" ")
        if status == "OK":
            problems.append("buoy accepts %s %r" % (name, text[:200]))
        elif not payload.split(" ")[0] in ("2", "3", "4", "5"):
            problems.append("buoy rejects %s %r with an unexpected status: %s" % (name, text[:200], payload))
        elif len(payload.split(" ")) < 4:
            problems.append("buoy's error has no position and message: %s" % payload)
    return problems, len(MALFORMED) + len(STRICTER)


def main():
    global SCHEMA
    tool, set_path, seed, count, mode = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), sys.argv[5]
    SCHEMA = Schema(set_path)
    if mode == "random":
        problems, checked = random_mode(tool, seed, count)
    else:
        problems, checked = malformed_mode(tool)
    for p in problems[:20]:
        print(p)
    if len(problems) > 20:
        print("... and %d more" % (len(problems) - 20))
    print("%d checked, %d problems" % (checked, len(problems)))
    return 1 if problems else 0


SCHEMA = None

if __name__ == "__main__":
    sys.exit(main())
