/* Dynamic tables from a FileDescriptorSet, in three passes: every type is
 * first given a name and a place (so references may point anywhere in the
 * set, in any order), then each message's fields are resolved and laid out
 * as src/gen/cgen.c lays out a generated struct, then extensions, files and
 * services are filled in. The descriptors themselves are read with the
 * generated bindings of descriptor.proto. */
#include "pb/dynamic.h"

#include <stdalign.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "google/protobuf/descriptor.pb.h"

typedef google_protobuf_FileDescriptorProto file_proto;
typedef google_protobuf_DescriptorProto msg_proto;
typedef google_protobuf_FieldDescriptorProto field_proto;
typedef google_protobuf_EnumDescriptorProto enum_proto;
typedef google_protobuf_FeatureSet feature_set;

enum { SYNTAX_PROTO2, SYNTAX_PROTO3, SYNTAX_EDITIONS };

/* The features the runtime's tables depend on, resolved for one scope. */
typedef struct feats {
  int32_t presence, enum_type, repeated, utf8, msg_enc;
} feats;

typedef struct dyn_file dyn_file;

typedef struct dyn_msg {
  bp_msgdef def; /* first: a bp_msgdef of the pool points to its dyn_msg */
  const msg_proto *proto;
  const dyn_file *file;
  feats feats;
  bool map_entry;
} dyn_msg;

typedef struct dyn_enum {
  bp_enumdef def;
  const enum_proto *proto;
  bool closed;
  const char **all_names; /* every value, aliases included, as declared */
  int32_t *all_numbers;
  uint32_t all_count;
} dyn_enum;

typedef struct dyn_ext {
  bp_extdef def;
  bp_msgdef carrier;
  bp_field carrier_field;
  bp_sub carrier_sub;
  bp_fieldname carrier_name;
  const field_proto *proto;
  const char *scope; /* where its names resolve: the enclosing message, or the package */
  const dyn_file *file;
  feats feats; /* of the enclosing scope */
} dyn_ext;

struct dyn_file {
  bp_filedef def;
  const file_proto *proto;
  int syntax;
  feats feats;
  /* filled while registering */
  const bp_msgdef **msgs;
  const bp_enumdef **enums;
  const bp_extdef **exts;
  uint32_t msg_cap, enum_cap, ext_cap;
};

enum { SYM_PACKAGE = 1, SYM_MSG, SYM_ENUM, SYM_EXT, SYM_SERVICE, SYM_FILE };

typedef struct sym {
  bp_str name;
  int kind;
  void *ptr;
} sym;

typedef struct ext_key {
  const bp_msgdef *extendee;
  uint32_t number;
  const dyn_ext *ext;
} ext_key;

struct bp_dynpool {
  bp_arena *arena;
  sym *syms; /* open addressing by name (files in their own kind) */
  uint32_t sym_cap, sym_count;
  ext_key *ext_keys; /* open addressing by (extendee, number) */
  uint32_t ext_key_cap, ext_key_count;
  dyn_file **files;
  uint32_t file_count;
  dyn_msg **msgs;
  uint32_t msg_count, msg_cap;
  dyn_ext **exts;
  uint32_t ext_count, ext_cap;
  const bp_filedef **filedefs;
  bp_registry *registry;
};

typedef struct builder {
  bp_dynpool *p;
  char *err;
  size_t errsize;
  bool failed;
} builder;

static bool fail(builder *b, const char *fmt, ...) {
  if (!b->failed && b->errsize) {
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(b->err, b->errsize, fmt, ap);
    va_end(ap);
  }
  b->failed = true;
  return false;
}

static bool nomem(builder *b) { return fail(b, "out of memory"); }

/* ---------------------------------------------------------------- names */

static uint64_t hash_str(bp_str s, int kind) {
  uint64_t h = 1469598103934665603u ^ (uint64_t)kind;
  for (size_t i = 0; i < s.size; i++)
    h = (h ^ (uint8_t)s.data[i]) * 1099511628211u;
  return h;
}

/* Files have a namespace of their own; everything else shares one. */
static int sym_space(int kind) { return kind == SYM_FILE ? 1 : 0; }

static sym *sym_find(const bp_dynpool *p, bp_str name, int space) {
  if (!p->sym_cap) return NULL;
  uint32_t mask = p->sym_cap - 1;
  for (uint32_t i = (uint32_t)hash_str(name, space) & mask;; i = (i + 1) & mask) {
    sym *s = &p->syms[i];
    if (!s->kind) return NULL;
    if (sym_space(s->kind) == space && bp_str_eq(s->name, name)) return s;
  }
}

static bool sym_grow(builder *b) {
  bp_dynpool *p = b->p;
  uint32_t cap = p->sym_cap ? p->sym_cap * 2 : 256;
  sym *n = bp_arena_zalloc(p->arena, sizeof(sym) * cap);
  if (!n) return nomem(b);
  for (uint32_t i = 0; i < p->sym_cap; i++) {
    sym *s = &p->syms[i];
    if (!s->kind) continue;
    uint32_t j = (uint32_t)hash_str(s->name, sym_space(s->kind)) & (cap - 1);
    while (n[j].kind)
      j = (j + 1) & (cap - 1);
    n[j] = *s;
  }
  p->syms = n;
  p->sym_cap = cap;
  return true;
}

static const char *kind_word(int kind) {
  switch (kind) {
  case SYM_PACKAGE: return "a package";
  case SYM_MSG: return "a message";
  case SYM_ENUM: return "an enum";
  case SYM_EXT: return "an extension";
  case SYM_SERVICE: return "a service";
  default: return "a file";
  }
}

/* Adds a name; a package may be declared by many files, anything else once. */
static bool sym_add(builder *b, const char *name, int kind, void *ptr) {
  bp_dynpool *p = b->p;
  bp_str s = bp_str_c(name);
  sym *old = sym_find(p, s, sym_space(kind));
  if (old) {
    if (old->kind == SYM_PACKAGE && kind == SYM_PACKAGE) return true;
    return fail(b, "\"%s\" is defined twice (as %s and as %s)", name, kind_word(old->kind), kind_word(kind));
  }
  if ((p->sym_count + 1) * 4 > p->sym_cap * 3 && !sym_grow(b)) return false;
  uint32_t mask = p->sym_cap - 1;
  uint32_t i = (uint32_t)hash_str(s, sym_space(kind)) & mask;
  while (p->syms[i].kind)
    i = (i + 1) & mask;
  p->syms[i].name = s;
  p->syms[i].kind = kind;
  p->syms[i].ptr = ptr;
  p->sym_count++;
  return true;
}

