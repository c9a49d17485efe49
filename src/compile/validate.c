/* Semantic validation: the checks protoc's DescriptorBuilder makes on a
 * built file, except those that need interpreted options. The few plain
 * standard options some checks depend on (allow_alias, packed, lazy,
 * jstype, message_set_wire_format, optimize_for, features.enum_type,
 * features.json_format) are read from the syntax tree, as build.c reads
 * message_set_wire_format.
 *
 * protoc checks in three phases, and so does this file:
 *   built   - while building (BuildMessage, BuildEnum, BuildFieldOrExtension),
 *             in its build order: names defined twice, field numbers,
 *             extension and reserved ranges, reserved names, required
 *             extensions, defaults of repeated fields, empty enums, enum value
 *             names equal once the enum's prefix is gone;
 *   linked  - while cross-linking (CrossLinkField), sorted together with
 *             resolve.c's errors: extension numbers in the extendee's ranges,
 *             numbers used twice, defaults of message and enum fields;
 *   options - only when the file has no error so far (ValidateFileOptions):
 *             packed, lazy, jstype, message sets, map keys, enum aliases,
 *             json_name on extensions, the upper bound of extension ranges,
 *             lite files, and every proto3 rule.
 * For proto2 and proto3 protoc is the reference: its order, and its
 * positions. Some of its errors have no position (its parser does not
 * record where reserved ranges or map entries are); they are printed as
 * `path: message`, as protoc prints them. For editions buf is the
 * reference: every error has a position (buf's), no phase hides another,
 * and all the file's errors are sorted by position. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "compile/internal.h"

#define NO_TOK                UINT32_MAX
#define MAX_FIELD_NUMBER      536870911
#define FIRST_RESERVED_NUMBER 19000
#define LAST_RESERVED_NUMBER  19999

typedef struct validator {
  bu_compiler *c;
  bu_file *f;
  bool editions; /* buf is the reference */
  bool proto3;
  bool names;                  /* built phase: some name is defined twice, find where (else skip) */
  const bu_message *set_asked; /* is_message_set's last question and answer */
  bool set_answer;
  const bu_message *seq_asked; /* sequential_numbers' last question and answer */
  uint32_t seq_answer;
  buoy_diags local;    /* this phase's diagnostics */
  uint32_t order;      /* the sort key of what is reported now (linked phase) */
  buoy_strmap numbers; /* linked phase: "container number" -> the first bu_field using it */
  buoy_strmap defined; /* built phase: full name -> defined_at*, this file's names in protoc's order */
} validator;

/* ------------------------------------------------------------------ reporting */

static void report(validator *v, buoy_severity sev, uint32_t tok, const char *fmt, va_list ap) {
  const buoy_file *a = &v->f->ast;
  uint32_t offset = tok == NO_TOK ? BUOY_NO_OFFSET : tok < a->ntokens ? a->tokens[tok].start : 0;
  buoy_diag_addv(&v->local, sev, &v->f->src, offset, fmt, ap);
  v->local.items[v->local.count - 1].order = v->order;
}

static void error_at(validator *v, uint32_t tok, const char *fmt, ...) BUOY_PRINTF(3, 4);
static void error_at(validator *v, uint32_t tok, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  report(v, BUOY_ERROR, tok, fmt, ap);
  va_end(ap);
}

/* An error protoc reports at no position; buf reports it at buf_tok. */
static void error_unplaced(validator *v, uint32_t buf_tok, const char *fmt, ...) BUOY_PRINTF(3, 4);
static void error_unplaced(validator *v, uint32_t buf_tok, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  report(v, BUOY_ERROR, v->editions ? buf_tok : NO_TOK, fmt, ap);
  va_end(ap);
}

static void warning_at(validator *v, uint32_t tok, const char *fmt, ...) BUOY_PRINTF(3, 4);
static void warning_at(validator *v, uint32_t tok, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  report(v, BUOY_WARNING, tok, fmt, ap);
  va_end(ap);
}

static void begin(validator *v, bu_compiler *c, bu_file *f) {
  memset(v, 0, sizeof *v);
  v->c = c;
  v->f = f;
  v->editions = f->ast.syntax == BUOY_SYNTAX_EDITIONS;
  v->proto3 = f->ast.syntax == BUOY_SYNTAX_PROTO3;
  buoy_diags_init(&v->local);
  buoy_strmap_init(&v->numbers);
  buoy_strmap_init(&v->defined);
}

static int by_offset(const void *a, const void *b) {
  const buoy_diag *x = a, *y = b;
  if (x->offset != y->offset) return x->offset < y->offset ? -1 : 1;
  return x->seq < y->seq ? -1 : (x->seq > y->seq);
}

/* Hands the phase's diagnostics over: in protoc's order, or for editions
 * sorted by position as buf sorts them. */
static void end(validator *v) {
  if (v->editions && v->local.count > 1) qsort(v->local.items, v->local.count, sizeof v->local.items[0], by_offset);
  buoy_diags_move(v->c->diags, &v->local);
  buoy_strmap_free(&v->numbers);
  buoy_strmap_free(&v->defined);
}

/* ------------------------------------------------------------------ syntax tree */

/* The first `option NAME = ...;` statement among a body's declarations whose
 * name is the plain option NAME (or NAME.SUB when sub is given). */
static const buoy_option *body_option(const buoy_decl *body, const char *name, const char *sub) {
  for (const buoy_decl *d = body; d; d = d->next) {
    if (d->kind != BUOY_DECL_OPTION) continue;
    const buoy_optname_part *p = d->u.option->name;
    if (p->extension || strcmp(p->name.text, name) != 0) continue;
    if (!sub && !p->next) return d->u.option;
    if (sub && p->next && !p->next->extension && !p->next->next && strcmp(p->next->name.text, sub) == 0)
      return d->u.option;
  }
  return NULL;
}

/* The first `[NAME = ...]` among a field's options. */
static const buoy_option *field_option(const bu_field *fl, const char *name) {
  if (!fl->decl || fl->decl->kind != BUOY_DECL_FIELD || !fl->decl->u.field.options) return NULL;
  for (const buoy_option *o = fl->decl->u.field.options->list; o; o = o->next)
    if (!o->name->extension && !o->name->next && strcmp(o->name->name.text, name) == 0) return o;
  return NULL;
}

static bool is_ident(const buoy_option *o, const char *text) {
  return o && o->value->kind == BUOY_VAL_IDENT && !o->value->negative && strcmp(o->value->v.ident.text, text) == 0;
}

/* The declarations inside a message, group or enum (NULL for map entries). */
static const buoy_decl *message_body(const bu_message *m) {
  if (m->map_entry || !m->decl) return NULL;
  return m->decl->kind == BUOY_DECL_FIELD ? m->decl->u.field.body : m->decl->u.block.body;
}

/* Asked for each field: the validator remembers the last message. */
static bool is_message_set(validator *v, const bu_message *m) {
  (void)v;
  return m->message_set; /* kept in the model: the extendee's tree may be released */
}

/* Where protoc's parser records a message's name: map entries have none. */
static uint32_t message_name_tok(const bu_message *m) {
  if (m->map_entry || !m->decl) return NO_TOK;
  return m->decl->kind == BUOY_DECL_FIELD ? m->decl->u.field.name.r.first : m->decl->u.block.name.r.first;
}

/* A field's name, number and type as protoc records them; the entries of
 * map entry messages have no place. */
static uint32_t name_tok(const bu_field *fl) { return fl->decl ? fl->decl->u.field.name.r.first : NO_TOK; }
static uint32_t number_tok(const bu_field *fl) { return fl->decl ? fl->decl->u.field.number.r.first : NO_TOK; }
static uint32_t type_tok(const bu_field *fl) { return fl->decl ? fl->decl->u.field.type_r.first : NO_TOK; }
static uint32_t decl_tok(const bu_field *fl) { return fl->decl ? fl->decl->r.first : NO_TOK; }

static const buoy_option *default_option(const bu_field *fl) { return field_option(fl, "default"); }
static uint32_t default_tok(const bu_field *fl) {
  const buoy_option *o = default_option(fl);
  return o ? o->value->r.first : NO_TOK;
}

static uint32_t range_tok(const bu_range *r) { return r->ast ? r->ast->start.r.first : NO_TOK; }

/* protoc records an extension's extendee, the name after `extend`, for the
 * first field of the block only; buf for every field. */
static uint32_t extendee_tok(const validator *v, const bu_field *fl) {
  const buoy_decl *d = fl->extend_decl;
  if (!d) return decl_tok(fl);
  const buoy_decl *first = d->u.block.body;
  while (first && first->kind != BUOY_DECL_FIELD)
    first = first->next;
  return first == fl->decl || v->editions ? d->u.block.name.r.first : NO_TOK;
}

static const char *type_name_of(const bu_field *fl) {
  static const char *const names[] = {"",        "double",   "float",    "int64",  "uint64",  "int32", "fixed64",
                                      "fixed32", "bool",     "string",   "group",  "message", "bytes", "uint32",
                                      "enum",    "sfixed32", "sfixed64", "sint32", "sint64"};
  return fl->type >= 0 && fl->type <= 18 ? names[fl->type] : "";
}

