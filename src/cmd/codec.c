/* protoc's --encode, --decode and --decode_raw over dynamic tables: the
 * types come from a FileDescriptorSet (runtime/pb/dynamic.h), the text from
 * runtime/pb/text.h. `buoy protoc` calls cmd_protoc_codec; until it exists,
 * `buoy debug codec` does (src/cmd/debug.c). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd/cmd.h"
#include "pb/pb.h"

/* All of in, malloc'd (NULL when it cannot be read or is over INT32_MAX). */
static char *read_all(FILE *in, size_t *size) {
  size_t cap = 1 << 16, n = 0;
  char *buf = malloc(cap);
  while (buf) {
    if (n == cap) {
      if (cap > (size_t)INT32_MAX) {
        free(buf);
        return NULL;
      }
      char *nb = realloc(buf, cap * 2);
      if (!nb) {
        free(buf);
        return NULL;
      }
      buf = nb;
      cap *= 2;
    }
    size_t k = fread(buf + n, 1, cap - n, in);
    n += k;
    if (k == 0) {
      if (ferror(in)) {
        free(buf);
        return NULL;
      }
      break;
    }
  }
  *size = n;
  return buf;
}

/* Appends to *list the paths of the required fields msg lacks, as protobuf's
 * InitializationErrorString names them ("a.b", "c[0].d"), joined by ", ". */
static void missing_required(const bp_msgdef *t, const void *msg, const char *prefix, char *list, size_t cap,
                             int depth) {
  if (depth > BP_DEFAULT_MAX_DEPTH) return;
  for (uint32_t i = 0; i < t->field_count; i++) {
    const bp_field *f = &t->fields[i];
    const char *name = t->names ? t->names[i].name : "?";
    if ((f->flags & BP_F_REQUIRED) && !bp_msg_has(msg, f)) {
      size_t n = strlen(list);
      snprintf(list + n, cap - n, "%s%s%s", n ? ", " : "", prefix, name);
    }
    if (f->type != BP_TYPE_MESSAGE && f->type != BP_TYPE_GROUP) continue;
    const bp_msgdef *sub = t->subs[f->sub].msg;
    char path[512];
    if (f->flags & BP_F_REPEATED) {
      const bp_array *arr = bp_msg_array(msg, f);
      for (uint32_t k = 0; k < arr->size; k++) {
        snprintf(path, sizeof path, "%s%s[%u].", prefix, name, k);
        missing_required(sub, ((void *const *)arr->data)[k], path, list, cap, depth + 1);
      }
    } else if (bp_msg_has(msg, f)) {
      snprintf(path, sizeof path, "%s%s.", prefix, name);
      missing_required(sub, bp_msg_get(msg, f).msg, path, list, cap, depth + 1);
    }
  }
}

/* ---------------------------------------------------------------- protoc's field order */

typedef struct obuf {
  char *data;
  size_t len, cap;
  bool failed;
} obuf;

static void oput(obuf *b, const char *p, size_t n) {
  if (b->failed || !n) return;
  if (b->cap - b->len < n) {
    size_t cap = b->cap ? b->cap * 2 : 4096;
    while (cap - b->len < n)
      cap *= 2;
    char *d = realloc(b->data, cap);
    if (!d) {
      b->failed = true;
      return;
    }
    b->data = d;
    b->cap = cap;
  }
  memcpy(b->data + b->len, p, n);
  b->len += n;
}

static void oput_varint(obuf *b, uint64_t v) {
  char tmp[10];
  size_t n = 0;
  while (v >= 0x80) {
    tmp[n++] = (char)(v | 0x80);
    v >>= 7;
  }
  tmp[n++] = (char)v;
  oput(b, tmp, n);
}

typedef struct encoder {
  const bp_dynpool *pool;
  bp_arena *a;
} encoder;

static void encode_ordered(const encoder *e, const bp_msgdef *t, const void *msg, obuf *b, int depth);

static void encode_sub(const encoder *e, const bp_field *f, const bp_msgdef *sub, const void *m, obuf *b, int depth) {
  if (f->type == BP_TYPE_GROUP) {
    oput_varint(b, (uint64_t)f->number << 3 | 3);
    encode_ordered(e, sub, m, b, depth + 1);
    oput_varint(b, (uint64_t)f->number << 3 | 4);
    return;
  }
  obuf inner = {NULL, 0, 0, false};
  encode_ordered(e, sub, m, &inner, depth + 1);
  oput_varint(b, (uint64_t)f->number << 3 | 2);
  oput_varint(b, inner.len);
  oput(b, inner.data, inner.len);
  if (inner.failed) b->failed = true;
  free(inner.data);
}

