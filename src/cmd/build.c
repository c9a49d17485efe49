/* `buoy build`: compile a module (or files under protoc-style roots) into a
 * buf image or a FileDescriptorSet. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "base/diag.h"
#include "cmd/cmd.h"
#include "base/strmap.h"
#include "compile/compile.h"

static const char build_usage[] =
    "usage: buoy build [INPUT] [flags]\n"
    "\n"
    "Compiles the .proto files of INPUT (a directory, default \".\") and writes\n"
    "them, with their imports, as a buf image or a FileDescriptorSet. With -I,\n"
    "INPUT may instead name .proto files found under those roots, as protoc\n"
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
    "  -I, --proto_path DIR          a protoc-style import root (repeatable)\n"
    "  -h, --help                    show this help\n";

typedef struct build_opts {
  const char *input;
  const char *output;
  bool fds, exclude_imports, exclude_source_info;
  buoy_paths paths, exclude_paths, includes;
} build_opts;

/* Whether rel (a path relative to the input) is selected by the --path and
 * --exclude-path filters: each names a file or a directory prefix. */
static bool path_matches(const char *rel, const char *filter) {
  size_t n = strlen(filter);
  while (n > 1 && filter[n - 1] == '/')
    n--;
  if (strcmp(filter, ".") == 0) return true;
  return strncmp(rel, filter, n) == 0 && (rel[n] == 0 || rel[n] == '/');
}

/* --path and --exclude-path name files or directories as buf takes them,
 * relative to the current directory; path is a file found below the input. */
static bool selected(const build_opts *o, const char *path) {
  bool in = o->paths.count == 0;
  for (size_t i = 0; i < o->paths.count && !in; i++)
    in = path_matches(path, o->paths.items[i]);
  for (size_t i = 0; i < o->exclude_paths.count && in; i++)
    in = !path_matches(path, o->exclude_paths.items[i]);
  return in;
}

/* Makes a --path filter comparable with the paths found by walking: both
 * absolute and free of symlinks and dots. Paths that do not exist stay as
 * written (they match nothing). */
static void absolutize(buoy_paths *filters) {
  for (size_t i = 0; i < filters->count; i++) {
    char *real = realpath(filters->items[i], NULL);
    if (real) {
      free(filters->items[i]);
      filters->items[i] = real;
    }
  }
}

static void strip_dot_slash(char *s) {
  while (s[0] == '.' && s[1] == '/')
    memmove(s, s + 2, strlen(s + 2) + 1);
}

/* The target files, as import paths relative to their root. */
static int collect(build_opts *o, bu_compiler *c, buoy_paths *targets) {
  if (o->includes.count) {
    for (size_t i = 0; i < o->includes.count; i++)
      bu_compiler_add_include(c, o->includes.items[i]);
    if (!o->input) return 0;
    struct stat st;
    if (stat(o->input, &st) == 0 && S_ISDIR(st.st_mode)) {
      fprintf(stderr, "buoy build: with -I, name .proto files to build, not a directory\n");
      return 2;
    }
    /* a file under one of the roots: its import path is relative to it */
    char *rel = strdup(o->input);
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
    return 0;
  }
  const char *root = o->input ? o->input : ".";
  struct stat st;
  if (stat(root, &st) != 0 || !S_ISDIR(st.st_mode)) {
    fprintf(stderr, "buoy build: %s: %s\n", root, stat(root, &st) != 0 ? strerror(errno) : "not a directory");
    return 1;
  }
  bu_compiler_add_include(c, root);
  buoy_paths all = {0};
  if (buoy_paths_walk(root, &all, 0) != 0) return 1;
  absolutize(&o->paths);
  absolutize(&o->exclude_paths);
  char *real_root = realpath(root, NULL);
  if (!real_root) return 1;
  size_t n = strlen(root);
  for (size_t i = 0; i < all.count; i++) {
    char *p = all.items[i];
    char *rel = p + n + 1;
    if (strcmp(root, ".") == 0) rel = p + 2;
    size_t an = strlen(real_root) + strlen(rel) + 2;
    char *abs = malloc(an);
    if (!abs) return 1;
    snprintf(abs, an, "%s/%s", real_root, rel);
    bool keep = selected(o, abs);
    free(abs);
    if (keep) {
      char *r = strdup(rel);
      if (!r) return 1;
      buoy_paths_push(targets, r);
    }
    free(p);
  }
  free(all.items);
  free(real_root);
  if (targets->count == 0) {
    fprintf(stderr, "buoy build: %s has no .proto files%s\n", root, o->paths.count ? " matching --path" : "");
    return 1;
  }
  return 0;
}

