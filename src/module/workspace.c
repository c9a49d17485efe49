/* Resolving an input into a workspace: finding the controlling workspace,
 * choosing the target modules and paths, walking the module directories.
 * The steps and their order follow buf 1.75 (see module.h). */
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "module/config.h"
#include "module/module.h"
#include "module/path.h"

/* Directory nesting walked below a module root. */
#define BM_MAX_WALK_DEPTH 256

struct bm_source {
  buoy_source src;
  struct bm_source *next;
};

typedef struct cfg_entry {
  bool present;
  bm_buf_yaml yaml;
  bm_buf_work work;
} cfg_entry;

/* A workspace found above the input: a v2 buf.yaml or a buf.work.yaml. */
typedef struct control {
  const char *dir; /* absolute */
  const bm_buf_yaml *v2;
  const bm_buf_work *work;
} control;

/* One module as targeting sees it. */
typedef struct mod_target {
  const char *dir; /* relative to the bucket */
  const bm_module_config *cfg;
  bool target;
  bm_strs paths;    /* --path inside the module, relative to its root */
  bm_strs excludes; /* --exclude-path inside the module, relative to its root */
  const char *file; /* a .proto file input inside the module, relative to its root */
} mod_target;

typedef struct ctx {
  buoy_workspace *ws;
  buoy_arena *a;
  buoy_diags *diags;
  const char *cwd; /* absolute, clean */
  bool abs_input;
  bool follow_symlinks;
  bool protofile;
  const char *input_dir; /* absolute */
  const char *bucket;    /* absolute: the workspace root, or where the module search stops */
  const char *subdir;    /* the input directory relative to the bucket */
  bm_strs targets;       /* --path (or the .proto input) relative to the bucket */
  bm_strs excludes;      /* --exclude-path relative to the bucket */
  mod_target *mods;
  uint32_t nmods;
} ctx;

static bool fail(ctx *c, const char *fmt, ...) BUOY_PRINTF(2, 3);
static bool fail(ctx *c, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  buoy_diag_addv(c->diags, BUOY_ERROR, NULL, 0, fmt, ap);
  va_end(ap);
  return false;
}

/* How a path is shown: relative to the current directory, unless the input was absolute. */
static const char *shown(ctx *c, const char *abs) {
  if (c->abs_input) return abs;
  const char *r = bm_rel(c->a, c->cwd, abs);
  return r ? r : abs;
}

static const char *in_bucket(ctx *c, const char *rel) { return bm_join(c->a, c->bucket, rel); }

static bm_strs strs_new(ctx *c, uint32_t cap) {
  bm_strs s = {buoy_arena_alloc(c->a, sizeof(char *) * (cap ? cap : 1)), 0};
  return s;
}

/* ---- configuration files ---- */

/* Reads abs_dir/name into a source the workspace owns: 1, 0 when there is
 * no such file, -1 on error (reported). */
static int read_source(ctx *c, const char *abs_dir, const char *name, buoy_source **out) {
  const char *path = shown(c, bm_join(c->a, abs_dir, name));
  struct bm_source *s = calloc(1, sizeof *s);
  if (!s) abort();
  if (buoy_source_read(&s->src, path) != 0) {
    int e = errno;
    free(s);
    if (e == ENOENT || e == ENOTDIR) return 0;
    fail(c, "%s: cannot read: %s", path, strerror(e));
    return -1;
  }
  s->next = c->ws->sources;
  c->ws->sources = s;
  *out = &s->src;
  return 1;
}

static cfg_entry *cached(ctx *c, const char *key, bool *hit) {
  cfg_entry *e = buoy_strmap_get(&c->ws->configs, key, strlen(key));
  *hit = e != NULL;
  if (!e) {
    e = BUOY_NEW(c->a, cfg_entry);
    buoy_strmap_put(&c->ws->configs, key, strlen(key), e);
  }
  return e;
}

