/* Arrays, the extension set, unknown fields and access to fields by table. */
#include "pb/msg.h"

void *bp__array_grow(bp_array *arr, size_t n, size_t elem, bp_arena *a) {
  size_t need = (size_t)arr->size + n;
  if (need > UINT32_MAX || need > SIZE_MAX / elem) return NULL;
  if (need <= arr->cap) return arr->data;
  size_t cap = arr->cap ? (size_t)arr->cap * 2 : (elem <= 8 ? 8 : 4);
  if (cap > UINT32_MAX) cap = UINT32_MAX;
  while (cap < need)
    cap *= 2;
  if (cap > UINT32_MAX || cap > SIZE_MAX / elem) cap = need;
  /* in place when the array is the arena's latest allocation; an aliased
   * array (the caller's) never is, and is copied */
  void *data = bp_arena_realloc(a, arr->data, (size_t)arr->cap * elem, cap * elem);
  if (!data) return NULL;
  arr->data = data;
  arr->cap = (uint32_t)cap;
  return data;
}

void *bp_array_resize(bp_array *arr, size_t n, size_t elem, bp_arena *a) {
  if (n > arr->cap && !bp__array_grow(arr, n - arr->size, elem, a)) return NULL;
  if (n > arr->size) memset((char *)arr->data + (size_t)arr->size * elem, 0, (n - arr->size) * elem);
  arr->size = (uint32_t)n;
  return arr->data;
}

static bp_aux *aux_of(void *msg, bp_arena *a) {
  bp_aux **p = (bp_aux **)msg;
  if (!*p) *p = bp_arena_zalloc(a, sizeof(bp_aux));
  return *p;
}

bool bp_ext_add_raw(void *msg, uint32_t number, bp_str raw, bp_arena *a) {
  bp_aux *x = aux_of(msg, a);
  if (!x) return false;
  if (x->ext_count == x->ext_cap) {
    uint32_t cap = x->ext_cap ? x->ext_cap * 2 : 4;
    bp_ext *e = bp_arena_realloc(a, x->ext, sizeof(bp_ext) * x->ext_cap, sizeof(bp_ext) * cap);
    if (!e) return false;
    x->ext = e;
    x->ext_cap = cap;
  }
  uint32_t i = x->ext_count;
  while (i > 0 && x->ext[i - 1].number > number)
    i--;
  memmove(&x->ext[i + 1], &x->ext[i], sizeof(bp_ext) * (x->ext_count - i));
  x->ext[i].number = number;
  x->ext[i].kind = BP_EXT_RAW;
  x->ext[i].u.raw = raw;
  x->ext_count++;
  return true;
}

const bp_ext *bp_ext_list(const void *msg, size_t *n) {
  const bp_aux *x = bp_msg_aux(msg);
  *n = x ? x->ext_count : 0;
  return x ? x->ext : NULL;
}

bool bp_unknown_add(void *msg, const char *data, size_t size, bp_arena *a) {
  if (!size) return true;
  bp_aux *x = aux_of(msg, a);
  if (!x) return false;
  if (x->unknown_cap - x->unknown_size < size) {
    size_t cap = x->unknown_cap ? x->unknown_cap * 2 : 64;
    while (cap - x->unknown_size < size)
      cap *= 2;
    char *u = bp_arena_realloc(a, x->unknown, x->unknown_cap, cap);
    if (!u) return false;
    x->unknown = u;
    x->unknown_cap = cap;
  }
  memcpy(x->unknown + x->unknown_size, data, size);
  x->unknown_size += size;
  return true;
}

bp_str bp_unknown(const void *msg) {
  const bp_aux *x = bp_msg_aux(msg);
  return x ? bp_str_make(x->unknown, x->unknown_size) : bp_str_make(NULL, 0);
}

bool bp_enumdef_has(const bp_enumdef *e, int32_t number) {
  uint32_t lo = 0, hi = e->count;
  while (lo < hi) {
    uint32_t mid = lo + (hi - lo) / 2;
    if (e->values[mid] == number) return true;
    if (e->values[mid] < number)
      lo = mid + 1;
    else
      hi = mid;
  }
  return false;
}

