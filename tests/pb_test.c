/* Tests of runtime/pb and of the C bindings buoy generates, over
 * testdata/gen/sample*.proto (generated at build time by the freshly built
 * buoy) and the committed descriptor.proto bindings.
 *
 * Usage: pb-test                 the unit tests
 *        pb-test --roundtrip FILE...
 *                                each FILE (a FileDescriptorSet or a buf
 *                                image) decoded and encoded again must give
 *                                the same bytes
 *        pb-test --reencode TYPE [-d] [-r]
 *                                decodes stdin as hm.TYPE (pb_handmade.h)
 *                                and writes it encoded again to stdout; -d:
 *                                deterministic, -r: with a registry of
 *                                handmade.proto (typed extensions); -m:
 *                                stdin is two messages, the first's size as
 *                                4 bytes little-endian first: the second is
 *                                merged into a copy of the first
 *                                (bp_msg_merge), which is written; exits 2
 *                                with the status on stderr when decoding fails
 *        pb-test --accepts TYPE [-r]
 *                                stdin is inputs, each after its size as 4
 *                                bytes little-endian: prints a line with 1
 *                                for each hm.TYPE decodes, 0 for each it
 *                                rejects
 * Prints failures and ends with "N checks, M failed"; exits 1 on failure. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "google/protobuf/compiler/plugin.pb.h"
#include "google/protobuf/descriptor.pb.h"
#include "pb/pb.h"
#include "pb_handmade.h"
#include "sample.pb.h"
#include "sample3.pb.h"

static int checks, failures;

#define CHECK(c)                                                                                                       \
  do {                                                                                                                 \
    checks++;                                                                                                          \
    if (!(c)) {                                                                                                        \
      failures++;                                                                                                      \
      fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #c);                                            \
    }                                                                                                                  \
  } while (0)

/* Checks that s holds exactly the n bytes at want. */
static void check_bytes(int line, bp_str s, const char *want, size_t n) {
  checks++;
  if (s.size == n && (n == 0 || memcmp(s.data, want, n) == 0)) return;
  failures++;
  fprintf(stderr, "%s:%d: bytes differ\n  want:", __FILE__, line);
  for (size_t i = 0; i < n; i++)
    fprintf(stderr, " %02x", (unsigned char)want[i]);
  fprintf(stderr, "\n  got: ");
  for (size_t i = 0; i < s.size; i++)
    fprintf(stderr, " %02x", (unsigned char)s.data[i]);
  fprintf(stderr, "\n");
}
#define CHECK_BYTES(s, lit) check_bytes(__LINE__, (s), (lit), sizeof(lit) - 1)

static bp_str encode(const bp_msgdef *t, const void *m, bp_arena *a) {
  bp_str out;
  bp_status s = bp_encode(t, m, a, NULL, &out);
  CHECK(s == BP_OK);
  CHECK(bp_encoded_size(t, m) == out.size);
  return out;
}

static bp_status decode(const bp_msgdef *t, void *m, const char *data, size_t n, bp_arena *a) {
  return bp_decode(t, m, data, n, a, NULL);
}
#define DECODE_LIT(t, m, lit, a) decode((t), (m), (lit), sizeof(lit) - 1, (a))

static bool str_is(bp_str s, const char *c) { return bp_str_eq(s, bp_str_c(c)); }

/* ---------------------------------------------------------------- arena */

static void test_arena(void) {
  bp_arena a;
  bp_arena_init(&a);
  char *prev = NULL;
  for (size_t n = 1; n < 3000; n += 7) {
    char *p = bp_arena_malloc(&a, n);
    CHECK(p && ((uintptr_t)p % BP_ARENA_ALIGN) == 0);
    if (!p) break;
    memset(p, 0xab, n);
    CHECK(p != prev);
    prev = p;
  }
  /* growing the latest allocation happens in place */
  char *p = bp_arena_malloc(&a, 16);
  char *q = bp_arena_realloc(&a, p, 16, 64);
  CHECK(p == q);
  char *big = bp_arena_malloc(&a, 1 << 20);
  CHECK(big != NULL);
  if (big) memset(big, 1, 1 << 20);
  CHECK(bp_arena_reserved(&a) >= (1u << 20));
  bp_arena_reset(&a);
  char *z = bp_arena_zalloc(&a, 100);
  CHECK(z && z[0] == 0 && z[99] == 0);
  bp_arena_free(&a);

  /* a caller's buffer first, then the heap */
  char buf[256];
  bp_arena_init_buffer(&a, buf, sizeof buf);
  char *in = bp_arena_malloc(&a, 100);
  CHECK(in >= buf && in < buf + sizeof buf);
  char *out = bp_arena_malloc(&a, 1000);
  CHECK(out && (out < buf || out >= buf + sizeof buf));
  bp_arena_free(&a);
  CHECK(bp_arena_malloc(&a, 8) != NULL);
  bp_arena_free(&a);
}

/* ---------------------------------------------------------------- scalars */

static void test_defaults(bp_arena *a) {
  sample_Scalars *s = sample_Scalars_new(a);
  CHECK(sample_Scalars_f_double(s) == 1.5);
  CHECK(isinf(sample_Scalars_f_float(s)) && sample_Scalars_f_float(s) < 0);
  CHECK(sample_Scalars_f_int64(s) == INT64_MIN);
  CHECK(sample_Scalars_f_uint64(s) == UINT64_MAX);
  CHECK(sample_Scalars_f_int32(s) == INT32_MIN);
  CHECK(sample_Scalars_f_fixed64(s) == 64);
  CHECK(sample_Scalars_f_fixed32(s) == 32);
  CHECK(sample_Scalars_f_bool(s) == true);
  CHECK(str_is(sample_Scalars_f_string(s), "dflt \"quoted\" ?\?= \xc3\xa9"));
  CHECK(bp_str_eq(sample_Scalars_f_bytes(s), bp_str_make("\0\1\xff\n", 4)));
  CHECK(sample_Scalars_f_uint32(s) == UINT32_MAX);
  CHECK(sample_Scalars_f_enum(s) == sample_COLOR_BLUE);
  CHECK(sample_Scalars_f_sfixed32(s) == -32);
  CHECK(sample_Scalars_f_sfixed64(s) == -64);
  CHECK(sample_Scalars_f_sint32(s) == -17);
  CHECK(sample_Scalars_f_sint64(s) == -18);
  CHECK(isnan(sample_Scalars_f_nan(s)));
  CHECK(sample_Scalars_f_enum_first(s) == sample_COLOR_RED);
  CHECK(sample_Scalars_f_tenth(s) == 0.1f);
  CHECK(sample_Scalars_f_negative_zero(s) == 0 && signbit(sample_Scalars_f_negative_zero(s)));
  CHECK(!sample_Scalars_has_f_double(s) && !sample_Scalars_has_f_string(s) && !sample_Scalars_has_f_plain(s));
  CHECK(encode(&sample_Scalars_msgdef, s, a).size == 0);
  /* set, then clear: back to the default */
  sample_Scalars_set_f_int32(s, 7);
  CHECK(sample_Scalars_has_f_int32(s) && sample_Scalars_f_int32(s) == 7);
  sample_Scalars_clear_f_int32(s);
  CHECK(!sample_Scalars_has_f_int32(s) && sample_Scalars_f_int32(s) == INT32_MIN);
  /* explicit presence: zero is written */
  sample_Scalars_set_f_plain(s, 0);
  CHECK_BYTES(encode(&sample_Scalars_msgdef, s, a), "\xa8\x01\x00");
}

static void test_scalar_bytes(bp_arena *a) {
  sample_Scalars *s = sample_Scalars_new(a);
  sample_Scalars_set_f_sint32(s, -1);
  sample_Scalars_set_f_enum(s, sample_COLOR_NEGATIVE);
  sample_Scalars_set_f_string(s, bp_str_c("hi"));
  sample_Scalars_set_f_double(s, 1.0);
  /* fields in number order whatever the order they were set in; negative
   * int32 and enums as 10-byte varints, sint32 zigzagged */
  CHECK_BYTES(encode(&sample_Scalars_msgdef, s, a), "\x09\x00\x00\x00\x00\x00\x00\xf0\x3f"
                                                    "\x4a\x02hi"
                                                    "\x70\xfb\xff\xff\xff\xff\xff\xff\xff\xff\x01"
                                                    "\x88\x01\x01");
  sample_Scalars *t = sample_Scalars_new(a);
  sample_Scalars_set_f_float(t, 2.5f);
  sample_Scalars_set_f_int64(t, -2);
  sample_Scalars_set_f_uint64(t, 300);
  sample_Scalars_set_f_int32(t, -1);
  sample_Scalars_set_f_fixed64(t, 0x0102030405060708u);
  sample_Scalars_set_f_fixed32(t, 0x01020304u);
  sample_Scalars_set_f_bool(t, false);
  sample_Scalars_set_f_bytes(t, bp_str_make("\0x", 2));
  sample_Scalars_set_f_uint32(t, 128);
  sample_Scalars_set_f_sfixed32(t, -2);
  sample_Scalars_set_f_sfixed64(t, -3);
  sample_Scalars_set_f_sint64(t, INT64_MIN);
  bp_str e = encode(&sample_Scalars_msgdef, t, a);
  CHECK_BYTES(e, "\x15\x00\x00\x20\x40"
                 "\x18\xfe\xff\xff\xff\xff\xff\xff\xff\xff\x01"
                 "\x20\xac\x02"
                 "\x28\xff\xff\xff\xff\xff\xff\xff\xff\xff\x01"
                 "\x31\x08\x07\x06\x05\x04\x03\x02\x01"
                 "\x3d\x04\x03\x02\x01"
                 "\x40\x00"
                 "\x62\x02\x00x"
                 "\x68\x80\x01"
                 "\x7d\xfe\xff\xff\xff"
                 "\x81\x01\xfd\xff\xff\xff\xff\xff\xff\xff"
                 "\x90\x01\xff\xff\xff\xff\xff\xff\xff\xff\xff\x01");
  sample_Scalars *u = sample_Scalars_decode(e.data, e.size, a);
  CHECK(u != NULL);
  if (!u) return;
  CHECK(sample_Scalars_f_float(u) == 2.5f && sample_Scalars_f_int64(u) == -2 && sample_Scalars_f_uint64(u) == 300);
  CHECK(sample_Scalars_f_int32(u) == -1 && sample_Scalars_f_fixed64(u) == 0x0102030405060708u);
  CHECK(sample_Scalars_f_fixed32(u) == 0x01020304u && sample_Scalars_has_f_bool(u) && !sample_Scalars_f_bool(u));
  CHECK(bp_str_eq(sample_Scalars_f_bytes(u), bp_str_make("\0x", 2)) && sample_Scalars_f_uint32(u) == 128);
  CHECK(sample_Scalars_f_sfixed32(u) == -2 && sample_Scalars_f_sfixed64(u) == -3);
  CHECK(sample_Scalars_f_sint64(u) == INT64_MIN && !sample_Scalars_has_f_double(u));
  CHECK(bp_str_eq(encode(&sample_Scalars_msgdef, u, a), e));
}

