/* buf images and FileDescriptorSets as the input of buoy build. */
#ifndef BUOY_CMD_IMAGE_INPUT_H
#define BUOY_CMD_IMAGE_INPUT_H

#include <stdbool.h>
#include <stdint.h>

#include "compile/compile.h"

typedef struct image_opts {
  bool fds, exclude_imports, exclude_source_info;
  const char *const *paths; /* --path: file names in the image, or directory prefixes */
  uint32_t npaths;
  const char *const *exclude_paths;
  uint32_t nexclude_paths;
} image_opts;

/* Reads the image at path and appends the selected files to out (a
 * FileDescriptorSet or image, as the options say). Returns 0, or 100 for an
 * input that is not a valid image, 1 if it cannot be read (reported). */
int buoy_build_image(const char *path, const image_opts *o, bu_buf *out);

#endif
