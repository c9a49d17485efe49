/* Running code generators: protoc's plugin protocol, as protoc 3.21 speaks
 * it, and the in-memory output tree generators write into.
 *
 * A run goes like this (src/cmd/protoc.c is the reference driver):
 *
 *   bu_buf req = {0};
 *   bu_plugin_request_opts ro = {.parameter = "paths=source_relative"};
 *   bu_plugin_request(&req, files, nfiles, &ro);      // CodeGeneratorRequest bytes
 *   bu_buf resp = {0};
 *   if (!bu_plugin_run("/usr/bin/protoc-gen-c", req.data, req.len, &resp, err, sizeof err)) ...
 *   bu_gen_out out; bu_gen_out_init(&out);            // one per output directory
 *   if (!bu_plugin_apply(&out, resp.data, resp.len, files, nfiles, err, sizeof err)) ...
 *   ...further plugins into the same directory share `out`, so they can
 *   fill insertion points of files generated before them...
 *   if (no generator failed) bu_gen_out_write(&out, "gen", err, sizeof err);
 *   bu_gen_out_free(&out);
 *
 * Messages written into err are single lines without a trailing newline
 * and without the "--NAME_out: " prefix protoc puts before them; the
 * caller adds its own context. Nothing here prints or exits. */
#ifndef BUOY_GEN_PLUGIN_H
#define BUOY_GEN_PLUGIN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "compile/compile.h"

/* ------------------------------------------------------------ output tree */

/* One generated file, held in memory until the run is over. */
typedef struct bu_gen_file {
  char *name; /* relative, '/'-separated, as the generator named it */
  char *data; /* malloc'd; not NUL-terminated */
  size_t len;
} bu_gen_file;

/* The files generated into one output directory (or archive) during a run,
 * in the order they were first written. Generators writing into the same
 * directory share one bu_gen_out, as protoc shares its generator context,
 * so that insertion points see the files of earlier generators. */
typedef struct bu_gen_out {
  bu_gen_file *files;
  size_t count, cap;
} bu_gen_out;

void bu_gen_out_init(bu_gen_out *o);
void bu_gen_out_free(bu_gen_out *o);

/* The file of that name, or NULL. */
bu_gen_file *bu_gen_out_find(const bu_gen_out *o, const char *name);

/* Adds a whole file (the bytes are copied). false when a file of that name
 * was written already in this run, or the name is not a relative path
 * inside the directory (empty, absolute, or with a ".." component). */
bool bu_gen_out_add(bu_gen_out *o, const char *name, const char *data, size_t len, char *err, size_t errlen);

/* protoc's insertion points: inserts data into the earlier file `name`, on
 * the lines just before the line holding "@@protoc_insertion_point(POINT)",
 * each inserted line prefixed with that line's indentation (its leading
 * spaces and tabs); a newline is added to data when it does not end in one.
 * false when the file or the insertion point does not exist. */
bool bu_gen_out_insert(bu_gen_out *o, const char *name, const char *point, const char *data, size_t len, char *err,
                       size_t errlen);

/* Writes every file below dir, creating the subdirectories a name needs
 * (dir itself must exist, as protoc requires). When dir ends in ".zip" or
 * ".jar" it is instead the path of a zip archive to create, its entries
 * stored uncompressed in the order the files were written (a ".jar" gets
 * a META-INF/MANIFEST.MF first), as protoc writes them. Files are replaced
 * whole; false at the first file that cannot be written. */
bool bu_gen_out_write(const bu_gen_out *o, const char *dir, char *err, size_t errlen);

/* ------------------------------------------------------------ requests */

typedef struct bu_plugin_request_opts {
  /* CodeGeneratorRequest.parameter; NULL or "" sends none. */
  const char *parameter;
  /* Also send source_file_descriptors (field 17, as protoc 26+ and buf
   * do). protoc 3.21 does not, and by default neither does buoy. */
  bool source_file_descriptors;
} bu_plugin_request_opts;

