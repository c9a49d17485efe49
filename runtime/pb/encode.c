/* Encoding, back to front: the buffer is filled from its end, fields in
 * reverse, so a submessage's length is known when its prefix is written and
 * nothing is sized twice or moved. */
#include "pb/internal.h"

typedef struct encoder {
  bp__enc w; /* first: generated encoders get a pointer to it */
  bp_arena *arena;
  uint32_t flags;
  uint32_t depth; /* levels of nesting still allowed */
  bp_status status;
} encoder;

static bool grow(encoder *e, size_t n) {
  size_t used = (size_t)(e->w.end - e->w.ptr);
  size_t cap = (size_t)(e->w.end - e->w.buf);
  if (n > (size_t)INT32_MAX - used) {
    e->status = BP_ETOOBIG;
    return false;
  }
  size_t ncap = cap ? cap * 2 : 256;
  while (ncap - used < n)
    ncap *= 2;
  char *nb = bp_arena_malloc(e->arena, ncap);
  if (!nb) {
    e->status = BP_ENOMEM;
    return false;
  }
  if (used) memcpy(nb + ncap - used, e->w.ptr, used);
  e->w.buf = nb;
  e->w.end = nb + ncap;
  e->w.ptr = e->w.end - used;
  return true;
}

static inline bool reserve(encoder *e, size_t n) { return (uintptr_t)e->w.ptr - (uintptr_t)e->w.buf >= n || grow(e, n); }

static inline bool put_bytes(encoder *e, const void *p, size_t n) {
  if (!n) return true;
  if (!reserve(e, n)) return false;
  e->w.ptr -= n;
  memcpy(e->w.ptr, p, n);
  return true;
}

static inline bool put_varint(encoder *e, uint64_t v) {
  if (v < 0x80) {
    if (!reserve(e, 1)) return false;
    *--e->w.ptr = (char)v;
    return true;
  }
  size_t n = bp__varint_size(v);
  if (!reserve(e, n)) return false;
  e->w.ptr -= n;
  char *q = e->w.ptr;
  while (v >= 0x80) {
    *q++ = (char)(v | 0x80);
    v >>= 7;
  }
  *q = (char)v;
  return true;
}

static inline bool put_tag(encoder *e, uint32_t number, int wt) {
  return put_varint(e, (uint64_t)number << 3 | (uint64_t)wt);
}

static inline bool put_fixed(encoder *e, uint64_t v, size_t n) {
  if (!reserve(e, n)) return false;
  e->w.ptr -= n;
  for (size_t i = 0; i < n; i++)
    e->w.ptr[i] = (char)(v >> (8 * i));
  return true;
}

/* A scalar's value, without its tag. */
static inline bool put_scalar(encoder *e, int type, const void *p) {
  switch (bp__wire_type[type]) {
  case WT_VARINT: return put_varint(e, bp__varint_of(type, p));
  case WT_FIXED32: {
    uint32_t v;
    memcpy(&v, p, 4);
    return put_fixed(e, v, 4);
  }
  default: {
    uint64_t v;
    memcpy(&v, p, 8);
    return put_fixed(e, v, 8);
  }
  }
}

static inline void varint_unchecked(encoder *e, uint64_t v);

static inline bool put_string(encoder *e, uint32_t number, const bp_str *s) {
  if (!reserve(e, s->size + 15)) return false;
  e->w.ptr -= s->size;
  if (s->size) memcpy(e->w.ptr, s->data, s->size);
  varint_unchecked(e, s->size);
  varint_unchecked(e, (uint64_t)number << 3 | WT_LEN);
  return true;
}

static bool put_message(encoder *e, const bp_msgdef *t, const void *msg);

static bool put_sub(encoder *e, const bp_field *f, const bp_msgdef *sub, const void *m) {
  if (f->type == BP_TYPE_GROUP)
    return put_tag(e, f->number, WT_EGROUP) && put_message(e, sub, m) && put_tag(e, f->number, WT_SGROUP);
  size_t before = (size_t)(e->w.end - e->w.ptr);
  if (!put_message(e, sub, m) || !reserve(e, 15)) return false;
  varint_unchecked(e, (size_t)(e->w.end - e->w.ptr) - before);
  varint_unchecked(e, (uint64_t)f->number << 3 | WT_LEN);
  return true;
}

