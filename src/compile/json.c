/* The model as a FileDescriptorSet in proto3 JSON (field names as in
 * descriptor.proto), as protobuf's own JSON printers write it: int64 as
 * strings, enums by name, unset fields left out. */
#include <string.h>

#include "compile/internal.h"

typedef struct jw {
  FILE *out;
  bool first; /* no member written yet in the current object or array */
} jw;

static void str(jw *w, const char *s) {
  fputc('"', w->out);
  for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
    if (*p == '"' || *p == '\\')
      fprintf(w->out, "\\%c", *p);
    else if (*p < 0x20)
      fprintf(w->out, "\\u%04x", *p);
    else
      fputc(*p, w->out);
  }
  fputc('"', w->out);
}

static void key(jw *w, const char *k) {
  if (!w->first) fputc(',', w->out);
  w->first = false;
  str(w, k);
  fputc(':', w->out);
}

static void open(jw *w, char c) {
  fputc(c, w->out);
  w->first = true;
}

static void close(jw *w, char c) {
  fputc(c, w->out);
  w->first = false;
}

static void kv_str(jw *w, const char *k, const char *v) {
  key(w, k);
  str(w, v);
}

static void kv_int(jw *w, const char *k, long long v) {
  key(w, k);
  fprintf(w->out, "%lld", v);
}

static void item(jw *w) {
  if (!w->first) fputc(',', w->out);
  w->first = false;
}

static const char *const type_names[] = {
    "",
    "TYPE_DOUBLE",
    "TYPE_FLOAT",
    "TYPE_INT64",
    "TYPE_UINT64",
    "TYPE_INT32",
    "TYPE_FIXED64",
    "TYPE_FIXED32",
    "TYPE_BOOL",
    "TYPE_STRING",
    "TYPE_GROUP",
    "TYPE_MESSAGE",
    "TYPE_BYTES",
    "TYPE_UINT32",
    "TYPE_ENUM",
    "TYPE_SFIXED32",
    "TYPE_SFIXED64",
    "TYPE_SINT32",
    "TYPE_SINT64",
};
static const char *const label_names[] = {"", "LABEL_OPTIONAL", "LABEL_REQUIRED", "LABEL_REPEATED"};

static void field(jw *w, const bu_field *fl) {
  item(w);
  open(w, '{');
  kv_str(w, "name", fl->name);
  if (fl->extendee) kv_str(w, "extendee", fl->extendee);
  kv_int(w, "number", fl->number);
  kv_str(w, "label", label_names[fl->label]);
  if (fl->type > 0 && fl->type <= 18) kv_str(w, "type", type_names[fl->type]);
  if (fl->type_name) kv_str(w, "type_name", fl->type_name);
  if (fl->default_value) kv_str(w, "default_value", fl->default_value);
  if (fl->oneof_index >= 0) kv_int(w, "oneof_index", fl->oneof_index);
  kv_str(w, "json_name", fl->json_name);
  if (fl->proto3_optional) {
    key(w, "proto3_optional");
    fputs("true", w->out);
  }
  close(w, '}');
}

static void fields(jw *w, const char *k, const bu_vec *v) {
  if (!v->count) return;
  key(w, k);
  open(w, '[');
  for (uint32_t i = 0; i < v->count; i++)
    field(w, BU_VEC_AT(*v, bu_field, i));
  close(w, ']');
}

static void ranges(jw *w, const char *k, const bu_vec *v) {
  if (!v->count) return;
  key(w, k);
  open(w, '[');
  for (uint32_t i = 0; i < v->count; i++) {
    const bu_range *r = BU_VEC_AT(*v, bu_range, i);
    item(w);
    open(w, '{');
    kv_int(w, "start", r->start);
    kv_int(w, "end", r->end);
    close(w, '}');
  }
  close(w, ']');
}

static void names(jw *w, const char *k, const bu_vec *v) {
  if (!v->count) return;
  key(w, k);
  open(w, '[');
  for (uint32_t i = 0; i < v->count; i++) {
    item(w);
    str(w, (const char *)v->items[i]);
  }
  close(w, ']');
}

static void enum_type(jw *w, const bu_enum *e) {
  item(w);
  open(w, '{');
  kv_str(w, "name", e->name);
  if (e->values.count) {
    key(w, "value");
    open(w, '[');
    for (uint32_t i = 0; i < e->values.count; i++) {
      const bu_enum_value *v = BU_VEC_AT(e->values, bu_enum_value, i);
      item(w);
      open(w, '{');
      kv_str(w, "name", v->name);
      kv_int(w, "number", v->number);
      close(w, '}');
    }
    close(w, ']');
  }
  ranges(w, "reserved_range", &e->reserved_ranges);
  names(w, "reserved_name", &e->reserved_names);
  close(w, '}');
}

static void enums(jw *w, const bu_vec *v) {
  if (!v->count) return;
  key(w, "enum_type");
  open(w, '[');
  for (uint32_t i = 0; i < v->count; i++)
    enum_type(w, BU_VEC_AT(*v, bu_enum, i));
  close(w, ']');
}

static void message(jw *w, const bu_message *m);

static void messages(jw *w, const char *k, const bu_vec *v) {
  if (!v->count) return;
  key(w, k);
  open(w, '[');
  for (uint32_t i = 0; i < v->count; i++)
    message(w, BU_VEC_AT(*v, bu_message, i));
  close(w, ']');
}