/* The message a field's number belongs to: its extendee or its message. */
static bu_message *number_owner(const bu_field *fl) { return fl->extendee ? fl->extendee_type : fl->containing; }

/* ------------------------------------------------------------------ names */

/* protoc's default JSON name: underscores dropped, the letter after each
 * capitalized. */
static char *json_default(validator *v, const char *name) {
  size_t n = strlen(name), k = 0;
  char *out = buoy_arena_alloc_raw(&v->c->arena, n + 1);
  bool upper = false;
  for (size_t i = 0; i < n; i++) {
    char ch = name[i];
    if (ch == '_') {
      upper = true;
      continue;
    }
    out[k++] = upper && ch >= 'a' && ch <= 'z' ? (char)(ch - 'a' + 'A') : ch;
    upper = false;
  }
  out[k] = 0;
  return out;
}

static char lower(char ch) { return ch >= 'A' && ch <= 'Z' ? (char)(ch - 'A' + 'a') : ch; }
static char upper(char ch) { return ch >= 'a' && ch <= 'z' ? (char)(ch - 'a' + 'A') : ch; }

/* The name lowercased with underscores dropped: proto3 fields whose names
 * agree on this collide in protoc 3.21's JSON check. */
static char *folded(validator *v, const char *name) {
  size_t n = strlen(name), k = 0;
  char *out = buoy_arena_alloc_raw(&v->c->arena, n + 1);
  for (size_t i = 0; i < n; i++)
    if (name[i] != '_') out[k++] = lower(name[i]);
  out[k] = 0;
  return out;
}

/* The part of an enum value's name after the enum's name, when it starts
 * with it (compared without case and underscores; FOO_ENUM_BAR in FooEnum
 * gives BAR); the whole name otherwise, or when nothing would be left. */
static const char *without_prefix(validator *v, const char *enum_name, const char *value) {
  size_t np = strlen(enum_name), k = 0;
  char *prefix = buoy_arena_alloc_raw(&v->c->arena, np + 1);
  for (size_t i = 0; i < np; i++)
    if (enum_name[i] != '_') prefix[k++] = lower(enum_name[i]);
  prefix[k] = 0;
  size_t i = 0, j = 0, n = strlen(value);
  for (; i < n && j < k; i++) {
    if (value[i] == '_') continue;
    if (lower(value[i]) != prefix[j++]) return value;
  }
  if (j < k) return value;
  while (i < n && value[i] == '_')
    i++;
  return i == n ? value : value + i;
}

/* FOO_BAR as FooBar. */
static char *pascal_case(validator *v, const char *name) {
  size_t n = strlen(name), k = 0;
  char *out = buoy_arena_alloc_raw(&v->c->arena, n + 1);
  bool next_upper = true;
  for (size_t i = 0; i < n; i++) {
    if (name[i] == '_') {
      next_upper = true;
      continue;
    }
    out[k++] = next_upper ? upper(name[i]) : lower(name[i]);
    next_upper = false;
  }
  out[k] = 0;
  return out;
}

/* For each of n keys, the index of the first equal key before it, or -1
 * (by sorting: messages and enums can be long). */
typedef struct keyed {
  const char *key;
  uint32_t index;
} keyed;

static int by_key(const void *a, const void *b) {
  const keyed *x = a, *y = b;
  int c = strcmp(x->key, y->key);
  if (c) return c;
  return x->index < y->index ? -1 : (x->index > y->index);
}

static int32_t *first_equal(validator *v, char **keys, uint32_t n) {
  int32_t *first = buoy_arena_alloc_raw(&v->c->arena, sizeof(int32_t) * (n ? n : 1));
  keyed *sorted = buoy_arena_alloc_raw(&v->c->arena, sizeof(keyed) * (n ? n : 1));
  for (uint32_t i = 0; i < n; i++)
    sorted[i] = (keyed){keys[i], i};
  if (n > 1) qsort(sorted, n, sizeof sorted[0], by_key);
  uint32_t group = 0; /* where the current run of equal keys starts: its lowest index */
  for (uint32_t i = 0; i < n; i++) {
    if (i > 0 && strcmp(sorted[i].key, sorted[group].key) == 0) {
      first[sorted[i].index] = (int32_t)sorted[group].index;
    } else {
      group = i;
      first[sorted[i].index] = -1;
    }
  }
  return first;
}

/* ------------------------------------------------------------------ built: names */

/* Where a name was defined, and what buf would make of it. */
typedef struct defined_at {
  int rank;     /* RANK_*: buf's order of kinds */
  uint32_t tok; /* where buf reports the element */
} defined_at;

enum { RANK_MESSAGE, RANK_ENUM, RANK_SERVICE, RANK_FIELD, RANK_VALUE, RANK_ONEOF, RANK_EXTENSION, RANK_METHOD };

static uint32_t tok_offset(const validator *v, uint32_t tok) {
  return tok < v->f->ast.ntokens ? v->f->ast.tokens[tok].start : UINT32_MAX;
}

/* buf reports a name defined twice in one file at the definition it meets
 * first: messages, enums, services, fields, enum values, oneofs, extensions,
 * methods, and in the order of the file within a kind. */
static uint32_t buf_clash_tok(const validator *v, const defined_at *a, const defined_at *b) {
  if (a->rank != b->rank) return a->rank < b->rank ? a->tok : b->tok;
  return tok_offset(v, a->tok) <= tok_offset(v, b->tok) ? a->tok : b->tok;
}

static const char *scope_of(validator *v, const char *full_name) {
  const char *dot = strrchr(full_name, '.');
  return dot ? buoy_arena_strndup(&v->c->arena, full_name, (size_t)(dot - full_name)) : "";
}

/* protoc keeps the first definition in its order: make the symbol table
 * (filled by build.c in the order of the file) agree, so names resolve to
 * what protoc resolves them to. */
static void keep_symbol(validator *v, const char *full_name, size_t len, bu_symbol_kind kind, void *ptr) {
  bu_symbol *s = buoy_strmap_get(&v->c->symbols, full_name, len);
  if (s && s->ptr == ptr) return;
  s = BUOY_NEW(&v->c->arena, bu_symbol);
  s->kind = kind;
  s->ptr = ptr;
  s->file = v->f;
  buoy_strmap_put(&v->c->symbols, full_name, len, s);
}

/* protoc's AddSymbol: the name must be new to every file loaded so far,
 * and within this file to what protoc has defined before it (build.c
 * registers names in the order of the file, protoc in its build order, so
 * the clash is decided and reported here). tok is where protoc reports it,
 * buf_tok where buf does. Returns false on a clash. */
static bool add_symbol(validator *v, const char *full_name, bu_symbol_kind kind, void *ptr, int rank, uint32_t tok,
                       uint32_t buf_tok) {
  if (!v->names) return true;
  size_t len = strlen(full_name);
  const bu_symbol *global = buoy_strmap_get(&v->c->symbols, full_name, len);
  if (global && global->file != v->f) {
    error_at(v, v->editions ? buf_tok : tok, "\"%s\" is already defined in %s", full_name, global->file->name);
    return false;
  }
  const defined_at *prev = buoy_strmap_get(&v->defined, full_name, len);
  if (prev) {
    defined_at here = {rank, buf_tok};
    const char *scope = scope_of(v, full_name);
    const char *name = scope[0] ? full_name + strlen(scope) + 1 : full_name;
    error_at(v, v->editions ? buf_clash_tok(v, prev, &here) : tok, "\"%s\" is already defined%s%s%s", name,
             scope[0] ? " in \"" : "", scope, scope[0] ? "\"" : "");
    return false;
  }
  defined_at *d = BUOY_NEW(&v->c->arena, defined_at);
  d->rank = rank;
  d->tok = buf_tok;
  buoy_strmap_put(&v->defined, full_name, len, d);
  keep_symbol(v, full_name, len, kind, ptr);
  return true;
}

/* AddPackage: a.b.c defines a, a.b and a.b.c, which may be packages of
 * other files but nothing else. protoc reports at the package statement. */
static void add_package(validator *v, const buoy_decl *d) {
  if (!v->names) return;
  const char *pkg = v->f->package;
  size_t n = strlen(pkg);
  for (size_t i = 1; i <= n; i++) {
    if (pkg[i] != '.' && pkg[i] != 0) continue;
    const bu_symbol *s = buoy_strmap_get(&v->c->symbols, pkg, i);
    if (s && s->kind != BU_SYM_PACKAGE)
      error_at(v, d->r.first, "package \"%.*s\" is already defined as something else in %s", (int)i, pkg,
               s->file->name);
    defined_at *at = BUOY_NEW(&v->c->arena, defined_at);
    at->rank = RANK_MESSAGE;
    at->tok = d->r.first;
    if (!buoy_strmap_get(&v->defined, pkg, i)) buoy_strmap_put(&v->defined, pkg, i, at);
  }
}

