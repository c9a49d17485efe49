/* `buoy build`: compile a module (or files under protoc-style roots) into a
 * buf image or a FileDescriptorSet. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "base/diag.h"
#include "cmd/cmd.h"
#include "cmd/image_input.h"
#include "base/strmap.h"
#include "compile/compile.h"
#include "module/module.h"

static const char build_usage[] =
    "usage: buoy build [INPUT] [flags]\n"
    "       buoy build -I DIR... FILE.proto... [flags]\n"
    "\n"
    "Compiles the .proto files of INPUT (a directory, default \".\", or a .proto\n"
    "file) and writes them, with their imports, as a buf image or a\n"
    "FileDescriptorSet. Modules and workspaces are found as buf finds them\n"
    "(buf.yaml v1/v2, buf.work.yaml). INPUT may also be a buf image or a\n"
    "binary FileDescriptorSet, whose files pass through as they are. With -I,\n"
    "the arguments are .proto files found under those roots, as protoc\n"
    "takes them. Errors are printed as path:line:col: message; the exit status\n"
    "is then 100, as buf's.\n"
    "\n"
    "Flags:\n"
    "  -o, --output FILE             where to write the result (\"-\": standard\n"
    "                                output; default: nowhere, only check)\n"
    "      --as-file-descriptor-set  write a google.protobuf.FileDescriptorSet\n"
    "                                instead of a buf image\n"
    "      --exclude-imports         leave out the files the inputs import\n"
    "      --exclude-source-info     leave out SourceCodeInfo\n"
    "      --path PATH               build only these files or directories\n"
    "                                (repeatable)\n"
    "      --exclude-path PATH       leave these files or directories out\n"
    "                                (repeatable)\n"
    "      --config FILE|DATA        the buf.yaml to use (a file, or YAML/JSON text)\n"
    "      --disable-symlinks        do not follow symbolic links\n"
    "  -I, --proto_path DIR          a protoc-style import root (repeatable)\n"
    "  -h, --help                    show this help\n";

typedef struct build_opts {
  const char *input;
  const char *output;
  const char *config;
  bool fds, exclude_imports, exclude_source_info, disable_symlinks;
  buoy_paths files; /* with -I: the .proto files named, protoc-style (INPUT is the first) */
  buoy_paths paths, exclude_paths, includes;
} build_opts;

static void strip_dot_slash(char *s) {
  while (s[0] == '.' && s[1] == '/')
    memmove(s, s + 2, strlen(s + 2) + 1);
}

/* The target files, as import paths relative to their root. */
static int collect(const build_opts *o, bu_compiler *c, buoy_workspace *ws, buoy_paths *targets) {
  if (o->includes.count) {
    for (size_t i = 0; i < o->includes.count; i++)
      bu_compiler_add_include(c, o->includes.items[i]);
    for (size_t k = 0; k < o->files.count; k++) {
    const char *file = o->files.items[k];
    struct stat st;
    if (stat(file, &st) == 0 && S_ISDIR(st.st_mode)) {
      fprintf(stderr, "buoy build: with -I, name .proto files to build, not a directory\n");
      return 2;
    }
    /* a file under one of the roots: its import path is relative to it */
    char *rel = strdup(file);
    if (!rel) return 1;
    strip_dot_slash(rel);
    for (size_t i = 0; i < o->includes.count; i++) {
      char *root = strdup(o->includes.items[i]);
      if (!root) return 1;
      strip_dot_slash(root);
      size_t n = strlen(root);
      while (n > 0 && root[n - 1] == '/')
        root[--n] = 0;
      if (n && strcmp(root, ".") != 0 && strncmp(rel, root, n) == 0 && rel[n] == '/') {
        memmove(rel, rel + n + 1, strlen(rel + n + 1) + 1);
        free(root);
        break;
      }
      free(root);
    }
    buoy_paths_push(targets, rel);
    }
    return 0;
  }
  /* a module or workspace, found as buf finds it (src/module) */
  buoy_input in = {o->input,
                   (const char *const *)o->paths.items,
                   (uint32_t)o->paths.count,
                   (const char *const *)o->exclude_paths.items,
                   (uint32_t)o->exclude_paths.count,
                   o->config,
                   o->disable_symlinks};
  if (!buoy_workspace_open(ws, &in, c->diags)) return 100;
  for (uint32_t i = 0; i < ws->nmodules; i++)
    bu_compiler_add_include(c, ws->modules[i].root);
  for (uint32_t i = 0; i < ws->nfiles; i++) {
    if (!ws->files[i].target) continue;
    char *r = strdup(ws->files[i].import_path);
    if (!r) return 1;
    buoy_paths_push(targets, r);
  }
  /* buf compiles (and orders its output) by import path */
  if (targets->count > 1) qsort(targets->items, targets->count, sizeof *targets->items, buoy_paths_cmp);
  return 0;
}

