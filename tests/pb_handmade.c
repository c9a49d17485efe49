/* Hand-written tables for testdata/pb/handmade.proto (see pb_handmade.h). */
#include "pb_handmade.h"

static const int32_t closed_values[3] = {0, 1, 5};
static const char *const closed_names[3] = {"C0", "C1", "C5"};
const bp_enumdef hm_Closed_enumdef = {"hm.Closed", closed_values, closed_names, 3};

static const bp_fieldname entry_names[2] = {{"key", "key"}, {"value", "value"}};

/* hm.Val */
static const bp_field val_fields[2] = {
    {1, offsetof(hm_Val, n), BP_HASBIT(hm_Val, 0), 0, BP_TYPE_INT32, 0},
    {2, offsetof(hm_Val, s), BP_HASBIT(hm_Val, 1), 0, BP_TYPE_STRING, 0},
};
static const bp_fieldname val_names[2] = {{"n", "n"}, {"s", "s"}};
const bp_msgdef hm_Val_msgdef = {.fields = val_fields,
                                 .full_name = "hm.Val",
                                 .names = val_names,
                                 .size = sizeof(hm_Val),
                                 .field_count = 2,
                                 .dense = 2};

/* map entries */
static const bp_sub val_sub[1] = {{.msg = &hm_Val_msgdef}};
static const bp_sub closed_sub[1] = {{.enumdef = &hm_Closed_enumdef}};
static const bp_sub maps_sub[1] = {{.msg = &hm_Maps_msgdef}};
static const bp_sub req_sub[1] = {{.msg = &hm_Req_msgdef}};

#define ENTRY(NAME, FULL, KTYPE, VTYPE, VFLAGS, SUBS)                                                                  \
  static const bp_field NAME##__fields[2] = {                                                                          \
      {1, offsetof(NAME, key), 0, 0, KTYPE, 0},                                                                        \
      {2, offsetof(NAME, value), 0, 0, VTYPE, VFLAGS},                                                                 \
  };                                                                                                                   \
  const bp_msgdef NAME##_msgdef = {.fields = NAME##__fields,                                                           \
                                   .subs = SUBS,                                                                       \
                                   .full_name = FULL,                                                                  \
                                   .names = entry_names,                                                               \
                                   .size = sizeof(NAME),                                                               \
                                   .field_count = 2,                                                                   \
                                   .dense = 2,                                                                         \
                                   .flags = BP_MSG_MAP_ENTRY};

ENTRY(hm_Maps_StrIntEntry, "hm.Maps.StrIntEntry", BP_TYPE_STRING, BP_TYPE_INT32, 0, NULL)
ENTRY(hm_Maps_IntStrEntry, "hm.Maps.IntStrEntry", BP_TYPE_INT32, BP_TYPE_STRING, 0, NULL)
ENTRY(hm_Maps_I64MsgEntry, "hm.Maps.I64MsgEntry", BP_TYPE_INT64, BP_TYPE_MESSAGE, 0, val_sub)
ENTRY(hm_Maps_U32BytesEntry, "hm.Maps.U32BytesEntry", BP_TYPE_UINT32, BP_TYPE_BYTES, 0, NULL)
ENTRY(hm_Maps_U64DblEntry, "hm.Maps.U64DblEntry", BP_TYPE_UINT64, BP_TYPE_DOUBLE, 0, NULL)
ENTRY(hm_Maps_S32FltEntry, "hm.Maps.S32FltEntry", BP_TYPE_SINT32, BP_TYPE_FLOAT, 0, NULL)
ENTRY(hm_Maps_S64S64Entry, "hm.Maps.S64S64Entry", BP_TYPE_SINT64, BP_TYPE_SINT64, 0, NULL)
ENTRY(hm_Maps_F32F64Entry, "hm.Maps.F32F64Entry", BP_TYPE_FIXED32, BP_TYPE_FIXED64, 0, NULL)
ENTRY(hm_Maps_Sf32Sf64Entry, "hm.Maps.Sf32Sf64Entry", BP_TYPE_SFIXED32, BP_TYPE_SFIXED64, 0, NULL)
ENTRY(hm_Maps_BoolBoolEntry, "hm.Maps.BoolBoolEntry", BP_TYPE_BOOL, BP_TYPE_BOOL, 0, NULL)
ENTRY(hm_Maps_IntEnumEntry, "hm.Maps.IntEnumEntry", BP_TYPE_INT32, BP_TYPE_ENUM, BP_F_CLOSED, closed_sub)
ENTRY(hm_Maps_StrMapsEntry, "hm.Maps.StrMapsEntry", BP_TYPE_STRING, BP_TYPE_MESSAGE, 0, maps_sub)
ENTRY(hm_Req_MEntry, "hm.Req.MEntry", BP_TYPE_INT32, BP_TYPE_MESSAGE, 0, req_sub)

