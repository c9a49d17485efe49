/* The descriptor model: compiled, linked .proto files.
 *
 * This is buoy's equivalent of protoc's Descriptor classes: every element
 * knows its full name, its resolved types and its place in the syntax tree
 * (for source info and diagnostics). It does not depend on generated code,
 * so the C generator can run on it to produce descriptor.proto's own
 * bindings (the bootstrap). Output stages convert it into
 * FileDescriptorProtos. Everything lives in the compilation's arena. */
#ifndef BUOY_COMPILE_MODEL_H
#define BUOY_COMPILE_MODEL_H

#include <stdbool.h>
#include <stdint.h>

#include "syntax/ast.h"

typedef struct bu_file bu_file;
typedef struct bu_message bu_message;
typedef struct bu_field bu_field;
typedef struct bu_oneof bu_oneof;
typedef struct bu_enum bu_enum;
typedef struct bu_enum_value bu_enum_value;
typedef struct bu_service bu_service;
typedef struct bu_method bu_method;

/* A growable array of pointers, in declaration order. */
typedef struct bu_vec {
  void **items;
  uint32_t count, cap;
} bu_vec;

#define BU_VEC_AT(v, T, i) ((T *)(v).items[i])

/* FieldDescriptorProto.Label values. */
enum { BU_LABEL_OPTIONAL = 1, BU_LABEL_REQUIRED = 2, BU_LABEL_REPEATED = 3 };

struct bu_field {
  const char *name;
  const char *full_name;
  int32_t number;
  int label;             /* BU_LABEL_* */
  int type;              /* BUOY_TYPE_* (FieldDescriptorProto.Type); 0 until resolved */
  const char *type_name; /* as written, then fully qualified with a leading dot */
  const char *extendee;  /* extensions: as written, then fully qualified */
  const char *default_value;
  const char *json_name; /* computed, or as written when explicit */
  bool json_name_explicit;
  int32_t oneof_index; /* -1 when not in a oneof */
  bool proto3_optional;
  bu_message *message_type; /* resolved */
  bu_enum *enum_type;       /* resolved */
  bu_message *containing;   /* the message declaring it (NULL for top-level extensions) */
  const buoy_decl *decl;    /* NULL for synthesized map entry fields */
  bu_file *file;
  /* Extensions: the extendee, once resolved, and the extend block. */
  bu_message *extendee_type;
  const buoy_decl *extend_decl;
  /* The field's place in protoc's cross-link order (set by resolve.c), the
   * sort key of the errors found once names are resolved. */
  uint32_t link_order;
};

struct bu_oneof {
  const char *name;
  const char *full_name;
  bool synthetic; /* proto3 `optional` */
  const buoy_decl *decl;
};

/* A range of numbers, end exclusive for messages and inclusive for enums,
 * as in descriptor.proto. */
typedef struct bu_range {
  int32_t start, end;
  const buoy_range *ast;
  const buoy_decl *decl; /* the extensions or reserved statement */
} bu_range;

struct bu_message {
  const char *name;
  const char *full_name;
  bu_vec fields;           /* bu_field* */
  bu_vec nested;           /* bu_message*, including map entries and groups */
  bu_vec enums;            /* bu_enum* */
  bu_vec extensions;       /* bu_field* declared in extend blocks inside */
  bu_vec oneofs;           /* bu_oneof* */
  bu_vec extension_ranges; /* bu_range* */
  bu_vec reserved_ranges;  /* bu_range* */
  bu_vec reserved_names;   /* const char* */
  bool map_entry;
  bu_message *parent;
  const buoy_decl *decl; /* the message, group field or map field it comes from */
  bu_file *file;
};

struct bu_enum_value {
  const char *name;
  const char *full_name; /* a sibling of the enum: pkg.VALUE, not pkg.Enum.VALUE */
  int32_t number;
  const buoy_decl *decl;
};

struct bu_enum {
  const char *name;
  const char *full_name;
  bu_vec values;          /* bu_enum_value* */
  bu_vec reserved_ranges; /* bu_range* */
  bu_vec reserved_names;  /* const char* */
  bu_message *parent;
  const buoy_decl *decl;
  bu_file *file;
};

struct bu_method {
  const char *name;
  const char *full_name;
  const char *input_type; /* fully qualified once resolved */
  const char *output_type;
  bool client_streaming, server_streaming;
  const buoy_decl *decl;
};

struct bu_service {
  const char *name;
  const char *full_name;
  bu_vec methods; /* bu_method* */
  const buoy_decl *decl;
};

/* One SourceCodeInfo.Location. */
typedef struct bu_location {
  int32_t *path;
  uint32_t path_len;
  int32_t span[4];  /* start line, start column, end line, end column (0-based) */
  uint8_t span_len; /* 3 when start and end are on one line, else 4 */
  const char *leading, *trailing;
  const char **detached;
  uint32_t ndetached;
  uint32_t seq; /* creation order, for a stable sort */
} bu_location;

struct bu_file {
  const char *name;    /* import path, e.g. google/protobuf/any.proto */
  const char *package; /* "" when none */
  const char *syntax;  /* "proto2", "proto3" or "editions" */
  const char *edition; /* "2023", "2024" or NULL */
  bu_vec deps;         /* bu_file*, in import order */
  bu_vec public_deps;  /* uint32 indices into deps, stored as uintptr */
  bu_vec weak_deps;
  bu_vec option_deps; /* bu_file*: edition 2024 `import option`, needed only for options */
  bu_vec messages;
  bu_vec enums;
  bu_vec services;
  bu_vec extensions;      /* top-level extensions */
  bu_location *locations; /* source info, in buf's order (malloc'd) */
  uint32_t nlocations;
  buoy_file ast;
  buoy_source src;
  bool embedded; /* one of buoy's built-in well-known types */
};

void bu_vec_push(buoy_arena *a, bu_vec *v, void *item);

#endif