/* ---------------------------------------------------------------- repeated */

static void test_repeated(bp_arena *a) {
  sample_Repeated *r = sample_Repeated_new(a);
  CHECK(sample_Repeated_add_r_int32(r, 1, a) && sample_Repeated_add_r_int32(r, 150, a));
  int64_t *s64 = sample_Repeated_resize_r_sint64(r, 2, a);
  CHECK(s64 != NULL);
  if (s64) s64[0] = -1, s64[1] = 1;
  CHECK(sample_Repeated_add_r_bool(r, true, a) && sample_Repeated_add_r_bool(r, false, a));
  CHECK(sample_Repeated_add_r_string(r, bp_str_c("a"), a) && sample_Repeated_add_r_string(r, bp_str_c(""), a));
  CHECK(sample_Repeated_add_r_enum_packed(r, sample_COLOR_GREEN, a));
  sample_Scalars *m = sample_Repeated_add_r_message(r, a);
  CHECK(m != NULL);
  if (m) sample_Scalars_set_f_plain(m, 1);
  CHECK(sample_Repeated_add_r_message(r, a) != NULL);
  bp_str e = encode(&sample_Repeated_msgdef, r, a);
  CHECK_BYTES(e, "\x08\x01\x08\x96\x01"
                 "\x12\x02\x01\x02"
                 "\x2a\x02\x01\x00"
                 "\x32\x01"
                 "a"
                 "\x32\x00"
                 "\x4a\x01\x01"
                 "\x52\x03\xa8\x01\x01"
                 "\x52\x00");
  sample_Repeated *d = sample_Repeated_decode(e.data, e.size, a);
  CHECK(d != NULL);
  if (!d) return;
  size_t n;
  const int32_t *v = sample_Repeated_r_int32(d, &n);
  CHECK(n == 2 && v[0] == 1 && v[1] == 150);
  const sample_Scalars *const *ms = sample_Repeated_r_message(d, &n);
  CHECK(n == 2 && sample_Scalars_f_plain(ms[0]) == 1 && !sample_Scalars_has_f_plain(ms[1]));
  sample_Repeated_clear_r_message(d);
  sample_Repeated_r_message(d, &n);
  CHECK(n == 0);

  /* either form is read; each written in its own */
  sample_Repeated *x = sample_Repeated_new(a);
  CHECK(DECODE_LIT(&sample_Repeated_msgdef, x,
                   "\x0a\x02\x01\x02"
                   "\x10\x03"
                   "\x25\x01\x00\x00\x00"
                   "\x22\x04\x02\x00\x00\x00",
                   a) == BP_OK);
  CHECK_BYTES(encode(&sample_Repeated_msgdef, x, a), "\x08\x01\x08\x02"
                                                     "\x12\x01\x03"
                                                     "\x25\x01\x00\x00\x00\x25\x02\x00\x00\x00");

  /* closed enums: numbers the enum does not define are unknown fields */
  sample_Repeated *c = sample_Repeated_new(a);
  CHECK(DECODE_LIT(&sample_Repeated_msgdef, c,
                   "\x40\x07"
                   "\x40\x01"
                   "\x4a\x03\x01\x07\x02",
                   a) == BP_OK);
  const int32_t *en = sample_Repeated_r_enum(c, &n);
  CHECK(n == 1 && en[0] == 1);
  en = sample_Repeated_r_enum_packed(c, &n);
  CHECK(n == 2 && en[0] == 1 && en[1] == 2);
  CHECK_BYTES(bp_unknown(c), "\x40\x07\x48\x07");
  CHECK_BYTES(encode(&sample_Repeated_msgdef, c, a), "\x40\x01"
                                                     "\x4a\x02\x01\x02"
                                                     "\x40\x07\x48\x07");
  sample_Scalars *sc = sample_Scalars_new(a);
  CHECK(DECODE_LIT(&sample_Scalars_msgdef, sc, "\x70\x09", a) == BP_OK);
  CHECK(!sample_Scalars_has_f_enum(sc));
  CHECK_BYTES(bp_unknown(sc), "\x70\x09");

  /* an aliased array is copied before it grows */
  int32_t mine[2] = {5, 6};
  sample_Repeated *al = sample_Repeated_new(a);
  bp_array_alias(&al->r_int32, mine, 2);
  CHECK(sample_Repeated_add_r_int32(al, 7, a));
  v = sample_Repeated_r_int32(al, &n);
  CHECK(n == 3 && v != mine && v[0] == 5 && v[2] == 7 && mine[1] == 6);
}

/* ---------------------------------------------------------------- messages, groups, oneofs */

static void test_node(bp_arena *a) {
  sample_Node *root = sample_Node_new(a);
  sample_Node_set_name(root, bp_str_c("root"));
  sample_Node_set_id(root, 1);
  sample_Node *child = sample_Node_mutable_child(root, a);
  CHECK(child && sample_Node_mutable_child(root, a) == child);
  if (child) sample_Node_set_id(child, 2);
  CHECK(sample_Node_add_children(root, a) && sample_Node_add_children(root, a));
  sample_Node_Extra *extra = sample_Node_mutable_extra(root, a);
  if (extra) {
    sample_Node_Extra_set_weight(extra, 5);
    sample_Node_Extra_add_tag(extra, bp_str_c("x"), a);
  }
  sample_Node_set_number(root, 7);
  CHECK(sample_Node_kind_case(root) == 10 && sample_Node_number(root) == 7);
  sample_Node_set_text(root, bp_str_c("t"));
  CHECK(sample_Node_kind_case(root) == 11 && !sample_Node_has_number(root) && sample_Node_number(root) == 0);
  sample_Node_set_default(root, 3);
  sample_Node_set_class(root, bp_str_c("c"));
  CHECK(root->default_ == 3 && str_is(root->class_, "c"));
  bp_str e = encode(&sample_Node_msgdef, root, a);
  CHECK_BYTES(e, "\x0a\x04root"
                 "\x12\x03\xb0\x01\x02"
                 "\x1a\x00\x1a\x00"
                 "\x23\x28\x05\x32\x01x\x24"
                 "\x5a\x01t"
                 "\xa0\x01\x03"
                 "\xaa\x01\x01"
                 "c"
                 "\xb0\x01\x01");
  sample_Node *d = sample_Node_decode(e.data, e.size, a);
  CHECK(d != NULL);
  if (!d) return;
  CHECK(str_is(sample_Node_name(d), "root") && sample_Node_id(sample_Node_child(d)) == 2);
  CHECK(sample_Node_kind_case(d) == 11 && str_is(sample_Node_text(d), "t"));
  CHECK(sample_Node_has_extra(d) && sample_Node_Extra_weight(sample_Node_extra(d)) == 5);
  size_t n;
  sample_Node_children(d, &n);
  CHECK(n == 2);

  /* a oneof message member: created by mutable_, replaced by another member */
  sample_Scalars *s = sample_Node_mutable_scalars(d, a);
  CHECK(s && sample_Node_kind_case(d) == 12 && sample_Node_scalars(d) == s);
  sample_Node_set_number(d, 9);
  CHECK(sample_Node_scalars(d) == NULL && sample_Node_number(d) == 9);
  sample_Node_clear_number(d);
  CHECK(sample_Node_kind_case(d) == 0);
  /* the table marks required fields (checking them is for later) */
  const bp_field *id = bp_msgdef_field(&sample_Node_msgdef, 22);
  CHECK(id && (id->flags & BP_F_REQUIRED));
  CHECK(bp_msgdef_field(&sample_Node_msgdef, 13) == NULL && bp_msgdef_field(&sample_Node_msgdef, 0) == NULL);
}

/* ---------------------------------------------------------------- extensions, unknown fields */

static void test_extensions(bp_arena *a) {
  sample_Node *m = sample_Node_new(a);
  sample_Node_set_id(m, 1);
  /* added out of order: written first, by number, stable for one number */
  CHECK(bp_ext_add_raw(m, 1001, bp_str_make("\xc8\x3e\x01", 3), a));
  CHECK(bp_ext_add_raw(m, 100, bp_str_make("\xa0\x06\x02", 3), a));
  CHECK(bp_ext_add_raw(m, 1001, bp_str_make("\xc8\x3e\x02", 3), a));
  CHECK(bp_unknown_add(m, "\x98\x03\x04", 3, a));
  size_t n;
  const bp_ext *list = bp_ext_list(m, &n);
  CHECK(n == 3 && list[0].number == 100 && list[1].number == 1001 && list[1].u.raw.data[2] == 1);
  bp_str e = encode(&sample_Node_msgdef, m, a);
  CHECK_BYTES(e, "\xa0\x06\x02\xc8\x3e\x01\xc8\x3e\x02"
                 "\xb0\x01\x01"
                 "\x98\x03\x04");
  /* read back: numbers in extension ranges join the extension set, the
   * others stay unknown; both are written back where they belong */
  sample_Node *d = sample_Node_new(a);
  CHECK(DECODE_LIT(&sample_Node_msgdef, d,
                   "\xb0\x01\x01"
                   "\x98\x03\x04"
                   "\xb0\x09\x05"
                   "\xc8\x3e\x01",
                   a) == BP_OK);
  list = bp_ext_list(d, &n);
  CHECK(n == 2 && list[0].number == 150 && list[1].number == 1001);
  CHECK_BYTES(bp_unknown(d), "\x98\x03\x04");
  CHECK_BYTES(encode(&sample_Node_msgdef, d, a), "\xb0\x09\x05\xc8\x3e\x01"
                                                 "\xb0\x01\x01"
                                                 "\x98\x03\x04");
  /* a known field with another wire type is kept as unknown */
  sample_Node *w = sample_Node_new(a);
  CHECK(DECODE_LIT(&sample_Node_msgdef, w,
                   "\x08\x05"
                   "\x0a\x01z",
                   a) == BP_OK);
  CHECK(str_is(sample_Node_name(w), "z"));
  CHECK_BYTES(encode(&sample_Node_msgdef, w, a), "\x0a\x01z\x08\x05");
  /* unknown groups are kept whole */
  sample_Node *g = sample_Node_new(a);
  CHECK(DECODE_LIT(&sample_Node_msgdef, g, "\x9b\x03\x08\x01\x9c\x03", a) == BP_OK);
  CHECK_BYTES(bp_unknown(g), "\x9b\x03\x08\x01\x9c\x03");
  /* dropped on request */
  sample_Node *dr = sample_Node_new(a);
  bp_decode_options o = {BP_DECODE_DISCARD_UNKNOWN, 0, 0, NULL};
  CHECK(bp_decode(&sample_Node_msgdef, dr, "\x98\x03\x04\xc8\x3e\x01", 6, a, &o) == BP_OK);
  CHECK(bp_unknown(dr).size == 0 && (bp_ext_list(dr, &n), n == 0));
  bp_encode_options eo = {BP_ENCODE_SKIP_UNKNOWN, 0};
  bp_str out;
  CHECK(bp_encode(&sample_Node_msgdef, d, a, &eo, &out) == BP_OK);
  CHECK_BYTES(out, "\xb0\x09\x05\xc8\x3e\x01"
                   "\xb0\x01\x01");
}