/* hm.Maps */
#define MAPF(N, MEMBER)                                                                                                \
  { N, offsetof(hm_Maps, MEMBER), 0, N - 1, BP_TYPE_MESSAGE, BP_F_REPEATED | BP_F_MAP }
static const bp_field maps_fields[13] = {
    MAPF(1, str_int),
    MAPF(2, int_str),
    MAPF(3, i64_msg),
    MAPF(4, u32_bytes),
    MAPF(5, u64_dbl),
    MAPF(6, s32_flt),
    MAPF(7, s64_s64),
    MAPF(8, f32_f64),
    MAPF(9, sf32_sf64),
    MAPF(10, bool_bool),
    MAPF(11, int_enum),
    MAPF(12, str_maps),
    {13, offsetof(hm_Maps, plain), BP_HASBIT(hm_Maps, 0), 0, BP_TYPE_INT32, 0},
};
static const bp_fieldname maps_names[13] = {
    {"str_int", "strInt"},     {"int_str", "intStr"},     {"i64_msg", "i64Msg"},   {"u32_bytes", "u32Bytes"},
    {"u64_dbl", "u64Dbl"},     {"s32_flt", "s32Flt"},     {"s64_s64", "s64S64"},   {"f32_f64", "f32F64"},
    {"sf32_sf64", "sf32Sf64"}, {"bool_bool", "boolBool"}, {"int_enum", "intEnum"}, {"str_maps", "strMaps"},
    {"plain", "plain"},
};
static const bp_sub maps_subs[12] = {
    {.msg = &hm_Maps_StrIntEntry_msgdef},   {.msg = &hm_Maps_IntStrEntry_msgdef},
    {.msg = &hm_Maps_I64MsgEntry_msgdef},   {.msg = &hm_Maps_U32BytesEntry_msgdef},
    {.msg = &hm_Maps_U64DblEntry_msgdef},   {.msg = &hm_Maps_S32FltEntry_msgdef},
    {.msg = &hm_Maps_S64S64Entry_msgdef},   {.msg = &hm_Maps_F32F64Entry_msgdef},
    {.msg = &hm_Maps_Sf32Sf64Entry_msgdef}, {.msg = &hm_Maps_BoolBoolEntry_msgdef},
    {.msg = &hm_Maps_IntEnumEntry_msgdef},  {.msg = &hm_Maps_StrMapsEntry_msgdef},
};
const bp_msgdef hm_Maps_msgdef = {.fields = maps_fields,
                                  .subs = maps_subs,
                                  .full_name = "hm.Maps",
                                  .names = maps_names,
                                  .size = sizeof(hm_Maps),
                                  .field_count = 13,
                                  .dense = 13};

/* hm.Ext and its extensions */
static const bp_field ext_fields[1] = {{1, offsetof(hm_Ext, a), BP_HASBIT(hm_Ext, 0), 0, BP_TYPE_INT32, 0}};
static const bp_fieldname ext_names[1] = {{"a", "a"}};
static const bp_range ext_ranges[1] = {{100, 200}};
const bp_msgdef hm_Ext_msgdef = {.fields = ext_fields,
                                 .ext_ranges = ext_ranges,
                                 .full_name = "hm.Ext",
                                 .names = ext_names,
                                 .size = sizeof(hm_Ext),
                                 .field_count = 1,
                                 .dense = 1,
                                 .ext_range_count = 1};

const bp_extdef hm_e_int = {&hm_Ext_msgdef, "hm.e_int", {NULL}, 100, BP_TYPE_INT32, 0};
const bp_extdef hm_e_packed = {&hm_Ext_msgdef, "hm.e_packed", {NULL}, 101, BP_TYPE_SINT32, BP_F_REPEATED | BP_F_PACKED};
const bp_extdef hm_e_msg = {&hm_Ext_msgdef, "hm.e_msg", {.msg = &hm_Val_msgdef}, 102, BP_TYPE_MESSAGE, 0};
const bp_extdef hm_e_strs = {&hm_Ext_msgdef, "hm.e_strs", {NULL}, 103, BP_TYPE_STRING, BP_F_REPEATED};
const bp_extdef hm_e_enum = {&hm_Ext_msgdef, "hm.e_enum", {.enumdef = &hm_Closed_enumdef}, 104,
                             BP_TYPE_ENUM,   BP_F_CLOSED};
const bp_extdef hm_e_msgs = {&hm_Ext_msgdef, "hm.e_msgs", {.msg = &hm_Val_msgdef}, 105, BP_TYPE_MESSAGE, BP_F_REPEATED};
const bp_extdef hm_e_enums = {
    &hm_Ext_msgdef, "hm.e_enums", {.enumdef = &hm_Closed_enumdef}, 106, BP_TYPE_ENUM, BP_F_REPEATED | BP_F_CLOSED};