static void add_field_symbol(validator *v, const bu_field *fl) {
  add_symbol(v, fl->full_name, BU_SYM_FIELD, (void *)fl, fl->extendee ? RANK_EXTENSION : RANK_FIELD, name_tok(fl),
             name_tok(fl));
}

static void add_message_symbol(validator *v, const bu_message *m) {
  uint32_t buf_tok = m->map_entry && m->decl ? m->decl->u.field.type_r.first : message_name_tok(m);
  add_symbol(v, m->full_name, BU_SYM_MESSAGE, (void *)m, RANK_MESSAGE, message_name_tok(m), buf_tok);
}

static void add_oneof_symbols(validator *v, const bu_message *m) {
  for (uint32_t i = 0; i < m->oneofs.count; i++) {
    const bu_oneof *o = BU_VEC_AT(m->oneofs, bu_oneof, i);
    uint32_t tok = o->synthetic ? o->decl->u.field.name.r.first : o->decl->u.block.name.r.first;
    add_symbol(v, o->full_name, BU_SYM_ONEOF, (void *)o, RANK_ONEOF, tok, tok);
  }
}

/* An enum value is a sibling of its enum. When it clashes with something
 * other than a value of the same enum, protoc explains the scoping. */
static void add_value_symbol(validator *v, const bu_enum *e, uint32_t index) {
  const bu_enum_value *x = BU_VEC_AT(e->values, bu_enum_value, index);
  uint32_t tok = x->decl->u.value.name.r.first;
  if (add_symbol(v, x->full_name, BU_SYM_ENUM_VALUE, (void *)x, RANK_VALUE, tok, tok)) return;
  for (uint32_t i = 0; i < index; i++)
    if (strcmp(BU_VEC_AT(e->values, bu_enum_value, i)->name, x->name) == 0) return;
  const char *scope = scope_of(v, x->full_name);
  if (!v->editions)
    error_at(v, tok,
             "enum values are scoped like C++ enumerators, as siblings of their enum: \"%s\" must be unique in %s, "
             "not only in %s",
             x->name, scope[0] ? scope : "the file's package", e->name);
}

static void built_service(validator *v, const bu_service *s) {
  for (uint32_t i = 0; i < s->methods.count; i++) {
    const bu_method *mt = BU_VEC_AT(s->methods, bu_method, i);
    uint32_t tok = mt->decl->u.rpc.name.r.first;
    add_symbol(v, mt->full_name, BU_SYM_METHOD, (void *)mt, RANK_METHOD, tok, tok);
  }
  uint32_t tok = s->decl->u.block.name.r.first;
  add_symbol(v, s->full_name, BU_SYM_SERVICE, (void *)s, RANK_SERVICE, tok, tok);
}

/* ------------------------------------------------------------------ built: fields */

static void built_field_number(validator *v, const bu_field *fl) {
  if (fl->number <= 0)
    error_at(v, number_tok(fl), "field numbers must be positive integers");
  else if (!fl->extendee && fl->number > MAX_FIELD_NUMBER)
    error_at(v, number_tok(fl), "field numbers cannot be greater than %d", MAX_FIELD_NUMBER);
  else if (fl->number >= FIRST_RESERVED_NUMBER && fl->number <= LAST_RESERVED_NUMBER)
    error_at(v, number_tok(fl), "field numbers %d to %d are reserved for the protocol buffer implementation",
             FIRST_RESERVED_NUMBER, LAST_RESERVED_NUMBER);
  else if (v->editions && fl->extendee && fl->number > MAX_FIELD_NUMBER)
    error_at(v, number_tok(fl), "field numbers cannot be greater than %d", MAX_FIELD_NUMBER);
}

/* BuildFieldOrExtension. */
static void built_field(validator *v, const bu_field *fl) {
  if (!fl->decl) { /* a map entry's key or value */
    add_field_symbol(v, fl);
    return;
  }
  if (fl->extendee && fl->label == BU_LABEL_REQUIRED)
    error_at(v, type_tok(fl), "extension %s cannot be required", fl->full_name);
  if (!v->editions && default_option(fl) && fl->label == BU_LABEL_REPEATED)
    error_at(v, default_tok(fl), "repeated fields cannot have default values");
  built_field_number(v, fl);
  add_field_symbol(v, fl);
}

/* ------------------------------------------------------------------ built: messages */

static bool overlaps(const bu_range *a, const bu_range *b) { return a->end > b->start && b->end > a->start; }
static bool contains(const bu_range *r, int32_t n) { return r->start <= n && n < r->end; }

/* The reserved names of a body, in order, as written (for their places). */
static const buoy_rname *nth_reserved_name(const buoy_decl *body, uint32_t index) {
  for (const buoy_decl *d = body; d; d = d->next) {
    if (d->kind != BUOY_DECL_RESERVED) continue;
    for (const buoy_rname *n = d->u.ranges.names; n; n = n->next)
      if (index-- == 0) return n;
  }
  return NULL;
}

/* The index of the first reserved name equal to name, or -1. */
static int32_t find_name(const bu_vec *names, const char *name, uint32_t before) {
  for (uint32_t i = 0; i < names->count && i < before; i++)
    if (strcmp(BU_VEC_AT(*names, const char, i), name) == 0) return (int32_t)i;
  return -1;
}

/* Reserved names given twice; protoc reports at the element's name, buf at
 * the first of the two. */
static void built_reserved_names(validator *v, const bu_vec *names, const buoy_decl *body, uint32_t elem_tok,
                                 const char *what) {
  for (uint32_t i = 0; i < names->count; i++) {
    const char *name = BU_VEC_AT(*names, const char, i);
    int32_t first = find_name(names, name, i);
    if (first < 0) continue;
    const buoy_rname *n = nth_reserved_name(body, (uint32_t)first);
    error_at(v, v->editions && n ? n->r.first : elem_tok, "%s name \"%s\" is reserved more than once", what, name);
  }
}

/* buf checks each end of a range against the field numbers (reporting the
 * ends that are out), then that the range is not empty; a range that fails
 * is left out of the checks between ranges and fields. */
static bool editions_range_ok(validator *v, const bu_message *m, const bu_range *r, int64_t *last) {
  int64_t max = is_message_set(v, m) ? INT32_MAX : MAX_FIELD_NUMBER;
  *last = r->ast && r->ast->end.is_max ? max : (int64_t)r->end - 1;
  return r->start >= 1 && r->start <= max && *last >= 1 && *last <= max && r->start <= *last;
}

static void editions_range(validator *v, const bu_message *m, const bu_range *r, const char *what) {
  int64_t last, max = is_message_set(v, m) ? INT32_MAX : MAX_FIELD_NUMBER;
  if (editions_range_ok(v, m, r, &last)) return;
  bool bad_start = r->start < 1 || r->start > max, bad_end = last < 1 || last > max;
  if (bad_start) error_at(v, range_tok(r), "field number %d out of range (1 to %lld)", r->start, (long long)max);
  if (bad_end && r->ast && r->ast->has_end)
    error_at(v, r->ast->end.r.first, "field number %lld out of range (1 to %lld)", (long long)last, (long long)max);
  if (!bad_start && !bad_end)
    error_at(v, range_tok(r), "%s range %d to %lld is empty", what, r->start, (long long)last);
}

/* The ranges the checks between ranges and fields look at. */
static bool range_used(validator *v, const bu_message *m, const bu_range *r) {
  int64_t last;
  return !v->editions || editions_range_ok(v, m, r, &last);
}

static void built_extension_ranges(validator *v, const bu_message *m) {
  for (uint32_t i = 0; i < m->extension_ranges.count; i++) {
    const bu_range *r = BU_VEC_AT(m->extension_ranges, bu_range, i);
    if (v->editions) {
      editions_range(v, m, r, "extension");
      continue;
    }
    if (r->start <= 0) error_at(v, range_tok(r), "extension numbers must be positive integers");
    if (r->start >= r->end) error_at(v, range_tok(r), "extension range ends before it starts");
  }
}

static void built_reserved_ranges(validator *v, const bu_message *m) {
  for (uint32_t i = 0; i < m->reserved_ranges.count; i++) {
    const bu_range *r = BU_VEC_AT(m->reserved_ranges, bu_range, i);
    if (v->editions)
      editions_range(v, m, r, "reserved");
    else if (r->start <= 0)
      error_unplaced(v, range_tok(r), "reserved numbers must be positive integers");
  }
}

static void built_message_reserved(validator *v, const bu_message *m) {
  for (uint32_t i = 0; i < m->reserved_ranges.count; i++) {
    const bu_range *a = BU_VEC_AT(m->reserved_ranges, bu_range, i);
    for (uint32_t j = i + 1; j < m->reserved_ranges.count; j++) {
      const bu_range *b = BU_VEC_AT(m->reserved_ranges, bu_range, j);
      if (overlaps(a, b) && !v->editions)
        error_unplaced(v, range_tok(b), "reserved range %d to %d overlaps reserved range %d to %d", b->start,
                       b->end - 1, a->start, a->end - 1);
    }
  }
  built_reserved_names(v, &m->reserved_names, message_body(m), message_name_tok(m), "field");
}

