#include "base/diag.h"

#include <stdlib.h>
#include <string.h>

void buoy_diags_init(buoy_diags *d) { memset(d, 0, sizeof *d); }

void buoy_diags_free(buoy_diags *d) {
  for (uint32_t i = 0; i < d->count; i++)
    free(d->items[i].message);
  free(d->items);
  memset(d, 0, sizeof *d);
}

void buoy_diags_move(buoy_diags *to, buoy_diags *from) {
  for (uint32_t i = 0; i < from->count; i++) {
    buoy_diag *g = &from->items[i];
    buoy_diag_add(to, g->severity, g->src, g->offset, "%s", g->message);
    to->items[to->count - 1].order = g->order;
  }
  buoy_diags_free(from);
}

void buoy_diags_truncate(buoy_diags *d, uint32_t count) {
  while (d->count > count) {
    buoy_diag *g = &d->items[--d->count];
    if (g->severity == BUOY_ERROR) d->errors--;
    free(g->message);
  }
}

void buoy_diag_addv(buoy_diags *d, buoy_severity sev, const buoy_source *src, uint32_t offset, const char *fmt,
                    va_list ap) {
  if (d->count == d->cap) {
    uint32_t cap = d->cap ? d->cap * 2 : 16;
    buoy_diag *items = realloc(d->items, sizeof(buoy_diag) * cap);
    if (!items) {
      fputs("buoy: out of memory\n", stderr);
      abort();
    }
    d->items = items;
    d->cap = cap;
  }
  va_list ap2;
  va_copy(ap2, ap);
  int n = vsnprintf(NULL, 0, fmt, ap2);
  va_end(ap2);
  char *msg = malloc((size_t)(n < 0 ? 0 : n) + 1);
  if (!msg) {
    fputs("buoy: out of memory\n", stderr);
    abort();
  }
  vsnprintf(msg, (size_t)n + 1, fmt, ap);
  buoy_diag *g = &d->items[d->count++];
  g->severity = sev;
  g->src = src;
  g->offset = offset;
  g->message = msg;
  g->seq = d->count - 1;
  g->order = 0;
  if (sev == BUOY_ERROR) d->errors++;
}

void buoy_diag_add(buoy_diags *d, buoy_severity sev, const buoy_source *src, uint32_t offset, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  buoy_diag_addv(d, sev, src, offset, fmt, ap);
  va_end(ap);
}

void buoy_diag_print(const buoy_diag *g, FILE *out) {
  const char *prefix = g->severity == BUOY_WARNING ? "warning: " : "";
  if (g->src && g->offset == BUOY_NO_OFFSET) {
    fprintf(out, "%s: %s%s\n", g->src->path, prefix, g->message);
  } else if (g->src) {
    buoy_pos p = buoy_source_pos(g->src, g->offset);
    fprintf(out, "%s:%u:%u: %s%s\n", g->src->path, p.line, p.col, prefix, g->message);
  } else {
    fprintf(out, "buoy: %s%s\n", prefix, g->message);
  }
}

void buoy_diags_print(const buoy_diags *d, FILE *out) {
  for (uint32_t i = 0; i < d->count; i++)
    buoy_diag_print(&d->items[i], out);
}

static int by_position(const void *pa, const void *pb) {
  const buoy_diag *a = pa, *b = pb;
  const char *fa = a->src ? a->src->path : "", *fb = b->src ? b->src->path : "";
  int c = strcmp(fa, fb);
  if (c) return c;
  if (a->offset != b->offset) return a->offset < b->offset ? -1 : 1;
  return a->seq < b->seq ? -1 : (a->seq > b->seq);
}

void buoy_diags_sort(buoy_diags *d) {
  if (d->count > 1) qsort(d->items, d->count, sizeof *d->items, by_position);
}
