/* proto3 JSON: messages to and from their JSON form over the tables.
 *
 * Both directions walk a message by its bp_msgdef (field numbers, types,
 * names and json_names) and enums by their bp_enumdef names, so they work
 * for generated and dynamic tables alike. They follow the proto3 JSON
 * mapping (https://protobuf.dev/programming-guides/json/) and, where the
 * mapping leaves a choice, what protobuf's own implementations do:
 *
 *   int64, uint64, fixed64 (and sint/sfixed)  strings ("-12"); numbers or strings on input
 *   other integers         numbers; on input numbers (integral, in range) or strings
 *   float, double          the shortest text that reads back the same value;
 *                          "NaN", "Infinity", "-Infinity"
 *   bytes                  base64 (standard, padded); on input standard or
 *                          URL-safe, padded or not
 *   enums                  the value's name, its number when it has none;
 *                          names or numbers on input
 *   maps                   objects, keys as strings ("1", "true")
 *   null                   on input: the field's default (unset); for
 *                          google.protobuf.Value the null value
 *   extensions             "[full.name]", when the registry knows them
 *
 * and the well-known types by their full names: Timestamp (RFC 3339, "Z"
 * on output with 0, 3, 6 or 9 fractional digits, any offset on input),
 * Duration ("-1.5s"), FieldMask ("a.fooBar,b"), Struct, Value, ListValue,
 * NullValue, the nine wrappers (their bare value), Empty and Any ("@type"
 * and the fields of the type it holds, or "value" for well-known types;
 * the type is resolved through the registry by the name after the URL's
 * last '/').
 *
 * Input is strict: invalid JSON, invalid UTF-8, bad escapes and unpaired
 * surrogates, duplicate fields (by either name) or two members of a oneof,
 * numbers out of range or not integral for integer fields, unknown fields
 * and enum names (unless ignored) and trailing text are errors with a byte
 * offset, a line and a column. Nesting is limited (objects and arrays
 * count), and so is the input size. */
#ifndef BP_JSON_H
#define BP_JSON_H

#include "pb/msg.h"
#include "pb/wire.h"

#ifdef __cplusplus
extern "C" {
#endif

/* bp_json_options.flags */
enum {
  /* Output: fields without presence (proto3 scalars, repeated fields, maps)
   * are written even when empty: zero, "", [], {}. Fields with presence
   * (messages, oneof members, proto2 and proto3 optional fields) are
   * written only when set, as protobuf's newer printers do (python 3.21
   * also writes unset proto2 fields with their default). */
  BP_JSON_EMIT_DEFAULTS = 1 << 0,
  /* Output: field names as in the .proto instead of their json_name. */
  BP_JSON_PROTO_NAMES = 1 << 1,
  /* Output: enum values as numbers instead of names. */
  BP_JSON_ENUMS_AS_INTS = 1 << 2,
  /* Input: fields the message does not have, extensions the registry does
   * not know and enum names the enum does not define are skipped instead
   * of rejected (the value must still be valid JSON). */
  BP_JSON_IGNORE_UNKNOWN = 1 << 3,
};

typedef struct bp_json_options {
  uint32_t flags;     /* BP_JSON_* */
  uint32_t indent;    /* output: 0 for one line, else spaces per level (one member a line) */
  uint32_t max_depth; /* nesting limit of messages, objects and arrays; 0: BP_DEFAULT_MAX_DEPTH */
  size_t max_size;    /* input limit in bytes; 0: INT32_MAX */
  /* Types for Any, extensions for "[name]" keys; NULL: neither is
   * possible (an Any that holds something is then an error). */
  const struct bp_registry *registry;
} bp_json_options;

/* Where and why decoding (or encoding) failed. */
typedef struct bp_json_error {
  size_t offset;         /* bytes from the start of the input */
  uint32_t line, column; /* 1-based; columns count bytes */
  char message[200];     /* English, NUL-terminated, without the position */
} bp_json_error;

/* Writes msg (of type t) as JSON into memory from a: *out (NUL-terminated
 * too, the NUL not counted in out->size). o may be NULL for the defaults.
 * Fails (BP_EMALFORMED) when the message has no JSON form: a Timestamp or
 * Duration out of range, an Any whose type the registry does not know or
 * whose bytes do not decode, a FieldMask path that does not map to
 * lowerCamelCase, a Value holding NaN or an infinity, a string field that is
 * not UTF-8; then err (when not NULL) says why (offset, line and column 0).
 * BP_EDEPTH when nested deeper than the limit, BP_ENOMEM. */
bp_status bp_json_encode(const bp_msgdef *t, const void *msg, bp_arena *a, const bp_json_options *o,
                         bp_str *out, bp_json_error *err);

/* Reads JSON text into msg (of type t), merging as protobuf's parsers do:
 * fields present in the text replace singular fields and the whole of
 * repeated fields and maps; everything allocated in a (strings are
 * copied). o may be NULL for the defaults. On error err (when not NULL)
 * says where and why, and msg holds what was read so far: BP_EMALFORMED
 * (syntax, or a value that does not fit its field), BP_EUTF8 (invalid
 * UTF-8 or an unpaired surrogate escape), BP_EDEPTH, BP_ETOOBIG (input over
 * max_size), BP_ENOMEM. */
bp_status bp_json_decode(const bp_msgdef *t, void *msg, const char *data, size_t size, bp_arena *a,
                         const bp_json_options *o, bp_json_error *err);

#ifdef __cplusplus
}
#endif

#endif
