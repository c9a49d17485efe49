/* The parse driver: lexes a file, feeds the tokens to the lemon parser, and
 * implements the grammar's semantic actions (node construction, and the
 * checks protoc makes while parsing, reported where protoc reports them). */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "proto.h"
#include "syntax/lexer.h"
#include "syntax/parse_actions.h"

/* The lemon-generated parser (grammar/proto.y). */
void *buoy_lemon_parseAlloc(void *(*malloc_fn)(size_t));
void buoy_lemon_parseFree(void *p, void (*free_fn)(void *));
void buoy_lemon_parse(void *p, int major, uint32_t minor, buoy_parser *P);

/* ------------------------------------------------------------------ errors */

static const buoy_token *tok(const buoy_parser *P, uint32_t i) { return &P->file->tokens[i]; }

/* Parse errors sort after the lexical errors of the same token, as protoc,
 * whose tokenizer runs one token ahead of its parser, reports them. */
static void add_error(buoy_parser *P, uint32_t t, const char *fmt, va_list ap) {
  if (t >= P->quiet_first && t <= P->quiet_last) return;
  buoy_diag_addv(P->diags, BUOY_ERROR, P->file->src, tok(P, t)->start, fmt, ap);
  P->diags->items[P->diags->count - 1].order = t * 2 + 1;
  if (P->diags->errors >= BUOY_MAX_ERRORS_PER_FILE) P->stop = true;
}

void buoy_parser_error_at(buoy_parser *P, uint32_t t, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  add_error(P, t, fmt, ap);
  va_end(ap);
}

/* How a token kind reads in a message: "\"message\"", "an identifier". */
static const char *kind_description(int kind) {
  switch (kind) {
  case 0: return "end of file";
  case TK_IDENT: return "an identifier";
  case TK_INT: return "an integer";
  case TK_FLOAT: return "a number";
  case TK_STRING: return "a string";
  case TK_SEMI: return "\";\"";
  case TK_LBRACE: return "\"{\"";
  case TK_RBRACE: return "\"}\"";
  case TK_LBRACK: return "\"[\"";
  case TK_RBRACK: return "\"]\"";
  case TK_LPAREN: return "\"(\"";
  case TK_RPAREN: return "\")\"";
  case TK_LT: return "\"<\"";
  case TK_GT: return "\">\"";
  case TK_EQ: return "\"=\"";
  case TK_COMMA: return "\",\"";
  case TK_DOT: return "\".\"";
  case TK_COLON: return "\":\"";
  case TK_MINUS: return "\"-\"";
  case TK_SLASH: return "\"/\"";
  case TK_SYNTAX: return "\"syntax\"";
  case TK_EDITION: return "\"edition\"";
  case TK_PACKAGE: return "\"package\"";
  case TK_IMPORT: return "\"import\"";
  case TK_PUBLIC: return "\"public\"";
  case TK_WEAK: return "\"weak\"";
  case TK_OPTION: return "\"option\"";
  case TK_MESSAGE: return "\"message\"";
  case TK_ENUM: return "\"enum\"";
  case TK_SERVICE: return "\"service\"";
  case TK_RPC: return "\"rpc\"";
  case TK_RETURNS: return "\"returns\"";
  case TK_STREAM: return "\"stream\"";
  case TK_EXTEND: return "\"extend\"";
  case TK_EXTENSIONS: return "\"extensions\"";
  case TK_RESERVED: return "\"reserved\"";
  case TK_TO: return "\"to\"";
  case TK_MAX: return "\"max\"";
  case TK_ONEOF: return "\"oneof\"";
  case TK_MAP: return "\"map\"";
  case TK_GROUP: return "\"group\"";
  case TK_OPTIONAL: return "\"optional\"";
  case TK_REQUIRED: return "\"required\"";
  case TK_REPEATED: return "\"repeated\"";
  case TK_SCALAR: return "a scalar type";
  case TK_EXPORT: return "\"export\"";
  case TK_LOCAL: return "\"local\"";
  default: return NULL;
  }
}

static bool is_keyword(int kind) { return kind >= TK_SYNTAX && kind <= TK_LOCAL; }
static bool is_word(int kind) { return kind == TK_IDENT || is_keyword(kind); }
static bool editions(const buoy_parser *P) { return P->file->syntax == BUOY_SYNTAX_EDITIONS; }

/* The first token of the statement holding token t: the one after the last
 * ';', '{' or '}' before it, not counting closed parentheses and brackets. */
static uint32_t statement_start(const buoy_parser *P, uint32_t t) {
  int depth = 0;
  for (uint32_t i = t; i-- > 0;) {
    int k = tok(P, i)->kind;
    if (k == TK_RPAREN || k == TK_RBRACK)
      depth++;
    else if ((k == TK_LPAREN || k == TK_LBRACK) && depth > 0)
      depth--;
    else if (depth == 0 && (k == TK_SEMI || k == TK_LBRACE || k == TK_RBRACE))
      return i + 1;
  }
  return 0;
}

/* Where buf reports a syntax error found at token t of an editions file.
 * buf parses declarations loosely and then names what is missing from them,
 * so a missing name, number or value is reported at the declaration, and a
 * bracket that should not be there at the bracket. */
static uint32_t buf_anchor(const buoy_parser *P, uint32_t t) {
  int k = tok(P, t)->kind;
  int prev = t > 0 ? tok(P, t - 1)->kind : 0;
  uint32_t depth = P->depth;
  if ((k == TK_LBRACE || k == TK_LBRACK || k == TK_LPAREN || k == TK_LT) && depth > 0) depth--;
  int inner = P->open_kind[depth];
  uint32_t start = statement_start(P, t);
  if (k == TK_RBRACK && (prev == TK_LBRACK || prev == TK_COMMA)) return t - 1; /* `[]`, trailing `,` */
  if (inner == TK_LBRACK && (k == TK_COMMA || k == TK_COLON || (k == TK_SLASH && prev == TK_LBRACK))) {
    /* inside `[...]` naming an extension or Any type in a message literal */
    for (uint32_t i = t; i-- > start;)
      if (tok(P, i)->kind == TK_LBRACK) {
        int before = i > 0 ? tok(P, i - 1)->kind : 0;
        if (before == TK_LBRACE || before == TK_LT || before == TK_COMMA || before == TK_SEMI) return i;
        break;
      }
  }
  if (k == TK_GT) /* map<K> with a type missing */
    for (uint32_t i = t; i-- > start;)
      if (tok(P, i)->kind == TK_LT && i > 0 && tok(P, i - 1)->kind == TK_MAP) return i;
  if (k == TK_LPAREN && tok(P, start)->kind == TK_RPC) /* rpc M(A) (B): no "returns" */
    for (uint32_t i = start; i < t; i++)
      if (tok(P, i)->kind == TK_LPAREN) return i;
  if (inner != TK_LBRACK && inner != BUOY_OPEN_MSGLIT && prev != TK_TO && prev != TK_DOT &&
      (k == TK_SEMI || k == TK_EQ || k == TK_LBRACE || (is_word(k) && P->ctx[depth] == BUOY_CTX_ENUM)))
    return start;
  return t;
}

