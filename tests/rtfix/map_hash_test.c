/* Maps against keys chosen to collide (HashDoS): keys that all fall in one
 * slot under the unkeyed hash buoy's maps used before (murmur3's finalizer
 * of the key, FNV-1a for strings) must spread over the index now that it is
 * keyed per map. Cost is counted, not timed: with linear probing a lookup
 * never probes past the end of the cluster (run of occupied slots) that
 * holds its key, so the sum over clusters of L(L+1)/2 bounds the probes of
 * looking up every key once. Also checks that the maps still work: every
 * key found with its value, deleted keys gone, and that two maps built from
 * the same keys have different layouts (each draws its own hash key).
 * Prints one line of figures; exits 1 on a failed check. */
#include <inttypes.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>

#include "pb/pb.h"

typedef struct int_entry {
  bp_aux *aux;
  int64_t key;
  int32_t value;
} int_entry;

typedef struct str_entry {
  bp_aux *aux;
  bp_str key;
  int32_t value;
} str_entry;

static const bp_field int_fields[] = {
    {1, offsetof(int_entry, key), 0, 0, BP_TYPE_INT64, 0},
    {2, offsetof(int_entry, value), 0, 0, BP_TYPE_INT32, 0},
};
static const bp_msgdef int_entry_def = {.fields = int_fields, .full_name = "t.IntEntry", .size = sizeof(int_entry),
                                        .field_count = 2, .dense = 2, .flags = BP_MSG_MAP_ENTRY};

static const bp_field str_fields[] = {
    {1, offsetof(str_entry, key), 0, 0, BP_TYPE_STRING, 0},
    {2, offsetof(str_entry, value), 0, 0, BP_TYPE_INT32, 0},
};
static const bp_msgdef str_entry_def = {.fields = str_fields, .full_name = "t.StrEntry", .size = sizeof(str_entry),
                                        .field_count = 2, .dense = 2, .flags = BP_MSG_MAP_ENTRY};

/* The old unkeyed hash. */
static uint64_t fmix64(uint64_t h) {
  h ^= h >> 33;
  h *= 0xff51afd7ed558ccdu;
  h ^= h >> 33;
  h *= 0xc4ceb9fe1a85ec53u;
  h ^= h >> 33;
  return h;
}

static uint64_t old_string_hash(const char *s, size_t n) {
  uint64_t h = 0xcbf29ce484222325u;
  for (size_t i = 0; i < n; i++)
    h = (h ^ (uint8_t)s[i]) * 0x100000001b3u;
  return fmix64(h ^ n);
}

/* c's inverse modulo 2^64 (c odd), by Newton's iteration. */
static uint64_t odd_inverse(uint64_t c) {
  uint64_t x = c;
  for (int i = 0; i < 6; i++)
    x *= 2 - c * x;
  return x;
}

/* The key whose old hash is h (the finalizer is a bijection). */
static uint64_t fmix64_inverse(uint64_t h) {
  h ^= h >> 33;
  h *= odd_inverse(0xc4ceb9fe1a85ec53u);
  h ^= h >> 33;
  h *= odd_inverse(0xff51afd7ed558ccdu);
  h ^= h >> 33;
  return h;
}

static int failures;

static void check(int ok, const char *what) {
  if (!ok) {
    fprintf(stderr, "FAIL: %s\n", what);
    failures++;
  }
}

/* The probe bound described above, and the longest cluster. */
static uint64_t probe_bound(const bp_map *m, uint32_t *longest) {
  uint64_t total = 0;
  *longest = 0;
  if (!m->index) return 0;
  uint32_t cap = m->index_cap, start = 0;
  while (start < cap && m->index[start]) /* start after a free slot: clusters may wrap */
    start++;
  uint64_t run = 0;
  for (uint32_t k = 1; k <= cap; k++) {
    if (m->index[(start + k) % cap]) {
      run++;
      continue;
    }
    total += run * (run + 1) / 2;
    if (run > *longest) *longest = (uint32_t)run;
    run = 0;
  }
  return total;
}

static int same_layout(const bp_map *a, const bp_map *b) {
  if (a->index_cap != b->index_cap) return 0;
  for (uint32_t i = 0; i < a->index_cap; i++)
    if (a->index[i] != b->index[i]) return 0;
  return 1;
}

enum { INT_KEYS = 4096, STR_KEYS = 1024, STR_LEN = 12 };

