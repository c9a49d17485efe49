/* Whole-message operations over the tables: clear, merge, copy, equality
 * and the check of required fields. Each walks submessages recursively, at
 * most BP_DEFAULT_MAX_DEPTH levels below the top (what the codec reads
 * and writes), so a
 * message that points to itself ends in a refusal, never a crash. */
#include "pb/internal.h"

/* The top message and BP_DEFAULT_MAX_DEPTH nested ones. */
#define LEVELS (BP_DEFAULT_MAX_DEPTH + 1)

static void *member(void *msg, const bp_field *f) { return (char *)msg + f->offset; }
static const void *cmember(const void *msg, const bp_field *f) { return (const char *)msg + f->offset; }
static bool is_str(int type) { return type == BP_TYPE_STRING || type == BP_TYPE_BYTES; }

void bp_msg_clear_all(const bp_msgdef *t, void *msg) { memset(msg, 0, t->size); }

/* ---------------------------------------------------------------- merge and copy */

static bool merge(const bp_msgdef *t, void *dst, const void *src, bp_arena *a, uint32_t depth);

/* A copy of a message (NULL stays NULL); false when memory runs out. */
static bool copy_msg(const bp_msgdef *t, const void *src, void **out, bp_arena *a, uint32_t depth) {
  *out = NULL;
  if (!src) return true;
  void *m = bp_msg_new(t, a);
  if (!m || !merge(t, m, src, a, depth)) return false;
  *out = m;
  return true;
}

static bool copy_str(const bp_str *src, bp_str *out, bp_arena *a) {
  *out = *src;
  if (!src->size) return true;
  out->data = bp_arena_memdup(a, src->data, src->size);
  return out->data != NULL;
}

/* Appends copies of src's elements to dst. */
static bool append_all(int type, const bp_msgdef *sub, bp_array *dst, const bp_array *src, bp_arena *a,
                       uint32_t depth) {
  uint32_t n = src->size;
  if (!n) return true;
  size_t elem = bp_type_size(type);
  if (dst == src || !bp__array_grow(dst, n, elem, a)) return false;
  char *out = (char *)dst->data + (size_t)dst->size * elem;
  if (bp__is_message(type)) {
    for (uint32_t i = 0; i < n; i++)
      if (!copy_msg(sub, ((void *const *)src->data)[i], &((void **)(void *)out)[i], a, depth)) return false;
  } else if (is_str(type)) {
    for (uint32_t i = 0; i < n; i++)
      if (!copy_str(&((const bp_str *)src->data)[i], &((bp_str *)(void *)out)[i], a)) return false;
  } else {
    memcpy(out, src->data, (size_t)n * elem);
  }
  dst->size += n;
  return true;
}

/* A map entry's deep copy, added to dst (replacing the entry of its key). */
static bool merge_map(const bp_msgdef *entry, bp_map *dst, const bp_map *src, bp_arena *a, uint32_t depth) {
  if (dst == src || entry->field_count < 2) return dst == src;
  for (uint32_t i = 0; i < src->entries.size; i++) {
    void *e;
    if (!copy_msg(entry, ((void *const *)src->entries.data)[i], &e, a, depth) || !e ||
        !bp__map_insert(dst, entry, e, a))
      return false;
  }
  return true;
}

static bool merge_field(const bp_msgdef *t, const bp_field *f, void *dst, const void *src, bp_arena *a,
                        uint32_t depth) {
  const bp_msgdef *sub = bp__is_message(f->type) ? t->subs[f->sub].msg : NULL;
  if (f->flags & BP_F_MAP) return merge_map(sub, member(dst, f), cmember(src, f), a, depth);
  if (f->flags & BP_F_REPEATED) return append_all(f->type, sub, member(dst, f), cmember(src, f), a, depth);
  if (!bp_msg_has(src, f)) return true;
  if (sub) {
    const void *from = *(void *const *)cmember(src, f);
    void *m = bp_msg_mutable(dst, f, sub, a);
    return m && (!from || merge(sub, m, from, a, depth));
  }
  bp_value v = bp_msg_get(src, f);
  if (is_str(f->type) && !copy_str(&v.str, &v.str, a)) return false;
  bp_msg_set(dst, f, v);
  return true;
}

