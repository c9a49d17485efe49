/* The model as FileDescriptorProtos in the binary wire format, written as
 * buf writes them: fields in number order, repeated fields unpacked except
 * SourceCodeInfo's path and span, options in buf's order (options.c). */
#include <string.h>

#include "compile/internal.h"

static void tag(bu_buf *b, uint32_t number, int wt) { bu_put_varint(b, (uint64_t)number << 3 | (uint64_t)wt); }

static void put_str(bu_buf *b, uint32_t number, const char *s) {
  size_t n = strlen(s);
  tag(b, number, 2);
  bu_put_varint(b, n);
  bu_put_bytes(b, s, n);
}

static void put_int(bu_buf *b, uint32_t number, int64_t v) {
  tag(b, number, 0);
  bu_put_varint(b, (uint64_t)v);
}

static size_t begin(bu_buf *b, uint32_t number) {
  tag(b, number, 2);
  return b->len;
}

static void end(bu_buf *b, size_t start) { bu_prefix_length(b, start); }

static void put_options(bu_buf *b, uint32_t number, const bu_optmsg *o) {
  if (!o) return;
  size_t s = begin(b, number);
  bu_encode_optmsg(b, o);
  end(b, s);
}

static void field(bu_buf *b, uint32_t number, const bu_field *fl) {
  size_t s = begin(b, number);
  put_str(b, 1, fl->name);
  if (fl->extendee) put_str(b, 2, fl->extendee);
  put_int(b, 3, fl->number);
  put_int(b, 4, fl->label);
  if (fl->type) put_int(b, 5, fl->type);
  if (fl->type_name) put_str(b, 6, fl->type_name);
  if (fl->default_value) put_str(b, 7, fl->default_value);
  put_options(b, 8, fl->options);
  if (fl->oneof_index >= 0) put_int(b, 9, fl->oneof_index);
  put_str(b, 10, fl->json_name);
  if (fl->proto3_optional) put_int(b, 17, 1);
  end(b, s);
}

static void fields(bu_buf *b, uint32_t number, const bu_vec *v) {
  for (uint32_t i = 0; i < v->count; i++)
    field(b, number, BU_VEC_AT(*v, bu_field, i));
}

static void ranges(bu_buf *b, uint32_t number, const bu_vec *v, bool with_options) {
  for (uint32_t i = 0; i < v->count; i++) {
    const bu_range *r = BU_VEC_AT(*v, bu_range, i);
    size_t s = begin(b, number);
    put_int(b, 1, r->start);
    put_int(b, 2, r->end);
    if (with_options) put_options(b, 3, r->options);
    end(b, s);
  }
}

static void names(bu_buf *b, uint32_t number, const bu_vec *v) {
  for (uint32_t i = 0; i < v->count; i++)
    put_str(b, number, (const char *)v->items[i]);
}

/* SymbolVisibility: VISIBILITY_LOCAL = 1, VISIBILITY_EXPORT = 2. */
static void visibility(bu_buf *b, uint32_t number, const buoy_decl *d) {
  if (!d || (d->kind != BUOY_DECL_MESSAGE && d->kind != BUOY_DECL_ENUM)) return;
  if (d->u.block.visibility == BUOY_VIS_LOCAL) put_int(b, number, 1);
  if (d->u.block.visibility == BUOY_VIS_EXPORT) put_int(b, number, 2);
}

static void enum_type(bu_buf *b, uint32_t number, const bu_enum *e) {
  size_t s = begin(b, number);
  put_str(b, 1, e->name);
  for (uint32_t i = 0; i < e->values.count; i++) {
    const bu_enum_value *v = BU_VEC_AT(e->values, bu_enum_value, i);
    size_t sv = begin(b, 2);
    put_str(b, 1, v->name);
    put_int(b, 2, v->number);
    put_options(b, 3, v->options);
    end(b, sv);
  }
  put_options(b, 3, e->options);
  ranges(b, 4, &e->reserved_ranges, false);
  names(b, 5, &e->reserved_names);
  visibility(b, 6, e->decl);
  end(b, s);
}

static void enums(bu_buf *b, uint32_t number, const bu_vec *v) {
  for (uint32_t i = 0; i < v->count; i++)
    enum_type(b, number, BU_VEC_AT(*v, bu_enum, i));
}

static void message(bu_buf *b, uint32_t number, const bu_message *m) {
  size_t s = begin(b, number);
  put_str(b, 1, m->name);
  fields(b, 2, &m->fields);
  for (uint32_t i = 0; i < m->nested.count; i++)
    message(b, 3, BU_VEC_AT(m->nested, bu_message, i));
  enums(b, 4, &m->enums);
  ranges(b, 5, &m->extension_ranges, true);
  fields(b, 6, &m->extensions);
  put_options(b, 7, m->options);
  for (uint32_t i = 0; i < m->oneofs.count; i++) {
    const bu_oneof *o = BU_VEC_AT(m->oneofs, bu_oneof, i);
    size_t so = begin(b, 8);
    put_str(b, 1, o->name);
    put_options(b, 2, o->options);
    end(b, so);
  }
  ranges(b, 9, &m->reserved_ranges, false);
  names(b, 10, &m->reserved_names);
  visibility(b, 11, m->decl);
  end(b, s);
}

