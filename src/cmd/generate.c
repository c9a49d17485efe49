/* `buoy generate`: run protoc plugins over an input as `buf generate` (1.75)
 * does, driven by a buf.gen.yaml v2 or v1 template (src/module/gen_config.c).
 *
 * For each input (the INPUT argument, else the template's inputs, else
 * "."): compile it into a buf image in memory (buoy build's code), decode
 * the image's FileDescriptorProtos, apply managed mode (src/gen/managed.c),
 * then for each plugin in template order send one CodeGeneratorRequest per
 * directory of files to generate (strategy directory) or one for all
 * (strategy all), and collect the responses per output directory, plugins
 * sharing an output directory sharing its files (insertion points). Output
 * is written only when every plugin of the input succeeded. The plugin
 * protoc-gen-buoy runs in process: buoy's C generator over the model built
 * from the request's descriptors (src/compile/from_descriptor.c). */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/strmap.h"
#include "cmd/cmd.h"
#include "compile/compile.h"
#include "gen/managed.h"
#include "gen/plugin.h"
#include "google/protobuf/compiler/plugin.pb.h"
#include "module/gen_config.h"
#include "module/path.h"
#include "pb/wire.h"

static const char generate_usage[] = "usage: buoy generate [INPUT] [flags]\n"
                                     "\n"
                                     "Runs the plugins of a buf.gen.yaml template (v2, v1 or v1beta1) over INPUT:\n"
                                     "a directory (default \".\"), module, workspace, .proto file or buf image,\n"
                                     "as buoy build takes it. Without INPUT, the template's inputs are used, or\n"
                                     "\".\". Managed mode, strategies, include_imports/include_wkt and clean\n"
                                     "work as in buf generate; see buf.gen.yaml(5). Output is written only when\n"
                                     "every plugin succeeds. Exit status: 0, 1 for configuration or plugin\n"
                                     "errors, 100 for errors in the .proto files.\n"
                                     "\n"
                                     "Flags:\n"
                                     "      --template FILE|DATA   the template: a file, or YAML/JSON text\n"
                                     "                             (default: buf.gen.yaml in the current directory)\n"
                                     "  -o, --output DIR           base directory prepended to the plugins' out\n"
                                     "                             directories (default \".\")\n"
                                     "      --path PATH            generate only for these files or directories\n"
                                     "                             (repeatable)\n"
                                     "      --exclude-path PATH    leave these files or directories out (repeatable)\n"
                                     "      --type TYPE            generate only for this type or package (NAME.**:\n"
                                     "                             with its subpackages) and what it needs\n"
                                     "                             (repeatable)\n"
                                     "      --exclude-type TYPE    leave this type or package out (repeatable)\n"
                                     "      --include-imports      also generate for imports, except the\n"
                                     "                             well-known types\n"
                                     "      --include-wkt          also generate for the well-known types (needs\n"
                                     "                             --include-imports)\n"
                                     "      --clean                empty the plugins' out directories before writing\n"
                                     "      --config FILE|DATA     the buf.yaml to use for the input\n"
                                     "      --disable-symlinks     do not follow symbolic links\n"
                                     "      --error-format FORMAT  how to print errors in .proto files: text\n"
                                     "  -h, --help                 show this help\n";

typedef struct gen_opts {
  const char *input, *template_arg, *output, *config;
  buoy_paths paths, exclude_paths, types, exclude_types;
  bool include_imports, include_wkt, clean, disable_symlinks;
} gen_opts;

/* ---- the image ---- */

typedef struct image_file {
  google_protobuf_FileDescriptorProto *fd;
  char *name;   /* the file's path in the image */
  char *module; /* "registry/owner/name", or NULL */
  bool is_import;
} image_file;

typedef struct image {
  image_file *files;
  uint32_t n;
  buoy_strmap by_name; /* name -> image_file* */
} image;

static bool read_varint(const uint8_t **p, const uint8_t *end, uint64_t *v) {
  *v = 0;
  for (int shift = 0; shift < 70 && *p < end; shift += 7) {
    uint8_t b = *(*p)++;
    *v |= (uint64_t)(b & 0x7f) << shift;
    if (!(b & 0x80)) return true;
  }
  return false;
}

typedef struct wire_field {
  uint32_t number, type;
  const uint8_t *start; /* the tag */
  const uint8_t *data;  /* length-delimited: the payload */
  size_t len;
  uint64_t value; /* varints */
} wire_field;

/* One field of a message without groups; false when malformed. */
static bool next_field(const uint8_t **p, const uint8_t *end, wire_field *f) {
  f->start = *p;
  uint64_t tag;
  if (!read_varint(p, end, &tag) || tag >> 3 == 0 || tag >> 3 > UINT32_MAX) return false;
  f->number = (uint32_t)(tag >> 3);
  f->type = (uint32_t)(tag & 7);
  switch (f->type) {
  case 0: return read_varint(p, end, &f->value);
  case 1:
  case 5: {
    size_t n = f->type == 1 ? 8 : 4;
    if ((size_t)(end - *p) < n) return false;
    *p += n;
    return true;
  }
  case 2: {
    uint64_t n;
    if (!read_varint(p, end, &n) || n > (uint64_t)(end - *p)) return false;
    f->data = *p;
    f->len = (size_t)n;
    *p += n;
    return true;
  }
  default: return false;
  }
}

static char *dup_bytes(bp_arena *a, const void *s, size_t n) {
  char *d = bp_arena_malloc(a, n + 1);
  if (!d) return NULL;
  if (n) memcpy(d, s, n);
  d[n] = 0;
  return d;
}

/* buf's ImageFileExtension (field 8042 of an image's file): is_import (1),
 * module_info (2) { name (1) { remote (1), owner (2), repository (3) } }. */
static bool parse_image_extension(const uint8_t *p, const uint8_t *end, image_file *f, bp_arena *a) {
  wire_field w;
  while (p < end) {
    if (!next_field(&p, end, &w)) return false;
    if (w.number == 1 && w.type == 0) f->is_import = w.value != 0;
    if (w.number != 2 || w.type != 2) continue;
    const uint8_t *q = w.data, *qend = w.data + w.len;
    wire_field m;
    while (q < qend) {
      if (!next_field(&q, qend, &m)) return false;
      if (m.number != 1 || m.type != 2) continue;
      const char *part[3] = {"", "", ""};
      size_t plen[3] = {0, 0, 0};
      const uint8_t *r = m.data, *rend = m.data + m.len;
      wire_field n;
      while (r < rend) {
        if (!next_field(&r, rend, &n)) return false;
        if (n.number >= 1 && n.number <= 3 && n.type == 2) {
          part[n.number - 1] = (const char *)n.data;
          plen[n.number - 1] = n.len;
        }
      }
      size_t total = plen[0] + plen[1] + plen[2] + 3;
      char *name = bp_arena_malloc(a, total);
      if (!name) return false;
      snprintf(name, total, "%.*s/%.*s/%.*s", (int)plen[0], part[0], (int)plen[1], part[1], (int)plen[2], part[2]);
      f->module = name;
    }
  }
  return true;
}

/* Decodes one file of the image: its FileDescriptorProto without buf's
 * extension field, and what that extension says. */
static bool decode_image_file(const uint8_t *data, size_t len, image_file *f, bp_arena *a) {
  uint8_t *copy = bp_arena_malloc(a, len ? len : 1);
  if (!copy) return false;
  size_t n = 0;
  const uint8_t *p = data, *end = data + len;
  wire_field w;
  while (p < end) {
    if (!next_field(&p, end, &w)) return false;
    if (w.number == 8042 && w.type == 2) {
      if (!parse_image_extension(w.data, w.data + w.len, f, a)) return false;
      continue;
    }
    memcpy(copy + n, w.start, (size_t)(p - w.start));
    n += (size_t)(p - w.start);
  }
  f->fd = google_protobuf_FileDescriptorProto_new(a);
  if (!f->fd || bp_decode(&google_protobuf_FileDescriptorProto_msgdef, f->fd, (const char *)copy, n, a, NULL) != BP_OK)
    return false;
  f->name = dup_bytes(a, f->fd->name.data, f->fd->name.size);
  return f->name != NULL;
}

static bool decode_image(const bu_buf *bytes, image *img, bp_arena *a) {
  const uint8_t *p = bytes->data, *end = bytes->data + bytes->len;
  wire_field w;
  uint32_t count = 0;
  while (p < end) {
    if (!next_field(&p, end, &w)) return false;
    if (w.number == 1 && w.type == 2) count++;
  }
  img->files = bp_arena_zalloc(a, sizeof(image_file) * (count + 1));
  if (!img->files) return false;
  buoy_strmap_init(&img->by_name);
  for (p = bytes->data; p < end;) {
    if (!next_field(&p, end, &w)) return false;
    if (w.number != 1 || w.type != 2) continue;
    image_file *f = &img->files[img->n];
    if (!decode_image_file(w.data, w.len, f, a)) return false;
    img->n++;
    buoy_strmap_put(&img->by_name, f->name, strlen(f->name), f);
  }
  return true;
}

/* ---- filtering by types ----
 *
 * --type, --exclude-type and the types/exclude_types keys: the image cut
 * down to the named types and what they need, as buf 1.75 cuts it
 * (bufimageutil): a closure of elements (files, messages, enums, services,
 * methods, extensions) from the included names (a type, a package, or
 * NAME.**; with none, every file that is not an import), minus the
 * excluded ones; messages that merely hold an included type stay as empty
 * namespaces without comments; a message's known extensions come along,
 * and so do the extensions defining the custom options used; fields,
 * methods and custom options whose type is excluded go. A kept file is
 * rebuilt when something in it changed, when its imports change (they are
 * cut to what the closure needs; public imports are dropped), or when it
 * has an enum (buf counts those as changed), its source code info
 * renumbered. Imports no kept file needs leave the image. Any values
 * inside option values are not followed (buf follows them). */

/* implicit: reached only as the definition of a custom option used */
enum { TM_EXCLUDED = -1, TM_UNKNOWN = 0, TM_EXPLICIT = 1, TM_ENCLOSING = 2, TM_IMPLICIT = 3 };
typedef enum { EL_FILE, EL_MSG, EL_ENUM, EL_SVC, EL_METHOD, EL_EXT } el_kind;

typedef struct element {
  el_kind kind;
  void *d;
  uint32_t file;
  int32_t parent; /* an element, or -1 */
  char *name;     /* full name (files: their path) */
  int mode;
} element;

typedef struct tfilter {
  const image *img;
  bp_arena *a;
  element *els;
  uint32_t n, cap;
  uint32_t *file_el; /* the element of each image file */
  buoy_strmap by_name, by_ptr;
  bool includes;
  /* adding a whole file (a package named by an include, or every file
   * when there are none): buf then refuses methods whose request or
   * response is excluded, where a named service only loses them */
  bool named_file;
  /* per file: the files its kept elements need, in the order first needed */
  uint32_t **imports, *nimports;
  char err[512];
} tfilter;

static uint32_t count_msg(const google_protobuf_DescriptorProto *m, int depth) {
  if (depth > 100) return 0;
  uint32_t n = 1 + m->enum_type.size + m->extension.size;
  google_protobuf_DescriptorProto *const *nested = m->nested_type.data;
  for (uint32_t i = 0; i < m->nested_type.size; i++)
    n += count_msg(nested[i], depth + 1);
  return n;
}

