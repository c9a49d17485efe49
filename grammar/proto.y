/* The Protocol Buffers language (proto2, proto3, editions 2023 and 2024),
 * as an LALR(1) grammar for lemon.
 *
 * Keywords are not reserved in protobuf: `message message = 1;` is a field
 * named "message" of type... no, it is a syntax error, but `int32 message = 1;`
 * is fine. The lexer emits keyword tokens, and %fallback turns any keyword
 * that cannot be used as a keyword where it stands back into an identifier.
 * That reproduces protoc's "look at the first word" parsing exactly: a word
 * is a keyword where a statement can start with it, an identifier elsewhere.
 *
 * Semantic actions only build nodes (see src/syntax/parse_actions.h); the few
 * checks protoc makes while parsing (labels, number ranges) live there too.
 * The minor value of every terminal is its index in the token array. */

%name buoy_lemon_parse
%token_prefix TK_
%token_type { uint32_t }
%extra_argument { buoy_parser *P }
%stack_size 10000
%start_symbol file

%include {
#include <assert.h>
#include <stdlib.h>
#include <stdint.h>
#include <string.h>
#include "syntax/parse_actions.h"
}

%syntax_error {
  /* Which terminals would have been accepted here, for the message: each is
   * tried on a copy of the state stack, through any reductions, until it
   * would be shifted or rejected. */
  int depth = (int)(yypParser->yytos - yypParser->yystack) + 1;
  YYACTIONTYPE *states = malloc(sizeof(YYACTIONTYPE) * (size_t)(depth + 16));
  unsigned char expected[YYNTOKEN];
  memset(expected, 0, sizeof expected);
  for (int t = 0; states && t < YYNTOKEN; t++) {
    if (t == YYERRORSYMBOL) continue;
    int top = depth - 1;
    for (int i = 0; i < depth; i++) states[i] = yypParser->yystack[i].stateno;
    for (int steps = 0; steps < 100000; steps++) {
      YYACTIONTYPE act = yy_find_shift_action((YYCODETYPE)t, states[top]);
      if (act <= YY_MAX_SHIFTREDUCE || act == YY_ACCEPT_ACTION) {
        expected[t] = 1;
        break;
      }
      if (act < YY_MIN_REDUCE || act > YY_MAX_REDUCE) break; /* error */
      int rule = act - YY_MIN_REDUCE;
      top += yyRuleInfoNRhs[rule];
      if (top < 0) break;
      YYACTIONTYPE next = yy_find_reduce_action(states[top], (YYCODETYPE)yyRuleInfoLhs[rule]);
      if (top + 1 >= depth + 16) break;
      states[++top] = next;
    }
  }
  free(states);
  buoy_parser_syntax_error(P, yymajor, TOKEN, expected, YYNTOKEN);
}

%stack_overflow { buoy_parser_overflow(P); }
%parse_failure { P->failed = true; }

/* Terminals, in a fixed order so their codes are stable. */
%token IDENT INT FLOAT STRING.
%token SEMI LBRACE RBRACE LBRACK RBRACK LPAREN RPAREN LT GT EQ COMMA DOT COLON MINUS SLASH OTHER.
%token SYNTAX EDITION PACKAGE IMPORT PUBLIC WEAK OPTION MESSAGE ENUM SERVICE RPC RETURNS STREAM
       EXTEND EXTENSIONS RESERVED TO MAX ONEOF MAP GROUP OPTIONAL REQUIRED REPEATED SCALAR
       EXPORT LOCAL.

/* Error recovery, as protoc does it: after a syntax error, skip to the end
 * of the statement (a ';'), or stop before anything that can start or close
 * a statement. The bare `error` rules rank below ';' so that a ';' right
 * after the error is consumed with it. */
%nonassoc RECOVER.
%nonassoc SEMI.

%fallback IDENT SYNTAX EDITION PACKAGE IMPORT PUBLIC WEAK OPTION MESSAGE ENUM SERVICE RPC RETURNS
       STREAM EXTEND EXTENSIONS RESERVED TO MAX ONEOF MAP GROUP OPTIONAL REQUIRED REPEATED SCALAR
       EXPORT LOCAL.

