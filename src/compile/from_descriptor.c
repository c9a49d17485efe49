/* The descriptor model from FileDescriptorProtos: files compiled elsewhere
 * (protoc, buf, a descriptor set) become bu_files, so that the stages that
 * work on the model (the C generator above all) run on them as on files
 * buoy compiled itself.
 *
 * What the descriptors carry is taken as it is: names, numbers, labels,
 * types, json_name, defaults, oneofs, ranges, reserved names, imports.
 * Type names are resolved against the files given (they are fully
 * qualified in descriptors). Of the options, the model keeps what its
 * queries read: map_entry, message_set_wire_format, packed, LITE_RUNTIME,
 * and the editions features (FeatureSet) of every element, as an
 * interpreted `features` option. There is no syntax tree, source or source
 * info: nothing that reads them may run on these files. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "compile/internal.h"
#include "google/protobuf/descriptor.pb.h"

/* Bounds nesting as the parser does. */
#define MAX_DEPTH (BUOY_MAX_NESTING + 8)

typedef struct builder {
  bu_compiler *c;
  bu_file *f;
  char *err;
  size_t errlen;
  bool failed;
  /* the fields the `features` option is made of: FeatureSet's (arena) */
  bu_field *features_field;
  bu_field *feature_fields;
} builder;

static const char *const feature_names[6] = {"field_presence",  "enum_type",        "repeated_field_encoding",
                                             "utf8_validation", "message_encoding", "json_format"};

static void fail(builder *b, const char *fmt, const char *a, const char *c) {
  if (!b->failed) snprintf(b->err, b->errlen, fmt, a, c);
  b->failed = true;
}

static const char *str(builder *b, bp_str s) { return buoy_arena_strndup(&b->c->arena, s.data ? s.data : "", s.size); }

static const char *join(builder *b, const char *scope, const char *name) {
  size_t n = strlen(scope), k = strlen(name);
  char *p = buoy_arena_alloc_raw(&b->c->arena, n + k + 2);
  if (n) {
    memcpy(p, scope, n);
    p[n++] = '.';
  }
  memcpy(p + n, name, k + 1);
  return p;
}

static void add_symbol(builder *b, const char *full_name, bu_symbol_kind kind, void *ptr) {
  bu_symbol *s = BUOY_NEW(&b->c->arena, bu_symbol);
  s->kind = kind;
  s->ptr = ptr;
  s->file = b->f;
  if (buoy_strmap_put_new(&b->c->symbols, full_name, strlen(full_name), s))
    fail(b, "%s: %s is defined twice", b->f->name, full_name);
}

/* The features set on an element, as the interpreted option `features`
 * (what bu_feature_enum and bu_enum_closed read); NULL when none. */
static bu_optmsg *features(builder *b, const google_protobuf_FeatureSet *fs) {
  if (!fs) return NULL;
  const int32_t values[6] = {fs->field_presence,  fs->enum_type,        fs->repeated_field_encoding,
                             fs->utf8_validation, fs->message_encoding, fs->json_format};
  bu_optmsg *inner = BUOY_NEW(&b->c->arena, bu_optmsg);
  bu_optfield **tail = &inner->fields;
  for (int i = 0; i < 6; i++) {
    if (!values[i]) continue; /* FEATURE_UNKNOWN: not set */
    bu_optfield *of = BUOY_NEW(&b->c->arena, bu_optfield);
    of->field = &b->feature_fields[i];
    of->first = of->last = BUOY_NEW(&b->c->arena, bu_optval);
    of->first->v.u = (uint64_t)(int64_t)values[i];
    of->count = of->entries = 1;
    *tail = of;
    tail = &of->next;
  }
  if (!inner->fields) return NULL;
  bu_optmsg *outer = BUOY_NEW(&b->c->arena, bu_optmsg);
  outer->fields = BUOY_NEW(&b->c->arena, bu_optfield);
  outer->fields->field = b->features_field;
  outer->fields->first = outer->fields->last = BUOY_NEW(&b->c->arena, bu_optval);
  outer->fields->first->v.msg = inner;
  outer->fields->count = outer->fields->entries = 1;
  return outer;
}

