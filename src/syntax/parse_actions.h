/* What the grammar's semantic actions call: node constructors and the few
 * checks protoc makes while parsing. Private to src/syntax. */
#ifndef BUOY_SYNTAX_PARSE_ACTIONS_H
#define BUOY_SYNTAX_PARSE_ACTIONS_H

#include <stdbool.h>
#include <stdint.h>

#include "syntax/ast.h"

/* What a brace opens, so that field rules know their context. */
enum { BUOY_CTX_BLOCK, BUOY_CTX_ONEOF, BUOY_CTX_EXTEND, BUOY_CTX_ENUM };
/* open_kind of a '{' that opens a message literal rather than a block. */
#define BUOY_OPEN_MSGLIT 255

#define BUOY_MAX_ERRORS_PER_FILE 100

typedef struct buoy_parser {
  buoy_file *file;
  buoy_arena *arena;
  buoy_diags *diags;  /* parse errors, merged with lexer errors at the end */
  uint32_t lookahead; /* index of the token being fed */
  uint32_t depth;     /* brace depth */
  uint8_t ctx[BUOY_MAX_NESTING + 2];
  bool failed;
  bool seen_package;
  uint8_t open_kind[BUOY_MAX_NESTING + 2]; /* token kind that opened each level */
  bool stop;                               /* too many errors, or nesting too deep */
  /* Tokens protoc skips without parsing them (after an allow_alias error):
   * no error is reported from them. Empty when quiet_last < quiet_first. */
  uint32_t quiet_first, quiet_last;
} buoy_parser;

typedef struct {
  buoy_decl *head, *tail;
} buoy_decl_list;
typedef struct {
  buoy_option *head, *tail;
} buoy_option_list;
typedef struct {
  buoy_msg_field *head, *tail;
} buoy_msg_field_list;
typedef struct {
  buoy_value *head, *tail;
} buoy_value_list;
typedef struct {
  buoy_range *head, *tail;
} buoy_range_list;
typedef struct {
  buoy_rname *head, *tail;
} buoy_rname_list;
typedef struct {
  buoy_optname_part *head, *tail;
  buoy_tokrange r;
} buoy_optname;
typedef struct {
  buoy_msgname_kind kind;
  buoy_name name;
  buoy_tokrange r;
} buoy_msgfname;
typedef struct {
  buoy_visibility kind;
  uint32_t tok;
} buoy_vis;
typedef struct {
  buoy_label label;
  uint32_t tok;
} buoy_labeltok;
typedef struct {
  uint32_t minus, tok;
  bool max;
} buoy_endtok;

void buoy_parser_syntax_error(buoy_parser *P, int major, uint32_t tok, const unsigned char *expected, int nexpected);
void buoy_parser_overflow(buoy_parser *P);
void buoy_parser_error_at(buoy_parser *P, uint32_t tok, const char *fmt, ...) BUOY_PRINTF(3, 4);

buoy_name buoy_name_make(buoy_parser *P, uint32_t first, uint32_t last);

buoy_decl_list buoy_decl_append(buoy_decl_list l, buoy_decl *d);
buoy_option_list buoy_option_append(buoy_option_list l, buoy_option *o);
buoy_msg_field_list buoy_msg_field_append(buoy_msg_field_list l, buoy_msg_field *f);
buoy_value_list buoy_value_append(buoy_value_list l, buoy_value *v);
buoy_range_list buoy_range_append(buoy_range_list l, buoy_range *r);
buoy_rname_list buoy_rname_append(buoy_rname_list l, buoy_rname *r);

void buoy_file_set_header(buoy_parser *P, buoy_decl *d);
void buoy_file_finish(buoy_parser *P, buoy_decl *header, buoy_decl *decls);
buoy_decl *buoy_decl_syntax(buoy_parser *P, buoy_decl_kind kind, uint32_t kw, buoy_value *v, uint32_t semi);
buoy_decl *buoy_decl_empty(buoy_parser *P, uint32_t semi);
buoy_decl *buoy_decl_empty_checked(buoy_parser *P, uint32_t semi);
buoy_decl *buoy_decl_package(buoy_parser *P, uint32_t kw, const buoy_name *n, uint32_t semi);
buoy_decl *buoy_decl_import(buoy_parser *P, uint32_t kw, buoy_import_kind kind, uint32_t mod, buoy_value *path,
                            uint32_t semi);
buoy_decl *buoy_decl_option(buoy_parser *P, uint32_t kw, buoy_option *o, uint32_t semi);

