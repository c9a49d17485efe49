/* The model as FileDescriptorProtos in the binary wire format, through
 * buoy's own runtime: each file fills the structs buoy generated for
 * descriptor.proto (runtime/gen) in an arena, and runtime/pb encodes them.
 * The bytes are buf's: fields in number order (the runtime's), repeated
 * fields unpacked except SourceCodeInfo's path and span (descriptor.proto
 * says so), options in buf's order.
 *
 * Options: the standard fields of the *Options messages (and of the known
 * messages inside them: FeatureSet, FeatureSupport, EditionDefault,
 * Declaration) are set in the generated structs; every extension (custom
 * options, FeatureSet extensions such as pb.cpp) goes into the message's
 * extension set, encoded by options.c in buf's order. A standard field the
 * generated tables do not know (a descriptor.proto other than the embedded
 * one) is kept as an unknown field, as buf keeps it: after the known
 * fields, in the order first set, repeated scalars packed when several. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "compile/internal.h"
#include "google/protobuf/descriptor.pb.h"

typedef struct filler {
  bp_arena *a;
  bu_buf scratch; /* an option field being encoded */
} filler;

static void out_of_memory(void) {
  fputs("buoy: out of memory\n", stderr);
  abort();
}

static void *need(const void *p) {
  if (!p) out_of_memory();
  return (void *)(uintptr_t)p;
}

static void check(bool ok) {
  if (!ok) out_of_memory();
}

static bp_str S(const char *s) { return bp_str_c(s); }

/* ---------------------------------------------------------------- options */

/* Whether a field of the compiled descriptor.proto is the generated
 * table's field of the same number. */
static bool same_field(const bp_msgdef *t, const bp_field *f, const bu_field *fl) {
  if (((f->flags & BP_F_REPEATED) != 0) != (fl->label == BU_LABEL_REPEATED) || f->type != fl->type) return false;
  if ((f->type == BP_TYPE_MESSAGE || f->type == BP_TYPE_GROUP) &&
      (!fl->message_type || strcmp(t->subs[f->sub].msg->full_name, fl->message_type->full_name) != 0))
    return false;
  if (f->type == BP_TYPE_ENUM &&
      (!fl->enum_type || strcmp(t->subs[f->sub].enumdef->full_name, fl->enum_type->full_name) != 0))
    return false;
  return ((f->flags & BP_F_PACKED) != 0) == bu_field_packed(fl);
}

static bp_value scalar(int type, const bu_optval *v) {
  bp_value x;
  memset(&x, 0, sizeof x);
  switch (type) {
  case BP_TYPE_BOOL: x.b = v->v.u != 0; break;
  case BP_TYPE_FLOAT: x.f = (float)v->v.d; break;
  case BP_TYPE_DOUBLE: x.d = v->v.d; break;
  case BP_TYPE_INT32:
  case BP_TYPE_SINT32:
  case BP_TYPE_SFIXED32:
  case BP_TYPE_ENUM: x.i32 = (int32_t)v->v.u; break;
  case BP_TYPE_UINT32:
  case BP_TYPE_FIXED32: x.u32 = (uint32_t)v->v.u; break;
  case BP_TYPE_STRING:
  case BP_TYPE_BYTES: x.str = bp_str_make(v->v.str.bytes, v->v.str.len); break;
  default: x.u64 = v->v.u; break;
  }
  return x;
}

/* One option field in wire form (repeated scalars packed or not as asked),
 * copied into the arena. */
static bp_str encoded(filler *x, const bu_optfield *of, bool packed) {
  x->scratch.len = 0;
  bu_encode_optfield_as(&x->scratch, of, packed);
  return bp_str_make(need(bp_arena_memdup(x->a, x->scratch.data, x->scratch.len)), x->scratch.len);
}

