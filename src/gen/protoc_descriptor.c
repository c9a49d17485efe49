/* Descriptors as protoc 3.21 writes them (plugin.h: bu_encode_file_protoc).
 *
 * The compiler encodes files as buf does (src/compile/encode.c). protoc
 * differs in a few ways, all rewritten here on the decoded
 * FileDescriptorProto: custom options are unknown fields written after the
 * standard ones, in the order the statements set them (message values in
 * field number order); float and double defaults in protoc's digits; no
 * buf extension in SourceCodeInfo; and source info as protoc's parser
 * records it (the order of locations, option statements, pseudo-options,
 * groups, extendees, and comments, recomputed from the source as protoc's
 * tokenizer attaches them). */
#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "compile/internal.h"
#include "gen/plugin.h"
#include "google/protobuf/descriptor.pb.h"

/* Deeper than any descriptor the compiler accepts (as encode.c). */
#define MAX_DEPTH (4 * BUOY_MAX_NESTING + 64)

static void out_of_memory(void) {
  fputs("buoy: out of memory\n", stderr);
  abort();
}

static void *need(const void *p) {
  if (!p) out_of_memory();
  return (void *)(uintptr_t)p;
}

/* ------------------------------------------------------------ protoc's descriptors */

/* protoc's SimpleFtoa and SimpleDtoa: the fewest of FLT_DIG (DBL_DIG)
 * significant digits that read back as the value, else FLT_DIG + 3
 * (DBL_DIG + 2). buf writes the shortest digits of the value as a double. */
static bp_str protoc_float_text(bp_arena *a, bp_str text, bool is_float) {
  char in[64], out[64];
  if (text.size == 0 || text.size >= sizeof in) return text;
  memcpy(in, text.data, text.size);
  in[text.size] = 0;
  char *end;
  double d = strtod(in, &end);
  if (*end || isinf(d) || isnan(d)) return text; /* "inf", "-inf", "nan" are written alike */
  if (is_float) {
    float f = (float)d;
    snprintf(out, sizeof out, "%.*g", FLT_DIG, (double)f);
    if (strtof(out, NULL) != f) snprintf(out, sizeof out, "%.*g", FLT_DIG + 3, (double)f);
  } else {
    snprintf(out, sizeof out, "%.*g", DBL_DIG, d);
    if (strtod(out, NULL) != d) snprintf(out, sizeof out, "%.*g", DBL_DIG + 2, d);
  }
  size_t n = strlen(out);
  return bp_str_make(need(bp_arena_memdup(a, out, n)), n);
}

/* A float or double field's default in protoc's digits. */
static void protoc_default(bp_arena *a, google_protobuf_FieldDescriptorProto *f) {
  int32_t t = google_protobuf_FieldDescriptorProto_type(f);
  if (!google_protobuf_FieldDescriptorProto_has_default_value(f) ||
      (t != google_protobuf_FieldDescriptorProto_TYPE_FLOAT && t != google_protobuf_FieldDescriptorProto_TYPE_DOUBLE))
    return;
  google_protobuf_FieldDescriptorProto_set_default_value(
      f, protoc_float_text(a, google_protobuf_FieldDescriptorProto_default_value(f),
                           t == google_protobuf_FieldDescriptorProto_TYPE_FLOAT));
}

/* Drops buf's SourceCodeInfo extension (field 536000000: unused imports),
 * which protoc does not write. */
static void drop_buf_extension(google_protobuf_SourceCodeInfo *sci) {
  bp_aux *aux = sci ? bp_msg_aux(sci) : NULL;
  if (!aux) return;
  uint32_t k = 0;
  for (uint32_t i = 0; i < aux->ext_count; i++)
    if (aux->ext[i].number != 536000000) aux->ext[k++] = aux->ext[i];
  aux->ext_count = k;
}

static bool is_descendant(const google_protobuf_SourceCodeInfo_Location *d,
                          const google_protobuf_SourceCodeInfo_Location *p) {
  return d->path.size > p->path.size &&
         (p->path.size == 0 || memcmp(d->path.data, p->path.data, p->path.size * sizeof(int32_t)) == 0);
}

static bool same_start(const google_protobuf_SourceCodeInfo_Location *a,
                       const google_protobuf_SourceCodeInfo_Location *b) {
  const int32_t *sa = a->span.data, *sb = b->span.data;
  return a->span.size >= 2 && b->span.size >= 2 && sa[0] == sb[0] && sa[1] == sb[1];
}

/* ------------------------------------------------------------ protoc's source info
 *
 * The compiler writes source info as buf does; protoc 3.21 differs in
 * places. The passes below rewrite a decoded SourceCodeInfo into protoc's:
 * the order of locations, option statements, pseudo-options, groups,
 * extendees, and comments. */

/* What a SourceCodeInfo path leads to, read through descriptor.proto's
 * schema: only what the rewrites below need to know. */
typedef enum { P_FILE, P_MSG, P_FIELD, P_EXT, P_ENUM, P_VALUE, P_SERVICE, P_METHOD, P_ONEOF, P_RANGE,
               P_OPTIONS, P_OTHER } path_kind;

static path_kind path_kind_of(const int32_t *p, size_t n) {
  path_kind k = P_FILE;
  for (size_t i = 0; i < n;) {
    int32_t f = p[i];
    path_kind next = P_OTHER;
    bool indexed = true;
    switch (k) {
    case P_FILE: next = f == 4 ? P_MSG : f == 5 ? P_ENUM : f == 6 ? P_SERVICE : f == 7 ? P_EXT : P_OTHER; break;
    case P_MSG:
      next = f == 2 ? P_FIELD : f == 6 ? P_EXT : f == 3 ? P_MSG : f == 4 ? P_ENUM : f == 8 ? P_ONEOF
             : f == 5 ? P_RANGE : P_OTHER;
      break;
    case P_ENUM: next = f == 2 ? P_VALUE : P_OTHER; break;
    case P_SERVICE: next = f == 2 ? P_METHOD : P_OTHER; break;
    default: break;
    }
    int32_t options = k == P_FILE ? 8 : k == P_MSG ? 7 : k == P_FIELD || k == P_EXT ? 8 : k == P_ENUM ? 3
                      : k == P_VALUE ? 3 : k == P_SERVICE ? 3 : k == P_METHOD ? 4 : k == P_ONEOF ? 2
                      : k == P_RANGE ? 3 : -1;
    if (f == options) {
      next = P_OPTIONS;
      indexed = false;
    }
    if (next == P_OTHER || next == P_OPTIONS) return i + 1 == n ? next : P_OTHER;
    if (indexed && i + 1 >= n) return P_OTHER; /* a list, not one element */
    k = next;
    i += indexed ? 2 : 1;
  }
  return k;
}

