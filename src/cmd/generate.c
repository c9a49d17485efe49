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

static const char generate_usage[] =
    "usage: buoy generate [INPUT] [flags]\n"
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
  buoy_paths paths, exclude_paths;
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

static bool run_plugin(gen_run *r, const bg_plugin *p) {
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
static int generate_input(const gen_opts *o, const bg_config *cfg, const buoy_image_request *in, bool clean) {
  bp_arena a;
  bp_arena_init(&a);
  image img = {0};
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
  buoy_image_request req = {.input = o->input,
                            .paths = (const char *const *)o->paths.items,
                            .npaths = (uint32_t)o->paths.count,
                            .exclude_paths = (const char *const *)o->exclude_paths.items,
                            .nexclude_paths = (uint32_t)o->exclude_paths.count,
                            .config = o->config,
                            .disable_symlinks = o->disable_symlinks};
  if (rc == 0 && (o->input || !cfg.ninputs)) {
    rc = generate_input(o, &cfg, &req, cfg.clean || o->clean);
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
      rc = generate_input(o, &cfg, &one, i == 0 && (cfg.clean || o->clean));
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
    } else if (flag_value(argc, argv, &i, "--type", NULL, &v) ||
               flag_value(argc, argv, &i, "--exclude-type", NULL, &v)) {
      fprintf(stderr, "buoy generate: %s %s: filtering the image by types is not supported yet; use --path\n",
              strncmp(a, "--type", 6) == 0 ? "--type" : "--exclude-type", v);
      rc = 1;
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
  return rc;
}