static char *str_dup(builder *b, bp_str s) {
  char *d = bp_arena_malloc(b->p->arena, s.size + 1);
  if (!d) {
    nomem(b);
    return NULL;
  }
  if (s.size) memcpy(d, s.data, s.size);
  d[s.size] = 0;
  return d;
}

/* scope "." name (or name alone at the top). */
static char *join(builder *b, const char *scope, bp_str name) {
  size_t n = strlen(scope);
  char *d = bp_arena_malloc(b->p->arena, n + name.size + 2);
  if (!d) {
    nomem(b);
    return NULL;
  }
  size_t k = 0;
  if (n) {
    memcpy(d, scope, n);
    d[n] = '.';
    k = n + 1;
  }
  if (name.size) memcpy(d + k, name.data, name.size);
  d[k + name.size] = 0;
  return d;
}

static bool valid_ident(bp_str s) {
  if (!s.size) return false;
  for (size_t i = 0; i < s.size; i++) {
    char c = s.data[i];
    if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || (i && c >= '0' && c <= '9'))) return false;
  }
  return true;
}

/* Resolves a type reference as protoc does: ".a.b" is absolute; "a.b" is
 * searched from the innermost scope outwards, the first scope where "a"
 * names something that can contain names deciding the lookup. */
static const sym *resolve(builder *b, const char *scope, bp_str ref) {
  const bp_dynpool *p = b->p;
  if (!ref.size) return NULL;
  if (ref.data[0] == '.') return sym_find(p, bp_str_make(ref.data + 1, ref.size - 1), 0);
  size_t first = 0;
  while (first < ref.size && ref.data[first] != '.')
    first++;
  size_t slen = strlen(scope);
  size_t cap = slen + ref.size + 2;
  char *buf = bp_arena_malloc(b->p->arena, cap);
  if (!buf) {
    nomem(b);
    return NULL;
  }
  for (;;) {
    size_t k = 0;
    if (slen) {
      memcpy(buf, scope, slen);
      buf[slen] = '.';
      k = slen + 1;
    }
    memcpy(buf + k, ref.data, first);
    const sym *s = sym_find(p, bp_str_make(buf, k + first), 0);
    if (s && (first == ref.size || s->kind == SYM_MSG || s->kind == SYM_PACKAGE)) {
      memcpy(buf + k, ref.data, ref.size);
      return sym_find(p, bp_str_make(buf, k + ref.size), 0);
    }
    if (!slen) return NULL;
    while (slen > 0 && scope[slen - 1] != '.')
      slen--;
    if (slen) slen--; /* drop the dot */
  }
}

/* ---------------------------------------------------------------- features */

static const feats proto2_feats = {google_protobuf_FeatureSet_EXPLICIT, google_protobuf_FeatureSet_CLOSED,
                                   google_protobuf_FeatureSet_EXPANDED, google_protobuf_FeatureSet_NONE,
                                   google_protobuf_FeatureSet_LENGTH_PREFIXED};
static const feats proto3_feats = {google_protobuf_FeatureSet_IMPLICIT, google_protobuf_FeatureSet_OPEN,
                                   google_protobuf_FeatureSet_PACKED, google_protobuf_FeatureSet_VERIFY,
                                   google_protobuf_FeatureSet_LENGTH_PREFIXED};
/* Editions 2023 and 2024 agree on every feature the tables use. */
static const feats edition2023_feats = {google_protobuf_FeatureSet_EXPLICIT, google_protobuf_FeatureSet_OPEN,
                                        google_protobuf_FeatureSet_PACKED, google_protobuf_FeatureSet_VERIFY,
                                        google_protobuf_FeatureSet_LENGTH_PREFIXED};

static feats merge_feats(feats f, const feature_set *s) {
  if (!s) return f;
  if (google_protobuf_FeatureSet_has_field_presence(s) && s->field_presence) f.presence = s->field_presence;
  if (google_protobuf_FeatureSet_has_enum_type(s) && s->enum_type) f.enum_type = s->enum_type;
  if (google_protobuf_FeatureSet_has_repeated_field_encoding(s) && s->repeated_field_encoding)
    f.repeated = s->repeated_field_encoding;
  if (google_protobuf_FeatureSet_has_utf8_validation(s) && s->utf8_validation) f.utf8 = s->utf8_validation;
  if (google_protobuf_FeatureSet_has_message_encoding(s) && s->message_encoding) f.msg_enc = s->message_encoding;
  return f;
}

/* ---------------------------------------------------------------- pass 1: names */

static bool push_ptr(builder *b, const void ***arr, uint32_t *count, uint32_t *cap, const void *x) {
  if (*count == *cap) {
    uint32_t ncap = *cap ? *cap * 2 : 8;
    const void **n = bp_arena_realloc(b->p->arena, (void *)*arr, sizeof(void *) * *cap, sizeof(void *) * ncap);
    if (!n) return nomem(b);
    *arr = n;
    *cap = ncap;
  }
  (*arr)[(*count)++] = x;
  return true;
}

static bool register_enum(builder *b, dyn_file *f, const char *scope, const feats *parent, const enum_proto *ep) {
  if (!valid_ident(ep->name)) return fail(b, "%s: an enum in \"%s\" has no valid name", f->def.name, scope);
  dyn_enum *e = bp_arena_zalloc(b->p->arena, sizeof *e);
  if (!e) return nomem(b);
  e->proto = ep;
  if (!(e->def.full_name = join(b, scope, ep->name))) return false;
  if (f->syntax == SYNTAX_EDITIONS) {
    feats ef = merge_feats(*parent, ep->options ? ep->options->features : NULL);
    e->closed = ef.enum_type == google_protobuf_FeatureSet_CLOSED;
  } else {
    e->closed = f->syntax == SYNTAX_PROTO2;
  }
  if (!ep->value.size) return fail(b, "enum %s has no values", e->def.full_name);
  if (!push_ptr(b, (const void ***)&f->enums, &f->def.enum_count, &f->enum_cap, &e->def)) return false;
  return sym_add(b, e->def.full_name, SYM_ENUM, e);
}

static bool register_ext(builder *b, dyn_file *f, const char *scope, const feats *parent, const field_proto *fp) {
  dyn_ext *x = bp_arena_zalloc(b->p->arena, sizeof *x);
  if (!x) return nomem(b);
  if (!valid_ident(fp->name)) return fail(b, "%s: an extension in \"%s\" has no valid name", f->def.name, scope);
  x->proto = fp;
  x->scope = scope;
  x->file = f;
  x->feats = *parent;
  if (!(x->def.full_name = join(b, scope, fp->name))) return false;
  if (!push_ptr(b, (const void ***)&f->exts, &f->def.ext_count, &f->ext_cap, &x->def)) return false;
  if (!push_ptr(b, (const void ***)&b->p->exts, &b->p->ext_count, &b->p->ext_cap, x)) return false;
  return sym_add(b, x->def.full_name, SYM_EXT, x);
}