static bool has_prefix(const google_protobuf_SourceCodeInfo_Location *l, const int32_t *p, size_t n) {
  return l->path.size > n && (n == 0 || memcmp(l->path.data, p, n * sizeof *p) == 0);
}

static path_kind loc_kind(const google_protobuf_SourceCodeInfo_Location *l) {
  return path_kind_of(l->path.data, l->path.size);
}

static void remove_at(bp_array *arr, size_t i) {
  void **items = arr->data;
  memmove(&items[i], &items[i + 1], (arr->size - i - 1) * sizeof *items);
  arr->size--;
}

/* protoc 3.21 locates an option statement (`option NAME = VALUE;`) twice,
 * the options field and the option's own path, both spanning the whole
 * statement; bracketed options (fields, enum values) once, at their path.
 * It locates nothing inside an option's value. buf gives a statement's
 * option the span of NAME = VALUE, and locates the fields of message
 * values. */
static void protoc_option_statements(google_protobuf_SourceCodeInfo *sci) {
  google_protobuf_SourceCodeInfo_Location **ls = sci->location.data;
  for (size_t i = 0; i + 1 < sci->location.size; i++) {
    google_protobuf_SourceCodeInfo_Location *st = ls[i];
    if (loc_kind(st) != P_OPTIONS) continue;
    path_kind owner = path_kind_of(st->path.data, st->path.size - 1);
    bool statement = owner != P_FIELD && owner != P_EXT && owner != P_VALUE;
    google_protobuf_SourceCodeInfo_Location *opt = NULL;
    /* the option locations follow, among other parts of the element
     * (a field's json_name) */
    for (size_t k = i + 1; k < sci->location.size && has_prefix(ls[k], st->path.data, st->path.size - 1);) {
      if (!is_descendant(ls[k], st)) {
        k++;
        continue;
      }
      if (opt && is_descendant(ls[k], opt)) {
        remove_at(&sci->location, k);
        ls = sci->location.data;
        continue;
      }
      opt = ls[k];
      if (statement) {
        opt->span = st->span;
        break; /* a statement sets one option */
      }
      k++;
    }
    if (statement && opt)
      for (size_t k = i + 2; k < sci->location.size && is_descendant(ls[k], opt);)
        remove_at(&sci->location, k), ls = sci->location.data;
  }
}

/* protoc locates each extension and then its extendee; buf locates the
 * extendees of an extend block first. */
static bool is_extendee_of(const google_protobuf_SourceCodeInfo_Location *x,
                           const google_protobuf_SourceCodeInfo_Location *ext) {
  return x->path.size == ext->path.size + 1 && is_descendant(x, ext) &&
         ((const int32_t *)x->path.data)[ext->path.size] == 2;
}

static void protoc_extendee_after(google_protobuf_SourceCodeInfo *sci) {
  google_protobuf_SourceCodeInfo_Location **ls = sci->location.data;
  for (size_t i = 1; i < sci->location.size; i++) {
    google_protobuf_SourceCodeInfo_Location *ext = ls[i];
    if (loc_kind(ext) != P_EXT) continue;
    for (size_t j = i; j-- > 0;) {
      if (!is_extendee_of(ls[j], ext)) continue;
      google_protobuf_SourceCodeInfo_Location *x = ls[j];
      memmove(&ls[j], &ls[j + 1], (i - j) * sizeof *ls); /* ext is now at i - 1 */
      ls[i] = x;
      break;
    }
  }
}

/* ------------------------------------------------------------ defaults and json_name */

/* The byte offset of a 0-based line and column (a tab advancing the
 * column to the next multiple of 8); SIZE_MAX when outside the text. */
static size_t offset_of(const buoy_source *src, int32_t line, int32_t col) {
  if (!src->text || line < 0 || (uint32_t)line >= src->nlines || col < 0) return SIZE_MAX;
  size_t o = src->line_starts[line];
  for (int32_t c = 0; c < col; o++) {
    if (o >= src->len || src->text[o] == '\n') return SIZE_MAX;
    c = src->text[o] == '\t' ? (c / 8 + 1) * 8 : c + 1;
  }
  return o;
}

static bool is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v'; }

static google_protobuf_SourceCodeInfo_Location *new_location(bp_arena *a, const int32_t *path, size_t n,
                                                              const buoy_source *src, size_t from, size_t to) {
  google_protobuf_SourceCodeInfo_Location *l = need(google_protobuf_SourceCodeInfo_Location_new(a));
  int32_t *p = need(bp_arena_memdup(a, path, n * sizeof *p));
  bp_array_alias(&l->path, p, n);
  buoy_pos s = buoy_source_pos(src, (uint32_t)from), e = buoy_source_pos(src, (uint32_t)to);
  int32_t *span = need(bp_arena_zalloc(a, 4 * sizeof *span));
  span[0] = (int32_t)s.line - 1;
  span[1] = (int32_t)s.col - 1;
  size_t k = 2;
  if (e.line != s.line) span[k++] = (int32_t)e.line - 1;
  span[k++] = (int32_t)e.col - 1;
  bp_array_alias(&l->span, span, k);
  return l;
}

static void insert_at(bp_arena *a, bp_array *arr, size_t i, void *item) {
  need(bp_array_push(arr, sizeof(void *), a));
  void **items = arr->data;
  memmove(&items[i + 1], &items[i], (arr->size - 1 - i) * sizeof *items);
  items[i] = item;
}

