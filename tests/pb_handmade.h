/* Tables written by hand for testdata/pb/handmade.proto (package hm): maps
 * of every key type, typed extensions, required fields and a message set,
 * laid out as msg.h describes, for the runtime's tests. */
#ifndef PB_HANDMADE_H
#define PB_HANDMADE_H

#include "pb/pb.h"

typedef struct hm_Val {
  bp_aux *bp_aux_;
  uint8_t bp_has_[1];
  int32_t n;
  bp_str s;
} hm_Val;

typedef struct hm_Maps {
  bp_aux *bp_aux_;
  uint8_t bp_has_[1];
  bp_map str_int, int_str, i64_msg, u32_bytes, u64_dbl, s32_flt, s64_s64, f32_f64, sf32_sf64, bool_bool, int_enum,
      str_maps;
  int32_t plain;
} hm_Maps;

/* The map entries: key, then value, no hasbits. */
#define HM_ENTRY(NAME, KT, VT)                                                                                         \
  typedef struct NAME {                                                                                                \
    bp_aux *bp_aux_;                                                                                                   \
    KT key;                                                                                                            \
    VT value;                                                                                                          \
  } NAME;                                                                                                              \
  extern const bp_msgdef NAME##_msgdef;

HM_ENTRY(hm_Maps_StrIntEntry, bp_str, int32_t)
HM_ENTRY(hm_Maps_IntStrEntry, int32_t, bp_str)
HM_ENTRY(hm_Maps_I64MsgEntry, int64_t, hm_Val *)
HM_ENTRY(hm_Maps_U32BytesEntry, uint32_t, bp_str)
HM_ENTRY(hm_Maps_U64DblEntry, uint64_t, double)
HM_ENTRY(hm_Maps_S32FltEntry, int32_t, float)
HM_ENTRY(hm_Maps_S64S64Entry, int64_t, int64_t)
HM_ENTRY(hm_Maps_F32F64Entry, uint32_t, uint64_t)
HM_ENTRY(hm_Maps_Sf32Sf64Entry, int32_t, int64_t)
HM_ENTRY(hm_Maps_BoolBoolEntry, bool, bool)
HM_ENTRY(hm_Maps_IntEnumEntry, int32_t, int32_t)
HM_ENTRY(hm_Maps_StrMapsEntry, bp_str, hm_Maps *)

typedef struct hm_Ext {
  bp_aux *bp_aux_;
  uint8_t bp_has_[1];
  int32_t a;
} hm_Ext;

typedef struct hm_Req hm_Req;
struct hm_Req {
  bp_aux *bp_aux_;
  uint8_t bp_has_[1];
  int32_t r;
  hm_Req *child;
  bp_map m;
  bp_array list;
  union {
    int32_t num;
    hm_Req *sub;
  } pick;
  uint32_t pick_case;
};
HM_ENTRY(hm_Req_MEntry, int32_t, hm_Req *)

typedef struct hm_MSet {
  bp_aux *bp_aux_;
} hm_MSet;

typedef struct hm_ItemA {
  bp_aux *bp_aux_;
  uint8_t bp_has_[1];
  int32_t x;
} hm_ItemA;

typedef struct hm_ItemB {
  bp_aux *bp_aux_;
  uint8_t bp_has_[1];
  bp_str s;
} hm_ItemB;

typedef struct hm_Holder {
  bp_aux *bp_aux_;
  uint8_t bp_has_[1];
  hm_MSet *set;
  int32_t after;
} hm_Holder;

/* hm.P3, of handmade3.proto (proto3: strings are checked to be UTF-8) */
typedef struct hm_P3 hm_P3;
struct hm_P3 {
  bp_aux *bp_aux_;
  bp_str s;
  bp_array rs;
  bp_map ms;
  bp_str b;
  union {
    bp_str os;
    int32_t oi;
  } pick;
  uint32_t pick_case;
  hm_P3 *child;
  hm_Val *val;
};
HM_ENTRY(hm_P3_MsEntry, bp_str, bp_str)

enum { hm_C0 = 0, hm_C1 = 1, hm_C5 = 5 };

extern const bp_enumdef hm_Closed_enumdef;
extern const bp_msgdef hm_Val_msgdef, hm_Maps_msgdef, hm_Ext_msgdef, hm_Req_msgdef, hm_MSet_msgdef, hm_ItemA_msgdef,
    hm_ItemB_msgdef, hm_Holder_msgdef;
extern const bp_extdef hm_e_int, hm_e_packed, hm_e_msg, hm_e_strs, hm_e_enum, hm_e_msgs, hm_e_enums, hm_e_req,
    hm_ItemA_ext, hm_ItemB_ext;
extern const bp_msgdef hm_P3_msgdef;
extern const bp_filedef hm_filedef, hm3_filedef;

#endif