static int32_t add_el(tfilter *t, el_kind k, void *d, uint32_t file, int32_t parent, const char *scope, bp_str name) {
  if (t->n >= t->cap) return -1;
  element *e = &t->els[t->n];
  size_t sl = scope ? strlen(scope) : 0, len = sl + (sl ? 1 : 0) + name.size + 1;
  e->name = bp_arena_malloc(t->a, len);
  if (!e->name) return -1;
  snprintf(e->name, len, "%s%s%.*s", sl ? scope : "", sl ? "." : "", (int)name.size, name.data);
  e->kind = k;
  e->d = d;
  e->file = file;
  e->parent = parent;
  e->mode = TM_UNKNOWN;
  buoy_strmap_put(&t->by_name, e->name, strlen(e->name), (void *)(uintptr_t)(t->n + 1));
  buoy_strmap_put(&t->by_ptr, (const char *)&e->d, sizeof e->d, (void *)(uintptr_t)(t->n + 1));
  return (int32_t)t->n++;
}

static bool index_msg(tfilter *t, google_protobuf_DescriptorProto *m, uint32_t file, int32_t parent, const char *scope,
                      int depth) {
  if (depth > 100) return false;
  int32_t me = add_el(t, EL_MSG, m, file, parent, scope, m->name);
  if (me < 0) return false;
  const char *name = t->els[me].name;
  google_protobuf_DescriptorProto *const *nested = m->nested_type.data;
  for (uint32_t i = 0; i < m->nested_type.size; i++)
    if (!index_msg(t, nested[i], file, me, name, depth + 1)) return false;
  google_protobuf_EnumDescriptorProto *const *enums = m->enum_type.data;
  for (uint32_t i = 0; i < m->enum_type.size; i++)
    if (add_el(t, EL_ENUM, enums[i], file, me, name, enums[i]->name) < 0) return false;
  google_protobuf_FieldDescriptorProto *const *exts = m->extension.data;
  for (uint32_t i = 0; i < m->extension.size; i++)
    if (add_el(t, EL_EXT, exts[i], file, me, name, exts[i]->name) < 0) return false;
  return true;
}

static int32_t el_by_name(const tfilter *t, bp_str name) {
  if (name.size && name.data[0] == '.') name.data++, name.size--;
  uintptr_t v = (uintptr_t)buoy_strmap_get(&t->by_name, name.data, name.size);
  return (int32_t)v - 1;
}

static int32_t el_of(const tfilter *t, const void *d) {
  uintptr_t v = (uintptr_t)buoy_strmap_get(&t->by_ptr, (const char *)&d, sizeof d);
  return (int32_t)v - 1;
}

static bool tfilter_init(tfilter *t, const image *img, bp_arena *a) {
  memset(t, 0, sizeof *t);
  t->img = img;
  t->a = a;
  buoy_strmap_init(&t->by_name);
  buoy_strmap_init(&t->by_ptr);
  uint32_t n = 0;
  for (uint32_t f = 0; f < img->n; f++) {
    const google_protobuf_FileDescriptorProto *fd = img->files[f].fd;
    n += 1 + fd->enum_type.size + fd->extension.size;
    google_protobuf_DescriptorProto *const *ms = fd->message_type.data;
    for (uint32_t i = 0; i < fd->message_type.size; i++)
      n += count_msg(ms[i], 0);
    google_protobuf_ServiceDescriptorProto *const *ss = fd->service.data;
    for (uint32_t i = 0; i < fd->service.size; i++)
      n += 1 + ss[i]->method.size;
  }
  t->cap = n;
  t->els = calloc(n + 1, sizeof *t->els);
  t->file_el = calloc(img->n + 1, sizeof *t->file_el);
  t->imports = calloc(img->n + 1, sizeof *t->imports);
  t->nimports = calloc(img->n + 1, sizeof *t->nimports);
  if (!t->els || !t->file_el || !t->imports || !t->nimports) return false;
  for (uint32_t f = 0; f < img->n; f++) {
    google_protobuf_FileDescriptorProto *fd = img->files[f].fd;
    const char *pkg = fd->package.size ? dup_bytes(a, fd->package.data, fd->package.size) : NULL;
    if (fd->package.size && !pkg) return false;
    /* files are found by pointer only: their names are paths, not types */
    element *e = &t->els[t->n];
    e->kind = EL_FILE;
    e->d = fd;
    e->file = f;
    e->parent = -1;
    e->name = img->files[f].name;
    buoy_strmap_put(&t->by_ptr, (const char *)&e->d, sizeof e->d, (void *)(uintptr_t)(t->n + 1));
    int32_t fe = (int32_t)t->n++;
    t->file_el[f] = (uint32_t)fe;
    /* a top-level element's parent is its file, except without a package */
    int32_t top = pkg ? fe : -1;
    google_protobuf_DescriptorProto *const *ms = fd->message_type.data;
    for (uint32_t i = 0; i < fd->message_type.size; i++)
      if (!index_msg(t, ms[i], f, top, pkg, 0)) return false;
    google_protobuf_EnumDescriptorProto *const *es = fd->enum_type.data;
    for (uint32_t i = 0; i < fd->enum_type.size; i++)
      if (add_el(t, EL_ENUM, es[i], f, top, pkg, es[i]->name) < 0) return false;
    google_protobuf_FieldDescriptorProto *const *xs = fd->extension.data;
    for (uint32_t i = 0; i < fd->extension.size; i++)
      if (add_el(t, EL_EXT, xs[i], f, top, pkg, xs[i]->name) < 0) return false;
    google_protobuf_ServiceDescriptorProto *const *ss = fd->service.data;
    for (uint32_t i = 0; i < fd->service.size; i++) {
      int32_t se = add_el(t, EL_SVC, ss[i], f, top, pkg, ss[i]->name);
      if (se < 0) return false;
      google_protobuf_MethodDescriptorProto *const *mds = ss[i]->method.data;
      for (uint32_t k = 0; k < ss[i]->method.size; k++)
        if (add_el(t, EL_METHOD, mds[k], f, se, t->els[se].name, mds[k]->name) < 0) return false;
    }
  }
  return true;
}

static void tfilter_free(tfilter *t) {
  for (uint32_t f = 0; t->imports && f < t->img->n; f++)
    free(t->imports[f]);
  free(t->imports);
  free(t->nimports);
  free(t->file_el);
  free(t->els);
  buoy_strmap_free(&t->by_name);
  buoy_strmap_free(&t->by_ptr);
}

static bool add_import(tfilter *t, uint32_t from, uint32_t to) {
  if (from == to) return true;
  for (uint32_t i = 0; i < t->nimports[from]; i++)
    if (t->imports[from][i] == to) return true;
  uint32_t *grown = realloc(t->imports[from], sizeof(uint32_t) * (t->nimports[from] + 1));
  if (!grown) return false;
  t->imports[from] = grown;
  grown[t->nimports[from]++] = to;
  return true;
}

static bool tf_fail(tfilter *t, const char *fmt, const char *name) {
  snprintf(t->err, sizeof t->err, fmt, name);
  return false;
}

static bool add_element(tfilter *t, int32_t i, int32_t referrer, bool implied, int depth);
static int32_t option_ext(const tfilter *t, const char *type, uint32_t number);

/* The custom options set in opts (an options message of the named type):
 * the extensions defining them join the closure, implicitly. They are the
 * fields buoy's descriptor types do not know, kept in wire form. */
static bool explore_options(tfilter *t, const void *opts, const char *type, int32_t referrer, int depth) {
  const bp_aux *aux = opts ? bp_msg_aux(opts) : NULL;
  if (!aux) return true;
  const uint8_t *p = (const uint8_t *)aux->unknown, *end = p + aux->unknown_size;
  uint32_t prev = 0, k = 0;
  while (p < end || k < aux->ext_count) {
    uint32_t number;
    if (p < end) {
      wire_field w;
      if (!next_field(&p, end, &w)) return tf_fail(t, "malformed options in %s", type);
      number = w.number;
    } else {
      number = aux->ext[k++].number;
    }
    if (number == prev) continue;
    prev = number;
    int32_t found = option_ext(t, type, number);
    if (found >= 0 && t->els[found].mode == TM_EXCLUDED) continue; /* removed from the options */
    if (found < 0) {
      snprintf(t->err, sizeof t->err, "no extension %u of %s in the image, for a custom option", number, type);
      return false;
    }
    if (!add_element(t, found, referrer, true, depth + 1)) return false;
  }
  return true;
}

/* A field's message or enum type, unless excluded; *kept says whether
 * the field stays. */
static bool add_field_type(tfilter *t, const google_protobuf_FieldDescriptorProto *f, uint32_t file, bool *kept,
                           int depth) {
  *kept = true;
  int32_t type = f->type;
  if (type != google_protobuf_FieldDescriptorProto_TYPE_MESSAGE &&
      type != google_protobuf_FieldDescriptorProto_TYPE_ENUM && type != google_protobuf_FieldDescriptorProto_TYPE_GROUP)
    return true;
  int32_t e = el_by_name(t, f->type_name);
  if (e < 0) return tf_fail(t, "a field's type is not in the image%s", "");
  if (t->els[e].mode == TM_EXCLUDED) {
    *kept = false;
    return true;
  }
  return add_element(t, e, (int32_t)file, false, depth + 1);
}

static const char *options_type(el_kind k) {
  switch (k) {
  case EL_FILE: return "google.protobuf.FileOptions";
  case EL_MSG: return "google.protobuf.MessageOptions";
  case EL_ENUM: return "google.protobuf.EnumOptions";
  case EL_SVC: return "google.protobuf.ServiceOptions";
  case EL_METHOD: return "google.protobuf.MethodOptions";
  case EL_EXT: return "google.protobuf.FieldOptions";
  }
  return "";
}

static const void *options_of(const element *e) {
  switch (e->kind) {
  case EL_FILE: return ((const google_protobuf_FileDescriptorProto *)e->d)->options;
  case EL_MSG: return ((const google_protobuf_DescriptorProto *)e->d)->options;
  case EL_ENUM: return ((const google_protobuf_EnumDescriptorProto *)e->d)->options;
  case EL_SVC: return ((const google_protobuf_ServiceDescriptorProto *)e->d)->options;
  case EL_METHOD: return ((const google_protobuf_MethodDescriptorProto *)e->d)->options;
  case EL_EXT: return ((const google_protobuf_FieldDescriptorProto *)e->d)->options;
  }
  return NULL;
}

/* Adds element i (and what it needs) to the closure. referrer: the file
 * whose element needs it (its import), or -1; implied: needed only as a
 * custom option's definition. */
