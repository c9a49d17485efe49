/* Messages and their tables: the representation generated code and the
 * codec share.
 *
 * A message is a plain C struct generated for its .proto message. Its first
 * member is a bp_aux pointer (unknown fields and extensions, NULL while
 * there are none), then its hasbits (uint8_t bp_has_[N], when it has fields
 * with explicit presence), then one member per field:
 *
 *   scalars        the C type (int32_t, uint64_t, double, bool...); enums as int32_t
 *   string, bytes  bp_str, a (pointer, length) view
 *   message        a pointer to the submessage, NULL when not set
 *   repeated       bp_array, elements of the types above (messages as pointers)
 *   oneof          a union of its members and a uint32_t case (the set member's number, 0)
 *
 * A zeroed struct is a valid empty message. Everything a message points to
 * lives in an arena (or outlives the message, when the caller makes it point
 * to its own data: the codec never writes through those pointers).
 *
 * Each message type has a static, constant table (bp_msgdef): its fields
 * sorted by number, each with its number, descriptor type, flags, where its
 * value and presence are in the struct, and the table of its submessage or
 * enum type. Encoding, decoding and sizing are generic loops over these
 * tables; names are kept beside them for JSON and diagnostics. */
#ifndef BP_MSG_H
#define BP_MSG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "pb/arena.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---------------------------------------------------------------- values */

/* A string or bytes value: size bytes at data, not NUL-terminated. */
typedef struct bp_str {
  const char *data;
  size_t size;
} bp_str;

static inline bp_str bp_str_make(const char *data, size_t size) {
  bp_str s;
  s.data = data;
  s.size = size;
  return s;
}

/* A view of a NUL-terminated string (NULL gives the empty string). */
static inline bp_str bp_str_c(const char *s) { return bp_str_make(s ? s : "", s ? strlen(s) : 0); }

static inline bool bp_str_eq(bp_str a, bp_str b) {
  return a.size == b.size && (a.size == 0 || memcmp(a.data, b.data, a.size) == 0);
}

/* A repeated field: size elements at data, room for cap. data is allocated
 * in the arena, or the caller's own (cap == size) when set by a
 * bp_array_alias; appending then copies it into the arena first. Elements
 * of a repeated message field are pointers, never NULL. */
typedef struct bp_array {
  void *data;
  uint32_t size, cap;
} bp_array;

/* Room for n more elements of elem bytes; NULL when memory runs out or n
 * elements would be too many. */
void *bp__array_grow(bp_array *arr, size_t n, size_t elem, bp_arena *a);

/* Appends one element (uninitialised); NULL when memory runs out. */
static inline void *bp_array_push(bp_array *arr, size_t elem, bp_arena *a) {
  if (arr->size == arr->cap && !bp__array_grow(arr, 1, elem, a)) return NULL;
  return (char *)arr->data + elem * arr->size++;
}

/* Sets the size to n, growing the room if needed (new elements are zeroed);
 * returns the elements, or NULL when memory runs out. */
void *bp_array_resize(bp_array *arr, size_t n, size_t elem, bp_arena *a);

/* Makes the array a view of n elements owned by the caller, who keeps them
 * alive and unchanged as long as the message is used. */
static inline void bp_array_alias(bp_array *arr, const void *data, size_t n) {
  arr->data = (void *)(uintptr_t)data; /* never written through: cap == size */
  arr->size = arr->cap = (uint32_t)n;
}

/* One value of any field type, for the reflection functions below. */
typedef union bp_value {
  bool b;
  int32_t i32;
  uint32_t u32;
  int64_t i64;
  uint64_t u64;
  float f;
  double d;
  bp_str str;
  void *msg;
} bp_value;

/* A map field: its entries are messages of the field's map entry type (key
 * field 1, value field 2), held as pointers in insertion order. The
 * entries come first, so a map is also a repeated message field (bp_array
 * of entry pointers) to code that only walks entries. index is a hash of
 * keys to entry positions, kept by the bp_map_* functions (NULL while the
 * map is small); code that changes entries directly must call
 * bp_map_reindex. A key appears once: decoding and bp_map_upsert replace
 * the value of an existing key. A zeroed bp_map is an empty map. */
typedef struct bp_map {
  bp_array entries;
  uint32_t *index;
  uint32_t index_cap;
} bp_map;

