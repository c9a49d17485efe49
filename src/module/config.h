/* buf.yaml (versions v1beta1, v1, v2) and buf.work.yaml (v1), decoded and
 * checked the way buf 1.75 checks them: unknown keys, wrong types and invalid
 * paths are errors, reported at the offending node. Internal to src/module. */
#ifndef BUOY_MODULE_CONFIG_H
#define BUOY_MODULE_CONFIG_H

#include <stdbool.h>
#include <stdint.h>

#include "base/arena.h"
#include "base/diag.h"

typedef enum { BM_V1BETA1 = 1, BM_V1 = 2, BM_V2 = 3 } bm_version;

typedef struct bm_strs {
  const char **items;
  uint32_t n;
} bm_strs;

typedef struct bm_module_config {
  const char *dir;  /* relative to the buf.yaml's directory, clean; "." for v1 */
  const char *name; /* "registry/owner/name", or "" */
  bm_strs roots;    /* directories import paths are relative to: "." except in v1beta1 */
  bm_strs excludes; /* relative to dir (so including their root), clean */
  bm_strs includes; /* v2: relative to dir; when any, only these are in the module */
} bm_module_config;

typedef struct bm_buf_yaml {
  bm_version version;
  bm_module_config *modules; /* v1beta1/v1: exactly one, at "."; sorted by dir */
  uint32_t nmodules;
} bm_buf_yaml;

typedef struct bm_buf_work {
  bm_strs dirs; /* clean, sorted, none containing another */
} bm_buf_work;

/* Decodes src as a buf.yaml. allow_json also accepts JSON (for --config).
 * Returns false after reporting the first error. */
bool bm_decode_buf_yaml(buoy_arena *a, const buoy_source *src, buoy_diags *diags, bm_buf_yaml *out);
bool bm_decode_buf_work(buoy_arena *a, const buoy_source *src, buoy_diags *diags, bm_buf_work *out);

/* The configuration of a module without a buf.yaml. */
void bm_default_module(buoy_arena *a, const char *dir, bm_module_config *out);

#endif
