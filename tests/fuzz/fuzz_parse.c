/* libFuzzer target: lex and parse arbitrary bytes as a .proto file, then
 * print the tree (so the printer's walks are exercised too). Any crash,
 * leak, hang or sanitizer report is a bug. */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "base/diag.h"
#include "syntax/ast.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size > 1 << 20) return 0;
  buoy_source src;
  buoy_source_from_memory(&src, "fuzz.proto", (const char *)data, size);
  buoy_diags diags;
  buoy_diags_init(&diags);
  buoy_file f;
  buoy_parse(&f, &src, &diags);
  FILE *sink = fopen("/dev/null", "w");
  if (sink) {
    buoy_ast_print(&f, sink);
    buoy_diags_print(&diags, sink);
    fclose(sink);
  }
  buoy_diags_free(&diags);
  buoy_file_free(&f);
  buoy_source_free(&src);
  return 0;
}
