/* buf.gen.yaml (versions v2 and v1), decoded and checked as buf 1.75 checks it:
 * unknown keys, wrong types, missing or conflicting keys and unknown option
 * names are errors reported at the offending YAML node (path:line:col).
 * What it means is up to `buoy generate` (src/cmd/generate.c) and managed
 * mode (src/gen/managed.c). */
#ifndef BUOY_MODULE_GEN_CONFIG_H
#define BUOY_MODULE_GEN_CONFIG_H

#include <stdbool.h>
#include <stdint.h>

#include "base/arena.h"
#include "base/diag.h"
#include "module/config.h"

typedef enum { BG_STRATEGY_DIRECTORY, BG_STRATEGY_ALL } bg_strategy;

typedef struct bg_plugin {
  /* local: the program (a path, or a name looked up on PATH) and its
   * arguments; protoc_builtin: NULL */
  bm_strs local;
  const char *protoc_builtin; /* the NAME of protoc-gen-NAME, or NULL */
  const char *protoc_path;    /* where protoc is (its directory is searched first), or NULL */
  const char *name;           /* for messages: the local program or the builtin's name */
  const char *out;            /* relative to the current directory (before -o) */
  bm_strs opt;                /* joined with "," into the request's parameter */
  bg_strategy strategy;
  bool include_imports, include_wkt;
  bm_strs types, exclude_types;
  /* v1 "name: NAME" where NAME is also one of protoc's own generators:
   * buf runs protoc-gen-NAME (local) when it is on PATH, else protoc;
   * buoy refuses the second case when it comes to it */
  bool fallback_protoc;
} bg_plugin;

typedef enum {
  BG_INPUT_DIRECTORY,
  BG_INPUT_PROTO_FILE,
  BG_INPUT_BINARY_IMAGE,
  BG_INPUT_MODULE,
} bg_input_kind;

typedef struct bg_input {
  bg_input_kind kind;
  const char *location; /* the directory, file, image or module as written */
  bm_strs paths, exclude_paths;
  bm_strs types, exclude_types; /* full names of types or packages */
  bool include_package_files;
} bg_input;

/* The options managed mode knows, in buf's names. */
typedef enum {
  BG_OPT_NONE = 0,
  BG_OPT_JAVA_PACKAGE,
  BG_OPT_JAVA_PACKAGE_PREFIX,
  BG_OPT_JAVA_PACKAGE_SUFFIX,
  BG_OPT_JAVA_MULTIPLE_FILES,
  BG_OPT_JAVA_OUTER_CLASSNAME,
  BG_OPT_JAVA_STRING_CHECK_UTF8,
  BG_OPT_GO_PACKAGE,
  BG_OPT_GO_PACKAGE_PREFIX,
  BG_OPT_OPTIMIZE_FOR,
  BG_OPT_CSHARP_NAMESPACE,
  BG_OPT_CSHARP_NAMESPACE_PREFIX,
  BG_OPT_RUBY_PACKAGE,
  BG_OPT_RUBY_PACKAGE_SUFFIX,
  BG_OPT_OBJC_CLASS_PREFIX,
  BG_OPT_PHP_NAMESPACE,
  BG_OPT_PHP_METADATA_NAMESPACE,
  BG_OPT_PHP_METADATA_NAMESPACE_SUFFIX,
  BG_OPT_CC_ENABLE_ARENAS,
  BG_OPT_FILE_COUNT,
  /* field options */
  BG_OPT_JSTYPE = BG_OPT_FILE_COUNT,
} bg_option;

/* buf's name of an option ("java_package"), or NULL. */
const char *bg_option_name(bg_option o);

/* A rule of managed.disable or managed.override; fields not written are
 * NULL / BG_OPT_NONE. */
typedef struct bg_rule {
  bg_option file_option;  /* a file option, or BG_OPT_NONE */
  bg_option field_option; /* BG_OPT_JSTYPE, or BG_OPT_NONE */
  const char *module;     /* registry/owner/name */
  const char *path;       /* clean, relative */
  const char *field;      /* a field's full name, without the leading dot */
  /* override only: the value, as its option takes it */
  const char *str; /* string options */
  bool boolean;    /* boolean options */
  int32_t number;  /* optimize_for, jstype: the enum number */
} bg_rule;

typedef struct bg_managed {
  bool enabled;
  bg_rule *disables;
  uint32_t ndisables;
  bg_rule *overrides;
  uint32_t noverrides;
} bg_managed;

typedef struct bg_config {
  bool clean;
  bm_strs types; /* v1: types.include, for every input */
  bg_plugin *plugins;
  uint32_t nplugins;
  bg_input *inputs;
  uint32_t ninputs;
  bg_managed managed;
} bg_config;

/* One of the generators compiled into protoc (cpp, java, python...), which
 * buf runs through protoc. */
bool bg_is_protoc_generator(const char *name);

/* Decodes src (YAML or JSON) as a buf.gen.yaml (version v2, or v1 read into
 * the same model as buf reads it). Returns false after
 * reporting the first error. Strings point into the arena. */
bool bg_decode_gen_yaml(buoy_arena *a, const buoy_source *src, buoy_diags *diags, bg_config *out);

#endif
