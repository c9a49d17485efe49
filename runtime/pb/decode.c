/* Decoding: one loop over the input, each field found in the table by
 * number (find_field): directly for the dense low numbers, else first the
 * entry after the previous field's and that field again (fields usually
 * arrive in number order), else by binary search. A field arriving with its
 * own wire type is stored by a switch on its type (the fast path,
 * decode_fast); the rest (packed fields, maps, closed enums, wire types that
 * do not match) goes through decode_field. */
#include "pb/internal.h"

typedef struct decoder {
  bp_arena *arena;
  uint32_t flags;
  uint32_t depth; /* levels of nesting still allowed */
  bp_status status;
  bool enum_unknown; /* a closed enum's unknown number was met (map entries ask) */
  const bp_registry *registry;
} decoder;

/* Stands for an extension field to keep as unknown. */
static const bp_field unknown_ext = {0, 0, 0, 0, 0, 0};

/* decode_field's answer for a field to keep as unknown. */
static const char unknown_mark;
#define UNKNOWN (&unknown_mark)

static const char *fail(decoder *d, bp_status s) {
  d->status = s;
  return NULL;
}

static const char *read_varint_slow(const char *p, const char *end, uint64_t *out) {
  uint64_t v = 0;
  if (end - p >= 10) { /* no bounds checks: a varint has at most 10 bytes */
    for (unsigned shift = 0; shift < 70; shift += 7) {
      uint8_t b = (uint8_t)*p++;
      v |= (uint64_t)(b & 0x7f) << shift;
      if (b < 0x80) {
        *out = v;
        return p;
      }
    }
    return NULL;
  }
  for (unsigned shift = 0; shift < 70; shift += 7) {
    if (p >= end) return NULL;
    uint8_t b = (uint8_t)*p++;
    v |= (uint64_t)(b & 0x7f) << shift;
    if (b < 0x80) {
      *out = v;
      return p;
    }
  }
  return NULL; /* more than 10 bytes */
}

/* Varints of one and two bytes inline (tags, lengths and small numbers),
 * longer ones out of line. */
static inline const char *read_varint(const char *p, const char *end, uint64_t *out) {
  if (p < end && (uint8_t)*p < 0x80) {
    *out = (uint8_t)*p;
    return p + 1;
  }
  if (end - p >= 2 && (uint8_t)p[1] < 0x80) {
    *out = ((uint64_t)(uint8_t)p[0] & 0x7f) | (uint64_t)(uint8_t)p[1] << 7;
    return p + 2;
  }
  return read_varint_slow(p, end, out);
}

/* A tag: a varint of at most 5 bytes whose bits past 32 are dropped, as
 * protobuf's C++ parser reads tags (so both accept the same input); NULL
 * when longer or truncated. */
static inline const char *read_tag(const char *p, const char *end, uint32_t *tag) {
  if (p < end && (uint8_t)*p < 0x80) {
    *tag = (uint8_t)*p;
    return p + 1;
  }
  uint64_t v;
  const char *q = read_varint_slow(p, end, &v);
  if (!q || q - p > 5) return NULL;
  *tag = (uint32_t)v;
  return q;
}

static inline uint32_t load32(const char *p) {
  const uint8_t *b = (const uint8_t *)p;
  return (uint32_t)b[0] | (uint32_t)b[1] << 8 | (uint32_t)b[2] << 16 | (uint32_t)b[3] << 24;
}

static inline uint64_t load64(const char *p) { return (uint64_t)load32(p) | (uint64_t)load32(p + 4) << 32; }

/* A length prefix, checked against what is left. */
static inline const char *read_len(decoder *d, const char *p, const char *end, size_t *len) {
  uint64_t v;
  p = read_varint(p, end, &v);
  if (!p || v > (uint64_t)(end - p)) return fail(d, BP_EMALFORMED);
  *len = (size_t)v;
  return p;
}