buoy_option *buoy_option_make(buoy_parser *P, const buoy_optname *n, buoy_value *v);
buoy_optname buoy_optname_start(buoy_parser *P, buoy_optname_part *part);
buoy_optname buoy_optname_append(buoy_parser *P, buoy_optname n, buoy_optname_part *part);
buoy_optname_part *buoy_optpart_make(buoy_parser *P, bool ext, buoy_name n, uint32_t first, uint32_t last);
buoy_compact_options *buoy_compact_make(buoy_parser *P, uint32_t open, buoy_option *list, uint32_t close);

buoy_value *buoy_value_number(buoy_parser *P, uint32_t minus, uint32_t tok);
buoy_value *buoy_value_ident(buoy_parser *P, uint32_t minus, uint32_t tok);
buoy_value *buoy_value_string(buoy_parser *P, uint32_t tok);
buoy_value *buoy_value_string_append(buoy_parser *P, buoy_value *v, uint32_t tok);
buoy_value *buoy_value_message(buoy_parser *P, uint32_t open, buoy_msg_field *fields, uint32_t close);
buoy_value *buoy_value_make_list(buoy_parser *P, uint32_t open, buoy_value *items, uint32_t close);
buoy_msg_field *buoy_msg_field_make(buoy_parser *P, const buoy_msgfname *n, bool colon, buoy_value *v, uint32_t sep);
buoy_msgfname buoy_msgfname_make(buoy_parser *P, buoy_msgname_kind kind, buoy_name n, uint32_t first, uint32_t last);

buoy_decl *buoy_decl_block(buoy_parser *P, buoy_decl_kind kind, buoy_vis vis, uint32_t kw, const buoy_name *n,
                           uint32_t open, buoy_decl *body, uint32_t close);
buoy_typeref buoy_typeref_scalar(buoy_parser *P, uint32_t tok);
buoy_typeref buoy_typeref_named(buoy_name n);
buoy_decl *buoy_field_head(buoy_parser *P, buoy_labeltok label, const buoy_typeref *type);
buoy_decl *buoy_field_finish(buoy_parser *P, buoy_decl *d, const buoy_name *n, const buoy_intlit *num,
                             buoy_compact_options *opts, uint32_t semi);
buoy_decl *buoy_map_head(buoy_parser *P, buoy_labeltok label, uint32_t map_tok, uint32_t lt, const buoy_typeref *k,
                         const buoy_typeref *v, uint32_t gt);
buoy_decl *buoy_group_head(buoy_parser *P, buoy_labeltok label, uint32_t group_tok);
buoy_decl *buoy_group_finish(buoy_parser *P, buoy_decl *d, const buoy_name *n, const buoy_intlit *num,
                             buoy_compact_options *opts, uint32_t open, buoy_decl *body, uint32_t close);
buoy_intlit buoy_intlit_make(buoy_parser *P, uint32_t minus, uint32_t tok, uint64_t max);

buoy_decl *buoy_oneof_start(buoy_parser *P, uint32_t kw, const buoy_name *n);
buoy_decl *buoy_oneof_finish(buoy_parser *P, buoy_decl *d, uint32_t open, buoy_decl *body, uint32_t close);
buoy_decl *buoy_extend_start(buoy_parser *P, uint32_t kw, const buoy_name *n);
buoy_decl *buoy_extend_start_scalar(buoy_parser *P, uint32_t kw, uint32_t scalar);
buoy_decl *buoy_extend_finish(buoy_parser *P, buoy_decl *d, uint32_t open, buoy_decl *body, uint32_t close);

buoy_decl *buoy_decl_ranges(buoy_parser *P, buoy_decl_kind kind, uint32_t kw, buoy_range *ranges, buoy_rname *names,
                            buoy_compact_options *opts, uint32_t semi);
buoy_range *buoy_range_make(buoy_parser *P, uint32_t minus, uint32_t start, uint32_t end_minus, uint32_t end,
                            bool is_max);
buoy_rname *buoy_rname_string(buoy_parser *P, buoy_value *v);
buoy_rname *buoy_rname_ident(buoy_parser *P, uint32_t tok);
buoy_decl *buoy_decl_enum_value(buoy_parser *P, const buoy_name *n, const buoy_intlit *num, buoy_compact_options *opts,
                                uint32_t semi);

buoy_decl *buoy_rpc_head(buoy_parser *P, uint32_t kw, const buoy_name *n, const buoy_rpc_type *in,
                         const buoy_rpc_type *out);
buoy_decl *buoy_rpc_finish(buoy_parser *P, buoy_decl *d, uint32_t open, buoy_decl *body, uint32_t close);
buoy_rpc_type buoy_rpc_type_scalar(buoy_parser *P, uint32_t stream_tok, uint32_t tok);

#endif
