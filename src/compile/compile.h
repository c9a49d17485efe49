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
  buoy_strmap memory;  /* import path -> bu_memfile*: sources given in memory, found first */
  const struct bu_message *options_types[10]; /* descriptor.proto's *Options, by OptionTargetType */
  /* "extendee number" -> bu_field*: the first extension loaded with it */
  buoy_strmap extension_numbers;
} bu_compiler;

/* A source given in memory (tests, the fuzzer): found before the include
 * directories. The bytes are copied. */
typedef struct bu_memfile {
  const char *data;
  size_t len;
} bu_memfile;
void bu_compiler_add_memory_file(bu_compiler *c, const char *name, const char *data, size_t len);

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

/* Model queries (options.c). */

/* Whether values of a repeated field are written packed. */
bool bu_field_packed(const bu_field *fl);
/* The value of a feature of FeatureSet (e.g. "repeated_field_encoding": an
 * enum number, or 0/1 for a bool) for a field: set on the field, its oneof,
 * the messages around it or the file, else the default of the file's
 * edition from the feature's edition_defaults in descriptor.proto (proto2
 * and proto3 files resolve as the editions they are equivalent to); dflt if
 * none of that gives a value. */
int bu_feature_enum(const bu_field *fl, const char *feature, int dflt);
/* Whether the enum is closed (proto2, or the enum_type feature CLOSED). */
bool bu_enum_closed(const bu_enum *e);

/* A growable byte buffer (malloc'd). */
typedef struct bu_buf {
  uint8_t *data;
  size_t len, cap;
} bu_buf;
void bu_buf_reserve(bu_buf *b, size_t n);
void bu_buf_free(bu_buf *b);
void bu_put_varint(bu_buf *b, uint64_t v);
void bu_put_bytes(bu_buf *b, const void *p, size_t n);
/* Inserts, at start, the length of what was appended since. */
void bu_prefix_length(bu_buf *b, size_t start);

/* Frees what only the file itself needs once it has been written out: its
 * source text, tokens, syntax tree, source info and option locations. The
 * model stays (other files keep using it), but nothing that reads the tree
 * (diagnostics at its positions, source info, encoding it) may run after. */
void bu_release_syntax(bu_file *f);

/* Appends the file as a FileDescriptorProto, fields in number order as buf
 * writes them; SourceCodeInfo only with source_info. */
void bu_encode_file(bu_buf *b, const bu_file *f, bool source_info);

/* Appends to out (items from c's arena) the files and, with
 * include_imports, their dependencies, recursively: each once, a file after
 * the files it imports, none already in out. The order of descriptor sets,
 * images and a plugin request's proto_file. */
void bu_output_files(bu_compiler *c, bu_file *const *files, uint32_t nfiles, bool include_imports, bu_vec *out);

/* Writes the files (and, with include_imports, their dependencies, each once,
 * dependencies first) as a FileDescriptorSet in proto3 JSON, fields named as
 * in the .proto (snake_case). Options and source info are not written yet. */
void bu_write_json(bu_compiler *c, bu_file **files, uint32_t nfiles, bool include_imports, FILE *out);

/* The model of files compiled elsewhere (from_descriptor.c): the
 * FileDescriptorProtos of a CodeGeneratorRequest's proto_file or of a
 * FileDescriptorSet, each after the files it imports, become bu_files of c
 * (in c->files and c->order, their types in c->symbols), out[i] the file of
 * fds[i] when out is not NULL. Names come resolved in descriptors; of the
 * options, the model gets what its queries read (map_entry, message sets,
 * packed, LITE_RUNTIME, editions features). The files have no source,
 * syntax tree or source info: only stages that read the model alone (the C
 * generator) may run on them, not encoding, JSON or diagnostics. false,
 * with a message in err, for inconsistent input: an import not given
 * before, a type name that resolves to nothing, a name defined twice. */
struct google_protobuf_FileDescriptorProto;
bool bu_model_from_descriptors(bu_compiler *c, const struct google_protobuf_FileDescriptorProto *const *fds, size_t n,
                               bu_file **out, char *err, size_t errlen);

#endif
