/* buoy's protobuf runtime: everything generated code needs.
 *
 *   pb/arena.h  bp_arena, where messages live
 *   pb/msg.h    message layout, tables, extension set, reflection
 *   pb/wire.h   binary encode, decode and size
 *   pb/json.h   proto3 JSON
 *   pb/dynamic.h  tables built at run time from a FileDescriptorSet
 *   pb/text.h   the text format, as protoc prints and reads it
 *
 * Public names start with bp_ (BP_ for macros and constants); names starting
 * with bp__ are the runtime's own, used by inline functions, and may change. */
#ifndef BP_PB_H
#define BP_PB_H

#include "pb/arena.h"
#include "pb/msg.h"
#include "pb/wire.h"
#include "pb/json.h"
#include "pb/dynamic.h"
#include "pb/text.h"

#endif