/* ------------------------------------------------------------ elements */

/* The default of a float field as the compiler keeps it: the float value
 * widened to double (protoc writes the float's shortest digits, buf the
 * widened double's), so both give the same model. */
static const char *float_default(builder *b, const bu_field *fl, const google_protobuf_FieldDescriptorProto *fp) {
  const char *text = str(b, fp->default_value);
  if (fl->type != google_protobuf_FieldDescriptorProto_TYPE_FLOAT) return text;
  char *end;
  double d = strtod(text, &end);
  if (!text[0] || *end || isinf(d) || isnan(d)) return text;
  char out[40];
  snprintf(out, sizeof out, "%.17g", (double)(float)d);
  return buoy_arena_strndup(&b->c->arena, out, strlen(out));
}

static bu_field *field(builder *b, const google_protobuf_FieldDescriptorProto *fp, const char *scope,
                       bu_message *containing, bu_message *declared_in) {
  bu_field *fl = BUOY_NEW(&b->c->arena, bu_field);
  fl->name = str(b, fp->name);
  fl->full_name = join(b, scope, fl->name);
  fl->number = fp->number;
  fl->label = google_protobuf_FieldDescriptorProto_has_label(fp) ? fp->label : BU_LABEL_OPTIONAL;
  fl->type = google_protobuf_FieldDescriptorProto_has_type(fp) ? fp->type : 0;
  if (google_protobuf_FieldDescriptorProto_has_type_name(fp)) fl->type_name = str(b, fp->type_name);
  if (google_protobuf_FieldDescriptorProto_has_extendee(fp)) fl->extendee = str(b, fp->extendee);
  if (google_protobuf_FieldDescriptorProto_has_default_value(fp)) fl->default_value = float_default(b, fl, fp);
  fl->json_name_explicit = google_protobuf_FieldDescriptorProto_has_json_name(fp);
  fl->json_name = fl->json_name_explicit ? str(b, fp->json_name) : bu_json_name(&b->c->arena, fl->name);
  fl->oneof_index = google_protobuf_FieldDescriptorProto_has_oneof_index(fp) ? fp->oneof_index : -1;
  fl->proto3_optional = fp->proto3_optional;
  fl->containing = containing;
  fl->scope = declared_in;
  fl->file = b->f;
  fl->options = fp->options ? features(b, fp->options->features) : NULL;
  if (!fl->name[0] || fl->number <= 0) fail(b, "%s: a field of %s has no name or number", b->f->name, scope);
  if (fl->label < BU_LABEL_OPTIONAL || fl->label > BU_LABEL_REPEATED)
    fail(b, "%s: field %s has an unknown label", b->f->name, fl->full_name);
  return fl;
}

static void fields(builder *b, const bp_array *arr, const char *scope, bu_message *containing, bu_message *in,
                   bu_vec *out) {
  google_protobuf_FieldDescriptorProto *const *fs = arr->data;
  for (size_t i = 0; i < arr->size; i++) {
    bu_field *fl = field(b, fs[i], scope, containing, in);
    bu_vec_push(&b->c->arena, out, fl);
    if (!fl->extendee && containing) add_symbol(b, fl->full_name, BU_SYM_FIELD, fl);
  }
}

static void reserved_names(builder *b, const bp_array *arr, bu_vec *out) {
  const bp_str *s = arr->data;
  for (size_t i = 0; i < arr->size; i++)
    bu_vec_push(&b->c->arena, out, (void *)(uintptr_t)str(b, s[i]));
}

static bu_range *range(builder *b, int32_t start, int32_t end) {
  bu_range *r = BUOY_NEW(&b->c->arena, bu_range);
  r->start = start;
  r->end = end;
  return r;
}