/* Where the value of `NAME = VALUE` starting at offset o begins. */
static size_t value_start(const buoy_source *src, size_t o) {
  while (o < src->len && src->text[o] != '=')
    o++;
  for (o++; o < src->len && is_space(src->text[o]);)
    o++;
  return o;
}

/* protoc 3.21 locates [default = V] at V alone, [json_name = V] both whole
 * and at V, and the brackets (the options field) even when they hold
 * nothing else. buf locates each pseudo-option whole, and the brackets
 * only when a real option is inside. */
static void protoc_pseudo_options(bp_arena *a, google_protobuf_SourceCodeInfo *sci, const buoy_source *src) {
  for (size_t i = 0; i < sci->location.size; i++) {
    google_protobuf_SourceCodeInfo_Location **ls = sci->location.data;
    google_protobuf_SourceCodeInfo_Location *l = ls[i];
    size_t n = l->path.size;
    const int32_t *p = l->path.data, *span = l->span.data;
    if (n < 3 || l->span.size < 3 || (p[n - 1] != 7 && p[n - 1] != 10)) continue;
    path_kind owner = path_kind_of(p, n - 1);
    if (owner != P_FIELD && owner != P_EXT) continue;
    size_t start = offset_of(src, span[0], span[1]);
    size_t end = offset_of(src, l->span.size == 4 ? span[2] : span[0], l->span.size == 4 ? span[3] : span[2]);
    if (start == SIZE_MAX || end == SIZE_MAX || end <= start) continue;
    size_t v = value_start(src, start);
    if (v >= end) continue;
    /* the brackets, unless located already (the field's parts precede) */
    bool bracketed = false;
    for (size_t k = i; k-- > 0;) {
      const google_protobuf_SourceCodeInfo_Location *b = ls[k];
      const int32_t *bp = b->path.data;
      if (b->path.size < n - 1 || memcmp(bp, p, (n - 1) * sizeof *p) != 0) break;
      if (b->path.size == n && bp[n - 1] == 8) bracketed = true;
    }
    size_t open = start;
    while (open > 0 && is_space(src->text[open - 1]))
      open--;
    if (!bracketed && open > 0 && src->text[open - 1] == '[') {
      size_t close = end;
      for (int depth = 0; close < src->len; close++) {
        char c = src->text[close];
        if (c == '"' || c == '\'') { /* skip strings of later pseudo-options */
          for (close++; close < src->len && src->text[close] != c; close++)
            if (src->text[close] == '\\') close++;
        } else if (c == '[') {
          depth++;
        } else if (c == ']' && depth-- == 0) {
          break;
        }
      }
      if (close < src->len) {
        int32_t bp[64];
        if (n <= 64) {
          memcpy(bp, p, n * sizeof *p);
          bp[n - 1] = 8;
          insert_at(a, &sci->location, i, new_location(a, bp, n, src, open - 1, close + 1));
          i++;
        }
      }
    }
    if (p[n - 1] == 7) {
      const google_protobuf_SourceCodeInfo_Location *nl = new_location(a, p, n, src, v, end);
      l->span = nl->span;
    } else {
      insert_at(a, &sci->location, i + 1, new_location(a, p, n, src, v, end));
      i++;
    }
  }
}

/* ------------------------------------------------------------ comments */

/* protoc 3.21 gives comments to declarations its own way (its tokenizer's
 * NextWithComments, called at each `;`, `{` and `}` that ends or opens a
 * declaration); buf 1.75's rules differ in places (a block comment between
 * two declarations on one line, comments after a trailing one, the newline
 * ending a trailing line comment). The comments of the locations protoc
 * attaches comments to are recomputed here from the source, as protoc
 * computes them. */

typedef struct ctok {
  size_t start, end;
  char c; /* the character of a one-character symbol, else 0 */
} ctok;

typedef struct tokens {
  ctok *items;
  size_t count, cap;
} tokens;

static bool is_ws(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f'; }

/* The tokens of the source (comments and strings skipped over), enough to
 * find declaration boundaries. */
static void lex(const buoy_source *src, tokens *out) {
  const char *t = src->text;
  size_t n = src->len;
  for (size_t i = 0; i < n;) {
    char c = t[i];
    if (is_ws(c) || c == '\n') {
      i++;
    } else if (c == '/' && i + 1 < n && t[i + 1] == '/') {
      while (i < n && t[i] != '\n')
        i++;
    } else if (c == '/' && i + 1 < n && t[i + 1] == '*') {
      for (i += 2; i < n && !(t[i] == '*' && i + 1 < n && t[i + 1] == '/');)
        i++;
      i = i + 2 < n ? i + 2 : n;
    } else {
      size_t s = i;
      if (c == '"' || c == '\'') {
        for (i++; i < n && t[i] != c && t[i] != '\n'; i++)
          if (t[i] == '\\') i++;
        i++;
      } else if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
                 c == '.') {
        while (i < n && ((t[i] >= 'a' && t[i] <= 'z') || (t[i] >= 'A' && t[i] <= 'Z') || (t[i] >= '0' && t[i] <= '9') ||
                         t[i] == '_' || t[i] == '.'))
          i++;
      } else {
        i++;
      }
      if (out->count == out->cap) {
        out->cap = out->cap ? out->cap * 2 : 1024;
        out->items = need(realloc(out->items, out->cap * sizeof *out->items));
      }
      out->items[out->count++] = (ctok){s, i < n ? i : n, (char)(i == s + 1 ? c : 0)};
    }
  }
}

/* The comments NextWithComments collects after a token ending at p. */
typedef struct comment_set {
  bu_buf trailing;
  bool has_trailing;
  bu_buf *detached; /* one buffer each */
  size_t ndetached, capdetached;
  bu_buf leading;
  bool has_leading;
} comment_set;

static void comment_set_free(comment_set *s) {
  bu_buf_free(&s->trailing);
  bu_buf_free(&s->leading);
  for (size_t i = 0; i < s->ndetached; i++)
    bu_buf_free(&s->detached[i]);
  free(s->detached);
  memset(s, 0, sizeof *s);
}

