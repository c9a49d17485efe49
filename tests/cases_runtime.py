"""runtime/pb against Python's protobuf, and its installation.

Categories:
  runtime/python/<check>  tests/pb_python.py: messages of
                          testdata/pb/handmade*.proto (compiled by protoc)
                          built and written by /usr/bin/python3's protobuf,
                          decoded and encoded again by pb-test's hand-written
                          tables: maps (deterministic bytes equal python's), ext (typed
                          extensions with a registry and raw without, read
                          back equal, bytes as python's), mset (message set
                          items, bytes as python's), malformed (9,000
                          damaged messages, proto3 strings and message set
                          items among them, and nesting at the limit:
                          accepted and rejected as python's C++ module
                          does).
  runtime/install         `meson install --destdir` of the build into a
                          temporary directory; a program over the installed
                          descriptor.proto bindings compiled through
                          `pkg-config buoy-pb` (shared library) and against
                          libbuoy-pb.a, and run."""
import json
import os
import subprocess
import tempfile

PYTHON = "/usr/bin/python3"


def cases(r, run):
    test = os.path.join(r.build, "tests", "pb-test")
    if not os.path.exists(test):
        return
    here = os.path.dirname(os.path.abspath(__file__))
    proto_dir = os.path.join(run.TESTDATA, "pb")

    def python_check(check):
        with tempfile.TemporaryDirectory() as tmp:
            fds = os.path.join(tmp, "handmade.pb")
            p = subprocess.run(["protoc", "-I", proto_dir, "--include_imports", "-o", fds, "handmade3.proto"],
                               capture_output=True, timeout=120)
            if p.returncode != 0:
                return "protoc failed: " + p.stderr.decode("utf-8", "replace")[:2000]
            p = subprocess.run([PYTHON, os.path.join(here, "pb_python.py"), test, fds, check], capture_output=True,
                               timeout=600)
            bad = run.sanitizer_noise(p.stderr)
            if bad or p.returncode != 0:
                return bad or (p.stdout + p.stderr).decode("utf-8", "replace")[-4000:]
            if r.verbose:
                print("     " + p.stdout.decode().strip())
        return None

    for check in ("maps", "ext", "mset", "malformed"):
        r.case("runtime/python/" + check, lambda check=check: python_check(check))
    install_case(r, run)


# Uses the installed headers and both libraries: builds a FileDescriptorProto
# with the generated bindings, encodes, decodes, copies and compares it, and
# finds its type in a registry.
INSTALL_PROGRAM = r"""
#include <stdio.h>
#include <string.h>

#include "google/protobuf/descriptor.pb.h"

int main(void) {
  bp_arena a;
  bp_arena_init(&a);
  google_protobuf_FileDescriptorProto *f = google_protobuf_FileDescriptorProto_new(&a);
  google_protobuf_FileDescriptorProto_set_name(f, bp_str_c("installed.proto"));
  google_protobuf_DescriptorProto *m = google_protobuf_FileDescriptorProto_add_message_type(f, &a);
  google_protobuf_DescriptorProto_set_name(m, bp_str_c("M"));
  bp_str out;
  if (bp_encode(&google_protobuf_FileDescriptorProto_msgdef, f, &a, NULL, &out) != BP_OK) return 1;
  google_protobuf_FileDescriptorProto *d = google_protobuf_FileDescriptorProto_decode(out.data, out.size, &a);
  void *c = d ? bp_msg_copy(&google_protobuf_FileDescriptorProto_msgdef, d, &a) : NULL;
  if (!c || !bp_msg_equal(&google_protobuf_FileDescriptorProto_msgdef, c, f)) return 1;
  bp_registry *r = bp_registry_new(&a);
  if (!r || !bp_registry_add_msgdef(r, &google_protobuf_FileDescriptorProto_msgdef)) return 1;
  const bp_msgdef *t = bp_registry_msgdef(r, bp_str_c("google.protobuf.FileDescriptorProto"));
  printf("%s %zu bytes %.*s\n", t ? t->full_name : "?", out.size,
         (int)google_protobuf_FileDescriptorProto_name(d).size, google_protobuf_FileDescriptorProto_name(d).data);
  bp_arena_free(&a);
  return 0;
}
"""
INSTALL_WANT = "google.protobuf.FileDescriptorProto 22 bytes installed.proto\n"