static void service(bu_buf *b, const bu_service *sv) {
  size_t s = begin(b, 6);
  put_str(b, 1, sv->name);
  for (uint32_t i = 0; i < sv->methods.count; i++) {
    const bu_method *mt = BU_VEC_AT(sv->methods, bu_method, i);
    size_t sm = begin(b, 2);
    put_str(b, 1, mt->name);
    put_str(b, 2, mt->input_type);
    put_str(b, 3, mt->output_type);
    put_options(b, 4, mt->options);
    if (mt->client_streaming) put_int(b, 5, 1);
    if (mt->server_streaming) put_int(b, 6, 1);
    end(b, sm);
  }
  put_options(b, 3, sv->options);
  end(b, s);
}

static void packed_ints(bu_buf *b, uint32_t number, const int32_t *v, uint32_t n) {
  if (!n) return;
  size_t s = begin(b, number);
  for (uint32_t i = 0; i < n; i++)
    bu_put_varint(b, (uint64_t)(int64_t)v[i]);
  end(b, s);
}

static void source_info(bu_buf *b, const bu_file *f) {
  size_t s = begin(b, 9);
  /* buf's SourceCodeInfoExtension (536000000): the unused imports (3) */
  bool unused = false;
  for (uint32_t i = 0; i < f->deps.count && !unused; i++)
    unused = f->dep_used && !f->dep_used[i];
  if (unused) {
    size_t se = begin(b, 536000000);
    size_t sp = begin(b, 3);
    for (uint32_t i = 0; i < f->deps.count; i++)
      if (!f->dep_used[i]) bu_put_varint(b, i);
    end(b, sp);
    end(b, se);
  }
  for (uint32_t i = 0; i < f->nlocations; i++) {
    const bu_location *l = &f->locations[i];
    size_t sl = begin(b, 1);
    packed_ints(b, 1, l->path, l->path_len);
    packed_ints(b, 2, l->span, l->span_len);
    if (l->leading) put_str(b, 3, l->leading);
    if (l->trailing) put_str(b, 4, l->trailing);
    for (uint32_t j = 0; j < l->ndetached; j++)
      put_str(b, 6, l->detached[j]);
    end(b, sl);
  }
  end(b, s);
}

void bu_encode_file(bu_buf *b, const bu_file *f, bool with_source_info) {
  put_str(b, 1, f->name);
  if (f->package[0]) put_str(b, 2, f->package);
  for (uint32_t i = 0; i < f->deps.count; i++)
    put_str(b, 3, BU_VEC_AT(f->deps, bu_file, i)->name);
  for (uint32_t i = 0; i < f->messages.count; i++)
    message(b, 4, BU_VEC_AT(f->messages, bu_message, i));
  enums(b, 5, &f->enums);
  for (uint32_t i = 0; i < f->services.count; i++)
    service(b, BU_VEC_AT(f->services, bu_service, i));
  fields(b, 7, &f->extensions);
  put_options(b, 8, f->options);
  if (with_source_info && f->nlocations) source_info(b, f);
  for (uint32_t i = 0; i < f->public_deps.count; i++)
    put_int(b, 10, (int64_t)(uintptr_t)f->public_deps.items[i]);
  for (uint32_t i = 0; i < f->weak_deps.count; i++)
    put_int(b, 11, (int64_t)(uintptr_t)f->weak_deps.items[i]);
  if (strcmp(f->syntax, "proto2") != 0) put_str(b, 12, f->syntax);
  if (f->edition) put_int(b, 14, strcmp(f->edition, "2023") == 0 ? 1000 : 1001);
  for (uint32_t i = 0; i < f->option_deps.count; i++)
    put_str(b, 15, BU_VEC_AT(f->option_deps, bu_file, i)->name);
}

static void add_with_deps(bu_compiler *c, bu_file *f, bu_vec *out) {
  for (uint32_t i = 0; i < out->count; i++)
    if (out->items[i] == f) return;
  for (uint32_t i = 0; i < f->deps.count; i++)
    add_with_deps(c, BU_VEC_AT(f->deps, bu_file, i), out);
  bu_vec_push(&c->arena, out, f);
}

void bu_output_files(bu_compiler *c, bu_file **files, uint32_t nfiles, bool include_imports, bu_vec *out) {
  for (uint32_t i = 0; i < nfiles; i++) {
    if (include_imports) {
      add_with_deps(c, files[i], out);
    } else {
      bool seen = false;
      for (uint32_t j = 0; j < out->count && !seen; j++)
        seen = out->items[j] == files[i];
      if (!seen) bu_vec_push(&c->arena, out, files[i]);
    }
  }
}