static bool is_zero(const char *p, size_t n) {
  for (size_t i = 0; i < n; i++)
    if (p[i]) return false;
  return true;
}

/* Writes a varint where room was reserved. */
static inline void varint_unchecked(encoder *e, uint64_t v) { e->w.ptr = bp__enc_varint(e->w.ptr, v); }

/* Values at a time: room for the worst case of so many is reserved once, and
 * the loops write without checks. */
#define CHUNK 128u

#define VARINTS(T, expr)                                                                                               \
  {                                                                                                                    \
    const T *v = (const T *)data;                                                                                      \
    if (tag)                                                                                                           \
      for (uint32_t i = hi; i-- > lo;) {                                                                               \
        varint_unchecked(e, (expr));                                                                                   \
        varint_unchecked(e, tag);                                                                                      \
      }                                                                                                                \
    else                                                                                                               \
      for (uint32_t i = hi; i-- > lo;)                                                                                 \
        varint_unchecked(e, (expr));                                                                                   \
  }                                                                                                                    \
  break

/* Values [lo, hi) of a varint type, last to first, where room was reserved. */
static inline void varints_unchecked(encoder *e, int type, const void *data, uint32_t lo, uint32_t hi, uint32_t tag) {
  switch (type) {
  case BP_TYPE_INT32:
  case BP_TYPE_ENUM: VARINTS(int32_t, (uint64_t)(int64_t)v[i]);
  case BP_TYPE_UINT32: VARINTS(uint32_t, v[i]);
  case BP_TYPE_SINT32: VARINTS(int32_t, bp__zigzag32(v[i]));
  case BP_TYPE_SINT64: VARINTS(int64_t, bp__zigzag64(v[i]));
  case BP_TYPE_BOOL: VARINTS(bool, v[i] ? 1u : 0u);
  default: VARINTS(uint64_t, v[i]); /* int64, uint64 */
  }
}

/* The values of a repeated scalar field, last to first: each after its tag
 * when tag is not 0 (unpacked), else bare (the inside of a packed field). */
static bool put_scalars(encoder *e, int type, const void *data, uint32_t n, uint32_t tag) {
  size_t tagsize = tag ? bp__varint_size(tag) : 0;
  int wt = bp__wire_type[type];
  if (wt != WT_VARINT) {
    size_t w = wt == WT_FIXED32 ? 4 : 8;
    if (!tag && bp__little_endian()) return put_bytes(e, data, (size_t)n * w); /* as they are in memory */
    for (uint32_t i = n; i-- > 0;) {
      uint64_t v = 0;
      memcpy(&v, (const char *)data + i * w, w);
      if (!put_fixed(e, w == 4 ? (uint32_t)v : v, w) || (tag && !put_varint(e, tag))) return false;
    }
    return true;
  }
  for (uint32_t hi = n; hi > 0;) {
    uint32_t lo = hi > CHUNK ? hi - CHUNK : 0;
    if (!reserve(e, (size_t)(hi - lo) * (10 + tagsize))) return false;
    varints_unchecked(e, type, data, lo, hi, tag);
    hi = lo;
  }
  return true;
}

/* A map entry's key or value: written even when zero (as protobuf does); a
 * missing message value as an empty message. */
static bool put_entry_field(encoder *e, const bp_msgdef *entry, const bp_field *f, const void *msg) {
  const char *p = (const char *)msg + f->offset;
  if (bp__is_message(f->type)) {
    const void *m = *(void *const *)(const void *)p;
    if (m) return put_sub(e, f, entry->subs[f->sub].msg, m);
    return put_varint(e, 0) && put_tag(e, f->number, WT_LEN);
  }
  if (f->type == BP_TYPE_STRING || f->type == BP_TYPE_BYTES) return put_string(e, f->number, (const bp_str *)p);
  return put_scalar(e, f->type, p) && put_tag(e, f->number, bp__wire_type[f->type]);
}

