/* Tests of dynamic tables (runtime/pb/dynamic.h), run by tests/cases_dynamic.py.
 *
 *   dyn-test layout FDS      the pool built from FDS (which must hold
 *                            descriptor.proto, testdata/gen/sample*.proto
 *                            and testdata/dynamic/layout_editions.proto)
 *                            lays out every message and enum of those
 *                            exactly as their generated tables do
 *   dyn-test roundtrip FDS   FDS decoded through the pool's own
 *                            google.protobuf.FileDescriptorSet table and
 *                            encoded again gives the input bytes, and the
 *                            same bytes as the generated table; every
 *                            extension found on the way is decoded through
 *                            its dynamic type and encoded back unchanged
 *   dyn-test roundtrip DATA FDS  the same for the set DATA, read through the
 *                            FileDescriptorSet table of the pool of FDS
 *   dyn-test reencode FDS TYPE DATA  DATA decoded as TYPE through the pool
 *                            and encoded again, to standard output
 *   dyn-test json FDS TYPE DATA      DATA decoded as TYPE through the pool
 *                            (extensions typed by its registry), written
 *                            as JSON to standard output
 *   dyn-test fromjson FDS TYPE JSON  the JSON file read as TYPE, written in
 *                            binary to standard output
 *   dyn-test check FDS       builds the pool: prints "ok", or the error
 *                            (exit 1)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "google/protobuf/descriptor.pb.h"
#include "layout_editions.pb.h"
#include "pb/pb.h"
#include "sample.pb.h"
#include "sample3.pb.h"

static char *read_file(const char *path, size_t *size) {
  FILE *f = fopen(path, "rb");
  if (!f) {
    perror(path);
    return NULL;
  }
  size_t cap = 1 << 16, n = 0;
  char *buf = malloc(cap);
  for (;;) {
    if (n == cap) buf = realloc(buf, cap *= 2);
    if (!buf) return NULL;
    size_t k = fread(buf + n, 1, cap - n, f);
    if (!k) break;
    n += k;
  }
  fclose(f);
  *size = n;
  return buf;
}

static int problems;

static void problem(const char *fmt, const char *a, const char *b, long x, long y) {
  if (problems++ < 30) {
    fprintf(stderr, fmt, a, b, x, y);
    fputc('\n', stderr);
  }
}

static const char *sub_name(const bp_msgdef *t, const bp_field *f) {
  if (f->type == BP_TYPE_MESSAGE || f->type == BP_TYPE_GROUP) return t->subs[f->sub].msg->full_name;
  if (f->type == BP_TYPE_ENUM) return t->subs[f->sub].enumdef->full_name;
  return "";
}

static void compare_enum(const bp_enumdef *g, const bp_enumdef *d) {
  if (g->count != d->count) problem("%s%s: %ld values, dynamic %ld", g->full_name, "", g->count, d->count);
  for (uint32_t i = 0; i < g->count && i < d->count; i++)
    if (g->values[i] != d->values[i] || strcmp(g->names[i], d->names[i]) != 0)
      problem("%s: value %s differs (%ld, %ld)", g->full_name, g->names[i], g->values[i], d->values[i]);
}

/* Compares a generated table with the pool's, then the tables it uses. */
static void compare_msg(const bp_dynpool *pool, const bp_msgdef *g, const bp_msgdef **seen, size_t *nseen) {
  for (size_t i = 0; i < *nseen; i++)
    if (seen[i] == g) return;
  seen[(*nseen)++] = g;
  const bp_msgdef *d = bp_dynpool_msgdef(pool, bp_str_c(g->full_name));
  if (!d) {
    problem("%s%s: not in the pool", g->full_name, "", 0, 0);
    return;
  }
  if (g->size != d->size) problem("%s%s: size %ld, dynamic %ld", g->full_name, "", g->size, d->size);
  if (g->field_count != d->field_count || g->dense != d->dense || g->ext_range_count != d->ext_range_count ||
      g->flags != d->flags)
    problem("%s%s: counts differ (fields %ld, dynamic %ld)", g->full_name, "", g->field_count, d->field_count);
  /* the encoder's hasbit lists */
  if (g->hasbit_count != d->hasbit_count || !g->hasbit_fields != !d->hasbit_fields ||
      !g->plain_fields != !d->plain_fields)
    problem("%s%s: hasbit lists differ (hasbits %ld, dynamic %ld)", g->full_name, "", g->hasbit_count,
            d->hasbit_count);
  else if (g->hasbit_fields) {
    uint32_t nplain = g->field_count >= g->hasbit_count ? g->field_count - g->hasbit_count : 0;
    for (uint32_t i = 0; i < g->hasbit_count; i++)
      if (g->hasbit_fields[i] != d->hasbit_fields[i])
        problem("%s%s: hasbit %ld is field %ld's, dynamic's another", g->full_name, "", i, g->hasbit_fields[i]);
    for (uint32_t i = 0; g->plain_fields && i < nplain; i++)
      if (g->plain_fields[i] != d->plain_fields[i])
        problem("%s%s: other field %ld is field %ld, dynamic's another", g->full_name, "", i, g->plain_fields[i]);
  }
  for (uint32_t i = 0; i < g->ext_range_count && i < d->ext_range_count; i++)
    if (g->ext_ranges[i].start != d->ext_ranges[i].start || g->ext_ranges[i].end != d->ext_ranges[i].end)
      problem("%s%s: extension range %ld differs (start %ld)", g->full_name, "", i, d->ext_ranges[i].start);
  for (uint32_t i = 0; i < g->field_count && i < d->field_count; i++) {
    const bp_field *a = &g->fields[i], *b = &d->fields[i];
    const char *name = g->names[i].name;
    if (a->number != b->number) problem("%s.%s: number %ld, dynamic %ld", g->full_name, name, a->number, b->number);
    if (a->offset != b->offset) problem("%s.%s: offset %ld, dynamic %ld", g->full_name, name, a->offset, b->offset);
    if (a->presence != b->presence)
      problem("%s.%s: presence %ld, dynamic %ld", g->full_name, name, a->presence, b->presence);
    if (a->type != b->type) problem("%s.%s: type %ld, dynamic %ld", g->full_name, name, a->type, b->type);
    if (a->flags != b->flags) problem("%s.%s: flags %ld, dynamic %ld", g->full_name, name, a->flags, b->flags);
    if (a->sub != b->sub || strcmp(sub_name(g, a), sub_name(d, b)) != 0)
      problem("%s.%s: sub %ld, dynamic %ld", g->full_name, name, a->sub, b->sub);
    if (strcmp(g->names[i].name, d->names[i].name) != 0 || strcmp(g->names[i].json_name, d->names[i].json_name) != 0)
      problem("%s.%s: names differ (%ld %ld)", g->full_name, name, 0, 0);
    if (a->type == BP_TYPE_ENUM) {
      const bp_enumdef *de = bp_dynpool_enumdef(pool, bp_str_c(g->subs[a->sub].enumdef->full_name));
      if (!de || de != d->subs[b->sub].enumdef)
        problem("%s.%s: enum table not found (%ld %ld)", g->full_name, name, 0, 0);
      else
        compare_enum(g->subs[a->sub].enumdef, de);
    }
    if (a->type == BP_TYPE_MESSAGE || a->type == BP_TYPE_GROUP) compare_msg(pool, g->subs[a->sub].msg, seen, nseen);
  }
}