static bool register_msg(builder *b, dyn_file *f, const char *scope, const feats *parent, const msg_proto *mp,
                         int depth) {
  if (depth > BP_DYNPOOL_MAX_NESTING) return fail(b, "%s: messages are nested too deeply", f->def.name);
  if (!valid_ident(mp->name)) return fail(b, "%s: a message in \"%s\" has no valid name", f->def.name, scope);
  dyn_msg *m = bp_arena_zalloc(b->p->arena, sizeof *m);
  if (!m) return nomem(b);
  m->proto = mp;
  m->file = f;
  const google_protobuf_MessageOptions *opts = mp->options;
  m->feats = f->syntax == SYNTAX_EDITIONS ? merge_feats(*parent, opts ? opts->features : NULL) : *parent;
  m->map_entry = opts && opts->map_entry;
  if (!(m->def.full_name = join(b, scope, mp->name))) return false;
  if (m->map_entry) m->def.flags |= BP_MSG_MAP_ENTRY;
  if (opts && opts->message_set_wire_format) m->def.flags |= BP_MSG_SET;
  if (!sym_add(b, m->def.full_name, SYM_MSG, m)) return false;
  if (!push_ptr(b, (const void ***)&f->msgs, &f->def.msg_count, &f->msg_cap, &m->def)) return false;
  if (!push_ptr(b, (const void ***)&b->p->msgs, &b->p->msg_count, &b->p->msg_cap, m)) return false;
  for (uint32_t i = 0; i < mp->nested_type.size; i++)
    if (!register_msg(b, f, m->def.full_name, &m->feats, ((msg_proto **)mp->nested_type.data)[i], depth + 1))
      return false;
  for (uint32_t i = 0; i < mp->enum_type.size; i++)
    if (!register_enum(b, f, m->def.full_name, &m->feats, ((enum_proto **)mp->enum_type.data)[i])) return false;
  for (uint32_t i = 0; i < mp->extension.size; i++)
    if (!register_ext(b, f, m->def.full_name, &m->feats, ((field_proto **)mp->extension.data)[i])) return false;
  return true;
}

/* The package and its enclosing packages ("a", "a.b" for "a.b"). */
static bool register_package(builder *b, const char *pkg) {
  size_t n = strlen(pkg);
  for (size_t i = 1; i <= n; i++) {
    if (i < n && pkg[i] != '.') continue;
    char *part = str_dup(b, bp_str_make(pkg, i));
    if (!part || !sym_add(b, part, SYM_PACKAGE, NULL)) return false;
  }
  return true;
}

static bool register_file(builder *b, dyn_file *f) {
  const file_proto *fp = f->proto;
  if (!fp->name.size) return fail(b, "a file in the set has no name");
  if (!(f->def.name = str_dup(b, fp->name)) || !(f->def.package = str_dup(b, fp->package))) return false;
  bp_str syntax = fp->syntax;
  if (!syntax.size || bp_str_eq(syntax, bp_str_c("proto2"))) {
    f->syntax = SYNTAX_PROTO2;
    f->feats = proto2_feats;
  } else if (bp_str_eq(syntax, bp_str_c("proto3"))) {
    f->syntax = SYNTAX_PROTO3;
    f->feats = proto3_feats;
  } else if (bp_str_eq(syntax, bp_str_c("editions"))) {
    f->syntax = SYNTAX_EDITIONS;
    if (fp->edition != google_protobuf_EDITION_2023 && fp->edition != google_protobuf_EDITION_2024)
      return fail(b, "%s: edition %d is not supported (2023 and 2024 are)", f->def.name, (int)fp->edition);
    f->feats = merge_feats(edition2023_feats, fp->options ? fp->options->features : NULL);
  } else {
    return fail(b, "%s: unknown syntax \"%.*s\"", f->def.name, (int)syntax.size > 40 ? 40 : (int)syntax.size,
                syntax.data);
  }
  if (!sym_add(b, f->def.name, SYM_FILE, f)) return false;
  if (f->def.package[0] && !register_package(b, f->def.package)) return false;
  for (uint32_t i = 0; i < fp->message_type.size; i++)
    if (!register_msg(b, f, f->def.package, &f->feats, ((msg_proto **)fp->message_type.data)[i], 1)) return false;
  for (uint32_t i = 0; i < fp->enum_type.size; i++)
    if (!register_enum(b, f, f->def.package, &f->feats, ((enum_proto **)fp->enum_type.data)[i])) return false;
  for (uint32_t i = 0; i < fp->extension.size; i++)
    if (!register_ext(b, f, f->def.package, &f->feats, ((field_proto **)fp->extension.data)[i])) return false;
  for (uint32_t i = 0; i < fp->service.size; i++) {
    const google_protobuf_ServiceDescriptorProto *sp = ((google_protobuf_ServiceDescriptorProto **)fp->service.data)[i];
    if (!valid_ident(sp->name)) return fail(b, "%s: a service has no valid name", f->def.name);
    char *name = join(b, f->def.package, sp->name);
    if (!name || !sym_add(b, name, SYM_SERVICE, (void *)sp)) return false;
  }
  return true;
}

/* ---------------------------------------------------------------- pass 2: fields and layout */

static bool is_msg_type(int type) { return type == BP_TYPE_MESSAGE || type == BP_TYPE_GROUP; }

#define MAX_FIELD_NUMBER 536870911

static bool packable(int type) { return !is_msg_type(type) && type != BP_TYPE_STRING && type != BP_TYPE_BYTES; }

static const char *json_name(builder *b, const field_proto *fp) {
  if (google_protobuf_FieldDescriptorProto_has_json_name(fp)) return str_dup(b, fp->json_name);
  char *d = bp_arena_malloc(b->p->arena, fp->name.size + 1);
  if (!d) {
    nomem(b);
    return NULL;
  }
  size_t k = 0;
  bool upper = false;
  for (size_t i = 0; i < fp->name.size; i++) {
    char c = fp->name.data[i];
    if (c == '_') {
      upper = true;
    } else {
      d[k++] = upper && c >= 'a' && c <= 'z' ? (char)(c - 'a' + 'A') : c;
      upper = false;
    }
  }
  d[k] = 0;
  return d;
}

/* What a field refers to and how the runtime treats it. */
typedef struct fieldinfo {
  const field_proto *fp;
  int type;    /* runtime type (delimited messages are groups) */
  int hasbit;  /* or -1 */
  int oneof;   /* real oneof index among the real ones, or -1 */
  uint8_t flags;
  const void *sub; /* bp_msgdef or bp_enumdef */
  bool sub_is_enum;
  uint32_t offset;
  int32_t presence;
} fieldinfo;

