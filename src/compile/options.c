/* Option interpretation: `option (my.ext).field = value;`, `[packed = true]`
 * and message literals become dynamic messages (bu_optmsg) of descriptor.proto's
 * *Options types, checked against the types of the fields they set.
 *
 * Standard and custom options go through the same path: a plain name is a
 * field of the options message (descriptor.proto is compiled like any other
 * file, from the embedded copy when no import brings it), a name in
 * parentheses an extension of it found by protoc's scoped lookup. A path
 * `(a).b.c` sets fields inside message values, merging with what earlier
 * options of the same element set.
 *
 * The encoder writes a message as buf (Go's protobuf) does: extensions first,
 * by number, then the other fields by number; repeated values in the order
 * written, packed where the field is. */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "compile/internal.h"

/* A path below an element's options field, for source info. */
typedef struct optpath {
  int32_t items[BUOY_MAX_NESTING * 2 + 8];
  uint32_t len;
  bool ok; /* false once too deep: nothing below is located */
} optpath;

typedef struct interp {
  bu_compiler *c;
  bu_file *f;
  const char *scope; /* the element's full name: lookups start in its parent */
  int target;        /* FieldOptions.OptionTargetType of the element */
  uint32_t lit_tok;  /* inside a message literal: its first token, else UINT32_MAX */
  const char *target_name;
  optpath path;
} interp;

/* An error at token tok. protoc reports any error inside a message literal
 * at the literal's start; buf (the reference for editions) where it is. */
static void oerr(interp *in, uint32_t tok, const char *fmt, ...) BUOY_PRINTF(3, 4);
static void oerr(interp *in, uint32_t tok, const char *fmt, ...) {
  if (in->lit_tok != UINT32_MAX && in->f->ast.syntax != BUOY_SYNTAX_EDITIONS) tok = in->lit_tok;
  char msg[1024];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof msg, fmt, ap);
  va_end(ap);
  bu_error(in->c, in->f, tok, "%s", msg);
}

static void path_push(interp *in, int32_t v) {
  if (in->path.len < sizeof in->path.items / sizeof in->path.items[0])
    in->path.items[in->path.len] = v;
  else
    in->path.ok = false;
  in->path.len++;
}

/* Records the current path as the location of an option or literal field. */
static bu_optloc *record(interp *in, const void *node) {
  if (!in->path.ok) return NULL;
  bu_optloc *l = BUOY_NEW(&in->f->ast.arena, bu_optloc); /* released with the file's tree */
  l->node = node;
  l->len = in->path.len;
  l->path = buoy_arena_alloc_raw(&in->f->ast.arena, sizeof(int32_t) * (l->len ? l->len : 1));
  memcpy(l->path, in->path.items, sizeof(int32_t) * l->len);
  buoy_strmap_put(&in->f->optlocs, (const char *)&l->node, sizeof l->node, l);
  return l;
}

/* ---------------------------------------------------------------- values */

static bu_optfield *find_set(bu_optmsg *m, const bu_field *fl) {
  for (bu_optfield *x = m->fields; x; x = x->next)
    if (x->field == fl) return x;
  return NULL;
}

static bu_optfield *add_set(interp *in, bu_optmsg *m, const bu_field *fl) {
  bu_optfield *x = BUOY_NEW(&in->c->arena, bu_optfield);
  x->field = fl;
  bu_optfield **tail = &m->fields;
  while (*tail)
    tail = &(*tail)->next;
  *tail = x;
  return x;
}

static bu_optval *append_value(interp *in, bu_optfield *x) {
  bu_optval *v = BUOY_NEW(&in->c->arena, bu_optval);
  if (x->last)
    x->last->next = v;
  else
    x->first = v;
  x->last = v;
  x->count++;
  return v;
}

static bu_optmsg *new_msg(interp *in, const bu_message *type) {
  bu_optmsg *m = BUOY_NEW(&in->c->arena, bu_optmsg);
  m->type = type;
  return m;
}

static bool is_message(const bu_field *fl) { return fl->type == BUOY_TYPE_MESSAGE || fl->type == BUOY_TYPE_GROUP; }

/* The name a field is set by in an option: for an extension, its full name
 * in parentheses. */
static const char *display_name(interp *in, const bu_field *fl) {
  return fl->extendee ? bu_strcat3(&in->c->arena, "(", fl->full_name, ")") : fl->name;
}

/* ---------------------------------------------------------------- lookup */

static const bu_field *field_by_name(const bu_message *m, const char *name, size_t n) {
  for (uint32_t i = 0; i < m->fields.count; i++) {
    const bu_field *fl = BU_VEC_AT(m->fields, bu_field, i);
    if (strlen(fl->name) == n && memcmp(fl->name, name, n) == 0) return fl;
  }
  return NULL;
}

/* In text format a group is named by its type name (`MyGroup { ... }`);
 * its field name is accepted too. */
static const bu_field *text_field(const bu_message *m, const char *name, size_t n) {
  const bu_field *fl = field_by_name(m, name, n);
  if (fl) return fl;
  for (uint32_t i = 0; i < m->fields.count; i++) {
    const bu_field *g = BU_VEC_AT(m->fields, bu_field, i);
    if (g->type == BUOY_TYPE_GROUP && g->message_type && strlen(g->message_type->name) == n &&
        memcmp(g->message_type->name, name, n) == 0)
      return g;
  }
  return NULL;
}

static bool extends(const bu_field *fl, const bu_message *m) {
  return fl->extendee && fl->extendee[0] == '.' && strcmp(fl->extendee + 1, m->full_name) == 0;
}

/* An extension of m named as written in an option or a message literal. */
static const bu_field *find_extension(interp *in, const bu_message *m, const buoy_name *name, uint32_t tok) {
  bu_symbol *s = bu_lookup(in->c, in->f, name->text, in->scope);
  if (!s) {
    oerr(in, tok, "option \"(%s)\" is not defined", name->text);
    return NULL;
  }
  if (s->kind != BU_SYM_FIELD || !((bu_field *)s->ptr)->extendee) {
    oerr(in, tok, "\"%s\" is not an extension", name->text);
    return NULL;
  }
  const bu_field *fl = s->ptr;
  bu_mark_used(in->f, s->file);
  if (!extends(fl, m)) {
    oerr(in, tok, "\"%s\" extends %s, not %s", fl->full_name, fl->extendee + 1, m->full_name);
    return NULL;
  }
  return fl;
}

