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

#include "base/strmap.h"
#include "syntax/ast.h"

typedef struct bu_file bu_file;
typedef struct bu_message bu_message;
typedef struct bu_field bu_field;
typedef struct bu_oneof bu_oneof;
typedef struct bu_enum bu_enum;
typedef struct bu_enum_value bu_enum_value;
typedef struct bu_service bu_service;
typedef struct bu_method bu_method;
typedef struct bu_optmsg bu_optmsg;

/* A growable array of pointers, in declaration order. */
typedef struct bu_vec {
  void **items;
  uint32_t count, cap;
} bu_vec;

#define BU_VEC_AT(v, T, i) ((T *)(v).items[i])

/* Interpreted options: a message of one of descriptor.proto's *Options
 * types (or, nested, of any message type an option field has), as a dynamic
 * message over the model. Set fields are kept in the order they were first
 * set; the encoder writes them in buf's order (options.c). */
typedef struct bu_optval bu_optval;
struct bu_optval {
  union {
    uint64_t u; /* integers (two's complement), bools, enum numbers */
    double d;   /* float and double */
    struct {
      const char *bytes;
      uint32_t len;
    } str;
    bu_optmsg *msg; /* message and group fields */
  } v;
  bu_optval *next;
};

typedef struct bu_optfield bu_optfield;
struct bu_optfield {
  const bu_field *field; /* a field of the message type, or an extension of it */
  bu_optval *first, *last;
  uint32_t count;   /* more than one only for repeated fields */
  uint32_t entries; /* times set in a message literal (a list counts once) */
  bu_optfield *next;
};

struct bu_optmsg {
  const bu_message *type;
  bu_optfield *fields;
};

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
  bool packed; /* repeated values written packed (known once options are) */
  bu_message *message_type; /* resolved */
  bu_enum *enum_type;       /* resolved */
  bu_message *containing;   /* the message it is a field of (NULL for extensions) */
  bu_message *scope;        /* the message it is declared in (NULL at file level) */
  const buoy_decl *decl;    /* NULL for synthesized map entry fields */
  bu_optmsg *options;
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
  bu_optmsg *options;
  const buoy_decl *decl;
};

/* A range of numbers, end exclusive for messages and inclusive for enums,
 * as in descriptor.proto. */
typedef struct bu_range {
  int32_t start, end;
  const buoy_range *ast;
  const buoy_decl *decl; /* the extensions or reserved statement */
  bu_optmsg *options;
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
  bool message_set; /* option message_set_wire_format = true */
  bool map_entry_written; /* a hand-written `option map_entry = true` */
  uint8_t visibility; /* as written: 0 unset, 1 `local`, 2 `export` (SymbolVisibility) */
  bu_optmsg *options;
  bu_message *parent;
  const buoy_decl *decl; /* the message, group field or map field it comes from */
  bu_file *file;
};

struct bu_enum_value {
  const char *name;
  const char *full_name; /* a sibling of the enum: pkg.VALUE, not pkg.Enum.VALUE */
  int32_t number;
  const buoy_decl *decl;
  bu_optmsg *options;
};

struct bu_enum {
  const char *name;
  const char *full_name;
  bu_vec values;          /* bu_enum_value* */
  bu_vec reserved_ranges; /* bu_range* */
  bu_vec reserved_names;  /* const char* */
  bool closed_feature;    /* editions: features.enum_type = CLOSED on it or its file */
  uint8_t visibility;     /* as written: 0 unset, 1 `local`, 2 `export` */
  bu_message *parent;
  bu_optmsg *options;
  const buoy_decl *decl;
  bu_file *file;
};

struct bu_method {
  const char *name;
  const char *full_name;
  const char *input_type; /* fully qualified once resolved */
  const char *output_type;
  bool client_streaming, server_streaming;
  bu_optmsg *options;
  const buoy_decl *decl;
};

struct bu_service {
  const char *name;
  const char *full_name;
  bu_vec methods; /* bu_method* */
  bu_optmsg *options;
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

/* Where an interpreted option (a buoy_option) or a field set inside its
 * message literal (a buoy_msg_field) is, for source info: the path below the
 * element's options field, e.g. {50002, 3}. */
typedef struct bu_optloc {
  const void *node;
  int32_t *path;
  uint32_t len;
  bool descended; /* an option whose message literal's fields are located too */
} bu_optloc;

struct bu_compiler;

struct bu_file {
  const char *name;    /* import path, e.g. google/protobuf/any.proto */
  const char *package; /* "" when none */
  const char *syntax;  /* "proto2", "proto3" or "editions" */
  const char *edition; /* "2023", "2024" or NULL */
  bu_vec deps;         /* bu_file*, in import order */
  bu_vec public_deps;  /* uint32 indices into deps, stored as uintptr */
  bu_vec weak_deps;
  bu_vec option_deps; /* bu_file*: edition 2024 `import option`, needed only for options */
  uint8_t *dep_used;  /* per deps item: 1 once a name from it (or its public imports) is used */
  bu_vec messages;
  bu_vec enums;
  bu_vec services;
  bu_vec extensions;      /* top-level extensions */
  bu_optmsg *options;
  bu_location *locations; /* source info, in buf's order (malloc'd) */
  uint32_t nlocations;
  buoy_file ast;
  buoy_source src;
  bool embedded; /* one of buoy's built-in well-known types */
  struct bu_compiler *compiler; /* the compiler it belongs to */
  bool syntax_unspecified; /* no syntax or edition statement */
  bool lite;               /* option optimize_for = LITE_RUNTIME */
  bool emitted;            /* written out (cmd/build.c) */
  bool released;           /* source, tokens, tree and source info freed: only the model is left */
  uint32_t loading_tok;    /* while its imports load: the import statement being followed */
  buoy_strmap optlocs; /* node address -> bu_optloc* */
  bu_vec visible; /* bu_file*: itself, its imports and their public imports, recursively */
};

void bu_vec_push(buoy_arena *a, bu_vec *v, void *item);

#endif
