#!/usr/bin/python3
"""py_same.py FDS TYPE A B: exit 0 when python-protobuf, with types built
from FDS, reads the files A and B as equal messages of TYPE (and A's bytes
re-serialized by python equal B's re-serialized), else prints why."""
import sys

from google.protobuf import descriptor_pb2, descriptor_pool, message_factory


def main():
    fds_path, type_name, a_path, b_path = sys.argv[1:5]
    fds = descriptor_pb2.FileDescriptorSet.FromString(open(fds_path, "rb").read())
    pool = descriptor_pool.DescriptorPool()
    for f in fds.file:
        pool.Add(f)
    desc = pool.FindMessageTypeByName(type_name)
    if hasattr(message_factory, "GetMessageClass"):
        cls = message_factory.GetMessageClass(desc)
    else:
        cls = message_factory.MessageFactory(pool).GetPrototype(desc)
    a = cls.FromString(open(a_path, "rb").read())
    b = cls.FromString(open(b_path, "rb").read())
    if a != b:
        print("python reads different messages")
        return 1
    if a.SerializeToString(deterministic=True) != b.SerializeToString(deterministic=True):
        print("python writes them differently")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
