/* `buoy ls-files`: the .proto files an input means, as `buf ls-files` lists them. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/diag.h"
#include "cmd/cmd.h"
#include "compile/embedded.h"
#include "module/module.h"
#include "syntax/ast.h"

static const char ls_usage[] =
    "usage: buoy ls-files [INPUT] [flags]\n"
    "\n"
    "Lists the .proto files of INPUT: a directory (default \".\") or a .proto file.\n"
    "A directory is read as buf reads it: the buf.yaml (v1beta1, v1 or v2) or\n"
    "buf.work.yaml controlling it decides its modules and their excluded paths.\n"
    "Files are printed relative to the current directory (absolute paths when\n"
    "INPUT is absolute), one per line, sorted.\n"
    "\n"
    "Flags:\n"
    "      --config string          the buf.yaml file (.yaml, .yml or .json) or data to use\n"
    "                               instead of the configuration files on disk\n"
    "      --disable-symlinks       do not follow symbolic links\n"
    "      --exclude-path strings   leave out these files or directories, e.g. \"proto/a/a.proto\",\n"
    "                               \"proto/a\" (repeatable; commas separate several)\n"
    "      --format string          text, json or import (default \"text\")\n"
    "  -h, --help                   show this help\n"
    "      --include-importable     also list every file the input could import: the other\n"
    "                               files of its workspace and the well-known types\n"
    "      --include-imports        also list the files the input imports, transitively\n"
    "      --path strings           list only these files or directories, e.g. \"proto/a/a.proto\",\n"
    "                               \"proto/a\" (repeatable; commas separate several)\n"
    "\n"
    "buf's global flags --debug, --log-format and --timeout are accepted and ignored.\n"
    "Formats: text prints paths; import prints import paths (relative to the module\n"
    "root); json prints one object per line with path, import_path, module, commit and\n"
    "is_import. Exits 0 on success, 1 on errors in the input, 2 on usage errors.\n";

typedef enum { FMT_TEXT, FMT_JSON, FMT_IMPORT } ls_format;

typedef struct strlist {
  const char **items;
  uint32_t n, cap;
} strlist;

typedef struct ls_opts {
  const char *input;
  strlist paths, excludes;
  const char *config;
  ls_format format;
  bool include_imports, include_importable, disable_symlinks;
} ls_opts;

typedef struct listed {
  const char *path;
  const char *import_path;
  const char *module;
  bool is_import;
} listed;

static void push(strlist *l, const char *s) {
  if (l->n == l->cap) {
    l->cap = l->cap ? l->cap * 2 : 8;
    l->items = realloc(l->items, sizeof(char *) * l->cap);
    if (!l->items) abort();
  }
  l->items[l->n++] = s;
}

/* ---- flags, as Go's pflag reads them ---- */

/* A string-slice flag value is one line of CSV: split at commas, with
 * "quoted" fields. The pieces are allocated in buf (freed by the caller). */
static bool split_csv(const char *v, strlist *out, char **buf) {
  size_t n = strlen(v);
  char *w = malloc(n + 1);
  if (!w) abort();
  *buf = w;
  if (n == 0) return true; /* an empty value adds nothing */
  const char *p = v;
  for (;;) {
    char *start = w;
    if (*p == '"') {
      p++;
      for (;;) {
        if (!*p) return false;
        if (*p == '"' && p[1] == '"') {
          *w++ = '"';
          p += 2;
        } else if (*p == '"') {
          p++;
          break;
        } else {
          *w++ = *p++;
        }
      }
      if (*p && *p != ',') return false;
    } else {
      while (*p && *p != ',')
        *w++ = *p++;
    }
    *w++ = 0;
    push(out, start);
    if (!*p) return true;
    p++;
  }
}

static bool parse_bool(const char *v, bool *out) {
  static const char *const t[] = {"1", "t", "T", "true", "TRUE", "True", NULL};
  static const char *const f[] = {"0", "f", "F", "false", "FALSE", "False", NULL};
  for (int i = 0; t[i]; i++)
    if (strcmp(v, t[i]) == 0) return (*out = true);
  for (int i = 0; f[i]; i++)
    if (strcmp(v, f[i]) == 0) return !(*out = false);
  return false;
}

typedef struct flag_state {
  int argc;
  char **argv;
  int i;
  strlist bufs; /* CSV buffers to free */
} flag_state;

static int usage_error(const char *fmt, const char *arg) {
  fputs("buoy ls-files: ", stderr);
  fprintf(stderr, fmt, arg);
  fprintf(stderr, "\n\n%s", ls_usage);
  return 2;
}

