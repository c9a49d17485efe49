/* From syntax tree to model: one bu_file per parsed file, every element named
 * and registered in the symbol table. Types are resolved afterwards
 * (resolve.c), once every element of the file is known. */
#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "compile/internal.h"

typedef struct builder {
  bu_compiler *c;
  bu_file *f;
} builder;

static char *dup_name(builder *b, const buoy_name *n) { return buoy_arena_strndup(&b->c->arena, n->text, n->len); }

static const char *scoped(builder *b, const char *scope, const char *name) {
  return scope[0] ? bu_strcat3(&b->c->arena, scope, ".", name) : name;
}

/* Adds a symbol; reports a clash with what is already there. */
static void define(builder *b, const char *full_name, bu_symbol_kind kind, void *ptr, uint32_t tok) {
  bu_symbol *s = BUOY_NEW(&b->c->arena, bu_symbol);
  s->kind = kind;
  s->ptr = ptr;
  s->file = b->f;
  bu_symbol *prev = buoy_strmap_put_new(&b->c->symbols, full_name, strlen(full_name), s);
  if (!prev || (prev->kind == BU_SYM_PACKAGE && kind == BU_SYM_PACKAGE)) return;
  if (prev->file == b->f)
    bu_error(b->c, b->f, tok, "\"%s\" is already defined in this file", full_name);
  else
    bu_error(b->c, b->f, tok, "\"%s\" is already defined in %s", full_name, prev->file->name);
}

const char *bu_json_name(buoy_arena *a, const char *name) {
  size_t n = strlen(name);
  char *out = buoy_arena_alloc_raw(a, n + 1);
  size_t k = 0;
  bool upper = false;
  for (size_t i = 0; i < n; i++) {
    if (name[i] == '_') {
      upper = true;
    } else if (upper) {
      out[k++] = (name[i] >= 'a' && name[i] <= 'z') ? (char)(name[i] - 'a' + 'A') : name[i];
      upper = false;
    } else {
      out[k++] = name[i];
    }
  }
  out[k] = 0;
  return out;
}

/* map<K, V> foo_bar = 1;  =>  nested message FooBarEntry. */
static const char *map_entry_name(builder *b, const char *field) {
  size_t n = strlen(field);
  char *out = buoy_arena_alloc_raw(&b->c->arena, n + 6);
  size_t k = 0;
  bool upper = true;
  for (size_t i = 0; i < n; i++) {
    if (field[i] == '_') {
      upper = true;
    } else if (upper) {
      out[k++] = (field[i] >= 'a' && field[i] <= 'z') ? (char)(field[i] - 'a' + 'A') : field[i];
      upper = false;
    } else {
      out[k++] = field[i];
    }
  }
  memcpy(out + k, "Entry", 6);
  return out;
}

static const char *lowercase(builder *b, const char *s) {
  size_t n = strlen(s);
  char *out = buoy_arena_strndup(&b->c->arena, s, n);
  for (size_t i = 0; i < n; i++)
    if (out[i] >= 'A' && out[i] <= 'Z') out[i] = (char)(out[i] - 'A' + 'a');
  return out;
}

/* The text buf writes for a float or double default: the shortest digits
 * that read back as the same double (a float's value widened first), in
 * exponent form when the exponent is below -4 or at least 6, as Go's
 * strconv.FormatFloat(v, 'g', -1, 64) writes it. */
static const char *format_double(builder *b, double v) {
  if (isinf(v)) return v > 0 ? "inf" : "-inf";
  if (isnan(v)) return "nan";
  if (v == 0) return signbit(v) ? "-0" : "0";
  char e[40];
  for (int prec = 1; prec <= 17; prec++) {
    snprintf(e, sizeof e, "%.*e", prec - 1, v);
    if (strtod(e, NULL) == v) break;
  }
  /* e is [-]d[.ddd]e(+|-)x: split into sign, digits and exponent */
  const char *p = e;
  bool neg = *p == '-';
  if (neg) p++;
  char digits[24];
  int nd = 0;
  for (; *p && *p != 'e'; p++)
    if (*p != '.') digits[nd++] = *p;
  while (nd > 1 && digits[nd - 1] == '0')
    nd--;
  int exp = atoi(p + 1);
  char out[48];
  int k = 0;
  if (neg) out[k++] = '-';
  if (exp < -4 || exp >= 6) {
    out[k++] = digits[0];
    if (nd > 1) {
      out[k++] = '.';
      for (int i = 1; i < nd; i++)
        out[k++] = digits[i];
    }
    k += snprintf(out + k, sizeof out - (size_t)k, "e%c%02d", exp < 0 ? '-' : '+', exp < 0 ? -exp : exp);
  } else if (exp < 0) {
    out[k++] = '0';
    out[k++] = '.';
    for (int i = -1; i > exp; i--)
      out[k++] = '0';
    for (int i = 0; i < nd; i++)
      out[k++] = digits[i];
    out[k] = 0;
  } else {
    for (int i = 0; i <= exp || i < nd; i++) {
      if (i == exp + 1) out[k++] = '.';
      out[k++] = i < nd ? digits[i] : '0';
    }
    out[k] = 0;
  }
  return buoy_arena_strndup(&b->c->arena, out, strlen(out));
}