/* ---------------------------------------------------------------- malformed input */

/* n levels of Node, each the child (field 2) of the one before. */
static bp_str nested(bp_arena *a, int n) {
  sample_Node *top = sample_Node_new(a), *m = top;
  for (int i = 1; i < n; i++)
    m = sample_Node_mutable_child(m, a);
  bp_str out;
  bp_encode_options o = {0, 1000};
  CHECK(bp_encode(&sample_Node_msgdef, top, a, &o, &out) == BP_OK);
  return out;
}

static bp_status try_decode(const char *data, size_t n, bp_arena *a) {
  return bp_decode(&sample_Node_msgdef, sample_Node_new(a), data, n, a, NULL);
}
#define TRY(lit) try_decode((lit), sizeof(lit) - 1, a)

static void test_malformed(bp_arena *a) {
  CHECK(TRY("\x08") == BP_EMALFORMED);                                                 /* no value */
  CHECK(TRY("\x90") == BP_EMALFORMED);                                                 /* truncated tag */
  CHECK(TRY("\x98\x03\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\x01") == BP_EMALFORMED); /* 11-byte varint */
  CHECK(TRY("\x98\x03\xff\xff\xff\xff\xff\xff\xff\xff\xff\x01") == BP_OK);             /* 10 bytes */
  CHECK(TRY("\x0e") == BP_EMALFORMED && TRY("\x0f") == BP_EMALFORMED);                 /* wire types 6, 7 */
  CHECK(TRY("\x00\x00") == BP_EMALFORMED);                                             /* field 0 */
  CHECK(TRY("\x80\x80\x80\x80\x80\x01\x00") == BP_EMALFORMED);                         /* tag over 32 bits */
  CHECK(TRY("\xf8\xff\xff\xff\x0f\x00") == BP_OK);                                     /* field 2^29-1 */
  CHECK(TRY("\x0c") == BP_EMALFORMED);                                                 /* group end alone */
  CHECK(TRY("\x23\x28\x05") == BP_EMALFORMED);                                         /* group not ended */
  CHECK(TRY("\x23\x2c") == BP_EMALFORMED);                                             /* other group's end */
  CHECK(TRY("\x9b\x03\x08\x01") == BP_EMALFORMED);                                     /* unknown group */
  CHECK(TRY("\x0a\x05"
            "ab") == BP_EMALFORMED);                /* length past end */
  CHECK(TRY("\x12\x03\x0a\x05x") == BP_EMALFORMED); /* ... of a submessage */
  CHECK(TRY("\x0a\xff\xff\xff\xff\x0f") == BP_EMALFORMED);
  CHECK(TRY("\x9d\x03\x01\x02") == BP_EMALFORMED); /* fixed32 cut short */
  CHECK(TRY("\x99\x03\x01\x02\x03\x04") == BP_EMALFORMED);
  sample_Repeated *r = sample_Repeated_new(a);
  CHECK(DECODE_LIT(&sample_Repeated_msgdef, r, "\x22\x03\x01\x02\x03", a) == BP_EMALFORMED); /* packed fixed32 */
  CHECK(DECODE_LIT(&sample_Repeated_msgdef, r, "\x0a\x02\x01\x80", a) == BP_EMALFORMED);     /* packed varint */

  /* nesting: 101 levels (the top message and 100 nested, as C++ protobuf
   * counts its limit) are read, 102 are not; the limit can be lowered */
  bp_str ok = nested(a, 101), deep = nested(a, 102);
  CHECK(try_decode(ok.data, ok.size, a) == BP_OK);
  CHECK(try_decode(deep.data, deep.size, a) == BP_EDEPTH);
  bp_decode_options lim = {0, 5, 0, NULL};
  bp_str seven = nested(a, 7), six = nested(a, 6);
  CHECK(bp_decode(&sample_Node_msgdef, sample_Node_new(a), seven.data, seven.size, a, &lim) == BP_EDEPTH);
  CHECK(bp_decode(&sample_Node_msgdef, sample_Node_new(a), six.data, six.size, a, &lim) == BP_OK);
  /* encoding refuses what decoding would, and writes what it reads */
  sample_Node *top = sample_Node_new(a), *m = top;
  for (int i = 1; i < 101; i++)
    m = sample_Node_mutable_child(m, a);
  bp_str out;
  CHECK(bp_encode(&sample_Node_msgdef, top, a, NULL, &out) == BP_OK);
  CHECK(bp_encoded_size(&sample_Node_msgdef, top) == out.size);
  CHECK(bp_msg_copy(&sample_Node_msgdef, top, a) != NULL);
  m = sample_Node_mutable_child(m, a);
  CHECK(bp_encode(&sample_Node_msgdef, top, a, NULL, &out) == BP_EDEPTH);
  CHECK(bp_encoded_size(&sample_Node_msgdef, top) == SIZE_MAX);
  CHECK(bp_msg_copy(&sample_Node_msgdef, top, a) == NULL);
  /* unknown groups count as nesting too */
  char groups[2 * 300];
  for (int i = 0; i < 150; i++) {
    groups[2 * i] = (char)0xab, groups[2 * i + 1] = 0x06;                                     /* start group 101 */
    groups[sizeof groups - 2 - 2 * i] = (char)0xac, groups[sizeof groups - 1 - 2 * i] = 0x06; /* end */
  }
  CHECK(try_decode(groups, 300, a) == BP_EDEPTH);
  /* the size limit */
  bp_decode_options small = {0, 0, 3, NULL};
  CHECK(bp_decode(&sample_Node_msgdef, sample_Node_new(a), "\x0a\x02hi", 4, a, &small) == BP_ETOOBIG);

  /* UTF-8 where proto3 requires it */
  sample3_Implicit *im = sample3_Implicit_new(a);
  CHECK(DECODE_LIT(&sample3_Implicit_msgdef, im, "\x12\x02\xc3\xa9", a) == BP_OK);
  CHECK(DECODE_LIT(&sample3_Implicit_msgdef, im, "\x12\x01\xff", a) == BP_EUTF8);
  CHECK(DECODE_LIT(&sample3_Implicit_msgdef, im, "\x12\x03\xed\xa0\x80", a) == BP_EUTF8); /* surrogate */
  CHECK(DECODE_LIT(&sample3_Implicit_msgdef, im, "\x12\x02\xc0\x80", a) == BP_EUTF8);     /* overlong */
  CHECK(DECODE_LIT(&sample3_Implicit_msgdef, im, "\x2a\x01\xff", a) == BP_OK);            /* bytes */
}

/* Every prefix and many random mutations of a valid input: decoding never
 * crashes or reads out of bounds (ASan watches), and what decodes encodes
 * to bytes that decode to the same encoding. */
static void test_mutations(bp_arena *scratch) {
  sample_Node *root = sample_Node_new(scratch);
  sample_Node_set_name(root, bp_str_c("root"));
  sample_Node_set_id(root, 1);
  sample_Scalars *s = sample_Node_mutable_scalars(root, scratch);
  sample_Scalars_set_f_string(s, bp_str_c("abc"));
  sample_Scalars_set_f_sint64(s, -12345);
  sample_Scalars_set_f_double(s, 3.25);
  sample_Node_Extra *x = sample_Node_mutable_extra(root, scratch);
  sample_Node_Extra_add_tag(x, bp_str_c("t1"), scratch);
  sample_Node_mutable_child(sample_Node_add_children(root, scratch), scratch);
  bp_ext_add_raw(root, 150, bp_str_make("\xb0\x09\x05", 3), scratch);
  bp_str e = encode(&sample_Node_msgdef, root, scratch);
  char buf[512];
  CHECK(e.size < sizeof buf - 8);
  for (size_t n = 0; n <= e.size; n++) {
    bp_arena a;
    bp_arena_init(&a);
    bp_status st = try_decode(e.data, n, &a);
    CHECK(st == BP_OK || st == BP_EMALFORMED);
    bp_arena_free(&a);
  }
  uint64_t seed = 0x9e3779b97f4a7c15u;
  int decoded = 0;
  for (int iter = 0; iter < 20000; iter++) {
    memcpy(buf, e.data, e.size);
    size_t n = e.size;
    int edits = 1 + (int)(seed >> 60) % 4;
    for (int k = 0; k < edits; k++) {
      seed = seed * 6364136223846793005u + 1442695040888963407u;
      size_t pos = (size_t)(seed >> 33) % (n ? n : 1);
      switch ((seed >> 20) & 3) {
      case 0: buf[pos] = (char)(seed >> 8); break;
      case 1: buf[pos] ^= (char)(1u << ((seed >> 12) & 7)); break;
      case 2:
        if (n > 1) memmove(buf + pos, buf + pos + 1, n - pos - 1), n--;
        break;
      default:
        if (n < sizeof buf - 1) memmove(buf + pos + 1, buf + pos, n - pos), buf[pos] = (char)(seed >> 40), n++;
        break;
      }
    }
    char *copy = malloc(n ? n : 1); /* exact size, so ASan sees any overread */
    memcpy(copy, buf, n);
    bp_arena a;
    bp_arena_init(&a);
    sample_Node *m = sample_Node_new(&a);
    bp_status st = bp_decode(&sample_Node_msgdef, m, copy, n, &a, NULL);
    if (st == BP_OK) {
      decoded++;
      bp_str once, twice;
      CHECK(bp_encode(&sample_Node_msgdef, m, &a, NULL, &once) == BP_OK);
      sample_Node *m2 = sample_Node_new(&a);
      CHECK(bp_decode(&sample_Node_msgdef, m2, once.data, once.size, &a, NULL) == BP_OK);
      CHECK(bp_encode(&sample_Node_msgdef, m2, &a, NULL, &twice) == BP_OK);
      CHECK(bp_str_eq(once, twice));
      CHECK(bp_encoded_size(&sample_Node_msgdef, m) == once.size);
    }
    bp_arena_free(&a);
    free(copy);
  }
  CHECK(decoded > 100);
}

/* ---------------------------------------------------------------- proto3 */