/* Fields inside extension ranges, on reserved numbers, or with reserved names. */
static void built_message_fields(validator *v, const bu_message *m) {
  for (uint32_t i = 0; i < m->fields.count; i++) {
    const bu_field *fl = BU_VEC_AT(m->fields, bu_field, i);
    for (uint32_t j = 0; j < m->extension_ranges.count; j++) {
      const bu_range *r = BU_VEC_AT(m->extension_ranges, bu_range, j);
      if (contains(r, fl->number) && range_used(v, m, r))
        error_at(v, v->editions ? number_tok(fl) : range_tok(r), "extension range %d to %d includes field \"%s\" (%d)",
                 r->start, r->end - 1, fl->name, fl->number);
    }
    for (uint32_t j = 0; j < m->reserved_ranges.count; j++) {
      const bu_range *r = BU_VEC_AT(m->reserved_ranges, bu_range, j);
      if (contains(r, fl->number) && range_used(v, m, r))
        error_unplaced(v, number_tok(fl), "field \"%s\" uses reserved number %d", fl->name, fl->number);
    }
    if (find_name(&m->reserved_names, fl->name, UINT32_MAX) >= 0)
      error_at(v, name_tok(fl), "field name \"%s\" is reserved", fl->name);
  }
}

/* Extension ranges overlapping reserved ranges or each other. */
static void built_message_overlaps(validator *v, const bu_message *m) {
  for (uint32_t i = 0; i < m->extension_ranges.count; i++) {
    const bu_range *a = BU_VEC_AT(m->extension_ranges, bu_range, i);
    for (uint32_t j = 0; j < m->reserved_ranges.count; j++) {
      const bu_range *b = BU_VEC_AT(m->reserved_ranges, bu_range, j);
      if (overlaps(a, b))
        error_at(v, range_tok(a), "extension range %d to %d overlaps reserved range %d to %d", a->start, a->end - 1,
                 b->start, b->end - 1);
    }
    for (uint32_t j = i + 1; j < m->extension_ranges.count; j++) {
      const bu_range *b = BU_VEC_AT(m->extension_ranges, bu_range, j);
      if (overlaps(a, b))
        error_at(v, range_tok(a), "extension range %d to %d overlaps extension range %d to %d", b->start, b->end - 1,
                 a->start, a->end - 1);
    }
  }
}

/* buf's overlap check, for editions, reports each range at most once:
 * among ranges of one kind with the same start, every later one (the
 * longest is kept); then, sorted by start, each range that overlaps the one
 * reaching furthest before it is reported, or that one if it was declared
 * later; and each extension range that overlaps a reserved range. */
typedef struct ranged {
  const bu_range *r;
  uint32_t index; /* declaration order within its kind */
  bool *reported;
} ranged;

static int by_start(const void *a, const void *b) {
  const ranged *x = a, *y = b;
  if (x->r->start != y->r->start) return x->r->start < y->r->start ? -1 : 1;
  return x->index < y->index ? -1 : (x->index > y->index);
}

static void report_overlap(validator *v, const ranged *x) {
  if (*x->reported) return;
  *x->reported = true;
  error_at(v, range_tok(x->r), "range %d to %d overlaps another range", x->r->start, x->r->end - 1);
}

static void editions_overlaps_of_kind(validator *v, const bu_message *m, const bu_vec *ranges, bool *reported) {
  ranged *kept = buoy_arena_alloc(&v->c->arena, sizeof(ranged) * (ranges->count + 1));
  uint32_t n = 0;
  for (uint32_t i = 0; i < ranges->count; i++) {
    ranged x = {BU_VEC_AT(*ranges, bu_range, i), i, &reported[i]};
    if (!range_used(v, m, x.r)) continue;
    uint32_t k = 0;
    while (k < n && kept[k].r->start != x.r->start)
      k++;
    if (k == n) {
      kept[n++] = x;
      continue;
    }
    report_overlap(v, &x);
    if (x.r->end > kept[k].r->end) kept[k] = x;
  }
  if (n > 1) qsort(kept, n, sizeof kept[0], by_start);
  for (uint32_t k = 1, far = 0; k < n; k++) {
    if (kept[k].r->start < kept[far].r->end) report_overlap(v, kept[k].index > kept[far].index ? &kept[k] : &kept[far]);
    if (kept[k].r->end > kept[far].r->end) far = k;
  }
}

static void editions_overlaps(validator *v, const bu_message *m) {
  uint32_t nres = m->reserved_ranges.count, next = m->extension_ranges.count;
  bool *reported = buoy_arena_alloc(&v->c->arena, nres + next + 1);
  editions_overlaps_of_kind(v, m, &m->reserved_ranges, reported);
  editions_overlaps_of_kind(v, m, &m->extension_ranges, reported + nres);
  for (uint32_t i = 0; i < next; i++) {
    ranged e = {BU_VEC_AT(m->extension_ranges, bu_range, i), i, &reported[nres + i]};
    if (!range_used(v, m, e.r)) continue;
    for (uint32_t j = 0; j < nres; j++) {
      const bu_range *r = BU_VEC_AT(m->reserved_ranges, bu_range, j);
      if (range_used(v, m, r) && overlaps(e.r, r)) report_overlap(v, &e);
    }
  }
}

static void built_enum(validator *v, const bu_enum *e);

/* BuildMessage, in protoc 3.21's order: oneofs, fields, enums, extension
 * ranges, extensions, reserved ranges, nested messages, the message's own
 * name; then the checks between them. Bounded: messages nest at most
 * BUOY_MAX_NESTING deep. */
static void built_message(validator *v, const bu_message *m) {
  add_oneof_symbols(v, m);
  for (uint32_t i = 0; i < m->fields.count; i++)
    built_field(v, BU_VEC_AT(m->fields, bu_field, i));
  for (uint32_t i = 0; i < m->enums.count; i++)
    built_enum(v, BU_VEC_AT(m->enums, bu_enum, i));
  built_extension_ranges(v, m);
  for (uint32_t i = 0; i < m->extensions.count; i++)
    built_field(v, BU_VEC_AT(m->extensions, bu_field, i));
  built_reserved_ranges(v, m);
  for (uint32_t i = 0; i < m->nested.count; i++)
    built_message(v, BU_VEC_AT(m->nested, bu_message, i));
  add_message_symbol(v, m);
  built_message_reserved(v, m);
  built_message_fields(v, m);
  if (v->editions)
    editions_overlaps(v, m);
  else
    built_message_overlaps(v, m);
}

/* ------------------------------------------------------------------ built: enums */

static uint32_t enum_name_tok(const bu_enum *e) { return e->decl->u.block.name.r.first; }
static uint32_t value_name_tok(const bu_enum_value *x) { return x->decl->u.value.name.r.first; }
static uint32_t value_number_tok(const bu_enum_value *x) { return x->decl->u.value.number.r.first; }

/* Editions enums are open unless features.enum_type = CLOSED is set on the
 * enum or the file. */
static bool enum_is_open(const bu_enum *e) { return !e->closed_feature; }

/* Values whose names agree once the enum's name is stripped from their
 * front (FOO_BAR and BAR in enum Foo) and they are put in PascalCase, unless
 * they are aliases. An error in proto3 and for open editions enums, only a
 * warning in proto2. */
static void built_enum_prefixes(validator *v, const bu_enum *e) {
  uint32_t n = e->values.count;
  if (n < 2) return;
  char **stripped = buoy_arena_alloc(&v->c->arena, sizeof(char *) * n);
  for (uint32_t i = 0; i < n; i++)
    stripped[i] = pascal_case(v, without_prefix(v, e->name, BU_VEC_AT(e->values, bu_enum_value, i)->name));
  int32_t *first = first_equal(v, stripped, n);
  for (uint32_t i = 0; i < n; i++) {
    if (first[i] < 0) continue;
    const bu_enum_value *x = BU_VEC_AT(e->values, bu_enum_value, i);
    const bu_enum_value *y = BU_VEC_AT(e->values, bu_enum_value, first[i]);
    if (strcmp(x->name, y->name) == 0 || x->number == y->number) continue;
    if (v->proto3 || (v->editions && enum_is_open(e)))
      error_at(v, value_name_tok(x), "enum value %s has the same name as %s once the prefix %s is removed", x->name,
               y->name, e->name);
    else if (!v->editions)
      warning_at(v, value_name_tok(x),
                 "enum value %s has the same name as %s once the prefix %s is removed and case ignored", x->name,
                 y->name, e->name);
  }
}

static bool enum_contains(const bu_range *r, int32_t n) { return r->start <= n && n <= r->end; }

static void built_enum_ranges(validator *v, const bu_enum *e) {
  for (uint32_t i = 0; i < e->reserved_ranges.count; i++) {
    const bu_range *r = BU_VEC_AT(e->reserved_ranges, bu_range, i);
    if (r->start > r->end) error_unplaced(v, range_tok(r), "reserved range ends before it starts");
  }
}

