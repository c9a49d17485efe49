/* The syntax tree of one .proto file.
 *
 * Every node records the token range it covers (indices into the file's token
 * array, inclusive), so spans, line:column pairs and comment attachment can be
 * derived later without the parser having to know about them. Nodes live in
 * the parse arena and are never freed one by one. */
#ifndef BUOY_SYNTAX_AST_H
#define BUOY_SYNTAX_AST_H

#include <stdbool.h>
#include <stdint.h>

#include "base/arena.h"
#include "base/diag.h"
#include "base/source.h"

/* Token kinds come from the lemon grammar (proto.h, generated); the lexer
 * emits them directly. */
typedef struct buoy_token {
  uint32_t start; /* byte offset */
  uint32_t len;
  uint16_t kind;  /* TK_* */
  uint16_t flags; /* BUOY_TOKF_* */
} buoy_token;

enum {
  BUOY_TOKF_BAD = 1,      /* the lexer reported an error inside this token */
  BUOY_TOKF_OVERFLOW = 2, /* integer literal does not fit in 64 bits */
  BUOY_TOKF_REPORTED = 4, /* an error was already reported at this token */
};

/* A comment and where it sits, kept so a later stage can attach leading,
 * trailing and detached comments as protoc does. */
typedef struct buoy_comment {
  uint32_t start, end; /* bytes, delimiters included */
  uint32_t next_token; /* index of the first token after the comment */
  bool block;          /* block comment (slash-star) rather than line comment */
} buoy_comment;

typedef struct buoy_tokrange {
  uint32_t first, last; /* token indices, inclusive */
} buoy_tokrange;

/* A dotted name as written: `foo.Bar`, `.pkg.Msg`. */
typedef struct buoy_name {
  buoy_tokrange r;
  const char *text; /* joined without whitespace or comments, NUL-terminated */
  uint32_t len;
} buoy_name;

/* ---- option values (including message literals in text format) ---- */

typedef enum {
  BUOY_VAL_INT,     /* u; negative set for a leading '-' */
  BUOY_VAL_FLOAT,   /* f (also for -inf etc. written as identifiers? no: those are IDENT) */
  BUOY_VAL_STRING,  /* str: concatenated, escapes decoded */
  BUOY_VAL_IDENT,   /* ident: true, false, inf, nan, enum value names */
  BUOY_VAL_MESSAGE, /* fields */
  BUOY_VAL_LIST,    /* items */
} buoy_value_kind;

typedef struct buoy_value buoy_value;
typedef struct buoy_msg_field buoy_msg_field;

struct buoy_value {
  buoy_value_kind kind;
  bool negative;    /* written with a leading '-' */
  bool overflow;    /* integer literal beyond 64 bits */
  uint32_t str_cap; /* room in v.str.bytes, while adjacent strings are joined */
  buoy_tokrange r;  /* includes the '-' */
  buoy_value *next; /* next item of a list */
  union {
    uint64_t u;
    double f;
    struct {
      const char *bytes;
      uint32_t len;
    } str;
    buoy_name ident;
    buoy_msg_field *fields;
    buoy_value *items;
  } v;
};

typedef enum {
  BUOY_MSGNAME_FIELD,     /* foo */
  BUOY_MSGNAME_EXTENSION, /* [pkg.ext] */
  BUOY_MSGNAME_ANY,       /* [type.googleapis.com/pkg.Msg] */
} buoy_msgname_kind;

/* One `name: value` entry of a message literal. */
struct buoy_msg_field {
  buoy_msgname_kind name_kind;
  buoy_name name;       /* for ANY: the whole URL, prefix/type */
  buoy_tokrange name_r; /* brackets included */
  bool has_colon;
  buoy_value *value;
  buoy_tokrange r; /* name through value, plus a trailing ',' or ';' */
  buoy_msg_field *next;
};

/* ---- options ---- */