/* hm.Req */
static const bp_field req_fields[6] = {
    {1, offsetof(hm_Req, r), BP_HASBIT(hm_Req, 0), 0, BP_TYPE_INT32, BP_F_REQUIRED},
    {2, offsetof(hm_Req, child), 0, 0, BP_TYPE_MESSAGE, 0},
    {3, offsetof(hm_Req, m), 0, 1, BP_TYPE_MESSAGE, BP_F_REPEATED | BP_F_MAP},
    {4, offsetof(hm_Req, list), 0, 0, BP_TYPE_MESSAGE, BP_F_REPEATED},
    {5, offsetof(hm_Req, pick.num), BP_ONEOF(hm_Req, pick_case), 0, BP_TYPE_INT32, 0},
    {6, offsetof(hm_Req, pick.sub), BP_ONEOF(hm_Req, pick_case), 0, BP_TYPE_MESSAGE, 0},
};
static const bp_fieldname req_names[6] = {{"r", "r"},       {"child", "child"}, {"m", "m"},
                                          {"list", "list"}, {"num", "num"},     {"sub", "sub"}};
static const bp_sub req_subs[2] = {{.msg = &hm_Req_msgdef}, {.msg = &hm_Req_MEntry_msgdef}};
static const bp_range req_ranges[1] = {{10, 21}};
const bp_msgdef hm_Req_msgdef = {.fields = req_fields,
                                 .subs = req_subs,
                                 .ext_ranges = req_ranges,
                                 .full_name = "hm.Req",
                                 .names = req_names,
                                 .size = sizeof(hm_Req),
                                 .field_count = 6,
                                 .dense = 6,
                                 .ext_range_count = 1};
const bp_extdef hm_e_req = {&hm_Req_msgdef, "hm.e_req", {.msg = &hm_Req_msgdef}, 10, BP_TYPE_MESSAGE, 0};

/* the message set and its items */
static const bp_range mset_ranges[1] = {{4, 536870912}};
const bp_msgdef hm_MSet_msgdef = {.ext_ranges = mset_ranges,
                                  .full_name = "hm.MSet",
                                  .size = sizeof(hm_MSet),
                                  .ext_range_count = 1,
                                  .flags = BP_MSG_SET};
static const bp_field itema_fields[1] = {{1, offsetof(hm_ItemA, x), BP_HASBIT(hm_ItemA, 0), 0, BP_TYPE_INT32, 0}};
static const bp_fieldname itema_names[1] = {{"x", "x"}};
const bp_msgdef hm_ItemA_msgdef = {.fields = itema_fields,
                                   .full_name = "hm.ItemA",
                                   .names = itema_names,
                                   .size = sizeof(hm_ItemA),
                                   .field_count = 1,
                                   .dense = 1};
static const bp_field itemb_fields[1] = {{1, offsetof(hm_ItemB, s), BP_HASBIT(hm_ItemB, 0), 0, BP_TYPE_STRING, 0}};
static const bp_fieldname itemb_names[1] = {{"s", "s"}};
const bp_msgdef hm_ItemB_msgdef = {.fields = itemb_fields,
                                   .full_name = "hm.ItemB",
                                   .names = itemb_names,
                                   .size = sizeof(hm_ItemB),
                                   .field_count = 1,
                                   .dense = 1};
const bp_extdef hm_ItemA_ext = {&hm_MSet_msgdef, "hm.ItemA.ext", {.msg = &hm_ItemA_msgdef}, 1000, BP_TYPE_MESSAGE, 0};
const bp_extdef hm_ItemB_ext = {&hm_MSet_msgdef, "hm.ItemB.ext", {.msg = &hm_ItemB_msgdef}, 1001, BP_TYPE_MESSAGE, 0};

static const bp_field holder_fields[2] = {
    {1, offsetof(hm_Holder, set), 0, 0, BP_TYPE_MESSAGE, 0},
    {2, offsetof(hm_Holder, after), BP_HASBIT(hm_Holder, 0), 0, BP_TYPE_INT32, 0},
};
static const bp_fieldname holder_names[2] = {{"set", "set"}, {"after", "after"}};
static const bp_sub holder_subs[1] = {{.msg = &hm_MSet_msgdef}};
const bp_msgdef hm_Holder_msgdef = {.fields = holder_fields,
                                    .subs = holder_subs,
                                    .full_name = "hm.Holder",
                                    .names = holder_names,
                                    .size = sizeof(hm_Holder),
                                    .field_count = 2,
                                    .dense = 2};