static void built_enum_reserved(validator *v, const bu_enum *e) {
  for (uint32_t i = 0; i < e->reserved_ranges.count; i++) {
    const bu_range *a = BU_VEC_AT(e->reserved_ranges, bu_range, i);
    for (uint32_t j = i + 1; j < e->reserved_ranges.count; j++) {
      const bu_range *b = BU_VEC_AT(e->reserved_ranges, bu_range, j);
      if (a->end >= b->start && b->end >= a->start)
        error_unplaced(v, range_tok(b), "reserved range %d to %d overlaps reserved range %d to %d", b->start, b->end,
                       a->start, a->end);
    }
  }
  built_reserved_names(v, &e->reserved_names, e->decl->u.block.body, enum_name_tok(e), "enum value");
  for (uint32_t i = 0; i < e->values.count; i++) {
    const bu_enum_value *x = BU_VEC_AT(e->values, bu_enum_value, i);
    for (uint32_t j = 0; j < e->reserved_ranges.count; j++)
      if (enum_contains(BU_VEC_AT(e->reserved_ranges, bu_range, j), x->number))
        error_unplaced(v, value_number_tok(x), "enum value \"%s\" uses reserved number %d", x->name, x->number);
    if (find_name(&e->reserved_names, x->name, UINT32_MAX) >= 0)
      error_at(v, value_name_tok(x), "enum value name \"%s\" is reserved", x->name);
  }
}

/* BuildEnum: values, the check on their names, reserved ranges, the enum's
 * own name, then the checks between them. */
static void built_enum(validator *v, const bu_enum *e) {
  if (e->values.count == 0)
    error_at(v, v->editions ? e->decl->r.first : enum_name_tok(e), "an enum must declare at least one value");
  for (uint32_t i = 0; i < e->values.count; i++)
    add_value_symbol(v, e, i);
  built_enum_prefixes(v, e);
  built_enum_ranges(v, e);
  add_symbol(v, e->full_name, BU_SYM_ENUM, (void *)e, RANK_ENUM, enum_name_tok(e), enum_name_tok(e));
  built_enum_reserved(v, e);
}

/* An import given twice (protoc and buf report the second). */
static void built_imports(validator *v) {
  const buoy_decl *decls = v->f->ast.decls;
  for (const buoy_decl *d = decls; d; d = d->next) {
    if (d->kind != BUOY_DECL_IMPORT || d->u.import.kind == BUOY_IMPORT_OPTION) continue;
    const buoy_value *path = d->u.import.path;
    for (const buoy_decl *e = decls; e != d; e = e->next) {
      if (e->kind != BUOY_DECL_IMPORT || e->u.import.kind == BUOY_IMPORT_OPTION) continue;
      const buoy_value *p = e->u.import.path;
      if (p->v.str.len != path->v.str.len || memcmp(p->v.str.bytes, path->v.str.bytes, p->v.str.len) != 0) continue;
      error_at(v, d->r.first, "\"%.*s\" is imported twice", (int)path->v.str.len, path->v.str.bytes);
      break;
    }
  }
}

/* Whether a synthetic oneof's name (which build.c does not register) is
 * taken by another element. */
static bool synthetic_clash(const bu_compiler *c, const bu_message *m, int depth) {
  if (depth > BUOY_MAX_NESTING) return false;
  for (uint32_t i = 0; i < m->oneofs.count; i++) {
    const bu_oneof *o = BU_VEC_AT(m->oneofs, bu_oneof, i);
    if (o->synthetic && buoy_strmap_get(&c->symbols, o->full_name, strlen(o->full_name))) return true;
  }
  for (uint32_t i = 0; i < m->nested.count; i++)
    if (synthetic_clash(c, BU_VEC_AT(m->nested, bu_message, i), depth + 1)) return true;
  return false;
}

/* BuildFile: the package, the imports, messages, enums, services,
 * extensions. */
void bu_validate_built(bu_compiler *c, bu_file *f, bool clashes) {
  validator v;
  begin(&v, c, f);
  for (uint32_t i = 0; i < f->messages.count && !clashes; i++)
    clashes = synthetic_clash(c, BU_VEC_AT(f->messages, bu_message, i), 0);
  v.names = clashes;
  for (const buoy_decl *d = f->ast.decls; d; d = d->next)
    if (d->kind == BUOY_DECL_PACKAGE) add_package(&v, d);
  built_imports(&v);
  for (uint32_t i = 0; i < f->messages.count; i++)
    built_message(&v, BU_VEC_AT(f->messages, bu_message, i));
  for (uint32_t i = 0; i < f->enums.count; i++)
    built_enum(&v, BU_VEC_AT(f->enums, bu_enum, i));
  for (uint32_t i = 0; i < f->services.count; i++)
    built_service(&v, BU_VEC_AT(f->services, bu_service, i));
  for (uint32_t i = 0; i < f->extensions.count; i++)
    built_field(&v, BU_VEC_AT(f->extensions, bu_field, i));
  end(&v);
}

/* ------------------------------------------------------------------ linked */

static bool in_extension_range(const bu_message *m, int32_t n) {
  for (uint32_t i = 0; i < m->extension_ranges.count; i++)
    if (contains(BU_VEC_AT(m->extension_ranges, bu_range, i), n)) return true;
  return false;
}

static const bu_enum_value *find_value(const bu_enum *e, const char *name) {
  for (uint32_t i = 0; i < e->values.count; i++)
    if (strcmp(BU_VEC_AT(e->values, bu_enum_value, i)->name, name) == 0) return BU_VEC_AT(e->values, bu_enum_value, i);
  return NULL;
}

/* Defaults of fields whose type is a name: no message may have one, and an
 * enum's must name one of its values. */
static void linked_default(validator *v, const bu_field *fl) {
  const buoy_option *o = default_option(fl);
  if (!o) return;
  const buoy_value *val = o->value;
  if (v->editions && fl->label == BU_LABEL_REPEATED && !fl->message_type) /* buf: once the type is known */
    error_at(v, type_tok(fl), "repeated fields cannot have default values");
  if (fl->message_type) {
    error_at(v, val->r.first, "message fields cannot have default values");
  } else if (fl->enum_type) {
    if (v->editions && val->kind == BUOY_VAL_INT) return; /* buf takes a number */
    if (val->kind != BUOY_VAL_IDENT || val->negative)
      error_at(v, val->r.first, "the default value of an enum field must be one of its value names");
    else if (!find_value(fl->enum_type, val->v.ident.text))
      error_at(v, val->r.first, "enum %s has no value named \"%s\"", fl->enum_type->full_name, val->v.ident.text);
  }
}

/* A key for (message, number): the bytes of both. */
static char *number_key(validator *v, const void *owner, int32_t number, size_t *len) {
  *len = sizeof owner + sizeof number;
  char *key = buoy_arena_alloc_raw(&v->c->arena, *len);
  memcpy(key, &owner, sizeof owner);
  memcpy(key + sizeof owner, &number, sizeof number);
  return key;
}

/* An extension number another loaded file already uses for the same
 * extendee: protoc only warns. */
static void linked_extension_elsewhere(validator *v, const bu_field *fl) {
  size_t len;
  const char *key = number_key(v, fl->extendee_type, fl->number, &len);
  const bu_field *prev = buoy_strmap_get(&v->c->extension_numbers, key, len);
  if (!prev) {
    buoy_strmap_put(&v->c->extension_numbers, key, len, (void *)fl);
    return;
  }
  if (prev->file != v->f)
    warning_at(v, number_tok(fl), "extension number %d of %s is already used by extension %s in %s", fl->number,
               fl->extendee_type->full_name, prev->full_name, prev->file->name);
}

/* How many of a message's first fields are numbered 1, 2, 3...: protoc
 * takes those numbers as used, whatever file an extension is in. */
static uint32_t sequential_numbers(validator *v, const bu_message *m) {
  if (m == v->seq_asked) return v->seq_answer; /* asked for each field */
  uint32_t k = 0;
  while (k < m->fields.count && k < UINT16_MAX && BU_VEC_AT(m->fields, bu_field, k)->number == (int32_t)k + 1)
    k++;
  v->seq_asked = m;
  v->seq_answer = k;
  return k;
}

/* The field already using fl's number, as protoc's tables find it: the
 * sequential fields of the message first, then what this file has linked;
 * NULL when the number is free (and now fl's). */
static const bu_field *number_user(validator *v, const bu_field *fl) {
  bu_message *owner = number_owner(fl);
  if (fl->number >= 1 && (uint32_t)fl->number <= sequential_numbers(v, owner)) {
    const bu_field *at = BU_VEC_AT(owner->fields, bu_field, fl->number - 1);
    return fl->extendee || at != fl ? at : NULL;
  }
  size_t len;
  const char *key = number_key(v, owner, fl->number, &len);
  const bu_field *prev = buoy_strmap_get(&v->numbers, key, len);
  if (!prev) buoy_strmap_put(&v->numbers, key, len, (void *)fl);
  return prev;
}