/* An integer literal too large for 64 bits, as a double: its decimal digits
 * accumulated one by one, as buf reads them. */
static double overflowed_int(builder *b, const buoy_value *v) {
  const buoy_token *t = &b->f->ast.tokens[v->r.last];
  const char *s = b->f->ast.src->text + t->start;
  double d = 0;
  for (uint32_t i = 0; i < t->len; i++)
    if (s[i] >= '0' && s[i] <= '9') d = d * 10 + (s[i] - '0');
  return d;
}

static const char *format_float_default(builder *b, const bu_field *fl, double v) {
  return format_double(b, fl->type == BUOY_TYPE_FLOAT ? (double)(float)v : v);
}

/* Bytes as C escapes (protoc's CEscape): \n \r \t \" \' \\ and octal. */
static const char *c_escape(builder *b, const char *s, uint32_t n) {
  char *out = buoy_arena_alloc_raw(&b->c->arena, (size_t)n * 4 + 1);
  size_t k = 0;
  for (uint32_t i = 0; i < n; i++) {
    unsigned char ch = (unsigned char)s[i];
    switch (ch) {
    case '\n': out[k++] = '\\', out[k++] = 'n'; break;
    case '\r': out[k++] = '\\', out[k++] = 'r'; break;
    case '\t': out[k++] = '\\', out[k++] = 't'; break;
    case '"': out[k++] = '\\', out[k++] = '"'; break;
    case '\'': out[k++] = '\\', out[k++] = '\''; break;
    case '\\': out[k++] = '\\', out[k++] = '\\'; break;
    default:
      if (ch < 0x20 || ch >= 0x7f)
        k += (size_t)sprintf(out + k, "\\%03o", ch);
      else
        out[k++] = (char)ch;
    }
  }
  out[k] = 0;
  return out;
}

/* The default_value text protoc writes for `[default = ...]`. */
static const char *default_text(builder *b, const bu_field *fl, const buoy_value *v) {
  char buf[32];
  switch (v->kind) {
  case BUOY_VAL_INT:
    if (fl->type == BUOY_TYPE_FLOAT || fl->type == BUOY_TYPE_DOUBLE)
    {
      double d = v->overflow ? overflowed_int(b, v) : (double)v->v.u;
      return format_float_default(b, fl, v->negative ? -d : d);
    }
    snprintf(buf, sizeof buf, "%s%llu", v->negative && v->v.u ? "-" : "", (unsigned long long)v->v.u);
    return buoy_arena_strndup(&b->c->arena, buf, strlen(buf));
  case BUOY_VAL_FLOAT: return format_float_default(b, fl, v->negative ? -v->v.f : v->v.f);
  case BUOY_VAL_STRING:
    if (fl->type == BUOY_TYPE_BYTES) return c_escape(b, v->v.str.bytes, v->v.str.len);
    return buoy_arena_strndup(&b->c->arena, v->v.str.bytes, v->v.str.len);
  case BUOY_VAL_IDENT:
    if ((fl->type == BUOY_TYPE_FLOAT || fl->type == BUOY_TYPE_DOUBLE) &&
        (strcmp(v->v.ident.text, "inf") == 0 || strcmp(v->v.ident.text, "nan") == 0))
      return v->negative && v->v.ident.text[0] == 'i' ? "-inf" : v->v.ident.text;
    return buoy_arena_strndup(&b->c->arena, v->v.ident.text, strlen(v->v.ident.text));
  default: return NULL; /* a message literal: reported when options are checked */
  }
}