/* buf's image: each FileDescriptorProto followed by its ImageFileExtension
 * (field 8042 of buf's ImageFile): is_import (1), is_syntax_unspecified (3),
 * unused_dependency (4, unpacked). */
static void put_string(bu_buf *b, uint32_t number, const char *s, size_t n) {
  bu_put_varint(b, (uint64_t)number << 3 | 2);
  bu_put_varint(b, n);
  bu_put_bytes(b, s, n);
}

/* ModuleInfo (2) { ModuleName name (1) { remote (1), owner (2), repository (3) } }
 * for a file of a module named "remote/owner/repository". */
static void module_info(bu_buf *b, const char *name) {
  const char *s1 = strchr(name, '/'), *s2 = s1 ? strchr(s1 + 1, '/') : NULL;
  if (!s1 || !s2) return;
  bu_put_varint(b, 2 << 3 | 2);
  size_t info = b->len;
  bu_put_varint(b, 1 << 3 | 2);
  size_t mn = b->len;
  put_string(b, 1, name, (size_t)(s1 - name));
  put_string(b, 2, s1 + 1, (size_t)(s2 - s1 - 1));
  put_string(b, 3, s2 + 1, strlen(s2 + 1));
  bu_prefix_length(b, mn);
  bu_prefix_length(b, info);
}

static void image_extension(bu_buf *b, const bu_file *f, bool is_import, const char *module) {
  bu_put_varint(b, 8042 << 3 | 2);
  size_t start = b->len;
  uint8_t ext[] = {0x08, is_import ? 1 : 0};
  bu_put_bytes(b, ext, sizeof ext);
  if (module && module[0]) module_info(b, module);
  uint8_t unspecified[] = {0x18, f->syntax_unspecified ? 1 : 0};
  bu_put_bytes(b, unspecified, sizeof unspecified);
  for (uint32_t i = 0; i < f->deps.count; i++)
    if (f->dep_used && !f->dep_used[i]) {
      bu_put_varint(b, 4 << 3);
      bu_put_varint(b, i);
    }
  bu_prefix_length(b, start);
}

/* Output is written as files are compiled, each file (its imports first, as
 * buf orders them) as soon as the target that needs it is done, and the
 * file's syntax tree is released then: memory stays near the size of the
 * model. It goes to a temporary file, renamed (or copied to standard output)
 * only if the whole run has no errors. */
typedef struct emitter {
  const build_opts *o;
  bu_compiler *c;
  const buoy_workspace *ws; /* for module names */
  buoy_strmap targets; /* import path -> non-NULL */
  FILE *tmp;
  char *tmp_path; /* NULL when tmp is an anonymous tmpfile() */
  bu_buf *mem;    /* instead of tmp: the image goes here (buoy_build_to_memory) */
  bu_buf buf;
  bool failed;
} emitter;

static bool is_target(const emitter *e, const bu_file *f) {
  return buoy_strmap_get(&e->targets, f->name, strlen(f->name)) != NULL;
}

/* The name of the module a file comes from, if it is one of the workspace's. */
static const char *module_of(const emitter *e, const bu_file *f) {
  if (!e->ws || !e->ws->nmodules || f->embedded) return NULL;
  const buoy_module_file *mf = buoy_workspace_find(e->ws, f->name);
  return mf ? e->ws->modules[mf->module].name : NULL;
}