/* ------------------------------------------------------------------ file */

file ::= header(H) top_list(L). { buoy_file_finish(P, H, L.head); }

%type header { buoy_decl * }
header(H) ::= . { H = NULL; }
header(H) ::= syntax_decl(D). { buoy_file_set_header(P, D); H = D; }

%type syntax_decl { buoy_decl * }
syntax_decl(D) ::= SYNTAX(A) EQ strlit(V) SEMI(B). { D = buoy_decl_syntax(P, BUOY_DECL_SYNTAX, A, V, B); }
syntax_decl(D) ::= EDITION(A) EQ strlit(V) SEMI(B). { D = buoy_decl_syntax(P, BUOY_DECL_EDITION, A, V, B); }

%type top_list { buoy_decl_list }
top_list(L) ::= . { L.head = L.tail = NULL; }
top_list(L) ::= top_list(A) top_decl(D). { L = buoy_decl_append(A, D); }

%type top_decl { buoy_decl * }
top_decl(D) ::= SEMI(A). { D = buoy_decl_empty(P, A); }
top_decl(D) ::= package_decl(X). { D = X; }
top_decl(D) ::= import_decl(X). { D = X; }
top_decl(D) ::= option_decl(X). { D = X; }
top_decl(D) ::= message_decl(X). { D = X; }
top_decl(D) ::= enum_decl(X). { D = X; }
top_decl(D) ::= service_decl(X). { D = X; }
top_decl(D) ::= extend_decl(X). { D = X; }
top_decl(D) ::= error SEMI. { D = NULL; }
top_decl(D) ::= error. [RECOVER] { D = NULL; }

%type package_decl { buoy_decl * }
package_decl(D) ::= PACKAGE(A) pkgname(N) SEMI(B). { D = buoy_decl_package(P, A, &N, B); }

/* Package names never start with a dot. */
%type pkgname { buoy_name }
pkgname(N) ::= IDENT(A). { N = buoy_name_make(P, A, A); }
pkgname(N) ::= pkgname(X) DOT IDENT(B). { N = buoy_name_make(P, X.r.first, B); }

%type import_decl { buoy_decl * }
import_decl(D) ::= IMPORT(A) strlit(V) SEMI(B). { D = buoy_decl_import(P, A, BUOY_IMPORT_PLAIN, 0, V, B); }
import_decl(D) ::= IMPORT(A) PUBLIC(M) strlit(V) SEMI(B). { D = buoy_decl_import(P, A, BUOY_IMPORT_PUBLIC, M, V, B); }
import_decl(D) ::= IMPORT(A) WEAK(M) strlit(V) SEMI(B). { D = buoy_decl_import(P, A, BUOY_IMPORT_WEAK, M, V, B); }
import_decl(D) ::= IMPORT(A) OPTION(M) strlit(V) SEMI(B). { D = buoy_decl_import(P, A, BUOY_IMPORT_OPTION, M, V, B); }

/* ------------------------------------------------------------------ names */

/* A type name as written: `Foo`, `pkg.Foo`, `.pkg.Foo`. */
%type typename { buoy_name }
typename(N) ::= IDENT(A). { N = buoy_name_make(P, A, A); }
typename(N) ::= DOT(A) IDENT(B). { N = buoy_name_make(P, A, B); }
typename(N) ::= typename(X) DOT IDENT(B). { N = buoy_name_make(P, X.r.first, B); }

%type ident { buoy_name }
ident(N) ::= IDENT(A). { N = buoy_name_make(P, A, A); }

/* ------------------------------------------------------------------ options */

%type option_decl { buoy_decl * }
option_decl(D) ::= OPTION(A) option_body(O) SEMI(B). { D = buoy_decl_option(P, A, O, B); }

%type option_body { buoy_option * }
option_body(O) ::= optname(N) EQ optvalue(V). { O = buoy_option_make(P, &N, V); }

%type optname { buoy_optname }
optname(N) ::= optpart(X). { N = buoy_optname_start(P, X); }
optname(N) ::= optname(A) DOT optpart(X). { N = buoy_optname_append(P, A, X); }