/* abs_dir/buf.yaml (or its old name buf.mod): 1 with *out set, 0 when absent, -1 on error. */
static int load_buf_yaml(ctx *c, const char *abs_dir, const bm_buf_yaml **out) {
  bool hit;
  cfg_entry *e = cached(c, bm_join(c->a, abs_dir, "buf.yaml"), &hit);
  if (!hit) {
    static const char *const names[] = {"buf.yaml", "buf.mod"};
    for (int i = 0; i < 2 && !e->present; i++) {
      buoy_source *src;
      int r = read_source(c, abs_dir, names[i], &src);
      if (r < 0) return -1;
      if (r == 0) continue;
      if (!bm_decode_buf_yaml(c->a, src, c->diags, &e->yaml)) return -1;
      if (i == 1 && e->yaml.version == BM_V2) {
        buoy_diag_add(c->diags, BUOY_ERROR, src, 0, "buf.mod files cannot have version v2; rename it buf.yaml");
        return -1;
      }
      e->present = true;
    }
  }
  *out = &e->yaml;
  return e->present;
}

/* abs_dir/buf.work.yaml (or buf.work). */
static int load_buf_work(ctx *c, const char *abs_dir, const bm_buf_work **out) {
  bool hit;
  cfg_entry *e = cached(c, bm_join(c->a, abs_dir, "buf.work.yaml"), &hit);
  if (!hit) {
    static const char *const names[] = {"buf.work.yaml", "buf.work"};
    for (int i = 0; i < 2 && !e->present; i++) {
      buoy_source *src;
      int r = read_source(c, abs_dir, names[i], &src);
      if (r < 0) return -1;
      if (r == 0) continue;
      if (!bm_decode_buf_work(c->a, src, c->diags, &e->work)) return -1;
      e->present = true;
    }
  }
  *out = &e->work;
  return e->present;
}

/* Whether the workspace configured in dir controls the directory input
 * (absolute): 1 with *out filled, 0, or -1 on error. */
static int controls(ctx *c, const char *dir, const char *input, control *out) {
  const bm_buf_work *work;
  const bm_buf_yaml *yaml;
  int has_work = load_buf_work(c, dir, &work);
  if (has_work < 0) return -1;
  int has_yaml = load_buf_yaml(c, dir, &yaml);
  if (has_yaml < 0) return -1;
  if (has_work && has_yaml) {
    fail(c, "%s: a directory cannot have both a buf.work.yaml and a buf.yaml", shown(c, dir));
    return -1;
  }
  const char *rel = bm_rel(c->a, dir, input);
  memset(out, 0, sizeof *out);
  out->dir = dir;
  if (has_yaml && yaml->version == BM_V2) {
    bool hit = strcmp(dir, input) == 0;
    for (uint32_t i = 0; i < yaml->nmodules && !hit; i++)
      hit = bm_equals_or_contains(yaml->modules[i].dir, rel) || bm_equals_or_contains(rel, yaml->modules[i].dir);
    if (hit) {
      out->v2 = yaml;
      return 1;
    }
  }
  if (has_work) {
    bool hit = strcmp(dir, input) == 0;
    for (uint32_t i = 0; i < work->dirs.n && !hit; i++)
      hit = bm_equals_or_contains(work->dirs.items[i], rel);
    if (hit) {
      out->work = work;
      return 1;
    }
  }
  return 0;
}

/* Whether dir holds a buf.yaml of version v1 (not v1beta1: buf's upward
 * search does not stop at those): 1, 0, or -1 on error. */
static int v1_module_at(ctx *c, const char *dir) {
  const bm_buf_yaml *yaml;
  int r = load_buf_yaml(c, dir, &yaml);
  if (r <= 0) return r;
  return yaml->version == BM_V1;
}

/* ---- where the workspace is ---- */

/* Looks for the controlling workspace from the input directory up to the
 * file system root: 1 found, 0 not, -1 on error. */
static int find_controlling(ctx *c, control *out) {
  const char *dir = c->input_dir;
  for (;;) {
    int r = controls(c, dir, c->input_dir, out);
    if (r != 0) return r;
    if (strcmp(dir, "/") == 0) return 0;
    dir = bm_dir(c->a, dir);
  }
}

