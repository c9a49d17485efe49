#include "pb/arena.h"

#include <stdlib.h>

struct bp_arena_block {
  bp_arena_block *next;
  size_t size; /* payload bytes */
  /* payload follows, aligned to BP_ARENA_ALIGN */
};

#define HEADER      ((sizeof(bp_arena_block) + BP_ARENA_ALIGN - 1) & ~(size_t)(BP_ARENA_ALIGN - 1))
#define FIRST_BLOCK ((size_t)4096)
#define MAX_BLOCK   ((size_t)1 << 24)

void bp_arena_init(bp_arena *a) {
  a->ptr = a->end = NULL;
  a->blocks = NULL;
  a->next_size = FIRST_BLOCK;
  a->initial = NULL;
  a->initial_size = 0;
}

void bp_arena_init_buffer(bp_arena *a, void *buf, size_t size) {
  bp_arena_init(a);
  a->initial = buf;
  a->initial_size = size;
  uintptr_t p = ((uintptr_t)buf + BP_ARENA_ALIGN - 1) & ~(uintptr_t)(BP_ARENA_ALIGN - 1);
  uintptr_t end = (uintptr_t)buf + size;
  if (p < end) {
    a->ptr = (char *)buf + (p - (uintptr_t)buf);
    a->end = (char *)buf + size;
  }
}

void bp_arena_free(bp_arena *a) {
  bp_arena_block *b = a->blocks;
  while (b) {
    bp_arena_block *next = b->next;
    free(b);
    b = next;
  }
  if (a->initial)
    bp_arena_init_buffer(a, a->initial, a->initial_size);
  else
    bp_arena_init(a);
}

void bp_arena_reset(bp_arena *a) {
  bp_arena_block *keep = a->blocks;
  if (!keep) {
    bp_arena_free(a);
    return;
  }
  bp_arena_block *b = keep->next;
  while (b) {
    bp_arena_block *next = b->next;
    free(b);
    b = next;
  }
  keep->next = NULL;
  a->blocks = keep;
  a->ptr = (char *)keep + HEADER;
  a->end = a->ptr + keep->size;
}

size_t bp_arena_reserved(const bp_arena *a) {
  size_t n = 0;
  for (const bp_arena_block *b = a->blocks; b; b = b->next)
    n += HEADER + b->size;
  return n;
}

static bp_arena_block *new_block(size_t size) {
  if (size > SIZE_MAX - HEADER) return NULL;
  bp_arena_block *b = malloc(HEADER + size);
  if (b) b->size = size;
  return b;
}

void *bp__arena_slow(bp_arena *a, size_t n) {
  /* A large allocation gets a block of its own, behind the current one, so
   * the current block's free space is not lost. */
  if (n > a->next_size / 4 && a->blocks) {
    bp_arena_block *b = new_block(n);
    if (!b) return NULL;
    b->next = a->blocks->next;
    a->blocks->next = b;
    return (char *)b + HEADER;
  }
  size_t size = a->next_size;
  while (size < n)
    size *= 2;
  bp_arena_block *b = new_block(size);
  if (!b) return NULL;
  b->next = a->blocks;
  a->blocks = b;
  if (a->next_size < MAX_BLOCK) a->next_size *= 2;
  a->ptr = (char *)b + HEADER + n;
  a->end = (char *)b + HEADER + size;
  return (char *)b + HEADER;
}

void *bp_arena_realloc(bp_arena *a, void *p, size_t old, size_t n) {
  size_t old_rounded = (old + BP_ARENA_ALIGN - 1) & ~(size_t)(BP_ARENA_ALIGN - 1);
  if (p && (char *)p + old_rounded == a->ptr) {
    size_t rounded = (n + BP_ARENA_ALIGN - 1) & ~(size_t)(BP_ARENA_ALIGN - 1);
    if (rounded <= old_rounded || rounded - old_rounded <= (uintptr_t)a->end - (uintptr_t)a->ptr) {
      a->ptr = (char *)p + rounded;
      return p;
    }
  }
  if (n <= old) return p;
  void *q = bp_arena_malloc(a, n);
  if (q && old) memcpy(q, p, old);
  return q;
}

void *bp_arena_memdup(bp_arena *a, const void *p, size_t n) {
  void *q = bp_arena_malloc(a, n ? n : 1);
  if (q && n) memcpy(q, p, n);
  return q;
}