%type optpart { buoy_optname_part * }
optpart(X) ::= IDENT(A). { X = buoy_optpart_make(P, false, buoy_name_make(P, A, A), A, A); }
optpart(X) ::= LPAREN(A) typename(N) RPAREN(B). { X = buoy_optpart_make(P, true, N, A, B); }

%type compact_opts { buoy_compact_options * }
compact_opts(C) ::= LBRACK(A) compact_list(L) RBRACK(B). { C = buoy_compact_make(P, A, L.head, B); }

%type compact_list { buoy_option_list }
compact_list(L) ::= option_body(O). { L.head = L.tail = O; }
compact_list(L) ::= compact_list(A) COMMA option_body(O). { L = buoy_option_append(A, O); }

%type opt_compact { buoy_compact_options * }
opt_compact(C) ::= . { C = NULL; }
opt_compact(C) ::= compact_opts(X). { C = X; }

/* ------------------------------------------------------------------ values */

%type optvalue { buoy_value * }
optvalue(V) ::= scalar_value(X). { V = X; }
optvalue(V) ::= msglit(X). { V = X; }

/* Text format also writes messages in angle brackets, but not at the top of
 * an option value. */
%type textmsg { buoy_value * }
textmsg(V) ::= msglit(X). { V = X; }
textmsg(V) ::= LT(A) msgfields(L) GT(B). { V = buoy_value_message(P, A, L.head, B); }

%type scalar_value { buoy_value * }
scalar_value(V) ::= INT(A). { V = buoy_value_number(P, 0, A); }
scalar_value(V) ::= MINUS(M) INT(A). { V = buoy_value_number(P, M, A); }
scalar_value(V) ::= FLOAT(A). { V = buoy_value_number(P, 0, A); }
scalar_value(V) ::= MINUS(M) FLOAT(A). { V = buoy_value_number(P, M, A); }
scalar_value(V) ::= IDENT(A). { V = buoy_value_ident(P, 0, A); }
scalar_value(V) ::= MINUS(M) IDENT(A). { V = buoy_value_ident(P, M, A); }
scalar_value(V) ::= strlit(X). { V = X; }
/* Never valid, but protoc reports it in different places depending on the
 * context, so it is parsed and the actions decide. */
scalar_value(V) ::= MINUS(M) strlit(X). { V = X; V->negative = true; V->r.first = M; }

/* Adjacent string literals concatenate. */
%type strlit { buoy_value * }
strlit(V) ::= STRING(A). { V = buoy_value_string(P, A); }
strlit(V) ::= strlit(X) STRING(A). { V = buoy_value_string_append(P, X, A); }

/* Message literals, in the protobuf text format. */
%type msglit { buoy_value * }
msglit(V) ::= LBRACE(A) msgfields(L) RBRACE(B). { V = buoy_value_message(P, A, L.head, B); }

%type msgfields { buoy_msg_field_list }
msgfields(L) ::= . { L.head = L.tail = NULL; }
msgfields(L) ::= msgfields(A) msgfield(F). { L = buoy_msg_field_append(A, F); }

%type msgfield { buoy_msg_field * }
msgfield(F) ::= msgfname(N) COLON textvalue(V) msgsep(S). { F = buoy_msg_field_make(P, &N, true, V, S); }
msgfield(F) ::= msgfname(N) textmsg(V) msgsep(S). { F = buoy_msg_field_make(P, &N, false, V, S); }
msgfield(F) ::= msgfname(N) list(V) msgsep(S). { F = buoy_msg_field_make(P, &N, false, V, S); }

/* The token index of a trailing separator, or UINT32_MAX. */
%type msgsep { uint32_t }
msgsep(S) ::= . { S = UINT32_MAX; }
msgsep(S) ::= COMMA(A). { S = A; }
msgsep(S) ::= SEMI(A). { S = A; }

%type msgfname { buoy_msgfname }
msgfname(N) ::= IDENT(A). { N = buoy_msgfname_make(P, BUOY_MSGNAME_FIELD, buoy_name_make(P, A, A), A, A); }
msgfname(N) ::= LBRACK(A) typename(T) RBRACK(B). { N = buoy_msgfname_make(P, BUOY_MSGNAME_EXTENSION, T, A, B); }
msgfname(N) ::= LBRACK(A) anyurl(U) RBRACK(B). { N = buoy_msgfname_make(P, BUOY_MSGNAME_ANY, U, A, B); }

