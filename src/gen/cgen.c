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
#include "gen/gen.h"

/* How a field is laid out and reached. */
typedef struct fieldinfo {
  const bu_field *fl;
  const char *access; /* from the struct: "name", or "oneof.name" */
  int type;           /* descriptor type as the runtime sees it (delimited messages are groups) */
  int hasbit;         /* index, or -1 */
  int oneof;          /* index into msginfo.oneofs, or -1 */
  int sub;            /* index into msginfo.subs, or -1 */
} fieldinfo;

typedef struct oneofinfo {
  const bu_oneof *o;
  const char *member; /* the union's name; its case is member_case */
} oneofinfo;

typedef struct msginfo {
  const bu_message *m;
  const char *cname;
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
  bu_vec msgs;  /* msginfo*, pre-order */
  bu_vec enums; /* bu_enum*, file level first, then by message */
  char *err;
  size_t errlen;
  bool failed;
} gen;

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

static void fail(gen *g, const char *fmt, const char *what) {
  if (g->failed) return;
  g->failed = true;
  snprintf(g->err, g->errlen, fmt, what);
}

/* ---------------------------------------------------------------- names */

static const char *cat3(gen *g, const char *x, const char *y, const char *z) {
  size_t nx = strlen(x), ny = strlen(y), nz = strlen(z);
  char *s = buoy_arena_alloc_raw(&g->arena, nx + ny + nz + 1);
  memcpy(s, x, nx);
  memcpy(s + nx, y, ny);
  memcpy(s + nx + ny, z, nz + 1);
  return s;
}

/* A full name as a C identifier: dots become underscores. */
static const char *c_ident(gen *g, const char *full_name) {
  size_t n = strlen(full_name);
  char *s = buoy_arena_strndup(&g->arena, full_name, n);
  for (size_t i = 0; i < n; i++)
    if (s[i] == '.') s[i] = '_';
  return s;
}

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
    "noexcept", "nullptr",
    /* the runtime's own members */
    "bp_aux_", "bp_has_"};

/* A struct member name: the field's, with '_' appended when it is a C or
 * C++ keyword. */
static const char *member_name(gen *g, const char *name) {
  for (size_t i = 0; i < sizeof reserved_words / sizeof reserved_words[0]; i++)
    if (strcmp(name, reserved_words[i]) == 0) return cat3(g, name, "_", "");
  return name;
}

/* Enum values are named in the enum's scope (its parent message, or the
 * package), as protobuf scopes them: google_protobuf_FieldDescriptorProto_TYPE_INT32. */
