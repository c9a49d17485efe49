#include "module/gen_config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "module/path.h"
#include "module/yaml.h"

typedef by_ctx ctx;

/* ---- option names ---- */

static const char *const option_names[] = {
    [BG_OPT_JAVA_PACKAGE] = "java_package",
    [BG_OPT_JAVA_PACKAGE_PREFIX] = "java_package_prefix",
    [BG_OPT_JAVA_PACKAGE_SUFFIX] = "java_package_suffix",
    [BG_OPT_JAVA_MULTIPLE_FILES] = "java_multiple_files",
    [BG_OPT_JAVA_OUTER_CLASSNAME] = "java_outer_classname",
    [BG_OPT_JAVA_STRING_CHECK_UTF8] = "java_string_check_utf8",
    [BG_OPT_GO_PACKAGE] = "go_package",
    [BG_OPT_GO_PACKAGE_PREFIX] = "go_package_prefix",
    [BG_OPT_OPTIMIZE_FOR] = "optimize_for",
    [BG_OPT_CSHARP_NAMESPACE] = "csharp_namespace",
    [BG_OPT_CSHARP_NAMESPACE_PREFIX] = "csharp_namespace_prefix",
    [BG_OPT_RUBY_PACKAGE] = "ruby_package",
    [BG_OPT_RUBY_PACKAGE_SUFFIX] = "ruby_package_suffix",
    [BG_OPT_OBJC_CLASS_PREFIX] = "objc_class_prefix",
    [BG_OPT_PHP_NAMESPACE] = "php_namespace",
    [BG_OPT_PHP_METADATA_NAMESPACE] = "php_metadata_namespace",
    [BG_OPT_PHP_METADATA_NAMESPACE_SUFFIX] = "php_metadata_namespace_suffix",
    [BG_OPT_CC_ENABLE_ARENAS] = "cc_enable_arenas",
    [BG_OPT_JSTYPE] = "jstype",
};

const char *bg_option_name(bg_option o) {
  if (o <= BG_OPT_NONE || o > BG_OPT_JSTYPE) return NULL;
  return option_names[o];
}

/* ---- typed values ---- */

/* A string or a list of strings (opt, local). */
static bool get_string_or_list(ctx *c, const by_node *n, const char *what, bm_strs *out) {
  memset(out, 0, sizeof *out);
  if (by_is_null(n)) return true;
  if (n->kind == BY_SCALAR) {
    out->items = buoy_arena_alloc(c->a, sizeof(char *));
    out->items[out->n++] = n->str;
    return true;
  }
  if (n->kind != BY_SEQ) return by_fail(c, n, "%s must be a string or a list of strings", what);
  out->items = buoy_arena_alloc(c->a, sizeof(char *) * (n->n + 1));
  for (uint32_t i = 0; i < n->n; i++) {
    const by_node *item = n->items[i];
    if (item->kind != BY_SCALAR) return by_fail(c, item, "%s must be a string or a list of strings", what);
    out->items[out->n++] = item->str;
  }
  return true;
}

static bool get_list(ctx *c, const by_node *n, const char *what, bm_strs *out) {
  if (!by_is_null(n) && n->kind != BY_SEQ) return by_fail(c, n, "%s must be a list of strings", what);
  return get_string_or_list(c, n, what, out);
}

/* A relative path that stays inside the current directory, cleaned. */
static bool get_path(ctx *c, const by_node *n, const char *what, const char **out) {
  if (!by_get_string(c, n, what, NULL, out)) return false;
  if (!*out) return true;
  if (!(*out)[0]) return by_fail(c, n, "%s must not be empty", what);
  const char *clean = bm_clean(c->a, *out);
  if (bm_is_abs(clean)) return by_fail(c, n, "%s \"%s\" must be a relative path", what, *out);
  if (bm_escapes(clean)) return by_fail(c, n, "%s \"%s\" must not point outside the current directory", what, *out);
  *out = clean;
  return true;
}

/* registry/owner/name: three non-empty parts. */
static bool valid_module_name(const char *s) {
  int parts = 0;
  for (const char *p = s;;) {
    const char *slash = strchr(p, '/');
    size_t len = slash ? (size_t)(slash - p) : strlen(p);
    if (len == 0) return false;
    parts++;
    if (!slash) break;
    p = slash + 1;
  }
  return parts == 3;
}

/* The generators compiled into protoc, which buf hands to protoc
 * (protoc_path, else protoc on PATH); any other NAME is protoc-gen-NAME. */
bool bg_is_protoc_generator(const char *name) {
  static const char *const in_protoc[] = {"cpp", "csharp", "java",   "js",   "kotlin", "objc",
                                          "php", "pyi",    "python", "ruby", "rust",   NULL};
  for (const char *const *k = in_protoc; *k; k++)
    if (strcmp(*k, name) == 0) return true;
  return false;
}

static bool is_protoc_generator(const char *name) { return bg_is_protoc_generator(name); }

static bool refuse_protoc_generator(ctx *c, const by_node *at, const char *name) {
  return by_fail(c, at,
                 "\"%s\" is a generator compiled into protoc, and buoy does not run protoc; use a standalone "
                 "plugin with \"local\" (such as protoc-gen-%s, when one exists)",
                 name, name);
}

/* ---- plugins ---- */