/* ---------------------------------------------------------------- checks */

/* The values an options message has for its field named name. */
static const bu_optfield *option_named(const bu_optmsg *opts, const char *name) {
  if (!opts) return NULL;
  for (const bu_optfield *x = opts->fields; x; x = x->next)
    if (!x->field->extendee && strcmp(x->field->name, name) == 0) return x;
  return NULL;
}

static const char *edition_name(int32_t e) {
  switch (e) {
  case 998: return "proto2";
  case 999: return "proto3";
  case 1000: return "2023";
  case 1001: return "2024";
  default: return "an unknown edition";
  }
}

static int32_t file_edition(const bu_file *f) {
  if (f->ast.syntax == BUOY_SYNTAX_PROTO3) return 999;
  if (f->ast.syntax != BUOY_SYNTAX_EDITIONS || !f->edition) return 998;
  return strcmp(f->edition, "2023") == 0 ? 1000 : 1001;
}

/* FieldOptions.feature_support / EnumValueOptions.feature_support: whether
 * what is being set exists in the file's edition. */
static bool check_support(interp *in, const bu_optmsg *opts, const char *what, uint32_t tok) {
  const bu_optfield *fs = option_named(opts, "feature_support");
  if (!fs || !fs->first || in->f->ast.syntax != BUOY_SYNTAX_EDITIONS) return true;
  int32_t edition = file_edition(in->f);
  const bu_optfield *intro = option_named(fs->first->v.msg, "edition_introduced");
  const bu_optfield *removed = option_named(fs->first->v.msg, "edition_removed");
  if (intro && intro->first && edition < (int32_t)intro->first->v.u) {
    oerr(in, tok, "%s is not available before edition %s", what,
             edition_name((int32_t)intro->first->v.u));
    return false;
  }
  if (removed && removed->first && edition >= (int32_t)removed->first->v.u) {
    oerr(in, tok, "%s was removed in edition %s", what, edition_name((int32_t)removed->first->v.u));
    return false;
  }
  return true;
}

/* FieldOptions.targets: the kinds of element an option field may be set on. */
static bool check_target(interp *in, const bu_field *fl, uint32_t tok, uint32_t option_tok) {
  const bu_optfield *t = option_named(fl->options, "targets");
  bool ok = true;
  if (t && in->target) {
    ok = false;
    for (const bu_optval *v = t->first; v && !ok; v = v->next)
      ok = (int)v->v.u == in->target;
    if (!ok) oerr(in, tok, "option %s cannot be set on %s", display_name(in, fl), in->target_name);
  }
  char what[256];
  snprintf(what, sizeof what, "option %s", display_name(in, fl));
  return check_support(in, fl->options, what, option_tok) && ok;
}

/* ---------------------------------------------------------------- scalars */

static const char *type_word(int type) {
  static const char *const words[] = {"",       "double", "float",   "int64",    "uint64",   "int32",  "fixed64",
                                      "fixed32", "bool",  "string",  "group",    "message",  "bytes",  "uint32",
                                      "enum",    "sfixed32", "sfixed64", "sint32", "sint64"};
  return type >= 0 && type <= 18 ? words[type] : "?";
}

/* Integer limits of a type: [-neg_max, pos_max]. */
static void int_limits(int type, uint64_t *neg_max, uint64_t *pos_max) {
  switch (type) {
  case BUOY_TYPE_INT32:
  case BUOY_TYPE_SINT32:
  case BUOY_TYPE_SFIXED32: *neg_max = 0x80000000u, *pos_max = 0x7fffffffu; break;
  case BUOY_TYPE_UINT32:
  case BUOY_TYPE_FIXED32: *neg_max = 0, *pos_max = 0xffffffffu; break;
  case BUOY_TYPE_UINT64:
  case BUOY_TYPE_FIXED64: *neg_max = 0, *pos_max = UINT64_MAX; break;
  default: *neg_max = 0x8000000000000000u, *pos_max = 0x7fffffffffffffffu; break;
  }
}

static bool is_integer_type(int t) {
  switch (t) {
  case BUOY_TYPE_INT32:
  case BUOY_TYPE_SINT32:
  case BUOY_TYPE_SFIXED32:
  case BUOY_TYPE_UINT32:
  case BUOY_TYPE_FIXED32:
  case BUOY_TYPE_INT64:
  case BUOY_TYPE_SINT64:
  case BUOY_TYPE_SFIXED64:
  case BUOY_TYPE_UINT64:
  case BUOY_TYPE_FIXED64: return true;
  default: return false;
  }
}

static bool ident_is(const buoy_value *v, const char *s) {
  return v->kind == BUOY_VAL_IDENT && strcmp(v->v.ident.text, s) == 0;
}

static bool ident_is_nocase(const buoy_value *v, const char *s) {
  if (v->kind != BUOY_VAL_IDENT) return false;
  const char *t = v->v.ident.text;
  size_t n = strlen(s);
  if (strlen(t) != n) return false;
  for (size_t i = 0; i < n; i++) {
    char a = t[i];
    if (a >= 'A' && a <= 'Z') a = (char)(a - 'A' + 'a');
    if (a != s[i]) return false;
  }
  return true;
}

/* Checks a scalar value against the field's type and stores it in out.
 * in_literal: inside a message literal, where text format's looser
 * spellings are allowed (enum numbers, `t`/`f`, `infinity`). */