/* type.googleapis.com/pkg.Msg: a host and path, then the type name. */
%type anyurl { buoy_name }
anyurl(U) ::= typename(H) SLASH typename(T). { U = buoy_name_make(P, H.r.first, T.r.last); }
anyurl(U) ::= anyurl(H) SLASH typename(T). { U = buoy_name_make(P, H.r.first, T.r.last); }

%type textvalue { buoy_value * }
textvalue(V) ::= scalar_value(X). { V = X; }
textvalue(V) ::= textmsg(X). { V = X; }
textvalue(V) ::= list(X). { V = X; }

%type list { buoy_value * }
list(V) ::= LBRACK(A) RBRACK(B). { V = buoy_value_make_list(P, A, NULL, B); }
list(V) ::= LBRACK(A) list_items(L) RBRACK(B). { V = buoy_value_make_list(P, A, L.head, B); }

%type list_items { buoy_value_list }
list_items(L) ::= list_item(X). { L.head = L.tail = X; }
list_items(L) ::= list_items(A) COMMA list_item(X). { L = buoy_value_append(A, X); }

%type list_item { buoy_value * }
list_item(V) ::= scalar_value(X). { V = X; }
list_item(V) ::= textmsg(X). { V = X; }

/* ------------------------------------------------------------------ messages */

%type visibility { buoy_vis }
visibility(V) ::= . { V.kind = BUOY_VIS_DEFAULT; V.tok = UINT32_MAX; }
visibility(V) ::= EXPORT(A). { V.kind = BUOY_VIS_EXPORT; V.tok = A; }
visibility(V) ::= LOCAL(A). { V.kind = BUOY_VIS_LOCAL; V.tok = A; }

%type message_decl { buoy_decl * }
message_decl(D) ::= visibility(V) MESSAGE(A) ident(N) LBRACE(O) msg_body(L) RBRACE(B).
  { D = buoy_decl_block(P, BUOY_DECL_MESSAGE, V, A, &N, O, L.head, B); }

%type msg_body { buoy_decl_list }
msg_body(L) ::= . { L.head = L.tail = NULL; }
msg_body(L) ::= msg_body(A) msg_decl(D). { L = buoy_decl_append(A, D); }

%type msg_decl { buoy_decl * }
msg_decl(D) ::= SEMI(A). { D = buoy_decl_empty(P, A); }
msg_decl(D) ::= field_decl(X). { D = X; }
msg_decl(D) ::= map_field_decl(X). { D = X; }
msg_decl(D) ::= group_decl(X). { D = X; }
msg_decl(D) ::= oneof_decl(X). { D = X; }
msg_decl(D) ::= message_decl(X). { D = X; }
msg_decl(D) ::= enum_decl(X). { D = X; }
msg_decl(D) ::= extend_decl(X). { D = X; }
msg_decl(D) ::= extensions_decl(X). { D = X; }
msg_decl(D) ::= reserved_decl(X). { D = X; }
msg_decl(D) ::= option_decl(X). { D = X; }
msg_decl(D) ::= error SEMI. { D = NULL; }
msg_decl(D) ::= error. [RECOVER] { D = NULL; }

%type label { buoy_labeltok }
label(L) ::= OPTIONAL(A). { L.label = BUOY_LABEL_OPTIONAL; L.tok = A; }
label(L) ::= REQUIRED(A). { L.label = BUOY_LABEL_REQUIRED; L.tok = A; }
label(L) ::= REPEATED(A). { L.label = BUOY_LABEL_REPEATED; L.tok = A; }

/* A field type: a scalar keyword, a message or enum name, or a type that
 * happens to be called "map" (protoc accepts `map foo = 1;`). */
%type type { buoy_typeref }
type(T) ::= SCALAR(A). { T = buoy_typeref_scalar(P, A); }
type(T) ::= typename(N). { T = buoy_typeref_named(N); }
type(T) ::= MAP(A). { T = buoy_typeref_named(buoy_name_make(P, A, A)); }

