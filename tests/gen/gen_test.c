/* Tests of the bindings buoy generates for testdata/gen (built by
 * tests/meson.build with the freshly built buoy): editions features as the
 * tables encode them (presence, packing, delimited messages, UTF-8 checks,
 * closed enums, defaults), the names chosen for colliding identifiers,
 * service, extension, enum and file tables, and the well-known types in
 * runtime/gen. Prints failures and ends with "N checks, M failed"; exits 1
 * on failure. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "editions.pb.h"
#include "editions2024.pb.h"
#include "ext.pb.h"
#include "google/protobuf/struct.pb.h"
#include "google/protobuf/timestamp.pb.h"
#include "google/protobuf/type.pb.h"
#include "maps.pb.h"
#include "maps2.pb.h"
#include "names.pb.h"
#include "nopkg.pb.h"
#include "pb/pb.h"
#include "services.pb.h"

static int checks, failures;

#define CHECK(c)                                                                                                       \
  do {                                                                                                                 \
    checks++;                                                                                                          \
    if (!(c)) {                                                                                                        \
      failures++;                                                                                                      \
      fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #c);                                            \
    }                                                                                                                  \
  } while (0)

static void check_bytes(int line, const char *data, size_t size, const char *want, size_t n) {
  checks++;
  if (data && size == n && (n == 0 || memcmp(data, want, n) == 0)) return;
  failures++;
  fprintf(stderr, "%s:%d: bytes differ\n  want:", __FILE__, line);
  for (size_t i = 0; i < n; i++)
    fprintf(stderr, " %02x", (unsigned char)want[i]);
  fprintf(stderr, "\n  got: ");
  for (size_t i = 0; data && i < size; i++)
    fprintf(stderr, " %02x", (unsigned char)data[i]);
  fprintf(stderr, "\n");
}
#define CHECK_BYTES(data, size, lit) check_bytes(__LINE__, (data), (size), (lit), sizeof(lit) - 1)

static const bp_field *field(const bp_msgdef *t, uint32_t number) { return bp_msgdef_field(t, number); }

/* Edition 2023 features, as encoded and decoded through the tables. */
static void test_editions(bp_arena *a) {
  ed_Fields *m = ed_Fields_new(a);
  CHECK(!ed_Fields_has_explicit_int(m));
  ed_Fields_set_explicit_int(m, 0); /* explicit: written although zero */
  ed_Fields_set_implicit_int(m, 0); /* implicit: zero is not written */
  ed_Fields_set_required_int(m, 5);
  CHECK(ed_Fields_add_packed_ints(m, 1, a) && ed_Fields_add_packed_ints(m, 2, a));
  CHECK(ed_Fields_add_expanded_ints(m, 3, a) && ed_Fields_add_expanded_ints(m, 4, a));
  ed_Inner_set_v(ed_Fields_mutable_delimited(m, a), 1);
  ed_Inner_set_v(ed_Fields_mutable_prefixed(m, a), 2);
  ed_Inner_set_v(ed_Fields_add_delimited_list(m, a), 3);
  size_t n = 0;
  const char *out = ed_Fields_encode(m, a, &n);
  CHECK_BYTES(out, n,
              "\x08\x00"
              "\x18\x05"
              "\x22\x02\x01\x02"
              "\x28\x03\x28\x04"
              "\x43\x08\x01\x44"
              "\x4a\x02\x08\x02"
              "\x53\x08\x03\x54");
  ed_Fields *back = ed_Fields_decode(out, n, a);
  CHECK(back && ed_Fields_has_explicit_int(back) && ed_Fields_required_int(back) == 5);
  CHECK(back && ed_Fields_delimited(back) && ed_Inner_v(ed_Fields_delimited(back)) == 1);
  /* a delimited oneof member */
  ed_Fields *o = ed_Fields_new(a);
  ed_Inner_set_v(ed_Fields_mutable_nested(o, a), 7);
  out = ed_Fields_encode(o, a, &n);
  CHECK_BYTES(out, n, "\x7b\x08\x07\x7c");
  CHECK(ed_Fields_choice_case(o) == 15);
  /* defaults */
  CHECK(isnan(ed_Fields_ratio(m)));
  CHECK(ed_Fields_shut(m) == ed_SHUT_TWO);
  bp_str blob = ed_Fields_blob(m);
  CHECK(blob.size == 3 && memcmp(blob.data, "a\0b", 3) == 0);
  /* closed enum: an undefined number is kept as an unknown field */
  ed_Fields *c = ed_Fields_decode("\x60\x07\x60\x01", 4, a);
  CHECK(c && ed_Fields_has_shut(c) && ed_Fields_shut(c) == ed_SHUT_ONE);
  bp_str unknown = c ? bp_unknown(c) : bp_str_make(NULL, 0);
  CHECK_BYTES(unknown.data, unknown.size, "\x60\x07");
  /* open enum: any number */
  ed_Fields *op = ed_Fields_decode("\x58\x09", 2, a);
  CHECK(op && ed_Fields_open(op) == 9);
  /* UTF-8: checked unless utf8_validation = NONE */
  CHECK(ed_Fields_decode("\x32\x01\xff", 3, a) == NULL);
  CHECK(ed_Fields_decode("\x3a\x01\xff", 3, a) != NULL);
  /* tables */
  CHECK(field(&ed_Fields_msgdef, 3)->flags & BP_F_REQUIRED);
  CHECK(field(&ed_Fields_msgdef, 8)->type == BP_TYPE_GROUP);
  CHECK(field(&ed_Fields_msgdef, 9)->type == BP_TYPE_MESSAGE);
  CHECK(field(&ed_Fields_msgdef, 13)->flags == (BP_F_REPEATED | BP_F_MAP));
  CHECK(field(&ed_Fields_msgdef, 12)->flags & BP_F_CLOSED);
  CHECK(!(field(&ed_Fields_msgdef, 11)->flags & BP_F_CLOSED));
  CHECK(ed_ext_delimited_ext.type == BP_TYPE_GROUP && ed_ext_delimited_ext.extendee == &ed_Fields_msgdef);
  CHECK(ed_ext_packed_ext.flags == (BP_F_REPEATED | BP_F_PACKED));
}

