/* The files of testdata/gen that gen-roundtrip (roundtrip.c) finds message
 * types in, with everything they import. */
#include "editions.pb.h"
#include "editions2024.pb.h"
#include "ext.pb.h"
#include "maps.pb.h"
#include "maps2.pb.h"
#include "names.pb.h"
#include "nopkg.pb.h"
#include "pb/pb.h"
#include "sample.pb.h"
#include "sample3.pb.h"
#include "services.pb.h"

const bp_filedef *const gen_files[] = {
    &editions_pb_filedef, &editions2024_pb_filedef, &ext_pb_filedef,     &maps_pb_filedef,
    &maps2_pb_filedef,    &names_pb_filedef,        &nopkg_pb_filedef,   &sample_pb_filedef,
    &sample3_pb_filedef,  &services_pb_filedef,
};
const size_t gen_file_count = sizeof gen_files / sizeof gen_files[0];
