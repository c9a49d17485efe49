/* `buoy protoc`: protoc 3.21's command line over buoy's compiler. Code
 * generators are protoc plugins (src/gen/plugin.h), buoy's own C generator
 * (--buoy_out) runs in process; descriptor sets are written as protoc
 * writes them. Exit status 0, or 1 for any error, as protoc's. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/diag.h"
#include "cmd/cmd.h"
#include "compile/compile.h"
#include "gen/plugin.h"
#include "google/protobuf/compiler/plugin.pb.h"
#include "google/protobuf/descriptor.pb.h"

static const char protoc_usage[] =
    "usage: buoy protoc [OPTION] PROTO_FILES\n"
    "\n"
    "Compiles .proto files as protoc 3.21 does, and runs code generators on\n"
    "them (protoc plugins) or writes them as a FileDescriptorSet.\n"
    "\n"
    "  -IPATH, --proto_path=PATH   a directory in which to look for imports\n"
    "                              (repeatable, searched in order; PATH may list\n"
    "                              several, separated by ':'); default: the\n"
    "                              current directory\n"
    "  --version                   print the version and exit\n"
    "  -h, --help                  show this help and exit\n"
    "  -oFILE,\n"
    "  --descriptor_set_out=FILE   write a FileDescriptorSet of the input files\n"
    "  --include_imports           with --descriptor_set_out, also write the files\n"
    "                              the inputs import, each once, imports first\n"
    "  --include_source_info       with --descriptor_set_out, keep SourceCodeInfo\n"
    "  --plugin=EXECUTABLE         a plugin: protoc-gen-NAME=PATH, or a PATH whose\n"
    "                              file name is protoc-gen-NAME; used by --NAME_out.\n"
    "                              Without it, protoc-gen-NAME is looked up on PATH\n"
    "  --NAME_out=[OPTS:]DIR       run generator NAME, writing into DIR (which must\n"
    "                              exist), or into a zip archive when DIR ends in\n"
    "                              .zip or .jar; OPTS is its parameter\n"
    "  --NAME_opt=OPTS             more parameters for generator NAME (joined with\n"
    "                              commas, after the OPTS of --NAME_out)\n"
    "  --buoy_out=DIR              buoy's C generator for runtime/pb, in process\n"
    "                              (the same files as the plugin protoc-gen-buoy)\n"
    "  --encode=MESSAGE_TYPE       read a text-format MESSAGE_TYPE (of the input\n"
    "                              files) on standard input, write it in binary\n"
    "  --decode=MESSAGE_TYPE       read a binary MESSAGE_TYPE, write it as text\n"
    "  --decode_raw                read any binary message, write its fields by\n"
    "                              number (no input files)\n"
    "  @FILE                       read further arguments from FILE, one per line\n"
    "\n"
    "Generators other than buoy (cpp, java, python, ... included) are plugins\n"
    "named protoc-gen-NAME. Nothing is written when a generator fails. See\n"
    "buoy-protoc(1).\n";

typedef struct strlist {
  char **items;
  size_t count, cap;
} strlist;

static void push(strlist *l, const char *s, size_t n) {
  if (l->count == l->cap) {
    l->cap = l->cap ? l->cap * 2 : 16;
    char **items = realloc(l->items, l->cap * sizeof *l->items);
    if (!items) abort();
    l->items = items;
  }
  char *copy = malloc(n + 1);
  if (!copy) abort();
  memcpy(copy, s, n);
  copy[n] = 0;
  l->items[l->count++] = copy;
}

static void push_c(strlist *l, const char *s) { push(l, s, strlen(s)); }

static void strlist_free(strlist *l) {
  for (size_t i = 0; i < l->count; i++)
    free(l->items[i]);
  free(l->items);
}

/* One --NAME_out. */
typedef struct directive {
  char *name;      /* NAME */
  char *parameter; /* the OPTS before ':' (malloc'd, may be "") */
  char *location;  /* DIR */
} directive;