static bool merge_ext(void *dst, const bp_ext *x, bp_arena *a, uint32_t depth) {
  if (x->kind == BP_EXT_RAW) {
    char *raw = bp_arena_memdup(a, x->u.raw.data, x->u.raw.size);
    return (raw || !x->u.raw.size) && bp_ext_add_raw(dst, x->number, bp_str_make(raw, x->u.raw.size), a);
  }
  const bp_extdef *e = x->def;
  const bp_msgdef *sub = bp__is_message(e->type) ? e->sub.msg : NULL;
  bp_ext *d = bp__ext_typed(dst, e, a, true);
  if (!d) return false;
  if (e->flags & BP_F_REPEATED) return append_all(e->type, sub, &d->u.array, &x->u.array, a, depth);
  if (sub) {
    if (!x->u.value.msg) return d->u.value.msg || (d->u.value.msg = bp_msg_new(sub, a)) != NULL;
    if (!d->u.value.msg && !(d->u.value.msg = bp_msg_new(sub, a))) return false;
    return merge(sub, d->u.value.msg, x->u.value.msg, a, depth);
  }
  d->u.value = x->u.value;
  return !is_str(e->type) || copy_str(&x->u.value.str, &d->u.value.str, a);
}

static bool merge(const bp_msgdef *t, void *dst, const void *src, bp_arena *a, uint32_t depth) {
  if (depth == 0 || dst == src) return false;
  for (uint32_t i = 0; i < t->field_count; i++)
    if (!merge_field(t, &t->fields[i], dst, src, a, depth - 1)) return false;
  const bp_aux *x = bp_msg_aux(src);
  if (!x) return true;
  if (x->unknown_size && !bp_unknown_add(dst, x->unknown, x->unknown_size, a)) return false;
  /* by index: dst's set may grow while src's is read (they differ: dst != src) */
  for (uint32_t i = 0; i < x->ext_count; i++)
    if (!merge_ext(dst, &x->ext[i], a, depth - 1)) return false;
  return true;
}

bool bp_msg_merge(const bp_msgdef *t, void *dst, const void *src, bp_arena *a) {
  return merge(t, dst, src, a, LEVELS);
}

void *bp_msg_copy(const bp_msgdef *t, const void *src, bp_arena *a) {
  void *m;
  return copy_msg(t, src, &m, a, LEVELS) ? m : NULL;
}

/* ---------------------------------------------------------------- equality */

static bool equal(const bp_msgdef *t, const void *a, const void *b, uint32_t depth);

/* Whether a message is empty (what a NULL map value or extension stands for). */
static bool is_empty(const bp_msgdef *t, const void *m) { return bp_encoded_size(t, m) == 0; }

static bool value_equal(int type, const bp_msgdef *sub, const void *p, const void *q, uint32_t depth) {
  switch (type) {
  case BP_TYPE_MESSAGE:
  case BP_TYPE_GROUP: {
    const void *x = *(void *const *)p, *y = *(void *const *)q;
    if (!x || !y) return x == y || is_empty(sub, x ? x : y);
    return equal(sub, x, y, depth);
  }
  case BP_TYPE_STRING:
  case BP_TYPE_BYTES: return bp_str_eq(*(const bp_str *)p, *(const bp_str *)q);
  case BP_TYPE_FLOAT: {
    float x, y;
    memcpy(&x, p, 4);
    memcpy(&y, q, 4);
    return x == y;
  }
  case BP_TYPE_DOUBLE: {
    double x, y;
    memcpy(&x, p, 8);
    memcpy(&y, q, 8);
    return x == y;
  }
  case BP_TYPE_BOOL: return *(const bool *)p == *(const bool *)q;
  default: return memcmp(p, q, bp_type_size(type)) == 0;
  }
}

static bool array_equal(int type, const bp_msgdef *sub, const bp_array *x, const bp_array *y, uint32_t depth) {
  if (x->size != y->size) return false;
  size_t elem = bp_type_size(type);
  for (uint32_t i = 0; i < x->size; i++)
    if (!value_equal(type, sub, (const char *)x->data + i * elem, (const char *)y->data + i * elem, depth))
      return false;
  return true;
}

/* Maps as sets of entries: the same keys, with equal values. */
static bool map_equal(const bp_msgdef *entry, const bp_map *x, const bp_map *y, uint32_t depth) {
  if (x->entries.size != y->entries.size || entry->field_count < 2) return x->entries.size == y->entries.size;
  const bp_field *kf = &entry->fields[0], *vf = &entry->fields[1];
  const bp_msgdef *vsub = bp__is_message(vf->type) ? entry->subs[vf->sub].msg : NULL;
  for (uint32_t i = 0; i < x->entries.size; i++) {
    const void *e = ((void *const *)x->entries.data)[i];
    bp_value key;
    memset(&key, 0, sizeof key);
    memcpy(&key, cmember(e, kf), bp_type_size(kf->type));
    const void *o = bp_map_get(y, entry, key);
    if (!o || !value_equal(vf->type, vsub, cmember(e, vf), cmember(o, vf), depth)) return false;
  }
  return true;
}

