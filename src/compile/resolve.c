/* Name resolution, by protoc's rules.
 *
 * A name with a leading dot is fully qualified. Otherwise its first
 * component is looked up in the scope of the element that uses it, then in
 * each enclosing scope outward; once found, the rest of the name is looked
 * up inside what was found, and only there. Only symbols of the file itself
 * and of the files it imports (with their public imports) can be found. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "compile/internal.h"

typedef struct resolver {
  bu_compiler *c;
  bu_file *f;
  bu_vec visible; /* f->visible */
  uint32_t seq;   /* fields and methods resolved so far, in protoc's cross-link order */
} resolver;

/* An error, sorted as protoc reports it: by the element's place in the
 * cross-link order, then by step (BU_LINK_*). */
static void link_error(resolver *r, uint32_t order, uint32_t tok, const char *fmt, ...) BUOY_PRINTF(4, 5);
static void link_error(resolver *r, uint32_t order, uint32_t tok, const char *fmt, ...) {
  char buf[1024];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(buf, sizeof buf, fmt, ap);
  va_end(ap);
  bu_error(r->c, r->f, tok, "%s", buf);
  r->c->diags->items[r->c->diags->count - 1].order = order;
}

static bool contains(const bu_vec *v, const void *p) {
  for (uint32_t i = 0; i < v->count; i++)
    if (v->items[i] == p) return true;
  return false;
}

static void add_public(resolver *r, bu_file *dep) {
  if (contains(&r->visible, dep)) return;
  bu_vec_push(&r->c->arena, &r->visible, dep);
  for (uint32_t i = 0; i < dep->public_deps.count; i++)
    add_public(r, BU_VEC_AT(dep->deps, bu_file, (uintptr_t)dep->public_deps.items[i]));
}

static bool in_package(const bu_file *f, const char *pkg, size_t n) {
  return strncmp(f->package, pkg, n) == 0 && (f->package[n] == 0 || f->package[n] == '.');
}

/* A symbol of this exact full name that the file can see. */
static bu_symbol *find(resolver *r, const char *name, size_t n) {
  bu_symbol *s = buoy_strmap_get(&r->c->symbols, name, n);
  if (!s) return NULL;
  if (contains(&r->visible, s->file)) return s;
  if (s->kind == BU_SYM_PACKAGE)
    for (uint32_t i = 0; i < r->visible.count; i++)
      if (in_package(BU_VEC_AT(r->visible, bu_file, i), name, n)) return s;
  return NULL;
}

static bool is_type(const bu_symbol *s) { return s->kind == BU_SYM_MESSAGE || s->kind == BU_SYM_ENUM; }
static bool is_aggregate(const bu_symbol *s) {
  return s->kind == BU_SYM_MESSAGE || s->kind == BU_SYM_ENUM || s->kind == BU_SYM_PACKAGE || s->kind == BU_SYM_SERVICE;
}

/* Looks up name as used by the element whose full name is relative_to. */
static bu_symbol *lookup(resolver *r, const char *name, const char *relative_to, bool types_only) {
  if (name[0] == '.') return find(r, name + 1, strlen(name + 1));
  size_t len = strlen(name);
  const char *dot = strchr(name, '.');
  size_t first_len = dot ? (size_t)(dot - name) : len;
  size_t scope_len = strlen(relative_to);
  char *buf = buoy_arena_alloc_raw(&r->c->arena, scope_len + len + 2);
  memcpy(buf, relative_to, scope_len);
  for (;;) {
    /* chop the innermost scope component */
    while (scope_len > 0 && buf[scope_len - 1] != '.')
      scope_len--;
    if (scope_len == 0) return find(r, name, len);
    scope_len--; /* the dot */
    buf[scope_len] = '.';
    memcpy(buf + scope_len + 1, name, first_len);
    size_t tried = scope_len + 1 + first_len;
    bu_symbol *s = find(r, buf, tried);
    if (s) {
      if (first_len < len) {
        if (is_aggregate(s)) {
          memcpy(buf + tried, name + first_len, len - first_len);
          return find(r, buf, scope_len + 1 + len);
        }
      } else if (!types_only || is_type(s)) {
        return s;
      }
    }
  }
}

