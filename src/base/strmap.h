/* A hash map from strings to pointers (open addressing, linear probing).
 * Keys are not copied: they must outlive the map (arena strings do). */
#ifndef BUOY_BASE_STRMAP_H
#define BUOY_BASE_STRMAP_H

#include <stddef.h>
#include <stdint.h>

typedef struct buoy_strmap_entry {
  const char *key;
  uint32_t len;
  uint32_t hash;
  void *value;
} buoy_strmap_entry;

typedef struct buoy_strmap {
  buoy_strmap_entry *slots;
  uint32_t cap; /* a power of two, or 0 */
  uint32_t count;
} buoy_strmap;

void buoy_strmap_init(buoy_strmap *m);
void buoy_strmap_free(buoy_strmap *m);
void *buoy_strmap_get(const buoy_strmap *m, const char *key, size_t len);
/* Inserts or replaces; returns the previous value or NULL. */
void *buoy_strmap_put(buoy_strmap *m, const char *key, size_t len, void *value);
/* Inserts unless the key is there; returns what is there (NULL if it was
 * inserted). One probe where get-then-put takes two. */
void *buoy_strmap_put_new(buoy_strmap *m, const char *key, size_t len, void *value);

#endif