static bool add_element(tfilter *t, int32_t i, int32_t referrer, bool implied, int depth) {
  if (depth > 1000) return tf_fail(t, "types nested too deep%s", "");
  element *e = &t->els[i];
  if (referrer >= 0 && !add_import(t, (uint32_t)referrer, e->file)) return tf_fail(t, "out of memory%s", "");
  if (e->mode != TM_UNKNOWN && e->mode != TM_ENCLOSING) {
    if (e->mode == TM_IMPLICIT && !implied) e->mode = TM_EXPLICIT;
    return true;
  }
  e->mode = implied ? TM_IMPLICIT : TM_EXPLICIT;
  int32_t file = (int32_t)e->file;
  bool kept;
  switch (e->kind) {
  case EL_FILE: {
    bool was = t->named_file;
    t->named_file = was || depth == 0;
    for (uint32_t k = 0; k < t->n; k++)
      if (t->els[k].kind != EL_FILE && t->els[k].file == e->file && !add_element(t, (int32_t)k, -1, false, depth + 1))
        return false;
    t->named_file = was;
    break;
  }
  case EL_MSG: {
    const google_protobuf_DescriptorProto *m = e->d;
    google_protobuf_FieldDescriptorProto *const *fs = m->field.data;
    for (uint32_t k = 0; k < m->field.size; k++) {
      if (!add_field_type(t, fs[k], e->file, &kept, depth)) return false;
      if (kept && !explore_options(t, fs[k]->options, "google.protobuf.FieldOptions", file, depth)) return false;
    }
    google_protobuf_OneofDescriptorProto *const *os = m->oneof_decl.data;
    for (uint32_t k = 0; k < m->oneof_decl.size; k++)
      if (!explore_options(t, os[k]->options, "google.protobuf.OneofOptions", file, depth)) return false;
    google_protobuf_DescriptorProto_ExtensionRange *const *rs = m->extension_range.data;
    for (uint32_t k = 0; k < m->extension_range.size; k++)
      if (!explore_options(t, rs[k]->options, "google.protobuf.ExtensionRangeOptions", file, depth)) return false;
    break;
  }
  case EL_ENUM: {
    const google_protobuf_EnumDescriptorProto *en = e->d;
    google_protobuf_EnumValueDescriptorProto *const *vs = en->value.data;
    for (uint32_t k = 0; k < en->value.size; k++)
      if (!explore_options(t, vs[k]->options, "google.protobuf.EnumValueOptions", file, depth)) return false;
    break;
  }
  case EL_SVC:
    for (uint32_t k = 0; k < t->n; k++)
      if (t->els[k].kind == EL_METHOD && t->els[k].parent == i && !add_element(t, (int32_t)k, -1, false, depth + 1))
        return false;
    break;
  case EL_METHOD: {
    const google_protobuf_MethodDescriptorProto *md = e->d;
    int32_t in = el_by_name(t, md->input_type), out = el_by_name(t, md->output_type);
    if (in < 0 || out < 0) return tf_fail(t, "a method's type is not in the image%s", "");
    /* a method whose request or response is excluded goes with it */
    if (t->els[in].mode == TM_EXCLUDED || t->els[out].mode == TM_EXCLUDED) {
      if (depth == 0 || t->named_file) {
        snprintf(t->err, sizeof t->err, "method %s cannot be included: its %s type %s is excluded", t->els[i].name,
                 t->els[in].mode == TM_EXCLUDED ? "request" : "response",
                 t->els[t->els[in].mode == TM_EXCLUDED ? in : out].name);
        return false;
      }
      t->els[i].mode = TM_EXCLUDED;
      return true;
    }
    if (!add_element(t, in, file, false, depth + 1) || !add_element(t, out, file, false, depth + 1)) return false;
    break;
  }
  case EL_EXT: {
    const google_protobuf_FieldDescriptorProto *f = e->d;
    int32_t ext = el_by_name(t, f->extendee);
    if (ext < 0) return tf_fail(t, "the extendee of %s is not in the image", t->els[i].name);
    if (t->els[ext].mode == TM_EXCLUDED) {
      t->els[i].mode = TM_EXCLUDED;
      return true;
    }
    if (!add_element(t, ext, file, implied, depth + 1)) return false;
    if (!add_field_type(t, f, t->els[i].file, &kept, depth)) return false;
    if (!kept) {
      t->els[i].mode = TM_EXCLUDED;
      return true;
    }
    break;
  }
  }
  /* the messages, services and file holding it, as namespaces, with their
   * own custom options */
  for (int32_t p = t->els[i].parent; p >= 0; p = t->els[p].parent) {
    element *pe = &t->els[p];
    if (pe->kind != EL_MSG && pe->kind != EL_SVC && pe->kind != EL_FILE) break;
    if (pe->mode != TM_UNKNOWN) break;
    pe->mode = TM_ENCLOSING;
    if (!explore_options(t, options_of(pe), options_type(pe->kind), file, depth)) return false;
  }
  return explore_options(t, options_of(&t->els[i]), options_type(t->els[i].kind), file, depth);
}

static bool exclude_element(tfilter *t, int32_t i) {
  element *e = &t->els[i];
  if (e->mode != TM_UNKNOWN) {
    if (e->mode != TM_EXCLUDED) return tf_fail(t, "type %s is both included and excluded", e->name);
    return true;
  }
  e->mode = TM_EXCLUDED;
  /* what it holds: every element whose parent (or, for a file, whose
   * file with no closer parent) it is */
  for (uint32_t k = 0; k < t->n; k++) {
    const element *c = &t->els[k];
    bool child = e->kind == EL_FILE ? c->kind != EL_FILE && c->file == e->file &&
                                          (c->parent == i || (c->parent < 0 && c->kind != EL_METHOD))
                                    : c->parent == i;
    if (child && e->kind != EL_ENUM && !exclude_element(t, (int32_t)k)) return false;
  }
  return true;
}

/* Whether package pkg is name, or (sub) inside it. */
static bool in_package(bp_str pkg, const char *name, size_t len, bool sub) {
  if (pkg.size == len && memcmp(pkg.data, name, len) == 0) return true;
  return sub && pkg.size > len && memcmp(pkg.data, name, len) == 0 && pkg.data[len] == '.';
}

/* A type, a package, or NAME.** (a package and the packages inside it;
 * for a type, the type), to include or exclude. */
static bool filter_name(tfilter *t, const char *name, bool include) {
  const image *img = t->img;
  size_t len = strlen(name);
  bool sub = len > 3 && strcmp(name + len - 3, ".**") == 0;
  if (sub) len -= 3;
  if (memchr(name, '*', len) || !len)
    return tf_fail(t, "%s: a type or package name, optionally followed by \".**\" (no other wildcards)", name);
  int32_t e = el_by_name(t, (bp_str){name, len});
  if (e >= 0) {
    if (include && img->files[t->els[e].file].is_import)
      return tf_fail(t, "type %s is declared in an import, not in the input", name);
    if (include && t->els[e].mode == TM_EXCLUDED) return tf_fail(t, "type %s is also excluded", name);
    return include ? add_element(t, e, -1, false, 0) : exclude_element(t, e);
  }
  bool any = false, own = false, nested = false;
  for (uint32_t f = 0; f < img->n; f++) {
    bp_str pkg = img->files[f].fd->package;
    if (in_package(pkg, name, len, sub)) {
      any = true;
      own = own || !img->files[f].is_import;
    } else if (in_package(pkg, name, len, true)) {
      nested = true;
    }
  }
  if (!any && nested)
    return tf_fail(t, "package %s holds no types itself, only packages; to take those too, add \".**\"", name);
  if (!any) return tf_fail(t, "no type or package %s in the input", name);
  if (include && !own) return tf_fail(t, "package %s is declared in imports only, not in the input", name);
  for (uint32_t f = 0; f < img->n; f++)
    if (in_package(img->files[f].fd->package, name, len, sub)) {
      int32_t fe = (int32_t)t->file_el[f];
      if (include && t->els[fe].mode == TM_EXCLUDED) return tf_fail(t, "package %s is also excluded", name);
      if (!(include ? add_element(t, fe, -1, false, 0) : exclude_element(t, fe))) return false;
    }
  return true;
}

static bool has_type(const tfilter *t, const void *d) {
  int32_t e = el_of(t, d);
  if (e < 0) return !t->includes;
  int mode = t->els[e].mode;
  return mode == TM_UNKNOWN ? !t->includes : mode != TM_EXCLUDED;
}

/* ---- source paths: a trie of deleted, moved and comment-less paths ---- */

typedef struct path_node {
  int32_t old, now; /* now: -1 deleted */
  bool no_comment;
  struct path_node *kids; /* sorted by old */
  uint32_t nkids, capkids;
} path_node;

typedef struct path_trie {
  path_node root;
  bool oom;
} path_trie;

static path_node *trie_child(path_trie *tr, path_node *n, int32_t old) {
  uint32_t lo = 0, hi = n->nkids;
  while (lo < hi) {
    uint32_t mid = (lo + hi) / 2;
    if (n->kids[mid].old < old)
      lo = mid + 1;
    else
      hi = mid;
  }
  if (lo < n->nkids && n->kids[lo].old == old) return &n->kids[lo];
  if (n->nkids == n->capkids) {
    uint32_t cap = n->capkids ? n->capkids * 2 : 4;
    path_node *more = realloc(n->kids, sizeof *more * cap);
    if (!more) {
      tr->oom = true;
      return NULL;
    }
    n->kids = more;
    n->capkids = cap;
  }
  path_node *grown = n->kids;
  memmove(&grown[lo + 1], &grown[lo], sizeof *grown * (n->nkids - lo));
  memset(&grown[lo], 0, sizeof *grown);
  grown[lo].old = grown[lo].now = old;
  n->nkids++;
  return &grown[lo];
}

/* what < 0: delete; what == INT32_MAX: no comment; else: moved to what. */
static void trie_mark(path_trie *tr, const int32_t *path, uint32_t len, int32_t what) {
  path_node *n = &tr->root;
  for (uint32_t i = 0; i < len && n; i++)
    n = trie_child(tr, n, path[i]);
  if (!n) return;
  if (what == INT32_MAX)
    n->no_comment = true;
  else
    n->now = what;
}

static void trie_free(path_node *n) {
  for (uint32_t i = 0; i < n->nkids; i++)
    trie_free(&n->kids[i]);
  free(n->kids);
}

/* The new path of old (into out), false when deleted. */
static bool trie_fix(const path_trie *tr, const int32_t *old, uint32_t len, int32_t *out, bool *no_comment) {
  const path_node *n = &tr->root;
  *no_comment = false;
  for (uint32_t i = 0; i < len; i++) {
    const path_node *k = NULL;
    uint32_t lo = 0, hi = n->nkids;
    while (lo < hi) {
      uint32_t mid = (lo + hi) / 2;
      if (n->kids[mid].old < old[i])
        lo = mid + 1;
      else
        hi = mid;
    }
    if (lo < n->nkids && n->kids[lo].old == old[i]) k = &n->kids[lo];
    if (!k) {
      memcpy(out + i, old + i, sizeof *out * (len - i));
      return true;
    }
    if (k->now == -1) return false;
    out[i] = k->now;
    if (i + 1 == len) *no_comment = k->no_comment;
    n = k;
  }
  return true;
}

/* ---- rebuilding the descriptors ---- */

typedef struct rebuild {
  tfilter *t;
  path_trie trie;
  int32_t path[256];
  uint32_t depth;
  bool failed;
} rebuild;

static void mark(rebuild *b, uint32_t len, int32_t last, int32_t what) {
  if (len + 1 > 256) {
    b->failed = true;
    return;
  }
  b->path[len] = last;
  trie_mark(&b->trie, b->path, len + 1, what);
}

static void *clone_bytes(rebuild *b, const void *p, size_t n);

/* The extension element defining custom option number of options type
 * type, or -1. */
static int32_t option_ext(const tfilter *t, const char *type, uint32_t number) {
  for (uint32_t x = 0; x < t->n; x++) {
    if (t->els[x].kind != EL_EXT) continue;
    const google_protobuf_FieldDescriptorProto *f = t->els[x].d;
    bp_str extendee = f->extendee;
    if (extendee.size && extendee.data[0] == '.') extendee.data++, extendee.size--;
    if (f->number == (int32_t)number && bp_str_eq(extendee, bp_str_c(type))) return (int32_t)x;
  }
  return -1;
}