static bool scalar_value(interp *in, const bu_field *fl, const buoy_value *v, bool in_literal, bu_optval *out) {
  const char *what = display_name(in, fl);
  int t = fl->type;
  if (is_integer_type(t)) {
    if (v->kind != BUOY_VAL_INT) {
      oerr(in, v->r.first, "option %s needs an integer (%s) value", what, type_word(t));
      return false;
    }
    uint64_t neg_max, pos_max;
    int_limits(t, &neg_max, &pos_max);
    if (v->overflow || (v->negative ? v->v.u > neg_max : v->v.u > pos_max)) {
      oerr(in, v->r.first, "value is out of range for %s option %s", type_word(t), what);
      return false;
    }
    out->v.u = v->negative ? 0 - v->v.u : v->v.u;
    return true;
  }
  switch (t) {
  case BUOY_TYPE_FLOAT:
  case BUOY_TYPE_DOUBLE: {
    double d;
    if (v->kind == BUOY_VAL_INT)
      d = (double)v->v.u;
    else if (v->kind == BUOY_VAL_FLOAT)
      d = v->v.f;
    else if (ident_is(v, "inf") || (in_literal && (ident_is_nocase(v, "inf") || ident_is_nocase(v, "infinity"))))
      d = INFINITY;
    else if (ident_is(v, "nan") || (in_literal && ident_is_nocase(v, "nan")))
      d = NAN;
    else {
      oerr(in, v->r.first, "option %s needs a number (%s) value", what, type_word(t));
      return false;
    }
    if (v->negative) d = -d;
    out->v.d = t == BUOY_TYPE_FLOAT ? (double)(float)d : d;
    return true;
  }
  case BUOY_TYPE_BOOL:
    if (ident_is(v, "true") || (in_literal && (ident_is(v, "True") || ident_is(v, "t")))) {
      out->v.u = 1;
    } else if (ident_is(v, "false") || (in_literal && (ident_is(v, "False") || ident_is(v, "f")))) {
      out->v.u = 0;
    } else if (in_literal && v->kind == BUOY_VAL_INT && !v->negative && v->v.u <= 1) {
      out->v.u = v->v.u;
    } else {
      oerr(in, v->r.first, "option %s needs true or false", what);
      return false;
    }
    if (v->negative && v->kind == BUOY_VAL_IDENT) {
      oerr(in, v->r.first, "option %s needs true or false", what);
      return false;
    }
    return true;
  case BUOY_TYPE_STRING:
  case BUOY_TYPE_BYTES:
    if (v->kind != BUOY_VAL_STRING) {
      oerr(in, v->r.first, "option %s needs a string value", what);
      return false;
    }
    /* copied: other files read options (edition_defaults, say) after this
     * file's tree is released */
    out->v.str.bytes = buoy_arena_strndup(&in->c->arena, v->v.str.bytes, v->v.str.len);
    out->v.str.len = v->v.str.len;
    return true;
  case BUOY_TYPE_ENUM: {
    const bu_enum *e = fl->enum_type;
    if (!e) return false;
    if (v->kind == BUOY_VAL_IDENT && !v->negative) {
      for (uint32_t i = 0; i < e->values.count; i++) {
        const bu_enum_value *ev = BU_VEC_AT(e->values, bu_enum_value, i);
        if (strcmp(ev->name, v->v.ident.text) == 0) {
          out->v.u = (uint64_t)(int64_t)ev->number;
          char what[256];
          snprintf(what, sizeof what, "value %s", ev->name);
          return check_support(in, ev->options, what, v->r.first);
        }
      }
      oerr(in, v->r.first, "enum %s has no value named \"%s\"", e->full_name, v->v.ident.text);
      return false;
    }
    if (in_literal && v->kind == BUOY_VAL_INT && !v->overflow &&
        (v->negative ? v->v.u <= 0x80000000u : v->v.u <= 0x7fffffffu)) {
      int32_t n = v->negative ? (int32_t)(0 - v->v.u) : (int32_t)v->v.u;
      out->v.u = (uint64_t)(int64_t)n;
      return true; /* open or closed alike: buf keeps the number */
    }
    oerr(in, v->r.first, "option %s needs a value name of enum %s", what, e->full_name);
    return false;
  }
  default: return false;
  }
}

/* ---------------------------------------------------------------- literals */

/* locate: whether the fields the literal sets get source locations (not
 * inside values of repeated fields, as buf does). */
static bool literal(interp *in, bu_optmsg *m, const buoy_value *lit, int depth, bool locate);

/* The message named in an Any literal's URL: the part after the last '/'. */
static const bu_message *any_type(interp *in, const buoy_msg_field *mf) {
  const char *url = mf->name.text;
  const char *slash = strrchr(url, '/');
  const char *name = slash ? slash + 1 : url;
  bu_symbol *s = buoy_strmap_get(&in->c->symbols, name, strlen(name));
  if (!s || s->kind != BU_SYM_MESSAGE) {
    oerr(in, mf->name_r.first, "message type \"%s\" in Any URL is not defined", name);
    return NULL;
  }
  bu_mark_used(in->f, s->file);
  return s->ptr;
}

static bool set_any(interp *in, bu_optmsg *m, const buoy_msg_field *mf, int depth) {
  if (strcmp(m->type->full_name, "google.protobuf.Any") != 0) {
    oerr(in, mf->name_r.first, "a type URL can only name the contents of a google.protobuf.Any");
    return false;
  }
  const bu_field *url_field = field_by_name(m->type, "type_url", 8);
  const bu_field *value_field = field_by_name(m->type, "value", 5);
  if (!url_field || !value_field) return false;
  if (find_set(m, url_field) || find_set(m, value_field)) {
    oerr(in, mf->name_r.first, "google.protobuf.Any contents are already set");
    return false;
  }
  const bu_message *type = any_type(in, mf);
  if (!type) return false;
  if (mf->value->kind != BUOY_VAL_MESSAGE) {
    oerr(in, mf->value->r.first, "the contents of an Any need a message value");
    return false;
  }
  bu_optmsg *inner = new_msg(in, type);
  if (!literal(in, inner, mf->value, depth + 1, false)) return false;
  bu_buf b = {0};
  bu_encode_optmsg(&b, inner);
  bu_optval *u = append_value(in, add_set(in, m, url_field));
  u->v.str.bytes = buoy_arena_strndup(&in->c->arena, mf->name.text, mf->name.len);
  u->v.str.len = mf->name.len;
  bu_optval *val = append_value(in, add_set(in, m, value_field));
  char *copy = buoy_arena_alloc_raw(&in->c->arena, b.len ? b.len : 1);
  if (b.len) memcpy(copy, b.data, b.len);
  val->v.str.bytes = copy;
  val->v.str.len = (uint32_t)b.len;
  bu_buf_free(&b);
  return true;
}