static void test_editions2024(bp_arena *a) {
  ed24_Record *r = ed24_Record_new(a);
  ed24_Record_set_count(r, 0);
  ed24_Record_set_tracked(r, 0);
  ed24_Record_set_label(r, bp_str_c("x"));
  CHECK(ed24_Record_has_tracked(r));
  size_t n = 0;
  const char *out = ed24_Record_encode(r, a, &n);
  CHECK_BYTES(out, n, "\x12\x01x\x28\x00");
  CHECK(field(&ed24_Record_msgdef, 6)->flags == (BP_F_REPEATED | BP_F_PACKED | BP_F_CLOSED));
  CHECK(field(&ed24_Record_msgdef, 2)->flags == BP_F_UTF8);
}

/* Fields, messages and values whose names collide get the documented
 * suffixes, and each still reaches its own field. */
static void test_names(bp_arena *a) {
  names_Thing *t = names_Thing_new(a);
  names_Thing_set_new_(t, 1);
  names_Thing_set_x(t, 4);
  names_Thing_set_has_x_(t, 5);
  names_Thing_set_set_x_(t, 6);
  names_Thing_set_int(t, 14);
  names_Thing_set_default(t, true);
  names_Thing_set_bp_aux_(t, 17);
  names_Thing_set__Big(t, 19);
  names_Thing_set_class(t, 22);
  CHECK(names_Thing_has_x(t) && names_Thing_x(t) == 4 && names_Thing_has_x_(t) == 5);
  CHECK(names_Thing_has_has_x_(t) && names_Thing_set_x_(t) == 6);
  CHECK(t->new_ == 1 && t->int_ == 14 && t->default_ && t->bp_aux__ == 17 && t->x_Big == 19);
  CHECK(names_Thing_union_case(t) == 22 && t->union_.class_ == 22);
  CHECK(names_Thing_kind_case(t) == 0);
  names_Thing_set_kind_case_(t, 13);
  CHECK(names_Thing_kind_case(t) == 0 && names_Thing_kind_case_(t) == 13);
  names_Thing_set_a(t, 11);
  CHECK(names_Thing_kind_case(t) == 11 && t->kind_.a == 11);
  CHECK(names_Thing_add_m_get_(t, 9, a));
  names_Thing_set_m_size_(t, 8);
  CHECK(names_Thing_m_size_(t) == 8);
  size_t n = 0;
  names_Thing *u = names_Thing_new(a);
  names_Thing_set_new_(u, 1);
  names_Thing_set_x(u, 4);
  names_Thing_set_has_x_(u, 5);
  const char *out = names_Thing_encode(u, a, &n);
  CHECK_BYTES(out, n, "\x08\x01\x20\x04\x28\x05");
  names_Thing *back = names_Thing_decode(out, n, a);
  CHECK(back && names_Thing_new_(back) == 1 && names_Thing_has_x_(back) == 5);
  /* foo.bar_baz and foo_bar.baz */
  CHECK(strcmp(names_Foo_bar_baz_msgdef.full_name, "names.Foo.bar_baz") == 0);
  CHECK(strcmp(names_Foo_bar_baz__msgdef.full_name, "names.Foo_bar.baz") == 0);
  names_Foo *f = names_Foo_new(a);
  names_Foo_bar_baz_set_v(names_Foo_mutable_one(f, a), 3);
  names_Foo_bar *fb = names_Foo_bar_new(a);
  names_Foo_bar_baz__set_w(names_Foo_bar_mutable_two(fb, a), 4);
  CHECK(names_Foo_bar_baz_v(names_Foo_one(f)) == 3 && names_Foo_bar_baz__w(names_Foo_bar_two(fb)) == 4);
  /* a nested message named new moves the functions of its parent */
  names_Kind *k = names_Kind__new(a);
  names_Kind_new *kn = names_Kind__mutable_made(k, a);
  names_Kind_new_set_n(kn, 2);
  CHECK(k && names_Kind_new_n(names_Kind__made(k)) == 2 && names_Kind_new_new(a) != NULL);
  /* enum values named like a message and a table */
  CHECK(names_Foo_bar_ == 0 && names_Foo_baz == 1 && names_Thing_msgdef_ == 1);
  names_Shade *s = names_Shade_new(a);
  CHECK(names_Shade_c(s) == names_Thing_msgdef_ && names_Shade_p(s) == names_Foo_bar_);
  /* an extension named like a function of its extendee's scope */
  CHECK(names_Thing_new_ext.number == 100 && names_Thing_new_ext.extendee == &names_Thing_msgdef);
  CHECK(names_bar_baz_ext_ext.extendee == &names_Foo_msgdef);
  CHECK(strcmp(names_Thing_servicedef_Ping_methoddef->path, "/names.Thing_servicedef/Ping") == 0);
  CHECK(strcmp(names__Hidden_msgdef.full_name, "names._Hidden") == 0);
  /* no package: names of the standard headers and of the runtime */
  int32_t_ *i = int32_t__new(a);
  int32_t__set_v(i, 3);
  main_ *mn = main__new(a);
  main__set_t(mn, i);
  xbp_str *bs = xbp_str_new(a);
  xbp_str_set_data(bs, bp_str_c("d"));
  CHECK(int32_t__v(main__t(mn)) == 3 && xbp_str_data(bs).size == 1);
  CHECK(INFINITY_ == 0 && memcpy_ == 1);
  strlen_ *sl = strlen__new(a);
  strlen__set_n(sl, memcpy_);
  CHECK(strlen__n(sl) == 1 && strcmp(strlen__msgdef.full_name, "strlen") == 0);
  CHECK(NULL__enumdef.count == 2);
}