/* The head of a field, reduced once its name is in sight, so that a missing
 * label is reported where protoc reports it. Context decides whether a label
 * is required (proto2 outside oneofs), allowed, or an error (oneofs). */
%type field_head { buoy_decl * }
field_head(D) ::= label(L) type(T). { D = buoy_field_head(P, L, &T); }
field_head(D) ::= type(T). { buoy_labeltok none = {BUOY_LABEL_NONE, UINT32_MAX}; D = buoy_field_head(P, none, &T); }

%type field_decl { buoy_decl * }
field_decl(D) ::= field_head(H) ident(N) EQ field_number(K) opt_compact(C) SEMI(B).
  { D = buoy_field_finish(P, H, &N, &K, C, B); }

%type field_number { buoy_intlit }
field_number(K) ::= INT(A). { K = buoy_intlit_make(P, 0, A, INT32_MAX); }

%type map_field_decl { buoy_decl * }
map_field_decl(D) ::= map_head(H) ident(N) EQ field_number(K) opt_compact(C) SEMI(B).
  { D = buoy_field_finish(P, H, &N, &K, C, B); }

%type map_head { buoy_decl * }
map_head(D) ::= MAP(A) LT(O) type(K) COMMA type(V) GT(B).
  { buoy_labeltok none = {BUOY_LABEL_NONE, UINT32_MAX}; D = buoy_map_head(P, none, A, O, &K, &V, B); }
map_head(D) ::= label(L) MAP(A) LT(O) type(K) COMMA type(V) GT(B).
  { D = buoy_map_head(P, L, A, O, &K, &V, B); }

%type group_decl { buoy_decl * }
group_decl(D) ::= group_head(H) ident(N) EQ field_number(K) opt_compact(C) LBRACE(O) msg_body(L) RBRACE(B).
  { D = buoy_group_finish(P, H, &N, &K, C, O, L.head, B); }

%type group_head { buoy_decl * }
group_head(D) ::= GROUP(A). { buoy_labeltok none = {BUOY_LABEL_NONE, UINT32_MAX}; D = buoy_group_head(P, none, A); }
group_head(D) ::= label(L) GROUP(A). { D = buoy_group_head(P, L, A); }

/* ------------------------------------------------------------------ oneofs */

%type oneof_decl { buoy_decl * }
oneof_decl(D) ::= oneof_start(S) LBRACE(O) oneof_body(L) RBRACE(B).
  { D = buoy_oneof_finish(P, S, O, L.head, B); }

%type oneof_start { buoy_decl * }
oneof_start(D) ::= ONEOF(A) ident(N). { D = buoy_oneof_start(P, A, &N); }

%type oneof_body { buoy_decl_list }
oneof_body(L) ::= . { L.head = L.tail = NULL; }
oneof_body(L) ::= oneof_body(A) oneof_item(D). { L = buoy_decl_append(A, D); }

%type oneof_item { buoy_decl * }
oneof_item(D) ::= field_decl(X). { D = X; }
oneof_item(D) ::= map_field_decl(X). { D = X; }
oneof_item(D) ::= group_decl(X). { D = X; }
oneof_item(D) ::= option_decl(X). { D = X; }
oneof_item(D) ::= SEMI(A). { D = buoy_decl_empty_checked(P, A); }
oneof_item(D) ::= error SEMI. { D = NULL; }
oneof_item(D) ::= error. [RECOVER] { D = NULL; }

/* ------------------------------------------------------------------ extend */

%type extend_decl { buoy_decl * }
extend_decl(D) ::= extend_start(S) LBRACE(O) extend_body(L) RBRACE(B).
  { D = buoy_extend_finish(P, S, O, L.head, B); }

%type extend_start { buoy_decl * }
extend_start(D) ::= EXTEND(A) typename(N). { D = buoy_extend_start(P, A, &N); }
extend_start(D) ::= EXTEND(A) SCALAR(S). { D = buoy_extend_start_scalar(P, A, S); }

%type extend_body { buoy_decl_list }
extend_body(L) ::= . { L.head = L.tail = NULL; }
extend_body(L) ::= extend_body(A) extend_item(D). { L = buoy_decl_append(A, D); }