typedef struct collector {
  const char *t;
  size_t n, p;
  bu_buf buffer;
  bool has_comment, is_line, can_attach_to_prev;
  comment_set *out;
} collector;

static void collector_flush(collector *c) {
  if (!c->has_comment) return;
  if (c->can_attach_to_prev) {
    bu_put_bytes(&c->out->trailing, c->buffer.data, c->buffer.len);
    c->out->has_trailing = true;
    c->can_attach_to_prev = false;
  } else {
    comment_set *o = c->out;
    if (o->ndetached == o->capdetached) {
      o->capdetached = o->capdetached ? o->capdetached * 2 : 4;
      o->detached = need(realloc(o->detached, o->capdetached * sizeof *o->detached));
    }
    bu_buf *d = &o->detached[o->ndetached++];
    memset(d, 0, sizeof *d);
    bu_put_bytes(d, c->buffer.data, c->buffer.len);
  }
  c->buffer.len = 0;
  c->has_comment = false;
}

static void skip_ws(collector *c) {
  while (c->p < c->n && is_ws(c->t[c->p]))
    c->p++;
}

static bool try_char(collector *c, char ch) {
  if (c->p < c->n && c->t[c->p] == ch) {
    c->p++;
    return true;
  }
  return false;
}

enum { NO_COMMENT, LINE_COMMENT, BLOCK_COMMENT, SLASH_NOT_COMMENT };

static int comment_start(collector *c) {
  if (c->p + 1 < c->n && c->t[c->p] == '/' && c->t[c->p + 1] == '/') return c->p += 2, LINE_COMMENT;
  if (c->p + 1 < c->n && c->t[c->p] == '/' && c->t[c->p + 1] == '*') return c->p += 2, BLOCK_COMMENT;
  if (c->p < c->n && c->t[c->p] == '/') return SLASH_NOT_COMMENT;
  return NO_COMMENT;
}

static void line_comment(collector *c) {
  if (c->has_comment && !c->is_line) collector_flush(c);
  c->has_comment = c->is_line = true;
  size_t s = c->p;
  while (c->p < c->n && c->t[c->p] != '\n')
    c->p++;
  try_char(c, '\n');
  bu_put_bytes(&c->buffer, c->t + s, c->p - s);
}

static void block_comment(collector *c) {
  if (c->has_comment) collector_flush(c);
  c->has_comment = true;
  c->is_line = false;
  size_t s = c->p;
  for (;;) {
    while (c->p < c->n && c->t[c->p] != '*' && c->t[c->p] != '/' && c->t[c->p] != '\n')
      c->p++;
    if (try_char(c, '\n')) {
      bu_put_bytes(&c->buffer, c->t + s, c->p - s);
      skip_ws(c);
      if (try_char(c, '*') && try_char(c, '/')) return;
      s = c->p;
    } else if (c->p + 1 < c->n && c->t[c->p] == '*' && c->t[c->p + 1] == '/') {
      bu_put_bytes(&c->buffer, c->t + s, c->p - s);
      c->p += 2;
      return;
    } else if (c->p >= c->n) {
      bu_put_bytes(&c->buffer, c->t + s, c->p - s);
      return;
    } else {
      c->p++; /* a '*' or '/' inside the comment */
    }
  }
}

/* NextWithComments from p (just after a token; at_start: the file's start),
 * as protoc 3.21's tokenizer does it. */
static void next_with_comments(const buoy_source *src, size_t p, bool at_start, comment_set *out) {
  collector c = {src->text, src->len, p, {0}, false, false, true, out};
  if (at_start) {
    c.can_attach_to_prev = false;
  } else {
    skip_ws(&c);
    switch (comment_start(&c)) {
    case LINE_COMMENT:
      line_comment(&c);
      collector_flush(&c);
      break;
    case BLOCK_COMMENT:
      block_comment(&c);
      skip_ws(&c);
      if (!try_char(&c, '\n')) { /* the next token is on this line: the comment belongs to nobody */
        bu_buf_free(&c.buffer);
        return;
      }
      collector_flush(&c);
      break;
    case SLASH_NOT_COMMENT: goto done;
    default:
      if (!try_char(&c, '\n')) goto done_no_comments;
      break;
    }
  }
  for (;;) {
    skip_ws(&c);
    int kind = comment_start(&c);
    if (kind == LINE_COMMENT) {
      line_comment(&c);
    } else if (kind == BLOCK_COMMENT) {
      block_comment(&c);
      skip_ws(&c);
      try_char(&c, '\n');
    } else if (kind == SLASH_NOT_COMMENT) {
      break;
    } else if (try_char(&c, '\n')) {
      collector_flush(&c);
      c.can_attach_to_prev = false;
    } else {
      char next = c.p < c.n ? c.t[c.p] : 0;
      if (!next || next == '}' || next == ']' || next == ')') collector_flush(&c);
      break;
    }
  }
done:
  if (c.has_comment) {
    bu_put_bytes(&out->leading, c.buffer.data, c.buffer.len);
    out->has_leading = true;
  }
done_no_comments:
  bu_buf_free(&c.buffer);
}

/* Whether protoc attaches comments to the location with this path. */
static bool takes_comments(const int32_t *p, size_t n) {
  if (n == 0) return false;
  if (n == 1) return p[0] == 12 || p[0] == 2 || p[0] == 8 || p[0] == 7; /* syntax, package, option, extend */
  if (n == 2 && p[0] == 3) return true;                                 /* import */
  path_kind k = path_kind_of(p, n);
  if (k == P_MSG || k == P_FIELD || k == P_EXT || k == P_ENUM || k == P_VALUE || k == P_SERVICE || k == P_METHOD ||
      k == P_ONEOF)
    return true;
  path_kind owner = path_kind_of(p, n - 1);
  if (k == P_OPTIONS) return false; /* the option's own location takes them (see below) */
  if (owner == P_MSG) return p[n - 1] == 5 || p[n - 1] == 6 || p[n - 1] == 9 || p[n - 1] == 10;
  if (owner == P_ENUM) return p[n - 1] == 4 || p[n - 1] == 5;
  return false;
}

