/* The text format: a printer over the tables (msg.h) and a parser modelled
 * on protoc's tokenizer and text parser, so both answer as protoc 3.21 does
 * (text.h lists the rules). */
#include "pb/text.h"

#include <errno.h>
#include <float.h>
#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "pb/internal.h"

/* ================================================================ output */

typedef struct sbuf {
  char *data;
  size_t len, cap;
  bp_arena *a;
  bp_status status;
} sbuf;

static void put(sbuf *b, const char *s, size_t n) {
  if (b->status != BP_OK || !n) return;
  if (b->cap - b->len < n) {
    size_t cap = b->cap ? b->cap * 2 : 1024;
    while (cap - b->len < n)
      cap *= 2;
    char *d = bp_arena_realloc(b->a, b->data, b->cap, cap);
    if (!d) {
      b->status = BP_ENOMEM;
      return;
    }
    b->data = d;
    b->cap = cap;
  }
  memcpy(b->data + b->len, s, n);
  b->len += n;
}

static void puts_(sbuf *b, const char *s) { put(b, s, strlen(s)); }

static void putf(sbuf *b, const char *fmt, ...) {
  char tmp[64];
  va_list ap;
  va_start(ap, fmt);
  int n = vsnprintf(tmp, sizeof tmp, fmt, ap);
  va_end(ap);
  if (n > 0) put(b, tmp, (size_t)n < sizeof tmp ? (size_t)n : sizeof tmp - 1);
}

static void indent(sbuf *b, int level) {
  for (int i = 0; i < level; i++)
    put(b, "  ", 2);
}

/* protoc's CEscape: named escapes for \n \r \t " ' \, octal for every other
 * byte outside printable ASCII. */
static void put_escaped(sbuf *b, const char *s, size_t n) {
  if (!n) return;
  size_t run = 0; /* bytes copied as they are, flushed in one go */
  for (size_t i = 0; i < n; i++) {
    unsigned char c = (unsigned char)s[i];
    const char *esc = NULL;
    char oct[5];
    switch (c) {
    case '\n': esc = "\\n"; break;
    case '\r': esc = "\\r"; break;
    case '\t': esc = "\\t"; break;
    case '"': esc = "\\\""; break;
    case '\'': esc = "\\'"; break;
    case '\\': esc = "\\\\"; break;
    default:
      if (c < 0x20 || c >= 0x7f) {
        oct[0] = '\\';
        oct[1] = (char)('0' + (c >> 6));
        oct[2] = (char)('0' + ((c >> 3) & 7));
        oct[3] = (char)('0' + (c & 7));
        oct[4] = 0;
        esc = oct;
      }
    }
    if (!esc) {
      run++;
      continue;
    }
    put(b, s + i - run, run);
    run = 0;
    puts_(b, esc);
  }
  put(b, s + n - run, run);
}

static void put_double(sbuf *b, double v) {
  if (isnan(v)) {
    puts_(b, "nan");
  } else if (isinf(v)) {
    puts_(b, v > 0 ? "inf" : "-inf");
  } else {
    char tmp[40];
    snprintf(tmp, sizeof tmp, "%.*g", DBL_DIG, v);
    if (strtod(tmp, NULL) != v) snprintf(tmp, sizeof tmp, "%.*g", DBL_DIG + 2, v);
    puts_(b, tmp);
  }
}

static void put_float(sbuf *b, float v) {
  if (isnan(v)) {
    puts_(b, "nan");
  } else if (isinf(v)) {
    puts_(b, v > 0 ? "inf" : "-inf");
  } else {
    char tmp[40];
    snprintf(tmp, sizeof tmp, "%.*g", FLT_DIG, (double)v);
    /* as protoc: the short form must read back exactly, and without a range
     * error (which subnormal numbers give) */
    errno = 0;
    if (strtof(tmp, NULL) != v || errno != 0) snprintf(tmp, sizeof tmp, "%.*g", FLT_DIG + 3, (double)v);
    puts_(b, tmp);
  }
}

/* ================================================================ unknown fields */

/* Bounds of reading a field set the way protobuf's UnknownFieldSet does. */
static const char *read_varint(const char *p, const char *end, uint64_t *out, int max_bytes) {
  uint64_t v = 0;
  for (int i = 0; i < max_bytes; i++) {
    if (p >= end) return NULL;
    uint8_t c = (uint8_t)*p++;
    v |= (uint64_t)(c & 0x7f) << (7 * i);
    if (c < 0x80) {
      *out = v;
      return p;
    }
  }
  return NULL;
}

static uint32_t load32(const char *p) {
  const uint8_t *u = (const uint8_t *)p;
  return (uint32_t)u[0] | (uint32_t)u[1] << 8 | (uint32_t)u[2] << 16 | (uint32_t)u[3] << 24;
}

/* Reads one tag as protobuf does: a varint of up to 10 bytes, of which the
 * low 32 bits count; NULL when it is cut short or its field number is 0. */
static const char *read_tag(const char *p, const char *end, uint32_t *number, uint32_t *wt) {
  uint64_t tag;
  p = read_varint(p, end, &tag, 10);
  if (!p || ((uint32_t)tag >> 3) == 0) return NULL;
  *number = (uint32_t)tag >> 3;
  *wt = (uint32_t)tag & 7;
  return p;
}

/* Whether [p, end) is a valid field set (inside a group of number `group`
 * when not 0), groups nested at most depth deep. *stop: where it ended. */
static bool scan_fields(const char *p, const char *end, int depth, uint32_t group, const char **stop) {
  while (p < end) {
    uint32_t number, wt;
    uint64_t v;
    if (!(p = read_tag(p, end, &number, &wt))) return false;
    switch (wt) {
    case WT_VARINT:
      if (!(p = read_varint(p, end, &v, 10))) return false;
      break;
    case WT_FIXED64:
      if (end - p < 8) return false;
      p += 8;
      break;
    case WT_FIXED32:
      if (end - p < 4) return false;
      p += 4;
      break;
    case WT_LEN:
      if (!(p = read_varint(p, end, &v, 10)) || v > INT32_MAX || v > (uint64_t)(end - p)) return false;
      p += v;
      break;
    case WT_SGROUP:
      if (depth <= 0 || !scan_fields(p, end, depth - 1, number, &p)) return false;
      break;
    case WT_EGROUP:
      if (number != group) return false;
      *stop = p;
      return true;
    default: return false;
    }
  }
  if (group) return false;
  *stop = p;
  return true;
}

/* Prints a valid field set (scan_fields said so), up to the end of the
 * group it is in, if any; returns where it ended. */
