#!/usr/bin/python3
"""A protoc plugin for buoy's tests (tests/cases_plugin.py), run by protoc
and by `buoy protoc` alike. What it answers depends on its parameter,
comma-separated words:

  capture=FILE   save the request's bytes in FILE
  files          one file NAME.txt per file to generate, listing its messages,
                 with insertion points in it
  insert         insert into the NAME.txt of an earlier generator (in the same
                 output directory), in two chunks (the second without a name)
  chunks         NAME.txt written as a named chunk and two unnamed ones
  error          answer with CodeGeneratorResponse.error
  exit3          exit with status 3 without answering
  garbage        answer with bytes that are not a CodeGeneratorResponse
  nofeatures     do not declare FEATURE_PROTO3_OPTIONAL
  badpoint       insert at an insertion point that does not exist
"""
import sys

from google.protobuf.compiler import plugin_pb2


def main():
    data = sys.stdin.buffer.read()
    req = plugin_pb2.CodeGeneratorRequest()
    req.ParseFromString(data)
    words = [w for w in req.parameter.split(",") if w]
    resp = plugin_pb2.CodeGeneratorResponse()
    if "nofeatures" not in words:
        resp.supported_features = plugin_pb2.CodeGeneratorResponse.FEATURE_PROTO3_OPTIONAL
    for w in words:
        if w.startswith("capture="):
            with open(w[len("capture="):], "wb") as f:
                f.write(data)
    if "exit3" in words:
        sys.exit(3)
    if "garbage" in words:
        sys.stdout.buffer.write(b"\xff\xff\xff")
        return
    if "error" in words:
        resp.error = "test plugin: asked to fail"
    by_name = {f.name: f for f in req.proto_file}
    for name in req.file_to_generate:
        out = name[:-len(".proto")] + ".txt"
        fd = by_name[name]
        if "files" in words:
            f = resp.file.add()
            f.name = out
            lines = ["file %s" % name, "  // @@protoc_insertion_point(messages)"]
            lines += ["  message %s" % m.name for m in fd.message_type]
            lines += ["\t@@protoc_insertion_point(end) tab-indented", "no indent:", "@@protoc_insertion_point(end2)", ""]
            f.content = "\n".join(lines)
        if "insert" in words:
            f = resp.file.add()
            f.name = out
            f.insertion_point = "messages"
            f.content = "inserted line 1\ninserted line 2"
            f = resp.file.add()
            f.content = " (continued)\n"
            f = resp.file.add()
            f.name = out
            f.insertion_point = "end"
            f.content = "at end\n"
            f = resp.file.add()
            f.name = out
            f.insertion_point = "end2"
            f.content = "no newline"
        if "chunks" in words:
            f = resp.file.add()
            f.name = out
            f.content = "one "
            resp.file.add().content = "two "
            resp.file.add().content = "three\n"
        if "badpoint" in words:
            f = resp.file.add()
            f.name = out
            f.insertion_point = "missing"
            f.content = "x\n"
    sys.stdout.buffer.write(resp.SerializeToString())


if __name__ == "__main__":
    main()