static const char *const plugin_keys[] = {
    "remote",          "local",       "protoc_builtin", "revision", "protoc_path",   "out", "opt",
    "include_imports", "include_wkt", "strategy",       "types",    "exclude_types", NULL};

static bool decode_plugin(ctx *c, const by_node *n, bg_plugin *p) {
  if (n->kind != BY_MAP) return by_fail(c, n, "each plugin must be a mapping");
  if (!by_check_keys(c, n, "a plugin", plugin_keys)) return false;
  const by_node *remote = by_get(n, "remote"), *local = by_get(n, "local"), *builtin = by_get(n, "protoc_builtin");
  int kinds = !by_is_null(remote) + !by_is_null(local) + !by_is_null(builtin);
  if (kinds == 0) return by_fail(c, n, "a plugin needs one of \"remote\", \"local\" or \"protoc_builtin\"");
  if (kinds > 1) return by_fail(c, n, "a plugin takes only one of \"remote\", \"local\" and \"protoc_builtin\"");
  if (!by_is_null(remote))
    return by_fail(c, remote,
                   "remote plugins run on the Buf Schema Registry, which buoy does not reach (no network); "
                   "install the plugin and name it with \"local\"");
  if (!by_is_null(by_get(n, "revision")))
    return by_fail(c, by_get(n, "revision"), "\"revision\" applies to remote plugins only");
  if (!by_is_null(local)) {
    if (!get_string_or_list(c, local, "local", &p->local)) return false;
    if (!p->local.n || !p->local.items[0][0]) return by_fail(c, local, "\"local\" must name a program");
    p->name = p->local.items[0];
  } else {
    if (!by_get_string(c, builtin, "protoc_builtin", NULL, &p->protoc_builtin)) return false;
    if (!p->protoc_builtin[0]) return by_fail(c, builtin, "\"protoc_builtin\" must name a plugin");
    if (is_protoc_generator(p->protoc_builtin)) return refuse_protoc_generator(c, builtin, p->protoc_builtin);
    p->name = p->protoc_builtin;
  }
  const by_node *pp = by_get(n, "protoc_path");
  if (!by_get_string(c, pp, "protoc_path", NULL, &p->protoc_path)) return false;
  if (p->protoc_path && !p->protoc_builtin)
    return by_fail(c, pp, "\"protoc_path\" applies to protoc_builtin plugins only");
  const by_node *out = by_get(n, "out");
  if (by_is_null(out)) return by_fail(c, n, "plugin %s: \"out\" is required", p->name);
  if (!by_get_string(c, out, "out", NULL, &p->out)) return false;
  if (!p->out[0]) return by_fail(c, out, "\"out\" must not be empty");
  if (!get_string_or_list(c, by_get(n, "opt"), "opt", &p->opt)) return false;
  if (!by_get_bool(c, by_get(n, "include_imports"), "include_imports", &p->include_imports)) return false;
  if (!by_get_bool(c, by_get(n, "include_wkt"), "include_wkt", &p->include_wkt)) return false;
  if (p->include_wkt && !p->include_imports)
    return by_fail(c, by_get(n, "include_wkt"), "include_wkt needs include_imports: the well-known types are imports");
  const by_node *st = by_get(n, "strategy");
  const char *strategy;
  if (!by_get_string(c, st, "strategy", NULL, &strategy)) return false;
  if (!strategy || strcmp(strategy, "directory") == 0) {
    p->strategy = BG_STRATEGY_DIRECTORY;
  } else if (strcmp(strategy, "all") == 0) {
    p->strategy = BG_STRATEGY_ALL;
  } else {
    return by_fail(c, st, "unknown strategy \"%s\" (use \"directory\" or \"all\")", strategy);
  }
  if (!get_list(c, by_get(n, "types"), "types", &p->types)) return false;
  if (!get_list(c, by_get(n, "exclude_types"), "exclude_types", &p->exclude_types)) return false;
  return true;
}

/* ---- inputs ---- */

static const char *const input_keys[] = {"directory",
                                         "module",
                                         "proto_file",
                                         "binary_image",
                                         "json_image",
                                         "text_image",
                                         "yaml_image",
                                         "git_repo",
                                         "tarball",
                                         "zip_archive",
                                         "compression",
                                         "strip_components",
                                         "subdir",
                                         "branch",
                                         "tag",
                                         "ref",
                                         "commit",
                                         "depth",
                                         "recurse_submodules",
                                         "include_package_files",
                                         "types",
                                         "exclude_types",
                                         "paths",
                                         "exclude_paths",
                                         NULL};