void buoy_parser_syntax_error(buoy_parser *P, int major, uint32_t t, const unsigned char *expected, int nexpected) {
  if (P->stop) return;
  const buoy_token *k = tok(P, t);
  char found[96];
  if (major == 0) {
    snprintf(found, sizeof found, "end of file");
  } else {
    uint32_t n = k->len > 40 ? 40 : k->len;
    const char *text = P->file->src->text + k->start;
    bool printable = true;
    for (uint32_t i = 0; i < n; i++)
      if ((unsigned char)text[i] < 0x20 || (unsigned char)text[i] >= 0x7f) printable = false;
    if (printable)
      snprintf(found, sizeof found, "\"%.*s%s\"", (int)n, text, k->len > n ? "..." : "");
    else
      snprintf(found, sizeof found, "a character that is not allowed here");
  }
  /* What would have been accepted here. Keywords are listed only where an
   * identifier would not do, since any keyword can serve as one. */
  const char *names[8];
  int nnames = 0;
  bool ident_ok = TK_IDENT < nexpected && expected[TK_IDENT];
  for (int kind = 0; kind < nexpected; kind++) {
    if (!expected[kind]) continue;
    if (is_keyword(kind) && ident_ok) continue;
    const char *d = kind_description(kind);
    if (!d) continue;
    if (nnames == 8) {
      nnames = 9;
      break;
    }
    names[nnames++] = d;
  }
  /* buf lexes `123abc` as one bad number: no second error for the letters. */
  if (editions(P) && t > 0 && (tok(P, t - 1)->flags & BUOY_TOKF_BAD) &&
      tok(P, t - 1)->start + tok(P, t - 1)->len == k->start && major != 0)
    return;
  uint32_t at = editions(P) ? buf_anchor(P, t) : t;
  char where[48] = "";
  if (at != t) {
    buoy_pos pos = buoy_source_pos(P->file->src, k->start);
    snprintf(where, sizeof where, " at %u:%u", pos.line, pos.col);
  }
  char want[256] = "";
  if (nnames > 0 && nnames <= 4) {
    size_t used = 0;
    for (int i = 0; i < nnames; i++) {
      const char *sep = i == 0 ? "" : (i == nnames - 1 ? " or " : ", ");
      used += (size_t)snprintf(want + used, sizeof want - used, "%s%s", sep, names[i]);
      if (used >= sizeof want) break;
    }
    buoy_parser_error_at(P, at, "syntax error: expected %s, found %s%s", want, found, where);
  } else {
    buoy_parser_error_at(P, at, "syntax error: unexpected %s%s", found, where);
  }
}

void buoy_parser_overflow(buoy_parser *P) {
  buoy_parser_error_at(P, P->lookahead, "declarations are nested too deeply");
  P->stop = true;
}

/* ------------------------------------------------------------------ helpers */

static void *node(buoy_parser *P, size_t size) { return buoy_arena_alloc(P->arena, size); }
#define NODE(T) ((T *)node(P, sizeof(T)))

static buoy_tokrange range(uint32_t first, uint32_t last) {
  buoy_tokrange r = {first, last};
  return r;
}

static const char *tok_text(const buoy_parser *P, uint32_t i) { return P->file->src->text + tok(P, i)->start; }

static bool tok_is(const buoy_parser *P, uint32_t i, const char *word) {
  size_t n = strlen(word);
  return tok(P, i)->len == n && memcmp(tok_text(P, i), word, n) == 0;
}

buoy_name buoy_name_make(buoy_parser *P, uint32_t first, uint32_t last) {
  buoy_name n;
  n.r = range(first, last);
  if (first == last) {
    n.len = tok(P, first)->len;
    n.text = buoy_arena_strndup(P->arena, tok_text(P, first), n.len);
    return n;
  }
  uint32_t len = 0;
  for (uint32_t i = first; i <= last; i++)
    len += tok(P, i)->len;
  char *s = buoy_arena_alloc_raw(P->arena, len + 1);
  uint32_t at = 0;
  for (uint32_t i = first; i <= last; i++) {
    memcpy(s + at, tok_text(P, i), tok(P, i)->len);
    at += tok(P, i)->len;
  }
  s[at] = 0;
  n.text = s;
  n.len = len;
  return n;
}

#define APPEND_IMPL(LIST, ITEM)                                                                                        \
  if (!item) return l;                                                                                                 \
  if (l.tail)                                                                                                          \
    l.tail->next = item;                                                                                               \
  else                                                                                                                 \
    l.head = item;                                                                                                     \
  l.tail = item;                                                                                                       \
  return l;

buoy_decl_list buoy_decl_append(buoy_decl_list l, buoy_decl *item){APPEND_IMPL(l, item)} buoy_option_list
    buoy_option_append(buoy_option_list l, buoy_option *item){APPEND_IMPL(l, item)} buoy_msg_field_list
    buoy_msg_field_append(buoy_msg_field_list l, buoy_msg_field *item){APPEND_IMPL(l, item)} buoy_value_list
    buoy_value_append(buoy_value_list l, buoy_value *item){APPEND_IMPL(l, item)} buoy_range_list
    buoy_range_append(buoy_range_list l, buoy_range *item){APPEND_IMPL(l, item)} buoy_rname_list
    buoy_rname_append(buoy_rname_list l, buoy_rname *item) {
  APPEND_IMPL(l, item)
}

static buoy_decl *decl(buoy_parser *P, buoy_decl_kind kind, uint32_t first, uint32_t last) {
  buoy_decl *d = NODE(buoy_decl);
  d->kind = kind;
  d->r = range(first, last);
  d->open_tok = last;
  return d;
}

/* ------------------------------------------------------------------ file level */

buoy_decl *buoy_decl_syntax(buoy_parser *P, buoy_decl_kind kind, uint32_t kw, buoy_value *v, uint32_t semi) {
  buoy_decl *d = decl(P, kind, kw, semi);
  d->u.syntax.value = v;
  return d;
}