static void fill_options(filler *x, const bp_msgdef *t, void *msg, const bu_optmsg *m) {
  for (const bu_optfield *of = m->fields; of; of = of->next) {
    const bu_field *fl = of->field;
    if (fl->extendee) {
      check(bp_ext_add_raw(msg, (uint32_t)fl->number, encoded(x, of, bu_field_packed(fl)), x->a));
      continue;
    }
    const bp_field *f = bp_msgdef_field(t, (uint32_t)fl->number);
    if (!f || !same_field(t, f, fl)) {
      /* unknown to the tables: written after the known fields, in the order
       * first set, repeated scalars packed when there are several, as buf
       * writes them (whatever the field says) */
      bp_str raw = encoded(x, of, of->count > 1);
      check(bp_unknown_add(msg, raw.data, raw.size, x->a));
      continue;
    }
    bool repeated = (f->flags & BP_F_REPEATED) != 0;
    for (const bu_optval *v = of->first; v; v = v->next) {
      if (f->type == BP_TYPE_MESSAGE || f->type == BP_TYPE_GROUP) {
        const bp_msgdef *sub = t->subs[f->sub].msg;
        void *sm = need(repeated ? bp_msg_add(msg, f, sub, x->a) : bp_msg_mutable(msg, f, sub, x->a));
        fill_options(x, sub, sm, v->v.msg);
      } else if (repeated) {
        check(bp_msg_append(msg, f, scalar(f->type, v), x->a));
      } else {
        bp_msg_set(msg, f, scalar(f->type, v));
      }
    }
  }
}

static void *options(filler *x, const bp_msgdef *t, const bu_optmsg *m) {
  if (!m) return NULL;
  void *msg = need(bp_msg_new(t, x->a));
  fill_options(x, t, msg, m);
  return msg;
}

/* ---------------------------------------------------------------- elements */

static void field(filler *x, google_protobuf_FieldDescriptorProto *fp, const bu_field *fl) {
  google_protobuf_FieldDescriptorProto_set_name(fp, S(fl->name));
  if (fl->extendee) google_protobuf_FieldDescriptorProto_set_extendee(fp, S(fl->extendee));
  google_protobuf_FieldDescriptorProto_set_number(fp, fl->number);
  google_protobuf_FieldDescriptorProto_set_label(fp, fl->label);
  if (fl->type) google_protobuf_FieldDescriptorProto_set_type(fp, fl->type);
  if (fl->type_name) google_protobuf_FieldDescriptorProto_set_type_name(fp, S(fl->type_name));
  if (fl->default_value) google_protobuf_FieldDescriptorProto_set_default_value(fp, S(fl->default_value));
  fp->options = options(x, &google_protobuf_FieldOptions_msgdef, fl->options);
  if (fl->oneof_index >= 0) google_protobuf_FieldDescriptorProto_set_oneof_index(fp, fl->oneof_index);
  google_protobuf_FieldDescriptorProto_set_json_name(fp, S(fl->json_name));
  if (fl->proto3_optional) google_protobuf_FieldDescriptorProto_set_proto3_optional(fp, true);
}

/* The elements of a repeated message field, all allocated at once. */
static void *elements(filler *x, bp_array *arr, const bp_msgdef *t, uint32_t n) {
  if (!n) return NULL;
  char *msgs = need(bp_arena_zalloc(x->a, (size_t)t->size * n));
  void **ptrs = need(bp_array_resize(arr, n, sizeof(void *), x->a));
  for (uint32_t i = 0; i < n; i++)
    ptrs[i] = msgs + (size_t)t->size * i;
  return msgs;
}

static void fields(filler *x, bp_array *arr, const bu_vec *v) {
  google_protobuf_FieldDescriptorProto *fps = elements(x, arr, &google_protobuf_FieldDescriptorProto_msgdef, v->count);
  for (uint32_t i = 0; i < v->count; i++)
    field(x, &fps[i], BU_VEC_AT(*v, bu_field, i));
}

static void names(filler *x, bp_array *arr, const bu_vec *v) {
  if (!v->count) return;
  bp_str *s = need(bp_array_resize(arr, v->count, sizeof(bp_str), x->a));
  for (uint32_t i = 0; i < v->count; i++)
    s[i] = S((const char *)v->items[i]);
}

/* SymbolVisibility: VISIBILITY_LOCAL = 1, VISIBILITY_EXPORT = 2. */
static int32_t visibility(const buoy_decl *d) {
  if (!d || (d->kind != BUOY_DECL_MESSAGE && d->kind != BUOY_DECL_ENUM)) return 0;
  if (d->u.block.visibility == BUOY_VIS_LOCAL) return google_protobuf_VISIBILITY_LOCAL;
  if (d->u.block.visibility == BUOY_VIS_EXPORT) return google_protobuf_VISIBILITY_EXPORT;
  return 0;
}