static bool put_repeated(encoder *e, const bp_msgdef *t, const bp_field *f, const bp_array *arr);

/* A typed extension: a singular value is written even when zero (it is
 * set), a NULL message as an empty one; in a message set, a message as an
 * Item group (type_id, message). */
static bool put_ext(encoder *e, const bp_msgdef *t, const bp_ext *x) {
  const bp_extdef *d = x->def;
  bp_field f = {d->number, 0, 0, 0, d->type, d->flags};
  bp_msgdef one;
  memset(&one, 0, sizeof one);
  one.subs = &d->sub;
  if (d->flags & BP_F_REPEATED) return x->u.array.size ? put_repeated(e, &one, &f, &x->u.array) : true;
  if ((t->flags & BP_MSG_SET) && d->type == BP_TYPE_MESSAGE) {
    bp_field body = {3, 0, 0, 0, BP_TYPE_MESSAGE, 0};
    return put_tag(e, 1, WT_EGROUP) && put_entry_field(e, &one, &body, &x->u) && put_varint(e, d->number) &&
           put_tag(e, 2, WT_VARINT) && put_tag(e, 1, WT_SGROUP);
  }
  if (d->type == BP_TYPE_GROUP && !x->u.value.msg)
    return put_tag(e, f.number, WT_EGROUP) && put_tag(e, f.number, WT_SGROUP);
  return put_entry_field(e, &one, &f, &x->u);
}

/* A map's entries, in key order when deterministic output is asked for.
 * Only the key and the value are written (an entry's unknown fields are
 * dropped, as protobuf drops them). */
static bool put_map(encoder *e, const bp_field *f, const bp_msgdef *entry, const bp_map *m) {
  if (entry->field_count < 2) return true;
  void *const *es = (void *const *)m->entries.data;
  if (e->flags & BP_ENCODE_DETERMINISTIC) {
    es = bp__map_sorted(m, entry, e->arena);
    if (!es) {
      e->status = BP_ENOMEM;
      return false;
    }
  }
  if (e->depth == 0) {
    e->status = BP_EDEPTH;
    return false;
  }
  e->depth--;
  for (uint32_t i = m->entries.size; i-- > 0;) {
    size_t before = (size_t)(e->w.end - e->w.ptr);
    if (!put_entry_field(e, entry, &entry->fields[1], es[i]) || !put_entry_field(e, entry, &entry->fields[0], es[i]) ||
        !reserve(e, 15))
      return false;
    varint_unchecked(e, (size_t)(e->w.end - e->w.ptr) - before);
    varint_unchecked(e, (uint64_t)f->number << 3 | WT_LEN);
  }
  e->depth++;
  return true;
}

static bool put_repeated(encoder *e, const bp_msgdef *t, const bp_field *f, const bp_array *arr) {
  uint32_t n = arr->size;
  if (bp__is_message(f->type)) {
    const bp_msgdef *sub = t->subs[f->sub].msg;
    if (f->flags & BP_F_MAP) return put_map(e, f, sub, (const bp_map *)(const void *)arr);
    if (f->type == BP_TYPE_GROUP) {
      for (uint32_t i = n; i-- > 0;)
        if (!put_sub(e, f, sub, ((void *const *)arr->data)[i])) return false;
      return true;
    }
    uint64_t tag = (uint64_t)f->number << 3 | WT_LEN;
    for (uint32_t i = n; i-- > 0;) { /* put_sub's work without its call */
      size_t before = (size_t)(e->w.end - e->w.ptr);
      if (!put_message(e, sub, ((void *const *)arr->data)[i]) || !reserve(e, 15)) return false;
      varint_unchecked(e, (size_t)(e->w.end - e->w.ptr) - before);
      varint_unchecked(e, tag);
    }
    return true;
  }
  if (f->type == BP_TYPE_STRING || f->type == BP_TYPE_BYTES) {
    for (uint32_t i = n; i-- > 0;)
      if (!put_string(e, f->number, &((const bp_str *)arr->data)[i])) return false;
    return true;
  }
  if ((f->flags & BP_F_PACKED) && n <= CHUNK && bp__wire_type[f->type] == WT_VARINT) {
    /* the common short packed array: one reservation for values, length and tag */
    if (!reserve(e, (size_t)n * 10 + 15)) return false;
    char *end = e->w.ptr;
    varints_unchecked(e, f->type, arr->data, 0, n, 0);
    varint_unchecked(e, (uint64_t)(end - e->w.ptr));
    varint_unchecked(e, (uint64_t)f->number << 3 | WT_LEN);
    return true;
  }
  if (f->flags & BP_F_PACKED) {
    size_t before = (size_t)(e->w.end - e->w.ptr);
    if (!put_scalars(e, f->type, arr->data, n, 0)) return false;
    return put_varint(e, (size_t)(e->w.end - e->w.ptr) - before) && put_tag(e, f->number, WT_LEN);
  }
  return put_scalars(e, f->type, arr->data, n, f->number << 3 | (uint32_t)bp__wire_type[f->type]);
}

