#!/usr/bin/env python3
"""Compares two FileDescriptorSets (or buf images) file by file, byte for byte.

Usage: tests/fdsdiff.py EXPECTED ACTUAL [--only NAME...]

Files are matched by name (field 1 of each FileDescriptorProto). For each
file whose bytes differ, prints the wire-level path to the first difference
(field numbers and indices), so a mismatch deep in options or source info is
readable without a protobuf library. Exits 1 if any file differs or is
missing on one side.
"""
import sys


def varint(b, i):
    r = s = 0
    while True:
        c = b[i]
        i += 1
        r |= (c & 0x7f) << s
        s += 7
        if c < 0x80:
            return r, i


def fields(b):
    """[(number, wire type, value, raw bytes of the whole field)]; None if b
    does not parse as a message."""
    i, out = 0, []
    try:
        while i < len(b):
            start = i
            k, i = varint(b, i)
            n, t = k >> 3, k & 7
            if n == 0:
                return None
            if t == 0:
                v, i = varint(b, i)
            elif t == 2:
                ln, i = varint(b, i)
                if i + ln > len(b):
                    return None
                v = b[i:i + ln]
                i += ln
            elif t == 5:
                v = b[i:i + 4]
                i += 4
            elif t == 1:
                v = b[i:i + 8]
                i += 8
            elif t in (3, 4):
                v = None
            else:
                return None
            if i > len(b):
                return None
            out.append((n, t, v, b[start:i]))
    except IndexError:
        return None
    return out


def first_diff(a, b, path):
    if a == b:
        return None
    fa, fb = fields(a), fields(b)
    if fa is None or fb is None:
        return "%s: expected %r, got %r" % (path or "$", a[:120], b[:120])
    for k, (x, y) in enumerate(zip(fa, fb)):
        if x[3] == y[3]:
            continue
        here = "%s/%d[#%d]" % (path, x[0], k)
        if x[0] != y[0] or x[1] != y[1]:
            return "%s: expected field %d (wire %d), got field %d (wire %d)" % (path + "[#%d]" % k, x[0], x[1], y[0], y[1])
        if x[1] == 2:
            d = first_diff(x[2], y[2], here)
            if d:
                return d
        return "%s: expected %r, got %r" % (here, x[2], y[2])
    if len(fa) != len(fb):
        extra = fa[len(fb):] if len(fa) > len(fb) else fb[len(fa):]
        return "%s: expected %d fields, got %d (first extra: field %d = %r)" % (
            path or "$", len(fa), len(fb), extra[0][0], extra[0][2] if extra[0][1] != 2 else extra[0][2][:80])
    return None


def files_of(data):
    out = {}
    for n, t, v, _ in fields(data) or []:
        if n == 1 and t == 2:
            name = [x[2] for x in fields(v) if x[0] == 1][0].decode()
            out[name] = v
    return out


def main():
    args = sys.argv[1:]
    only = None
    if "--only" in args:
        k = args.index("--only")
        only = set(args[k + 1:])
        args = args[:k]
    exp = files_of(open(args[0], "rb").read())
    act = files_of(open(args[1], "rb").read())
    bad = 0
    for name in sorted(set(exp) | set(act)):
        if only and name not in only:
            continue
        if name not in act:
            print("%s: missing from the output" % name)
            bad += 1
        elif name not in exp:
            print("%s: not expected in the output" % name)
            bad += 1
        elif exp[name] != act[name]:
            print("%s: %s" % (name, first_diff(exp[name], act[name], "")))
            bad += 1
    if list(exp) != list(act) and not bad and not only:
        print("same files, different order: expected %s, got %s" % (list(exp), list(act)))
        bad += 1
    sys.exit(1 if bad else 0)


if __name__ == "__main__":
    main()
