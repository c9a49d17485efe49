/* Managed mode (buf.gen.yaml `managed`): file and field options set on the
 * FileDescriptorProtos sent to plugins, with buf 1.75's defaults and rules.
 *
 * With managed mode enabled, every file but the well-known types
 * (google/protobuf/... as buf ships them) gets
 *
 *   java_package          "com." + package (prefix and suffix overridable)
 *   java_multiple_files   true
 *   java_outer_classname  PascalCase of the file name + "Proto" ("foo_bar.proto": "FooBarProto")
 *   objc_class_prefix     first letters of the package's parts (a version part
 *                         left out), upper-case, padded with X to three; GPB -> GPX
 *   csharp_namespace      the package's parts in PascalCase, joined with "."
 *   php_namespace         the same joined with "\", reserved words suffixed "_"
 *   php_metadata_namespace  php_namespace + "\GPBMetadata"
 *   ruby_package          the parts in PascalCase joined with "::"
 *
 * and, only when an override asks: go_package (go_package_prefix + the
 * file's directory, + ";" + the last two package parts when the package
 * is versioned), java_string_check_utf8, cc_enable_arenas, optimize_for and
 * the jstype of 64-bit integer fields. Options depending on the package are
 * left alone in files without one. `disable` rules (matching a file by
 * module, path, option, field) win over everything; among the `override`
 * rules matching a file the last one wins (a prefix and a suffix combine).
 * An option already holding the value is not touched. Source info
 * locations of the options changed are removed, as buf removes them. */
#ifndef BUOY_GEN_MANAGED_H
#define BUOY_GEN_MANAGED_H

#include <stdbool.h>

#include "google/protobuf/descriptor.pb.h"
#include "module/gen_config.h"

/* Applies managed mode to one file of an image; module is the full name of
 * the module it comes from, or NULL. false only when memory runs out. */
bool bg_managed_apply(const bg_managed *m, google_protobuf_FileDescriptorProto *file, const char *module,
                      bp_arena *a);

/* Whether path is one of the well-known types managed mode leaves alone. */
bool bg_is_wkt(const char *path);

#endif
