/* `buoy build IMAGE`: a buf image or a FileDescriptorSet (binary) as input.
 *
 * The files are passed through as they are, byte for byte; only what the
 * flags ask changes: --path/--exclude-path choose the targets among the
 * image's own (the others become imports), --exclude-imports drops the
 * imports, --exclude-source-info drops SourceCodeInfo, and
 * --as-file-descriptor-set drops buf's ImageFile extension (field 8042). A
 * FileDescriptorSet's files are all targets. The input is checked as a
 * protobuf message on the way; a malformed one is an error, never a crash. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd/image_input.h"
#include "compile/compile.h"

typedef struct span {
  const uint8_t *p;
  size_t n;
} span;

/* Reads a varint at *p (below end); false if malformed. */
static bool varint(const uint8_t **p, const uint8_t *end, uint64_t *v) {
  uint64_t r = 0;
  for (int shift = 0; shift < 64; shift += 7) {
    if (*p >= end) return false;
    uint8_t b = *(*p)++;
    r |= (uint64_t)(b & 0x7f) << shift;
    if (b < 0x80) {
      *v = r;
      return true;
    }
  }
  return false;
}

/* One field: its number, wire type, the whole field's bytes and, for a
 * length-delimited one, its payload. */
typedef struct wfield {
  uint32_t number;
  int wt;
  span whole, payload;
  uint64_t value;
} wfield;

static bool next_field(const uint8_t **p, const uint8_t *end, wfield *f) {
  const uint8_t *start = *p;
  uint64_t key;
  if (!varint(p, end, &key) || (key >> 3) == 0 || (key >> 3) > 536870911) return false;
  f->number = (uint32_t)(key >> 3);
  f->wt = (int)(key & 7);
  switch (f->wt) {
  case 0:
    if (!varint(p, end, &f->value)) return false;
    break;
  case 1:
  case 5: {
    size_t n = f->wt == 1 ? 8 : 4;
    if ((size_t)(end - *p) < n) return false;
    *p += n;
    break;
  }
  case 2: {
    uint64_t n;
    if (!varint(p, end, &n) || n > (uint64_t)(end - *p)) return false;
    f->payload.p = *p;
    f->payload.n = (size_t)n;
    *p += n;
    break;
  }
  default: return false; /* groups do not occur in descriptors */
  }
  f->whole.p = start;
  f->whole.n = (size_t)(*p - start);
  return true;
}

typedef struct ifile {
  span bytes; /* the FileDescriptorProto (with its 8042) */
  char *name;
  bool is_import, has_ext, target;
  char **deps;
  uint32_t ndeps;
  bool keep;
} ifile;

static char *dup_span(span s) {
  char *r = malloc(s.n + 1);
  if (!r) abort();
  memcpy(r, s.p, s.n);
  r[s.n] = 0;
  return r;
}

static bool parse_file(ifile *f) {
  const uint8_t *p = f->bytes.p, *end = p + f->bytes.n;
  wfield w;
  while (p < end) {
    if (!next_field(&p, end, &w)) return false;
    if (w.number == 1 && w.wt == 2 && !f->name) f->name = dup_span(w.payload);
    if (w.number == 3 && w.wt == 2) {
      char **deps = realloc(f->deps, sizeof *deps * (f->ndeps + 1));
      if (!deps) abort();
      f->deps = deps;
      f->deps[f->ndeps++] = dup_span(w.payload);
    }
    if (w.number == 8042 && w.wt == 2) {
      f->has_ext = true;
      const uint8_t *q = w.payload.p, *qend = q + w.payload.n;
      wfield e;
      while (q < qend) {
        if (!next_field(&q, qend, &e)) return false;
        if (e.number == 1 && e.wt == 0) f->is_import = e.value != 0;
      }
    }
  }
  return f->name != NULL;
}

static bool path_matches(const char *name, const char *filter) {
  size_t n = strlen(filter);
  while (n > 1 && filter[n - 1] == '/')
    n--;
  if (n == 1 && filter[0] == '.') return true;
  return strncmp(name, filter, n) == 0 && (name[n] == 0 || name[n] == '/');
}

static ifile *by_name(ifile *files, uint32_t n, const char *name) {
  for (uint32_t i = 0; i < n; i++)
    if (strcmp(files[i].name, name) == 0) return &files[i];
  return NULL;
}