/* ---------------------------------------------------------------- extensions and unknown fields */

typedef struct bp_msgdef bp_msgdef;
struct bp__enc;
typedef struct bp_enumdef bp_enumdef;

typedef union bp_sub {
  const bp_msgdef *msg;
  const bp_enumdef *enumdef;
} bp_sub;

/* An extension: generated as a constant per `extend` field. */
typedef struct bp_extdef {
  const bp_msgdef *extendee;
  const char *full_name; /* "pkg.Scope.name", as JSON writes it between [] */
  bp_sub sub;            /* message or enum table (enumdef also for open enums) */
  uint32_t number;
  uint8_t type;  /* BP_TYPE_* */
  uint8_t flags; /* BP_F_REPEATED, PACKED, UTF8, CLOSED (as bp_field.flags) */
} bp_extdef;

enum {
  /* The value is in wire form: one or more complete fields of this number,
   * tags included, written out as they are. */
  BP_EXT_RAW = 1,
  /* A typed value of ext->def: value (singular) or array (repeated). */
  BP_EXT_VALUE = 2,
};

typedef struct bp_ext {
  uint32_t number;
  uint32_t kind;          /* BP_EXT_* */
  const bp_extdef *def;   /* BP_EXT_VALUE */
  union {
    bp_str raw;     /* BP_EXT_RAW */
    bp_value value; /* BP_EXT_VALUE, singular (message: its pointer) */
    bp_array array; /* BP_EXT_VALUE, repeated */
  } u;
} bp_ext;

/* What a message has beyond its fields, allocated when first needed. */
typedef struct bp_aux {
  char *unknown; /* unknown fields in wire form, in the order read */
  size_t unknown_size, unknown_cap;
  bp_ext *ext; /* the extension set, sorted by number (stable) */
  uint32_t ext_count, ext_cap;
} bp_aux;

/* The aux pointer every message struct starts with. */
static inline bp_aux *bp_msg_aux(const void *msg) { return *(bp_aux *const *)msg; }

/* Adds an extension in wire form (complete fields of this number, tags
 * included; the bytes are not copied). It is kept after the entries with
 * smaller or equal numbers, so the encoder writes the set in number order,
 * entries of one number in the order added. false when memory runs out. */
bool bp_ext_add_raw(void *msg, uint32_t number, bp_str raw, bp_arena *a);
/* The extension set: *n entries, sorted by number. */
const bp_ext *bp_ext_list(const void *msg, size_t *n);
/* Appends complete fields in wire form to the unknown fields (copied). */
bool bp_unknown_add(void *msg, const char *data, size_t size, bp_arena *a);
/* The unknown fields, in wire form. */
bp_str bp_unknown(const void *msg);

/* ---------------------------------------------------------------- tables */

/* Descriptor types, as FieldDescriptorProto.Type numbers them. */
enum {
  BP_TYPE_DOUBLE = 1,
  BP_TYPE_FLOAT = 2,
  BP_TYPE_INT64 = 3,
  BP_TYPE_UINT64 = 4,
  BP_TYPE_INT32 = 5,
  BP_TYPE_FIXED64 = 6,
  BP_TYPE_FIXED32 = 7,
  BP_TYPE_BOOL = 8,
  BP_TYPE_STRING = 9,
  BP_TYPE_GROUP = 10,
  BP_TYPE_MESSAGE = 11,
  BP_TYPE_BYTES = 12,
  BP_TYPE_UINT32 = 13,
  BP_TYPE_ENUM = 14,
  BP_TYPE_SFIXED32 = 15,
  BP_TYPE_SFIXED64 = 16,
  BP_TYPE_SINT32 = 17,
  BP_TYPE_SINT64 = 18,
};

/* bp_field.flags */
enum {
  BP_F_REPEATED = 1 << 0, /* the value is a bp_array */
  BP_F_PACKED = 1 << 1,   /* repeated scalars written packed (either form is read) */
  BP_F_MAP = 1 << 2,      /* a map: a bp_map of entries of the submessage type (BP_MSG_MAP_ENTRY) */
  BP_F_REQUIRED = 1 << 3, /* proto2 required */
  BP_F_UTF8 = 1 << 4,     /* strings checked to be UTF-8 when read */
  BP_F_CLOSED = 1 << 5,   /* closed enum: numbers it does not define are kept as unknown fields */
};