static void test_services(void) {
  const bp_servicedef *s = &svc_v1_Library_servicedef;
  CHECK(strcmp(s->full_name, "svc.v1.Library") == 0 && s->method_count == 4 && s->methods == svc_v1_Library_methods);
  const bp_methoddef *get = svc_v1_Library_GetBook_methoddef, *list = svc_v1_Library_ListBooks_methoddef;
  const bp_methoddef *add = svc_v1_Library_AddBooks_methoddef, *chat = svc_v1_Library_Chat_methoddef;
  CHECK(strcmp(get->name, "GetBook") == 0 && strcmp(get->path, "/svc.v1.Library/GetBook") == 0);
  CHECK(get->input == &svc_v1_GetRequest_msgdef && get->output == &svc_v1_Book_msgdef && get->flags == 0);
  CHECK(list->input == &google_protobuf_Empty_msgdef && list->flags == BP_METHOD_SERVER_STREAMING);
  CHECK(add->output == &google_protobuf_Empty_msgdef && add->flags == BP_METHOD_CLIENT_STREAMING);
  CHECK(chat->flags == (BP_METHOD_CLIENT_STREAMING | BP_METHOD_SERVER_STREAMING));
  CHECK(svc_v1_Empty_servicedef.method_count == 0 && svc_v1_Empty_servicedef.methods == NULL);
}

/* File tables: every message (nested ones and map entries), enum,
 * extension, service and import. */