void buoy_file_set_header(buoy_parser *P, buoy_decl *d) {
  buoy_file *f = P->file;
  const char *s = d->u.syntax.value->v.str.bytes;
  uint32_t n = d->u.syntax.value->v.str.len;
  uint32_t at = d->u.syntax.value->r.first;
  bool ok;
  if (d->kind == BUOY_DECL_SYNTAX) {
    ok = true;
    if (n == 6 && memcmp(s, "proto2", 6) == 0)
      f->syntax = BUOY_SYNTAX_PROTO2;
    else if (n == 6 && memcmp(s, "proto3", 6) == 0)
      f->syntax = BUOY_SYNTAX_PROTO3;
    else
      ok = false;
    if (!ok)
      buoy_parser_error_at(P, at, "unknown syntax \"%.*s\": buoy knows \"proto2\" and \"proto3\" (or use an edition)",
                           (int)(n > 64 ? 64 : n), s);
  } else {
    f->syntax = BUOY_SYNTAX_EDITIONS;
    ok = (n == 4 && (memcmp(s, "2023", 4) == 0 || memcmp(s, "2024", 4) == 0));
    if (ok)
      f->edition = memcmp(s, "2023", 4) == 0 ? "2023" : "2024";
    else if (n == 6 && (memcmp(s, "proto2", 6) == 0 || memcmp(s, "proto3", 6) == 0))
      buoy_parser_error_at(P, d->r.first, "\"%.6s\" is a syntax, not an edition: write syntax = \"%.6s\";", s, s);
    else
      buoy_parser_error_at(P, at, "unknown edition \"%.*s\": buoy knows editions \"2023\" and \"2024\"",
                           (int)(n > 64 ? 64 : n), s);
  }
}

void buoy_file_finish(buoy_parser *P, buoy_decl *header, buoy_decl *decls) {
  if (header) {
    header->next = decls;
    decls = header;
  }
  P->file->decls = decls;
}

buoy_decl *buoy_decl_empty(buoy_parser *P, uint32_t semi) { return decl(P, BUOY_DECL_EMPTY, semi, semi); }

/* protoc refuses empty statements in oneofs and extend blocks; buf accepts
 * them, and buf is the reference for editions. */
buoy_decl *buoy_decl_empty_checked(buoy_parser *P, uint32_t semi) {
  if (editions(P)) return buoy_decl_empty(P, semi);
  const char *where = P->ctx[P->depth] == BUOY_CTX_ONEOF ? "a oneof" : "an extend block";
  buoy_parser_error_at(P, semi, "empty statements are not allowed in %s: expected a field", where);
  return NULL;
}

buoy_decl *buoy_decl_package(buoy_parser *P, uint32_t kw, const buoy_name *n, uint32_t semi) {
  buoy_decl *d = decl(P, BUOY_DECL_PACKAGE, kw, semi);
  d->u.package.name = *n;
  if (P->seen_package) buoy_parser_error_at(P, kw, "a file can have only one package declaration");
  P->seen_package = true;
  return d;
}

buoy_decl *buoy_decl_import(buoy_parser *P, uint32_t kw, buoy_import_kind kind, uint32_t mod, buoy_value *path,
                            uint32_t semi) {
  buoy_decl *d = decl(P, BUOY_DECL_IMPORT, kw, semi);
  d->u.import.kind = kind;
  d->u.import.modifier_tok = mod;
  d->u.import.path = path;
  bool ed2024 = editions(P) && P->file->edition && strcmp(P->file->edition, "2024") >= 0;
  if (kind == BUOY_IMPORT_OPTION && !ed2024)
    buoy_parser_error_at(P, mod, "\"import option\" needs edition 2024 or later");
  if (kind == BUOY_IMPORT_WEAK && ed2024)
    buoy_parser_error_at(P, mod, "\"import weak\" is not allowed from edition 2024 on");
  return d;
}

/* ------------------------------------------------------------------ options */

static void check_option_value(buoy_parser *P, const buoy_value *v);

/* `default` and `json_name` in a field's brackets are not options, and
 * protoc checks their values by the field's type instead. */
static bool is_pseudo_option(const buoy_option *o) {
  return !o->name->extension && !o->name->next &&
         (strcmp(o->name->name.text, "default") == 0 || strcmp(o->name->name.text, "json_name") == 0);
}

buoy_decl *buoy_decl_option(buoy_parser *P, uint32_t kw, buoy_option *o, uint32_t semi) {
  buoy_decl *d = decl(P, BUOY_DECL_OPTION, kw, semi);
  check_option_value(P, o->value);
  o->r = range(kw, semi);
  d->u.option = o;
  return d;
}

/* protoc checks the range of a top-level integer option value while parsing. */
static void check_option_value(buoy_parser *P, const buoy_value *v) {
  if (v->kind == BUOY_VAL_STRING && v->negative) {
    buoy_parser_error_at(P, v->r.first + 1, "a '-' sign may only come before a number, inf or nan");
    return;
  }
  if (v->kind == BUOY_VAL_IDENT && v->negative && strcmp(v->v.ident.text, "inf") != 0 &&
      strcmp(v->v.ident.text, "nan") != 0) {
    buoy_parser_error_at(P, v->r.last, "a '-' sign may only come before a number, inf or nan");
    return;
  }
  if (v->kind != BUOY_VAL_INT) return;
  if (v->overflow || (v->negative && v->v.u > (uint64_t)INT64_MAX + 1))
    buoy_parser_error_at(P, v->r.last, "integer out of range: an option value must fit in 64 bits");
}

buoy_option *buoy_option_make(buoy_parser *P, const buoy_optname *n, buoy_value *v) {
  buoy_option *o = NODE(buoy_option);
  o->name = n->head;
  o->name_r = n->r;
  o->value = v;
  o->r = range(n->r.first, v ? v->r.last : n->r.last);
  return o;
}

buoy_optname buoy_optname_start(buoy_parser *P, buoy_optname_part *part) {
  (void)P;
  buoy_optname n;
  n.head = n.tail = part;
  n.r = part->r;
  return n;
}

buoy_optname buoy_optname_append(buoy_parser *P, buoy_optname n, buoy_optname_part *part) {
  (void)P;
  n.tail->next = part;
  n.tail = part;
  n.r.last = part->r.last;
  return n;
}

buoy_optname_part *buoy_optpart_make(buoy_parser *P, bool ext, buoy_name n, uint32_t first, uint32_t last) {
  buoy_optname_part *p = NODE(buoy_optname_part);
  p->extension = ext;
  p->name = n;
  p->r = range(first, last);
  return p;
}

buoy_compact_options *buoy_compact_make(buoy_parser *P, uint32_t open, buoy_option *list, uint32_t close) {
  buoy_compact_options *c = NODE(buoy_compact_options);
  c->r = range(open, close);
  c->list = list;
  for (buoy_option *o = list; o; o = o->next)
    if (!is_pseudo_option(o)) check_option_value(P, o->value);
  return c;
}

/* ------------------------------------------------------------------ values */

static buoy_value *value(buoy_parser *P, buoy_value_kind kind, uint32_t first, uint32_t last) {
  buoy_value *v = NODE(buoy_value);
  v->kind = kind;
  v->r = range(first, last);
  return v;
}

buoy_value *buoy_value_number(buoy_parser *P, uint32_t minus, uint32_t t) {
  const buoy_token *k = tok(P, t);
  buoy_value *v = value(P, k->kind == TK_INT ? BUOY_VAL_INT : BUOY_VAL_FLOAT, minus ? minus : t, t);
  v->negative = minus != 0;
  if (k->kind == TK_INT) {
    v->overflow = !buoy_parse_int_literal(tok_text(P, t), k->len, &v->v.u);
  } else {
    v->v.f = buoy_parse_float_literal(tok_text(P, t), k->len);
  }
  return v;
}

