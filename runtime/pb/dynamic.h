/* Dynamic messages: tables (bp_msgdef, bp_enumdef, bp_extdef, bp_filedef)
 * built at run time from a serialized google.protobuf.FileDescriptorSet,
 * laid out as the C generator lays out its structs, so the generic codec
 * (wire.h), reflection (msg.h) and the text format (text.h) work on
 * messages of types known only at run time.
 *
 * A pool lives in the arena it was built in; everything it returns is
 * valid as long as that arena. Built once, it is only read: safe to share
 * between threads. */
#ifndef BP_DYNAMIC_H
#define BP_DYNAMIC_H

#include "pb/msg.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct bp_dynpool bp_dynpool;

/* Limits that keep a hostile descriptor set from costing too much. */
#define BP_DYNPOOL_MAX_NESTING 64 /* messages nested in messages */

/* Builds a pool from the wire form of a FileDescriptorSet. Every type name
 * must resolve (fully qualified with a leading dot, or relative, resolved
 * as protoc resolves names in scope), every import must be in the set, and
 * numbers, labels and types must be valid. On error returns NULL and
 * writes a one-line message into err (errsize bytes, NUL-terminated). */
bp_dynpool *bp_dynpool_new(const char *fds, size_t size, bp_arena *a, char *err, size_t errsize);

/* Lookups by full name, without a leading dot ("pkg.Msg.Nested"); NULL
 * when the pool has no such thing. */
const bp_msgdef *bp_dynpool_msgdef(const bp_dynpool *p, bp_str full_name);
const bp_enumdef *bp_dynpool_enumdef(const bp_dynpool *p, bp_str full_name);
const bp_extdef *bp_dynpool_ext(const bp_dynpool *p, bp_str full_name);
const bp_filedef *bp_dynpool_file(const bp_dynpool *p, bp_str name);
/* The extension of extendee with this number, or NULL. */
const bp_extdef *bp_dynpool_ext_by_number(const bp_dynpool *p, const bp_msgdef *extendee, uint32_t number);

/* The files, in the order of the set. */
const bp_filedef *const *bp_dynpool_files(const bp_dynpool *p, size_t *n);

/* The number of the enum value called name (aliases included), for an enum
 * of the pool or any other enumdef (then only the names it keeps). */
bool bp_dynpool_enum_value(const bp_dynpool *p, const bp_enumdef *e, bp_str name, int32_t *number);

/* A registry of every message, enum and extension of the pool, for
 * bp_decode_options.registry (extensions then decode typed, and malformed
 * extension values fail the decode as other fields do). */
const bp_registry *bp_dynpool_registry(const bp_dynpool *p);

/* A one-field message type holding the extension's value(s) as its field
 * (same number, type and flags): decoding the extension's raw entries
 * (bp_ext_list) with it gives typed values, and encoding it gives raw
 * entries. NULL for an extension not of this pool. */
const bp_msgdef *bp_dynpool_ext_carrier(const bp_dynpool *p, const bp_extdef *e);

#ifdef __cplusplus
}
#endif

#endif