%type extend_item { buoy_decl * }
extend_item(D) ::= field_decl(X). { D = X; }
extend_item(D) ::= map_field_decl(X). { D = X; }
extend_item(D) ::= group_decl(X). { D = X; }
extend_item(D) ::= SEMI(A). { D = buoy_decl_empty_checked(P, A); }
extend_item(D) ::= error SEMI. { D = NULL; }
extend_item(D) ::= error. [RECOVER] { D = NULL; }

/* ------------------------------------------------------------------ ranges */

%type extensions_decl { buoy_decl * }
extensions_decl(D) ::= EXTENSIONS(A) field_ranges(R) opt_compact(C) SEMI(B).
  { D = buoy_decl_ranges(P, BUOY_DECL_EXTENSIONS, A, R.head, NULL, C, B); }

%type reserved_decl { buoy_decl * }
reserved_decl(D) ::= RESERVED(A) field_ranges(R) SEMI(B).
  { D = buoy_decl_ranges(P, BUOY_DECL_RESERVED, A, R.head, NULL, NULL, B); }
reserved_decl(D) ::= RESERVED(A) reserved_names(N) SEMI(B).
  { D = buoy_decl_ranges(P, BUOY_DECL_RESERVED, A, NULL, N.head, NULL, B); }

%type field_ranges { buoy_range_list }
field_ranges(L) ::= field_range(X). { L.head = L.tail = X; }
field_ranges(L) ::= field_ranges(A) COMMA field_range(X). { L = buoy_range_append(A, X); }

%type field_range { buoy_range * }
field_range(R) ::= INT(A). { R = buoy_range_make(P, 0, A, 0, 0, false); }
field_range(R) ::= INT(A) TO INT(B). { R = buoy_range_make(P, 0, A, 0, B, false); }
field_range(R) ::= INT(A) TO MAX(B). { R = buoy_range_make(P, 0, A, 0, B, true); }

%type reserved_names { buoy_rname_list }
reserved_names(L) ::= reserved_name(X). { L.head = L.tail = X; }
reserved_names(L) ::= reserved_names(A) COMMA reserved_name(X). { L = buoy_rname_append(A, X); }

%type reserved_name { buoy_rname * }
reserved_name(X) ::= strlit(V). { X = buoy_rname_string(P, V); }
reserved_name(X) ::= IDENT(A). { X = buoy_rname_ident(P, A); }

/* ------------------------------------------------------------------ enums */

%type enum_decl { buoy_decl * }
enum_decl(D) ::= visibility(V) ENUM(A) ident(N) LBRACE(O) enum_body(L) RBRACE(B).
  { D = buoy_decl_block(P, BUOY_DECL_ENUM, V, A, &N, O, L.head, B); }

%type enum_body { buoy_decl_list }
enum_body(L) ::= . { L.head = L.tail = NULL; }
enum_body(L) ::= enum_body(A) enum_item(D). { L = buoy_decl_append(A, D); }

%type enum_item { buoy_decl * }
enum_item(D) ::= SEMI(A). { D = buoy_decl_empty(P, A); }
enum_item(D) ::= option_decl(X). { D = X; }
enum_item(D) ::= enum_reserved(X). { D = X; }
enum_item(D) ::= enum_value(X). { D = X; }
enum_item(D) ::= error SEMI. { D = NULL; }
enum_item(D) ::= error. [RECOVER] { D = NULL; }

%type enum_value { buoy_decl * }
enum_value(D) ::= ident(N) EQ enum_number(K) opt_compact(C) SEMI(B).
  { D = buoy_decl_enum_value(P, &N, &K, C, B); }

%type enum_number { buoy_intlit }
enum_number(K) ::= INT(A). { K = buoy_intlit_make(P, 0, A, INT32_MAX); }
enum_number(K) ::= MINUS(M) INT(A). { K = buoy_intlit_make(P, M, A, (uint64_t)INT32_MAX + 1); }

%type enum_reserved { buoy_decl * }
enum_reserved(D) ::= RESERVED(A) enum_ranges(R) SEMI(B).
  { D = buoy_decl_ranges(P, BUOY_DECL_RESERVED, A, R.head, NULL, NULL, B); }
