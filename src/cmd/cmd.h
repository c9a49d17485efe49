/* One function per subcommand; main.c dispatches. Each returns the process
 * exit status: 0 success, 1 errors in the input, 2 usage errors. */
#ifndef BUOY_CMD_CMD_H
#define BUOY_CMD_CMD_H

#define BUOY_VERSION "0.1.0"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

int buoy_cmd_debug(int argc, char **argv);
int buoy_cmd_build(int argc, char **argv);

/* A growable list of malloc'd strings. */
typedef struct buoy_paths {
  char **items;
  size_t count, cap;
} buoy_paths;

void buoy_paths_push(buoy_paths *l, char *s);
/* Appends the *.proto files below dir (recursively, sorted, so output does
 * not depend on the order the file system lists entries in); -1 if a
 * directory cannot be read (reported). */
int buoy_paths_walk(const char *dir, buoy_paths *out, int depth);
bool buoy_ends_with(const char *s, const char *suffix);
/* qsort comparator for arrays of strings, in byte order. */
int buoy_paths_cmp(const void *a, const void *b);
int buoy_cmd_ls_files(int argc, char **argv);
int buoy_cmd_generate(int argc, char **argv);

struct bu_buf;

/* An input as buoy build takes it (a directory, module, workspace, .proto
 * file or image), with --path, --exclude-path, --config and
 * --disable-symlinks. */
typedef struct buoy_image_request {
  const char *input;
  const char *const *paths;
  uint32_t npaths;
  const char *const *exclude_paths;
  uint32_t nexclude_paths;
  const char *config;
  bool disable_symlinks;
} buoy_image_request;

/* Compiles the input as buoy build does and appends the buf image (imports
 * and source info included) to out. Errors are printed; returns buoy
 * build's exit status (0, 1, 2 or 100). */
int buoy_build_to_memory(const buoy_image_request *r, struct bu_buf *out);

/* `buoy protoc` (protoc.c). */
int buoy_cmd_protoc(int argc, char **argv);
/* protoc-gen-buoy: a CodeGeneratorRequest on standard input, the C files
 * (or the error) as a CodeGeneratorResponse on standard output (protoc.c). */
int buoy_plugin_main(int argc, char **argv);

#include <stdio.h>

/* protoc's --encode (mode 'e'), --decode ('d') and --decode_raw ('r'):
 * reads in fully, writes the result to out and messages to err, as protoc
 * 3.21 does, and returns protoc's exit status. type_name is the message's
 * full name (NULL for 'r'); fds is the serialized FileDescriptorSet of the
 * input files and their imports (src/cmd/codec.c). */
int cmd_protoc_codec(int mode, const char *type_name, const char *fds, size_t fds_size, FILE *in, FILE *out,
                     FILE *err);

#endif