static void enum_type(filler *x, google_protobuf_EnumDescriptorProto *ep, const bu_enum *e) {
  google_protobuf_EnumDescriptorProto_set_name(ep, S(e->name));
  google_protobuf_EnumValueDescriptorProto *vps =
      elements(x, &ep->value, &google_protobuf_EnumValueDescriptorProto_msgdef, e->values.count);
  for (uint32_t i = 0; i < e->values.count; i++) {
    const bu_enum_value *v = BU_VEC_AT(e->values, bu_enum_value, i);
    google_protobuf_EnumValueDescriptorProto_set_name(&vps[i], S(v->name));
    google_protobuf_EnumValueDescriptorProto_set_number(&vps[i], v->number);
    vps[i].options = options(x, &google_protobuf_EnumValueOptions_msgdef, v->options);
  }
  ep->options = options(x, &google_protobuf_EnumOptions_msgdef, e->options);
  google_protobuf_EnumDescriptorProto_EnumReservedRange *rs = elements(
      x, &ep->reserved_range, &google_protobuf_EnumDescriptorProto_EnumReservedRange_msgdef, e->reserved_ranges.count);
  for (uint32_t i = 0; i < e->reserved_ranges.count; i++) {
    const bu_range *r = BU_VEC_AT(e->reserved_ranges, bu_range, i);
    google_protobuf_EnumDescriptorProto_EnumReservedRange_set_start(&rs[i], r->start);
    google_protobuf_EnumDescriptorProto_EnumReservedRange_set_end(&rs[i], r->end);
  }
  names(x, &ep->reserved_name, &e->reserved_names);
  int32_t vis = visibility(e->decl);
  if (vis) google_protobuf_EnumDescriptorProto_set_visibility(ep, vis);
}

static void enums(filler *x, bp_array *arr, const bu_vec *v) {
  google_protobuf_EnumDescriptorProto *eps = elements(x, arr, &google_protobuf_EnumDescriptorProto_msgdef, v->count);
  for (uint32_t i = 0; i < v->count; i++)
    enum_type(x, &eps[i], BU_VEC_AT(*v, bu_enum, i));
}

static void message(filler *x, google_protobuf_DescriptorProto *mp, const bu_message *m) {
  google_protobuf_DescriptorProto_set_name(mp, S(m->name));
  fields(x, &mp->field, &m->fields);
  google_protobuf_DescriptorProto *nested =
      elements(x, &mp->nested_type, &google_protobuf_DescriptorProto_msgdef, m->nested.count);
  for (uint32_t i = 0; i < m->nested.count; i++)
    message(x, &nested[i], BU_VEC_AT(m->nested, bu_message, i));
  enums(x, &mp->enum_type, &m->enums);
  google_protobuf_DescriptorProto_ExtensionRange *ers = elements(
      x, &mp->extension_range, &google_protobuf_DescriptorProto_ExtensionRange_msgdef, m->extension_ranges.count);
  const bu_optmsg *last = NULL;
  google_protobuf_ExtensionRangeOptions *last_options = NULL;
  for (uint32_t i = 0; i < m->extension_ranges.count; i++) {
    const bu_range *r = BU_VEC_AT(m->extension_ranges, bu_range, i);
    google_protobuf_DescriptorProto_ExtensionRange_set_start(&ers[i], r->start);
    google_protobuf_DescriptorProto_ExtensionRange_set_end(&ers[i], r->end);
    if (r->options != last) { /* ranges of one statement share their options */
      last = r->options;
      last_options = options(x, &google_protobuf_ExtensionRangeOptions_msgdef, r->options);
    }
    ers[i].options = last_options;
  }
  fields(x, &mp->extension, &m->extensions);
  mp->options = options(x, &google_protobuf_MessageOptions_msgdef, m->options);
  google_protobuf_OneofDescriptorProto *ops =
      elements(x, &mp->oneof_decl, &google_protobuf_OneofDescriptorProto_msgdef, m->oneofs.count);
  for (uint32_t i = 0; i < m->oneofs.count; i++) {
    const bu_oneof *o = BU_VEC_AT(m->oneofs, bu_oneof, i);
    google_protobuf_OneofDescriptorProto_set_name(&ops[i], S(o->name));
    ops[i].options = options(x, &google_protobuf_OneofOptions_msgdef, o->options);
  }
  google_protobuf_DescriptorProto_ReservedRange *rs =
      elements(x, &mp->reserved_range, &google_protobuf_DescriptorProto_ReservedRange_msgdef, m->reserved_ranges.count);
  for (uint32_t i = 0; i < m->reserved_ranges.count; i++) {
    const bu_range *r = BU_VEC_AT(m->reserved_ranges, bu_range, i);
    google_protobuf_DescriptorProto_ReservedRange_set_start(&rs[i], r->start);
    google_protobuf_DescriptorProto_ReservedRange_set_end(&rs[i], r->end);
  }
  names(x, &mp->reserved_name, &m->reserved_names);
  int32_t vis = visibility(m->decl);
  if (vis) google_protobuf_DescriptorProto_set_visibility(mp, vis);
}

