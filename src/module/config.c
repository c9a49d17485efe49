#include "module/config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "module/path.h"
#include "module/yaml.h"

typedef by_ctx ctx;

/* ---- typed fields ---- */

/* A list of strings; each item's node is kept in nodes (when not NULL) for messages. */
static bool get_strings(ctx *c, const by_node *n, const char *what, bm_strs *out, const by_node ***nodes) {
  memset(out, 0, sizeof *out);
  if (nodes) *nodes = NULL;
  if (by_is_null(n)) return true;
  if (n->kind != BY_SEQ) return by_fail(c, n, "%s must be a list of strings", what);
  out->items = buoy_arena_alloc(c->a, sizeof(char *) * (n->n + 1));
  if (nodes) *nodes = buoy_arena_alloc(c->a, sizeof(by_node *) * (n->n + 1));
  for (uint32_t i = 0; i < n->n; i++) {
    const by_node *item = n->items[i];
    if (!by_is_null(item) && item->kind != BY_SCALAR) return by_fail(c, item, "%s must be a list of strings", what);
    out->items[out->n] = by_is_null(item) ? "" : item->str;
    if (nodes) (*nodes)[out->n] = item;
    out->n++;
  }
  return true;
}

/* A mapping (or null, which reads as an empty mapping). */
static bool get_map(ctx *c, const by_node *n, const char *what) {
  if (by_is_null(n) || n->kind == BY_MAP) return true;
  return by_fail(c, n, "%s must be a mapping", what);
}

/* ---- paths ---- */

/* Cleans a path from the configuration; it must stay inside the directory of
 * the configuration file. */
static bool valid_path(ctx *c, const by_node *at, const char *what, const char *p, const char **out) {
  *out = bm_clean(c->a, p);
  if (bm_is_abs(*out)) return by_fail(c, at, "%s \"%s\" must be a relative path", what, p);
  if (bm_escapes(*out)) return by_fail(c, at, "%s \"%s\" points outside the directory of the configuration", what, p);
  return true;
}

/* registry/owner/name: three non-empty parts. */
static bool valid_full_name(const char *s) {
  int parts = 0;
  const char *p = s;
  for (;;) {
    const char *slash = strchr(p, '/');
    size_t len = slash ? (size_t)(slash - p) : strlen(p);
    if (len == 0) return false;
    parts++;
    if (!slash) break;
    p = slash + 1;
  }
  return parts == 3;
}

static bool check_name(ctx *c, const by_node *at, const char *name) {
  if (!name[0] || valid_full_name(name)) return true;
  return by_fail(c, at, "module name \"%s\" must have the form registry/owner/name", name);
}

static bool check_deps(ctx *c, const by_node *n) {
  bm_strs deps;
  const by_node **nodes;
  if (!get_strings(c, n, "deps", &deps, &nodes)) return false;
  for (uint32_t i = 0; i < deps.n; i++) {
    /* registry/owner/name, optionally followed by :ref */
    char *name = buoy_arena_strndup(c->a, deps.items[i], strlen(deps.items[i]));
    char *colon = strchr(name, ':');
    if (colon) *colon = 0;
    if (!valid_full_name(name) || (colon && !colon[1]))
      return by_fail(c, nodes[i], "dependency \"%s\" must have the form registry/owner/name[:ref]", deps.items[i]);
  }
  return true;
}

/* ---- lint, breaking, plugins, policies: checked for shape and paths ---- */

static const char *const lint_v1_keys[] = {"use",
                                           "except",
                                           "ignore",
                                           "ignore_only",
                                           "enum_zero_value_suffix",
                                           "rpc_allow_same_request_response",
                                           "rpc_allow_google_protobuf_empty_requests",
                                           "rpc_allow_google_protobuf_empty_responses",
                                           "service_suffix",
                                           "allow_comment_ignores",
                                           "disable_builtin",
                                           NULL};
static const char *const lint_v2_keys[] = {"use",
                                           "except",
                                           "ignore",
                                           "ignore_only",
                                           "enum_zero_value_suffix",
                                           "rpc_allow_same_request_response",
                                           "rpc_allow_google_protobuf_empty_requests",
                                           "rpc_allow_google_protobuf_empty_responses",
                                           "service_suffix",
                                           "disallow_comment_ignores",
                                           "disable_builtin",
                                           NULL};
static const char *const breaking_keys[] = {
    "use", "except", "ignore", "ignore_only", "ignore_unstable_packages", "disable_builtin", NULL};