static bool option_excluded(const tfilter *t, const char *type, uint32_t number) {
  int32_t x = option_ext(t, type, number);
  return x >= 0 && t->els[x].mode == TM_EXCLUDED;
}

/* An options message: custom options whose extension is excluded are
 * removed; an options message left setting nothing is dropped (its source
 * locations kept, as buf does). true when *opts changed. */
static bool options_changed(rebuild *b, const bp_msgdef *def, void **opts, uint32_t len, int32_t tag) {
  if (!*opts) return false;
  if (len + 2 > 256) return (b->failed = true), false;
  const bp_aux *aux = bp_msg_aux(*opts);
  bool strip = false;
  const uint8_t *p = aux ? (const uint8_t *)aux->unknown : NULL, *end = aux ? p + aux->unknown_size : NULL;
  wire_field w;
  while (aux && p < end && !strip)
    strip = next_field(&p, end, &w) && option_excluded(b->t, def->full_name, w.number);
  for (uint32_t k = 0; aux && k < aux->ext_count && !strip; k++)
    strip = option_excluded(b->t, def->full_name, aux->ext[k].number);
  if (strip) {
    void *copy = clone_bytes(b, *opts, def->size);
    bp_aux *na = bp_arena_zalloc(b->t->a, sizeof *na);
    char *unknown = bp_arena_malloc(b->t->a, aux->unknown_size + 1);
    bp_ext *ext = bp_arena_malloc(b->t->a, sizeof *ext * (aux->ext_count + 1));
    if (!copy || !na || !unknown || !ext) {
      b->failed = true;
      return false;
    }
    b->path[len] = tag;
    for (p = (const uint8_t *)aux->unknown; p < end;) {
      const uint8_t *start = p;
      if (!next_field(&p, end, &w)) break;
      if (option_excluded(b->t, def->full_name, w.number)) {
        mark(b, len + 1, (int32_t)w.number, -1);
        continue;
      }
      memcpy(unknown + na->unknown_size, start, (size_t)(p - start));
      na->unknown_size += (size_t)(p - start);
    }
    na->unknown = unknown;
    na->unknown_cap = na->unknown_size;
    for (uint32_t k = 0; k < aux->ext_count; k++) {
      if (!option_excluded(b->t, def->full_name, aux->ext[k].number))
        ext[na->ext_count++] = aux->ext[k];
      else
        mark(b, len + 1, (int32_t)aux->ext[k].number, -1);
    }
    na->ext = ext;
    na->ext_cap = na->ext_count;
    *(bp_aux **)copy = na;
    *opts = copy;
  }
  if (bp_encoded_size(def, *opts) != 0) return strip;
  mark(b, len, tag, -1);
  *opts = NULL;
  return true;
}

typedef void *(*remap_fn)(rebuild *b, uint32_t len, void *item, bool *changed);

/* A repeated field of descriptors at path[0..len) + tag: each item
 * remapped; items dropped and moved are marked. */
static bool remap_list(rebuild *b, uint32_t len, int32_t tag, bp_array *list, remap_fn fn) {
  if (len + 2 > 256) return (b->failed = true), false;
  b->path[len] = tag;
  void **items = list->data;
  bool dirty = false;
  void **kept = bp_arena_malloc(b->t->a, sizeof(void *) * (list->size + 1));
  if (!kept) return (b->failed = true), false;
  uint32_t to = 0;
  for (uint32_t from = 0; from < list->size; from++) {
    b->path[len] = tag;
    b->path[len + 1] = (int32_t)from;
    bool changed = false;
    void *item = fn(b, len + 2, items[from], &changed);
    dirty = dirty || changed;
    b->path[len] = tag;
    if (item) {
      if (from != to) mark(b, len + 1, (int32_t)from, (int32_t)to);
      kept[to++] = item;
    } else {
      mark(b, len + 1, (int32_t)from, -1);
    }
  }
  b->path[len] = tag;
  if (to == 0) trie_mark(&b->trie, b->path, len + 1, -1);
  if (dirty) {
    list->data = kept;
    list->size = list->cap = to;
  }
  return dirty;
}

#define CLONE(b, T, p) clone_bytes((b), (p), sizeof(T))
static void *clone_bytes(rebuild *b, const void *p, size_t n) {
  void *c = bp_arena_malloc(b->t->a, n);
  if (!c) {
    b->failed = true;
    return NULL;
  }
  memcpy(c, p, n);
  return c;
}

static void *remap_field(rebuild *b, uint32_t len, void *item, bool *changed) {
  google_protobuf_FieldDescriptorProto *f = item;
  (void)len;
  if (google_protobuf_FieldDescriptorProto_has_extendee(f) && !has_type(b->t, f)) return (*changed = true), NULL;
  int32_t type = f->type;
  if (type == google_protobuf_FieldDescriptorProto_TYPE_MESSAGE ||
      type == google_protobuf_FieldDescriptorProto_TYPE_ENUM ||
      type == google_protobuf_FieldDescriptorProto_TYPE_GROUP) {
    int32_t e = el_by_name(b->t, f->type_name);
    if (e < 0 || !has_type(b->t, b->t->els[e].d)) return (*changed = true), NULL;
  }
  void *opts = f->options;
  if (!options_changed(b, &google_protobuf_FieldOptions_msgdef, &opts, len, 8)) return f;
  google_protobuf_FieldDescriptorProto *c = CLONE(b, google_protobuf_FieldDescriptorProto, f);
  if (c) c->options = opts;
  *changed = true;
  return c;
}

static void *remap_oneof(rebuild *b, uint32_t len, void *item, bool *changed) {
  google_protobuf_OneofDescriptorProto *o = item;
  (void)len;
  void *opts = o->options;
  if (!options_changed(b, &google_protobuf_OneofOptions_msgdef, &opts, len, 2)) return o;
  google_protobuf_OneofDescriptorProto *c = CLONE(b, google_protobuf_OneofDescriptorProto, o);
  if (c) c->options = opts;
  *changed = true;
  return c;
}

static void *remap_range(rebuild *b, uint32_t len, void *item, bool *changed) {
  google_protobuf_DescriptorProto_ExtensionRange *r = item;
  (void)len;
  void *opts = r->options;
  if (!options_changed(b, &google_protobuf_ExtensionRangeOptions_msgdef, &opts, len, 3)) return r;
  google_protobuf_DescriptorProto_ExtensionRange *c = CLONE(b, google_protobuf_DescriptorProto_ExtensionRange, r);
  if (c) c->options = opts;
  *changed = true;
  return c;
}

static void *remap_value(rebuild *b, uint32_t len, void *item, bool *changed) {
  google_protobuf_EnumValueDescriptorProto *v = item;
  (void)len;
  void *opts = v->options;
  if (!options_changed(b, &google_protobuf_EnumValueOptions_msgdef, &opts, len, 3)) return v;
  google_protobuf_EnumValueDescriptorProto *c = CLONE(b, google_protobuf_EnumValueDescriptorProto, v);
  if (c) c->options = opts;
  *changed = true;
  return c;
}

/* An enum that stays counts as changed, whatever happens to it (buf's
 * rule: a file with an enum is always rebuilt). */
static void *remap_enum(rebuild *b, uint32_t len, void *item, bool *changed) {
  google_protobuf_EnumDescriptorProto *en = item;
  *changed = true;
  if (!has_type(b->t, en)) return NULL;
  void *opts = en->options;
  bool dirty = options_changed(b, &google_protobuf_EnumOptions_msgdef, &opts, len, 3);
  bp_array values = en->value;
  dirty = remap_list(b, len, 2, &values, remap_value) || dirty;
  if (!dirty) return en;
  google_protobuf_EnumDescriptorProto *c = CLONE(b, google_protobuf_EnumDescriptorProto, en);
  if (c) c->options = opts, c->value = values;
  return c;
}

static void *remap_method(rebuild *b, uint32_t len, void *item, bool *changed) {
  google_protobuf_MethodDescriptorProto *m = item;
  (void)len;
  if (!has_type(b->t, m)) return (*changed = true), NULL;
  void *opts = m->options;
  if (!options_changed(b, &google_protobuf_MethodOptions_msgdef, &opts, len, 4)) return m;
  google_protobuf_MethodDescriptorProto *c = CLONE(b, google_protobuf_MethodDescriptorProto, m);
  if (c) c->options = opts;
  *changed = true;
  return c;
}

static void *remap_service(rebuild *b, uint32_t len, void *item, bool *changed) {
  google_protobuf_ServiceDescriptorProto *s = item;
  if (!has_type(b->t, s)) return (*changed = true), NULL;
  bp_array methods = s->method;
  bool dirty = remap_list(b, len, 2, &methods, remap_method);
  void *opts = s->options;
  dirty = options_changed(b, &google_protobuf_ServiceOptions_msgdef, &opts, len, 3) || dirty;
  if (!dirty) return s;
  google_protobuf_ServiceDescriptorProto *c = CLONE(b, google_protobuf_ServiceDescriptorProto, s);
  if (c) c->method = methods, c->options = opts;
  *changed = true;
  return c;
}

static void *remap_message(rebuild *b, uint32_t len, void *item, bool *changed) {
  google_protobuf_DescriptorProto *m = item;
  if (!has_type(b->t, m)) return (*changed = true), NULL;
  if (++b->depth > 100) return (b->failed = true), NULL;
  google_protobuf_DescriptorProto *c = NULL;
  bool dirty = false;
  bp_array fields = m->field, oneofs = m->oneof_decl, ranges = m->extension_range;
  int32_t e = el_of(b->t, m);
  if (e >= 0 && b->t->els[e].mode == TM_ENCLOSING) {
    /* only a namespace now: no fields, oneofs, ranges or reservations,
     * and no comments */
    dirty = true;
    trie_mark(&b->trie, b->path, len, INT32_MAX);
    static const int32_t gone[] = {2, 8, 5, 9, 10};
    for (int k = 0; k < 5; k++)
      mark(b, len, gone[k], -1);
    c = CLONE(b, google_protobuf_DescriptorProto, m);
    if (!c) return NULL;
    memset(&c->field, 0, sizeof c->field);
    memset(&c->oneof_decl, 0, sizeof c->oneof_decl);
    memset(&c->extension_range, 0, sizeof c->extension_range);
    memset(&c->reserved_range, 0, sizeof c->reserved_range);
    memset(&c->reserved_name, 0, sizeof c->reserved_name);
  } else {
    dirty = remap_list(b, len, 2, &fields, remap_field);
    dirty = remap_list(b, len, 8, &oneofs, remap_oneof) || dirty;
    dirty = remap_list(b, len, 5, &ranges, remap_range) || dirty;
    if (dirty) {
      c = CLONE(b, google_protobuf_DescriptorProto, m);
      if (!c) return NULL;
      c->field = fields, c->oneof_decl = oneofs, c->extension_range = ranges;
    }
  }
  bp_array exts = m->extension, nested = m->nested_type, enums = m->enum_type;
  dirty = remap_list(b, len, 6, &exts, remap_field) || dirty;
  dirty = remap_list(b, len, 3, &nested, remap_message) || dirty;
  dirty = remap_list(b, len, 4, &enums, remap_enum) || dirty;
  void *opts = m->options;
  dirty = options_changed(b, &google_protobuf_MessageOptions_msgdef, &opts, len, 7) || dirty;
  b->depth--;
  if (!dirty) return m;
  if (!c && !(c = CLONE(b, google_protobuf_DescriptorProto, m))) return NULL;
  c->extension = exts, c->nested_type = nested, c->enum_type = enums, c->options = opts;
  *changed = true;
  return c;
}

