/* libFuzzer target: compile arbitrary bytes as a set of .proto files and
 * write them as buoy build does (descriptors with source info).
 *
 * The input is split at each line "#--" into up to four files, a.proto to
 * d.proto, which may import each other and the built-in well-known types;
 * all are compiled, then encoded, then their trees released (the path
 * buoy build takes). Any crash, leak, hang or sanitizer report is a bug. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "base/diag.h"
#include "compile/compile.h"

static const char *const names[] = {"a.proto", "b.proto", "c.proto", "d.proto"};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size > 1 << 18) return 0;
  buoy_diags diags;
  buoy_diags_init(&diags);
  bu_compiler c;
  bu_compiler_init(&c, &diags);
  const char *p = (const char *)data, *end = p + size;
  int n = 0;
  while (n < 4) {
    const char *cut = NULL;
    for (const char *q = p; q + 4 <= end; q++)
      if (memcmp(q, "#--\n", 4) == 0 && (q == p || q[-1] == '\n')) {
        cut = q;
        break;
      }
    const char *stop = cut && n < 3 ? cut : end;
    bu_compiler_add_memory_file(&c, names[n++], p, (size_t)(stop - p));
    if (stop == end) break;
    p = stop + 4;
  }
  bu_buf out = {0};
  for (int i = 0; i < n; i++) {
    bu_file *f = bu_compile(&c, names[i]);
    if (f && diags.count == 0 && !f->released) {
      bu_encode_file(&out, f, true);
      out.len = 0;
    }
  }
  bu_buf_free(&out);
  buoy_diags_sort(&diags);
  bu_compiler_free(&c);
  buoy_diags_free(&diags);
  return 0;
}