static void int_keys(bp_arena *a) {
  int64_t *keys = bp_arena_malloc(a, sizeof(int64_t) * INT_KEYS);
  check(keys != NULL, "memory");
  if (!keys) return;
  for (uint32_t j = 0; j < INT_KEYS; j++) {
    keys[j] = (int64_t)fmix64_inverse((uint64_t)(j + 1) << 24);
    check((fmix64((uint64_t)keys[j]) & 0xffffffu) == 0, "int key collides under the old hash");
  }
  bp_map m1 = {0}, m2 = {0};
  for (uint32_t j = 0; j < INT_KEYS; j++) {
    bp_value k = {.i64 = keys[j]};
    int_entry *e1 = bp_map_upsert(&m1, &int_entry_def, k, a), *e2 = bp_map_upsert(&m2, &int_entry_def, k, a);
    check(e1 && e2, "upsert");
    if (!e1 || !e2) return;
    e1->value = e2->value = (int32_t)j;
  }
  check(bp_map_size(&m1) == INT_KEYS, "int map size");
  for (uint32_t j = 0; j < INT_KEYS; j++) {
    const int_entry *e = bp_map_get(&m1, &int_entry_def, (bp_value){.i64 = keys[j]});
    check(e && e->value == (int32_t)j, "int key found with its value");
  }
  for (uint32_t j = 0; j < INT_KEYS; j += 64)
    check(bp_map_delete(&m1, &int_entry_def, (bp_value){.i64 = keys[j]}), "int key deleted");
  for (uint32_t j = 0; j < INT_KEYS; j++) {
    const int_entry *e = bp_map_get(&m1, &int_entry_def, (bp_value){.i64 = keys[j]});
    check(j % 64 ? e && e->value == (int32_t)j : e == NULL, "int map after deletes");
  }
  uint32_t longest;
  uint64_t bound = probe_bound(&m2, &longest);
  printf("int keys: %u, index %u slots, probe bound %" PRIu64 " (old hash: %" PRIu64 "), longest cluster %u\n",
         INT_KEYS, m2.index_cap, bound, (uint64_t)INT_KEYS * (INT_KEYS + 1) / 2, longest);
  check(bound <= 8u * INT_KEYS, "int keys: probes stay linear");
  check(longest < 64, "int keys: no long cluster");
  bp_map m3 = {0};
  for (uint32_t j = 0; j < INT_KEYS; j++)
    check(bp_map_upsert(&m3, &int_entry_def, (bp_value){.i64 = keys[j]}, a) != NULL, "upsert");
  check(!same_layout(&m2, &m3), "two maps of the same keys hash differently");
}

static void str_keys(bp_arena *a) {
  char *text = bp_arena_malloc(a, (size_t)STR_KEYS * STR_LEN + 1); /* + the last NUL */
  check(text != NULL, "memory");
  if (!text) return;
  /* every key's old hash is 0 modulo 4096, the index size for 1024 keys
   * (and so modulo every smaller index too) */
  uint64_t tries = 0;
  for (uint32_t j = 0; j < STR_KEYS; j++) {
    char *s = text + (size_t)j * STR_LEN;
    for (uint64_t n = 0;; n++) {
      snprintf(s, STR_LEN + 1, "%04x%08" PRIx64, j, n);
      tries++;
      if ((old_string_hash(s, STR_LEN) & 0xfffu) == 0) break;
    }
  }
  bp_map m = {0};
  for (uint32_t j = 0; j < STR_KEYS; j++) {
    str_entry *e = bp_map_upsert(&m, &str_entry_def, (bp_value){.str = bp_str_make(text + (size_t)j * STR_LEN, STR_LEN)}, a);
    check(e != NULL, "upsert");
    if (!e) return;
    e->value = (int32_t)j;
  }
  for (uint32_t j = 0; j < STR_KEYS; j++) {
    const str_entry *e = bp_map_get(&m, &str_entry_def, (bp_value){.str = bp_str_make(text + (size_t)j * STR_LEN, STR_LEN)});
    check(e && e->value == (int32_t)j, "string key found with its value");
  }
  check(bp_map_get(&m, &str_entry_def, (bp_value){.str = bp_str_c("absent")}) == NULL, "absent string key");
  uint32_t longest;
  uint64_t bound = probe_bound(&m, &longest);
  printf("string keys: %u (%" PRIu64 " tried), index %u slots, probe bound %" PRIu64 " (old hash: %" PRIu64
         "), longest cluster %u\n",
         STR_KEYS, tries, m.index_cap, bound, (uint64_t)STR_KEYS * (STR_KEYS + 1) / 2, longest);
  check(m.index_cap <= 4096, "string index size");
  check(bound <= 8u * STR_KEYS, "string keys: probes stay linear");
  check(longest < 64, "string keys: no long cluster");
}

int main(void) {
  bp_arena a;
  bp_arena_init(&a);
  int_keys(&a);
  str_keys(&a);
  bp_arena_free(&a);
  if (failures) fprintf(stderr, "%d checks failed\n", failures);
  return failures ? 1 : 0;
}