/* One file of the filtered image: NULL when nothing of it stays (or on
 * failure, with b->failed), the file itself when nothing changed. */
static google_protobuf_FileDescriptorProto *filter_file(tfilter *t, uint32_t f, bool *failed) {
  google_protobuf_FileDescriptorProto *fd = t->img->files[f].fd;
  *failed = false;
  if (!has_type(t, fd)) return NULL;
  rebuild b;
  memset(&b, 0, sizeof b);
  b.t = t;
  bp_array ms = fd->message_type, es = fd->enum_type, ss = fd->service, xs = fd->extension;
  bool dirty = remap_list(&b, 0, 4, &ms, remap_message);
  dirty = remap_list(&b, 0, 5, &es, remap_enum) || dirty;
  dirty = remap_list(&b, 0, 6, &ss, remap_service) || dirty;
  dirty = remap_list(&b, 0, 7, &xs, remap_field) || dirty;
  void *opts = fd->options;
  dirty = options_changed(&b, &google_protobuf_FileOptions_msgdef, &opts, 0, 8) || dirty;
  google_protobuf_FileDescriptorProto *c = NULL;
  if (b.failed) goto done;
  c = CLONE(&b, google_protobuf_FileDescriptorProto, fd);
  if (!c) goto done;
  c->message_type = ms, c->enum_type = es, c->service = ss, c->extension = xs, c->options = opts;
  /* imports: those the closure needs, in their order, then any others it
   * needs (reached through public imports) */
  const uint32_t *need = t->imports[f];
  uint32_t nneed = t->nimports[f];
  bool *used = calloc(nneed + 1, 1);
  int32_t *moved = calloc(fd->dependency.size + 1, sizeof *moved);
  memset(&c->dependency, 0, sizeof c->dependency);
  memset(&c->public_dependency, 0, sizeof c->public_dependency);
  memset(&c->weak_dependency, 0, sizeof c->weak_dependency);
  const bp_str *deps = fd->dependency.data;
  int32_t to = 0;
  for (uint32_t i = 0; used && moved && i < fd->dependency.size; i++) {
    const image_file *dep = buoy_strmap_get(&t->img->by_name, deps[i].data, deps[i].size);
    uint32_t k = 0;
    while (dep && k < nneed && need[k] != (uint32_t)(dep - t->img->files))
      k++;
    if (dep && k < nneed && !used[k]) {
      used[k] = true;
      moved[i] = to;
      if ((int32_t)i != to) {
        b.path[0] = 3, b.path[1] = (int32_t)i;
        trie_mark(&b.trie, b.path, 2, to);
      }
      bp_str *slot = bp_array_push(&c->dependency, sizeof *slot, t->a);
      if (!slot)
        b.failed = true;
      else
        *slot = deps[i];
      to++;
    } else {
      moved[i] = -1;
      b.path[0] = 3, b.path[1] = (int32_t)i;
      trie_mark(&b.trie, b.path, 2, -1);
    }
  }
  for (uint32_t k = 0; used && k < nneed; k++)
    if (!used[k]) {
      const char *name = t->img->files[need[k]].name;
      bp_str *slot = bp_array_push(&c->dependency, sizeof *slot, t->a);
      if (!slot)
        b.failed = true;
      else
        *slot = bp_str_c(name);
    }
  b.path[0] = 10;
  trie_mark(&b.trie, b.path, 1, -1);
  const int32_t *weak = fd->weak_dependency.data;
  for (uint32_t i = 0; moved && i < fd->weak_dependency.size; i++) {
    int32_t from = weak[i];
    int32_t now = from >= 0 && (uint32_t)from < fd->dependency.size ? moved[from] : -1;
    b.path[0] = 11, b.path[1] = from;
    trie_mark(&b.trie, b.path, 2, now);
    if (now < 0) continue;
    int32_t *slot = bp_array_push(&c->weak_dependency, sizeof *slot, t->a);
    if (!slot)
      b.failed = true;
    else
      *slot = now;
  }
  if (!used || !moved) b.failed = true;
  free(used);
  free(moved);
  /* buf rewrites the imports of every file it keeps: one whose imports
   * change (an unused one goes) is rebuilt even when nothing else did */
  bool same =
      !b.failed && c->dependency.size == fd->dependency.size && c->weak_dependency.size == fd->weak_dependency.size;
  for (uint32_t i = 0; same && i < fd->dependency.size; i++)
    same = bp_str_eq(((const bp_str *)c->dependency.data)[i], ((const bp_str *)fd->dependency.data)[i]);
  for (uint32_t i = 0; same && i < fd->weak_dependency.size; i++)
    same = ((const int32_t *)c->weak_dependency.data)[i] == ((const int32_t *)fd->weak_dependency.data)[i];
  if (!same) dirty = true;
  if (!dirty) goto done;
  /* source code info */
  if (!b.failed && fd->source_code_info && fd->source_code_info->location.size) {
    google_protobuf_SourceCodeInfo *sci = CLONE(&b, google_protobuf_SourceCodeInfo, fd->source_code_info);
    if (!sci) goto done;
    /* buf makes a new SourceCodeInfo holding only the locations */
    memset(sci, 0, sizeof *sci);
    google_protobuf_SourceCodeInfo_Location *const *locs = fd->source_code_info->location.data;
    for (uint32_t i = 0; i < fd->source_code_info->location.size && !b.failed; i++) {
      const google_protobuf_SourceCodeInfo_Location *l = locs[i];
      uint32_t n = l->path.size;
      int32_t *np = bp_arena_malloc(t->a, sizeof(int32_t) * (n + 1));
      bool no_comment;
      if (!np) {
        b.failed = true;
        break;
      }
      if (!trie_fix(&b.trie, l->path.data, n, np, &no_comment)) continue;
      google_protobuf_SourceCodeInfo_Location *nl = (google_protobuf_SourceCodeInfo_Location *)l;
      if (no_comment || (n && memcmp(np, l->path.data, sizeof(int32_t) * n) != 0)) {
        nl = CLONE(&b, google_protobuf_SourceCodeInfo_Location, l);
        if (!nl) break;
        nl->path.data = np;
        nl->path.size = nl->path.cap = n;
        if (no_comment) {
          google_protobuf_SourceCodeInfo_Location_clear_leading_comments(nl);
          google_protobuf_SourceCodeInfo_Location_clear_trailing_comments(nl);
          memset(&nl->leading_detached_comments, 0, sizeof nl->leading_detached_comments);
        }
      }
      google_protobuf_SourceCodeInfo_Location **slot = bp_array_push(&sci->location, sizeof *slot, t->a);
      if (!slot)
        b.failed = true;
      else
        *slot = nl;
    }
    c->source_code_info = sci;
  }
done:
  trie_free(&b.trie.root);
  *failed = b.failed || b.trie.oom;
  if (*failed) snprintf(t->err, sizeof t->err, "out of memory filtering %s", t->img->files[f].name);
  return dirty ? c : fd;
}

/* The image cut to types (includes) minus exclude_types, into out (its
 * files in the arena of t); false with a message. */
static bool filter_image(const image *img, const bm_strs *types, const bm_strs *excludes, bp_arena *a, image *out,
                         char *err, size_t errlen) {
  tfilter t;
  bool ok = tfilter_init(&t, img, a);
  if (!ok) snprintf(t.err, sizeof t.err, "out of memory");
  t.includes = types->n > 0;
  for (uint32_t i = 0; ok && i < excludes->n; i++)
    ok = filter_name(&t, excludes->items[i], false);
  for (uint32_t i = 0; ok && i < types->n; i++)
    ok = filter_name(&t, types->items[i], true);
  for (uint32_t f = 0; ok && !t.includes && f < img->n; f++)
    if (!img->files[f].is_import) ok = add_element(&t, (int32_t)t.file_el[f], -1, false, 0);
  /* the known extensions of messages reached directly */
  uint32_t n = t.n, nexts = 0;
  uint32_t *exts = ok ? malloc(sizeof(uint32_t) * (n + 1)) : NULL;
  if (ok && !exts) ok = false, snprintf(t.err, sizeof t.err, "out of memory");
  for (uint32_t x = 0; ok && x < n; x++)
    if (t.els[x].kind == EL_EXT) exts[nexts++] = x;
  for (uint32_t m = 0; ok && m < n; m++) {
    if (t.els[m].kind != EL_MSG || t.els[m].mode != TM_EXPLICIT) continue;
    for (uint32_t k = 0; ok && k < nexts; k++) {
      uint32_t x = exts[k];
      bp_str extendee = ((const google_protobuf_FieldDescriptorProto *)t.els[x].d)->extendee;
      if (extendee.size && extendee.data[0] == '.') extendee.data++, extendee.size--;
      if (bp_str_eq(extendee, bp_str_c(t.els[m].name))) ok = add_element(&t, (int32_t)x, -1, false, 0);
    }
  }
  /* files from the last: an import stays only while a later file needs it */
  google_protobuf_FileDescriptorProto **kept = ok ? calloc(img->n + 1, sizeof *kept) : NULL;
  bool *needed = ok ? calloc(img->n + 1, 1) : NULL;
  if (ok && (!kept || !needed)) ok = false, snprintf(t.err, sizeof t.err, "out of memory");
  for (uint32_t i = img->n; ok && i-- > 0;) {
    if (img->files[i].is_import && !needed[i]) continue;
    bool failed;
    kept[i] = filter_file(&t, i, &failed);
    if (failed)
      ok = false;
    else if (!kept[i] && needed[i])
      ok = false, snprintf(t.err, sizeof t.err, "%s is imported but nothing of it is kept", img->files[i].name);
    for (uint32_t d = 0; ok && kept[i] && d < kept[i]->dependency.size; d++) {
      const bp_str *dep = &((const bp_str *)kept[i]->dependency.data)[d];
      const image_file *df = buoy_strmap_get(&img->by_name, dep->data, dep->size);
      if (df) needed[df - img->files] = true;
    }
  }
  memset(out, 0, sizeof *out);
  if (ok) {
    out->files = bp_arena_zalloc(a, sizeof(image_file) * (img->n + 1));
    if (!out->files) ok = false, snprintf(t.err, sizeof t.err, "out of memory");
    buoy_strmap_init(&out->by_name);
    for (uint32_t i = 0; ok && i < img->n; i++) {
      if (!kept[i]) continue;
      image_file *nf = &out->files[out->n++];
      *nf = img->files[i];
      nf->fd = kept[i];
      buoy_strmap_put(&out->by_name, nf->name, strlen(nf->name), nf);
    }
  }
  if (!ok) snprintf(err, errlen, "%s", t.err);
  free(exts);
  free(kept);
  free(needed);
  tfilter_free(&t);
  return ok;
}

/* ---- requests ---- */

typedef struct gen_run {
  const gen_opts *o;
  const bg_config *cfg;
  image *img;
  bp_arena *a;
  bu_gen_out *outs; /* one per distinct output directory */
  char **out_dirs;
  uint32_t nouts;
} gen_run;

static char *join_opts(const bg_plugin *p) {
  size_t len = 1;
  for (uint32_t i = 0; i < p->opt.n; i++)
    len += strlen(p->opt.items[i]) + 1;
  char *param = malloc(len);
  if (!param) return NULL;
  param[0] = 0;
  for (uint32_t i = 0; i < p->opt.n; i++) {
    if (i) strcat(param, ",");
    strcat(param, p->opt.items[i]);
  }
  return param;
}