static void test_files(void) {
  const bp_filedef *f = &services_pb_filedef;
  CHECK(strcmp(f->name, "services.proto") == 0 && strcmp(f->package, "svc.v1") == 0);
  CHECK(f->msg_count == 2 && f->service_count == 2 && f->services[0] == &svc_v1_Library_servicedef);
  CHECK(f->dep_count == 1 && f->deps[0] == &google_protobuf_empty_pb_filedef);
  const bp_filedef *m = &maps_pb_filedef;
  CHECK(m->msg_count == 18 && m->enum_count == 1 && m->enums[0] == &maps_Level_enumdef && m->dep_count == 0);
  uint32_t entries = 0;
  for (uint32_t i = 0; i < m->msg_count; i++)
    if (m->msgs[i]->flags & BP_MSG_MAP_ENTRY) {
      entries++;
      CHECK(m->msgs[i]->field_count == 2 && m->msgs[i]->fields[0].presence == 0);
    }
  CHECK(entries == 16);
  CHECK(m->msgs[0] == &maps_Item_msgdef && m->msgs[1] == &maps_Item_ChildrenEntry_msgdef);
  const bp_filedef *x = &ext_pb_filedef;
  CHECK(x->ext_count == 18 && x->exts[0] == &ext_e_int32_ext && x->dep_count == 1);
  CHECK(x->deps[0] == &google_protobuf_descriptor_pb_filedef);
  CHECK(strcmp(x->deps[0]->name, "google/protobuf/descriptor.proto") == 0);
  CHECK(google_protobuf_type_pb_filedef.dep_count == 2);
  CHECK(google_protobuf_struct_pb_filedef.msg_count == 4 && google_protobuf_struct_pb_filedef.enum_count == 1);
  CHECK(names_pb_filedef.service_count == 1 && nopkg_pb_filedef.package[0] == 0);
  /* open enums have tables too (JSON needs their names) */
  CHECK(maps_Level_enumdef.count == 3 && strcmp(maps_Level_enumdef.names[2], "LEVEL_HIGH") == 0);
  CHECK(strcmp(maps_Level_enumdef.full_name, "maps.Level") == 0);
}

static void test_extension_tables(void) {
  CHECK(ext_e_int32_ext.number == 100 && ext_e_int32_ext.type == BP_TYPE_INT32 && ext_e_int32_ext.flags == 0);
  CHECK(ext_e_int32_ext.extendee == &ext_Base_msgdef && strcmp(ext_e_int32_ext.full_name, "ext.e_int32") == 0);
  CHECK(ext_e_tone_ext.sub.enumdef == &ext_Tone_enumdef && (ext_e_tone_ext.flags & BP_F_CLOSED));
  CHECK(ext_e_payload_ext.sub.msg == &ext_Payload_msgdef && ext_e_payload_ext.type == BP_TYPE_MESSAGE);
  CHECK(ext_e_packed_ext.flags == (BP_F_REPEATED | BP_F_PACKED) && ext_e_ints_ext.flags == BP_F_REPEATED);
  CHECK(ext_egroup_ext.type == BP_TYPE_GROUP && ext_egroup_ext.sub.msg == &ext_EGroup_msgdef);
  CHECK(strcmp(ext_Scope_back_ext.full_name, "ext.Scope.back") == 0 && ext_Scope_back_ext.sub.msg == &ext_Scope_msgdef);
  CHECK(ext_Scope_tones_ext.flags == (BP_F_REPEATED | BP_F_CLOSED));
  CHECK(ext_ext_label_ext.extendee == &google_protobuf_FieldOptions_msgdef && ext_ext_label_ext.number == 51234);
  CHECK(ext_e_uint64_ext.number == 1000);
  /* extensions arrive in the extension set and are written back */
  ext_Base *b = NULL;
  bp_arena arena;
  bp_arena_init(&arena);
  b = ext_Base_decode("\x08\x01\xa0\x06\x05", 5, &arena);
  size_t n = 0;
  const bp_ext *list = b ? bp_ext_list(b, &n) : NULL;
  CHECK(b && n == 1 && list[0].number == 100);
  bp_arena_free(&arena);
}

static void test_wkt(bp_arena *a) {
  google_protobuf_Timestamp *ts = google_protobuf_Timestamp_new(a);
  google_protobuf_Timestamp_set_seconds(ts, 1);
  google_protobuf_Timestamp_set_nanos(ts, 2);
  size_t n = 0;
  const char *out = google_protobuf_Timestamp_encode(ts, a, &n);
  CHECK_BYTES(out, n, "\x08\x01\x10\x02");
  CHECK(google_protobuf_Struct_FieldsEntry_msgdef.flags == BP_MSG_MAP_ENTRY);
  CHECK(field(&google_protobuf_Struct_msgdef, 1)->flags == (BP_F_REPEATED | BP_F_MAP));
  google_protobuf_Value *v = google_protobuf_Value_new(a);
  google_protobuf_Value_set_string_value(v, bp_str_c("s"));
  CHECK(google_protobuf_Value_kind_case(v) == 3);
}

int main(void) {
  bp_arena a;
  bp_arena_init(&a);
  test_editions(&a);
  test_editions2024(&a);
  test_names(&a);
  test_services();
  test_files();
  test_extension_tables();
  test_wkt(&a);
  bp_arena_free(&a);
  printf("%d checks, %d failed\n", checks, failures);
  return failures ? 1 : 0;
}