static bool map_paths(ctx *c, const char *const *in, uint32_t n, bool check, bm_strs *out, const char *flag) {
  *out = strs_new(c, n);
  for (uint32_t i = 0; i < n; i++) {
    const char *abs = bm_is_abs(in[i]) ? bm_clean(c->a, in[i]) : bm_join(c->a, c->cwd, in[i]);
    const char *rel = bm_rel(c->a, c->bucket, abs);
    if (!rel) rel = abs;
    if (check && (bm_escapes(rel) || bm_is_abs(rel)))
      return fail(c, "%s %s is outside the workspace at %s", flag, in[i], shown(c, c->bucket));
    out->items[out->n++] = rel;
  }
  return true;
}

/* Chooses the directory everything is relative to (buf's bucket) and maps
 * the input, --path and --exclude-path into it. */
static bool locate(ctx *c, const buoy_input *in, const char *input, control *found, bool *has_control) {
  int r = find_controlling(c, found);
  if (r < 0) return false;
  *has_control = r > 0;
  if (*has_control) {
    c->bucket = found->dir;
  } else if (c->abs_input) {
    c->bucket = c->input_dir;
  } else {
    /* Relative: the current directory when the input is inside it. */
    const char *dir = c->protofile ? bm_dir(c->a, bm_clean(c->a, input)) : input;
    c->bucket = bm_is_local(c->a, dir) ? c->cwd : c->input_dir;
  }
  c->subdir = bm_rel(c->a, c->bucket, c->input_dir);
  if (c->protofile) {
    const char *file = bm_is_abs(input) ? bm_clean(c->a, input) : bm_join(c->a, c->cwd, input);
    return map_paths(c, &file, 1, *has_control, &c->targets, "the input");
  }
  return map_paths(c, in->paths, in->npaths, *has_control, &c->targets, "--path") &&
         map_paths(c, in->exclude_paths, in->nexclude_paths, *has_control, &c->excludes, "--exclude-path");
}

/* buf's checks of --path and --exclude-path against the input and each other. */
static bool check_targeting(ctx *c) {
  for (uint32_t i = 0; i < c->targets.n; i++) {
    const char *t = c->targets.items[i];
    if (strcmp(t, c->subdir) == 0) return fail(c, "--path %s is the input itself, which is not allowed", t);
    for (uint32_t j = 0; j < c->excludes.n; j++) {
      const char *e = c->excludes.items[j];
      if (strcmp(t, e) == 0) return fail(c, "%s is given to both --path and --exclude-path", t);
      if (bm_equals_or_contains(e, t))
        return fail(c, "--exclude-path %s contains --path %s, so nothing in it could be listed", e, t);
    }
  }
  for (uint32_t j = 0; j < c->excludes.n; j++)
    if (strcmp(c->excludes.items[j], c->subdir) == 0)
      return fail(c, "--exclude-path %s is the input itself, which would exclude everything", c->excludes.items[j]);
  return true;
}

/* ---- which modules, which paths ---- */

/* Maps a module-relative path to the root containing it. */
static bool apply_roots(ctx *c, const bm_module_config *cfg, const char *p, const char **out) {
  const char *match = NULL;
  for (uint32_t i = 0; i < cfg->roots.n; i++)
    if (bm_contains(cfg->roots.items[i], p)) {
      if (match) return fail(c, "%s is inside more than one root", p);
      match = cfg->roots.items[i];
    }
  if (!match) return fail(c, "%s is not inside any of the module's roots", p);
  *out = bm_rel(c->a, match, p);
  return true;
}

/* Decides whether one module is a target and with which paths (buf's module targeting). */
static bool target_module(ctx *c, mod_target *m, bool tentative) {
  if (!tentative) return true;
  m->target = c->targets.n == 0 && !c->protofile;
  m->paths = strs_new(c, c->targets.n);
  m->excludes = strs_new(c, c->excludes.n);
  if (c->protofile) {
    const char *t = c->targets.items[0];
    if (bm_contains(m->dir, t)) {
      m->target = true;
      if (!apply_roots(c, m->cfg, bm_rel(c->a, m->dir, t), &m->file)) return false;
    }
    return true;
  }
  for (uint32_t i = 0; i < c->targets.n; i++) {
    const char *t = c->targets.items[i];
    if (strcmp(t, m->dir) == 0)
      return fail(c, "--path %s names a whole module; give the module directory as the input instead", t);
    if (!bm_contains(m->dir, t)) continue;
    m->target = true;
    if (!apply_roots(c, m->cfg, bm_rel(c->a, m->dir, t), &m->paths.items[m->paths.n++])) return false;
  }
  if (!m->target) return true;
  for (uint32_t i = 0; i < c->excludes.n; i++) {
    const char *e = c->excludes.items[i];
    if (strcmp(e, m->dir) == 0)
      return fail(c, "--exclude-path %s names a whole module, which this flag cannot exclude", e);
    if (!bm_contains(m->dir, e)) continue;
    if (!apply_roots(c, m->cfg, bm_rel(c->a, m->dir, e), &m->excludes.items[m->excludes.n++])) return false;
  }
  return true;
}