static bool decode_input(ctx *c, const by_node *n, bg_input *in) {
  static const char *const kinds[] = {"directory",  "module",      "proto_file", "binary_image",
                                      "json_image", "text_image",  "yaml_image", "git_repo",
                                      "tarball",    "zip_archive", NULL};
  if (n->kind != BY_MAP) return by_fail(c, n, "each input must be a mapping");
  if (!by_check_keys(c, n, "an input", input_keys)) return false;
  const char *kind = NULL;
  const by_node *at = NULL;
  for (const char *const *k = kinds; *k; k++) {
    const by_node *v = by_get(n, *k);
    if (by_is_null(v)) continue;
    if (kind)
      return by_fail(c, v, "an input takes only one of directory, module, proto_file, binary_image and the others");
    kind = *k;
    at = v;
  }
  if (!kind) return by_fail(c, n, "an input needs one of directory, module, proto_file or binary_image");
  if (!by_get_string(c, at, kind, NULL, &in->location)) return false;
  if (strcmp(kind, "directory") == 0) {
    in->kind = BG_INPUT_DIRECTORY;
  } else if (strcmp(kind, "proto_file") == 0) {
    in->kind = BG_INPUT_PROTO_FILE;
  } else if (strcmp(kind, "binary_image") == 0) {
    in->kind = BG_INPUT_BINARY_IMAGE;
  } else if (strcmp(kind, "module") == 0) {
    in->kind = BG_INPUT_MODULE;
  } else {
    return by_fail(c, at,
                   "%s inputs are not supported by buoy generate (it reads local directories, .proto files and "
                   "binary images only)",
                   kind);
  }
  /* options of other input kinds (archives, git) are refused with their input */
  static const char *const unsupported[] = {
      "compression", "strip_components",   "subdir", "branch", "tag", "ref", "commit",
      "depth",       "recurse_submodules", NULL};
  for (const char *const *k = unsupported; *k; k++) {
    const by_node *v = by_get(n, *k);
    if (v) return by_fail(c, v, "\"%s\" is not supported for %s inputs by buoy generate", *k, kind);
  }
  if (!get_list(c, by_get(n, "types"), "types", &in->types)) return false;
  if (!get_list(c, by_get(n, "exclude_types"), "exclude_types", &in->exclude_types)) return false;
  if (!get_list(c, by_get(n, "paths"), "paths", &in->paths)) return false;
  if (!get_list(c, by_get(n, "exclude_paths"), "exclude_paths", &in->exclude_paths)) return false;
  const by_node *ipf = by_get(n, "include_package_files");
  if (!by_get_bool(c, ipf, "include_package_files", &in->include_package_files)) return false;
  if (ipf && in->kind != BG_INPUT_PROTO_FILE)
    return by_fail(c, ipf, "include_package_files applies to proto_file inputs only");
  if (in->include_package_files)
    return by_fail(c, ipf, "include_package_files is not supported by buoy generate yet; list the files with paths");
  return true;
}

/* ---- managed ---- */

static bool is_bool_option(bg_option o) {
  return o == BG_OPT_JAVA_MULTIPLE_FILES || o == BG_OPT_JAVA_STRING_CHECK_UTF8 || o == BG_OPT_CC_ENABLE_ARENAS;
}

static bool option_by_name(const char *name, bool field, bg_option *out) {
  bg_option lo = field ? BG_OPT_JSTYPE : BG_OPT_JAVA_PACKAGE, hi = field ? BG_OPT_JSTYPE : BG_OPT_FILE_COUNT - 1;
  for (int o = (int)lo; o <= (int)hi; o++)
    if (strcmp(option_names[o], name) == 0) return (*out = (bg_option)o), true;
  return false;
}

/* The value of an override, typed by its option. */
static bool decode_value(ctx *c, const by_node *rule, const by_node *v, bg_rule *r) {
  bg_option o = r->file_option ? r->file_option : r->field_option;
  const char *name = option_names[o];
  if (by_is_null(v)) return by_fail(c, v ? v : rule, "an override of %s needs a \"value\"", name);
  if (v->kind != BY_SCALAR) return by_fail(c, v, "the value of %s must be a scalar", name);
  if (is_bool_option(o)) {
    if (!by_bool(v, &r->boolean))
      return by_fail(c, v, "the value of %s must be true or false, not \"%s\"", name, v->str);
    return true;
  }
  bool ignored;
  if (v->plain && by_bool(v, &ignored)) return by_fail(c, v, "the value of %s must be a string, not a boolean", name);
  r->str = v->str;
  if (o == BG_OPT_OPTIMIZE_FOR) {
    static const char *const modes[] = {"SPEED", "CODE_SIZE", "LITE_RUNTIME"};
    for (int i = 0; i < 3; i++)
      if (strcmp(v->str, modes[i]) == 0) return (r->number = i + 1), true;
    return by_fail(c, v, "the value of optimize_for must be SPEED, CODE_SIZE or LITE_RUNTIME, not \"%s\"", v->str);
  }
  if (o == BG_OPT_JSTYPE) {
    static const char *const types[] = {"JS_NORMAL", "JS_STRING", "JS_NUMBER"};
    for (int i = 0; i < 3; i++)
      if (strcmp(v->str, types[i]) == 0) return (r->number = i), true;
    return by_fail(c, v, "the value of jstype must be JS_NORMAL, JS_STRING or JS_NUMBER, not \"%s\"", v->str);
  }
  return true;
}

