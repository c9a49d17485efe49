/* Lexical path arithmetic on '/'-separated paths, as buf does it (Go's
 * path.Clean and filepath.Rel): nothing here touches the file system.
 * Results are allocated in the arena. Internal to src/module. */
#ifndef BUOY_MODULE_PATH_H
#define BUOY_MODULE_PATH_H

#include <stdbool.h>

#include "base/arena.h"

/* The shortest equivalent path: no "//", no "." elements, ".." resolved
 * where it can be; "" becomes ".". */
char *bm_clean(buoy_arena *a, const char *p);
/* clean(x + "/" + y); an empty or "." side is dropped. */
char *bm_join(buoy_arena *a, const char *x, const char *y);
/* The parent directory of a clean path ("." for "x", "/" for "/x"). */
char *bm_dir(buoy_arena *a, const char *p);
/* The path of target relative to base, both clean and both absolute or both
 * relative; NULL when there is none (base climbs above target with ".."). */
char *bm_rel(buoy_arena *a, const char *base, const char *target);

bool bm_is_abs(const char *p);
/* Whether a clean relative path climbs out of its directory ("..", "../x"). */
bool bm_escapes(const char *p);
/* Relative, non-empty, and not escaping after cleaning (Go's filepath.IsLocal). */
bool bm_is_local(buoy_arena *a, const char *p);

/* For clean paths of the same kind: parent is child, or one of its ancestors.
 * "." contains every relative path and "/" every absolute one. */
bool bm_equals_or_contains(const char *parent, const char *child);
/* Like bm_equals_or_contains, but never for equal paths. */
bool bm_contains(const char *parent, const char *child);

/* Whether p ends in ext (".proto"), compared as bytes. */
bool bm_has_ext(const char *p, const char *ext);

#endif