/* Resolves a field's type (message, enum or scalar) and its flags. Shared
 * by message fields and extensions. */
static bool resolve_field(builder *b, const char *scope, const char *what, const dyn_file *file, const feats *parent,
                          const google_protobuf_OneofDescriptorProto *oneof, bool in_map_entry, int32_t max_number,
                          fieldinfo *fi) {
  const field_proto *fp = fi->fp;
  if (!google_protobuf_FieldDescriptorProto_has_number(fp) || fp->number < 1 || fp->number > max_number)
    return fail(b, "%s: field number %d is out of range (1 to %d)", what, (int)fp->number, (int)max_number);
  int label = fp->label ? fp->label : google_protobuf_FieldDescriptorProto_LABEL_OPTIONAL;
  if (label < 1 || label > 3) return fail(b, "%s: bad label %d", what, (int)label);
  int type = fp->type;
  if (type < 0 || type > 18) return fail(b, "%s: bad type %d", what, type);
  if (type == 0 || type == BP_TYPE_MESSAGE || type == BP_TYPE_GROUP || type == BP_TYPE_ENUM) {
    if (!fp->type_name.size) return fail(b, "%s: no type name", what);
    const sym *s = resolve(b, scope, fp->type_name);
    if (b->failed) return false;
    if (!s || (s->kind != SYM_MSG && s->kind != SYM_ENUM))
      return fail(b, "%s: type \"%.*s\" is not defined", what, (int)(fp->type_name.size > 200 ? 200 : fp->type_name.size),
                  fp->type_name.data);
    if (type == 0) type = s->kind == SYM_MSG ? BP_TYPE_MESSAGE : BP_TYPE_ENUM;
    if ((s->kind == SYM_ENUM) != (type == BP_TYPE_ENUM))
      return fail(b, "%s: \"%.*s\" is not %s", what, (int)(fp->type_name.size > 200 ? 200 : fp->type_name.size),
                  fp->type_name.data, type == BP_TYPE_ENUM ? "an enum" : "a message");
    fi->sub = s->ptr;
    fi->sub_is_enum = s->kind == SYM_ENUM;
  }
  feats ft = *parent;
  if (file->syntax == SYNTAX_EDITIONS) {
    if (oneof && oneof->options) ft = merge_feats(ft, oneof->options->features);
    ft = merge_feats(ft, fp->options ? fp->options->features : NULL);
  }
  bool repeated = label == google_protobuf_FieldDescriptorProto_LABEL_REPEATED;
  const dyn_msg *target = !fi->sub_is_enum ? fi->sub : NULL;
  if (type == BP_TYPE_MESSAGE && file->syntax == SYNTAX_EDITIONS && ft.msg_enc == google_protobuf_FeatureSet_DELIMITED &&
      !(target && target->map_entry) && !in_map_entry)
    type = BP_TYPE_GROUP;
  fi->type = type;
  uint8_t flags = 0;
  if (repeated) flags |= BP_F_REPEATED;
  if (repeated && target && target->map_entry && type == BP_TYPE_MESSAGE) flags |= BP_F_MAP;
  if (repeated && packable(type)) {
    bool packed;
    if (file->syntax == SYNTAX_EDITIONS)
      packed = ft.repeated == google_protobuf_FeatureSet_PACKED;
    else if (fp->options && google_protobuf_FieldOptions_has_packed(fp->options))
      packed = fp->options->packed;
    else
      packed = file->syntax == SYNTAX_PROTO3;
    if (packed) flags |= BP_F_PACKED;
  }
  if (label == google_protobuf_FieldDescriptorProto_LABEL_REQUIRED ||
      (file->syntax == SYNTAX_EDITIONS && !repeated && ft.presence == google_protobuf_FeatureSet_LEGACY_REQUIRED))
    flags |= BP_F_REQUIRED;
  /* proto2 strings are not checked, map entries' included: protobuf 3.21's
   * parser (protoc --decode, python) only logs invalid UTF-8 there */
  if (type == BP_TYPE_STRING &&
      (file->syntax == SYNTAX_PROTO3 || (file->syntax == SYNTAX_EDITIONS && ft.utf8 == google_protobuf_FeatureSet_VERIFY)))
    flags |= BP_F_UTF8;
  if (type == BP_TYPE_ENUM && ((const dyn_enum *)fi->sub)->closed) flags |= BP_F_CLOSED;
  fi->flags = flags;
  /* explicit presence, for a singular field outside a real oneof */
  bool expl;
  if (repeated || in_map_entry) /* a map entry's key and value have none (as generated) */
    expl = false;
  else if (is_msg_type(type))
    expl = true;
  else if (file->syntax == SYNTAX_PROTO2)
    expl = true;
  else if (file->syntax == SYNTAX_PROTO3)
    expl = fp->proto3_optional;
  else
    expl = ft.presence != google_protobuf_FeatureSet_IMPLICIT;
  fi->hasbit = expl && !is_msg_type(type) ? 0 : -1; /* index given by the caller */
  return true;
}

static int size_class(const fieldinfo *fi) {
  if (fi->flags & BP_F_REPEATED) return 0;
  switch (fi->fp->type ? fi->fp->type : fi->type) {
  case BP_TYPE_STRING:
  case BP_TYPE_BYTES: return 0;
  case BP_TYPE_DOUBLE:
  case BP_TYPE_INT64:
  case BP_TYPE_SINT64:
  case BP_TYPE_SFIXED64:
  case BP_TYPE_UINT64:
  case BP_TYPE_FIXED64:
  case BP_TYPE_MESSAGE:
  case BP_TYPE_GROUP: return 1;
  case BP_TYPE_BOOL: return 3;
  default: return 2;
  }
}

/* Size and alignment of the struct member holding the field. */
static void member_shape(const fieldinfo *fi, size_t *size, size_t *align) {
  if (fi->flags & BP_F_MAP) {
    *size = sizeof(bp_map), *align = alignof(bp_map);
  } else if (fi->flags & BP_F_REPEATED) {
    *size = sizeof(bp_array), *align = alignof(bp_array);
  } else {
    switch (fi->type) {
    case BP_TYPE_STRING:
    case BP_TYPE_BYTES: *size = sizeof(bp_str), *align = alignof(bp_str); break;
    case BP_TYPE_MESSAGE:
    case BP_TYPE_GROUP: *size = sizeof(void *), *align = alignof(void *); break;
    case BP_TYPE_DOUBLE: *size = sizeof(double), *align = alignof(double); break;
    case BP_TYPE_FLOAT: *size = sizeof(float), *align = alignof(float); break;
    case BP_TYPE_BOOL: *size = sizeof(bool), *align = alignof(bool); break;
    case BP_TYPE_INT64:
    case BP_TYPE_UINT64:
    case BP_TYPE_SINT64:
    case BP_TYPE_FIXED64:
    case BP_TYPE_SFIXED64: *size = sizeof(int64_t), *align = alignof(int64_t); break;
    default: *size = sizeof(int32_t), *align = alignof(int32_t); break;
    }
  }
}

