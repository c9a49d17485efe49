#include "module/gen_config.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "module/path.h"
#include "module/yaml.h"

typedef struct ctx {
  buoy_arena *a;
  const buoy_source *src;
  buoy_diags *diags;
} ctx;

static bool fail(ctx *c, const by_node *at, const char *fmt, ...) BUOY_PRINTF(3, 4);
static bool fail(ctx *c, const by_node *at, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  buoy_diag_addv(c->diags, BUOY_ERROR, c->src, at ? at->offset : 0, fmt, ap);
  va_end(ap);
  return false;
}

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

static bool get_string(ctx *c, const by_node *n, const char *what, const char **out) {
  *out = NULL;
  if (by_is_null(n)) return true;
  if (n->kind != BY_SCALAR) return fail(c, n, "%s must be a string", what);
  *out = n->str;
  return true;
}

static bool get_bool(ctx *c, const by_node *n, const char *what, bool *out) {
  *out = false;
  if (by_is_null(n) || by_bool(n, out)) return true;
  return fail(c, n, "%s must be true or false", what);
}

/* A string or a list of strings (opt, local). */
static bool get_string_or_list(ctx *c, const by_node *n, const char *what, bm_strs *out) {
  memset(out, 0, sizeof *out);
  if (by_is_null(n)) return true;
  if (n->kind == BY_SCALAR) {
    out->items = buoy_arena_alloc(c->a, sizeof(char *));
    out->items[out->n++] = n->str;
    return true;
  }
  if (n->kind != BY_SEQ) return fail(c, n, "%s must be a string or a list of strings", what);
  out->items = buoy_arena_alloc(c->a, sizeof(char *) * (n->n + 1));
  for (uint32_t i = 0; i < n->n; i++) {
    const by_node *item = n->items[i];
    if (item->kind != BY_SCALAR) return fail(c, item, "%s must be a string or a list of strings", what);
    out->items[out->n++] = item->str;
  }
  return true;
}

static bool get_list(ctx *c, const by_node *n, const char *what, bm_strs *out) {
  if (!by_is_null(n) && n->kind != BY_SEQ) return fail(c, n, "%s must be a list of strings", what);
  return get_string_or_list(c, n, what, out);
}

/* Every key of map is one of keys, and none repeats. */
static bool check_keys(ctx *c, const by_node *map, const char *what, const char *const *keys) {
  for (uint32_t i = 0; i < map->n; i++) {
    const by_node *k = map->items[2 * i];
    if (k->kind != BY_SCALAR) return fail(c, k, "the keys of %s must be strings", what);
    bool known = false;
    for (const char *const *p = keys; *p && !known; p++)
      known = strcmp(*p, k->str) == 0;
    if (!known) return fail(c, k, "%s has no key \"%s\"", what, k->str);
    for (uint32_t j = 0; j < i; j++)
      if (strcmp(map->items[2 * j]->str, k->str) == 0) return fail(c, k, "key \"%s\" is set twice", k->str);
  }
  return true;
}

