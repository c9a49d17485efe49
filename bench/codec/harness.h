/* The codec benchmark's harness, shared by the programs for buoy (C),
 * C++ protobuf and protobuf-c: it reads a benchmarks.BenchmarkDataset file,
 * times an implementation's decode and encode over its payloads, and checks
 * that what it encodes is the payload again. Header-only, C11 and C++.
 *
 * Every program takes the same arguments:
 *   PROG check DATASET OUT       decode and encode every payload (in each
 *                                alias mode: exit 1 when they differ), write
 *                                the encodings to OUT
 *   PROG speed DATASET RUNS MS   for each operation, RUNS runs of at least MS
 *                                milliseconds each; prints one line per
 *                                operation: "RESULT impl op dataset MB/s"
 *                                (median of the runs)
 *   PROG count OP DATASET N      N passes of OP (decode, decode-alias,
 *                                encode) over the payloads, untimed: for
 *                                callgrind, which counts the instructions
 * A pass is the dataset's payloads in order, each decoded (or encoded) once;
 * MB/s counts payload bytes. An operation the implementation cannot do on a
 * dataset prints nothing. */
#ifndef BENCH_HARNESS_H
#define BENCH_HARNESS_H

#if !defined(__cplusplus) && !defined(_POSIX_C_SOURCE)
#define _POSIX_C_SOURCE 200809L /* clock_gettime */
#endif

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define BENCH_MAX_PAYLOADS 1024

typedef struct bench_dataset {
  char name[128];
  char message_name[256];
  size_t count;
  const char *data[BENCH_MAX_PAYLOADS];
  size_t size[BENCH_MAX_PAYLOADS];
  size_t total; /* bytes in all payloads */
  size_t largest;
  char *file; /* the whole file; payloads point into it */
} bench_dataset;

/* What a program supplies. open decodes every payload once (into messages
 * encode then writes) and returns the implementation's state, or NULL when
 * it does not know the message type. */
typedef struct bench_impl {
  const char *name;
  bool has_alias; /* decode-alias is an operation of its own */
  void *(*open)(const bench_dataset *ds, bool alias);
  /* Decodes payload i into fresh memory (what decode made before is freed
   * or reset first). */
  bool (*decode)(void *st, size_t i, bool alias);
  /* Encodes the message open decoded from payload i. */
  bool (*encode)(void *st, size_t i, const char **out, size_t *size);
  void (*close)(void *st);
} bench_impl;

static const char *bench__varint(const char *p, const char *end, uint64_t *v) {
  *v = 0;
  for (unsigned shift = 0; shift < 64 && p < end; shift += 7) {
    uint8_t b = (uint8_t)*p++;
    *v |= (uint64_t)(b & 0x7f) << shift;
    if (b < 0x80) return p;
  }
  return NULL;
}

static void bench__copy_name(char *dst, size_t cap, const char *src, size_t n) {
  if (n >= cap) n = cap - 1;
  memcpy(dst, src, n);
  dst[n] = '\0';
}

/* Reads a BenchmarkDataset (name 1, message_name 2, payload 3). */
static bool bench_load(const char *path, bench_dataset *ds) {
  memset(ds, 0, sizeof *ds);
  FILE *f = fopen(path, "rb");
  if (!f) {
    fprintf(stderr, "cannot open %s\n", path);
    return false;
  }
  size_t cap = 1 << 16, n = 0;
  ds->file = (char *)malloc(cap);
  for (;;) {
    if (!ds->file) break;
    n += fread(ds->file + n, 1, cap - n, f);
    if (n < cap) break;
    cap *= 2;
    ds->file = (char *)realloc(ds->file, cap);
  }
  fclose(f);
  if (!ds->file) return false;
  const char *p = ds->file, *end = ds->file + n;
  while (p < end) {
    uint64_t tag, len;
    if (!(p = bench__varint(p, end, &tag)) || (tag & 7) != 2 || !(p = bench__varint(p, end, &len)) ||
        len > (uint64_t)(end - p)) {
      fprintf(stderr, "%s: not a BenchmarkDataset of length-delimited fields\n", path);
      return false;
    }
    if (tag >> 3 == 1) bench__copy_name(ds->name, sizeof ds->name, p, (size_t)len);
    if (tag >> 3 == 2) bench__copy_name(ds->message_name, sizeof ds->message_name, p, (size_t)len);
    if (tag >> 3 == 3) {
      if (ds->count == BENCH_MAX_PAYLOADS) {
        fprintf(stderr, "%s: more than %d payloads\n", path, BENCH_MAX_PAYLOADS);
        return false;
      }
      ds->data[ds->count] = p;
      ds->size[ds->count++] = (size_t)len;
      ds->total += (size_t)len;
      if (len > ds->largest) ds->largest = (size_t)len;
    }
    p += len;
  }
  if (!ds->count) {
    fprintf(stderr, "%s: no payloads\n", path);
    return false;
  }
  return true;
}

static double bench_now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

typedef enum { BENCH_DECODE, BENCH_DECODE_ALIAS, BENCH_ENCODE } bench_op;
static const char *const bench_op_names[] = {"decode", "decode-alias", "encode"};

static bool bench_pass(const bench_impl *impl, void *st, const bench_dataset *ds, bench_op op) {
  for (size_t i = 0; i < ds->count; i++) {
    const char *out;
    size_t size;
    bool ok = op == BENCH_ENCODE ? impl->encode(st, i, &out, &size) : impl->decode(st, i, op == BENCH_DECODE_ALIAS);
    if (!ok) {
      fprintf(stderr, "%s: %s failed on payload %zu of %s\n", impl->name, bench_op_names[op], i, ds->name);
      return false;
    }
  }
  return true;
}