static const char *enum_value_cname(gen *g, const bu_enum *e, const bu_enum_value *v) {
  const char *scope = e->parent ? e->parent->full_name : e->file->package;
  if (!scope[0]) return v->name;
  return cat3(g, c_ident(g, scope), "_", v->name);
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
      while (s[i + 1] && strchr("0123456789abcdefABCDEF", s[i + 1])) {
        char d = s[++i];
        v = v * 16 + (d <= '9' ? d - '0' : (d | 0x20) - 'a' + 10);
      }
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
  else if (strcmp(text, "nan") == 0)
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
static bool default_expr(gen *g, bu_buf *b, const fieldinfo *fi) {
  const bu_field *fl = fi->fl;
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
    out(b, "%s", enum_value_cname(g, e, v));
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

static bool is_msg_type(int type) { return type == BUOY_TYPE_MESSAGE || type == BUOY_TYPE_GROUP; }

/* The C type of one value of the field. */
static const char *value_ctype(gen *g, const fieldinfo *fi) {
  switch (fi->fl->type) {
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
  case BUOY_TYPE_GROUP: return cat3(g, c_ident(g, fi->fl->message_type->full_name), " *", "");
  default: return "int32_t"; /* int32, sint32, sfixed32, enum */
  }
}

/* Struct members are ordered by size to keep padding small: 16-byte views
 * and arrays, then 8-byte values and pointers, then 4-byte, then bools. */
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

/* The oneof a field is in, when a real one (not proto3 `optional`'s). */
static int real_oneof(const bu_field *fl) {
  if (fl->oneof_index < 0 || !fl->containing || (uint32_t)fl->oneof_index >= fl->containing->oneofs.count) return -1;
  return BU_VEC_AT(fl->containing->oneofs, bu_oneof, fl->oneof_index)->synthetic ? -1 : fl->oneof_index;
}

static bool explicit_presence(const bu_field *fl) {
  if (fl->label == BU_LABEL_REPEATED) return false;
  if (is_msg_type(fl->type) || real_oneof(fl) >= 0) return true;
  switch (fl->file->ast.syntax) {
  case BUOY_SYNTAX_PROTO2: return true;
  case BUOY_SYNTAX_PROTO3: return fl->proto3_optional;
  default: return bu_feature_enum(fl, "field_presence", 1) != 2; /* IMPLICIT */
  }
}

static bool is_required(const bu_field *fl) {
  if (fl->label == BU_LABEL_REQUIRED) return true;
  return fl->file->ast.syntax == BUOY_SYNTAX_EDITIONS && fl->label != BU_LABEL_REPEATED &&
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

static int runtime_type(const bu_field *fl) {
  if (fl->type == BUOY_TYPE_MESSAGE && fl->file->ast.syntax == BUOY_SYNTAX_EDITIONS &&
      bu_feature_enum(fl, "message_encoding", 1) == 2) /* DELIMITED */
    return BUOY_TYPE_GROUP;
  return fl->type;
}

static int by_number(const void *x, const void *y) {
  const fieldinfo *a = *(const fieldinfo *const *)x, *b = *(const fieldinfo *const *)y;
  return (a->fl->number > b->fl->number) - (a->fl->number < b->fl->number);
}

static uint32_t add_sub(gen *g, msginfo *mi, const void *p, bool is_enum) {
  for (uint32_t i = 0; i < mi->nsubs; i++)
    if (mi->subs[i] == p) return i;
  (void)g;
  mi->subs[mi->nsubs] = p;
  mi->sub_is_enum[mi->nsubs] = is_enum;
  return mi->nsubs++;
}

static void collect_enums(gen *g, const bu_vec *v) {
  for (uint32_t i = 0; i < v->count; i++)
    bu_vec_push(&g->arena, &g->enums, v->items[i]);
}

static void collect_message(gen *g, const bu_message *m) {
  if (m->map_entry) {
    fail(g, "%s: maps are not generated yet", m->full_name);
    return;
  }
  if (m->extensions.count) {
    fail(g, "%s: extensions are not generated yet", m->full_name);
    return;
  }
  msginfo *mi = BUOY_NEW(&g->arena, msginfo);
  mi->m = m;
  mi->cname = c_ident(g, m->full_name);
  mi->nfields = m->fields.count;
  mi->fields = buoy_arena_alloc(&g->arena, sizeof(fieldinfo) * (mi->nfields + 1));
  mi->by_number = buoy_arena_alloc(&g->arena, sizeof(fieldinfo *) * (mi->nfields + 1));
  mi->subs = buoy_arena_alloc(&g->arena, sizeof(void *) * (mi->nfields + 1));
  mi->sub_is_enum = buoy_arena_alloc(&g->arena, sizeof(bool) * (mi->nfields + 1));
  mi->oneofs = buoy_arena_alloc(&g->arena, sizeof(oneofinfo) * (m->oneofs.count + 1));
  /* real oneofs come first in oneof_decl (synthetic ones after them) */
  int *oneof_map = buoy_arena_alloc(&g->arena, sizeof(int) * (m->oneofs.count + 1));
  for (uint32_t i = 0; i < m->oneofs.count; i++) {
    const bu_oneof *o = BU_VEC_AT(m->oneofs, bu_oneof, i);
    oneof_map[i] = -1;
    if (o->synthetic) continue;
    oneof_map[i] = (int)mi->noneofs;
    mi->oneofs[mi->noneofs].o = o;
    mi->oneofs[mi->noneofs].member = member_name(g, o->name);
    mi->noneofs++;
  }
  for (uint32_t i = 0; i < mi->nfields; i++) {
    fieldinfo *fi = &mi->fields[i];
    fi->fl = BU_VEC_AT(m->fields, bu_field, i);
    fi->type = runtime_type(fi->fl);
    fi->hasbit = -1;
    fi->sub = -1;
    int o = real_oneof(fi->fl);
    fi->oneof = o >= 0 ? oneof_map[o] : -1;
    const char *member = member_name(g, fi->fl->name);
    fi->access = fi->oneof >= 0 ? cat3(g, mi->oneofs[fi->oneof].member, ".", member) : member;
    if (fi->oneof < 0 && explicit_presence(fi->fl) && !is_msg_type(fi->fl->type)) fi->hasbit = mi->nhasbits++;
    mi->by_number[i] = fi;
  }
  qsort(mi->by_number, mi->nfields, sizeof *mi->by_number, by_number);
  for (uint32_t i = 0; i < mi->nfields; i++) {
    fieldinfo *fi = mi->by_number[i];
    if (is_msg_type(fi->fl->type) && fi->fl->message_type)
      fi->sub = (int)add_sub(g, mi, fi->fl->message_type, false);
    else if (fi->fl->type == BUOY_TYPE_ENUM && fi->fl->enum_type)
      fi->sub = (int)add_sub(g, mi, fi->fl->enum_type, true);
  }
  bu_vec_push(&g->arena, &g->msgs, mi);
  collect_enums(g, &m->enums);
  for (uint32_t i = 0; i < m->nested.count; i++)
    collect_message(g, BU_VEC_AT(m->nested, bu_message, i));
}

/* ---------------------------------------------------------------- header */

static const char *guard_name(gen *g) {
  const char *name = g->f->name;
  size_t n = strlen(name);
  char *s = buoy_arena_alloc_raw(&g->arena, n + 16);
  size_t k = 0;
  k += (size_t)sprintf(s, "BUOY_PB_");
  for (size_t i = 0; i < n; i++) {
    char ch = name[i];
    if (ch >= 'a' && ch <= 'z') ch = (char)(ch - 'a' + 'A');
    s[k++] = (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ? ch : '_';
  }
  s[k++] = '_';
  s[k++] = 'H';
  s[k] = 0;
  return s;
}

static void header_enum(gen *g, const bu_enum *e) {
  bu_buf *h = g->h;
  const char *cname = c_ident(g, e->full_name);
  out(h, "/* %s */\ntypedef enum %s {\n", e->full_name, cname);
  for (uint32_t i = 0; i < e->values.count; i++) {
    const bu_enum_value *v = BU_VEC_AT(e->values, bu_enum_value, i);
    if (v->number == INT32_MIN)
      out(h, "  %s = -2147483647 - 1,\n", enum_value_cname(g, e, v));
    else
      out(h, "  %s = %" PRId32 ",\n", enum_value_cname(g, e, v), v->number);
  }
  out(h, "} %s;\n\n", cname);
}

static void header_struct(gen *g, const msginfo *mi) {
  bu_buf *h = g->h;
  out(h, "/* %s */\nstruct %s {\n", mi->m->full_name, mi->cname);
  out(h, "  bp_aux *bp_aux_; /* unknown fields and extensions */\n");
  if (mi->nhasbits) out(h, "  uint8_t bp_has_[%d];\n", (mi->nhasbits + 7) / 8);
  for (int cls = 0; cls < 4; cls++)
    for (uint32_t i = 0; i < mi->nfields; i++) {
      const fieldinfo *fi = &mi->fields[i];
      if (fi->oneof >= 0 || size_class(fi) != cls) continue;
      if (fi->fl->label == BU_LABEL_REPEATED)
        out(h, "  bp_array %s; /* %s */\n", fi->access, value_ctype(g, fi));
      else
        out(h, "  %s%s%s;\n", value_ctype(g, fi), is_msg_type(fi->fl->type) ? "" : " ", fi->access);
    }
  for (uint32_t k = 0; k < mi->noneofs; k++) {
    out(h, "  union {\n");
    for (uint32_t i = 0; i < mi->nfields; i++) {
      const fieldinfo *fi = &mi->fields[i];
      if (fi->oneof != (int)k) continue;
      out(h, "    %s%s%s;\n", value_ctype(g, fi), is_msg_type(fi->fl->type) ? "" : " ", member_name(g, fi->fl->name));
    }
    out(h, "  } %s;\n", mi->oneofs[k].member);
    out(h, "  uint32_t %s_case; /* the number of the member set, or 0 */\n", mi->oneofs[k].member);
  }
  out(h, "};\n\n");
}

static void header_message_functions(gen *g, const msginfo *mi) {
  bu_buf *h = g->h;
  const char *T = mi->cname;
  out(h, "/* ---------------------------------------------------------------- %s */\n\n", mi->m->full_name);
  out(h, "static inline %s *%s_new(bp_arena *a) { return (%s *)bp_msg_new(&%s_msgdef, a); }\n", T, T, T, T);
  out(h,
      "/* Decodes size bytes at data into a new message; NULL when they are malformed\n"
      " * (bp_decode says why). */\n"
      "static inline %s *%s_decode(const char *data, size_t size, bp_arena *a) {\n"
      "  %s *m = %s_new(a);\n"
      "  return m && bp_decode(&%s_msgdef, m, data, size, a, NULL) == BP_OK ? m : NULL;\n"
      "}\n",
      T, T, T, T, T);
  out(h,
      "/* The message in wire form, *size bytes in a; NULL when memory runs out. */\n"
      "static inline const char *%s_encode(const %s *m, bp_arena *a, size_t *size) {\n"
      "  bp_str s;\n"
      "  if (bp_encode(&%s_msgdef, m, a, NULL, &s) != BP_OK) return NULL;\n"
      "  *size = s.size;\n"
      "  return s.data;\n"
      "}\n",
      T, T, T);
  for (uint32_t k = 0; k < mi->noneofs; k++)
    out(h, "static inline uint32_t %s_%s_case(const %s *m) { return m->%s_case; }\n", T, mi->oneofs[k].o->name, T,
        mi->oneofs[k].member);
}

/* Accessors of a repeated field. */
static void header_repeated(gen *g, const msginfo *mi, const fieldinfo *fi) {
  bu_buf *h = g->h;
  const char *T = mi->cname, *F = fi->fl->name, *M = fi->access;
  if (is_msg_type(fi->fl->type)) {
    const char *S = c_ident(g, fi->fl->message_type->full_name);
    out(h, "static inline const %s *const *%s_%s(const %s *m, size_t *n) {\n", S, T, F, T);
    out(h, "  *n = m->%s.size;\n  return (const %s *const *)m->%s.data;\n}\n", M, S, M);
    out(h, "static inline %s **%s_mutable_%s(%s *m, size_t *n) {\n", S, T, F, T);
    out(h, "  *n = m->%s.size;\n  return (%s **)m->%s.data;\n}\n", M, S, M);
    out(h, "static inline %s *%s_add_%s(%s *m, bp_arena *a) {\n", S, T, F, T);
    out(h, "  %s *s = (%s *)bp_msg_new(&%s_msgdef, a);\n", S, S, S);
    out(h, "  %s **p = s ? (%s **)bp_array_push(&m->%s, sizeof(void *), a) : NULL;\n", S, S, M);
    out(h, "  if (!p) return NULL;\n  *p = s;\n  return s;\n}\n");
  } else {
    const char *V = value_ctype(g, fi);
    out(h, "static inline const %s *%s_%s(const %s *m, size_t *n) {\n", V, T, F, T);
    out(h, "  *n = m->%s.size;\n  return (const %s *)m->%s.data;\n}\n", M, V, M);
    out(h, "static inline %s *%s_mutable_%s(%s *m, size_t *n) {\n", V, T, F, T);
    out(h, "  *n = m->%s.size;\n  return (%s *)m->%s.data;\n}\n", M, V, M);
    out(h, "/* Sets the number of values to n (new ones zero); NULL when memory runs out. */\n");
    out(h, "static inline %s *%s_resize_%s(%s *m, size_t n, bp_arena *a) {\n", V, T, F, T);
    out(h, "  return (%s *)bp_array_resize(&m->%s, n, sizeof(%s), a);\n}\n", V, M, V);
    out(h, "static inline bool %s_add_%s(%s *m, %s v, bp_arena *a) {\n", T, F, T, V);
    out(h, "  %s *p = (%s *)bp_array_push(&m->%s, sizeof(%s), a);\n", V, V, M, V);
    out(h, "  if (!p) return false;\n  *p = v;\n  return true;\n}\n");
  }
  out(h, "static inline void %s_clear_%s(%s *m) { m->%s.size = 0; }\n", T, F, T, M);
}

/* Accessors of a singular field. */
static void header_singular(gen *g, const msginfo *mi, const fieldinfo *fi) {
  bu_buf *h = g->h;
  const char *T = mi->cname, *F = fi->fl->name, *M = fi->access;
  const char *V = value_ctype(g, fi);
  char has[160], set_presence[160], clear_presence[200];
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
  if (has[0]) out(h, "static inline bool %s_has_%s(const %s *m) { return %s; }\n", T, F, T, has);
  if (is_msg_type(fi->fl->type)) {
    const char *S = c_ident(g, fi->fl->message_type->full_name);
    if (fi->oneof >= 0) {
      out(h, "static inline const %s *%s_%s(const %s *m) { return %s ? m->%s : NULL; }\n", S, T, F, T, has, M);
      out(h, "static inline %s *%s_mutable_%s(%s *m, bp_arena *a) {\n", S, T, F, T);
      out(h, "  if (!(%s) || !m->%s) {\n    m->%s = (%s *)bp_msg_new(&%s_msgdef, a);\n", has, M, M, S, S);
      out(h, "    if (!m->%s) return NULL;\n   %s\n  }\n  return m->%s;\n}\n", M, set_presence, M);
      out(h, "static inline void %s_set_%s(%s *m, %s *v) { m->%s = v;%s }\n", T, F, T, S, M, set_presence);
      out(h, "static inline void %s_clear_%s(%s *m) {\n  if (%s) {\n   %s\n    m->%s = NULL;\n  }\n}\n", T, F, T, has,
          clear_presence, M);
    } else {
      out(h, "static inline const %s *%s_%s(const %s *m) { return m->%s; }\n", S, T, F, T, M);
      out(h, "static inline %s *%s_mutable_%s(%s *m, bp_arena *a) {\n", S, T, F, T);
      out(h, "  if (!m->%s) m->%s = (%s *)bp_msg_new(&%s_msgdef, a);\n  return m->%s;\n}\n", M, M, S, S, M);
      out(h, "static inline void %s_set_%s(%s *m, %s *v) { m->%s = v; }\n", T, F, T, S, M);
      out(h, "static inline void %s_clear_%s(%s *m) { m->%s = NULL; }\n", T, F, T, M);
    }
    return;
  }
  bu_buf d = {0};
  bool has_default = default_expr(g, &d, fi);
  if (has_default || fi->oneof >= 0) {
    out(h, "static inline %s %s_%s(const %s *m) { return %s ? m->%s : ", V, T, F, T, has[0] ? has : "true", M);
    if (has_default)
      out(h, "%.*s; }\n", (int)d.len, (const char *)d.data);
    else
      out(h, "%s; }\n", strcmp(V, "bp_str") == 0 ? "bp_str_make(NULL, 0)" : "0");
  } else {
    out(h, "static inline %s %s_%s(const %s *m) { return m->%s; }\n", V, T, F, T, M);
  }
  bu_buf_free(&d);
  out(h, "static inline void %s_set_%s(%s *m, %s v) { m->%s = v;%s }\n", T, F, T, V, M, set_presence);
  if (fi->oneof >= 0)
    out(h,
        "static inline void %s_clear_%s(%s *m) {\n  if (%s) {\n   %s\n    memset(&m->%s, 0, sizeof m->%s);\n  }\n}\n",
        T, F, T, has, clear_presence, M, M);
  else
    out(h, "static inline void %s_clear_%s(%s *m) { memset(&m->%s, 0, sizeof m->%s);%s }\n", T, F, T, M, M,
        clear_presence);
}

static const char *type_word(int type) {
  static const char *const words[] = {"",        "double",   "float",    "int64",  "uint64",  "int32", "fixed64",
                                      "fixed32", "bool",     "string",   "group",  "message", "bytes", "uint32",
                                      "enum",    "sfixed32", "sfixed64", "sint32", "sint64"};
  return type >= 0 && type <= 18 ? words[type] : "?";
}

static void header_accessors(gen *g, const msginfo *mi) {
  header_message_functions(g, mi);
  for (uint32_t i = 0; i < mi->nfields; i++) {
    const fieldinfo *fi = &mi->fields[i];
    const bu_field *fl = fi->fl;
    const char *type = fl->type_name ? fl->type_name + (fl->type_name[0] == '.') : type_word(fl->type);
    const char *label = fl->label == BU_LABEL_REPEATED                                      ? "repeated "
                        : fl->label == BU_LABEL_REQUIRED                                    ? "required "
                        : fl->file->ast.syntax == BUOY_SYNTAX_PROTO2 || fl->proto3_optional ? "optional "
                                                                                            : "";
    out(g->h, "\n/* %s%s %s = %" PRId32 " */\n", label, type, fl->name, fl->number);
    if (fi->fl->label == BU_LABEL_REPEATED)
      header_repeated(g, mi, fi);
    else
      header_singular(g, mi, fi);
  }
  out(g->h, "\n");
}

static bool uses_math(gen *g) {
  for (uint32_t i = 0; i < g->msgs.count; i++) {
    const msginfo *mi = BU_VEC_AT(g->msgs, msginfo, i);
    for (uint32_t j = 0; j < mi->nfields; j++) {
      const char *d = mi->fields[j].fl->default_value;
      int t = mi->fields[j].fl->type;
      if (d && (t == BUOY_TYPE_FLOAT || t == BUOY_TYPE_DOUBLE) && (strstr(d, "inf") || strstr(d, "nan"))) return true;
    }
  }
  return false;
}

static void write_header(gen *g) {
  bu_buf *h = g->h;
  const char *guard = guard_name(g);
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
  for (uint32_t i = 0; i < g->enums.count; i++)
    header_enum(g, BU_VEC_AT(g->enums, bu_enum, i));
  for (uint32_t i = 0; i < g->enums.count; i++)
    out(h, "extern const bp_enumdef %s_enumdef;\n", c_ident(g, BU_VEC_AT(g->enums, bu_enum, i)->full_name));
  if (g->enums.count) out(h, "\n");
  for (uint32_t i = 0; i < g->msgs.count; i++) {
    const msginfo *mi = BU_VEC_AT(g->msgs, msginfo, i);
    out(h, "typedef struct %s %s;\n", mi->cname, mi->cname);
  }
  if (g->msgs.count) out(h, "\n");
  for (uint32_t i = 0; i < g->msgs.count; i++)
    out(h, "extern const bp_msgdef %s_msgdef;\n", BU_VEC_AT(g->msgs, msginfo, i)->cname);
  if (g->msgs.count) out(h, "\n");
  for (uint32_t i = 0; i < g->msgs.count; i++)
    header_struct(g, BU_VEC_AT(g->msgs, msginfo, i));
  for (uint32_t i = 0; i < g->msgs.count; i++)
    header_accessors(g, BU_VEC_AT(g->msgs, msginfo, i));
  out(h, "#ifdef __cplusplus\n}\n#endif\n\n#endif\n");
}

/* ---------------------------------------------------------------- source */

static int cmp_int32(const void *x, const void *y) {
  int32_t a = *(const int32_t *)x, b = *(const int32_t *)y;
  return (a > b) - (a < b);
}

static void source_enum(gen *g, const bu_enum *e) {
  bu_buf *c = g->c;
  const char *E = c_ident(g, e->full_name);
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

static void field_flags(gen *g, const fieldinfo *fi) {
  const bu_field *fl = fi->fl;
  const char *flags[6];
  int n = 0;
  if (fl->label == BU_LABEL_REPEATED) flags[n++] = "BP_F_REPEATED";
  if (bu_field_packed(fl)) flags[n++] = "BP_F_PACKED";
  if (is_required(fl)) flags[n++] = "BP_F_REQUIRED";
  if (checks_utf8(fl)) flags[n++] = "BP_F_UTF8";
  if (fl->type == BUOY_TYPE_ENUM && fl->enum_type && bu_enum_closed(fl->enum_type)) flags[n++] = "BP_F_CLOSED";
  if (!n) out(g->c, "0");
  for (int i = 0; i < n; i++)
    out(g->c, "%s%s", i ? " | " : "", flags[i]);
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
      field_flags(g, fi);
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
  if (mi->nsubs) {
    out(c, "static const bp_sub %s__subs[%" PRIu32 "] = {\n", T, mi->nsubs);
    for (uint32_t i = 0; i < mi->nsubs; i++) {
      if (mi->sub_is_enum[i])
        out(c, "    {.enumdef = &%s_enumdef},\n", c_ident(g, ((const bu_enum *)mi->subs[i])->full_name));
      else
        out(c, "    {.msg = &%s_msgdef},\n", c_ident(g, ((const bu_message *)mi->subs[i])->full_name));
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
  out(c, "};\n\n");
}

static void write_source(gen *g) {
  bu_buf *c = g->c;
  char *self = bu_gen_c_path(g->f->name, ".pb.h");
  out(c, "/* Generated by buoy from %s. Do not edit. */\n", g->f->name);
  out(c, "#include \"%s\"\n\n", self);
  free(self);
  for (uint32_t i = 0; i < g->enums.count; i++)
    source_enum(g, BU_VEC_AT(g->enums, bu_enum, i));
  for (uint32_t i = 0; i < g->msgs.count; i++)
    source_message(g, BU_VEC_AT(g->msgs, msginfo, i));
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

bool bu_gen_c(const bu_file *f, bu_buf *h, bu_buf *c, char *err, size_t errlen) {
  gen g;
  memset(&g, 0, sizeof g);
  g.f = f;
  g.h = h;
  g.c = c;
  g.err = err;
  g.errlen = errlen;
  buoy_arena_init(&g.arena);
  if (f->extensions.count) fail(&g, "%s: extensions are not generated yet", f->name);
  collect_enums(&g, &f->enums);
  for (uint32_t i = 0; i < f->messages.count && !g.failed; i++)
    collect_message(&g, BU_VEC_AT(f->messages, bu_message, i));
  if (!g.failed) {
    write_header(&g);
    write_source(&g);
  }
  buoy_arena_free(&g.arena);
  return !g.failed;
}
