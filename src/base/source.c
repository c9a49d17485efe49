#include "base/source.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static void *xmalloc(size_t n) {
  void *p = malloc(n ? n : 1);
  if (!p) {
    fputs("buoy: out of memory\n", stderr);
    abort();
  }
  return p;
}

static void build_line_table(buoy_source *src) {
  uint32_t n = 1;
  for (const char *p = src->text, *end = src->text + src->len; (p = memchr(p, '\n', (size_t)(end - p))); p++)
    n++;
  src->line_starts = xmalloc(sizeof(uint32_t) * n);
  src->nlines = n;
  uint32_t k = 0;
  src->line_starts[k++] = 0;
  for (const char *p = src->text, *end = src->text + src->len; (p = memchr(p, '\n', (size_t)(end - p))); p++)
    src->line_starts[k++] = (uint32_t)(p - src->text) + 1;
  src->has_tabs = memchr(src->text, '\t', src->len) != NULL;
}

void buoy_source_from_memory(buoy_source *src, const char *path, const char *data, size_t len) {
  memset(src, 0, sizeof *src);
  src->path = path;
  src->text = xmalloc(len + 1);
  if (len) memcpy(src->text, data, len);
  src->text[len] = 0;
  src->len = (uint32_t)len;
  build_line_table(src);
}

int buoy_source_read(buoy_source *src, const char *path) {
  memset(src, 0, sizeof *src);
  FILE *f = fopen(path, "rb");
  if (!f) return -1;
  /* Start from the file's size, so each buffer is as big as its file (a
   * compile holds thousands of them); grow for files that are not regular. */
  struct stat st;
  size_t cap = 4096, len = 0;
  if (fstat(fileno(f), &st) == 0 && S_ISREG(st.st_mode) && st.st_size >= 0 &&
      (uint64_t)st.st_size < BUOY_MAX_SOURCE_SIZE)
    cap = (size_t)st.st_size + 1;
  char *buf = xmalloc(cap + 1);
  for (;;) {
    if (len == cap) {
      if (cap >= BUOY_MAX_SOURCE_SIZE) {
        free(buf);
        fclose(f);
        errno = EFBIG;
        return -1;
      }
      cap *= 2;
      char *nb = realloc(buf, cap + 1);
      if (!nb) {
        free(buf);
        fclose(f);
        errno = ENOMEM;
        return -1;
      }
      buf = nb;
    }
    size_t got = fread(buf + len, 1, cap - len, f);
    len += got;
    if (got == 0) break;
  }
  int err = ferror(f);
  fclose(f);
  if (err) {
    free(buf);
    errno = EIO;
    return -1;
  }
  if (len > BUOY_MAX_SOURCE_SIZE) {
    free(buf);
    errno = EFBIG;
    return -1;
  }
  buf[len] = 0;
  src->path = path;
  src->text = buf;
  src->len = (uint32_t)len;
  build_line_table(src);
  return 0;
}

void buoy_source_free(buoy_source *src) {
  free(src->text);
  free(src->line_starts);
  memset(src, 0, sizeof *src);
}

buoy_pos buoy_source_pos(const buoy_source *src, uint32_t offset) {
  uint32_t hint = 0;
  return buoy_source_pos_near(src, offset, &hint);
}

static bool on_line(const buoy_source *src, uint32_t line, uint32_t offset) {
  return line < src->nlines && src->line_starts[line] <= offset &&
         (line + 1 == src->nlines || offset < src->line_starts[line + 1]);
}

buoy_pos buoy_source_pos_near(const buoy_source *src, uint32_t offset, uint32_t *hint) {
  if (offset > src->len) offset = src->len;
  uint32_t lo;
  if (on_line(src, *hint, offset)) {
    lo = *hint;
  } else if (on_line(src, *hint + 1, offset)) {
    lo = *hint + 1;
  } else {
    lo = 0;
    uint32_t hi = src->nlines; /* find last line_start <= offset */
    while (hi - lo > 1) {
      uint32_t mid = lo + (hi - lo) / 2;
      if (src->line_starts[mid] <= offset)
        lo = mid;
      else
        hi = mid;
    }
  }
  *hint = lo;
  if (!src->has_tabs) {
    buoy_pos p = {lo + 1, offset - src->line_starts[lo] + 1};
    return p;
  }
  uint32_t col = 0;
  for (uint32_t i = src->line_starts[lo]; i < offset; i++) {
    if (src->text[i] == '\t')
      col += 8 - col % 8;
    else
      col++;
  }
  buoy_pos p = {lo + 1, col + 1};
  return p;
}