static const char *print_fields(sbuf *b, const char *p, const char *end, int level, int budget) {
  while (p < end && b->status == BP_OK) {
    uint32_t number = 0, wt = 0;
    uint64_t v = 0;
    p = read_tag(p, end, &number, &wt);
    if (wt == WT_EGROUP) return p;
    indent(b, level);
    putf(b, "%" PRIu32, number);
    switch (wt) {
    case WT_VARINT:
      p = read_varint(p, end, &v, 10);
      putf(b, ": %" PRIu64 "\n", v);
      break;
    case WT_FIXED64:
      v = (uint64_t)load32(p) | (uint64_t)load32(p + 4) << 32;
      putf(b, ": 0x%016" PRIx64 "\n", v);
      p += 8;
      break;
    case WT_FIXED32:
      putf(b, ": 0x%08" PRIx32 "\n", load32(p));
      p += 4;
      break;
    case WT_LEN: {
      p = read_varint(p, end, &v, 10);
      const char *val = p, *stop;
      p += v;
      if (v && budget > 0 && scan_fields(val, p, budget, 0, &stop)) {
        puts_(b, " {\n");
        print_fields(b, val, p, level + 1, budget - 1);
        indent(b, level);
        puts_(b, "}\n");
      } else {
        puts_(b, ": \"");
        put_escaped(b, val, (size_t)v);
        puts_(b, "\"\n");
      }
      break;
    }
    default: /* WT_SGROUP */
      puts_(b, " {\n");
      p = print_fields(b, p, end, level + 1, budget - 1);
      indent(b, level);
      puts_(b, "}\n");
    }
  }
  return p;
}

/* How deeply printed unknown fields are tried as messages (protoc's limit). */
#define UNKNOWN_BUDGET 10

bp_status bp_text_print_raw(const char *data, size_t size, bp_arena *a, bp_str *out) {
  const char *stop;
  if (size > INT32_MAX || !scan_fields(data, data + size, BP_DEFAULT_MAX_DEPTH, 0, &stop)) return BP_EMALFORMED;
  sbuf b = {NULL, 0, 0, a, BP_OK};
  print_fields(&b, data, data + size, 0, UNKNOWN_BUDGET);
  *out = bp_str_make(b.data ? b.data : "", b.len);
  return b.status;
}

/* ================================================================ printing messages */

typedef struct printer {
  sbuf b;
  const bp_dynpool *pool;
} printer;

static void print_message(printer *pr, const bp_msgdef *t, const void *msg, int level);

static const char *short_name(const char *full) {
  const char *dot = strrchr(full, '.');
  return dot ? dot + 1 : full;
}

/* The name a field is printed (and read) by: a group's by its type name. */
static const char *field_label(const bp_msgdef *t, const bp_field *f) {
  const char *name = t->names ? t->names[f - t->fields].name : "";
  if (f->type == BP_TYPE_GROUP) {
    const char *type = short_name(t->subs[f->sub].msg->full_name);
    size_t n = strlen(type);
    bool same = strlen(name) == n;
    for (size_t i = 0; same && i < n; i++) {
      char c = type[i];
      if (c >= 'A' && c <= 'Z') c = (char)(c - 'A' + 'a');
      same = c == name[i];
    }
    if (same) return type;
  }
  return name;
}

static void print_enum(sbuf *b, const bp_enumdef *e, int32_t v) {
  for (uint32_t lo = 0, hi = e->count; lo < hi;) {
    uint32_t mid = lo + (hi - lo) / 2;
    if (e->values[mid] == v) {
      puts_(b, e->names[mid]);
      return;
    }
    if (e->values[mid] < v)
      lo = mid + 1;
    else
      hi = mid;
  }
  putf(b, "%" PRId32, v);
}

/* One value: `label: value` or `label {` ... `}`. p points at the value's
 * storage (for messages, at the pointer). */
static void print_value(printer *pr, const char *label, bool ext, int type, bp_sub sub, const void *p, int level) {
  sbuf *b = &pr->b;
  indent(b, level);
  if (ext) put(b, "[", 1);
  puts_(b, label);
  if (ext) put(b, "]", 1);
  if (bp__is_message(type)) {
    puts_(b, " {\n");
    const void *m = *(const void *const *)p;
    if (m) print_message(pr, sub.msg, m, level + 1);
    indent(b, level);
    puts_(b, "}\n");
    return;
  }
  puts_(b, ": ");
  bp_value v;
  memcpy(&v, p, bp_type_size(type));
  switch (type) {
  case BP_TYPE_DOUBLE: put_double(b, v.d); break;
  case BP_TYPE_FLOAT: put_float(b, v.f); break;
  case BP_TYPE_INT64:
  case BP_TYPE_SINT64:
  case BP_TYPE_SFIXED64: putf(b, "%" PRId64, v.i64); break;
  case BP_TYPE_UINT64:
  case BP_TYPE_FIXED64: putf(b, "%" PRIu64, v.u64); break;
  case BP_TYPE_UINT32:
  case BP_TYPE_FIXED32: putf(b, "%" PRIu32, v.u32); break;
  case BP_TYPE_BOOL: puts_(b, v.b ? "true" : "false"); break;
  case BP_TYPE_ENUM:
    if (sub.enumdef)
      print_enum(b, sub.enumdef, v.i32);
    else
      putf(b, "%" PRId32, v.i32);
    break;
  case BP_TYPE_STRING:
  case BP_TYPE_BYTES:
    put(b, "\"", 1);
    put_escaped(b, v.str.data, v.str.size);
    put(b, "\"", 1);
    break;
  default: putf(b, "%" PRId32, v.i32); break;
  }
  put(b, "\n", 1);
}

/* ---------------------------------------------------------------- maps in key order */

static int cmp_keys(const bp_field *kf, const void *x, const void *y) {
  if (!kf) return 0;
  bp_value a = bp_msg_get(x, kf), b = bp_msg_get(y, kf); /* zero when not set */
  switch (kf->type) {
  case BP_TYPE_BOOL: return (a.b > b.b) - (a.b < b.b);
  case BP_TYPE_INT32:
  case BP_TYPE_SINT32:
  case BP_TYPE_SFIXED32:
  case BP_TYPE_ENUM: return (a.i32 > b.i32) - (a.i32 < b.i32);
  case BP_TYPE_UINT32:
  case BP_TYPE_FIXED32: return (a.u32 > b.u32) - (a.u32 < b.u32);
  case BP_TYPE_INT64:
  case BP_TYPE_SINT64:
  case BP_TYPE_SFIXED64: return (a.i64 > b.i64) - (a.i64 < b.i64);
  case BP_TYPE_UINT64:
  case BP_TYPE_FIXED64: return (a.u64 > b.u64) - (a.u64 < b.u64);
  case BP_TYPE_STRING:
  case BP_TYPE_BYTES: {
    size_t n = a.str.size < b.str.size ? a.str.size : b.str.size;
    int c = n ? memcmp(a.str.data, b.str.data, n) : 0;
    if (c) return c;
    return (a.str.size > b.str.size) - (a.str.size < b.str.size);
  }
  default: return 0;
  }
}

