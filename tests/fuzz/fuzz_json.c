/* libFuzzer target: runtime/pb's JSON reader and writer (json.h) over the
 * test schemas of testdata/json (every field kind, maps, oneofs, proto2
 * groups, closed enums and extensions, the well-known types), with a
 * registry of all of them for Any and "[extension]" keys.
 *
 * The first byte picks the message type and the reader's options; the rest
 * is JSON. What decodes must encode (compact, pretty, with proto names and
 * enum numbers, with defaults), every encoding must decode again, and the
 * JSON written from that must be the same text: a fixed point after one
 * round. Its binary form must decode and write the same JSON too. Any crash,
 * leak, sanitizer report or abort is a bug. */
#include <stdint.h>
#include <stdlib.h>

#include "types2.pb.h"
#include "types3.pb.h"

static void check(bool ok) {
  if (!ok) abort();
}

static const bp_msgdef *const types[] = {
    &buoy_jsontest_Top_msgdef,        &buoy_jsontest_Wkts_msgdef,  &buoy_jsontest_Maps_msgdef,
    &buoy_jsontest_Repeated_msgdef,   &buoy_jsontest2_Base_msgdef, &google_protobuf_Value_msgdef,
    &google_protobuf_Any_msgdef,      &google_protobuf_Struct_msgdef,
};

/* Writes m as JSON with options o, reads it back, writes it again: the same. */
static bp_str round(const bp_msgdef *t, const void *m, const bp_json_options *o, bp_arena *a) {
  bp_str once, twice;
  bp_json_error err;
  check(bp_json_encode(t, m, a, o, &once, &err) == BP_OK);
  void *m2 = bp_msg_new(t, a);
  check(m2 != NULL);
  check(bp_json_decode(t, m2, once.data, once.size, a, o, &err) == BP_OK);
  check(bp_json_encode(t, m2, a, o, &twice, &err) == BP_OK);
  check(bp_str_eq(once, twice));
  return once;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  static bp_arena reg_arena;
  static bp_registry *reg;
  if (!reg) {
    bp_arena_init(&reg_arena);
    reg = bp_registry_new(&reg_arena);
    check(reg && bp_registry_add_file(reg, &types3_pb_filedef) && bp_registry_add_file(reg, &types2_pb_filedef));
  }
  if (size < 1) return 0;
  const bp_msgdef *t = types[data[0] % (sizeof types / sizeof types[0])];
  bp_json_options in = {(data[0] & 0x80) ? BP_JSON_IGNORE_UNKNOWN : 0, 0, (data[0] & 0x40) ? 20 : 0, 0, reg};
  bp_arena a;
  bp_arena_init(&a);
  void *m = bp_msg_new(t, &a);
  bp_json_error err;
  if (m && bp_json_decode(t, m, (const char *)data + 1, size - 1, &a, &in, &err) == BP_OK) {
    static const uint32_t flags[] = {0, BP_JSON_PROTO_NAMES | BP_JSON_ENUMS_AS_INTS, BP_JSON_EMIT_DEFAULTS};
    bp_str compact = {NULL, 0};
    for (size_t i = 0; i < sizeof flags / sizeof flags[0]; i++) {
      for (uint32_t indent = 0; indent <= 2; indent += 2) {
        bp_json_options out = {flags[i], indent, 0, 0, reg};
        bp_str s = round(t, m, &out, &a);
        if (i == 0 && indent == 0) compact = s;
      }
    }
    /* Through the binary form: the same JSON. */
    bp_str bin, again;
    check(bp_encode(t, m, &a, NULL, &bin) == BP_OK);
    void *m3 = bp_msg_new(t, &a);
    bp_decode_options dopt = {0, 0, 0, reg};
    check(m3 && bp_decode(t, m3, bin.data, bin.size, &a, &dopt) == BP_OK);
    bp_json_options out = {0, 0, 0, 0, reg};
    check(bp_json_encode(t, m3, &a, &out, &again, &err) == BP_OK);
    check(bp_str_eq(compact, again));
  }
  bp_arena_free(&a);
  return 0;
}