/* One field as bp_encode writes it: through a table holding only that
 * field, over a copy of the message without its extensions and unknown
 * fields. */
static void encode_one(const bp_msgdef *t, const bp_field *f, const void *bare, bp_arena *a, obuf *b) {
  bp_msgdef view = *t;
  view.fields = f;
  view.names = t->names ? &t->names[f - t->fields] : NULL;
  view.field_count = 1;
  view.dense = f->number == 1;
  view.ext_range_count = 0;
  view.hasbit_fields = view.plain_fields = NULL; /* they index t's fields */
  view.hasbit_count = 0;
  view.encode = NULL; /* generated for all of t's fields */
  bp_str out;
  if (bp_encode(&view, bare, a, NULL, &out) != BP_OK) {
    b->failed = true;
    return;
  }
  oput(b, out.data, out.size);
}

/* A map entry's key or value that is not set, written as protobuf writes
 * it: a zero of its type. */
static void encode_zero(const bp_field *f, obuf *b) {
  static const char zeros[8];
  switch (f->type) {
  case BP_TYPE_DOUBLE:
  case BP_TYPE_FIXED64:
  case BP_TYPE_SFIXED64:
    oput_varint(b, (uint64_t)f->number << 3 | 1);
    oput(b, zeros, 8);
    break;
  case BP_TYPE_FLOAT:
  case BP_TYPE_FIXED32:
  case BP_TYPE_SFIXED32:
    oput_varint(b, (uint64_t)f->number << 3 | 5);
    oput(b, zeros, 4);
    break;
  case BP_TYPE_STRING:
  case BP_TYPE_BYTES:
  case BP_TYPE_MESSAGE:
    oput_varint(b, (uint64_t)f->number << 3 | 2);
    oput_varint(b, 0);
    break;
  case BP_TYPE_GROUP:
    oput_varint(b, (uint64_t)f->number << 3 | 3);
    oput_varint(b, (uint64_t)f->number << 3 | 4);
    break;
  default:
    oput_varint(b, (uint64_t)f->number << 3);
    oput_varint(b, 0);
  }
}

/* Extension entries of one number [x, xend): message values are decoded
 * through their type and written in protoc's order too. */
static void encode_ext(const encoder *e, const bp_msgdef *t, const bp_ext *x, const bp_ext *xend, obuf *b,
                       int depth) {
  const bp_extdef *def = e->pool ? bp_dynpool_ext_by_number(e->pool, t, x->number) : NULL;
  const bp_msgdef *carrier = def ? bp_dynpool_ext_carrier(e->pool, def) : NULL;
  void *c = carrier && (def->type == BP_TYPE_MESSAGE || def->type == BP_TYPE_GROUP) ? bp_msg_new(carrier, e->a) : NULL;
  bool ok = c != NULL;
  for (const bp_ext *k = x; ok && k < xend; k++)
    ok = k->kind == BP_EXT_RAW && bp_decode(carrier, c, k->u.raw.data, k->u.raw.size, e->a, NULL) == BP_OK;
  if (ok) {
    encode_ordered(e, carrier, c, b, depth);
    return;
  }
  for (const bp_ext *k = x; k < xend; k++)
    if (k->kind == BP_EXT_RAW) oput(b, k->u.raw.data, k->u.raw.size);
}

/* Writes the message as protoc does: fields and extensions together in
 * number order (bp_encode puts the extension set first, as Go does), a map
 * entry's key and value even when not set, then the unknown fields. */