typedef struct buoy_optname_part buoy_optname_part;
struct buoy_optname_part {
  bool extension;  /* written in parentheses */
  buoy_name name;  /* for an extension, the name inside the parentheses */
  buoy_tokrange r; /* for an extension, parentheses included */
  buoy_optname_part *next;
};

typedef struct buoy_option buoy_option;
struct buoy_option {
  buoy_tokrange r; /* statement: `option` to ';'; compact: name to value */
  buoy_tokrange name_r;
  buoy_optname_part *name;
  buoy_value *value;
  buoy_option *next;
};

/* `[a = 1, b = 2]` after a field, enum value or extension range. */
typedef struct buoy_compact_options {
  buoy_tokrange r; /* brackets included */
  buoy_option *list;
} buoy_compact_options;

/* ---- declarations ---- */

typedef enum {
  BUOY_DECL_EMPTY, /* ';' */
  BUOY_DECL_SYNTAX,
  BUOY_DECL_EDITION,
  BUOY_DECL_PACKAGE,
  BUOY_DECL_IMPORT,
  BUOY_DECL_OPTION,
  BUOY_DECL_MESSAGE,
  BUOY_DECL_ENUM,
  BUOY_DECL_SERVICE,
  BUOY_DECL_EXTEND,
  BUOY_DECL_FIELD, /* plain, map and group fields */
  BUOY_DECL_ONEOF,
  BUOY_DECL_EXTENSIONS,
  BUOY_DECL_RESERVED,
  BUOY_DECL_ENUM_VALUE,
  BUOY_DECL_RPC,
} buoy_decl_kind;

typedef enum { BUOY_IMPORT_PLAIN, BUOY_IMPORT_PUBLIC, BUOY_IMPORT_WEAK, BUOY_IMPORT_OPTION } buoy_import_kind;
typedef enum { BUOY_LABEL_NONE, BUOY_LABEL_OPTIONAL, BUOY_LABEL_REQUIRED, BUOY_LABEL_REPEATED } buoy_label;
typedef enum { BUOY_VIS_DEFAULT, BUOY_VIS_EXPORT, BUOY_VIS_LOCAL } buoy_visibility;

/* Scalar types, numbered as FieldDescriptorProto.Type. */
typedef enum {
  BUOY_TYPE_NONE = 0,
  BUOY_TYPE_DOUBLE = 1,
  BUOY_TYPE_FLOAT = 2,
  BUOY_TYPE_INT64 = 3,
  BUOY_TYPE_UINT64 = 4,
  BUOY_TYPE_INT32 = 5,
  BUOY_TYPE_FIXED64 = 6,
  BUOY_TYPE_FIXED32 = 7,
  BUOY_TYPE_BOOL = 8,
  BUOY_TYPE_STRING = 9,
  BUOY_TYPE_GROUP = 10,
  BUOY_TYPE_MESSAGE = 11,
  BUOY_TYPE_BYTES = 12,
  BUOY_TYPE_UINT32 = 13,
  BUOY_TYPE_ENUM = 14,
  BUOY_TYPE_SFIXED32 = 15,
  BUOY_TYPE_SFIXED64 = 16,
  BUOY_TYPE_SINT32 = 17,
  BUOY_TYPE_SINT64 = 18,
} buoy_scalar;

/* A field's type as written: a scalar keyword or a (possibly dotted) name. */
typedef struct buoy_typeref {
  buoy_scalar scalar; /* BUOY_TYPE_NONE when named */
  buoy_name name;     /* the text as written; for scalars, the keyword */
} buoy_typeref;

/* An integer with its sign, as written (field numbers, enum numbers, ranges). */
typedef struct buoy_intlit {
  buoy_tokrange r;
  uint64_t value;
  bool negative;
  bool overflow;
  bool is_max; /* the keyword `max` */
} buoy_intlit;

typedef struct buoy_range {
  buoy_tokrange r;
  buoy_intlit start;
  buoy_intlit end; /* equal to start when written as a single number */
  bool has_end;
  struct buoy_range *next;
} buoy_range;