/* Stable merge sort of n entry pointers by key (tmp: room for n). */
static void sort_entries(const bp_field *kf, void **v, void **tmp, size_t n) {
  for (size_t width = 1; width < n; width *= 2) {
    for (size_t lo = 0; lo < n; lo += 2 * width) {
      size_t mid = lo + width < n ? lo + width : n, hi = lo + 2 * width < n ? lo + 2 * width : n;
      size_t i = lo, j = mid, k = lo;
      while (i < mid && j < hi)
        tmp[k++] = cmp_keys(kf, v[j], v[i]) < 0 ? v[j++] : v[i++];
      while (i < mid)
        tmp[k++] = v[i++];
      while (j < hi)
        tmp[k++] = v[j++];
    }
    memcpy(v, tmp, n * sizeof *v);
  }
}

static void print_map(printer *pr, const char *label, const bp_msgdef *entry, const bp_array *arr, int level) {
  size_t n = arr->size;
  if (!n) return;
  void **v = bp_arena_malloc(pr->b.a, n * sizeof(void *)), **tmp = bp_arena_malloc(pr->b.a, n * sizeof(void *));
  if (!v || !tmp) {
    pr->b.status = BP_ENOMEM;
    return;
  }
  memcpy(v, arr->data, n * sizeof(void *));
  const bp_field *kf = bp_msgdef_field(entry, 1);
  sort_entries(kf, v, tmp, n);
  bp_sub sub;
  sub.msg = entry;
  for (size_t i = 0; i < n; i++) {
    /* a key read more than once keeps its last value, as a map does */
    if (i + 1 < n && cmp_keys(kf, v[i], v[i + 1]) == 0) continue;
    print_value(pr, label, false, BP_TYPE_MESSAGE, sub, &v[i], level);
  }
}

static void print_field(printer *pr, const bp_msgdef *t, const void *msg, const bp_field *f, int level) {
  const char *label = field_label(t, f);
  bp_sub sub;
  memset(&sub, 0, sizeof sub);
  if (bp__is_message(f->type) || f->type == BP_TYPE_ENUM) sub = t->subs[f->sub];
  const char *p = (const char *)msg + f->offset;
  if (f->flags & BP_F_MAP) {
    print_map(pr, label, sub.msg, (const bp_array *)(const void *)p, level);
  } else if (f->flags & BP_F_REPEATED) {
    const bp_array *arr = (const bp_array *)(const void *)p;
    size_t elem = bp_type_size(f->type);
    for (uint32_t i = 0; i < arr->size; i++)
      print_value(pr, label, false, f->type, sub, (const char *)arr->data + elem * i, level);
  } else if (bp_msg_has(msg, f)) {
    print_value(pr, label, false, f->type, sub, p, level);
  } else if (t->flags & BP_MSG_MAP_ENTRY) {
    /* a map entry shows its key and value even when they are not set */
    static const char zero[sizeof(bp_str)];
    if (!bp__is_message(f->type)) {
      print_value(pr, label, false, f->type, sub, zero, level);
    } else {
      indent(&pr->b, level);
      puts_(&pr->b, label);
      puts_(&pr->b, " {\n");
      indent(&pr->b, level);
      puts_(&pr->b, "}\n");
    }
  }
}

/* Raw extension data that goes to the unknown fields. A message set's raw
 * item (one Item group: a type id and a message) goes as protobuf's C++
 * parser keeps an item of a type it does not know, and protoc prints it: a
 * length-delimited field numbered by the type id, holding the message. */
static void put_raw_ext(sbuf *late, const bp_msgdef *t, bp_str raw, uint32_t number) {
  const char *p = raw.data, *end = raw.data + raw.size, *body = NULL;
  uint64_t len = 0, v;
  uint32_t n = 0, wt = 0;
  bool closed = false;
  if ((t->flags & BP_MSG_SET) && (p = read_tag(p, end, &n, &wt)) != NULL && n == 1 && wt == WT_SGROUP) {
    while (p && !closed && (p = read_tag(p, end, &n, &wt)) != NULL) {
      if (n == 1 && wt == WT_EGROUP) {
        closed = true;
      } else if (n == 3 && wt == WT_LEN && !body) {
        if ((p = read_varint(p, end, &len, 10)) != NULL && len <= (uint64_t)(end - p)) {
          body = p;
          p += len;
        } else {
          p = NULL;
        }
      } else if (n == 2 && wt == WT_VARINT) {
        p = read_varint(p, end, &v, 10);
      } else {
        p = NULL;
      }
    }
    if (p == end && closed && body) {
      char head[20];
      size_t k = 0;
      for (uint64_t x = (uint64_t)number << 3 | WT_LEN;; x >>= 7) {
        head[k++] = (char)(x < 0x80 ? x : (x & 0x7f) | 0x80);
        if (x < 0x80) break;
      }
      for (uint64_t x = len;; x >>= 7) {
        head[k++] = (char)(x < 0x80 ? x : (x & 0x7f) | 0x80);
        if (x < 0x80) break;
      }
      put(late, head, k);
      put(late, body, (size_t)len);
      return;
    }
  }
  put(late, raw.data, raw.size);
}

/* The extension entries of one number (first .. last-1), typed through the
 * pool; raw data it cannot type goes to *late, printed with the unknown
 * fields. */
static void print_ext(printer *pr, const bp_msgdef *t, const bp_ext *first, const bp_ext *last, int level,
                      sbuf *late) {
  const bp_extdef *def = first->kind == BP_EXT_VALUE ? first->def : NULL;
  if (!def && pr->pool) def = bp_dynpool_ext_by_number(pr->pool, t, first->number);
  const char *label = def && bp_ext_item_named_by_type(def) ? def->sub.msg->full_name : def ? def->full_name : "";
  const bp_msgdef *carrier = def && pr->pool ? bp_dynpool_ext_carrier(pr->pool, def) : NULL;
  if (first->kind == BP_EXT_VALUE && def) {
    for (const bp_ext *e = first; e < last; e++) {
      if (e->kind != BP_EXT_VALUE) continue;
      if (def->flags & BP_F_REPEATED) {
        size_t elem = bp_type_size(def->type);
        for (uint32_t i = 0; i < e->u.array.size; i++)
          print_value(pr, label, true, def->type, def->sub, (const char *)e->u.array.data + elem * i, level);
      } else {
        print_value(pr, label, true, def->type, def->sub, &e->u.value, level);
      }
    }
    return;
  }
  if (!carrier) {
    for (const bp_ext *e = first; e < last; e++)
      if (e->kind == BP_EXT_RAW) put_raw_ext(late, t, e->u.raw, e->number);
    return;
  }
  void *c = bp_msg_new(carrier, pr->b.a);
  if (!c) {
    pr->b.status = BP_ENOMEM;
    return;
  }
  for (const bp_ext *e = first; e < last; e++)
    if (e->kind == BP_EXT_RAW && bp_decode(carrier, c, e->u.raw.data, e->u.raw.size, pr->b.a, NULL) != BP_OK)
      put(late, e->u.raw.data, e->u.raw.size);
  const bp_field *f = &carrier->fields[0];
  const char *p = (const char *)c + f->offset;
  if (f->flags & BP_F_REPEATED) {
    const bp_array *arr = (const bp_array *)(const void *)p;
    size_t elem = bp_type_size(f->type);
    for (uint32_t i = 0; i < arr->size; i++)
      print_value(pr, label, true, f->type, def->sub, (const char *)arr->data + elem * i, level);
  } else if (bp_msg_has(c, f)) {
    print_value(pr, label, true, f->type, def->sub, p, level);
  }
  bp_str unk = bp_unknown(c);
  put(late, unk.data, unk.size);
}