/* A relative path that stays inside the current directory, cleaned. */
static bool get_path(ctx *c, const by_node *n, const char *what, const char **out) {
  if (!get_string(c, n, what, out)) return false;
  if (!*out) return true;
  if (!(*out)[0]) return fail(c, n, "%s must not be empty", what);
  const char *clean = bm_clean(c->a, *out);
  if (bm_is_abs(clean)) return fail(c, n, "%s \"%s\" must be a relative path", what, *out);
  if (bm_escapes(clean)) return fail(c, n, "%s \"%s\" must not point outside the current directory", what, *out);
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

/* ---- plugins ---- */

static const char *const plugin_keys[] = {"remote",      "local", "protoc_builtin",  "revision",    "protoc_path", "out",
                                          "opt",         "include_imports", "include_wkt", "strategy",
                                          "types",       "exclude_types", NULL};

static bool decode_plugin(ctx *c, const by_node *n, bg_plugin *p) {
  if (n->kind != BY_MAP) return fail(c, n, "each plugin must be a mapping");
  if (!check_keys(c, n, "a plugin", plugin_keys)) return false;
  const by_node *remote = by_get(n, "remote"), *local = by_get(n, "local"), *builtin = by_get(n, "protoc_builtin");
  int kinds = !by_is_null(remote) + !by_is_null(local) + !by_is_null(builtin);
  if (kinds == 0) return fail(c, n, "a plugin needs one of \"remote\", \"local\" or \"protoc_builtin\"");
  if (kinds > 1) return fail(c, n, "a plugin takes only one of \"remote\", \"local\" and \"protoc_builtin\"");
  if (!by_is_null(remote))
    return fail(c, remote,
                "remote plugins run on the Buf Schema Registry, which buoy does not reach (no network); "
                "install the plugin and name it with \"local\"");
  if (!by_is_null(by_get(n, "revision"))) return fail(c, by_get(n, "revision"), "\"revision\" applies to remote plugins only");
  if (!by_is_null(local)) {
    if (!get_string_or_list(c, local, "local", &p->local)) return false;
    if (!p->local.n || !p->local.items[0][0]) return fail(c, local, "\"local\" must name a program");
    p->name = p->local.items[0];
  } else {
    if (!get_string(c, builtin, "protoc_builtin", &p->protoc_builtin)) return false;
    if (!p->protoc_builtin[0]) return fail(c, builtin, "\"protoc_builtin\" must name a plugin");
    /* buf hands these to protoc (protoc_path, else protoc on PATH), which
     * has them compiled in; any other NAME is protoc-gen-NAME on PATH */
    static const char *const in_protoc[] = {"cpp", "csharp", "java", "js",  "kotlin", "objc",
                                            "php", "pyi",    "python", "ruby", "rust", NULL};
    for (const char *const *k = in_protoc; *k; k++)
      if (strcmp(*k, p->protoc_builtin) == 0)
        return fail(c, builtin,
                    "protoc_builtin \"%s\" is a generator compiled into protoc, and buoy does not run protoc; "
                    "use a standalone plugin with \"local\" (such as protoc-gen-%s, when one exists)",
                    p->protoc_builtin, p->protoc_builtin);
    p->name = p->protoc_builtin;
  }
  const by_node *pp = by_get(n, "protoc_path");
  if (!get_string(c, pp, "protoc_path", &p->protoc_path)) return false;
  if (p->protoc_path && !p->protoc_builtin) return fail(c, pp, "\"protoc_path\" applies to protoc_builtin plugins only");
  const by_node *out = by_get(n, "out");
  if (by_is_null(out)) return fail(c, n, "plugin %s: \"out\" is required", p->name);
  if (!get_string(c, out, "out", &p->out)) return false;
  if (!p->out[0]) return fail(c, out, "\"out\" must not be empty");
  if (!get_string_or_list(c, by_get(n, "opt"), "opt", &p->opt)) return false;
  if (!get_bool(c, by_get(n, "include_imports"), "include_imports", &p->include_imports)) return false;
  if (!get_bool(c, by_get(n, "include_wkt"), "include_wkt", &p->include_wkt)) return false;
  if (p->include_wkt && !p->include_imports)
    return fail(c, by_get(n, "include_wkt"), "include_wkt needs include_imports: the well-known types are imports");
  const by_node *st = by_get(n, "strategy");
  const char *strategy;
  if (!get_string(c, st, "strategy", &strategy)) return false;
  if (!strategy || strcmp(strategy, "directory") == 0) {
    p->strategy = BG_STRATEGY_DIRECTORY;
  } else if (strcmp(strategy, "all") == 0) {
    p->strategy = BG_STRATEGY_ALL;
  } else {
    return fail(c, st, "unknown strategy \"%s\" (use \"directory\" or \"all\")", strategy);
  }
  if (!get_list(c, by_get(n, "types"), "types", &p->types)) return false;
  if (!get_list(c, by_get(n, "exclude_types"), "exclude_types", &p->exclude_types)) return false;
  if (p->types.n || p->exclude_types.n)
    return fail(c, by_get(n, p->types.n ? "types" : "exclude_types"),
                "filtering by types is not supported by buoy generate yet; use paths instead");
  return true;
}

/* ---- inputs ---- */

static const char *const input_keys[] = {
    "directory", "module",   "proto_file", "binary_image", "json_image", "text_image", "yaml_image",
    "git_repo",  "tarball",  "zip_archive", "compression", "strip_components", "subdir", "branch",
    "tag",       "ref",      "commit",      "depth",       "recurse_submodules", "include_package_files",
    "types",     "exclude_types", "paths",  "exclude_paths", NULL};

static bool decode_input(ctx *c, const by_node *n, bg_input *in) {
  static const char *const kinds[] = {"directory", "module", "proto_file", "binary_image", "json_image",
                                      "text_image", "yaml_image", "git_repo", "tarball", "zip_archive", NULL};
  if (n->kind != BY_MAP) return fail(c, n, "each input must be a mapping");
  if (!check_keys(c, n, "an input", input_keys)) return false;
  const char *kind = NULL;
  const by_node *at = NULL;
  for (const char *const *k = kinds; *k; k++) {
    const by_node *v = by_get(n, *k);
    if (by_is_null(v)) continue;
    if (kind) return fail(c, v, "an input takes only one of directory, module, proto_file, binary_image and the others");
    kind = *k;
    at = v;
  }
  if (!kind) return fail(c, n, "an input needs one of directory, module, proto_file or binary_image");
  if (!get_string(c, at, kind, &in->location)) return false;
  if (strcmp(kind, "directory") == 0) {
    in->kind = BG_INPUT_DIRECTORY;
  } else if (strcmp(kind, "proto_file") == 0) {
    in->kind = BG_INPUT_PROTO_FILE;
  } else if (strcmp(kind, "binary_image") == 0) {
    in->kind = BG_INPUT_BINARY_IMAGE;
  } else if (strcmp(kind, "module") == 0) {
    in->kind = BG_INPUT_MODULE;
  } else {
    return fail(c, at, "%s inputs are not supported by buoy generate (it reads local directories, .proto files and "
                       "binary images only)", kind);
  }
  /* options of other input kinds (archives, git) are refused with their input */
  static const char *const unsupported[] = {"compression", "strip_components", "subdir", "branch", "tag", "ref",
                                            "commit", "depth", "recurse_submodules", "types", "exclude_types", NULL};
  for (const char *const *k = unsupported; *k; k++) {
    const by_node *v = by_get(n, *k);
    if (v) return fail(c, v, "\"%s\" is not supported for %s inputs by buoy generate", *k, kind);
  }
  if (!get_list(c, by_get(n, "paths"), "paths", &in->paths)) return false;
  if (!get_list(c, by_get(n, "exclude_paths"), "exclude_paths", &in->exclude_paths)) return false;
  const by_node *ipf = by_get(n, "include_package_files");
  if (!get_bool(c, ipf, "include_package_files", &in->include_package_files)) return false;
  if (ipf && in->kind != BG_INPUT_PROTO_FILE) return fail(c, ipf, "include_package_files applies to proto_file inputs only");
  if (in->include_package_files)
    return fail(c, ipf, "include_package_files is not supported by buoy generate yet; list the files with paths");
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
  if (by_is_null(v)) return fail(c, v ? v : rule, "an override of %s needs a \"value\"", name);
  if (v->kind != BY_SCALAR) return fail(c, v, "the value of %s must be a scalar", name);
  if (is_bool_option(o)) {
    if (!by_bool(v, &r->boolean)) return fail(c, v, "the value of %s must be true or false, not \"%s\"", name, v->str);
    return true;
  }
  bool ignored;
  if (v->plain && by_bool(v, &ignored)) return fail(c, v, "the value of %s must be a string, not a boolean", name);
  r->str = v->str;
  if (o == BG_OPT_OPTIMIZE_FOR) {
    static const char *const modes[] = {"SPEED", "CODE_SIZE", "LITE_RUNTIME"};
    for (int i = 0; i < 3; i++)
      if (strcmp(v->str, modes[i]) == 0) return (r->number = i + 1), true;
    return fail(c, v, "the value of optimize_for must be SPEED, CODE_SIZE or LITE_RUNTIME, not \"%s\"", v->str);
  }
  if (o == BG_OPT_JSTYPE) {
    static const char *const types[] = {"JS_NORMAL", "JS_STRING", "JS_NUMBER"};
    for (int i = 0; i < 3; i++)
      if (strcmp(v->str, types[i]) == 0) return (r->number = i), true;
    return fail(c, v, "the value of jstype must be JS_NORMAL, JS_STRING or JS_NUMBER, not \"%s\"", v->str);
  }
  return true;
}

static bool decode_rule(ctx *c, const by_node *n, bool override, bg_rule *r) {
  static const char *const disable_keys[] = {"file_option", "field_option", "module", "path", "field", NULL};
  static const char *const override_keys[] = {"file_option", "field_option", "module", "path", "field", "value", NULL};
  const char *what = override ? "a managed override" : "a managed disable rule";
  if (n->kind != BY_MAP) return fail(c, n, "%s must be a mapping", what);
  if (!check_keys(c, n, what, override ? override_keys : disable_keys)) return false;
  const char *fo, *flo, *module, *field;
  const by_node *fo_n = by_get(n, "file_option"), *flo_n = by_get(n, "field_option");
  if (!get_string(c, fo_n, "file_option", &fo) || !get_string(c, flo_n, "field_option", &flo)) return false;
  if (fo && flo) return fail(c, flo_n, "%s takes only one of file_option and field_option", what);
  if (fo && !option_by_name(fo, false, &r->file_option)) return fail(c, fo_n, "unknown file_option \"%s\"", fo);
  if (flo && !option_by_name(flo, true, &r->field_option)) return fail(c, flo_n, "unknown field_option \"%s\"", flo);
  const by_node *m = by_get(n, "module");
  if (!get_string(c, m, "module", &module)) return false;
  if (module && !valid_module_name(module))
    return fail(c, m, "module \"%s\" must have the form registry/owner/name", module);
  r->module = module;
  if (!get_path(c, by_get(n, "path"), "path", &r->path)) return false;
  const by_node *f = by_get(n, "field");
  if (!get_string(c, f, "field", &field)) return false;
  if (field && fo) return fail(c, f, "\"field\" goes with a field_option, not a file_option");
  if (field && field[0] == '.') field++;
  r->field = field;
  if (override) {
    if (!fo && !flo) return fail(c, n, "a managed override needs a file_option or a field_option");
    return decode_value(c, n, by_get(n, "value"), r);
  }
  if (!fo && !flo && !module && !r->path && !field)
    return fail(c, n, "a managed disable rule needs at least one of file_option, field_option, module, path or field");
  return true;
}

static bool decode_rules(ctx *c, const by_node *n, bool override, bg_rule **out, uint32_t *count) {
  if (by_is_null(n)) return true;
  const char *what = override ? "managed.override" : "managed.disable";
  if (n->kind != BY_SEQ) return fail(c, n, "%s must be a list", what);
  *out = buoy_arena_alloc(c->a, sizeof(bg_rule) * (n->n + 1));
  for (uint32_t i = 0; i < n->n; i++)
    if (!decode_rule(c, n->items[i], override, &(*out)[(*count)++])) return false;
  return true;
}

static bool decode_managed(ctx *c, const by_node *n, bg_managed *m) {
  static const char *const keys[] = {"enabled", "disable", "override", NULL};
  if (by_is_null(n)) return true;
  if (n->kind != BY_MAP) return fail(c, n, "managed must be a mapping");
  if (!check_keys(c, n, "managed", keys)) return false;
  if (!get_bool(c, by_get(n, "enabled"), "managed.enabled", &m->enabled)) return false;
  return decode_rules(c, by_get(n, "disable"), false, &m->disables, &m->ndisables) &&
         decode_rules(c, by_get(n, "override"), true, &m->overrides, &m->noverrides);
}

/* ---- the document ---- */

bool bg_decode_gen_yaml(buoy_arena *a, const buoy_source *src, buoy_diags *diags, bg_config *out) {
  static const char *const keys[] = {"version", "clean", "plugins", "managed", "inputs", NULL};
  ctx c = {a, src, diags};
  memset(out, 0, sizeof *out);
  bool empty;
  by_node *root = by_parse(a, src, diags, &empty);
  if (!root && !empty) return false;
  if (empty || by_is_null(root)) return fail(&c, root, "the template is empty; it needs at least \"version: v2\"");
  if (root->kind != BY_MAP) return fail(&c, root, "the template must be a mapping");
  const by_node *v = by_get(root, "version");
  const char *version;
  if (!get_string(&c, v, "version", &version)) return false;
  if (!version) return fail(&c, root, "\"version\" is not set; add \"version: v2\"");
  if (strcmp(version, "v1") == 0 || strcmp(version, "v1beta1") == 0)
    return fail(&c, v, "templates of version %s are not supported by buoy generate; write version v2", version);
  if (strcmp(version, "v2") != 0) return fail(&c, v, "unknown template version \"%s\" (buoy reads v2)", version);
  if (!check_keys(&c, root, "a v2 template", keys)) return false;
  if (!get_bool(&c, by_get(root, "clean"), "clean", &out->clean)) return false;
  const by_node *plugins = by_get(root, "plugins");
  if (!by_is_null(plugins)) {
    if (plugins->kind != BY_SEQ) return fail(&c, plugins, "plugins must be a list");
    out->plugins = buoy_arena_alloc(a, sizeof(bg_plugin) * (plugins->n + 1));
    for (uint32_t i = 0; i < plugins->n; i++)
      if (!decode_plugin(&c, plugins->items[i], &out->plugins[out->nplugins++])) return false;
  }
  const by_node *inputs = by_get(root, "inputs");
  if (!by_is_null(inputs)) {
    if (inputs->kind != BY_SEQ) return fail(&c, inputs, "inputs must be a list");
    out->inputs = buoy_arena_alloc(a, sizeof(bg_input) * (inputs->n + 1));
    for (uint32_t i = 0; i < inputs->n; i++)
      if (!decode_input(&c, inputs->items[i], &out->inputs[out->ninputs++])) return false;
  }
  return decode_managed(&c, by_get(root, "managed"), &out->managed);
}