static bool valid_utf8(const unsigned char *s, size_t n) {
  size_t i = 0;
  while (i < n) {
    unsigned char c = s[i];
    if (c < 0x80) {
      uint64_t w;
      /* eight ASCII bytes at a time */
      while (n - i >= 8 && (memcpy(&w, s + i, 8), !(w & 0x8080808080808080u)))
        i += 8;
      if (i < n && s[i] < 0x80) i++;
      continue;
    }
    size_t len;
    uint32_t cp;
    if (c >= 0xc2 && c <= 0xdf)
      len = 2, cp = c & 0x1f;
    else if (c >= 0xe0 && c <= 0xef)
      len = 3, cp = c & 0x0f;
    else if (c >= 0xf0 && c <= 0xf4)
      len = 4, cp = c & 0x07;
    else
      return false;
    if (n - i < len) return false;
    for (size_t k = 1; k < len; k++) {
      if ((s[i + k] & 0xc0) != 0x80) return false;
      cp = cp << 6 | (s[i + k] & 0x3f);
    }
    if ((len == 3 && (cp < 0x800 || (cp >= 0xd800 && cp <= 0xdfff))) || (len == 4 && (cp < 0x10000 || cp > 0x10ffff)))
      return false;
    i += len;
  }
  return true;
}

static void set_present(void *msg, const bp_field *f) {
  if (f->presence > 0)
    ((uint8_t *)msg)[f->presence >> 3] |= (uint8_t)(1u << (f->presence & 7));
  else if (f->presence < 0)
    *(uint32_t *)(void *)((char *)msg + ~f->presence) = f->number;
}

/* Where the next value of the field goes: the struct member, or a new
 * element of its array. */
static inline void *slot(decoder *d, void *msg, const bp_field *f, size_t size) {
  char *p = (char *)msg + f->offset;
  if (f->flags & BP_F_REPEATED) return bp_array_push((bp_array *)(void *)p, size, d->arena);
  set_present(msg, f);
  return p;
}

/* Converts a varint to the field's type (*size bytes at the start of out);
 * false for a closed enum's unknown number. */
static inline bool convert_varint(const bp_field *f, const bp_msgdef *t, uint64_t v, bp_value *out, size_t *size) {
  switch (f->type) {
  case BP_TYPE_BOOL:
    out->b = v != 0;
    *size = sizeof(bool);
    return true;
  case BP_TYPE_ENUM:
    if ((f->flags & BP_F_CLOSED) && !bp_enumdef_has(t->subs[f->sub].enumdef, (int32_t)v)) return false;
    /* fall through */
  case BP_TYPE_INT32:
  case BP_TYPE_UINT32:
    out->u32 = (uint32_t)v;
    *size = 4;
    return true;
  case BP_TYPE_SINT32:
    out->i32 = bp__unzigzag32((uint32_t)v);
    *size = 4;
    return true;
  case BP_TYPE_SINT64:
    out->i64 = bp__unzigzag64(v);
    *size = 8;
    return true;
  default:
    out->u64 = v;
    *size = 8;
    return true;
  }
}

static const char *decode_message(decoder *d, const bp_msgdef *t, void *msg, const char *p, const char *end,
                                  uint32_t group);

/* Writes a varint at out (room for 10 bytes); returns its size. */
static size_t write_varint(char *out, uint64_t v) {
  size_t n = 0;
  while (v >= 0x80) {
    out[n++] = (char)(v | 0x80);
    v >>= 7;
  }
  out[n++] = (char)v;
  return n;
}

/* Keeps a closed enum's unknown number as an unknown varint field. */
static bool unknown_varint(decoder *d, void *msg, uint32_t number, uint64_t v) {
  if (d->flags & BP_DECODE_DISCARD_UNKNOWN) return true;
  char buf[20];
  size_t n = write_varint(buf, (uint64_t)number << 3);
  n += write_varint(buf + n, v);
  return bp_unknown_add(msg, buf, n, d->arena);
}

/* A packed field into arr; msg gets a closed enum's unknown numbers. */
static const char *decode_packed(decoder *d, const bp_msgdef *t, void *msg, bp_array *arr, const bp_field *f,
                                 const char *p, const char *end) {
  size_t len;
  p = read_len(d, p, end, &len);
  if (!p) return NULL;
  const char *stop = p + len;
  size_t elem = bp_type_size(f->type);
  int wt = bp__wire_type[f->type];
  if (wt != WT_VARINT) {
    size_t w = wt == WT_FIXED32 ? 4 : 8;
    if (len % w) return fail(d, BP_EMALFORMED);
    size_t n = len / w;
    if (!n) return stop;
    char *out = bp__array_grow(arr, n, elem, d->arena);
    if (!out) return fail(d, BP_ENOMEM);
    out += (size_t)arr->size * elem;
    for (size_t i = 0; i < n; i++, p += w, out += w) {
      if (w == 4) {
        uint32_t v = load32(p);
        memcpy(out, &v, 4);
      } else {
        uint64_t v = load64(p);
        memcpy(out, &v, 8);
      }
    }
    arr->size += (uint32_t)n;
    return stop;
  }
  while (p < stop) {
    uint64_t v;
    p = read_varint(p, stop, &v);
    if (!p) return fail(d, BP_EMALFORMED);
    bp_value val;
    size_t size;
    if (!convert_varint(f, t, v, &val, &size)) {
      if (!unknown_varint(d, msg, f->number, v)) return fail(d, BP_ENOMEM);
      continue;
    }
    void *out = bp_array_push(arr, elem, d->arena);
    if (!out) return fail(d, BP_ENOMEM);
    memcpy(out, &val, size);
  }
  return stop;
}