/* Stores v little-endian in n bytes at q. */
static inline void store_fixed(char *q, uint64_t v, size_t n) {
  if (bp__little_endian()) {
    memcpy(q, &v, n);
    return;
  }
  for (size_t i = 0; i < n; i++)
    q[i] = (char)(v >> (8 * i));
}

/* Room a scalar field takes at most: a 10-byte value and a 5-byte tag. */
#define SCALAR_ROOM 15u

/* The highest bit set in a byte that is not zero. */
static inline uint32_t top_bit(uint32_t byte) {
#if defined(__GNUC__) || defined(__clang__)
  return 31u - (uint32_t)__builtin_clz(byte);
#else
  uint32_t i = 7;
  while (!(byte >> i & 1))
    i--;
  return i;
#endif
}

/* Which fields the encoder visits, last to first, with the table's hasbit
 * lists: a field with a hasbit only when it is set (the hasbits are read a
 * byte at a time, down from the last), merged with the other fields, all
 * visited. */
typedef struct cursor {
  const uint16_t *hasbit_fields;
  const uint16_t *plain_fields;
  const uint8_t *has; /* the hasbits */
  uint32_t byte;      /* has[byte] is being read; those below are still to read */
  uint32_t bits;      /* its set bits not visited yet */
  int32_t next_set;   /* the field index of the next set hasbit, or -1 */
  int32_t next_plain; /* the field index of the next other field, or -1 */
  uint32_t plain;     /* other fields left after that one */
} cursor;

static inline void next_hasbit(cursor *c) {
  while (!c->bits) {
    if (!c->byte) {
      c->next_set = -1;
      return;
    }
    c->bits = c->has[--c->byte];
  }
  uint32_t top = top_bit(c->bits);
  c->bits ^= 1u << top;
  c->next_set = c->hasbit_fields[c->byte * 8 + top];
}

static inline void next_plain(cursor *c) { c->next_plain = c->plain ? c->plain_fields[--c->plain] : -1; }

/* false when the table has no hasbit lists (every field is then visited). */
static inline bool cursor_init(cursor *c, const bp_msgdef *t, const void *msg) {
  uint32_t n = t->hasbit_count;
  if (!t->hasbit_fields || !n || n > t->field_count || (n < t->field_count && !t->plain_fields)) return false;
  int32_t base = t->fields[t->hasbit_fields[0]].presence;
  if (base <= 0 || base % 8) return false; /* hasbits not from a byte: not a layout made by buoy */
  c->hasbit_fields = t->hasbit_fields;
  c->plain_fields = t->plain_fields;
  c->has = (const uint8_t *)msg + base / 8;
  c->byte = (n - 1) / 8;
  /* the last byte's bits past the last hasbit are not hasbits */
  c->bits = c->has[c->byte] & (0xffu >> (7 - (n - 1) % 8));
  c->plain = (uint32_t)t->field_count - n;
  next_hasbit(c);
  next_plain(c);
  return true;
}

