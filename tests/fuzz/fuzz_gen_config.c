/* libFuzzer target: arbitrary bytes as a buf.gen.yaml template
 * (src/module/gen_config.c); a template that decodes drives managed mode
 * (src/gen/managed.c) over a small file with options, a 64-bit field and
 * source info. Decoding either succeeds or reports an error; managed mode
 * must leave a descriptor that still encodes. Any crash, leak, sanitizer
 * report or abort is a bug. */
#include <stdint.h>
#include <stdlib.h>

#include "base/source.h"
#include "gen/managed.h"
#include "module/gen_config.h"
#include "pb/wire.h"

static void check(bool ok) {
  if (!ok) abort();
}

static void add_location(google_protobuf_SourceCodeInfo *sci, const int32_t *path, size_t n, bp_arena *a) {
  google_protobuf_SourceCodeInfo_Location *l = google_protobuf_SourceCodeInfo_add_location(sci, a);
  check(l != NULL);
  for (size_t i = 0; i < n; i++)
    check(google_protobuf_SourceCodeInfo_Location_add_path(l, path[i], a));
}

static google_protobuf_FileDescriptorProto *sample_file(bp_arena *a) {
  google_protobuf_FileDescriptorProto *f = google_protobuf_FileDescriptorProto_new(a);
  check(f != NULL);
  google_protobuf_FileDescriptorProto_set_name(f, bp_str_c("acme/weather/v1/weather.proto"));
  google_protobuf_FileDescriptorProto_set_package(f, bp_str_c("acme.weather.v1"));
  google_protobuf_FileOptions *o = google_protobuf_FileDescriptorProto_mutable_options(f, a);
  check(o != NULL);
  google_protobuf_FileOptions_set_java_package(o, bp_str_c("x.y"));
  google_protobuf_DescriptorProto *m = google_protobuf_FileDescriptorProto_add_message_type(f, a);
  check(m != NULL);
  google_protobuf_DescriptorProto_set_name(m, bp_str_c("Reading"));
  google_protobuf_FieldDescriptorProto *fd = google_protobuf_DescriptorProto_add_field(m, a);
  check(fd != NULL);
  google_protobuf_FieldDescriptorProto_set_name(fd, bp_str_c("id"));
  google_protobuf_FieldDescriptorProto_set_type(fd, google_protobuf_FieldDescriptorProto_TYPE_INT64);
  google_protobuf_FieldOptions *fo = google_protobuf_FieldDescriptorProto_mutable_options(fd, a);
  check(fo != NULL);
  google_protobuf_FieldOptions_set_jstype(fo, google_protobuf_FieldOptions_JS_STRING);
  google_protobuf_SourceCodeInfo *sci = google_protobuf_FileDescriptorProto_mutable_source_code_info(f, a);
  check(sci != NULL);
  static const int32_t p0[] = {8}, p1[] = {8, 1}, p2[] = {4, 0, 2, 0}, p3[] = {4, 0, 2, 0, 8},
                       p4[] = {4, 0, 2, 0, 8, 6};
  add_location(sci, p0, 1, a);
  add_location(sci, p1, 2, a);
  add_location(sci, p2, 4, a);
  add_location(sci, p3, 5, a);
  add_location(sci, p4, 6, a);
  return f;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size > 65536) return 0;
  buoy_source src;
  buoy_source_from_memory(&src, "buf.gen.yaml", (const char *)data, size);
  buoy_arena a;
  buoy_arena_init(&a);
  buoy_diags diags;
  buoy_diags_init(&diags);
  bg_config cfg;
  if (bg_decode_gen_yaml(&a, &src, &diags, &cfg)) {
    check(diags.errors == 0);
    bp_arena pa;
    bp_arena_init(&pa);
    const char *modules[] = {NULL, "buf.build/acme/weather"};
    for (int i = 0; i < 2; i++) {
      google_protobuf_FileDescriptorProto *f = sample_file(&pa);
      check(bg_managed_apply(&cfg.managed, f, modules[i], &pa));
      bp_str out;
      check(bp_encode(&google_protobuf_FileDescriptorProto_msgdef, f, &pa, NULL, &out) == BP_OK);
    }
    bp_arena_free(&pa);
  } else {
    check(diags.errors > 0);
  }
  buoy_diags_free(&diags);
  buoy_arena_free(&a);
  buoy_source_free(&src);
  return 0;
}