/* One field. 16 bytes, so a message's fields sit in a few cache lines. */
typedef struct bp_field {
  uint32_t number;
  uint32_t offset; /* of the value (or the bp_array, or the oneof union) in the struct */
  /* > 0: explicit presence, the hasbit's index in bits from the start of the
   *      struct (byte presence / 8, bit presence % 8);
   * < 0: member of a oneof whose uint32_t case is at offset ~presence;
   *   0: repeated, a message (present when its pointer is not NULL), or a
   *      scalar with implicit presence (written when not zero). */
  int32_t presence;
  uint16_t sub;  /* index into the message's subs: submessage or enum table */
  uint8_t type;  /* BP_TYPE_* */
  uint8_t flags; /* BP_F_* */
} bp_field;

/* bp_field.presence for hasbit i of struct type T (generated tables). */
#define BP_HASBIT(T, i) ((int32_t)(offsetof(T, bp_has_) * 8 + (i)))
/* bp_field.presence for a member of the oneof whose case is member c of T. */
#define BP_ONEOF(T, c) (~(int32_t)offsetof(T, c))

/* A closed enum's numbers, and every enum's names (for JSON). */
struct bp_enumdef {
  const char *full_name;
  const int32_t *values;    /* distinct numbers, sorted */
  const char *const *names; /* the first name declared for each of values */
  uint32_t count;
};

/* Field numbers [start, end). */
typedef struct bp_range {
  uint32_t start, end;
} bp_range;

typedef struct bp_fieldname {
  const char *name;      /* as in the .proto */
  const char *json_name; /* lowerCamelCase, or as given by json_name */
} bp_fieldname;

/* bp_msgdef.flags */
enum {
  BP_MSG_MAP_ENTRY = 1 << 0,
  BP_MSG_SET = 1 << 1, /* message_set_wire_format: extensions as Item groups */
};

struct bp_msgdef {
  const bp_field *fields;     /* sorted by number */
  const bp_sub *subs;         /* indexed by bp_field.sub */
  const bp_range *ext_ranges; /* where extensions go: fields read there join the extension set */
  const char *full_name;      /* e.g. "google.protobuf.FileDescriptorProto" */
  const bp_fieldname *names;  /* parallel to fields */
  uint32_t size;              /* sizeof the struct */
  uint16_t field_count;
  uint16_t dense; /* fields[i].number == i + 1 for every i < dense */
  uint16_t ext_range_count;
  uint16_t flags; /* BP_MSG_* */
  /* For the encoder, to skip absent fields a hasbit byte at a time:
   * hasbit_fields[i] is the index in fields of the field with hasbit i
   * (hasbits are numbered in field-number order from the first, so these
   * increase), plain_fields the indexes of the field_count - hasbit_count
   * others, increasing. A table without them (hasbit_fields NULL) is read
   * field by field; a copy of a table with other fields must clear them. */
  const uint16_t *hasbit_fields;
  const uint16_t *plain_fields;
  uint16_t hasbit_count;
  /* The message's fields written by code generated for this type (see
   * "generated encoders" below), or NULL: the encoder then walks the
   * table. Generated for files optimized for SPEED (the default) or
   * LITE_RUNTIME, never for map entries nor in dynamic tables. It is tied
   * to the struct layout and these fields: a copy of a table with other
   * fields must clear it. */
  bool (*encode)(struct bp__enc *e, const void *msg);
};

/* ---------------------------------------------------------------- generated encoders */

/* What generated encoders (bp_msgdef.encode) see of the encoder: its
 * buffer, filled backwards from end; [ptr, end) is written. Such a function
 * writes the message's fields, last to first, ending at ptr (moved down
 * past them), and returns false when encoding fails (the reason is kept by
 * the encoder); the message's unknown fields and extensions, and the depth
 * limit, are the caller's (bp__enc_message). These names are the runtime's
 * own and may change with it: only generated code should use them. */
typedef struct bp__enc {
  char *buf, *ptr, *end;
} bp__enc;

/* Room for n more bytes below ptr: ptr (or where it moved, when the buffer
 * grew; e->ptr is then set), or NULL when memory runs out. */
