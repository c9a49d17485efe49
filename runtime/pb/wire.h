/* The binary wire format: decode, encode and size over the tables (msg.h). */
#ifndef BP_WIRE_H
#define BP_WIRE_H

#include "pb/msg.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum bp_status {
  BP_OK = 0,
  BP_ENOMEM,     /* the arena could not get memory */
  BP_EMALFORMED, /* truncated input, a bad varint, tag, wire type or group */
  BP_EDEPTH,     /* messages nested deeper than the limit */
  BP_ETOOBIG,    /* input or output larger than the limit */
  BP_EUTF8,      /* a string field (that requires it) is not valid UTF-8 */
} bp_status;

/* A short English description of the status. */
const char *bp_status_text(bp_status s);

#define BP_DEFAULT_MAX_DEPTH 100

/* bp_decode_options.flags */
enum {
  /* Strings and bytes (and unknown fields) point into the input instead of
   * being copied: the input must outlive the message. */
  BP_DECODE_ALIAS = 1 << 0,
  /* Unknown fields (and extensions the registry does not know) are dropped
   * instead of kept. */
  BP_DECODE_DISCARD_UNKNOWN = 1 << 1,
};

typedef struct bp_decode_options {
  uint32_t flags;     /* BP_DECODE_* */
  /* Messages (and groups) nested below the top one; 0: BP_DEFAULT_MAX_DEPTH.
   * Map entries count, as in protobuf's C++ parser, whose recursion limit
   * this is. */
  uint32_t max_depth;
  size_t max_size;    /* input limit in bytes; 0: INT32_MAX */
  /* Extensions it knows are decoded into typed entries (BP_EXT_VALUE);
   * others are kept raw. NULL: every extension stays raw. */
  const struct bp_registry *registry;
} bp_decode_options;

/* Reads the wire form of a message of type t into msg, merging with what it
 * holds (singular fields replaced, repeated fields appended to, messages
 * merged), everything allocated in a. o may be NULL for the defaults.
 *
 * Malformed input is rejected, never read beyond size: truncation, varints
 * longer than 10 bytes, tags longer than 5 bytes (a 5-byte tag's bits past
 * 32 are dropped, as protobuf's C++ parser does), field number 0, wire
 * types 6 and 7,
 * unmatched group ends, lengths past the end. A known field with another
 * wire type than its own is kept as an unknown field, as every protobuf
 * implementation does; fields in an extension range join the extension set
 * (typed when o->registry knows them, else in wire form), other unknown
 * fields are kept in wire form and written back by bp_encode. Map entries
 * are inserted by key; a message set's items join the extension set. On
 * error msg holds what was read so far. */
bp_status bp_decode(const bp_msgdef *t, void *msg, const char *data, size_t size, bp_arena *a,
                    const bp_decode_options *o);

/* bp_encode_options.flags */
enum {
  /* Map entries in key order (numbers by value, strings by bytes, false
   * before true), so equal messages encode to equal bytes. */
  BP_ENCODE_DETERMINISTIC = 1 << 0,
  /* Unknown fields are not written. */
  BP_ENCODE_SKIP_UNKNOWN = 1 << 1,
};

typedef struct bp_encode_options {
  uint32_t flags;     /* BP_ENCODE_* */
  uint32_t max_depth; /* nested below the top one, as bp_decode_options'; 0: BP_DEFAULT_MAX_DEPTH */
} bp_encode_options;

/* Writes the message in wire form into memory from a: *out. Order: the
 * extension set (by number), then the fields by number, then the unknown
 * fields; repeated values in order, packed where the field is. This is the
 * order Go's protobuf (and so buf) writes messages without oneofs in. */
bp_status bp_encode(const bp_msgdef *t, const void *msg, bp_arena *a, const bp_encode_options *o, bp_str *out);

/* The number of bytes bp_encode writes for the message (SIZE_MAX when it is
 * nested deeper than BP_DEFAULT_MAX_DEPTH below it). */
size_t bp_encoded_size(const bp_msgdef *t, const void *msg);

#ifdef __cplusplus
}
#endif

#endif