/* The compiler version buoy announces in compiler_version: protoc's, 3.21.12
 * with an empty suffix, because plugins look at it to decide what they
 * may rely on, and buoy sends what protoc 3.21 sends. */
enum { BU_PLUGIN_VERSION_MAJOR = 3, BU_PLUGIN_VERSION_MINOR = 21, BU_PLUGIN_VERSION_PATCH = 12 };

/* Appends to out the CodeGeneratorRequest protoc 3.21 would send for
 * generating files (compiled, their syntax trees not released): the files
 * in file_to_generate in the order given; every file they need in
 * proto_file, each once, dependencies first, all with json_name and
 * source_code_info; the parameter; compiler_version. The descriptors are
 * protoc's bytes (bu_encode_file_protoc). */
void bu_plugin_request(bu_buf *out, bu_file *const *files, uint32_t nfiles, const bu_plugin_request_opts *o);

/* Appends f as the FileDescriptorProto protoc 3.21 writes for it (in
 * descriptor sets and plugin requests): bu_encode_file's bytes with
 * buf-only additions removed and float defaults printed as protoc prints
 * them. */
void bu_encode_file_protoc(bu_buf *b, const bu_file *f, bool source_info);

/* f as the FileDescriptorProto protoc 3.21 writes, decoded into a (what
 * bu_encode_file_protoc encodes; protoc_descriptor.c). */
struct google_protobuf_FileDescriptorProto;
struct bp_arena;
struct google_protobuf_FileDescriptorProto *bu_protoc_file(struct bp_arena *a, const bu_file *f, bool source_info);

/* Appends the encoding of msg (of type t, in a) to b, as plugin requests
 * and descriptors are written; aborts when it cannot (what buoy builds
 * always encodes). */
struct bp_msgdef;
void bu_protoc_encode(bu_buf *b, const struct bp_msgdef *t, const void *msg, struct bp_arena *a);

/* ------------------------------------------------------------ running plugins */

/* Runs program (a path containing '/', or a name looked up on PATH) with
 * request on its standard input and appends its standard output to
 * response; its standard error passes through to buoy's. Input and output
 * are pumped together, so a plugin that answers before reading everything
 * cannot deadlock. false, with a message, when the program cannot be run,
 * exits with a status other than 0, or is killed by a signal. */
bool bu_plugin_run(const char *program, const uint8_t *request, size_t len, bu_buf *response, char *err,
                   size_t errlen);

/* bu_plugin_run with arguments: argv[0] is the program (as above), the
 * rest its arguments, NULL-terminated; the child's argv is exactly this. */
bool bu_plugin_run_argv(const char *const *argv, const uint8_t *request, size_t len, bu_buf *response, char *err,
                        size_t errlen);

/* Decodes a CodeGeneratorResponse and applies it to out, as protoc does:
 * files in order, a file with an insertion_point inserted into an earlier
 * one, a chunk without a name appended to the previous file. false when
 * the response does not decode, the plugin reported an error (err holds
 * the plugin's own message), a file cannot be added or inserted, or the
 * plugin lacks a feature the files to generate need: proto3 optional
 * fields need FEATURE_PROTO3_OPTIONAL; editions files need
 * FEATURE_SUPPORTS_EDITIONS and an edition within [minimum_edition,
 * maximum_edition]. On false, out may hold part of the response; callers
 * then write nothing. */
bool bu_plugin_apply(bu_gen_out *out, const uint8_t *response, size_t len, bu_file *const *files, uint32_t nfiles,
                     char *err, size_t errlen);

/* ------------------------------------------------------------ the built-in generator */

/* Runs buoy's C generator (src/gen/cgen.c) in process over the files to
 * generate, adding PATH.pb.h and PATH.pb.c of each to out: what the plugin
 * `protoc-gen-buoy` answers, without a process. It takes no parameters: a
 * non-empty parameter is an error, as is a file the generator cannot write
 * yet. */
bool bu_plugin_builtin_c(bu_gen_out *out, bu_file *const *files, uint32_t nfiles, const char *parameter, char *err,
                         size_t errlen);

#endif
