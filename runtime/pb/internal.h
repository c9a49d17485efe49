/* Shared by the runtime's own .c files; not installed. */
#ifndef BP_INTERNAL_H
#define BP_INTERNAL_H

#include "pb/wire.h"

enum { WT_VARINT = 0, WT_FIXED64 = 1, WT_LEN = 2, WT_SGROUP = 3, WT_EGROUP = 4, WT_FIXED32 = 5 };

/* The wire type of each descriptor type (index 0 unused). */
static const uint8_t bp__wire_type[19] = {
    0xff,      WT_FIXED64, WT_FIXED32, WT_VARINT, WT_VARINT, WT_VARINT,  WT_FIXED64, WT_FIXED32, WT_VARINT, WT_LEN,
    WT_SGROUP, WT_LEN,     WT_LEN,     WT_VARINT, WT_VARINT, WT_FIXED32, WT_FIXED64, WT_VARINT,  WT_VARINT,
};

/* Bytes one value of each descriptor type takes in a struct (bp_type_size). */
static const uint8_t bp__type_size[19] = {
    0, 8, 4, 8, 8, 4, 8, 4, sizeof(bool), sizeof(bp_str), sizeof(void *), sizeof(void *), sizeof(bp_str),
    4, 4, 4, 8, 4, 8,
};

static inline bool bp__little_endian(void) {
  const uint16_t one = 1;
  uint8_t b;
  memcpy(&b, &one, 1);
  return b == 1;
}

static inline bool bp__is_message(int type) { return type == BP_TYPE_MESSAGE || type == BP_TYPE_GROUP; }

static inline uint32_t bp__zigzag32(int32_t v) {
  return ((uint32_t)v << 1) ^ (uint32_t) - (int32_t)((uint32_t)v >> 31);
}
static inline uint64_t bp__zigzag64(int64_t v) {
  return ((uint64_t)v << 1) ^ (uint64_t) - (int64_t)((uint64_t)v >> 63);
}
static inline int32_t bp__unzigzag32(uint32_t v) { return (int32_t)((v >> 1) ^ (uint32_t) - (int32_t)(v & 1)); }
static inline int64_t bp__unzigzag64(uint64_t v) { return (int64_t)((v >> 1) ^ (uint64_t) - (int64_t)(v & 1)); }

static inline size_t bp__varint_size(uint64_t v) {
#if defined(__GNUC__) || defined(__clang__)
  /* bits used, 1 to 64, over 7 bits per byte */
  return (size_t)((64 - __builtin_clzll(v | 1)) * 9 + 64) / 64;
#else
  size_t n = 1;
  while (v >= 0x80) {
    v >>= 7;
    n++;
  }
  return n;
#endif
}

/* The varint a scalar of a varint type is written as. */
static inline uint64_t bp__varint_of(int type, const void *p) {
  switch (type) {
  case BP_TYPE_BOOL: return *(const bool *)p ? 1 : 0;
  case BP_TYPE_INT32:
  case BP_TYPE_ENUM: return (uint64_t)(int64_t) * (const int32_t *)p;
  case BP_TYPE_UINT32: return *(const uint32_t *)p;
  case BP_TYPE_SINT32: return bp__zigzag32(*(const int32_t *)p);
  case BP_TYPE_SINT64: return bp__zigzag64(*(const int64_t *)p);
  default: return *(const uint64_t *)p; /* int64, uint64 */
  }
}

/* map.c: adds a decoded entry, replacing the entry of the same key. */
bool bp__map_insert(bp_map *m, const bp_msgdef *entry, void *e, bp_arena *a);
/* map.c: the entries in key order (the map's own array when it has fewer
 * than two); NULL when memory runs out. */
void *const *bp__map_sorted(const bp_map *m, const bp_msgdef *entry, bp_arena *a);
/* ext.c: the typed entry of the extension, raw entries of its number
 * parsed into it first; created (zeroed) when there is none and create is
 * set. NULL when there is none, memory runs out or raw entries are
 * malformed (they are then left as they were). */
bp_ext *bp__ext_typed(void *msg, const bp_extdef *e, bp_arena *a, bool create);
/* ext.c: removes one entry of the set. */
void bp__ext_drop(void *msg, const bp_ext *t);
/* decode.c: merges raw (complete fields of t's number, or message set
 * items) into the typed entry t of msg; values of the wrong wire type and
 * unknown closed enum numbers go to msg's unknown fields. */
bp_status bp__ext_parse_raw(void *msg, bp_ext *t, bp_str raw, bp_arena *a);

#endif
