/* Diagnostics are values: collected while working, printed once at the end
 * as `path:line:col: message`. Nothing here exits. */
#ifndef BUOY_BASE_DIAG_H
#define BUOY_BASE_DIAG_H

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>

#include "base/source.h"

typedef enum { BUOY_ERROR, BUOY_WARNING } buoy_severity;

/* The offset of a diagnostic about a file but no place in it (printed as
 * `path: message`, as protoc prints errors it has no location for). */
#define BUOY_NO_OFFSET UINT32_MAX

typedef struct buoy_diag {
  buoy_severity severity;
  const buoy_source *src; /* NULL for diagnostics about no particular file */
  uint32_t offset;        /* byte offset in src, or BUOY_NO_OFFSET */
  char *message;
  uint32_t seq;   /* order of addition, for stable sorting */
  uint32_t order; /* a stage's own sort key (the parser's: token order) */
} buoy_diag;

typedef struct buoy_diags {
  buoy_diag *items;
  uint32_t count, cap;
  uint32_t errors;
} buoy_diags;

void buoy_diags_init(buoy_diags *d);
void buoy_diags_free(buoy_diags *d);
/* Appends everything in from to to, leaving from empty (and freed). */
void buoy_diags_move(buoy_diags *to, buoy_diags *from);
/* Removes the diagnostics added after the first count. */
void buoy_diags_truncate(buoy_diags *d, uint32_t count);

#if defined(__GNUC__)
#define BUOY_PRINTF(a, b) __attribute__((format(printf, a, b)))
#else
#define BUOY_PRINTF(a, b)
#endif

void buoy_diag_add(buoy_diags *d, buoy_severity sev, const buoy_source *src, uint32_t offset, const char *fmt, ...)
    BUOY_PRINTF(5, 6);
void buoy_diag_addv(buoy_diags *d, buoy_severity sev, const buoy_source *src, uint32_t offset, const char *fmt,
                    va_list ap);

/* Orders the diagnostics by file path, then position, then order added. */
void buoy_diags_sort(buoy_diags *d);
/* Prints every diagnostic in the order added. */
void buoy_diags_print(const buoy_diags *d, FILE *out);
void buoy_diag_print(const buoy_diag *g, FILE *out);

#endif