/* Ignore paths are relative to the workspace; with module_dir set (a
 * module's own section) they must lie inside that module. */
static bool check_ignore_paths(ctx *c, const by_node *list, const char *what, const char *module_dir) {
  bm_strs paths;
  const by_node **nodes;
  if (!get_strings(c, list, what, &paths, &nodes)) return false;
  for (uint32_t i = 0; i < paths.n; i++) {
    const char *p;
    if (!valid_path(c, nodes[i], what, paths.items[i], &p)) return false;
    if (module_dir && !bm_equals_or_contains(module_dir, p))
      return by_fail(c, nodes[i], "%s: \"%s\" is not inside module directory \"%s\"", what, p, module_dir);
  }
  return true;
}

static bool check_checks(ctx *c, const by_node *n, const char *what, const char *const *keys, const char *module_dir) {
  if (!get_map(c, n, what)) return false;
  if (by_is_null(n)) return true;
  if (!by_check_keys(c, n, what, keys)) return false;
  bm_strs ignored;
  const char *s;
  char field[64];
  for (uint32_t i = 0; i < n->n; i++) {
    const char *key = n->items[2 * i]->str;
    const by_node *v = n->items[2 * i + 1];
    snprintf(field, sizeof field, "%s.%s", what, key);
    bool ok;
    if (strcmp(key, "use") == 0 || strcmp(key, "except") == 0)
      ok = get_strings(c, v, field, &ignored, NULL);
    else if (strcmp(key, "ignore") == 0)
      ok = check_ignore_paths(c, v, field, module_dir);
    else if (strcmp(key, "ignore_only") == 0) {
      ok = get_map(c, v, field);
      for (uint32_t j = 0; ok && !by_is_null(v) && j < v->n; j++) {
        if (v->items[2 * j]->kind != BY_SCALAR) return by_fail(c, v->items[2 * j], "keys of %s must be strings", field);
        ok = check_ignore_paths(c, v->items[2 * j + 1], field, module_dir);
      }
    } else if (strcmp(key, "enum_zero_value_suffix") == 0 || strcmp(key, "service_suffix") == 0)
      ok = by_get_string(c, v, field, "", &s);
    else
      ok = by_get_bool(c, v, field, NULL);
    if (!ok) return false;
  }
  return true;
}

static bool check_plugins(ctx *c, const by_node *n) {
  static const char *const keys[] = {"plugin", "options", NULL};
  if (by_is_null(n)) return true;
  if (n->kind != BY_SEQ) return by_fail(c, n, "plugins must be a list");
  for (uint32_t i = 0; i < n->n; i++) {
    const by_node *p = n->items[i];
    const char *name = "";
    if (!get_map(c, p, "plugins") || (!by_is_null(p) && !by_check_keys(c, p, "plugins", keys))) return false;
    if (!by_is_null(p) && !by_get_string(c, by_get(p, "plugin"), "plugins.plugin", "", &name)) return false;
    if (!by_is_null(p) && !get_map(c, by_get(p, "options"), "plugins.options")) return false;
    if (!name[0]) return by_fail(c, p, "each plugin needs a \"plugin\" key naming it");
  }
  return true;
}

static bool check_policies(ctx *c, const by_node *n) {
  static const char *const keys[] = {"policy", "ignore", "ignore_only", NULL};
  if (by_is_null(n)) return true;
  if (n->kind != BY_SEQ) return by_fail(c, n, "policies must be a list");
  for (uint32_t i = 0; i < n->n; i++) {
    const by_node *p = n->items[i];
    const char *name = "";
    bm_strs ignored;
    if (!get_map(c, p, "policies") || (!by_is_null(p) && !by_check_keys(c, p, "policies", keys))) return false;
    if (!by_is_null(p)) {
      if (!by_get_string(c, by_get(p, "policy"), "policies.policy", "", &name)) return false;
      if (!get_strings(c, by_get(p, "ignore"), "policies.ignore", &ignored, NULL)) return false;
      if (!get_map(c, by_get(p, "ignore_only"), "policies.ignore_only")) return false;
    }
    if (!name[0]) return by_fail(c, p, "each policy needs a \"policy\" key naming it");
  }
  return true;
}

/* ---- versions ---- */

static int cmp_str(const void *x, const void *y) { return strcmp(*(const char *const *)x, *(const char *const *)y); }

