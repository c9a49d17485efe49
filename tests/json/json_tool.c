/* A batch driver for runtime/pb's JSON (tests/cases_json.py): reads one
 * command a line on stdin and answers each with one line on stdout, so a
 * whole differential run is one process.
 *
 *   E TYPE FLAGS INDENT HEX   binary message (hex) -> "OK " hex(JSON) | "ERR " status message
 *   D TYPE FLAGS HEX          JSON (hex) -> "OK " hex(binary) | "ERR " status offset line:col message
 *
 * FLAGS is BP_JSON_* bits, optionally followed by ":MAX_DEPTH" and
 * ":MAX_SIZE" (json.h's limits). TYPE is a full message name of the test schemas (testdata/json/types3.proto,
 * types2.proto, and python's json_format_proto3.proto as tests/json/jfp3.py
 * writes it) or of a file they import (the well-known types); . The registry holds all of them, for Any and extensions. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "google/protobuf/util/json_format_proto3.pb.h"
#include "pb/dynamic.h"
#include "types2.pb.h"
#include "types3.pb.h"

#include "../hex.h"

static void one_line(char *line, const bp_registry *reg) {
  char *cmd = strtok(line, " \n"), *type = strtok(NULL, " \n"), *flags = strtok(NULL, " \n");
  char *indent = cmd && cmd[0] == 'E' ? strtok(NULL, " \n") : NULL;
  char *payload = strtok(NULL, " \n");
  if (!payload) payload = (char *)"";
  const bp_msgdef *t = type ? bp_registry_msgdef(reg, bp_str_c(type)) : NULL;
  if (!cmd || !t || !flags || (cmd[0] == 'E' && !indent)) {
    printf("ERR usage bad command line\n");
    return;
  }
  long n = unhex(payload);
  if (n < 0) {
    printf("ERR usage bad hex\n");
    return;
  }
  /* FLAGS[:MAX_DEPTH[:MAX_SIZE]] */
  char *end;
  bp_json_options o = {(uint32_t)strtoul(flags, &end, 10), indent ? (uint32_t)strtoul(indent, NULL, 10) : 0, 0, 0,
                       reg};
  if (*end == ':') o.max_depth = (uint32_t)strtoul(end + 1, &end, 10);
  if (*end == ':') o.max_size = (size_t)strtoull(end + 1, &end, 10);
  bp_arena a;
  bp_arena_init(&a);
  void *m = bp_msg_new(t, &a);
  bp_json_error err;
  if (cmd[0] == 'E') {
    bp_str out;
    bp_status s = bp_decode(t, m, payload, (size_t)n, &a, NULL);
    if (s != BP_OK) {
      printf("ERR %d binary input does not decode\n", (int)s);
    } else if ((s = bp_json_encode(t, m, &a, &o, &out, &err)) != BP_OK) {
      printf("ERR %d %s\n", (int)s, err.message);
    } else {
      printf("OK ");
      put_hex(out.data, out.size);
      printf("\n");
    }
  } else {
    bp_status s = bp_json_decode(t, m, payload, (size_t)n, &a, &o, &err);
    bp_str out;
    if (s != BP_OK) {
      printf("ERR %d %zu %u:%u %s\n", (int)s, err.offset, (unsigned)err.line, (unsigned)err.column, err.message);
    } else if ((s = bp_encode(t, m, &a, NULL, &out)) != BP_OK) {
      printf("ERR %d binary encoding failed\n", (int)s);
    } else {
      printf("OK ");
      put_hex(out.data, out.size);
      printf("\n");
    }
  }
  bp_arena_free(&a);
}

/* A registry of the dynamic tables built from the descriptor set at path. */
static bp_registry *dynamic_registry(const char *path, bp_arena *a) {
  FILE *f = fopen(path, "rb");
  if (!f) {
    fprintf(stderr, "json-tool: cannot open %s\n", path);
    return NULL;
  }
  size_t cap = 1 << 16, n = 0;
  char *data = bp_arena_malloc(a, cap);
  size_t got;
  while (data && (got = fread(data + n, 1, cap - n, f)) > 0) {
    n += got;
    if (n == cap) {
      data = bp_arena_realloc(a, data, cap, cap * 2);
      cap *= 2;
    }
  }
  fclose(f);
  char err[300];
  bp_dynpool *pool = data ? bp_dynpool_new(data, n, a, err, sizeof err) : NULL;
  if (!pool) {
    fprintf(stderr, "json-tool: %s: %s\n", path, data ? err : "out of memory");
    return NULL;
  }
  bp_registry *reg = bp_registry_new(a);
  size_t count;
  const bp_filedef *const *files = bp_dynpool_files(pool, &count);
  for (size_t i = 0; reg && i < count; i++)
    if (!bp_registry_add_file(reg, files[i])) reg = NULL;
  return reg;
}

int main(int argc, char **argv) {
  bp_arena ra;
  bp_arena_init(&ra);
  bp_registry *reg;
  if (argc == 3 && strcmp(argv[1], "--dynamic") == 0) {
    reg = dynamic_registry(argv[2], &ra);
  } else {
    reg = bp_registry_new(&ra);
    if (reg && (!bp_registry_add_file(reg, &types3_pb_filedef) || !bp_registry_add_file(reg, &types2_pb_filedef) ||
                !bp_registry_add_file(reg, &google_protobuf_util_json_format_proto3_pb_filedef)))
      reg = NULL;
  }
  if (!reg) {
    fprintf(stderr, "json-tool: no registry\n");
    bp_arena_free(&ra);
    return 1;
  }
  size_t cap = 1 << 16;
  char *line = malloc(cap);
  size_t len = 0;
  int c;
  while (line) {
    c = getchar();
    if (c == EOF && len == 0) break;
    if (c == '\n' || c == EOF) {
      line[len] = 0;
      one_line(line, reg);
      len = 0;
      if (c == EOF) break;
      continue;
    }
    if (len + 2 > cap) {
      char *bigger = realloc(line, cap * 2);
      if (!bigger) break;
      line = bigger;
      cap *= 2;
    }
    line[len++] = (char)c;
  }
  free(line);
  bp_arena_free(&ra);
  return 0;
}