/* the file */
static const bp_msgdef *const file_msgs[] = {
    &hm_Val_msgdef,
    &hm_Maps_msgdef,
    &hm_Maps_StrIntEntry_msgdef,
    &hm_Maps_IntStrEntry_msgdef,
    &hm_Maps_I64MsgEntry_msgdef,
    &hm_Maps_U32BytesEntry_msgdef,
    &hm_Maps_U64DblEntry_msgdef,
    &hm_Maps_S32FltEntry_msgdef,
    &hm_Maps_S64S64Entry_msgdef,
    &hm_Maps_F32F64Entry_msgdef,
    &hm_Maps_Sf32Sf64Entry_msgdef,
    &hm_Maps_BoolBoolEntry_msgdef,
    &hm_Maps_IntEnumEntry_msgdef,
    &hm_Maps_StrMapsEntry_msgdef,
    &hm_Ext_msgdef,
    &hm_Req_msgdef,
    &hm_Req_MEntry_msgdef,
    &hm_MSet_msgdef,
    &hm_ItemA_msgdef,
    &hm_ItemB_msgdef,
    &hm_Holder_msgdef,
};
static const bp_enumdef *const file_enums[] = {&hm_Closed_enumdef};
static const bp_extdef *const file_exts[] = {&hm_e_int,  &hm_e_packed, &hm_e_msg, &hm_e_strs,    &hm_e_enum,
                                             &hm_e_msgs, &hm_e_enums,  &hm_e_req, &hm_ItemA_ext, &hm_ItemB_ext};
const bp_filedef hm_filedef = {
    .name = "handmade.proto",
    .package = "hm",
    .msgs = file_msgs,
    .enums = file_enums,
    .exts = file_exts,
    .msg_count = sizeof file_msgs / sizeof file_msgs[0],
    .enum_count = 1,
    .ext_count = sizeof file_exts / sizeof file_exts[0],
};

/* handmade3.proto: hm.P3 */
static const bp_field p3_ms_fields[2] = {
    {1, offsetof(hm_P3_MsEntry, key), 0, 0, BP_TYPE_STRING, BP_F_UTF8},
    {2, offsetof(hm_P3_MsEntry, value), 0, 0, BP_TYPE_STRING, BP_F_UTF8},
};
const bp_msgdef hm_P3_MsEntry_msgdef = {.fields = p3_ms_fields,
                                        .full_name = "hm.P3.MsEntry",
                                        .names = entry_names,
                                        .size = sizeof(hm_P3_MsEntry),
                                        .field_count = 2,
                                        .dense = 2,
                                        .flags = BP_MSG_MAP_ENTRY};
static const bp_field p3_fields[8] = {
    {1, offsetof(hm_P3, s), 0, 0, BP_TYPE_STRING, BP_F_UTF8},
    {2, offsetof(hm_P3, rs), 0, 0, BP_TYPE_STRING, BP_F_REPEATED | BP_F_UTF8},
    {3, offsetof(hm_P3, ms), 0, 0, BP_TYPE_MESSAGE, BP_F_REPEATED | BP_F_MAP},
    {4, offsetof(hm_P3, b), 0, 0, BP_TYPE_BYTES, 0},
    {5, offsetof(hm_P3, pick.os), BP_ONEOF(hm_P3, pick_case), 0, BP_TYPE_STRING, BP_F_UTF8},
    {6, offsetof(hm_P3, pick.oi), BP_ONEOF(hm_P3, pick_case), 0, BP_TYPE_INT32, 0},
    {7, offsetof(hm_P3, child), 0, 1, BP_TYPE_MESSAGE, 0},
    {8, offsetof(hm_P3, val), 0, 2, BP_TYPE_MESSAGE, 0},
};
static const bp_fieldname p3_names[8] = {{"s", "s"},   {"rs", "rs"}, {"ms", "ms"},       {"b", "b"},
                                         {"os", "os"}, {"oi", "oi"}, {"child", "child"}, {"val", "val"}};
static const bp_sub p3_subs[3] = {{.msg = &hm_P3_MsEntry_msgdef}, {.msg = &hm_P3_msgdef}, {.msg = &hm_Val_msgdef}};
const bp_msgdef hm_P3_msgdef = {.fields = p3_fields,
                                .subs = p3_subs,
                                .full_name = "hm.P3",
                                .names = p3_names,
                                .size = sizeof(hm_P3),
                                .field_count = 8,
                                .dense = 8};
static const bp_msgdef *const file3_msgs[] = {&hm_P3_msgdef, &hm_P3_MsEntry_msgdef};
static const bp_filedef *const file3_deps[] = {&hm_filedef};
const bp_filedef hm3_filedef = {
    .name = "handmade3.proto",
    .package = "hm",
    .msgs = file3_msgs,
    .deps = file3_deps,
    .msg_count = 2,
    .dep_count = 1,
};