/* After targeting: the input must have matched a module, and something must be targeted. */
static bool check_targeted(ctx *c, bool any_tentative) {
  if (!any_tentative) {
    for (uint32_t i = 0; i < c->nmods; i++)
      if (bm_contains(c->mods[i].dir, c->subdir))
        return fail(c,
                    "input %s is inside module %s: give the module (or the workspace) as the input, and select "
                    "the directory with --path",
                    shown(c, c->input_dir), shown(c, in_bucket(c, c->mods[i].dir)));
    return fail(c, "input %s contains none of the workspace's modules", shown(c, c->input_dir));
  }
  for (uint32_t i = 0; i < c->nmods; i++)
    if (c->mods[i].target) return true;
  return fail(c, "no .proto files were targeted: the input has none, --path names none, or --exclude-path excludes "
                 "them all");
}

static bool target_v2(ctx *c, const bm_buf_yaml *yaml) {
  c->mods = buoy_arena_alloc(c->a, sizeof(mod_target) * yaml->nmodules);
  c->nmods = yaml->nmodules;
  bool any = false;
  for (uint32_t i = 0; i < yaml->nmodules; i++) {
    mod_target *m = &c->mods[i];
    m->cfg = &yaml->modules[i];
    m->dir = m->cfg->dir;
    bool tentative = c->protofile || bm_equals_or_contains(c->subdir, m->dir);
    any |= tentative;
    if (!target_module(c, m, tentative)) return false;
  }
  return check_targeted(c, any);
}

/* v1 workspaces: each directory is a module with its own (v1 or v1beta1)
 * buf.yaml, or the override configuration. */
static bool target_v1(ctx *c, const bm_strs *dirs, const bm_buf_yaml *override) {
  c->mods = buoy_arena_alloc(c->a, sizeof(mod_target) * (dirs->n ? dirs->n : 1));
  c->nmods = dirs->n;
  bool any = false;
  for (uint32_t i = 0; i < dirs->n; i++) {
    mod_target *m = &c->mods[i];
    m->dir = dirs->items[i];
    const bm_buf_yaml *yaml = override;
    if (!yaml) {
      int r = load_buf_yaml(c, in_bucket(c, m->dir), &yaml);
      if (r < 0) return false;
      if (r == 0) yaml = NULL;
    }
    if (yaml && yaml->version == BM_V2)
      return fail(c, "%s: a module of a buf.work.yaml workspace needs a buf.yaml of version v1 or v1beta1",
                  shown(c, bm_join(c->a, in_bucket(c, m->dir), "buf.yaml")));
    if (yaml) {
      m->cfg = &yaml->modules[0];
    } else {
      bm_module_config *d = BUOY_NEW(c->a, bm_module_config);
      bm_default_module(c->a, ".", d);
      m->cfg = d;
    }
    bool tentative = c->protofile || bm_equals_or_contains(c->subdir, m->dir);
    any |= tentative;
    if (!target_module(c, m, tentative)) return false;
  }
  return check_targeted(c, any);
}

/* Walks from path (relative to the bucket) up to the bucket root looking for
 * a v1 module, and unless v1_only also for a controlling workspace. Returns
 * 1 with *v1 (a bucket-relative directory) or *found set, 0, -1 on error. */
