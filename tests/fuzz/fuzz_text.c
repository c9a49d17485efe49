/* libFuzzer target for runtime/pb's text format and dynamic tables:
 *   - the input as a FileDescriptorSet for bp_dynpool_new (hostile sets are
 *     refused, never a crash);
 *   - the input as wire data for bp_text_print_raw;
 *   - the input as text for bp_text_parse of a FileDescriptorSet: what
 *     parses prints, the printed text parses again and prints the same, and
 *     the message encoded is a set bp_dynpool_new is tried on in turn.
 * Any crash, leak, sanitizer report or abort is a bug. */
#include <stdint.h>
#include <stdlib.h>

#include "google/protobuf/descriptor.pb.h"
#include "pb/pb.h"

static void check(bool ok) {
  if (!ok) abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  const char *in = (const char *)data;
  const bp_msgdef *t = &google_protobuf_FileDescriptorSet_msgdef;
  bp_arena a;
  bp_arena_init(&a);
  char err[256];
  bp_dynpool_new(in, size, &a, err, sizeof err);
  bp_str text;
  bp_text_print_raw(in, size, &a, &text);
  void *m = bp_msg_new(t, &a);
  if (m && bp_text_parse(t, m, in, size, NULL, &a, err, sizeof err)) {
    bp_str once, twice, wire;
    check(bp_text_print(t, m, NULL, &a, &once) == BP_OK);
    void *m2 = bp_msg_new(t, &a);
    check(m2 && bp_text_parse(t, m2, once.data, once.size, NULL, &a, err, sizeof err));
    check(bp_text_print(t, m2, NULL, &a, &twice) == BP_OK);
    check(bp_str_eq(once, twice));
    if (bp_encode(t, m, &a, NULL, &wire) == BP_OK) {
      const bp_dynpool *pool = bp_dynpool_new(wire.data, wire.size, &a, err, sizeof err);
      size_t n;
      if (pool) bp_dynpool_files(pool, &n);
    }
  }
  bp_arena_free(&a);
  return 0;
}