typedef struct protoc_opts {
  strlist proto_paths;
  strlist inputs;
  strlist plugins;  /* "NAME=PATH" (NAME without protoc-gen-) */
  strlist opts;     /* "NAME=OPTS", in the order given */
  directive *dirs;
  size_t ndirs, capdirs;
  char *descriptor_set_out;
  bool include_imports, include_source_info;
  int codec;        /* --encode 'e', --decode 'd', --decode_raw 'r', else 0 */
  char *codec_type; /* the message type of --encode and --decode */
} protoc_opts;

/* ------------------------------------------------------------ arguments */

/* protoc's argument files: every line one argument, nothing expanded. */
static bool expand_argfile(const char *path, strlist *out) {
  FILE *f = fopen(path, "rb");
  if (!f) return false;
  char *line = NULL;
  size_t cap = 0;
  ssize_t n;
  while ((n = getline(&line, &cap, f)) >= 0) {
    if (n > 0 && line[n - 1] == '\n') n--;
    push(out, line, (size_t)n);
  }
  free(line);
  fclose(f);
  return true;
}

static bool flag_takes_value(const char *name) {
  static const char *const no_value[] = {"-h",           "--help",        "--version", "--include_imports",
                                         "--include_source_info", "--retain_options", "--decode_raw", NULL};
  for (size_t i = 0; no_value[i]; i++)
    if (strcmp(name, no_value[i]) == 0) return false;
  return true;
}

static void add_directive(protoc_opts *o, const char *name, size_t nlen, const char *value) {
  if (o->ndirs == o->capdirs) {
    o->capdirs = o->capdirs ? o->capdirs * 2 : 8;
    directive *d = realloc(o->dirs, o->capdirs * sizeof *d);
    if (!d) abort();
    o->dirs = d;
  }
  directive *d = &o->dirs[o->ndirs++];
  d->name = strndup(name, nlen);
  const char *colon = strchr(value, ':');
  d->parameter = colon ? strndup(value, (size_t)(colon - value)) : strdup("");
  d->location = strdup(colon ? colon + 1 : value);
  if (!d->name || !d->parameter || !d->location) abort();
}

static bool ends_with(const char *s, size_t n, const char *suffix) {
  size_t k = strlen(suffix);
  return n > k && memcmp(s + n - k, suffix, k) == 0;
}

/* Applies one flag; 0 when it is understood, else the exit status. */
static int apply_flag(protoc_opts *o, const char *name, const char *value) {
  size_t n = strlen(name);
  if (strcmp(name, "-I") == 0 || strcmp(name, "--proto_path") == 0) {
    /* several directories in one flag, separated as in PATH */
    for (const char *p = value;;) {
      const char *e = strchr(p, ':');
      size_t k = e ? (size_t)(e - p) : strlen(p);
      if (k) push(&o->proto_paths, p, k);
      if (!e) break;
      p = e + 1;
    }
    if (!value[0]) {
      fprintf(stderr, "buoy protoc: %s needs a directory\n", name);
      return 1;
    }
  } else if (strcmp(name, "-o") == 0 || strcmp(name, "--descriptor_set_out") == 0) {
    if (o->descriptor_set_out) {
      fprintf(stderr, "buoy protoc: %s given twice\n", name);
      return 1;
    }
    o->descriptor_set_out = strdup(value);
    if (!o->descriptor_set_out) abort();
  } else if (strcmp(name, "--include_imports") == 0) {
    o->include_imports = true;
  } else if (strcmp(name, "--include_source_info") == 0) {
    o->include_source_info = true;
  } else if (strcmp(name, "--retain_options") == 0) {
    /* protoc 3.21 keeps every option in its output anyway, and so does buoy */
  } else if (strcmp(name, "--plugin") == 0) {
    const char *eq = strchr(value, '=');
    const char *path = eq ? eq + 1 : value;
    const char *pname = value;
    size_t plen = eq ? (size_t)(eq - value) : strlen(value);
    if (!eq) { /* the name is the file name of the path */
      const char *slash = strrchr(value, '/');
      pname = slash ? slash + 1 : value;
      plen = strlen(pname);
    }
    if (plen <= 11 || strncmp(pname, "protoc-gen-", 11) != 0) {
      fprintf(stderr, "buoy protoc: --plugin=%s: a plugin's name must start with protoc-gen-\n", value);
      return 1;
    }
    size_t k = plen - 11 + 1 + strlen(path) + 1;
    char *entry = malloc(k);
    if (!entry) abort();
    snprintf(entry, k, "%.*s=%s", (int)(plen - 11), pname + 11, path);
    push_c(&o->plugins, entry);
    free(entry);
  } else if (ends_with(name, n, "_out") && name[0] == '-' && name[1] == '-') {
    add_directive(o, name + 2, n - 6, value);
  } else if (ends_with(name, n, "_opt") && name[0] == '-' && name[1] == '-') {
    size_t k = n - 6 + 1 + strlen(value) + 1;
    char *entry = malloc(k);
    if (!entry) abort();
    snprintf(entry, k, "%.*s=%s", (int)(n - 6), name + 2, value);
    push_c(&o->opts, entry);
    free(entry);
  } else if (strcmp(name, "--encode") == 0 || strcmp(name, "--decode") == 0 || strcmp(name, "--decode_raw") == 0) {
    if (o->codec) {
      fprintf(stderr, "buoy protoc: only one of --encode, --decode and --decode_raw at a time\n");
      return 1;
    }
    o->codec = name[2] == 'e' ? 'e' : name[8] == '_' ? 'r' : 'd';
    if (o->codec != 'r') {
      o->codec_type = strdup(value);
      if (!o->codec_type) abort();
    }
  } else {
    fprintf(stderr, "buoy protoc: unknown flag %s (see buoy protoc --help)\n", name);
    return 1;
  }
  return 0;
}