buoy_value *buoy_value_ident(buoy_parser *P, uint32_t minus, uint32_t t) {
  buoy_value *v = value(P, BUOY_VAL_IDENT, minus ? minus : t, t);
  v->negative = minus != 0;
  v->v.ident = buoy_name_make(P, t, t);
  return v;
}

buoy_value *buoy_value_string(buoy_parser *P, uint32_t t) {
  buoy_value *v = value(P, BUOY_VAL_STRING, t, t);
  char *buf = NULL;
  uint32_t len = 0, cap = 0;
  buoy_decode_string(P->arena, tok_text(P, t), tok(P, t)->len, &buf, &len, &cap);
  v->v.str.bytes = buf;
  v->v.str.len = len;
  v->str_cap = cap;
  return v;
}

buoy_value *buoy_value_string_append(buoy_parser *P, buoy_value *v, uint32_t t) {
  char *buf = (char *)v->v.str.bytes;
  uint32_t len = v->v.str.len, cap = v->str_cap;
  buoy_decode_string(P->arena, tok_text(P, t), tok(P, t)->len, &buf, &len, &cap);
  v->v.str.bytes = buf;
  v->v.str.len = len;
  v->str_cap = cap;
  v->r.last = t;
  return v;
}

buoy_value *buoy_value_message(buoy_parser *P, uint32_t open, buoy_msg_field *fields, uint32_t close) {
  buoy_value *v = value(P, BUOY_VAL_MESSAGE, open, close);
  v->v.fields = fields;
  return v;
}

buoy_value *buoy_value_make_list(buoy_parser *P, uint32_t open, buoy_value *items, uint32_t close) {
  buoy_value *v = value(P, BUOY_VAL_LIST, open, close);
  v->v.items = items;
  return v;
}

buoy_msgfname buoy_msgfname_make(buoy_parser *P, buoy_msgname_kind kind, buoy_name n, uint32_t first, uint32_t last) {
  if (kind == BUOY_MSGNAME_ANY && editions(P)) { /* buf allows one '/' in a type URL */
    bool seen = false;
    for (uint32_t i = n.r.first; i <= n.r.last; i++)
      if (tok(P, i)->kind == TK_SLASH) {
        if (seen) {
          buoy_parser_error_at(P, i, "a type URL has exactly one '/', before the type name");
          break;
        }
        seen = true;
      }
  }
  buoy_msgfname f;
  f.kind = kind;
  f.name = n;
  f.r = range(first, last);
  return f;
}

buoy_msg_field *buoy_msg_field_make(buoy_parser *P, const buoy_msgfname *n, bool colon, buoy_value *v, uint32_t sep) {
  buoy_msg_field *f = NODE(buoy_msg_field);
  f->name_kind = n->kind;
  f->name = n->name;
  f->name_r = n->r;
  f->has_colon = colon;
  f->value = v;
  f->r = range(n->r.first, sep != UINT32_MAX ? sep : v->r.last);
  if (!colon && v->kind == BUOY_VAL_LIST) {
    for (buoy_value *item = v->v.items; item; item = item->next)
      if (item->kind != BUOY_VAL_MESSAGE) {
        buoy_parser_error_at(P, item->r.first, "a list of scalar values needs a \":\" after the field name");
        break;
      }
  }
  return f;
}

/* ------------------------------------------------------------------ messages */

/* After an error in an enum, protoc skips the next statement of the block
 * without parsing it: up to its ';', through its '{...}' block, or up to
 * the '}' closing the enclosing block. (For a nested block protoc also skips
 * the token after it, and parses on from there; errors that follow from that
 * are not reproduced.) */
static void skip_next_statement(buoy_parser *P, uint32_t from) {
  const buoy_file *f = P->file;
  uint32_t last = f->ntokens - 1, t = from;
  while (t < last) {
    int k = f->tokens[t].kind;
    if (k == TK_SEMI) break;
    if (k == TK_RBRACE) {
      t--;
      break;
    }
    if (k == TK_LBRACE) {
      uint32_t depth = 0;
      for (; t < last; t++) {
        if (f->tokens[t].kind == TK_LBRACE) depth++;
        if (f->tokens[t].kind == TK_RBRACE && --depth == 0) break;
      }
      break;
    }
    t++;
  }
  P->quiet_first = from;
  P->quiet_last = t;
}

/* protoc checks allow_alias while parsing, once the enum's '}' is read (so
 * it reports at the token after it): `allow_alias = false` is pointless, and
 * `true` needs two values with one number. (buf checks the latter with the
 * other semantic rules, and accepts the former.) */
static void check_allow_alias(buoy_parser *P, const buoy_decl *body, uint32_t first, uint32_t close) {
  if (editions(P)) return;                                       /* buf checks it later (validate.c) */
  if (first >= P->quiet_first && first <= P->quiet_last) return; /* protoc never parses this enum */
  const buoy_option *alias = NULL;
  for (const buoy_decl *d = body; d && !alias; d = d->next)
    if (d->kind == BUOY_DECL_OPTION && !d->u.option->name->next && !d->u.option->name->extension &&
        strcmp(d->u.option->name->name.text, "allow_alias") == 0)
      alias = d->u.option;
  if (!alias) return;
  const buoy_value *v = alias->value;
  bool on = v->kind == BUOY_VAL_IDENT && !v->negative && strcmp(v->v.ident.text, "true") == 0;
  if (!on) {
    buoy_parser_error_at(P, close + 1, "allow_alias = false has no effect: remove it");
    skip_next_statement(P, close + 1);
    return;
  }
  for (const buoy_decl *x = body; x; x = x->next) {
    if (x->kind != BUOY_DECL_ENUM_VALUE) continue;
    for (const buoy_decl *y = body; y != x; y = y->next)
      if (y->kind == BUOY_DECL_ENUM_VALUE && y->u.value.number.value == x->u.value.number.value &&
          y->u.value.number.negative == x->u.value.number.negative)
        return;
  }
  buoy_parser_error_at(P, close + 1, "allow_alias is set, but no two values of the enum share a number: remove it");
  skip_next_statement(P, close + 1);
}

buoy_decl *buoy_decl_block(buoy_parser *P, buoy_decl_kind kind, buoy_vis vis, uint32_t kw, const buoy_name *n,
                           uint32_t open, buoy_decl *body, uint32_t close) {
  uint32_t first = vis.tok != UINT32_MAX ? vis.tok : kw;
  buoy_decl *d = decl(P, kind, first, close);
  d->open_tok = open;
  d->u.block.visibility = vis.kind;
  d->u.block.visibility_tok = vis.tok;
  d->u.block.keyword_tok = kw;
  d->u.block.name = *n;
  d->u.block.body = body;
  if (kind == BUOY_DECL_ENUM) check_allow_alias(P, body, first, close);
  if (vis.kind != BUOY_VIS_DEFAULT && !(editions(P) && P->file->edition && strcmp(P->file->edition, "2024") >= 0))
    buoy_parser_error_at(P, vis.tok, "\"%s\" needs edition 2024 or later",
                         vis.kind == BUOY_VIS_EXPORT ? "export" : "local");
  return d;
}