/* buf's image: each FileDescriptorProto followed by its ImageFileExtension
 * (field 8042 of buf's ImageFile): is_import (1), is_syntax_unspecified (3),
 * unused_dependency (4, unpacked). */
static void image_extension(bu_buf *b, const bu_file *f, bool is_import) {
  bu_put_varint(b, 8042 << 3 | 2);
  size_t start = b->len;
  uint8_t ext[] = {0x08, is_import ? 1 : 0, 0x18, f->syntax_unspecified ? 1 : 0};
  bu_put_bytes(b, ext, sizeof ext);
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
  buoy_strmap targets; /* import path -> non-NULL */
  FILE *tmp;
  char *tmp_path; /* NULL when tmp is an anonymous tmpfile() */
  bu_buf buf;
  bool failed;
} emitter;

static bool is_target(const emitter *e, const bu_file *f) {
  return buoy_strmap_get(&e->targets, f->name, strlen(f->name)) != NULL;
}

static void emit(emitter *e, bu_file *f, int depth) {
  if (f->emitted || depth > 1000) return;
  f->emitted = true;
  for (uint32_t i = 0; i < f->deps.count; i++)
    emit(e, BU_VEC_AT(f->deps, bu_file, i), depth + 1);
  bool target = is_target(e, f);
  bool clean = e->c->diags->count == 0; /* diagnostics print from the sources */
  if (e->tmp && clean && (target || !e->o->exclude_imports)) {
    e->buf.len = 0;
    bu_put_varint(&e->buf, 1 << 3 | 2);
    size_t start = e->buf.len;
    bu_encode_file(&e->buf, f, !e->o->exclude_source_info);
    if (!e->o->fds) image_extension(&e->buf, f, !target);
    bu_prefix_length(&e->buf, start);
    if (fwrite(e->buf.data, 1, e->buf.len, e->tmp) != e->buf.len) e->failed = true;
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

static void free_paths(buoy_paths *p) {
  for (size_t i = 0; i < p->count; i++)
    free(p->items[i]);
  free(p->items);
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
    } else if (flag_value(argc, argv, &i, "--proto_path", "-I", &v)) {
      buoy_paths_push(&o.includes, strdup(v));
    } else if (a[0] == '-' && a[1]) {
      fprintf(stderr, "buoy build: unknown flag %s\n\n%s", a, build_usage);
      rc = 2;
      goto done;
    } else if (o.input) {
      fprintf(stderr, "buoy build: more than one input (%s, %s)\n\n%s", o.input, a, build_usage);
      rc = 2;
      goto done;
    } else {
      o.input = a;
    }
  }
  buoy_diags diags;
  buoy_diags_init(&diags);
  bu_compiler c;
  bu_compiler_init(&c, &diags);
  buoy_paths targets = {0};
  emitter e = {&o, &c, {0}, NULL, NULL, {0}, false};
  buoy_strmap_init(&e.targets);
  rc = collect(&o, &c, &targets);
  if (rc == 0 && targets.count == 0) {
    fprintf(stderr, "buoy build: no input files\n\n%s", build_usage);
    rc = 2;
  }
  for (size_t i = 0; rc == 0 && i < targets.count; i++)
    buoy_strmap_put(&e.targets, targets.items[i], strlen(targets.items[i]), targets.items[i]);
  if (rc == 0) rc = open_output(&e);
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
  bu_compiler_free(&c);
  buoy_diags_free(&diags);
done:
  free_paths(&o.paths);
  free_paths(&o.exclude_paths);
  free_paths(&o.includes);
  return rc;
}
