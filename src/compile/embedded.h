/* The .proto files built into buoy: the well-known types, the features
 * protos and plugin.proto, byte-identical to protobuf v36.0 (and so to the
 * copies buf embeds). Imports of these names never need an include path. */
#ifndef BUOY_COMPILE_EMBEDDED_H
#define BUOY_COMPILE_EMBEDDED_H

#include <stddef.h>

typedef struct buoy_embedded_file {
  const char *name; /* import path, e.g. google/protobuf/any.proto */
  const char *data;
  size_t len;
} buoy_embedded_file;

/* Ends with an entry whose name is NULL. */
extern const buoy_embedded_file buoy_embedded_files[];

const buoy_embedded_file *buoy_embedded_find(const char *name);

#endif