static bu_message *new_message(builder *b, const char *name, const char *scope, bu_message *parent, const buoy_decl *d,
                               uint32_t name_tok) {
  bu_message *m = BUOY_NEW(&b->c->arena, bu_message);
  m->name = name;
  m->full_name = scoped(b, scope, name);
  m->parent = parent;
  m->decl = d;
  m->file = b->f;
  if (d && d->kind == BUOY_DECL_MESSAGE)
    m->visibility = d->u.block.visibility == BUOY_VIS_LOCAL ? 1 : d->u.block.visibility == BUOY_VIS_EXPORT ? 2 : 0;
  define(b, m->full_name, BU_SYM_MESSAGE, m, name_tok);
  return m;
}

static void build_message_body(builder *b, bu_message *m, const buoy_decl *body);
static void build_message_ranges(builder *b, bu_message *m, const buoy_decl *body);
static void add_ranges(builder *b, bu_vec *into, const buoy_decl *d, bool inclusive, int32_t max);
static void add_reserved_names(builder *b, bu_vec *into, const buoy_decl *d);
static void build_enum(builder *b, const buoy_decl *d, const char *scope, bu_message *parent, bu_vec *into);

static void set_type(bu_field *fl, const buoy_typeref *t, buoy_arena *a) {
  if (t->scalar != BUOY_TYPE_NONE)
    fl->type = (int)t->scalar;
  else
    fl->type_name = buoy_arena_strndup(a, t->name.text, t->name.len);
}

/* A field, map field or group, in message m (or in an extend block inside
 * it, or at file level when m is NULL). Nested types it brings (map entries,
 * groups) go to nested_into, in the scope named scope. */
static bu_field *build_field(builder *b, const buoy_decl *d, bu_message *m, const char *scope, bu_vec *nested_into,
                             bu_message *nested_parent, const char *extendee, int32_t oneof_index) {
  bu_field *fl = BUOY_NEW(&b->c->arena, bu_field);
  fl->file = b->f;
  fl->decl = d;
  fl->containing = extendee ? NULL : m;
  fl->scope = m;
  fl->oneof_index = oneof_index;
  fl->number = (int32_t)d->u.field.number.value;
  fl->extendee = extendee;
  const char *written = dup_name(b, &d->u.field.name);
  fl->name = d->u.field.is_group ? lowercase(b, written) : written;
  fl->full_name = scoped(b, extendee ? scope : m->full_name, fl->name);
  switch (d->u.field.label) {
  case BUOY_LABEL_REQUIRED: fl->label = BU_LABEL_REQUIRED; break;
  case BUOY_LABEL_REPEATED: fl->label = BU_LABEL_REPEATED; break;
  default: fl->label = BU_LABEL_OPTIONAL; break;
  }
  if (d->u.field.label == BUOY_LABEL_OPTIONAL && b->f->ast.syntax == BUOY_SYNTAX_PROTO3 && oneof_index < 0)
    fl->proto3_optional = true;
  fl->json_name = bu_json_name(&b->c->arena, fl->name);
  const buoy_value *default_value = NULL;
  for (const buoy_option *o = d->u.field.options ? d->u.field.options->list : NULL; o; o = o->next) {
    if (o->name->extension || o->name->next) continue;
    const buoy_value *v = o->value;
    if (strcmp(o->name->name.text, "json_name") == 0 && v->kind == BUOY_VAL_STRING) {
      fl->json_name = buoy_arena_strndup(&b->c->arena, v->v.str.bytes, v->v.str.len);
      fl->json_name_explicit = true;
    }
    if (strcmp(o->name->name.text, "default") == 0) default_value = v;
  }
  define(b, fl->full_name, BU_SYM_FIELD, fl, d->u.field.name.r.first);

  if (d->u.field.is_map) {
    bu_message *entry = new_message(b, map_entry_name(b, fl->name), scope, nested_parent, d, d->u.field.name.r.first);
    entry->map_entry = true;
    static const char *const names[] = {"key", "value"};
    const buoy_typeref *types[] = {&d->u.field.key, &d->u.field.value};
    for (int i = 0; i < 2; i++) {
      bu_field *kv = BUOY_NEW(&b->c->arena, bu_field);
      kv->file = b->f;
      kv->name = names[i];
      kv->full_name = scoped(b, entry->full_name, names[i]);
      kv->number = i + 1;
      kv->label = BU_LABEL_OPTIONAL;
      kv->oneof_index = -1;
      kv->json_name = names[i];
      kv->containing = entry;
      kv->scope = entry;
      set_type(kv, types[i], &b->c->arena);
      define(b, kv->full_name, BU_SYM_FIELD, kv, d->u.field.name.r.first);
      bu_vec_push(&b->c->arena, &entry->fields, kv);
    }
    bu_vec_push(&b->c->arena, nested_into, entry);
    fl->label = BU_LABEL_REPEATED;
    fl->type_name = bu_strcat3(&b->c->arena, ".", "", entry->full_name); /* resolved later, like any name */
  } else if (d->u.field.is_group) {
    bu_message *g = new_message(b, written, scope, nested_parent, d, d->u.field.name.r.first);
    bu_vec_push(&b->c->arena, nested_into, g);
    build_message_body(b, g, d->u.field.body);
    fl->type = BUOY_TYPE_GROUP;
    fl->type_name = bu_strcat3(&b->c->arena, ".", "", g->full_name);
  } else {
    set_type(fl, &d->u.field.type, &b->c->arena);
  }
  if (default_value) fl->default_value = default_text(b, fl, default_value);
  return fl;
}