static void encode_ordered(const encoder *e, const bp_msgdef *t, const void *msg, obuf *b, int depth) {
  bp_arena *a = e->a;
  if (t->flags & BP_MSG_SET) {
    /* items (type_id, message): bp_encode writes them as protoc does */
    bp_str out;
    if (bp_encode(t, msg, a, NULL, &out) != BP_OK)
      b->failed = true;
    else
      oput(b, out.data, out.size);
    return;
  }
  if (depth > BP_DEFAULT_MAX_DEPTH) {
    b->failed = true;
    return;
  }
  void *bare = bp_arena_malloc(a, t->size);
  if (!bare) {
    b->failed = true;
    return;
  }
  memcpy(bare, msg, t->size);
  *(bp_aux **)bare = NULL;
  size_t next;
  const bp_ext *ext = bp_ext_list(msg, &next), *eend = ext ? ext + next : ext;
  for (uint32_t i = 0; i <= t->field_count; i++) {
    uint32_t number = i < t->field_count ? t->fields[i].number : UINT32_MAX;
    while (ext < eend && ext->number < number) {
      const bp_ext *xend = ext;
      while (xend < eend && xend->number == ext->number)
        xend++;
      encode_ext(e, t, ext, xend, b, depth);
      ext = xend;
    }
    if (i == t->field_count) break;
    const bp_field *f = &t->fields[i];
    if ((t->flags & BP_MSG_MAP_ENTRY) && !bp_msg_has(msg, f)) {
      encode_zero(f, b);
    } else if (f->type != BP_TYPE_MESSAGE && f->type != BP_TYPE_GROUP) {
      encode_one(t, f, bare, a, b);
    } else if (f->flags & BP_F_REPEATED) {
      const bp_array *arr = bp_msg_array(msg, f);
      for (uint32_t k = 0; k < arr->size; k++)
        encode_sub(e, f, t->subs[f->sub].msg, ((void *const *)arr->data)[k], b, depth);
    } else if (bp_msg_has(msg, f)) {
      encode_sub(e, f, t->subs[f->sub].msg, bp_msg_get(msg, f).msg, b, depth);
    }
  }
  bp_str unk = bp_unknown(msg);
  oput(b, unk.data, unk.size);
}

/* ---------------------------------------------------------------- the modes */

static int codec(int mode, const char *type_name, const bp_dynpool *pool, const char *data, size_t size, bp_arena *a,
                 FILE *out, FILE *err) {
  bp_str text;
  if (mode == 'r') {
    if (bp_text_print_raw(data, size, a, &text) != BP_OK) {
      fprintf(err, "Failed to parse input.\n");
      return 1;
    }
    return fwrite(text.data, 1, text.size, out) == text.size ? 0 : 1;
  }
  const bp_msgdef *t = bp_dynpool_msgdef(pool, bp_str_c(type_name));
  if (!t) {
    fprintf(err, "Type not defined: %s\n", type_name);
    return 1;
  }
  void *msg = bp_msg_new(t, a);
  if (!msg) return 1;
  if (mode == 'e') {
    char msgbuf[600];
    if (!bp_text_parse(t, msg, data, size, pool, a, msgbuf, sizeof msgbuf)) {
      fprintf(err, "input:%s\nFailed to parse input.\n", msgbuf);
      return 1;
    }
  } else {
    bp_decode_options o;
    memset(&o, 0, sizeof o);
    o.registry = bp_dynpool_registry(pool);
    if (bp_decode(t, msg, data, size, a, &o) != BP_OK) {
      fprintf(err, "Failed to parse input.\n");
      return 1;
    }
  }
  char missing[2048] = "";
  missing_required(t, msg, "", missing, sizeof missing, 0);
  if (missing[0]) fprintf(err, "warning:  Input message is missing required fields:  %s\n", missing);
  bp_status st;
  if (mode == 'e') {
    obuf b = {NULL, 0, 0, false};
    encoder enc = {pool, a};
    encode_ordered(&enc, t, msg, &b, 0);
    char *copy = b.failed ? NULL : bp_arena_memdup(a, b.data ? b.data : "", b.len);
    st = copy ? BP_OK : BP_ENOMEM;
    text = bp_str_make(copy, b.len);
    free(b.data);
  } else {
    st = bp_text_print(t, msg, pool, a, &text);
  }
  if (st != BP_OK) {
    fprintf(err, "output: %s\n", bp_status_text(st));
    return 1;
  }
  if (fwrite(text.data, 1, text.size, out) != text.size || fflush(out) != 0) {
    fprintf(err, "output: I/O error.\n");
    return 1;
  }
  return 0;
}

int cmd_protoc_codec(int mode, const char *type_name, const char *fds, size_t fds_size, FILE *in, FILE *out,
                     FILE *err) {
  if ((mode != 'e' && mode != 'd' && mode != 'r') || (mode != 'r' && !type_name)) {
    fprintf(err, "buoy protoc: bad codec mode\n");
    return 1;
  }
  size_t size;
  char *data = read_all(in, &size);
  if (!data) {
    fprintf(err, "buoy protoc: cannot read the input\n");
    return 1;
  }
  bp_arena a;
  bp_arena_init(&a);
  char msg[512];
  int rc = 1;
  const bp_dynpool *pool = mode == 'r' ? NULL : bp_dynpool_new(fds, fds_size, &a, msg, sizeof msg);
  if (mode != 'r' && !pool)
    fprintf(err, "buoy protoc: %s\n", msg);
  else
    rc = codec(mode, type_name, pool, data, size, &a, out, err);
  bp_arena_free(&a);
  free(data);
  return rc;
}
