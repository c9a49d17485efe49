/* The protobuf text format, as protoc 3.21 prints it (--decode, --decode_raw)
 * and reads it (--encode).
 *
 * Printing: one field per line, two spaces of indent per level, `name: value`
 * and `name {` ... `}`; fields in number order with extensions among them as
 * `[pkg.ext]`, then unknown fields by number (as --decode_raw prints them:
 * varints in decimal, fixed32/fixed64 as 0x%08x/0x%016x, length-delimited
 * values as nested messages when they parse as such, else as strings);
 * strings and bytes C-escaped (\n \r \t \" \' \\, other bytes outside
 * printable ASCII as three octal digits); floats in the shortest of %.6g/%.9g
 * (doubles %.15g/%.17g) that reads back exactly; enums by name (by number
 * when the enum does not define it); groups by their type's name; map
 * entries sorted by key.
 *
 * Parsing: `#` comments; `:` optional before a message value, required
 * before a scalar; messages in `{}` or `<>`; lists `[a, b]`; fields
 * separated by nothing, `,` or `;`; adjacent strings concatenated; every C
 * escape (octal, \x hex, \u and \U code points written as UTF-8); integers in
 * decimal, hex (0x) and octal (0); floats with exponent and f suffix, inf,
 * infinity and nan in any case; bools as true/false/True/False/t/f/1/0; enums
 * by name or number; extensions `[pkg.ext]`, and Any written out as
 * `[type.googleapis.com/pkg.T] { ... }`. Errors come as "LINE:COL: message"
 * (1-based, tabs advancing the column to the next multiple of 8), with
 * protoc's wording where protoc has one.
 *
 * Extensions and Any need the pool of their types (NULL: none known, an
 * extension is then printed as an unknown field, and parsing one fails). */
#ifndef BP_TEXT_H
#define BP_TEXT_H

#include "pb/dynamic.h"
#include "pb/wire.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Prints the message into memory from a (*out, not NUL-terminated). Fails
 * only when memory runs out or nesting goes beyond BP_DEFAULT_MAX_DEPTH. */
bp_status bp_text_print(const bp_msgdef *t, const void *msg, const bp_dynpool *pool, bp_arena *a, bp_str *out);

/* Prints wire-format data as a set of unknown fields, as protoc
 * --decode_raw does; BP_EMALFORMED when the data is not a valid field set. */
bp_status bp_text_print_raw(const char *data, size_t size, bp_arena *a, bp_str *out);

/* Reads text into msg (merging with what it holds), strings and everything
 * else allocated in a. On error returns false and writes "LINE:COL:
 * message" into err (errsize bytes, NUL-terminated). */
bool bp_text_parse(const bp_msgdef *t, void *msg, const char *text, size_t size, const bp_dynpool *pool, bp_arena *a,
                   char *err, size_t errsize);

#ifdef __cplusplus
}
#endif

#endif