static uint64_t align_up(uint64_t n, size_t a) { return (n + a - 1) / a * a; }

static int cmp_by_number(const void *x, const void *y) {
  const fieldinfo *a = *(const fieldinfo *const *)x, *b = *(const fieldinfo *const *)y;
  return (a->fp->number > b->fp->number) - (a->fp->number < b->fp->number);
}

/* Whether a oneof only exists for a proto3 `optional` field. */
static bool synthetic_oneof(const msg_proto *mp, uint32_t index) {
  for (uint32_t i = 0; i < mp->field.size; i++) {
    const field_proto *fp = ((field_proto **)mp->field.data)[i];
    if (google_protobuf_FieldDescriptorProto_has_oneof_index(fp) && (uint32_t)fp->oneof_index == index)
      return fp->proto3_optional;
  }
  return false;
}

static bool build_msg(builder *b, dyn_msg *m) {
  bp_arena *a = b->p->arena;
  const msg_proto *mp = m->proto;
  const char *name = m->def.full_name;
  uint32_t n = mp->field.size, noneof_decl = mp->oneof_decl.size;
  if (n > 65535) return fail(b, "%s: too many fields", name);
  fieldinfo *fis = bp_arena_zalloc(a, sizeof(fieldinfo) * (n + 1));
  fieldinfo **by_number = bp_arena_zalloc(a, sizeof(fieldinfo *) * (n + 1));
  int *oneof_map = bp_arena_zalloc(a, sizeof(int) * (noneof_decl + 1));
  if (!fis || !by_number || !oneof_map) return nomem(b);
  uint32_t nreal = 0;
  for (uint32_t k = 0; k < noneof_decl; k++)
    oneof_map[k] = synthetic_oneof(mp, k) ? -1 : (int)nreal++;
  int nhasbits = 0;
  for (uint32_t i = 0; i < n; i++) {
    fieldinfo *fi = &fis[i];
    fi->fp = ((field_proto **)mp->field.data)[i];
    if (!valid_ident(fi->fp->name)) return fail(b, "%s: field %u has no valid name", name, i + 1);
    char what[300];
    snprintf(what, sizeof what, "%s.%.*s", name, (int)(fi->fp->name.size > 80 ? 80 : fi->fp->name.size),
             fi->fp->name.data);
    const google_protobuf_OneofDescriptorProto *oneof = NULL;
    fi->oneof = -1;
    if (google_protobuf_FieldDescriptorProto_has_oneof_index(fi->fp)) {
      if (fi->fp->oneof_index < 0 || (uint32_t)fi->fp->oneof_index >= noneof_decl)
        return fail(b, "%s: oneof index %d out of range", what, (int)fi->fp->oneof_index);
      oneof = ((google_protobuf_OneofDescriptorProto **)mp->oneof_decl.data)[fi->fp->oneof_index];
      fi->oneof = oneof_map[fi->fp->oneof_index];
    }
    if (!resolve_field(b, name, what, m->file, &m->feats, oneof, m->map_entry, MAX_FIELD_NUMBER, fi)) return false;
    if (fi->oneof >= 0 && (fi->flags & BP_F_REPEATED)) return fail(b, "%s: a oneof member cannot be repeated", what);
    if (fi->oneof >= 0) fi->hasbit = -1;
    by_number[i] = fi;
  }
  qsort(by_number, n, sizeof *by_number, cmp_by_number);
  for (uint32_t i = 1; i < n; i++)
    if (by_number[i]->fp->number == by_number[i - 1]->fp->number)
      return fail(b, "%s: field number %d is used twice", name, (int)by_number[i]->fp->number);
  /* hasbits in field-number order, as generated tables number them */
  for (uint32_t i = 0; i < n; i++)
    if (by_number[i]->hasbit >= 0) by_number[i]->hasbit = nhasbits++;
  /* layout: aux, hasbits, maps, other members by size class, then the
   * oneofs (as the generator's header_struct) */
  uint64_t off = sizeof(bp_aux *);
  size_t max_align = alignof(bp_aux *);
  if (nhasbits) off += (uint64_t)(nhasbits + 7) / 8;
  for (int cls = -1; cls < 4; cls++)
    for (uint32_t i = 0; i < n; i++) {
      fieldinfo *fi = &fis[i];
      if (fi->oneof >= 0 || ((fi->flags & BP_F_MAP) ? -1 : size_class(fi)) != cls) continue;
      size_t size, align;
      member_shape(fi, &size, &align);
      off = align_up(off, align);
      fi->offset = (uint32_t)off;
      off += size;
      if (align > max_align) max_align = align;
      fi->presence = fi->hasbit >= 0 ? (int32_t)(sizeof(bp_aux *) * 8 + (size_t)fi->hasbit) : 0;
    }
  for (uint32_t k = 0; k < nreal; k++) {
    size_t usize = 0, ualign = 1;
    for (uint32_t i = 0; i < n; i++) {
      if (fis[i].oneof != (int)k) continue;
      size_t size, align;
      member_shape(&fis[i], &size, &align);
      if (size > usize) usize = size;
      if (align > ualign) ualign = align;
    }
    if (!usize) continue; /* an empty oneof has no member in the struct */
    off = align_up(off, ualign);
    uint64_t uoff = off;
    off += align_up(usize, ualign);
    off = align_up(off, alignof(uint32_t));
    uint64_t case_off = off;
    off += sizeof(uint32_t);
    if (ualign > max_align) max_align = ualign;
    for (uint32_t i = 0; i < n; i++) {
      if (fis[i].oneof != (int)k) continue;
      fis[i].offset = (uint32_t)uoff;
      fis[i].presence = ~(int32_t)case_off;
    }
    if (off > INT32_MAX) break;
  }
  off = align_up(off, max_align);
  if (off > INT32_MAX / 2) return fail(b, "%s: the message is too large", name);
  /* the tables */
  bp_field *fields = bp_arena_zalloc(a, sizeof(bp_field) * (n + 1));
  bp_fieldname *names = bp_arena_zalloc(a, sizeof(bp_fieldname) * (n + 1));
  bp_sub *subs = bp_arena_zalloc(a, sizeof(bp_sub) * (n + 1));
  const void **sub_ptrs = bp_arena_zalloc(a, sizeof(void *) * (n + 1));
  if (!fields || !names || !subs || !sub_ptrs) return nomem(b);
  uint32_t nsubs = 0;
  for (uint32_t i = 0; i < n; i++) {
    const fieldinfo *fi = by_number[i];
    bp_field *f = &fields[i];
    f->number = (uint32_t)fi->fp->number;
    f->offset = fi->offset;
    f->presence = fi->presence;
    f->type = (uint8_t)fi->type;
    f->flags = fi->flags;
    if (fi->sub) {
      uint32_t k = 0;
      while (k < nsubs && sub_ptrs[k] != fi->sub)
        k++;
      if (k == nsubs) {
        sub_ptrs[nsubs] = fi->sub;
        if (fi->sub_is_enum)
          subs[nsubs].enumdef = fi->sub;
        else
          subs[nsubs].msg = fi->sub;
        nsubs++;
      }
      f->sub = (uint16_t)k;
    }
    if (!(names[i].name = str_dup(b, fi->fp->name)) || !(names[i].json_name = json_name(b, fi->fp))) return false;
  }
  uint32_t nranges = mp->extension_range.size;
  if (nranges > 65535) return fail(b, "%s: too many extension ranges", name);
  bp_range *ranges = bp_arena_zalloc(a, sizeof(bp_range) * (nranges + 1));
  if (!ranges) return nomem(b);
  for (uint32_t i = 0; i < nranges; i++) {
    const google_protobuf_DescriptorProto_ExtensionRange *r =
        ((google_protobuf_DescriptorProto_ExtensionRange **)mp->extension_range.data)[i];
    /* a message set's extensions may use numbers up to INT32_MAX - 1 */
    int32_t max_end = (m->def.flags & BP_MSG_SET) ? INT32_MAX : MAX_FIELD_NUMBER + 1;
    if (r->start < 1 || r->end <= r->start || r->end > max_end)
      return fail(b, "%s: bad extension range %d to %d", name, (int)r->start, (int)r->end);
    ranges[i].start = (uint32_t)r->start;
    ranges[i].end = (uint32_t)r->end;
  }
  uint32_t dense = 0;
  while (dense < n && fields[dense].number == dense + 1)
    dense++;
  m->def.fields = n ? fields : NULL;
  m->def.subs = nsubs ? subs : NULL;
  m->def.ext_ranges = nranges ? ranges : NULL;
  m->def.names = n ? names : NULL;
  m->def.size = (uint32_t)off;
  m->def.field_count = (uint16_t)n;
  m->def.dense = (uint16_t)dense;
  m->def.ext_range_count = (uint16_t)nranges;
  if (nhasbits) {
    /* the encoder's lists: fields with hasbits (in hasbit order), the others */
    uint16_t *with = bp_arena_malloc(a, sizeof(uint16_t) * (size_t)nhasbits);
    uint16_t *without = bp_arena_malloc(a, sizeof(uint16_t) * (n - (uint32_t)nhasbits + 1));
    if (!with || !without) return nomem(b);
    uint32_t k = 0, j = 0;
    for (uint32_t i = 0; i < n; i++) {
      if (by_number[i]->hasbit >= 0)
        with[k++] = (uint16_t)i;
      else
        without[j++] = (uint16_t)i;
    }
    m->def.hasbit_fields = with;
    m->def.plain_fields = j ? without : NULL;
    m->def.hasbit_count = (uint16_t)nhasbits;
  }
  return true;
}