static int layout(const bp_dynpool *pool) {
  static const bp_msgdef *const roots[] = {
      &google_protobuf_FileDescriptorSet_msgdef, &google_protobuf_FeatureSetDefaults_msgdef,
      &google_protobuf_GeneratedCodeInfo_msgdef, &sample_Scalars_msgdef, &sample_Repeated_msgdef, &sample_Node_msgdef,
      &sample3_Implicit_msgdef, &layout_ed_Mixed_msgdef, &layout_ed_Leaf_msgdef,
  };
  const bp_msgdef *seen[256];
  size_t nseen = 0;
  for (size_t i = 0; i < sizeof roots / sizeof roots[0]; i++)
    compare_msg(pool, roots[i], seen, &nseen);
  if (problems) return 1;
  printf("%zu message tables agree\n", nseen);
  return 0;
}

typedef struct walk_stats {
  size_t msgs, exts, typed_exts, reordered;
} walk_stats;

static bool check_extensions(const bp_dynpool *pool, const bp_msgdef *t, const void *msg, bp_arena *a,
                             walk_stats *st, int depth);

/* Walks a decoded message: every submessage, and every extension. */
static bool walk(const bp_dynpool *pool, const bp_msgdef *t, const void *msg, bp_arena *a, walk_stats *st,
                 int depth) {
  if (depth > 100) return true;
  st->msgs++;
  if (!check_extensions(pool, t, msg, a, st, depth)) return false;
  for (uint32_t i = 0; i < t->field_count; i++) {
    const bp_field *f = &t->fields[i];
    if (f->type != BP_TYPE_MESSAGE && f->type != BP_TYPE_GROUP) continue;
    const bp_msgdef *sub = t->subs[f->sub].msg;
    if (f->flags & BP_F_REPEATED) {
      const bp_array *arr = bp_msg_array(msg, f);
      for (uint32_t k = 0; k < arr->size; k++)
        if (!walk(pool, sub, ((void *const *)arr->data)[k], a, st, depth + 1)) return false;
    } else if (bp_msg_has(msg, f)) {
      if (!walk(pool, sub, bp_msg_get(msg, f).msg, a, st, depth + 1)) return false;
    }
  }
  return true;
}