static bool decode_rule(ctx *c, const by_node *n, bool override, bg_rule *r) {
  static const char *const disable_keys[] = {"file_option", "field_option", "module", "path", "field", NULL};
  static const char *const override_keys[] = {"file_option", "field_option", "module", "path", "field", "value", NULL};
  const char *what = override ? "a managed override" : "a managed disable rule";
  if (n->kind != BY_MAP) return by_fail(c, n, "%s must be a mapping", what);
  if (!by_check_keys(c, n, what, override ? override_keys : disable_keys)) return false;
  const char *fo, *flo, *module, *field;
  const by_node *fo_n = by_get(n, "file_option"), *flo_n = by_get(n, "field_option");
  if (!by_get_string(c, fo_n, "file_option", NULL, &fo) || !by_get_string(c, flo_n, "field_option", NULL, &flo))
    return false;
  if (fo && flo) return by_fail(c, flo_n, "%s takes only one of file_option and field_option", what);
  if (fo && !option_by_name(fo, false, &r->file_option)) return by_fail(c, fo_n, "unknown file_option \"%s\"", fo);
  if (flo && !option_by_name(flo, true, &r->field_option)) return by_fail(c, flo_n, "unknown field_option \"%s\"", flo);
  const by_node *m = by_get(n, "module");
  if (!by_get_string(c, m, "module", NULL, &module)) return false;
  if (module && !valid_module_name(module))
    return by_fail(c, m, "module \"%s\" must have the form registry/owner/name", module);
  r->module = module;
  if (!get_path(c, by_get(n, "path"), "path", &r->path)) return false;
  const by_node *f = by_get(n, "field");
  if (!by_get_string(c, f, "field", NULL, &field)) return false;
  if (field && fo) return by_fail(c, f, "\"field\" goes with a field_option, not a file_option");
  if (field && field[0] == '.') field++;
  r->field = field;
  if (override) {
    if (!fo && !flo) return by_fail(c, n, "a managed override needs a file_option or a field_option");
    return decode_value(c, n, by_get(n, "value"), r);
  }
  if (!fo && !flo && !module && !r->path && !field)
    return by_fail(c, n,
                   "a managed disable rule needs at least one of file_option, field_option, module, path or field");
  return true;
}

static bool decode_rules(ctx *c, const by_node *n, bool override, bg_rule **out, uint32_t *count) {
  if (by_is_null(n)) return true;
  const char *what = override ? "managed.override" : "managed.disable";
  if (n->kind != BY_SEQ) return by_fail(c, n, "%s must be a list", what);
  *out = buoy_arena_alloc(c->a, sizeof(bg_rule) * (n->n + 1));
  for (uint32_t i = 0; i < n->n; i++)
    if (!decode_rule(c, n->items[i], override, &(*out)[(*count)++])) return false;
  return true;
}

static bool decode_managed(ctx *c, const by_node *n, bg_managed *m) {
  static const char *const keys[] = {"enabled", "disable", "override", NULL};
  if (by_is_null(n)) return true;
  if (n->kind != BY_MAP) return by_fail(c, n, "managed must be a mapping");
  if (!by_check_keys(c, n, "managed", keys)) return false;
  if (!by_get_bool(c, by_get(n, "enabled"), "managed.enabled", &m->enabled)) return false;
  return decode_rules(c, by_get(n, "disable"), false, &m->disables, &m->ndisables) &&
         decode_rules(c, by_get(n, "override"), true, &m->overrides, &m->noverrides);
}

/* ---- version v1 ----
 *
 * buf 1.75 reads a v1 template into the same model as a v2 one: plugins
 * named by "name" or "plugin" (a program, protoc-gen-NAME, or protoc's
 * own generator), "path" (the program and its arguments) and
 * "protoc_path"; and managed mode's v1 keys turned into v2 disable and
 * override rules, in buf's order (later overrides win):
 * cc_enable_arenas, java_multiple_files, java_string_check_utf8, then
 * java_package_prefix, csharp_namespace, optimize_for, go_package_prefix,
 * objc_class_prefix and ruby_package, each with its default, its except
 * modules (disable rules) and its per-module overrides (sorted by module),
 * and last the per-file "override" map (sorted by option, then path). */

typedef struct rules {
  bg_rule *items;
  uint32_t n, cap;
} rules;

static bg_rule *push_rule(ctx *c, rules *l) {
  if (l->n == l->cap) {
    uint32_t cap = l->cap ? 2 * l->cap : 8;
    bg_rule *items = buoy_arena_alloc(c->a, sizeof(bg_rule) * cap);
    if (l->n) memcpy(items, l->items, sizeof(bg_rule) * l->n);
    l->items = items;
    l->cap = cap;
  }
  bg_rule *r = &l->items[l->n++];
  memset(r, 0, sizeof *r);
  return r;
}

/* Go's strconv.ParseBool, which buf applies to v1 per-file overrides. */
static bool go_parse_bool(const char *s, bool *out) {
  static const char *const yes[] = {"1", "t", "T", "true", "TRUE", "True", NULL};
  static const char *const no[] = {"0", "f", "F", "false", "FALSE", "False", NULL};
  for (int i = 0; yes[i]; i++) {
    if (strcmp(s, yes[i]) == 0) return (*out = true), true;
    if (strcmp(s, no[i]) == 0) return (*out = false), true;
  }
  return false;
}

/* An override of option for all files (module and path NULL), one module,
 * or one file, its value the YAML node v. */
static bool v1_override(ctx *c, rules *l, bg_option o, const char *module, const char *path, const by_node *at,
                        const by_node *v) {
  bg_rule *r = push_rule(c, l);
  r->file_option = o;
  r->module = module;
  r->path = path;
  return decode_value(c, at, v, r);
}

/* A module name of except or override: registry/owner/name. */
static bool v1_module(ctx *c, const by_node *n, const char *what) {
  if (n->kind != BY_SCALAR) return by_fail(c, n, "the modules of %s must be strings", what);
  if (!valid_module_name(n->str))
    return by_fail(c, n, "module \"%s\" of %s must have the form registry/owner/name", n->str, what);
  return true;
}