static int cmp_int32(const void *x, const void *y) {
  int32_t a = *(const int32_t *)x, b = *(const int32_t *)y;
  return (a > b) - (a < b);
}

static bool build_enum(builder *b, dyn_enum *e) {
  bp_arena *a = b->p->arena;
  const enum_proto *ep = e->proto;
  uint32_t n = ep->value.size;
  int32_t *nums = bp_arena_malloc(a, sizeof(int32_t) * n);
  const char **names = bp_arena_malloc(a, sizeof(char *) * n);
  e->all_names = bp_arena_malloc(a, sizeof(char *) * n);
  e->all_numbers = bp_arena_malloc(a, sizeof(int32_t) * n);
  if (!nums || !names || !e->all_names || !e->all_numbers) return nomem(b);
  for (uint32_t i = 0; i < n; i++) {
    const google_protobuf_EnumValueDescriptorProto *v = ((google_protobuf_EnumValueDescriptorProto **)ep->value.data)[i];
    if (!valid_ident(v->name)) return fail(b, "%s: value %u has no valid name", e->def.full_name, i + 1);
    nums[i] = e->all_numbers[i] = v->number;
    if (!(e->all_names[i] = str_dup(b, v->name))) return false;
  }
  e->all_count = n;
  qsort(nums, n, sizeof *nums, cmp_int32);
  uint32_t k = 0;
  for (uint32_t i = 0; i < n; i++)
    if (k == 0 || nums[k - 1] != nums[i]) nums[k++] = nums[i];
  for (uint32_t i = 0; i < k; i++)
    for (uint32_t j = 0; j < n; j++)
      if (e->all_numbers[j] == nums[i]) {
        names[i] = e->all_names[j];
        break;
      }
  e->def.values = nums;
  e->def.names = names;
  e->def.count = k;
  return true;
}

/* ---------------------------------------------------------------- pass 3: extensions, services, files */

static uint64_t hash_ext(const bp_msgdef *t, uint32_t number) {
  return ((uint64_t)(uintptr_t)t * 0x9e3779b97f4a7c15u) ^ ((uint64_t)number * 0xff51afd7ed558ccdu);
}

static bool ext_key_add(builder *b, dyn_ext *x) {
  bp_dynpool *p = b->p;
  if ((p->ext_key_count + 1) * 2 > p->ext_key_cap) {
    uint32_t cap = p->ext_key_cap ? p->ext_key_cap * 2 : 64;
    ext_key *n = bp_arena_zalloc(p->arena, sizeof(ext_key) * cap);
    if (!n) return nomem(b);
    for (uint32_t i = 0; i < p->ext_key_cap; i++) {
      if (!p->ext_keys[i].ext) continue;
      uint32_t j = (uint32_t)hash_ext(p->ext_keys[i].extendee, p->ext_keys[i].number) & (cap - 1);
      while (n[j].ext)
        j = (j + 1) & (cap - 1);
      n[j] = p->ext_keys[i];
    }
    p->ext_keys = n;
    p->ext_key_cap = cap;
  }
  if (bp_dynpool_ext_by_number(p, x->def.extendee, x->def.number))
    return fail(b, "%s: number %u of %s is already used by another extension", x->def.full_name, x->def.number,
                x->def.extendee->full_name);
  uint32_t mask = p->ext_key_cap - 1;
  uint32_t i = (uint32_t)hash_ext(x->def.extendee, x->def.number) & mask;
  while (p->ext_keys[i].ext)
    i = (i + 1) & mask;
  p->ext_keys[i].extendee = x->def.extendee;
  p->ext_keys[i].number = x->def.number;
  p->ext_keys[i].ext = x;
  p->ext_key_count++;
  return true;
}

