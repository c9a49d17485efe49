/* The C generator: for each .proto file one header (types, structs, inline
 * accessors) and one source (the static tables runtime/pb reads). It works
 * on the descriptor model, never on generated descriptors, so it can write
 * the bindings of descriptor.proto itself (runtime/gen, the bootstrap).
 *
 * Output is deterministic: the same model gives the same bytes, which the
 * bootstrap test relies on. */
#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/arena.h"
#include "base/diag.h"
#include "base/strmap.h"
#include "gen/gen.h"

static void out(bu_buf *b, const char *fmt, ...) BUOY_PRINTF(2, 3);

static void out(bu_buf *b, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  int n = vsnprintf(NULL, 0, fmt, ap);
  va_end(ap);
  if (n <= 0) return;
  bu_buf_reserve(b, (size_t)n + 1);
  va_start(ap, fmt);
  vsnprintf((char *)b->data + b->len, (size_t)n + 1, fmt, ap);
  va_end(ap);
  b->len += (size_t)n;
}

/* ---------------------------------------------------------------- names
 *
 * Every identifier a file's bindings declare at file scope is claimed, in a
 * fixed order, against the identifiers of the files it imports (all of
 * them, recursively) and those it claimed before. A name that is taken, a
 * C or C++ keyword, or a name of the standard headers the bindings include
 * gets '_' appended to its variable part until every name of its family is
 * free (src/gen/README.md lists the families and the order). A file's names
 * so depend only on the file and its imports: the header of an imported
 * file, generated alone, declares the names this file uses. */

static const char *const reserved_words[] = {
    /* C11 */
    "auto", "break", "case", "char", "const", "continue", "default", "do", "double", "else", "enum", "extern", "float",
    "for", "goto", "if", "inline", "int", "long", "register", "restrict", "return", "short", "signed", "sizeof",
    "static", "struct", "switch", "typedef", "union", "unsigned", "void", "volatile", "while", "bool", "true", "false",
    "alignas", "alignof", "noreturn", "static_assert", "thread_local",
    /* C++, for headers included from C++ */
    "asm", "catch", "class", "const_cast", "delete", "dynamic_cast", "explicit", "export", "friend", "mutable",
    "namespace", "new", "operator", "private", "protected", "public", "reinterpret_cast", "static_cast", "template",
    "this", "throw", "try", "typeid", "typename", "using", "virtual", "wchar_t", "and", "or", "not", "xor", "bitand",
    "bitor", "compl", "and_eq", "or_eq", "xor_eq", "not_eq", "char16_t", "char32_t", "constexpr", "decltype",
    "noexcept", "nullptr"};

/* Names the included standard headers (stdbool, stddef, stdint, string,
 * math) declare or that programs define; only file-scope names are checked
 * against them. */
static const char *const standard_names[] = {"NULL",
                                             "offsetof",
                                             "size_t",
                                             "ptrdiff_t",
                                             "max_align_t",
                                             "main",
                                             "errno",
                                             "int8_t",
                                             "int16_t",
                                             "int32_t",
                                             "int64_t",
                                             "uint8_t",
                                             "uint16_t",
                                             "uint32_t",
                                             "uint64_t",
                                             "intptr_t",
                                             "uintptr_t",
                                             "intmax_t",
                                             "uintmax_t",
                                             "INT8_MIN",
                                             "INT16_MIN",
                                             "INT32_MIN",
                                             "INT64_MIN",
                                             "INT8_MAX",
                                             "INT16_MAX",
                                             "INT32_MAX",
                                             "INT64_MAX",
                                             "UINT8_MAX",
                                             "UINT16_MAX",
                                             "UINT32_MAX",
                                             "UINT64_MAX",
                                             "INT8_C",
                                             "INT16_C",
                                             "INT32_C",
                                             "INT64_C",
                                             "UINT8_C",
                                             "UINT16_C",
                                             "UINT32_C",
                                             "UINT64_C",
                                             "INTMAX_C",
                                             "UINTMAX_C",
                                             "INTPTR_MIN",
                                             "INTPTR_MAX",
                                             "UINTPTR_MAX",
                                             "INTMAX_MIN",
                                             "INTMAX_MAX",
                                             "UINTMAX_MAX",
                                             "PTRDIFF_MIN",
                                             "PTRDIFF_MAX",
                                             "SIZE_MAX",
                                             "SIG_ATOMIC_MIN",
                                             "SIG_ATOMIC_MAX",
                                             "WCHAR_MIN",
                                             "WCHAR_MAX",
                                             "WINT_MIN",
                                             "WINT_MAX",
                                             "memcpy",
                                             "memmove",
                                             "memset",
                                             "memcmp",
                                             "memchr",
                                             "strcpy",
                                             "strncpy",
                                             "strcat",
                                             "strncat",
                                             "strcmp",
                                             "strncmp",
                                             "strcoll",
                                             "strxfrm",
                                             "strchr",
                                             "strrchr",
                                             "strspn",
                                             "strcspn",
                                             "strpbrk",
                                             "strstr",
                                             "strtok",
                                             "strerror",
                                             "strlen",
                                             "INFINITY",
                                             "NAN",
                                             "HUGE_VAL",
                                             "HUGE_VALF",
                                             "HUGE_VALL",
                                             "FP_NAN",
                                             "FP_INFINITE",
                                             "FP_ZERO",
                                             "FP_NORMAL",
                                             "FP_SUBNORMAL",
                                             "float_t",
                                             "double_t",
                                             "isnan",
                                             "isinf",
                                             "isfinite",
                                             "isnormal",
                                             "signbit",
                                             "fpclassify",
                                             "math_errhandling",
                                             "MATH_ERRNO",
                                             "MATH_ERREXCEPT",
                                             "acos",
                                             "asin",
                                             "atan",
                                             "atan2",
                                             "cos",
                                             "sin",
                                             "tan",
                                             "acosh",
                                             "asinh",
                                             "atanh",
                                             "cosh",
                                             "sinh",
                                             "tanh",
                                             "exp",
                                             "exp2",
                                             "expm1",
                                             "frexp",
                                             "ilogb",
                                             "ldexp",
                                             "log",
                                             "log10",
                                             "log1p",
                                             "log2",
                                             "logb",
                                             "modf",
                                             "scalbn",
                                             "scalbln",
                                             "cbrt",
                                             "fabs",
                                             "hypot",
                                             "pow",
                                             "sqrt",
                                             "erf",
                                             "erfc",
                                             "lgamma",
                                             "tgamma",
                                             "ceil",
                                             "floor",
                                             "nearbyint",
                                             "rint",
                                             "lrint",
                                             "llrint",
                                             "round",
                                             "lround",
                                             "llround",
                                             "trunc",
                                             "fmod",
                                             "remainder",
                                             "remquo",
                                             "copysign",
                                             "nan",
                                             "nextafter",
                                             "nexttoward",
                                             "fdim",
                                             "fmax",
                                             "fmin",
                                             "fma",
                                             "isgreater",
                                             "isgreaterequal",
                                             "isless",
                                             "islessequal",
                                             "islessgreater",
                                             "isunordered",
                                             "__bool_true_false_are_defined"};

static bool in_list(const char *name, const char *const *list, size_t n) {
  for (size_t i = 0; i < n; i++)
    if (strcmp(name, list[i]) == 0) return true;
  return false;
}

static bool is_keyword(const char *name) {
  return in_list(name, reserved_words, sizeof reserved_words / sizeof reserved_words[0]);
}

/* The keywords and standard names, for reserved_global. */
static void reserved_init(buoy_strmap *m) {
  buoy_strmap_init(m);
  for (size_t i = 0; i < sizeof reserved_words / sizeof reserved_words[0]; i++)
    buoy_strmap_put(m, reserved_words[i], strlen(reserved_words[i]), (void *)reserved_words[i]);
  for (size_t i = 0; i < sizeof standard_names / sizeof standard_names[0]; i++)
    buoy_strmap_put(m, standard_names[i], strlen(standard_names[i]), (void *)standard_names[i]);
}

/* Whether a file-scope name is not ours to declare: a keyword, a standard
 * name, or in the runtime's namespace. */
static bool reserved_global(const buoy_strmap *reserved, const char *name) {
  return strncmp(name, "bp_", 3) == 0 || strncmp(name, "BP_", 3) == 0 ||
         buoy_strmap_get(reserved, name, strlen(name)) != NULL;
}

static const char *cat3(buoy_arena *a, const char *x, const char *y, const char *z) {
  size_t nx = strlen(x), ny = strlen(y), nz = strlen(z);
  char *s = buoy_arena_alloc_raw(a, nx + ny + nz + 1);
  memcpy(s, x, nx);
  memcpy(s + nx, y, ny);
  memcpy(s + nx + ny, z, nz + 1);
  return s;
}

/* A full name as a C identifier: dots become underscores. */
static const char *c_ident(buoy_arena *a, const char *full_name) {
  size_t n = strlen(full_name);
  char *s = buoy_arena_strndup(a, full_name, n);
  for (size_t i = 0; i < n; i++)
    if (s[i] == '.') s[i] = '_';
  return s;
}

/* A variable part that starts a file-scope name: one starting with '_' or a
 * digit (reserved or invalid), or in the runtime's namespace, gets an 'x'
 * in front. */
static const char *global_stem(buoy_arena *a, const char *s) {
  if (s[0] == '_' || (s[0] >= '0' && s[0] <= '9') || strncmp(s, "bp_", 3) == 0 || strncmp(s, "BP_", 3) == 0)
    return cat3(a, "x", s, "");
  return s;
}

/* The names of one file: what it claimed, and the C names of its elements. */
typedef struct filenames {
  const bu_file *f;
  bu_vec claimed; /* const char*: every file-scope name its bindings declare */
} filenames;

typedef struct namer {
  buoy_arena *arena;
  buoy_strmap files;    /* file name -> filenames* */
  buoy_strmap objs;     /* kind letter + element address -> const char* */
  buoy_strmap msgs;     /* full name -> bu_message*, of every file named */
  buoy_strmap reserved; /* keywords and standard names */
  /* while a file is named */
  buoy_strmap taken;
  filenames *cur;
} namer;

/* A family: names pre[i] + var + post[i]. */
typedef struct family {
  const char *pre[12], *post[12];
  int n;
} family;

static void fam_add(family *f, const char *pre, const char *post) {
  f->pre[f->n] = pre;
  f->post[f->n] = post;
  f->n++;
}

static bool name_free(namer *nm, const char *s) {
  return !reserved_global(&nm->reserved, s) && !buoy_strmap_get(&nm->taken, s, strlen(s));
}

/* Claims the family with the first of var, var_, var__... that leaves all
 * of its names free; returns that variable part. */
static const char *claim(namer *nm, const family *f, const char *var) {
  for (;;) {
    bool ok = true;
    for (int i = 0; i < f->n && ok; i++)
      ok = name_free(nm, cat3(nm->arena, f->pre[i], var, f->post[i]));
    if (ok) break;
    var = cat3(nm->arena, var, "_", "");
  }
  for (int i = 0; i < f->n; i++) {
    const char *s = cat3(nm->arena, f->pre[i], var, f->post[i]);
    buoy_strmap_put(&nm->taken, s, strlen(s), (void *)s);
    bu_vec_push(nm->arena, &nm->cur->claimed, (void *)s);
  }
  return var;
}

static const char *obj_key(namer *nm, char kind, const void *p) {
  char buf[48];
  snprintf(buf, sizeof buf, "%c%p", kind, p);
  return buoy_arena_strndup(nm->arena, buf, strlen(buf));
}

static void obj_put(namer *nm, char kind, const void *p, const char *name) {
  const char *k = obj_key(nm, kind, p);
  buoy_strmap_put(&nm->objs, k, strlen(k), (void *)name);
}

static const char *obj_get(const namer *nm, char kind, const void *p) {
  char buf[48];
  snprintf(buf, sizeof buf, "%c%p", kind, p);
  return buoy_strmap_get(&nm->objs, buf, strlen(buf));
}

/* Object kinds in namer.objs. */
enum {
  K_MSG = 'm',     /* bu_message: its struct and typedef */
  K_MSGFN = 'n',   /* bu_message: the stem of its functions and accessors */
  K_FIELD = 'f',   /* bu_field: its accessors' variable part */
  K_ONEOF = 'o',   /* bu_oneof: the variable part of its case function */
  K_ENUM = 'e',    /* bu_enum */
  K_VALUE = 'v',   /* bu_enum_value */
  K_EXT = 'x',     /* bu_field (extension): the stem of its table and accessors */
  K_SERVICE = 's', /* bu_service */
  K_METHOD = 'r',  /* bu_method */
  K_FILE = 'F',    /* bu_file: the stem of its filedef */
  K_GUARD = 'G',   /* bu_file: its include guard */
};