/* protoc's argument syntax: --name=value or --name value; -Xvalue or -X
 * value; anything else an input file. -1: stop successfully (help,
 * version). */
static int parse_args(protoc_opts *o, int argc, char **argv) {
  strlist args = {0};
  int rc = 0;
  for (int i = 1; i < argc; i++) {
    if (argv[i][0] == '@') {
      if (!expand_argfile(argv[i] + 1, &args)) {
        fprintf(stderr, "buoy protoc: cannot read the argument file %s: %s\n", argv[i] + 1, strerror(errno));
        rc = 1;
        goto done;
      }
    } else {
      push_c(&args, argv[i]);
    }
  }
  for (size_t i = 0; i < args.count; i++) {
    const char *a = args.items[i];
    if (a[0] != '-' || !a[1]) {
      push_c(&o->inputs, a);
      continue;
    }
    char name[256];
    const char *value = NULL;
    if (a[1] == '-') {
      const char *eq = strchr(a, '=');
      size_t k = eq ? (size_t)(eq - a) : strlen(a);
      if (k >= sizeof name) k = sizeof name - 1;
      memcpy(name, a, k);
      name[k] = 0;
      if (eq) value = eq + 1;
    } else {
      name[0] = '-', name[1] = a[1], name[2] = 0;
      if (a[2]) value = a + 2;
    }
    if (strcmp(name, "-h") == 0 || strcmp(name, "--help") == 0) {
      fputs(protoc_usage, stdout);
      rc = -1;
      goto done;
    }
    if (strcmp(name, "--version") == 0) {
      printf("libprotoc %d.%d.%d (buoy %s)\n", BU_PLUGIN_VERSION_MAJOR, BU_PLUGIN_VERSION_MINOR,
             BU_PLUGIN_VERSION_PATCH, BUOY_VERSION);
      rc = -1;
      goto done;
    }
    if (!flag_takes_value(name)) {
      if (value) {
        fprintf(stderr, "buoy protoc: %s takes no value\n", name);
        rc = 1;
        goto done;
      }
    } else if (!value) {
      if (i + 1 >= args.count || (args.items[i + 1][0] == '-' && args.items[i + 1][1])) {
        fprintf(stderr, "buoy protoc: %s needs a value\n", name);
        rc = 1;
        goto done;
      }
      value = args.items[++i];
    }
    rc = apply_flag(o, name, value ? value : "");
    if (rc) goto done;
  }
done:
  strlist_free(&args);
  return rc;
}

/* ------------------------------------------------------------ inputs */