/* A reserved name: a string literal, or a bare identifier in editions. */
typedef struct buoy_rname {
  buoy_tokrange r;
  const char *text;
  uint32_t len;
  bool identifier;
  struct buoy_rname *next;
} buoy_rname;

typedef struct buoy_decl buoy_decl;

typedef struct buoy_rpc_type {
  bool stream;
  uint32_t stream_tok;
  buoy_name type;
} buoy_rpc_type;

struct buoy_decl {
  buoy_decl_kind kind;
  buoy_tokrange r;   /* the whole declaration, through its ';' or '}' */
  uint32_t open_tok; /* the token that ends the declaration's head: ';' or '{' */
  buoy_decl *next;
  union {
    struct { /* SYNTAX, EDITION */
      buoy_value *value;
    } syntax;
    struct { /* PACKAGE */
      buoy_name name;
    } package;
    struct { /* IMPORT */
      buoy_import_kind kind;
      uint32_t modifier_tok; /* `public`, `weak` or `option` */
      buoy_value *path;
    } import;
    buoy_option *option; /* OPTION */
    struct {             /* MESSAGE, ENUM, SERVICE, ONEOF, EXTEND (name is the extendee) */
      buoy_visibility visibility;
      uint32_t visibility_tok; /* UINT32_MAX when not written */
      uint32_t keyword_tok;
      buoy_name name;
      buoy_decl *body;
    } block;
    struct { /* FIELD */
      buoy_label label;
      uint32_t label_tok;
      bool is_map;
      bool is_group;
      buoy_tokrange type_r;    /* the whole type: `map<K, V>`, `group`, `pkg.T` */
      buoy_typeref type;       /* plain fields */
      buoy_typeref key, value; /* map fields */
      buoy_name name;
      buoy_intlit number;
      buoy_compact_options *options;
      buoy_decl *body; /* group body */
      uint32_t body_open_tok;
    } field;
    struct { /* EXTENSIONS, RESERVED */
      buoy_range *ranges;
      buoy_rname *names;
      buoy_compact_options *options;
    } ranges;
    struct { /* ENUM_VALUE */
      buoy_name name;
      buoy_intlit number;
      buoy_compact_options *options;
    } value;
    struct { /* RPC */
      buoy_name name;
      buoy_rpc_type input, output;
      buoy_decl *body; /* option statements; NULL when written with ';' */
      bool has_body;
    } rpc;
  } u;
};

typedef enum { BUOY_SYNTAX_PROTO2, BUOY_SYNTAX_PROTO3, BUOY_SYNTAX_EDITIONS } buoy_syntax_kind;

/* A parsed file. Owns nothing itself: tokens and comments are malloc'd arrays
 * freed by buoy_file_free; the tree lives in `arena`. */
typedef struct buoy_file {
  const buoy_source *src;
  buoy_token *tokens;
  uint32_t ntokens;
  buoy_comment *comments;
  uint32_t ncomments;
  buoy_decl *decls; /* the syntax or edition declaration first, if any */
  buoy_syntax_kind syntax;
  const char *edition; /* "2023", "2024", or NULL */
  buoy_arena arena;
} buoy_file;

/* Upper bound on nesting (messages, message literals, lists) so that later
 * recursive walks of the tree stay bounded. */
#define BUOY_MAX_NESTING 100

/* Lexes and parses one source file. Errors go to diags (in the order protoc
 * would report them). Returns false if any error was reported. The file is
 * filled in either way (with a partial tree on error) and must be freed. */
bool buoy_parse(buoy_file *file, const buoy_source *src, buoy_diags *diags);
void buoy_file_free(buoy_file *file);

/* Prints the tree in the stable text form of `buoy debug ast`. */
void buoy_ast_print(const buoy_file *file, FILE *out);

/* Byte span of a token range. */
static inline uint32_t buoy_range_start(const buoy_file *f, buoy_tokrange r) { return f->tokens[r.first].start; }
static inline uint32_t buoy_range_end(const buoy_file *f, buoy_tokrange r) {
  return f->tokens[r.last].start + f->tokens[r.last].len;
}

#endif
