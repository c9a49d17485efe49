/* `buoy debug`: commands for looking inside buoy's stages. */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "base/diag.h"
#include "cmd/cmd.h"
#include "compile/compile.h"
#include "syntax/ast.h"

static const char debug_usage[] = "usage: buoy debug ast [-q] FILE|DIR...\n"
                                  "\n"
                                  "Parses each .proto file (directories are searched recursively for\n"
                                  "*.proto, in sorted order) and prints its syntax tree in a stable text\n"
                                  "form. Errors are printed as path:line:col: message. Exits 0 when every\n"
                                  "file parses, 1 otherwise.\n"
                                  "\n"
                                  "Options:\n"
                                  "  -q, --quiet   print only errors, not the trees\n"
                                  "  -h, --help    show this help\n";

static int debug_ast(int argc, char **argv) {
  bool quiet = false;
  buoy_paths files = {0};
  int rc = 0;
  for (int i = 1; i < argc; i++) {
    const char *a = argv[i];
    if (strcmp(a, "-q") == 0 || strcmp(a, "--quiet") == 0) {
      quiet = true;
    } else if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
      fputs(debug_usage, stdout);
      return 0;
    } else if (a[0] == '-' && a[1]) {
      fprintf(stderr, "buoy debug ast: unknown option %s\n\n%s", a, debug_usage);
      return 2;
    } else {
      struct stat st;
      if (stat(a, &st) == 0 && S_ISDIR(st.st_mode)) {
        if (buoy_paths_walk(a, &files, 0) != 0) rc = 1;
      } else {
        char *p = strdup(a);
        if (!p) return 1;
        buoy_paths_push(&files, p);
      }
    }
  }
  if (files.count == 0 && rc == 0) {
    fprintf(stderr, "buoy debug ast: no input files\n\n%s", debug_usage);
    return 2;
  }
  for (size_t i = 0; i < files.count; i++) {
    buoy_source src;
    if (buoy_source_read(&src, files.items[i]) != 0) {
      fprintf(stderr, "%s: cannot read file: %s\n", files.items[i], strerror(errno));
      rc = 1;
      continue;
    }
    buoy_diags diags;
    buoy_diags_init(&diags);
    buoy_file f;
    if (!buoy_parse(&f, &src, &diags)) rc = 1;
    if (!quiet) buoy_ast_print(&f, stdout);
    buoy_diags_print(&diags, stderr);
    buoy_diags_free(&diags);
    buoy_file_free(&f);
    buoy_source_free(&src);
  }
  for (size_t i = 0; i < files.count; i++)
    free(files.items[i]);
  free(files.items);
  fflush(stdout);
  return rc;
}

static int debug_descriptors(int argc, char **argv) {
  buoy_diags diags;
  buoy_diags_init(&diags);
  bu_compiler c;
  bu_compiler_init(&c, &diags);
  bool include_imports = false, any_include = false;
  bu_file **files = calloc((size_t)argc, sizeof *files);
  uint32_t nfiles = 0;
  int rc = 0;
  for (int i = 1; i < argc && files; i++) {
    const char *a = argv[i];
    if ((strcmp(a, "-I") == 0 || strcmp(a, "--proto_path") == 0) && i + 1 < argc) {
      bu_compiler_add_include(&c, argv[++i]);
      any_include = true;
    } else if (strncmp(a, "-I", 2) == 0 && a[2]) {
      bu_compiler_add_include(&c, a + 2);
      any_include = true;
    } else if (strcmp(a, "--include-imports") == 0) {
      include_imports = true;
    } else if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
      fputs(debug_usage, stdout);
      goto done;
    } else if (a[0] == '-') {
      fprintf(stderr, "buoy debug descriptors: unknown option %s\n\n%s", a, debug_usage);
      rc = 2;
      goto done;
    }
  }
  if (!any_include) bu_compiler_add_include(&c, ".");
  for (int i = 1; i < argc && files; i++) {
    const char *a = argv[i];
    if (strcmp(a, "-I") == 0 || strcmp(a, "--proto_path") == 0) {
      i++;
      continue;
    }
    if (a[0] == '-') continue;
    bu_file *f = bu_compile(&c, a);
    if (f) files[nfiles++] = f;
  }
  if (nfiles == 0 && diags.count == 0) {
    fprintf(stderr, "buoy debug descriptors: no input files\n\n%s", debug_usage);
    rc = 2;
    goto done;
  }
  buoy_diags_print(&diags, stderr);
  if (diags.errors)
    rc = 1;
  else
    bu_write_json(&c, files, nfiles, include_imports, stdout);
done:
  free(files);
  bu_compiler_free(&c);
  buoy_diags_free(&diags);
  return rc;
}

int buoy_cmd_debug(int argc, char **argv) {
  if (argc < 2 || strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0) {
    fputs(debug_usage, argc < 2 ? stderr : stdout);
    return argc < 2 ? 2 : 0;
  }
  if (strcmp(argv[1], "ast") == 0) return debug_ast(argc - 1, argv + 1);
  if (strcmp(argv[1], "descriptors") == 0) return debug_descriptors(argc - 1, argv + 1);
  fprintf(stderr, "buoy debug: unknown subcommand \"%s\"\n\n%s", argv[1], debug_usage);
  return 2;
}