static void build_extend(builder *b, const buoy_decl *d, bu_message *m, const char *scope, bu_vec *fields_into,
                         bu_vec *nested_into) {
  const char *extendee = dup_name(b, &d->u.block.name);
  for (const buoy_decl *x = d->u.block.body; x; x = x->next) {
    if (x->kind != BUOY_DECL_FIELD) continue;
    bu_field *fl = build_field(b, x, m, scope, nested_into, m, extendee, -1);
    fl->extend_decl = d;
    bu_vec_push(&b->c->arena, fields_into, fl);
  }
}

/* The synthetic oneofs of proto3 `optional` fields come after the real ones,
 * named _field, with X prepended until the name is free (as protoc does). */
static void add_synthetic_oneofs(builder *b, bu_message *m) {
  for (uint32_t i = 0; i < m->fields.count; i++) {
    bu_field *fl = BU_VEC_AT(m->fields, bu_field, i);
    if (!fl->proto3_optional) continue;
    const char *name = fl->name[0] == '_' ? fl->name : bu_strcat3(&b->c->arena, "_", "", fl->name);
    for (;;) {
      bool taken = false;
      for (uint32_t j = 0; j < m->fields.count && !taken; j++)
        taken = strcmp(BU_VEC_AT(m->fields, bu_field, j)->name, name) == 0;
      for (uint32_t j = 0; j < m->oneofs.count && !taken; j++)
        taken = strcmp(BU_VEC_AT(m->oneofs, bu_oneof, j)->name, name) == 0;
      if (!taken) break;
      name = bu_strcat3(&b->c->arena, "X", "", name);
    }
    bu_oneof *o = BUOY_NEW(&b->c->arena, bu_oneof);
    o->name = name;
    o->full_name = scoped(b, m->full_name, name);
    o->synthetic = true;
    o->decl = fl->decl;
    fl->oneof_index = (int32_t)m->oneofs.count;
    bu_vec_push(&b->c->arena, &m->oneofs, o);
  }
}

/* A statement `option NAME = IDENT;` (or `option NAME.SUB = IDENT;`) in a
 * body, read before options are interpreted: the few facts the model keeps
 * from the tree for checks of other files (the tree may be released). */
static bool body_option_is(const buoy_decl *body, const char *name, const char *sub, const char *ident) {
  for (const buoy_decl *d = body; d; d = d->next) {
    if (d->kind != BUOY_DECL_OPTION) continue;
    const buoy_optname_part *p = d->u.option->name;
    if (p->extension || strcmp(p->name.text, name) != 0) continue;
    if (sub ? !(p->next && !p->next->extension && !p->next->next && strcmp(p->next->name.text, sub) == 0) : !!p->next)
      continue;
    const buoy_value *v = d->u.option->value;
    return v->kind == BUOY_VAL_IDENT && !v->negative && strcmp(v->v.ident.text, ident) == 0;
  }
  return false;
}