/* The files of one request: proto_file (order) and file_to_generate
 * (targets), indices into the image. */
typedef struct plan {
  uint32_t *order, norder;
  uint32_t *targets, ntargets;
} plan;

static void plan_free(plan *pl) {
  free(pl->order);
  free(pl->targets);
}

static int by_name(const void *pa, const void *pb, const image *img) {
  return strcmp(img->files[*(const uint32_t *)pa].name, img->files[*(const uint32_t *)pb].name);
}

/* What buf sends for these files to generate. Strategy all: the image's
 * files they need, in image order. Strategy directory: buf cuts an image
 * for the directory, whose order is each file to generate in path order,
 * after the files it imports (depth first, in import order, each once).
 * Iterative: import chains can be long. */
static bool make_plan(const image *img, const uint32_t *targets, uint32_t n, bool sub_image, plan *pl) {
  uint8_t *state = calloc(img->n + 1, 1); /* 1: a target; 2: listed */
  uint32_t *sorted = malloc(sizeof(uint32_t) * (n + 1));
  uint32_t *stack = malloc(sizeof(uint32_t) * (img->n + 1)), *next = calloc(img->n + 1, sizeof(uint32_t));
  pl->order = malloc(sizeof(uint32_t) * (img->n + 1));
  pl->targets = malloc(sizeof(uint32_t) * (n + 1));
  pl->norder = pl->ntargets = 0;
  bool ok = state && sorted && stack && next && pl->order && pl->targets;
  if (ok) {
    memcpy(sorted, targets, sizeof(uint32_t) * n);
    for (uint32_t i = 0; i < n; i++)
      state[targets[i]] = 1;
    /* insertion sort by name (stable, no context pointer needed) */
    for (uint32_t i = 1; sub_image && i < n; i++)
      for (uint32_t j = i; j > 0 && by_name(&sorted[j - 1], &sorted[j], img) > 0; j--) {
        uint32_t t = sorted[j - 1];
        sorted[j - 1] = sorted[j];
        sorted[j] = t;
      }
    bool *seen = calloc(img->n + 1, 1);
    ok = seen != NULL;
    for (uint32_t i = 0; ok && i < n; i++) {
      if (seen[sorted[i]]) continue;
      uint32_t top = 0;
      stack[top++] = sorted[i];
      seen[sorted[i]] = true;
      while (top) {
        uint32_t f = stack[top - 1];
        const google_protobuf_FileDescriptorProto *fd = img->files[f].fd;
        const bp_str *deps = fd->dependency.data;
        if (next[f] < fd->dependency.size) {
          const bp_str *d = &deps[next[f]++];
          const image_file *dep = buoy_strmap_get(&img->by_name, d->data, d->size);
          uint32_t k = dep ? (uint32_t)(dep - img->files) : 0;
          if (dep && !seen[k]) {
            seen[k] = true;
            stack[top++] = k;
          }
          continue;
        }
        top--;
        if (sub_image) pl->order[pl->norder++] = f;
      }
    }
    if (ok && !sub_image)
      for (uint32_t i = 0; i < img->n; i++)
        if (seen[i]) pl->order[pl->norder++] = i;
    for (uint32_t i = 0; ok && i < pl->norder; i++)
      if (state[pl->order[i]] == 1) pl->targets[pl->ntargets++] = pl->order[i];
    free(seen);
  }
  free(next);
  free(stack);
  free(sorted);
  free(state);
  return ok;
}

/* The CodeGeneratorRequest buf sends: file_to_generate, the parameter,
 * proto_file (every file needed, in image order, which puts imports first)
 * and source_file_descriptors (the files to generate); no
 * compiler_version. */
static bool build_request(gen_run *r, const bg_plugin *p, const plan *pl, bp_str *out) {
  image *img = r->img;
  google_protobuf_compiler_CodeGeneratorRequest *req = google_protobuf_compiler_CodeGeneratorRequest_new(r->a);
  if (!req) return false;
  bool ok = true;
  for (uint32_t i = 0; i < pl->ntargets && ok; i++)
    ok = google_protobuf_compiler_CodeGeneratorRequest_add_file_to_generate(req, img->files[pl->targets[i]].fd->name,
                                                                            r->a);
  char *param = p->opt.n ? join_opts(p) : NULL;
  if (p->opt.n && !param) ok = false;
  if (param) google_protobuf_compiler_CodeGeneratorRequest_set_parameter(req, bp_str_c(param));
  for (uint32_t i = 0; i < pl->norder && ok; i++) {
    google_protobuf_FileDescriptorProto **slot = bp_array_push(&req->proto_file, sizeof *slot, r->a);
    if (!slot)
      ok = false;
    else
      *slot = img->files[pl->order[i]].fd;
  }
  for (uint32_t i = 0; i < pl->ntargets && ok; i++) {
    google_protobuf_FileDescriptorProto **slot = bp_array_push(&req->source_file_descriptors, sizeof *slot, r->a);
    if (!slot)
      ok = false;
    else
      *slot = img->files[pl->targets[i]].fd;
  }
  ok = ok && bp_encode(&google_protobuf_compiler_CodeGeneratorRequest_msgdef, req, r->a, NULL, out) == BP_OK;
  free(param);
  return ok;
}

/* ---- plugins ---- */

/* `local: protoc-gen-buoy` (or a path to it): buoy's own C generator, run
 * over the compiled files instead of through a process. */
static bool is_builtin(const bg_plugin *p) {
  if (p->local.n != 1) return false;
  const char *slash = strrchr(p->local.items[0], '/');
  return strcmp(slash ? slash + 1 : p->local.items[0], "protoc-gen-buoy") == 0;
}

/* The command to run, NULL-terminated: local as written, a program (a path,
 * or a name bu_plugin_run looks up on PATH) and its arguments;
 * protoc_builtin NAME as protoc-gen-NAME on PATH, as buf runs a builtin
 * that protoc does not have (gen_config.c refuses protoc's own). Free with
 * free_command. */
static char **plugin_command(const bg_plugin *p) {
  uint32_t n = p->protoc_builtin ? 1 : p->local.n;
  char **argv = calloc(n + 1, sizeof *argv);
  if (!argv) return NULL;
  if (!p->protoc_builtin) {
    for (uint32_t i = 0; i < n; i++)
      if (!(argv[i] = strdup(p->local.items[i]))) {
        for (uint32_t k = 0; k < i; k++)
          free(argv[k]);
        free(argv);
        return NULL;
      }
    return argv;
  }
  size_t len = strlen(p->protoc_builtin) + 12;
  if (!(argv[0] = malloc(len))) {
    free(argv);
    return NULL;
  }
  snprintf(argv[0], len, "protoc-gen-%s", p->protoc_builtin);
  return argv;
}

/* An executable named name in a directory of PATH. */
static bool on_path(const char *name) {
  const char *path = getenv("PATH");
  if (!path) return false;
  size_t nlen = strlen(name);
  for (const char *p = path;;) {
    const char *colon = strchr(p, ':');
    size_t dlen = colon ? (size_t)(colon - p) : strlen(p);
    char *full = malloc(dlen + nlen + 3);
    if (!full) return false;
    snprintf(full, dlen + nlen + 3, "%.*s/%s", (int)(dlen ? dlen : 1), dlen ? p : ".", name);
    struct stat st;
    bool found = stat(full, &st) == 0 && S_ISREG(st.st_mode) && access(full, X_OK) == 0;
    free(full);
    if (found) return true;
    if (!colon) return false;
    p = colon + 1;
  }
}

static void free_command(char **argv) {
  for (char **a = argv; a && *a; a++)
    free(*a);
  free(argv);
}

/* The output of a plugin: -o joined with out. */
static bu_gen_out *output_for(gen_run *r, const bg_plugin *p) {
  buoy_arena tmp;
  buoy_arena_init(&tmp);
  const char *dir = bm_join(&tmp, r->o->output ? r->o->output : ".", p->out);
  for (uint32_t i = 0; i < r->nouts; i++)
    if (strcmp(r->out_dirs[i], dir) == 0) {
      buoy_arena_free(&tmp);
      return &r->outs[i];
    }
  bu_gen_out *outs = realloc(r->outs, sizeof *outs * (r->nouts + 1));
  char **dirs = outs ? realloc(r->out_dirs, sizeof *dirs * (r->nouts + 1)) : NULL;
  if (outs) r->outs = outs;
  if (dirs) r->out_dirs = dirs;
  char *copy = dirs ? strdup(dir) : NULL;
  buoy_arena_free(&tmp);
  if (!copy) return NULL;
  bu_gen_out_init(&r->outs[r->nouts]);
  r->out_dirs[r->nouts] = copy;
  return &r->outs[r->nouts++];
}

/* The directory of an image path, for strategy directory. */
static size_t dir_len(const char *name) {
  const char *slash = strrchr(name, '/');
  return slash ? (size_t)(slash - name) : 0;
}

static int by_dir(const void *pa, const void *pb, const image *img) {
  const char *a = img->files[*(const uint32_t *)pa].name, *b = img->files[*(const uint32_t *)pb].name;
  size_t la = dir_len(a), lb = dir_len(b);
  int c = memcmp(a, b, la < lb ? la : lb);
  if (c) return c;
  if (la != lb) return la < lb ? -1 : 1;
  return *(const uint32_t *)pa < *(const uint32_t *)pb ? -1 : 1;
}

/* Sorts indices by directory, image order within one (insertion sort:
 * stable, and qsort has no context argument in C11). */
static void sort_by_dir(uint32_t *idx, uint32_t n, const image *img) {
  for (uint32_t i = 1; i < n; i++) {
    uint32_t v = idx[i], j = i;
    while (j > 0 && by_dir(&idx[j - 1], &v, img) > 0) {
      idx[j] = idx[j - 1];
      j--;
    }
    idx[j] = v;
  }
}

static const char *edition_name(int32_t e, char *buf, size_t n) {
  if (e == google_protobuf_EDITION_2023) return "2023";
  if (e == google_protobuf_EDITION_2024) return "2024";
  snprintf(buf, n, "%d", (int)e);
  return buf;
}

static bool has_proto3_optional(const bp_array *msgs, int depth) {
  if (depth > 100) return false;
  google_protobuf_DescriptorProto *const *ms = msgs->data;
  for (uint32_t i = 0; i < msgs->size; i++) {
    google_protobuf_FieldDescriptorProto *const *fs = ms[i]->field.data;
    for (uint32_t k = 0; k < ms[i]->field.size; k++)
      if (fs[k]->proto3_optional) return true;
    if (has_proto3_optional(&ms[i]->nested_type, depth + 1)) return true;
  }
  return false;
}

/* What buf checks in a response beyond protoc: an editions-capable plugin
 * must give its range of editions, and every editions file to generate
 * must be in it. Files with proto3 optional fields only get a warning when
 * the plugin lacks the feature, as from buf (worded buoy's way). */
