/* proto3 JSON over the tables (json.h). Encoding writes into a growing
 * arena buffer; decoding is a recursive-descent reader that fills the
 * message as it reads, without building a tree (an Any's object is read
 * twice: once to find "@type", once to fill the type it names). */
#include "pb/json.h"

#include <errno.h>
#include <float.h>
#include <inttypes.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

/* ---------------------------------------------------------------- well-known types */

typedef enum wkt {
  WKT_NONE,
  WKT_ANY,
  WKT_DURATION,
  WKT_TIMESTAMP,
  WKT_FIELDMASK,
  WKT_STRUCT,
  WKT_VALUE,
  WKT_LISTVALUE,
  WKT_WRAPPER, /* the nine wrappers: their field 1 */
} wkt;

static wkt wkt_of(const bp_msgdef *t) {
  static const char prefix[] = "google.protobuf.";
  const char *n = t->full_name;
  if (!n || strncmp(n, prefix, sizeof prefix - 1) != 0) return WKT_NONE;
  n += sizeof prefix - 1;
  static const struct {
    const char *name;
    wkt kind;
  } names[] = {
      {"Any", WKT_ANY},           {"Duration", WKT_DURATION},    {"Timestamp", WKT_TIMESTAMP},
      {"FieldMask", WKT_FIELDMASK}, {"Struct", WKT_STRUCT},      {"Value", WKT_VALUE},
      {"ListValue", WKT_LISTVALUE}, {"DoubleValue", WKT_WRAPPER}, {"FloatValue", WKT_WRAPPER},
      {"Int64Value", WKT_WRAPPER}, {"UInt64Value", WKT_WRAPPER}, {"Int32Value", WKT_WRAPPER},
      {"UInt32Value", WKT_WRAPPER}, {"BoolValue", WKT_WRAPPER},  {"StringValue", WKT_WRAPPER},
      {"BytesValue", WKT_WRAPPER},
  };
  for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
    if (strcmp(n, names[i].name) == 0) return names[i].kind;
  return WKT_NONE;
}

static bool is_message_type(int type) { return type == BP_TYPE_MESSAGE || type == BP_TYPE_GROUP; }

static bool is_null_value_enum(const bp_enumdef *e) {
  return e && e->full_name && strcmp(e->full_name, "google.protobuf.NullValue") == 0;
}

/* Timestamps: 0001-01-01T00:00:00Z to 9999-12-31T23:59:59.999999999Z. */
#define TS_MIN_SECONDS INT64_C(-62135596800)
#define TS_MAX_SECONDS INT64_C(253402300799)
/* Durations: about +-10000 years. */
#define DUR_MAX_SECONDS INT64_C(315576000000)

/* Days since 1970-01-01 of a proleptic Gregorian date (y may be 1..9999). */
static int64_t days_from_civil(int64_t y, int m, int d) {
  y -= m <= 2;
  int64_t era = (y >= 0 ? y : y - 399) / 400;
  int64_t yoe = y - era * 400;
  int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + doe - 719468;
}

static void civil_from_days(int64_t z, int64_t *y, int *m, int *d) {
  z += 719468;
  int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  int64_t doe = z - era * 146097;
  int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  int64_t mp = (5 * doy + 2) / 153;
  *d = (int)(doy - (153 * mp + 2) / 5 + 1);
  *m = (int)(mp < 10 ? mp + 3 : mp - 9);
  *y = yoe + era * 400 + (*m <= 2);
}

/* ---------------------------------------------------------------- encoding */

typedef struct writer {
  bp_arena *a;
  char *buf;
  size_t len, cap;
  const bp_json_options *o;
  uint32_t max_depth;
  bp_status status;
  bp_json_error *err;
} writer;

static void w_fail(writer *w, bp_status s, const char *fmt, ...) {
  if (w->status != BP_OK) return;
  w->status = s;
  if (w->err) {
    memset(w->err, 0, sizeof *w->err);
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(w->err->message, sizeof w->err->message, fmt, ap);
    va_end(ap);
  }
}

static bool w_reserve(writer *w, size_t n) {
  if (w->status != BP_OK) return false;
  if (w->cap - w->len >= n) return true;
  size_t cap = w->cap ? w->cap : 256;
  while (cap - w->len < n) {
    if (cap > SIZE_MAX / 2) {
      w_fail(w, BP_ETOOBIG, "output too large");
      return false;
    }
    cap *= 2;
  }
  char *p = bp_arena_realloc(w->a, w->buf, w->cap, cap);
  if (!p) {
    w_fail(w, BP_ENOMEM, "out of memory");
    return false;
  }
  w->buf = p;
  w->cap = cap;
  return true;
}

static void w_bytes(writer *w, const char *s, size_t n) {
  if (!w_reserve(w, n)) return;
  if (n) memcpy(w->buf + w->len, s, n);
  w->len += n;
}

static void w_str(writer *w, const char *s) { w_bytes(w, s, strlen(s)); }

static void w_char(writer *w, char c) {
  if (w_reserve(w, 1)) w->buf[w->len++] = c;
}

static void w_fmt(writer *w, const char *fmt, ...) {
  char tmp[64];
  va_list ap;
  va_start(ap, fmt);
  int n = vsnprintf(tmp, sizeof tmp, fmt, ap);
  va_end(ap);
  if (n > 0) w_bytes(w, tmp, (size_t)n < sizeof tmp ? (size_t)n : sizeof tmp - 1);
}

/* An integer in decimal (quoted: as a JSON string), without printf. */
static void w_integer(writer *w, uint64_t magnitude, bool negative, bool quoted) {
  char tmp[24];
  char *p = tmp + sizeof tmp;
  if (quoted) *--p = '"';
  do {
    *--p = (char)('0' + magnitude % 10);
    magnitude /= 10;
  } while (magnitude);
  if (negative) *--p = '-';
  if (quoted) *--p = '"';
  w_bytes(w, p, (size_t)(tmp + sizeof tmp - p));
}

static void w_signed(writer *w, int64_t v, bool quoted) {
  w_integer(w, v < 0 ? 0 - (uint64_t)v : (uint64_t)v, v < 0, quoted);
}

/* Length of the valid UTF-8 sequence at s (at most n bytes), 0 if invalid:
 * no overlong forms, no surrogates, nothing above U+10FFFF. */
static size_t utf8_len(const unsigned char *s, size_t n, uint32_t *cp) {
  unsigned c = s[0];
  if (c < 0x80) {
    *cp = c;
    return 1;
  }
  size_t len;
  uint32_t v, min;
  if ((c & 0xE0) == 0xC0) {
    len = 2, v = c & 0x1F, min = 0x80;
  } else if ((c & 0xF0) == 0xE0) {
    len = 3, v = c & 0x0F, min = 0x800;
  } else if ((c & 0xF8) == 0xF0) {
    len = 4, v = c & 0x07, min = 0x10000;
  } else {
    return 0;
  }
  if (n < len) return 0;
  for (size_t i = 1; i < len; i++) {
    if ((s[i] & 0xC0) != 0x80) return 0;
    v = (v << 6) | (s[i] & 0x3F);
  }
  if (v < min || v > 0x10FFFF || (v >= 0xD800 && v <= 0xDFFF)) return 0;
  *cp = v;
  return len;
}

static void w_string(writer *w, bp_str s) {
  const unsigned char *p = (const unsigned char *)s.data;
  w_char(w, '"');
  size_t i = 0, run = 0;
  while (i < s.size) {
    unsigned c = p[i];
    const char *esc = NULL;
    switch (c) {
    case '"': esc = "\\\""; break;
    case '\\': esc = "\\\\"; break;
    case '\n': esc = "\\n"; break;
    case '\r': esc = "\\r"; break;
    case '\t': esc = "\\t"; break;
    case '\b': esc = "\\b"; break;
    case '\f': esc = "\\f"; break;
    default: break;
    }
    if (esc || c < 0x20 || c == 0x7F) {
      w_bytes(w, s.data + run, i - run);
      if (esc)
        w_str(w, esc);
      else
        w_fmt(w, "\\u%04x", c);
      run = ++i;
      continue;
    }
    uint32_t cp;
    size_t len = utf8_len(p + i, s.size - i, &cp);
    if (!len) {
      w_fail(w, BP_EUTF8, "a string is not valid UTF-8");
      return;
    }
    i += len;
  }
  if (i > run) w_bytes(w, s.data + run, i - run);
  w_char(w, '"');
}

static void w_newline(writer *w, uint32_t level) {
  if (!w->o->indent) return;
  w_char(w, '\n');
  uint64_t n = (uint64_t)w->o->indent * level;
  if (n > 4096) n = 4096;
  if (!w_reserve(w, (size_t)n)) return;
  memset(w->buf + w->len, ' ', (size_t)n);
  w->len += (size_t)n;
}

/* Objects and arrays: first says whether a member was written yet. */
static void w_open(writer *w, char c) { w_char(w, c); }

static void w_member_sep(writer *w, bool *first, uint32_t level) {
  if (!*first) w_char(w, ',');
  *first = false;
  w_newline(w, level + 1);
}

static void w_close(writer *w, char c, bool first, uint32_t level) {
  if (!first) w_newline(w, level);
  w_char(w, c);
}

static void w_key(writer *w, bool *first, uint32_t level, bp_str key) {
  w_member_sep(w, first, level);
  w_string(w, key);
  w_char(w, ':');
  if (w->o->indent) w_char(w, ' ');
}

/* The shortest %g text that reads back as the same value. */
static void w_double(writer *w, double d, bool quote_special) {
  if (isnan(d)) {
    w_str(w, quote_special ? "\"NaN\"" : "NaN");
    return;
  }
  if (isinf(d)) {
    w_str(w, d > 0 ? "\"Infinity\"" : "\"-Infinity\"");
    return;
  }
  if (d == 0 && signbit(d)) {
    w_str(w, "-0.0"); /* not "-0", which many readers take for the integer 0 */
    return;
  }
  /* Every decimal of up to DBL_DIG (15) digits reads back as itself, so
   * when some text of 15 digits or fewer reads back as d, %.15g (its
   * trailing zeros dropped) is the shortest one; else 16 or 17 digits.
   * Subnormals have fewer digits of precision: every length is tried. */
  char tmp[40];
  for (int prec = fabs(d) < DBL_MIN ? 1 : DBL_DIG; prec <= 17; prec++) {
    snprintf(tmp, sizeof tmp, "%.*g", prec, d);
    if (strtod(tmp, NULL) == d) break;
  }
  w_str(w, tmp);
}