static int search_up(ctx *c, const char *path, bool v1_only, const char **v1, control *found, bool *is_ws) {
  *v1 = NULL;
  *is_ws = false;
  if (bm_escapes(path) || bm_is_abs(path)) {
    fail(c, "%s is outside %s, where buoy looks for its configuration", shown(c, in_bucket(c, path)),
         shown(c, c->bucket));
    return -1;
  }
  const char *input = in_bucket(c, path);
  for (const char *dir = path;; dir = bm_dir(c->a, dir)) {
    if (!v1_only) {
      int r = controls(c, in_bucket(c, dir), input, found);
      if (r < 0) return -1;
      if (r > 0) {
        *is_ws = true;
        return 1;
      }
    }
    int r = v1_module_at(c, in_bucket(c, dir));
    if (r < 0) return -1;
    if (r > 0) {
      if (*v1) {
        fail(c, "module %s is nested in module %s, which is not allowed", shown(c, in_bucket(c, *v1)),
             shown(c, in_bucket(c, dir)));
        return -1;
      }
      *v1 = dir;
    }
    if (strcmp(dir, ".") == 0) break;
  }
  return *v1 != NULL;
}

/* No workspace controls the input: it is a v1 module (found at or above it
 * within the bucket, or through --path), or a module with defaults. */
static bool target_fallback(ctx *c) {
  bm_strs dirs = strs_new(c, c->targets.n + 1);
  const char *v1;
  control found;
  bool is_ws;
  int r = search_up(c, c->subdir, true, &v1, &found, &is_ws);
  if (r < 0) return false;
  if (r > 0) {
    dirs.items[dirs.n++] = v1;
  } else if (!c->protofile) {
    const control *ws = NULL;
    for (uint32_t i = 0; i < c->targets.n; i++) {
      control f;
      r = search_up(c, c->targets.items[i], false, &v1, &f, &is_ws);
      if (r < 0) return false;
      if (r == 0) continue;
      if (!is_ws) {
        dirs.items[dirs.n++] = v1;
        continue;
      }
      if (ws && (strcmp(ws->dir, f.dir) != 0 || !ws->v2 != !f.v2))
        return fail(c, "--path names files in different workspaces (%s and %s)", shown(c, ws->dir), shown(c, f.dir));
      found = f;
      ws = &found;
    }
    if (ws && dirs.n)
      return fail(c, "the workspace at %s does not contain every module --path names", shown(c, ws->dir));
    if (ws && ws->v2) return target_v2(c, ws->v2);
    if (ws) dirs = ws->work->dirs;
  }
  if (dirs.n == 0) dirs.items[dirs.n++] = c->subdir;
  return target_v1(c, &dirs, NULL);
}

/* --config: a file when it ends in .yaml, .yml or .json, else the text itself. */
static bool load_override(ctx *c, const char *config, bm_buf_yaml *out) {
  struct bm_source *s = calloc(1, sizeof *s);
  if (!s) abort();
  if (bm_has_ext(config, ".yaml") || bm_has_ext(config, ".yml") || bm_has_ext(config, ".json")) {
    const char *path = buoy_arena_strndup(c->a, config, strlen(config));
    if (buoy_source_read(&s->src, path) != 0) {
      int e = errno;
      free(s);
      return fail(c, "--config %s: cannot read: %s", config, strerror(e));
    }
  } else {
    buoy_source_from_memory(&s->src, "--config", config, strlen(config));
  }
  s->next = c->ws->sources;
  c->ws->sources = s;
  return bm_decode_buf_yaml(c->a, &s->src, c->diags, out);
}

static bool choose_modules(ctx *c, const buoy_input *in, const control *found, bool has_control) {
  if (in->config && in->config[0]) {
    bm_buf_yaml *yaml = BUOY_NEW(c->a, bm_buf_yaml);
    if (!load_override(c, in->config, yaml)) return false;
    if (yaml->version == BM_V2) return target_v2(c, yaml);
    bm_strs dirs = strs_new(c, 1);
    dirs.items[dirs.n++] = c->subdir;
    return target_v1(c, &dirs, yaml);
  }
  if (has_control && found->v2) return target_v2(c, found->v2);
  if (has_control) return target_v1(c, &found->work->dirs, NULL);
  return target_fallback(c);
}

