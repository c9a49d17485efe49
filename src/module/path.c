#include "module/path.h"

#include <string.h>

bool bm_is_abs(const char *p) { return p[0] == '/'; }

char *bm_clean(buoy_arena *a, const char *p) {
  size_t n = strlen(p);
  bool rooted = n > 0 && p[0] == '/';
  char *out = buoy_arena_alloc_raw(a, n + 2);
  size_t w = 0;
  if (rooted) out[w++] = '/';
  size_t floor = w; /* ".." never pops below this (the root, or leading ".."s) */
  size_t i = 0;
  while (i < n) {
    size_t j = i;
    while (j < n && p[j] != '/')
      j++;
    size_t len = j - i;
    const char *e = p + i;
    i = j + 1;
    if (len == 0 || (len == 1 && e[0] == '.')) continue;
    if (len == 2 && e[0] == '.' && e[1] == '.') {
      if (w > floor) { /* drop the last element */
        while (w > floor && out[w - 1] != '/')
          w--;
        if (w > floor) w--;
        continue;
      }
      if (rooted) continue;
      if (w > 0) out[w++] = '/';
      out[w++] = '.';
      out[w++] = '.';
      floor = w;
      continue;
    }
    if (w > 0 && out[w - 1] != '/') out[w++] = '/';
    memcpy(out + w, e, len);
    w += len;
  }
  if (w == 0) out[w++] = '.';
  out[w] = 0;
  return out;
}

char *bm_join(buoy_arena *a, const char *x, const char *y) {
  if (!x[0] || strcmp(x, ".") == 0) return bm_clean(a, y);
  if (!y[0] || strcmp(y, ".") == 0) return bm_clean(a, x);
  size_t nx = strlen(x), ny = strlen(y);
  char *s = buoy_arena_alloc_raw(a, nx + ny + 2);
  memcpy(s, x, nx);
  s[nx] = '/';
  memcpy(s + nx + 1, y, ny + 1);
  return bm_clean(a, s);
}

char *bm_dir(buoy_arena *a, const char *p) {
  const char *slash = strrchr(p, '/');
  if (!slash) return bm_clean(a, ".");
  if (slash == p) return bm_clean(a, "/");
  return bm_clean(a, buoy_arena_strndup(a, p, (size_t)(slash - p)));
}

/* The next element of a clean path from *i; its length, 0 at the end. */
static size_t next_elem(const char *p, size_t *i, const char **start) {
  while (p[*i] == '/')
    (*i)++;
  *start = p + *i;
  size_t j = *i;
  while (p[j] && p[j] != '/')
    j++;
  size_t len = j - *i;
  *i = j;
  return len;
}

char *bm_rel(buoy_arena *a, const char *base, const char *target) {
  if (bm_is_abs(base) != bm_is_abs(target)) return NULL;
  if (strcmp(base, target) == 0) return bm_clean(a, ".");
  if (strcmp(base, ".") == 0) base = "";
  if (strcmp(target, ".") == 0) target = "";
  /* Skip the common leading elements. */
  size_t bi = 0, ti = 0;
  for (;;) {
    size_t sb = bi, st = ti;
    const char *eb, *et;
    size_t lb = next_elem(base, &bi, &eb), lt = next_elem(target, &ti, &et);
    if (lb == 0 || lb != lt || memcmp(eb, et, lb) != 0) {
      bi = sb;
      ti = st;
      break;
    }
  }
  /* Each remaining base element becomes "..": impossible through a "..". */
  size_t ups = 0;
  for (size_t i = bi;;) {
    const char *e;
    size_t len = next_elem(base, &i, &e);
    if (len == 0) break;
    if (len == 2 && e[0] == '.' && e[1] == '.') return NULL;
    ups++;
  }
  while (target[ti] == '/')
    ti++;
  size_t rest = strlen(target + ti);
  char *s = buoy_arena_alloc_raw(a, ups * 3 + rest + 2);
  size_t w = 0;
  for (size_t k = 0; k < ups; k++) {
    if (w) s[w++] = '/';
    s[w++] = '.';
    s[w++] = '.';
  }
  if (rest) {
    if (w) s[w++] = '/';
    memcpy(s + w, target + ti, rest);
    w += rest;
  }
  s[w] = 0;
  return bm_clean(a, s);
}

bool bm_escapes(const char *p) { return strcmp(p, "..") == 0 || strncmp(p, "../", 3) == 0; }

bool bm_is_local(buoy_arena *a, const char *p) {
  if (!p[0] || bm_is_abs(p)) return false;
  return !bm_escapes(bm_clean(a, p));
}

bool bm_equals_or_contains(const char *parent, const char *child) {
  if (strcmp(parent, child) == 0) return true;
  if (strcmp(parent, ".") == 0) return !bm_is_abs(child);
  if (strcmp(parent, "/") == 0) return bm_is_abs(child);
  size_t n = strlen(parent);
  return strncmp(parent, child, n) == 0 && child[n] == '/';
}

bool bm_contains(const char *parent, const char *child) {
  return strcmp(parent, child) != 0 && bm_equals_or_contains(parent, child);
}

bool bm_has_ext(const char *p, const char *ext) {
  size_t n = strlen(p), m = strlen(ext);
  const char *slash = strrchr(p, '/');
  const char *base = slash ? slash + 1 : p;
  return n >= m && strcmp(p + n - m, ext) == 0 && (size_t)(p + n - base) >= m;
}