static bool reaches(const bu_file *from, const bu_file *g, int depth) {
  if (from == g) return true;
  if (depth > 64) return false;
  for (uint32_t i = 0; i < from->public_deps.count; i++)
    if (reaches(BU_VEC_AT(from->deps, bu_file, (uintptr_t)from->public_deps.items[i]), g, depth + 1)) return true;
  return false;
}

void bu_mark_used(bu_file *f, const bu_file *g) {
  if (g == f || !f->dep_used) return;
  for (uint32_t i = 0; i < f->deps.count; i++)
    if (BU_VEC_AT(f->deps, bu_file, i) == g) {
      f->dep_used[i] = 1;
      return;
    }
  for (uint32_t i = 0; i < f->deps.count; i++)
    if (reaches(BU_VEC_AT(f->deps, bu_file, i), g, 0)) {
      f->dep_used[i] = 1;
      return;
    }
}

static const char *qualified(resolver *r, const bu_symbol *s) {
  bu_mark_used(r->f, s->file);
  const char *full = s->kind == BU_SYM_MESSAGE ? ((bu_message *)s->ptr)->full_name : ((bu_enum *)s->ptr)->full_name;
  return bu_strcat3(&r->c->arena, ".", "", full);
}

static bool editions(const resolver *r) { return r->f->ast.syntax == BUOY_SYNTAX_EDITIONS; }

/* Where protoc reports a field's type: the key and value of map entries
 * have no place (buf uses the map's key or value type). */
static uint32_t type_tok(const resolver *r, const bu_field *fl) {
  if (fl->decl) return fl->decl->u.field.type_r.first;
  const bu_message *entry = fl->containing;
  if (!editions(r) || !entry || !entry->map_entry || !entry->decl) return UINT32_MAX;
  return fl->number == 1 ? entry->decl->u.field.key.name.r.first : entry->decl->u.field.value.name.r.first;
}

/* protoc records an extendee's place, the name after `extend`, for the
 * first field of the block only; buf reports it for every field. */
static uint32_t extendee_tok(const resolver *r, const bu_field *fl) {
  const buoy_decl *d = fl->extend_decl;
  if (!d) return fl->decl ? fl->decl->r.first : UINT32_MAX;
  const buoy_decl *first = d->u.block.body;
  while (first && first->kind != BUOY_DECL_FIELD)
    first = first->next;
  return first == fl->decl || editions(r) ? d->u.block.name.r.first : UINT32_MAX;
}

/* Edition 2024's symbol visibility: whether a message or enum can be used
 * from another file. Written `export` or `local`, or else as the defining
 * file's default_symbol_visibility feature says (EXPORT_TOP_LEVEL in 2024:
 * top-level types exported, nested ones local); before 2024 everything is. */
static bool exported(const bu_symbol *s) {
  const bu_file *f = s->file;
  if (f->ast.syntax != BUOY_SYNTAX_EDITIONS || !f->edition || strcmp(f->edition, "2024") < 0) return true;
  bool top = s->kind == BU_SYM_MESSAGE ? ((bu_message *)s->ptr)->parent == NULL : ((bu_enum *)s->ptr)->parent == NULL;
  uint8_t vis = s->kind == BU_SYM_MESSAGE ? ((bu_message *)s->ptr)->visibility : ((bu_enum *)s->ptr)->visibility;
  if (vis) return vis == 2;
  int dflt = bu_feature_in(f->options, "default_symbol_visibility");
  switch (dflt) {
  case 1: return true;        /* EXPORT_ALL */
  case 3: case 4: return false; /* LOCAL_ALL, STRICT */
  default: return top;        /* EXPORT_TOP_LEVEL, the 2024 default */
  }
}

/* A type from another file must be exported (edition 2024). */
static void check_exported(resolver *r, const bu_symbol *s, uint32_t order, uint32_t tok) {
  if (s->file == r->f || (s->kind != BU_SYM_MESSAGE && s->kind != BU_SYM_ENUM) || exported(s)) return;
  const char *name = s->kind == BU_SYM_MESSAGE ? ((bu_message *)s->ptr)->full_name : ((bu_enum *)s->ptr)->full_name;
  link_error(r, order, tok, "%s %s is local to %s and cannot be used from another file",
             s->kind == BU_SYM_MESSAGE ? "message" : "enum", name, s->file->name);
}