static bool build_ext(builder *b, dyn_ext *x) {
  const field_proto *fp = x->proto;
  const char *what = x->def.full_name;
  const sym *s = resolve(b, x->scope, fp->extendee);
  if (b->failed) return false;
  if (!s || s->kind != SYM_MSG)
    return fail(b, "%s: extendee \"%.*s\" is not a message", what, (int)(fp->extendee.size > 200 ? 200 : fp->extendee.size),
                fp->extendee.data);
  fieldinfo fi;
  memset(&fi, 0, sizeof fi);
  fi.fp = fp;
  const bp_msgdef *extendee = &((const dyn_msg *)s->ptr)->def;
  int32_t max_number = (extendee->flags & BP_MSG_SET) ? INT32_MAX - 1 : MAX_FIELD_NUMBER;
  if (!resolve_field(b, x->scope, what, x->file, &x->feats, NULL, false, max_number, &fi)) return false;
  if (!bp_msgdef_in_ext_range(extendee, (uint32_t)fp->number))
    return fail(b, "%s: %s has no extension range holding number %d", what, extendee->full_name, (int)fp->number);
  if (fi.flags & BP_F_REQUIRED) return fail(b, "%s: an extension cannot be required", what);
  x->def.extendee = extendee;
  x->def.number = (uint32_t)fp->number;
  x->def.type = (uint8_t)fi.type;
  x->def.flags = fi.flags & (BP_F_REPEATED | BP_F_PACKED | BP_F_UTF8 | BP_F_CLOSED);
  if (fi.sub_is_enum)
    x->def.sub.enumdef = fi.sub;
  else if (fi.sub)
    x->def.sub.msg = fi.sub;
  /* the carrier: aux, one hasbit byte, the value */
  bp_field *cf = &x->carrier_field;
  cf->number = x->def.number;
  cf->type = x->def.type;
  cf->flags = x->def.flags;
  cf->offset = 2 * sizeof(void *);
  cf->presence = !(fi.flags & BP_F_REPEATED) && !is_msg_type(fi.type) ? (int32_t)(sizeof(void *) * 8) : 0;
  x->carrier_sub = x->def.sub;
  x->carrier_name.name = x->def.full_name;
  x->carrier_name.json_name = x->def.full_name;
  x->carrier.fields = cf;
  x->carrier.subs = &x->carrier_sub;
  x->carrier.names = &x->carrier_name;
  x->carrier.full_name = x->def.full_name;
  x->carrier.size = (uint32_t)(2 * sizeof(void *) + sizeof(bp_array));
  x->carrier.field_count = 1;
  x->carrier.dense = cf->number == 1;
  return ext_key_add(b, x);
}

static bool build_services(builder *b, dyn_file *f) {
  bp_arena *a = b->p->arena;
  const file_proto *fp = f->proto;
  uint32_t ns = fp->service.size;
  const bp_servicedef **svcs = bp_arena_zalloc(a, sizeof(void *) * (ns + 1));
  if (!svcs) return nomem(b);
  for (uint32_t i = 0; i < ns; i++) {
    const google_protobuf_ServiceDescriptorProto *sp = ((google_protobuf_ServiceDescriptorProto **)fp->service.data)[i];
    bp_servicedef *sd = bp_arena_zalloc(a, sizeof *sd);
    uint32_t nm = sp->method.size;
    bp_methoddef *ms = bp_arena_zalloc(a, sizeof(bp_methoddef) * (nm + 1));
    if (!sd || !ms || !(sd->full_name = join(b, f->def.package, sp->name))) return nomem(b);
    for (uint32_t k = 0; k < nm; k++) {
      const google_protobuf_MethodDescriptorProto *mdp = ((google_protobuf_MethodDescriptorProto **)sp->method.data)[k];
      if (!valid_ident(mdp->name)) return fail(b, "%s: method %u has no valid name", sd->full_name, k + 1);
      bp_methoddef *md = &ms[k];
      if (!(md->name = str_dup(b, mdp->name))) return false;
      size_t plen = strlen(sd->full_name) + strlen(md->name) + 3;
      char *path = bp_arena_malloc(a, plen);
      if (!path) return nomem(b);
      snprintf(path, plen, "/%s/%s", sd->full_name, md->name);
      md->path = path;
      const sym *in = resolve(b, sd->full_name, mdp->input_type);
      const sym *out = resolve(b, sd->full_name, mdp->output_type);
      if (b->failed) return false;
      if (!in || in->kind != SYM_MSG || !out || out->kind != SYM_MSG)
        return fail(b, "%s.%s: input or output type is not a message", sd->full_name, md->name);
      md->input = &((const dyn_msg *)in->ptr)->def;
      md->output = &((const dyn_msg *)out->ptr)->def;
      md->flags = (mdp->client_streaming ? BP_METHOD_CLIENT_STREAMING : 0) |
                  (mdp->server_streaming ? BP_METHOD_SERVER_STREAMING : 0);
    }
    sd->methods = ms;
    sd->method_count = nm;
    svcs[i] = sd;
  }
  f->def.services = svcs;
  f->def.service_count = ns;
  return true;
}

static bool build_file(builder *b, dyn_file *f) {
  const file_proto *fp = f->proto;
  uint32_t nd = fp->dependency.size;
  const bp_filedef **deps = bp_arena_zalloc(b->p->arena, sizeof(void *) * (nd + 1));
  if (!deps) return nomem(b);
  for (uint32_t i = 0; i < nd; i++) {
    bp_str dep = ((const bp_str *)fp->dependency.data)[i];
    const sym *s = sym_find(b->p, dep, 1);
    if (!s)
      return fail(b, "%s imports \"%.*s\", which the set does not hold", f->def.name, (int)(dep.size > 200 ? 200 : dep.size),
                  dep.data);
    deps[i] = &((const dyn_file *)s->ptr)->def;
  }
  f->def.deps = deps;
  f->def.dep_count = nd;
  f->def.msgs = f->msgs;
  f->def.enums = f->enums;
  f->def.exts = f->exts;
  return build_services(b, f);
}

/* ---------------------------------------------------------------- the pool */