static void service(filler *x, google_protobuf_ServiceDescriptorProto *sp, const bu_service *sv) {
  google_protobuf_ServiceDescriptorProto_set_name(sp, S(sv->name));
  google_protobuf_MethodDescriptorProto *mps =
      elements(x, &sp->method, &google_protobuf_MethodDescriptorProto_msgdef, sv->methods.count);
  for (uint32_t i = 0; i < sv->methods.count; i++) {
    const bu_method *mt = BU_VEC_AT(sv->methods, bu_method, i);
    google_protobuf_MethodDescriptorProto *mp = &mps[i];
    google_protobuf_MethodDescriptorProto_set_name(mp, S(mt->name));
    google_protobuf_MethodDescriptorProto_set_input_type(mp, S(mt->input_type));
    google_protobuf_MethodDescriptorProto_set_output_type(mp, S(mt->output_type));
    mp->options = options(x, &google_protobuf_MethodOptions_msgdef, mt->options);
    if (mt->client_streaming) google_protobuf_MethodDescriptorProto_set_client_streaming(mp, true);
    if (mt->server_streaming) google_protobuf_MethodDescriptorProto_set_server_streaming(mp, true);
  }
  sp->options = options(x, &google_protobuf_ServiceOptions_msgdef, sv->options);
}

/* ---------------------------------------------------------------- source info */

/* buf's SourceCodeInfoExtension (field 536000000 of SourceCodeInfo): the
 * indices of unused imports, packed in its field 3. */
static void unused_imports(filler *x, google_protobuf_SourceCodeInfo *sci, const bu_file *f) {
  if (!f->dep_used) return;
  bu_buf *b = &x->scratch;
  b->len = 0;
  bu_put_varint(b, (uint64_t)536000000 << 3 | 2);
  size_t outer = b->len;
  bu_put_varint(b, 3 << 3 | 2);
  size_t inner = b->len;
  for (uint32_t i = 0; i < f->deps.count; i++)
    if (!f->dep_used[i]) bu_put_varint(b, i);
  if (b->len == inner) return;
  bu_prefix_length(b, inner);
  bu_prefix_length(b, outer);
  bp_str raw = bp_str_make(need(bp_arena_memdup(x->a, b->data, b->len)), b->len);
  check(bp_ext_add_raw(sci, 536000000, raw, x->a));
}

static void source_info(filler *x, google_protobuf_FileDescriptorProto *fp, const bu_file *f) {
  google_protobuf_SourceCodeInfo *sci = need(google_protobuf_FileDescriptorProto_mutable_source_code_info(fp, x->a));
  unused_imports(x, sci, f);
  google_protobuf_SourceCodeInfo_Location *locs =
      elements(x, &sci->location, &google_protobuf_SourceCodeInfo_Location_msgdef, f->nlocations);
  for (uint32_t i = 0; i < f->nlocations; i++) {
    const bu_location *l = &f->locations[i];
    google_protobuf_SourceCodeInfo_Location *loc = &locs[i];
    /* the model outlives the encoding: its arrays and strings are used as they are */
    bp_array_alias(&loc->path, l->path, l->path_len);
    bp_array_alias(&loc->span, l->span, l->span_len);
    if (l->leading) google_protobuf_SourceCodeInfo_Location_set_leading_comments(loc, S(l->leading));
    if (l->trailing) google_protobuf_SourceCodeInfo_Location_set_trailing_comments(loc, S(l->trailing));
    if (l->ndetached) {
      bp_str *d =
          need(google_protobuf_SourceCodeInfo_Location_resize_leading_detached_comments(loc, l->ndetached, x->a));
      for (uint32_t j = 0; j < l->ndetached; j++)
        d[j] = S(l->detached[j]);
    }
  }
}

/* ---------------------------------------------------------------- files */