static void test_proto3(bp_arena *a) {
  sample3_Implicit *m = sample3_Implicit_new(a);
  sample3_Implicit_set_count(m, 0);
  sample3_Implicit_set_label(m, bp_str_c(""));
  CHECK(encode(&sample3_Implicit_msgdef, m, a).size == 0); /* zero is not written */
  sample3_Implicit_set_count(m, 3);
  sample3_Implicit_set_ratio(m, -0.0); /* but negative zero is */
  sample3_Implicit_set_maybe(m, 0);    /* and proto3 optional zero is */
  CHECK(sample3_Implicit_has_maybe(m));
  CHECK(sample3_Implicit_add_values(m, 1, a) && sample3_Implicit_add_values(m, 2, a));
  sample3_Implicit_set_mood(m, 7);            /* open enum: any number */
  sample3_Implicit_set_word(m, bp_str_c("")); /* oneof members are always written */
  sample_Node *node = sample3_Implicit_mutable_node(m, a);
  sample_Node_set_id(node, 4);
  bp_str e = encode(&sample3_Implicit_msgdef, m, a);
  CHECK_BYTES(e, "\x08\x03"
                 "\x19\x00\x00\x00\x00\x00\x00\x00\x80"
                 "\x30\x07"
                 "\x38\x00"
                 "\x42\x02\x01\x02"
                 "\x4a\x03\xb0\x01\x04"
                 "\x52\x00");
  sample3_Implicit *d = sample3_Implicit_decode(e.data, e.size, a);
  CHECK(d && sample3_Implicit_mood(d) == 7 && sample3_Implicit_choice_case(d) == 10);
  CHECK(d && sample3_Implicit_has_maybe(d) && sample_Node_id(sample3_Implicit_node(d)) == 4);
  /* reflection reaches the same fields */
  const bp_field *count = bp_msgdef_field(&sample3_Implicit_msgdef, 1);
  CHECK(count && bp_msg_has(m, count) && bp_msg_get(m, count).i32 == 3);
  bp_msg_clear(m, count);
  CHECK(!bp_msg_has(m, count) && m->count == 0);
  bp_value v;
  v.u64 = 99;
  bp_msg_set(m, bp_msgdef_field(&sample3_Implicit_msgdef, 11), v);
  CHECK(sample3_Implicit_choice_case(m) == 11 && sample3_Implicit_big(m) == 99);
}

/* ---------------------------------------------------------------- descriptor.proto */

static void test_descriptor(bp_arena *a) {
  google_protobuf_FileDescriptorProto *f = google_protobuf_FileDescriptorProto_new(a);
  google_protobuf_FileDescriptorProto_set_name(f, bp_str_c("a.proto"));
  google_protobuf_FileDescriptorProto_set_package(f, bp_str_c("p"));
  google_protobuf_DescriptorProto *m = google_protobuf_FileDescriptorProto_add_message_type(f, a);
  google_protobuf_DescriptorProto_set_name(m, bp_str_c("M"));
  google_protobuf_FieldDescriptorProto *fl = google_protobuf_DescriptorProto_add_field(m, a);
  google_protobuf_FieldDescriptorProto_set_name(fl, bp_str_c("x"));
  google_protobuf_FieldDescriptorProto_set_number(fl, 1);
  google_protobuf_FieldDescriptorProto_set_label(fl, google_protobuf_FieldDescriptorProto_LABEL_OPTIONAL);
  google_protobuf_FieldDescriptorProto_set_type(fl, google_protobuf_FieldDescriptorProto_TYPE_INT32);
  google_protobuf_FileOptions *o = google_protobuf_FileDescriptorProto_mutable_options(f, a);
  CHECK(google_protobuf_FileOptions_optimize_for(o) == google_protobuf_FileOptions_SPEED);
  CHECK(google_protobuf_FileOptions_cc_enable_arenas(o) == true);
  google_protobuf_FileOptions_set_java_package(o, bp_str_c("j"));
  CHECK(bp_ext_add_raw(o, 50000, bp_str_make("\x80\xb5\x18\x01", 4), a));
  google_protobuf_SourceCodeInfo *sci = google_protobuf_FileDescriptorProto_mutable_source_code_info(f, a);
  google_protobuf_SourceCodeInfo_Location *loc = google_protobuf_SourceCodeInfo_add_location(sci, a);
  int32_t path[] = {4, 0}, span[] = {1, 2, 3};
  bp_array_alias(&loc->path, path, 2);
  bp_array_alias(&loc->span, span, 3);
  bp_str e = encode(&google_protobuf_FileDescriptorProto_msgdef, f, a);
  CHECK_BYTES(e, "\x0a\x07"
                 "a.proto"
                 "\x12\x01p"
                 "\x22\x0e\x0a\x01M\x12\x09\x0a\x01x\x18\x01\x20\x01\x28\x05"
                 "\x42\x07\x80\xb5\x18\x01\x0a\x01j"
                 "\x4a\x0b\x0a\x09\x0a\x02\x04\x00\x12\x03\x01\x02\x03");
  google_protobuf_FileDescriptorProto *d = google_protobuf_FileDescriptorProto_decode(e.data, e.size, a);
  CHECK(d && str_is(google_protobuf_FileDescriptorProto_name(d), "a.proto"));
  if (!d) return;
  size_t n;
  const google_protobuf_DescriptorProto *const *ms = google_protobuf_FileDescriptorProto_message_type(d, &n);
  CHECK(n == 1 && str_is(google_protobuf_DescriptorProto_name(ms[0]), "M"));
  const bp_ext *ext = bp_ext_list(google_protobuf_FileDescriptorProto_options(d), &n);
  CHECK(n == 1 && ext[0].number == 50000);
  const google_protobuf_SourceCodeInfo_Location *const *locs =
      google_protobuf_SourceCodeInfo_location(google_protobuf_FileDescriptorProto_source_code_info(d), &n);
  const int32_t *p = google_protobuf_SourceCodeInfo_Location_path(locs[0], &n);
  CHECK(n == 2 && p[0] == 4 && p[1] == 0);

  /* plugin.proto's messages hold descriptor.proto's */
  google_protobuf_compiler_CodeGeneratorRequest *req = google_protobuf_compiler_CodeGeneratorRequest_new(a);
  google_protobuf_compiler_CodeGeneratorRequest_add_file_to_generate(req, bp_str_c("a.proto"), a);
  google_protobuf_FileDescriptorProto **slot = bp_array_push(&req->proto_file, sizeof(void *), a);
  *slot = d;
  google_protobuf_compiler_Version *v = google_protobuf_compiler_CodeGeneratorRequest_mutable_compiler_version(req, a);
  google_protobuf_compiler_Version_set_major(v, 1);
  bp_str re = encode(&google_protobuf_compiler_CodeGeneratorRequest_msgdef, req, a);
  google_protobuf_compiler_CodeGeneratorRequest *rd =
      google_protobuf_compiler_CodeGeneratorRequest_decode(re.data, re.size, a);
  CHECK(rd && google_protobuf_compiler_Version_major(
                  google_protobuf_compiler_CodeGeneratorRequest_compiler_version(rd)) == 1);
  const google_protobuf_FileDescriptorProto *const *pf =
      rd ? google_protobuf_compiler_CodeGeneratorRequest_proto_file(rd, &n) : NULL;
  CHECK(pf && n == 1 && bp_str_eq(encode(&google_protobuf_FileDescriptorProto_msgdef, pf[0], a), e));
  google_protobuf_compiler_CodeGeneratorResponse *resp = google_protobuf_compiler_CodeGeneratorResponse_new(a);
  google_protobuf_compiler_CodeGeneratorResponse_set_supported_features(
      resp, google_protobuf_compiler_CodeGeneratorResponse_FEATURE_PROTO3_OPTIONAL);
  google_protobuf_compiler_CodeGeneratorResponse_File *file =
      google_protobuf_compiler_CodeGeneratorResponse_add_file(resp, a);
  google_protobuf_compiler_CodeGeneratorResponse_File_set_name(file, bp_str_c("a.c"));
  CHECK_BYTES(encode(&google_protobuf_compiler_CodeGeneratorResponse_msgdef, resp, a), "\x10\x01\x7a\x05\x0a\x03"
                                                                                       "a.c");
}

/* ---------------------------------------------------------------- maps */

static bp_value key_i64(int64_t v) {
  bp_value k;
  memset(&k, 0, sizeof k);
  k.i64 = v;
  return k;
}

static bp_value key_str(const char *s) {
  bp_value k;
  memset(&k, 0, sizeof k);
  k.str = bp_str_c(s);
  return k;
}

