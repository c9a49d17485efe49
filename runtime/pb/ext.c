/* Typed extensions: entries of kind BP_EXT_VALUE in the extension set, and
 * the promotion of raw entries (wire form, as decoded without a registry)
 * to a typed entry when the extension is first read with its table. */
#include "pb/internal.h"

static bp_aux *aux_of(void *msg, bp_arena *a) {
  bp_aux **p = (bp_aux **)msg;
  if (!*p) *p = bp_arena_zalloc(a, sizeof(bp_aux));
  return *p;
}

/* Removes entries [i, i + n). */
static void remove_at(bp_aux *x, uint32_t i, uint32_t n) {
  memmove(&x->ext[i], &x->ext[i + n], sizeof(bp_ext) * (x->ext_count - i - n));
  x->ext_count -= n;
}

/* The first entry of the number, or ext_count. */
static uint32_t first_of(const bp_aux *x, uint32_t number) {
  uint32_t lo = 0, hi = x->ext_count;
  while (lo < hi) {
    uint32_t mid = lo + (hi - lo) / 2;
    if (x->ext[mid].number < number)
      lo = mid + 1;
    else
      hi = mid;
  }
  return lo;
}

/* A new zeroed typed entry after the entries of smaller or equal numbers. */
static bp_ext *insert_typed(void *msg, const bp_extdef *e, bp_arena *a) {
  bp_aux *x = aux_of(msg, a);
  if (!x) return NULL;
  if (x->ext_count == x->ext_cap) {
    if (x->ext_cap > UINT32_MAX / 4) return NULL;
    uint32_t cap = x->ext_cap ? x->ext_cap * 2 : 4;
    bp_ext *n = bp_arena_realloc(a, x->ext, sizeof(bp_ext) * x->ext_cap, sizeof(bp_ext) * cap);
    if (!n) return NULL;
    x->ext = n;
    x->ext_cap = cap;
  }
  uint32_t i = first_of(x, e->number);
  while (i < x->ext_count && x->ext[i].number == e->number)
    i++;
  memmove(&x->ext[i + 1], &x->ext[i], sizeof(bp_ext) * (x->ext_count - i));
  x->ext_count++;
  bp_ext *t = &x->ext[i];
  memset(t, 0, sizeof *t);
  t->number = e->number;
  t->kind = BP_EXT_VALUE;
  t->def = e;
  return t;
}

bp_ext *bp__ext_typed(void *msg, const bp_extdef *e, bp_arena *a, bool create) {
  bp_aux *x = bp_msg_aux(msg);
  uint32_t i = x ? first_of(x, e->number) : 0;
  bool raw = false, typed = false;
  for (uint32_t k = i; x && k < x->ext_count && x->ext[k].number == e->number; k++) {
    if (x->ext[k].kind == BP_EXT_VALUE)
      typed = true;
    else
      raw = true;
  }
  if (!raw && !typed && !create) return NULL;
  if (!raw) {
    if (typed)
      for (;; i++)
        if (x->ext[i].kind == BP_EXT_VALUE) return &x->ext[i];
    return insert_typed(msg, e, a);
  }
  /* Raw entries are parsed, in order, into one typed entry that takes the
   * place of every entry of the number (a typed entry's value first: raw
   * entries come from input read before it was made or added after). */
  uint32_t n = 0;
  while (i + n < x->ext_count && x->ext[i + n].number == e->number)
    n++;
  bp_ext *copy = bp_arena_malloc(a, sizeof(bp_ext) * n);
  if (!copy) return NULL;
  memcpy(copy, &x->ext[i], sizeof(bp_ext) * n);
  remove_at(x, i, n);
  bp_ext *t = insert_typed(msg, e, a);
  if (!t) return NULL;
  for (uint32_t k = 0; k < n; k++)
    if (copy[k].kind == BP_EXT_VALUE) t->u = copy[k].u;
  for (uint32_t k = 0; k < n; k++) {
    if (copy[k].kind != BP_EXT_RAW) continue;
    /* t stays in place: parsing only adds unknown fields, never entries */
    if (bp__ext_parse_raw(msg, t, copy[k].u.raw, a) != BP_OK) {
      /* malformed: the entries are put back as they were */
      bp__ext_drop(msg, t);
      memmove(&x->ext[i + n], &x->ext[i], sizeof(bp_ext) * (x->ext_count - i));
      memcpy(&x->ext[i], copy, sizeof(bp_ext) * n);
      x->ext_count += n;
      return NULL;
    }
  }
  return t;
}

void bp__ext_drop(void *msg, const bp_ext *t) {
  bp_aux *x = bp_msg_aux(msg);
  remove_at(x, (uint32_t)(t - x->ext), 1);
}

bool bp_ext_has(const void *msg, const bp_extdef *e) {
  const bp_aux *x = bp_msg_aux(msg);
  if (!x) return false;
  for (uint32_t k = first_of(x, e->number); k < x->ext_count && x->ext[k].number == e->number; k++) {
    const bp_ext *t = &x->ext[k];
    if (t->kind == BP_EXT_RAW || !(e->flags & BP_F_REPEATED) || t->u.array.size) return true;
  }
  return false;
}

bool bp_ext_get(void *msg, const bp_extdef *e, bp_arena *a, bp_value *out) {
  if (e->flags & BP_F_REPEATED) return false;
  bp_ext *t = bp__ext_typed(msg, e, a, false);
  if (!t) return false;
  *out = t->u.value;
  return true;
}

bool bp_ext_set(void *msg, const bp_extdef *e, bp_value v, bp_arena *a) {
  if (e->flags & BP_F_REPEATED) return false;
  bp_ext_clear(msg, e);
  bp_ext *t = insert_typed(msg, e, a);
  if (!t) return false;
  t->u.value = v;
  return true;
}

void *bp_ext_mutable(void *msg, const bp_extdef *e, bp_arena *a) {
  if ((e->flags & BP_F_REPEATED) || !bp__is_message(e->type)) return NULL;
  bp_ext *t = bp__ext_typed(msg, e, a, true);
  if (!t) return NULL;
  if (!t->u.value.msg) t->u.value.msg = bp_msg_new(e->sub.msg, a);
  return t->u.value.msg;
}

bp_array *bp_ext_array(void *msg, const bp_extdef *e, bp_arena *a) {
  if (!(e->flags & BP_F_REPEATED)) return NULL;
  bp_ext *t = bp__ext_typed(msg, e, a, true);
  return t ? &t->u.array : NULL;
}

void bp_ext_clear(void *msg, const bp_extdef *e) {
  bp_aux *x = bp_msg_aux(msg);
  if (!x) return;
  uint32_t i = first_of(x, e->number), n = 0;
  while (i + n < x->ext_count && x->ext[i + n].number == e->number)
    n++;
  remove_at(x, i, n);
}
