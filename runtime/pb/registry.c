/* The registry: hash tables in an arena, from full names to message and
 * enum tables, and from (extendee, number) or full name to extensions. The
 * tables it holds are the caller's (generated constants): only pointers to
 * them are kept. */
#include "pb/internal.h"

/* One slot: a key of two words (a name's pointer and length, or a table
 * pointer and a number), its hash, and the value. value NULL: empty. */
typedef struct slot {
  uint64_t hash;
  const void *k1;
  uint64_t k2;
  const void *value;
} slot;

typedef struct table {
  slot *slots;
  uint32_t count, cap; /* cap: 0 or a power of two */
  bool by_name;        /* k1, k2: a string's bytes and length; else compared as they are */
} table;

struct bp_registry {
  bp_arena *arena;
  table msgs, enums, exts, exts_by_name, files;
};

static uint64_t mix(uint64_t h) {
  h ^= h >> 33;
  h *= 0xff51afd7ed558ccdu;
  h ^= h >> 33;
  h *= 0xc4ceb9fe1a85ec53u;
  h ^= h >> 33;
  return h;
}

static uint64_t hash_name(bp_str s) {
  uint64_t h = 0xcbf29ce484222325u;
  for (size_t i = 0; i < s.size; i++)
    h = (h ^ (uint8_t)s.data[i]) * 0x100000001b3u;
  return mix(h ^ s.size);
}

static uint64_t hash_pair(const void *p, uint64_t n) { return mix((uint64_t)(uintptr_t)p * 0x9e3779b97f4a7c15u ^ n); }

static bool same_key(const table *t, const slot *s, uint64_t hash, const void *k1, uint64_t k2) {
  if (s->hash != hash || s->k2 != k2) return false;
  if (!t->by_name) return s->k1 == k1;
  return k2 == 0 || memcmp(s->k1, k1, (size_t)k2) == 0;
}

static const void *lookup(const table *t, uint64_t hash, const void *k1, uint64_t k2) {
  if (!t->cap) return NULL;
  uint32_t mask = t->cap - 1;
  for (uint32_t i = (uint32_t)hash & mask;; i = (i + 1) & mask) {
    const slot *s = &t->slots[i];
    if (!s->value) return NULL;
    if (same_key(t, s, hash, k1, k2)) return s->value;
  }
}

static void place(table *t, slot s) {
  uint32_t mask = t->cap - 1;
  uint32_t i = (uint32_t)s.hash & mask;
  while (t->slots[i].value)
    i = (i + 1) & mask;
  t->slots[i] = s;
  t->count++;
}

/* Adds the key unless it is there (the first value added stays). */
static bool insert(bp_registry *r, table *t, uint64_t hash, const void *k1, uint64_t k2, const void *value) {
  if (lookup(t, hash, k1, k2)) return true;
  if ((size_t)(t->count + 1) * 2 > t->cap) {
    if (t->cap > UINT32_MAX / 4) return false;
    uint32_t cap = t->cap ? t->cap * 2 : 16;
    slot *old = t->slots;
    uint32_t old_cap = t->cap;
    t->slots = bp_arena_zalloc(r->arena, (size_t)cap * sizeof(slot));
    if (!t->slots) {
      t->slots = old;
      return false;
    }
    t->cap = cap;
    t->count = 0;
    for (uint32_t i = 0; i < old_cap; i++)
      if (old[i].value) place(t, old[i]);
  }
  slot s = {hash, k1, k2, value};
  place(t, s);
  return true;
}

static bool insert_name(bp_registry *r, table *t, const char *name, const void *value) {
  if (!name) return true;
  bp_str s = bp_str_c(name);
  return insert(r, t, hash_name(s), s.data, s.size, value);
}

static const void *lookup_name(const table *t, bp_str name) { return lookup(t, hash_name(name), name.data, name.size); }

bp_registry *bp_registry_new(bp_arena *a) {
  bp_registry *r = bp_arena_zalloc(a, sizeof(bp_registry));
  if (!r) return NULL;
  r->arena = a;
  r->msgs.by_name = r->enums.by_name = r->exts_by_name.by_name = true;
  return r;
}

bool bp_registry_add_msgdef(bp_registry *r, const bp_msgdef *t) { return insert_name(r, &r->msgs, t->full_name, t); }

bool bp_registry_add_enumdef(bp_registry *r, const bp_enumdef *e) { return insert_name(r, &r->enums, e->full_name, e); }

bool bp_registry_add_ext(bp_registry *r, const bp_extdef *e) {
  return insert(r, &r->exts, hash_pair(e->extendee, e->number), e->extendee, e->number, e) &&
         insert_name(r, &r->exts_by_name, e->full_name, e);
}

static bool add_one_file(bp_registry *r, const bp_filedef *f) {
  for (uint32_t i = 0; i < f->msg_count; i++)
    if (!bp_registry_add_msgdef(r, f->msgs[i])) return false;
  for (uint32_t i = 0; i < f->enum_count; i++)
    if (!bp_registry_add_enumdef(r, f->enums[i])) return false;
  for (uint32_t i = 0; i < f->ext_count; i++)
    if (!bp_registry_add_ext(r, f->exts[i])) return false;
  return true;
}

bool bp_registry_add_file(bp_registry *r, const bp_filedef *f) {
  /* depth first over the imports with a stack of its own: a long chain of
   * imports needs no deep recursion, and a file seen is never visited again
   * (so an import cycle ends) */
  bp_array stack = {NULL, 0, 0};
  const bp_filedef **top = bp_array_push(&stack, sizeof(void *), r->arena);
  if (!top) return false;
  *top = f;
  while (stack.size) {
    const bp_filedef *cur = ((const bp_filedef **)stack.data)[--stack.size];
    uint64_t h = hash_pair(cur, 0);
    if (lookup(&r->files, h, cur, 0)) continue;
    if (!insert(r, &r->files, h, cur, 0, cur) || !add_one_file(r, cur)) return false;
    for (uint32_t i = cur->dep_count; i-- > 0;) {
      if (!cur->deps[i] || lookup(&r->files, hash_pair(cur->deps[i], 0), cur->deps[i], 0)) continue;
      const bp_filedef **d = bp_array_push(&stack, sizeof(void *), r->arena);
      if (!d) return false;
      *d = cur->deps[i];
    }
  }
  return true;
}

const bp_msgdef *bp_registry_msgdef(const bp_registry *r, bp_str full_name) { return lookup_name(&r->msgs, full_name); }

const bp_enumdef *bp_registry_enumdef(const bp_registry *r, bp_str full_name) {
  return lookup_name(&r->enums, full_name);
}

const bp_extdef *bp_registry_ext(const bp_registry *r, const bp_msgdef *extendee, uint32_t number) {
  return lookup(&r->exts, hash_pair(extendee, number), extendee, number);
}

const bp_extdef *bp_registry_ext_by_name(const bp_registry *r, bp_str full_name) {
  return lookup_name(&r->exts_by_name, full_name);
}