static void test_map_api(bp_arena *a) {
  hm_Maps *m = bp_msg_new(&hm_Maps_msgdef, a);
  const bp_msgdef *et = &hm_Maps_I64MsgEntry_msgdef;
  /* past the size where the index is built, with keys that collide in a small index */
  for (int64_t i = 0; i < 300; i++) {
    hm_Maps_I64MsgEntry *e = bp_map_upsert(&m->i64_msg, et, key_i64(i * 64 - 5000), a);
    CHECK(e && e->key == i * 64 - 5000 && e->value && !e->value->n);
    if (e) e->value->n = (int32_t)i;
  }
  CHECK(bp_map_size(&m->i64_msg) == 300);
  hm_Maps_I64MsgEntry *e = bp_map_upsert(&m->i64_msg, et, key_i64(64 * 7 - 5000), a);
  CHECK(e && e->value->n == 7 && bp_map_size(&m->i64_msg) == 300);
  bool all = true;
  for (int64_t i = 0; i < 300; i++) {
    hm_Maps_I64MsgEntry *g = bp_map_get(&m->i64_msg, et, key_i64(i * 64 - 5000));
    all = all && g && g->value->n == i;
  }
  CHECK(all);
  CHECK(!bp_map_get(&m->i64_msg, et, key_i64(1)));
  for (int64_t i = 0; i < 300; i += 2)
    CHECK(bp_map_delete(&m->i64_msg, et, key_i64(i * 64 - 5000)));
  CHECK(!bp_map_delete(&m->i64_msg, et, key_i64(-5000)));
  CHECK(bp_map_size(&m->i64_msg) == 150);
  all = true;
  for (int64_t i = 0; i < 300; i++) {
    hm_Maps_I64MsgEntry *g = bp_map_get(&m->i64_msg, et, key_i64(i * 64 - 5000));
    all = all && ((i % 2) ? g && g->value->n == i : !g);
  }
  CHECK(all);
  /* insertion order kept */
  size_t n;
  void *const *es = bp_map_entries(&m->i64_msg, &n);
  CHECK(n == 150 && ((hm_Maps_I64MsgEntry *)es[0])->key == 64 - 5000 &&
        ((hm_Maps_I64MsgEntry *)es[149])->key == 299 * 64 - 5000);
  bp_map_clear(&m->i64_msg);
  CHECK(bp_map_size(&m->i64_msg) == 0 && !bp_map_get(&m->i64_msg, et, key_i64(64 - 5000)));
  CHECK(bp_map_upsert(&m->i64_msg, et, key_i64(3), a) && bp_map_get(&m->i64_msg, et, key_i64(3)));

  /* string keys are copied; a key that is a prefix of another is another key */
  char buf[8] = "abc";
  const bp_msgdef *st = &hm_Maps_StrIntEntry_msgdef;
  hm_Maps_StrIntEntry *s1 = bp_map_upsert(&m->str_int, st, key_str(buf), a);
  CHECK(s1 && s1->key.data != buf);
  if (s1) s1->value = 1;
  memcpy(buf, "xyz", 3);
  CHECK(bp_map_get(&m->str_int, st, key_str("abc")) == s1);
  CHECK(!bp_map_get(&m->str_int, st, key_str("ab")));
  hm_Maps_StrIntEntry *s2 = bp_map_upsert(&m->str_int, st, key_str("ab"), a);
  hm_Maps_StrIntEntry *s3 = bp_map_upsert(&m->str_int, st, key_str(""), a);
  CHECK(s2 && s3 && s2 != s1 && s3 != s2 && bp_map_size(&m->str_int) == 3);

  /* entries changed directly, then reindexed */
  for (int i = 0; i < 40; i++) {
    hm_Maps_IntStrEntry *ie = bp_msg_new(&hm_Maps_IntStrEntry_msgdef, a);
    ie->key = -i;
    void **slot = bp_array_push(&m->int_str.entries, sizeof(void *), a);
    *slot = ie;
  }
  CHECK(bp_map_reindex(&m->int_str, &hm_Maps_IntStrEntry_msgdef, a));
  bp_value k;
  memset(&k, 0, sizeof k);
  k.i32 = -33;
  hm_Maps_IntStrEntry *ig = bp_map_get(&m->int_str, &hm_Maps_IntStrEntry_msgdef, k);
  CHECK(ig && ig->key == -33);

  /* bool keys: two at most */
  const bp_msgdef *bt = &hm_Maps_BoolBoolEntry_msgdef;
  memset(&k, 0, sizeof k);
  k.b = true;
  hm_Maps_BoolBoolEntry *bt1 = bp_map_upsert(&m->bool_bool, bt, k, a);
  k.b = false;
  CHECK(bt1 && bp_map_upsert(&m->bool_bool, bt, k, a) != bt1);
  k.b = true;
  CHECK(bp_map_upsert(&m->bool_bool, bt, k, a) == bt1 && bp_map_size(&m->bool_bool) == 2);
}

static void test_map_wire(bp_arena *a) {
  /* every entry writes its key and value, zero or not */
  hm_Maps *m = bp_msg_new(&hm_Maps_msgdef, a);
  CHECK(bp_map_upsert(&m->str_int, &hm_Maps_StrIntEntry_msgdef, key_str(""), a));
  hm_Maps_I64MsgEntry *me = bp_map_upsert(&m->i64_msg, &hm_Maps_I64MsgEntry_msgdef, key_i64(0), a);
  if (me) me->value = NULL; /* written as an empty message */
  CHECK_BYTES(encode(&hm_Maps_msgdef, m, a), "\x0a\x04\x0a\x00\x10\x00"
                                             "\x1a\x04\x08\x00\x12\x00");

  /* a later entry replaces the value of the same key; missing key and value are zero */
  hm_Maps *d = bp_msg_new(&hm_Maps_msgdef, a);
  CHECK(DECODE_LIT(&hm_Maps_msgdef, d,
                   "\x0a\x05\x0a\x01k\x10\x01" /* k: 1 */
                   "\x0a\x05\x0a\x01j\x10\x02" /* j: 2 */
                   "\x0a\x05\x10\x03\x0a\x01k" /* k: 3, value first */
                   "\x0a\x00"                  /* "": 0 */
                   "\x1a\x02\x08\x07"          /* 7: no value */
                   "\x5a\x02\x10\x05",         /* int_enum: no key, C5 */
                   a) == BP_OK);
  CHECK(bp_map_size(&d->str_int) == 3);
  hm_Maps_StrIntEntry *k = bp_map_get(&d->str_int, &hm_Maps_StrIntEntry_msgdef, key_str("k"));
  CHECK(k && k->value == 3);
  size_t n;
  void *const *es = bp_map_entries(&d->str_int, &n);
  CHECK(n == 3 && es[0] == k); /* the key keeps its place */
  hm_Maps_StrIntEntry *z = bp_map_get(&d->str_int, &hm_Maps_StrIntEntry_msgdef, key_str(""));
  CHECK(z && z->value == 0);
  hm_Maps_I64MsgEntry *v7 = bp_map_get(&d->i64_msg, &hm_Maps_I64MsgEntry_msgdef, key_i64(7));
  CHECK(v7 && v7->value && !bp_msg_aux(v7->value));
  CHECK(bp_map_size(&d->int_enum) == 1);
  CHECK_BYTES(encode(&hm_Maps_msgdef, d, a), "\x0a\x05\x0a\x01k\x10\x03"
                                             "\x0a\x05\x0a\x01j\x10\x02"
                                             "\x0a\x04\x0a\x00\x10\x00"
                                             "\x1a\x04\x08\x07\x12\x00"
                                             "\x5a\x04\x08\x00\x10\x05");
  bp_encode_options det = {BP_ENCODE_DETERMINISTIC, 0};
  bp_str out;
  CHECK(bp_encode(&hm_Maps_msgdef, d, a, &det, &out) == BP_OK);
  CHECK_BYTES(out, "\x0a\x04\x0a\x00\x10\x00"
                   "\x0a\x05\x0a\x01j\x10\x02"
                   "\x0a\x05\x0a\x01k\x10\x03"
                   "\x1a\x04\x08\x07\x12\x00"
                   "\x5a\x04\x08\x00\x10\x05");

  /* a closed enum value it does not know: the whole entry is an unknown field */
  hm_Maps *u = bp_msg_new(&hm_Maps_msgdef, a);
  CHECK(DECODE_LIT(&hm_Maps_msgdef, u, "\x5a\x04\x08\x01\x10\x05\x5a\x04\x08\x02\x10\x03", a) == BP_OK);
  CHECK(bp_map_size(&u->int_enum) == 1);
  CHECK(bp_str_eq(bp_unknown(u), bp_str_make("\x5a\x04\x08\x02\x10\x03", 6)));
  CHECK_BYTES(encode(&hm_Maps_msgdef, u, a), "\x5a\x04\x08\x01\x10\x05\x5a\x04\x08\x02\x10\x03");

  /* signed and unsigned keys in order; bool false first */
  hm_Maps *o = bp_msg_new(&hm_Maps_msgdef, a);
  CHECK(DECODE_LIT(&hm_Maps_msgdef, o,
                   "\x3a\x04\x08\x01\x10\x00"                          /* s64: -1 (zigzag 1) */
                   "\x3a\x04\x08\x02\x10\x00"                          /* s64: 1 */
                   "\x3a\x04\x08\x03\x10\x00"                          /* s64: -2 */
                   "\x22\x08\x08\xff\xff\xff\xff\x0f\x12\x00"          /* u32: 2^32-1 */
                   "\x22\x04\x08\x01\x12\x00"                          /* u32: 1 */
                   "\x52\x04\x08\x01\x10\x01\x52\x04\x08\x00\x10\x00", /* bool: true, false */
                   a) == BP_OK);
  CHECK(bp_encode(&hm_Maps_msgdef, o, a, &det, &out) == BP_OK);
  CHECK_BYTES(out, "\x22\x04\x08\x01\x12\x00"
                   "\x22\x08\x08\xff\xff\xff\xff\x0f\x12\x00"
                   "\x3a\x04\x08\x03\x10\x00\x3a\x04\x08\x01\x10\x00\x3a\x04\x08\x02\x10\x00"
                   "\x52\x04\x08\x00\x10\x00\x52\x04\x08\x01\x10\x01");

  /* maps count as nesting: an entry's message value is two levels down */
  hm_Maps *deep = bp_msg_new(&hm_Maps_msgdef, a);
  bp_decode_options lim = {0, 2, 0, NULL};
  CHECK(bp_decode(&hm_Maps_msgdef, deep, "\x62\x02\x0a\x00", 4, a, &lim) == BP_OK);
  CHECK(bp_decode(&hm_Maps_msgdef, deep, "\x62\x04\x12\x02\x68\x01", 6, a, &lim) == BP_OK);
  CHECK(bp_decode(&hm_Maps_msgdef, deep, "\x62\x06\x12\x04\x62\x02\x0a\x00", 8, a, &lim) == BP_EDEPTH);
  /* truncated entries */
  CHECK(DECODE_LIT(&hm_Maps_msgdef, deep, "\x0a\x05\x0a\x01k\x10", a) == BP_EMALFORMED);
  CHECK(DECODE_LIT(&hm_Maps_msgdef, deep, "\x0a\x03\x0a\x05k", a) == BP_EMALFORMED);
}

/* ---------------------------------------------------------------- typed extensions, registry, message sets */