/* One value of field fl (not a list) into x. */
static bool literal_value(interp *in, bu_optfield *x, const bu_field *fl, const buoy_value *v, int depth,
                          bool locate) {
  if (is_message(fl)) {
    if (v->kind != BUOY_VAL_MESSAGE) {
      oerr(in, v->r.first, "field %s needs a message value", display_name(in, fl));
      return false;
    }
    bu_optval *ov = append_value(in, x);
    ov->v.msg = new_msg(in, fl->message_type);
    return literal(in, ov->v.msg, v, depth + 1, locate);
  }
  bu_optval tmp = {0};
  if (!scalar_value(in, fl, v, true, &tmp)) return false;
  *append_value(in, x) = tmp;
  return true;
}

static bool literal_entry(interp *in, bu_optfield *x, const bu_field *fl, const buoy_msg_field *mf, int depth,
                          bool locate);

static bool literal_field(interp *in, bu_optmsg *m, const buoy_msg_field *mf, int depth, bool locate) {
  const bu_field *fl;
  if (mf->name_kind == BUOY_MSGNAME_ANY) return set_any(in, m, mf, depth);
  if (mf->name_kind == BUOY_MSGNAME_EXTENSION) {
    fl = find_extension(in, m->type, &mf->name, mf->name_r.first);
  } else {
    fl = text_field(m->type, mf->name.text, mf->name.len);
    if (!fl)
      oerr(in, mf->name_r.first, "message %s has no field named \"%s\"", m->type->full_name,
               mf->name.text);
  }
  if (!fl || !check_target(in, fl, mf->name_r.first, mf->name_r.first)) return false;
  bu_optfield *x = find_set(m, fl);
  bool repeated = fl->label == BU_LABEL_REPEATED;
  if (x && !repeated) {
    oerr(in, mf->name_r.first, "field %s is set more than once", display_name(in, fl));
    return false;
  }
  if (!x) x = add_set(in, m, fl);
  /* buf locates a repeated field's entry at its index, a scalar's at its
   * field; a message's entry is not located, the fields inside it are. */
  uint32_t saved = in->path.len;
  path_push(in, fl->number);
  if (repeated) path_push(in, (int32_t)x->entries);
  x->entries++;
  if (locate && (repeated || !is_message(fl))) record(in, mf);
  bool ok = literal_entry(in, x, fl, mf, depth, locate && !repeated);
  in->path.len = saved;
  return ok;
}

static bool literal_entry(interp *in, bu_optfield *x, const bu_field *fl, const buoy_msg_field *mf, int depth,
                          bool locate) {
  bool repeated = fl->label == BU_LABEL_REPEATED;
  if (mf->value->kind == BUOY_VAL_LIST) {
    if (!repeated) {
      oerr(in, mf->value->r.first, "field %s is not repeated: a list cannot set it",
               display_name(in, fl));
      return false;
    }
    for (const buoy_value *item = mf->value->v.items; item; item = item->next)
      if (!literal_value(in, x, fl, item, depth, false)) return false;
    return true;
  }
  if (!is_message(fl) && mf->value->kind == BUOY_VAL_MESSAGE) {
    oerr(in, mf->value->r.first, "field %s is a %s, not a message", display_name(in, fl),
             type_word(fl->type));
    return false;
  }
  return literal_value(in, x, fl, mf->value, depth, locate);
}

/* A message literal `{ a: 1 b { ... } }` into m. */
static bool literal(interp *in, bu_optmsg *m, const buoy_value *lit, int depth, bool locate) {
  if (depth > BUOY_MAX_NESTING) {
    oerr(in, lit->r.first, "message literal nested too deeply");
    return false;
  }
  bool ok = true;
  for (const buoy_msg_field *mf = lit->v.fields; mf && ok; mf = mf->next)
    ok = literal_field(in, m, mf, depth, locate);
  return ok;
}

/* ---------------------------------------------------------------- options */

/* Text of an option name as written, for messages: `(foo.bar).baz`. */
static const char *option_text(interp *in, const buoy_optname_part *p, const buoy_optname_part *upto) {
  const char *s = "";
  for (; p; p = p->next) {
    const char *part = p->extension ? bu_strcat3(&in->c->arena, "(", p->name.text, ")") : p->name.text;
    s = s[0] ? bu_strcat3(&in->c->arena, s, ".", part) : part;
    if (p == upto) break;
  }
  return s;
}

