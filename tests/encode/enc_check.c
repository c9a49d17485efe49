/* Decodes standard input as one message, encodes it again and writes the
 * bytes, with the tables buoy generated for testdata/encode (linked by
 * tests/cases_encode.py with their filedefs, enc_files). Checks on the way
 * that bp_encoded_size gives the encoded size, that a deterministic encoding
 * has the same size, that encoding from an almost full arena (the buffer
 * then grown from small) gives the same bytes, and that so does encoding
 * through copies of the table without its generated encoder (the table
 * walk with the hasbit lists) and without both (field by field), in normal
 * and deterministic mode, and through the dynamic table of the type built
 * from the schemas' FileDescriptorSet (named by ENC_CHECK_FDS: no
 * generated encoder at any level, the same struct layout; also with depth
 * limits 1 to 4, which must fail or not alike).
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

/* Whether the message encodes to out (det when deterministic) through a
 * copy of its table without its generated encoder, and also without the
 * hasbit lists when bare (the top level then read field by field). */
static bool same_by_table(const bp_msgdef *t, const void *m, bp_arena *a, bool bare, bp_str out, bp_str det) {
  bp_msgdef copy = *t;
  copy.encode = NULL;
  if (bare) {
    copy.hasbit_fields = copy.plain_fields = NULL;
    copy.hasbit_count = 0;
  }
  bp_encode_options o = {BP_ENCODE_DETERMINISTIC, 0};
  bp_str again, again_det;
  return bp_encode(&copy, m, a, NULL, &again) == BP_OK && bp_str_eq(again, out) &&
         bp_encode(&copy, m, a, &o, &again_det) == BP_OK && bp_str_eq(again_det, det);
}

/* Whether encoding through the table t and through table_only (a copy
 * without generated encoder, or the dynamic table) gives the same status
 * and bytes with depth limits 1 to 4: the generated encoders keep the
 * limit as the table encoder does. */
static bool same_depth_limits(const bp_msgdef *t, const bp_msgdef *table_only, const void *m, bp_arena *a) {
  for (uint32_t depth = 1; depth <= 4; depth++) {
    bp_encode_options o = {0, depth};
    bp_str x = {0}, y = {0};
    bp_status sx = bp_encode(t, m, a, &o, &x), sy = bp_encode(table_only, m, a, &o, &y);
    if (sx != sy || (sx == BP_OK && !bp_str_eq(x, y))) return false;
  }
  return true;
}

/* Whether the message encodes to out (det when deterministic) through the
 * dynamic table of its type. */
static bool same_by_dynamic(const bp_msgdef *t, const void *m, bp_arena *a, bp_str out, bp_str det) {
  const char *path = getenv("ENC_CHECK_FDS");
  FILE *f = path ? fopen(path, "rb") : NULL;
  if (!f) {
    fprintf(stderr, "enc-check: ENC_CHECK_FDS does not name a readable FileDescriptorSet\n");
    return false;
  }
  static char fds[1 << 20];
  size_t n = fread(fds, 1, sizeof fds, f);
  fclose(f);
  char err[256];
  bp_dynpool *pool = n < sizeof fds ? bp_dynpool_new(fds, n, a, err, sizeof err) : NULL;
  const bp_msgdef *d = pool ? bp_dynpool_msgdef(pool, bp_str_c(t->full_name)) : NULL;
  if (!d || d->encode) {
    fprintf(stderr, "enc-check: no dynamic table for %s\n", t->full_name);
    return false;
  }
  bp_encode_options o = {BP_ENCODE_DETERMINISTIC, 0};
  bp_str again, again_det;
  return bp_encode(d, m, a, NULL, &again) == BP_OK && bp_str_eq(again, out) &&
         bp_encode(d, m, a, &o, &again_det) == BP_OK && bp_str_eq(again_det, det) && same_depth_limits(t, d, m, a);
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
    else if (!same_by_table(t, m, &arena, false, out, det))
      rc = fail("encodes to other bytes without its generated encoder", argv[1]);
    else if (!same_by_table(t, m, &arena, true, out, det))
      rc = fail("encodes to other bytes without its generated encoder and hasbit lists", argv[1]);
    else if (!same_by_dynamic(t, m, &arena, out, det))
      rc = fail("encodes to other bytes through its dynamic table", argv[1]);
    else if (fwrite(out.data, 1, out.size, stdout) != out.size)
      rc = 1;
    bp_arena_free(&small);
  }
  bp_arena_free(&arena);
  return rc;
}