static const char *decode_sub(decoder *d, const bp_msgdef *t, void *msg, const bp_field *f, const char *p,
                              const char *end, uint32_t group) {
  const bp_msgdef *sub = t->subs[f->sub].msg;
  void *m;
  if (f->flags & BP_F_REPEATED) {
    m = bp_msg_new(sub, d->arena);
    void **out = bp_array_push((bp_array *)(void *)((char *)msg + f->offset), sizeof(void *), d->arena);
    if (!m || !out) return fail(d, BP_ENOMEM);
    *out = m;
  } else {
    void **slotp = (void **)(void *)((char *)msg + f->offset);
    if (f->presence < 0 && *(uint32_t *)(void *)((char *)msg + ~f->presence) != f->number) *slotp = NULL;
    if (!*slotp && !(*slotp = bp_msg_new(sub, d->arena))) return fail(d, BP_ENOMEM);
    set_present(msg, f);
    m = *slotp;
  }
  if (d->depth == 0) return fail(d, BP_EDEPTH);
  d->depth--;
  if (group) {
    p = decode_message(d, sub, m, p, end, group);
  } else {
    size_t len;
    p = read_len(d, p, end, &len);
    if (p) {
      const char *stop = p + len;
      p = decode_message(d, sub, m, p, stop, 0) ? stop : NULL;
    }
  }
  d->depth++;
  return p;
}

/* A map entry: read as a message of the entry type, then added by key (an
 * entry of the same key is replaced). An entry whose value is a closed
 * enum's unknown number is kept whole as an unknown field, as protobuf
 * does. A missing message value is an empty message. */
static const char *decode_map_entry(decoder *d, const bp_msgdef *t, void *msg, const bp_field *f, const char *p,
                                    const char *end) {
  const bp_msgdef *entry = t->subs[f->sub].msg;
  size_t len;
  p = read_len(d, p, end, &len);
  if (!p) return NULL;
  const char *stop = p + len;
  void *e = bp_msg_new(entry, d->arena);
  if (!e) return fail(d, BP_ENOMEM);
  if (d->depth == 0) return fail(d, BP_EDEPTH);
  d->depth--;
  bool outer = d->enum_unknown;
  d->enum_unknown = false;
  if (!decode_message(d, entry, e, p, stop, 0)) return NULL;
  d->depth++;
  /* with an enum value, nothing nested in the entry is decoded: the flag is the value's */
  bool unknown_value = d->enum_unknown;
  d->enum_unknown = outer;
  if (entry->field_count < 2) return fail(d, BP_EMALFORMED);
  const bp_field *vf = &entry->fields[1];
  if (unknown_value && vf->type == BP_TYPE_ENUM) {
    if (d->flags & BP_DECODE_DISCARD_UNKNOWN) return stop;
    char head[20];
    size_t n = write_varint(head, (uint64_t)f->number << 3 | WT_LEN);
    n += write_varint(head + n, len);
    if (!bp_unknown_add(msg, head, n, d->arena) || !bp_unknown_add(msg, p, len, d->arena)) return fail(d, BP_ENOMEM);
    return stop;
  }
  if (bp__is_message(vf->type)) {
    void **v = (void **)(void *)((char *)e + vf->offset);
    if (!*v && !(*v = bp_msg_new(entry->subs[vf->sub].msg, d->arena))) return fail(d, BP_ENOMEM);
  }
  if (!bp__map_insert((bp_map *)(void *)((char *)msg + f->offset), entry, e, d->arena)) return fail(d, BP_ENOMEM);
  return stop;
}

/* A string or bytes value: a copy in the arena, or a view of the input. */
static inline bool take_string(decoder *d, const char *p, size_t len, bp_str *out) {
  out->size = len;
  out->data = p;
  if (!(d->flags & BP_DECODE_ALIAS) && len) {
    char *q = bp_arena_malloc(d->arena, len);
    if (!q) return false;
    memcpy(q, p, len);
    out->data = q;
  }
  return true;
}