static void emit(emitter *e, bu_file *f, int depth) {
  if (f->emitted || depth > 1000) return;
  f->emitted = true;
  for (uint32_t i = 0; i < f->deps.count; i++)
    emit(e, BU_VEC_AT(f->deps, bu_file, i), depth + 1);
  bool target = is_target(e, f);
  bool clean = e->c->diags->count == 0; /* diagnostics print from the sources */
  if ((e->tmp || e->mem) && clean && (target || !e->o->exclude_imports)) {
    e->buf.len = 0;
    bu_put_varint(&e->buf, 1 << 3 | 2);
    size_t start = e->buf.len;
    bu_encode_file(&e->buf, f, !e->o->exclude_source_info);
    if (!e->o->fds) image_extension(&e->buf, f, !target, module_of(e, f));
    bu_prefix_length(&e->buf, start);
    if (e->mem)
      bu_put_bytes(e->mem, e->buf.data, e->buf.len);
    else if (fwrite(e->buf.data, 1, e->buf.len, e->tmp) != e->buf.len)
      e->failed = true;
  }
  if (clean) bu_release_syntax(f);
}

static int open_output(emitter *e) {
  const char *out = e->o->output;
  if (!out) return 0;
  if (strcmp(out, "-") == 0) {
    e->tmp = tmpfile();
  } else {
    size_t n = strlen(out) + 16;
    e->tmp_path = malloc(n);
    if (!e->tmp_path) return 1;
    snprintf(e->tmp_path, n, "%s.tmp.XXXXXX", out);
    int fd = mkstemp(e->tmp_path);
    e->tmp = fd >= 0 ? fdopen(fd, "wb") : NULL;
  }
  if (!e->tmp) {
    fprintf(stderr, "buoy build: cannot write %s: %s\n", out, strerror(errno));
    return 1;
  }
  return 0;
}

/* Moves the finished output into place, or throws it away (keep false). */
static int close_output(emitter *e, bool keep) {
  int rc = 0;
  if (!e->tmp) return 0;
  if (keep && !e->failed && strcmp(e->o->output, "-") == 0) {
    rewind(e->tmp);
    char chunk[65536];
    size_t n;
    while ((n = fread(chunk, 1, sizeof chunk, e->tmp)) > 0)
      if (fwrite(chunk, 1, n, stdout) != n) e->failed = true;
    if (fflush(stdout) != 0) e->failed = true;
  }
  if (fclose(e->tmp) != 0) e->failed = true;
  if (e->tmp_path) {
    if (keep && !e->failed && rename(e->tmp_path, e->o->output) != 0) e->failed = true;
    if (!keep || e->failed) remove(e->tmp_path);
  }
  if (keep && e->failed) {
    fprintf(stderr, "buoy build: cannot write %s: %s\n", e->o->output, strerror(errno));
    rc = 1;
  }
  free(e->tmp_path);
  return rc;
}

/* An input that is a file but not a .proto file is an image (buf's
 * binary formats: an image or a FileDescriptorSet). */
static bool is_image_input(const build_opts *o) {
  struct stat st;
  return o->input && !o->includes.count && !buoy_ends_with(o->input, ".proto") && stat(o->input, &st) == 0 &&
         S_ISREG(st.st_mode);
}

static int build_from_image(const build_opts *o, bu_buf *mem) {
  image_opts io = {o->fds,
                   o->exclude_imports,
                   o->exclude_source_info,
                   (const char *const *)o->paths.items,
                   (uint32_t)o->paths.count,
                   (const char *const *)o->exclude_paths.items,
                   (uint32_t)o->exclude_paths.count};
  bu_buf out = {0};
  int rc = buoy_build_image(o->input, &io, mem ? mem : &out);
  if (rc == 0 && o->output && !mem) {
    FILE *f = strcmp(o->output, "-") == 0 ? stdout : fopen(o->output, "wb");
    bool ok = f && fwrite(out.data, 1, out.len, f) == out.len;
    if (f && f != stdout) ok = fclose(f) == 0 && ok;
    if (f == stdout) ok = fflush(stdout) == 0 && ok;
    if (!ok) {
      fprintf(stderr, "buoy build: cannot write %s: %s\n", o->output, strerror(errno));
      rc = 1;
    }
  }
  bu_buf_free(&out);
  return rc;
}

static void free_paths(buoy_paths *p) {
  for (size_t i = 0; i < p->count; i++)
    free(p->items[i]);
  free(p->items);
}

/* Compiles the input and writes the result: to o->output, or appended to
 * mem when it is not NULL (always as an image, imports and source info as
 * o says). */