static bool check_features(gen_run *r, const bg_plugin *p, const bu_buf *resp, const uint32_t *targets, uint32_t n,
                           char *err, size_t errlen) {
  const google_protobuf_compiler_CodeGeneratorResponse *m =
      google_protobuf_compiler_CodeGeneratorResponse_decode((const char *)resp->data, resp->len, r->a);
  if (!m || google_protobuf_compiler_CodeGeneratorResponse_has_error(m)) return true; /* bu_plugin_apply says why */
  uint64_t features = google_protobuf_compiler_CodeGeneratorResponse_supported_features(m);
  bool editions = features & google_protobuf_compiler_CodeGeneratorResponse_FEATURE_SUPPORTS_EDITIONS;
  int32_t min = google_protobuf_compiler_CodeGeneratorResponse_minimum_edition(m);
  int32_t max = google_protobuf_compiler_CodeGeneratorResponse_maximum_edition(m);
  if (editions) {
    const char *missing = !google_protobuf_compiler_CodeGeneratorResponse_has_minimum_edition(m)   ? "minimum"
                          : !google_protobuf_compiler_CodeGeneratorResponse_has_maximum_edition(m) ? "maximum"
                                                                                                   : NULL;
    if (missing) {
      snprintf(err, errlen, "the response claims FEATURE_SUPPORTS_EDITIONS but sets no %s_edition", missing);
      return false;
    }
    if (min > max) {
      snprintf(err, errlen, "the response's minimum_edition %d is greater than its maximum_edition %d", (int)min,
               (int)max);
      return false;
    }
  }
  bool optional = features & google_protobuf_compiler_CodeGeneratorResponse_FEATURE_PROTO3_OPTIONAL;
  for (uint32_t i = 0; i < n && !optional; i++)
    if (has_proto3_optional(&r->img->files[targets[i]].fd->message_type, 0)) {
      fprintf(stderr,
              "buoy generate: warning: plugin %s does not say it supports proto3 optional fields, which %s has\n",
              p->name, r->img->files[targets[i]].name);
      optional = true;
    }
  for (uint32_t i = 0; i < n; i++) {
    const google_protobuf_FileDescriptorProto *fd = r->img->files[targets[i]].fd;
    if (!bp_str_eq(fd->syntax, bp_str_c("editions"))) continue;
    const char *name = r->img->files[targets[i]].name;
    if (!editions) {
      snprintf(err, errlen, "%s needs a plugin that supports editions; %s does not say it does", name, p->name);
      return false;
    }
    int32_t e = google_protobuf_FileDescriptorProto_edition(fd);
    if (e < min || e > max) {
      char b1[16], b2[16], b3[16];
      snprintf(err, errlen, "%s is edition %s; the plugin supports editions %s to %s", name,
               edition_name(e, b1, sizeof b1), edition_name(min, b2, sizeof b2), edition_name(max, b3, sizeof b3));
      return false;
    }
  }
  return true;
}

/* protoc-gen-buoy in process: the model built from the descriptors the
 * request would carry (managed mode applied), the C generator run over it:
 * what protoc-gen-buoy answers to that request, without a process. */
static bool run_builtin(gen_run *r, const bg_plugin *p, bu_gen_out *out, const plan *pl, char *err, size_t errlen) {
  const image *img = r->img;
  const google_protobuf_FileDescriptorProto **fds = calloc(pl->norder + 1, sizeof *fds);
  bu_file **model = calloc(pl->norder + 1, sizeof *model), **files = calloc(pl->ntargets + 1, sizeof *files);
  char *param = join_opts(p);
  buoy_diags diags;
  buoy_diags_init(&diags);
  bu_compiler c;
  bu_compiler_init(&c, &diags);
  bool ok = fds && model && files && param;
  if (!ok) snprintf(err, errlen, "out of memory");
  for (uint32_t i = 0; ok && i < pl->norder; i++)
    fds[i] = img->files[pl->order[i]].fd;
  if (ok) ok = bu_model_from_descriptors(&c, fds, pl->norder, model, err, errlen);
  /* the targets, as bu_files: their places in order */
  for (uint32_t i = 0, k = 0; ok && i < pl->norder && k < pl->ntargets; i++)
    if (pl->order[i] == pl->targets[k]) files[k++] = model[i];
  if (ok) ok = bu_plugin_builtin_c(out, files, pl->ntargets, param, err, errlen);
  bu_compiler_free(&c);
  buoy_diags_free(&diags);
  free(param);
  free(files);
  free(model);
  free(fds);
  return ok;
}

static bool run_request(gen_run *r, const bg_plugin *p, char *const *command, bu_gen_out *out, const uint32_t *targets,
                        uint32_t n) {
  bp_str req;
  char err[1024];
  plan pl;
  if (!make_plan(r->img, targets, n, p->strategy == BG_STRATEGY_DIRECTORY, &pl)) {
    plan_free(&pl);
    fprintf(stderr, "buoy generate: out of memory\n");
    return false;
  }
  bool ok;
  if (is_builtin(p)) {
    ok = run_builtin(r, p, out, &pl, err, sizeof err);
    if (!ok) fprintf(stderr, "buoy generate: plugin %s: %s\n", p->name, err);
    plan_free(&pl);
    return ok;
  }
  if (!build_request(r, p, &pl, &req)) {
    plan_free(&pl);
    fprintf(stderr, "buoy generate: out of memory building the request for %s\n", p->name);
    return false;
  }
  bu_buf resp = {0};
  ok = bu_plugin_run_argv((const char *const *)command, (const uint8_t *)req.data, req.size, &resp, err, sizeof err);
  if (ok) ok = check_features(r, p, &resp, pl.targets, pl.ntargets, err, sizeof err);
  if (ok) ok = bu_plugin_apply(out, resp.data, resp.len, NULL, 0, err, sizeof err);
  if (!ok) fprintf(stderr, "buoy generate: plugin %s: %s\n", p->name, err);
  bu_buf_free(&resp);
  plan_free(&pl);
  return ok;
}

static bool run_plugin_over(gen_run *r, const bg_plugin *p);

/* A plugin's own types and exclude_types cut the image it gets. */
static bool run_plugin(gen_run *r, const bg_plugin *p) {
  if (!p->types.n && !p->exclude_types.n) return run_plugin_over(r, p);
  image *whole = r->img, cut;
  char err[600];
  if (!filter_image(whole, &p->types, &p->exclude_types, r->a, &cut, err, sizeof err)) {
    fprintf(stderr, "buoy generate: plugin %s: %s\n", p->name, err);
    if (cut.files) buoy_strmap_free(&cut.by_name);
    return false;
  }
  r->img = &cut;
  bool ok = run_plugin_over(r, p);
  r->img = whole;
  buoy_strmap_free(&cut.by_name);
  return ok;
}

static bool run_plugin_over(gen_run *r, const bg_plugin *p) {
  const image *img = r->img;
  bool imports = p->include_imports || r->o->include_imports;
  bool wkt = p->include_wkt || r->o->include_wkt;
  uint32_t *targets = malloc(sizeof(uint32_t) * (img->n + 1));
  if (!targets) return false;
  uint32_t n = 0;
  for (uint32_t i = 0; i < img->n; i++) {
    const image_file *f = &img->files[i];
    if (f->is_import && (!imports || (bg_is_wkt(f->name) && !wkt))) continue;
    targets[n++] = i;
  }
  bu_gen_out *out = output_for(r, p);
  char **command = plugin_command(p);
  bool ok = out && command;
  if (!ok) fputs("buoy generate: out of memory\n", stderr);
  if (ok && p->fallback_protoc && !on_path(command[0])) {
    fprintf(stderr,
            "buoy generate: plugin %s: there is no %s on PATH, and buf would then run protoc's own %s "
            "generator; buoy does not run protoc\n",
            p->name, command[0], p->name);
    ok = false;
  }
  if (ok && n) {
    if (p->strategy == BG_STRATEGY_ALL) {
      ok = run_request(r, p, command, out, targets, n);
    } else {
      sort_by_dir(targets, n, img);
      for (uint32_t i = 0; i < n && ok;) {
        uint32_t j = i + 1;
        size_t len = dir_len(img->files[targets[i]].name);
        while (j < n && dir_len(img->files[targets[j]].name) == len &&
               memcmp(img->files[targets[j]].name, img->files[targets[i]].name, len) == 0)
          j++;
        ok = run_request(r, p, command, out, targets + i, j - i);
        i = j;
      }
    }
  }
  free_command(command);
  free(targets);
  return ok;
}

/* ---- protoc-gen-buoy, in process ---- */

/* ---- output ---- */

/* --clean, as buf 1.75 cleans an output directory: every file below it is
 * deleted, symbolic links followed (a link to a file is removed, the files
 * in a linked directory too, but not the link itself); directories left
 * empty are removed, except those reached through a link; dangling links
 * stay. dir itself stays (it may be a link to a directory, whose contents
 * are cleaned); a dir that is not a directory is left to fail when the
 * output is written. linked: dir was reached through a link. Links to an
 * ancestor would never end: the depth is bounded. */
static bool clean_dir(const char *dir, bool linked, int depth) {
  if (depth > 64) {
    fprintf(stderr, "buoy generate: cannot clean %s: directories nested too deep (a link to a parent?)\n", dir);
    return false;
  }
  DIR *d = opendir(dir);
  if (!d) return errno == ENOENT || errno == ENOTDIR;
  bool ok = true;
  struct dirent *e;
  while (ok && (e = readdir(d)) != NULL) {
    if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0) continue;
    size_t n = strlen(dir) + strlen(e->d_name) + 2;
    char *child = malloc(n);
    if (!child) {
      fputs("buoy generate: out of memory\n", stderr);
      ok = false;
      break;
    }
    snprintf(child, n, "%s/%s", dir, e->d_name);
    struct stat ls, st;
    bool is_link = lstat(child, &ls) == 0 && S_ISLNK(ls.st_mode);
    if (stat(child, &st) != 0) {
      /* gone meanwhile, or a dangling link: left alone */
    } else if (S_ISDIR(st.st_mode)) {
      ok = clean_dir(child, linked || is_link, depth + 1);
      if (ok && !linked && !is_link && rmdir(child) != 0 && errno != ENOTEMPTY && errno != EEXIST) {
        fprintf(stderr, "buoy generate: cannot delete %s: %s\n", child, strerror(errno));
        ok = false;
      }
    } else if (unlink(child) != 0 && errno != ENOENT) {
      fprintf(stderr, "buoy generate: cannot delete %s: %s\n", child, strerror(errno));
      ok = false;
    }
    free(child);
  }
  closedir(d);
  return ok;
}

/* mkdir -p. */
static bool make_dirs(const char *dir) {
  char *p = strdup(dir);
  if (!p) return false;
  bool ok = true;
  for (char *s = p + 1; ok; s++) {
    bool last = *s == 0;
    if (*s == '/' || last) {
      char saved = *s;
      *s = 0;
      struct stat st;
      if (stat(p, &st) != 0)
        ok = mkdir(p, 0777) == 0 || errno == EEXIST;
      else
        ok = S_ISDIR(st.st_mode);
      *s = saved;
    }
    if (last) break;
  }
  free(p);
  return ok;
}

static bool is_archive(const char *dir) { return buoy_ends_with(dir, ".zip") || buoy_ends_with(dir, ".jar"); }

static int by_file_name(const void *a, const void *b) {
  return strcmp(((const bu_gen_file *)a)->name, ((const bu_gen_file *)b)->name);
}

/* The output directory of a plugin is the current directory: --clean
 * would delete the input and the template. buf refuses this after running
 * the plugins, before deleting anything. */