/* ---- walking module directories ---- */

typedef struct walk {
  ctx *c;
  buoy_strmap seen; /* real paths of everything listed or entered */
  const char **files;
  uint32_t nfiles, cap;
} walk;

static bool seen_before(walk *w, const char *real) {
  if (buoy_strmap_get(&w->seen, real, strlen(real))) return true;
  buoy_strmap_put(&w->seen, real, strlen(real), (void *)1);
  return false;
}

static void add_file(walk *w, const char *rel) {
  if (w->nfiles == w->cap) {
    w->cap = w->cap ? w->cap * 2 : 64;
    const char **f = buoy_arena_alloc_raw(w->c->a, sizeof(char *) * w->cap);
    if (w->nfiles) memcpy(f, w->files, sizeof(char *) * w->nfiles);
    w->files = f;
  }
  w->files[w->nfiles++] = rel;
}

static int cmp_cstr(const void *x, const void *y) { return strcmp(*(const char *const *)x, *(const char *const *)y); }

/* The names in dir, sorted; NULL with *n = 0 when it cannot be read. */
static char **list_dir(ctx *c, const char *dir, uint32_t *n, int *err) {
  *n = 0;
  *err = 0;
  DIR *d = opendir(dir);
  if (!d) {
    *err = errno;
    return NULL;
  }
  uint32_t cap = 16;
  char **names = malloc(sizeof(char *) * cap);
  if (!names) abort();
  struct dirent *e;
  while ((e = readdir(d))) {
    if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0) continue;
    if (*n == cap) {
      cap *= 2;
      names = realloc(names, sizeof(char *) * cap);
      if (!names) abort();
    }
    names[(*n)++] = buoy_arena_strndup(c->a, e->d_name, strlen(e->d_name));
  }
  closedir(d);
  if (*n > 1) qsort(names, *n, sizeof(char *), cmp_cstr);
  return names;
}

static bool walk_dir(walk *w, const char *fs_dir, const char *real_dir, const char *rel, int depth);

/* One directory entry: descend into directories, keep .proto files. A path
 * reached through a symbolic link is skipped when its target was already
 * seen (so links never loop and never repeat a file). */
static bool walk_entry(walk *w, const char *fs_dir, const char *real_dir, const char *rel, const char *name,
                       int depth) {
  ctx *c = w->c;
  const char *fs = bm_join(c->a, fs_dir, name);
  const char *child_rel = rel[0] ? bm_join(c->a, rel, name) : name;
  struct stat st;
  if (lstat(fs, &st) != 0) return true;
  const char *real;
  if (S_ISLNK(st.st_mode)) {
    char buf[PATH_MAX];
    if (!c->follow_symlinks || stat(fs, &st) != 0 || !realpath(fs, buf)) return true;
    real = buoy_arena_strndup(c->a, buf, strlen(buf));
    if (seen_before(w, real)) return true;
  } else {
    real = bm_join(c->a, real_dir, name);
    seen_before(w, real);
  }
  if (S_ISDIR(st.st_mode)) return walk_dir(w, fs, real, child_rel, depth + 1);
  if (S_ISREG(st.st_mode) && bm_has_ext(name, ".proto")) add_file(w, child_rel);
  return true;
}

static bool walk_dir(walk *w, const char *fs_dir, const char *real_dir, const char *rel, int depth) {
  ctx *c = w->c;
  if (depth > BM_MAX_WALK_DEPTH)
    return fail(c, "%s: directories nested more than %d deep", shown(c, fs_dir), BM_MAX_WALK_DEPTH);
  uint32_t n;
  int err;
  char **names = list_dir(c, fs_dir, &n, &err);
  if (!names) {
    if (err == ENOENT || err == ENOTDIR || depth > 0) return true;
    return fail(c, "%s: cannot read directory: %s", shown(c, fs_dir), strerror(err));
  }
  bool ok = true;
  for (uint32_t i = 0; i < n && ok; i++)
    ok = walk_entry(w, fs_dir, real_dir, rel, names[i], depth);
  free(names);
  return ok;
}