static int build_run(const build_opts *o, bu_buf *mem) {
  if (is_image_input(o)) return build_from_image(o, mem);
  int rc = 0;
  buoy_diags diags;
  buoy_diags_init(&diags);
  bu_compiler c;
  bu_compiler_init(&c, &diags);
  buoy_paths targets = {0};
  buoy_workspace ws;
  memset(&ws, 0, sizeof ws);
  emitter e = {o, &c, &ws, {0}, NULL, NULL, mem, {0}, false};
  buoy_strmap_init(&e.targets);
  rc = collect(o, &c, &ws, &targets);
  if (rc == 0 && targets.count == 0) {
    if (mem)
      fprintf(stderr, "buoy: no .proto files in %s\n", o->input ? o->input : ".");
    else
      fprintf(stderr, "buoy build: no input files\n\n%s", build_usage);
    rc = 2;
  }
  for (size_t i = 0; rc == 0 && i < targets.count; i++)
    buoy_strmap_put(&e.targets, targets.items[i], strlen(targets.items[i]), targets.items[i]);
  if (rc == 0 && !mem) rc = open_output(&e);
  for (size_t i = 0; rc == 0 && i < targets.count; i++) {
    bu_file *f = bu_compile(&c, targets.items[i]);
    if (f) emit(&e, f, 0);
  }
  buoy_diags_sort(&diags);
  buoy_diags_print(&diags, stderr);
  if (rc == 0 && diags.errors) rc = 100;
  int out_rc = close_output(&e, rc == 0);
  if (rc == 0) rc = out_rc;
  bu_buf_free(&e.buf);
  buoy_strmap_free(&e.targets);
  free_paths(&targets);
  buoy_workspace_free(&ws);
  bu_compiler_free(&c);
  buoy_diags_free(&diags);
  return rc;
}

int buoy_build_to_memory(const buoy_image_request *r, bu_buf *out) {
  build_opts o = {0};
  o.input = r->input;
  o.config = r->config;
  o.disable_symlinks = r->disable_symlinks;
  o.paths.items = (char **)r->paths;
  o.paths.count = r->npaths;
  o.exclude_paths.items = (char **)r->exclude_paths;
  o.exclude_paths.count = r->nexclude_paths;
  return build_run(&o, out);
}

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
  if (shrt && strncmp(a, shrt, strlen(shrt)) == 0 && a[strlen(shrt)]) {
    *value = a + strlen(shrt);
    return true;
  }
  return false;
}


int buoy_cmd_build(int argc, char **argv) {
  build_opts o = {0};
  int rc = 0;
  for (int i = 1; i < argc; i++) {
    const char *a = argv[i], *v;
    if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
      fputs(build_usage, stdout);
      goto done;
    } else if (strcmp(a, "--as-file-descriptor-set") == 0) {
      o.fds = true;
    } else if (strcmp(a, "--exclude-imports") == 0) {
      o.exclude_imports = true;
    } else if (strcmp(a, "--exclude-source-info") == 0) {
      o.exclude_source_info = true;
    } else if (flag_value(argc, argv, &i, "--output", "-o", &v)) {
      o.output = v;
    } else if (flag_value(argc, argv, &i, "--path", NULL, &v)) {
      buoy_paths_push(&o.paths, strdup(v));
    } else if (flag_value(argc, argv, &i, "--exclude-path", NULL, &v)) {
      buoy_paths_push(&o.exclude_paths, strdup(v));
    } else if (flag_value(argc, argv, &i, "--config", NULL, &v)) {
      o.config = v;
    } else if (strcmp(a, "--disable-symlinks") == 0) {
      o.disable_symlinks = true;
    } else if (flag_value(argc, argv, &i, "--proto_path", "-I", &v)) {
      buoy_paths_push(&o.includes, strdup(v));
    } else if (a[0] == '-' && a[1]) {
      fprintf(stderr, "buoy build: unknown flag %s\n\n%s", a, build_usage);
      rc = 2;
      goto done;
    } else {
      if (!o.input) o.input = a;
      buoy_paths_push(&o.files, strdup(a));
    }
  }
  if (!o.includes.count && o.files.count > 1) {
    fprintf(stderr, "buoy build: more than one input (%s, %s); to build several files, use -I\n\n%s",
            o.files.items[0], o.files.items[1], build_usage);
    rc = 2;
    goto done;
  }
  rc = build_run(&o, NULL);
done:
  free_paths(&o.paths);
  free_paths(&o.exclude_paths);
  free_paths(&o.includes);
  free_paths(&o.files);
  return rc;
}