/* The value of a flag that takes one: after '=' or the next argument. */
static const char *flag_value(flag_state *st, const char *name, const char *eq) {
  if (eq) return eq + 1;
  if (st->i + 1 >= st->argc) return NULL;
  (void)name;
  return st->argv[++st->i];
}

static int string_flag(flag_state *st, const char *name, const char *eq, ls_opts *o) {
  const char *v = flag_value(st, name, eq);
  if (!v) return usage_error("flag needs an argument: --%s", name);
  if (strcmp(name, "path") == 0 || strcmp(name, "exclude-path") == 0) {
    char *buf;
    if (!split_csv(v, strcmp(name, "path") == 0 ? &o->paths : &o->excludes, &buf)) {
      free(buf);
      return usage_error("invalid value for --%s (unbalanced quotes)", name);
    }
    push(&st->bufs, buf);
  } else if (strcmp(name, "format") == 0) {
    if (strcmp(v, "text") == 0)
      o->format = FMT_TEXT;
    else if (strcmp(v, "json") == 0)
      o->format = FMT_JSON;
    else if (strcmp(v, "import") == 0)
      o->format = FMT_IMPORT;
    else
      return usage_error("--format must be one of text, json or import, not \"%s\"", v);
  } else if (strcmp(name, "config") == 0) {
    o->config = v;
  }
  return 0; /* --log-format, --timeout: accepted for buf compatibility */
}

static int bool_flag(const char *name, const char *eq, ls_opts *o) {
  bool v = true;
  if (eq && !parse_bool(eq + 1, &v)) return usage_error("invalid boolean value for --%s", name);
  if (strcmp(name, "include-imports") == 0) o->include_imports = v;
  if (strcmp(name, "include-importable") == 0) o->include_importable = v;
  if (strcmp(name, "disable-symlinks") == 0) o->disable_symlinks = v;
  return 0; /* --debug */
}

static bool is_one_of(const char *name, const char *const *names) {
  for (; *names; names++)
    if (strcmp(name, *names) == 0) return true;
  return false;
}

/* One long flag (argv[st->i] starts with "--"). Returns 0, or an exit status. */
static int long_flag(flag_state *st, ls_opts *o) {
  static const char *const strings[] = {"path", "exclude-path", "config", "format", "log-format", "timeout", NULL};
  static const char *const bools[] = {"include-imports", "include-importable", "disable-symlinks", "debug", NULL};
  const char *arg = st->argv[st->i] + 2;
  const char *eq = strchr(arg, '=');
  size_t len = eq ? (size_t)(eq - arg) : strlen(arg);
  char name[64];
  if (len >= sizeof name) return usage_error("unknown flag: %s", st->argv[st->i]);
  memcpy(name, arg, len);
  name[len] = 0;
  if (strcmp(name, "help") == 0) {
    fputs(ls_usage, stdout);
    return -1;
  }
  if (is_one_of(name, strings)) return string_flag(st, name, eq, o);
  if (is_one_of(name, bools)) return bool_flag(name, eq, o);
  return usage_error("unknown flag: --%s", name);
}

/* Returns -1 to continue, or an exit status (0 after --help). */
static int parse_flags(int argc, char **argv, ls_opts *o, flag_state *st) {
  st->argc = argc;
  st->argv = argv;
  bool only_args = false;
  for (st->i = 1; st->i < argc; st->i++) {
    const char *a = argv[st->i];
    int rc = 0;
    if (!only_args && strcmp(a, "--") == 0) {
      only_args = true;
      continue;
    }
    if (!only_args && strncmp(a, "--", 2) == 0) {
      rc = long_flag(st, o);
    } else if (!only_args && (strcmp(a, "-h") == 0)) {
      fputs(ls_usage, stdout);
      return 0;
    } else if (!only_args && a[0] == '-' && a[1]) {
      return usage_error("unknown shorthand flag: %s", a);
    } else if (o->input) {
      return usage_error("takes at most one input, got a second: %s", a);
    } else {
      o->input = a;
    }
    if (rc < 0) return 0;
    if (rc > 0) return rc;
  }
  return -1;
}

/* ---- imports ---- */

typedef struct lister {
  const buoy_workspace *ws;
  buoy_diags *diags;
  listed *items;
  uint32_t n, cap;
  buoy_strmap added; /* import path -> 1 */
  buoy_source *srcs; /* sources parsed for imports, kept for the diagnostics */
  uint32_t nsrcs, srccap;
} lister;