/* Numbers used twice in one message, or for one extendee within this file. */
static void linked_number(validator *v, const bu_field *fl) {
  const bu_field *prev = number_user(v, fl);
  if (!prev) {
    if (fl->extendee) linked_extension_elsewhere(v, fl);
    return;
  }
  const char *owner = number_owner(fl)->full_name;
  if (fl->extendee)
    error_at(v, number_tok(fl), "extension number %d of %s is already used by %s", fl->number, owner, prev->full_name);
  else
    error_at(v, number_tok(fl), "field number %d is already used in %s by field \"%s\"", fl->number, owner, prev->name);
}

/* CrossLinkField: what protoc checks once names are resolved. */
static void linked_field(validator *v, const bu_field *fl) {
  v->order = fl->link_order * BU_LINK_STEPS + BU_LINK_RANGE;
  if (fl->extendee) {
    if (!fl->extendee_type) return; /* reported by resolve.c */
    if (!in_extension_range(fl->extendee_type, fl->number))
      error_at(v, number_tok(fl), "%s does not declare %d as an extension number", fl->extendee_type->full_name,
               fl->number);
  }
  if (fl->type_name && !fl->message_type && !fl->enum_type) return; /* unresolved */
  v->order = fl->link_order * BU_LINK_STEPS + BU_LINK_CHECKS;
  linked_default(v, fl);
  linked_number(v, fl);
}

/* CrossLinkMessage: nested types first, then fields, then extensions. */
static void linked_message(validator *v, const bu_message *m) {
  for (uint32_t i = 0; i < m->nested.count; i++)
    linked_message(v, BU_VEC_AT(m->nested, bu_message, i));
  for (uint32_t i = 0; i < m->fields.count; i++)
    linked_field(v, BU_VEC_AT(m->fields, bu_field, i));
  for (uint32_t i = 0; i < m->extensions.count; i++)
    linked_field(v, BU_VEC_AT(m->extensions, bu_field, i));
}

/* The name of a nested message that a map entry message shares with
 * another element of m: also a symbol clash, reported before; protoc adds
 * this explanation once everything is linked. */
static void linked_map_conflicts(validator *v, const bu_message *m, int depth) {
  if (depth > BUOY_MAX_NESTING) return;
  for (uint32_t i = 0; i < m->nested.count; i++) {
    const bu_message *n = BU_VEC_AT(m->nested, bu_message, i);
    bool clash = false;
    for (uint32_t j = 0; j < i && !clash; j++) {
      const bu_message *p = BU_VEC_AT(m->nested, bu_message, j);
      clash = strcmp(p->name, n->name) == 0 && (p->map_entry || n->map_entry);
    }
    if (clash) {
      error_at(v, message_name_tok(m), "the map entry message %s of %s has the name of a nested message", n->name,
               m->full_name);
      break;
    }
    linked_map_conflicts(v, n, depth + 1);
  }
  static const char *const what[] = {"field", "enum", "oneof"};
  for (int k = 0; k < 3; k++) {
    const bu_vec *vec = k == 0 ? &m->fields : k == 1 ? &m->enums : &m->oneofs;
    for (uint32_t i = 0; i < vec->count; i++) {
      const char *name = k == 0   ? BU_VEC_AT(*vec, bu_field, i)->name
                         : k == 1 ? BU_VEC_AT(*vec, bu_enum, i)->name
                                  : BU_VEC_AT(*vec, bu_oneof, i)->name;
      for (uint32_t j = 0; j < m->nested.count; j++) {
        const bu_message *n = BU_VEC_AT(m->nested, bu_message, j);
        if (!n->map_entry || strcmp(n->name, name) != 0) continue;
        error_at(v, message_name_tok(m), "the map entry message %s of %s has the name of a %s", n->name, m->full_name,
                 what[k]);
        break;
      }
    }
  }
}

static int by_order(const void *a, const void *b) {
  const buoy_diag *x = a, *y = b;
  if (x->order != y->order) return x->order < y->order ? -1 : 1;
  return x->seq < y->seq ? -1 : (x->seq > y->seq);
}

/* Once names are resolved protoc checks each field in its cross-link
 * order; resolve.c's errors and these are sorted together in that order
 * (diagnostics from first_link_diag on), or by position for editions. */
void bu_validate_linked(bu_compiler *c, bu_file *f, uint32_t first_link_diag) {
  validator v;
  begin(&v, c, f);
  for (uint32_t i = 0; i < f->messages.count; i++)
    linked_message(&v, BU_VEC_AT(f->messages, bu_message, i));
  for (uint32_t i = 0; i < f->extensions.count; i++)
    linked_field(&v, BU_VEC_AT(f->extensions, bu_field, i));
  v.order = UINT32_MAX;
  for (uint32_t i = 0; i < f->messages.count && !v.editions; i++)
    linked_map_conflicts(&v, BU_VEC_AT(f->messages, bu_message, i), 0);
  end(&v);
  buoy_diags *d = c->diags;
  if (d->count > first_link_diag + 1)
    qsort(d->items + first_link_diag, d->count - first_link_diag, sizeof d->items[0],
          v.editions ? by_offset : by_order);
}

/* ------------------------------------------------------------------ options: fields */

static bool is_lite(const bu_file *f) { return f->lite; }

static bool is_packable(const bu_field *fl) {
  return fl->label == BU_LABEL_REPEATED && fl->type != BUOY_TYPE_STRING && fl->type != BUOY_TYPE_BYTES &&
         fl->type != BUOY_TYPE_MESSAGE && fl->type != BUOY_TYPE_GROUP;
}

static bool is_64bit_integer(int type) {
  return type == BUOY_TYPE_INT64 || type == BUOY_TYPE_UINT64 || type == BUOY_TYPE_SINT64 || type == BUOY_TYPE_FIXED64 ||
         type == BUOY_TYPE_SFIXED64;
}

/* [jstype = ...]: only 64-bit integers may be strings or numbers in JS. */
static void options_jstype(validator *v, const bu_field *fl) {
  const buoy_option *o = field_option(fl, "jstype");
  if (!o || o->value->kind != BUOY_VAL_IDENT || is_ident(o, "JS_NORMAL")) return;
  if (!is_64bit_integer(fl->type))
    error_at(v, type_tok(fl), "jstype is only allowed on 64-bit integer fields, not on %s", type_name_of(fl));
}

/* Fields of message sets, and extensions of them. */
static void options_message_set(validator *v, const bu_field *fl) {
  const bu_message *owner = number_owner(fl);
  if (!owner || !is_message_set(v, owner)) return;
  if (!fl->extendee)
    error_at(v, v->editions ? decl_tok(fl) : name_tok(fl), "a message set (%s) can have extensions but no fields",
             owner->full_name);
  else if (fl->label != BU_LABEL_OPTIONAL || fl->type != BUOY_TYPE_MESSAGE)
    error_at(v, type_tok(fl), "extensions of a message set (%s) must be optional message fields", owner->full_name);
}

/* Map keys must be integers, bools or strings; an enum value's first value
 * must be zero. */
/* A field of entry message e named key (1) or value (2), as a map entry's. */
static bool is_entry_field(const bu_message *e, uint32_t i, const char *name) {
  const bu_field *x = BU_VEC_AT(e->fields, bu_field, i);
  return x->label == BU_LABEL_OPTIONAL && x->number == (int32_t)i + 1 && strcmp(x->name, name) == 0;
}

/* FooBarEntry for foo_bar. */
static bool entry_name_fits(const char *entry, const char *field) {
  bool upper_next = true;
  for (; *field; field++) {
    if (*field == '_') {
      upper_next = true;
      continue;
    }
    if (*entry++ != (upper_next ? upper(*field) : *field)) return false;
    upper_next = false;
  }
  return strcmp(entry, "Entry") == 0;
}

/* A message written with option map_entry = true must look like the entry
 * of a map field for the field that uses it. */
static bool map_entry_fits(const bu_field *fl, const bu_message *e) {
  return e->extensions.count == 0 && fl->label == BU_LABEL_REPEATED && e->extension_ranges.count == 0 &&
         e->nested.count == 0 && e->enums.count == 0 && e->fields.count == 2 && entry_name_fits(e->name, fl->name) &&
         number_owner(fl) == e->parent && is_entry_field(e, 0, "key") && is_entry_field(e, 1, "value");
}

/* ValidateMapEntry: map keys must be integers, bools or strings; an enum
 * value's first value must be zero. Fields whose type is a message with
 * map_entry set count as maps. */