bool bp__enc_grow(bp__enc *e, char *ptr, size_t n);
static inline char *bp__enc_room(bp__enc *e, char *ptr, size_t n) {
  if ((size_t)((uintptr_t)ptr - (uintptr_t)e->buf) >= n) return ptr;
  return bp__enc_grow(e, ptr, n) ? e->ptr : NULL;
}
/* A whole message (depth limit, unknown fields and extensions included),
 * ending at e->ptr. */
bool bp__enc_message(bp__enc *e, const bp_msgdef *t, const void *msg);
/* Field t->fields[i] of msg (i < t->field_count: repeated fields, maps,
 * groups) as the table encoder writes it, ending at e->ptr. */
bool bp__enc_field(bp__enc *e, const bp_msgdef *t, uint32_t i, const void *msg);

/* A varint ending at p (room was reserved); returns where it starts. */
static inline char *bp__enc_varint(char *p, uint64_t v) {
  if (v < 0x80) {
    *--p = (char)v;
    return p;
  }
  if (v < 0x4000) {
    p -= 2;
    p[0] = (char)(v | 0x80);
    p[1] = (char)(v >> 7);
    return p;
  }
  size_t n = 3;
  for (uint64_t x = v >> 21; x; x >>= 7)
    n++;
  p -= n;
  char *q = p;
  while (v >= 0x80) {
    *q++ = (char)(v | 0x80);
    v >>= 7;
  }
  *q = (char)v;
  return p;
}

/* Little-endian fixed-width values ending at p. */
static inline char *bp__enc_fixed32(char *p, uint32_t v) {
  p -= 4;
  for (int i = 0; i < 4; i++)
    p[i] = (char)(v >> (8 * i));
  return p;
}
static inline char *bp__enc_fixed64(char *p, uint64_t v) {
  p -= 8;
  for (int i = 0; i < 8; i++)
    p[i] = (char)(v >> (8 * i));
  return p;
}

/* Values as varints and fixed-width fields write them. */
static inline uint64_t bp__enc_zigzag32(int32_t v) {
  return ((uint32_t)v << 1) ^ (uint32_t) - (int32_t)((uint32_t)v >> 31);
}
static inline uint64_t bp__enc_zigzag64(int64_t v) {
  return ((uint64_t)v << 1) ^ (uint64_t) - (int64_t)((uint64_t)v >> 63);
}
static inline uint32_t bp__enc_float_bits(float v) {
  uint32_t b;
  memcpy(&b, &v, 4);
  return b;
}
static inline uint64_t bp__enc_double_bits(double v) {
  uint64_t b;
  memcpy(&b, &v, 8);
  return b;
}

/* A string or bytes value and its length (not its tag) ending at p, with
 * room for its bytes and room more below it; NULL when memory runs out. */
static inline char *bp__enc_str(bp__enc *e, char *p, const bp_str *s, size_t room) {
  size_t n = s->size;
  if ((size_t)((uintptr_t)p - (uintptr_t)e->buf) < n + room) {
    if (n > SIZE_MAX - room || !bp__enc_grow(e, p, n + room)) return NULL;
    p = e->ptr;
  }
  p -= n;
  if (n) memcpy(p, s->data, n);
  return bp__enc_varint(p, n);
}

/* The field with this number, or NULL. */
static inline const bp_field *bp_msgdef_field(const bp_msgdef *t, uint32_t number) {
  if (number - 1 < t->dense) return &t->fields[number - 1];
  uint32_t lo = t->dense, hi = t->field_count;
  while (lo < hi) {
    uint32_t mid = lo + (hi - lo) / 2;
    uint32_t n = t->fields[mid].number;
    if (n == number) return &t->fields[mid];
    if (n < number)
      lo = mid + 1;
    else
      hi = mid;
  }
  return NULL;
}

/* Whether number falls in one of the message's extension ranges. */
static inline bool bp_msgdef_in_ext_range(const bp_msgdef *t, uint32_t number) {
  for (uint32_t i = 0; i < t->ext_range_count; i++)
    if (number >= t->ext_ranges[i].start && number < t->ext_ranges[i].end) return true;
  return false;
}

/* Whether a closed enum defines the number. */
bool bp_enumdef_has(const bp_enumdef *e, int32_t number);

/* ---------------------------------------------------------------- messages by table (reflection) */

/* A new empty message of the type; NULL when memory runs out. */
static inline void *bp_msg_new(const bp_msgdef *t, bp_arena *a) { return bp_arena_zalloc(a, t->size); }