static void file(filler *x, google_protobuf_FileDescriptorProto *fp, const bu_file *f, bool with_source_info) {
  google_protobuf_FileDescriptorProto_set_name(fp, S(f->name));
  if (f->package[0]) google_protobuf_FileDescriptorProto_set_package(fp, S(f->package));
  if (f->deps.count) {
    bp_str *d = need(google_protobuf_FileDescriptorProto_resize_dependency(fp, f->deps.count, x->a));
    for (uint32_t i = 0; i < f->deps.count; i++)
      d[i] = S(BU_VEC_AT(f->deps, bu_file, i)->name);
  }
  google_protobuf_DescriptorProto *mps =
      elements(x, &fp->message_type, &google_protobuf_DescriptorProto_msgdef, f->messages.count);
  for (uint32_t i = 0; i < f->messages.count; i++)
    message(x, &mps[i], BU_VEC_AT(f->messages, bu_message, i));
  enums(x, &fp->enum_type, &f->enums);
  google_protobuf_ServiceDescriptorProto *sps =
      elements(x, &fp->service, &google_protobuf_ServiceDescriptorProto_msgdef, f->services.count);
  for (uint32_t i = 0; i < f->services.count; i++)
    service(x, &sps[i], BU_VEC_AT(f->services, bu_service, i));
  fields(x, &fp->extension, &f->extensions);
  fp->options = options(x, &google_protobuf_FileOptions_msgdef, f->options);
  if (with_source_info && f->nlocations) source_info(x, fp, f);
  for (uint32_t i = 0; i < f->public_deps.count; i++)
    check(google_protobuf_FileDescriptorProto_add_public_dependency(fp, (int32_t)(uintptr_t)f->public_deps.items[i],
                                                                    x->a));
  for (uint32_t i = 0; i < f->weak_deps.count; i++)
    check(google_protobuf_FileDescriptorProto_add_weak_dependency(fp, (int32_t)(uintptr_t)f->weak_deps.items[i], x->a));
  if (strcmp(f->syntax, "proto2") != 0) google_protobuf_FileDescriptorProto_set_syntax(fp, S(f->syntax));
  if (f->edition)
    google_protobuf_FileDescriptorProto_set_edition(fp, strcmp(f->edition, "2023") == 0 ? google_protobuf_EDITION_2023
                                                                                        : google_protobuf_EDITION_2024);
  if (f->option_deps.count) {
    bp_str *d = need(google_protobuf_FileDescriptorProto_resize_option_dependency(fp, f->option_deps.count, x->a));
    for (uint32_t i = 0; i < f->option_deps.count; i++)
      d[i] = S(BU_VEC_AT(f->option_deps, bu_file, i)->name);
  }
}

/* Deeper than any descriptor the parser accepts (messages nest at most
 * BUOY_MAX_NESTING deep, and so do message literals in options). */
#define MAX_DEPTH (4 * BUOY_MAX_NESTING + 64)

void bu_encode_file(bu_buf *b, const bu_file *f, bool with_source_info) {
  bp_arena a;
  bp_arena_init(&a);
  filler x = {&a, {0}};
  google_protobuf_FileDescriptorProto *fp = need(google_protobuf_FileDescriptorProto_new(&a));
  file(&x, fp, f, with_source_info);
  bp_encode_options o = {0, MAX_DEPTH};
  bp_str out;
  bp_status s = bp_encode(&google_protobuf_FileDescriptorProto_msgdef, fp, &a, &o, &out);
  if (s != BP_OK) {
    fprintf(stderr, "buoy: cannot encode %s: %s\n", f->name, bp_status_text(s));
    abort();
  }
  bu_put_bytes(b, out.data, out.size);
  bu_buf_free(&x.scratch);
  bp_arena_free(&a);
}

/* Appends f after its imports (depth first, import order), unless seen
 * (keyed by name) already holds it. Import cycles were refused when the files
 * loaded, so the depth is bounded by the number of files. */
static void add_with_deps(bu_compiler *c, bu_file *f, buoy_strmap *seen, bu_vec *out) {
  if (buoy_strmap_put_new(seen, f->name, strlen(f->name), f)) return;
  for (uint32_t i = 0; i < f->deps.count; i++)
    add_with_deps(c, BU_VEC_AT(f->deps, bu_file, i), seen, out);
  bu_vec_push(&c->arena, out, f);
}

void bu_output_files(bu_compiler *c, bu_file *const *files, uint32_t nfiles, bool include_imports, bu_vec *out) {
  buoy_strmap seen;
  buoy_strmap_init(&seen);
  for (uint32_t i = 0; i < out->count; i++) {
    const bu_file *f = out->items[i];
    buoy_strmap_put_new(&seen, f->name, strlen(f->name), out->items[i]);
  }
  for (uint32_t i = 0; i < nfiles; i++) {
    if (include_imports)
      add_with_deps(c, files[i], &seen, out);
    else if (!buoy_strmap_put_new(&seen, files[i]->name, strlen(files[i]->name), files[i]))
      bu_vec_push(&c->arena, out, files[i]);
  }
  buoy_strmap_free(&seen);
}
