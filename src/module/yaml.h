/* A YAML (or JSON) document read with libyaml into a small tree, every node
 * carrying its position so that configuration errors can point at it.
 * Internal to src/module. */
#ifndef BUOY_MODULE_YAML_H
#define BUOY_MODULE_YAML_H

#include <stdbool.h>
#include <stdint.h>

#include "base/arena.h"
#include "base/diag.h"

typedef enum { BY_SCALAR, BY_SEQ, BY_MAP } by_kind;

typedef struct by_node by_node;
struct by_node {
  by_kind kind;
  uint32_t offset; /* byte offset of the node's start in the source */
  /* Scalars: the value (NUL-terminated; len excludes the NUL), and whether
   * it was written plain (unquoted, untagged): only plain scalars can mean
   * null or a boolean. */
  const char *str;
  uint32_t len;
  bool plain;
  bool str_tag; /* tagged !!str */
  /* Sequences: items. Mappings: keys and values alternating (2 * n). */
  by_node **items;
  uint32_t n;
};

/* Nesting deeper than this is reported as an error (keeps later walks bounded). */
#define BY_MAX_DEPTH 64

/* Parses the first document of src. Returns NULL for an empty stream
 * (nothing reported) or on a syntax error (reported at libyaml's position). */
by_node *by_parse(buoy_arena *a, const buoy_source *src, buoy_diags *diags, bool *empty);

/* A plain null: "", "~", "null", "Null", "NULL" (or a missing node). */
bool by_is_null(const by_node *n);
/* A YAML boolean as Go's yaml package accepts it for a bool field; false
 * when the scalar is not one. */
bool by_bool(const by_node *n, bool *value);
/* For mappings: the value of key, or NULL. */
by_node *by_get(const by_node *map, const char *key);

/* ---- decoding configuration files (config.c, gen_config.c) ---- */

/* Where a decoder allocates and reports. */
typedef struct by_ctx {
  buoy_arena *a;
  const buoy_source *src;
  buoy_diags *diags;
} by_ctx;

/* Reports an error at node at (or at the start of the file) and returns
 * false. */
bool by_fail(const by_ctx *c, const by_node *at, const char *fmt, ...) BUOY_PRINTF(3, 4);

/* A string value; dflt (NULL or "", as the caller needs) when the node is
 * absent or null. what names the key in the message of a non-scalar. */
bool by_get_string(const by_ctx *c, const by_node *n, const char *what, const char *dflt, const char **out);

/* A boolean value; false when absent or null. out may be NULL (checked
 * only). */
bool by_get_bool(const by_ctx *c, const by_node *n, const char *what, bool *out);

/* Every key of map is a string listed in keys (NULL-terminated), and none
 * repeats; what names the mapping in messages. */
bool by_check_keys(const by_ctx *c, const by_node *map, const char *what, const char *const *keys);

#endif