/* The index of the first token at or after offset. */
static size_t token_at(const tokens *ts, size_t offset) {
  size_t lo = 0, hi = ts->count;
  while (lo < hi) {
    size_t mid = (lo + hi) / 2;
    if (ts->items[mid].start < offset)
      lo = mid + 1;
    else
      hi = mid;
  }
  return lo;
}

/* A '{' opening an option value (after '=', ':', ',' or '['), not a body. */
static bool value_brace(const tokens *ts, size_t i) {
  if (i == 0) return false;
  char prev = ts->items[i - 1].c;
  return prev == '=' || prev == ':' || prev == ',' || prev == '[';
}

/* The index after the '}' matching the value brace at i. */
static size_t skip_value(const tokens *ts, size_t i) {
  int depth = 0;
  for (; i < ts->count; i++) {
    if (ts->items[i].c == '{') depth++;
    if (ts->items[i].c == '}' && --depth == 0) return i + 1;
  }
  return ts->count;
}

/* The token ending or opening the declaration starting at token i: the
 * first `;` or body `{` outside brackets and option values. */
static size_t declaration_end(const tokens *ts, size_t i) {
  int depth = 0;
  while (i < ts->count) {
    char c = ts->items[i].c;
    if (c == '{' && value_brace(ts, i)) {
      i = skip_value(ts, i);
      continue;
    }
    if (c == '(' || c == '[') depth++;
    if ((c == ')' || c == ']') && depth > 0) depth--;
    if (depth == 0 && (c == ';' || c == '{')) return i;
    if (c == '}') return ts->count; /* ran out of the scope */
    i++;
  }
  return ts->count;
}

static bp_str arena_str(bp_arena *a, const bu_buf *b) {
  return bp_str_make(need(bp_arena_memdup(a, b->len ? (const char *)b->data : "", b->len ? b->len : 1)), b->len);
}

static void set_comments(bp_arena *a, google_protobuf_SourceCodeInfo_Location *l, const comment_set *leading_from,
                         const bu_buf *detached, size_t ndetached, const comment_set *trailing_from) {
  google_protobuf_SourceCodeInfo_Location_clear_leading_comments(l);
  google_protobuf_SourceCodeInfo_Location_clear_trailing_comments(l);
  google_protobuf_SourceCodeInfo_Location_clear_leading_detached_comments(l);
  if (leading_from && leading_from->has_leading)
    google_protobuf_SourceCodeInfo_Location_set_leading_comments(l, arena_str(a, &leading_from->leading));
  if (trailing_from && trailing_from->has_trailing)
    google_protobuf_SourceCodeInfo_Location_set_trailing_comments(l, arena_str(a, &trailing_from->trailing));
  for (size_t i = 0; i < ndetached; i++)
    if (!google_protobuf_SourceCodeInfo_Location_add_leading_detached_comments(l, arena_str(a, &detached[i]), a))
      out_of_memory();
}

static void protoc_comments(bp_arena *a, google_protobuf_SourceCodeInfo *sci, const buoy_source *src) {
  if (!src->text) return;
  tokens ts = {0};
  lex(src, &ts);
  /* the declaration each `;` or `{` ends, by token index */
  google_protobuf_SourceCodeInfo_Location **owner = need(calloc(ts.count + 1, sizeof *owner));
  google_protobuf_SourceCodeInfo_Location **ls = sci->location.data;
  for (size_t i = 0; i < sci->location.size; i++) {
    google_protobuf_SourceCodeInfo_Location *l = ls[i], *target = l;
    const int32_t *span = l->span.data;
    if (loc_kind(l) == P_OPTIONS && l->path.size > 0) {
      /* an option statement: its comments go to the option's path, the
       * location after it, not to the options field */
      path_kind o = path_kind_of(l->path.data, l->path.size - 1);
      if (o == P_FIELD || o == P_EXT || o == P_VALUE) continue;
      set_comments(a, l, NULL, NULL, 0, NULL);
      if (i + 1 >= sci->location.size || !is_descendant(ls[i + 1], l)) continue;
      target = ls[i + 1];
    } else if (!takes_comments(l->path.data, l->path.size)) {
      continue;
    }
    if (l->span.size < 3) continue;
    size_t start = offset_of(src, span[0], span[1]);
    if (start == SIZE_MAX) continue;
    size_t e = declaration_end(&ts, token_at(&ts, start));
    /* a group's message takes the comments, not its field */
    if (e < ts.count && (!owner[e] || loc_kind(target) == P_MSG)) owner[e] = target;
  }
  /* walk the declaration boundaries as protoc's parser meets them */
  comment_set upcoming = {0}; /* leading and detached waiting for the next declaration */
  next_with_comments(src, 0, true, &upcoming);
  bu_buf *pending = upcoming.detached; /* upcoming detached comments */
  size_t npending = upcoming.ndetached, cappending = upcoming.capdetached;
  upcoming.detached = NULL;
  upcoming.ndetached = upcoming.capdetached = 0;
  for (size_t i = 0; i < ts.count; i++) {
    char c = ts.items[i].c;
    if (c == '{' && value_brace(&ts, i)) {
      i = skip_value(&ts, i) - 1;
      continue;
    }
    if (c != ';' && c != '{' && c != '}') continue;
    comment_set now = {0};
    next_with_comments(src, ts.items[i].end, false, &now);
    google_protobuf_SourceCodeInfo_Location *l = owner[i];
    if (l) {
      set_comments(a, l, &upcoming, pending, npending, &now);
    }
    if (l || c == '}') {
      for (size_t k = 0; k < npending; k++)
        bu_buf_free(&pending[k]);
      npending = 0;
    }
    for (size_t k = 0; k < now.ndetached; k++) {
      if (npending == cappending) {
        cappending = cappending ? cappending * 2 : 4;
        pending = need(realloc(pending, cappending * sizeof *pending));
      }
      pending[npending++] = now.detached[k];
    }
    now.ndetached = 0;
    /* the leading comments wait for the next declaration */
    bu_buf_free(&upcoming.leading);
    upcoming.leading = now.leading;
    upcoming.has_leading = now.has_leading;
    memset(&now.leading, 0, sizeof now.leading);
    comment_set_free(&now);
  }
  for (size_t k = 0; k < npending; k++)
    bu_buf_free(&pending[k]);
  free(pending);
  comment_set_free(&upcoming);
  free(owner);
  free(ts.items);
}