static int bench__cmp_double(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return x < y ? -1 : x > y;
}

/* The median MB/s of runs runs of at least ms milliseconds; < 0 on error. */
static double bench_speed(const bench_impl *impl, void *st, const bench_dataset *ds, bench_op op, int runs, int ms) {
  double rates[64];
  if (runs > 64) runs = 64;
  if (!bench_pass(impl, st, ds, op)) return -1; /* warm up */
  for (int r = 0; r < runs; r++) {
    double start = bench_now(), elapsed;
    size_t passes = 0;
    do {
      if (!bench_pass(impl, st, ds, op)) return -1;
      passes++;
      elapsed = bench_now() - start;
    } while (elapsed * 1000 < ms);
    rates[r] = (double)ds->total * (double)passes / elapsed / 1e6;
  }
  qsort(rates, (size_t)runs, sizeof rates[0], bench__cmp_double);
  return runs % 2 ? rates[runs / 2] : (rates[runs / 2 - 1] + rates[runs / 2]) / 2;
}

/* Decodes and encodes every payload in each alias mode; the modes must give
 * the same bytes, which are written to out_path, for codec.sh to compare
 * with the other implementations' (not with the payload: proto3 drops the
 * zero values a payload may hold). */
static bool bench_check(const bench_impl *impl, const bench_dataset *ds, const char *out_path) {
  size_t cap = 2 * ds->total + 64, used = 0, at = 0;
  char *first = (char *)malloc(cap); /* the encodings after a copying decode */
  if (!first) return false;
  bool ok = true, known = true;
  for (int alias = 0; ok && alias <= (impl->has_alias ? 1 : 0); alias++) {
    void *st = impl->open(ds, alias != 0);
    if (!st) {
      known = false; /* not a type this implementation was built with */
      break;
    }
    for (size_t i = 0; ok && i < ds->count; i++) {
      const char *enc;
      size_t size;
      if (!impl->decode(st, i, alias != 0) || !impl->encode(st, i, &enc, &size)) {
        fprintf(stderr, "%s: cannot decode and encode payload %zu of %s\n", impl->name, i, ds->name);
        ok = false;
      } else if (alias == 0) {
        if (size > cap - used) {
          fprintf(stderr, "%s: payload %zu of %s grows to %zu bytes\n", impl->name, i, ds->name, size);
          ok = false;
        } else {
          memcpy(first + used, enc, size);
          used += size;
        }
      } else if (size > used - at || memcmp(first + at, enc, size) != 0) {
        fprintf(stderr, "%s: payload %zu of %s encodes to other bytes after an aliasing decode\n", impl->name, i,
                ds->name);
        ok = false;
      } else {
        at += size;
      }
    }
    impl->close(st);
  }
  if (ok && known) {
    FILE *out = fopen(out_path, "wb");
    if (!out || fwrite(first, 1, used, out) != used || fclose(out) != 0) {
      fprintf(stderr, "cannot write %s\n", out_path);
      ok = false;
    }
  }
  free(first);
  return ok;
}

static int bench_usage(void) {
  fprintf(stderr, "usage: PROG check DATASET OUT | speed DATASET RUNS MS | count OP DATASET N\n");
  return 2;
}

static int bench_main(int argc, char **argv, const bench_impl *impl) {
  static bench_dataset ds; /* large; one per process */
  if (argc < 3) return bench_usage();
  const char *mode = argv[1];
  bool count = strcmp(mode, "count") == 0;
  if (count && argc != 5) return bench_usage();
  if (!bench_load(argv[count ? 3 : 2], &ds)) return 1;
  if (strcmp(mode, "check") == 0) return argc == 4 && bench_check(impl, &ds, argv[3]) ? 0 : 1;
  if (count) {
    int op = -1;
    for (int i = 0; i < 3; i++)
      if (strcmp(argv[2], bench_op_names[i]) == 0) op = i;
    if (op < 0 || (op == BENCH_DECODE_ALIAS && !impl->has_alias)) return bench_usage();
    void *st = impl->open(&ds, op == BENCH_DECODE_ALIAS);
    if (!st) {
      fprintf(stderr, "%s: no message type %s\n", impl->name, ds.message_name);
      return 1;
    }
    long n = atol(argv[4]);
    for (long i = 0; i < n; i++)
      if (!bench_pass(impl, st, &ds, (bench_op)op)) return 1;
    impl->close(st);
    return 0;
  }
  if (strcmp(mode, "speed") != 0 || argc != 5) return bench_usage();
  int runs = atoi(argv[3]), ms = atoi(argv[4]);
  if (runs < 1 || ms < 1) return bench_usage();
  for (int op = 0; op < 3; op++) {
    if (op == BENCH_DECODE_ALIAS && !impl->has_alias) continue;
    void *st = impl->open(&ds, op == BENCH_DECODE_ALIAS);
    if (!st) return 0;
    double mbps = bench_speed(impl, st, &ds, (bench_op)op, runs, ms);
    impl->close(st);
    if (mbps < 0) return 1;
    printf("RESULT %s %s %s %.1f\n", impl->name, bench_op_names[op], ds.name, mbps);
  }
  return 0;
}

#endif
