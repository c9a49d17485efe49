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
#include "gen/gen.h"
#include "syntax/ast.h"

static const char debug_usage[] = "usage: buoy debug ast [-q] FILE|DIR...\n"
                                  "       buoy debug descriptors [-I DIR]... [--include-imports] FILE...\n"
                                  "       buoy debug gen-c [-I DIR]... [-o DIR] FILE...\n"
                                  "       buoy debug codec (--encode=TYPE|--decode=TYPE|--decode_raw) [-I DIR]... FILE...\n"
                                  "\n"
                                  "ast: parses each .proto file (directories are searched recursively for\n"
                                  "*.proto, in sorted order) and prints its syntax tree in a stable text\n"
                                  "form. Errors are printed as path:line:col: message. Exits 0 when every\n"
                                  "file parses, 1 otherwise.\n"
                                  "descriptors: compiles the files and prints them as JSON.\n"
                                  "gen-c: compiles the files and writes their C bindings (see gen-c --help).\n"
                                  "codec: protoc's --encode/--decode/--decode_raw: standard input (text or\n"
                                  "binary) to standard output, with the types of the compiled files.\n"
                                  "\n"
                                  "Options:\n"
                                  "  -q, --quiet   print only errors, not the trees (ast)\n"
                                  "  -h, --help    show this help\n";

static const char gen_c_usage[] =
    "usage: buoy debug gen-c [-I DIR]... [-o DIR] FILE...\n"
    "\n"
    "Compiles each FILE (an import path, found under the -I directories, the\n"
    "current directory when none is given, or among the well-known types built\n"
    "into buoy) and writes its C bindings for buoy's runtime (runtime/pb):\n"
    "DIR/PATH.pb.h and DIR/PATH.pb.c, PATH being FILE without \".proto\". The\n"
    "generator is not complete yet: files with maps or extensions are refused.\n"
    "Exits 0 when everything was written, 1 on errors in the input.\n"
    "\n"
    "Options:\n"
    "  -I, --proto_path DIR   where to look for files and their imports (repeatable)\n"
    "  -o, --output DIR       where to write (default: the current directory)\n"
    "  -h, --help             show this help\n";

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

/* Creates the directories leading to path (mkdir -p of its dirname). */
static int make_parents(const char *path) {
  char *p = strdup(path);
  if (!p) return -1;
  for (char *s = p + 1; *s; s++) {
    if (*s != '/') continue;
    *s = 0;
    if (mkdir(p, 0777) != 0 && errno != EEXIST) {
      fprintf(stderr, "buoy debug gen-c: cannot create %s: %s\n", p, strerror(errno));
      free(p);
      return -1;
    }
    *s = '/';
  }
  free(p);
  return 0;
}

static int write_file(const char *dir, const char *name, const bu_buf *b) {
  size_t n = strlen(dir) + strlen(name) + 2;
  char *path = malloc(n);
  if (!path) return 1;
  snprintf(path, n, "%s/%s", dir, name);
  int rc = 0;
  FILE *out = make_parents(path) == 0 ? fopen(path, "wb") : NULL;
  if (!out || fwrite(b->data, 1, b->len, out) != b->len || fclose(out) != 0) {
    fprintf(stderr, "buoy debug gen-c: cannot write %s: %s\n", path, strerror(errno));
    rc = 1;
  }
  free(path);
  return rc;
}

static int debug_gen_c(int argc, char **argv) {
  const char *outdir = ".";
  buoy_diags diags;
  buoy_diags_init(&diags);
  bu_compiler c;
  bu_compiler_init(&c, &diags);
  bool any_include = false;
  const char **names = calloc((size_t)argc, sizeof *names);
  uint32_t nnames = 0;
  int rc = 0;
  for (int i = 1; i < argc && names; i++) {
    const char *a = argv[i];
    if ((strcmp(a, "-I") == 0 || strcmp(a, "--proto_path") == 0) && i + 1 < argc) {
      bu_compiler_add_include(&c, argv[++i]);
      any_include = true;
    } else if (strncmp(a, "-I", 2) == 0 && a[2]) {
      bu_compiler_add_include(&c, a + 2);
      any_include = true;
    } else if ((strcmp(a, "-o") == 0 || strcmp(a, "--output") == 0) && i + 1 < argc) {
      outdir = argv[++i];
    } else if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
      fputs(gen_c_usage, stdout);
      goto done;
    } else if (a[0] == '-') {
      fprintf(stderr, "buoy debug gen-c: unknown option %s\n\n%s", a, gen_c_usage);
      rc = 2;
      goto done;
    } else {
      names[nnames++] = a;
    }
  }
  if (!names) {
    rc = 1;
    goto done;
  }
  if (nnames == 0) {
    fprintf(stderr, "buoy debug gen-c: no input files\n\n%s", gen_c_usage);
    rc = 2;
    goto done;
  }
  if (!any_include) bu_compiler_add_include(&c, ".");
  bu_file **files = calloc(nnames, sizeof *files);
  for (uint32_t i = 0; i < nnames && files; i++)
    files[i] = bu_compile(&c, names[i]);
  buoy_diags_sort(&diags);
  buoy_diags_print(&diags, stderr);
  if (!files || diags.errors) rc = 1;
  for (uint32_t i = 0; i < nnames && rc == 0; i++) {
    if (!files[i]) {
      rc = 1;
      break;
    }
    bu_buf h = {0}, src = {0};
    char err[512];
    if (!bu_gen_c(files[i], &h, &src, err, sizeof err)) {
      fprintf(stderr, "buoy debug gen-c: %s\n", err);
      rc = 1;
    } else {
      char *hname = bu_gen_c_path(files[i]->name, ".pb.h"), *cname = bu_gen_c_path(files[i]->name, ".pb.c");
      rc = write_file(outdir, hname, &h) || write_file(outdir, cname, &src);
      free(hname);
      free(cname);
    }
    bu_buf_free(&h);
    bu_buf_free(&src);
  }
  free(files);
