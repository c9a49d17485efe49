#include "gen/managed.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "compile/embedded.h"
#include "module/path.h"

bool bg_is_wkt(const char *path) { return buoy_embedded_find(path) != NULL; }

/* ---- strings built in the arena ---- */

typedef struct sbuf {
  char *data;
  size_t len, cap;
  bp_arena *a;
  bool oom;
} sbuf;

static void sb_put(sbuf *b, const char *s, size_t n) {
  if (b->oom || !n) return;
  if (b->len + n + 1 > b->cap) {
    size_t cap = b->cap ? b->cap * 2 : 64;
    while (cap < b->len + n + 1)
      cap *= 2;
    char *d = bp_arena_realloc(b->a, b->data, b->cap, cap);
    if (!d) {
      b->oom = true;
      return;
    }
    b->data = d;
    b->cap = cap;
  }
  memcpy(b->data + b->len, s, n);
  b->len += n;
  b->data[b->len] = 0;
}

static void sb_puts(sbuf *b, const char *s) { sb_put(b, s, strlen(s)); }
static void sb_putc(sbuf *b, char c) { sb_put(b, &c, 1); }

static bp_str sb_str(const sbuf *b) { return bp_str_make(b->data ? b->data : "", b->len); }

/* ---- buf's naming helpers ---- */