static void w_float(writer *w, float f) {
  if (isnan(f) || isinf(f)) {
    w_double(w, (double)f, true);
    return;
  }
  if (f == 0 && signbit(f)) {
    w_str(w, "-0.0");
    return;
  }
  char tmp[40];
  for (int prec = fabsf(f) < FLT_MIN ? 1 : FLT_DIG; prec <= 9; prec++) { /* as for doubles */
    snprintf(tmp, sizeof tmp, "%.*g", prec, (double)f);
    if (strtof(tmp, NULL) == f) break;
  }
  w_str(w, tmp);
}

static void w_base64(writer *w, bp_str s) {
  static const char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  const unsigned char *p = (const unsigned char *)s.data;
  if (s.size > (SIZE_MAX - 8) / 4 * 3) {
    w_fail(w, BP_ETOOBIG, "output too large");
    return;
  }
  w_char(w, '"');
  if (!w_reserve(w, (s.size + 2) / 3 * 4 + 1)) return;
  char *o = w->buf + w->len;
  size_t i = 0;
  for (; i + 3 <= s.size; i += 3) {
    uint32_t v = (uint32_t)p[i] << 16 | (uint32_t)p[i + 1] << 8 | p[i + 2];
    *o++ = alphabet[v >> 18], *o++ = alphabet[(v >> 12) & 63];
    *o++ = alphabet[(v >> 6) & 63], *o++ = alphabet[v & 63];
  }
  if (i < s.size) {
    uint32_t v = (uint32_t)p[i] << 16 | (i + 1 < s.size ? (uint32_t)p[i + 1] << 8 : 0);
    *o++ = alphabet[v >> 18], *o++ = alphabet[(v >> 12) & 63];
    *o++ = i + 1 < s.size ? alphabet[(v >> 6) & 63] : '=';
    *o++ = '=';
  }
  w->len = (size_t)(o - w->buf);
  w_char(w, '"');
}

static const char *enum_name(const bp_enumdef *e, int32_t v) {
  if (!e || !e->values) return NULL;
  uint32_t lo = 0, hi = e->count;
  while (lo < hi) {
    uint32_t mid = lo + (hi - lo) / 2;
    if (e->values[mid] == v) return e->names ? e->names[mid] : NULL;
    if (e->values[mid] < v)
      lo = mid + 1;
    else
      hi = mid;
  }
  return NULL;
}

static void w_message(writer *w, const bp_msgdef *t, const void *msg, uint32_t level);

/* One value of a field of type type (sub: its message or enum table). */
static void w_value(writer *w, int type, bp_sub sub, bp_value v, uint32_t level) {
  switch (type) {
  case BP_TYPE_DOUBLE: w_double(w, v.d, true); break;
  case BP_TYPE_FLOAT: w_float(w, v.f); break;
  case BP_TYPE_INT64:
  case BP_TYPE_SFIXED64:
  case BP_TYPE_SINT64: w_signed(w, v.i64, true); break;
  case BP_TYPE_UINT64:
  case BP_TYPE_FIXED64: w_integer(w, v.u64, false, true); break;
  case BP_TYPE_INT32:
  case BP_TYPE_SFIXED32:
  case BP_TYPE_SINT32: w_signed(w, v.i32, false); break;
  case BP_TYPE_UINT32:
  case BP_TYPE_FIXED32: w_integer(w, v.u32, false, false); break;
  case BP_TYPE_BOOL: w_str(w, v.b ? "true" : "false"); break;
  case BP_TYPE_STRING: w_string(w, v.str); break;
  case BP_TYPE_BYTES: w_base64(w, v.str); break;
  case BP_TYPE_ENUM: {
    /* NullValue is null, unless every enum is a number (as python's json_format does). */
    if (is_null_value_enum(sub.enumdef) && !(w->o->flags & BP_JSON_ENUMS_AS_INTS)) {
      w_str(w, "null");
      break;
    }
    const char *name = (w->o->flags & BP_JSON_ENUMS_AS_INTS) ? NULL : enum_name(sub.enumdef, v.i32);
    if (name) {
      w_string(w, bp_str_c(name));
    } else {
      w_signed(w, v.i32, false);
    }
    break;
  }
  case BP_TYPE_MESSAGE:
  case BP_TYPE_GROUP:
    if (v.msg) {
      w_message(w, sub.msg, v.msg, level);
    } else {
      /* An unset map value: written as an empty message of its type
       * (a Value as null, a wrapper as its zero). */
      void *empty = bp_msg_new(sub.msg, w->a);
      if (!empty)
        w_fail(w, BP_ENOMEM, "out of memory");
      else
        w_message(w, sub.msg, empty, level);
    }
    break;
  default: w_fail(w, BP_EMALFORMED, "field type %d has no JSON form", type); break;
  }
}

static bp_value array_elem(const bp_array *arr, int type, size_t i) {
  bp_value v;
  memset(&v, 0, sizeof v);
  size_t size = bp_type_size(type);
  memcpy(&v, (const char *)arr->data + i * size, size);
  return v;
}

static void w_array(writer *w, int type, bp_sub sub, const bp_array *arr, uint32_t level) {
  w_open(w, '[');
  bool first = true;
  for (size_t i = 0; i < arr->size && w->status == BP_OK; i++) {
    w_member_sep(w, &first, level);
    w_value(w, type, sub, array_elem(arr, type, i), level + 1);
  }
  w_close(w, ']', first, level);
}

static void w_map(writer *w, const bp_msgdef *entry, const bp_array *entries, uint32_t level) {
  const bp_field *kf = bp_msgdef_field(entry, 1), *vf = bp_msgdef_field(entry, 2);
  if (!kf || !vf) {
    w_fail(w, BP_EMALFORMED, "map entry %s lacks its key or value", entry->full_name);
    return;
  }
  w_open(w, '{');
  bool first = true;
  for (size_t i = 0; i < entries->size && w->status == BP_OK; i++) {
    const void *e = ((void *const *)entries->data)[i];
    bp_value k = bp_msg_get(e, kf);
    char tmp[32];
    bp_str key;
    switch (kf->type) {
    case BP_TYPE_STRING: key = k.str; break;
    case BP_TYPE_BOOL: key = bp_str_c(k.b ? "true" : "false"); break;
    case BP_TYPE_INT64:
    case BP_TYPE_SFIXED64:
    case BP_TYPE_SINT64:
      snprintf(tmp, sizeof tmp, "%" PRId64, k.i64);
      key = bp_str_c(tmp);
      break;
    case BP_TYPE_UINT64:
    case BP_TYPE_FIXED64:
      snprintf(tmp, sizeof tmp, "%" PRIu64, k.u64);
      key = bp_str_c(tmp);
      break;
    case BP_TYPE_UINT32:
    case BP_TYPE_FIXED32:
      snprintf(tmp, sizeof tmp, "%" PRIu32, k.u32);
      key = bp_str_c(tmp);
      break;
    default:
      snprintf(tmp, sizeof tmp, "%" PRId32, k.i32);
      key = bp_str_c(tmp);
      break;
    }
    w_key(w, &first, level, key);
    w_value(w, vf->type, entry->subs ? entry->subs[vf->sub] : (bp_sub){NULL}, bp_msg_get(e, vf), level + 1);
  }
  w_close(w, '}', first, level);
}

static bp_sub field_sub(const bp_msgdef *t, const bp_field *f) {
  bp_sub none = {NULL};
  if (f->type != BP_TYPE_MESSAGE && f->type != BP_TYPE_GROUP && f->type != BP_TYPE_ENUM) return none;
  return t->subs ? t->subs[f->sub] : none;
}

/* A field by number in a well-known type, checked to have the expected type. */
static const bp_field *wkt_field(writer *w, const bp_msgdef *t, uint32_t number, int type) {
  const bp_field *f = bp_msgdef_field(t, number);
  if (!f || f->type != type) {
    w_fail(w, BP_EMALFORMED, "%s has no field %u of the expected type", t->full_name, (unsigned)number);
    return NULL;
  }
  return f;
}

static void w_timestamp(writer *w, const bp_msgdef *t, const void *msg) {
  const bp_field *sf = wkt_field(w, t, 1, BP_TYPE_INT64), *nf = wkt_field(w, t, 2, BP_TYPE_INT32);
  if (!sf || !nf) return;
  int64_t s = bp_msg_get(msg, sf).i64;
  int32_t n = bp_msg_get(msg, nf).i32;
  if (s < TS_MIN_SECONDS || s > TS_MAX_SECONDS || n < 0 || n > 999999999) {
    w_fail(w, BP_EMALFORMED, "Timestamp out of range (seconds %" PRId64 ", nanos %" PRId32 ")", s, n);
    return;
  }
  int64_t days = s >= 0 ? s / 86400 : -((-s + 86399) / 86400);
  int64_t rem = s - days * 86400;
  int64_t y;
  int mo, d;
  civil_from_days(days, &y, &mo, &d);
  w_fmt(w, "\"%04d-%02d-%02dT%02d:%02d:%02d", (int)y, mo, d, (int)(rem / 3600), (int)(rem / 60 % 60),
        (int)(rem % 60));
  if (n == 0) {
  } else if (n % 1000000 == 0) {
    w_fmt(w, ".%03d", (int)(n / 1000000));
  } else if (n % 1000 == 0) {
    w_fmt(w, ".%06d", (int)(n / 1000));
  } else {
    w_fmt(w, ".%09d", (int)n);
  }
  w_str(w, "Z\"");
}

static void w_duration(writer *w, const bp_msgdef *t, const void *msg) {
  const bp_field *sf = wkt_field(w, t, 1, BP_TYPE_INT64), *nf = wkt_field(w, t, 2, BP_TYPE_INT32);
  if (!sf || !nf) return;
  int64_t s = bp_msg_get(msg, sf).i64;
  int32_t n = bp_msg_get(msg, nf).i32;
  if (s < -DUR_MAX_SECONDS || s > DUR_MAX_SECONDS || n < -999999999 || n > 999999999 || (s > 0 && n < 0) ||
      (s < 0 && n > 0)) {
    w_fail(w, BP_EMALFORMED, "Duration out of range (seconds %" PRId64 ", nanos %" PRId32 ")", s, n);
    return;
  }
  bool neg = s < 0 || n < 0;
  uint64_t us = (uint64_t)(s < 0 ? -s : s);
  int32_t un = n < 0 ? -n : n;
  w_fmt(w, "\"%s%" PRIu64, neg ? "-" : "", us);
  if (un == 0) {
  } else if (un % 1000000 == 0) {
    w_fmt(w, ".%03d", (int)(un / 1000000));
  } else if (un % 1000 == 0) {
    w_fmt(w, ".%06d", (int)(un / 1000));
  } else {
    w_fmt(w, ".%09d", (int)un);
  }
  w_str(w, "s\"");
}