static void message(jw *w, const bu_message *m) {
  item(w);
  open(w, '{');
  kv_str(w, "name", m->name);
  fields(w, "field", &m->fields);
  fields(w, "extension", &m->extensions);
  messages(w, "nested_type", &m->nested);
  enums(w, &m->enums);
  ranges(w, "extension_range", &m->extension_ranges);
  if (m->oneofs.count) {
    key(w, "oneof_decl");
    open(w, '[');
    for (uint32_t i = 0; i < m->oneofs.count; i++) {
      item(w);
      open(w, '{');
      kv_str(w, "name", BU_VEC_AT(m->oneofs, bu_oneof, i)->name);
      close(w, '}');
    }
    close(w, ']');
  }
  ranges(w, "reserved_range", &m->reserved_ranges);
  names(w, "reserved_name", &m->reserved_names);
  close(w, '}');
}

static void file(jw *w, const bu_file *f) {
  item(w);
  open(w, '{');
  kv_str(w, "name", f->name);
  if (f->package[0]) kv_str(w, "package", f->package);
  if (f->deps.count) {
    key(w, "dependency");
    open(w, '[');
    for (uint32_t i = 0; i < f->deps.count; i++) {
      item(w);
      str(w, BU_VEC_AT(f->deps, bu_file, i)->name);
    }
    close(w, ']');
  }
  const char *lists[] = {"public_dependency", "weak_dependency"};
  const bu_vec *vecs[] = {&f->public_deps, &f->weak_deps};
  for (int k = 0; k < 2; k++) {
    if (!vecs[k]->count) continue;
    key(w, lists[k]);
    open(w, '[');
    for (uint32_t i = 0; i < vecs[k]->count; i++) {
      item(w);
      fprintf(w->out, "%u", (unsigned)(uintptr_t)vecs[k]->items[i]);
    }
    close(w, ']');
  }
  messages(w, "message_type", &f->messages);
  enums(w, &f->enums);
  if (f->option_deps.count) {
    key(w, "option_dependency");
    open(w, '[');
    for (uint32_t i = 0; i < f->option_deps.count; i++) {
      item(w);
      str(w, BU_VEC_AT(f->option_deps, bu_file, i)->name);
    }
    close(w, ']');
  }
  if (f->services.count) {
    key(w, "service");
    open(w, '[');
    for (uint32_t i = 0; i < f->services.count; i++) {
      const bu_service *s = BU_VEC_AT(f->services, bu_service, i);
      item(w);
      open(w, '{');
      kv_str(w, "name", s->name);
      if (s->methods.count) {
        key(w, "method");
        open(w, '[');
        for (uint32_t j = 0; j < s->methods.count; j++) {
          const bu_method *mt = BU_VEC_AT(s->methods, bu_method, j);
          item(w);
          open(w, '{');
          kv_str(w, "name", mt->name);
          kv_str(w, "input_type", mt->input_type);
          kv_str(w, "output_type", mt->output_type);
          if (mt->client_streaming) key(w, "client_streaming"), fputs("true", w->out);
          if (mt->server_streaming) key(w, "server_streaming"), fputs("true", w->out);
          close(w, '}');
        }
        close(w, ']');
      }
      close(w, '}');
    }
    close(w, ']');
  }
  fields(w, "extension", &f->extensions);
  if (f->nlocations) {
    key(w, "source_code_info");
    open(w, '{');
    key(w, "location");
    open(w, '[');
    for (uint32_t i = 0; i < f->nlocations; i++) {
      const bu_location *l = &f->locations[i];
      item(w);
      open(w, '{');
      key(w, "path");
      fputc('[', w->out);
      for (uint32_t j = 0; j < l->path_len; j++)
        fprintf(w->out, "%s%d", j ? "," : "", l->path[j]);
      fputc(']', w->out);
      key(w, "span");
      fputc('[', w->out);
      for (uint32_t j = 0; j < l->span_len; j++)
        fprintf(w->out, "%s%d", j ? "," : "", l->span[j]);
      fputc(']', w->out);
      if (l->leading) kv_str(w, "leading_comments", l->leading);
      if (l->trailing) kv_str(w, "trailing_comments", l->trailing);
      if (l->ndetached) {
        key(w, "leading_detached_comments");
        open(w, '[');
        for (uint32_t j = 0; j < l->ndetached; j++) {
          item(w);
          str(w, l->detached[j]);
        }
        close(w, ']');
      }
      close(w, '}');
    }
    close(w, ']');
    close(w, '}');
  }
  if (strcmp(f->syntax, "proto2") != 0) kv_str(w, "syntax", f->syntax);
  if (f->edition) kv_str(w, "edition", strcmp(f->edition, "2023") == 0 ? "EDITION_2023" : "EDITION_2024");
  close(w, '}');
}

void bu_write_json(bu_compiler *c, bu_file **files, uint32_t nfiles, bool include_imports, FILE *out) {
  bu_vec list = {0};
  bu_output_files(c, files, nfiles, include_imports, &list);
  jw w = {out, true};
  open(&w, '{');
  key(&w, "file");
  open(&w, '[');
  for (uint32_t i = 0; i < list.count; i++)
    file(&w, BU_VEC_AT(list, bu_file, i));
  close(&w, ']');
  close(&w, '}');
  fputc('\n', out);
}
