/* A loaded source file: its bytes (NUL-terminated for the lexer's sentinel)
 * and a line table that turns byte offsets into protoc-style line:column. */
#ifndef BUOY_BASE_SOURCE_H
#define BUOY_BASE_SOURCE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct buoy_source {
  const char *path; /* as given by the user; used in diagnostics */
  char *text;       /* len bytes, then a NUL */
  uint32_t len;
  uint32_t *line_starts; /* byte offset of each line's first byte */
  uint32_t nlines;
  bool has_tabs; /* columns need counting only where tabs are */
} buoy_source;

typedef struct buoy_pos {
  uint32_t line; /* 1-based */
  uint32_t col;  /* 1-based; bytes, a tab advancing to the next multiple of 8 */
} buoy_pos;

/* Largest file accepted: offsets are 32-bit, and nothing real comes close. */
#define BUOY_MAX_SOURCE_SIZE (256u * 1024u * 1024u)

/* Reads a file. On failure returns -1 with errno set. */
int buoy_source_read(buoy_source *src, const char *path);
/* Adopts a copy of a memory buffer (used by tests and the fuzzer). */
void buoy_source_from_memory(buoy_source *src, const char *path, const char *data, size_t len);
void buoy_source_free(buoy_source *src);

buoy_pos buoy_source_pos(const buoy_source *src, uint32_t offset);
/* The same, for callers walking a file mostly forward: *hint is a line
 * (0-based) to try first, and is set to the line found. */
buoy_pos buoy_source_pos_near(const buoy_source *src, uint32_t offset, uint32_t *hint);

#endif