static inline bool bp__hasbit(const void *msg, int32_t bit) {
  return (((const uint8_t *)msg)[bit >> 3] >> (bit & 7)) & 1;
}

static inline uint32_t bp__oneof_case(const void *msg, const bp_field *f) {
  return *(const uint32_t *)(const void *)((const char *)msg + ~f->presence);
}

/* Whether a singular field is set (for implicit presence: not zero). */
bool bp_msg_has(const void *msg, const bp_field *f);
/* A singular field's value (zero when not set; proto2 defaults are the
 * generated accessors' business). */
bp_value bp_msg_get(const void *msg, const bp_field *f);
/* Sets a singular field (and its presence; in a oneof, its case). For a
 * message field, v.msg is the submessage. */
void bp_msg_set(void *msg, const bp_field *f, bp_value v);
/* Clears a singular field (value zero, not present) or empties a repeated one. */
void bp_msg_clear(void *msg, const bp_field *f);
/* A singular message field's submessage, created empty when not set; NULL
 * when memory runs out. */
void *bp_msg_mutable(void *msg, const bp_field *f, const bp_msgdef *sub, bp_arena *a);
/* Appends a value to a repeated field; false when memory runs out. */
bool bp_msg_append(void *msg, const bp_field *f, bp_value v, bp_arena *a);
/* Appends a new empty submessage to a repeated message field; NULL when
 * memory runs out. */
void *bp_msg_add(void *msg, const bp_field *f, const bp_msgdef *sub, bp_arena *a);
/* A repeated field's array. */
static inline const bp_array *bp_msg_array(const void *msg, const bp_field *f) {
  return (const bp_array *)(const void *)((const char *)msg + f->offset);
}
/* Bytes one element of the field takes in a struct or an array. */
size_t bp_type_size(int type);

/* ---------------------------------------------------------------- whole messages */

/* Empties the message: every field cleared, unknown fields and extensions
 * dropped (nothing is freed: memory belongs to the arena). */
void bp_msg_clear_all(const bp_msgdef *t, void *msg);
/* Merges src into dst as protobuf merges: singular fields that src has
 * replace dst's, messages merge, repeated fields append, map entries
 * replace by key, unknown fields and extensions append. Everything new is
 * copied into a. false when memory runs out, when messages nest deeper
 * than BP_DEFAULT_MAX_DEPTH (one that holds itself) or when dst is src. */
bool bp_msg_merge(const bp_msgdef *t, void *dst, const void *src, bp_arena *a);
/* A deep copy of src in a (unknown fields and extensions included); NULL
 * when memory runs out or messages nest deeper than BP_DEFAULT_MAX_DEPTH. */
void *bp_msg_copy(const bp_msgdef *t, const void *src, bp_arena *a);
/* Whether two messages are equal as protobuf defines it: the same fields
 * set to the same values (floats compared as values, so NaN != NaN), maps
 * compared as sets of entries, the same extensions, and the same unknown
 * fields byte for byte. Extension entries are compared as held: a raw entry
 * differs from a typed one (read both with bp_ext_get first). */
bool bp_msg_equal(const bp_msgdef *t, const void *a, const void *b);
/* Whether every proto2 required field is set, here and in every
 * submessage, map value and typed extension (protobuf's IsInitialized);
 * false too past BP_DEFAULT_MAX_DEPTH levels. */
bool bp_msg_is_initialized(const bp_msgdef *t, const void *msg);

/* ---------------------------------------------------------------- maps */

/* The entry with this key (a value of the key field's type), or NULL.
 * entry is the map field's entry table (bp_field.sub). */
void *bp_map_get(const bp_map *m, const bp_msgdef *entry, bp_value key);
/* The entry with this key, created with a zero value when there is none;
 * NULL when memory runs out. */
void *bp_map_upsert(bp_map *m, const bp_msgdef *entry, bp_value key, bp_arena *a);
/* Removes the entry with this key (later entries move up: O(n)); false
 * when there was none. */
bool bp_map_delete(bp_map *m, const bp_msgdef *entry, bp_value key);
/* Removes every entry. */
void bp_map_clear(bp_map *m);
/* Rebuilds the index after entries were changed directly (keys must then
 * be distinct). false when memory runs out. */