/* Each raw extension entry, decoded through its carrier and encoded again,
 * gives the same bytes. */
static bool check_extensions(const bp_dynpool *pool, const bp_msgdef *t, const void *msg, bp_arena *a,
                             walk_stats *st, int depth) {
  size_t n;
  const bp_ext *list = bp_ext_list(msg, &n);
  for (size_t i = 0; i < n; i++) {
    st->exts++;
    if (list[i].kind != BP_EXT_RAW) continue;
    const bp_extdef *e = bp_dynpool_ext_by_number(pool, t, list[i].number);
    if (!e) continue;
    const bp_msgdef *carrier = bp_dynpool_ext_carrier(pool, e);
    void *c = bp_msg_new(carrier, a);
    bp_str raw = list[i].u.raw, out;
    if (bp_decode(carrier, c, raw.data, raw.size, a, NULL) != BP_OK) {
      fprintf(stderr, "%s: extension %s does not decode\n", t->full_name, e->full_name);
      return false;
    }
    if (bp_encode(carrier, c, a, NULL, &out) != BP_OK) {
      fprintf(stderr, "%s: extension %s does not encode\n", t->full_name, e->full_name);
      return false;
    }
    if (!bp_str_eq(raw, out)) {
      /* Go (so buf) writes oneof members after the other fields, bp_encode
       * by number: the bytes must then be as many, and read back the same. */
      void *c2 = bp_msg_new(carrier, a);
      bp_str out2;
      if (out.size != raw.size || bp_decode(carrier, c2, out.data, out.size, a, NULL) != BP_OK ||
          bp_encode(carrier, c2, a, NULL, &out2) != BP_OK || !bp_str_eq(out, out2)) {
        fprintf(stderr, "%s: extension %s encodes differently\n", t->full_name, e->full_name);
        return false;
      }
      st->reordered++;
    }
    if (bp_unknown(c).size) {
      fprintf(stderr, "%s: extension %s has fields of the wrong wire type\n", t->full_name, e->full_name);
      return false;
    }
    st->typed_exts++;
    if ((e->type == BP_TYPE_MESSAGE || e->type == BP_TYPE_GROUP) && !(e->flags & BP_F_REPEATED)) {
      const bp_field *f = &carrier->fields[0];
      if (!walk(pool, e->sub.msg, bp_msg_get(c, f).msg, a, st, depth + 1)) return false;
    }
  }
  return true;
}

static int roundtrip(const bp_dynpool *pool, const char *data, size_t size, bp_arena *a) {
  const bp_msgdef *t = bp_dynpool_msgdef(pool, bp_str_c("google.protobuf.FileDescriptorSet"));
  if (!t) {
    fprintf(stderr, "the set does not hold descriptor.proto\n");
    return 1;
  }
  void *msg = bp_msg_new(t, a);
  bp_status s = bp_decode(t, msg, data, size, a, NULL);
  if (s != BP_OK) {
    fprintf(stderr, "dynamic decode: %s\n", bp_status_text(s));
    return 1;
  }
  bp_str out;
  if ((s = bp_encode(t, msg, a, NULL, &out)) != BP_OK) {
    fprintf(stderr, "dynamic encode: %s\n", bp_status_text(s));
    return 1;
  }
  if (out.size != size || memcmp(out.data, data, size) != 0) {
    fprintf(stderr, "dynamic round trip differs: %zu bytes in, %zu out\n", size, out.size);
    return 1;
  }
  if (bp_encoded_size(t, msg) != size) {
    fprintf(stderr, "dynamic size: %zu, encoded %zu\n", bp_encoded_size(t, msg), size);
    return 1;
  }
  google_protobuf_FileDescriptorSet *g = google_protobuf_FileDescriptorSet_new(a);
  bp_str gout;
  if (bp_decode(&google_protobuf_FileDescriptorSet_msgdef, g, data, size, a, NULL) != BP_OK ||
      bp_encode(&google_protobuf_FileDescriptorSet_msgdef, g, a, NULL, &gout) != BP_OK || !bp_str_eq(gout, out)) {
    fprintf(stderr, "the generated table gives other bytes\n");
    return 1;
  }
  walk_stats st = {0, 0, 0, 0};
  if (!walk(pool, t, msg, a, &st, 0)) return 1;
  printf("%zu bytes, %zu messages, %zu extensions (%zu typed, %zu with oneofs reordered) agree\n", size, st.msgs,
         st.exts, st.typed_exts, st.reordered);
  return 0;
}