def install_case(r, run):
    def check():
        opts = json.loads(subprocess.run(["meson", "introspect", r.build, "--buildoptions"], capture_output=True,
                                         check=True).stdout)
        opt = {o["name"]: o["value"] for o in opts}
        # the installed libraries carry the build's sanitizers: the program needs them too
        san = opt.get("b_sanitize", "none")
        extra = ["-fsanitize=" + san] if san not in ("none", "") else []
        with tempfile.TemporaryDirectory() as tmp:
            dest = os.path.join(tmp, "dest")
            p = subprocess.run(["meson", "install", "-C", r.build, "--destdir", dest, "--quiet"],
                               capture_output=True, timeout=600)
            if p.returncode != 0:
                return "meson install failed:\n" + (p.stdout + p.stderr).decode("utf-8", "replace")[-3000:]
            prefix = dest + opt["prefix"]
            libdir = os.path.join(prefix, opt["libdir"])
            pc_dir = os.path.join(libdir, "pkgconfig")
            if not os.path.exists(os.path.join(pc_dir, "buoy-pb.pc")):
                return "no buoy-pb.pc in " + pc_dir
            for f in ("pb/pb.h", "pb/msg.h", "pb/wire.h", "pb/arena.h", "google/protobuf/descriptor.pb.h",
                      "google/protobuf/compiler/plugin.pb.h"):
                if not os.path.exists(os.path.join(prefix, opt["includedir"], "buoy", f)):
                    return "not installed: include/buoy/" + f
            if os.path.exists(os.path.join(prefix, opt["includedir"], "buoy", "pb", "internal.h")):
                return "pb/internal.h is installed"
            env = dict(os.environ, PKG_CONFIG_PATH=pc_dir)
            p = subprocess.run(["pkg-config", "--define-variable=prefix=" + prefix, "--cflags", "--libs", "buoy-pb"],
                               capture_output=True, env=env)
            if p.returncode != 0:
                return "pkg-config buoy-pb failed: " + p.stderr.decode()
            flags = p.stdout.decode().split()
            src = os.path.join(tmp, "prog.c")
            with open(src, "w") as f:
                f.write(INSTALL_PROGRAM)
            cc = os.environ.get("CC", "cc")
            strict = ["-std=c11", "-Wall", "-Wextra", "-Werror", "-pedantic"]
            shared, static = os.path.join(tmp, "prog-shared"), os.path.join(tmp, "prog-static")
            builds = [
                [cc] + strict + extra + [src, "-o", shared] + flags,
                [cc] + strict + extra + [src, "-o", static] + [x for x in flags if not x.startswith("-l")] +
                [os.path.join(libdir, "libbuoy-pb.a")],
            ]
            for cmd in builds:
                p = subprocess.run(cmd, capture_output=True)
                if p.returncode != 0:
                    return "%s\nfailed: %s" % (" ".join(cmd), p.stderr.decode("utf-8", "replace")[-3000:])
            for prog in (shared, static):
                p = subprocess.run([prog], capture_output=True, timeout=60,
                                   env=dict(os.environ, LD_LIBRARY_PATH=libdir))
                bad = run.sanitizer_noise(p.stderr)
                if bad or p.returncode != 0 or p.stdout.decode() != INSTALL_WANT:
                    return bad or "%s: exit %d, printed %r" % (os.path.basename(prog), p.returncode, p.stdout)
            # the shared program really uses the shared library
            p = subprocess.run(["ldd", shared], capture_output=True, env=dict(os.environ, LD_LIBRARY_PATH=libdir))
            if b"libbuoy-pb.so" not in p.stdout:
                return "prog-shared does not load libbuoy-pb.so:\n" + p.stdout.decode()
        return None

    r.case("runtime/install", check)