/* Decodes one known field's value (after its tag); UNKNOWN when it is to be
 * kept as an unknown field instead. */
static const char *decode_field(decoder *d, const bp_msgdef *t, void *msg, const bp_field *f, uint32_t wt,
                                       const char *p, const char *end) {
  int want = bp__wire_type[f->type];
  if ((int)wt != want) {
    if (wt == WT_LEN && (f->flags & BP_F_REPEATED) && want != WT_LEN && want != WT_SGROUP)
      return decode_packed(d, t, msg, (bp_array *)(void *)((char *)msg + f->offset), f, p, end);
    return UNKNOWN;
  }
  switch (wt) {
  case WT_VARINT: {
    uint64_t v;
    p = read_varint(p, end, &v);
    if (!p) return fail(d, BP_EMALFORMED);
    bp_value val;
    size_t size;
    if (!convert_varint(f, t, v, &val, &size)) {
      d->enum_unknown = true;
      return UNKNOWN;
    }
    void *out = slot(d, msg, f, size);
    if (!out) return fail(d, BP_ENOMEM);
    memcpy(out, &val, size);
    return p;
  }
  case WT_FIXED32: {
    if (end - p < 4) return fail(d, BP_EMALFORMED);
    uint32_t v = load32(p);
    void *out = slot(d, msg, f, 4);
    if (!out) return fail(d, BP_ENOMEM);
    memcpy(out, &v, 4);
    return p + 4;
  }
  case WT_FIXED64: {
    if (end - p < 8) return fail(d, BP_EMALFORMED);
    uint64_t v = load64(p);
    void *out = slot(d, msg, f, 8);
    if (!out) return fail(d, BP_ENOMEM);
    memcpy(out, &v, 8);
    return p + 8;
  }
  case WT_LEN: {
    if (f->type == BP_TYPE_MESSAGE)
      return (f->flags & BP_F_MAP) ? decode_map_entry(d, t, msg, f, p, end) : decode_sub(d, t, msg, f, p, end, 0);
    size_t len;
    p = read_len(d, p, end, &len);
    if (!p) return NULL;
    if ((f->flags & BP_F_UTF8) && !valid_utf8((const unsigned char *)p, len)) return fail(d, BP_EUTF8);
    bp_str s;
    if (!take_string(d, p, len, &s)) return fail(d, BP_ENOMEM);
    bp_str *out = slot(d, msg, f, sizeof(bp_str));
    if (!out) return fail(d, BP_ENOMEM);
    *out = s;
    return p + len;
  }
  default: /* WT_SGROUP */ return decode_sub(d, t, msg, f, p, end, f->number);
  }
}

/* The fast path: a field arriving with its own wire type, not a map and
 * not a closed enum (those take decode_field). The value is stored by its
 * type (a repeated field's in a new element), then the hasbit or oneof case
 * set. */