/* ---------------------------------------------------------------- field kinds */

static bool is_msg_type(int type) { return type == BUOY_TYPE_MESSAGE || type == BUOY_TYPE_GROUP; }

static bool is_map(const bu_field *fl) {
  return fl->label == BU_LABEL_REPEATED && fl->type == BUOY_TYPE_MESSAGE && fl->message_type &&
         fl->message_type->map_entry;
}

/* The oneof a field is in, when a real one (not proto3 `optional`'s). */
static int real_oneof(const bu_field *fl) {
  if (fl->oneof_index < 0 || !fl->containing || (uint32_t)fl->oneof_index >= fl->containing->oneofs.count) return -1;
  return BU_VEC_AT(fl->containing->oneofs, bu_oneof, fl->oneof_index)->synthetic ? -1 : fl->oneof_index;
}

/* Whether a singular field has a has_ accessor: messages, oneof members,
 * and scalars with explicit presence (a hasbit). The key and value of a map
 * entry have none (a message value is there when its pointer is set). */
static bool explicit_presence(const bu_field *fl) {
  if (fl->label == BU_LABEL_REPEATED) return false;
  if (is_msg_type(fl->type) || real_oneof(fl) >= 0) return true;
  if (fl->containing && fl->containing->map_entry) return false;
  switch (fl->file->ast.syntax) {
  case BUOY_SYNTAX_PROTO2: return true;
  case BUOY_SYNTAX_PROTO3: return fl->proto3_optional;
  default: return bu_feature_enum(fl, "field_presence", 1) != 2; /* IMPLICIT */
  }
}

static bool is_required(const bu_field *fl) {
  if (fl->label == BU_LABEL_REQUIRED) return true;
  return fl->file->ast.syntax == BUOY_SYNTAX_EDITIONS && fl->label != BU_LABEL_REPEATED && !fl->extendee &&
         bu_feature_enum(fl, "field_presence", 1) == 3; /* LEGACY_REQUIRED */
}

static bool checks_utf8(const bu_field *fl) {
  if (fl->type != BUOY_TYPE_STRING) return false;
  switch (fl->file->ast.syntax) {
  case BUOY_SYNTAX_PROTO2: return false;
  case BUOY_SYNTAX_PROTO3: return true;
  default: return bu_feature_enum(fl, "utf8_validation", 2) == 2; /* VERIFY */
  }
}

/* The descriptor type as the runtime sees it: editions' delimited messages
 * are groups on the wire. */
/* The wire type of a field: editions' DELIMITED message fields are groups,
 * except maps and the values of map entries, which are always
 * length-prefixed. */
static int runtime_type(const bu_field *fl) {
  if (fl->type == BUOY_TYPE_MESSAGE && fl->file->ast.syntax == BUOY_SYNTAX_EDITIONS && !is_map(fl) &&
      !(fl->containing && fl->containing->map_entry) &&
      bu_feature_enum(fl, "message_encoding", 1) == 2) /* DELIMITED */
    return BUOY_TYPE_GROUP;
  return fl->type;
}

/* Every message of a file in pre-order (nested ones and map entries after
 * their parent), and every enum: the file's first, then each message's in
 * that order. */
typedef struct elements {
  bu_vec msgs, enums, exts;
} elements;

static void walk_message(buoy_arena *a, elements *el, const bu_message *root) {
  /* an explicit stack keeps deep nesting off the C stack */
  bu_vec stack = {0};
  bu_vec_push(a, &stack, (void *)root);
  while (stack.count) {
    const bu_message *m = stack.items[--stack.count];
    bu_vec_push(a, &el->msgs, (void *)m);
    for (uint32_t i = m->nested.count; i-- > 0;)
      bu_vec_push(a, &stack, m->nested.items[i]);
  }
}

static void walk_file(buoy_arena *a, const bu_file *f, elements *el) {
  memset(el, 0, sizeof *el);
  for (uint32_t i = 0; i < f->messages.count; i++)
    walk_message(a, el, BU_VEC_AT(f->messages, bu_message, i));
  for (uint32_t i = 0; i < f->enums.count; i++)
    bu_vec_push(a, &el->enums, f->enums.items[i]);
  for (uint32_t i = 0; i < f->extensions.count; i++)
    bu_vec_push(a, &el->exts, f->extensions.items[i]);
  for (uint32_t i = 0; i < el->msgs.count; i++) {
    const bu_message *m = BU_VEC_AT(el->msgs, bu_message, i);
    for (uint32_t j = 0; j < m->enums.count; j++)
      bu_vec_push(a, &el->enums, m->enums.items[j]);
    for (uint32_t j = 0; j < m->extensions.count; j++)
      bu_vec_push(a, &el->exts, m->extensions.items[j]);
  }
}

/* ---------------------------------------------------------------- naming a file */

/* The file's include guard: its import path, letters and digits kept, every
 * other byte as _XX (hex), so distinct paths never share a guard. */
