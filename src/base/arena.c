#include "base/arena.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct buoy_arena_block {
  buoy_arena_block *next;
  size_t size;
  /* payload follows, 16-byte aligned */
};

#define ALIGN       16u
#define HEADER      (((sizeof(buoy_arena_block) + ALIGN - 1) / ALIGN) * ALIGN)
#define FIRST_BLOCK (64u * 1024u)
#define MAX_BLOCK   (16u * 1024u * 1024u)

void buoy_arena_init(buoy_arena *a) {
  memset(a, 0, sizeof *a);
  a->next_size = FIRST_BLOCK;
}

void buoy_arena_init_sized(buoy_arena *a, size_t hint) {
  buoy_arena_init(a);
  size_t size = 1024;
  while (size < hint && size < FIRST_BLOCK) size *= 2;
  a->next_size = size;
}

void buoy_arena_free(buoy_arena *a) {
  buoy_arena_block *b = a->head;
  while (b) {
    buoy_arena_block *next = b->next;
    free(b);
    b = next;
  }
  buoy_arena_init(a);
}

static void *new_block(buoy_arena *a, size_t n) {
  size_t size = a->next_size;
  if (size < n) size = n;
  buoy_arena_block *b = malloc(HEADER + size);
  if (!b) {
    fputs("buoy: out of memory\n", stderr);
    abort();
  }
  b->size = size;
  b->next = a->head;
  a->head = b;
  a->total += HEADER + size;
  if (a->next_size < MAX_BLOCK) a->next_size *= 2;
  char *p = (char *)b + HEADER;
  a->cur = p + n;
  a->end = p + size;
  return p;
}

void *buoy_arena_alloc_raw(buoy_arena *a, size_t n) {
  n = (n + ALIGN - 1) & ~(size_t)(ALIGN - 1);
  if ((size_t)(a->end - a->cur) < n) return new_block(a, n);
  void *p = a->cur;
  a->cur += n;
  return p;
}

void *buoy_arena_alloc(buoy_arena *a, size_t n) {
  void *p = buoy_arena_alloc_raw(a, n);
  memset(p, 0, n);
  return p;
}

char *buoy_arena_strndup(buoy_arena *a, const char *s, size_t n) {
  char *p = buoy_arena_alloc_raw(a, n + 1);
  memcpy(p, s, n);
  p[n] = 0;
  return p;
}