static void test_registry(bp_arena *a) {
  bp_registry *r = bp_registry_new(a);
  CHECK(r && bp_registry_add_file(r, &hm_filedef));
  if (!r) return;
  CHECK(bp_registry_msgdef(r, bp_str_c("hm.Maps")) == &hm_Maps_msgdef);
  CHECK(bp_registry_msgdef(r, bp_str_c("hm.Maps.StrIntEntry")) == &hm_Maps_StrIntEntry_msgdef);
  CHECK(!bp_registry_msgdef(r, bp_str_c("hm.Map")) && !bp_registry_msgdef(r, bp_str_c("")));
  CHECK(bp_registry_enumdef(r, bp_str_c("hm.Closed")) == &hm_Closed_enumdef);
  CHECK(bp_registry_ext(r, &hm_Ext_msgdef, 102) == &hm_e_msg);
  CHECK(bp_registry_ext(r, &hm_MSet_msgdef, 1001) == &hm_ItemB_ext);
  CHECK(!bp_registry_ext(r, &hm_Req_msgdef, 102) && !bp_registry_ext(r, &hm_Ext_msgdef, 199));
  CHECK(bp_registry_ext_by_name(r, bp_str_c("hm.ItemA.ext")) == &hm_ItemA_ext);
  /* a file's imports come with it */
  bp_registry *r3f = bp_registry_new(a);
  CHECK(r3f && bp_registry_add_file(r3f, &hm3_filedef));
  CHECK(r3f && bp_registry_msgdef(r3f, bp_str_c("hm.P3")) == &hm_P3_msgdef &&
        bp_registry_msgdef(r3f, bp_str_c("hm.Maps")) == &hm_Maps_msgdef &&
        bp_registry_ext(r3f, &hm_Req_msgdef, 10) == &hm_e_req);
  /* a file imported twice, and an import cycle: each file added once */
  static const bp_msgdef *const msgs_b[] = {&sample_Node_msgdef};
  static const bp_filedef *deps_a[2];
  static const bp_filedef *deps_b[1];
  static const bp_filedef fb = {"b.proto", "sample", msgs_b, NULL, NULL, NULL, deps_b, 1, 0, 0, 0, 1};
  static const bp_filedef fa = {"a.proto", "hm", NULL, NULL, NULL, NULL, deps_a, 0, 0, 0, 0, 2};
  deps_a[0] = &fb;
  deps_a[1] = &hm_filedef;
  deps_b[0] = &fa;
  bp_registry *r2 = bp_registry_new(a);
  CHECK(r2 && bp_registry_add_file(r2, &fa) && bp_registry_add_file(r2, &fb));
  CHECK(r2 && bp_registry_msgdef(r2, bp_str_c("sample.Node")) == &sample_Node_msgdef);
  CHECK(r2 && bp_registry_ext(r2, &hm_Req_msgdef, 10) == &hm_e_req);
  /* many entries: the tables grow */
  bp_registry *r3 = bp_registry_new(a);
  for (int i = 0; i < 40; i++)
    CHECK(bp_registry_add_file(r3, &hm_filedef) && bp_registry_add_msgdef(r3, hm_filedef.msgs[i % 21]));
  CHECK(bp_registry_add_msgdef(r3, &sample_Node_msgdef) && bp_registry_add_msgdef(r3, &sample_Scalars_msgdef));
  CHECK(bp_registry_msgdef(r3, bp_str_c("sample.Scalars")) == &sample_Scalars_msgdef);
  CHECK(bp_registry_msgdef(r3, bp_str_c("hm.Holder")) == &hm_Holder_msgdef);
}

static void test_typed_ext(bp_arena *a) {
  hm_Ext *m = bp_msg_new(&hm_Ext_msgdef, a);
  bp_value v, got;
  memset(&v, 0, sizeof v);
  CHECK(!bp_ext_has(m, &hm_e_int) && !bp_ext_get(m, &hm_e_int, a, &got));
  v.i32 = 0;
  CHECK(bp_ext_set(m, &hm_e_int, v, a) && bp_ext_has(m, &hm_e_int));
  CHECK(bp_ext_get(m, &hm_e_int, a, &got) && got.i32 == 0);
  CHECK_BYTES(encode(&hm_Ext_msgdef, m, a), "\xa0\x06\x00"); /* set to zero: written */
  v.i32 = -1;
  CHECK(bp_ext_set(m, &hm_e_int, v, a));
  hm_Val *val = bp_ext_mutable(m, &hm_e_msg, a);
  CHECK(val && bp_ext_mutable(m, &hm_e_msg, a) == val);
  if (val) val->n = 3, val->bp_has_[0] |= 1;
  bp_array *packed = bp_ext_array(m, &hm_e_packed, a);
  CHECK(packed && !bp_ext_has(m, &hm_e_packed));
  int32_t *pv = packed ? bp_array_push(packed, 4, a) : NULL;
  if (pv) *pv = -2;
  CHECK(bp_ext_has(m, &hm_e_packed));
  bp_array *strs = bp_ext_array(m, &hm_e_strs, a);
  bp_str *sv = strs ? bp_array_push(strs, sizeof(bp_str), a) : NULL;
  if (sv) *sv = bp_str_c("x");
  m->a = 1, m->bp_has_[0] |= 1;
  CHECK(!bp_ext_array(m, &hm_e_int, a) && !bp_ext_mutable(m, &hm_e_int, a));
  bp_str e = encode(&hm_Ext_msgdef, m, a);
  CHECK_BYTES(e, "\xa0\x06\xff\xff\xff\xff\xff\xff\xff\xff\xff\x01" /* e_int -1 */
                 "\xaa\x06\x01\x03"                                 /* e_packed [-2] */
                 "\xb2\x06\x02\x08\x03"                             /* e_msg {n: 3} */
                 "\xba\x06\x01x"                                    /* e_strs ["x"] */
                 "\x08\x01");                                       /* a: 1 */
  bp_ext_clear(m, &hm_e_int);
  CHECK(!bp_ext_has(m, &hm_e_int));

  /* decoded without a registry: raw entries, typed when read with the table */
  hm_Ext *d = bp_msg_new(&hm_Ext_msgdef, a);
  CHECK(bp_decode(&hm_Ext_msgdef, d, e.data, e.size, a, NULL) == BP_OK);
  size_t n;
  const bp_ext *xs = bp_ext_list(d, &n);
  CHECK(n == 4 && xs[0].kind == BP_EXT_RAW);
  CHECK(bp_ext_has(d, &hm_e_msg) && bp_ext_get(d, &hm_e_msg, a, &got) && got.msg && ((hm_Val *)got.msg)->n == 3);
  CHECK(bp_ext_get(d, &hm_e_int, a, &got) && got.i32 == -1);
  xs = bp_ext_list(d, &n);
  CHECK(n == 4 && xs[0].kind == BP_EXT_VALUE && xs[1].kind == BP_EXT_RAW && xs[2].kind == BP_EXT_VALUE);
  CHECK(bp_str_eq(encode(&hm_Ext_msgdef, d, a), e));
  /* raw entries added after a typed one merge into it; malformed ones are refused and kept */
  CHECK(bp_ext_add_raw(d, 102, bp_str_make("\xb2\x06\x02\x10\x05", 5), a)); /* n: 5... as field 2 varint */
  CHECK(bp_ext_get(d, &hm_e_msg, a, &got) && ((hm_Val *)got.msg)->n == 3 && bp_msg_aux(got.msg));
  CHECK(bp_ext_add_raw(d, 100, bp_str_make("\xa0\x06", 2), a));
  CHECK(!bp_ext_get(d, &hm_e_int, a, &got));
  xs = bp_ext_list(d, &n);
  CHECK(n == 5 && xs[0].kind == BP_EXT_VALUE && xs[1].kind == BP_EXT_RAW);

  /* decoded with a registry: typed entries; an unknown closed enum number and a wrong wire
   * type are unknown fields; a message extension twice merges */
  bp_registry *r = bp_registry_new(a);
  CHECK(r && bp_registry_add_file(r, &hm_filedef));
  bp_decode_options o = {0, 0, 0, r};
  hm_Ext *t = bp_msg_new(&hm_Ext_msgdef, a);
  static const char in[] = "\xb2\x06\x02\x08\x03"     /* e_msg {n: 3} */
                           "\xc0\x06\x05"             /* e_enum C5 */
                           "\xc0\x06\x04"             /* e_enum 4: unknown */
                           "\xd2\x06\x03\x01\x07\x05" /* e_enums packed [1, 7, 5]: 7 unknown */
                           "\xa5\x06\x01\x02\x03\x04" /* e_int as fixed32: unknown */
                           "\xb2\x06\x03\x12\x01s"    /* e_msg {s: "s"} */
                           "\xf8\x06\x01";            /* 111: not known, raw */
  CHECK(bp_decode(&hm_Ext_msgdef, t, in, sizeof in - 1, a, &o) == BP_OK);
  xs = bp_ext_list(t, &n);
  CHECK(n == 4 && xs[0].kind == BP_EXT_VALUE && xs[0].def == &hm_e_msg && xs[3].kind == BP_EXT_RAW);
  CHECK(bp_ext_get(t, &hm_e_msg, a, &got) && ((hm_Val *)got.msg)->n == 3 && str_is(((hm_Val *)got.msg)->s, "s"));
  CHECK(bp_ext_get(t, &hm_e_enum, a, &got) && got.i32 == 5);
  bp_array *en = bp_ext_array(t, &hm_e_enums, a);
  CHECK(en && en->size == 2 && ((int32_t *)en->data)[1] == 5);
  CHECK(bp_str_eq(bp_unknown(t), bp_str_make("\xc0\x06\x04\xd0\x06\x07\xa5\x06\x01\x02\x03\x04", 12)));
  CHECK(!bp_ext_has(t, &hm_e_int));
  CHECK_BYTES(encode(&hm_Ext_msgdef, t, a), "\xb2\x06\x05\x08\x03\x12\x01s"
                                            "\xc0\x06\x05"
                                            "\xd0\x06\x01\xd0\x06\x05"
                                            "\xf8\x06\x01"
                                            "\xc0\x06\x04\xd0\x06\x07\xa5\x06\x01\x02\x03\x04");
  /* raw entries that do not parse (found when typing them) stay raw, and so does more of them */
  hm_Ext *w = bp_msg_new(&hm_Ext_msgdef, a);
  CHECK(bp_decode(&hm_Ext_msgdef, w, "\xb2\x06\x01\x08", 4, a, NULL) == BP_OK);
  CHECK(bp_decode(&hm_Ext_msgdef, w, "\xb2\x06\x02\x08\x01", 5, a, &o) == BP_OK);
  xs = bp_ext_list(w, &n);
  CHECK(n == 2 && xs[0].kind == BP_EXT_RAW && xs[1].kind == BP_EXT_RAW && !bp_ext_get(w, &hm_e_msg, a, &got));
  CHECK_BYTES(encode(&hm_Ext_msgdef, w, a), "\xb2\x06\x01\x08\xb2\x06\x02\x08\x01");
  /* nesting through extensions counts */
  hm_Req *q = bp_msg_new(&hm_Req_msgdef, a);
  bp_decode_options shallow = {0, 2, 0, r};
  CHECK(bp_decode(&hm_Req_msgdef, q, "\x52\x02\x52\x00", 4, a, &shallow) == BP_OK);
  CHECK(bp_decode(&hm_Req_msgdef, q, "\x52\x04\x52\x02\x52\x00", 6, a, &shallow) == BP_EDEPTH);
}

