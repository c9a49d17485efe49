/* Lists of paths, and finding .proto files below a directory. */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cmd/cmd.h"

void buoy_paths_push(buoy_paths *l, char *s) {
  if (l->count == l->cap) {
    l->cap = l->cap ? l->cap * 2 : 64;
    l->items = realloc(l->items, l->cap * sizeof *l->items);
    if (!l->items) {
      fputs("buoy: out of memory\n", stderr);
      exit(1);
    }
  }
  l->items[l->count++] = s;
}

int buoy_paths_cmp(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

bool buoy_ends_with(const char *s, const char *suffix) {
  size_t n = strlen(s), m = strlen(suffix);
  return n >= m && strcmp(s + n - m, suffix) == 0;
}

/* Collects *.proto below dir, sorted, so output does not depend on the
 * order the file system lists entries in. */
int buoy_paths_walk(const char *dir, buoy_paths *out, int depth) {
  if (depth > 64) return 0;
  DIR *d = opendir(dir);
  if (!d) {
    fprintf(stderr, "buoy: cannot read directory %s: %s\n", dir, strerror(errno));
    return -1;
  }
  buoy_paths here = {0};
  struct dirent *e;
  while ((e = readdir(d))) {
    if (e->d_name[0] == '.') continue;
    size_t n = strlen(dir) + strlen(e->d_name) + 2;
    char *p = malloc(n);
    if (!p) exit(1);
    snprintf(p, n, "%s/%s", dir, e->d_name);
    buoy_paths_push(&here, p);
  }
  closedir(d);
  if (here.count > 1) qsort(here.items, here.count, sizeof *here.items, buoy_paths_cmp);
  int rc = 0;
  for (size_t i = 0; i < here.count; i++) {
    struct stat st;
    if (stat(here.items[i], &st) != 0) {
      free(here.items[i]);
      continue;
    }
    if (S_ISDIR(st.st_mode)) {
      if (buoy_paths_walk(here.items[i], out, depth + 1) != 0) rc = -1;
      free(here.items[i]);
    } else if (buoy_ends_with(here.items[i], ".proto")) {
      buoy_paths_push(out, here.items[i]);
    } else {
      free(here.items[i]);
    }
  }
  free(here.items);
  return rc;
}