static bool build_all(builder *b, const google_protobuf_FileDescriptorSet *set) {
  bp_dynpool *p = b->p;
  uint32_t nf = set->file.size;
  p->files = bp_arena_zalloc(p->arena, sizeof(dyn_file *) * (nf + 1));
  p->filedefs = bp_arena_zalloc(p->arena, sizeof(bp_filedef *) * (nf + 1));
  if (!p->files || !p->filedefs) return nomem(b);
  for (uint32_t i = 0; i < nf; i++) {
    dyn_file *f = bp_arena_zalloc(p->arena, sizeof *f);
    if (!f) return nomem(b);
    f->proto = ((file_proto **)set->file.data)[i];
    p->files[i] = f;
    p->filedefs[i] = &f->def;
    p->file_count = i + 1;
    if (!register_file(b, f)) return false;
  }
  for (uint32_t i = 0; i < p->file_count; i++) {
    dyn_file *f = p->files[i];
    for (uint32_t k = 0; k < f->def.enum_count; k++)
      if (!build_enum(b, (dyn_enum *)(uintptr_t)f->enums[k])) return false;
  }
  for (uint32_t i = 0; i < p->msg_count; i++)
    if (!build_msg(b, p->msgs[i])) return false;
  for (uint32_t i = 0; i < p->ext_count; i++)
    if (!build_ext(b, p->exts[i])) return false;
  for (uint32_t i = 0; i < p->file_count; i++)
    if (!build_file(b, p->files[i])) return false;
  if (!(p->registry = bp_registry_new(p->arena))) return nomem(b);
  for (uint32_t i = 0; i < p->file_count; i++)
    if (!bp_registry_add_file(p->registry, &p->files[i]->def)) return nomem(b);
  return true;
}

bp_dynpool *bp_dynpool_new(const char *fds, size_t size, bp_arena *a, char *err, size_t errsize) {
  builder b;
  b.err = err;
  b.errsize = errsize;
  b.failed = false;
  if (errsize) err[0] = 0;
  b.p = bp_arena_zalloc(a, sizeof(bp_dynpool));
  if (!b.p) {
    nomem(&b);
    return NULL;
  }
  b.p->arena = a;
  google_protobuf_FileDescriptorSet *set = google_protobuf_FileDescriptorSet_new(a);
  if (!set) {
    nomem(&b);
    return NULL;
  }
  bp_status st = bp_decode(&google_protobuf_FileDescriptorSet_msgdef, set, fds, size, a, NULL);
  if (st != BP_OK) {
    fail(&b, "the descriptor set cannot be read: %s", bp_status_text(st));
    return NULL;
  }
  return build_all(&b, set) ? b.p : NULL;
}

/* ---------------------------------------------------------------- lookups */

static void *find_kind(const bp_dynpool *p, bp_str name, int kind) {
  const sym *s = sym_find(p, name, sym_space(kind));
  return s && s->kind == kind ? s->ptr : NULL;
}

const bp_msgdef *bp_dynpool_msgdef(const bp_dynpool *p, bp_str full_name) {
  const dyn_msg *m = find_kind(p, full_name, SYM_MSG);
  return m ? &m->def : NULL;
}

const bp_enumdef *bp_dynpool_enumdef(const bp_dynpool *p, bp_str full_name) {
  const dyn_enum *e = find_kind(p, full_name, SYM_ENUM);
  return e ? &e->def : NULL;
}

const bp_extdef *bp_dynpool_ext(const bp_dynpool *p, bp_str full_name) {
  const dyn_ext *x = find_kind(p, full_name, SYM_EXT);
  return x ? &x->def : NULL;
}

const bp_filedef *bp_dynpool_file(const bp_dynpool *p, bp_str name) {
  const dyn_file *f = find_kind(p, name, SYM_FILE);
  return f ? &f->def : NULL;
}

const bp_extdef *bp_dynpool_ext_by_number(const bp_dynpool *p, const bp_msgdef *extendee, uint32_t number) {
  if (!p->ext_key_cap) return NULL;
  uint32_t mask = p->ext_key_cap - 1;
  for (uint32_t i = (uint32_t)hash_ext(extendee, number) & mask;; i = (i + 1) & mask) {
    const ext_key *k = &p->ext_keys[i];
    if (!k->ext) return NULL;
    if (k->extendee == extendee && k->number == number) return &k->ext->def;
  }
}

const bp_filedef *const *bp_dynpool_files(const bp_dynpool *p, size_t *n) {
  *n = p->file_count;
  return p->filedefs;
}

bool bp_dynpool_enum_value(const bp_dynpool *p, const bp_enumdef *e, bp_str name, int32_t *number) {
  const dyn_enum *de = p && e->full_name ? find_kind(p, bp_str_c(e->full_name), SYM_ENUM) : NULL;
  if (de && &de->def == e) {
    for (uint32_t i = 0; i < de->all_count; i++)
      if (bp_str_eq(bp_str_c(de->all_names[i]), name)) {
        *number = de->all_numbers[i];
        return true;
      }
    return false;
  }
  for (uint32_t i = 0; i < e->count; i++)
    if (bp_str_eq(bp_str_c(e->names[i]), name)) {
      *number = e->values[i];
      return true;
    }
  return false;
}

const bp_registry *bp_dynpool_registry(const bp_dynpool *p) { return p->registry; }

bool bp_ext_item_named_by_type(const bp_extdef *e) {
  if (!(e->extendee->flags & BP_MSG_SET) || e->type != BP_TYPE_MESSAGE || (e->flags & BP_F_REPEATED)) return false;
  const char *type = e->sub.msg->full_name, *dot = strrchr(e->full_name, '.');
  size_t n = strlen(type);
  return dot && (size_t)(dot - e->full_name) == n && memcmp(e->full_name, type, n) == 0;
}

const bp_extdef *bp_dynpool_ext_printable(const bp_dynpool *p, const bp_msgdef *extendee, bp_str name) {
  const bp_extdef *e = bp_dynpool_ext(p, name);
  if (e) return e->extendee == extendee ? e : NULL;
  if (!(extendee->flags & BP_MSG_SET)) return NULL;
  for (uint32_t i = 0; i < p->ext_count; i++) {
    const bp_extdef *x = &p->exts[i]->def;
    if (x->extendee == extendee && bp_ext_item_named_by_type(x) && bp_str_eq(bp_str_c(x->sub.msg->full_name), name))
      return x;
  }
  return NULL;
}

const bp_msgdef *bp_dynpool_ext_carrier(const bp_dynpool *p, const bp_extdef *e) {
  const dyn_ext *x = p && e->full_name ? find_kind(p, bp_str_c(e->full_name), SYM_EXT) : NULL;
  return x && &x->def == e ? &x->carrier : NULL;
}