/* The index of the next field to visit, or -1 when there is none. */
static inline int32_t cursor_next(cursor *c) {
  int32_t h = c->next_set, p = c->next_plain;
  if (h > p) {
    next_hasbit(c);
    return h;
  }
  if (p >= 0) next_plain(c);
  return p;
}

#if defined(__GNUC__) || defined(__clang__)
#define ALWAYS_INLINE inline __attribute__((always_inline))
#else
#define ALWAYS_INLINE inline
#endif

/* One field, unless absent (set: its hasbit is known to be set), ending at
 * *ptrp where room bytes are reserved below; room is reserved again after
 * what may write more than a scalar. */
static ALWAYS_INLINE bool put_field(encoder *e, const bp_msgdef *t, const bp_field *f, const void *msg, char **ptrp,
                                    size_t room, bool set) {
  char *ptr = *ptrp;
  int32_t presence = f->presence;
  if (set && presence > 0) goto present; /* the caller saw its hasbit set */
  if (presence == 0) {
    if (f->flags & BP_F_REPEATED) {
      const bp_array *arr = (const bp_array *)(const void *)((const char *)msg + f->offset);
      if (!arr->size) goto done;
      e->w.ptr = ptr;
      if (!put_repeated(e, t, f, arr)) return false;
      goto refill;
    }
  } else if (presence > 0) {
    uint32_t bit = (uint32_t)presence; /* unsigned: no sign extension */
    if (!((((const uint8_t *)msg)[bit >> 3] >> (bit & 7)) & 1)) goto done;
  } else if (bp__oneof_case(msg, f) != f->number) {
    goto done;
  }
 present:;
  /* Implicit presence (presence == 0) writes only values that are not
   * zero: for floating point, bits that are not zero (-0.0 is written). */
  const char *p = (const char *)msg + f->offset;
  uint64_t v;
  uint32_t wt = WT_VARINT;
  switch (f->type) {
  case BP_TYPE_MESSAGE: {
    /* put_sub's work without its call: the message, its length, its tag */
    const void *m = *(void *const *)(const void *)p;
    if (!m) goto done;
    e->w.ptr = ptr;
    size_t before = (size_t)(e->w.end - ptr);
    if (!put_message(e, t->subs[f->sub].msg, m) || !reserve(e, room)) return false;
    ptr = bp__enc_varint(e->w.ptr, (size_t)(e->w.end - e->w.ptr) - before);
    wt = WT_LEN;
    goto tag;
  }
  case BP_TYPE_GROUP: {
    const void *m = *(void *const *)(const void *)p;
    if (!m) goto done;
    e->w.ptr = ptr;
    if (!put_sub(e, f, t->subs[f->sub].msg, m)) return false;
    goto refill;
  }
  case BP_TYPE_STRING:
  case BP_TYPE_BYTES: {
    /* the string's room and the room for the fields left, at once */
    const bp_str *s = (const bp_str *)(const void *)p;
    if (presence == 0 && s->size == 0) goto done;
    if ((uintptr_t)ptr - (uintptr_t)e->w.buf < s->size + room) {
      e->w.ptr = ptr;
      if (!grow(e, s->size + room)) return false;
      ptr = e->w.ptr;
    }
    ptr -= s->size;
    if (s->size) memcpy(ptr, s->data, s->size);
    ptr = bp__enc_varint(ptr, s->size);
    wt = WT_LEN;
    goto tag;
  }
  case BP_TYPE_DOUBLE:
  case BP_TYPE_FIXED64:
  case BP_TYPE_SFIXED64:
    memcpy(&v, p, 8);
    if (presence == 0 && !v) goto done;
    store_fixed(ptr -= 8, v, 8);
    wt = WT_FIXED64;
    goto tag;
  case BP_TYPE_FLOAT:
  case BP_TYPE_FIXED32:
  case BP_TYPE_SFIXED32: {
    uint32_t x;
    memcpy(&x, p, 4);
    if (presence == 0 && !x) goto done;
    store_fixed(ptr -= 4, x, 4);
    wt = WT_FIXED32;
    goto tag;
  }
  case BP_TYPE_BOOL: {
    bool x;
    memcpy(&x, p, sizeof x);
    v = x;
    break;
  }
  case BP_TYPE_INT32:
  case BP_TYPE_ENUM: {
    int32_t x;
    memcpy(&x, p, 4);
    v = (uint64_t)(int64_t)x;
    break;
  }
  case BP_TYPE_UINT32: {
    uint32_t x;
    memcpy(&x, p, 4);
    v = x;
    break;
  }
  case BP_TYPE_SINT32: {
    int32_t x;
    memcpy(&x, p, 4);
    v = bp__zigzag32(x);
    break;
  }
  case BP_TYPE_SINT64: {
    int64_t x;
    memcpy(&x, p, 8);
    v = bp__zigzag64(x);
    break;
  }
  default: /* int64, uint64 */
    memcpy(&v, p, 8);
    break;
  }
  if (presence == 0 && !v) goto done; /* a varint is zero exactly when its value is */
  ptr = bp__enc_varint(ptr, v);
 tag:
  ptr = bp__enc_varint(ptr, (uint64_t)f->number << 3 | wt);
  goto done;
 refill:
  if (!reserve(e, room)) return false;
  ptr = e->w.ptr;
 done:
  *ptrp = ptr;
  return true;
}