/* protoc locates every `reserved`, `extensions` and `extend` statement
 * (the statement's path, then its ranges, names or fields); buf locates
 * the statement once per element, at the first. The missing statements
 * are located again, from the source. */
static const char *statement_keyword(const int32_t *p, size_t n) {
  if (n < 2) return NULL;
  int32_t field = p[n - 2];
  path_kind owner = path_kind_of(p, n - 2);
  if (owner == P_FILE && n == 2 && field == 7) return "extend";
  if (owner == P_MSG && field == 6) return "extend";
  if (owner == P_MSG && field == 5) return "extensions";
  if ((owner == P_MSG && (field == 9 || field == 10)) || (owner == P_ENUM && (field == 4 || field == 5)))
    return "reserved";
  return NULL;
}

static bool word_at(const buoy_source *src, size_t o, const char *w) {
  size_t k = strlen(w);
  if (o + k > src->len || memcmp(src->text + o, w, k) != 0) return false;
  char before = o ? src->text[o - 1] : ' ', after = o + k < src->len ? src->text[o + k] : ' ';
  return (is_space(before) || before == ';' || before == '{' || before == '}') &&
         (is_space(after) || after == '{' || after == '"' || after == '\'');
}

static size_t loc_start(const buoy_source *src, const google_protobuf_SourceCodeInfo_Location *l) {
  const int32_t *span = l->span.data;
  return l->span.size >= 3 ? offset_of(src, span[0], span[1]) : SIZE_MAX;
}

static size_t loc_end(const buoy_source *src, const google_protobuf_SourceCodeInfo_Location *l) {
  const int32_t *span = l->span.data;
  if (l->span.size == 3) return offset_of(src, span[0], span[2]);
  return l->span.size == 4 ? offset_of(src, span[2], span[3]) : SIZE_MAX;
}

static void protoc_statements(bp_arena *a, google_protobuf_SourceCodeInfo *sci, const buoy_source *src) {
  for (size_t i = 0; i < sci->location.size; i++) {
    google_protobuf_SourceCodeInfo_Location **ls = sci->location.data;
    google_protobuf_SourceCodeInfo_Location *c = ls[i];
    size_t n = c->path.size;
    const int32_t *p = c->path.data;
    const char *kw = statement_keyword(p, n);
    if (!kw) continue;
    size_t start = loc_start(src, c);
    if (start == SIZE_MAX) continue;
    /* the statement located last with this path: does it hold c? */
    bool held = false;
    for (size_t k = i; k-- > 0;) {
      const google_protobuf_SourceCodeInfo_Location *st = ls[k];
      if (st->path.size != n - 1 || memcmp(st->path.data, p, (n - 1) * sizeof *p) != 0) continue;
      size_t s0 = loc_start(src, st), s1 = loc_end(src, st);
      held = s0 != SIZE_MAX && s1 != SIZE_MAX && s0 <= start && start < s1;
      break;
    }
    if (held) continue;
    size_t from = start;
    while (from > 0 && !word_at(src, from, kw)) {
      char ch = src->text[from - 1];
      if (ch == ';' || ch == '{' || ch == '}') break;
      from--;
    }
    if (!word_at(src, from, kw)) continue;
    size_t to = start;
    if (strcmp(kw, "extend") == 0) {
      while (to < src->len && src->text[to] != '}')
        to++; /* extend blocks hold fields only: the first '}' closes it */
    } else {
      while (to < src->len && src->text[to] != ';')
        to++;
    }
    if (to >= src->len) continue;
    insert_at(a, &sci->location, i, new_location(a, p, n - 1, src, from, to + 1));
    i++;
  }
}

/* A group: protoc 3.21 locates its field (label, the `group` keyword as
 * its type, name, number), then the message (its name), then the field's
 * type_name at the name; buf interleaves them and puts the keyword at
 * type_name. Rewritten to protoc's order when the parts are the plain
 * ones (no options). */
static bool same_span(const google_protobuf_SourceCodeInfo_Location *a,
                      const google_protobuf_SourceCodeInfo_Location *b) {
  return a->span.size == b->span.size && memcmp(a->span.data, b->span.data, a->span.size * sizeof(int32_t)) == 0;
}

static bool is_part(const google_protobuf_SourceCodeInfo_Location *l, const google_protobuf_SourceCodeInfo_Location *of,
                    int32_t field) {
  return l->path.size == of->path.size + 1 && is_descendant(l, of) &&
         ((const int32_t *)l->path.data)[of->path.size] == field;
}

static google_protobuf_SourceCodeInfo_Location *relocated(bp_arena *a, const google_protobuf_SourceCodeInfo_Location *of,
                                                          int32_t field, const google_protobuf_SourceCodeInfo_Location *at) {
  google_protobuf_SourceCodeInfo_Location *l = need(google_protobuf_SourceCodeInfo_Location_new(a));
  int32_t *p = need(bp_arena_zalloc(a, (of->path.size + 1) * sizeof *p));
  memcpy(p, of->path.data, of->path.size * sizeof *p);
  p[of->path.size] = field;
  bp_array_alias(&l->path, p, of->path.size + 1);
  l->span = at->span;
  return l;
}