static void add(lister *l, const char *path, const char *import_path, const char *module, bool is_import) {
  if (l->n == l->cap) {
    l->cap = l->cap ? l->cap * 2 : 64;
    l->items = realloc(l->items, sizeof(listed) * l->cap);
    if (!l->items) abort();
  }
  listed it = {path, import_path, module, is_import};
  l->items[l->n++] = it;
  buoy_strmap_put(&l->added, import_path, strlen(import_path), (void *)1);
}

static bool added(lister *l, const char *import_path) {
  return buoy_strmap_get(&l->added, import_path, strlen(import_path)) != NULL;
}

/* Reads and parses one file (a workspace file or an embedded one); its
 * source stays alive in l for diagnostics. NULL if it cannot be read. */
static buoy_source *read_listed(lister *l, const listed *it) {
  if (l->nsrcs == l->srccap) {
    /* Sources are referenced by diagnostics: grow by chunks that never move. */
    return NULL;
  }
  buoy_source *src = &l->srcs[l->nsrcs];
  const buoy_embedded_file *e =
      buoy_workspace_find(l->ws, it->import_path) ? NULL : buoy_embedded_find(it->import_path);
  if (e)
    buoy_source_from_memory(src, it->import_path, e->data, e->len);
  else if (buoy_source_read(src, it->path) != 0)
    return NULL;
  l->nsrcs++;
  return src;
}

/* Adds the imports of l->items[i] that are not listed yet. */
static bool add_imports_of(lister *l, uint32_t i) {
  listed it = l->items[i];
  buoy_source *src = read_listed(l, &it);
  if (!src) return true; /* unreadable: buf lists it without its imports */
  buoy_diags ignored;
  buoy_diags_init(&ignored);
  buoy_file f;
  buoy_parse(&f, src, &ignored); /* syntax errors do not stop listing, as in buf */
  buoy_diags_free(&ignored);
  bool ok = true;
  for (const buoy_decl *d = f.decls; d; d = d->next) {
    if (d->kind != BUOY_DECL_IMPORT || !d->u.import.path) continue;
    const buoy_value *p = d->u.import.path;
    char *name = strndup(p->v.str.bytes, p->v.str.len);
    if (!name) abort();
    const buoy_module_file *wf = buoy_workspace_find(l->ws, name);
    const buoy_embedded_file *e = wf ? NULL : buoy_embedded_find(name);
    if (!added(l, name) && wf) {
      add(l, wf->path, wf->import_path, l->ws->modules[wf->module].name, true);
    } else if (!added(l, name) && e) {
      add(l, e->name, e->name, "", true);
    } else if (!added(l, name)) {
      buoy_diag_add(l->diags, BUOY_ERROR, src, f.tokens[p->r.first].start,
                    "imported file \"%s\" is neither in the workspace nor a well-known type", name);
      ok = false;
    }
    free(name);
  }
  buoy_file_free(&f);
  return ok;
}

static bool list_files(lister *l, const ls_opts *o) {
  const buoy_workspace *ws = l->ws;
  for (uint32_t i = 0; i < ws->nfiles; i++) {
    const buoy_module_file *f = &ws->files[i];
    if (f->target || o->include_importable) add(l, f->path, f->import_path, ws->modules[f->module].name, !f->target);
  }
  if (o->include_importable) {
    for (const buoy_embedded_file *e = buoy_embedded_files; e->name; e++)
      if (!added(l, e->name)) add(l, e->name, e->name, "", true);
    return true;
  }
  if (!o->include_imports) return true;
  l->srccap = ws->nfiles + 64;
  for (const buoy_embedded_file *e = buoy_embedded_files; e->name; e++)
    l->srccap++;
  l->srcs = calloc(l->srccap, sizeof(buoy_source));
  if (!l->srcs) abort();
  bool ok = true;
  for (uint32_t i = 0; i < l->n; i++)
    ok &= add_imports_of(l, i);
  return ok;
}

/* ---- output ---- */

static int by_path(const void *x, const void *y) {
  return strcmp(((const listed *)x)->path, ((const listed *)y)->path);
}
static int by_import(const void *x, const void *y) {
  return strcmp(((const listed *)x)->import_path, ((const listed *)y)->import_path);
}