static inline const char *decode_fast(decoder *d, const bp_msgdef *t, void *msg, const bp_field *f, const char *p,
                                      const char *end) {
  char *field = (char *)msg + f->offset;
  if ((f->flags & BP_F_REPEATED) && !bp__is_message(f->type) &&
      !(field = bp_array_push((bp_array *)(void *)field, bp__type_size[f->type], d->arena)))
    return fail(d, BP_ENOMEM);
  uint64_t v;
  switch (f->type) {
  case BP_TYPE_MESSAGE: return decode_sub(d, t, msg, f, p, end, 0);
  case BP_TYPE_GROUP: return decode_sub(d, t, msg, f, p, end, f->number);
  case BP_TYPE_STRING:
  case BP_TYPE_BYTES: {
    size_t len;
    p = read_len(d, p, end, &len);
    if (!p) return NULL;
    if ((f->flags & BP_F_UTF8) && !valid_utf8((const unsigned char *)p, len)) return fail(d, BP_EUTF8);
    bp_str str;
    if (!take_string(d, p, len, &str)) return fail(d, BP_ENOMEM);
    memcpy(field, &str, sizeof str);
    p += len;
    break;
  }
  case BP_TYPE_DOUBLE:
  case BP_TYPE_FIXED64:
  case BP_TYPE_SFIXED64:
    if (end - p < 8) return fail(d, BP_EMALFORMED);
    v = load64(p);
    memcpy(field, &v, 8);
    p += 8;
    break;
  case BP_TYPE_FLOAT:
  case BP_TYPE_FIXED32:
  case BP_TYPE_SFIXED32: {
    if (end - p < 4) return fail(d, BP_EMALFORMED);
    uint32_t x = load32(p);
    memcpy(field, &x, 4);
    p += 4;
    break;
  }
  case BP_TYPE_INT64:
  case BP_TYPE_UINT64:
    if (!(p = read_varint(p, end, &v))) return fail(d, BP_EMALFORMED);
    memcpy(field, &v, 8);
    break;
  case BP_TYPE_SINT64: {
    if (!(p = read_varint(p, end, &v))) return fail(d, BP_EMALFORMED);
    int64_t x = bp__unzigzag64(v);
    memcpy(field, &x, 8);
    break;
  }
  case BP_TYPE_SINT32: {
    if (!(p = read_varint(p, end, &v))) return fail(d, BP_EMALFORMED);
    int32_t x = bp__unzigzag32((uint32_t)v);
    memcpy(field, &x, 4);
    break;
  }
  case BP_TYPE_BOOL: {
    if (!(p = read_varint(p, end, &v))) return fail(d, BP_EMALFORMED);
    bool x = v != 0;
    memcpy(field, &x, sizeof x);
    break;
  }
  default: { /* int32, uint32, open enums */
    if (!(p = read_varint(p, end, &v))) return fail(d, BP_EMALFORMED);
    uint32_t x = (uint32_t)v;
    memcpy(field, &x, 4);
    break;
  }
  }
  if (f->presence > 0)
    ((uint8_t *)msg)[f->presence >> 3] |= (uint8_t)(1u << (f->presence & 7));
  else if (f->presence < 0)
    *(uint32_t *)(void *)((char *)msg + ~f->presence) = f->number;
  return p;
}

/* The field with this number; next: the index after the previous field's
 * (tried first, then the previous field itself: fields usually arrive in
 * number order, a repeated field's values one after another). */
static inline const bp_field *find_field(const bp_msgdef *t, uint32_t number, uint32_t next) {
  const bp_field *fields = t->fields;
  if (number - 1 < t->dense) return &fields[number - 1];
  if (next < t->field_count && fields[next].number == number) return &fields[next];
  if (next > 0 && fields[next - 1].number == number) return &fields[next - 1];
  return bp_msgdef_field(t, number);
}

/* Skips an unknown field's value (after its tag). */
static const char *skip_field(decoder *d, uint32_t number, uint32_t wt, const char *p, const char *end) {
  uint64_t v;
  size_t len;
  switch (wt) {
  case WT_VARINT: p = read_varint(p, end, &v); return p ? p : fail(d, BP_EMALFORMED);
  case WT_FIXED64: return end - p < 8 ? fail(d, BP_EMALFORMED) : p + 8;
  case WT_FIXED32: return end - p < 4 ? fail(d, BP_EMALFORMED) : p + 4;
  case WT_LEN: p = read_len(d, p, end, &len); return p ? p + len : NULL;
  case WT_SGROUP: {
    if (d->depth == 0) return fail(d, BP_EDEPTH);
    d->depth--;
    for (;;) {
      if (p >= end) return fail(d, BP_EMALFORMED);
      uint32_t tag;
      p = read_tag(p, end, &tag);
      if (!p || (tag >> 3) == 0) return fail(d, BP_EMALFORMED);
      if ((tag & 7) == WT_EGROUP) {
        if ((tag >> 3) != number) return fail(d, BP_EMALFORMED);
        break;
      }
      p = skip_field(d, (uint32_t)(tag >> 3), (uint32_t)(tag & 7), p, end);
      if (!p) return NULL;
    }
    d->depth++;
    return p;
  }
  default: return fail(d, BP_EMALFORMED); /* 6, 7, or a stray group end */
  }
}

/* One field of a typed extension (after its tag) into its entry x of msg;
 * UNKNOWN when it is to be kept as an unknown field (another wire type, or
 * a closed enum's unknown number). */
static const char *decode_ext_value(decoder *d, void *msg, bp_ext *x, uint32_t wt, const char *p, const char *end) {
  const bp_extdef *e = x->def;
  /* the entry's value stands for a struct with one member at offset 0 */
  bp_field f = {e->number, 0, 0, 0, e->type, e->flags};
  bp_msgdef one;
  memset(&one, 0, sizeof one);
  one.subs = &e->sub;
  int want = bp__wire_type[e->type];
  if ((int)wt == want) return decode_field(d, &one, &x->u, &f, wt, p, end);
  if (wt == WT_LEN && (e->flags & BP_F_REPEATED) && want != WT_LEN && want != WT_SGROUP)
    return decode_packed(d, &one, msg, &x->u.array, &f, p, end);
  return UNKNOWN;
}

