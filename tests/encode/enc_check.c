/* Decodes standard input as one message, encodes it again and writes the
 * bytes, with the tables buoy generated for testdata/encode (linked by
 * tests/cases_encode.py with their filedefs, enc_files). Checks on the way
 * that bp_encoded_size gives the encoded size, that a deterministic encoding
 * has the same size, that encoding from an almost full arena (the buffer
 * then grown from small) gives the same bytes, and that so does encoding
 * through a copy of the table without its hasbit lists.
 *
 * Usage: enc-check MESSAGE < in > out
 * Exit status 1, with the reason on standard error, when the type is
 * unknown, the input does not decode or a check fails. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pb/pb.h"

extern const bp_filedef *const enc_files[];
extern const size_t enc_file_count;

static const bp_msgdef *find(const char *name) {
  for (size_t i = 0; i < enc_file_count; i++)
    for (uint32_t j = 0; j < enc_files[i]->msg_count; j++)
      if (strcmp(enc_files[i]->msgs[j]->full_name, name) == 0) return enc_files[i]->msgs[j];
  return NULL;
}

static int fail(const char *what, const char *name) {
  fprintf(stderr, "enc-check: %s: %s\n", name, what);
  return 1;
}

/* Whether the message encodes to out through a copy of its table without
 * the hasbit lists (the top level then read field by field). */
static bool same_without_lists(const bp_msgdef *t, const void *m, bp_arena *a, bp_str out) {
  bp_msgdef bare = *t;
  bare.hasbit_fields = bare.plain_fields = NULL;
  bare.hasbit_count = 0;
  bp_str again;
  return bp_encode(&bare, m, a, NULL, &again) == BP_OK && bp_str_eq(again, out);
}

int main(int argc, char **argv) {
  if (argc != 2) {
    fprintf(stderr, "usage: enc-check MESSAGE < in > out\n");
    return 2;
  }
  const bp_msgdef *t = find(argv[1]);
  if (!t) return fail("no such message type", argv[1]);
  static char in[1 << 20];
  size_t n = fread(in, 1, sizeof in, stdin);
  if (n == sizeof in) return fail("input too large", argv[1]);
  bp_arena arena;
  bp_arena_init(&arena);
  int rc = 0;
  void *m = bp_msg_new(t, &arena);
  bp_str out = {0}, det = {0}, again = {0};
  bp_encode_options o = {BP_ENCODE_DETERMINISTIC, 0};
  if (!m || bp_decode(t, m, in, n, &arena, NULL) != BP_OK)
    rc = fail("does not decode", argv[1]);
  else if (bp_encode(t, m, &arena, NULL, &out) != BP_OK || bp_encode(t, m, &arena, &o, &det) != BP_OK)
    rc = fail("does not encode", argv[1]);
  else if (bp_encoded_size(t, m) != out.size)
    rc = fail("bp_encoded_size differs from the encoded size", argv[1]);
  else if (det.size != out.size)
    rc = fail("the deterministic encoding has another size", argv[1]);
  else {
    /* an arena with a few bytes free: the encoder starts a small buffer of
     * its own and grows it as it goes */
    static _Alignas(8) char buf[64];
    bp_arena small;
    bp_arena_init_buffer(&small, buf, sizeof buf);
    if (bp_encode(t, m, &small, NULL, &again) != BP_OK)
      rc = fail("does not encode from a small arena", argv[1]);
    else if (!bp_str_eq(again, out))
      rc = fail("encodes to other bytes from a small arena", argv[1]);
    else if (!same_without_lists(t, m, &arena, out))
      rc = fail("encodes to other bytes with its table's hasbit lists cleared", argv[1]);
    else if (fwrite(out.data, 1, out.size, stdout) != out.size)
      rc = 1;
    bp_arena_free(&small);
  }
  bp_arena_free(&arena);
  return rc;
}