/* Length of the valid UTF-8 sequence at s, or 0. */
static int utf8_len(const unsigned char *s) {
  if (s[0] < 0x80) return 1;
  int n = s[0] >= 0xF0 ? 4 : s[0] >= 0xE0 ? 3 : s[0] >= 0xC2 ? 2 : 0;
  if (n == 0 || s[0] > 0xF4) return 0;
  for (int i = 1; i < n; i++)
    if ((s[i] & 0xC0) != 0x80) return 0;
  if (n == 3 && ((s[0] == 0xE0 && s[1] < 0xA0) || (s[0] == 0xED && s[1] >= 0xA0))) return 0;
  if (n == 4 && ((s[0] == 0xF0 && s[1] < 0x90) || (s[0] == 0xF4 && s[1] >= 0x90))) return 0;
  return n;
}

/* A JSON string as Go's encoding/json writes it (HTML-safe escapes, invalid
 * UTF-8 replaced). */
static void json_string(FILE *out, const char *s) {
  static const char hex[] = "0123456789abcdef";
  const unsigned char *p = (const unsigned char *)s;
  fputc('"', out);
  while (*p) {
    unsigned char ch = *p;
    if (ch == '"' || ch == '\\') {
      fputc('\\', out);
      fputc(ch, out);
    } else if (ch == '\n' || ch == '\r' || ch == '\t') {
      fputc('\\', out);
      fputc(ch == '\n' ? 'n' : ch == '\r' ? 'r' : 't', out);
    } else if (ch < 0x20 || ch == '<' || ch == '>' || ch == '&') {
      fprintf(out, "\\u00%c%c", hex[ch >> 4], hex[ch & 15]);
    } else if (ch >= 0x80) {
      int n = utf8_len(p);
      if (n == 0) {
        fputs("\xef\xbf\xbd", out); /* U+FFFD, written raw as buf does */
        p++;
        continue;
      }
      if (n == 3 && p[0] == 0xE2 && p[1] == 0x80 && (p[2] == 0xA8 || p[2] == 0xA9))
        fprintf(out, "\\u202%c", p[2] == 0xA8 ? '8' : '9');
      else
        fwrite(p, 1, (size_t)n, out);
      p += n;
      continue;
    } else {
      fputc(ch, out);
    }
    p++;
  }
  fputc('"', out);
}

static void print_listed(const lister *l, ls_format format, FILE *out) {
  if (l->n > 1) qsort(l->items, l->n, sizeof(listed), format == FMT_IMPORT ? by_import : by_path);
  for (uint32_t i = 0; i < l->n; i++) {
    const listed *it = &l->items[i];
    if (format == FMT_TEXT) {
      fprintf(out, "%s\n", it->path);
    } else if (format == FMT_IMPORT) {
      fprintf(out, "%s\n", it->import_path);
    } else {
      fputs("{\"path\":", out);
      json_string(out, it->path);
      fputs(",\"import_path\":", out);
      json_string(out, it->import_path);
      fputs(",\"module\":", out);
      json_string(out, it->module);
      fprintf(out, ",\"commit\":\"\",\"is_import\":%s}\n", it->is_import ? "true" : "false");
    }
  }
}

static int run(const ls_opts *o) {
  buoy_diags diags;
  buoy_diags_init(&diags);
  buoy_input in = {o->input,      o->paths.items, o->paths.n,         o->excludes.items,
                   o->excludes.n, o->config,      o->disable_symlinks};
  buoy_workspace ws;
  lister l = {0};
  bool ok = buoy_workspace_open(&ws, &in, &diags);
  if (ok) {
    l.ws = &ws;
    l.diags = &diags;
    buoy_strmap_init(&l.added);
    ok = list_files(&l, o);
  }
  if (ok) print_listed(&l, o->format, stdout);
  buoy_diags_print(&diags, stderr);
  for (uint32_t i = 0; i < l.nsrcs; i++)
    buoy_source_free(&l.srcs[i]);
  free(l.srcs);
  free(l.items);
  buoy_strmap_free(&l.added);
  buoy_workspace_free(&ws);
  buoy_diags_free(&diags);
  fflush(stdout);
  return ok ? 0 : 1;
}

int buoy_cmd_ls_files(int argc, char **argv) {
  ls_opts o;
  memset(&o, 0, sizeof o);
  flag_state st;
  memset(&st, 0, sizeof st);
  int rc = parse_flags(argc, argv, &o, &st);
  if (rc < 0) rc = run(&o);
  for (uint32_t i = 0; i < st.bufs.n; i++)
    free((void *)st.bufs.items[i]);
  free(st.bufs.items);
  free(o.paths.items);
  free(o.excludes.items);
  return rc;
}