static int cmp_key(const void *x, const void *y) {
  return strcmp((*(const by_node *const *)x)->str, (*(const by_node *const *)y)->str);
}

/* The keys of a mapping (scalars, checked), sorted as Go sorts map keys. */
static const by_node **sorted_keys(ctx *c, const by_node *map, const char *what) {
  const by_node **keys = buoy_arena_alloc(c->a, sizeof(by_node *) * (map->n + 1));
  for (uint32_t i = 0; i < map->n; i++) {
    keys[i] = map->items[2 * i];
    if (keys[i]->kind != BY_SCALAR) {
      by_fail(c, keys[i], "the keys of %s must be strings", what);
      return NULL;
    }
    for (uint32_t j = 0; j < i; j++)
      if (strcmp(keys[j]->str, keys[i]->str) == 0) {
        by_fail(c, keys[i], "key \"%s\" is set twice", keys[i]->str);
        return NULL;
      }
  }
  qsort(keys, map->n, sizeof *keys, cmp_key);
  return keys;
}

/* One of the v1 per-option settings: a string (the default), when
 * string_ok, or a mapping of default, except and override. except
 * disables except_option for those modules; override sets option per
 * module. has_default: the key "default" is allowed; needs_default: and
 * required when anything is set. */
static bool v1_setting(ctx *c, const by_node *n, const char *name, bg_option option, bg_option except_option,
                       bool string_ok, bool has_default, bool needs_default, rules *dis, rules *ovr) {
  if (by_is_null(n)) return true;
  if (n->kind == BY_SCALAR) {
    if (!string_ok) return by_fail(c, n, "managed.%s must be a mapping", name);
    return v1_override(c, ovr, option, NULL, NULL, n, n);
  }
  if (n->kind != BY_MAP)
    return by_fail(c, n, string_ok ? "managed.%s must be a string or a mapping" : "managed.%s must be a mapping", name);
  static const char *const with_default[] = {"default", "except", "override", NULL};
  static const char *const without[] = {"except", "override", NULL};
  char what[64];
  snprintf(what, sizeof what, "managed.%s", name);
  if (!by_check_keys(c, n, what, has_default ? with_default : without)) return false;
  const by_node *def = by_get(n, "default"), *except = by_get(n, "except"), *override = by_get(n, "override");
  if (!by_is_null(except) && except->kind != BY_SEQ) return by_fail(c, except, "%s.except must be a list", what);
  if (!by_is_null(override) && override->kind != BY_MAP)
    return by_fail(c, override, "%s.override must be a mapping of modules to values", what);
  uint32_t nexcept = by_is_null(except) ? 0 : except->n, noverride = by_is_null(override) ? 0 : override->n;
  bool has_value = !by_is_null(def) && def->kind == BY_SCALAR && def->len > 0;
  if (!by_is_null(def) && def->kind != BY_SCALAR) return by_fail(c, def, "%s.default must be a string", what);
  if (!has_value && !nexcept && !noverride) return true; /* buf: empty, nothing to do */
  if (needs_default && !has_value) return by_fail(c, n, "%s needs a \"default\" value", what);
  if (has_value && !v1_override(c, ovr, option, NULL, NULL, def, def)) return false;
  for (uint32_t i = 0; i < nexcept; i++) {
    const by_node *m = except->items[i];
    if (!v1_module(c, m, what)) return false;
    for (uint32_t j = 0; j < i; j++)
      if (strcmp(except->items[j]->str, m->str) == 0)
        return by_fail(c, m, "module \"%s\" is listed twice in %s.except", m->str, what);
    bg_rule *r = push_rule(c, dis);
    r->file_option = except_option;
    r->module = m->str;
  }
  const by_node **keys = noverride ? sorted_keys(c, override, what) : NULL;
  if (noverride && !keys) return false;
  for (uint32_t i = 0; i < noverride; i++) {
    const by_node *m = keys[i];
    if (!v1_module(c, m, what)) return false;
    for (uint32_t j = 0; j < nexcept; j++)
      if (strcmp(except->items[j]->str, m->str) == 0)
        return by_fail(c, m, "module \"%s\" is both in %s.except and in its override", m->str, what);
    if (!v1_override(c, ovr, option, m->str, NULL, m, by_get(override, m->str))) return false;
  }
  return true;
}