static void build_message_body(builder *b, bu_message *m, const buoy_decl *body) {
  m->message_set = body_option_is(body, "message_set_wire_format", NULL, "true");
  m->map_entry_written = body_option_is(body, "map_entry", NULL, "true");
  build_message_ranges(b, m, body);
  for (const buoy_decl *d = body; d; d = d->next) {
    switch (d->kind) {
    case BUOY_DECL_FIELD:
      bu_vec_push(&b->c->arena, &m->fields, build_field(b, d, m, m->full_name, &m->nested, m, NULL, -1));
      break;
    case BUOY_DECL_ONEOF: {
      bu_oneof *o = BUOY_NEW(&b->c->arena, bu_oneof);
      o->name = dup_name(b, &d->u.block.name);
      o->full_name = scoped(b, m->full_name, o->name);
      o->decl = d;
      define(b, o->full_name, BU_SYM_ONEOF, o, d->u.block.name.r.first);
      int32_t index = (int32_t)m->oneofs.count;
      bu_vec_push(&b->c->arena, &m->oneofs, o);
      for (const buoy_decl *x = d->u.block.body; x; x = x->next)
        if (x->kind == BUOY_DECL_FIELD)
          bu_vec_push(&b->c->arena, &m->fields, build_field(b, x, m, m->full_name, &m->nested, m, NULL, index));
      break;
    }
    case BUOY_DECL_MESSAGE: {
      bu_message *n = new_message(b, dup_name(b, &d->u.block.name), m->full_name, m, d, d->u.block.name.r.first);
      bu_vec_push(&b->c->arena, &m->nested, n);
      build_message_body(b, n, d->u.block.body);
      break;
    }
    case BUOY_DECL_ENUM: build_enum(b, d, m->full_name, m, &m->enums); break;
    case BUOY_DECL_EXTEND: build_extend(b, d, m, m->full_name, &m->extensions, &m->nested); break;
    default: break;
    }
  }
  if (b->f->ast.syntax == BUOY_SYNTAX_PROTO3) add_synthetic_oneofs(b, m);
}

static int32_t int_value(const buoy_intlit *k) { return k->negative ? (int32_t)(0 - k->value) : (int32_t)k->value; }

/* Ranges of a message's extensions or reserved statement: the end is
 * exclusive, and `max` is the largest field number, or for a message set
 * the largest int32 (decided once options are known; see message_max). */
static void add_ranges(builder *b, bu_vec *into, const buoy_decl *d, bool inclusive, int32_t max) {
  for (const buoy_range *r = d->u.ranges.ranges; r; r = r->next) {
    bu_range *x = BUOY_NEW(&b->c->arena, bu_range);
    x->ast = r;
    x->decl = d;
    x->start = int_value(&r->start);
    int64_t end = r->end.is_max ? max : int_value(&r->end);
    if (!inclusive && !r->end.is_max) end++;
    x->end = (int32_t)end;
    bu_vec_push(&b->c->arena, into, x);
  }
}

static void add_reserved_names(builder *b, bu_vec *into, const buoy_decl *d) {
  for (const buoy_rname *n = d->u.ranges.names; n; n = n->next)
    bu_vec_push(&b->c->arena, into, buoy_arena_strndup(&b->c->arena, n->text, n->len));
}

/* `option message_set_wire_format = true;` raises `max` to INT32_MAX. */
static int32_t message_max(const buoy_decl *body) {
  for (const buoy_decl *d = body; d; d = d->next)
    if (d->kind == BUOY_DECL_OPTION && !d->u.option->name->extension && !d->u.option->name->next &&
        strcmp(d->u.option->name->name.text, "message_set_wire_format") == 0 &&
        d->u.option->value->kind == BUOY_VAL_IDENT && strcmp(d->u.option->value->v.ident.text, "true") == 0)
      return INT32_MAX;
  return 536870912; /* one past the largest field number */
}

static void build_message_ranges(builder *b, bu_message *m, const buoy_decl *body) {
  int32_t max = message_max(body);
  for (const buoy_decl *d = body; d; d = d->next) {
    if (d->kind == BUOY_DECL_EXTENSIONS) add_ranges(b, &m->extension_ranges, d, false, max);
    if (d->kind == BUOY_DECL_RESERVED) {
      add_ranges(b, &m->reserved_ranges, d, false, max);
      add_reserved_names(b, &m->reserved_names, d);
    }
  }
}