/* A field of an extension the registry knows, as a typed entry; NULL with
 * status BP_OK when it is to be kept raw (the message already holds raw
 * entries of the number that do not parse). */
static const char *decode_ext(decoder *d, void *msg, const bp_extdef *e, uint32_t wt, const char *p, const char *end) {
  bp_aux *aux = bp_msg_aux(msg);
  uint32_t before = aux ? aux->ext_count : 0;
  bp_ext *x = bp__ext_typed(msg, e, d->arena, true);
  if (!x) return NULL; /* raw entries are left as they were: this one joins them */
  bool created = bp_msg_aux(msg)->ext_count > before;
  const char *q = decode_ext_value(d, msg, x, wt, p, end);
  if (q == UNKNOWN && created) bp__ext_drop(msg, x);
  return q;
}

/* Merges an item's message into msg's typed entry for e (a message
 * extension of a message set). */
static bool merge_item(decoder *d, void *msg, const bp_extdef *e, const char *body, size_t len) {
  bp_ext *x = bp__ext_typed(msg, e, d->arena, true);
  if (!x) return fail(d, BP_ENOMEM) != NULL;
  const bp_msgdef *sub = e->sub.msg;
  if (!x->u.value.msg && !(x->u.value.msg = bp_msg_new(sub, d->arena))) return fail(d, BP_ENOMEM) != NULL;
  if (d->depth == 0) return fail(d, BP_EDEPTH) != NULL;
  d->depth--;
  if (!decode_message(d, sub, x->u.value.msg, body, body + len, 0)) return false;
  d->depth++;
  return true;
}

static bool is_item_ext(const bp_extdef *e) { return e->type == BP_TYPE_MESSAGE && !(e->flags & BP_F_REPEATED); }

/* An item's message kept in wire form as an item of its own (type id, then
 * message), a raw entry of that number: how an item whose type the
 * registry does not know is written back when it did not come as exactly
 * one type id and one message. */
static bool add_item_piece(decoder *d, void *msg, uint64_t type_id, const char *body, size_t len) {
  if (type_id == 0 || type_id > UINT32_MAX || (d->flags & BP_DECODE_DISCARD_UNKNOWN)) return true;
  char *q = bp_arena_malloc(d->arena, len + 24), *w = q;
  if (!q) return fail(d, BP_ENOMEM) != NULL;
  *w++ = (char)(1u << 3 | WT_SGROUP);
  *w++ = (char)(2u << 3 | WT_VARINT);
  w += write_varint(w, type_id);
  *w++ = (char)(3u << 3 | WT_LEN);
  w += write_varint(w, len);
  if (len) memcpy(w, body, len);
  w += len;
  *w++ = (char)(1u << 3 | WT_EGROUP);
  return bp_ext_add_raw(msg, (uint32_t)type_id, bp_str_make(q, (size_t)(w - q)), d->arena) ? true
                                                                                           : fail(d, BP_ENOMEM) != NULL;
}

/* Reads a message set's Item group after its start tag: type_id (2) and
 * message (3), in either order, as protobuf's C++ parser (3.21: protoc,
 * python) reads it: the first type id and the first message make the item;
 * type ids and messages after them, and any other field, are skipped; an
 * item without both is dropped. With the extension of the type id (only,
 * when not NULL, else the registry's for the message set t) the message
 * merges into its typed entry. *type_id is 0 when missing; *typed tells
 * whether the item is accounted for (a typed entry, a normalized raw entry,
 * or dropped); otherwise the caller keeps the whole item as it came (one
 * type id and one message of an unknown type, nothing else). Returns the
 * position after the group's end. */
