/* bp_arena: where messages live.
 *
 * Every message, string, array and unknown-field buffer that the runtime
 * creates is allocated from an arena, and freed all at once with it: there
 * is no per-message free. Allocation is a pointer bump in the current block;
 * blocks grow geometrically. An arena is not thread-safe: use one per thread
 * (or per request). */
#ifndef BP_ARENA_H
#define BP_ARENA_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Every allocation is aligned to this (enough for every field type). */
#define BP_ARENA_ALIGN 8

typedef struct bp_arena_block bp_arena_block;

typedef struct bp_arena {
  char *ptr, *end;        /* free space in the current block */
  bp_arena_block *blocks; /* newest first; malloc'd */
  size_t next_size;       /* size of the next block */
  char *initial;          /* the caller's buffer (bp_arena_init_buffer) */
  size_t initial_size;
} bp_arena;

/* An empty arena; its first block is allocated on first use. */
void bp_arena_init(bp_arena *a);
/* An arena whose first allocations come from buf (owned by the caller, which
 * must outlive the arena's use; it is never freed by the arena). */
void bp_arena_init_buffer(bp_arena *a, void *buf, size_t size);
/* Frees every block. The arena may be used again afterwards. */
void bp_arena_free(bp_arena *a);
/* Frees everything allocated so far but keeps the newest block (or the
 * caller's buffer, when no block was needed) for reuse: for loops that build
 * and drop one message after another. */
void bp_arena_reset(bp_arena *a);
/* Bytes reserved from the system (for statistics). */
size_t bp_arena_reserved(const bp_arena *a);

void *bp__arena_slow(bp_arena *a, size_t n);

/* n bytes, uninitialised; NULL when memory runs out. */
static inline void *bp_arena_malloc(bp_arena *a, size_t n) {
  n = (n + (BP_ARENA_ALIGN - 1)) & ~(size_t)(BP_ARENA_ALIGN - 1);
  if ((uintptr_t)a->end - (uintptr_t)a->ptr < n) return bp__arena_slow(a, n);
  void *p = a->ptr;
  a->ptr += n;
  return p;
}

/* n zeroed bytes; NULL when memory runs out. */
static inline void *bp_arena_zalloc(bp_arena *a, size_t n) {
  void *p = bp_arena_malloc(a, n);
  if (p) memset(p, 0, n);
  return p;
}

/* Grows (or shrinks) an allocation of old bytes to n, in place when it is the
 * arena's latest; otherwise copies. NULL when memory runs out (p is then
 * untouched). */
void *bp_arena_realloc(bp_arena *a, void *p, size_t old, size_t n);

/* A copy of n bytes (not NUL-terminated); NULL when memory runs out. */
void *bp_arena_memdup(bp_arena *a, const void *p, size_t n);

#ifdef __cplusplus
}
#endif

#endif