static const char *guard_var(buoy_arena *a, const char *name) {
  size_t n = strlen(name);
  char *s = buoy_arena_alloc_raw(a, 3 * n + 1);
  size_t k = 0;
  for (size_t i = 0; i < n; i++) {
    unsigned char ch = (unsigned char)name[i];
    if ((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9'))
      s[k++] = (char)ch;
    else
      k += (size_t)snprintf(s + k, 4, "_%02X", ch);
  }
  s[k] = 0;
  return s;
}

/* The stem of NAME_pb_filedef: the path without .proto, every byte that
 * cannot be in an identifier as '_'. */
static const char *filedef_var(buoy_arena *a, const char *name) {
  size_t n = strlen(name);
  if (n > 6 && strcmp(name + n - 6, ".proto") == 0) n -= 6;
  char *s = buoy_arena_strndup(a, name, n);
  for (size_t i = 0; i < n; i++) {
    char ch = s[i];
    if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9'))) s[i] = '_';
  }
  return global_stem(a, s);
}

static void field_family(buoy_arena *a, family *fam, const char *stem, const bu_field *fl) {
  const char *S = cat3(a, stem, "_", "");
  if (is_map(fl)) {
    static const char *const posts[] = {"_size", "_get", "_set", "_delete", "_clear", "_entries"};
    for (int i = 0; i < 6; i++)
      fam_add(fam, S, posts[i]);
    const bu_message *e = fl->message_type;
    for (uint32_t i = 0; i < e->fields.count; i++) {
      const bu_field *v = BU_VEC_AT(e->fields, bu_field, i);
      if (v->number == 2 && is_msg_type(v->type)) fam_add(fam, S, "_mutable");
    }
  } else if (fl->label == BU_LABEL_REPEATED) {
    fam_add(fam, S, "");
    fam_add(fam, cat3(a, S, "mutable_", ""), "");
    fam_add(fam, cat3(a, S, "add_", ""), "");
    fam_add(fam, cat3(a, S, "clear_", ""), "");
    if (!is_msg_type(fl->type)) fam_add(fam, cat3(a, S, "resize_", ""), "");
  } else {
    if (explicit_presence(fl)) fam_add(fam, cat3(a, S, "has_", ""), "");
    fam_add(fam, S, "");
    fam_add(fam, cat3(a, S, "set_", ""), "");
    fam_add(fam, cat3(a, S, "clear_", ""), "");
    if (is_msg_type(fl->type)) fam_add(fam, cat3(a, S, "mutable_", ""), "");
  }
}

static void ext_family(family *fam, const bu_field *fl) {
  static const char *const posts[] = {"_ext", "_has", "_get", "_clear"};
  for (int i = 0; i < 4; i++)
    fam_add(fam, "", posts[i]);
  if (fl->label == BU_LABEL_REPEATED) {
    fam_add(fam, "", "_values");
    fam_add(fam, "", "_add");
  } else {
    fam_add(fam, "", "_set");
    if (is_msg_type(fl->type)) fam_add(fam, "", "_mutable");
  }
}

/* Claims every file-scope name of f, in the order README.md gives. */
static void claim_file(namer *nm, const bu_file *f) {
  buoy_arena *a = nm->arena;
  elements el;
  walk_file(a, f, &el);
  family fam;
  /* the include guard */
  memset(&fam, 0, sizeof fam);
  fam_add(&fam, "BUOY_PB_", "_H");
  obj_put(nm, K_GUARD, f, cat3(a, "BUOY_PB_", claim(nm, &fam, guard_var(a, f->name)), "_H"));
  /* types: messages (and their tables), then enums */
  for (uint32_t i = 0; i < el.msgs.count; i++) {
    const bu_message *m = BU_VEC_AT(el.msgs, bu_message, i);
    static const char *const posts[] = {"",       "_msgdef",      "__fields",        "__names",
                                        "__subs", "__ext_ranges", "__hasbit_fields", "__plain_fields",
                                        "__encoder"};
    memset(&fam, 0, sizeof fam);
    for (int k = 0; k < 9; k++)
      fam_add(&fam, "", posts[k]);
    obj_put(nm, K_MSG, m, claim(nm, &fam, global_stem(a, c_ident(a, m->full_name))));
    buoy_strmap_put(&nm->msgs, m->full_name, strlen(m->full_name), (void *)m);
  }
  for (uint32_t i = 0; i < el.enums.count; i++) {
    const bu_enum *e = BU_VEC_AT(el.enums, bu_enum, i);
    static const char *const posts[] = {"", "_enumdef", "__values", "__names"};
    memset(&fam, 0, sizeof fam);
    for (int k = 0; k < 4; k++)
      fam_add(&fam, "", posts[k]);
    obj_put(nm, K_ENUM, e, claim(nm, &fam, global_stem(a, c_ident(a, e->full_name))));
  }
  /* enum values, in their enum's scope */
  memset(&fam, 0, sizeof fam);
  fam_add(&fam, "", "");
  for (uint32_t i = 0; i < el.enums.count; i++) {
    const bu_enum *e = BU_VEC_AT(el.enums, bu_enum, i);
    const char *scope = e->parent ? e->parent->full_name : f->package;
    for (uint32_t j = 0; j < e->values.count; j++) {
      const bu_enum_value *v = BU_VEC_AT(e->values, bu_enum_value, j);
      const char *var = scope[0] ? cat3(a, c_ident(a, scope), "_", v->name) : v->name;
      obj_put(nm, K_VALUE, v, claim(nm, &fam, global_stem(a, var)));
    }
  }
  /* extensions */
  for (uint32_t i = 0; i < el.exts.count; i++) {
    const bu_field *x = BU_VEC_AT(el.exts, bu_field, i);
    memset(&fam, 0, sizeof fam);
    ext_family(&fam, x);
    obj_put(nm, K_EXT, x, claim(nm, &fam, global_stem(a, c_ident(a, x->full_name))));
  }
  /* services and their methods */
  for (uint32_t i = 0; i < f->services.count; i++) {
    const bu_service *s = BU_VEC_AT(f->services, bu_service, i);
    memset(&fam, 0, sizeof fam);
    fam_add(&fam, "", "_servicedef");
    fam_add(&fam, "", "_methods");
    const char *stem = claim(nm, &fam, global_stem(a, c_ident(a, s->full_name)));
    obj_put(nm, K_SERVICE, s, stem);
    memset(&fam, 0, sizeof fam);
    fam_add(&fam, "", "_methoddef");
    for (uint32_t j = 0; j < s->methods.count; j++) {
      const bu_method *md = BU_VEC_AT(s->methods, bu_method, j);
      obj_put(nm, K_METHOD, md, claim(nm, &fam, cat3(a, stem, "_", md->name)));
    }
  }
  /* the file's table */
  memset(&fam, 0, sizeof fam);
  static const char *const fposts[] = {"_pb_filedef", "_pb__msgs",     "_pb__enums",
                                       "_pb__exts",   "_pb__services", "_pb__deps"};
  for (int k = 0; k < 6; k++)
    fam_add(&fam, "", fposts[k]);
  obj_put(nm, K_FILE, f, claim(nm, &fam, filedef_var(a, f->name)));
  /* message functions, then each field's accessors */
  for (uint32_t i = 0; i < el.msgs.count; i++) {
    const bu_message *m = BU_VEC_AT(el.msgs, bu_message, i);
    memset(&fam, 0, sizeof fam);
    fam_add(&fam, "", "_new");
    fam_add(&fam, "", "_decode");
    fam_add(&fam, "", "_encode");
    const char *stem = claim(nm, &fam, obj_get(nm, K_MSG, m));
    for (uint32_t j = 0; j < m->oneofs.count; j++) {
      const bu_oneof *o = BU_VEC_AT(m->oneofs, bu_oneof, j);
      if (o->synthetic) continue;
      memset(&fam, 0, sizeof fam);
      fam_add(&fam, cat3(a, stem, "_", ""), "_case");
      obj_put(nm, K_ONEOF, o, claim(nm, &fam, o->name));
    }
    obj_put(nm, K_MSGFN, m, stem);
    for (uint32_t j = 0; j < m->fields.count; j++) {
      const bu_field *fl = BU_VEC_AT(m->fields, bu_field, j);
      memset(&fam, 0, sizeof fam);
      field_family(a, &fam, stem, fl);
      obj_put(nm, K_FIELD, fl, claim(nm, &fam, fl->name));
    }
  }
}

/* Adds the names every file f imports (recursively) claimed to taken. */
static void take_imports(namer *nm, const bu_file *f) {
  buoy_strmap seen;
  buoy_strmap_init(&seen);
  bu_vec stack = {0};
  for (uint32_t i = 0; i < f->deps.count; i++)
    bu_vec_push(nm->arena, &stack, f->deps.items[i]);
  while (stack.count) {
    const bu_file *d = stack.items[--stack.count];
    if (buoy_strmap_put_new(&seen, d->name, strlen(d->name), (void *)d)) continue;
    const filenames *fn = buoy_strmap_get(&nm->files, d->name, strlen(d->name));
    for (uint32_t i = 0; fn && i < fn->claimed.count; i++) {
      const char *s = fn->claimed.items[i];
      buoy_strmap_put(&nm->taken, s, strlen(s), (void *)s);
    }
    for (uint32_t i = 0; i < d->deps.count; i++)
      bu_vec_push(nm->arena, &stack, d->deps.items[i]);
  }
  buoy_strmap_free(&seen);
}

/* Names f and, first, every file it imports (imports before importers, by
 * an explicit depth-first walk). */
static void name_files(namer *nm, const bu_file *root) {
  typedef struct frame {
    const bu_file *f;
    uint32_t next;
  } frame;
  size_t cap = 16, n = 0;
  frame *st = malloc(cap * sizeof *st);
  if (!st) abort();
  st[n++] = (frame){root, 0};
  while (n) {
    frame *top = &st[n - 1];
    const bu_file *f = top->f;
    if (buoy_strmap_get(&nm->files, f->name, strlen(f->name))) {
      n--;
      continue;
    }
    if (top->next < f->deps.count) {
      const bu_file *d = BU_VEC_AT(f->deps, bu_file, top->next++);
      if (buoy_strmap_get(&nm->files, d->name, strlen(d->name))) continue;
      if (n == cap) {
        cap *= 2;
        st = realloc(st, cap * sizeof *st);
        if (!st) abort();
      }
      st[n++] = (frame){d, 0};
      continue;
    }
    filenames *fn = BUOY_NEW(nm->arena, filenames);
    fn->f = f;
    nm->cur = fn;
    buoy_strmap_init(&nm->taken);
    take_imports(nm, f);
    claim_file(nm, f);
    buoy_strmap_free(&nm->taken);
    buoy_strmap_put(&nm->files, f->name, strlen(f->name), fn);
    n--;
  }
  free(st);
}

/* ---------------------------------------------------------------- the generator */

/* How a field is laid out and reached. */
typedef struct fieldinfo {
  const bu_field *fl;
  const char *member; /* its struct member (or union member) */
  const char *access; /* from the struct: "name", or "oneof.name" */
  const char *var;    /* the variable part of its accessors' names */
  int type;           /* descriptor type as the runtime sees it (delimited messages are groups) */
  int hasbit;         /* index, or -1 */
  int oneof;          /* index into msginfo.oneofs, or -1 */
  int sub;            /* index into msginfo.subs, or -1 */
} fieldinfo;

typedef struct oneofinfo {
  const bu_oneof *o;
  const char *member; /* the union's name; its case is member_case */
  const char *fn;     /* the case function's name */
} oneofinfo;

typedef struct msginfo {
  const bu_message *m;
  const char *cname; /* struct and typedef */
  const char *fn;    /* stem of its functions and accessors */
  fieldinfo *fields; /* declaration order */
  fieldinfo **by_number;
  uint32_t nfields;
  oneofinfo *oneofs;
  uint32_t noneofs;
  int nhasbits;
  const void **subs; /* bu_message* or bu_enum* */
  bool *sub_is_enum;
  uint32_t nsubs;
} msginfo;

typedef struct gen {
  const bu_file *f;
  bu_buf *h, *c;
  buoy_arena arena;
  namer nm;
  elements el;
  bu_vec msgs; /* msginfo*, as el.msgs */
} gen;

static const char *msg_cname(gen *g, const bu_message *m) {
  const char *s = obj_get(&g->nm, K_MSG, m);
  return s ? s : c_ident(&g->arena, m->full_name);
}

static const char *enum_cname(gen *g, const bu_enum *e) {
  const char *s = obj_get(&g->nm, K_ENUM, e);
  return s ? s : c_ident(&g->arena, e->full_name);
}

static const char *value_cname(gen *g, const bu_enum_value *v) {
  const char *s = obj_get(&g->nm, K_VALUE, v);
  return s ? s : v->name;
}

/* ---------------------------------------------------------------- literals */

/* A C string literal of n bytes: printable ASCII as is, the rest as
 * three-digit octal escapes; '?' escaped against trigraphs. */
static void c_string(bu_buf *b, const char *s, size_t n) {
  out(b, "\"");
  for (size_t i = 0; i < n; i++) {
    unsigned char ch = (unsigned char)s[i];
    if (ch == '"' || ch == '\\' || ch == '?')
      out(b, "\\%c", ch);
    else if (ch < 0x20 || ch >= 0x7f)
      out(b, "\\%03o", ch);
    else
      out(b, "%c", ch);
  }
  out(b, "\"");
}

static int hex_digit(char d) {
  if (d >= '0' && d <= '9') return d - '0';
  if (d >= 'a' && d <= 'f') return d - 'a' + 10;
  if (d >= 'A' && d <= 'F') return d - 'A' + 10;
  return -1;
}

/* protoc's C-escaped bytes default back to bytes. */
static size_t unescape(const char *s, char *outp) {
  size_t k = 0;
  for (size_t i = 0; s[i]; i++) {
    if (s[i] != '\\' || !s[i + 1]) {
      outp[k++] = s[i];
      continue;
    }
    char c = s[++i];
    if (c >= '0' && c <= '7') {
      int v = 0;
      for (int j = 0; j < 3 && s[i] >= '0' && s[i] <= '7'; j++, i++)
        v = v * 8 + (s[i] - '0');
      i--;
      outp[k++] = (char)v;
    } else if (c == 'x') {
      int v = 0;
      while (hex_digit(s[i + 1]) >= 0)
        v = (v * 16 + hex_digit(s[++i])) & 0xff;
      outp[k++] = (char)v;
    } else {
      switch (c) {
      case 'n': outp[k++] = '\n'; break;
      case 'r': outp[k++] = '\r'; break;
      case 't': outp[k++] = '\t'; break;
      case 'a': outp[k++] = '\a'; break;
      case 'b': outp[k++] = '\b'; break;
      case 'f': outp[k++] = '\f'; break;
      case 'v': outp[k++] = '\v'; break;
      default: outp[k++] = c; break;
      }
    }
  }
  return k;
}

static void float_literal(bu_buf *b, const char *text, bool is_float) {
  const char *cast = is_float ? "(float)" : "";
  if (strcmp(text, "inf") == 0)
    out(b, "%sINFINITY", cast);
  else if (strcmp(text, "-inf") == 0)
    out(b, "%s-INFINITY", cast);
  else if (strcmp(text, "nan") == 0 || strcmp(text, "-nan") == 0)
    out(b, "%sNAN", cast);
  else {
    /* 17 significant digits read back as the same double (and a float's
     * default is a float widened); written as a floating literal, so -0 keeps
     * its sign */
    char num[40];
    snprintf(num, sizeof num, "%.17g", strtod(text, NULL));
    out(b, "%s%s%s", cast, num, strpbrk(num, ".e") ? "" : ".0");
  }
}

/* The first value of an enum: the default of fields without one. */
static const bu_enum_value *first_value(const bu_enum *e) {
  return e->values.count ? BU_VEC_AT(e->values, bu_enum_value, 0) : NULL;
}

/* Appends the C expression of a singular field's default; false when it is
 * zero (or empty). */
static bool default_expr(gen *g, bu_buf *b, const bu_field *fl) {
  const char *d = fl->default_value;
  if (fl->type == BUOY_TYPE_ENUM) {
    const bu_enum *e = fl->enum_type;
    const bu_enum_value *v = NULL;
    if (d) {
      for (uint32_t i = 0; e && i < e->values.count && !v; i++)
        if (strcmp(BU_VEC_AT(e->values, bu_enum_value, i)->name, d) == 0) v = BU_VEC_AT(e->values, bu_enum_value, i);
    } else if (e) {
      v = first_value(e);
    }
    if (!v || v->number == 0) return false;
    out(b, "%s", value_cname(g, v));
    return true;
  }
  if (!d) return false;
  switch (fl->type) {
  case BUOY_TYPE_STRING:
  case BUOY_TYPE_BYTES: {
    if (!d[0]) return false;
    char *bytes = buoy_arena_alloc_raw(&g->arena, strlen(d) + 1);
    size_t n = fl->type == BUOY_TYPE_BYTES ? unescape(d, bytes) : strlen(d);
    if (fl->type == BUOY_TYPE_STRING) memcpy(bytes, d, n);
    out(b, "bp_str_make(");
    c_string(b, bytes, n);
    out(b, ", %zu)", n);
    return true;
  }
  case BUOY_TYPE_BOOL:
    if (strcmp(d, "true") != 0) return false;
    out(b, "true");
    return true;
  case BUOY_TYPE_FLOAT:
  case BUOY_TYPE_DOUBLE: {
    if (strcmp(d, "0") == 0) return false;
    float_literal(b, d, fl->type == BUOY_TYPE_FLOAT);
    return true;
  }
  case BUOY_TYPE_INT64:
  case BUOY_TYPE_SINT64:
  case BUOY_TYPE_SFIXED64:
    if (strcmp(d, "0") == 0) return false;
    if (strcmp(d, "-9223372036854775808") == 0)
      out(b, "INT64_MIN");
    else
      out(b, "INT64_C(%s)", d);
    return true;
  case BUOY_TYPE_UINT64:
  case BUOY_TYPE_FIXED64:
    if (strcmp(d, "0") == 0) return false;
    out(b, "UINT64_C(%s)", d);
    return true;
  case BUOY_TYPE_UINT32:
  case BUOY_TYPE_FIXED32:
    if (strcmp(d, "0") == 0) return false;
    out(b, "%su", d);
    return true;
  default: /* 32-bit signed */
    if (strcmp(d, "0") == 0) return false;
    if (strcmp(d, "-2147483648") == 0)
      out(b, "INT32_MIN");
    else
      out(b, "%s", d);
    return true;
  }
}

/* ---------------------------------------------------------------- layout */

/* The C type of one value of the field. */
static const char *value_ctype(gen *g, const bu_field *fl) {
  switch (fl->type) {
  case BUOY_TYPE_DOUBLE: return "double";
  case BUOY_TYPE_FLOAT: return "float";
  case BUOY_TYPE_INT64:
  case BUOY_TYPE_SINT64:
  case BUOY_TYPE_SFIXED64: return "int64_t";
  case BUOY_TYPE_UINT64:
  case BUOY_TYPE_FIXED64: return "uint64_t";
  case BUOY_TYPE_UINT32:
  case BUOY_TYPE_FIXED32: return "uint32_t";
  case BUOY_TYPE_BOOL: return "bool";
  case BUOY_TYPE_STRING:
  case BUOY_TYPE_BYTES: return "bp_str";
  case BUOY_TYPE_MESSAGE:
  case BUOY_TYPE_GROUP: return cat3(&g->arena, msg_cname(g, fl->message_type), " *", "");
  default: return "int32_t"; /* int32, sint32, sfixed32, enum */
  }
}

/* The bp_value member holding a value of the field's type. */
static const char *value_member(const bu_field *fl) {
  switch (fl->type) {
  case BUOY_TYPE_DOUBLE: return "d";
  case BUOY_TYPE_FLOAT: return "f";
  case BUOY_TYPE_INT64:
  case BUOY_TYPE_SINT64:
  case BUOY_TYPE_SFIXED64: return "i64";
  case BUOY_TYPE_UINT64:
  case BUOY_TYPE_FIXED64: return "u64";
  case BUOY_TYPE_UINT32:
  case BUOY_TYPE_FIXED32: return "u32";
  case BUOY_TYPE_BOOL: return "b";
  case BUOY_TYPE_STRING:
  case BUOY_TYPE_BYTES: return "str";
  case BUOY_TYPE_MESSAGE:
  case BUOY_TYPE_GROUP: return "msg";
  default: return "i32";
  }
}

/* Struct members are ordered by size to keep padding small: maps, 16-byte
 * views and arrays, then 8-byte values and pointers, then 4-byte, then
 * bools. */
static int size_class(const fieldinfo *fi) {
  if (fi->fl->label == BU_LABEL_REPEATED) return 0;
  switch (fi->fl->type) {
  case BUOY_TYPE_STRING:
  case BUOY_TYPE_BYTES: return 0;
  case BUOY_TYPE_DOUBLE:
  case BUOY_TYPE_INT64:
  case BUOY_TYPE_SINT64:
  case BUOY_TYPE_SFIXED64:
  case BUOY_TYPE_UINT64:
  case BUOY_TYPE_FIXED64:
  case BUOY_TYPE_MESSAGE:
  case BUOY_TYPE_GROUP: return 1;
  case BUOY_TYPE_BOOL: return 3;
  default: return 2;
  }
}

static int by_number(const void *x, const void *y) {
  const fieldinfo *a = *(const fieldinfo *const *)x, *b = *(const fieldinfo *const *)y;
  return (a->fl->number > b->fl->number) - (a->fl->number < b->fl->number);
}

static uint32_t add_sub(msginfo *mi, const void *p, bool is_enum) {
  for (uint32_t i = 0; i < mi->nsubs; i++)
    if (mi->subs[i] == p) return i;
  mi->subs[mi->nsubs] = p;
  mi->sub_is_enum[mi->nsubs] = is_enum;
  return mi->nsubs++;
}

/* A struct member's name: the field's (or oneof's), with '_' appended while
 * it is a keyword or taken by an earlier member; one starting with '_' and
 * an uppercase letter or a second '_' (reserved in C) gets an 'x' in front. */
static const char *claim_member(gen *g, buoy_strmap *taken, const char *name, const char *post) {
  if (name[0] == '_' && (name[1] == '_' || (name[1] >= 'A' && name[1] <= 'Z'))) name = cat3(&g->arena, "x", name, "");
  for (;;) {
    const char *full = cat3(&g->arena, name, post, "");
    if (!is_keyword(name) && !buoy_strmap_get(taken, name, strlen(name)) &&
        (!post[0] || !buoy_strmap_get(taken, full, strlen(full))))
      break;
    name = cat3(&g->arena, name, "_", "");
  }
  buoy_strmap_put(taken, name, strlen(name), (void *)name);
  if (post[0]) {
    const char *full = cat3(&g->arena, name, post, "");
    buoy_strmap_put(taken, full, strlen(full), (void *)full);
  }
  return name;
}

static void collect_message(gen *g, const bu_message *m) {
  buoy_arena *a = &g->arena;
  msginfo *mi = BUOY_NEW(a, msginfo);
  mi->m = m;
  mi->cname = msg_cname(g, m);
  mi->fn = obj_get(&g->nm, K_MSGFN, m);
  mi->nfields = m->fields.count;
  mi->fields = buoy_arena_alloc(a, sizeof(fieldinfo) * (mi->nfields + 1));
  mi->by_number = buoy_arena_alloc(a, sizeof(fieldinfo *) * (mi->nfields + 1));
  mi->subs = buoy_arena_alloc(a, sizeof(void *) * (mi->nfields + 1));
  mi->sub_is_enum = buoy_arena_alloc(a, sizeof(bool) * (mi->nfields + 1));
  mi->oneofs = buoy_arena_alloc(a, sizeof(oneofinfo) * (m->oneofs.count + 1));
  /* members: the runtime's, the fields outside oneofs, then the oneofs */
  buoy_strmap members;
  buoy_strmap_init(&members);
  buoy_strmap_put(&members, "bp_aux_", 7, (void *)"bp_aux_");
  buoy_strmap_put(&members, "bp_has_", 7, (void *)"bp_has_");
  /* real oneofs come first in oneof_decl (synthetic ones after them) */
  int *oneof_map = buoy_arena_alloc(a, sizeof(int) * (m->oneofs.count + 1));
  for (uint32_t i = 0; i < m->oneofs.count; i++) {
    const bu_oneof *o = BU_VEC_AT(m->oneofs, bu_oneof, i);
    oneof_map[i] = -1;
    if (o->synthetic) continue;
    oneof_map[i] = (int)mi->noneofs;
    mi->oneofs[mi->noneofs].o = o;
    mi->oneofs[mi->noneofs].fn = cat3(a, mi->fn, "_", cat3(a, obj_get(&g->nm, K_ONEOF, o), "_case", ""));
    mi->noneofs++;
  }
  for (uint32_t i = 0; i < mi->nfields; i++) {
    fieldinfo *fi = &mi->fields[i];
    fi->fl = BU_VEC_AT(m->fields, bu_field, i);
    fi->type = runtime_type(fi->fl);
    fi->var = obj_get(&g->nm, K_FIELD, fi->fl);
    fi->hasbit = -1;
    fi->sub = -1;
    int o = real_oneof(fi->fl);
    fi->oneof = o >= 0 ? oneof_map[o] : -1;
    if (fi->oneof < 0) fi->member = claim_member(g, &members, fi->fl->name, "");
    mi->by_number[i] = fi;
  }
  for (uint32_t k = 0; k < mi->noneofs; k++) {
    mi->oneofs[k].member = claim_member(g, &members, mi->oneofs[k].o->name, "_case");
    /* a union's members: the oneof's fields, unique among themselves */
    buoy_strmap inner;
    buoy_strmap_init(&inner);
    for (uint32_t i = 0; i < mi->nfields; i++) {
      fieldinfo *fi = &mi->fields[i];
      if (fi->oneof != (int)k) continue;
      fi->member = claim_member(g, &inner, fi->fl->name, "");
      fi->access = cat3(a, mi->oneofs[k].member, ".", fi->member);
    }
    buoy_strmap_free(&inner);
  }
  for (uint32_t i = 0; i < mi->nfields; i++)
    if (!mi->fields[i].access) mi->fields[i].access = mi->fields[i].member;
  buoy_strmap_free(&members);
  qsort(mi->by_number, mi->nfields, sizeof *mi->by_number, by_number);
  for (uint32_t i = 0; i < mi->nfields; i++) {
    fieldinfo *fi = mi->by_number[i];
    /* hasbits in field-number order: the encoder skips absent fields by them */
    if (fi->oneof < 0 && explicit_presence(fi->fl) && !is_msg_type(fi->fl->type)) fi->hasbit = mi->nhasbits++;
    if (is_msg_type(fi->fl->type) && fi->fl->message_type)
      fi->sub = (int)add_sub(mi, fi->fl->message_type, false);
    else if (fi->fl->type == BUOY_TYPE_ENUM && fi->fl->enum_type)
      fi->sub = (int)add_sub(mi, fi->fl->enum_type, true);
  }
  bu_vec_push(a, &g->msgs, mi);
}

/* ---------------------------------------------------------------- header */

static void header_enum(gen *g, const bu_enum *e) {
  bu_buf *h = g->h;
  const char *cname = enum_cname(g, e);
  out(h, "/* %s */\ntypedef enum %s {\n", e->full_name, cname);
  for (uint32_t i = 0; i < e->values.count; i++) {
    const bu_enum_value *v = BU_VEC_AT(e->values, bu_enum_value, i);
    if (v->number == INT32_MIN)
      out(h, "  %s = -2147483647 - 1,\n", value_cname(g, v));
    else
      out(h, "  %s = %" PRId32 ",\n", value_cname(g, v), v->number);
  }
  out(h, "} %s;\n\n", cname);
}

static void header_struct(gen *g, const msginfo *mi) {
  bu_buf *h = g->h;
  out(h, "/* %s */\nstruct %s {\n", mi->m->full_name, mi->cname);
  out(h, "  bp_aux *bp_aux_; /* unknown fields and extensions */\n");
  if (mi->nhasbits) out(h, "  uint8_t bp_has_[%d];\n", (mi->nhasbits + 7) / 8);
  for (uint32_t i = 0; i < mi->nfields; i++) {
    const fieldinfo *fi = &mi->fields[i];
    if (is_map(fi->fl)) out(h, "  bp_map %s; /* entries: %s */\n", fi->access, msg_cname(g, fi->fl->message_type));
  }
  for (int cls = 0; cls < 4; cls++)
    for (uint32_t i = 0; i < mi->nfields; i++) {
      const fieldinfo *fi = &mi->fields[i];
      if (fi->oneof >= 0 || size_class(fi) != cls || is_map(fi->fl)) continue;
      if (fi->fl->label == BU_LABEL_REPEATED)
        out(h, "  bp_array %s; /* %s */\n", fi->access, value_ctype(g, fi->fl));
      else
        out(h, "  %s%s%s;\n", value_ctype(g, fi->fl), is_msg_type(fi->fl->type) ? "" : " ", fi->access);
    }
  for (uint32_t k = 0; k < mi->noneofs; k++) {
    out(h, "  union {\n");
    for (uint32_t i = 0; i < mi->nfields; i++) {
      const fieldinfo *fi = &mi->fields[i];
      if (fi->oneof != (int)k) continue;
      out(h, "    %s%s%s;\n", value_ctype(g, fi->fl), is_msg_type(fi->fl->type) ? "" : " ", fi->member);
    }
    out(h, "  } %s;\n", mi->oneofs[k].member);
    out(h, "  uint32_t %s_case; /* the number of the member set, or 0 */\n", mi->oneofs[k].member);
  }
  out(h, "};\n\n");
}

static void header_message_functions(gen *g, const msginfo *mi) {
  bu_buf *h = g->h;
  const char *T = mi->cname, *S = mi->fn;
  out(h, "/* ---------------------------------------------------------------- %s */\n\n", mi->m->full_name);
  out(h, "static inline %s *%s_new(bp_arena *a) { return (%s *)bp_msg_new(&%s_msgdef, a); }\n", T, S, T, T);
  out(h,
      "/* Decodes size bytes at data into a new message; NULL when they are malformed\n"
      " * (bp_decode says why). */\n"
      "static inline %s *%s_decode(const char *data, size_t size, bp_arena *a) {\n"
      "  %s *m = %s_new(a);\n"
      "  return m && bp_decode(&%s_msgdef, m, data, size, a, NULL) == BP_OK ? m : NULL;\n"
      "}\n",
      T, S, T, S, T);
  out(h,
      "/* The message in wire form, *size bytes in a; NULL when memory runs out. */\n"
      "static inline const char *%s_encode(const %s *m, bp_arena *a, size_t *size) {\n"
      "  bp_str s;\n"
      "  if (bp_encode(&%s_msgdef, m, a, NULL, &s) != BP_OK) return NULL;\n"
      "  *size = s.size;\n"
      "  return s.data;\n"
      "}\n",
      S, T, T);
  for (uint32_t k = 0; k < mi->noneofs; k++)
    out(h, "static inline uint32_t %s(const %s *m) { return m->%s_case; }\n", mi->oneofs[k].fn, T,
        mi->oneofs[k].member);
}

/* Accessors of a map field. */
static void header_map(gen *g, const msginfo *mi, const fieldinfo *fi) {
  bu_buf *h = g->h;
  const bu_message *e = fi->fl->message_type;
  const bu_field *kf = NULL, *vf = NULL;
  for (uint32_t i = 0; i < e->fields.count; i++) {
    const bu_field *x = BU_VEC_AT(e->fields, bu_field, i);
    if (x->number == 1) kf = x;
    if (x->number == 2) vf = x;
  }
  if (!kf || !vf) return;
  const char *T = mi->cname, *M = fi->access, *E = msg_cname(g, e);
  const char *P = cat3(&g->arena, mi->fn, "_", fi->var);
  const char *K = value_ctype(g, kf), *V = value_ctype(g, vf);
  bool vmsg = is_msg_type(vf->type);
  const char *S = vmsg ? msg_cname(g, vf->message_type) : NULL;
  char key[120];
  snprintf(key, sizeof key, "  bp_value k;\n  memset(&k, 0, sizeof k);\n  k.%s = key;\n", value_member(kf));
  out(h, "static inline size_t %s_size(const %s *m) { return bp_map_size(&m->%s); }\n", P, T, M);
  out(h, "/* The value of key into *out; false when the map has no such key. */\n");
  if (vmsg)
    out(h, "static inline bool %s_get(const %s *m, %s key, const %s **out) {\n", P, T, K, S);
  else
    out(h, "static inline bool %s_get(const %s *m, %s key, %s *out) {\n", P, T, K, V);
  out(h, "%s  const %s *e = (const %s *)bp_map_get(&m->%s, &%s_msgdef, k);\n", key, E, E, M, E);
  out(h, "  if (!e) return false;\n  *out = e->value;\n  return true;\n}\n");
  out(h, "/* Sets the value of key (replacing any); false when memory runs out. */\n");
  out(h, "static inline bool %s_set(%s *m, %s key, %s%svalue, bp_arena *a) {\n", P, T, K, V, vmsg ? "" : " ");
  out(h, "%s  %s *e = (%s *)bp_map_upsert(&m->%s, &%s_msgdef, k, a);\n", key, E, E, M, E);
  out(h, "  if (!e) return false;\n  e->value = value;\n  return true;\n}\n");
  if (vmsg) {
    out(h, "/* The value of key, created empty when there is none; NULL when memory runs out. */\n");
    out(h, "static inline %s *%s_mutable(%s *m, %s key, bp_arena *a) {\n", S, P, T, K);
    out(h, "%s  %s *e = (%s *)bp_map_upsert(&m->%s, &%s_msgdef, k, a);\n", key, E, E, M, E);
    out(h, "  if (!e) return NULL;\n  if (!e->value) e->value = (%s *)bp_msg_new(&%s_msgdef, a);\n", S, S);
    out(h, "  return e->value;\n}\n");
  }
  out(h, "/* Removes key; false when the map has no such key. */\n");
  out(h, "static inline bool %s_delete(%s *m, %s key) {\n%s  return bp_map_delete(&m->%s, &%s_msgdef, k);\n}\n", P, T,
      K, key, M, E);
  out(h, "static inline void %s_clear(%s *m) { bp_map_clear(&m->%s); }\n", P, T, M);
  out(h, "/* The entries, in insertion order: *n pointers (key and value are members). */\n");
  out(h, "static inline const %s *const *%s_entries(const %s *m, size_t *n) {\n", E, P, T);
  out(h, "  return (const %s *const *)bp_map_entries(&m->%s, n);\n}\n", E, M);
}

/* Accessors of a repeated field. */
static void header_repeated(gen *g, const msginfo *mi, const fieldinfo *fi) {
  bu_buf *h = g->h;
  const char *T = mi->cname, *S = mi->fn, *F = fi->var, *M = fi->access;
  if (is_msg_type(fi->fl->type)) {
    const char *U = msg_cname(g, fi->fl->message_type);
    out(h, "static inline const %s *const *%s_%s(const %s *m, size_t *n) {\n", U, S, F, T);
    out(h, "  *n = m->%s.size;\n  return (const %s *const *)m->%s.data;\n}\n", M, U, M);
    out(h, "static inline %s **%s_mutable_%s(%s *m, size_t *n) {\n", U, S, F, T);
    out(h, "  *n = m->%s.size;\n  return (%s **)m->%s.data;\n}\n", M, U, M);
    out(h, "static inline %s *%s_add_%s(%s *m, bp_arena *a) {\n", U, S, F, T);
    out(h, "  %s *s = (%s *)bp_msg_new(&%s_msgdef, a);\n", U, U, U);
    out(h, "  %s **p = s ? (%s **)bp_array_push(&m->%s, sizeof(void *), a) : NULL;\n", U, U, M);
    out(h, "  if (!p) return NULL;\n  *p = s;\n  return s;\n}\n");
  } else {
    const char *V = value_ctype(g, fi->fl);
    out(h, "static inline const %s *%s_%s(const %s *m, size_t *n) {\n", V, S, F, T);
    out(h, "  *n = m->%s.size;\n  return (const %s *)m->%s.data;\n}\n", M, V, M);
    out(h, "static inline %s *%s_mutable_%s(%s *m, size_t *n) {\n", V, S, F, T);
    out(h, "  *n = m->%s.size;\n  return (%s *)m->%s.data;\n}\n", M, V, M);
    out(h, "/* Sets the number of values to n (new ones zero); NULL when memory runs out. */\n");
    out(h, "static inline %s *%s_resize_%s(%s *m, size_t n, bp_arena *a) {\n", V, S, F, T);
    out(h, "  return (%s *)bp_array_resize(&m->%s, n, sizeof(%s), a);\n}\n", V, M, V);
    out(h, "static inline bool %s_add_%s(%s *m, %s v, bp_arena *a) {\n", S, F, T, V);
    out(h, "  %s *p = (%s *)bp_array_push(&m->%s, sizeof(%s), a);\n", V, V, M, V);
    out(h, "  if (!p) return false;\n  *p = v;\n  return true;\n}\n");
  }
  out(h, "static inline void %s_clear_%s(%s *m) { m->%s.size = 0; }\n", S, F, T, M);
}

/* Accessors of a singular field. */
static void header_singular(gen *g, const msginfo *mi, const fieldinfo *fi) {
  bu_buf *h = g->h;
  const char *T = mi->cname, *S = mi->fn, *F = fi->var, *M = fi->access;
  const char *V = value_ctype(g, fi->fl);
  char has[400], set_presence[300], clear_presence[300];
  has[0] = set_presence[0] = clear_presence[0] = 0;
  if (fi->oneof >= 0) {
    const char *O = mi->oneofs[fi->oneof].member;
    snprintf(has, sizeof has, "m->%s_case == %" PRId32, O, fi->fl->number);
    snprintf(set_presence, sizeof set_presence, " m->%s_case = %" PRId32 ";", O, fi->fl->number);
    snprintf(clear_presence, sizeof clear_presence, " m->%s_case = 0;", O);
  } else if (fi->hasbit >= 0) {
    snprintf(has, sizeof has, "(m->bp_has_[%d] & 0x%02x) != 0", fi->hasbit / 8, 1u << (fi->hasbit % 8));
    snprintf(set_presence, sizeof set_presence, " m->bp_has_[%d] |= 0x%02x;", fi->hasbit / 8, 1u << (fi->hasbit % 8));
    snprintf(clear_presence, sizeof clear_presence, " m->bp_has_[%d] &= (uint8_t)~0x%02xu;", fi->hasbit / 8,
             1u << (fi->hasbit % 8));
  } else if (is_msg_type(fi->fl->type)) {
    snprintf(has, sizeof has, "m->%s != NULL", M);
  }
  if (has[0]) out(h, "static inline bool %s_has_%s(const %s *m) { return %s; }\n", S, F, T, has);
  if (is_msg_type(fi->fl->type)) {
    const char *U = msg_cname(g, fi->fl->message_type);
    if (fi->oneof >= 0) {
      out(h, "static inline const %s *%s_%s(const %s *m) { return %s ? m->%s : NULL; }\n", U, S, F, T, has, M);
      out(h, "static inline %s *%s_mutable_%s(%s *m, bp_arena *a) {\n", U, S, F, T);
      out(h, "  if (!(%s) || !m->%s) {\n    m->%s = (%s *)bp_msg_new(&%s_msgdef, a);\n", has, M, M, U, U);
      out(h, "    if (!m->%s) return NULL;\n   %s\n  }\n  return m->%s;\n}\n", M, set_presence, M);
      out(h, "static inline void %s_set_%s(%s *m, %s *v) { m->%s = v;%s }\n", S, F, T, U, M, set_presence);
      out(h, "static inline void %s_clear_%s(%s *m) {\n  if (%s) {\n   %s\n    m->%s = NULL;\n  }\n}\n", S, F, T, has,
          clear_presence, M);
    } else {
      out(h, "static inline const %s *%s_%s(const %s *m) { return m->%s; }\n", U, S, F, T, M);
      out(h, "static inline %s *%s_mutable_%s(%s *m, bp_arena *a) {\n", U, S, F, T);
      out(h, "  if (!m->%s) m->%s = (%s *)bp_msg_new(&%s_msgdef, a);\n  return m->%s;\n}\n", M, M, U, U, M);
      out(h, "static inline void %s_set_%s(%s *m, %s *v) { m->%s = v; }\n", S, F, T, U, M);
      out(h, "static inline void %s_clear_%s(%s *m) { m->%s = NULL; }\n", S, F, T, M);
    }
    return;
  }
  bu_buf d = {0};
  bool has_default = default_expr(g, &d, fi->fl);
  if (has_default || fi->oneof >= 0) {
    out(h, "static inline %s %s_%s(const %s *m) { return %s ? m->%s : ", V, S, F, T, has[0] ? has : "true", M);
    if (has_default)
      out(h, "%.*s; }\n", (int)d.len, (const char *)d.data);
    else
      out(h, "%s; }\n", strcmp(V, "bp_str") == 0 ? "bp_str_make(NULL, 0)" : "0");
  } else {
    out(h, "static inline %s %s_%s(const %s *m) { return m->%s; }\n", V, S, F, T, M);
  }
  bu_buf_free(&d);
  out(h, "static inline void %s_set_%s(%s *m, %s v) { m->%s = v;%s }\n", S, F, T, V, M, set_presence);
  if (fi->oneof >= 0)
    out(h,
        "static inline void %s_clear_%s(%s *m) {\n  if (%s) {\n   %s\n    memset(&m->%s, 0, sizeof m->%s);\n  }\n}\n",
        S, F, T, has, clear_presence, M, M);
  else
    out(h, "static inline void %s_clear_%s(%s *m) { memset(&m->%s, 0, sizeof m->%s);%s }\n", S, F, T, M, M,
        clear_presence);
}

static const char *type_word(int type) {
  static const char *const words[] = {"",        "double",   "float",    "int64",  "uint64",  "int32", "fixed64",
                                      "fixed32", "bool",     "string",   "group",  "message", "bytes", "uint32",
                                      "enum",    "sfixed32", "sfixed64", "sint32", "sint64"};
  return type >= 0 && type <= 18 ? words[type] : "?";
}

/* A field's declaration, as a comment above its accessors. */
static void field_comment(gen *g, const bu_field *fl, const char *prefix) {
  const char *type = fl->type_name ? fl->type_name + (fl->type_name[0] == '.') : type_word(fl->type);
  if (is_map(fl)) {
    const bu_message *e = fl->message_type;
    const char *kv[2] = {"?", "?"};
    for (uint32_t i = 0; i < e->fields.count; i++) {
      const bu_field *x = BU_VEC_AT(e->fields, bu_field, i);
      if (x->number == 1 || x->number == 2)
        kv[x->number - 1] = x->type_name ? x->type_name + (x->type_name[0] == '.') : type_word(x->type);
    }
    out(g->h, "\n/* %smap<%s, %s> %s = %" PRId32 " */\n", prefix, kv[0], kv[1], fl->name, fl->number);
    return;
  }
  const char *label = fl->label == BU_LABEL_REPEATED                                      ? "repeated "
                      : fl->label == BU_LABEL_REQUIRED                                    ? "required "
                      : fl->file->ast.syntax == BUOY_SYNTAX_PROTO2 || fl->proto3_optional ? "optional "
                                                                                          : "";
  out(g->h, "\n/* %s%s%s %s = %" PRId32 " */\n", prefix, label, type, fl->name, fl->number);
}

static void header_accessors(gen *g, const msginfo *mi) {
  header_message_functions(g, mi);
  for (uint32_t i = 0; i < mi->nfields; i++) {
    const fieldinfo *fi = &mi->fields[i];
    field_comment(g, fi->fl, "");
    if (is_map(fi->fl))
      header_map(g, mi, fi);
    else if (fi->fl->label == BU_LABEL_REPEATED)
      header_repeated(g, mi, fi);
    else
      header_singular(g, mi, fi);
  }
  out(g->h, "\n");
}

/* Typed accessors of an extension, over bp_ext_*. */
static void header_extension(gen *g, const bu_field *x) {
  bu_buf *h = g->h;
  const char *X = obj_get(&g->nm, K_EXT, x);
  const char *E = msg_cname(g, x->extendee_type);
  const char *V = value_ctype(g, x), *MB = value_member(x);
  bool msg = is_msg_type(x->type);
  const char *S = msg ? msg_cname(g, x->message_type) : NULL;
  field_comment(g, x, cat3(&g->arena, "extend ", x->extendee_type->full_name, ": "));
  out(h, "static inline bool %s_has(const %s *m) { return bp_ext_has(m, &%s_ext); }\n", X, E, X);
  out(h, "static inline void %s_clear(%s *m) { bp_ext_clear(m, &%s_ext); }\n", X, E, X);
  if (x->label == BU_LABEL_REPEATED) {
    const char *elem = msg ? cat3(&g->arena, S, " *", "") : V;
    out(h, "/* The values (*n of them); NULL when memory runs out or they are malformed. */\n");
    out(h, "static inline %s *%s_values(%s *m, size_t *n, bp_arena *a) {\n", elem, X, E);
    out(h, "  bp_array *arr = bp_ext_array(m, &%s_ext, a);\n", X);
    out(h, "  *n = arr ? arr->size : 0;\n  return arr ? (%s *)arr->data : NULL;\n}\n", elem);
    if (msg) {
      out(h, "static inline %s *%s_add(%s *m, bp_arena *a) {\n", S, X, E);
      out(h, "  bp_array *arr = bp_ext_array(m, &%s_ext, a);\n", X);
      out(h, "  %s *s = arr ? (%s *)bp_msg_new(&%s_msgdef, a) : NULL;\n", S, S, S);
      out(h, "  %s **p = s ? (%s **)bp_array_push(arr, sizeof(void *), a) : NULL;\n", S, S);
      out(h, "  if (!p) return NULL;\n  *p = s;\n  return s;\n}\n");
    } else {
      out(h, "static inline bool %s_add(%s *m, %s v, bp_arena *a) {\n", X, E, V);
      out(h, "  bp_array *arr = bp_ext_array(m, &%s_ext, a);\n", X);
      out(h, "  %s *p = arr ? (%s *)bp_array_push(arr, sizeof(%s), a) : NULL;\n", V, V, V);
      out(h, "  if (!p) return false;\n  *p = v;\n  return true;\n}\n");
    }
    return;
  }
  if (msg) {
    out(h, "/* The value; NULL when not set (or malformed, or memory runs out). */\n");
    out(h, "static inline const %s *%s_get(%s *m, bp_arena *a) {\n", S, X, E);
    out(h, "  bp_value v;\n  return bp_ext_get(m, &%s_ext, a, &v) ? (const %s *)v.msg : NULL;\n}\n", X, S);
    out(h, "static inline %s *%s_mutable(%s *m, bp_arena *a) { return (%s *)bp_ext_mutable(m, &%s_ext, a); }\n", S, X,
        E, S, X);
    out(h, "static inline bool %s_set(%s *m, %s *v, bp_arena *a) {\n", X, E, S);
    out(h, "  bp_value u;\n  memset(&u, 0, sizeof u);\n  u.msg = v;\n  return bp_ext_set(m, &%s_ext, u, a);\n}\n", X);
    return;
  }
  bu_buf d = {0};
  bool has_default = default_expr(g, &d, x);
  out(h, "/* The value, or the default when not set (or malformed, or memory runs out). */\n");
  out(h, "static inline %s %s_get(%s *m, bp_arena *a) {\n", V, X, E);
  out(h, "  bp_value v;\n  return bp_ext_get(m, &%s_ext, a, &v) ? v.%s : ", X, MB);
  if (has_default)
    out(h, "%.*s;\n}\n", (int)d.len, (const char *)d.data);
  else
    out(h, "%s;\n}\n", strcmp(V, "bp_str") == 0 ? "bp_str_make(NULL, 0)" : "0");
  bu_buf_free(&d);
  out(h, "static inline bool %s_set(%s *m, %s v, bp_arena *a) {\n", X, E, V);
  out(h, "  bp_value u;\n  memset(&u, 0, sizeof u);\n  u.%s = v;\n  return bp_ext_set(m, &%s_ext, u, a);\n}\n", MB, X);
}

static bool special_float_default(const bu_field *fl) {
  const char *d = fl->default_value;
  return d && (fl->type == BUOY_TYPE_FLOAT || fl->type == BUOY_TYPE_DOUBLE) && (strstr(d, "inf") || strstr(d, "nan"));
}

static bool uses_math(gen *g) {
  for (uint32_t i = 0; i < g->msgs.count; i++) {
    const msginfo *mi = BU_VEC_AT(g->msgs, msginfo, i);
    for (uint32_t j = 0; j < mi->nfields; j++)
      if (special_float_default(mi->fields[j].fl)) return true;
  }
  for (uint32_t i = 0; i < g->el.exts.count; i++)
    if (special_float_default(BU_VEC_AT(g->el.exts, bu_field, i))) return true;
  return false;
}

static void write_header(gen *g) {
  bu_buf *h = g->h;
  const char *guard = obj_get(&g->nm, K_GUARD, g->f);
  out(h, "/* Generated by buoy from %s. Do not edit. */\n", g->f->name);
  out(h, "#ifndef %s\n#define %s\n\n", guard, guard);
  if (uses_math(g)) out(h, "#include <math.h>\n");
  out(h, "#include <stdbool.h>\n#include <stddef.h>\n#include <stdint.h>\n#include <string.h>\n\n");
  out(h, "#include \"pb/pb.h\"\n");
  for (uint32_t i = 0; i < g->f->deps.count; i++) {
    char *path = bu_gen_c_path(BU_VEC_AT(g->f->deps, bu_file, i)->name, ".pb.h");
    out(h, "#include \"%s\"\n", path);
    free(path);
  }
  out(h, "\n#ifdef __cplusplus\nextern \"C\" {\n#endif\n\n");
  for (uint32_t i = 0; i < g->el.enums.count; i++)
    header_enum(g, BU_VEC_AT(g->el.enums, bu_enum, i));
  for (uint32_t i = 0; i < g->el.enums.count; i++)
    out(h, "extern const bp_enumdef %s_enumdef;\n", enum_cname(g, BU_VEC_AT(g->el.enums, bu_enum, i)));
  if (g->el.enums.count) out(h, "\n");
  for (uint32_t i = 0; i < g->msgs.count; i++) {
    const msginfo *mi = BU_VEC_AT(g->msgs, msginfo, i);
    out(h, "typedef struct %s %s;\n", mi->cname, mi->cname);
  }
  if (g->msgs.count) out(h, "\n");
  for (uint32_t i = 0; i < g->msgs.count; i++)
    out(h, "extern const bp_msgdef %s_msgdef;\n", BU_VEC_AT(g->msgs, msginfo, i)->cname);
  if (g->msgs.count) out(h, "\n");
  for (uint32_t i = 0; i < g->el.exts.count; i++)
    out(h, "extern const bp_extdef %s_ext;\n", obj_get(&g->nm, K_EXT, BU_VEC_AT(g->el.exts, bu_field, i)));
  if (g->el.exts.count) out(h, "\n");
  for (uint32_t i = 0; i < g->f->services.count; i++) {
    const bu_service *s = BU_VEC_AT(g->f->services, bu_service, i);
    const char *stem = obj_get(&g->nm, K_SERVICE, s);
    out(h, "/* service %s */\nextern const bp_servicedef %s_servicedef;\n", s->full_name, stem);
    if (s->methods.count) out(h, "extern const bp_methoddef %s_methods[%" PRIu32 "];\n", stem, s->methods.count);
    for (uint32_t j = 0; j < s->methods.count; j++)
      out(h, "extern const bp_methoddef *const %s_methoddef; /* %s */\n",
          obj_get(&g->nm, K_METHOD, s->methods.items[j]), BU_VEC_AT(s->methods, bu_method, j)->name);
    out(h, "\n");
  }
  out(h, "/* Everything %s defines. */\nextern const bp_filedef %s_pb_filedef;\n\n", g->f->name,
      obj_get(&g->nm, K_FILE, g->f));
  for (uint32_t i = 0; i < g->msgs.count; i++)
    header_struct(g, BU_VEC_AT(g->msgs, msginfo, i));
  for (uint32_t i = 0; i < g->msgs.count; i++)
    header_accessors(g, BU_VEC_AT(g->msgs, msginfo, i));
  if (g->el.exts.count) out(h, "/* ---------------------------------------------------------------- extensions */\n");
  for (uint32_t i = 0; i < g->el.exts.count; i++)
    header_extension(g, BU_VEC_AT(g->el.exts, bu_field, i));
  if (g->el.exts.count) out(h, "\n");
  out(h, "#ifdef __cplusplus\n}\n#endif\n\n#endif\n");
}

/* ---------------------------------------------------------------- source */

static int cmp_int32(const void *x, const void *y) {
  int32_t a = *(const int32_t *)x, b = *(const int32_t *)y;
  return (a > b) - (a < b);
}

static void source_enum(gen *g, const bu_enum *e) {
  bu_buf *c = g->c;
  const char *E = enum_cname(g, e);
  /* distinct numbers, sorted, each with the first name declared for it */
  uint32_t n = e->values.count;
  int32_t *nums = buoy_arena_alloc(&g->arena, sizeof(int32_t) * (n + 1));
  for (uint32_t i = 0; i < n; i++)
    nums[i] = BU_VEC_AT(e->values, bu_enum_value, i)->number;
  qsort(nums, n, sizeof *nums, cmp_int32);
  uint32_t k = 0;
  for (uint32_t i = 0; i < n; i++)
    if (k == 0 || nums[k - 1] != nums[i]) nums[k++] = nums[i];
  out(c, "/* %s */\n", e->full_name);
  out(c, "static const int32_t %s__values[%" PRIu32 "] = {", E, k);
  for (uint32_t i = 0; i < k; i++) {
    out(c, "%s", i % 8 ? " " : "\n    ");
    if (nums[i] == INT32_MIN)
      out(c, "-2147483647 - 1,");
    else
      out(c, "%" PRId32 ",", nums[i]);
  }
  out(c, "\n};\n");
  out(c, "static const char *const %s__names[%" PRIu32 "] = {\n", E, k);
  for (uint32_t i = 0; i < k; i++) {
    for (uint32_t j = 0; j < n; j++) {
      const bu_enum_value *v = BU_VEC_AT(e->values, bu_enum_value, j);
      if (v->number != nums[i]) continue;
      out(c, "    \"%s\",\n", v->name);
      break;
    }
  }
  out(c, "};\n");
  out(c, "const bp_enumdef %s_enumdef = {\n", E);
  out(c, "    .full_name = \"%s\",\n    .values = %s__values,\n    .names = %s__names,\n", e->full_name, E, E);
  out(c, "    .count = %" PRIu32 ",\n};\n\n", k);
}

static const char *const type_names[] = {
    "0",
    "BP_TYPE_DOUBLE",
    "BP_TYPE_FLOAT",
    "BP_TYPE_INT64",
    "BP_TYPE_UINT64",
    "BP_TYPE_INT32",
    "BP_TYPE_FIXED64",
    "BP_TYPE_FIXED32",
    "BP_TYPE_BOOL",
    "BP_TYPE_STRING",
    "BP_TYPE_GROUP",
    "BP_TYPE_MESSAGE",
    "BP_TYPE_BYTES",
    "BP_TYPE_UINT32",
    "BP_TYPE_ENUM",
    "BP_TYPE_SFIXED32",
    "BP_TYPE_SFIXED64",
    "BP_TYPE_SINT32",
    "BP_TYPE_SINT64",
};

static void field_flags(gen *g, const bu_field *fl) {
  const char *flags[6];
  int n = 0;
  if (fl->label == BU_LABEL_REPEATED) flags[n++] = "BP_F_REPEATED";
  if (bu_field_packed(fl)) flags[n++] = "BP_F_PACKED";
  if (is_map(fl)) flags[n++] = "BP_F_MAP";
  if (is_required(fl)) flags[n++] = "BP_F_REQUIRED";
  if (checks_utf8(fl)) flags[n++] = "BP_F_UTF8";
  if (fl->type == BUOY_TYPE_ENUM && fl->enum_type && bu_enum_closed(fl->enum_type)) flags[n++] = "BP_F_CLOSED";
  if (!n) out(g->c, "0");
  for (int i = 0; i < n; i++)
    out(g->c, "%s%s", i ? " | " : "", flags[i]);
}

/* ---------------------------------------------------------------- generated encoders */

/* Whether the file's messages get encoders of their own: files optimized
 * for SPEED (protoc's default) or LITE_RUNTIME (in C++ too lite code is
 * generated for speed, without reflection); not CODE_SIZE. */
static bool wants_encoders(const bu_file *f) {
  for (const bu_optfield *o = f->options ? f->options->fields : NULL; o; o = o->next)
    if (o->field && !o->field->extendee && strcmp(o->field->name, "optimize_for") == 0 && o->last)
      return o->last->v.u != 2; /* CODE_SIZE */
  return true;
}

/* Whether a message gets an encoder: not a map entry (the table writes
 * entries, zero values included), and with fields to write. */
static bool has_encoder(const gen *g, const msginfo *mi) {
  return wants_encoders(g->f) && !mi->m->map_entry && mi->nfields > 0;
}

enum { WT_VARINT_ = 0, WT_FIXED64_ = 1, WT_LEN_ = 2, WT_FIXED32_ = 5 };

/* The wire type of a singular value of the (runtime) type. */
static int wire_type(int type) {
  switch (type) {
  case BUOY_TYPE_DOUBLE:
  case BUOY_TYPE_FIXED64:
  case BUOY_TYPE_SFIXED64: return WT_FIXED64_;
  case BUOY_TYPE_FLOAT:
  case BUOY_TYPE_FIXED32:
  case BUOY_TYPE_SFIXED32: return WT_FIXED32_;
  case BUOY_TYPE_STRING:
  case BUOY_TYPE_BYTES:
  case BUOY_TYPE_MESSAGE: return WT_LEN_;
  default: return WT_VARINT_;
  }
}

/* The bytes of the tag, written down from ptr. */
static int tag_size(uint32_t number) {
  uint64_t v = (uint64_t)number << 3;
  int n = 1;
  while (v >= 0x80) {
    v >>= 7;
    n++;
  }
  return n;
}

static void encoder_tag(bu_buf *c, const char *in, uint32_t number, int wt) {
  uint64_t v = (uint64_t)number << 3 | (uint64_t)wt;
  unsigned bytes[5];
  int n = 0;
  while (v >= 0x80) {
    bytes[n++] = (unsigned)(v & 0x7f) | 0x80;
    v >>= 7;
  }
  bytes[n++] = (unsigned)v;
  if (n == 1) {
    out(c, "%s*--ptr = (char)0x%02x;\n", in, bytes[0]);
    return;
  }
  out(c, "%sptr -= %d;\n", in, n);
  for (int i = 0; i < n; i++)
    out(c, "%sptr[%d] = (char)0x%02x;\n", in, i, bytes[i]);
}

/* The value of a scalar field as the varint or fixed-width number written,
 * and that number's C type. */
static const char *encoder_value(gen *g, const fieldinfo *fi, const char **ctype) {
  const char *x = cat3(&g->arena, "m->", fi->access, "");
  *ctype = "uint64_t";
  switch (fi->type) {
  case BUOY_TYPE_INT32:
  case BUOY_TYPE_ENUM: return cat3(&g->arena, "(uint64_t)(int64_t)", x, "");
  case BUOY_TYPE_SINT32: return cat3(&g->arena, "bp__enc_zigzag32(", x, ")");
  case BUOY_TYPE_SINT64: return cat3(&g->arena, "bp__enc_zigzag64(", x, ")");
  case BUOY_TYPE_DOUBLE: return cat3(&g->arena, "bp__enc_double_bits(", x, ")");
  case BUOY_TYPE_FLOAT: *ctype = "uint32_t"; return cat3(&g->arena, "bp__enc_float_bits(", x, ")");
  case BUOY_TYPE_FIXED32: *ctype = "uint32_t"; return x;
  case BUOY_TYPE_SFIXED32: *ctype = "uint32_t"; return cat3(&g->arena, "(uint32_t)", x, "");
  default: return cat3(&g->arena, "(uint64_t)", x, ""); /* int64, uint64, fixed64, sfixed64, uint32, bool */
  }
}

/* T__encoder: the message's fields, last to first, with constant tags and
 * offsets (bp_msgdef.encode). Scalars, strings and submessages are written
 * here; repeated fields, maps and groups by the table encoder
 * (bp__enc_field). room is what the singular fields take at most beside
 * string bytes and submessages: reserved first, and again after each of
 * those, it covers every field still to write. */
static void source_encoder(gen *g, const msginfo *mi) {
  bu_buf *c = g->c;
  const char *T = mi->cname;
  size_t room = 0;
  for (uint32_t i = 0; i < mi->nfields; i++) {
    const fieldinfo *fi = mi->by_number[i];
    if (fi->fl->label != BU_LABEL_REPEATED && fi->type != BUOY_TYPE_GROUP)
      room += (size_t)tag_size((uint32_t)fi->fl->number) + 10;
  }
  out(c, "static bool %s__encoder(bp__enc *e, const void *msg) {\n", T);
  out(c, "  const %s *m = (const %s *)msg;\n", T, T);
  out(c, "  char *ptr = bp__enc_room(e, e->ptr, %zu);\n", room);
  out(c, "  if (!ptr) return false;\n");
  int gate = -1; /* the hasbit byte tested around the fields being written, or -1 */
  for (uint32_t k = mi->nfields; k-- > 0;) {
    const fieldinfo *fi = mi->by_number[k];
    const bu_field *fl = fi->fl;
    uint32_t number = (uint32_t)fl->number;
    const char *x = fi->access;
    /* a run of two or more hasbit fields of one byte (their hasbits are
     * consecutive) is skipped at once when that byte is zero */
    int byte = fi->hasbit >= 0 && fl->label != BU_LABEL_REPEATED ? fi->hasbit / 8 : -1;
    if (gate >= 0 && byte != gate) {
      out(c, "  }\n");
      gate = -1;
    }
    if (byte >= 0 && gate < 0 && k > 0 && mi->by_number[k - 1]->hasbit >= 0 &&
        mi->by_number[k - 1]->hasbit / 8 == byte) {
      out(c, "  if (m->bp_has_[%d]) {\n", byte);
      gate = byte;
    }
    const char *in = gate >= 0 ? "  " : ""; /* the indent beside the usual one */
    out(c, "%s  /* %" PRIu32 ": %s */\n", in, number, fl->name);
    /* what makes the field present, beside a value that is not zero */
    char cond[256];
    if (fi->oneof >= 0)
      snprintf(cond, sizeof cond, "m->%s_case == %" PRIu32, mi->oneofs[fi->oneof].member, number);
    else if (fi->hasbit >= 0)
      snprintf(cond, sizeof cond, "m->bp_has_[%d] & 0x%02x", fi->hasbit / 8, 1u << (fi->hasbit % 8));
    else
      cond[0] = 0;
    if (fl->label == BU_LABEL_REPEATED || fi->type == BUOY_TYPE_GROUP) {
      if (is_map(fl))
        out(c, "%s  if (m->%s.entries.size) {\n", in, x);
      else if (fl->label == BU_LABEL_REPEATED)
        out(c, "%s  if (m->%s.size) {\n", in, x);
      else
        out(c, "%s  if (%s%sm->%s) {\n", in, cond, cond[0] ? " && " : "", x);
      out(c, "%s    e->ptr = ptr;\n", in);
      out(c, "%s    if (!bp__enc_field(e, &%s_msgdef, %" PRIu32 ", msg) || !(ptr = bp__enc_room(e, e->ptr, %zu))) "
             "return false;\n", in, T, k, room);
      out(c, "%s  }\n", in);
      continue;
    }
    switch (fi->type) {
    case BUOY_TYPE_MESSAGE:
      out(c, "%s  if (%s%sm->%s) {\n", in, cond, cond[0] ? " && " : "", x);
      out(c, "%s    size_t before = (size_t)(e->end - ptr);\n", in);
      out(c, "%s    e->ptr = ptr;\n", in);
      out(c, "%s    if (!bp__enc_message(e, &%s_msgdef, m->%s) || !(ptr = bp__enc_room(e, e->ptr, %zu))) return false;\n",
          in, msg_cname(g, fl->message_type), x, room);
      out(c, "%s    ptr = bp__enc_varint(ptr, (uint64_t)((size_t)(e->end - ptr) - before));\n", in);
      break;
    case BUOY_TYPE_STRING:
    case BUOY_TYPE_BYTES:
      if (cond[0])
        out(c, "%s  if (%s) {\n", in, cond);
      else
        out(c, "%s  if (m->%s.size) {\n", in, x);
      out(c, "%s    if (!(ptr = bp__enc_str(e, ptr, &m->%s, %zu))) return false;\n", in, x, room);
      break;
    default: {
      const char *ctype;
      const char *value = encoder_value(g, fi, &ctype);
      if (cond[0])
        out(c, "%s  if (%s) {\n%s    const %s v = %s;\n", in, cond, in, ctype, value);
      else /* implicit presence: written when not zero (floating point: bits not all zero, -0.0 is written) */
        out(c, "%s  {\n%s    const %s v = %s;\n%s    if (v) {\n", in, in, ctype, value, in);
      const char *body = cond[0] ? (gate >= 0 ? "      " : "    ") : (gate >= 0 ? "        " : "      ");
      switch (wire_type(fi->type)) {
      case WT_FIXED32_: out(c, "%sptr = bp__enc_fixed32(ptr, v);\n", body); break;
      case WT_FIXED64_: out(c, "%sptr = bp__enc_fixed64(ptr, v);\n", body); break;
      default: out(c, "%sptr = bp__enc_varint(ptr, v);\n", body); break;
      }
      encoder_tag(c, body, number, wire_type(fi->type));
      if (!cond[0]) out(c, "%s    }\n", in);
      out(c, "%s  }\n", in);
      continue;
    }
    }
    encoder_tag(c, gate >= 0 ? "      " : "    ", number, WT_LEN_);
    out(c, "%s  }\n", in);
  }
  if (gate >= 0) out(c, "  }\n");
  out(c, "  e->ptr = ptr;\n  return true;\n}\n");
}

static void source_message(gen *g, const msginfo *mi) {
  bu_buf *c = g->c;
  const char *T = mi->cname;
  const bu_message *m = mi->m;
  out(c, "/* %s */\n", m->full_name);
  if (mi->nfields) {
    out(c, "static const bp_field %s__fields[%" PRIu32 "] = {\n", T, mi->nfields);
    for (uint32_t i = 0; i < mi->nfields; i++) {
      const fieldinfo *fi = mi->by_number[i];
      out(c, "    {%" PRId32 ", offsetof(%s, %s), ", fi->fl->number, T, fi->access);
      if (fi->oneof >= 0)
        out(c, "BP_ONEOF(%s, %s_case), ", T, mi->oneofs[fi->oneof].member);
      else if (fi->hasbit >= 0)
        out(c, "BP_HASBIT(%s, %d), ", T, fi->hasbit);
      else
        out(c, "0, ");
      out(c, "%d, %s, ", fi->sub >= 0 ? fi->sub : 0, type_names[fi->type]);
      field_flags(g, fi->fl);
      out(c, "},\n");
    }
    out(c, "};\n");
    out(c, "static const bp_fieldname %s__names[%" PRIu32 "] = {\n", T, mi->nfields);
    for (uint32_t i = 0; i < mi->nfields; i++) {
      const bu_field *fl = mi->by_number[i]->fl;
      out(c, "    {\"%s\", ", fl->name);
      c_string(c, fl->json_name, strlen(fl->json_name));
      out(c, "},\n");
    }
    out(c, "};\n");
  }
  if (mi->nhasbits) {
    /* the fields with hasbits (in hasbit order) and the others, by index */
    for (int with = 1; with >= 0; with--) {
      uint32_t count = with ? (uint32_t)mi->nhasbits : mi->nfields - (uint32_t)mi->nhasbits;
      if (!count) continue;
      out(c, "static const uint16_t %s__%s_fields[%" PRIu32 "] = {", T, with ? "hasbit" : "plain", count);
      uint32_t k = 0;
      for (uint32_t i = 0; i < mi->nfields; i++)
        if ((mi->by_number[i]->hasbit >= 0) == (with != 0)) out(c, "%s%" PRIu32, k++ ? ", " : "", i);
      out(c, "};\n");
    }
  }
  if (mi->nsubs) {
    out(c, "static const bp_sub %s__subs[%" PRIu32 "] = {\n", T, mi->nsubs);
    for (uint32_t i = 0; i < mi->nsubs; i++) {
      if (mi->sub_is_enum[i])
        out(c, "    {.enumdef = &%s_enumdef},\n", enum_cname(g, mi->subs[i]));
      else
        out(c, "    {.msg = &%s_msgdef},\n", msg_cname(g, mi->subs[i]));
    }
    out(c, "};\n");
  }
  if (m->extension_ranges.count) {
    out(c, "static const bp_range %s__ext_ranges[%" PRIu32 "] = {", T, m->extension_ranges.count);
    for (uint32_t i = 0; i < m->extension_ranges.count; i++) {
      const bu_range *r = BU_VEC_AT(m->extension_ranges, bu_range, i);
      out(c, "%s{%" PRId32 ", %" PRId32 "}", i ? ", " : "", r->start, r->end);
    }
    out(c, "};\n");
  }
  uint32_t dense = 0;
  while (dense < mi->nfields && mi->by_number[dense]->fl->number == (int32_t)dense + 1)
    dense++;
  if (has_encoder(g, mi)) source_encoder(g, mi);
  out(c, "const bp_msgdef %s_msgdef = {\n", T);
  if (mi->nfields) out(c, "    .fields = %s__fields,\n", T);
  if (mi->nsubs) out(c, "    .subs = %s__subs,\n", T);
  if (m->extension_ranges.count) out(c, "    .ext_ranges = %s__ext_ranges,\n", T);
  out(c, "    .full_name = \"%s\",\n", m->full_name);
  if (mi->nfields) out(c, "    .names = %s__names,\n", T);
  out(c, "    .size = sizeof(%s),\n", T);
  out(c, "    .field_count = %" PRIu32 ",\n", mi->nfields);
  out(c, "    .dense = %" PRIu32 ",\n", dense);
  if (m->extension_ranges.count) out(c, "    .ext_range_count = %" PRIu32 ",\n", m->extension_ranges.count);
  if (m->map_entry && m->message_set)
    out(c, "    .flags = BP_MSG_MAP_ENTRY | BP_MSG_SET,\n");
  else if (m->map_entry)
    out(c, "    .flags = BP_MSG_MAP_ENTRY,\n");
  else if (m->message_set)
    out(c, "    .flags = BP_MSG_SET,\n");
  if (mi->nhasbits) {
    out(c, "    .hasbit_fields = %s__hasbit_fields,\n", T);
    if (mi->nfields > (uint32_t)mi->nhasbits) out(c, "    .plain_fields = %s__plain_fields,\n", T);
    out(c, "    .hasbit_count = %d,\n", mi->nhasbits);
  }
  if (has_encoder(g, mi)) out(c, "    .encode = %s__encoder,\n", T);
  out(c, "};\n\n");
}

static void source_extension(gen *g, const bu_field *x) {
  bu_buf *c = g->c;
  out(c, "/* %s */\n", x->full_name);
  out(c, "const bp_extdef %s_ext = {\n", obj_get(&g->nm, K_EXT, x));
  out(c, "    .extendee = &%s_msgdef,\n", msg_cname(g, x->extendee_type));
  out(c, "    .full_name = \"%s\",\n", x->full_name);
  if (is_msg_type(x->type) && x->message_type)
    out(c, "    .sub = {.msg = &%s_msgdef},\n", msg_cname(g, x->message_type));
  else if (x->type == BUOY_TYPE_ENUM && x->enum_type)
    out(c, "    .sub = {.enumdef = &%s_enumdef},\n", enum_cname(g, x->enum_type));
  out(c, "    .number = %" PRId32 ",\n", x->number);
  out(c, "    .type = %s,\n", type_names[runtime_type(x)]);
  out(c, "    .flags = ");
  field_flags(g, x);
  out(c, ",\n};\n\n");
}

/* The message with this fully qualified name (".pkg.Msg"), among the files
 * f can see. */
static const bu_message *find_message(const gen *g, const char *name) {
  if (!name) return NULL;
  if (name[0] == '.') name++;
  return buoy_strmap_get(&g->nm.msgs, name, strlen(name));
}

static void source_service(gen *g, const bu_service *s) {
  bu_buf *c = g->c;
  const char *stem = obj_get(&g->nm, K_SERVICE, s);
  out(c, "/* service %s */\n", s->full_name);
  if (s->methods.count) {
    out(c, "const bp_methoddef %s_methods[%" PRIu32 "] = {\n", stem, s->methods.count);
    for (uint32_t i = 0; i < s->methods.count; i++) {
      const bu_method *md = BU_VEC_AT(s->methods, bu_method, i);
      const bu_message *in = find_message(g, md->input_type), *outm = find_message(g, md->output_type);
      out(c, "    {\n        .name = \"%s\",\n        .path = \"/%s/%s\",\n", md->name, s->full_name, md->name);
      if (in) out(c, "        .input = &%s_msgdef,\n", msg_cname(g, in));
      if (outm) out(c, "        .output = &%s_msgdef,\n", msg_cname(g, outm));
      if (md->client_streaming && md->server_streaming)
        out(c, "        .flags = BP_METHOD_CLIENT_STREAMING | BP_METHOD_SERVER_STREAMING,\n");
      else if (md->client_streaming)
        out(c, "        .flags = BP_METHOD_CLIENT_STREAMING,\n");
      else if (md->server_streaming)
        out(c, "        .flags = BP_METHOD_SERVER_STREAMING,\n");
      out(c, "    },\n");
    }
    out(c, "};\n");
    for (uint32_t i = 0; i < s->methods.count; i++)
      out(c, "const bp_methoddef *const %s_methoddef = &%s_methods[%" PRIu32 "];\n",
          obj_get(&g->nm, K_METHOD, s->methods.items[i]), stem, i);
  }
  out(c, "const bp_servicedef %s_servicedef = {\n    .full_name = \"%s\",\n", stem, s->full_name);
  if (s->methods.count) out(c, "    .methods = %s_methods,\n", stem);
  out(c, "    .method_count = %" PRIu32 ",\n};\n\n", s->methods.count);
}

static void source_filedef(gen *g) {
  bu_buf *c = g->c;
  const bu_file *f = g->f;
  const char *F = obj_get(&g->nm, K_FILE, f);
  out(c, "/* %s */\n", f->name);
  if (g->msgs.count) {
    out(c, "static const bp_msgdef *const %s_pb__msgs[%" PRIu32 "] = {\n", F, g->msgs.count);
    for (uint32_t i = 0; i < g->msgs.count; i++)
      out(c, "    &%s_msgdef,\n", BU_VEC_AT(g->msgs, msginfo, i)->cname);
    out(c, "};\n");
  }
  if (g->el.enums.count) {
    out(c, "static const bp_enumdef *const %s_pb__enums[%" PRIu32 "] = {\n", F, g->el.enums.count);
    for (uint32_t i = 0; i < g->el.enums.count; i++)
      out(c, "    &%s_enumdef,\n", enum_cname(g, g->el.enums.items[i]));
    out(c, "};\n");
  }
  if (g->el.exts.count) {
    out(c, "static const bp_extdef *const %s_pb__exts[%" PRIu32 "] = {\n", F, g->el.exts.count);
    for (uint32_t i = 0; i < g->el.exts.count; i++)
      out(c, "    &%s_ext,\n", obj_get(&g->nm, K_EXT, g->el.exts.items[i]));
    out(c, "};\n");
  }
  if (f->services.count) {
    out(c, "static const bp_servicedef *const %s_pb__services[%" PRIu32 "] = {\n", F, f->services.count);
    for (uint32_t i = 0; i < f->services.count; i++)
      out(c, "    &%s_servicedef,\n", obj_get(&g->nm, K_SERVICE, f->services.items[i]));
    out(c, "};\n");
  }
  if (f->deps.count) {
    out(c, "static const bp_filedef *const %s_pb__deps[%" PRIu32 "] = {\n", F, f->deps.count);
    for (uint32_t i = 0; i < f->deps.count; i++)
      out(c, "    &%s_pb_filedef,\n", obj_get(&g->nm, K_FILE, f->deps.items[i]));
    out(c, "};\n");
  }
  out(c, "const bp_filedef %s_pb_filedef = {\n    .name = ", F);
  c_string(c, f->name, strlen(f->name));
  out(c, ",\n    .package = \"%s\",\n", f->package);
  if (g->msgs.count) out(c, "    .msgs = %s_pb__msgs,\n", F);
  if (g->el.enums.count) out(c, "    .enums = %s_pb__enums,\n", F);
  if (g->el.exts.count) out(c, "    .exts = %s_pb__exts,\n", F);
  if (f->services.count) out(c, "    .services = %s_pb__services,\n", F);
  if (f->deps.count) out(c, "    .deps = %s_pb__deps,\n", F);
  out(c, "    .msg_count = %" PRIu32 ",\n    .enum_count = %" PRIu32 ",\n", g->msgs.count, g->el.enums.count);
  out(c, "    .ext_count = %" PRIu32 ",\n    .service_count = %" PRIu32 ",\n", g->el.exts.count, f->services.count);
  out(c, "    .dep_count = %" PRIu32 ",\n};\n", f->deps.count);
}

static void write_source(gen *g) {
  bu_buf *c = g->c;
  char *self = bu_gen_c_path(g->f->name, ".pb.h");
  out(c, "/* Generated by buoy from %s. Do not edit. */\n", g->f->name);
  out(c, "#include \"%s\"\n\n", self);
  free(self);
  for (uint32_t i = 0; i < g->el.enums.count; i++)
    source_enum(g, BU_VEC_AT(g->el.enums, bu_enum, i));
  for (uint32_t i = 0; i < g->msgs.count; i++)
    source_message(g, BU_VEC_AT(g->msgs, msginfo, i));
  for (uint32_t i = 0; i < g->el.exts.count; i++)
    source_extension(g, BU_VEC_AT(g->el.exts, bu_field, i));
  for (uint32_t i = 0; i < g->f->services.count; i++)
    source_service(g, BU_VEC_AT(g->f->services, bu_service, i));
  source_filedef(g);
}

/* ---------------------------------------------------------------- entry points */

char *bu_gen_c_path(const char *proto_name, const char *ext) {
  size_t n = strlen(proto_name);
  if (n > 6 && strcmp(proto_name + n - 6, ".proto") == 0) n -= 6;
  size_t e = strlen(ext);
  char *s = malloc(n + e + 1);
  if (!s) abort();
  memcpy(s, proto_name, n);
  memcpy(s + n, ext, e + 1);
  return s;
}

/* Whether the model has what generation needs: every type and extendee
 * resolved. */
static bool check_resolved(gen *g, char *err, size_t errlen) {
  for (uint32_t i = 0; i < g->el.msgs.count; i++) {
    const bu_message *m = BU_VEC_AT(g->el.msgs, bu_message, i);
    for (uint32_t j = 0; j < m->fields.count; j++) {
      const bu_field *fl = BU_VEC_AT(m->fields, bu_field, j);
      if ((is_msg_type(fl->type) && !fl->message_type) || (fl->type == BUOY_TYPE_ENUM && !fl->enum_type) ||
          fl->type < 1 || fl->type > 18) {
        snprintf(err, errlen, "%s: the type of field %s is not resolved", g->f->name, fl->full_name);
        return false;
      }
    }
  }
  for (uint32_t i = 0; i < g->el.exts.count; i++) {
    const bu_field *x = BU_VEC_AT(g->el.exts, bu_field, i);
    if (!x->extendee_type || (is_msg_type(x->type) && !x->message_type) ||
        (x->type == BUOY_TYPE_ENUM && !x->enum_type) || x->type < 1 || x->type > 18) {
      snprintf(err, errlen, "%s: extension %s is not resolved", g->f->name, x->full_name);
      return false;
    }
  }
  return true;
}

bool bu_gen_c(const bu_file *f, bu_buf *h, bu_buf *c, char *err, size_t errlen) {
  gen g;
  memset(&g, 0, sizeof g);
  g.f = f;
  g.h = h;
  g.c = c;
  buoy_arena_init(&g.arena);
  g.nm.arena = &g.arena;
  buoy_strmap_init(&g.nm.files);
  buoy_strmap_init(&g.nm.objs);
  buoy_strmap_init(&g.nm.msgs);
  reserved_init(&g.nm.reserved);
  walk_file(&g.arena, f, &g.el);
  bool ok = check_resolved(&g, err, errlen);
  if (ok) {
    name_files(&g.nm, f);
    for (uint32_t i = 0; i < g.el.msgs.count; i++)
      collect_message(&g, BU_VEC_AT(g.el.msgs, bu_message, i));
    write_header(&g);
    write_source(&g);
  }
  buoy_strmap_free(&g.nm.files);
  buoy_strmap_free(&g.nm.objs);
  buoy_strmap_free(&g.nm.msgs);
  buoy_strmap_free(&g.nm.reserved);
  buoy_arena_free(&g.arena);
  return ok;
}
