/* Arena allocation: every compile allocates into one arena and frees it once.
 * Blocks grow geometrically; allocation is a pointer bump. */
#ifndef BUOY_BASE_ARENA_H
#define BUOY_BASE_ARENA_H

#include <stddef.h>
#include <stdint.h>

typedef struct buoy_arena_block buoy_arena_block;

typedef struct buoy_arena {
  buoy_arena_block *head; /* block being filled; older blocks follow */
  char *cur;
  char *end;
  size_t next_size; /* size of the next block to allocate */
  size_t total;     /* bytes reserved from the system, for stats */
} buoy_arena;

void buoy_arena_init(buoy_arena *a);
/* Starts with a first block of about `hint` bytes: for arenas whose size is
 * known roughly in advance (a file's tree is a small multiple of its text). */
void buoy_arena_init_sized(buoy_arena *a, size_t hint);
void buoy_arena_free(buoy_arena *a);

/* Returns zeroed memory aligned to 16 bytes. Aborts only on out-of-memory. */
void *buoy_arena_alloc(buoy_arena *a, size_t n);
/* Not zeroed; for buffers that are filled at once. */
void *buoy_arena_alloc_raw(buoy_arena *a, size_t n);
char *buoy_arena_strndup(buoy_arena *a, const char *s, size_t n);

#define BUOY_NEW(a, T) ((T *)buoy_arena_alloc((a), sizeof(T)))

#endif