bool bp_map_reindex(bp_map *m, const bp_msgdef *entry, bp_arena *a);
static inline size_t bp_map_size(const bp_map *m) { return m->entries.size; }
/* The entries, in insertion order: *n pointers to entry messages. */
static inline void *const *bp_map_entries(const bp_map *m, size_t *n) {
  *n = m->entries.size;
  return (void *const *)m->entries.data;
}

/* ---------------------------------------------------------------- typed extensions */

/* Whether the message has the (singular) extension set, or a repeated one
 * non-empty. Raw entries of its number count. */
bool bp_ext_has(const void *msg, const bp_extdef *e);
/* The singular extension's value into *out (a message: its pointer); false
 * when not set. Raw entries of its number are first parsed into a typed
 * entry (which is why msg is not const and an arena is needed); false too
 * when they are malformed or memory runs out. */
bool bp_ext_get(void *msg, const bp_extdef *e, bp_arena *a, bp_value *out);
/* Sets the singular extension (replacing raw entries of its number). */
bool bp_ext_set(void *msg, const bp_extdef *e, bp_value v, bp_arena *a);
/* The singular message extension, created empty when not set; NULL when
 * memory runs out or raw entries are malformed. */
void *bp_ext_mutable(void *msg, const bp_extdef *e, bp_arena *a);
/* The repeated extension's values (created empty when not set); NULL when
 * memory runs out or raw entries are malformed. */
bp_array *bp_ext_array(void *msg, const bp_extdef *e, bp_arena *a);
/* Removes the extension (typed and raw entries of its number). */
void bp_ext_clear(void *msg, const bp_extdef *e);

/* ---------------------------------------------------------------- services and files */

/* bp_methoddef.flags */
enum {
  BP_METHOD_CLIENT_STREAMING = 1 << 0,
  BP_METHOD_SERVER_STREAMING = 1 << 1,
};

/* A service method, as the gRPC runtime needs it. */
typedef struct bp_methoddef {
  const char *name; /* "GetBook" */
  const char *path; /* "/pkg.Library/GetBook", the HTTP/2 :path */
  const bp_msgdef *input, *output;
  uint32_t flags; /* BP_METHOD_* */
} bp_methoddef;

typedef struct bp_servicedef {
  const char *full_name; /* "pkg.Library" */
  const bp_methoddef *methods;
  uint32_t method_count;
} bp_servicedef;

/* Everything one .proto file defines: generated as NAME_pb_filedef (NAME
 * the file's path without .proto, non-identifier characters as _). */
typedef struct bp_filedef {
  const char *name;    /* "google/protobuf/timestamp.proto" */
  const char *package; /* "google.protobuf", or "" */
  const bp_msgdef *const *msgs; /* every message, nested ones and map entries included */
  const bp_enumdef *const *enums;
  const bp_extdef *const *exts;
  const bp_servicedef *const *services;
  const struct bp_filedef *const *deps; /* the files it imports */
  uint32_t msg_count, enum_count, ext_count, service_count, dep_count;
} bp_filedef;

/* ---------------------------------------------------------------- registry */

/* Message types by full name (JSON's Any, dynamic tools) and extensions by
 * extendee and number or by full name (decoding into typed extensions,
 * JSON's "[pkg.ext]"). Lives in an arena; not thread-safe to change, safe
 * to read from many threads once built. */
typedef struct bp_registry bp_registry;

/* An empty registry in a; NULL when memory runs out. */
bp_registry *bp_registry_new(bp_arena *a);
/* Adds the file's messages, enums and extensions, and those of its
 * dependencies, recursively (a file already added is skipped). */
bool bp_registry_add_file(bp_registry *r, const bp_filedef *f);
/* Adds one message type (and no others); false when memory runs out. */
bool bp_registry_add_msgdef(bp_registry *r, const bp_msgdef *t);
bool bp_registry_add_enumdef(bp_registry *r, const bp_enumdef *e);
bool bp_registry_add_ext(bp_registry *r, const bp_extdef *e);
const bp_msgdef *bp_registry_msgdef(const bp_registry *r, bp_str full_name);
const bp_enumdef *bp_registry_enumdef(const bp_registry *r, bp_str full_name);
const bp_extdef *bp_registry_ext(const bp_registry *r, const bp_msgdef *extendee, uint32_t number);
const bp_extdef *bp_registry_ext_by_name(const bp_registry *r, bp_str full_name);

#ifdef __cplusplus
}
#endif

#endif