static void options_map(validator *v, const bu_field *fl) {
  const bu_message *e = fl->message_type;
  if (!e || !(e->map_entry || e->map_entry_written)) return; /* the model: e's tree may be released */
  if (!e->map_entry && !map_entry_fits(fl, e)) {
    error_at(v, type_tok(fl), "option map_entry is for the entries of map fields: write map<K, V> instead");
    return;
  }
  const bu_field *key = BU_VEC_AT(e->fields, bu_field, 0);
  const bu_field *value = BU_VEC_AT(e->fields, bu_field, 1);
  uint32_t key_tok = v->editions && fl->decl->u.field.is_map ? fl->decl->u.field.key.name.r.first : type_tok(fl);
  switch (key->type) {
  case BUOY_TYPE_ENUM: error_at(v, key_tok, "map keys cannot be enums"); break;
  case BUOY_TYPE_FLOAT:
  case BUOY_TYPE_DOUBLE:
  case BUOY_TYPE_BYTES:
  case BUOY_TYPE_MESSAGE:
  case BUOY_TYPE_GROUP: error_at(v, key_tok, "map keys cannot be %s", type_name_of(key)); break;
  default: break;
  }
  if (!v->editions && value->enum_type && value->enum_type->values.count > 0 &&
      BU_VEC_AT(value->enum_type->values, bu_enum_value, 0)->number != 0)
    error_at(v, type_tok(fl), "the enum %s of map values must have zero as its first value",
             value->enum_type->full_name);
}

/* ValidateFieldOptions. */
static void options_field(validator *v, const bu_field *fl) {
  if (!fl->decl) return;
  if ((is_ident(field_option(fl, "lazy"), "true") || is_ident(field_option(fl, "unverified_lazy"), "true")) &&
      fl->type != BUOY_TYPE_MESSAGE)
    error_at(v, type_tok(fl), "only message fields can be lazy");
  /* editions have no packed option (options.c says so) */
  if (!v->editions && is_ident(field_option(fl, "packed"), "true") && !is_packable(fl))
    error_at(v, type_tok(fl), "only repeated fields of scalar types can be packed");
  options_message_set(v, fl);
  if (fl->extendee_type && is_lite(v->f) && !is_lite(fl->extendee_type->file))
    error_at(v, extendee_tok(v, fl), "a lite file (optimize_for = LITE_RUNTIME) cannot extend %s of a file that is not",
             fl->extendee_type->full_name);
  options_map(v, fl);
  options_jstype(v, fl);
  const buoy_option *json = field_option(fl, "json_name");
  if (fl->extendee && json && fl->json_name_explicit && strcmp(fl->json_name, json_default(v, fl->name)) != 0)
    error_at(v, json->name->r.first, "extensions cannot have a json_name");
}

/* ------------------------------------------------------------------ options: enums, messages */

static bool has_aliases(const bu_enum *e) {
  for (uint32_t i = 0; i < e->values.count; i++)
    for (uint32_t j = 0; j < i; j++)
      if (BU_VEC_AT(e->values, bu_enum_value, i)->number == BU_VEC_AT(e->values, bu_enum_value, j)->number) return true;
  return false;
}

/* Values sharing a number, unless the enum sets allow_alias; and for buf,
 * allow_alias without aliases (protoc's parser checks that one). */
static void options_enum(validator *v, const bu_enum *e) {
  const buoy_option *alias = body_option(e->decl->u.block.body, "allow_alias", NULL);
  if (is_ident(alias, "true")) {
    if (v->editions && !has_aliases(e))
      error_at(v, alias->name->r.first, "allow_alias is set, but no two values of the enum share a number: remove it");
    return;
  }
  for (uint32_t i = 0; i < e->values.count; i++) {
    const bu_enum_value *x = BU_VEC_AT(e->values, bu_enum_value, i);
    for (uint32_t j = 0; j < i; j++) {
      const bu_enum_value *y = BU_VEC_AT(e->values, bu_enum_value, j);
      if (x->number != y->number) continue;
      error_at(v, value_number_tok(x), "%s has the same number as %s: set option allow_alias = true; to allow aliases",
               x->full_name, y->full_name);
      break;
    }
  }
}

/* Open enums (proto3, and editions unless closed) must start at zero. */
static void open_enum_first_value(validator *v, const bu_enum *e) {
  if (e->values.count == 0) return;
  const bu_enum_value *x = BU_VEC_AT(e->values, bu_enum_value, 0);
  if (x->number != 0) error_at(v, value_number_tok(x), "the first value of an open enum must be zero");
}

static void options_message(validator *v, const bu_message *m) {
  for (uint32_t i = 0; i < m->fields.count; i++)
    options_field(v, BU_VEC_AT(m->fields, bu_field, i));
  for (uint32_t i = 0; i < m->nested.count; i++)
    options_message(v, BU_VEC_AT(m->nested, bu_message, i));
  for (uint32_t i = 0; i < m->enums.count; i++)
    options_enum(v, BU_VEC_AT(m->enums, bu_enum, i));
  for (uint32_t i = 0; i < m->extensions.count; i++)
    options_field(v, BU_VEC_AT(m->extensions, bu_field, i));
  int64_t max = is_message_set(v, m) ? INT32_MAX : MAX_FIELD_NUMBER;
  for (uint32_t i = 0; i < m->extension_ranges.count && !v->editions; i++) {
    const bu_range *r = BU_VEC_AT(m->extension_ranges, bu_range, i);
    if (r->end > max + 1) error_at(v, range_tok(r), "extension numbers cannot be greater than %lld", (long long)max);
  }
  if (v->editions && is_message_set(v, m) && m->extension_ranges.count == 0)
    error_at(v, body_option(message_body(m), "message_set_wire_format", NULL)->name->r.first,
             "message set %s declares no extension range", m->full_name);
}

/* Lite files cannot have generic services. */
static void options_service(validator *v, const bu_service *s) {
  const buoy_decl *decls = v->f->ast.decls;
  if (is_lite(v->f) && (is_ident(body_option(decls, "cc_generic_services", NULL), "true") ||
                        is_ident(body_option(decls, "java_generic_services", NULL), "true")))
    error_at(v, s->decl->u.block.name.r.first,
             "a lite file (optimize_for = LITE_RUNTIME) can define services only without generic services "
             "(cc_generic_services and java_generic_services false)");
}

/* A file that is not lite cannot import a lite one. */
static void options_imports(validator *v) {
  if (is_lite(v->f)) return;
  for (const buoy_decl *d = v->f->ast.decls; d; d = d->next) {
    if (d->kind != BUOY_DECL_IMPORT || d->u.import.kind == BUOY_IMPORT_OPTION) continue;
    const buoy_value *path = d->u.import.path;
    const bu_file *dep = buoy_strmap_get(&v->c->files, path->v.str.bytes, path->v.str.len);
    if (dep && is_lite(dep))
      error_at(v, d->r.first, "%s is lite (optimize_for = LITE_RUNTIME): only lite files can import it", dep->name);
  }
}

/* ------------------------------------------------------------------ options: proto3 */

static bool option_message(const char *full_name) {
  static const char *const names[] = {
      "google.protobuf.FileOptions",   "google.protobuf.MessageOptions",   "google.protobuf.FieldOptions",
      "google.protobuf.EnumOptions",   "google.protobuf.EnumValueOptions", "google.protobuf.ServiceOptions",
      "google.protobuf.MethodOptions", "google.protobuf.OneofOptions",     "google.protobuf.ExtensionRangeOptions",
  };
  for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
    if (strcmp(full_name, names[i]) == 0) return true;
  return false;
}

static void proto3_field(validator *v, const bu_field *fl) {
  if (fl->extendee && fl->extendee_type && !option_message(fl->extendee_type->full_name))
    error_at(v, extendee_tok(v, fl), "proto3 files can only extend the options messages (custom options)");
  if (fl->label == BU_LABEL_REQUIRED) error_at(v, type_tok(fl), "proto3 fields cannot be required");
  if (default_option(fl)) error_at(v, default_tok(fl), "proto3 fields cannot have default values");
  if (fl->enum_type && strcmp(fl->enum_type->file->syntax, "proto2") == 0)
    error_at(v, type_tok(fl), "the proto2 enum %s cannot be used in the proto3 message %s", fl->enum_type->full_name,
             number_owner(fl) ? number_owner(fl)->full_name : "");
  if (fl->type == BUOY_TYPE_GROUP) error_at(v, type_tok(fl), "proto3 does not have groups");
}

/* protoc 3.21 rejects proto3 fields whose names are equal lowercased and
 * without underscores (foo_bar, fooBar, FooBar), json_name or not. */
static void proto3_json_names(validator *v, const bu_message *m) {
  uint32_t n = m->fields.count;
  char **keys = buoy_arena_alloc(&v->c->arena, sizeof(char *) * (n ? n : 1));
  for (uint32_t i = 0; i < n; i++)
    keys[i] = folded(v, BU_VEC_AT(m->fields, bu_field, i)->name);
  int32_t *first = first_equal(v, keys, n);
  for (uint32_t i = 0; i < n; i++) {
    if (first[i] < 0) continue;
    const bu_field *fl = BU_VEC_AT(m->fields, bu_field, i);
    error_at(v, name_tok(fl),
             "the JSON name of field \"%s\" collides with field \"%s\" (proto3 compares them lowercased, without "
             "underscores)",
             fl->name, BU_VEC_AT(m->fields, bu_field, first[i])->name);
  }
}