/* Interprets one `name = value` into root. */
static void interpret(interp *in, bu_optmsg *root, const buoy_option *o) {
  bu_optmsg *m = root;
  in->path.len = 0;
  in->path.ok = true;
  for (const buoy_optname_part *p = o->name; p; p = p->next) {
    const bu_field *fl;
    if (p->extension) {
      fl = find_extension(in, m->type, &p->name, p->r.first);
    } else {
      fl = field_by_name(m->type, p->name.text, p->name.len);
      if (!fl)
        oerr(in, p->name.r.first, "option \"%s\" is not defined: %s has no field \"%s\"",
                 option_text(in, o->name, p), m->type->full_name, p->name.text);
    }
    if (!fl) return;
    if (!check_target(in, fl, p->name.r.first, o->name->r.first)) return;
    if (m == root && !fl->extendee && strcmp(fl->name, "features") == 0 &&
        in->f->ast.syntax != BUOY_SYNTAX_EDITIONS) {
      oerr(in, p->name.r.first, "features can only be set in editions files, not %s",
               in->f->ast.syntax == BUOY_SYNTAX_PROTO3 ? "proto3" : "proto2");
      return;
    }
    if (m == root && !fl->extendee &&
        (strcmp(fl->name, "uninterpreted_option") == 0 ||
         (strcmp(fl->name, "map_entry") == 0 && strcmp(m->type->full_name, "google.protobuf.MessageOptions") == 0 &&
          /* protoc (3.21) takes a hand-written map entry in proto2 and
           * proto3, checking its shape (validate.c); buf refuses it, and
           * is the reference for editions */
          in->f->ast.syntax == BUOY_SYNTAX_EDITIONS))) {
      oerr(in, p->name.r.first, "option \"%s\" cannot be set in a .proto file%s", fl->name,
               fl->name[0] == 'm' ? "; declare a map<K, V> field instead" : "");
      return;
    }
    bu_optfield *x = find_set(m, fl);
    bool repeated = fl->label == BU_LABEL_REPEATED;
    path_push(in, fl->number);
    if (p->next) {
      /* a step into a message value */
      if (!is_message(fl)) {
        oerr(in, o->name->r.first, "option \"%s\" is a %s, not a message: it has no fields",
                 option_text(in, o->name, p), type_word(fl->type));
        return;
      }
      if (repeated) {
        oerr(in, p->r.first, "option \"%s\" is a repeated message: set it with a message literal `{ ... }`",
                 option_text(in, o->name, p));
        return;
      }
      if (!x) {
        x = add_set(in, m, fl);
        append_value(in, x)->v.msg = new_msg(in, fl->message_type);
      }
      m = x->first->v.msg;
      continue;
    }
    /* the last part: set the value */
    if (x && !repeated) {
      oerr(in, o->name->r.first, "option \"%s\" is already set", option_text(in, o->name, NULL));
      return;
    }
    if (!x) x = add_set(in, m, fl);
    if (repeated) path_push(in, (int32_t)x->count);
    bu_optloc *where = record(in, o);
    const buoy_value *v = o->value;
    if (is_message(fl)) {
      if (v->kind != BUOY_VAL_MESSAGE) {
        oerr(in, v->r.first, "option \"%s\" is a message: set it with a message literal `{ ... }`",
                 option_text(in, o->name, NULL));
        return;
      }
      bu_optval *ov = append_value(in, x);
      ov->v.msg = new_msg(in, fl->message_type);
      if (where) where->descended = !repeated;
      in->lit_tok = v->r.first;
      literal(in, ov->v.msg, v, 0, !repeated);
      in->lit_tok = UINT32_MAX;
      return;
    }
    bu_optval tmp = {0};
    if (!scalar_value(in, fl, v, false, &tmp)) return;
    *append_value(in, x) = tmp;
  }
}

/* The options type named, e.g. "FieldOptions", from descriptor.proto,
 * which is loaded the first time an option needs it (from the include path
 * or the embedded copy), without becoming a dependency of the file. */
static const bu_message *options_type(bu_compiler *c, const char *name) {
  char full[64];
  snprintf(full, sizeof full, "google.protobuf.%s", name);
  bu_symbol *s = buoy_strmap_get(&c->symbols, full, strlen(full));
  if (!s && !buoy_strmap_get(&c->files, "google/protobuf/descriptor.proto", 32)) {
    bu_compile(c, "google/protobuf/descriptor.proto");
    s = buoy_strmap_get(&c->symbols, full, strlen(full));
  }
  return s && s->kind == BU_SYM_MESSAGE ? s->ptr : NULL;
}

/* `default` and `json_name` are fields of FieldDescriptorProto, not options. */
static bool pseudo_option(const buoy_option *o) {
  return !o->name->extension && !o->name->next &&
         (strcmp(o->name->name.text, "default") == 0 || strcmp(o->name->name.text, "json_name") == 0);
}

/* Interprets a list of options (statements in a body, or compact options)
 * for the element named scope; NULL when there are none. */
/* FieldOptions.OptionTargetType: the element kinds, with their options types. */
enum {
  T_FILE = 1,
  T_EXTENSION_RANGE,
  T_MESSAGE,
  T_FIELD,
  T_ONEOF,
  T_ENUM,
  T_ENUM_ENTRY,
  T_SERVICE,
  T_METHOD,
};

static const char *const target_types[][2] = {
    {"", ""},
    {"FileOptions", "a file"},
    {"ExtensionRangeOptions", "an extension range"},
    {"MessageOptions", "a message"},
    {"FieldOptions", "a field"},
    {"OneofOptions", "a oneof"},
    {"EnumOptions", "an enum"},
    {"EnumValueOptions", "an enum value"},
    {"ServiceOptions", "a service"},
    {"MethodOptions", "a method"},
};

/* The options message for an element kind (looked up once per compiler). */
static const bu_message *target_options(bu_compiler *c, int target) {
  if (!c->options_types[target]) c->options_types[target] = options_type(c, target_types[target][0]);
  return c->options_types[target];
}

static bu_optmsg *interpret_list(interp *in, int target, const char *scope, const buoy_option *list,
                                 const buoy_decl *body, bool skip_pseudo) {
  const bu_message *type = target_options(in->c, target);
  if (!type) return NULL;
  in->scope = scope;
  in->target = target;
  in->target_name = target_types[target][1];
  bu_optmsg *m = NULL;
  for (const buoy_option *o = list; o; o = o->next) {
    if (skip_pseudo && pseudo_option(o)) continue;
    if (!m) m = new_msg(in, type);
    interpret(in, m, o);
  }
  for (const buoy_decl *d = body; d; d = d->next) {
    if (d->kind != BUOY_DECL_OPTION) continue;
    if (!m) m = new_msg(in, type);
    interpret(in, m, d->u.option);
  }
  return m;
}

static const buoy_option *compact(const buoy_compact_options *co) { return co ? co->list : NULL; }

static void field_options(interp *in, bu_field *fl) {
  if (!fl->decl || fl->decl->kind != BUOY_DECL_FIELD) return;
  fl->options = interpret_list(in, T_FIELD, fl->full_name, compact(fl->decl->u.field.options), NULL, true);
}

static void message_options(interp *in, bu_message *m);