buoy_typeref buoy_typeref_scalar(buoy_parser *P, uint32_t t) {
  static const struct {
    const char *name;
    buoy_scalar type;
  } scalars[] = {
      {"double", BUOY_TYPE_DOUBLE},     {"float", BUOY_TYPE_FLOAT},   {"int64", BUOY_TYPE_INT64},
      {"uint64", BUOY_TYPE_UINT64},     {"int32", BUOY_TYPE_INT32},   {"fixed64", BUOY_TYPE_FIXED64},
      {"fixed32", BUOY_TYPE_FIXED32},   {"bool", BUOY_TYPE_BOOL},     {"string", BUOY_TYPE_STRING},
      {"bytes", BUOY_TYPE_BYTES},       {"uint32", BUOY_TYPE_UINT32}, {"sfixed32", BUOY_TYPE_SFIXED32},
      {"sfixed64", BUOY_TYPE_SFIXED64}, {"sint32", BUOY_TYPE_SINT32}, {"sint64", BUOY_TYPE_SINT64},
  };
  buoy_typeref r;
  memset(&r, 0, sizeof r);
  r.name = buoy_name_make(P, t, t);
  for (size_t i = 0; i < sizeof scalars / sizeof scalars[0]; i++)
    if (tok_is(P, t, scalars[i].name)) r.scalar = scalars[i].type;
  return r;
}

buoy_typeref buoy_typeref_named(buoy_name n) {
  buoy_typeref r;
  memset(&r, 0, sizeof r);
  r.name = n;
  return r;
}

/* Label rules protoc applies while parsing. */
static void check_label(buoy_parser *P, buoy_labeltok label, uint32_t type_tok) {
  int ctx = P->ctx[P->depth];
  if (ctx == BUOY_CTX_ONEOF) {
    if (label.label != BUOY_LABEL_NONE)
      buoy_parser_error_at(P, label.tok, "fields in a oneof cannot have a label (required, optional or repeated)");
    return;
  }
  if (editions(P) && (label.label == BUOY_LABEL_OPTIONAL || label.label == BUOY_LABEL_REQUIRED))
    buoy_parser_error_at(P, label.tok,
                         "the \"%s\" label is not allowed in editions: use features.field_presence instead",
                         label.label == BUOY_LABEL_OPTIONAL ? "optional" : "required");
  if (label.label == BUOY_LABEL_NONE && P->file->syntax == BUOY_SYNTAX_PROTO2)
    buoy_parser_error_at(P, type_tok, "a proto2 field needs a label: \"required\", \"optional\" or \"repeated\"");
}

static buoy_decl *field_decl(buoy_parser *P, buoy_labeltok label, uint32_t first_type_tok) {
  uint32_t first = label.tok != UINT32_MAX ? label.tok : first_type_tok;
  buoy_decl *d = decl(P, BUOY_DECL_FIELD, first, first);
  d->u.field.label = label.label;
  d->u.field.label_tok = label.tok;
  d->u.field.body_open_tok = UINT32_MAX;
  return d;
}

buoy_decl *buoy_field_head(buoy_parser *P, buoy_labeltok label, const buoy_typeref *type) {
  buoy_decl *d = field_decl(P, label, type->name.r.first);
  check_label(P, label, type->name.r.first);
  d->u.field.type = *type;
  d->u.field.type_r = type->name.r;
  return d;
}

buoy_decl *buoy_map_head(buoy_parser *P, buoy_labeltok label, uint32_t map_tok, uint32_t lt, const buoy_typeref *k,
                         const buoy_typeref *v, uint32_t gt) {
  buoy_decl *d = field_decl(P, label, map_tok);
  int ctx = P->ctx[P->depth];
  if (ctx == BUOY_CTX_ONEOF)
    buoy_parser_error_at(P, lt, "map fields are not allowed in a oneof");
  else if (label.label != BUOY_LABEL_NONE) /* protoc notices at '<', buf at the type */
    buoy_parser_error_at(P, editions(P) ? map_tok : lt,
                         "map fields cannot have a label (required, optional or repeated)");
  else if (ctx == BUOY_CTX_EXTEND)
    buoy_parser_error_at(P, lt, "map fields cannot be extensions");
  d->u.field.is_map = true;
  d->u.field.key = *k;
  d->u.field.value = *v;
  d->u.field.type_r = range(map_tok, gt);
  return d;
}

buoy_decl *buoy_group_head(buoy_parser *P, buoy_labeltok label, uint32_t group_tok) {
  buoy_decl *d = field_decl(P, label, group_tok);
  if (editions(P))
    buoy_parser_error_at(P, group_tok,
                         "groups are not allowed in editions: use a message field with "
                         "features.message_encoding = DELIMITED");
  else if (P->file->syntax == BUOY_SYNTAX_PROTO3)
    buoy_parser_error_at(P, group_tok, "groups are not allowed in proto3: use a nested message");
  else
    check_label(P, label, group_tok);
  d->u.field.is_group = true;
  d->u.field.type_r = range(group_tok, group_tok);
  d->u.field.type.scalar = BUOY_TYPE_GROUP;
  d->u.field.type.name = buoy_name_make(P, group_tok, group_tok);
  return d;
}

buoy_intlit buoy_intlit_make(buoy_parser *P, uint32_t minus, uint32_t t, uint64_t max) {
  buoy_intlit k;
  memset(&k, 0, sizeof k);
  k.r = range(minus ? minus : t, t);
  k.negative = minus != 0;
  if (tok(P, t)->kind == TK_MAX) {
    k.is_max = true;
    return k;
  }
  k.overflow = !buoy_parse_int_literal(tok_text(P, t), tok(P, t)->len, &k.value);
  if (k.overflow || k.value > max) {
    if (!(tok(P, t)->flags & BUOY_TOKF_BAD))
      buoy_parser_error_at(P, t, "integer out of range: expected at most %s%llu", minus ? "-" : "",
                           (unsigned long long)max);
    k.overflow = true;
  }
  return k;
}