static int reencode(const bp_dynpool *pool, const char *type, const char *path, bp_arena *a) {
  const bp_msgdef *t = bp_dynpool_msgdef(pool, bp_str_c(type));
  size_t size;
  char *data = read_file(path, &size);
  if (!t || !data) {
    fprintf(stderr, "no type %s, or no data\n", type);
    free(data);
    return 1;
  }
  void *msg = bp_msg_new(t, a);
  bp_str out;
  bp_status s = bp_decode(t, msg, data, size, a, NULL);
  if (s == BP_OK) s = bp_encode(t, msg, a, NULL, &out);
  free(data);
  if (s != BP_OK) {
    fprintf(stderr, "%s\n", bp_status_text(s));
    return 1;
  }
  fwrite(out.data, 1, out.size, stdout);
  return 0;
}

/* JSON out of binary (to_json) or binary out of JSON, through the pool. */
static int json(const bp_dynpool *pool, const char *type, const char *path, bool to_json, bp_arena *a) {
  const bp_msgdef *t = bp_dynpool_msgdef(pool, bp_str_c(type));
  size_t size;
  char *data = read_file(path, &size);
  if (!t || !data) {
    fprintf(stderr, "no type %s, or no data\n", type);
    free(data);
    return 1;
  }
  void *msg = bp_msg_new(t, a);
  bp_json_options jo;
  memset(&jo, 0, sizeof jo);
  jo.registry = bp_dynpool_registry(pool);
  bp_decode_options dopt;
  memset(&dopt, 0, sizeof dopt);
  dopt.registry = jo.registry;
  bp_json_error jerr;
  memset(&jerr, 0, sizeof jerr);
  bp_str out;
  bp_status s = to_json ? bp_decode(t, msg, data, size, a, &dopt) : bp_json_decode(t, msg, data, size, a, &jo, &jerr);
  if (s == BP_OK) s = to_json ? bp_json_encode(t, msg, a, &jo, &out, &jerr) : bp_encode(t, msg, a, NULL, &out);
  free(data);
  if (s != BP_OK) {
    fprintf(stderr, "%s %s\n", bp_status_text(s), jerr.message);
    return 1;
  }
  fwrite(out.data, 1, out.size, stdout);
  return 0;
}

int main(int argc, char **argv) {
  bool ok_args = argc == 3 || (argc == 4 && strcmp(argv[1], "roundtrip") == 0) ||
                 (argc == 5 && (strcmp(argv[1], "reencode") == 0 || strcmp(argv[1], "json") == 0 ||
                                strcmp(argv[1], "fromjson") == 0));
  if (!ok_args) {
    fprintf(stderr, "usage: dyn-test layout|roundtrip|check FDS | roundtrip DATA FDS | reencode FDS TYPE DATA\n");
    return 2;
  }
  size_t size;
  const char *schema = argc == 4 ? argv[3] : argv[2];
  char *data = read_file(schema, &size);
  if (!data) return 1;
  bp_arena a;
  bp_arena_init(&a);
  char err[512];
  bp_dynpool *pool = bp_dynpool_new(data, size, &a, err, sizeof err);
  int rc;
  if (!pool) {
    printf("%s\n", err);
    rc = 1;
  } else if (strcmp(argv[1], "layout") == 0) {
    rc = layout(pool);
  } else if (strcmp(argv[1], "roundtrip") == 0 && argc == 4) {
    size_t dsize;
    char *d = read_file(argv[2], &dsize);
    rc = d ? roundtrip(pool, d, dsize, &a) : 1;
    free(d);
  } else if (strcmp(argv[1], "roundtrip") == 0) {
    rc = roundtrip(pool, data, size, &a);
  } else if (strcmp(argv[1], "reencode") == 0) {
    rc = reencode(pool, argv[3], argv[4], &a);
  } else if (strcmp(argv[1], "json") == 0 || strcmp(argv[1], "fromjson") == 0) {
    rc = json(pool, argv[3], argv[4], strcmp(argv[1], "json") == 0, &a);
  } else {
    printf("ok\n");
    rc = 0;
  }
  bp_arena_free(&a);
  free(data);
  return rc;
}