static void print_message(printer *pr, const bp_msgdef *t, const void *msg, int level) {
  if (level > BP_DEFAULT_MAX_DEPTH) {
    pr->b.status = BP_EDEPTH;
    return;
  }
  size_t next = 0;
  const bp_ext *exts = bp_ext_list(msg, &next);
  const bp_ext *e = exts, *eend = exts ? exts + next : exts;
  sbuf late = {NULL, 0, 0, pr->b.a, BP_OK};
  for (uint32_t i = 0; i <= t->field_count && pr->b.status == BP_OK; i++) {
    uint32_t number = i < t->field_count ? t->fields[i].number : UINT32_MAX;
    while (e < eend && e->number < number) {
      const bp_ext *last = e;
      while (last < eend && last->number == e->number)
        last++;
      print_ext(pr, t, e, last, level, &late);
      e = last;
    }
    if (i < t->field_count) print_field(pr, t, msg, &t->fields[i], level);
  }
  if (late.status != BP_OK) pr->b.status = late.status;
  bp_str unk = bp_unknown(msg);
  const char *stop;
  if (late.len && scan_fields(late.data, late.data + late.len, BP_DEFAULT_MAX_DEPTH, 0, &stop))
    print_fields(&pr->b, late.data, late.data + late.len, level, UNKNOWN_BUDGET);
  if (unk.size && scan_fields(unk.data, unk.data + unk.size, BP_DEFAULT_MAX_DEPTH, 0, &stop))
    print_fields(&pr->b, unk.data, unk.data + unk.size, level, UNKNOWN_BUDGET);
}

bp_status bp_text_print(const bp_msgdef *t, const void *msg, const bp_dynpool *pool, bp_arena *a, bp_str *out) {
  printer pr;
  pr.b = (sbuf){NULL, 0, 0, a, BP_OK};
  pr.pool = pool;
  print_message(&pr, t, msg, 0);
  *out = bp_str_make(pr.b.data ? pr.b.data : "", pr.b.len);
  return pr.b.status;
}

/* ================================================================ parsing: tokens */

enum { T_END, T_IDENT, T_INT, T_FLOAT, T_STRING, T_SYMBOL };

typedef struct token {
  int type;
  const char *text;
  size_t len;
  int line, col; /* 0-based, as protoc's tokenizer counts */
} token;

/* An extension being read in one message: its values gather in a carrier
 * message, written into the extension set when the message is done (so a
 * packed repeated extension comes out as one run, as protoc writes it). */
typedef struct ext_slot {
  const bp_extdef *def;
  const bp_msgdef *carrier;
  void *value;
  struct ext_slot *next;
} ext_slot;

typedef struct parser {
  const char *pos, *end;
  int line, col;
  token tok;
  bp_arena *a;
  const bp_dynpool *pool;
  char *err;
  size_t errsize;
  bool failed;
  int depth;
} parser;

static bool perror_at(parser *ps, int line, int col, const char *fmt, ...) {
  if (!ps->failed && ps->errsize) {
    int n = snprintf(ps->err, ps->errsize, "%d:%d: ", line + 1, col + 1);
    if (n >= 0 && (size_t)n < ps->errsize) {
      va_list ap;
      va_start(ap, fmt);
      vsnprintf(ps->err + n, ps->errsize - (size_t)n, fmt, ap);
      va_end(ap);
    }
  }
  ps->failed = true;
  return false;
}

/* An error at the current token. */
#define PERR(ps, ...) perror_at((ps), (ps)->tok.line, (ps)->tok.col, __VA_ARGS__)

/* Token text for messages, cut short. */
#define TOKFMT "%.*s"
#define TOKARG(t) (int)((t).len > 200 ? 200 : (t).len), (t).text

static void advance(parser *ps) {
  char c = *ps->pos++;
  if (c == '\n') {
    ps->line++;
    ps->col = 0;
  } else if (c == '\t') {
    ps->col += 8 - ps->col % 8;
  } else {
    ps->col++;
  }
}