/* The checks protoc makes on `default` and `json_name` while parsing. */
static void check_pseudo_options(buoy_parser *P, buoy_decl *d) {
  if (!d->u.field.options) return;
  bool seen_default = false, seen_json = false;
  for (buoy_option *o = d->u.field.options->list; o; o = o->next) {
    if (o->name->extension || o->name->next) continue;
    const buoy_value *v = o->value;
    if (strcmp(o->name->name.text, "json_name") == 0) {
      if (seen_json) buoy_parser_error_at(P, o->name->r.first, "json_name is already set for this field");
      seen_json = true;
      if (v->kind != BUOY_VAL_STRING) buoy_parser_error_at(P, v->r.first, "json_name must be a string");
      continue;
    }
    if (strcmp(o->name->name.text, "default") != 0) continue;
    if (seen_default) buoy_parser_error_at(P, o->name->r.first, "the default value is already set for this field");
    seen_default = true;
    if (d->u.field.is_map) continue;
    buoy_scalar t = d->u.field.type.scalar;
    uint64_t max = 0;
    bool is_signed = false;
    switch (t) {
    case BUOY_TYPE_NONE: break; /* an enum or message: decided once names are resolved */
    case BUOY_TYPE_INT32:
    case BUOY_TYPE_SINT32:
    case BUOY_TYPE_SFIXED32: max = INT32_MAX, is_signed = true; goto integer;
    case BUOY_TYPE_INT64:
    case BUOY_TYPE_SINT64:
    case BUOY_TYPE_SFIXED64: max = INT64_MAX, is_signed = true; goto integer;
    case BUOY_TYPE_UINT32:
    case BUOY_TYPE_FIXED32: max = UINT32_MAX; goto integer;
    case BUOY_TYPE_UINT64:
    case BUOY_TYPE_FIXED64:
      max = UINT64_MAX;
    integer:
      if (v->negative && !is_signed) {
        buoy_parser_error_at(P, v->r.last, "an unsigned field cannot have a negative default value");
        break;
      }
      if (v->kind != BUOY_VAL_INT) {
        buoy_parser_error_at(P, v->r.last, "expected an integer default value for this field");
        break;
      }
      if (v->overflow || v->v.u > max + (v->negative ? 1 : 0))
        buoy_parser_error_at(P, v->r.last, "integer out of range for the field's type");
      break;
    case BUOY_TYPE_FLOAT:
    case BUOY_TYPE_DOUBLE:
      if (v->kind == BUOY_VAL_INT || v->kind == BUOY_VAL_FLOAT) break;
      if (v->kind == BUOY_VAL_IDENT && (strcmp(v->v.ident.text, "inf") == 0 || strcmp(v->v.ident.text, "nan") == 0))
        break;
      buoy_parser_error_at(P, v->r.last, "expected a number default value for this field");
      break;
    case BUOY_TYPE_BOOL:
      if (v->kind == BUOY_VAL_IDENT && !v->negative &&
          (strcmp(v->v.ident.text, "true") == 0 || strcmp(v->v.ident.text, "false") == 0))
        break;
      buoy_parser_error_at(P, v->r.first, "expected true or false as the default value");
      break;
    case BUOY_TYPE_STRING:
    case BUOY_TYPE_BYTES:
      if (v->kind != BUOY_VAL_STRING || v->negative)
        buoy_parser_error_at(P, v->r.first, "expected a string default value");
      break;
    default: /* groups */
      buoy_parser_error_at(P, v->r.first, "message and group fields cannot have default values");
      break;
    }
  }
}

buoy_decl *buoy_field_finish(buoy_parser *P, buoy_decl *d, const buoy_name *n, const buoy_intlit *num,
                             buoy_compact_options *opts, uint32_t semi) {
  d->r.last = semi;
  d->open_tok = semi;
  d->u.field.name = *n;
  d->u.field.number = *num;
  d->u.field.options = opts;
  check_pseudo_options(P, d);
  return d;
}

buoy_decl *buoy_group_finish(buoy_parser *P, buoy_decl *d, const buoy_name *n, const buoy_intlit *num,
                             buoy_compact_options *opts, uint32_t open, buoy_decl *body, uint32_t close) {
  d->r.last = close;
  d->open_tok = open;
  d->u.field.name = *n;
  d->u.field.number = *num;
  d->u.field.options = opts;
  d->u.field.body = body;
  d->u.field.body_open_tok = open;
  /* protoc names the group's message type as written, and wants a capital. */
  if (n->len > 0 && !(n->text[0] >= 'A' && n->text[0] <= 'Z') && !editions(P) && P->file->syntax != BUOY_SYNTAX_PROTO3)
    buoy_parser_error_at(P, n->r.first, "group names must start with a capital letter");
  check_pseudo_options(P, d);
  return d;
}

/* The brace about to be shifted opens a block of this kind. */
static void open_context(buoy_parser *P, int ctx) {
  if (tok(P, P->lookahead)->kind == TK_LBRACE) P->ctx[P->depth] = (uint8_t)ctx;
}

buoy_decl *buoy_oneof_start(buoy_parser *P, uint32_t kw, const buoy_name *n) {
  buoy_decl *d = decl(P, BUOY_DECL_ONEOF, kw, kw);
  d->u.block.name = *n;
  d->u.block.keyword_tok = kw;
  d->u.block.visibility_tok = UINT32_MAX;
  open_context(P, BUOY_CTX_ONEOF);
  return d;
}

buoy_decl *buoy_oneof_finish(buoy_parser *P, buoy_decl *d, uint32_t open, buoy_decl *body, uint32_t close) {
  if (d->kind == BUOY_DECL_ONEOF) {
    /* protoc wants a field where an empty oneof closes; buf wants a field
     * in it, and points at the oneof. */
    bool any_field = false;
    for (buoy_decl *b = body; b; b = b->next)
      if (b->kind == BUOY_DECL_FIELD) any_field = true;
    if (editions(P) ? !any_field : body == NULL)
      buoy_parser_error_at(P, editions(P) ? d->r.first : close, "a oneof must contain at least one field");
  }
  d->open_tok = open;
  d->r.last = close;
  d->u.block.body = body;
  return d;
}

buoy_decl *buoy_extend_start(buoy_parser *P, uint32_t kw, const buoy_name *n) {
  buoy_decl *d = decl(P, BUOY_DECL_EXTEND, kw, kw);
  d->u.block.name = *n;
  d->u.block.keyword_tok = kw;
  d->u.block.visibility_tok = UINT32_MAX;
  open_context(P, BUOY_CTX_EXTEND);
  return d;
}

buoy_decl *buoy_extend_start_scalar(buoy_parser *P, uint32_t kw, uint32_t scalar) {
  buoy_parser_error_at(P, scalar, "expected a message type to extend, found a scalar type");
  buoy_name n = buoy_name_make(P, scalar, scalar);
  return buoy_extend_start(P, kw, &n);
}

buoy_decl *buoy_extend_finish(buoy_parser *P, buoy_decl *d, uint32_t open, buoy_decl *body, uint32_t close) {
  bool any = false;
  for (buoy_decl *b = body; b; b = b->next)
    if (b->kind == BUOY_DECL_FIELD) any = true;
  /* protoc expects a field where the block closes; buf points at the block. */
  if (!any)
    buoy_parser_error_at(P, editions(P) ? d->r.first : close, "an extend block must declare at least one field");
  return buoy_oneof_finish(P, d, open, body, close);
}

/* ------------------------------------------------------------------ ranges */

