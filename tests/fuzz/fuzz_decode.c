/* libFuzzer target: decode arbitrary bytes with runtime/pb.
 *
 * The whole input is decoded as a FileDescriptorSet (descriptor.proto's
 * tables cover messages, packed and unpacked repeated fields, closed enums,
 * extension ranges and unknown fields), once copying and once aliasing the
 * input. The input after its first byte is also decoded as one of the
 * hand-written types of tests/pb_handmade.c, chosen by that byte: maps of
 * every key type, typed extensions (with a registry, and without), required
 * fields with maps and extensions, a message set, and proto3 strings
 * checked to be UTF-8.
 *
 * What decodes must encode (in insertion and in key order), decode again
 * and encode to the same bytes, of the size bp_encoded_size says; a copy
 * must encode the same, and merging, equality and the required-field check
 * must not fail. Any crash, leak, sanitizer report or abort is a bug. */
#include <stdint.h>
#include <stdlib.h>

#include "google/protobuf/descriptor.pb.h"
#include "pb_handmade.h"

static void check(bool ok) {
  if (!ok) abort();
}

static void roundtrip(const bp_msgdef *t, const char *data, size_t size, const bp_decode_options *o, bp_arena *a) {
  void *m = bp_msg_new(t, a);
  if (!m || bp_decode(t, m, data, size, a, o) != BP_OK) return;
  bp_str once, twice, sorted, sorted2;
  bp_encode_options det = {BP_ENCODE_DETERMINISTIC, 0};
  check(bp_encode(t, m, a, NULL, &once) == BP_OK);
  check(bp_encoded_size(t, m) == once.size);
  check(bp_encode(t, m, a, &det, &sorted) == BP_OK && sorted.size == once.size);
  void *m2 = bp_msg_new(t, a);
  check(m2 && bp_decode(t, m2, once.data, once.size, a, o) == BP_OK);
  check(bp_encode(t, m2, a, NULL, &twice) == BP_OK);
  check(bp_str_eq(once, twice));
  check(bp_encode(t, m2, a, &det, &sorted2) == BP_OK && bp_str_eq(sorted, sorted2));
  void *c = bp_msg_copy(t, m, a);
  check(c && bp_encode(t, c, a, NULL, &twice) == BP_OK && bp_str_eq(once, twice));
  check(bp_msg_merge(t, c, m2, a));
  (void)bp_msg_equal(t, m, m2);
  (void)bp_msg_is_initialized(t, c);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  const char *in = (const char *)data;
  for (int alias = 0; alias < 2; alias++) {
    bp_arena a;
    bp_arena_init(&a);
    bp_decode_options o = {alias ? BP_DECODE_ALIAS : 0, 0, 0, NULL};
    roundtrip(&google_protobuf_FileDescriptorSet_msgdef, in, size, &o, &a);
    bp_arena_free(&a);
  }
  if (size < 1) return 0;
  static const bp_msgdef *const types[] = {&hm_Maps_msgdef, &hm_Ext_msgdef, &hm_Req_msgdef, &hm_Holder_msgdef,
                                           &hm_P3_msgdef};
  unsigned pick = data[0] % 10;
  bp_arena a;
  bp_arena_init(&a);
  bp_registry *r = bp_registry_new(&a);
  check(r && bp_registry_add_file(r, &hm3_filedef));
  /* odd picks: with the registry (typed extensions and items) */
  bp_decode_options o = {pick & 1 ? BP_DECODE_ALIAS : 0, 0, 0, pick & 1 ? r : NULL};
  roundtrip(types[pick / 2], in + 1, size - 1, &o, &a);
  bp_arena_free(&a);
  return 0;
}