static void enum_options(interp *in, bu_enum *e) {
  e->options = interpret_list(in, T_ENUM, e->full_name, NULL, e->decl->u.block.body, false);
  for (uint32_t i = 0; i < e->values.count; i++) {
    bu_enum_value *v = BU_VEC_AT(e->values, bu_enum_value, i);
    v->options = interpret_list(in, T_ENUM_ENTRY, v->full_name, compact(v->decl->u.value.options), NULL, false);
  }
}

static void map_entry_options(interp *in, bu_message *m) {
  const bu_message *type = target_options(in->c, T_MESSAGE);
  const bu_field *fl = type ? field_by_name(type, "map_entry", 9) : NULL;
  if (!fl) return;
  m->options = new_msg(in, type);
  append_value(in, add_set(in, m->options, fl))->v.u = 1;
}

static void message_options(interp *in, bu_message *m) {
  if (m->map_entry) {
    map_entry_options(in, m);
  } else {
    const buoy_decl *body = m->decl->kind == BUOY_DECL_FIELD ? m->decl->u.field.body : m->decl->u.block.body;
    m->options = interpret_list(in, T_MESSAGE, m->full_name, NULL, body, false);
    /* extension ranges: one options message per statement, shared by its ranges */
    const buoy_decl *last = NULL;
    bu_optmsg *opts = NULL;
    for (uint32_t i = 0; i < m->extension_ranges.count; i++) {
      bu_range *r = BU_VEC_AT(m->extension_ranges, bu_range, i);
      if (r->decl != last) {
        last = r->decl;
        opts = interpret_list(in, T_EXTENSION_RANGE, m->full_name, compact(r->decl->u.ranges.options), NULL,
                              false);
      }
      r->options = opts;
    }
    /* oneofs (the synthetic ones of proto3 `optional` have none) */
    for (uint32_t i = 0; i < m->oneofs.count; i++) {
      bu_oneof *o = BU_VEC_AT(m->oneofs, bu_oneof, i);
      if (!o->synthetic) o->options = interpret_list(in, T_ONEOF, o->full_name, NULL, o->decl->u.block.body, false);
    }
  }
  for (uint32_t i = 0; i < m->fields.count; i++)
    field_options(in, BU_VEC_AT(m->fields, bu_field, i));
  for (uint32_t i = 0; i < m->extensions.count; i++)
    field_options(in, BU_VEC_AT(m->extensions, bu_field, i));
  for (uint32_t i = 0; i < m->nested.count; i++)
    message_options(in, BU_VEC_AT(m->nested, bu_message, i));
  for (uint32_t i = 0; i < m->enums.count; i++)
    enum_options(in, BU_VEC_AT(m->enums, bu_enum, i));
}

static bool compute_packed(bu_compiler *c, const bu_field *fl);

static void set_packed(bu_compiler *c, bu_vec *fields) {
  for (uint32_t i = 0; i < fields->count; i++) {
    bu_field *fl = BU_VEC_AT(*fields, bu_field, i);
    fl->packed = compute_packed(c, fl);
  }
}

static void set_packed_in(bu_compiler *c, bu_message *m) {
  set_packed(c, &m->fields);
  set_packed(c, &m->extensions);
  for (uint32_t i = 0; i < m->nested.count; i++)
    set_packed_in(c, BU_VEC_AT(m->nested, bu_message, i));
}

/* Whether each field of the file is packed, decided once its options are
 * known (the syntax tree it reads is released after the file is written). */
static void set_packed_all(bu_compiler *c, bu_file *f) {
  for (uint32_t i = 0; i < f->messages.count; i++)
    set_packed_in(c, BU_VEC_AT(f->messages, bu_message, i));
  set_packed(c, &f->extensions);
}

void bu_interpret_options(bu_compiler *c, bu_file *f) {
  interp in = {c, f, NULL, 0, UINT32_MAX, NULL, {{0}, 0, true}};
  /* Extensions from `import option` files can be used in options. */
  bu_vec saved = f->visible;
  if (f->option_deps.count) {
    bu_vec v = {0};
    for (uint32_t i = 0; i < saved.count; i++)
      bu_vec_push(&c->arena, &v, saved.items[i]);
    for (uint32_t i = 0; i < f->option_deps.count; i++)
      bu_vec_push(&c->arena, &v, f->option_deps.items[i]);
    f->visible = v;
  }
  const char *file_scope = f->package[0] ? bu_strcat3(&c->arena, f->package, ".", "_") : "_";
  f->options = interpret_list(&in, T_FILE, file_scope, NULL, f->ast.decls, false);
  for (uint32_t i = 0; i < f->messages.count; i++)
    message_options(&in, BU_VEC_AT(f->messages, bu_message, i));
  for (uint32_t i = 0; i < f->enums.count; i++)
    enum_options(&in, BU_VEC_AT(f->enums, bu_enum, i));
  for (uint32_t i = 0; i < f->extensions.count; i++)
    field_options(&in, BU_VEC_AT(f->extensions, bu_field, i));
  for (uint32_t i = 0; i < f->services.count; i++) {
    bu_service *s = BU_VEC_AT(f->services, bu_service, i);
    s->options = interpret_list(&in, T_SERVICE, s->full_name, NULL, s->decl->u.block.body, false);
    for (uint32_t j = 0; j < s->methods.count; j++) {
      bu_method *mt = BU_VEC_AT(s->methods, bu_method, j);
      mt->options = interpret_list(&in, T_METHOD, mt->full_name, NULL, mt->decl->u.rpc.body, false);
      /* `rpc M(A) returns (B) {}` has options, empty ones */
      if (!mt->options && mt->decl->u.rpc.has_body) mt->options = new_msg(&in, target_options(c, T_METHOD));
    }
  }
  f->visible = saved;
  set_packed_all(c, f);
}

/* ---------------------------------------------------------------- encoding */

void bu_buf_reserve(bu_buf *b, size_t n) {
  if (b->cap - b->len >= n) return;
  size_t cap = b->cap ? b->cap : 256;
  while (cap - b->len < n)
    cap *= 2;
  uint8_t *data = realloc(b->data, cap);
  if (!data) abort();
  b->data = data;
  b->cap = cap;
}

