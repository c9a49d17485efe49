/* The codec benchmark for protobuf-c 1.4 (protoc-c --c_out): decoding is
 * protobuf_c_message_unpack with the default allocator (malloc) and
 * protobuf_c_message_free_unpacked of the previous message; encoding is
 * protobuf_c_message_pack into a buffer. google_message2 is not built:
 * protoc-c 1.4 crashes on its groups. See harness.h. */
#include "harness.h"

#include "benchmark_message1_proto2.pb-c.h"
#include "benchmark_message1_proto3.pb-c.h"
#include "service.pb-c.h"

static const ProtobufCMessageDescriptor *const types[] = {
    &benchmarks__proto2__google_message1__descriptor,
    &benchmarks__proto3__google_message1__descriptor,
    &bench__service__list_users_response__descriptor,
};

typedef struct state {
  const bench_dataset *ds;
  const ProtobufCMessageDescriptor *type;
  ProtobufCMessage *last; /* decode's latest message, freed by the next */
  ProtobufCMessage *msgs[BENCH_MAX_PAYLOADS];
  uint8_t *out;
} state;

static bool decode(void *p, size_t i, bool alias) {
  (void)alias;
  state *st = p;
  if (st->last) protobuf_c_message_free_unpacked(st->last, NULL);
  st->last = protobuf_c_message_unpack(st->type, NULL, st->ds->size[i], (const uint8_t *)st->ds->data[i]);
  return st->last != NULL;
}

static bool encode(void *p, size_t i, const char **out, size_t *size) {
  state *st = p;
  *size = protobuf_c_message_pack(st->msgs[i], st->out);
  *out = (const char *)st->out;
  return true;
}

static void close_state(void *p) {
  state *st = p;
  if (st->last) protobuf_c_message_free_unpacked(st->last, NULL);
  for (size_t i = 0; i < st->ds->count; i++)
    protobuf_c_message_free_unpacked(st->msgs[i], NULL);
  free(st->out);
  free(st);
}

static void *open_state(const bench_dataset *ds, bool alias) {
  (void)alias;
  const ProtobufCMessageDescriptor *type = NULL;
  for (size_t i = 0; i < sizeof types / sizeof types[0]; i++)
    if (strcmp(types[i]->name, ds->message_name) == 0) type = types[i];
  if (!type) return NULL;
  state *st = calloc(1, sizeof *st);
  if (!st || !(st->out = malloc(2 * ds->largest + 64))) exit(1);
  st->ds = ds;
  st->type = type;
  for (size_t i = 0; i < ds->count; i++) {
    st->msgs[i] = protobuf_c_message_unpack(type, NULL, ds->size[i], (const uint8_t *)ds->data[i]);
    if (!st->msgs[i]) {
      fprintf(stderr, "protobuf-c: cannot decode payload %zu of %s\n", i, ds->name);
      exit(1);
    }
  }
  return st;
}

int main(int argc, char **argv) {
  static const bench_impl impl = {"protobuf-c", false, open_state, decode, encode, close_state};
  return bench_main(argc, argv, &impl);
}