/* The document's root mapping and its version; "" when not set. */
static bool read_version(ctx *c, by_node *root, bool empty, const char **version, const by_node **at) {
  *version = "";
  *at = root;
  if (empty) return by_fail(c, NULL, "the file is empty; it needs at least \"version: v2\"");
  if (!root) return false; /* syntax error, reported */
  if (by_is_null(root)) return by_fail(c, root, "\"version\" is not set; add \"version: v2\"");
  if (root->kind != BY_MAP) return by_fail(c, root, "the configuration must be a mapping of keys to values");
  const by_node *v = by_get(root, "version");
  if (v) *at = v;
  if (!by_get_string(c, v, "version", "", version)) return false;
  return true;
}

/* Cleans and checks a list of paths relative to a module: inside it (but not
 * it), no duplicates, none inside another. */
static bool check_module_paths(ctx *c, const char *what, const char *dir, bm_strs *paths, const by_node **nodes) {
  for (uint32_t i = 0; i < paths->n; i++) {
    const char *p;
    if (!valid_path(c, nodes[i], what, paths->items[i], &p)) return false;
    if (bm_has_ext(p, ".proto"))
      return by_fail(c, nodes[i], "%s \"%s\" names a file; only directories can be given", what, p);
    if (strcmp(p, dir) == 0) return by_fail(c, nodes[i], "%s \"%s\" is the module directory itself", what, p);
    if (!bm_equals_or_contains(dir, p))
      return by_fail(c, nodes[i], "%s \"%s\" is not inside module directory \"%s\"", what, p, dir);
    paths->items[i] = bm_rel(c->a, dir, p);
    for (uint32_t j = 0; j < i; j++) {
      if (strcmp(paths->items[j], paths->items[i]) == 0)
        return by_fail(c, nodes[i], "%s \"%s\" is listed twice", what, p);
      if (bm_contains(paths->items[j], paths->items[i]) || bm_contains(paths->items[i], paths->items[j]))
        return by_fail(c, nodes[i], "%s \"%s\" overlaps another %s", what, p, what);
    }
  }
  return true;
}

static bool decode_v2_module(ctx *c, const by_node *n, const by_node *top_name, bm_module_config *m) {
  static const char *const keys[] = {"path", "name", "includes", "excludes", "lint", "breaking", NULL};
  const char *dir = "";
  memset(m, 0, sizeof *m);
  m->name = "";
  if (!get_map(c, n, "modules")) return false;
  bool null = by_is_null(n);
  if (!null && !by_check_keys(c, n, "modules", keys)) return false;
  if (!null && !by_get_string(c, by_get(n, "path"), "modules.path", "", &dir)) return false;
  if (!valid_path(c, null ? NULL : by_get(n, "path"), "module path", dir[0] ? dir : ".", &m->dir)) return false;
  if (!null && !by_get_string(c, by_get(n, "name"), "modules.name", "", &m->name)) return false;
  if (!check_name(c, null ? top_name : by_get(n, "name"), m->name)) return false;
  const by_node **inc_nodes, **exc_nodes;
  if (!get_strings(c, null ? NULL : by_get(n, "includes"), "includes", &m->includes, &inc_nodes)) return false;
  if (!get_strings(c, null ? NULL : by_get(n, "excludes"), "excludes", &m->excludes, &exc_nodes)) return false;
  if (!check_module_paths(c, "include", m->dir, &m->includes, inc_nodes)) return false;
  if (!check_module_paths(c, "exclude", m->dir, &m->excludes, exc_nodes)) return false;
  for (uint32_t i = 0; i < m->excludes.n; i++) {
    bool inside = m->includes.n == 0;
    for (uint32_t j = 0; j < m->includes.n && !inside; j++)
      inside = bm_contains(m->includes.items[j], m->excludes.items[i]);
    if (!inside) return by_fail(c, exc_nodes[i], "exclude \"%s\" is not inside any include", m->excludes.items[i]);
  }
  if (!null && !check_checks(c, by_get(n, "lint"), "lint", lint_v2_keys, m->dir)) return false;
  if (!null && !check_checks(c, by_get(n, "breaking"), "breaking", breaking_keys, m->dir)) return false;
  m->roots.items = buoy_arena_alloc(c->a, sizeof(char *));
  m->roots.items[0] = ".";
  m->roots.n = 1;
  return true;
}

static int cmp_module(const void *x, const void *y) {
  return strcmp(((const bm_module_config *)x)->dir, ((const bm_module_config *)y)->dir);
}