/* A path with "." components and repeated slashes removed (protoc's
 * canonical form); ".." is kept. malloc'd. */
static char *canonical(const char *p) {
  size_t n = strlen(p);
  char *out = malloc(n + 1);
  if (!out) abort();
  size_t k = 0;
  if (p[0] == '/') out[k++] = '/';
  for (const char *s = p; *s;) {
    const char *e = strchr(s, '/');
    size_t len = e ? (size_t)(e - s) : strlen(s);
    if (len && !(len == 1 && s[0] == '.')) {
      if (k && out[k - 1] != '/') out[k++] = '/';
      memcpy(out + k, s, len);
      k += len;
    }
    s += len + (e ? 1 : 0);
  }
  out[k] = 0;
  return out;
}

static bool file_exists(const char *path) {
  struct stat st;
  return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

static bool has_dotdot(const char *p) {
  for (const char *s = p; *s;) {
    const char *e = strchr(s, '/');
    size_t len = e ? (size_t)(e - s) : strlen(s);
    if (len == 2 && s[0] == '.' && s[1] == '.') return true;
    s += len + (e ? 1 : 0);
  }
  return false;
}

/* The disk path of an import path under root, malloc'd. */
static char *under(const char *root, const char *rel) {
  size_t n = strlen(root) + strlen(rel) + 2;
  char *p = malloc(n);
  if (!p) abort();
  if (!root[0] || strcmp(root, ".") == 0)
    snprintf(p, n, "%s", rel);
  else
    snprintf(p, n, "%s%s%s", root, root[strlen(root) - 1] == '/' ? "" : "/", rel);
  return p;
}

/* The import path of an input file, as protoc maps it: a path under one of
 * the roots (the first that holds it), or, when no such file exists on
 * disk, an import path found under a root. NULL when neither (reported). */
static char *import_path_of(const protoc_opts *o, const char *input) {
  char *in = canonical(input);
  for (size_t i = 0; i < o->proto_paths.count && file_exists(input); i++) {
    char *root = canonical(o->proto_paths.items[i]);
    size_t n = strlen(root);
    char *rel = NULL;
    if (n == 0 && in[0] != '/')
      rel = strdup(in);
    else if (n && strncmp(in, root, n) == 0 && (in[n] == '/' || root[n - 1] == '/'))
      rel = strdup(in + n + (in[n] == '/' ? 1 : 0));
    free(root);
    if (!rel) continue;
    if (!rel[0] || has_dotdot(rel)) {
      free(rel);
      continue;
    }
    /* an earlier root with the same import path hides this file */
    for (size_t j = 0; j < i; j++) {
      char *shadow = under(o->proto_paths.items[j], rel);
      bool hidden = file_exists(shadow);
      if (hidden)
        fprintf(stderr,
                "%s: hidden by %s, which comes first in the proto paths; give that file, or put the "
                "roots in another order\n",
                input, shadow);
      free(shadow);
      if (hidden) {
        free(rel);
        free(in);
        return NULL;
      }
    }
    free(in);
    return rel;
  }
  /* not a file on disk, or under no root: an import path, if a root holds it */
  for (size_t i = 0; i < o->proto_paths.count && in[0] != '/' && !has_dotdot(in); i++) {
    char *p = under(o->proto_paths.items[i], in);
    bool found = file_exists(p);
    free(p);
    if (found) return in;
  }
  if (!file_exists(input)) {
    fprintf(stderr, "%s: no such file\n", input);
  } else {
    fprintf(stderr,
            "%s: not under any proto path (-I); add a -I that is a prefix of the file's path, "
            "written the same way (both relative or both absolute)\n",
            input);
  }
  free(in);
  return NULL;
}

/* ------------------------------------------------------------ generation */

/* The files protoc writes in a descriptor set: without imports, only the
 * inputs, but still dependencies first among themselves. */
static void seen_add(bu_vec *v, bu_file *f) {
  if (v->count == v->cap) {
    v->cap = v->cap ? v->cap * 2 : 32;
    void **items = realloc(v->items, v->cap * sizeof *items);
    if (!items) abort();
    v->items = items;
  }
  v->items[v->count++] = f;
}

static bool seen_has(const bu_vec *v, const bu_file *f) {
  for (uint32_t i = 0; i < v->count; i++)
    if (v->items[i] == f) return true;
  return false;
}

static void transitive(bu_file *f, bu_vec *seen, bu_vec *out, int depth) {
  if (seen_has(seen, f) || depth > 10000) return;
  seen_add(seen, f);
  for (uint32_t i = 0; i < f->deps.count; i++)
    transitive(BU_VEC_AT(f->deps, bu_file, i), seen, out, depth + 1);
  seen_add(out, f);
}

static int write_descriptor_set(const protoc_opts *o, bu_file **files, uint32_t n) {
  bu_vec seen = {0}, order = {0};
  if (!o->include_imports)
    for (uint32_t i = 0; i < n; i++)
      for (uint32_t j = 0; j < files[i]->deps.count; j++) {
        bu_file *d = BU_VEC_AT(files[i]->deps, bu_file, j);
        bool input = false;
        for (uint32_t k = 0; k < n && !input; k++)
          input = files[k] == d;
        if (!input && !seen_has(&seen, d)) seen_add(&seen, d);
      }
  for (uint32_t i = 0; i < n; i++)
    transitive(files[i], &seen, &order, 0);
  bu_buf b = {0};
  for (uint32_t i = 0; i < order.count; i++) {
    bu_put_varint(&b, 1 << 3 | 2);
    size_t start = b.len;
    bu_encode_file_protoc(&b, BU_VEC_AT(order, bu_file, i), o->include_source_info);
    bu_prefix_length(&b, start);
  }
  free(seen.items);
  free(order.items);
  FILE *f = fopen(o->descriptor_set_out, "wb");
  bool ok = f && fwrite(b.data, 1, b.len, f) == b.len;
  if (f && fclose(f) != 0) ok = false;
  if (!ok) fprintf(stderr, "%s: %s\n", o->descriptor_set_out, strerror(errno));
  bu_buf_free(&b);
  return ok ? 0 : 1;
}

/* The parameter of a directive: its OPTS, then every --NAME_opt. */
static char *parameter_of(const protoc_opts *o, const directive *d) {
  bu_buf b = {0};
  bu_put_bytes(&b, d->parameter, strlen(d->parameter));
  size_t nlen = strlen(d->name);
  for (size_t i = 0; i < o->opts.count; i++) {
    const char *e = o->opts.items[i];
    if (strncmp(e, d->name, nlen) != 0 || e[nlen] != '=') continue;
    if (b.len) bu_put_bytes(&b, ",", 1);
    bu_put_bytes(&b, e + nlen + 1, strlen(e + nlen + 1));
  }
  bu_put_bytes(&b, "", 1);
  return (char *)b.data;
}

/* The program run for --NAME_out: a --plugin given for NAME, else
 * protoc-gen-NAME on PATH. malloc'd. */
static char *program_of(const protoc_opts *o, const char *name) {
  size_t nlen = strlen(name);
  for (size_t i = o->plugins.count; i-- > 0;) {
    const char *e = o->plugins.items[i];
    if (strncmp(e, name, nlen) == 0 && e[nlen] == '=') return strdup(e + nlen + 1);
  }
  size_t n = nlen + 12;
  char *p = malloc(n);
  if (p) snprintf(p, n, "protoc-gen-%s", name);
  return p;
}

/* The output trees, one per distinct location, shared by the directives
 * writing there. */
typedef struct location {
  const char *path;
  bu_gen_out out;
} location;

static int run_directive(const protoc_opts *o, const directive *d, bu_gen_out *out, bu_file **files, uint32_t n) {
  char err[4096];
  char *param = parameter_of(o, d);
  bool ok;
  if (strcmp(d->name, "buoy") == 0) {
    ok = bu_plugin_builtin_c(out, files, n, param, err, sizeof err);
  } else {
    char *program = program_of(o, d->name);
    bu_buf req = {0}, resp = {0};
    bu_plugin_request_opts ro = {param, false};
    bu_plugin_request(&req, files, n, &ro);
    ok = program && bu_plugin_run(program, req.data, req.len, &resp, err, sizeof err) &&
         bu_plugin_apply(out, resp.data, resp.len, files, n, err, sizeof err);
    if (!program) snprintf(err, sizeof err, "out of memory");
    free(program);
    bu_buf_free(&req);
    bu_buf_free(&resp);
  }
  free(param);
  if (!ok) fprintf(stderr, "--%s_out: %s\n", d->name, err);
  return ok ? 0 : 1;
}

static int generate(const protoc_opts *o, bu_file **files, uint32_t n) {
  location *locs = calloc(o->ndirs ? o->ndirs : 1, sizeof *locs);
  if (!locs) abort();
  size_t nlocs = 0;
  int rc = 0;
  for (size_t i = 0; rc == 0 && i < o->ndirs; i++) {
    const directive *d = &o->dirs[i];
    location *l = NULL;
    for (size_t k = 0; k < nlocs && !l; k++)
      if (strcmp(locs[k].path, d->location) == 0) l = &locs[k];
    if (!l) {
      l = &locs[nlocs++];
      l->path = d->location;
      bu_gen_out_init(&l->out);
    }
    rc = run_directive(o, d, &l->out, files, n);
  }
  for (size_t k = 0; rc == 0 && k < nlocs; k++) {
    char err[4096];
    if (!bu_gen_out_write(&locs[k].out, locs[k].path, err, sizeof err)) {
      fprintf(stderr, "%s\n", err);
      rc = 1;
    }
  }
  for (size_t k = 0; k < nlocs; k++)
    bu_gen_out_free(&locs[k].out);
  free(locs);
  return rc;
}

/* --encode and --decode: the inputs and their imports, as a
 * FileDescriptorSet, go to the codec (src/cmd/codec.c). */
static int run_codec(const protoc_opts *o, bu_file **files, uint32_t n) {
  bu_buf set = {0};
  bu_vec seen = {0}, order = {0};
  for (uint32_t i = 0; i < n; i++)
    transitive(files[i], &seen, &order, 0);
  for (uint32_t i = 0; i < order.count; i++) {
    bu_put_varint(&set, 1 << 3 | 2);
    size_t start = set.len;
    bu_encode_file_protoc(&set, BU_VEC_AT(order, bu_file, i), false);
    bu_prefix_length(&set, start);
  }
  free(seen.items);
  free(order.items);
  int rc = cmd_protoc_codec(o->codec, o->codec_type, set.data ? (const char *)set.data : "", set.len, stdin, stdout,
                            stderr);
  bu_buf_free(&set);
  return rc;
}

static void opts_free(protoc_opts *o) {
  strlist_free(&o->proto_paths);
  strlist_free(&o->inputs);
  strlist_free(&o->plugins);
  strlist_free(&o->opts);
  for (size_t i = 0; i < o->ndirs; i++) {
    free(o->dirs[i].name);
    free(o->dirs[i].parameter);
    free(o->dirs[i].location);
  }
  free(o->dirs);
  free(o->descriptor_set_out);
  free(o->codec_type);
}

static int compile_and_run(protoc_opts *o) {
  if (!o->proto_paths.count) push_c(&o->proto_paths, ".");
  for (size_t i = 0; i < o->proto_paths.count; i++) {
    struct stat st;
    if (stat(o->proto_paths.items[i], &st) != 0 || !S_ISDIR(st.st_mode))
      fprintf(stderr, "%s: warning: directory does not exist.\n", o->proto_paths.items[i]);
  }
  strlist imports = {0};
  for (size_t i = 0; i < o->inputs.count; i++) {
    char *p = import_path_of(o, o->inputs.items[i]);
    if (!p) {
      strlist_free(&imports);
      return 1;
    }
    push_c(&imports, p);
    free(p);
  }
  buoy_diags diags;
  buoy_diags_init(&diags);
  bu_compiler c;
  bu_compiler_init(&c, &diags);
  for (size_t i = 0; i < o->proto_paths.count; i++)
    bu_compiler_add_include(&c, o->proto_paths.items[i]);
  bu_file **files = calloc(imports.count, sizeof *files);
  if (!files) abort();
  int rc = 0;
  for (size_t i = 0; i < imports.count; i++) {
    files[i] = bu_compile(&c, imports.items[i]);
    if (!files[i]) rc = 1;
  }
  buoy_diags_sort(&diags);
  buoy_diags_print(&diags, stderr);
  if (diags.errors) rc = 1;
  uint32_t n = (uint32_t)imports.count;
  if (rc == 0 && o->codec)
    rc = run_codec(o, files, n);
  else if (rc == 0)
    rc = generate(o, files, n);
  if (rc == 0 && !o->codec && o->descriptor_set_out) rc = write_descriptor_set(o, files, n);
  free(files);
  bu_compiler_free(&c);
  buoy_diags_free(&diags);
  strlist_free(&imports);
  return rc;
}

int buoy_cmd_protoc(int argc, char **argv) {
  protoc_opts o;
  memset(&o, 0, sizeof o);
  if (argc < 2) { /* as protoc: the help, and success */
    fputs(protoc_usage, stdout);
    return 0;
  }
  int rc = parse_args(&o, argc, argv);
  if (rc == 0 && o.codec && (o.ndirs || o.descriptor_set_out)) {
    fprintf(stderr, "buoy protoc: --encode, --decode and --decode_raw cannot be combined with outputs\n");
    rc = 1;
  }
  if (rc == 0 && o.codec == 'r') {
    if (o.inputs.count) {
      fprintf(stderr, "buoy protoc: --decode_raw takes no input files\n");
      rc = 1;
    } else {
      rc = cmd_protoc_codec('r', NULL, "", 0, stdin, stdout, stderr);
    }
    opts_free(&o);
    return rc;
  }
  if (rc == 0 && !o.inputs.count) {
    fprintf(stderr, "buoy protoc: no input files (see buoy protoc --help)\n");
    rc = 1;
  }
  if (rc == 0 && !o.codec && !o.ndirs && !o.descriptor_set_out) {
    fprintf(stderr, "buoy protoc: nothing to do: give an output (--NAME_out or --descriptor_set_out)\n");
    rc = 1;
  }
  if (rc == 0) rc = compile_and_run(&o);
  opts_free(&o);
  return rc < 0 ? 0 : rc;
}

/* ------------------------------------------------------------ protoc-gen-buoy */

/* Reads all of a stream (bounded: a request is at most 2 GiB). */
static bool read_all(FILE *in, bu_buf *b) {
  for (;;) {
    bu_buf_reserve(b, 65536);
    size_t n = fread(b->data + b->len, 1, 65536, in);
    b->len += n;
    if (b->len > (size_t)INT32_MAX) return false;
    if (n == 0) return !ferror(in);
  }
}

/* Answers one CodeGeneratorRequest: the C files, or the error. false only
 * when no answer can be given (the request is unreadable). */
static bool answer(const bu_buf *in, bu_buf *out) {
  bp_arena a;
  bp_arena_init(&a);
  google_protobuf_compiler_CodeGeneratorRequest *req = google_protobuf_compiler_CodeGeneratorRequest_new(&a);
  google_protobuf_compiler_CodeGeneratorResponse *resp = google_protobuf_compiler_CodeGeneratorResponse_new(&a);
  bp_decode_options dopt;
  memset(&dopt, 0, sizeof dopt);
  dopt.max_depth = 4 * BUOY_MAX_NESTING + 64;
  if (!req || !resp ||
      bp_decode(&google_protobuf_compiler_CodeGeneratorRequest_msgdef, req, (const char *)in->data, in->len, &a,
                &dopt) != BP_OK) {
    bp_arena_free(&a);
    fprintf(stderr, "protoc-gen-buoy: standard input is not a CodeGeneratorRequest\n");
    return false;
  }
  google_protobuf_compiler_CodeGeneratorResponse_set_supported_features(
      resp, google_protobuf_compiler_CodeGeneratorResponse_FEATURE_PROTO3_OPTIONAL |
                google_protobuf_compiler_CodeGeneratorResponse_FEATURE_SUPPORTS_EDITIONS);
  google_protobuf_compiler_CodeGeneratorResponse_set_minimum_edition(resp, google_protobuf_EDITION_2023);
  google_protobuf_compiler_CodeGeneratorResponse_set_maximum_edition(resp, google_protobuf_EDITION_2024);
  buoy_diags diags;
  buoy_diags_init(&diags);
  bu_compiler c;
  bu_compiler_init(&c, &diags);
  bu_gen_out gen;
  bu_gen_out_init(&gen);
  char err[4096] = "";
  size_t nfds = 0, ngen = 0;
  const google_protobuf_FileDescriptorProto *const *fds =
      google_protobuf_compiler_CodeGeneratorRequest_proto_file(req, &nfds);
  const bp_str *names = google_protobuf_compiler_CodeGeneratorRequest_file_to_generate(req, &ngen);
  bu_file **files = calloc(ngen ? ngen : 1, sizeof *files);
  bool ok = files && bu_model_from_descriptors(&c, fds, nfds, NULL, err, sizeof err);
  for (size_t i = 0; ok && i < ngen; i++) {
    files[i] = buoy_strmap_get(&c.files, names[i].data, names[i].size);
    if (!files[i]) {
      snprintf(err, sizeof err, "%.*s is to be generated but is not among the request's files",
               (int)(names[i].size > 1000 ? 1000 : names[i].size), names[i].data);
      ok = false;
    }
  }
  bp_str param = google_protobuf_compiler_CodeGeneratorRequest_parameter(req);
  char *pcopy = strndup(param.data ? param.data : "", param.size);
  if (ok) ok = pcopy && bu_plugin_builtin_c(&gen, files, (uint32_t)ngen, pcopy, err, sizeof err);
  if (ok) {
    for (size_t i = 0; i < gen.count; i++) {
      google_protobuf_compiler_CodeGeneratorResponse_File *f =
          google_protobuf_compiler_CodeGeneratorResponse_add_file(resp, &a);
      if (!f) abort();
      google_protobuf_compiler_CodeGeneratorResponse_File_set_name(f, bp_str_c(gen.files[i].name));
      google_protobuf_compiler_CodeGeneratorResponse_File_set_content(f,
                                                                      bp_str_make(gen.files[i].data, gen.files[i].len));
    }
  } else {
    google_protobuf_compiler_CodeGeneratorResponse_set_error(resp, bp_str_c(err));
  }
  bp_str s;
  bool encoded = bp_encode(&google_protobuf_compiler_CodeGeneratorResponse_msgdef, resp, &a, NULL, &s) == BP_OK;
  if (encoded) bu_put_bytes(out, s.data, s.size);
  free(pcopy);
  free(files);
  bu_gen_out_free(&gen);
  bu_compiler_free(&c);
  buoy_diags_free(&diags);
  bp_arena_free(&a);
  return encoded;
}

int buoy_plugin_main(int argc, char **argv) {
  if (argc > 1 && (strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0)) {
    fputs("usage: protoc-gen-buoy < CodeGeneratorRequest > CodeGeneratorResponse\n"
          "\n"
          "buoy's C generator as a protoc plugin: run it with\n"
          "  protoc --plugin=protoc-gen-buoy=PATH --buoy_out=DIR FILE.proto...\n"
          "(or buf generate). It writes PATH.pb.h and PATH.pb.c for runtime/pb,\n"
          "the files buoy protoc --buoy_out and buoy debug gen-c write.\n",
          stdout);
    return 0;
  }
  if (argc > 1 && strcmp(argv[1], "--version") == 0) {
    printf("protoc-gen-buoy %s\n", BUOY_VERSION);
    return 0;
  }
  bu_buf in = {0}, out = {0};
  int rc = 0;
  if (!read_all(stdin, &in)) {
    fprintf(stderr, "protoc-gen-buoy: cannot read standard input\n");
    rc = 1;
  } else if (!answer(&in, &out)) {
    rc = 1;
  } else if (fwrite(out.data, 1, out.len, stdout) != out.len || fflush(stdout) != 0) {
    fprintf(stderr, "protoc-gen-buoy: cannot write standard output\n");
    rc = 1;
  }
  bu_buf_free(&in);
  bu_buf_free(&out);
  return rc;
}