static const char *read_item(decoder *d, const bp_msgdef *t, void *msg, const bp_extdef *only, const char *p,
                             const char *end, uint64_t *type_id, bool *typed) {
  enum { NOTHING, HAS_TYPE, HAS_MESSAGE, BOTH } state = NOTHING;
  const char *body = NULL;
  size_t body_len = 0;
  bool clean = true; /* nothing but the type id and the message */
  *type_id = 0;
  *typed = false;
  for (;;) {
    if (p >= end) return fail(d, BP_EMALFORMED);
    uint32_t tag;
    p = read_tag(p, end, &tag);
    if (!p || (tag >> 3) == 0) return fail(d, BP_EMALFORMED);
    uint32_t number = tag >> 3, wt = tag & 7;
    if (wt == WT_EGROUP) {
      if (number != 1) return fail(d, BP_EMALFORMED);
      break;
    }
    if (number == 2 && wt == WT_VARINT) {
      uint64_t v;
      p = read_varint(p, end, &v);
      if (!p) return fail(d, BP_EMALFORMED);
      if (state == NOTHING || state == HAS_MESSAGE) {
        *type_id = v;
        state = state == NOTHING ? HAS_TYPE : BOTH;
      } else {
        clean = false;
      }
    } else if (number == 3 && wt == WT_LEN) {
      size_t len;
      p = read_len(d, p, end, &len);
      if (!p) return NULL;
      if (state == NOTHING || state == HAS_TYPE) {
        body = p;
        body_len = len;
        state = state == NOTHING ? HAS_MESSAGE : BOTH;
      } else {
        clean = false;
      }
      p += len;
    } else {
      p = skip_field(d, number, wt, p, end);
      if (!p) return NULL;
      clean = false;
    }
  }
  if (state != BOTH) {
    *typed = true; /* dropped */
    return p;
  }
  const bp_extdef *e = NULL;
  if (*type_id && *type_id <= UINT32_MAX)
    e = only ? (only->number == *type_id ? only : NULL)
        : d->registry ? bp_registry_ext(d->registry, t, (uint32_t)*type_id)
                      : NULL;
  if (e && !is_item_ext(e)) e = NULL;
  if (e) {
    if (!merge_item(d, msg, e, body, body_len)) return NULL;
    *typed = true;
  } else if (!clean && !only && *type_id && *type_id <= UINT32_MAX) {
    if (!add_item_piece(d, msg, *type_id, body, body_len)) return NULL;
    *typed = true;
  }
  return p;
}

/* A message set's Item (start: its tag; p: after it). With an extension the
 * registry knows for the type id, its messages join the typed entry; else
 * the whole item is kept as a raw entry of that number. An item without a
 * type id is an unknown field. */
static const char *decode_item(decoder *d, const bp_msgdef *t, void *msg, const char *start, const char *p,
                               const char *end) {
  uint64_t type_id;
  bool typed;
  p = read_item(d, t, msg, NULL, p, end, &type_id, &typed);
  if (!p) return NULL;
  if (typed || (d->flags & BP_DECODE_DISCARD_UNKNOWN)) return p;
  size_t n = (size_t)(p - start);
  if (type_id == 0 || type_id > UINT32_MAX) return bp_unknown_add(msg, start, n, d->arena) ? p : fail(d, BP_ENOMEM);
  const char *raw = start;
  if (!(d->flags & BP_DECODE_ALIAS) && !(raw = bp_arena_memdup(d->arena, start, n))) return fail(d, BP_ENOMEM);
  return bp_ext_add_raw(msg, (uint32_t)type_id, bp_str_make(raw, n), d->arena) ? p : fail(d, BP_ENOMEM);
}

static const char *decode_message(decoder *d, const bp_msgdef *t, void *msg, const char *p, const char *end,
                                  uint32_t group) {
  const bp_field *fields = t->fields;
  uint32_t next = 0; /* the index after the previous field's */
  while (p < end) {
    const char *start = p;
    uint32_t tag;
    if ((uint8_t)*p < 0x80) { /* tags of one and two bytes inline */
      tag = (uint8_t)*p++;
    } else if (end - p >= 2 && (uint8_t)p[1] < 0x80) {
      tag = ((uint32_t)(uint8_t)p[0] & 0x7f) | (uint32_t)(uint8_t)p[1] << 7;
      p += 2;
    } else {
      p = read_tag(p, end, &tag);
      if (!p) return fail(d, BP_EMALFORMED);
    }
    uint32_t number = tag >> 3, wt = tag & 7;
    if (number == 0) return fail(d, BP_EMALFORMED);
    if (wt == WT_EGROUP) return number == group ? p : fail(d, BP_EMALFORMED);
    const bp_field *f = find_field(t, number, next);
    if (f) {
      next = (uint32_t)(f - fields) + 1;
      if ((int)wt == bp__wire_type[f->type] && !(f->flags & (BP_F_MAP | BP_F_CLOSED))) {
        if (!(p = decode_fast(d, t, msg, f, p, end))) return NULL;
        continue;
      }
      const char *q = decode_field(d, t, msg, f, wt, p, end);
      if (!q) return NULL;
      if (q != UNKNOWN) {
        p = q;
        continue;
      }
    } else if (t->ext_range_count) {
      const char *q = NULL;
      if ((t->flags & BP_MSG_SET) && number == 1 && wt == WT_SGROUP) {
        q = decode_item(d, t, msg, start, p, end);
        if (!q) return NULL;
        p = q;
        continue;
      }
      const bp_extdef *e = d->registry ? bp_registry_ext(d->registry, t, number) : NULL;
      if (e) {
        q = decode_ext(d, msg, e, wt, p, end);
        if (!q && d->status != BP_OK) return NULL;
        if (q && q != UNKNOWN) {
          p = q;
          continue;
        }
        if (q) f = &unknown_ext; /* kept with the unknown fields, not in the extension set */
      }
    }
    p = skip_field(d, number, wt, p, end);
    if (!p) return NULL;
    if (d->flags & BP_DECODE_DISCARD_UNKNOWN) continue;
    size_t n = (size_t)(p - start);
    bool ok;
    if (!f && t->ext_range_count && bp_msgdef_in_ext_range(t, number)) {
      const char *raw = start;
      if (!(d->flags & BP_DECODE_ALIAS) && !(raw = bp_arena_memdup(d->arena, start, n))) return fail(d, BP_ENOMEM);
      ok = bp_ext_add_raw(msg, number, bp_str_make(raw, n), d->arena);
    } else {
      ok = bp_unknown_add(msg, start, n, d->arena);
    }
    if (!ok) return fail(d, BP_ENOMEM);
  }
  if (group) return fail(d, BP_EMALFORMED); /* no end of group */
  return p;
}

