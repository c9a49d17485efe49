/* One function per subcommand; main.c dispatches. Each returns the process
 * exit status: 0 success, 1 errors in the input, 2 usage errors. */
#ifndef BUOY_CMD_CMD_H
#define BUOY_CMD_CMD_H

#define BUOY_VERSION "0.1.0"

#include <stdbool.h>
#include <stddef.h>

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
/* `buoy protoc` (protoc.c). */
int buoy_cmd_protoc(int argc, char **argv);
/* protoc-gen-buoy: a CodeGeneratorRequest on standard input, the C files
 * (or the error) as a CodeGeneratorResponse on standard output (protoc.c). */
int buoy_plugin_main(int argc, char **argv);

#endif