size_t bp_type_size(int type) {
  switch (type) {
  case BP_TYPE_BOOL: return sizeof(bool);
  case BP_TYPE_FLOAT:
  case BP_TYPE_INT32:
  case BP_TYPE_UINT32:
  case BP_TYPE_FIXED32:
  case BP_TYPE_SFIXED32:
  case BP_TYPE_SINT32:
  case BP_TYPE_ENUM: return 4;
  case BP_TYPE_DOUBLE:
  case BP_TYPE_INT64:
  case BP_TYPE_UINT64:
  case BP_TYPE_FIXED64:
  case BP_TYPE_SFIXED64:
  case BP_TYPE_SINT64: return 8;
  case BP_TYPE_STRING:
  case BP_TYPE_BYTES: return sizeof(bp_str);
  default: return sizeof(void *);
  }
}

static void *field_ptr(void *msg, const bp_field *f) { return (char *)msg + f->offset; }

static void set_present(void *msg, const bp_field *f) {
  if (f->presence > 0)
    ((uint8_t *)msg)[f->presence >> 3] |= (uint8_t)(1u << (f->presence & 7));
  else if (f->presence < 0)
    *(uint32_t *)(void *)((char *)msg + ~f->presence) = f->number;
}

static bool is_message(const bp_field *f) { return f->type == BP_TYPE_MESSAGE || f->type == BP_TYPE_GROUP; }

bool bp_msg_has(const void *msg, const bp_field *f) {
  if (f->flags & BP_F_REPEATED) return bp_msg_array(msg, f)->size != 0;
  if (f->presence > 0) return bp__hasbit(msg, f->presence);
  if (f->presence < 0) return bp__oneof_case(msg, f) == f->number;
  const char *p = (const char *)msg + f->offset;
  if (is_message(f)) return *(void *const *)(const void *)p != NULL;
  if (f->type == BP_TYPE_STRING || f->type == BP_TYPE_BYTES) return ((const bp_str *)(const void *)p)->size != 0;
  size_t n = bp_type_size(f->type);
  for (size_t i = 0; i < n; i++)
    if (p[i]) return true;
  return false;
}

bp_value bp_msg_get(const void *msg, const bp_field *f) {
  bp_value v;
  memset(&v, 0, sizeof v);
  if (f->presence < 0 && bp__oneof_case(msg, f) != f->number) return v;
  memcpy(&v, (const char *)msg + f->offset, bp_type_size(f->type));
  return v;
}

void bp_msg_set(void *msg, const bp_field *f, bp_value v) {
  memcpy(field_ptr(msg, f), &v, bp_type_size(f->type));
  set_present(msg, f);
}

void bp_msg_clear(void *msg, const bp_field *f) {
  if (f->flags & BP_F_MAP) {
    bp_map_clear(field_ptr(msg, f));
    return;
  }
  if (f->flags & BP_F_REPEATED) {
    ((bp_array *)field_ptr(msg, f))->size = 0;
    return;
  }
  if (f->presence < 0) {
    if (bp__oneof_case(msg, f) != f->number) return;
    *(uint32_t *)(void *)((char *)msg + ~f->presence) = 0;
  } else if (f->presence > 0) {
    ((uint8_t *)msg)[f->presence >> 3] &= (uint8_t) ~(1u << (f->presence & 7));
  }
  memset(field_ptr(msg, f), 0, bp_type_size(f->type));
}

void *bp_msg_mutable(void *msg, const bp_field *f, const bp_msgdef *sub, bp_arena *a) {
  void **slot = field_ptr(msg, f);
  if (f->presence < 0 && bp__oneof_case(msg, f) != f->number) *slot = NULL;
  if (!*slot) {
    *slot = bp_msg_new(sub, a);
    if (!*slot) return NULL;
    set_present(msg, f);
  }
  return *slot;
}

bool bp_msg_append(void *msg, const bp_field *f, bp_value v, bp_arena *a) {
  size_t n = bp_type_size(f->type);
  void *p = bp_array_push(field_ptr(msg, f), n, a);
  if (!p) return false;
  memcpy(p, &v, n);
  return true;
}

void *bp_msg_add(void *msg, const bp_field *f, const bp_msgdef *sub, bp_arena *a) {
  void *m = bp_msg_new(sub, a);
  if (!m) return NULL;
  void **p = bp_array_push(field_ptr(msg, f), sizeof(void *), a);
  if (!p) return NULL;
  *p = m;
  return m;
}
