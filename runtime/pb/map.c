/* Map fields: entries (messages of the map entry type, key field 1, value
 * field 2) in insertion order, with an open-addressing hash of keys to
 * entry positions once the map holds a few entries. Below that a scan of
 * the entries is as fast as hashing.
 *
 * Keys are hashed with SipHash-1-3 under a 128-bit key of each map, made
 * when its index is first built, so whoever writes the keys cannot choose
 * ones that collide: decoding stays linear whatever the input. The key
 * lives in the index's allocation, just before its slots (bp_map has no
 * room for it), and moves with the slots when the index grows. */
#if defined(__linux__) && defined(__has_include)
#if __has_include(<sys/auxv.h>) && __has_include(<sys/random.h>)
#include <sys/auxv.h>
#include <sys/random.h>
#define HAVE_AUXV_RANDOM 1
#endif
#endif
#include <time.h>

#include "pb/internal.h"

#if !defined(HAVE_AUXV_RANDOM) && (defined(__APPLE__) || defined(__FreeBSD__) || defined(__OpenBSD__) || \
                                 defined(__NetBSD__))
#include <stdlib.h>
#define HAVE_ARC4RANDOM 1
#endif

/* Maps with fewer entries are searched by a scan; the index is built when
 * the map grows to this size. */
#define INDEX_MIN 8u

/* uint32_t words before the index's slots that hold its hash key. */
#define KEY_WORDS 4u

static const bp_field *key_field(const bp_msgdef *entry) { return &entry->fields[0]; }

static const void *key_of(const bp_field *kf, const void *e) { return (const char *)e + kf->offset; }

static bool is_string(int type) { return type == BP_TYPE_STRING || type == BP_TYPE_BYTES; }

static bool is_signed(int type) {
  switch (type) {
  case BP_TYPE_INT32:
  case BP_TYPE_SINT32:
  case BP_TYPE_SFIXED32:
  case BP_TYPE_INT64:
  case BP_TYPE_SINT64:
  case BP_TYPE_SFIXED64: return true;
  default: return false;
  }
}

/* A key's number: every integer key type widened to 64 bits (sign-extended
 * for signed types), so equal keys have equal numbers. */
static uint64_t key_number(int type, const void *p) {
  switch (bp_type_size(type)) {
  case 8: {
    uint64_t v;
    memcpy(&v, p, 8);
    return v;
  }
  case 4: {
    uint32_t v;
    memcpy(&v, p, 4);
    return is_signed(type) ? (uint64_t)(int64_t)(int32_t)v : v;
  }
  default: return *(const bool *)p ? 1 : 0;
  }
}

/* ---------------------------------------------------------------- SipHash-1-3 */

typedef struct hash_key {
  uint64_t k0, k1;
} hash_key;

typedef struct sip_state {
  uint64_t v0, v1, v2, v3;
} sip_state;

static uint64_t rotl(uint64_t x, unsigned b) { return (x << b) | (x >> (64 - b)); }

static void sip_round(sip_state *s) {
  s->v0 += s->v1;
  s->v1 = rotl(s->v1, 13) ^ s->v0;
  s->v0 = rotl(s->v0, 32);
  s->v2 += s->v3;
  s->v3 = rotl(s->v3, 16) ^ s->v2;
  s->v0 += s->v3;
  s->v3 = rotl(s->v3, 21) ^ s->v0;
  s->v2 += s->v1;
  s->v1 = rotl(s->v1, 17) ^ s->v2;
  s->v2 = rotl(s->v2, 32);
}

static sip_state sip_init(hash_key k) {
  sip_state s = {k.k0 ^ 0x736f6d6570736575u, k.k1 ^ 0x646f72616e646f6du, k.k0 ^ 0x6c7967656e657261u,
                 k.k1 ^ 0x7465646279746573u};
  return s;
}

/* One compression round per 8-byte word (the "1" of SipHash-1-3). */
static void sip_word(sip_state *s, uint64_t m) {
  s->v3 ^= m;
  sip_round(s);
  s->v0 ^= m;
}

