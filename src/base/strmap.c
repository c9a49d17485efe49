#include "base/strmap.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Eight bytes at a time (names are long: a.b.c.Message.field), with a
 * finalizer that spreads every input bit over the low bits the table uses. */
static uint32_t hash_bytes(const char *s, size_t n) {
  uint64_t h = 0x9e3779b97f4a7c15ull ^ n;
  while (n >= 8) {
    uint64_t w;
    memcpy(&w, s, 8);
    h = (h ^ w) * 0xbf58476d1ce4e5b9ull;
    h ^= h >> 31;
    s += 8;
    n -= 8;
  }
  uint64_t w = 0;
  memcpy(&w, s, n);
  h = (h ^ w) * 0x94d049bb133111ebull;
  h ^= h >> 29;
  h *= 0xbf58476d1ce4e5b9ull;
  h ^= h >> 32;
  return (uint32_t)h | 1; /* 0 never used, so empty slots are recognisable by key */
}

void buoy_strmap_init(buoy_strmap *m) { memset(m, 0, sizeof *m); }

void buoy_strmap_free(buoy_strmap *m) {
  free(m->slots);
  memset(m, 0, sizeof *m);
}

static buoy_strmap_entry *find(const buoy_strmap *m, const char *key, size_t len, uint32_t h) {
  uint32_t mask = m->cap - 1;
  for (uint32_t i = h & mask;; i = (i + 1) & mask) {
    buoy_strmap_entry *e = &m->slots[i];
    if (!e->key) return e;
    if (e->hash == h && e->len == len && memcmp(e->key, key, len) == 0) return e;
  }
}

void *buoy_strmap_get(const buoy_strmap *m, const char *key, size_t len) {
  if (!m->cap) return NULL;
  buoy_strmap_entry *e = find(m, key, len, hash_bytes(key, len));
  return e->key ? e->value : NULL;
}

static void grow(buoy_strmap *m) {
  uint32_t cap = m->cap ? m->cap * 2 : 64;
  buoy_strmap_entry *old = m->slots;
  uint32_t old_cap = m->cap;
  m->slots = calloc(cap, sizeof *m->slots);
  if (!m->slots) {
    fputs("buoy: out of memory\n", stderr);
    abort();
  }
  m->cap = cap;
  for (uint32_t i = 0; i < old_cap; i++)
    if (old[i].key) *find(m, old[i].key, old[i].len, old[i].hash) = old[i];
  free(old);
}

void *buoy_strmap_put(buoy_strmap *m, const char *key, size_t len, void *value) {
  if ((m->count + 1) * 4 > m->cap * 3) grow(m);
  uint32_t h = hash_bytes(key, len);
  buoy_strmap_entry *e = find(m, key, len, h);
  if (e->key) {
    void *prev = e->value;
    e->value = value;
    return prev;
  }
  e->key = key;
  e->len = (uint32_t)len;
  e->hash = h;
  e->value = value;
  m->count++;
  return NULL;
}

void *buoy_strmap_put_new(buoy_strmap *m, const char *key, size_t len, void *value) {
  if ((m->count + 1) * 4 > m->cap * 3) grow(m);
  uint32_t h = hash_bytes(key, len);
  buoy_strmap_entry *e = find(m, key, len, h);
  if (e->key) return e->value;
  e->key = key;
  e->len = (uint32_t)len;
  e->hash = h;
  e->value = value;
  m->count++;
  return NULL;
}