static bool cleans_current_dir(const gen_run *r) {
  for (uint32_t i = 0; i < r->cfg->nplugins; i++) {
    const bg_plugin *p = &r->cfg->plugins[i];
    buoy_arena tmp;
    buoy_arena_init(&tmp);
    bool here = strcmp(bm_clean(&tmp, bm_join(&tmp, r->o->output ? r->o->output : ".", p->out)), ".") == 0;
    buoy_arena_free(&tmp);
    if (here) {
      fprintf(stderr,
              "buoy generate: plugin %s: its output directory is the current directory, which --clean "
              "(clean: true) would empty; give it an out below it\n",
              p->name);
      return true;
    }
  }
  return false;
}

/* Cleans every output directory (when asked), then writes them all, as buf
 * does: nested output directories do not delete each other's files. */
static bool write_outputs(gen_run *r, bool clean) {
  char err[1024];
  if (clean && cleans_current_dir(r)) return false;
  for (uint32_t i = 0; clean && i < r->nouts; i++) {
    const char *dir = r->out_dirs[i];
    if (is_archive(dir) ? remove(dir) != 0 && errno != ENOENT : !clean_dir(dir, false, 0)) {
      if (is_archive(dir)) fprintf(stderr, "buoy generate: cannot delete %s: %s\n", dir, strerror(errno));
      return false;
    }
  }
  for (uint32_t i = 0; i < r->nouts; i++) {
    const char *dir = r->out_dirs[i];
    bool made;
    if (is_archive(dir)) {
      /* buf writes an archive's entries sorted by name, into a directory
       * that must exist */
      qsort(r->outs[i].files, r->outs[i].count, sizeof *r->outs[i].files, by_file_name);
      buoy_arena tmp;
      buoy_arena_init(&tmp);
      struct stat st;
      const char *parent = bm_dir(&tmp, bm_clean(&tmp, dir));
      made = stat(parent, &st) == 0 && S_ISDIR(st.st_mode);
      if (!made) fprintf(stderr, "buoy generate: cannot write %s: no directory %s\n", dir, parent);
      buoy_arena_free(&tmp);
      if (!made) return false;
    } else {
      made = make_dirs(dir);
    }
    if (!made) {
      fprintf(stderr, "buoy generate: cannot create %s: %s\n", dir, strerror(errno));
      return false;
    }
    if (!bu_gen_out_write(&r->outs[i], dir, err, sizeof err)) {
      fprintf(stderr, "buoy generate: %s\n", err);
      return false;
    }
  }
  return true;
}

/* ---- one input ---- */

/* clean: this is the first input, and --clean or clean: true is set; buf
 * cleans the output directories once, before the first input's output is
 * written, so later inputs add to it. */
static int generate_input(const gen_opts *o, const bg_config *cfg, const buoy_image_request *in, bool clean,
                          const bm_strs *types, const bm_strs *exclude_types) {
  bp_arena a;
  bp_arena_init(&a);
  image img = {0}, cut = {0};
  gen_run r = {o, cfg, &img, &a, NULL, NULL, 0};
  bu_buf bytes = {0};
  int rc = buoy_build_to_memory(in, &bytes);
  if (rc == 0 && !decode_image(&bytes, &img, &a)) {
    fprintf(stderr, "buoy generate: %s: the image does not decode\n", in->input ? in->input : ".");
    rc = 1;
  }
  for (uint32_t i = 0; rc == 0 && i < img.n; i++)
    if (!bg_managed_apply(&cfg->managed, img.files[i].fd, img.files[i].module, &a)) {
      fputs("buoy generate: out of memory\n", stderr);
      rc = 1;
    }
  if (rc == 0 && (types->n || exclude_types->n)) {
    char err[600];
    if (filter_image(&img, types, exclude_types, &a, &cut, err, sizeof err)) {
      r.img = &cut;
    } else {
      fprintf(stderr, "buoy generate: %s\n", err);
      rc = 1;
    }
  }
  for (uint32_t i = 0; rc == 0 && i < cfg->nplugins; i++)
    if (!run_plugin(&r, &cfg->plugins[i])) rc = 1;
  if (rc == 0 && !write_outputs(&r, clean)) rc = 1;
  for (uint32_t i = 0; i < r.nouts; i++) {
    bu_gen_out_free(&r.outs[i]);
    free(r.out_dirs[i]);
  }
  free(r.outs);
  free(r.out_dirs);
  if (img.files) buoy_strmap_free(&img.by_name);
  if (cut.files) buoy_strmap_free(&cut.by_name);
  bp_arena_free(&a);
  bu_buf_free(&bytes);
  return rc;
}

/* ---- the template ---- */

/* --template: a file when it ends in .yaml, .yml or .json, else YAML or
 * JSON text; without it, buf.gen.yaml in the current directory. */
static bool load_template(const gen_opts *o, buoy_source *src) {
  const char *t = o->template_arg;
  if (t && !buoy_ends_with(t, ".yaml") && !buoy_ends_with(t, ".yml") && !buoy_ends_with(t, ".json")) {
    buoy_source_from_memory(src, "--template", t, strlen(t));
    return true;
  }
  const char *path = t ? t : "buf.gen.yaml";
  if (buoy_source_read(src, path) == 0) return true;
  if (!t && errno == ENOENT)
    fprintf(stderr, "buoy generate: no buf.gen.yaml in the current directory; name a template with --template\n");
  else
    fprintf(stderr, "buoy generate: cannot read %s: %s\n", path, strerror(errno));
  return false;
}

static int generate(const gen_opts *o) {
  if (o->include_wkt && !o->include_imports) {
    fprintf(stderr, "buoy generate: --include-wkt needs --include-imports\n");
    return 2;
  }
  buoy_source src;
  if (!load_template(o, &src)) return 1;
  buoy_arena a;
  buoy_arena_init(&a);
  buoy_diags diags;
  buoy_diags_init(&diags);
  bg_config cfg;
  int rc = 0;
  if (!bg_decode_gen_yaml(&a, &src, &diags, &cfg)) {
    buoy_diags_print(&diags, stderr);
    rc = 1;
  }
  if (rc == 0 && !cfg.nplugins) fprintf(stderr, "buoy generate: the template has no plugins; nothing to do\n");
  bm_strs flag_types = {(const char **)o->types.items, (uint32_t)o->types.count};
  bm_strs flag_excludes = {(const char **)o->exclude_types.items, (uint32_t)o->exclude_types.count};
  buoy_image_request req = {.input = o->input,
                            .paths = (const char *const *)o->paths.items,
                            .npaths = (uint32_t)o->paths.count,
                            .exclude_paths = (const char *const *)o->exclude_paths.items,
                            .nexclude_paths = (uint32_t)o->exclude_paths.count,
                            .config = o->config,
                            .disable_symlinks = o->disable_symlinks};
  if (rc == 0 && (o->input || !cfg.ninputs)) {
    rc = generate_input(o, &cfg, &req, cfg.clean || o->clean, flag_types.n ? &flag_types : &cfg.types, &flag_excludes);
  } else {
    for (uint32_t i = 0; rc == 0 && i < cfg.ninputs; i++) {
      const bg_input *in = &cfg.inputs[i];
      if (in->kind == BG_INPUT_MODULE) {
        fprintf(stderr,
                "buoy generate: module input %s: modules on the Buf Schema Registry need the network, "
                "which buoy does not use; generate from a local directory instead\n",
                in->location);
        rc = 1;
        break;
      }
      /* the flags' paths and the input's own, together */
      buoy_paths paths = {0}, excludes = {0};
      for (size_t k = 0; k < o->paths.count; k++)
        buoy_paths_push(&paths, o->paths.items[k]);
      for (uint32_t k = 0; k < in->paths.n; k++)
        buoy_paths_push(&paths, (char *)in->paths.items[k]);
      for (size_t k = 0; k < o->exclude_paths.count; k++)
        buoy_paths_push(&excludes, o->exclude_paths.items[k]);
      for (uint32_t k = 0; k < in->exclude_paths.n; k++)
        buoy_paths_push(&excludes, (char *)in->exclude_paths.items[k]);
      buoy_image_request one = req;
      one.input = in->location;
      one.paths = (const char *const *)paths.items;
      one.npaths = (uint32_t)paths.count;
      one.exclude_paths = (const char *const *)excludes.items;
      one.nexclude_paths = (uint32_t)excludes.count;
      /* the flags replace the input's types */
      bool flags = flag_types.n || flag_excludes.n;
      rc = generate_input(o, &cfg, &one, i == 0 && (cfg.clean || o->clean),
                          flags         ? &flag_types
                          : in->types.n ? &in->types
                                        : &cfg.types,
                          flags ? &flag_excludes : &in->exclude_types);
      free(paths.items);
      free(excludes.items);
    }
  }
  buoy_diags_free(&diags);
  buoy_arena_free(&a);
  buoy_source_free(&src);
  return rc;
}

/* ---- flags ---- */

static bool flag_value(int argc, char **argv, int *i, const char *lng, const char *shrt, const char **value) {
  const char *a = argv[*i];
  size_t n = strlen(lng);
  if (strncmp(a, lng, n) == 0 && a[n] == '=') {
    *value = a + n + 1;
    return true;
  }
  if (strcmp(a, lng) == 0 || (shrt && strcmp(a, shrt) == 0)) {
    if (*i + 1 >= argc) return false;
    *value = argv[++*i];
    return true;
  }
  return false;
}

int buoy_cmd_generate(int argc, char **argv) {
  gen_opts o = {0};
  int rc = 0;
  for (int i = 1; i < argc && rc == 0; i++) {
    const char *a = argv[i], *v;
    if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
      fputs(generate_usage, stdout);
      goto done;
    } else if (strcmp(a, "--include-imports") == 0) {
      o.include_imports = true;
    } else if (strcmp(a, "--include-wkt") == 0) {
      o.include_wkt = true;
    } else if (strcmp(a, "--clean") == 0) {
      o.clean = true;
    } else if (strcmp(a, "--disable-symlinks") == 0) {
      o.disable_symlinks = true;
    } else if (flag_value(argc, argv, &i, "--template", NULL, &v)) {
      o.template_arg = v;
    } else if (flag_value(argc, argv, &i, "--output", "-o", &v)) {
      o.output = v;
    } else if (flag_value(argc, argv, &i, "--path", NULL, &v)) {
      buoy_paths_push(&o.paths, (char *)v);
    } else if (flag_value(argc, argv, &i, "--exclude-path", NULL, &v)) {
      buoy_paths_push(&o.exclude_paths, (char *)v);
    } else if (flag_value(argc, argv, &i, "--config", NULL, &v)) {
      o.config = v;
    } else if (flag_value(argc, argv, &i, "--type", NULL, &v)) {
      buoy_paths_push(&o.types, (char *)v);
    } else if (flag_value(argc, argv, &i, "--exclude-type", NULL, &v)) {
      buoy_paths_push(&o.exclude_types, (char *)v);
    } else if (flag_value(argc, argv, &i, "--error-format", NULL, &v)) {
      if (strcmp(v, "text") != 0) {
        fprintf(stderr, "buoy generate: --error-format %s: buoy prints errors as text only\n", v);
        rc = 2;
      }
    } else if (a[0] == '-' && a[1]) {
      fprintf(stderr, "buoy generate: unknown flag %s (or it needs a value)\n\n%s", a, generate_usage);
      rc = 2;
    } else if (o.input) {
      fprintf(stderr, "buoy generate: more than one input (%s, %s)\n\n%s", o.input, a, generate_usage);
      rc = 2;
    } else {
      o.input = a;
    }
  }
  if (rc == 0) rc = generate(&o);
done:
  free(o.paths.items);
  free(o.exclude_paths.items);
  free(o.types.items);
  free(o.exclude_types.items);
  return rc;
}