void bu_buf_free(bu_buf *b) {
  free(b->data);
  memset(b, 0, sizeof *b);
}

void bu_put_varint(bu_buf *b, uint64_t v) {
  bu_buf_reserve(b, 10);
  while (v >= 0x80) {
    b->data[b->len++] = (uint8_t)(v | 0x80);
    v >>= 7;
  }
  b->data[b->len++] = (uint8_t)v;
}

void bu_put_bytes(bu_buf *b, const void *p, size_t n) {
  if (!n) return;
  bu_buf_reserve(b, n);
  memcpy(b->data + b->len, p, n);
  b->len += n;
}

static void put_fixed(bu_buf *b, uint64_t v, int n) {
  bu_buf_reserve(b, 8);
  for (int i = 0; i < n; i++)
    b->data[b->len++] = (uint8_t)(v >> (8 * i));
}

static int wire_type(int type) {
  switch (type) {
  case BUOY_TYPE_DOUBLE:
  case BUOY_TYPE_FIXED64:
  case BUOY_TYPE_SFIXED64: return 1;
  case BUOY_TYPE_FLOAT:
  case BUOY_TYPE_FIXED32:
  case BUOY_TYPE_SFIXED32: return 5;
  case BUOY_TYPE_STRING:
  case BUOY_TYPE_BYTES:
  case BUOY_TYPE_MESSAGE: return 2;
  case BUOY_TYPE_GROUP: return 3;
  default: return 0;
  }
}

/* A scalar's bytes without its tag. */
static void put_scalar(bu_buf *b, int type, const bu_optval *v) {
  switch (type) {
  case BUOY_TYPE_DOUBLE: {
    uint64_t bits;
    memcpy(&bits, &v->v.d, 8);
    put_fixed(b, bits, 8);
    break;
  }
  case BUOY_TYPE_FLOAT: {
    float f = (float)v->v.d;
    uint32_t bits;
    memcpy(&bits, &f, 4);
    put_fixed(b, bits, 4);
    break;
  }
  case BUOY_TYPE_FIXED64:
  case BUOY_TYPE_SFIXED64: put_fixed(b, v->v.u, 8); break;
  case BUOY_TYPE_FIXED32:
  case BUOY_TYPE_SFIXED32: put_fixed(b, v->v.u, 4); break;
  case BUOY_TYPE_SINT32: {
    uint32_t n = (uint32_t)v->v.u;
    bu_put_varint(b, (n << 1) ^ (uint32_t)-(int32_t)(n >> 31));
    break;
  }
  case BUOY_TYPE_SINT64: bu_put_varint(b, (v->v.u << 1) ^ (uint64_t)-(int64_t)(v->v.u >> 63)); break;
  case BUOY_TYPE_INT32:
  case BUOY_TYPE_ENUM: bu_put_varint(b, (uint64_t)(int64_t)(int32_t)v->v.u); break;
  case BUOY_TYPE_UINT32: bu_put_varint(b, (uint32_t)v->v.u); break;
  default: bu_put_varint(b, v->v.u); break;
  }
}

/* Writes a length prefix in front of what was appended since start. */
void bu_prefix_length(bu_buf *b, size_t start) {
  size_t n = b->len - start;
  uint8_t tmp[10];
  int k = 0;
  uint64_t v = n;
  while (v >= 0x80) {
    tmp[k++] = (uint8_t)(v | 0x80);
    v >>= 7;
  }
  tmp[k++] = (uint8_t)v;
  bu_buf_reserve(b, (size_t)k);
  memmove(b->data + start + k, b->data + start, n);
  memcpy(b->data + start, tmp, (size_t)k);
  b->len += (size_t)k;
}

void bu_encode_optfield(bu_buf *b, const bu_optfield *x) { bu_encode_optfield_as(b, x, bu_field_packed(x->field)); }

void bu_encode_optfield_as(bu_buf *b, const bu_optfield *x, bool packed) {
  const bu_field *fl = x->field;
  int wt = wire_type(fl->type);
  uint64_t number = (uint64_t)(uint32_t)fl->number;
  if (fl->label == BU_LABEL_REPEATED && wt != 2 && wt != 3 && packed) {
    bu_put_varint(b, number << 3 | 2);
    size_t start = b->len;
    for (const bu_optval *v = x->first; v; v = v->next)
      put_scalar(b, fl->type, v);
    bu_prefix_length(b, start);
    return;
  }
  for (const bu_optval *v = x->first; v; v = v->next) {
    bu_put_varint(b, number << 3 | (uint64_t)wt);
    if (fl->type == BUOY_TYPE_GROUP) {
      bu_encode_optmsg(b, v->v.msg);
      bu_put_varint(b, number << 3 | 4);
    } else if (fl->type == BUOY_TYPE_MESSAGE) {
      size_t start = b->len;
      bu_encode_optmsg(b, v->v.msg);
      bu_prefix_length(b, start);
    } else if (wt == 2) {
      bu_put_varint(b, v->v.str.len);
      bu_put_bytes(b, v->v.str.bytes, v->v.str.len);
    } else {
      put_scalar(b, fl->type, v);
    }
  }
}

/* The oneof a field is in (a real one, not proto3 `optional`'s), or -1. */
static int32_t real_oneof(const bu_field *fl) {
  if (fl->extendee || fl->oneof_index < 0 || !fl->containing) return -1;
  if ((uint32_t)fl->oneof_index >= fl->containing->oneofs.count) return -1;
  return BU_VEC_AT(fl->containing->oneofs, bu_oneof, fl->oneof_index)->synthetic ? -1 : fl->oneof_index;
}

/* Go's order for messages it marshals dynamically, as buf's options are:
 * extensions first, then fields outside oneofs, then oneof fields grouped by
 * oneof; by number within each group. */
static int by_number(const void *x, const void *y) {
  const bu_field *a = (*(const bu_optfield *const *)x)->field, *b = (*(const bu_optfield *const *)y)->field;
  bool ea = a->extendee != NULL, eb = b->extendee != NULL;
  if (ea != eb) return ea ? -1 : 1;
  int32_t oa = real_oneof(a), ob = real_oneof(b);
  if ((oa >= 0) != (ob >= 0)) return oa >= 0 ? 1 : -1;
  if (oa != ob) return oa < ob ? -1 : 1;
  return (a->number > b->number) - (a->number < b->number);
}