static void w_fieldmask(writer *w, const bp_msgdef *t, const void *msg) {
  const bp_field *pf = wkt_field(w, t, 1, BP_TYPE_STRING);
  if (!pf) return;
  if (!(pf->flags & BP_F_REPEATED)) {
    w_fail(w, BP_EMALFORMED, "FieldMask.paths is not repeated");
    return;
  }
  const bp_array *paths = bp_msg_array(msg, pf);
  size_t total = 0;
  for (size_t i = 0; i < paths->size; i++) total += ((const bp_str *)paths->data)[i].size + 1;
  char *buf = bp_arena_malloc(w->a, total ? total : 1);
  if (!buf) {
    w_fail(w, BP_ENOMEM, "out of memory");
    return;
  }
  /* snake_case to lowerCamelCase, for the paths that read back the same. */
  size_t o = 0;
  for (size_t i = 0; i < paths->size; i++) {
    bp_str p = ((const bp_str *)paths->data)[i];
    if (i) buf[o++] = ',';
    for (size_t j = 0; j < p.size; j++) {
      char c = p.data[j];
      if ((c >= 'A' && c <= 'Z') || c == ',' ||
          (c == '_' && (j + 1 >= p.size || p.data[j + 1] < 'a' || p.data[j + 1] > 'z'))) {
        w_fail(w, BP_EMALFORMED, "FieldMask path \"%.*s\" has no lowerCamelCase form",
               (int)(p.size > 80 ? 80 : p.size), p.data);
        return;
      }
      if (c == '_') c = (char)(p.data[++j] - 'a' + 'A');
      buf[o++] = c;
    }
  }
  w_string(w, bp_str_make(buf, o));
}

static void w_struct_value(writer *w, const bp_msgdef *t, const void *msg, uint32_t level);

static void w_listvalue(writer *w, const bp_msgdef *t, const void *msg, uint32_t level) {
  const bp_field *vf = wkt_field(w, t, 1, BP_TYPE_MESSAGE);
  if (!vf) return;
  const bp_array *arr = bp_msg_array(msg, vf);
  const bp_msgdef *vt = field_sub(t, vf).msg;
  w_open(w, '[');
  bool first = true;
  for (size_t i = 0; i < arr->size && w->status == BP_OK; i++) {
    w_member_sep(w, &first, level);
    w_message(w, vt, ((void *const *)arr->data)[i], level + 1);
  }
  w_close(w, ']', first, level);
}

static void w_struct(writer *w, const bp_msgdef *t, const void *msg, uint32_t level) {
  const bp_field *ff = wkt_field(w, t, 1, BP_TYPE_MESSAGE);
  if (!ff) return;
  w_map(w, field_sub(t, ff).msg, bp_msg_array(msg, ff), level);
}

static void w_struct_value(writer *w, const bp_msgdef *t, const void *msg, uint32_t level) {
  for (uint32_t i = 0; i < t->field_count; i++) {
    const bp_field *f = &t->fields[i];
    if (f->presence >= 0 || bp__oneof_case(msg, f) != f->number) continue;
    bp_value v = bp_msg_get(msg, f);
    switch (f->number) {
    case 1: w_str(w, "null"); return;
    case 2: /* NaN and the infinities as the strings "NaN", "Infinity", "-Infinity", as python 3.21 writes
             * them (they read back as string_value: JSON has no such numbers) */
      w_double(w, v.d, true);
      return;
    case 3: w_string(w, v.str); return;
    case 4: w_str(w, v.b ? "true" : "false"); return;
    case 5:
    case 6: w_message(w, field_sub(t, f).msg, v.msg, level); return;
    default: break;
    }
  }
  w_str(w, "null"); /* no kind set: written as null, as protobuf does */
}

static void w_fields(writer *w, const bp_msgdef *t, const void *msg, uint32_t level, bool *first);

static void w_any(writer *w, const bp_msgdef *t, const void *msg, uint32_t level) {
  const bp_field *uf = wkt_field(w, t, 1, BP_TYPE_STRING), *vf = wkt_field(w, t, 2, BP_TYPE_BYTES);
  if (!uf || !vf) return;
  bp_str url = bp_msg_get(msg, uf).str, value = bp_msg_get(msg, vf).str;
  if (url.size == 0 && value.size == 0) {
    w_str(w, "{}");
    return;
  }
  const char *slash = url.size ? memchr(url.data, '/', url.size) : NULL;
  bp_str name = url;
  for (size_t i = url.size; i > 0 && slash; i--)
    if (url.data[i - 1] == '/') {
      name = bp_str_make(url.data + i, url.size - i);
      break;
    }
  const bp_msgdef *it = w->o->registry && name.size ? bp_registry_msgdef(w->o->registry, name) : NULL;
  if (!it) {
    w_fail(w, BP_EMALFORMED, "Any holds type \"%.*s\", which the registry does not know",
           (int)(url.size > 100 ? 100 : url.size), url.data);
    return;
  }
  void *inner = bp_msg_new(it, w->a);
  if (!inner) {
    w_fail(w, BP_ENOMEM, "out of memory");
    return;
  }
  bp_decode_options dopt = {0, w->max_depth > level ? w->max_depth - level : 1, 0, w->o->registry};
  bp_status s = bp_decode(it, inner, value.data, value.size, w->a, &dopt);
  if (s != BP_OK) {
    w_fail(w, s == BP_ENOMEM ? BP_ENOMEM : BP_EMALFORMED, "Any's value does not decode as %s: %s", it->full_name,
           bp_status_text(s));
    return;
  }
  w_open(w, '{');
  bool first = true;
  w_key(w, &first, level, bp_str_c("@type"));
  w_string(w, url);
  if (wkt_of(it) != WKT_NONE) {
    w_key(w, &first, level, bp_str_c("value"));
    w_message(w, it, inner, level + 1);
  } else {
    w_fields(w, it, inner, level, &first);
  }
  w_close(w, '}', first, level);
}

static bool field_set(const void *msg, const bp_field *f) {
  if (f->flags & BP_F_REPEATED) return bp_msg_array(msg, f)->size > 0;
  if (f->presence < 0) return bp__oneof_case(msg, f) == f->number;
  return bp_msg_has(msg, f);
}

static void w_field(writer *w, const bp_msgdef *t, const bp_field *f, const void *msg, uint32_t level,
                    bool *first, bp_str name) {
  w_key(w, first, level, name);
  bp_sub sub = field_sub(t, f);
  if (f->flags & BP_F_MAP)
    w_map(w, sub.msg, bp_msg_array(msg, f), level + 1);
  else if (f->flags & BP_F_REPEATED)
    w_array(w, f->type, sub, bp_msg_array(msg, f), level + 1);
  else
    w_value(w, f->type, sub, bp_msg_get(msg, f), level + 1);
}

static void w_extensions(writer *w, const bp_msgdef *t, const void *msg, uint32_t level, bool *first) {
  /* Reading a raw entry turns it into a typed one, which changes the set:
   * look the next number up again each time. */
  uint64_t next = 0;
  while (w->status == BP_OK) {
    size_t n;
    const bp_ext *list = bp_ext_list(msg, &n);
    size_t i = 0;
    while (i < n && list[i].number < next) i++;
    if (i == n) return;
    next = (uint64_t)list[i].number + 1;
    const bp_extdef *e = list[i].kind == BP_EXT_VALUE ? list[i].def : NULL;
    if (!e && w->o->registry) e = bp_registry_ext(w->o->registry, t, list[i].number);
    if (!e) continue; /* unknown extensions are left out, as unknown fields are */
    char name[300];
    snprintf(name, sizeof name, "[%s]", e->full_name ? e->full_name : "");
    /* Raw entries are parsed into a typed one (merging every entry of the
     * number): the message is the caller's, which is why the cast; the
     * value it holds does not change. */
    void *m = (void *)(uintptr_t)msg;
    w_key(w, first, level, bp_str_c(name));
    if (e->flags & BP_F_REPEATED) {
      const bp_array *arr = bp_ext_array(m, e, w->a);
      if (!arr) {
        w_fail(w, BP_EMALFORMED, "extension %s does not decode", e->full_name);
        return;
      }
      w_array(w, e->type, e->sub, arr, level + 1);
    } else {
      bp_value v;
      if (!bp_ext_get(m, e, w->a, &v)) {
        w_fail(w, BP_EMALFORMED, "extension %s does not decode", e->full_name);
        return;
      }
      w_value(w, e->type, e->sub, v, level + 1);
    }
  }
}

static void w_fields(writer *w, const bp_msgdef *t, const void *msg, uint32_t level, bool *first) {
  bool defaults = (w->o->flags & BP_JSON_EMIT_DEFAULTS) != 0;
  for (uint32_t i = 0; i < t->field_count && w->status == BP_OK; i++) {
    const bp_field *f = &t->fields[i];
    if (!field_set(msg, f)) {
      /* Only fields without presence have a default worth writing. */
      if (!defaults || f->presence != 0 || (!(f->flags & BP_F_REPEATED) && is_message_type(f->type))) continue;
    }
    const bp_fieldname *fn = t->names ? &t->names[i] : NULL;
    const char *name = fn ? ((w->o->flags & BP_JSON_PROTO_NAMES) ? fn->name : fn->json_name) : NULL;
    if (!name) {
      w_fail(w, BP_EMALFORMED, "%s has no field names", t->full_name);
      return;
    }
    w_field(w, t, f, msg, level, first, bp_str_c(name));
  }
  if (msg && bp_msg_aux(msg)) w_extensions(w, t, msg, level, first);
}