static void resolve_field(resolver *r, bu_field *fl) {
  fl->link_order = r->seq++;
  uint32_t order = fl->link_order * BU_LINK_STEPS;
  if (fl->extendee) {
    bu_symbol *s = lookup(r, fl->extendee, fl->full_name, false); /* protoc: any symbol */
    if (!s || s->kind != BU_SYM_MESSAGE) {
      link_error(r, order + BU_LINK_EXTENDEE, extendee_tok(r, fl), "%s \"%s\" is not a message type",
                 s ? "extendee" : "unknown extendee", fl->extendee);
      return; /* as protoc: nothing more about this field */
    }
    fl->extendee = qualified(r, s);
    fl->extendee_type = s->ptr;
    check_exported(r, s, order + BU_LINK_EXTENDEE, extendee_tok(r, fl));
  }
  if (!fl->type_name) return;
  bu_symbol *s = lookup(r, fl->type_name, fl->full_name, true);
  if (!s || !is_type(s)) {
    link_error(r, order + BU_LINK_TYPE, type_tok(r, fl), "\"%s\" is not defined", fl->type_name);
    return;
  }
  fl->type_name = qualified(r, s);
  check_exported(r, s, order + BU_LINK_TYPE, type_tok(r, fl));
  if (s->kind == BU_SYM_MESSAGE) {
    fl->message_type = s->ptr;
    if (fl->type != BUOY_TYPE_GROUP) fl->type = BUOY_TYPE_MESSAGE;
  } else {
    fl->enum_type = s->ptr;
    fl->type = BUOY_TYPE_ENUM;
  }
}

/* protoc's CrossLinkMessage order: nested messages, fields, extensions. */
static void resolve_message(resolver *r, bu_message *m) {
  for (uint32_t i = 0; i < m->nested.count; i++)
    resolve_message(r, BU_VEC_AT(m->nested, bu_message, i));
  for (uint32_t i = 0; i < m->fields.count; i++)
    resolve_field(r, BU_VEC_AT(m->fields, bu_field, i));
  for (uint32_t i = 0; i < m->extensions.count; i++)
    resolve_field(r, BU_VEC_AT(m->extensions, bu_field, i));
}

static const char *resolve_method_type(resolver *r, bu_method *mt, const char *name, uint32_t tok, uint32_t order) {
  bu_symbol *s = lookup(r, name, mt->full_name, false); /* protoc: any symbol */
  if (!s || s->kind != BU_SYM_MESSAGE) {
    link_error(r, order, tok, "\"%s\" is %s", name, s ? "not a message type" : "not defined");
    return name;
  }
  check_exported(r, s, order, tok);
  return qualified(r, s);
}

bu_symbol *bu_lookup(bu_compiler *c, bu_file *f, const char *name, const char *relative_to) {
  resolver r = {c, f, f->visible, 0};
  return lookup(&r, name, relative_to, false);
}

void bu_resolve_file(bu_compiler *c, bu_file *f) {
  resolver r = {c, f, {0}, 0};
  bu_vec_push(&c->arena, &r.visible, f);
  for (uint32_t i = 0; i < f->deps.count; i++)
    add_public(&r, BU_VEC_AT(f->deps, bu_file, i));
  f->visible = r.visible;
  f->dep_used = buoy_arena_alloc(&c->arena, f->deps.count ? f->deps.count : 1);
  for (uint32_t i = 0; i < f->public_deps.count; i++) /* re-exported: used by importers */
    f->dep_used[(uintptr_t)f->public_deps.items[i]] = 1;
  for (uint32_t i = 0; i < f->messages.count; i++)
    resolve_message(&r, BU_VEC_AT(f->messages, bu_message, i));
  for (uint32_t i = 0; i < f->extensions.count; i++)
    resolve_field(&r, BU_VEC_AT(f->extensions, bu_field, i));
  for (uint32_t i = 0; i < f->services.count; i++) {
    bu_service *s = BU_VEC_AT(f->services, bu_service, i);
    for (uint32_t j = 0; j < s->methods.count; j++) {
      bu_method *mt = BU_VEC_AT(s->methods, bu_method, j);
      uint32_t order = r.seq++ * BU_LINK_STEPS + BU_LINK_TYPE;
      mt->input_type = resolve_method_type(&r, mt, mt->input_type, mt->decl->u.rpc.input.type.r.first, order);
      mt->output_type = resolve_method_type(&r, mt, mt->output_type, mt->decl->u.rpc.output.type.r.first, order);
    }
  }
}