static void build_enum(builder *b, const buoy_decl *d, const char *scope, bu_message *parent, bu_vec *into) {
  bu_enum *e = BUOY_NEW(&b->c->arena, bu_enum);
  e->name = dup_name(b, &d->u.block.name);
  e->full_name = scoped(b, scope, e->name);
  e->parent = parent;
  e->decl = d;
  e->file = b->f;
  define(b, e->full_name, BU_SYM_ENUM, e, d->u.block.name.r.first);
  bu_vec_push(&b->c->arena, into, e);
  e->visibility = d->u.block.visibility == BUOY_VIS_LOCAL ? 1 : d->u.block.visibility == BUOY_VIS_EXPORT ? 2 : 0;
  e->closed_feature = body_option_is(d->u.block.body, "features", "enum_type", "CLOSED") ||
                      body_option_is(b->f->ast.decls, "features", "enum_type", "CLOSED");
  for (const buoy_decl *x = d->u.block.body; x; x = x->next) {
    if (x->kind == BUOY_DECL_RESERVED) {
      add_ranges(b, &e->reserved_ranges, x, true, INT32_MAX);
      add_reserved_names(b, &e->reserved_names, x);
    }
    if (x->kind != BUOY_DECL_ENUM_VALUE) continue;
    bu_enum_value *v = BUOY_NEW(&b->c->arena, bu_enum_value);
    v->name = dup_name(b, &x->u.value.name);
    v->full_name = scoped(b, scope, v->name); /* C++ scoping: a sibling of the enum */
    uint64_t n = x->u.value.number.value;
    v->number = x->u.value.number.negative ? (int32_t)(0 - n) : (int32_t)n;
    v->decl = x;
    define(b, v->full_name, BU_SYM_ENUM_VALUE, v, x->u.value.name.r.first);
    bu_vec_push(&b->c->arena, &e->values, v);
  }
}

static void build_service(builder *b, const buoy_decl *d) {
  bu_service *s = BUOY_NEW(&b->c->arena, bu_service);
  s->name = dup_name(b, &d->u.block.name);
  s->full_name = scoped(b, b->f->package, s->name);
  s->decl = d;
  define(b, s->full_name, BU_SYM_SERVICE, s, d->u.block.name.r.first);
  bu_vec_push(&b->c->arena, &b->f->services, s);
  for (const buoy_decl *x = d->u.block.body; x; x = x->next) {
    if (x->kind != BUOY_DECL_RPC) continue;
    bu_method *mt = BUOY_NEW(&b->c->arena, bu_method);
    mt->name = dup_name(b, &x->u.rpc.name);
    mt->full_name = scoped(b, s->full_name, mt->name);
    mt->input_type = dup_name(b, &x->u.rpc.input.type);
    mt->output_type = dup_name(b, &x->u.rpc.output.type);
    mt->client_streaming = x->u.rpc.input.stream;
    mt->server_streaming = x->u.rpc.output.stream;
    mt->decl = x;
    define(b, mt->full_name, BU_SYM_METHOD, mt, x->u.rpc.name.r.first);
    bu_vec_push(&b->c->arena, &s->methods, mt);
  }
}

/* Registers a.b.c as the packages a, a.b and a.b.c. */
static void define_package(builder *b, const char *pkg, uint32_t tok) {
  size_t n = strlen(pkg);
  for (size_t i = 0; i <= n; i++) {
    if (pkg[i] != '.' && pkg[i] != 0) continue;
    const char *prefix = buoy_arena_strndup(&b->c->arena, pkg, i);
    define(b, prefix, BU_SYM_PACKAGE, NULL, tok);
  }
}

void bu_build_file(bu_compiler *c, bu_file *f) {
  builder b = {c, f};
  f->package = "";
  f->syntax = f->ast.syntax == BUOY_SYNTAX_PROTO3     ? "proto3"
              : f->ast.syntax == BUOY_SYNTAX_EDITIONS ? "editions"
                                                      : "proto2";
  f->edition = f->ast.edition;
  f->lite = body_option_is(f->ast.decls, "optimize_for", NULL, "LITE_RUNTIME");
  f->syntax_unspecified = true;
  for (const buoy_decl *d = f->ast.decls; d; d = d->next)
    if (d->kind == BUOY_DECL_SYNTAX || d->kind == BUOY_DECL_EDITION) f->syntax_unspecified = false;
  for (const buoy_decl *d = f->ast.decls; d; d = d->next)
    if (d->kind == BUOY_DECL_PACKAGE) {
      f->package = dup_name(&b, &d->u.package.name);
      define_package(&b, f->package, d->u.package.name.r.first);
    }
  for (const buoy_decl *d = f->ast.decls; d; d = d->next) {
    switch (d->kind) {
    case BUOY_DECL_MESSAGE: {
      bu_message *m = new_message(&b, dup_name(&b, &d->u.block.name), f->package, NULL, d, d->u.block.name.r.first);
      bu_vec_push(&c->arena, &f->messages, m);
      build_message_body(&b, m, d->u.block.body);
      break;
    }
    case BUOY_DECL_ENUM: build_enum(&b, d, f->package, NULL, &f->enums); break;
    case BUOY_DECL_SERVICE: build_service(&b, d); break;
    case BUOY_DECL_EXTEND: build_extend(&b, d, NULL, f->package, &f->extensions, &f->messages); break;
    default: break;
    }
  }
}