static void test_message_set(bp_arena *a) {
  bp_registry *r = bp_registry_new(a);
  CHECK(r && bp_registry_add_file(r, &hm_filedef));
  bp_decode_options o = {0, 0, 0, r};
  /* an item with the message first, one of an unknown type, one without a type id (dropped, as
   * protobuf 3.21's C++ parser drops it: protoc --decode and python agree) */
  static const char in[] = "\x0b\x1a\x02\x08\x07\x10\xe8\x07\x0c"
                           "\x0b\x10\xd0\x0f\x1a\x01\xff\x0c"
                           "\x0b\x1a\x00\x0c";
  for (int typed = 0; typed < 2; typed++) {
    hm_MSet *m = bp_msg_new(&hm_MSet_msgdef, a);
    CHECK(bp_decode(&hm_MSet_msgdef, m, in, sizeof in - 1, a, typed ? &o : NULL) == BP_OK);
    size_t n;
    const bp_ext *xs = bp_ext_list(m, &n);
    CHECK(n == 2 && xs[0].number == 1000 && xs[1].number == 2000 && xs[1].kind == BP_EXT_RAW);
    CHECK(xs[0].kind == (typed ? BP_EXT_VALUE : BP_EXT_RAW));
    CHECK(bp_unknown(m).size == 0);
    bp_value got;
    CHECK(bp_ext_get(m, &hm_ItemA_ext, a, &got) && got.msg && ((hm_ItemA *)got.msg)->x == 7);
    /* typed now, either way: written in the canonical order */
    CHECK_BYTES(encode(&hm_MSet_msgdef, m, a), "\x0b\x10\xe8\x07\x1a\x02\x08\x07\x0c"
                                               "\x0b\x10\xd0\x0f\x1a\x01\xff\x0c");
    hm_ItemB *b = bp_ext_mutable(m, &hm_ItemB_ext, a);
    CHECK(b != NULL);
    CHECK_BYTES(encode(&hm_MSet_msgdef, m, a), "\x0b\x10\xe8\x07\x1a\x02\x08\x07\x0c"
                                               "\x0b\x10\xe9\x07\x1a\x00\x0c"
                                               "\x0b\x10\xd0\x0f\x1a\x01\xff\x0c");
  }
  /* the first type id and the first message make the item, later ones are skipped (as protobuf
   * 3.21's C++ parser reads items: protoc --decode and python agree; tests/testmsgs) */
  hm_MSet *two = bp_msg_new(&hm_MSet_msgdef, a);
  bp_value x;
  CHECK(DECODE_LIT(&hm_MSet_msgdef, two, "\x0b\x10\xe8\x07\x1a\x02\x08\x05\x1a\x00\x0c", a) == BP_OK);
  CHECK(bp_ext_get(two, &hm_ItemA_ext, a, &x) && ((hm_ItemA *)x.msg)->x == 5);
  two = bp_msg_new(&hm_MSet_msgdef, a);
  CHECK(bp_decode(&hm_MSet_msgdef, two, "\x0b\x1a\x02\x08\x05\x1a\x02\x08\x06\x10\xe8\x07\x0c", 13, a, &o) == BP_OK);
  CHECK(bp_ext_get(two, &hm_ItemA_ext, a, &x) && ((hm_ItemA *)x.msg)->x == 5);
  two = bp_msg_new(&hm_MSet_msgdef, a);
  CHECK(bp_decode(&hm_MSet_msgdef, two, "\x0b\x10\xe8\x07\x1a\x01\x0c\x1a\x00\x0c", 10, a, &o) == BP_EMALFORMED);
  hm_MSet *bad = bp_msg_new(&hm_MSet_msgdef, a);
  CHECK(DECODE_LIT(&hm_MSet_msgdef, bad, "\x0b\x10\xe8\x07", a) == BP_EMALFORMED);
  CHECK(DECODE_LIT(&hm_MSet_msgdef, bad, "\x0b\x1a\x05\x08\x0c", a) == BP_EMALFORMED);
  CHECK(DECODE_LIT(&hm_MSet_msgdef, bad, "\x0b\x14", a) == BP_EMALFORMED);
}

/* proto3 strings must be UTF-8 everywhere: singular, repeated, map keys and
 * values, oneof members; bytes and proto2 strings need not be. */
static void test_utf8(bp_arena *a) {
  static const struct {
    const char *in;
    size_t n;
    bp_status want;
  } cases[] = {
      {"\x0a\x02\xc3\xa9", 4, BP_OK},
      {"\x0a\x01\xc3", 3, BP_EUTF8},
      {"\x12\x01\xff", 3, BP_EUTF8},
      {"\x1a\x05\x0a\x01\x80\x12\x00", 7, BP_EUTF8},
      {"\x1a\x05\x0a\x00\x12\x01\xed", 7, BP_EUTF8},
      {"\x1a\x06\x0a\x00\x12\x02\xc3\xa9", 8, BP_OK},
      {"\x22\x01\xff", 3, BP_OK},
      {"\x2a\x03\xed\xa0\x80", 5, BP_EUTF8}, /* a surrogate */
      {"\x3a\x03\x0a\x01\xc0", 5, BP_EUTF8},
      {"\x42\x03\x12\x01\xff", 5, BP_OK},        /* hm.Val is proto2 */
      {"\x0a\x04\xf4\x90\x80\x80", 6, BP_EUTF8}, /* past U+10FFFF */
      {"\x0a\x02\xc1\xbf", 4, BP_EUTF8},         /* overlong */
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    hm_P3 *m = bp_msg_new(&hm_P3_msgdef, a);
    bp_status s = bp_decode(&hm_P3_msgdef, m, cases[i].in, cases[i].n, a, NULL);
    CHECK(s == cases[i].want);
    if (s != cases[i].want) fprintf(stderr, "  utf8 case %zu: %s\n", i, bp_status_text(s));
  }
}

/* Tags of 5 bytes lose their bits past 32, as protobuf's C++ parser reads
 * them; longer ones, and a tag that is 0 once cut, are malformed. */
static void test_long_tags(bp_arena *a) {
  hm_Ext *m = bp_msg_new(&hm_Ext_msgdef, a);
  CHECK(DECODE_LIT(&hm_Ext_msgdef, m, "\x88\x80\x80\x80\x10\x01", a) == BP_OK && m->a == 1);
  CHECK(DECODE_LIT(&hm_Ext_msgdef, m, "\x88\x80\x80\x80\x70\x02", a) == BP_OK && m->a == 2);
  CHECK(DECODE_LIT(&hm_Ext_msgdef, m, "\x80\x80\x80\x80\x10\x01", a) == BP_EMALFORMED);
  CHECK(DECODE_LIT(&hm_Ext_msgdef, m, "\x88\x80\x80\x80\x80\x00\x01", a) == BP_EMALFORMED);
}

/* ---------------------------------------------------------------- whole messages */

static hm_Req *req_new(int32_t r, bp_arena *a) {
  hm_Req *q = bp_msg_new(&hm_Req_msgdef, a);
  q->r = r;
  q->bp_has_[0] |= 1;
  return q;
}

static void test_whole(bp_arena *a) {
  bp_registry *reg = bp_registry_new(a);
  CHECK(reg && bp_registry_add_file(reg, &hm_filedef));
  hm_Req *q = req_new(1, a);
  CHECK(bp_msg_is_initialized(&hm_Req_msgdef, q));
  q->child = bp_msg_new(&hm_Req_msgdef, a);
  CHECK(!bp_msg_is_initialized(&hm_Req_msgdef, q)); /* the child lacks r */
  q->child->r = 0, q->child->bp_has_[0] |= 1;
  CHECK(bp_msg_is_initialized(&hm_Req_msgdef, q));
  bp_value key;
  memset(&key, 0, sizeof key);
  key.i32 = 4;
  hm_Req_MEntry *me = bp_map_upsert(&q->m, &hm_Req_MEntry_msgdef, key, a);
  CHECK(me && me->value && !bp_msg_is_initialized(&hm_Req_msgdef, q)); /* a map value lacks r */
  if (me) me->value->bp_has_[0] |= 1;
  CHECK(bp_msg_is_initialized(&hm_Req_msgdef, q));
  hm_Req **l = bp_array_push(&q->list, sizeof(void *), a);
  *l = bp_msg_new(&hm_Req_msgdef, a);
  CHECK(!bp_msg_is_initialized(&hm_Req_msgdef, q));
  (*l)->bp_has_[0] |= 1;
  hm_Req *e = bp_ext_mutable(q, &hm_e_req, a);
  CHECK(e && !bp_msg_is_initialized(&hm_Req_msgdef, q)); /* a typed extension lacks r */
  if (e) e->bp_has_[0] |= 1;
  q->pick.sub = bp_msg_new(&hm_Req_msgdef, a);
  q->pick_case = 6;
  CHECK(!bp_msg_is_initialized(&hm_Req_msgdef, q)); /* the oneof member lacks r */
  q->pick.sub->bp_has_[0] |= 1;
  CHECK(bp_msg_is_initialized(&hm_Req_msgdef, q));
  CHECK(bp_unknown_add(q, "\x78\x01", 2, a));

  /* a copy is equal, deep, and encodes the same */
  hm_Req *c = bp_msg_copy(&hm_Req_msgdef, q, a);
  CHECK(c && c != q && c->child != q->child && bp_msg_equal(&hm_Req_msgdef, q, c));
  CHECK(c && bp_str_eq(encode(&hm_Req_msgdef, c, a), encode(&hm_Req_msgdef, q, a)));
  if (!c) return;
  c->child->r = 2;
  CHECK(!bp_msg_equal(&hm_Req_msgdef, q, c) && q->child->r == 0);
  c->child->r = 0;
  CHECK(bp_msg_equal(&hm_Req_msgdef, q, c));
  CHECK(bp_unknown_add(c, "\x78\x02", 2, a) && !bp_msg_equal(&hm_Req_msgdef, q, c));
  /* maps compare as sets: insertion order does not count */
  hm_Req *m1 = req_new(1, a), *m2 = req_new(1, a);
  for (int i = 0; i < 12; i++) {
    key.i32 = i;
    CHECK(bp_map_upsert(&m1->m, &hm_Req_MEntry_msgdef, key, a));
    key.i32 = 11 - i;
    CHECK(bp_map_upsert(&m2->m, &hm_Req_MEntry_msgdef, key, a));
  }
  CHECK(bp_msg_equal(&hm_Req_msgdef, m1, m2));
  key.i32 = 5;
  hm_Req_MEntry *v5 = bp_map_get(&m2->m, &hm_Req_MEntry_msgdef, key);
  if (v5) v5->value->r = 9, v5->value->bp_has_[0] |= 1;
  CHECK(!bp_msg_equal(&hm_Req_msgdef, m1, m2));
  /* floats as values */
  hm_Maps *f1 = bp_msg_new(&hm_Maps_msgdef, a), *f2 = bp_msg_new(&hm_Maps_msgdef, a);
  key.i32 = 1;
  hm_Maps_S32FltEntry *x1 = bp_map_upsert(&f1->s32_flt, &hm_Maps_S32FltEntry_msgdef, key, a);
  hm_Maps_S32FltEntry *x2 = bp_map_upsert(&f2->s32_flt, &hm_Maps_S32FltEntry_msgdef, key, a);
  x1->value = 0.0f, x2->value = -0.0f;
  CHECK(bp_msg_equal(&hm_Maps_msgdef, f1, f2));
  x1->value = x2->value = NAN;
  CHECK(!bp_msg_equal(&hm_Maps_msgdef, f1, f2));

  /* merge: oneof switches member, repeated appends, maps replace by key, extensions merge */
  hm_Req *dst = req_new(1, a), *src = req_new(2, a);
  dst->pick.num = 5, dst->pick_case = 5;
  src->pick.sub = req_new(3, a), src->pick_case = 6;
  *(hm_Req **)bp_array_push(&dst->list, sizeof(void *), a) = req_new(10, a);
  *(hm_Req **)bp_array_push(&src->list, sizeof(void *), a) = req_new(11, a);
  key.i32 = 1;
  hm_Req_MEntry *de = bp_map_upsert(&dst->m, &hm_Req_MEntry_msgdef, key, a);
  de->value->child = req_new(99, a);
  hm_Req_MEntry *se = bp_map_upsert(&src->m, &hm_Req_MEntry_msgdef, key, a);
  se->value->r = 7, se->value->bp_has_[0] |= 1;
  ((hm_Req *)bp_ext_mutable(dst, &hm_e_req, a))->r = 20;
  hm_Req *sx = bp_ext_mutable(src, &hm_e_req, a);
  sx->child = req_new(21, a);
  CHECK(bp_msg_merge(&hm_Req_msgdef, dst, src, a));
  CHECK(dst->r == 2 && dst->pick_case == 6 && dst->pick.sub && dst->pick.sub->r == 3 && dst->pick.sub != src->pick.sub);
  CHECK(dst->list.size == 2 && ((hm_Req **)dst->list.data)[1]->r == 11);
  hm_Req_MEntry *me1 = bp_map_get(&dst->m, &hm_Req_MEntry_msgdef, key);
  CHECK(me1 && me1->value->r == 7 && !me1->value->child && bp_map_size(&dst->m) == 1);
  bp_value got;
  CHECK(bp_ext_get(dst, &hm_e_req, a, &got) && ((hm_Req *)got.msg)->r == 20 && ((hm_Req *)got.msg)->child &&
        ((hm_Req *)got.msg)->child->r == 21);
  /* a message that holds itself: refused, no endless recursion */
  hm_Req *loop = req_new(1, a);
  loop->child = loop;
  CHECK(!bp_msg_copy(&hm_Req_msgdef, loop, a) && !bp_msg_is_initialized(&hm_Req_msgdef, loop));
  CHECK(bp_msg_equal(&hm_Req_msgdef, loop, loop));
  /* clear_all */
  bp_msg_clear_all(&hm_Req_msgdef, dst);
  CHECK(!bp_msg_aux(dst) && !dst->list.size && !bp_map_size(&dst->m) && !dst->pick_case && !dst->bp_has_[0]);
  CHECK(encode(&hm_Req_msgdef, dst, a).size == 0);
}