/* managed.override: OPTION (any case) -> file path -> value. */
static bool v1_per_file(ctx *c, const by_node *n, rules *ovr) {
  if (by_is_null(n)) return true;
  if (n->kind != BY_MAP) return by_fail(c, n, "managed.override must be a mapping of options to files to values");
  const by_node **opts = sorted_keys(c, n, "managed.override");
  if (!opts) return false;
  for (uint32_t i = 0; i < n->n; i++) {
    char lower[64];
    size_t len = strlen(opts[i]->str);
    if (len >= sizeof lower) len = sizeof lower - 1;
    for (size_t k = 0; k < len; k++)
      lower[k] =
          (char)(opts[i]->str[k] >= 'A' && opts[i]->str[k] <= 'Z' ? opts[i]->str[k] - 'A' + 'a' : opts[i]->str[k]);
    lower[len] = 0;
    bg_option o;
    if (!option_by_name(lower, false, &o))
      return by_fail(c, opts[i], "unknown file option \"%s\" in managed.override", opts[i]->str);
    const by_node *files = by_get(n, opts[i]->str);
    if (by_is_null(files)) continue;
    if (files->kind != BY_MAP)
      return by_fail(c, files, "managed.override.%s must be a mapping of files to values", opts[i]->str);
    const by_node **paths = sorted_keys(c, files, "managed.override");
    if (!paths) return false;
    for (uint32_t k = 0; k < files->n; k++) {
      const char *path;
      if (!get_path(c, paths[k], "the path", &path)) return false;
      if (strcmp(path, paths[k]->str) != 0)
        return by_fail(c, paths[k], "path \"%s\" must be written clean and relative (\"%s\")", paths[k]->str, path);
      const by_node *v = by_get(files, paths[k]->str);
      if (is_bool_option(o)) {
        bg_rule *r = push_rule(c, ovr);
        r->file_option = o;
        r->path = path;
        if (by_is_null(v) || v->kind != BY_SCALAR || !go_parse_bool(v->str, &r->boolean))
          return by_fail(c, v ? v : paths[k], "the value of %s must be true or false", option_names[o]);
      } else if (!v1_override(c, ovr, o, NULL, path, paths[k], v)) {
        return false;
      }
    }
  }
  return true;
}

static bool v1_bool_override(ctx *c, const by_node *n, bg_option o, rules *ovr) {
  if (by_is_null(n)) return true;
  bg_rule *r = push_rule(c, ovr);
  r->file_option = o;
  return by_get_bool(c, n, option_names[o], &r->boolean);
}

static bool decode_managed_v1(ctx *c, const by_node *n, bg_managed *m) {
  static const char *const keys[] = {"enabled",
                                     "cc_enable_arenas",
                                     "java_multiple_files",
                                     "java_string_check_utf8",
                                     "java_package_prefix",
                                     "csharp_namespace",
                                     "optimize_for",
                                     "go_package_prefix",
                                     "objc_class_prefix",
                                     "ruby_package",
                                     "override",
                                     NULL};
  if (by_is_null(n)) return true;
  if (n->kind != BY_MAP) return by_fail(c, n, "managed must be a mapping");
  if (!by_check_keys(c, n, "managed", keys)) return false;
  if (!by_get_bool(c, by_get(n, "enabled"), "managed.enabled", &m->enabled)) return false;
  rules dis = {0}, ovr = {0};
  bool ok = v1_bool_override(c, by_get(n, "cc_enable_arenas"), BG_OPT_CC_ENABLE_ARENAS, &ovr) &&
            v1_bool_override(c, by_get(n, "java_multiple_files"), BG_OPT_JAVA_MULTIPLE_FILES, &ovr) &&
            v1_bool_override(c, by_get(n, "java_string_check_utf8"), BG_OPT_JAVA_STRING_CHECK_UTF8, &ovr) &&
            v1_setting(c, by_get(n, "java_package_prefix"), "java_package_prefix", BG_OPT_JAVA_PACKAGE_PREFIX,
                       BG_OPT_JAVA_PACKAGE, true, true, true, &dis, &ovr) &&
            v1_setting(c, by_get(n, "csharp_namespace"), "csharp_namespace", BG_OPT_CSHARP_NAMESPACE,
                       BG_OPT_CSHARP_NAMESPACE, false, false, false, &dis, &ovr) &&
            v1_setting(c, by_get(n, "optimize_for"), "optimize_for", BG_OPT_OPTIMIZE_FOR, BG_OPT_OPTIMIZE_FOR, true,
                       true, true, &dis, &ovr) &&
            v1_setting(c, by_get(n, "go_package_prefix"), "go_package_prefix", BG_OPT_GO_PACKAGE_PREFIX,
                       BG_OPT_GO_PACKAGE, false, true, true, &dis, &ovr) &&
            v1_setting(c, by_get(n, "objc_class_prefix"), "objc_class_prefix", BG_OPT_OBJC_CLASS_PREFIX,
                       BG_OPT_OBJC_CLASS_PREFIX, false, true, false, &dis, &ovr) &&
            v1_setting(c, by_get(n, "ruby_package"), "ruby_package", BG_OPT_RUBY_PACKAGE, BG_OPT_RUBY_PACKAGE, false,
                       false, false, &dis, &ovr) &&
            v1_per_file(c, by_get(n, "override"), &ovr);
  m->disables = dis.items;
  m->ndisables = dis.n;
  m->overrides = ovr.items;
  m->noverrides = ovr.n;
  return ok;
}

/* registry/owner/name[:version]: a plugin of the Buf Schema Registry. */
static bool is_remote_plugin(const char *s) {
  const char *colon = strchr(s, ':');
  size_t len = colon ? (size_t)(colon - s) : strlen(s);
  int parts = 0;
  for (size_t i = 0, start = 0; i <= len; i++)
    if (i == len || s[i] == '/') {
      if (i == start) return false;
      parts++;
      start = i + 1;
    }
  return parts == 3;
}

/* A plugin of a v1 template, or of a v1beta1 one (beta: only name, out,
 * opt, path as a string, and strategy). */