static bool is_delimiter(char c) {
  return c == '.' || c == '-' || c == '_' || c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

/* buf's stringutil.ToPascalCase: delimiters dropped, the first letter and
 * each letter after a delimiter upper-cased, upper-case letters kept, the
 * rest lower-cased (ASCII; other bytes pass through). */
static void put_pascal(sbuf *b, const char *s, size_t n) {
  while (n && isspace((unsigned char)*s))
    s++, n--;
  while (n && isspace((unsigned char)s[n - 1]))
    n--;
  for (size_t i = 0; i < n; i++) {
    char c = s[i];
    if (is_delimiter(c)) continue;
    bool up = i == 0 || is_delimiter(s[i - 1]) || isupper((unsigned char)c);
    sb_putc(b, (char)(up ? toupper((unsigned char)c) : tolower((unsigned char)c)));
  }
}

/* A number >= 1 without leading zeros, at s; its length, or 0. */
static size_t version_number(const char *s, size_t n) {
  size_t k = 0;
  while (k < n && isdigit((unsigned char)s[k]))
    k++;
  if (k == 0 || s[0] == '0') return 0;
  return k;
}

/* buf's package versions: v1, v1test..., v1alpha, v1beta2, v1p1alpha1, numbers >= 1. */
static bool is_version_component(const char *s, size_t n) {
  if (n < 2 || s[0] != 'v') return false;
  size_t k = version_number(s + 1, n - 1);
  if (!k) return false;
  const char *r = s + 1 + k;
  size_t rn = n - 1 - k;
  if (rn == 0) return true;
  if (rn >= 4 && memcmp(r, "test", 4) == 0) return true;
  if (r[0] == 'p') { /* release-based: v1p1alpha, v1p2beta3 */
    size_t pk = version_number(r + 1, rn - 1);
    if (!pk) return false;
    r += 1 + pk;
    rn -= 1 + pk;
    if (rn == 0) return false;
  }
  size_t word = 0;
  if (rn >= 5 && memcmp(r, "alpha", 5) == 0) word = 5;
  else if (rn >= 4 && memcmp(r, "beta", 4) == 0) word = 4;
  if (!word) return false;
  if (rn == word) return true;
  return version_number(r + word, rn - word) == rn - word;
}

/* Whether the package has a version as its last part (and at least two parts). */
static bool has_package_version(bp_str pkg) {
  const char *dot = NULL;
  for (size_t i = pkg.size; i > 0; i--)
    if (pkg.data[i - 1] == '.') {
      dot = pkg.data + i - 1;
      break;
    }
  if (!dot) return false;
  return is_version_component(dot + 1, (size_t)(pkg.data + pkg.size - dot - 1));
}

/* Calls put for each part of the package, with the separator between. */
static void put_parts(sbuf *b, bp_str pkg, const char *sep, bool php) {
  static const char *const php_reserved[] = {
      "directory", "exception", "errorexception", "closure", "generator", "arithmeticerror", "assertionerror",
      "divisionbyzeroerror", "error", "throwable", "parseerror", "typeerror", "abstract", "and", "array", "as",
      "break", "callable", "case", "catch", "class", "clone", "const", "continue", "declare", "default", "die",
      "do", "echo", "else", "elseif", "empty", "enddeclare", "endfor", "endforeach", "endif", "endswitch",
      "endwhile", "eval", "exit", "extends", "final", "finally", "fn", "for", "foreach", "function", "global",
      "goto", "if", "implements", "include", "include_once", "instanceof", "insteadof", "interface", "isset",
      "list", "match", "namespace", "new", "or", "print", "private", "protected", "public", "require",
      "require_once", "return", "static", "switch", "throw", "trait", "try", "unset", "use", "var", "while", "xor",
      "yield", "int", "float", "bool", "string", "true", "false", "null", "void", "iterable", NULL};
  size_t start = 0;
  for (size_t i = 0; i <= pkg.size; i++) {
    if (i < pkg.size && pkg.data[i] != '.') continue;
    if (start) sb_puts(b, sep);
    size_t n = i - start;
    put_pascal(b, pkg.data + start, n);
    if (php) {
      char lower[64];
      if (n < sizeof lower) {
        for (size_t k = 0; k < n; k++)
          lower[k] = (char)tolower((unsigned char)pkg.data[start + k]);
        lower[n] = 0;
        for (const char *const *w = php_reserved; *w; w++)
          if (strcmp(*w, lower) == 0) sb_putc(b, '_');
      }
    }
    start = i + 1;
  }
}

static void objc_prefix(sbuf *b, bp_str pkg) {
  bool versioned = has_package_version(pkg);
  size_t start = 0, letters = 0;
  for (size_t i = 0; i <= pkg.size; i++) {
    if (i < pkg.size && pkg.data[i] != '.') continue;
    bool last = i == pkg.size;
    if (!(last && versioned) && i > start) {
      sb_putc(b, (char)toupper((unsigned char)pkg.data[start]));
      letters++;
    }
    start = i + 1;
  }
  for (; letters < 3; letters++)
    sb_putc(b, 'X');
  if (b->len == 3 && b->data && memcmp(b->data, "GPB", 3) == 0) b->data[2] = 'X';
}

/* ---- rules ---- */

/* FileOptions field numbers: the source info path of an option is [8, number]. */
enum {
  N_JAVA_PACKAGE = 1,
  N_JAVA_OUTER_CLASSNAME = 8,
  N_OPTIMIZE_FOR = 9,
  N_JAVA_MULTIPLE_FILES = 10,
  N_GO_PACKAGE = 11,
  N_JAVA_STRING_CHECK_UTF8 = 27,
  N_CC_ENABLE_ARENAS = 31,
  N_OBJC_CLASS_PREFIX = 36,
  N_CSHARP_NAMESPACE = 37,
  N_PHP_NAMESPACE = 41,
  N_PHP_METADATA_NAMESPACE = 44,
  N_RUBY_PACKAGE = 45,
  N_MAX = 64,
};

typedef struct field_mark {
  const int32_t *path; /* the field's source path */
  uint32_t len;
} field_mark;

typedef struct file_ctx {
  const bg_managed *m;
  google_protobuf_FileDescriptorProto *f;
  const char *path, *module;
  bp_arena *a;
  bool mark_file[N_MAX]; /* file options changed, by number */
  field_mark *fields;    /* fields whose jstype changed */
  uint32_t nfields, capfields;
  bool oom;
} file_ctx;

static bool rule_matches(const file_ctx *c, const bg_rule *r) {
  if (r->path && !bm_equals_or_contains(r->path, c->path)) return false;
  if (r->module && (!c->module || strcmp(r->module, c->module) != 0)) return false;
  return true;
}

/* A disable rule for option o (or for every option) matching the file. */
static bool disabled(const file_ctx *c, bg_option o) {
  for (uint32_t i = 0; i < c->m->ndisables; i++) {
    const bg_rule *r = &c->m->disables[i];
    if (r->file_option != BG_OPT_NONE && r->file_option != o) continue;
    /* rules about field options leave file options alone */
    if (r->file_option == BG_OPT_NONE && (r->field_option != BG_OPT_NONE || r->field)) continue;
    if (rule_matches(c, r)) return true;
  }
  return false;
}

static google_protobuf_FileOptions *file_options(file_ctx *c) {
  google_protobuf_FileOptions *o = google_protobuf_FileDescriptorProto_mutable_options(c->f, c->a);
  if (!o) c->oom = true;
  return o;
}

typedef bp_str (*str_getter)(const google_protobuf_FileOptions *);
typedef void (*str_setter)(google_protobuf_FileOptions *, bp_str);

/* Sets a string option to v unless it reads as v already (unset reads ""). */
static void put_string(file_ctx *c, int number, str_getter get, str_setter set, bp_str v) {
  if (c->oom || !v.size) return;
  if (c->f->options && bp_str_eq(get(c->f->options), v)) return;
  google_protobuf_FileOptions *o = file_options(c);
  if (!o) return;
  set(o, v);
  c->mark_file[number] = true;
}

/* The value, prefix and suffix that apply to a string option: the default,
 * then each matching override in order (a value replaces everything; a
 * prefix or suffix keeps the other), disabled parts dropped. */
typedef struct str_choice {
  const char *value, *prefix, *suffix;
} str_choice;

static bool string_choice(const file_ctx *c, bg_option value_opt, bg_option prefix_opt, bg_option suffix_opt,
                          str_choice dflt, str_choice *out) {
  if (disabled(c, value_opt)) return false;
  bool no_prefix = prefix_opt == BG_OPT_NONE || disabled(c, prefix_opt);
  bool no_suffix = suffix_opt == BG_OPT_NONE || disabled(c, suffix_opt);
  str_choice o = dflt;
  if (no_prefix) o.prefix = NULL;
  if (no_suffix) o.suffix = NULL;
  for (uint32_t i = 0; i < c->m->noverrides; i++) {
    const bg_rule *r = &c->m->overrides[i];
    if (r->file_option == BG_OPT_NONE || !rule_matches(c, r)) continue;
    if (r->file_option == value_opt)
      o = (str_choice){r->str, NULL, NULL};
    else if (r->file_option == prefix_opt && !no_prefix)
      o = (str_choice){NULL, r->str, o.suffix};
    else if (r->file_option == suffix_opt && !no_suffix)
      o = (str_choice){NULL, o.prefix, r->str};
  }
  if (o.value && !o.value[0]) o.value = NULL;
  if (o.prefix && !o.prefix[0]) o.prefix = NULL;
  if (o.suffix && !o.suffix[0]) o.suffix = NULL;
  *out = o;
  return o.value || o.prefix || o.suffix;
}

/* A boolean or enum option: the default, or the last matching override. */
static bool scalar_choice(const file_ctx *c, bg_option opt, int32_t dflt, int32_t *out) {
  if (disabled(c, opt)) return false;
  *out = dflt;
  for (uint32_t i = 0; i < c->m->noverrides; i++) {
    const bg_rule *r = &c->m->overrides[i];
    if (r->file_option == opt && rule_matches(c, r)) *out = opt == BG_OPT_OPTIMIZE_FOR ? r->number : r->boolean;
  }
  return true;
}

static void manage_bool(file_ctx *c, bg_option opt, int number, bool dflt, bool (*get)(const google_protobuf_FileOptions *),
                        void (*set)(google_protobuf_FileOptions *, bool)) {
  int32_t v;
  if (!scalar_choice(c, opt, dflt, &v)) return;
  static const google_protobuf_FileOptions empty;
  if (get(c->f->options ? c->f->options : &empty) == (v != 0)) return;
  google_protobuf_FileOptions *o = file_options(c);
  if (!o) return;
  set(o, v != 0);
  c->mark_file[number] = true;
}

static void manage_optimize_for(file_ctx *c) {
  int32_t v;
  if (!scalar_choice(c, BG_OPT_OPTIMIZE_FOR, google_protobuf_FileOptions_SPEED, &v)) return;
  static const google_protobuf_FileOptions empty;
  if (google_protobuf_FileOptions_optimize_for(c->f->options ? c->f->options : &empty) == v) return;
  google_protobuf_FileOptions *o = file_options(c);
  if (!o) return;
  google_protobuf_FileOptions_set_optimize_for(o, v);
  c->mark_file[N_OPTIMIZE_FOR] = true;
}

static void manage_java_package(file_ctx *c, bp_str pkg) {
  str_choice ch;
  if (!string_choice(c, BG_OPT_JAVA_PACKAGE, BG_OPT_JAVA_PACKAGE_PREFIX, BG_OPT_JAVA_PACKAGE_SUFFIX,
                     (str_choice){NULL, "com", NULL}, &ch))
    return;
  sbuf b = {.a = c->a};
  if (ch.value) {
    sb_puts(&b, ch.value);
  } else if (pkg.size) {
    if (ch.prefix) sb_puts(&b, ch.prefix), sb_putc(&b, '.');
    sb_put(&b, pkg.data, pkg.size);
    if (ch.suffix) sb_putc(&b, '.'), sb_puts(&b, ch.suffix);
  }
  c->oom |= b.oom;
  put_string(c, N_JAVA_PACKAGE, google_protobuf_FileOptions_java_package, google_protobuf_FileOptions_set_java_package,
             sb_str(&b));
}

static void manage_go_package(file_ctx *c, bp_str pkg) {
  str_choice ch;
  if (!string_choice(c, BG_OPT_GO_PACKAGE, BG_OPT_GO_PACKAGE_PREFIX, BG_OPT_NONE, (str_choice){0}, &ch)) return;
  sbuf b = {.a = c->a};
  if (ch.value) {
    sb_puts(&b, ch.value);
  } else if (ch.prefix) {
    /* path.Join(prefix, dir(file)) */
    buoy_arena tmp;
    buoy_arena_init(&tmp);
    sb_puts(&b, bm_join(&tmp, bm_clean(&tmp, ch.prefix), bm_dir(&tmp, bm_clean(&tmp, c->path))));
    buoy_arena_free(&tmp);
    if (has_package_version(pkg)) {
      /* ";" + the last two parts of the package */
      size_t dots = 0, i = pkg.size;
      while (i > 0 && dots < 2)
        if (pkg.data[--i] == '.') dots++;
      if (dots == 2) i++;
      sb_putc(&b, ';');
      for (; i < pkg.size; i++)
        if (pkg.data[i] != '.') sb_putc(&b, pkg.data[i]);
    }
  }
  c->oom |= b.oom;
  put_string(c, N_GO_PACKAGE, google_protobuf_FileOptions_go_package, google_protobuf_FileOptions_set_go_package,
             sb_str(&b));
}

/* Options whose default is computed from the file (outer classname) or its package. */
static void manage_computed(file_ctx *c, bg_option opt, int number, str_getter get, str_setter set, bp_str pkg) {
  str_choice ch;
  bg_option suffix_opt = opt == BG_OPT_RUBY_PACKAGE               ? BG_OPT_RUBY_PACKAGE_SUFFIX
                         : opt == BG_OPT_PHP_METADATA_NAMESPACE ? BG_OPT_PHP_METADATA_NAMESPACE_SUFFIX
                                                                  : BG_OPT_NONE;
  bg_option prefix_opt = opt == BG_OPT_CSHARP_NAMESPACE ? BG_OPT_CSHARP_NAMESPACE_PREFIX : BG_OPT_NONE;
  /* the default is computed: a value that stands for it */
  str_choice dflt = {"(computed)", NULL, NULL};
  if (!string_choice(c, opt, prefix_opt, suffix_opt, dflt, &ch)) return;
  if (ch.value == dflt.value && opt == BG_OPT_PHP_METADATA_NAMESPACE) ch.suffix = "GPBMetadata";
  sbuf b = {.a = c->a};
  if (ch.value && ch.value != dflt.value) {
    sb_puts(&b, ch.value);
  } else if (opt == BG_OPT_JAVA_OUTER_CLASSNAME) {
    const char *slash = strrchr(c->path, '/');
    const char *base = slash ? slash + 1 : c->path;
    put_pascal(&b, base, strlen(base));
  } else if (pkg.size) {
    if (opt == BG_OPT_OBJC_CLASS_PREFIX) {
      objc_prefix(&b, pkg);
    } else {
      if (ch.prefix) sb_puts(&b, ch.prefix), sb_putc(&b, '.');
      put_parts(&b, pkg,
                opt == BG_OPT_CSHARP_NAMESPACE ? "." : opt == BG_OPT_RUBY_PACKAGE ? "::" : "\\",
                opt == BG_OPT_PHP_NAMESPACE || opt == BG_OPT_PHP_METADATA_NAMESPACE);
      if (ch.suffix) sb_puts(&b, opt == BG_OPT_RUBY_PACKAGE ? "::" : "\\"), sb_puts(&b, ch.suffix);
    }
  }
  c->oom |= b.oom;
  put_string(c, number, get, set, sb_str(&b));
}

/* ---- jstype ---- */

static bool is_64bit_integer(int32_t type) {
  return type == google_protobuf_FieldDescriptorProto_TYPE_INT64 ||
         type == google_protobuf_FieldDescriptorProto_TYPE_UINT64 ||
         type == google_protobuf_FieldDescriptorProto_TYPE_SINT64 ||
         type == google_protobuf_FieldDescriptorProto_TYPE_FIXED64 ||
         type == google_protobuf_FieldDescriptorProto_TYPE_SFIXED64;
}

#define MAX_NESTING 100

typedef struct walk {
  file_ctx *c;
  const bg_rule **overrides, **disables;
  uint32_t noverrides, ndisables;
  int32_t path[2 * MAX_NESTING + 4];
  uint32_t depth;
  char name[4096]; /* the scope's full name */
} walk;

static bool name_is(const char *scope, bp_str field, const char *want) {
  size_t n = strlen(scope);
  if (strncmp(want, scope, n) != 0) return false;
  if (n) {
    if (want[n] != '.') return false;
    n++;
  }
  return strlen(want + n) == field.size && (!field.size || memcmp(want + n, field.data, field.size) == 0);
}

static void manage_field(walk *w, google_protobuf_FieldDescriptorProto *fd) {
  for (uint32_t i = 0; i < w->ndisables; i++)
    if (name_is(w->name, fd->name, w->disables[i]->field)) return;
  const bg_rule *r = NULL;
  for (uint32_t i = 0; i < w->noverrides; i++)
    if (!w->overrides[i]->field || name_is(w->name, fd->name, w->overrides[i]->field)) r = w->overrides[i];
  if (!r || !is_64bit_integer(fd->type)) return;
  if (fd->options && google_protobuf_FieldOptions_has_jstype(fd->options) &&
      google_protobuf_FieldOptions_jstype(fd->options) == r->number)
    return;
  google_protobuf_FieldOptions *o = google_protobuf_FieldDescriptorProto_mutable_options(fd, w->c->a);
  if (!o) {
    w->c->oom = true;
    return;
  }
  google_protobuf_FieldOptions_set_jstype(o, r->number);
  file_ctx *c = w->c;
  if (c->nfields == c->capfields) {
    uint32_t cap = c->capfields ? c->capfields * 2 : 8;
    field_mark *m = bp_arena_realloc(c->a, c->fields, sizeof *m * c->capfields, sizeof *m * cap);
    if (!m) {
      c->oom = true;
      return;
    }
    c->fields = m;
    c->capfields = cap;
  }
  int32_t *p = bp_arena_memdup(c->a, w->path, sizeof(int32_t) * w->depth);
  if (!p) {
    c->oom = true;
    return;
  }
  c->fields[c->nfields++] = (field_mark){p, w->depth};
}

static void walk_fields(walk *w, const bp_array *fields, int32_t tag) {
  if (w->depth + 2 > sizeof w->path / sizeof w->path[0]) return;
  google_protobuf_FieldDescriptorProto **fs = fields->data;
  for (uint32_t i = 0; i < fields->size; i++) {
    w->path[w->depth] = tag;
    w->path[w->depth + 1] = (int32_t)i;
    w->depth += 2;
    manage_field(w, fs[i]);
    w->depth -= 2;
  }
}

static void walk_messages(walk *w, const bp_array *msgs, int32_t tag, uint32_t level) {
  if (level > MAX_NESTING || w->depth + 2 > sizeof w->path / sizeof w->path[0]) return;
  google_protobuf_DescriptorProto **ms = msgs->data;
  size_t scope_len = strlen(w->name);
  for (uint32_t i = 0; i < msgs->size; i++) {
    bp_str name = ms[i]->name;
    if (scope_len + 1 + name.size >= sizeof w->name) continue;
    size_t at = scope_len;
    if (at) w->name[at++] = '.';
    if (name.size) memcpy(w->name + at, name.data, name.size);
    w->name[at + name.size] = 0;
    w->path[w->depth] = tag;
    w->path[w->depth + 1] = (int32_t)i;
    w->depth += 2;
    walk_fields(w, &ms[i]->field, 2);
    walk_fields(w, &ms[i]->extension, 6);
    walk_messages(w, &ms[i]->nested_type, 3, level + 1);
    w->depth -= 2;
    w->name[scope_len] = 0;
  }
}

static void manage_jstype(file_ctx *c) {
  walk *w = calloc(1, sizeof *w);
  const bg_rule **rules = calloc((size_t)c->m->noverrides + c->m->ndisables + 1, sizeof *rules);
  if (!w || !rules) {
    c->oom = true;
    free(w);
    free(rules);
    return;
  }
  w->c = c;
  w->overrides = rules;
  for (uint32_t i = 0; i < c->m->noverrides; i++) {
    const bg_rule *r = &c->m->overrides[i];
    if (r->field_option == BG_OPT_JSTYPE && rule_matches(c, r)) w->overrides[w->noverrides++] = r;
  }
  w->disables = rules + w->noverrides;
  bool whole_file = false;
  for (uint32_t i = 0; i < c->m->ndisables; i++) {
    const bg_rule *r = &c->m->disables[i];
    bool applies = r->field_option == BG_OPT_JSTYPE || (r->field_option == BG_OPT_NONE && r->file_option == BG_OPT_NONE);
    if (!applies || !rule_matches(c, r)) continue;
    if (!r->field) whole_file = true;
    w->disables[w->ndisables++] = r;
  }
  if (w->noverrides && !whole_file) {
    bp_str pkg = c->f->package;
    if (pkg.size < sizeof w->name) {
      if (pkg.size) memcpy(w->name, pkg.data, pkg.size);
      w->name[pkg.size] = 0;
      walk_messages(w, &c->f->message_type, 4, 0);
      walk_fields(w, &c->f->extension, 7);
    }
  }
  free(rules);
  free(w);
}

/* ---- source info ---- */

static bool path_is(const bp_array *p, const int32_t *want, uint32_t n, uint32_t extra, const int32_t *tail) {
  if (p->size != n + extra) return false;
  const int32_t *d = p->data;
  return memcmp(d, want, sizeof(int32_t) * n) == 0 && (!extra || memcmp(d + n, tail, sizeof(int32_t) * extra) == 0);
}

static bool has_prefix(const bp_array *p, const int32_t *want, uint32_t n) {
  return p->size > n && memcmp(p->data, want, sizeof(int32_t) * n) == 0;
}

/* Removes the locations of the options changed: a file option's [8, n] with
 * the [8] before it, a field's jstype [.., 8, 6], and the field's [.., 8]
 * when nothing else of its options is left. */
static void sweep(file_ctx *c) {
  google_protobuf_SourceCodeInfo *sci = c->f->source_code_info;
  if (!sci) return;
  google_protobuf_SourceCodeInfo_Location **locs = sci->location.data;
  uint32_t n = sci->location.size;
  bool *drop = calloc(n + 1, 1);
  if (!drop) {
    c->oom = true;
    return;
  }
  for (uint32_t i = 0; i < n; i++) {
    const bp_array *p = &locs[i]->path;
    const int32_t *d = p->data;
    if (p->size == 2 && d[0] == 8 && d[1] >= 0 && d[1] < N_MAX && c->mark_file[d[1]]) {
      drop[i] = true;
      if (i > 0 && locs[i - 1]->path.size == 1 && ((const int32_t *)locs[i - 1]->path.data)[0] == 8) drop[i - 1] = true;
    }
  }
  static const int32_t jstype_tail[] = {8, 6}, options_tail[] = {8};
  for (uint32_t k = 0; k < c->nfields; k++) {
    const field_mark *f = &c->fields[k];
    for (uint32_t i = 0; i < n; i++)
      if (path_is(&locs[i]->path, f->path, f->len, 2, jstype_tail)) drop[i] = true;
    int32_t opts[2 * MAX_NESTING + 5];
    memcpy(opts, f->path, sizeof(int32_t) * f->len);
    opts[f->len] = 8;
    bool left = false;
    for (uint32_t i = 0; i < n && !left; i++)
      left = !drop[i] && has_prefix(&locs[i]->path, opts, f->len + 1);
    if (!left)
      for (uint32_t i = 0; i < n; i++)
        if (path_is(&locs[i]->path, f->path, f->len, 1, options_tail)) drop[i] = true;
  }
  uint32_t kept = 0;
  for (uint32_t i = 0; i < n; i++)
    if (!drop[i]) locs[kept++] = locs[i];
  sci->location.size = kept;
  free(drop);
}

/* ---- the file ---- */

bool bg_managed_apply(const bg_managed *m, google_protobuf_FileDescriptorProto *file, const char *module,
                      bp_arena *a) {
  if (!m->enabled) return true;
  char *path = malloc(file->name.size + 1);
  if (!path) return false;
  if (file->name.size) memcpy(path, file->name.data, file->name.size);
  path[file->name.size] = 0;
  if (bg_is_wkt(path)) {
    free(path);
    return true;
  }
  file_ctx c = {.m = m, .f = file, .path = path, .module = module, .a = a};
  bp_str pkg = file->package;
  /* buf's order: cc_enable_arenas, csharp_namespace, go_package,
   * java_multiple_files, java_outer_classname, java_package,
   * java_string_check_utf8, objc_class_prefix, optimize_for,
   * php_metadata_namespace, php_namespace, ruby_package, jstype */
  manage_bool(&c, BG_OPT_CC_ENABLE_ARENAS, N_CC_ENABLE_ARENAS, true, google_protobuf_FileOptions_cc_enable_arenas,
              google_protobuf_FileOptions_set_cc_enable_arenas);
  manage_computed(&c, BG_OPT_CSHARP_NAMESPACE, N_CSHARP_NAMESPACE, google_protobuf_FileOptions_csharp_namespace,
                  google_protobuf_FileOptions_set_csharp_namespace, pkg);
  manage_go_package(&c, pkg);
  manage_bool(&c, BG_OPT_JAVA_MULTIPLE_FILES, N_JAVA_MULTIPLE_FILES, true,
              google_protobuf_FileOptions_java_multiple_files, google_protobuf_FileOptions_set_java_multiple_files);
  manage_computed(&c, BG_OPT_JAVA_OUTER_CLASSNAME, N_JAVA_OUTER_CLASSNAME,
                  google_protobuf_FileOptions_java_outer_classname, google_protobuf_FileOptions_set_java_outer_classname,
                  pkg);
  manage_java_package(&c, pkg);
  manage_bool(&c, BG_OPT_JAVA_STRING_CHECK_UTF8, N_JAVA_STRING_CHECK_UTF8, false,
              google_protobuf_FileOptions_java_string_check_utf8, google_protobuf_FileOptions_set_java_string_check_utf8);
  manage_computed(&c, BG_OPT_OBJC_CLASS_PREFIX, N_OBJC_CLASS_PREFIX, google_protobuf_FileOptions_objc_class_prefix,
                  google_protobuf_FileOptions_set_objc_class_prefix, pkg);
  manage_optimize_for(&c);
  manage_computed(&c, BG_OPT_PHP_METADATA_NAMESPACE, N_PHP_METADATA_NAMESPACE,
                  google_protobuf_FileOptions_php_metadata_namespace,
                  google_protobuf_FileOptions_set_php_metadata_namespace, pkg);
  manage_computed(&c, BG_OPT_PHP_NAMESPACE, N_PHP_NAMESPACE, google_protobuf_FileOptions_php_namespace,
                  google_protobuf_FileOptions_set_php_namespace, pkg);
  manage_computed(&c, BG_OPT_RUBY_PACKAGE, N_RUBY_PACKAGE, google_protobuf_FileOptions_ruby_package,
                  google_protobuf_FileOptions_set_ruby_package, pkg);
  manage_jstype(&c);
  if (!c.oom) sweep(&c);
  free(path);
  return !c.oom;
}
