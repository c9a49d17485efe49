/* The C generator: C11 bindings of a compiled .proto file for runtime/pb.
 * Naming and layout are described in src/gen/README.md. */
#ifndef BUOY_GEN_GEN_H
#define BUOY_GEN_GEN_H

#include <stdbool.h>
#include <stddef.h>

#include "compile/compile.h"

/* Appends the header of f to h and its source to c. The names it declares
 * are decided over f and every file it imports (src/gen/README.md). false,
 * with a message in err naming the element, when the model is incomplete (a
 * type or extendee left unresolved by errors). */
bool bu_gen_c(const bu_file *f, bu_buf *h, bu_buf *c, char *err, size_t errlen);

/* The path of f's output, its name with ".proto" replaced by ext (".pb.h",
 * ".pb.c"); malloc'd. */
char *bu_gen_c_path(const char *proto_name, const char *ext);

#endif