static void protoc_groups(bp_arena *a, google_protobuf_SourceCodeInfo *sci) {
  google_protobuf_SourceCodeInfo_Location **ls = sci->location.data;
  for (size_t i = 0; i < sci->location.size; i++) {
    google_protobuf_SourceCodeInfo_Location *fl = ls[i], *msg = NULL;
    if (loc_kind(fl) != P_FIELD && loc_kind(fl) != P_EXT) continue;
    size_t end = i + 1;
    for (; end < sci->location.size && end < i + 8; end++) {
      google_protobuf_SourceCodeInfo_Location *l = ls[end];
      if (!msg && loc_kind(l) == P_MSG && same_span(l, fl)) {
        msg = l;
        continue;
      }
      if (!is_descendant(l, fl) && !(msg && is_part(l, msg, 1))) break;
    }
    if (!msg) continue;
    google_protobuf_SourceCodeInfo_Location *label = NULL, *keyword = NULL, *name = NULL, *number = NULL,
                                            *msg_name = NULL;
    size_t count = 0;
    for (size_t k = i + 1; k < end; k++) {
      google_protobuf_SourceCodeInfo_Location *l = ls[k];
      if (l == msg) continue;
      count++;
      if (is_part(l, fl, 4)) label = l;
      else if (is_part(l, fl, 6)) keyword = l;
      else if (is_part(l, fl, 1)) name = l;
      else if (is_part(l, fl, 3)) number = l;
      else if (is_part(l, msg, 1)) msg_name = l;
      else count = 100; /* something else: leave the group as it is */
    }
    if (!keyword || !name || !number || !msg_name || count != (size_t)(label ? 5 : 4)) continue;
    google_protobuf_SourceCodeInfo_Location *order[8];
    size_t n = 0;
    if (label) order[n++] = label;
    order[n++] = relocated(a, fl, 5, keyword);
    order[n++] = name;
    order[n++] = number;
    order[n++] = msg;
    order[n++] = msg_name;
    order[n++] = relocated(a, fl, 6, name);
    /* one location more than buf's: the type and the type name */
    insert_at(a, &sci->location, end, order[n - 1]);
    ls = sci->location.data;
    for (size_t k = 0; k < n; k++)
      ls[i + 1 + k] = order[k];
    i = end;
  }
}

/* protoc records an element's location before those of its parts; buf
 * puts a part that starts where its element starts (a field's type when
 * there is no label, an enum value's name) first. Each location is moved
 * back before such parts of it; then the other passes run. */
static void protoc_location_order(bp_arena *a, google_protobuf_SourceCodeInfo *sci, const bu_file *f) {
  if (!sci) return;
  google_protobuf_SourceCodeInfo_Location **ls = sci->location.data;
  for (size_t i = 1; i < sci->location.size; i++) {
    google_protobuf_SourceCodeInfo_Location *l = ls[i];
    size_t j = i;
    while (j > 0 && is_descendant(ls[j - 1], l) && same_start(ls[j - 1], l))
      j--;
    if (j == i) continue;
    memmove(&ls[j + 1], &ls[j], (i - j) * sizeof *ls);
    ls[j] = l;
  }
  protoc_option_statements(sci);
  protoc_extendee_after(sci);
  protoc_groups(a, sci);
  if (!f->released) {
    protoc_statements(a, sci, &f->src);
    protoc_pseudo_options(a, sci, &f->src);
    protoc_comments(a, sci, &f->src);
  }
}

/* An option value as protoc writes it: message values (message literals,
 * or options set field by field) with their fields in number order, as a
 * DynamicMessage serializes them; scalars as the compiler encodes them. */
static void protoc_optmsg(bu_buf *b, const bu_optmsg *m, int depth);

static void protoc_optfield(bu_buf *b, const bu_optfield *of, int depth) {
  int type = of->field->type;
  if (type != google_protobuf_FieldDescriptorProto_TYPE_MESSAGE &&
      type != google_protobuf_FieldDescriptorProto_TYPE_GROUP) {
    /* each option statement is a field of its own, so repeated options are
     * never packed at the top; inside message values they are as declared */
    bu_encode_optfield_as(b, of, depth > 0 && bu_field_packed(of->field));
    return;
  }
  uint64_t number = (uint64_t)(uint32_t)of->field->number;
  for (const bu_optval *v = of->first; v; v = v->next) {
    if (type == google_protobuf_FieldDescriptorProto_TYPE_GROUP) {
      bu_put_varint(b, number << 3 | 3);
      protoc_optmsg(b, v->v.msg, depth + 1);
      bu_put_varint(b, number << 3 | 4);
    } else {
      bu_put_varint(b, number << 3 | 2);
      size_t start = b->len;
      protoc_optmsg(b, v->v.msg, depth + 1);
      bu_prefix_length(b, start);
    }
  }
}

static void protoc_optmsg(bu_buf *b, const bu_optmsg *m, int depth) {
  if (!m || depth > MAX_DEPTH) return;
  size_t n = 0;
  for (const bu_optfield *of = m->fields; of; of = of->next)
    n++;
  const bu_optfield **sorted = need(malloc((n ? n : 1) * sizeof *sorted));
  size_t k = 0;
  for (const bu_optfield *of = m->fields; of; of = of->next) {
    size_t j = k++;
    while (j > 0 && sorted[j - 1]->field->number > of->field->number) {
      sorted[j] = sorted[j - 1];
      j--;
    }
    sorted[j] = of;
  }
  for (size_t i = 0; i < n; i++)
    protoc_optfield(b, sorted[i], depth);
  free(sorted);
}

/* protoc 3.21 keeps custom options as unknown fields of the *Options
 * messages, written after the standard fields, in the order the option
 * statements set them; buf writes them in its own order among the fields.
 * The extension entries of options are replaced by protoc's unknown
 * fields. */
static void written_order(bp_arena *a, void *options, const bu_optmsg *m) {
  bp_aux *aux = options ? bp_msg_aux(options) : NULL;
  if (!aux || !m || aux->ext_count == 0) return;
  bu_buf b = {0};
  if (aux->unknown_size) bu_put_bytes(&b, aux->unknown, aux->unknown_size);
  for (const bu_optfield *of = m->fields; of; of = of->next)
    if (of->field->extendee) protoc_optfield(&b, of, 0);
  char *u = need(bp_arena_memdup(a, b.data ? (const char *)b.data : "", b.len ? b.len : 1));
  aux->unknown = u;
  aux->unknown_size = aux->unknown_cap = b.len;
  aux->ext_count = 0;
  bu_buf_free(&b);
}

