/* A batch driver over protobuf's conformance test-message schemas
 * (testdata/upstream/protobuf), run by tests/testmsgs/tm_diff.py: one
 * command a line on standard input, one answer a line on standard output.
 *
 *   B TYPE HEX                binary (hex) decoded as TYPE and encoded again
 *                             deterministically -> "OK " hex | "ERR " status text
 *   E TYPE FLAGS INDENT HEX   binary -> JSON: "OK " hex(JSON) | "ERR " status message
 *   D TYPE FLAGS HEX          JSON (hex) -> binary, deterministic:
 *                             "OK " hex | "ERR " status offset line:col message
 *
 * E and D speak tests/json/json_tool.c's protocol, so tests/json/differ.py's
 * helpers drive both. FLAGS are BP_JSON_* bits. Every decode uses a registry
 * of the schemas (typed extensions, message set items, Any).
 *
 *   tm-tool                   the tables buoy generated for the five schemas
 *   tm-tool --dynamic FDS     tables built at run time from the set FDS */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conformance/test_protos/test_messages_edition2023.pb.h"
#include "google/protobuf/editions/golden/test_messages_proto2_editions.pb.h"
#include "google/protobuf/editions/golden/test_messages_proto3_editions.pb.h"
#include "google/protobuf/test_messages_proto2.pb.h"
#include "google/protobuf/test_messages_proto3.pb.h"
#include "pb/dynamic.h"

#include "../hex.h"

static void put_ok(const bp_str *out) {
  fputs("OK ", stdout);
  put_hex(out->data, out->size);
  putchar('\n');
}

static void one_line(char *line, const bp_registry *reg) {
  char *cmd = strtok(line, " \n"), *type = strtok(NULL, " \n");
  char *flags = cmd && (cmd[0] == 'E' || cmd[0] == 'D') ? strtok(NULL, " \n") : NULL;
  char *indent = cmd && cmd[0] == 'E' ? strtok(NULL, " \n") : NULL;
  char *payload = strtok(NULL, " \n");
  if (!payload) payload = (char *)"";
  const bp_msgdef *t = type ? bp_registry_msgdef(reg, bp_str_c(type)) : NULL;
  if (!cmd || cmd[1] || !strchr("BED", cmd[0]) || !t || (cmd[0] != 'B' && !flags) || (cmd[0] == 'E' && !indent)) {
    printf("ERR usage bad command line\n");
    return;
  }
  long n = unhex(payload);
  if (n < 0) {
    printf("ERR usage bad hex\n");
    return;
  }
  bp_json_options jo = {flags ? (uint32_t)strtoul(flags, NULL, 10) : 0,
                        indent ? (uint32_t)strtoul(indent, NULL, 10) : 0, 0, 0, reg};
  bp_decode_options dopt = {0, 0, 0, reg};
  bp_encode_options eopt = {BP_ENCODE_DETERMINISTIC, 0};
  bp_arena a;
  bp_arena_init(&a);
  void *m = bp_msg_new(t, &a);
  bp_json_error err;
  bp_str out;
  bp_status s = m ? BP_OK : BP_ENOMEM;
  if (cmd[0] == 'D') {
    if (s == BP_OK) s = bp_json_decode(t, m, payload, (size_t)n, &a, &jo, &err);
    if (s != BP_OK) {
      printf("ERR %d %zu %u:%u %s\n", (int)s, err.offset, (unsigned)err.line, (unsigned)err.column, err.message);
    } else if ((s = bp_encode(t, m, &a, &eopt, &out)) != BP_OK) {
      printf("ERR %d binary encoding failed: %s\n", (int)s, bp_status_text(s));
    } else {
      put_ok(&out);
    }
  } else {
    if (s == BP_OK) s = bp_decode(t, m, payload, (size_t)n, &a, &dopt);
    if (s != BP_OK) {
      printf("ERR %d decode: %s\n", (int)s, bp_status_text(s));
    } else if (cmd[0] == 'B' && (s = bp_encode(t, m, &a, &eopt, &out)) != BP_OK) {
      printf("ERR %d encode: %s\n", (int)s, bp_status_text(s));
    } else if (cmd[0] == 'E' && (s = bp_json_encode(t, m, &a, &jo, &out, &err)) != BP_OK) {
      printf("ERR %d %s\n", (int)s, err.message);
    } else {
      put_ok(&out);
    }
  }
  bp_arena_free(&a);
}

/* The registry of the tables built from the descriptor set at path. */
static const bp_registry *dynamic_registry(const char *path, bp_arena *a) {
  FILE *f = fopen(path, "rb");
  if (!f) {
    fprintf(stderr, "tm-tool: cannot open %s\n", path);
    return NULL;
  }
  size_t cap = 1 << 16, n = 0, got;
  char *data = bp_arena_malloc(a, cap);
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
    fprintf(stderr, "tm-tool: %s: %s\n", path, data ? err : "out of memory");
    return NULL;
  }
  return bp_dynpool_registry(pool);
}

static const bp_registry *generated_registry(bp_arena *a) {
  const bp_filedef *const files[] = {
      &google_protobuf_test_messages_proto2_pb_filedef,
      &google_protobuf_test_messages_proto3_pb_filedef,
      &google_protobuf_editions_golden_test_messages_proto2_editions_pb_filedef,
      &google_protobuf_editions_golden_test_messages_proto3_editions_pb_filedef,
      &conformance_test_protos_test_messages_edition2023_pb_filedef,
  };
  bp_registry *reg = bp_registry_new(a);
  for (size_t i = 0; reg && i < sizeof files / sizeof files[0]; i++)
    if (!bp_registry_add_file(reg, files[i])) reg = NULL;
  return reg;
}

int main(int argc, char **argv) {
  bp_arena ra;
  bp_arena_init(&ra);
  const bp_registry *reg = NULL;
  if (argc == 3 && strcmp(argv[1], "--dynamic") == 0) {
    reg = dynamic_registry(argv[2], &ra);
  } else if (argc == 1) {
    reg = generated_registry(&ra);
  } else {
    fprintf(stderr, "usage: tm-tool [--dynamic FDS] < commands\n");
    bp_arena_free(&ra);
    return 2;
  }
  if (!reg) {
    fprintf(stderr, "tm-tool: no registry\n");
    bp_arena_free(&ra);
    return 1;
  }
  size_t cap = 1 << 16, len = 0;
  char *line = malloc(cap);
  while (line) {
    int c = getchar();
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
      if (!bigger) free(line);
      line = bigger;
      cap *= 2;
      if (!line) break;
    }
    line[len++] = (char)c;
  }
  free(line);
  bp_arena_free(&ra);
  fflush(stdout);
  return 0;
}