enum_reserved(D) ::= RESERVED(A) reserved_names(N) SEMI(B).
  { D = buoy_decl_ranges(P, BUOY_DECL_RESERVED, A, NULL, N.head, NULL, B); }

%type enum_ranges { buoy_range_list }
enum_ranges(L) ::= enum_range(X). { L.head = L.tail = X; }
enum_ranges(L) ::= enum_ranges(A) COMMA enum_range(X). { L = buoy_range_append(A, X); }

%type enum_range { buoy_range * }
enum_range(R) ::= INT(A). { R = buoy_range_make(P, 0, A, 0, 0, false); }
enum_range(R) ::= MINUS(M) INT(A). { R = buoy_range_make(P, M, A, 0, 0, false); }
enum_range(R) ::= INT(A) TO enum_end(E). { R = buoy_range_make(P, 0, A, E.minus, E.tok, E.max); }
enum_range(R) ::= MINUS(M) INT(A) TO enum_end(E). { R = buoy_range_make(P, M, A, E.minus, E.tok, E.max); }

%type enum_end { buoy_endtok }
enum_end(E) ::= INT(A). { E.minus = 0; E.tok = A; E.max = false; }
enum_end(E) ::= MINUS(M) INT(A). { E.minus = M; E.tok = A; E.max = false; }
enum_end(E) ::= MAX(A). { E.minus = 0; E.tok = A; E.max = true; }

/* ------------------------------------------------------------------ services */

%type service_decl { buoy_decl * }
service_decl(D) ::= SERVICE(A) ident(N) LBRACE(O) service_body(L) RBRACE(B).
  { buoy_vis none = {BUOY_VIS_DEFAULT, UINT32_MAX}; D = buoy_decl_block(P, BUOY_DECL_SERVICE, none, A, &N, O, L.head, B); }

%type service_body { buoy_decl_list }
service_body(L) ::= . { L.head = L.tail = NULL; }
service_body(L) ::= service_body(A) service_item(D). { L = buoy_decl_append(A, D); }

%type service_item { buoy_decl * }
service_item(D) ::= SEMI(A). { D = buoy_decl_empty(P, A); }
service_item(D) ::= option_decl(X). { D = X; }
service_item(D) ::= rpc_decl(X). { D = X; }
service_item(D) ::= error SEMI. { D = NULL; }
service_item(D) ::= error. [RECOVER] { D = NULL; }

%type rpc_decl { buoy_decl * }
rpc_decl(D) ::= rpc_head(H) SEMI(B). { D = buoy_rpc_finish(P, H, UINT32_MAX, NULL, B); }
rpc_decl(D) ::= rpc_head(H) LBRACE(O) rpc_body(L) RBRACE(B). { D = buoy_rpc_finish(P, H, O, L.head, B); }

%type rpc_head { buoy_decl * }
rpc_head(D) ::= RPC(A) ident(N) LPAREN rpc_type(I) RPAREN RETURNS LPAREN rpc_type(O) RPAREN.
  { D = buoy_rpc_head(P, A, &N, &I, &O); }

%type rpc_type { buoy_rpc_type }
rpc_type(T) ::= typename(N). { T.stream = false; T.stream_tok = UINT32_MAX; T.type = N; }
rpc_type(T) ::= STREAM(S) typename(N). { T.stream = true; T.stream_tok = S; T.type = N; }
rpc_type(T) ::= SCALAR(A). { T = buoy_rpc_type_scalar(P, UINT32_MAX, A); }
rpc_type(T) ::= STREAM(S) SCALAR(A). { T = buoy_rpc_type_scalar(P, S, A); }

%type rpc_body { buoy_decl_list }
rpc_body(L) ::= . { L.head = L.tail = NULL; }
rpc_body(L) ::= rpc_body(A) rpc_item(D). { L = buoy_decl_append(A, D); }

%type rpc_item { buoy_decl * }
rpc_item(D) ::= SEMI(A). { D = buoy_decl_empty(P, A); }
rpc_item(D) ::= option_decl(X). { D = X; }
rpc_item(D) ::= error SEMI. { D = NULL; }
rpc_item(D) ::= error. [RECOVER] { D = NULL; }
