/* Decodes standard input as one message and writes it encoded again, with
 * the tables buoy generated (tests/cases_gen.py links it with the bindings
 * of testdata/gen and a list of their filedefs, gen_files).
 *
 * Usage: gen-roundtrip MESSAGE < in > out
 * MESSAGE is a full name ("maps.Maps"), found in the filedefs and the files
 * they import. Exit status 1 when the type is unknown or the input does not
 * decode, with the reason on standard error. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pb/pb.h"

extern const bp_filedef *const gen_files[];
extern const size_t gen_file_count;

/* The message type with this full name, searching files breadth first
 * (each file once; at most 4096 of them). */
static const bp_msgdef *find(const char *name) {
  enum { MAX = 4096 };
  static const bp_filedef *queue[MAX];
  size_t head = 0, tail = 0;
  for (size_t i = 0; i < gen_file_count && tail < MAX; i++)
    queue[tail++] = gen_files[i];
  while (head < tail) {
    const bp_filedef *f = queue[head++];
    for (uint32_t i = 0; i < f->msg_count; i++)
      if (strcmp(f->msgs[i]->full_name, name) == 0) return f->msgs[i];
    for (uint32_t i = 0; i < f->dep_count && tail < MAX; i++) {
      bool seen = false;
      for (size_t j = 0; j < tail && !seen; j++)
        seen = queue[j] == f->deps[i];
      if (!seen) queue[tail++] = f->deps[i];
    }
  }
  return NULL;
}

int main(int argc, char **argv) {
  if (argc != 2) {
    fprintf(stderr, "usage: gen-roundtrip MESSAGE < in > out\n");
    return 2;
  }
  const bp_msgdef *t = find(argv[1]);
  if (!t) {
    fprintf(stderr, "gen-roundtrip: no message type %s\n", argv[1]);
    return 1;
  }
  size_t cap = 1 << 16, n = 0;
  char *in = malloc(cap);
  for (size_t got; in && (got = fread(in + n, 1, cap - n, stdin)) > 0;) {
    n += got;
    if (n == cap) {
      char *bigger = realloc(in, cap *= 2);
      if (!bigger) free(in);
      in = bigger;
    }
  }
  if (!in) {
    fprintf(stderr, "gen-roundtrip: out of memory\n");
    return 1;
  }
  bp_arena arena;
  bp_arena_init(&arena);
  bp_arena *a = &arena;
  void *m = bp_msg_new(t, a);
  bp_status s = m ? bp_decode(t, m, in, n, a, NULL) : BP_ENOMEM;
  bp_str outb = {0};
  if (s == BP_OK) s = bp_encode(t, m, a, NULL, &outb);
  int rc = 0;
  if (s != BP_OK) {
    fprintf(stderr, "gen-roundtrip: %s: %s\n", argv[1], bp_status_text(s));
    rc = 1;
  } else if (fwrite(outb.data, 1, outb.size, stdout) != outb.size) {
    rc = 1;
  }
  bp_arena_free(a);
  free(in);
  return rc;
}