/* The three finalization rounds. */
static uint64_t sip_final(sip_state *s) {
  s->v2 ^= 0xff;
  sip_round(s);
  sip_round(s);
  sip_round(s);
  return s->v0 ^ s->v1 ^ s->v2 ^ s->v3;
}

/* 8 bytes at p as a little-endian number. */
static uint64_t load_le64(const uint8_t *p) {
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
  uint64_t m;
  memcpy(&m, p, 8);
  return m;
#else
  uint64_t m = 0;
  for (unsigned j = 0; j < 8; j++)
    m |= (uint64_t)p[j] << (8 * j);
  return m;
#endif
}

/* SipHash-1-3 of n bytes. */
static uint64_t sip_bytes(hash_key k, const uint8_t *p, size_t n) {
  sip_state s = sip_init(k);
  size_t i = 0;
  for (; i + 8 <= n; i += 8)
    sip_word(&s, load_le64(p + i));
  uint64_t last = (uint64_t)n << 56;
  for (unsigned j = 0; i + j < n; j++)
    last |= (uint64_t)p[i + j] << (8 * j);
  sip_word(&s, last);
  return sip_final(&s);
}

/* SipHash-1-3 of n numbers, each as its 8 little-endian bytes. */
static uint64_t sip_words(hash_key k, const uint64_t *w, size_t n) {
  sip_state s = sip_init(k);
  for (size_t i = 0; i < n; i++)
    sip_word(&s, w[i]);
  sip_word(&s, (uint64_t)(n * 8) << 56);
  return sip_final(&s);
}

static uint64_t key_hash(hash_key k, int type, const void *p) {
  if (!is_string(type)) {
    uint64_t v = key_number(type, p);
    return sip_words(k, &v, 1);
  }
  const bp_str *s = p;
  return sip_bytes(k, (const uint8_t *)s->data, s->size);
}

/* The map's hash key, kept before its index's slots. */
static hash_key map_key(const bp_map *m) {
  hash_key k;
  memcpy(&k, m->index - KEY_WORDS, sizeof k);
  return k;
}

/* A fresh hash key for the index at where: SipHash, keyed with the 16
 * random bytes the kernel gives every process (AT_RANDOM, read-only), of
 * the index's address and the time in nanoseconds. No system call, and no
 * two maps alike: a sender who cannot read the process's memory can
 * neither predict a map's key nor reuse what it learned of another's. The
 * BSDs and macOS draw it from arc4random_buf (no system call either).
 * Linux without AT_RANDOM uses getrandom; other systems, or a failing
 * getrandom, a secret of stack address and CPU time instead: weaker, still
 * hard to guess from outside under ASLR. (SipHash is a PRF: the keys tell
 * nothing of AT_RANDOM, which libc also uses for the stack guard.) */