static bu_enum *enum_type(builder *b, const google_protobuf_EnumDescriptorProto *ep, const char *scope,
                          bu_message *parent) {
  bu_enum *e = BUOY_NEW(&b->c->arena, bu_enum);
  e->name = str(b, ep->name);
  e->full_name = join(b, scope, e->name);
  e->parent = parent;
  e->file = b->f;
  e->visibility = (uint8_t)(ep->visibility == 1 || ep->visibility == 2 ? ep->visibility : 0);
  e->options = ep->options ? features(b, ep->options->features) : NULL;
  const google_protobuf_FeatureSet *fs = ep->options ? ep->options->features : NULL;
  e->closed_feature = fs && fs->enum_type == google_protobuf_FeatureSet_CLOSED;
  add_symbol(b, e->full_name, BU_SYM_ENUM, e);
  google_protobuf_EnumValueDescriptorProto *const *vs = ep->value.data;
  for (size_t i = 0; i < ep->value.size; i++) {
    bu_enum_value *v = BUOY_NEW(&b->c->arena, bu_enum_value);
    v->name = str(b, vs[i]->name);
    v->full_name = join(b, scope, v->name); /* values are siblings of their enum */
    v->number = vs[i]->number;
    v->options = vs[i]->options ? features(b, vs[i]->options->features) : NULL;
    bu_vec_push(&b->c->arena, &e->values, v);
  }
  if (!e->values.count) fail(b, "%s: enum %s has no values", b->f->name, e->full_name);
  google_protobuf_EnumDescriptorProto_EnumReservedRange *const *rs = ep->reserved_range.data;
  for (size_t i = 0; i < ep->reserved_range.size; i++)
    bu_vec_push(&b->c->arena, &e->reserved_ranges, range(b, rs[i]->start, rs[i]->end));
  reserved_names(b, &ep->reserved_name, &e->reserved_names);
  return e;
}

static void enums(builder *b, const bp_array *arr, const char *scope, bu_message *parent, bu_vec *out) {
  google_protobuf_EnumDescriptorProto *const *es = arr->data;
  for (size_t i = 0; i < arr->size; i++)
    bu_vec_push(&b->c->arena, out, enum_type(b, es[i], scope, parent));
}

static bu_message *message(builder *b, const google_protobuf_DescriptorProto *mp, const char *scope,
                           bu_message *parent, int depth) {
  bu_message *m = BUOY_NEW(&b->c->arena, bu_message);
  m->name = str(b, mp->name);
  m->full_name = join(b, scope, m->name);
  m->parent = parent;
  m->file = b->f;
  m->visibility = (uint8_t)(mp->visibility == 1 || mp->visibility == 2 ? mp->visibility : 0);
  if (mp->options) {
    m->map_entry = mp->options->map_entry;
    m->message_set = mp->options->message_set_wire_format;
    m->options = features(b, mp->options->features);
  }
  if (depth > MAX_DEPTH) {
    fail(b, "%s: messages nest too deeply (at %s)", b->f->name, m->full_name);
    return m;
  }
  add_symbol(b, m->full_name, BU_SYM_MESSAGE, m);
  google_protobuf_OneofDescriptorProto *const *os = mp->oneof_decl.data;
  for (size_t i = 0; i < mp->oneof_decl.size; i++) {
    bu_oneof *o = BUOY_NEW(&b->c->arena, bu_oneof);
    o->name = str(b, os[i]->name);
    o->full_name = join(b, m->full_name, o->name);
    o->options = os[i]->options ? features(b, os[i]->options->features) : NULL;
    bu_vec_push(&b->c->arena, &m->oneofs, o);
  }
  fields(b, &mp->field, m->full_name, m, m, &m->fields);
  for (uint32_t i = 0; i < m->fields.count; i++) {
    bu_field *fl = BU_VEC_AT(m->fields, bu_field, i);
    if (fl->oneof_index >= (int32_t)m->oneofs.count) {
      fail(b, "%s: field %s is in a oneof that does not exist", b->f->name, fl->full_name);
      fl->oneof_index = -1;
    } else if (fl->oneof_index >= 0 && fl->proto3_optional) {
      BU_VEC_AT(m->oneofs, bu_oneof, fl->oneof_index)->synthetic = true;
    }
  }
  google_protobuf_DescriptorProto *const *ns = mp->nested_type.data;
  for (size_t i = 0; i < mp->nested_type.size; i++)
    bu_vec_push(&b->c->arena, &m->nested, message(b, ns[i], m->full_name, m, depth + 1));
  enums(b, &mp->enum_type, m->full_name, m, &m->enums);
  fields(b, &mp->extension, m->full_name, NULL, m, &m->extensions);
  google_protobuf_DescriptorProto_ExtensionRange *const *ers = mp->extension_range.data;
  for (size_t i = 0; i < mp->extension_range.size; i++)
    bu_vec_push(&b->c->arena, &m->extension_ranges, range(b, ers[i]->start, ers[i]->end));
  google_protobuf_DescriptorProto_ReservedRange *const *rs = mp->reserved_range.data;
  for (size_t i = 0; i < mp->reserved_range.size; i++)
    bu_vec_push(&b->c->arena, &m->reserved_ranges, range(b, rs[i]->start, rs[i]->end));
  reserved_names(b, &mp->reserved_name, &m->reserved_names);
  return m;
}