/* The one walk over a file's descriptors that makes them protoc's: each
 * element beside the compiled one it was encoded from (same order and
 * counts; NULL past the model's end, where only what needs no model is
 * done), for float defaults in protoc's digits and custom options in
 * written order. */
static void fields_walk(bp_arena *a, bp_array *arr, const bu_vec *v) {
  google_protobuf_FieldDescriptorProto **fs = arr->data;
  for (size_t i = 0; i < arr->size; i++) {
    protoc_default(a, fs[i]);
    if (i < v->count) written_order(a, fs[i]->options, BU_VEC_AT(*v, bu_field, i)->options);
  }
}

static void enums_walk(bp_arena *a, bp_array *arr, const bu_vec *v) {
  google_protobuf_EnumDescriptorProto **es = arr->data;
  for (size_t i = 0; i < arr->size && i < v->count; i++) {
    const bu_enum *e = BU_VEC_AT(*v, bu_enum, i);
    written_order(a, es[i]->options, e->options);
    google_protobuf_EnumValueDescriptorProto **vs = es[i]->value.data;
    for (size_t k = 0; k < es[i]->value.size && k < e->values.count; k++)
      written_order(a, vs[k]->options, BU_VEC_AT(e->values, bu_enum_value, k)->options);
  }
}

static void message_walk(bp_arena *a, google_protobuf_DescriptorProto *mp, const bu_message *m, int depth) {
  static const bu_vec none = {0};
  if (depth > MAX_DEPTH) return;
  fields_walk(a, &mp->field, m ? &m->fields : &none);
  fields_walk(a, &mp->extension, m ? &m->extensions : &none);
  if (m) {
    written_order(a, mp->options, m->options);
    enums_walk(a, &mp->enum_type, &m->enums);
    google_protobuf_OneofDescriptorProto **os = mp->oneof_decl.data;
    for (size_t i = 0; i < mp->oneof_decl.size && i < m->oneofs.count; i++)
      written_order(a, os[i]->options, BU_VEC_AT(m->oneofs, bu_oneof, i)->options);
    google_protobuf_DescriptorProto_ExtensionRange **rs = mp->extension_range.data;
    for (size_t i = 0; i < mp->extension_range.size && i < m->extension_ranges.count; i++)
      if (i == 0 || rs[i]->options != rs[i - 1]->options) /* ranges of one statement share them */
        written_order(a, rs[i]->options, BU_VEC_AT(m->extension_ranges, bu_range, i)->options);
  }
  google_protobuf_DescriptorProto **ns = mp->nested_type.data;
  for (size_t i = 0; i < mp->nested_type.size; i++)
    message_walk(a, ns[i], m && i < m->nested.count ? BU_VEC_AT(m->nested, bu_message, i) : NULL, depth + 1);
}

static void file_walk(bp_arena *a, google_protobuf_FileDescriptorProto *fp, const bu_file *f) {
  written_order(a, fp->options, f->options);
  google_protobuf_DescriptorProto **ms = fp->message_type.data;
  for (size_t i = 0; i < fp->message_type.size; i++)
    message_walk(a, ms[i], i < f->messages.count ? BU_VEC_AT(f->messages, bu_message, i) : NULL, 0);
  enums_walk(a, &fp->enum_type, &f->enums);
  fields_walk(a, &fp->extension, &f->extensions);
  google_protobuf_ServiceDescriptorProto **ss = fp->service.data;
  for (size_t i = 0; i < fp->service.size && i < f->services.count; i++) {
    const bu_service *sv = BU_VEC_AT(f->services, bu_service, i);
    written_order(a, ss[i]->options, sv->options);
    google_protobuf_MethodDescriptorProto **mt = ss[i]->method.data;
    for (size_t k = 0; k < ss[i]->method.size && k < sv->methods.count; k++)
      written_order(a, mt[k]->options, BU_VEC_AT(sv->methods, bu_method, k)->options);
  }
}

/* ------------------------------------------------------------ protoc's FileDescriptorProto */

/* f as a FileDescriptorProto in a, with protoc's text and fields. */
google_protobuf_FileDescriptorProto *bu_protoc_file(bp_arena *a, const bu_file *f, bool source_info) {
  bu_buf b = {0};
  bu_encode_file(&b, f, source_info);
  google_protobuf_FileDescriptorProto *fp = need(google_protobuf_FileDescriptorProto_new(a));
  char *copy = need(bp_arena_memdup(a, b.data, b.len ? b.len : 1));
  bp_decode_options o;
  memset(&o, 0, sizeof o);
  o.max_depth = MAX_DEPTH;
  bp_status s = bp_decode(&google_protobuf_FileDescriptorProto_msgdef, fp, copy, b.len, a, &o);
  bu_buf_free(&b);
  if (s != BP_OK) {
    fprintf(stderr, "buoy: cannot read back the descriptor of %s: %s\n", f->name, bp_status_text(s));
    abort();
  }
  drop_buf_extension(fp->source_code_info);
  protoc_location_order(a, fp->source_code_info, f);
  file_walk(a, fp, f);
  return fp;
}

void bu_protoc_encode(bu_buf *b, const bp_msgdef *t, const void *msg, bp_arena *a) {
  bp_encode_options o = {0, MAX_DEPTH};
  bp_str out;
  bp_status s = bp_encode(t, msg, a, &o, &out);
  if (s != BP_OK) {
    fprintf(stderr, "buoy: cannot encode %s: %s\n", t->full_name, bp_status_text(s));
    abort();
  }
  bu_put_bytes(b, out.data, out.size);
}

void bu_encode_file_protoc(bu_buf *b, const bu_file *f, bool source_info) {
  bp_arena a;
  bp_arena_init(&a);
  bu_protoc_encode(b, &google_protobuf_FileDescriptorProto_msgdef, bu_protoc_file(&a, f, source_info), &a);
  bp_arena_free(&a);
}

