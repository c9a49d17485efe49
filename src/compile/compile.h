/* Compiling .proto files into the descriptor model (model.h).
 *
 * A compiler owns one arena, one symbol table and every file it loads.
 * Files are found by import path: first in the include directories in the
 * order given, then among the embedded well-known types. */
#ifndef BUOY_COMPILE_COMPILE_H
#define BUOY_COMPILE_COMPILE_H

#include <stdio.h>

#include "base/diag.h"
#include "base/strmap.h"
#include "compile/model.h"

typedef struct bu_compiler {
  buoy_arena arena;
  buoy_diags *diags;
  const char **include_dirs;
  uint32_t ninclude;
  buoy_strmap files;   /* import path -> bu_file* (NULL while being loaded) */
  buoy_strmap symbols; /* full name -> bu_symbol* */
  bu_vec order;        /* bu_file*, dependencies before dependents */
  /* "extendee number" -> bu_field*: the first extension loaded with it */
  buoy_strmap extension_numbers;
} bu_compiler;

typedef enum {
  BU_SYM_PACKAGE,
  BU_SYM_MESSAGE,
  BU_SYM_ENUM,
  BU_SYM_ENUM_VALUE,
  BU_SYM_FIELD,
  BU_SYM_ONEOF,
  BU_SYM_SERVICE,
  BU_SYM_METHOD
} bu_symbol_kind;

typedef struct bu_symbol {
  bu_symbol_kind kind;
  void *ptr;     /* the element; NULL for packages */
  bu_file *file; /* the file defining it (for packages: the first one seen) */
} bu_symbol;

void bu_compiler_init(bu_compiler *c, buoy_diags *diags);
void bu_compiler_free(bu_compiler *c);
void bu_compiler_add_include(bu_compiler *c, const char *dir);

/* Loads, parses and compiles the file with this import path, and everything
 * it imports. Returns NULL if it cannot be found or read (reported). Errors
 * inside files are reported to the diagnostics; the file is returned
 * anyway, as far as it could be compiled. */
bu_file *bu_compile(bu_compiler *c, const char *import_path);

/* Writes the files (and, with include_imports, their dependencies, each once,
 * dependencies first) as a FileDescriptorSet in proto3 JSON, fields named as
 * in the .proto (snake_case). Options and source info are not written yet. */
void bu_write_json(bu_compiler *c, bu_file **files, uint32_t nfiles, bool include_imports, FILE *out);

#endif