static bool field_equal(const bp_msgdef *t, const bp_field *f, const void *a, const void *b, uint32_t depth) {
  const bp_msgdef *sub = bp__is_message(f->type) ? t->subs[f->sub].msg : NULL;
  if (f->flags & BP_F_MAP) return map_equal(sub, cmember(a, f), cmember(b, f), depth);
  if (f->flags & BP_F_REPEATED) return array_equal(f->type, sub, cmember(a, f), cmember(b, f), depth);
  bool ha = bp_msg_has(a, f);
  if (ha != bp_msg_has(b, f)) return false;
  return !ha || value_equal(f->type, sub, cmember(a, f), cmember(b, f), depth);
}

static bool ext_equal(const bp_ext *x, const bp_ext *y, uint32_t depth) {
  if (x->number != y->number || x->kind != y->kind) return false;
  if (x->kind == BP_EXT_RAW) return bp_str_eq(x->u.raw, y->u.raw);
  const bp_extdef *e = x->def;
  const bp_msgdef *sub = bp__is_message(e->type) ? e->sub.msg : NULL;
  if (e != y->def) return false;
  if (e->flags & BP_F_REPEATED) return array_equal(e->type, sub, &x->u.array, &y->u.array, depth);
  return value_equal(e->type, sub, &x->u.value, &y->u.value, depth);
}

static bool equal(const bp_msgdef *t, const void *a, const void *b, uint32_t depth) {
  if (a == b) return true;
  if (depth == 0) return false;
  for (uint32_t i = 0; i < t->field_count; i++)
    if (!field_equal(t, &t->fields[i], a, b, depth - 1)) return false;
  if (!bp_str_eq(bp_unknown(a), bp_unknown(b))) return false;
  size_t nx, ny;
  const bp_ext *xs = bp_ext_list(a, &nx), *ys = bp_ext_list(b, &ny);
  if (nx != ny) return false;
  for (size_t i = 0; i < nx; i++)
    if (!ext_equal(&xs[i], &ys[i], depth - 1)) return false;
  return true;
}

bool bp_msg_equal(const bp_msgdef *t, const void *a, const void *b) { return equal(t, a, b, LEVELS); }

/* ---------------------------------------------------------------- required fields */

static bool initialized(const bp_msgdef *t, const void *msg, uint32_t depth);

static bool all_initialized(const bp_msgdef *sub, const bp_array *arr, uint32_t depth) {
  for (uint32_t i = 0; i < arr->size; i++) {
    const void *m = ((void *const *)arr->data)[i];
    if (m && !initialized(sub, m, depth)) return false;
  }
  return true;
}

static bool initialized(const bp_msgdef *t, const void *msg, uint32_t depth) {
  if (depth == 0) return false;
  for (uint32_t i = 0; i < t->field_count; i++) {
    const bp_field *f = &t->fields[i];
    if ((f->flags & BP_F_REQUIRED) && !bp_msg_has(msg, f)) return false;
    if (!bp__is_message(f->type)) continue;
    const bp_msgdef *sub = t->subs[f->sub].msg;
    if (f->flags & BP_F_MAP) {
      if (sub->field_count < 2 || !bp__is_message(sub->fields[1].type)) continue;
      const bp_field *vf = &sub->fields[1];
      const bp_map *m = cmember(msg, f);
      for (uint32_t k = 0; k < m->entries.size; k++) {
        const void *v = *(void *const *)cmember(((void *const *)m->entries.data)[k], vf);
        if (v && !initialized(sub->subs[vf->sub].msg, v, depth - 1)) return false;
      }
    } else if (f->flags & BP_F_REPEATED) {
      if (!all_initialized(sub, cmember(msg, f), depth - 1)) return false;
    } else if (bp_msg_has(msg, f)) {
      const void *m = *(void *const *)cmember(msg, f);
      if (m && !initialized(sub, m, depth - 1)) return false;
    }
  }
  size_t n;
  const bp_ext *xs = bp_ext_list(msg, &n);
  for (size_t i = 0; i < n; i++) {
    const bp_ext *x = &xs[i];
    if (x->kind != BP_EXT_VALUE || !bp__is_message(x->def->type)) continue;
    if (x->def->flags & BP_F_REPEATED) {
      if (!all_initialized(x->def->sub.msg, &x->u.array, depth - 1)) return false;
    } else if (x->u.value.msg && !initialized(x->def->sub.msg, x->u.value.msg, depth - 1)) {
      return false;
    }
  }
  return true;
}

bool bp_msg_is_initialized(const bp_msgdef *t, const void *msg) { return initialized(t, msg, LEVELS); }