static bool is_letter(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_'; }
static bool is_digit(char c) { return c >= '0' && c <= '9'; }
static bool is_hex(char c) { return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'); }
static bool at(const parser *ps, char c) { return ps->pos < ps->end && *ps->pos == c; }
static bool at_if(const parser *ps, bool (*pred)(char)) { return ps->pos < ps->end && pred(*ps->pos); }
static bool is_octal(char c) { return c >= '0' && c <= '7'; }

static bool lex_error(parser *ps, const char *msg) { return perror_at(ps, ps->line, ps->col, "%s", msg); }

static void lex_number(parser *ps, bool zero, bool dot) {
  bool is_float = dot;
  if (zero && (at(ps, 'x') || at(ps, 'X'))) {
    advance(ps);
    if (!at_if(ps, is_hex)) {
      lex_error(ps, "\"0x\" must be followed by hex digits.");
      return;
    }
    while (at_if(ps, is_hex))
      advance(ps);
  } else if (zero && at_if(ps, is_digit)) {
    while (at_if(ps, is_octal))
      advance(ps);
    if (at_if(ps, is_digit)) {
      lex_error(ps, "Numbers starting with leading zero must be in octal.");
      return;
    }
  } else {
    while (at_if(ps, is_digit))
      advance(ps);
    if (!dot && at(ps, '.')) {
      advance(ps);
      is_float = true;
      while (at_if(ps, is_digit))
        advance(ps);
    }
    if (at(ps, 'e') || at(ps, 'E')) {
      advance(ps);
      is_float = true;
      if (at(ps, '-') || at(ps, '+')) advance(ps);
      if (!at_if(ps, is_digit)) {
        lex_error(ps, "\"e\" must be followed by exponent.");
        return;
      }
      while (at_if(ps, is_digit))
        advance(ps);
    }
    if (at(ps, 'f') || at(ps, 'F')) {
      advance(ps);
      is_float = true;
    }
  }
  if (at_if(ps, is_letter)) {
    lex_error(ps, "Need space between number and identifier.");
    return;
  }
  if (at(ps, '.')) {
    lex_error(ps, is_float ? "Already saw decimal point or exponent; can't have another one."
                           : "Hex and octal numbers must be integers.");
    return;
  }
  ps->tok.type = is_float ? T_FLOAT : T_INT;
}

static void lex_string(parser *ps) {
  char quote = *ps->pos;
  advance(ps);
  for (;;) {
    if (ps->pos >= ps->end) {
      lex_error(ps, "Unexpected end of string.");
      return;
    }
    char c = *ps->pos;
    if (c == quote) {
      advance(ps);
      ps->tok.type = T_STRING;
      return;
    }
    if (c == '\n') {
      lex_error(ps, "String literals cannot cross line boundaries.");
      return;
    }
    if (c != '\\') {
      advance(ps);
      continue;
    }
    advance(ps);
    if (ps->pos >= ps->end) {
      lex_error(ps, "Unexpected end of string.");
      return;
    }
    c = *ps->pos;
    int hex = 0;
    if (strchr("abfnrtv\\?'\"", c) && c) {
      advance(ps);
    } else if (is_octal(c)) {
      advance(ps); /* up to three, read when the string is decoded */
    } else if (c == 'x') {
      advance(ps);
      if (!at_if(ps, is_hex)) {
        lex_error(ps, "Expected hex digits for escape sequence.");
        return;
      }
    } else if (c == 'u') {
      hex = 4;
    } else if (c == 'U') {
      hex = 8;
    } else {
      lex_error(ps, "Invalid escape sequence in string literal.");
      return;
    }
    if (hex) {
      advance(ps);
      uint32_t cp = 0;
      for (int i = 0; i < hex; i++) {
        if (!at_if(ps, is_hex)) {
          lex_error(ps, hex == 4 ? "Expected four hex digits for \\u escape sequence."
                                 : "Expected eight hex digits up to 10ffff for \\U escape sequence");
          return;
        }
        char h = *ps->pos;
        cp = cp * 16 + (uint32_t)(is_digit(h) ? h - '0' : (h | 0x20) - 'a' + 10);
        advance(ps);
      }
      if (hex == 8 && cp > 0x10ffff) {
        lex_error(ps, "Expected eight hex digits up to 10ffff for \\U escape sequence");
        return;
      }
    }
  }
}

/* Reads the next token into ps->tok. */
static void next(parser *ps) {
  if (ps->failed) {
    ps->tok.type = T_END;
    return;
  }
  for (;;) {
    while (ps->pos < ps->end && strchr(" \t\n\r\v\f", *ps->pos) && *ps->pos)
      advance(ps);
    if (ps->pos < ps->end && *ps->pos == '#') {
      while (ps->pos < ps->end && *ps->pos != '\n')
        advance(ps);
      continue;
    }
    break;
  }
  token *t = &ps->tok;
  t->text = ps->pos;
  t->line = ps->line;
  t->col = ps->col;
  if (ps->pos >= ps->end) {
    t->type = T_END;
    t->len = 0;
    return;
  }
  char c = *ps->pos;
  if (is_letter(c)) {
    while (ps->pos < ps->end && (is_letter(*ps->pos) || is_digit(*ps->pos)))
      advance(ps);
    t->type = T_IDENT;
  } else if (is_digit(c)) {
    advance(ps);
    lex_number(ps, c == '0', false);
  } else if (c == '.' && ps->pos + 1 < ps->end && is_digit(ps->pos[1])) {
    advance(ps);
    lex_number(ps, false, true);
  } else if (c == '"' || c == '\'') {
    lex_string(ps);
  } else if ((unsigned char)c < 0x20 || (unsigned char)c >= 0x7f) {
    lex_error(ps, (unsigned char)c < 0x20 ? "Invalid control characters encountered in text."
                                          : "Interpreting non ascii codepoint.");
  } else {
    advance(ps);
    t->type = T_SYMBOL;
  }
  t->len = (size_t)(ps->pos - t->text);
  if (ps->failed) t->type = T_END;
}

static bool looking_at(const parser *ps, const char *sym) {
  return ps->tok.type == T_SYMBOL && ps->tok.len == 1 && ps->tok.text[0] == sym[0];
}

static bool try_consume(parser *ps, const char *sym) {
  if (!looking_at(ps, sym)) return false;
  next(ps);
  return true;
}

static bool consume(parser *ps, const char *sym) {
  if (try_consume(ps, sym)) return true;
  return PERR(ps, "Expected \"%s\", found \"" TOKFMT "\".", sym, TOKARG(ps->tok));
}

static bool consume_ident(parser *ps, bp_str *out) {
  if (ps->tok.type != T_IDENT) return PERR(ps, "Expected identifier, got: " TOKFMT, TOKARG(ps->tok));
  *out = bp_str_make(ps->tok.text, ps->tok.len);
  next(ps);
  return true;
}

static bool tok_is(const token *t, const char *s) { return t->len == strlen(s) && memcmp(t->text, s, t->len) == 0; }

/* ================================================================ parsing: values */

static int digit_value(char c) {
  if (is_digit(c)) return c - '0';
  if (c >= 'a' && c <= 'z') return c - 'a' + 10;
  if (c >= 'A' && c <= 'Z') return c - 'A' + 10;
  return -1;
}

/* An integer token's value, in its base; false when above max. */
static bool parse_integer(const token *t, uint64_t max, uint64_t *out) {
  const char *p = t->text, *end = t->text + t->len;
  unsigned base = 10;
  if (p[0] == '0' && end - p > 1 && (p[1] == 'x' || p[1] == 'X')) {
    base = 16;
    p += 2;
  } else if (p[0] == '0') {
    base = 8;
  }
  uint64_t v = 0;
  for (; p < end; p++) {
    int d = digit_value(*p);
    if (d < 0 || (unsigned)d >= base || (uint64_t)d > max || v > (max - (unsigned)d) / base) return false;
    v = v * base + (unsigned)d;
  }
  *out = v;
  return true;
}

static double parse_float_text(const char *text, size_t len) {
  char tmp[128];
  if (len >= sizeof tmp) len = sizeof tmp - 1;
  memcpy(tmp, text, len);
  tmp[len] = 0;
  if (len && (tmp[len - 1] == 'f' || tmp[len - 1] == 'F')) tmp[len - 1] = 0;
  return strtod(tmp, NULL);
}

static bool consume_unsigned(parser *ps, uint64_t max, uint64_t *out) {
  if (ps->tok.type != T_INT) return PERR(ps, "Expected integer, got: " TOKFMT, TOKARG(ps->tok));
  if (!parse_integer(&ps->tok, max, out)) return PERR(ps, "Integer out of range (" TOKFMT ")", TOKARG(ps->tok));
  next(ps);
  return true;
}

static bool consume_signed(parser *ps, uint64_t max, int64_t *out) {
  bool neg = try_consume(ps, "-");
  uint64_t u;
  if (!consume_unsigned(ps, max + (neg ? 1 : 0), &u)) return false;
  *out = neg ? (int64_t)(0 - u) : (int64_t)u;
  return true;
}

static bool consume_double(parser *ps, double *out) {
  bool neg = try_consume(ps, "-");
  token *t = &ps->tok;
  if (t->type == T_INT) {
    if (t->len > 1 && t->text[0] == '0' && (t->text[1] == 'x' || t->text[1] == 'X' || is_octal(t->text[1])))
      return PERR(ps, "Expect a decimal number, got: " TOKFMT, TOKARG(*t));
    uint64_t u;
    *out = parse_integer(t, UINT64_MAX, &u) ? (double)u : parse_float_text(t->text, t->len);
  } else if (t->type == T_FLOAT) {
    *out = parse_float_text(t->text, t->len);
  } else if (t->type == T_IDENT) {
    char low[10];
    size_t n = t->len < sizeof low - 1 ? t->len : sizeof low - 1;
    for (size_t i = 0; i < n; i++)
      low[i] = (char)(t->text[i] >= 'A' && t->text[i] <= 'Z' ? t->text[i] - 'A' + 'a' : t->text[i]);
    low[n] = 0;
    if (t->len == n && (strcmp(low, "inf") == 0 || strcmp(low, "infinity") == 0))
      *out = INFINITY;
    else if (t->len == n && strcmp(low, "nan") == 0)
      *out = NAN;
    else
      return PERR(ps, "Expected double, got: " TOKFMT, TOKARG(*t));
  } else {
    return PERR(ps, "Expected double, got: " TOKFMT, TOKARG(*t));
  }
  next(ps);
  if (neg) *out = -*out;
  return true;
}

static void put_utf8(sbuf *b, uint32_t cp) {
  char u[4];
  size_t n;
  if (cp < 0x80) {
    u[0] = (char)cp;
    n = 1;
  } else if (cp < 0x800) {
    u[0] = (char)(0xc0 | cp >> 6);
    u[1] = (char)(0x80 | (cp & 0x3f));
    n = 2;
  } else if (cp < 0x10000) {
    u[0] = (char)(0xe0 | cp >> 12);
    u[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
    u[2] = (char)(0x80 | (cp & 0x3f));
    n = 3;
  } else {
    u[0] = (char)(0xf0 | cp >> 18);
    u[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
    u[2] = (char)(0x80 | ((cp >> 6) & 0x3f));
    u[3] = (char)(0x80 | (cp & 0x3f));
    n = 4;
  }
  put(b, u, n);
}

static uint32_t read_hex(const char **p, const char *end, int max) {
  uint32_t v = 0;
  for (int i = 0; i < max && *p < end && is_hex(**p); i++, (*p)++)
    v = v * 16 + (uint32_t)digit_value(**p);
  return v;
}

/* Decodes a string token (checked by the tokenizer) onto b. */
static void unescape(sbuf *b, const token *t) {
  const char *p = t->text + 1, *end = t->text + t->len - 1;
  while (p < end) {
    const char *run = p;
    while (p < end && *p != '\\')
      p++;
    put(b, run, (size_t)(p - run));
    if (p >= end) break;
    p++; /* the backslash */
    char c = *p++;
    switch (c) {
    case 'a': put(b, "\a", 1); break;
    case 'b': put(b, "\b", 1); break;
    case 'f': put(b, "\f", 1); break;
    case 'n': put(b, "\n", 1); break;
    case 'r': put(b, "\r", 1); break;
    case 't': put(b, "\t", 1); break;
    case 'v': put(b, "\v", 1); break;
    case 'x': {
      char v = (char)read_hex(&p, end, 2);
      put(b, &v, 1);
      break;
    }
    case 'u':
    case 'U': {
      uint32_t cp = read_hex(&p, end, c == 'u' ? 4 : 8);
      /* a surrogate pair written as two \u escapes is one code point */
      if (cp >= 0xd800 && cp <= 0xdbff && end - p >= 6 && p[0] == '\\' && p[1] == 'u') {
        const char *q = p + 2;
        uint32_t lo = read_hex(&q, end, 4);
        if (q - p == 6 && lo >= 0xdc00 && lo <= 0xdfff) {
          cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
          p = q;
        }
      }
      put_utf8(b, cp);
      break;
    }
    default:
      if (is_octal(c)) {
        unsigned v = (unsigned)(c - '0');
        for (int i = 0; i < 2 && p < end && is_octal(*p); i++)
          v = v * 8 + (unsigned)(*p++ - '0');
        char ch = (char)(v & 0xff);
        put(b, &ch, 1);
      } else {
        put(b, &c, 1); /* \\ \? \' \" */
      }
    }
  }
}

static bool consume_string(parser *ps, bp_str *out) {
  if (ps->tok.type != T_STRING) return PERR(ps, "Expected string, got: " TOKFMT, TOKARG(ps->tok));
  sbuf b = {NULL, 0, 0, ps->a, BP_OK};
  while (ps->tok.type == T_STRING) {
    unescape(&b, &ps->tok);
    next(ps);
  }
  if (b.status != BP_OK) return PERR(ps, "out of memory");
  *out = bp_str_make(b.data ? b.data : "", b.len);
  return true;
}

/* ================================================================ parsing: fields */

static bool parse_message(parser *ps, const bp_msgdef *t, void *msg, const char *close);

/* One scalar value of field f into msg (a set or an append). */
static bool parse_scalar(parser *ps, void *msg, const bp_field *f, bp_sub sub, const char *field_name) {
  bp_value v;
  memset(&v, 0, sizeof v);
  int64_t i;
  uint64_t u;
  double d;
  switch (f->type) {
  case BP_TYPE_INT32:
  case BP_TYPE_SINT32:
  case BP_TYPE_SFIXED32:
    if (!consume_signed(ps, INT32_MAX, &i)) return false;
    v.i32 = (int32_t)i;
    break;
  case BP_TYPE_INT64:
  case BP_TYPE_SINT64:
  case BP_TYPE_SFIXED64:
    if (!consume_signed(ps, INT64_MAX, &i)) return false;
    v.i64 = i;
    break;
  case BP_TYPE_UINT32:
  case BP_TYPE_FIXED32:
    if (!consume_unsigned(ps, UINT32_MAX, &u)) return false;
    v.u32 = (uint32_t)u;
    break;
  case BP_TYPE_UINT64:
  case BP_TYPE_FIXED64:
    if (!consume_unsigned(ps, UINT64_MAX, &u)) return false;
    v.u64 = u;
    break;
  case BP_TYPE_DOUBLE:
    if (!consume_double(ps, &d)) return false;
    v.d = d;
    break;
  case BP_TYPE_FLOAT:
    if (!consume_double(ps, &d)) return false;
    /* rounded as a conversion rounds: beyond FLT_MAX and half a step, infinity */
    v.f = fabs(d) >= 0x1.ffffffp+127 ? (float)copysign(INFINITY, d) : (float)d;
    break;
  case BP_TYPE_BOOL:
    if (ps->tok.type == T_INT) {
      if (!consume_unsigned(ps, 1, &u)) return false;
      v.b = u == 1;
    } else {
      token t = ps->tok;
      bp_str id = {NULL, 0};
      if (!consume_ident(ps, &id)) return false;
      if (tok_is(&t, "true") || tok_is(&t, "True") || tok_is(&t, "t"))
        v.b = true;
      else if (tok_is(&t, "false") || tok_is(&t, "False") || tok_is(&t, "f"))
        v.b = false;
      else
        return PERR(ps, "Invalid value for boolean field \"%s\". Value: \"" TOKFMT "\".", field_name, TOKARG(t));
    }
    break;
  case BP_TYPE_STRING:
  case BP_TYPE_BYTES:
    if (!consume_string(ps, &v.str)) return false;
    break;
  case BP_TYPE_ENUM: {
    int32_t n;
    if (ps->tok.type == T_IDENT) {
      token t = ps->tok;
      next(ps);
      if (!sub.enumdef || !bp_dynpool_enum_value(ps->pool, sub.enumdef, bp_str_make(t.text, t.len), &n))
        return PERR(ps, "Unknown enumeration value of \"" TOKFMT "\" for field \"%s\".", TOKARG(t), field_name);
    } else if (looking_at(ps, "-") || ps->tok.type == T_INT) {
      if (!consume_signed(ps, INT32_MAX, &i)) return false;
      n = (int32_t)i;
      if ((f->flags & BP_F_CLOSED) && (!sub.enumdef || !bp_enumdef_has(sub.enumdef, n)))
        return PERR(ps, "Unknown enumeration value of \"%" PRId64 "\" for field \"%s\".", i, field_name);
    } else {
      return PERR(ps, "Expected integer or identifier, got: " TOKFMT, TOKARG(ps->tok));
    }
    v.i32 = n;
    break;
  }
  default: return PERR(ps, "field \"%s\" has an unknown type", field_name);
  }
  if (f->flags & BP_F_REPEATED) {
    if (!bp_msg_append(msg, f, v, ps->a)) return PERR(ps, "out of memory");
  } else {
    bp_msg_set(msg, f, v);
  }
  return true;
}

/* `{ ... }` or `< ... >` into a new or existing submessage. */
static bool parse_sub(parser *ps, const bp_msgdef *sub, void *m) {
  const char *close;
  if (try_consume(ps, "<")) {
    close = ">";
  } else {
    if (!consume(ps, "{")) return false;
    close = "}";
  }
  if (++ps->depth > BP_DEFAULT_MAX_DEPTH) return PERR(ps, "Message is too deep");
  bool ok = parse_message(ps, sub, m, close);
  ps->depth--;
  return ok;
}

/* A map entry: read on its own, then put in the map by its key (a key read
 * again replaces the entry, as protobuf's maps do). */
static bool parse_map_entry(parser *ps, void *msg, const bp_field *f, const bp_msgdef *entry) {
  void *tmp = bp_msg_new(entry, ps->a);
  if (!tmp) return PERR(ps, "out of memory");
  if (!parse_sub(ps, entry, tmp)) return false;
  const bp_field *kf = bp_msgdef_field(entry, 1);
  bp_value key;
  memset(&key, 0, sizeof key);
  if (kf) key = bp_msg_get(tmp, kf);
  void *e = bp_map_upsert((bp_map *)(void *)((char *)msg + f->offset), entry, key, ps->a);
  if (!e) return PERR(ps, "out of memory");
  memcpy(e, tmp, entry->size);
  return true;
}

static bool parse_field_value(parser *ps, void *msg, const bp_field *f, bp_sub sub, const char *field_name) {
  if (!bp__is_message(f->type)) return parse_scalar(ps, msg, f, sub, field_name);
  if (f->flags & BP_F_MAP) return parse_map_entry(ps, msg, f, sub.msg);
  void *m = f->flags & BP_F_REPEATED ? bp_msg_add(msg, f, sub.msg, ps->a) : bp_msg_mutable(msg, f, sub.msg, ps->a);
  if (!m) return PERR(ps, "out of memory");
  return parse_sub(ps, sub.msg, m);
}

/* `[prefix/pkg.Type] { ... }` inside a google.protobuf.Any. */
static bool parse_any(parser *ps, const bp_msgdef *t, void *msg) {
  sbuf url = {NULL, 0, 0, ps->a, BP_OK};
  bp_str part = {NULL, 0};
  if (!consume_ident(ps, &part)) return false;
  put(&url, part.data, part.size);
  while (try_consume(ps, ".")) {
    if (!consume_ident(ps, &part)) return false;
    put(&url, ".", 1);
    put(&url, part.data, part.size);
  }
  if (!consume(ps, "/")) return false;
  put(&url, "/", 1);
  size_t prefix_len = url.len;
  if (!consume_ident(ps, &part)) return false;
  put(&url, part.data, part.size);
  while (try_consume(ps, ".")) {
    if (!consume_ident(ps, &part)) return false;
    put(&url, ".", 1);
    put(&url, part.data, part.size);
  }
  if (url.status != BP_OK) return PERR(ps, "out of memory");
  if (!consume(ps, "]")) return false;
  try_consume(ps, ":");
  bp_str prefix = bp_str_make(url.data, prefix_len), name = bp_str_make(url.data + prefix_len, url.len - prefix_len);
  const bp_msgdef *vt = NULL;
  if (ps->pool && (bp_str_eq(prefix, bp_str_c("type.googleapis.com/")) || bp_str_eq(prefix, bp_str_c("type.googleprod.com/"))))
    vt = bp_dynpool_msgdef(ps->pool, name);
  if (!vt)
    return PERR(ps, "Could not find type \"%.*s\" stored in google.protobuf.Any.", (int)(url.len > 300 ? 300 : url.len),
                url.data);
  void *value = bp_msg_new(vt, ps->a);
  if (!value) return PERR(ps, "out of memory");
  if (!parse_sub(ps, vt, value)) return false;
  const bp_field *url_f = bp_msgdef_field(t, 1), *value_f = bp_msgdef_field(t, 2);
  if (!url_f || !value_f || url_f->type != BP_TYPE_STRING || value_f->type != BP_TYPE_BYTES)
    return PERR(ps, "google.protobuf.Any has no type_url and value fields");
  if (bp_msg_has(msg, url_f) || bp_msg_has(msg, value_f)) return PERR(ps, "Non-repeated Any specified multiple times.");
  bp_str bytes;
  bp_status st = bp_encode(vt, value, ps->a, NULL, &bytes);
  if (st != BP_OK) return PERR(ps, "the Any's value cannot be encoded: %s", bp_status_text(st));
  bp_value v;
  v.str = bp_str_make(url.data, url.len);
  bp_msg_set(msg, url_f, v);
  v.str = bytes;
  bp_msg_set(msg, value_f, v);
  return true;
}

static ext_slot *ext_slot_for(parser *ps, ext_slot **slots, const bp_extdef *def) {
  for (ext_slot *s = *slots; s; s = s->next)
    if (s->def == def) return s;
  const bp_msgdef *carrier = bp_dynpool_ext_carrier(ps->pool, def);
  ext_slot *s = bp_arena_zalloc(ps->a, sizeof *s);
  if (!carrier || !s || !(s->value = bp_msg_new(carrier, ps->a))) return NULL;
  s->def = def;
  s->carrier = carrier;
  s->next = *slots;
  *slots = s;
  return s;
}

static bool has_ext(const void *msg, uint32_t number) {
  size_t n;
  const bp_ext *list = bp_ext_list(msg, &n);
  for (size_t i = 0; i < n; i++)
    if (list[i].number == number) return true;
  return false;
}

/* Finds the field named name: a group by its type's name. */
static const bp_field *find_field(const bp_msgdef *t, bp_str name) {
  for (uint32_t i = 0; i < t->field_count; i++) {
    const bp_field *f = &t->fields[i];
    if (bp_str_eq(bp_str_c(field_label(t, f)), name)) return f;
  }
  return NULL;
}

static bool parse_field(parser *ps, const bp_msgdef *t, void *msg, ext_slot **slots) {
  const bp_field *f;
  bp_sub sub;
  memset(&sub, 0, sizeof sub);
  void *target = msg;
  char name[256];
  if (strcmp(t->full_name, "google.protobuf.Any") == 0 && try_consume(ps, "[")) return parse_any(ps, t, msg);
  if (try_consume(ps, "[")) {
    sbuf full = {NULL, 0, 0, ps->a, BP_OK};
    bp_str part = {NULL, 0};
    if (!consume_ident(ps, &part)) return false;
    put(&full, part.data, part.size);
    while (try_consume(ps, ".")) {
      if (!consume_ident(ps, &part)) return false;
      put(&full, ".", 1);
      put(&full, part.data, part.size);
    }
    if (full.status != BP_OK) return PERR(ps, "out of memory");
    if (!consume(ps, "]")) return false;
    bp_str fname = bp_str_make(full.data, full.len);
    const bp_extdef *def = ps->pool ? bp_dynpool_ext_printable(ps->pool, t, fname) : NULL;
    if (!def)
      return PERR(ps, "Extension \"%.*s\" is not defined or is not an extension of \"%s\".",
                  (int)(fname.size > 200 ? 200 : fname.size), fname.data, t->full_name);
    ext_slot *s = ext_slot_for(ps, slots, def);
    if (!s) return PERR(ps, "out of memory");
    f = &s->carrier->fields[0];
    sub = def->sub;
    target = s->value;
    snprintf(name, sizeof name, "%s", def->full_name);
    if (!(f->flags & BP_F_REPEATED) && (bp_msg_has(target, f) || has_ext(msg, def->number)))
      return PERR(ps, "Non-repeated field \"%s\" is specified multiple times.", name);
  } else {
    bp_str id = {NULL, 0};
    if (!consume_ident(ps, &id)) return false;
    snprintf(name, sizeof name, "%.*s", (int)(id.size > 200 ? 200 : id.size), id.data);
    f = find_field(t, id);
    if (!f) return PERR(ps, "Message type \"%s\" has no field named \"%s\".", t->full_name, name);
    if (bp__is_message(f->type) || f->type == BP_TYPE_ENUM) sub = t->subs[f->sub];
    if (!(f->flags & BP_F_REPEATED) && bp_msg_has(msg, f))
      return PERR(ps, "Non-repeated field \"%s\" is specified multiple times.", name);
    if (f->presence < 0 && bp__oneof_case(msg, f) != 0) {
      const bp_field *other = bp_msgdef_field(t, bp__oneof_case(msg, f));
      return PERR(ps, "Field \"%s\" is specified along with field \"%s\", another member of the same oneof.", name,
                  other && t->names ? t->names[other - t->fields].name : "?");
    }
  }
  if (bp__is_message(f->type))
    try_consume(ps, ":");
  else if (!consume(ps, ":"))
    return false;
  if ((f->flags & BP_F_REPEATED) && try_consume(ps, "[")) {
    if (!try_consume(ps, "]")) {
      for (;;) {
        if (!parse_field_value(ps, target, f, sub, name)) return false;
        if (try_consume(ps, "]")) break;
        if (!consume(ps, ",")) return false;
      }
    }
  } else if (!parse_field_value(ps, target, f, sub, name)) {
    return false;
  }
  if (!try_consume(ps, ";")) try_consume(ps, ",");
  return !ps->failed;
}

/* Writes the extensions read in one message into its extension set, by
 * number. */
static bool flush_exts(parser *ps, void *msg, ext_slot *slots) {
  while (slots) {
    ext_slot *min = slots, **link = &slots;
    for (ext_slot **l = &slots; *l; l = &(*l)->next)
      if ((*l)->def->number < min->def->number) {
        min = *l;
        link = l;
      }
    *link = min->next;
    if ((min->def->extendee->flags & BP_MSG_SET) && min->def->type == BP_TYPE_MESSAGE && !(min->def->flags & BP_F_REPEATED)) {
      /* a message set's item: typed, so the encoder writes it as an Item group */
      const bp_field *f = &min->carrier->fields[0];
      bp_value v;
      v.msg = bp_msg_get(min->value, f).msg;
      if (v.msg && !bp_ext_set(msg, min->def, v, ps->a)) return PERR(ps, "out of memory");
      continue;
    }
    bp_str raw;
    bp_status st = bp_encode(min->carrier, min->value, ps->a, NULL, &raw);
    if (st != BP_OK) return PERR(ps, "extension %s cannot be encoded: %s", min->def->full_name, bp_status_text(st));
    if (raw.size && !bp_ext_add_raw(msg, min->def->number, raw, ps->a)) return PERR(ps, "out of memory");
  }
  return true;
}

static bool parse_message(parser *ps, const bp_msgdef *t, void *msg, const char *close) {
  ext_slot *slots = NULL;
  for (;;) {
    if (close ? looking_at(ps, ">") || looking_at(ps, "}") : ps->tok.type == T_END) break;
    if (ps->failed || !parse_field(ps, t, msg, &slots)) return false;
  }
  if (close && !consume(ps, close)) return false;
  return flush_exts(ps, msg, slots) && !ps->failed;
}

bool bp_text_parse(const bp_msgdef *t, void *msg, const char *text, size_t size, const bp_dynpool *pool, bp_arena *a,
                   char *err, size_t errsize) {
  parser ps;
  memset(&ps, 0, sizeof ps);
  ps.pos = text;
  ps.end = text + size;
  ps.a = a;
  ps.pool = pool;
  ps.err = err;
  ps.errsize = errsize;
  if (errsize) err[0] = 0;
  next(&ps);
  return parse_message(&ps, t, msg, NULL);
}