static bool put_fields(encoder *e, const bp_msgdef *t, const void *msg) {
  if (!t->field_count) return true; /* fields may then be NULL: no pointer arithmetic on it */
  size_t room = (size_t)t->field_count * SCALAR_ROOM;
  if (!reserve(e, room)) return false;
  char *ptr = e->w.ptr;
  cursor c;
  if (cursor_init(&c, t, msg)) {
    for (int32_t i; (i = cursor_next(&c)) >= 0;)
      if (!put_field(e, t, &t->fields[i], msg, &ptr, room, true)) return false;
  } else {
    const bp_field *first = t->fields; /* in a local: stores through ptr could change *t */
    const bp_field *f = first + t->field_count;
    while (f != first) {
      f--;
      if (!put_field(e, t, f, msg, &ptr, room, false)) return false;
    }
  }
  e->w.ptr = ptr;
  return true;
}

static bool put_message(encoder *e, const bp_msgdef *t, const void *msg) {
  if (e->depth == 0) {
    e->status = BP_EDEPTH;
    return false;
  }
  e->depth--;
  const bp_aux *x = bp_msg_aux(msg);
  if (x && !(e->flags & BP_ENCODE_SKIP_UNKNOWN) && !put_bytes(e, x->unknown, x->unknown_size)) return false;
  if (t->encode ? !t->encode(&e->w, msg) : !put_fields(e, t, msg)) return false;
  if (x)
    for (uint32_t i = x->ext_count; i-- > 0;) {
      const bp_ext *xe = &x->ext[i];
      if (xe->kind == BP_EXT_RAW ? !put_bytes(e, xe->u.raw.data, xe->u.raw.size) : !put_ext(e, t, xe)) return false;
    }
  e->depth++;
  return true;
}

/* The generated encoders' way back in (pb/msg.h): the bp__enc they get is
 * the first member of an encoder. */
bool bp__enc_grow(bp__enc *w, char *ptr, size_t n) {
  encoder *e = (encoder *)(void *)w;
  e->w.ptr = ptr;
  return grow(e, n);
}

bool bp__enc_message(bp__enc *w, const bp_msgdef *t, const void *msg) {
  return put_message((encoder *)(void *)w, t, msg);
}

bool bp__enc_field(bp__enc *w, const bp_msgdef *t, uint32_t i, const void *msg) {
  encoder *e = (encoder *)(void *)w;
  if (!reserve(e, SCALAR_ROOM)) return false;
  char *ptr = e->w.ptr;
  if (!put_field(e, t, &t->fields[i], msg, &ptr, SCALAR_ROOM, false)) return false;
  e->w.ptr = ptr;
  return true;
}