static void w_message(writer *w, const bp_msgdef *t, const void *msg, uint32_t level) {
  if (w->status != BP_OK) return;
  if (level >= w->max_depth) {
    w_fail(w, BP_EDEPTH, "messages nested deeper than %u", (unsigned)w->max_depth);
    return;
  }
  switch (wkt_of(t)) {
  case WKT_ANY: w_any(w, t, msg, level); return;
  case WKT_DURATION: w_duration(w, t, msg); return;
  case WKT_TIMESTAMP: w_timestamp(w, t, msg); return;
  case WKT_FIELDMASK: w_fieldmask(w, t, msg); return;
  case WKT_STRUCT: w_struct(w, t, msg, level); return;
  case WKT_VALUE: w_struct_value(w, t, msg, level); return;
  case WKT_LISTVALUE: w_listvalue(w, t, msg, level); return;
  case WKT_WRAPPER: {
    const bp_field *f = bp_msgdef_field(t, 1);
    if (!f) {
      w_fail(w, BP_EMALFORMED, "%s has no field 1", t->full_name);
      return;
    }
    w_value(w, f->type, field_sub(t, f), bp_msg_get(msg, f), level);
    return;
  }
  case WKT_NONE: break;
  }
  w_open(w, '{');
  bool first = true;
  w_fields(w, t, msg, level, &first);
  w_close(w, '}', first, level);
}

bp_status bp_json_encode(const bp_msgdef *t, const void *msg, bp_arena *a, const bp_json_options *o,
                         bp_str *out, bp_json_error *err) {
  static const bp_json_options defaults = {0, 0, 0, 0, NULL};
  writer w = {a, NULL, 0, 0, o ? o : &defaults, 0, BP_OK, err};
  w.max_depth = w.o->max_depth ? w.o->max_depth : BP_DEFAULT_MAX_DEPTH;
  if (err) memset(err, 0, sizeof *err);
  *out = bp_str_make("", 0);
  w_message(&w, t, msg, 0);
  w_char(&w, '\0');
  if (w.status != BP_OK) return w.status;
  *out = bp_str_make(w.buf, w.len - 1);
  return BP_OK;
}

/* ---------------------------------------------------------------- decoding: the reader */

typedef struct reader {
  const char *start, *p, *end;
  bp_arena *a;
  const bp_json_options *o;
  uint32_t max_depth;
  bp_status status;
  bp_json_error *err;
} reader;

static void r_fail_at(reader *r, const char *at, bp_status s, const char *fmt, ...) {
  if (r->status != BP_OK) return;
  r->status = s;
  if (!r->err) return;
  memset(r->err, 0, sizeof *r->err);
  if (at < r->start) at = r->start;
  if (at > r->end) at = r->end;
  r->err->offset = (size_t)(at - r->start);
  uint32_t line = 1, col = 1;
  for (const char *q = r->start; q < at; q++) {
    if (*q == '\n') {
      line++;
      col = 1;
    } else {
      col++;
    }
  }
  r->err->line = line;
  r->err->column = col;
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(r->err->message, sizeof r->err->message, fmt, ap);
  va_end(ap);
}

#define r_fail(r, ...) r_fail_at((r), (r)->p, BP_EMALFORMED, __VA_ARGS__)

static bool r_ok(const reader *r) { return r->status == BP_OK; }

static void r_oom(reader *r) { r_fail_at(r, r->p, BP_ENOMEM, "out of memory"); }

static void skip_ws(reader *r) {
  while (r->p < r->end && (*r->p == ' ' || *r->p == '\t' || *r->p == '\n' || *r->p == '\r')) r->p++;
}

/* The next character after white space, 0 at the end. */
static char peek(reader *r) {
  skip_ws(r);
  return r->p < r->end ? *r->p : 0;
}

static bool expect(reader *r, char c) {
  if (peek(r) != c) {
    if (r->p >= r->end)
      r_fail(r, "expected '%c', found the end of the input", c);
    else
      r_fail(r, "expected '%c'", c);
    return false;
  }
  r->p++;
  return true;
}

/* A literal word (true, false, null) at the current position. */
static bool r_word(reader *r, const char *word) {
  size_t n = strlen(word);
  if ((size_t)(r->end - r->p) < n || memcmp(r->p, word, n) != 0) return false;
  const char *after = r->p + n;
  if (after < r->end && ((*after >= 'a' && *after <= 'z') || (*after >= 'A' && *after <= 'Z') ||
                         (*after >= '0' && *after <= '9') || *after == '_'))
    return false;
  r->p = after;
  return true;
}

static int hex_digit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

static bool read_hex4(reader *r, const char *at, uint32_t *out) {
  if (r->end - at < 4) {
    r_fail_at(r, at, BP_EMALFORMED, "a \\u escape needs four hex digits");
    return false;
  }
  uint32_t v = 0;
  for (int i = 0; i < 4; i++) {
    int d = hex_digit(at[i]);
    if (d < 0) {
      r_fail_at(r, at, BP_EMALFORMED, "a \\u escape needs four hex digits");
      return false;
    }
    v = v << 4 | (uint32_t)d;
  }
  *out = v;
  return true;
}