buoy_decl *buoy_decl_ranges(buoy_parser *P, buoy_decl_kind kind, uint32_t kw, buoy_range *ranges, buoy_rname *names,
                            buoy_compact_options *opts, uint32_t semi) {
  buoy_decl *d = decl(P, kind, kw, semi);
  d->u.ranges.ranges = ranges;
  d->u.ranges.names = names;
  d->u.ranges.options = opts;
  for (buoy_rname *r = names; r; r = r->next) {
    if (r->identifier && !editions(P)) {
      if (!(tok(P, r->r.first)->flags & BUOY_TOKF_REPORTED))
        buoy_parser_error_at(P, r->r.first, "reserved names must be quoted strings in proto2 and proto3");
      break;
    }
    if (!r->identifier && editions(P)) {
      buoy_parser_error_at(P, r->r.first, "reserved names must be identifiers, not strings, in editions");
      break;
    }
  }
  return d;
}

buoy_range *buoy_range_make(buoy_parser *P, uint32_t minus, uint32_t start, uint32_t end_minus, uint32_t end,
                            bool is_max) {
  /* Enum ranges are signed 32-bit; message ranges are field numbers. */
  uint64_t max_pos = INT32_MAX, max_neg = (uint64_t)INT32_MAX + 1;
  buoy_range *r = NODE(buoy_range);
  r->start = buoy_intlit_make(P, minus, start, minus ? max_neg : max_pos);
  if (end) {
    r->has_end = true;
    r->end =
        is_max ? buoy_intlit_make(P, 0, end, 0) : buoy_intlit_make(P, end_minus, end, end_minus ? max_neg : max_pos);
    r->r = range(r->start.r.first, r->end.r.last);
  } else {
    r->end = r->start;
    r->r = r->start.r;
  }
  return r;
}

buoy_rname *buoy_rname_string(buoy_parser *P, buoy_value *v) {
  buoy_rname *r = NODE(buoy_rname);
  r->r = v->r;
  r->text = v->v.str.bytes;
  r->len = v->v.str.len;
  return r;
}

buoy_rname *buoy_rname_ident(buoy_parser *P, uint32_t t) {
  buoy_rname *r = NODE(buoy_rname);
  buoy_name n = buoy_name_make(P, t, t);
  r->r = n.r;
  r->text = n.text;
  r->len = n.len;
  r->identifier = true;
  return r;
}

buoy_decl *buoy_decl_enum_value(buoy_parser *P, const buoy_name *n, const buoy_intlit *num, buoy_compact_options *opts,
                                uint32_t semi) {
  buoy_decl *d = decl(P, BUOY_DECL_ENUM_VALUE, n->r.first, semi);
  d->u.value.name = *n;
  d->u.value.number = *num;
  d->u.value.options = opts;
  return d;
}

/* ------------------------------------------------------------------ services */

buoy_rpc_type buoy_rpc_type_scalar(buoy_parser *P, uint32_t stream_tok, uint32_t t) {
  buoy_parser_error_at(P, t, "expected a message type, found a scalar type");
  buoy_rpc_type r;
  r.stream = stream_tok != UINT32_MAX;
  r.stream_tok = stream_tok;
  r.type = buoy_name_make(P, t, t);
  return r;
}

buoy_decl *buoy_rpc_head(buoy_parser *P, uint32_t kw, const buoy_name *n, const buoy_rpc_type *in,
                         const buoy_rpc_type *out) {
  buoy_decl *d = decl(P, BUOY_DECL_RPC, kw, kw);
  d->u.rpc.name = *n;
  d->u.rpc.input = *in;
  d->u.rpc.output = *out;
  return d;
}

buoy_decl *buoy_rpc_finish(buoy_parser *P, buoy_decl *d, uint32_t open, buoy_decl *body, uint32_t close) {
  (void)P;
  d->r.last = close;
  d->open_tok = open != UINT32_MAX ? open : close;
  d->u.rpc.has_body = open != UINT32_MAX;
  d->u.rpc.body = body;
  return d;
}

/* ------------------------------------------------------------------ driver */

static int by_order(const void *a, const void *b) {
  const buoy_diag *x = a, *y = b;
  if (x->order != y->order) return x->order < y->order ? -1 : 1;
  return x->seq < y->seq ? -1 : (x->seq > y->seq);
}

static int by_offset(const void *a, const void *b) {
  const buoy_diag *x = a, *y = b;
  if (x->offset != y->offset) return x->offset < y->offset ? -1 : 1;
  return x->seq < y->seq ? -1 : (x->seq > y->seq);
}

/* Tokens that open and close a nesting level. */
static bool opens(int kind) { return kind == TK_LBRACE || kind == TK_LT || kind == TK_LBRACK || kind == TK_LPAREN; }
static bool closes(int kind) { return kind == TK_RBRACE || kind == TK_GT || kind == TK_RBRACK || kind == TK_RPAREN; }

static int closer_of(int kind) {
  return kind == TK_LBRACE ? TK_RBRACE : kind == TK_LBRACK ? TK_RBRACK : kind == TK_LPAREN ? TK_RPAREN : 0;
}

/* buf matches brackets before it parses, and reports an unmatched opening
 * bracket where it opens. A closing bracket closes the nearest open bracket
 * of its kind; brackets it passes over stay open but are reported. Angle
 * brackets are not matched. Used for editions files, where buf is the
 * reference. */
static void check_brackets(buoy_parser *P) {
  const buoy_file *f = P->file;
  uint32_t *stack = malloc(sizeof(uint32_t) * f->ntokens);
  bool *reported = calloc(f->ntokens, 1);
  if (!stack || !reported) {
    fputs("buoy: out of memory\n", stderr);
    abort();
  }
  uint32_t n = 0;
  for (uint32_t i = 0; i + 1 < f->ntokens; i++) {
    int k = f->tokens[i].kind;
    if (closer_of(k)) {
      stack[n++] = i;
      continue;
    }
    if (k != TK_RBRACE && k != TK_RBRACK && k != TK_RPAREN) continue;
    uint32_t j = n;
    while (j > 0 && closer_of(f->tokens[stack[j - 1]].kind) != k)
      j--;
    if (j == 0) {
      buoy_parser_error_at(P, i, "unmatched \"%.1s\": nothing is open for it to close",
                           f->src->text + f->tokens[i].start);
      continue;
    }
    for (uint32_t above = j; above < n; above++)
      if (!reported[stack[above]]) {
        reported[stack[above]] = true;
        buoy_parser_error_at(P, stack[above], "unmatched \"%.1s\": it is never closed",
                             f->src->text + f->tokens[stack[above]].start);
      }
    memmove(&stack[j - 1], &stack[j], sizeof(uint32_t) * (n - j));
    n--;
  }
  for (uint32_t j = 0; j < n; j++)
    if (!reported[stack[j]])
      buoy_parser_error_at(P, stack[j], "unmatched \"%.1s\": it is never closed",
                           f->src->text + f->tokens[stack[j]].start);
  free(stack);
  free(reported);
}

/* protoc reads an aggregate option value by counting braces, and reports a
 * value whose braces never balance at the end of the file, before anything
 * inside it. True if the brace at `open` is balanced. */