static void proto3_message(validator *v, const bu_message *m) {
  for (uint32_t i = 0; i < m->nested.count; i++)
    proto3_message(v, BU_VEC_AT(m->nested, bu_message, i));
  for (uint32_t i = 0; i < m->enums.count; i++)
    open_enum_first_value(v, BU_VEC_AT(m->enums, bu_enum, i));
  for (uint32_t i = 0; i < m->fields.count; i++)
    proto3_field(v, BU_VEC_AT(m->fields, bu_field, i));
  for (uint32_t i = 0; i < m->extensions.count; i++)
    proto3_field(v, BU_VEC_AT(m->extensions, bu_field, i));
  if (m->extension_ranges.count > 0)
    error_at(v, range_tok(BU_VEC_AT(m->extension_ranges, bu_range, 0)), "proto3 messages cannot have extension ranges");
  if (is_message_set(v, m)) error_at(v, message_name_tok(m), "proto3 does not have message sets");
  proto3_json_names(v, m);
}

static void proto3_file(validator *v) {
  for (uint32_t i = 0; i < v->f->messages.count; i++)
    proto3_message(v, BU_VEC_AT(v->f->messages, bu_message, i));
  for (uint32_t i = 0; i < v->f->enums.count; i++)
    open_enum_first_value(v, BU_VEC_AT(v->f->enums, bu_enum, i));
  for (uint32_t i = 0; i < v->f->extensions.count; i++)
    proto3_field(v, BU_VEC_AT(v->f->extensions, bu_field, i));
}

/* ------------------------------------------------------------------ options: editions */

/* The JSON name of a field, or where buf reports a clash on it. */
static uint32_t json_tok(const bu_field *fl) {
  const buoy_option *o = field_option(fl, "json_name");
  return o ? o->value->r.first : name_tok(fl);
}

/* features.json_format of a message: its own, its enclosing messages', or
 * the file's. LEGACY_BEST_EFFORT turns the JSON name check off. */
static bool json_checked(const validator *v, const bu_message *m) {
  for (int depth = 0; m && depth <= BUOY_MAX_NESTING; m = m->parent, depth++) {
    const buoy_option *o = body_option(message_body(m), "features", "json_format");
    if (o) return !is_ident(o, "LEGACY_BEST_EFFORT");
  }
  return !is_ident(body_option(v->f->ast.decls, "features", "json_format"), "LEGACY_BEST_EFFORT");
}

/* Editions: fields whose JSON names (given or default) are equal. */
/* buf compares the JSON names of the first field of each number only. */
static void editions_json_names(validator *v, const bu_message *m) {
  if (!json_checked(v, m)) return;
  uint32_t n = 0;
  const bu_field **fields = buoy_arena_alloc(&v->c->arena, sizeof(bu_field *) * (m->fields.count + 1));
  char **keys = buoy_arena_alloc(&v->c->arena, sizeof(char *) * (m->fields.count + 1));
  for (uint32_t i = 0; i < m->fields.count; i++) {
    const bu_field *fl = BU_VEC_AT(m->fields, bu_field, i);
    uint32_t j = 0;
    while (j < i && BU_VEC_AT(m->fields, bu_field, j)->number != fl->number)
      j++;
    if (j < i) continue;
    fields[n] = fl;
    keys[n++] = (char *)fl->json_name;
  }
  int32_t *first = first_equal(v, keys, n);
  for (uint32_t i = 0; i < n; i++) {
    if (first[i] < 0) continue;
    error_at(v, json_tok(fields[i]), "fields \"%s\" and \"%s\" have the same JSON name \"%s\"", fields[first[i]]->name,
             fields[i]->name, fields[i]->json_name);
  }
}

static void editions_enums(validator *v, const bu_vec *enums) {
  for (uint32_t i = 0; i < enums->count; i++) {
    const bu_enum *e = BU_VEC_AT(*enums, bu_enum, i);
    if (enum_is_open(e)) open_enum_first_value(v, e);
  }
}

/* FeatureSet enum numbers (descriptor.proto). */
enum { PRESENCE_IMPLICIT = 2, ENCODING_PACKED = 1 };

/* Editions: features a field sets that do not fit it, and closed enums in
 * fields without presence. The features a field sets itself are checked
 * against it; presence is checked as resolved (inherited from the file or
 * the messages around it too), as buf does, at buf's positions. */
static void editions_field(validator *v, const bu_field *fl) {
  if (!fl->decl) return;
  bool repeated = fl->label == BU_LABEL_REPEATED, in_oneof = fl->oneof_index >= 0 && !fl->proto3_optional;
  bool message = fl->type == BUOY_TYPE_MESSAGE || fl->type == BUOY_TYPE_GROUP;
  int presence = bu_feature_in(fl->options, "field_presence");
  if (presence >= 0) {
    const char *kind = repeated ? "repeated fields" : fl->extendee ? "extensions" : in_oneof ? "oneof members" : NULL;
    if (kind)
      error_at(v, decl_tok(fl), "%s cannot set features.field_presence: only singular fields have a presence to choose",
               kind);
    else if (presence == PRESENCE_IMPLICIT && message)
      error_at(v, type_tok(fl), "message fields always have presence: features.field_presence = IMPLICIT is not allowed");
  }
  if (bu_feature_in(fl->options, "repeated_field_encoding") >= 0 &&
      (!repeated || message || fl->type == BUOY_TYPE_STRING || fl->type == BUOY_TYPE_BYTES))
    error_at(v, type_tok(fl), "features.repeated_field_encoding applies only to repeated fields of scalar types");
  bool map = fl->message_type && fl->message_type->map_entry;
  bool strings = fl->type == BUOY_TYPE_STRING;
  for (uint32_t i = 0; map && i < fl->message_type->fields.count; i++) /* a map's key or value */
    strings |= BU_VEC_AT(fl->message_type->fields, bu_field, i)->type == BUOY_TYPE_STRING;
  if (bu_feature_in(fl->options, "utf8_validation") >= 0 && !strings)
    error_at(v, type_tok(fl), "features.utf8_validation applies only to string fields (and maps of strings)");
  if (bu_feature_in(fl->options, "message_encoding") >= 0 && (!message || map))
    error_at(v, type_tok(fl), "features.message_encoding applies only to message fields (not maps)");
  if (!repeated && !in_oneof && fl->type == BUOY_TYPE_ENUM && fl->enum_type &&
      bu_enum_closed(fl->enum_type) && bu_feature_enum(fl, "field_presence", 0) == PRESENCE_IMPLICIT)
    error_at(v, type_tok(fl), "the closed enum %s cannot be the type of a field without presence (implicit presence)",
             fl->enum_type->full_name);
}

static void editions_fields(validator *v, const bu_vec *fields) {
  for (uint32_t i = 0; i < fields->count; i++)
    editions_field(v, BU_VEC_AT(*fields, bu_field, i));
}

static void editions_message(validator *v, const bu_message *m) {
  for (uint32_t i = 0; i < m->nested.count; i++)
    editions_message(v, BU_VEC_AT(m->nested, bu_message, i));
  editions_enums(v, &m->enums);
  if (m->map_entry) return;
  editions_json_names(v, m);
  editions_fields(v, &m->fields);
  editions_fields(v, &m->extensions);
}

/* protoc makes these checks only when the file has no error so far; buf
 * makes them anyway, and sorts all the file's errors (from first_diag on)
 * by position. */
void bu_validate_options(bu_compiler *c, bu_file *f, uint32_t first_diag) {
  bool editions = f->ast.syntax == BUOY_SYNTAX_EDITIONS;
  for (uint32_t i = first_diag; i < c->diags->count && !editions; i++)
    if (c->diags->items[i].severity == BUOY_ERROR) return;
  validator v;
  begin(&v, c, f);
  for (uint32_t i = 0; i < f->messages.count; i++)
    options_message(&v, BU_VEC_AT(f->messages, bu_message, i));
  for (uint32_t i = 0; i < f->enums.count; i++)
    options_enum(&v, BU_VEC_AT(f->enums, bu_enum, i));
  for (uint32_t i = 0; i < f->services.count; i++)
    options_service(&v, BU_VEC_AT(f->services, bu_service, i));
  for (uint32_t i = 0; i < f->extensions.count; i++)
    options_field(&v, BU_VEC_AT(f->extensions, bu_field, i));
  options_imports(&v);
  if (v.proto3) proto3_file(&v);
  if (v.editions) {
    for (uint32_t i = 0; i < f->messages.count; i++)
      editions_message(&v, BU_VEC_AT(f->messages, bu_message, i));
    editions_enums(&v, &f->enums);
    editions_fields(&v, &f->extensions);
  }
  end(&v);
  buoy_diags *d = c->diags;
  if (editions && d->count > first_diag + 1)
    qsort(d->items + first_diag, d->count - first_diag, sizeof d->items[0], by_offset);
}