static bool decode_v2(ctx *c, const by_node *root, bm_buf_yaml *out) {
  static const char *const keys[] = {"version",  "name",    "modules",  "deps", "lint",
                                     "breaking", "plugins", "policies", NULL};
  if (!by_check_keys(c, root, "buf.yaml", keys)) return false;
  const char *name;
  const by_node *modules = by_get(root, "modules");
  if (!by_get_string(c, by_get(root, "name"), "name", "", &name)) return false;
  if (!by_is_null(modules) && modules->kind != BY_SEQ) return by_fail(c, modules, "modules must be a list");
  if (!check_deps(c, by_get(root, "deps"))) return false;
  if (!check_checks(c, by_get(root, "lint"), "lint", lint_v2_keys, NULL)) return false;
  if (!check_checks(c, by_get(root, "breaking"), "breaking", breaking_keys, NULL)) return false;
  if (!check_plugins(c, by_get(root, "plugins")) || !check_policies(c, by_get(root, "policies"))) return false;
  uint32_t n = by_is_null(modules) ? 0 : modules->n;
  if (n > 0 && name[0])
    return by_fail(c, by_get(root, "name"),
                   "a top-level name cannot be combined with modules; name each module instead");
  out->modules = buoy_arena_alloc(c->a, sizeof(bm_module_config) * (n ? n : 1));
  if (n == 0) {
    if (!decode_v2_module(c, NULL, by_get(root, "name"), &out->modules[0])) return false;
    out->modules[0].name = name;
    if (!check_name(c, by_get(root, "name"), name)) return false;
    out->nmodules = 1;
    return true;
  }
  for (uint32_t i = 0; i < n; i++) {
    if (!decode_v2_module(c, modules->items[i], NULL, &out->modules[i])) return false;
    for (uint32_t j = 0; j < i; j++)
      if (strcmp(out->modules[j].dir, out->modules[i].dir) == 0)
        return by_fail(c, modules->items[i], "module directory \"%s\" is listed twice", out->modules[i].dir);
  }
  out->nmodules = n;
  qsort(out->modules, n, sizeof *out->modules, cmp_module);
  return true;
}

/* v1beta1 roots; "." when none. */
static bool decode_roots(ctx *c, const by_node *n, bm_version version, bm_strs *roots) {
  const by_node **nodes;
  if (!get_strings(c, n, "build.roots", roots, &nodes)) return false;
  if (roots->n && version == BM_V1) return by_fail(c, n, "build.roots is only allowed in version v1beta1");
  for (uint32_t i = 0; i < roots->n; i++) {
    if (!valid_path(c, nodes[i], "root", roots->items[i], &roots->items[i])) return false;
    for (uint32_t j = 0; j < i; j++)
      if (strcmp(roots->items[j], roots->items[i]) == 0 || bm_contains(roots->items[j], roots->items[i]) ||
          bm_contains(roots->items[i], roots->items[j]))
        return by_fail(c, nodes[i], "root \"%s\" overlaps another root", roots->items[i]);
  }
  if (roots->n == 0) {
    roots->items = buoy_arena_alloc(c->a, sizeof(char *));
    roots->items[0] = ".";
    roots->n = 1;
  }
  qsort(roots->items, roots->n, sizeof(char *), cmp_str);
  return true;
}

static bool decode_excludes_v1(ctx *c, const by_node *n, const bm_strs *roots, bm_strs *excludes) {
  const by_node **nodes;
  if (!get_strings(c, n, "build.excludes", excludes, &nodes)) return false;
  for (uint32_t i = 0; i < excludes->n; i++) {
    const char *p;
    if (!valid_path(c, nodes[i], "exclude", excludes->items[i], &p)) return false;
    excludes->items[i] = p;
    if (bm_has_ext(p, ".proto"))
      return by_fail(c, nodes[i], "exclude \"%s\" names a file; only directories can be excluded", p);
    uint32_t in = 0;
    for (uint32_t r = 0; r < roots->n; r++) {
      if (strcmp(roots->items[r], p) == 0)
        return by_fail(c, nodes[i], "exclude \"%s\" is a root: it would exclude the whole root", p);
      if (bm_contains(roots->items[r], p)) in++;
    }
    if (in == 0) return by_fail(c, nodes[i], "exclude \"%s\" is not inside any root", p);
    for (uint32_t j = 0; j < i; j++)
      if (strcmp(excludes->items[j], p) == 0) return by_fail(c, nodes[i], "exclude \"%s\" is listed twice", p);
  }
  return true;
}