/* The .proto files under one root of a module, relative to the root. */
static bool walk_root(ctx *c, const char *abs_root, const char ***files, uint32_t *n) {
  walk w = {c, {0}, NULL, 0, 0};
  buoy_strmap_init(&w.seen);
  char buf[PATH_MAX];
  const char *real = realpath(abs_root, buf) ? buoy_arena_strndup(c->a, buf, strlen(buf)) : abs_root;
  seen_before(&w, real);
  bool ok = walk_dir(&w, abs_root, real, "", 0);
  buoy_strmap_free(&w.seen);
  *files = w.files;
  *n = w.nfiles;
  return ok;
}

/* ---- assembling the workspace ---- */

static bool under_any(const bm_strs *dirs, const char *p) {
  for (uint32_t i = 0; i < dirs->n; i++)
    if (bm_equals_or_contains(dirs->items[i], p)) return true;
  return false;
}

/* Whether --path, --exclude-path and a .proto input select this file of a target module. */
static bool is_target(const mod_target *m, const char *import_path) {
  if (!m->target) return false;
  if (m->file) return strcmp(m->file, import_path) == 0;
  if (m->paths.n && !under_any(&m->paths, import_path)) return false;
  return !under_any(&m->excludes, import_path);
}

typedef struct file_vec {
  buoy_module_file *items;
  uint32_t n, cap;
} file_vec;

static void push_file(ctx *c, file_vec *v, buoy_module_file f) {
  if (v->n == v->cap) {
    v->cap = v->cap ? v->cap * 2 : 64;
    buoy_module_file *items = buoy_arena_alloc_raw(c->a, sizeof *items * v->cap);
    if (v->n) memcpy(items, v->items, sizeof *items * v->n);
    v->items = items;
  }
  v->items[v->n++] = f;
}

/* Adds one root of a module: its buoy_module entry and its files. */
static bool add_root(ctx *c, const mod_target *m, const char *root, file_vec *files, uint32_t *count) {
  buoy_workspace *ws = c->ws;
  const char *abs_root = bm_join(c->a, in_bucket(c, m->dir), root);
  buoy_module *mod = &ws->modules[ws->nmodules];
  mod->root = shown(c, abs_root);
  mod->dir = m->dir;
  mod->name = m->cfg->name;
  mod->target = m->target;
  const char **found;
  uint32_t n;
  if (!walk_root(c, abs_root, &found, &n)) return false;
  for (uint32_t i = 0; i < n; i++) {
    const char *in_module = bm_join(c->a, root, found[i]);
    if (under_any(&m->cfg->excludes, in_module)) continue;
    if (m->cfg->includes.n && !under_any(&m->cfg->includes, in_module)) continue;
    buoy_module_file f = {bm_join(c->a, mod->root, found[i]), found[i], ws->nmodules, is_target(m, found[i])};
    push_file(c, files, f);
    mod->nfiles++;
    (*count)++;
  }
  ws->nmodules++;
  return true;
}

static int cmp_file(const void *x, const void *y) {
  return strcmp(((const buoy_module_file *)x)->path, ((const buoy_module_file *)y)->path);
}

static bool assemble(ctx *c) {
  buoy_workspace *ws = c->ws;
  uint32_t nroots = 0;
  for (uint32_t i = 0; i < c->nmods; i++)
    nroots += c->mods[i].cfg->roots.n;
  ws->modules = buoy_arena_alloc(c->a, sizeof(buoy_module) * (nroots ? nroots : 1));
  file_vec files = {0};
  for (uint32_t i = 0; i < c->nmods; i++) {
    const mod_target *m = &c->mods[i];
    uint32_t count = 0;
    for (uint32_t r = 0; r < m->cfg->roots.n; r++)
      if (!add_root(c, m, m->cfg->roots.items[r], &files, &count)) return false;
    if (count == 0) return fail(c, "module %s has no .proto files", shown(c, in_bucket(c, m->dir)));
  }
  for (uint32_t i = 0; i < files.n; i++) {
    buoy_module_file *f = &files.items[i];
    buoy_module_file *prev = buoy_strmap_put(&ws->by_import, f->import_path, strlen(f->import_path), f);
    if (prev)
      return fail(c, "%s is in more than one module: %s and %s", f->import_path, ws->modules[prev->module].root,
                  ws->modules[f->module].root);
    ws->ntargets += f->target;
  }
  if (files.n > 1) qsort(files.items, files.n, sizeof *files.items, cmp_file);
  ws->files = files.items;
  ws->nfiles = files.n;
  /* The map pointed into the unsorted order: point it at the sorted files. */
  for (uint32_t i = 0; i < files.n; i++)
    buoy_strmap_put(&ws->by_import, files.items[i].import_path, strlen(files.items[i].import_path), &files.items[i]);
  return true;
}