static bool decode_plugin_v1(ctx *c, const by_node *n, bg_plugin *p, bool beta) {
  static const char *const keys[] = {"plugin", "name", "remote",      "revision", "out",
                                     "opt",    "path", "protoc_path", "strategy", NULL};
  static const char *const beta_keys[] = {"name", "out", "opt", "path", "strategy", NULL};
  if (n->kind != BY_MAP) return by_fail(c, n, "each plugin must be a mapping");
  if (!by_check_keys(c, n, beta ? "a v1beta1 plugin" : "a v1 plugin", beta ? beta_keys : keys)) return false;
  if (beta && !by_is_null(by_get(n, "path")) && by_get(n, "path")->kind != BY_SCALAR)
    return by_fail(c, by_get(n, "path"), "\"path\" of a v1beta1 plugin must be a string");
  const by_node *plugin = by_get(n, "plugin"), *name = by_get(n, "name"), *remote = by_get(n, "remote");
  if (!by_is_null(remote))
    return by_fail(c, remote,
                   "\"remote\" plugins of v1 templates are gone from buf (it refuses them too); "
                   "run the plugin locally and name it with \"name\" or \"path\"");
  if (by_is_null(plugin) && by_is_null(name)) return by_fail(c, n, "a v1 plugin needs \"plugin\" or \"name\"");
  if (!by_is_null(plugin) && !by_is_null(name))
    return by_fail(c, name, "a v1 plugin takes only one of \"plugin\" and \"name\"");
  const by_node *id = by_is_null(plugin) ? name : plugin;
  const char *ident;
  if (!by_get_string(c, id, by_is_null(plugin) ? "name" : "plugin", NULL, &ident)) return false;
  if (!ident[0]) return by_fail(c, id, "a v1 plugin needs a non-empty name");
  if (is_remote_plugin(ident)) {
    if (id == name) return by_fail(c, id, "\"%s\" names a plugin of the Buf Schema Registry, not a local one", ident);
    return by_fail(c, id,
                   "remote plugins run on the Buf Schema Registry, which buoy does not reach (no network); "
                   "install the plugin and name it with \"name\" or \"path\"");
  }
  if (!by_is_null(by_get(n, "revision")))
    return by_fail(c, by_get(n, "revision"), "\"revision\" applies to remote plugins only");
  const by_node *out = by_get(n, "out");
  if (by_is_null(out)) return by_fail(c, n, "plugin %s: \"out\" is required", ident);
  if (!by_get_string(c, out, "out", NULL, &p->out)) return false;
  if (!p->out[0]) return by_fail(c, out, "\"out\" must not be empty");
  if (!get_string_or_list(c, by_get(n, "opt"), "opt", &p->opt)) return false;
  const by_node *st = by_get(n, "strategy");
  const char *strategy;
  if (!by_get_string(c, st, "strategy", NULL, &strategy)) return false;
  if (!strategy || !strategy[0] || strcmp(strategy, "directory") == 0) {
    p->strategy = BG_STRATEGY_DIRECTORY;
  } else if (strcmp(strategy, "all") == 0) {
    p->strategy = BG_STRATEGY_ALL;
  } else {
    return by_fail(c, st, "unknown strategy \"%s\" (use \"directory\" or \"all\")", strategy);
  }
  const by_node *path = by_get(n, "path"), *pp = by_get(n, "protoc_path");
  bm_strs protoc_path;
  if (!get_string_or_list(c, path, "path", &p->local)) return false;
  if (!get_string_or_list(c, pp, "protoc_path", &protoc_path)) return false;
  p->name = ident;
  if (p->local.n) {
    if (!p->local.items[0][0]) return by_fail(c, path, "\"path\" must name a program");
    return true;
  }
  bool builtin = is_protoc_generator(ident);
  if (protoc_path.n || builtin) {
    /* protoc_path makes it a protoc builtin; without it, buf runs
     * protoc-gen-NAME when it is on PATH, else protoc's own generator */
    if (builtin && !protoc_path.n) {
      p->local.items = buoy_arena_alloc(c->a, sizeof(char *));
      size_t len = strlen(ident) + 12;
      char *prog = buoy_arena_alloc(c->a, len);
      snprintf(prog, len, "protoc-gen-%s", ident);
      p->local.items[0] = prog;
      p->local.n = 1;
      p->fallback_protoc = true;
      return true;
    }
    if (builtin) return refuse_protoc_generator(c, id, ident);
    p->protoc_builtin = ident;
    p->protoc_path = protoc_path.items[0];
    return true;
  }
  p->local.items = buoy_arena_alloc(c->a, sizeof(char *));
  size_t len = strlen(ident) + 12;
  char *prog = buoy_arena_alloc(c->a, len);
  snprintf(prog, len, "protoc-gen-%s", ident);
  p->local.items[0] = prog;
  p->local.n = 1;
  return true;
}