static void services(builder *b, const google_protobuf_FileDescriptorProto *fd) {
  google_protobuf_ServiceDescriptorProto *const *ss = fd->service.data;
  for (size_t i = 0; i < fd->service.size; i++) {
    bu_service *sv = BUOY_NEW(&b->c->arena, bu_service);
    sv->name = str(b, ss[i]->name);
    sv->full_name = join(b, b->f->package, sv->name);
    add_symbol(b, sv->full_name, BU_SYM_SERVICE, sv);
    google_protobuf_MethodDescriptorProto *const *ms = ss[i]->method.data;
    for (size_t k = 0; k < ss[i]->method.size; k++) {
      bu_method *mt = BUOY_NEW(&b->c->arena, bu_method);
      mt->name = str(b, ms[k]->name);
      mt->full_name = join(b, sv->full_name, mt->name);
      mt->input_type = str(b, ms[k]->input_type);
      mt->output_type = str(b, ms[k]->output_type);
      mt->client_streaming = ms[k]->client_streaming;
      mt->server_streaming = ms[k]->server_streaming;
      bu_vec_push(&b->c->arena, &sv->methods, mt);
    }
    bu_vec_push(&b->c->arena, &b->f->services, sv);
  }
}

/* ------------------------------------------------------------ linking */

static bu_symbol *lookup(builder *b, const char *qualified) {
  if (!qualified || qualified[0] != '.') return NULL;
  return buoy_strmap_get(&b->c->symbols, qualified + 1, strlen(qualified + 1));
}

static bool is_packable(int type) {
  return type != google_protobuf_FieldDescriptorProto_TYPE_STRING &&
         type != google_protobuf_FieldDescriptorProto_TYPE_BYTES &&
         type != google_protobuf_FieldDescriptorProto_TYPE_MESSAGE &&
         type != google_protobuf_FieldDescriptorProto_TYPE_GROUP;
}