bp_status bp_decode(const bp_msgdef *t, void *msg, const char *data, size_t size, bp_arena *a,
                    const bp_decode_options *o) {
  decoder d;
  d.arena = a;
  d.flags = o ? o->flags : 0;
  d.depth = o && o->max_depth ? o->max_depth : BP_DEFAULT_MAX_DEPTH;
  d.status = BP_OK;
  d.enum_unknown = false;
  d.registry = o ? o->registry : NULL;
  size_t max = o && o->max_size ? o->max_size : INT32_MAX;
  if (size > max) return BP_ETOOBIG;
  if (!size) return BP_OK;
  /* max_depth counts the messages nested below this one, as protobuf's C++
   * parser counts its recursion limit (100 by default too) */
  return decode_message(&d, t, msg, data, data + size, 0) ? BP_OK : d.status;
}

const char *bp_status_text(bp_status s) {
  switch (s) {
  case BP_OK: return "ok";
  case BP_ENOMEM: return "out of memory";
  case BP_EMALFORMED: return "malformed input";
  case BP_EDEPTH: return "messages nested too deeply";
  case BP_ETOOBIG: return "message too large";
  case BP_EUTF8: return "string is not valid UTF-8";
  }
  return "unknown error";
}

bp_status bp__ext_parse_raw(void *msg, bp_ext *x, bp_str raw, bp_arena *a) {
  decoder d;
  d.arena = a;
  d.flags = BP_DECODE_ALIAS; /* the raw bytes already live as long as the message */
  d.depth = BP_DEFAULT_MAX_DEPTH;
  d.status = BP_OK;
  d.enum_unknown = false;
  d.registry = NULL;
  const bp_msgdef *extendee = x->def->extendee;
  bool items = extendee && (extendee->flags & BP_MSG_SET) && is_item_ext(x->def);
  const char *p = raw.data, *end = raw.data + raw.size;
  while (p < end) {
    const char *start = p;
    uint32_t tag;
    p = read_tag(p, end, &tag);
    if (!p || (tag >> 3) == 0) return BP_EMALFORMED;
    uint32_t number = (uint32_t)tag >> 3, wt = (uint32_t)tag & 7;
    if (items && number == 1 && wt == WT_SGROUP) {
      uint64_t type_id;
      bool typed;
      p = read_item(&d, extendee, msg, x->def, p, end, &type_id, &typed);
      if (!p) return d.status;
      if (!typed) return BP_EMALFORMED; /* an item of another type id */
      continue;
    }
    if (number != x->number) return BP_EMALFORMED;
    const char *q = decode_ext_value(&d, msg, x, wt, p, end);
    if (!q) return d.status;
    if (q == UNKNOWN) {
      p = skip_field(&d, number, wt, p, end);
      if (!p) return d.status;
      if (!bp_unknown_add(msg, start, (size_t)(p - start), a)) return BP_ENOMEM;
    } else {
      p = q;
    }
  }
  return BP_OK;
}