static bool decode_v1(ctx *c, const by_node *root, bg_config *out) {
  static const char *const keys[] = {"version", "plugins", "managed", "types", NULL};
  if (!by_check_keys(c, root, "a v1 template", keys)) return false;
  static const char *const type_keys[] = {"include", NULL};
  const by_node *types = by_get(root, "types");
  if (!by_is_null(types)) {
    if (types->kind != BY_MAP) return by_fail(c, types, "types must be a mapping with \"include\"");
    if (!by_check_keys(c, types, "types", type_keys)) return false;
    if (!get_list(c, by_get(types, "include"), "types.include", &out->types)) return false;
  }
  const by_node *plugins = by_get(root, "plugins");
  if (!by_is_null(plugins)) {
    if (plugins->kind != BY_SEQ) return by_fail(c, plugins, "plugins must be a list");
    out->plugins = buoy_arena_alloc(c->a, sizeof(bg_plugin) * (plugins->n + 1));
    for (uint32_t i = 0; i < plugins->n; i++)
      if (!decode_plugin_v1(c, plugins->items[i], &out->plugins[out->nplugins++], false)) return false;
  }
  return decode_managed_v1(c, by_get(root, "managed"), &out->managed);
}

/* v1beta1: "managed" is a boolean, and "options" holds cc_enable_arenas,
 * java_multiple_files and optimize_for, overrides for all files (in that
 * order), as buf reads them. */
static bool decode_v1beta1(ctx *c, const by_node *root, bg_config *out) {
  static const char *const keys[] = {"version", "plugins", "managed", "options", NULL};
  static const char *const option_keys[] = {"cc_enable_arenas", "java_multiple_files", "optimize_for", NULL};
  if (!by_check_keys(c, root, "a v1beta1 template", keys)) return false;
  const by_node *plugins = by_get(root, "plugins");
  if (!by_is_null(plugins)) {
    if (plugins->kind != BY_SEQ) return by_fail(c, plugins, "plugins must be a list");
    out->plugins = buoy_arena_alloc(c->a, sizeof(bg_plugin) * (plugins->n + 1));
    for (uint32_t i = 0; i < plugins->n; i++)
      if (!decode_plugin_v1(c, plugins->items[i], &out->plugins[out->nplugins++], true)) return false;
  }
  if (!by_get_bool(c, by_get(root, "managed"), "managed", &out->managed.enabled)) return false;
  const by_node *opts = by_get(root, "options");
  if (by_is_null(opts)) return true;
  if (opts->kind != BY_MAP) return by_fail(c, opts, "options must be a mapping");
  if (!by_check_keys(c, opts, "options", option_keys)) return false;
  rules ovr = {0};
  const by_node *opt = by_get(opts, "optimize_for");
  bool ok = v1_bool_override(c, by_get(opts, "cc_enable_arenas"), BG_OPT_CC_ENABLE_ARENAS, &ovr) &&
            v1_bool_override(c, by_get(opts, "java_multiple_files"), BG_OPT_JAVA_MULTIPLE_FILES, &ovr) &&
            (by_is_null(opt) || (opt->kind == BY_SCALAR && !opt->str[0]) ||
             v1_override(c, &ovr, BG_OPT_OPTIMIZE_FOR, NULL, NULL, opt, opt));
  out->managed.overrides = ovr.items;
  out->managed.noverrides = ovr.n;
  return ok;
}

/* ---- the document ---- */

bool bg_decode_gen_yaml(buoy_arena *a, const buoy_source *src, buoy_diags *diags, bg_config *out) {
  static const char *const keys[] = {"version", "clean", "plugins", "managed", "inputs", NULL};
  ctx c = {a, src, diags};
  memset(out, 0, sizeof *out);
  bool empty;
  by_node *root = by_parse(a, src, diags, &empty);
  if (!root && !empty) return false;
  if (empty || by_is_null(root)) return by_fail(&c, root, "the template is empty; it needs at least \"version: v2\"");
  if (root->kind != BY_MAP) return by_fail(&c, root, "the template must be a mapping");
  const by_node *v = by_get(root, "version");
  const char *version;
  if (!by_get_string(&c, v, "version", NULL, &version)) return false;
  if (!version) return by_fail(&c, root, "\"version\" is not set; add \"version: v2\"");
  if (strcmp(version, "v1beta1") == 0) return decode_v1beta1(&c, root, out);
  if (strcmp(version, "v1") == 0) return decode_v1(&c, root, out);
  if (strcmp(version, "v2") != 0)
    return by_fail(&c, v, "unknown template version \"%s\" (buoy reads v2, v1 and v1beta1)", version);
  if (!by_check_keys(&c, root, "a v2 template", keys)) return false;
  if (!by_get_bool(&c, by_get(root, "clean"), "clean", &out->clean)) return false;
  const by_node *plugins = by_get(root, "plugins");
  if (!by_is_null(plugins)) {
    if (plugins->kind != BY_SEQ) return by_fail(&c, plugins, "plugins must be a list");
    out->plugins = buoy_arena_alloc(a, sizeof(bg_plugin) * (plugins->n + 1));
    for (uint32_t i = 0; i < plugins->n; i++)
      if (!decode_plugin(&c, plugins->items[i], &out->plugins[out->nplugins++])) return false;
  }
  const by_node *inputs = by_get(root, "inputs");
  if (!by_is_null(inputs)) {
    if (inputs->kind != BY_SEQ) return by_fail(&c, inputs, "inputs must be a list");
    out->inputs = buoy_arena_alloc(a, sizeof(bg_input) * (inputs->n + 1));
    for (uint32_t i = 0; i < inputs->n; i++)
      if (!decode_input(&c, inputs->items[i], &out->inputs[out->ninputs++])) return false;
  }
  return decode_managed(&c, by_get(root, "managed"), &out->managed);
}