static void link_field(builder *b, bu_field *fl, const google_protobuf_FieldDescriptorProto *fp) {
  if (fl->type_name) {
    bu_symbol *s = lookup(b, fl->type_name);
    if (s && s->kind == BU_SYM_MESSAGE) {
      fl->message_type = s->ptr;
      if (!fl->type) fl->type = google_protobuf_FieldDescriptorProto_TYPE_MESSAGE;
    } else if (s && s->kind == BU_SYM_ENUM) {
      fl->enum_type = s->ptr;
      if (!fl->type) fl->type = google_protobuf_FieldDescriptorProto_TYPE_ENUM;
    }
    bool message = fl->type == google_protobuf_FieldDescriptorProto_TYPE_MESSAGE ||
                   fl->type == google_protobuf_FieldDescriptorProto_TYPE_GROUP;
    if ((message && !fl->message_type) || (fl->type == google_protobuf_FieldDescriptorProto_TYPE_ENUM && !fl->enum_type))
      fail(b, "field type %s is not defined in the files given (or is not of the field's kind)", fl->type_name, "");
  }
  if (fl->type < 1 || fl->type > 18) fail(b, "%s: field %s has no valid type", b->f->name, fl->full_name);
  if (fl->extendee) {
    bu_symbol *s = lookup(b, fl->extendee);
    if (s && s->kind == BU_SYM_MESSAGE)
      fl->extendee_type = s->ptr;
    else
      fail(b, "extended message %s is not defined in the files given%s", fl->extendee, "");
  }
  /* packed: the option, else the syntax's rule or the feature */
  if (fl->label == BU_LABEL_REPEATED && is_packable(fl->type)) {
    if (fp->options && google_protobuf_FieldOptions_has_packed(fp->options))
      fl->packed = fp->options->packed;
    else if (fl->file->ast.syntax == BUOY_SYNTAX_PROTO2)
      fl->packed = false;
    else if (fl->file->ast.syntax == BUOY_SYNTAX_PROTO3)
      fl->packed = true;
    else
      fl->packed = bu_feature_enum(fl, "repeated_field_encoding", 1) == 1; /* PACKED, 2023's default */
  }
}

static void link_fields(builder *b, bu_vec *v, const bp_array *arr) {
  google_protobuf_FieldDescriptorProto *const *fs = arr->data;
  for (uint32_t i = 0; i < v->count && i < arr->size; i++)
    link_field(b, BU_VEC_AT(*v, bu_field, i), fs[i]);
}

static void link_message(builder *b, bu_message *m, const google_protobuf_DescriptorProto *mp, int depth) {
  if (depth > MAX_DEPTH) return;
  link_fields(b, &m->fields, &mp->field);
  link_fields(b, &m->extensions, &mp->extension);
  google_protobuf_DescriptorProto *const *ns = mp->nested_type.data;
  for (uint32_t i = 0; i < m->nested.count && i < mp->nested_type.size; i++)
    link_message(b, BU_VEC_AT(m->nested, bu_message, i), ns[i], depth + 1);
}

/* ------------------------------------------------------------ files */