bp_status bp_encode(const bp_msgdef *t, const void *msg, bp_arena *a, const bp_encode_options *o, bp_str *out) {
  encoder e;
  e.w.buf = e.w.ptr = e.w.end = NULL;
  e.arena = a;
  e.flags = o ? o->flags : 0;
  e.depth = o && o->max_depth ? o->max_depth : BP_DEFAULT_MAX_DEPTH;
  /* the limit counts nested messages, as bp_decode's: the top one is free */
  if (e.depth < UINT32_MAX) e.depth++;
  e.status = BP_OK;
  *out = bp_str_make("", 0);
  /* The first buffer is the free end of the arena's current block, claimed
   * whole while encoding (the arena cannot allocate from it meanwhile) and
   * given back afterwards but for the output: no allocation and no copy
   * while the message fits. A smaller free end gets a buffer of its own. */
  char *tail = a->ptr, *tail_end = a->end;
  bool claimed = (uintptr_t)tail_end - (uintptr_t)tail >= 256;
  if (claimed) {
    e.w.buf = tail;
    e.w.ptr = e.w.end = tail_end;
    a->end = tail;
  } else if (!grow(&e, 0)) {
    return e.status;
  }
  bool ok = put_message(&e, t, msg);
  if (claimed && a->ptr == tail && a->end == tail) /* nothing was allocated since */
    a->end = ok && e.w.buf == tail ? e.w.ptr : tail_end;
  if (!ok) return e.status;
  *out = bp_str_make(e.w.ptr, (size_t)(e.w.end - e.w.ptr));
  return BP_OK;
}

/* ---------------------------------------------------------------- size */

static size_t message_size(const bp_msgdef *t, const void *msg, uint32_t depth);

static size_t tag_size(uint32_t number) { return bp__varint_size((uint64_t)number << 3); }

static size_t scalar_size(int type, const void *p) {
  switch (bp__wire_type[type]) {
  case WT_VARINT: return bp__varint_size(bp__varint_of(type, p));
  case WT_FIXED32: return 4;
  default: return 8;
  }
}

static size_t sub_size(const bp_field *f, const bp_msgdef *sub, const void *m, uint32_t depth) {
  size_t n = message_size(sub, m, depth);
  if (n == SIZE_MAX) return n;
  if (f->type == BP_TYPE_GROUP) return 2 * tag_size(f->number) + n;
  return tag_size(f->number) + bp__varint_size(n) + n;
}

static size_t entry_field_size(const bp_msgdef *entry, const bp_field *f, const void *msg, uint32_t depth) {
  const char *p = (const char *)msg + f->offset;
  if (bp__is_message(f->type)) {
    const void *m = *(void *const *)(const void *)p;
    return m ? sub_size(f, entry->subs[f->sub].msg, m, depth) : tag_size(f->number) + 1;
  }
  if (f->type == BP_TYPE_STRING || f->type == BP_TYPE_BYTES) {
    size_t n = ((const bp_str *)(const void *)p)->size;
    return tag_size(f->number) + bp__varint_size(n) + n;
  }
  return tag_size(f->number) + scalar_size(f->type, p);
}

static size_t map_size(const bp_field *f, const bp_msgdef *entry, const bp_map *m, uint32_t depth) {
  if (entry->field_count < 2) return 0;
  if (depth == 0) return SIZE_MAX;
  size_t total = 0;
  for (uint32_t i = 0; i < m->entries.size; i++) {
    const void *e = ((void *const *)m->entries.data)[i];
    size_t k = entry_field_size(entry, &entry->fields[0], e, depth - 1);
    size_t v = entry_field_size(entry, &entry->fields[1], e, depth - 1);
    if (v == SIZE_MAX) return v;
    total += tag_size(f->number) + bp__varint_size(k + v) + k + v;
  }
  return total;
}