void bu_encode_optmsg(bu_buf *b, const bu_optmsg *m) {
  size_t n = 0;
  for (const bu_optfield *x = m->fields; x; x = x->next)
    n++;
  if (!n) return;
  const bu_optfield *small[16];
  const bu_optfield **sorted = n <= 16 ? small : malloc(n * sizeof *sorted);
  if (!sorted) abort();
  size_t i = 0;
  for (const bu_optfield *x = m->fields; x; x = x->next)
    sorted[i++] = x;
  qsort(sorted, n, sizeof *sorted, by_number);
  for (i = 0; i < n; i++)
    bu_encode_optfield(b, sorted[i]);
  if (sorted != small) free(sorted);
}

/* ---------------------------------------------------------------- packed */

static const buoy_value *compact_option(const bu_field *fl, const char *name) {
  if (!fl->decl || fl->decl->kind != BUOY_DECL_FIELD || !fl->decl->u.field.options) return NULL;
  for (const buoy_option *o = fl->decl->u.field.options->list; o; o = o->next)
    if (!o->name->extension && !o->name->next && strcmp(o->name->name.text, name) == 0) return o->value;
  return NULL;
}

bool bu_field_packed(const bu_field *fl) { return fl->packed; }

static bool compute_packed(bu_compiler *c, const bu_field *fl) {
  if (fl->label != BU_LABEL_REPEATED) return false;
  int wt = wire_type(fl->type);
  if (wt == 2 || wt == 3) return false;
  const buoy_value *packed = compact_option(fl, "packed");
  if (packed) return packed->kind == BUOY_VAL_IDENT && strcmp(packed->v.ident.text, "true") == 0;
  switch (fl->file->ast.syntax) {
  case BUOY_SYNTAX_PROTO2: return false;
  case BUOY_SYNTAX_PROTO3: return true;
  default: return bu_feature_enum(fl, "repeated_field_encoding", 1) == 1; /* PACKED */
  }
}

/* ---------------------------------------------------------------- features */

int bu_feature_in(const bu_optmsg *opts, const char *feature) {
  if (!opts) return -1;
  for (const bu_optfield *x = opts->fields; x; x = x->next) {
    if (x->field->extendee || strcmp(x->field->name, "features") != 0 || !x->first) continue;
    for (const bu_optfield *y = x->first->v.msg->fields; y; y = y->next)
      if (!y->field->extendee && strcmp(y->field->name, feature) == 0 && y->first) return (int)(int32_t)y->first->v.u;
  }
  return -1;
}

/* The default a feature has in an edition: the last of the feature field's
 * edition_defaults whose edition is not later, its text read as the field's
 * enum value or bool. -1 when there is none. */
static int feature_default(const bu_field *feature, int32_t edition) {
  const bu_optfield *defs = option_named(feature->options, "edition_defaults");
  const char *text = NULL;
  uint32_t text_len = 0;
  int64_t best = INT64_MIN;
  for (const bu_optval *v = defs ? defs->first : NULL; v; v = v->next) {
    const bu_optfield *e = option_named(v->v.msg, "edition"), *t = option_named(v->v.msg, "value");
    if (!e || !t || !e->first || !t->first) continue;
    int32_t at = (int32_t)e->first->v.u;
    if (at <= edition && at >= best) {
      best = at;
      text = t->first->v.str.bytes;
      text_len = t->first->v.str.len;
    }
  }
  if (!text) return -1;
  if (feature->type == BUOY_TYPE_BOOL) return text_len == 4 && memcmp(text, "true", 4) == 0;
  if (feature->type == BUOY_TYPE_ENUM && feature->enum_type)
    for (uint32_t i = 0; i < feature->enum_type->values.count; i++) {
      const bu_enum_value *ev = BU_VEC_AT(feature->enum_type->values, bu_enum_value, i);
      if (strlen(ev->name) == text_len && memcmp(ev->name, text, text_len) == 0) return ev->number;
    }
  return -1;
}

int bu_feature_enum(const bu_field *fl, const char *feature, int dflt) {
  int v = bu_feature_in(fl->options, feature);
  if (v >= 0) return v;
  if (fl->containing && fl->oneof_index >= 0 && (uint32_t)fl->oneof_index < fl->containing->oneofs.count) {
    v = bu_feature_in(BU_VEC_AT(fl->containing->oneofs, bu_oneof, fl->oneof_index)->options, feature);
    if (v >= 0) return v;
  }
  for (const bu_message *m = fl->scope; m; m = m->parent) {
    v = bu_feature_in(m->options, feature);
    if (v >= 0) return v;
  }
  v = bu_feature_in(fl->file->options, feature);
  if (v >= 0) return v;
  bu_compiler *c = fl->file->compiler;
  if (!c) return dflt;
  target_options(c, T_FILE); /* descriptor.proto, for FeatureSet */
  bu_symbol *s = buoy_strmap_get(&c->symbols, "google.protobuf.FeatureSet", 26);
  const bu_field *ff = s && s->kind == BU_SYM_MESSAGE ? field_by_name(s->ptr, feature, strlen(feature)) : NULL;
  v = ff ? feature_default(ff, file_edition(fl->file)) : -1;
  return v >= 0 ? v : dflt;
}

bool bu_enum_closed(const bu_enum *e) {
  switch (e->file->ast.syntax) {
  case BUOY_SYNTAX_PROTO2: return true;
  case BUOY_SYNTAX_PROTO3: return false;
  default: break;
  }
  int v = bu_feature_in(e->options, "enum_type");
  for (const bu_message *m = e->parent; v < 0 && m; m = m->parent)
    v = bu_feature_in(m->options, "enum_type");
  if (v < 0) v = bu_feature_in(e->file->options, "enum_type");
  return v == 2; /* CLOSED; OPEN is the default from edition 2023 */
}