/* ---------------------------------------------------------------- round trips of files */

static char *read_file(const char *path, size_t *n) {
  FILE *f = fopen(path, "rb");
  if (!f) return NULL;
  size_t cap = 1 << 16, len = 0;
  char *buf = malloc(cap);
  for (;;) {
    if (len == cap) buf = realloc(buf, cap *= 2);
    size_t k = fread(buf + len, 1, cap - len, f);
    if (!k) break;
    len += k;
  }
  fclose(f);
  *n = len;
  return buf;
}

static void roundtrip(const char *path) {
  size_t n;
  char *data = read_file(path, &n);
  if (!data) {
    fprintf(stderr, "%s: cannot read\n", path);
    failures++;
    return;
  }
  for (int alias = 0; alias < 2; alias++) {
    bp_arena a;
    bp_arena_init(&a);
    google_protobuf_FileDescriptorSet *set = google_protobuf_FileDescriptorSet_new(&a);
    bp_decode_options o = {alias ? BP_DECODE_ALIAS : 0, 0, 0, NULL};
    bp_status s = bp_decode(&google_protobuf_FileDescriptorSet_msgdef, set, data, n, &a, &o);
    CHECK(s == BP_OK);
    if (s != BP_OK) fprintf(stderr, "%s: %s\n", path, bp_status_text(s));
    bp_str out;
    CHECK(bp_encode(&google_protobuf_FileDescriptorSet_msgdef, set, &a, NULL, &out) == BP_OK);
    checks++;
    if (out.size != n || memcmp(out.data, data, n) != 0) {
      failures++;
      size_t i = 0;
      while (i < n && i < out.size && out.data[i] == data[i])
        i++;
      fprintf(stderr, "%s: re-encoded bytes differ at offset %zu (%zu bytes in, %zu out)\n", path, i, n, out.size);
    }
    CHECK(bp_encoded_size(&google_protobuf_FileDescriptorSet_msgdef, set) == n);
    size_t nfiles;
    google_protobuf_FileDescriptorSet_file(set, &nfiles);
    if (!alias) printf("%s: %zu files, %zu bytes, re-encoded identically\n", path, nfiles, n);
    bp_arena_free(&a);
  }
  free(data);
}

/* Reads all of a stream. */
static char *read_all(FILE *f, size_t *n) {
  size_t cap = 1 << 16, len = 0;
  char *buf = malloc(cap);
  for (;;) {
    if (len == cap) buf = realloc(buf, cap *= 2);
    size_t k = fread(buf + len, 1, cap - len, f);
    if (!k) break;
    len += k;
  }
  *n = len;
  return buf;
}

/* hm.NAME, of handmade.proto or handmade3.proto; NULL when there is none. */
static const bp_msgdef *hm_type(const char *name) {
  const bp_filedef *files[2] = {&hm_filedef, &hm3_filedef};
  for (int f = 0; f < 2; f++)
    for (uint32_t i = 0; i < files[f]->msg_count; i++)
      if (strcmp(files[f]->msgs[i]->full_name + 3, name) == 0) return files[f]->msgs[i];
  return NULL;
}

static int reencode(int argc, char **argv) {
  if (argc < 3) return 2;
  const bp_msgdef *t = hm_type(argv[2]);
  if (!t) {
    fprintf(stderr, "no message hm.%s\n", argv[2]);
    return 2;
  }
  bp_encode_options eo = {0, 0};
  bp_decode_options o = {0, 0, 0, NULL};
  bp_arena a;
  bp_arena_init(&a);
  for (int i = 3; i < argc; i++) {
    if (strcmp(argv[i], "-d") == 0) eo.flags |= BP_ENCODE_DETERMINISTIC;
    if (strcmp(argv[i], "-r") == 0) {
      bp_registry *r = bp_registry_new(&a);
      if (!r || !bp_registry_add_file(r, &hm3_filedef)) return 2; /* and handmade.proto, imported */
      o.registry = r;
    }
  }
  size_t n;
  char *data = read_all(stdin, &n);
  void *m = bp_msg_new(t, &a);
  bool merge = argc > 3 && (strcmp(argv[argc - 1], "-m") == 0 || strcmp(argv[3], "-m") == 0);
  bp_status s;
  if (merge) {
    uint32_t first = n >= 4 ? (uint32_t)(uint8_t)data[0] | (uint32_t)(uint8_t)data[1] << 8 |
                                  (uint32_t)(uint8_t)data[2] << 16 | (uint32_t)(uint8_t)data[3] << 24
                            : UINT32_MAX;
    if (first > n - 4) {
      fprintf(stderr, "-m: no first message\n");
      return 2;
    }
    void *second = bp_msg_new(t, &a);
    s = bp_decode(t, m, data + 4, first, &a, &o);
    if (s == BP_OK) s = bp_decode(t, second, data + 4 + first, n - 4 - first, &a, &o);
    if (s == BP_OK) {
      /* a copy equals its original, and the merge goes into a copy (so the
       * originals' memory is not reused) */
      void *c = bp_msg_copy(t, m, &a);
      if (!c || !bp_msg_equal(t, c, m) || !bp_msg_merge(t, c, second, &a)) {
        fprintf(stderr, "copy or merge failed\n");
        return 1;
      }
      m = c;
    }
  } else {
    s = bp_decode(t, m, data, n, &a, &o);
  }
  int rc = 0;
  bp_str out;
  if (s == BP_OK) s = bp_encode(t, m, &a, &eo, &out);
  if (s != BP_OK) {
    fprintf(stderr, "%s\n", bp_status_text(s));
    rc = 2;
  } else if (bp_encoded_size(t, m) != out.size) {
    fprintf(stderr, "bp_encoded_size %zu, bp_encode wrote %zu\n", bp_encoded_size(t, m), out.size);
    rc = 1;
  } else {
    fwrite(out.data, 1, out.size, stdout);
  }
  free(data);
  bp_arena_free(&a);
  return rc;
}

static int accepts(int argc, char **argv) {
  if (argc < 3) return 2;
  const bp_msgdef *t = hm_type(argv[2]);
  if (!t) return 2;
  bp_arena a;
  bp_arena_init(&a);
  bp_registry *r = bp_registry_new(&a);
  if (!r || !bp_registry_add_file(r, &hm_filedef)) return 2;
  bp_decode_options o = {0, 0, 0, argc > 3 && strcmp(argv[3], "-r") == 0 ? r : NULL};
  size_t n;
  char *data = read_all(stdin, &n);
  bp_arena each;
  bp_arena_init(&each);
  for (size_t at = 0; n - at >= 4;) {
    const uint8_t *h = (const uint8_t *)data + at;
    size_t len = (size_t)h[0] | (size_t)h[1] << 8 | (size_t)h[2] << 16 | (size_t)h[3] << 24;
    at += 4;
    if (len > n - at) return 2;
    void *m = bp_msg_new(t, &each);
    putchar(bp_decode(t, m, data + at, len, &each, &o) == BP_OK ? '1' : '0');
    at += len;
    bp_arena_reset(&each);
  }
  putchar('\n');
  bp_arena_free(&each);
  bp_arena_free(&a);
  free(data);
  return 0;
}

int main(int argc, char **argv) {
  if (argc > 1 && strcmp(argv[1], "--reencode") == 0) return reencode(argc, argv);
  if (argc > 1 && strcmp(argv[1], "--accepts") == 0) return accepts(argc, argv);
  if (argc > 1 && strcmp(argv[1], "--roundtrip") == 0) {
    for (int i = 2; i < argc; i++)
      roundtrip(argv[i]);
  } else {
    test_arena();
    bp_arena a;
    bp_arena_init(&a);
    test_defaults(&a);
    test_scalar_bytes(&a);
    test_repeated(&a);
    test_node(&a);
    test_extensions(&a);
    test_malformed(&a);
    test_proto3(&a);
    test_descriptor(&a);
    bp_arena_free(&a);
    test_mutations(&a);
    bp_arena_free(&a);
    test_map_api(&a);
    test_map_wire(&a);
    test_registry(&a);
    test_typed_ext(&a);
    test_message_set(&a);
    test_whole(&a);
    test_long_tags(&a);
    test_utf8(&a);
    bp_arena_free(&a);
  }
  printf("%d checks, %d failed\n", checks, failures);
  return failures ? 1 : 0;
}