static size_t field_size(const bp_msgdef *t, const bp_field *f, const void *msg, uint32_t depth) {
  const char *p = (const char *)msg + f->offset;
  size_t total = 0;
  if (f->flags & BP_F_REPEATED) {
    const bp_array *arr = (const bp_array *)(const void *)p;
    if (!arr->size) return 0;
    if (f->flags & BP_F_MAP) return map_size(f, t->subs[f->sub].msg, (const bp_map *)(const void *)arr, depth);
    if (bp__is_message(f->type)) {
      for (uint32_t i = 0; i < arr->size; i++) {
        size_t n = sub_size(f, t->subs[f->sub].msg, ((void *const *)arr->data)[i], depth);
        if (n == SIZE_MAX) return n;
        total += n;
      }
      return total;
    }
    if (f->type == BP_TYPE_STRING || f->type == BP_TYPE_BYTES) {
      for (uint32_t i = 0; i < arr->size; i++) {
        size_t n = ((const bp_str *)arr->data)[i].size;
        total += tag_size(f->number) + bp__varint_size(n) + n;
      }
      return total;
    }
    size_t elem = bp__type_size[f->type];
    for (uint32_t i = 0; i < arr->size; i++)
      total += scalar_size(f->type, (const char *)arr->data + i * elem);
    if (f->flags & BP_F_PACKED) return tag_size(f->number) + bp__varint_size(total) + total;
    return total + arr->size * tag_size(f->number);
  }
  if (f->presence > 0) {
    if (!bp__hasbit(msg, f->presence)) return 0;
  } else if (f->presence < 0) {
    if (bp__oneof_case(msg, f) != f->number) return 0;
  }
  if (bp__is_message(f->type)) {
    const void *m = *(void *const *)(const void *)p;
    return m ? sub_size(f, t->subs[f->sub].msg, m, depth) : 0;
  }
  if (f->type == BP_TYPE_STRING || f->type == BP_TYPE_BYTES) {
    size_t n = ((const bp_str *)(const void *)p)->size;
    if (f->presence == 0 && n == 0) return 0;
    return tag_size(f->number) + bp__varint_size(n) + n;
  }
  if (f->presence == 0 && is_zero(p, bp__type_size[f->type])) return 0;
  return tag_size(f->number) + scalar_size(f->type, p);
}

static size_t ext_size(const bp_msgdef *t, const bp_ext *x, uint32_t depth) {
  const bp_extdef *d = x->def;
  bp_field f = {d->number, 0, 0, 0, d->type, d->flags};
  bp_msgdef one;
  memset(&one, 0, sizeof one);
  one.subs = &d->sub;
  if (d->flags & BP_F_REPEATED) return field_size(&one, &f, &x->u, depth);
  if ((t->flags & BP_MSG_SET) && d->type == BP_TYPE_MESSAGE) {
    bp_field body = {3, 0, 0, 0, BP_TYPE_MESSAGE, 0};
    size_t n = entry_field_size(&one, &body, &x->u, depth);
    return n == SIZE_MAX ? n : 2 * tag_size(1) + tag_size(2) + bp__varint_size(d->number) + n;
  }
  if (d->type == BP_TYPE_GROUP && !x->u.value.msg) return 2 * tag_size(f.number);
  return entry_field_size(&one, &f, &x->u, depth);
}

static size_t message_size(const bp_msgdef *t, const void *msg, uint32_t depth) {
  if (depth == 0) return SIZE_MAX;
  size_t total = 0;
  const bp_aux *x = bp_msg_aux(msg);
  if (x) {
    total += x->unknown_size;
    for (uint32_t i = 0; i < x->ext_count; i++) {
      size_t n = x->ext[i].kind == BP_EXT_RAW ? x->ext[i].u.raw.size : ext_size(t, &x->ext[i], depth - 1);
      if (n == SIZE_MAX) return n;
      total += n;
    }
  }
  for (uint32_t i = 0; i < t->field_count; i++) {
    size_t n = field_size(t, &t->fields[i], msg, depth - 1);
    if (n == SIZE_MAX) return n;
    total += n;
  }
  return total;
}

size_t bp_encoded_size(const bp_msgdef *t, const void *msg) {
  return message_size(t, msg, BP_DEFAULT_MAX_DEPTH + 1); /* the top message and as many nested as decoding reads */
}
