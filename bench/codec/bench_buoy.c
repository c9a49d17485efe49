/* The codec benchmark for buoy: generated C (buoy debug gen-c) over
 * runtime/pb. Decoding goes into an arena reset before each message, with
 * and without BP_DECODE_ALIAS; encoding writes into an arena reset before
 * each message. Both arenas start in a 1 MiB buffer, as the C++ program's
 * arenas do. See harness.h for the arguments. */
#include "harness.h"

#include "benchmark_message1_proto2.pb.h"
#include "benchmark_message1_proto3.pb.h"
#include "benchmark_message2.pb.h"
#include "service.pb.h"

#define ARENA_BUFFER (1u << 20)

static const bp_msgdef *const types[] = {
    &benchmarks_proto2_GoogleMessage1_msgdef,
    &benchmarks_proto3_GoogleMessage1_msgdef,
    &benchmarks_proto2_GoogleMessage2_msgdef,
    &bench_service_ListUsersResponse_msgdef,
};

typedef struct state {
  const bench_dataset *ds;
  const bp_msgdef *type;
  bp_decode_options opts;
  bp_arena keep;    /* the messages encode writes */
  bp_arena scratch; /* reset before each decode or encode */
  void *msgs[BENCH_MAX_PAYLOADS];
  char scratch_buf[ARENA_BUFFER];
} state;

static bool decode(void *p, size_t i, bool alias) {
  state *st = p;
  bp_arena_reset(&st->scratch);
  void *m = bp_msg_new(st->type, &st->scratch);
  st->opts.flags = alias ? BP_DECODE_ALIAS : 0;
  return m && bp_decode(st->type, m, st->ds->data[i], st->ds->size[i], &st->scratch, &st->opts) == BP_OK;
}

static bool encode(void *p, size_t i, const char **out, size_t *size) {
  state *st = p;
  bp_arena_reset(&st->scratch);
  bp_str s;
  if (bp_encode(st->type, st->msgs[i], &st->scratch, NULL, &s) != BP_OK) return false;
  *out = s.data;
  *size = s.size;
  return true;
}

static void close_state(void *p) {
  state *st = p;
  bp_arena_free(&st->keep);
  bp_arena_free(&st->scratch);
  free(st);
}

static void *open_state(const bench_dataset *ds, bool alias) {
  const bp_msgdef *type = NULL;
  for (size_t i = 0; i < sizeof types / sizeof types[0]; i++)
    if (strcmp(types[i]->full_name, ds->message_name) == 0) type = types[i];
  if (!type) return NULL;
  state *st = calloc(1, sizeof *st);
  if (!st) return NULL;
  st->ds = ds;
  st->type = type;
  bp_arena_init(&st->keep);
  bp_arena_init_buffer(&st->scratch, st->scratch_buf, sizeof st->scratch_buf);
  bp_decode_options o = {0};
  o.flags = alias ? BP_DECODE_ALIAS : 0;
  for (size_t i = 0; i < ds->count; i++) {
    st->msgs[i] = bp_msg_new(type, &st->keep);
    if (!st->msgs[i] || bp_decode(type, st->msgs[i], ds->data[i], ds->size[i], &st->keep, &o) != BP_OK) {
      fprintf(stderr, "buoy: cannot decode payload %zu of %s\n", i, ds->name);
      exit(1);
    }
  }
  return st;
}

int main(int argc, char **argv) {
  static const bench_impl impl = {"buoy", true, open_state, decode, encode, close_state};
  return bench_main(argc, argv, &impl);
}