static bool aggregate_balanced(const buoy_parser *P, uint32_t open) {
  long depth = 0;
  for (uint32_t i = open; i + 1 < P->file->ntokens; i++) {
    int k = P->file->tokens[i].kind;
    if (k == TK_LBRACE)
      depth++;
    else if (k == TK_RBRACE && --depth == 0)
      return true;
  }
  return false;
}

static bool at_statement_start(const buoy_file *f, uint32_t i) {
  if (i == 0) return true;
  int k = f->tokens[i - 1].kind;
  return k == TK_SEMI || k == TK_LBRACE || k == TK_RBRACE;
}

/* Decides, for the token about to be fed, what the grammar should see.
 * Returns false to drop the token (it has been reported). */
static bool prepare_token(buoy_parser *P, uint32_t i) {
  buoy_file *f = P->file;
  buoy_token *t = &f->tokens[i];
  int next = f->tokens[i + 1].kind;
  if (t->kind == TK_EXPORT || t->kind == TK_LOCAL) {
    /* Visibility keywords exist only before `message` and `enum`. In
     * editions, buf also takes them as (misplaced) modifiers on other
     * declarations: `export int32 x = 1;`. */
    if (next == TK_MESSAGE || next == TK_ENUM) return true;
    t->kind = TK_IDENT;
    if (editions(P) && at_statement_start(f, i) && is_word(next) && is_word(f->tokens[i + 2].kind)) {
      buoy_parser_error_at(P, i, "\"%s\" can only be applied to messages and enums", t->len == 6 ? "export" : "local");
      return false;
    }
    return true;
  }
  if (t->kind == TK_RESERVED && !editions(P) && at_statement_start(f, i) && is_word(next)) {
    /* protoc expects a string or a number here and says so at the name. */
    buoy_parser_error_at(P, i + 1, "reserved names must be quoted strings in proto2 and proto3");
    f->tokens[i + 1].flags |= BUOY_TOKF_REPORTED;
  }
  return true;
}

/* Records what the brace (or bracket) at i opens, for the actions and for
 * buf-style error positions. */
static void open_level(buoy_parser *P, uint32_t i) {
  const buoy_file *f = P->file;
  int k = f->tokens[i].kind;
  int prev = i > 0 ? f->tokens[i - 1].kind : 0;
  uint8_t kind = (uint8_t)k;
  uint8_t ctx = BUOY_CTX_BLOCK;
  if (k == TK_LBRACE) {
    bool outer_literal = P->open_kind[P->depth] == BUOY_OPEN_MSGLIT || P->open_kind[P->depth] == TK_LBRACK ||
                         P->open_kind[P->depth] == TK_LT;
    if (prev == TK_EQ || prev == TK_COLON || (outer_literal && P->depth > 0)) kind = BUOY_OPEN_MSGLIT;
    if (i >= 2 && f->tokens[i - 2].kind == TK_ENUM) ctx = BUOY_CTX_ENUM;
  }
  P->depth++;
  P->open_kind[P->depth] = kind;
  P->ctx[P->depth] = ctx;
}

bool buoy_parse(buoy_file *file, const buoy_source *src, buoy_diags *diags) {
  memset(file, 0, sizeof *file);
  file->src = src;
  file->syntax = BUOY_SYNTAX_PROTO2;
  buoy_arena_init_sized(&file->arena, (size_t)src->len * 2);

  buoy_lexed lx;
  buoy_lex(src, &lx);
  file->tokens = lx.tokens;
  file->ntokens = lx.ntokens;
  file->comments = lx.comments;
  file->ncomments = lx.ncomments;

  buoy_diags local;
  buoy_diags_init(&local);
  buoy_parser P;
  memset(&P, 0, sizeof P);
  P.quiet_first = 1; /* nothing is skipped */
  P.file = file;
  P.arena = &file->arena;
  P.diags = &local;

  void *lp = buoy_lemon_parseAlloc(malloc);
  if (!lp) {
    fputs("buoy: out of memory\n", stderr);
    abort();
  }
  uint32_t last = file->ntokens - 1; /* the end-of-input token */
  bool checked_brackets = false;
  for (uint32_t i = 0; i < last && !P.stop && !P.failed; i++) {
    if (!prepare_token(&P, i)) continue;
    buoy_token *t = &file->tokens[i];
    if (opens(t->kind)) {
      if (P.depth >= BUOY_MAX_NESTING) {
        buoy_parser_error_at(&P, i, "nesting is too deep: at most %d levels of braces, brackets and parentheses",
                             BUOY_MAX_NESTING);
        P.stop = true;
        break;
      }
      if (t->kind == TK_LBRACE && i > 0 && tok(&P, i - 1)->kind == TK_EQ && !editions(&P) &&
          !aggregate_balanced(&P, i)) {
        buoy_parser_error_at(&P, last, "the file ends inside the option value that starts at line %u",
                             buoy_source_pos(src, t->start).line);
        P.stop = true;
        break;
      }
      open_level(&P, i);
    }
    /* buf ends a text-format message opened with '<' at the brace that
     * closes the enclosing one. */
    while (editions(&P) && t->kind == TK_RBRACE && P.depth > 1 && P.open_kind[P.depth] == TK_LT && !P.stop &&
           !P.failed) {
      P.lookahead = i;
      buoy_lemon_parse(lp, TK_GT, i, &P);
      P.depth--;
    }
    P.lookahead = i;
    buoy_lemon_parse(lp, t->kind, i, &P);
    if (closes(t->kind) && P.depth > 0) P.depth--;
    /* The syntax is known once the token after the first ';' is read. */
    if (!checked_brackets && i > 0 && tok(&P, i - 1)->kind == TK_SEMI) {
      checked_brackets = true;
      if (editions(&P)) check_brackets(&P);
    }
  }
  if (!P.stop && !P.failed) {
    P.lookahead = last;
    buoy_lemon_parse(lp, 0, last, &P);
  }
  buoy_lemon_parseFree(lp, free);

  /* Lexical errors, at the byte the reference tool for this syntax uses. */
  for (uint32_t i = 0; i < lx.nerrors; i++) {
    const buoy_lex_error *e = &lx.errors[i];
    if (e->dialect == BUOY_LEX_EDITIONS_ONLY && !editions(&P)) continue;
    buoy_diag_add(&local, BUOY_ERROR, src, editions(&P) ? e->buf_offset : e->protoc_offset, "%s", e->message);
    local.items[local.count - 1].order = e->token * 2;
  }
  free(lx.errors);

  /* protoc reports in the order it reads; buf sorts by position. */
  if (local.count > 1) qsort(local.items, local.count, sizeof local.items[0], editions(&P) ? by_offset : by_order);
  bool ok = local.errors == 0;
  buoy_diags_move(diags, &local);
  return ok;
}

void buoy_file_free(buoy_file *file) {
  free(file->tokens);
  free(file->comments);
  buoy_arena_free(&file->arena);
  memset(file, 0, sizeof *file);
}