done:
  free(names);
  bu_compiler_free(&c);
  buoy_diags_free(&diags);
  return rc;
}

/* Appends f, after its imports, to a FileDescriptorSet (each file once). */
static void add_to_set(bu_buf *set, bu_file *f, bu_file ***done, size_t *ndone, int depth) {
  for (size_t i = 0; i < *ndone; i++)
    if ((*done)[i] == f) return;
  if (depth > 1000) return;
  bu_file **nd = realloc(*done, (*ndone + 1) * sizeof *nd);
  if (!nd) return;
  *done = nd;
  nd[(*ndone)++] = f;
  for (uint32_t i = 0; i < f->deps.count; i++)
    add_to_set(set, BU_VEC_AT(f->deps, bu_file, i), done, ndone, depth + 1);
  bu_put_varint(set, 1 << 3 | 2);
  size_t start = set->len;
  bu_encode_file(set, f, false);
  bu_prefix_length(set, start);
}

static int debug_codec(int argc, char **argv) {
  int mode = 0;
  const char *type = NULL;
  buoy_diags diags;
  buoy_diags_init(&diags);
  bu_compiler c;
  bu_compiler_init(&c, &diags);
  bool any_include = false;
  const char **names = calloc((size_t)argc, sizeof *names);
  uint32_t nnames = 0;
  int rc = 0;
  bu_buf set = {0};
  bu_file **done = NULL;
  size_t ndone = 0;
  for (int i = 1; i < argc && names; i++) {
    const char *a = argv[i];
    if ((strcmp(a, "-I") == 0 || strcmp(a, "--proto_path") == 0) && i + 1 < argc) {
      bu_compiler_add_include(&c, argv[++i]);
      any_include = true;
    } else if (strncmp(a, "-I", 2) == 0 && a[2]) {
      bu_compiler_add_include(&c, a + 2);
      any_include = true;
    } else if (strncmp(a, "--encode=", 9) == 0 || strncmp(a, "--decode=", 9) == 0) {
      mode = a[2];
      type = a + 9;
    } else if (strcmp(a, "--decode_raw") == 0) {
      mode = 'r';
    } else if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
      fputs(debug_usage, stdout);
      goto done;
    } else if (a[0] == '-') {
      fprintf(stderr, "buoy debug codec: unknown option %s\n\n%s", a, debug_usage);
      rc = 2;
      goto done;
    } else {
      names[nnames++] = a;
    }
  }
  if (!names) {
    rc = 1;
    goto done;
  }
  if (!mode || (mode != 'r' && nnames == 0)) {
    fprintf(stderr, "buoy debug codec: name a mode and, to encode or decode, the .proto files\n\n%s", debug_usage);
    rc = 2;
    goto done;
  }
  if (!any_include) bu_compiler_add_include(&c, ".");
  for (uint32_t i = 0; i < nnames; i++) {
    bu_file *f = bu_compile(&c, names[i]);
    if (f && !diags.errors) add_to_set(&set, f, &done, &ndone, 0);
  }
  buoy_diags_sort(&diags);
  buoy_diags_print(&diags, stderr);
  if (diags.errors) {
    rc = 1;
    goto done;
  }
  rc = cmd_protoc_codec(mode, type, (const char *)set.data, set.len, stdin, stdout, stderr);
done:
  free(done);
  bu_buf_free(&set);
  free(names);
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
  if (strcmp(argv[1], "gen-c") == 0) return debug_gen_c(argc - 1, argv + 1);
  if (strcmp(argv[1], "codec") == 0) return debug_codec(argc - 1, argv + 1);
  fprintf(stderr, "buoy debug: unknown subcommand \"%s\"\n\n%s", argv[1], debug_usage);
  return 2;
}