static void keep_with_deps(ifile *files, uint32_t n, ifile *f, int depth) {
  if (f->keep || depth > 1000) return;
  f->keep = true;
  for (uint32_t i = 0; i < f->ndeps; i++) {
    ifile *d = by_name(files, n, f->deps[i]);
    if (d) keep_with_deps(files, n, d, depth + 1);
  }
}

/* The file as output: fields copied, less what the flags drop; the
 * ImageFile extension rewritten when the file's import flag changes. */
static void write_file(bu_buf *b, const ifile *f, const image_opts *o) {
  bu_put_varint(b, 1 << 3 | 2);
  size_t start = b->len;
  const uint8_t *p = f->bytes.p, *end = p + f->bytes.n;
  wfield w;
  while (p < end && next_field(&p, end, &w)) {
    if (w.number == 9 && o->exclude_source_info) continue;
    if (w.number == 8042) {
      if (o->fds) continue;
      if (f->is_import == !f->target) {
        bu_put_bytes(b, w.whole.p, w.whole.n);
        continue;
      }
      bu_put_varint(b, 8042 << 3 | 2);
      size_t es = b->len;
      const uint8_t *q = w.payload.p, *qend = q + w.payload.n;
      wfield e;
      while (q < qend && next_field(&q, qend, &e)) {
        if (e.number == 1 && e.wt == 0) {
          uint8_t flag[] = {0x08, f->target ? 0 : 1};
          bu_put_bytes(b, flag, 2);
        } else {
          bu_put_bytes(b, e.whole.p, e.whole.n);
        }
      }
      bu_prefix_length(b, es);
      continue;
    }
    bu_put_bytes(b, w.whole.p, w.whole.n);
  }
  bu_prefix_length(b, start);
}

int buoy_build_image(const char *path, const image_opts *o, bu_buf *out) {
  FILE *in = fopen(path, "rb");
  if (!in) {
    fprintf(stderr, "buoy build: cannot read %s: %s\n", path, strerror(errno));
    return 1;
  }
  bu_buf data = {0};
  char chunk[65536];
  size_t got;
  while ((got = fread(chunk, 1, sizeof chunk, in)) > 0)
    bu_put_bytes(&data, chunk, got);
  fclose(in);
  ifile *files = NULL;
  uint32_t nfiles = 0;
  int rc = 0;
  const uint8_t *p = data.data, *end = data.data + data.len;
  wfield w;
  while (p < end) {
    if (!next_field(&p, end, &w) || w.number != 1 || w.wt != 2) {
      fprintf(stderr, "%s: not a buf image or FileDescriptorSet (malformed at byte %zu)\n", path,
              (size_t)(p - data.data));
      rc = 100;
      break;
    }
    ifile *grown = realloc(files, sizeof *files * (nfiles + 1));
    if (!grown) abort();
    files = grown;
    ifile *f = &files[nfiles++];
    memset(f, 0, sizeof *f);
    f->bytes = w.payload;
    if (!parse_file(f)) {
      fprintf(stderr, "%s: file %u of the image is not a valid FileDescriptorProto\n", path, nfiles);
      rc = 100;
      break;
    }
  }
  if (rc == 0) {
    bool any = false;
    for (uint32_t i = 0; i < nfiles; i++) {
      ifile *f = &files[i];
      f->target = !f->is_import;
      if (o->npaths) {
        bool in_path = false;
        for (uint32_t k = 0; k < o->npaths && !in_path; k++)
          in_path = path_matches(f->name, o->paths[k]);
        f->target = f->target && in_path;
      }
      for (uint32_t k = 0; k < o->nexclude_paths && f->target; k++)
        f->target = !path_matches(f->name, o->exclude_paths[k]);
      any = any || f->target;
    }
    if (!any) {
      fprintf(stderr, "buoy build: %s: no files of the image were selected\n", path);
      rc = 100;
    }
    for (uint32_t i = 0; i < nfiles; i++)
      if (files[i].target) keep_with_deps(files, nfiles, &files[i], 0);
    for (uint32_t i = 0; rc == 0 && i < nfiles; i++)
      if (files[i].keep && (files[i].target || !o->exclude_imports)) write_file(out, &files[i], o);
  }
  for (uint32_t i = 0; i < nfiles; i++) {
    free(files[i].name);
    for (uint32_t k = 0; k < files[i].ndeps; k++)
      free(files[i].deps[k]);
    free(files[i].deps);
  }
  free(files);
  bu_buf_free(&data);
  return rc;
}
