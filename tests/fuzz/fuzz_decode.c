/* libFuzzer target: decode arbitrary bytes as a FileDescriptorSet with
 * runtime/pb (descriptor.proto's tables cover messages, packed and unpacked
 * repeated fields, closed enums, extension ranges and unknown fields), once
 * copying and once aliasing the input. What decodes must encode, decode
 * again and encode to the same bytes, of the size bp_encoded_size says.
 * Any crash, leak, sanitizer report or abort is a bug. */
#include <stdint.h>
#include <stdlib.h>

#include "google/protobuf/descriptor.pb.h"

static void check(bool ok) {
  if (!ok) abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  const bp_msgdef *t = &google_protobuf_FileDescriptorSet_msgdef;
  for (int alias = 0; alias < 2; alias++) {
    bp_arena a;
    bp_arena_init(&a);
    bp_decode_options o = {alias ? BP_DECODE_ALIAS : 0, 0, 0, NULL};
    void *m = bp_msg_new(t, &a);
    if (m && bp_decode(t, m, (const char *)data, size, &a, &o) == BP_OK) {
      bp_str once, twice;
      check(bp_encode(t, m, &a, NULL, &once) == BP_OK);
      check(bp_encoded_size(t, m) == once.size);
      void *m2 = bp_msg_new(t, &a);
      check(m2 && bp_decode(t, m2, once.data, once.size, &a, NULL) == BP_OK);
      check(bp_encode(t, m2, &a, NULL, &twice) == BP_OK);
      check(bp_str_eq(once, twice));
    }
    bp_arena_free(&a);
  }
  return 0;
}