static bool decode_v1(ctx *c, const by_node *root, bm_version version, bm_buf_yaml *out) {
  static const char *const keys[] = {"version", "name", "deps", "build", "lint", "breaking", NULL};
  static const char *const build_keys[] = {"roots", "excludes", NULL};
  if (!by_check_keys(c, root, "buf.yaml", keys)) return false;
  bm_module_config *m = buoy_arena_alloc(c->a, sizeof *m);
  m->dir = ".";
  if (!by_get_string(c, by_get(root, "name"), "name", "", &m->name) || !check_name(c, by_get(root, "name"), m->name))
    return false;
  if (!check_deps(c, by_get(root, "deps"))) return false;
  const by_node *build = by_get(root, "build");
  if (!get_map(c, build, "build") || (!by_is_null(build) && !by_check_keys(c, build, "build", build_keys)))
    return false;
  if (!decode_roots(c, by_get(build, "roots"), version, &m->roots)) return false;
  if (!decode_excludes_v1(c, by_get(build, "excludes"), &m->roots, &m->excludes)) return false;
  if (!check_checks(c, by_get(root, "lint"), "lint", lint_v1_keys, NULL)) return false;
  if (!check_checks(c, by_get(root, "breaking"), "breaking", breaking_keys, NULL)) return false;
  out->modules = m;
  out->nmodules = 1;
  return true;
}

bool bm_decode_buf_yaml(buoy_arena *a, const buoy_source *src, buoy_diags *diags, bm_buf_yaml *out) {
  ctx c = {a, src, diags};
  memset(out, 0, sizeof *out);
  bool empty;
  by_node *root = by_parse(a, src, diags, &empty);
  const char *version;
  const by_node *at;
  if (!read_version(&c, root, empty, &version, &at)) return false;
  if (!version[0]) return by_fail(&c, at, "\"version\" is not set; add \"version: v2\"");
  if (strcmp(version, "v2") == 0) {
    out->version = BM_V2;
    return decode_v2(&c, root, out);
  }
  if (strcmp(version, "v1") == 0 || strcmp(version, "v1beta1") == 0) {
    out->version = version[2] ? BM_V1BETA1 : BM_V1;
    return decode_v1(&c, root, out->version, out);
  }
  return by_fail(&c, at, "unknown configuration version \"%s\" (buf.yaml knows v1beta1, v1 and v2)", version);
}

bool bm_decode_buf_work(buoy_arena *a, const buoy_source *src, buoy_diags *diags, bm_buf_work *out) {
  static const char *const keys[] = {"version", "directories", NULL};
  ctx c = {a, src, diags};
  memset(out, 0, sizeof *out);
  bool empty;
  by_node *root = by_parse(a, src, diags, &empty);
  const char *version;
  const by_node *at;
  if (!read_version(&c, root, empty, &version, &at)) return false;
  if (!version[0]) return by_fail(&c, at, "\"version\" is not set; add \"version: v1\"");
  if (strcmp(version, "v1") != 0)
    return by_fail(&c, at, "unknown workspace version \"%s\" (buf.work.yaml knows only v1)", version);
  if (!by_check_keys(&c, root, "buf.work.yaml", keys)) return false;
  const by_node *list = by_get(root, "directories");
  const by_node **nodes;
  if (!get_strings(&c, list, "directories", &out->dirs, &nodes)) return false;
  if (out->dirs.n == 0) return by_fail(&c, list ? list : root, "directories is empty: list the workspace's modules");
  for (uint32_t i = 0; i < out->dirs.n; i++) {
    const char *p;
    if (!valid_path(&c, nodes[i], "directory", out->dirs.items[i], &p)) return false;
    if (strcmp(p, ".") == 0)
      return by_fail(&c, nodes[i], "directory \".\" cannot be a workspace directory (that is no workspace at all)");
    out->dirs.items[i] = p;
    for (uint32_t j = 0; j < i; j++) {
      if (strcmp(out->dirs.items[j], p) == 0) return by_fail(&c, nodes[i], "directory \"%s\" is listed twice", p);
      if (bm_contains(out->dirs.items[j], p) || bm_contains(p, out->dirs.items[j]))
        return by_fail(&c, nodes[i], "directories \"%s\" and \"%s\" overlap", out->dirs.items[j], p);
    }
  }
  qsort(out->dirs.items, out->dirs.n, sizeof(char *), cmp_str);
  return true;
}

void bm_default_module(buoy_arena *a, const char *dir, bm_module_config *out) {
  memset(out, 0, sizeof *out);
  out->dir = dir;
  out->name = "";
  out->roots.items = buoy_arena_alloc(a, sizeof(char *));
  out->roots.items[0] = ".";
  out->roots.n = 1;
}