/* ---- the input ---- */

static bool has_any_ext(const char *p, const char *const *exts) {
  for (; *exts; exts++)
    if (bm_has_ext(p, *exts)) return true;
  return false;
}

/* Classifies the input as buf does by its name; false for formats buoy does not read. */
static bool classify(ctx *c, const char *input) {
  static const char *const other[] = {".bin", ".binpb",  ".json",    ".txtpb", ".yaml", ".yml", ".tar",
                                      ".tgz", ".tar.gz", ".tar.zst", ".zip",   ".git",  NULL};
  if (strcmp(input, "-") == 0 || strchr(input, '#'))
    return fail(c, "%s: buoy reads directories and .proto files only", input);
  c->protofile = bm_has_ext(input, ".proto");
  if (!c->protofile && has_any_ext(input, other))
    return fail(c, "%s: buoy reads directories and .proto files, not images, archives or repositories", input);
  return true;
}

static bool check_input_dir(ctx *c, const char *input) {
  if (c->protofile) return true;
  struct stat st;
  if (stat(c->input_dir, &st) != 0) return fail(c, "%s: %s", input, strerror(errno));
  if (!S_ISDIR(st.st_mode)) return fail(c, "%s: not a directory or a .proto file", input);
  return true;
}

static bool open_workspace(ctx *c, const buoy_input *in) {
  const char *input = in->input && in->input[0] ? in->input : ".";
  if (!classify(c, input)) return false;
  if (c->protofile && in->npaths) return fail(c, "--path cannot be used with a .proto file input");
  if (c->protofile && in->nexclude_paths) return fail(c, "--exclude-path cannot be used with a .proto file input");
  c->abs_input = bm_is_abs(input);
  const char *abs = c->abs_input ? bm_clean(c->a, input) : bm_join(c->a, c->cwd, input);
  c->input_dir = c->protofile ? bm_dir(c->a, abs) : abs;
  if (!check_input_dir(c, input)) return false;
  control found;
  bool has_control;
  if (!locate(c, in, input, &found, &has_control)) return false;
  if (!check_targeting(c)) return false;
  if (!choose_modules(c, in, &found, has_control)) return false;
  return assemble(c);
}

bool buoy_workspace_open(buoy_workspace *ws, const buoy_input *in, buoy_diags *diags) {
  memset(ws, 0, sizeof *ws);
  buoy_arena_init(&ws->arena);
  buoy_strmap_init(&ws->by_import);
  buoy_strmap_init(&ws->configs);
  ctx c;
  memset(&c, 0, sizeof c);
  c.ws = ws;
  c.a = &ws->arena;
  c.diags = diags;
  c.follow_symlinks = !in->disable_symlinks;
  char buf[PATH_MAX];
  if (!getcwd(buf, sizeof buf)) return fail(&c, "cannot find the current directory: %s", strerror(errno));
  c.cwd = bm_clean(c.a, buf);
  return open_workspace(&c, in);
}

const buoy_module_file *buoy_workspace_find(const buoy_workspace *ws, const char *import_path) {
  return buoy_strmap_get(&ws->by_import, import_path, strlen(import_path));
}

void buoy_workspace_free(buoy_workspace *ws) {
  for (struct bm_source *s = ws->sources; s;) {
    struct bm_source *next = s->next;
    buoy_source_free(&s->src);
    free(s);
    s = next;
  }
  buoy_strmap_free(&ws->by_import);
  buoy_strmap_free(&ws->configs);
  buoy_arena_free(&ws->arena);
  memset(ws, 0, sizeof *ws);
}