static size_t put_utf8(char *o, uint32_t cp) {
  if (cp < 0x80) {
    o[0] = (char)cp;
    return 1;
  }
  if (cp < 0x800) {
    o[0] = (char)(0xC0 | cp >> 6);
    o[1] = (char)(0x80 | (cp & 0x3F));
    return 2;
  }
  if (cp < 0x10000) {
    o[0] = (char)(0xE0 | cp >> 12);
    o[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
    o[2] = (char)(0x80 | (cp & 0x3F));
    return 3;
  }
  o[0] = (char)(0xF0 | cp >> 18);
  o[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
  o[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
  o[3] = (char)(0x80 | (cp & 0x3F));
  return 4;
}

/* A string token at the current position (after white space): its decoded
 * text in *out, a view of the input when it has no escapes and copy is
 * false, else in the arena. */
static bool r_string(reader *r, bp_str *out, bool copy) {
  if (peek(r) != '"') {
    r_fail(r, "expected a string");
    return false;
  }
  const char *open = r->p++;
  const char *s = r->p;
  bool escapes = false;
  /* First pass: validate and find the end. */
  while (true) {
    if (r->p >= r->end) {
      r_fail_at(r, open, BP_EMALFORMED, "a string is not closed");
      return false;
    }
    unsigned char c = (unsigned char)*r->p;
    if (c == '"') break;
    if (c < 0x20) {
      r_fail(r, "a control character in a string must be escaped");
      return false;
    }
    if (c == '\\') {
      escapes = true;
      if (r->end - r->p < 2) {
        r_fail(r, "a string ends inside an escape");
        return false;
      }
      char e = r->p[1];
      if (e == 'u') {
        uint32_t u;
        if (!read_hex4(r, r->p + 2, &u)) return false;
        if (u >= 0xDC00 && u <= 0xDFFF) {
          r_fail_at(r, r->p, BP_EUTF8, "a low surrogate escape without a high one before it");
          return false;
        }
        if (u >= 0xD800 && u <= 0xDBFF) {
          uint32_t lo;
          if (r->end - r->p < 12 || r->p[6] != '\\' || r->p[7] != 'u' || !read_hex4(r, r->p + 8, &lo) ||
              lo < 0xDC00 || lo > 0xDFFF) {
            if (r_ok(r)) r_fail_at(r, r->p, BP_EUTF8, "a high surrogate escape without a low one after it");
            return false;
          }
          r->p += 12;
        } else {
          r->p += 6;
        }
        continue;
      }
      if (!strchr("\"\\/bfnrt", e) || e == 0) {
        r_fail(r, "an invalid escape in a string");
        return false;
      }
      r->p += 2;
      continue;
    }
    uint32_t cp;
    size_t len = utf8_len((const unsigned char *)r->p, (size_t)(r->end - r->p), &cp);
    if (!len) {
      r_fail_at(r, r->p, BP_EUTF8, "invalid UTF-8 in a string");
      return false;
    }
    r->p += len;
  }
  size_t n = (size_t)(r->p - s);
  r->p++; /* the closing quote */
  if (!escapes) {
    if (!copy) {
      *out = bp_str_make(s, n);
      return true;
    }
    char *d = bp_arena_malloc(r->a, n ? n : 1);
    if (!d) {
      r_oom(r);
      return false;
    }
    if (n) memcpy(d, s, n);
    *out = bp_str_make(d, n);
    return true;
  }
  /* Second pass: decode (escapes never grow: \uXXXX is 6 bytes for at most
   * 3, a surrogate pair 12 for 4). */
  char *d = bp_arena_malloc(r->a, n ? n : 1);
  if (!d) {
    r_oom(r);
    return false;
  }
  size_t o = 0;
  for (const char *q = s; q < s + n;) {
    if (*q != '\\') {
      d[o++] = *q++;
      continue;
    }
    char e = q[1];
    q += 2;
    switch (e) {
    case 'b': d[o++] = '\b'; break;
    case 'f': d[o++] = '\f'; break;
    case 'n': d[o++] = '\n'; break;
    case 'r': d[o++] = '\r'; break;
    case 't': d[o++] = '\t'; break;
    case 'u': {
      uint32_t u = 0, lo = 0;
      for (int i = 0; i < 4; i++) u = u << 4 | (uint32_t)hex_digit(q[i]);
      q += 4;
      if (u >= 0xD800 && u <= 0xDBFF) {
        for (int i = 0; i < 4; i++) lo = lo << 4 | (uint32_t)hex_digit(q[2 + i]);
        q += 6;
        u = 0x10000 + ((u - 0xD800) << 10) + (lo - 0xDC00);
      }
      o += put_utf8(d + o, u);
      break;
    }
    default: d[o++] = e; break;
    }
  }
  *out = bp_str_make(d, o);
  return true;
}

/* A number token (JSON grammar) at the current position: its text. */
static bool r_number(reader *r, bp_str *out) {
  skip_ws(r);
  const char *s = r->p, *q = r->p, *e = r->end;
  if (q < e && *q == '-') q++;
  if (q >= e || *q < '0' || *q > '9') {
    r_fail(r, "expected a number");
    return false;
  }
  if (*q == '0') {
    q++;
  } else {
    while (q < e && *q >= '0' && *q <= '9') q++;
  }
  if (q < e && *q == '.') {
    q++;
    if (q >= e || *q < '0' || *q > '9') {
      r_fail_at(r, q, BP_EMALFORMED, "a number needs digits after its '.'");
      return false;
    }
    while (q < e && *q >= '0' && *q <= '9') q++;
  }
  if (q < e && (*q == 'e' || *q == 'E')) {
    q++;
    if (q < e && (*q == '+' || *q == '-')) q++;
    if (q >= e || *q < '0' || *q > '9') {
      r_fail_at(r, q, BP_EMALFORMED, "a number needs digits in its exponent");
      return false;
    }
    while (q < e && *q >= '0' && *q <= '9') q++;
  }
  if (q < e && ((*q >= '0' && *q <= '9') || *q == '.' || *q == 'e' || *q == 'E' || *q == '+' || *q == '-' ||
                (*q >= 'a' && *q <= 'z') || (*q >= 'A' && *q <= 'Z'))) {
    r_fail_at(r, q, BP_EMALFORMED, "an invalid number");
    return false;
  }
  r->p = q;
  *out = bp_str_make(s, (size_t)(q - s));
  return true;
}

/* Whether text is exactly a JSON number. */
static bool is_number_text(bp_str t) {
  reader tmp = {t.data, t.data, t.data + t.size, NULL, NULL, 0, BP_OK, NULL};
  bp_str n;
  if (t.size == 0 || t.data[0] == ' ' || !r_number(&tmp, &n)) return false;
  return tmp.p == tmp.end;
}

/* Skips one value (checking its syntax), nested at most to the limit. */
static void r_skip(reader *r, uint32_t depth) {
  if (depth >= r->max_depth) {
    r_fail_at(r, r->p, BP_EDEPTH, "nested deeper than %u", (unsigned)r->max_depth);
    return;
  }
  char c = peek(r);
  bp_str s;
  if (c == '{') {
    r->p++;
    if (peek(r) == '}') {
      r->p++;
      return;
    }
    while (r_ok(r)) {
      if (!r_string(r, &s, false) || !expect(r, ':')) return;
      r_skip(r, depth + 1);
      if (!r_ok(r)) return;
      if (peek(r) == ',') {
        r->p++;
        continue;
      }
      expect(r, '}');
      return;
    }
  } else if (c == '[') {
    r->p++;
    if (peek(r) == ']') {
      r->p++;
      return;
    }
    while (r_ok(r)) {
      r_skip(r, depth + 1);
      if (!r_ok(r)) return;
      if (peek(r) == ',') {
        r->p++;
        continue;
      }
      expect(r, ']');
      return;
    }
  } else if (c == '"') {
    r_string(r, &s, false);
  } else if (c == '-' || (c >= '0' && c <= '9')) {
    r_number(r, &s);
  } else if (!r_word(r, "true") && !r_word(r, "false") && !r_word(r, "null")) {
    r_fail(r, r->p >= r->end ? "expected a value, found the end of the input" : "expected a value");
  }
}

/* ---------------------------------------------------------------- decoding: scalars */

/* An exact integer from number text (which may have a fraction and an
 * exponent, as long as the value is integral): magnitude and sign. */
static bool parse_integer_text(bp_str t, uint64_t *mag, bool *neg) {
  const char *q = t.data, *e = t.data + t.size;
  *neg = false;
  if (q < e && *q == '-') {
    *neg = true;
    q++;
  }
  /* Digits (without the '.') and the exponent that applies to them. */
  char digits[64];
  size_t nd = 0;
  int64_t exp = 0;
  bool dot = false, any = false;
  for (; q < e && ((*q >= '0' && *q <= '9') || *q == '.'); q++) {
    if (*q == '.') {
      dot = true;
      continue;
    }
    any = true;
    if (nd == 0 && *q == '0') {
      if (dot) exp--;
      continue; /* leading zeros */
    }
    if (nd < sizeof digits)
      digits[nd++] = *q;
    else if (*q != '0')
      return false; /* more significant digits than any 64-bit integer has */
    else if (!dot)
      exp++;
    if (dot) exp--;
  }
  if (!any) return false;
  if (q < e && (*q == 'e' || *q == 'E')) {
    q++;
    bool eneg = false;
    if (q < e && (*q == '+' || *q == '-')) eneg = *q++ == '-';
    int64_t x = 0;
    for (; q < e && *q >= '0' && *q <= '9'; q++)
      if (x < 100000) x = x * 10 + (*q - '0');
    exp += eneg ? -x : x;
  }
  if (q != e) return false;
  /* Trailing zeros of the digits move into the exponent. */
  while (nd > 0 && digits[nd - 1] == '0') {
    nd--;
    exp++;
  }
  if (nd == 0) {
    *mag = 0;
    return true;
  }
  if (exp < 0 || exp + (int64_t)nd > 20) return false;
  uint64_t v = 0;
  for (size_t i = 0; i < nd + (size_t)exp; i++) {
    unsigned d = i < nd ? (unsigned)(digits[i] - '0') : 0;
    if (v > (UINT64_MAX - d) / 10) return false;
    v = v * 10 + d;
  }
  *mag = v;
  return true;
}

/* The text of a scalar value: a number token, or the contents of a string
 * (quoted set then). */
static bool r_scalar_text(reader *r, bp_str *t, bool *quoted) {
  char c = peek(r);
  *quoted = c == '"';
  if (c == '"') return r_string(r, t, false);
  if (c == '-' || (c >= '0' && c <= '9')) return r_number(r, t);
  r_fail(r, "expected a number or a string");
  return false;
}

/* Stores the integer (magnitude mag, negative when neg) in *v as the field
 * type's C type; false, *v untouched, when out of range. Negation happens
 * only on magnitudes the type holds, so -2^63 and beyond never overflow. */
static bool int_fits(int type, uint64_t mag, bool neg, bp_value *v) {
  if (neg && mag == 0) neg = false;
  switch (type) {
  case BP_TYPE_INT32:
  case BP_TYPE_SINT32:
  case BP_TYPE_SFIXED32:
  case BP_TYPE_ENUM:
    if (mag > (neg ? (uint64_t)INT32_MAX + 1 : (uint64_t)INT32_MAX)) return false;
    v->i32 = neg ? (int32_t)(-(int64_t)mag) : (int32_t)mag;
    return true;
  case BP_TYPE_UINT32:
  case BP_TYPE_FIXED32:
    if (neg || mag > UINT32_MAX) return false;
    v->u32 = (uint32_t)mag;
    return true;
  case BP_TYPE_INT64:
  case BP_TYPE_SINT64:
  case BP_TYPE_SFIXED64:
    if (mag > (neg ? (uint64_t)INT64_MAX + 1 : (uint64_t)INT64_MAX)) return false;
    v->i64 = neg ? -(int64_t)(mag - 1) - 1 : (int64_t)mag;
    return true;
  default:
    if (neg) return false;
    v->u64 = mag;
    return true;
  }
}

static bool r_integer(reader *r, int type, bp_value *v, const char *at) {
  bp_str t;
  bool quoted;
  if (!r_scalar_text(r, &t, &quoted)) return false;
  uint64_t mag;
  bool neg;
  if ((quoted && !is_number_text(t)) || !parse_integer_text(t, &mag, &neg)) {
    r_fail_at(r, at, BP_EMALFORMED, "not an integer");
    return false;
  }
  bool ok = int_fits(type, mag, neg, v);
  if (!ok) r_fail_at(r, at, BP_EMALFORMED, "integer out of range for its field");
  return ok;
}

static bool r_floating(reader *r, int type, bp_value *v, const char *at) {
  bp_str t;
  bool quoted;
  if (!r_scalar_text(r, &t, &quoted)) return false;
  double d;
  if (quoted && bp_str_eq(t, bp_str_c("NaN"))) {
    d = NAN;
  } else if (quoted && bp_str_eq(t, bp_str_c("Infinity"))) {
    d = INFINITY;
  } else if (quoted && bp_str_eq(t, bp_str_c("-Infinity"))) {
    d = -INFINITY;
  } else {
    if (quoted && !is_number_text(t)) {
      r_fail_at(r, at, BP_EMALFORMED, "not a number");
      return false;
    }
    char tmp[128];
    char *buf = t.size < sizeof tmp ? tmp : bp_arena_malloc(r->a, t.size + 1);
    if (!buf) {
      r_oom(r);
      return false;
    }
    memcpy(buf, t.data, t.size);
    buf[t.size] = 0;
    errno = 0;
    d = strtod(buf, NULL);
    if (isinf(d)) {
      r_fail_at(r, at, BP_EMALFORMED, "number out of range for a double");
      return false;
    }
    /* Values that round to FLT_MAX (as its shortest text does) are floats. */
    if (type == BP_TYPE_FLOAT && isinf((float)d)) {
      r_fail_at(r, at, BP_EMALFORMED, "number out of range for a float");
      return false;
    }
  }
  if (type == BP_TYPE_FLOAT)
    v->f = (float)d;
  else
    v->d = d;
  return true;
}

static int b64_value(unsigned char c) {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a' + 26;
  if (c >= '0' && c <= '9') return c - '0' + 52;
  if (c == '+' || c == '-') return 62;
  if (c == '/' || c == '_') return 63;
  return -1;
}

/* base64, standard or URL-safe, padded or not. */
static bool r_bytes(reader *r, bp_value *v, const char *at) {
  bp_str t;
  if (!r_string(r, &t, false)) return false;
  size_t n = t.size;
  while (n > 0 && t.data[n - 1] == '=' && t.size - n < 2) n--;
  size_t pad = t.size - n;
  if (n % 4 == 1 || (pad && (n + pad) % 4 != 0)) {
    r_fail_at(r, at, BP_EMALFORMED, "invalid base64");
    return false;
  }
  char *d = bp_arena_malloc(r->a, n / 4 * 3 + 3);
  if (!d) {
    r_oom(r);
    return false;
  }
  size_t o = 0;
  uint32_t acc = 0;
  int bits = 0;
  for (size_t i = 0; i < n; i++) {
    int x = b64_value((unsigned char)t.data[i]);
    if (x < 0) {
      r_fail_at(r, at, BP_EMALFORMED, "invalid base64");
      return false;
    }
    acc = acc << 6 | (uint32_t)x;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      d[o++] = (char)(acc >> bits);
      acc &= (1u << bits) - 1;
    }
  }
  v->str = bp_str_make(d, o);
  return true;
}

static bool enum_by_name(const bp_enumdef *e, bp_str name, int32_t *out) {
  if (!e || !e->names) return false;
  for (uint32_t i = 0; i < e->count; i++)
    if (e->names[i] && bp_str_eq(bp_str_c(e->names[i]), name)) {
      *out = e->values[i];
      return true;
    }
  return false;
}

/* *skip set: an unknown enum name, ignored as asked. */
static bool r_enum(reader *r, const bp_enumdef *e, bool closed, bp_value *v, bool *skip, const char *at) {
  if (peek(r) == '"') {
    bp_str t;
    if (!r_string(r, &t, false)) return false;
    if (enum_by_name(e, t, &v->i32)) return true;
    uint64_t mag;
    bool neg;
    if (is_number_text(t) && parse_integer_text(t, &mag, &neg) &&
        (neg ? mag <= (uint64_t)INT32_MAX + 1 : mag <= INT32_MAX)) {
      v->i32 = neg ? (int32_t)(0 - (int64_t)mag) : (int32_t)mag;
    } else {
      if (r->o->flags & BP_JSON_IGNORE_UNKNOWN) {
        *skip = true;
        return true;
      }
      r_fail_at(r, at, BP_EMALFORMED, "\"%.*s\" is not a value of enum %s", (int)(t.size > 80 ? 80 : t.size),
                t.data, e && e->full_name ? e->full_name : "?");
      return false;
    }
  } else if (!r_integer(r, BP_TYPE_ENUM, v, at)) {
    return false;
  }
  if (closed && !bp_enumdef_has(e, v->i32)) {
    if (r->o->flags & BP_JSON_IGNORE_UNKNOWN) {
      *skip = true;
      return true;
    }
    r_fail_at(r, at, BP_EMALFORMED, "%" PRId32 " is not a value of enum %s", v->i32,
              e && e->full_name ? e->full_name : "?");
    return false;
  }
  return true;
}

static void r_message(reader *r, const bp_msgdef *t, void *msg, uint32_t depth);

/* One value of a field of this type into *v (a message: into *v->msg,
 * which the caller created). *skip: the value was dropped (unknown enum
 * name with IGNORE_UNKNOWN). */
static bool r_value(reader *r, int type, bp_sub sub, uint8_t flags, bp_value *v, bool *skip, uint32_t depth) {
  const char *at = (skip_ws(r), r->p);
  *skip = false;
  switch (type) {
  case BP_TYPE_DOUBLE:
  case BP_TYPE_FLOAT: return r_floating(r, type, v, at);
  case BP_TYPE_BOOL:
    if (r_word(r, "true")) {
      v->b = true;
    } else if (r_word(r, "false")) {
      v->b = false;
    } else {
      r_fail(r, "expected true or false");
      return false;
    }
    return true;
  case BP_TYPE_STRING: return r_string(r, &v->str, true);
  case BP_TYPE_BYTES: return r_bytes(r, v, at);
  case BP_TYPE_ENUM: return r_enum(r, sub.enumdef, (flags & BP_F_CLOSED) != 0, v, skip, at);
  case BP_TYPE_MESSAGE:
  case BP_TYPE_GROUP:
    r_message(r, sub.msg, v->msg, depth + 1);
    return r_ok(r);
  default: return r_integer(r, type, v, at);
  }
}

/* ---------------------------------------------------------------- decoding: well-known types */

static const bp_field *r_wkt_field(reader *r, const bp_msgdef *t, uint32_t number, int type) {
  const bp_field *f = bp_msgdef_field(t, number);
  if (!f || f->type != type) {
    r_fail(r, "%s has no field %u of the expected type", t->full_name, (unsigned)number);
    return NULL;
  }
  return f;
}

/* Reads n decimal digits at *q (bounded by e) into *out. */
static bool digits(const char **q, const char *e, int n, int64_t *out) {
  int64_t v = 0;
  for (int i = 0; i < n; i++) {
    if (*q >= e || **q < '0' || **q > '9') return false;
    v = v * 10 + (*(*q)++ - '0');
  }
  *out = v;
  return true;
}

/* A fraction of a second: '.' and 1 to 9 digits, as nanoseconds. */
static bool fraction(const char **q, const char *e, int32_t *nanos) {
  *nanos = 0;
  if (*q >= e || **q != '.') return true;
  (*q)++;
  int n = 0;
  int32_t v = 0;
  while (*q < e && **q >= '0' && **q <= '9') {
    if (++n > 9) return false;
    v = v * 10 + (*(*q)++ - '0');
  }
  if (n == 0) return false;
  for (; n < 9; n++) v *= 10;
  *nanos = v;
  return true;
}

static void set_seconds_nanos(reader *r, const bp_msgdef *t, void *msg, int64_t s, int32_t n) {
  const bp_field *sf = r_wkt_field(r, t, 1, BP_TYPE_INT64), *nf = r_wkt_field(r, t, 2, BP_TYPE_INT32);
  if (!sf || !nf) return;
  bp_value v;
  v.i64 = s;
  bp_msg_set(msg, sf, v);
  v.i32 = n;
  bp_msg_set(msg, nf, v);
}

static void r_timestamp(reader *r, const bp_msgdef *t, void *msg) {
  const char *at = (skip_ws(r), r->p);
  bp_str s;
  if (!r_string(r, &s, false)) return;
  const char *q = s.data, *e = s.data + s.size;
  int64_t y, mo, d, h, mi, sec, oh = 0, om = 0;
  int32_t nanos;
  bool ok = digits(&q, e, 4, &y) && q < e && *q++ == '-' && digits(&q, e, 2, &mo) && q < e && *q++ == '-' &&
            digits(&q, e, 2, &d) && q < e && *q++ == 'T' && digits(&q, e, 2, &h) && q < e && *q++ == ':' &&
            digits(&q, e, 2, &mi) && q < e && *q++ == ':' && digits(&q, e, 2, &sec) && fraction(&q, e, &nanos);
  int sign = 0;
  if (ok && q < e && *q == 'Z') {
    q++;
  } else if (ok && q < e && (*q == '+' || *q == '-')) {
    sign = *q++ == '+' ? 1 : -1;
    ok = digits(&q, e, 2, &oh) && q < e && *q++ == ':' && digits(&q, e, 2, &om) && oh <= 23 && om <= 59;
  } else {
    ok = false;
  }
  static const int mdays[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  ok = ok && q == e && y >= 1 && mo >= 1 && mo <= 12 && d >= 1 && d <= mdays[mo - 1] && h <= 23 && mi <= 59 &&
       sec <= 59;
  if (ok && mo == 2 && d == 29 && !(y % 4 == 0 && (y % 100 != 0 || y % 400 == 0))) ok = false;
  if (!ok) {
    r_fail_at(r, at, BP_EMALFORMED, "not an RFC 3339 timestamp (like \"1972-01-01T10:00:20.021Z\")");
    return;
  }
  int64_t secs = days_from_civil(y, (int)mo, (int)d) * 86400 + h * 3600 + mi * 60 + sec - sign * (oh * 3600 + om * 60);
  if (secs < TS_MIN_SECONDS || secs > TS_MAX_SECONDS) {
    r_fail_at(r, at, BP_EMALFORMED, "timestamp out of range (0001-01-01 to 9999-12-31)");
    return;
  }
  set_seconds_nanos(r, t, msg, secs, nanos);
}

static void r_duration(reader *r, const bp_msgdef *t, void *msg) {
  const char *at = (skip_ws(r), r->p);
  bp_str s;
  if (!r_string(r, &s, false)) return;
  const char *q = s.data, *e = s.data + s.size;
  bool neg = q < e && *q == '-';
  if (neg) q++;
  int64_t secs = 0;
  int n = 0;
  while (q < e && *q >= '0' && *q <= '9' && n < 13) {
    secs = secs * 10 + (*q++ - '0');
    n++;
  }
  int32_t nanos;
  bool ok = n > 0 && fraction(&q, e, &nanos) && q < e && *q++ == 's' && q == e;
  if (!ok) {
    r_fail_at(r, at, BP_EMALFORMED, "not a duration (like \"-1.5s\")");
    return;
  }
  if (secs > DUR_MAX_SECONDS) {
    r_fail_at(r, at, BP_EMALFORMED, "duration out of range (about 10000 years)");
    return;
  }
  set_seconds_nanos(r, t, msg, neg ? -secs : secs, neg ? -nanos : nanos);
}

static void r_fieldmask(reader *r, const bp_msgdef *t, void *msg) {
  const char *at = (skip_ws(r), r->p);
  bp_str s;
  if (!r_string(r, &s, false)) return;
  const bp_field *pf = r_wkt_field(r, t, 1, BP_TYPE_STRING);
  if (!pf) return;
  bp_msg_clear(msg, pf);
  if (s.size == 0) return;
  for (size_t i = 0; i <= s.size;) {
    size_t j = i;
    size_t upper = 0;
    while (j < s.size && s.data[j] != ',') {
      if (s.data[j] == '_') {
        r_fail_at(r, at, BP_EMALFORMED, "a FieldMask path in JSON is lowerCamelCase, without '_'");
        return;
      }
      if (s.data[j] >= 'A' && s.data[j] <= 'Z') upper++;
      j++;
    }
    char *p = bp_arena_malloc(r->a, j - i + upper + 1);
    if (!p) {
      r_oom(r);
      return;
    }
    size_t o = 0;
    for (size_t k = i; k < j; k++) {
      char c = s.data[k];
      if (c >= 'A' && c <= 'Z') {
        p[o++] = '_';
        c = (char)(c - 'A' + 'a');
      }
      p[o++] = c;
    }
    bp_value v;
    v.str = bp_str_make(p, o);
    if (!bp_msg_append(msg, pf, v, r->a)) {
      r_oom(r);
      return;
    }
    i = j + 1;
  }
}

static void r_struct(reader *r, const bp_msgdef *t, void *msg, uint32_t depth);
static void r_listvalue(reader *r, const bp_msgdef *t, void *msg, uint32_t depth);

static void r_struct_value(reader *r, const bp_msgdef *t, void *msg, uint32_t depth) {
  char c = peek(r);
  const char *at = r->p;
  bp_value v;
  memset(&v, 0, sizeof v);
  const bp_field *f;
  if (c == '{' || c == '[') {
    f = r_wkt_field(r, t, c == '{' ? 5 : 6, BP_TYPE_MESSAGE);
    if (!f) return;
    const bp_msgdef *sub = field_sub(t, f).msg;
    void *m = bp_msg_mutable(msg, f, sub, r->a);
    if (!m) {
      r_oom(r);
      return;
    }
    if (c == '{')
      r_struct(r, sub, m, depth + 1);
    else
      r_listvalue(r, sub, m, depth + 1);
    return;
  }
  if (c == '"') {
    if (!(f = r_wkt_field(r, t, 3, BP_TYPE_STRING)) || !r_string(r, &v.str, true)) return;
  } else if (c == '-' || (c >= '0' && c <= '9')) {
    if (!(f = r_wkt_field(r, t, 2, BP_TYPE_DOUBLE)) || !r_floating(r, BP_TYPE_DOUBLE, &v, at)) return;
  } else if (r_word(r, "true") || r_word(r, "false")) {
    if (!(f = r_wkt_field(r, t, 4, BP_TYPE_BOOL))) return;
    v.b = r->p[-1] == 'e' && r->p[-2] == 'u'; /* "true", not "false" */
  } else if (r_word(r, "null")) {
    if (!(f = r_wkt_field(r, t, 1, BP_TYPE_ENUM))) return;
  } else {
    r_fail(r, r->p >= r->end ? "expected a value, found the end of the input" : "expected a value");
    return;
  }
  bp_msg_set(msg, f, v);
}

static void r_listvalue(reader *r, const bp_msgdef *t, void *msg, uint32_t depth) {
  const bp_field *f = r_wkt_field(r, t, 1, BP_TYPE_MESSAGE);
  if (!f || !expect(r, '[')) return;
  const bp_msgdef *vt = field_sub(t, f).msg;
  bp_msg_clear(msg, f);
  if (peek(r) == ']') {
    r->p++;
    return;
  }
  while (r_ok(r)) {
    void *m = bp_msg_add(msg, f, vt, r->a);
    if (!m) {
      r_oom(r);
      return;
    }
    r_message(r, vt, m, depth + 1);
    if (!r_ok(r)) return;
    if (peek(r) == ',') {
      r->p++;
      continue;
    }
    expect(r, ']');
    return;
  }
}

static bool r_map(reader *r, const bp_msgdef *entry, bp_map *map, uint32_t depth);

static void r_struct(reader *r, const bp_msgdef *t, void *msg, uint32_t depth) {
  const bp_field *f = r_wkt_field(r, t, 1, BP_TYPE_MESSAGE);
  if (!f) return;
  if (!(f->flags & BP_F_MAP)) {
    r_fail(r, "Struct.fields is not a map");
    return;
  }
  r_map(r, field_sub(t, f).msg, (bp_map *)(void *)((char *)msg + f->offset), depth);
}

static bp_str type_name_of_url(bp_str url) {
  for (size_t i = url.size; i > 0; i--)
    if (url.data[i - 1] == '/') return bp_str_make(url.data + i, url.size - i);
  return url;
}

static bool r_fields(reader *r, const bp_msgdef *t, void *msg, uint32_t depth, bool in_any);

static void r_any(reader *r, const bp_msgdef *t, void *msg, uint32_t depth) {
  const bp_field *uf = r_wkt_field(r, t, 1, BP_TYPE_STRING), *vf = r_wkt_field(r, t, 2, BP_TYPE_BYTES);
  if (!uf || !vf || !expect(r, '{')) return;
  const char *open = r->p - 1, *body = r->p;
  /* First pass: find "@type". */
  bp_str url = {NULL, 0};
  bool have_url = false, any_member = false;
  if (peek(r) == '}') {
    r->p++;
    return; /* {}: an empty Any */
  }
  while (r_ok(r)) {
    bp_str key;
    const char *kat = (skip_ws(r), r->p);
    if (!r_string(r, &key, false) || !expect(r, ':')) return;
    any_member = true;
    if (bp_str_eq(key, bp_str_c("@type"))) {
      if (have_url) {
        r_fail_at(r, kat, BP_EMALFORMED, "\"@type\" appears twice");
        return;
      }
      if (!r_string(r, &url, true)) return;
      have_url = true;
    } else {
      r_skip(r, depth + 1);
    }
    if (!r_ok(r)) return;
    if (peek(r) == ',') {
      r->p++;
      continue;
    }
    if (!expect(r, '}')) return;
    break;
  }
  const char *after = r->p;
  if (!any_member) return;
  if (!have_url) {
    r_fail_at(r, open, BP_EMALFORMED, "an Any needs \"@type\"");
    return;
  }
  bp_str name = type_name_of_url(url);
  const bp_msgdef *it = r->o->registry && name.size ? bp_registry_msgdef(r->o->registry, name) : NULL;
  if (!it) {
    r_fail_at(r, open, BP_EMALFORMED, "type \"%.*s\" of an Any is not in the registry",
              (int)(url.size > 100 ? 100 : url.size), url.data);
    return;
  }
  void *inner = bp_msg_new(it, r->a);
  if (!inner) {
    r_oom(r);
    return;
  }
  /* Second pass: the fields, or "value" for a well-known type. */
  r->p = body;
  if (!r_fields(r, it, inner, depth, true)) return;
  r->p = after;
  bp_encode_options eo = {0, 0};
  bp_str bytes;
  bp_status s = bp_encode(it, inner, r->a, &eo, &bytes);
  if (s != BP_OK) {
    r_fail_at(r, open, s == BP_ENOMEM ? BP_ENOMEM : BP_EMALFORMED, "the value of an Any does not encode: %s",
              bp_status_text(s));
    return;
  }
  bp_value v;
  v.str = url;
  bp_msg_set(msg, uf, v);
  v.str = bytes;
  bp_msg_set(msg, vf, v);
}

/* ---------------------------------------------------------------- decoding: messages */

/* A map key from its JSON text. */
static bool map_key(reader *r, const bp_field *kf, bp_str text, bp_value *k, const char *at) {
  memset(k, 0, sizeof *k);
  switch (kf->type) {
  case BP_TYPE_STRING: {
    char *d = bp_arena_malloc(r->a, text.size ? text.size : 1);
    if (!d) {
      r_oom(r);
      return false;
    }
    if (text.size) memcpy(d, text.data, text.size);
    k->str = bp_str_make(d, text.size);
    return true;
  }
  case BP_TYPE_BOOL:
    if (bp_str_eq(text, bp_str_c("true")) || bp_str_eq(text, bp_str_c("false"))) {
      k->b = text.size == 4;
      return true;
    }
    r_fail_at(r, at, BP_EMALFORMED, "a bool map key is \"true\" or \"false\"");
    return false;
  default: {
    uint64_t mag;
    bool neg;
    if (!is_number_text(text) || !parse_integer_text(text, &mag, &neg)) {
      r_fail_at(r, at, BP_EMALFORMED, "a map key is not an integer");
      return false;
    }
    if (!int_fits(kf->type, mag, neg, k)) {
      r_fail_at(r, at, BP_EMALFORMED, "a map key is out of range for its type");
      return false;
    }
    return true;
  }
  }
}

static bool is_value_type(const bp_msgdef *t) { return t && wkt_of(t) == WKT_VALUE; }

/* A JSON object into a map (emptied first); keys may appear once. */
static bool r_map(reader *r, const bp_msgdef *entry, bp_map *map, uint32_t depth) {
  const bp_field *kf = bp_msgdef_field(entry, 1), *vf = bp_msgdef_field(entry, 2);
  if (!kf || !vf) {
    r_fail(r, "map entry %s lacks its key or value", entry->full_name);
    return false;
  }
  if (depth >= r->max_depth) {
    r_fail_at(r, r->p, BP_EDEPTH, "nested deeper than %u", (unsigned)r->max_depth);
    return false;
  }
  if (!expect(r, '{')) return false;
  bp_map_clear(map);
  if (peek(r) == '}') {
    r->p++;
    return true;
  }
  bp_sub vsub = entry->subs && (is_message_type(vf->type) || vf->type == BP_TYPE_ENUM) ? entry->subs[vf->sub]
                                                                                        : (bp_sub){NULL};
  while (r_ok(r)) {
    const char *kat = (skip_ws(r), r->p);
    bp_str text;
    bp_value k;
    if (!r_string(r, &text, false) || !expect(r, ':') || !map_key(r, kf, text, &k, kat)) return false;
    if (bp_map_get(map, entry, k)) {
      r_fail_at(r, kat, BP_EMALFORMED, "map key \"%.*s\" appears twice", (int)(text.size > 80 ? 80 : text.size),
                text.data);
      return false;
    }
    const char *vat = (skip_ws(r), r->p);
    if (r_word(r, "null")) {
      if (!is_message_type(vf->type) || !is_value_type(vsub.msg)) {
        r_fail_at(r, vat, BP_EMALFORMED, "null is not a map value");
        return false;
      }
      r->p = vat;
    }
    bp_value v;
    memset(&v, 0, sizeof v);
    bool skip = false;
    if (is_message_type(vf->type)) {
      void *e = bp_map_upsert(map, entry, k, r->a);
      if (!e || !(v.msg = bp_msg_mutable(e, vf, vsub.msg, r->a))) {
        r_oom(r);
        return false;
      }
      r_message(r, vsub.msg, v.msg, depth + 1);
      if (!r_ok(r)) return false;
    } else {
      if (!r_value(r, vf->type, vsub, vf->flags, &v, &skip, depth)) return false;
      if (!skip) {
        void *e = bp_map_upsert(map, entry, k, r->a);
        if (!e) {
          r_oom(r);
          return false;
        }
        bp_msg_set(e, vf, v);
      }
    }
    if (peek(r) == ',') {
      r->p++;
      continue;
    }
    return expect(r, '}');
  }
  return false;
}

/* The field named key (its json_name or its name), or NULL. */
static const bp_field *field_by_name(const bp_msgdef *t, bp_str key) {
  if (!t->names) return NULL;
  for (uint32_t i = 0; i < t->field_count; i++)
    if (t->names[i].json_name && bp_str_eq(bp_str_c(t->names[i].json_name), key)) return &t->fields[i];
  for (uint32_t i = 0; i < t->field_count; i++)
    if (t->names[i].name && bp_str_eq(bp_str_c(t->names[i].name), key)) return &t->fields[i];
  return NULL;
}

/* Where a field's or an extension's values go. */
typedef struct target {
  void *msg;
  const bp_field *f;   /* a field, or */
  const bp_extdef *e;  /* an extension */
  int type;
  bp_sub sub;
  uint8_t flags;
} target;

static void *target_mutable(reader *r, const target *d) {
  void *m = d->f ? bp_msg_mutable(d->msg, d->f, d->sub.msg, r->a) : bp_ext_mutable(d->msg, d->e, r->a);
  if (!m) r_fail_at(r, r->p, d->f ? BP_ENOMEM : BP_EMALFORMED, "out of memory or a malformed extension");
  return m;
}

static bool target_set(reader *r, const target *d, bp_value v) {
  if (d->f) {
    bp_msg_set(d->msg, d->f, v);
    return true;
  }
  if (!bp_ext_set(d->msg, d->e, v, r->a)) {
    r_oom(r);
    return false;
  }
  return true;
}

/* A JSON array into a repeated field or extension (emptied first). */
static bool r_repeated(reader *r, const target *d, uint32_t depth) {
  if (depth >= r->max_depth) {
    r_fail_at(r, r->p, BP_EDEPTH, "nested deeper than %u", (unsigned)r->max_depth);
    return false;
  }
  if (peek(r) != '[') {
    r_fail(r, "a repeated field's value is an array");
    return false;
  }
  r->p++;
  bp_array *arr = d->f ? (bp_array *)(void *)((char *)d->msg + d->f->offset) : bp_ext_array(d->msg, d->e, r->a);
  if (!arr) {
    r_fail(r, "out of memory or a malformed extension");
    return false;
  }
  arr->size = 0;
  if (peek(r) == ']') {
    r->p++;
    return true;
  }
  bool msgs = is_message_type(d->type);
  size_t elem = bp_type_size(d->type);
  while (r_ok(r)) {
    const char *at = (skip_ws(r), r->p);
    if (r_word(r, "null")) {
      if (!msgs || !is_value_type(d->sub.msg)) {
        r_fail_at(r, at, BP_EMALFORMED, "null is not an element of a repeated field");
        return false;
      }
      r->p = at;
    }
    bp_value v;
    memset(&v, 0, sizeof v);
    bool skip = false;
    if (msgs && !(v.msg = bp_msg_new(d->sub.msg, r->a))) {
      r_oom(r);
      return false;
    }
    if (!r_value(r, d->type, d->sub, d->flags, &v, &skip, depth)) return false;
    if (!skip) {
      void *slot = bp_array_push(arr, elem, r->a);
      if (!slot) {
        r_oom(r);
        return false;
      }
      memcpy(slot, &v, elem);
    }
    if (peek(r) == ',') {
      r->p++;
      continue;
    }
    return expect(r, ']');
  }
  return false;
}

/* The value of one member of an object, into a field or extension. */
static bool r_member(reader *r, const target *d, uint32_t depth) {
  const char *at = (skip_ws(r), r->p);
  bool msg_type = is_message_type(d->type);
  if (r_word(r, "null")) {
    if (msg_type && !(d->flags & BP_F_REPEATED) && is_value_type(d->sub.msg)) {
      r->p = at; /* a Value reads null itself */
    } else if (d->type == BP_TYPE_ENUM && !(d->flags & BP_F_REPEATED) && is_null_value_enum(d->sub.enumdef)) {
      bp_value v;
      memset(&v, 0, sizeof v);
      return target_set(r, d, v);
    } else {
      if (d->f && (d->f->flags & BP_F_MAP))
        bp_map_clear((bp_map *)(void *)((char *)d->msg + d->f->offset));
      else if (d->f)
        bp_msg_clear(d->msg, d->f);
      else
        bp_ext_clear(d->msg, d->e);
      return true;
    }
  }
  if (d->f && (d->f->flags & BP_F_MAP)) return r_map(r, d->sub.msg, (bp_map *)(void *)((char *)d->msg + d->f->offset), depth + 1);
  if (d->flags & BP_F_REPEATED) return r_repeated(r, d, depth + 1);
  if (msg_type) {
    void *m = target_mutable(r, d);
    if (!m) return false;
    r_message(r, d->sub.msg, m, depth + 1);
    return r_ok(r);
  }
  bp_value v;
  memset(&v, 0, sizeof v);
  bool skip = false;
  if (!r_value(r, d->type, d->sub, d->flags, &v, &skip, depth)) return false;
  return skip || target_set(r, d, v);
}

/* Marks index i in a bit set; false when it was marked already. */
static bool mark(uint8_t *set, size_t i) {
  if (set[i >> 3] & (1u << (i & 7))) return false;
  set[i >> 3] |= (uint8_t)(1u << (i & 7));
  return true;
}

/* The members of an object, after its '{', up to and with its '}'. In an
 * Any (in_any), "@type" is skipped and a well-known type is read from
 * "value". */
static bool r_fields(reader *r, const bp_msgdef *t, void *msg, uint32_t depth, bool in_any) {
  bool ignore = (r->o->flags & BP_JSON_IGNORE_UNKNOWN) != 0;
  bool wkt_value = in_any && wkt_of(t) != WKT_NONE, have_value = false;
  /* Fields seen, and oneofs seen (by their case offset, as field indexes). */
  uint8_t small[2][32];
  uint8_t *seen = small[0], *oneofs = small[1];
  size_t bytes = ((size_t)t->field_count + 7) / 8;
  if (bytes > sizeof small[0]) {
    seen = bp_arena_zalloc(r->a, bytes * 2);
    if (!seen) {
      r_oom(r);
      return false;
    }
    oneofs = seen + bytes;
  } else {
    memset(small, 0, sizeof small);
  }
  uint32_t *exts = NULL, ext_count = 0, ext_cap = 0;
  if (peek(r) == '}') {
    r->p++;
    if (wkt_value) r_fail(r, "an Any holding %s needs \"value\"", t->full_name);
    return r_ok(r);
  }
  while (r_ok(r)) {
    const char *kat = (skip_ws(r), r->p);
    bp_str key;
    if (!r_string(r, &key, false) || !expect(r, ':')) return false;
    if (in_any && bp_str_eq(key, bp_str_c("@type"))) {
      r_skip(r, depth + 1);
    } else if (wkt_value) {
      if (!bp_str_eq(key, bp_str_c("value"))) {
        r_fail_at(r, kat, BP_EMALFORMED, "an Any holding %s has only \"@type\" and \"value\"", t->full_name);
        return false;
      }
      have_value = true;
      r_message(r, t, msg, depth + 1);
    } else {
      const bp_field *f = field_by_name(t, key);
      target d;
      memset(&d, 0, sizeof d);
      d.msg = msg;
      if (f) {
        size_t i = (size_t)(f - t->fields);
        if (!mark(seen, i)) {
          r_fail_at(r, kat, BP_EMALFORMED, "field \"%s\" appears twice", t->names[i].name);
          return false;
        }
        if (f->presence < 0) {
          /* Two members of a oneof: the second non-null one is an error. */
          const char *v = (skip_ws(r), r->p);
          bool null = r->end - v >= 4 && memcmp(v, "null", 4) == 0;
          size_t first = 0;
          while (t->fields[first].presence != f->presence) first++;
          if (!null && !mark(oneofs, first)) {
            r_fail_at(r, kat, BP_EMALFORMED, "field \"%s\" is a second member of its oneof", t->names[i].name);
            return false;
          }
        }
        d.f = f;
        d.type = f->type;
        d.sub = field_sub(t, f);
        d.flags = f->flags;
      } else if (key.size > 2 && key.data[0] == '[' && key.data[key.size - 1] == ']' && r->o->registry) {
        d.e = bp_registry_ext_by_name(r->o->registry, bp_str_make(key.data + 1, key.size - 2));
        if (d.e && d.e->extendee != t) d.e = NULL;
        if (d.e) {
          for (uint32_t i = 0; i < ext_count; i++)
            if (exts[i] == d.e->number) {
              r_fail_at(r, kat, BP_EMALFORMED, "extension %s appears twice", d.e->full_name);
              return false;
            }
          if (ext_count == ext_cap) {
            uint32_t cap = ext_cap ? ext_cap * 2 : 8;
            uint32_t *n = bp_arena_realloc(r->a, exts, ext_cap * sizeof *exts, cap * sizeof *exts);
            if (!n) {
              r_oom(r);
              return false;
            }
            exts = n;
            ext_cap = cap;
          }
          exts[ext_count++] = d.e->number;
          d.type = d.e->type;
          d.sub = d.e->sub;
          d.flags = d.e->flags;
        }
      }
      if (!d.f && !d.e) {
        if (!ignore) {
          r_fail_at(r, kat, BP_EMALFORMED, "%s has no field \"%.*s\"", t->full_name,
                    (int)(key.size > 80 ? 80 : key.size), key.data);
          return false;
        }
        r_skip(r, depth + 1);
      } else {
        r_member(r, &d, depth);
      }
    }
    if (!r_ok(r)) return false;
    if (peek(r) == ',') {
      r->p++;
      continue;
    }
    if (!expect(r, '}')) return false;
    if (wkt_value && !have_value) r_fail_at(r, r->p - 1, BP_EMALFORMED, "an Any holding %s needs \"value\"", t->full_name);
    return r_ok(r);
  }
  return false;
}

static void r_message(reader *r, const bp_msgdef *t, void *msg, uint32_t depth) {
  if (!r_ok(r)) return;
  if (depth >= r->max_depth) {
    r_fail_at(r, r->p, BP_EDEPTH, "nested deeper than %u", (unsigned)r->max_depth);
    return;
  }
  switch (wkt_of(t)) {
  case WKT_ANY: r_any(r, t, msg, depth); return;
  case WKT_DURATION: r_duration(r, t, msg); return;
  case WKT_TIMESTAMP: r_timestamp(r, t, msg); return;
  case WKT_FIELDMASK: r_fieldmask(r, t, msg); return;
  case WKT_STRUCT: r_struct(r, t, msg, depth); return;
  case WKT_VALUE: r_struct_value(r, t, msg, depth); return;
  case WKT_LISTVALUE: r_listvalue(r, t, msg, depth); return;
  case WKT_WRAPPER: {
    const bp_field *f = bp_msgdef_field(t, 1);
    if (!f) {
      r_fail(r, "%s has no field 1", t->full_name);
      return;
    }
    bp_value v;
    memset(&v, 0, sizeof v);
    bool skip = false;
    if (r_value(r, f->type, field_sub(t, f), f->flags, &v, &skip, depth) && !skip) bp_msg_set(msg, f, v);
    return;
  }
  case WKT_NONE: break;
  }
  if (!expect(r, '{')) return;
  r_fields(r, t, msg, depth, false);
}

bp_status bp_json_decode(const bp_msgdef *t, void *msg, const char *data, size_t size, bp_arena *a,
                         const bp_json_options *o, bp_json_error *err) {
  static const bp_json_options defaults = {0, 0, 0, 0, NULL};
  if (!data) data = "";
  reader r = {data, data, data + size, a, o ? o : &defaults, 0, BP_OK, err};
  r.max_depth = r.o->max_depth ? r.o->max_depth : BP_DEFAULT_MAX_DEPTH;
  if (err) memset(err, 0, sizeof *err);
  size_t max_size = r.o->max_size ? r.o->max_size : INT32_MAX;
  if (size > max_size) {
    r.end = data; /* the error is at offset 0 */
    r_fail_at(&r, data, BP_ETOOBIG, "input of %zu bytes is over the limit of %zu", size, max_size);
    return r.status;
  }
  r_message(&r, t, msg, 0);
  if (r_ok(&r) && peek(&r) != 0) r_fail(&r, "text after the end of the message");
  if (r_ok(&r) && r.p < r.end) r_fail(&r, "a NUL byte after the end of the message");
  return r.status;
}