static hash_key new_key(const void *where) {
  hash_key k = {0, 0};
#if defined(HAVE_ARC4RANDOM)
  arc4random_buf(&k, sizeof k);
  return k;
#else
  hash_key secret;
  bool have_secret = false;
#if defined(HAVE_AUXV_RANDOM)
  const void *at_random = (const void *)(uintptr_t)getauxval(AT_RANDOM);
  if (at_random) {
    memcpy(&secret, at_random, sizeof secret);
    have_secret = true;
  } else if (getrandom(&k, sizeof k, GRND_NONBLOCK) == (ssize_t)sizeof k) {
    return k;
  }
#endif
  if (!have_secret) { /* the weak fallback: clock() is a system call, so only here */
    secret.k0 = (uint64_t)(uintptr_t)&k;
    secret.k1 = (uint64_t)clock();
  }
  struct timespec ts = {0, 0};
  timespec_get(&ts, TIME_UTC);
  uint64_t w[3] = {(uint64_t)(uintptr_t)where, (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec, 0};
  k.k0 = sip_words(secret, w, 3);
  w[2] = 1;
  k.k1 = sip_words(secret, w, 3);
  return k;
#endif
}

static bool key_eq(int type, const void *a, const void *b) {
  if (is_string(type)) return bp_str_eq(*(const bp_str *)a, *(const bp_str *)b);
  return key_number(type, a) == key_number(type, b);
}

/* Key order for deterministic output: numbers by value, strings bytewise
 * (a prefix first), false before true. */
static int key_cmp(int type, const void *a, const void *b) {
  if (is_string(type)) {
    const bp_str *x = a, *y = b;
    size_t n = x->size < y->size ? x->size : y->size;
    int c = n ? memcmp(x->data, y->data, n) : 0;
    if (c) return c;
    return x->size < y->size ? -1 : x->size > y->size;
  }
  uint64_t x = key_number(type, a), y = key_number(type, b);
  if (is_signed(type)) return (int64_t)x < (int64_t)y ? -1 : (int64_t)x > (int64_t)y;
  return x < y ? -1 : x > y;
}

static void *const *entries_of(const bp_map *m) { return (void *const *)m->entries.data; }

/* The position of the entry with the key, or -1. */
static int64_t find(const bp_map *m, const bp_msgdef *entry, const void *key) {
  if (entry->field_count < 2) return -1;
  const bp_field *kf = key_field(entry);
  void *const *es = entries_of(m);
  uint32_t n = m->entries.size;
  if (!m->index) {
    for (uint32_t i = 0; i < n; i++)
      if (key_eq(kf->type, key_of(kf, es[i]), key)) return i;
    return -1;
  }
  uint32_t mask = m->index_cap - 1;
  for (uint32_t i = (uint32_t)key_hash(map_key(m), kf->type, key) & mask, probes = 0; probes < m->index_cap;
       i = (i + 1) & mask, probes++) {
    uint32_t slot = m->index[i];
    if (!slot) return -1;
    if (slot - 1 < n && key_eq(kf->type, key_of(kf, es[slot - 1]), key)) return slot - 1;
  }
  return -1;
}

/* false when the index has no free slot (stale slots left by code that
 * changed the entries without bp_map_reindex): it must be rebuilt. */
static bool index_put(bp_map *m, const bp_field *kf, uint32_t pos) {
  uint32_t mask = m->index_cap - 1;
  uint32_t i = (uint32_t)key_hash(map_key(m), kf->type, key_of(kf, entries_of(m)[pos])) & mask;
  for (uint32_t probes = 0; m->index[i]; i = (i + 1) & mask)
    if (++probes == m->index_cap) return false;
  m->index[i] = pos + 1;
  return true;
}

/* Fills the index with every entry, in an index of at least cap slots
 * (a new index keeps the old one's hash key, or draws one). */
static bool rebuild(bp_map *m, const bp_msgdef *entry, uint32_t cap, bp_arena *a) {
  if (cap > m->index_cap) {
    uint32_t *idx = bp_arena_malloc(a, ((size_t)cap + KEY_WORDS) * sizeof(uint32_t));
    if (!idx) return false;
    hash_key k = m->index ? map_key(m) : new_key(idx);
    memcpy(idx, &k, sizeof k);
    m->index = idx + KEY_WORDS;
    m->index_cap = cap;
  }
  memset(m->index, 0, (size_t)m->index_cap * sizeof(uint32_t));
  for (uint32_t i = 0; i < m->entries.size; i++)
    index_put(m, key_field(entry), i);
  return true;
}

/* Index slots for n entries: a power of two, at most half full. */
static bool index_cap_for(size_t n, uint32_t *cap) {
  size_t c = 16;
  while (c < n * 4) {
    if (c > UINT32_MAX / 2) return false;
    c *= 2;
  }
  *cap = (uint32_t)c;
  return true;
}

/* Appends an entry whose key is not in the map yet. */
static bool append(bp_map *m, const bp_msgdef *entry, void *e, bp_arena *a) {
  void **slot = bp_array_push(&m->entries, sizeof(void *), a);
  if (!slot) return false;
  *slot = e;
  uint32_t n = m->entries.size;
  if (!m->index && n < INDEX_MIN) return true;
  if (m->index && (size_t)n * 2 <= m->index_cap && index_put(m, key_field(entry), n - 1)) return true;
  uint32_t cap;
  if (!index_cap_for(n, &cap) || !rebuild(m, entry, cap > m->index_cap ? cap : 0, a)) {
    m->entries.size--;
    return false;
  }
  return true;
}

void *bp_map_get(const bp_map *m, const bp_msgdef *entry, bp_value key) {
  int64_t i = find(m, entry, &key);
  return i < 0 ? NULL : entries_of(m)[i];
}

void *bp_map_upsert(bp_map *m, const bp_msgdef *entry, bp_value key, bp_arena *a) {
  int64_t i = find(m, entry, &key);
  if (i >= 0) return entries_of(m)[i];
  if (entry->field_count < 2) return NULL;
  void *e = bp_msg_new(entry, a);
  if (!e) return NULL;
  const bp_field *kf = key_field(entry), *vf = &entry->fields[1];
  if (is_string(kf->type) && key.str.size) {
    key.str.data = bp_arena_memdup(a, key.str.data, key.str.size);
    if (!key.str.data) return NULL;
  }
  memcpy((char *)e + kf->offset, &key, bp_type_size(kf->type));
  if (bp__is_message(vf->type)) {
    void *v = bp_msg_new(entry->subs[vf->sub].msg, a);
    if (!v) return NULL;
    *(void **)(void *)((char *)e + vf->offset) = v;
  }
  return append(m, entry, e, a) ? e : NULL;
}

bool bp_map_delete(bp_map *m, const bp_msgdef *entry, bp_value key) {
  int64_t i = find(m, entry, &key);
  if (i < 0) return false;
  void **es = m->entries.data;
  memmove(&es[i], &es[i + 1], sizeof(void *) * (m->entries.size - (size_t)i - 1));
  m->entries.size--;
  if (m->index) rebuild(m, entry, 0, NULL); /* in place: never allocates */
  return true;
}

void bp_map_clear(bp_map *m) {
  m->entries.size = 0;
  if (m->index) memset(m->index, 0, (size_t)m->index_cap * sizeof(uint32_t));
}

bool bp_map_reindex(bp_map *m, const bp_msgdef *entry, bp_arena *a) {
  if (entry->field_count < 2) return false;
  if (!m->index && m->entries.size < INDEX_MIN) return true;
  uint32_t cap;
  if (!index_cap_for(m->entries.size, &cap)) return false;
  return rebuild(m, entry, cap > m->index_cap ? cap : 0, a);
}

bool bp__map_insert(bp_map *m, const bp_msgdef *entry, void *e, bp_arena *a) {
  int64_t i = find(m, entry, key_of(key_field(entry), e));
  if (i >= 0) {
    ((void **)m->entries.data)[i] = e;
    return true;
  }
  return append(m, entry, e, a);
}

/* ---------------------------------------------------------------- key order */

static void merge_sorted(const bp_field *kf, void **src, void **dst, size_t lo, size_t mid, size_t hi) {
  size_t i = lo, j = mid, k = lo;
  while (i < mid && j < hi)
    dst[k++] = key_cmp(kf->type, key_of(kf, src[j]), key_of(kf, src[i])) < 0 ? src[j++] : src[i++];
  while (i < mid)
    dst[k++] = src[i++];
  while (j < hi)
    dst[k++] = src[j++];
}

void *const *bp__map_sorted(const bp_map *m, const bp_msgdef *entry, bp_arena *a) {
  size_t n = m->entries.size;
  if (n < 2 || entry->field_count < 2) return entries_of(m);
  void **buf = bp_arena_malloc(a, 2 * n * sizeof(void *));
  if (!buf) return NULL;
  void **src = buf, **dst = buf + n;
  memcpy(src, m->entries.data, n * sizeof(void *));
  const bp_field *kf = key_field(entry);
  /* bottom-up merge sort: no recursion, stable */
  for (size_t width = 1; width < n; width *= 2) {
    for (size_t lo = 0; lo < n; lo += 2 * width) {
      size_t mid = lo + width < n ? lo + width : n;
      size_t hi = lo + 2 * width < n ? lo + 2 * width : n;
      merge_sorted(kf, src, dst, lo, mid, hi);
    }
    void **t = src;
    src = dst;
    dst = t;
  }
  return src;
}