static bool file(builder *b, const google_protobuf_FileDescriptorProto *fd) {
  bu_compiler *c = b->c;
  bu_file *f = BUOY_NEW(&c->arena, bu_file);
  b->f = f;
  f->name = str(b, fd->name);
  f->package = str(b, fd->package);
  bp_str syntax = fd->syntax;
  if (!syntax.size || bp_str_eq(syntax, bp_str_c("proto2"))) {
    f->syntax = "proto2";
    f->ast.syntax = BUOY_SYNTAX_PROTO2;
    f->syntax_unspecified = !syntax.size;
  } else if (bp_str_eq(syntax, bp_str_c("proto3"))) {
    f->syntax = "proto3";
    f->ast.syntax = BUOY_SYNTAX_PROTO3;
  } else if (bp_str_eq(syntax, bp_str_c("editions")) &&
             (fd->edition == google_protobuf_EDITION_2023 || fd->edition == google_protobuf_EDITION_2024)) {
    f->syntax = "editions";
    f->ast.syntax = BUOY_SYNTAX_EDITIONS;
    f->edition = fd->edition == google_protobuf_EDITION_2023 ? "2023" : "2024";
    f->ast.edition = f->edition;
  } else {
    fail(b, "%s: unknown syntax or edition \"%s\"", f->name, str(b, syntax));
    return false;
  }
  if (!f->name[0]) {
    fail(b, "a file has no name%s%s", "", "");
    return false;
  }
  if (buoy_strmap_put_new(&c->files, f->name, strlen(f->name), f)) {
    fail(b, "%s: given twice%s", f->name, "");
    return false;
  }
  const bp_str *deps = fd->dependency.data;
  for (size_t i = 0; i < fd->dependency.size; i++) {
    const char *name = str(b, deps[i]);
    bu_file *d = buoy_strmap_get(&c->files, name, strlen(name));
    if (!d) {
      fail(b, "%s: imports %s, which is not given before it", f->name, name);
      return false;
    }
    bu_vec_push(&c->arena, &f->deps, d);
  }
  const int32_t *pub = fd->public_dependency.data;
  for (size_t i = 0; i < fd->public_dependency.size; i++)
    bu_vec_push(&c->arena, &f->public_deps, (void *)(uintptr_t)(uint32_t)pub[i]);
  const int32_t *weak = fd->weak_dependency.data;
  for (size_t i = 0; i < fd->weak_dependency.size; i++)
    bu_vec_push(&c->arena, &f->weak_deps, (void *)(uintptr_t)(uint32_t)weak[i]);
  if (fd->options) {
    f->lite = fd->options->optimize_for == google_protobuf_FileOptions_LITE_RUNTIME;
    f->options = features(b, fd->options->features);
  }
  if (f->package[0]) {
    /* packages are symbols too (each prefix), as the compiler records them */
    for (const char *p = f->package;; p++) {
      if (*p == '.' || !*p) {
        const char *prefix = buoy_arena_strndup(&c->arena, f->package, (size_t)(p - f->package));
        bu_symbol *s = BUOY_NEW(&c->arena, bu_symbol);
        s->kind = BU_SYM_PACKAGE;
        s->file = f;
        bu_symbol *old = buoy_strmap_put_new(&c->symbols, prefix, strlen(prefix), s);
        if (old && old->kind != BU_SYM_PACKAGE) fail(b, "%s: package %s is also the name of a type", f->name, prefix);
      }
      if (!*p) break;
    }
  }
  google_protobuf_DescriptorProto *const *ms = fd->message_type.data;
  for (size_t i = 0; i < fd->message_type.size; i++)
    bu_vec_push(&c->arena, &f->messages, message(b, ms[i], f->package, NULL, 0));
  enums(b, &fd->enum_type, f->package, NULL, &f->enums);
  fields(b, &fd->extension, f->package, NULL, NULL, &f->extensions);
  services(b, fd);
  /* everything of the file is known: link its fields */
  for (uint32_t i = 0; i < f->messages.count; i++)
    link_message(b, BU_VEC_AT(f->messages, bu_message, i), ms[i], 0);
  link_fields(b, &f->extensions, &fd->extension);
  for (uint32_t i = 0; i < f->services.count; i++) {
    const bu_service *sv = BU_VEC_AT(f->services, bu_service, i);
    for (uint32_t k = 0; k < sv->methods.count; k++) {
      const bu_method *mt = BU_VEC_AT(sv->methods, bu_method, k);
      bu_symbol *in = lookup(b, mt->input_type), *out = lookup(b, mt->output_type);
      if (!in || in->kind != BU_SYM_MESSAGE || !out || out->kind != BU_SYM_MESSAGE)
        fail(b, "method %s: its input or output type is not a message of the files given%s", mt->full_name, "");
    }
  }
  bu_vec_push(&c->arena, &c->order, f);
  return !b->failed;
}

bool bu_model_from_descriptors(bu_compiler *c, const struct google_protobuf_FileDescriptorProto *const *fds, size_t n,
                               bu_file **out, char *err, size_t errlen) {
  builder b;
  memset(&b, 0, sizeof b);
  b.c = c;
  b.err = err;
  b.errlen = errlen;
  b.features_field = BUOY_NEW(&c->arena, bu_field);
  b.features_field->name = "features";
  b.features_field->full_name = "features";
  b.features_field->type = google_protobuf_FieldDescriptorProto_TYPE_MESSAGE;
  b.feature_fields = buoy_arena_alloc(&c->arena, 6 * sizeof *b.feature_fields);
  for (int i = 0; i < 6; i++) {
    b.feature_fields[i].name = feature_names[i];
    b.feature_fields[i].full_name = feature_names[i];
    b.feature_fields[i].number = i + 1;
    b.feature_fields[i].type = google_protobuf_FieldDescriptorProto_TYPE_ENUM;
  }
  for (size_t i = 0; i < n; i++) {
    if (!file(&b, fds[i])) return false;
    if (out) out[i] = b.f;
  }
  return true;
}
