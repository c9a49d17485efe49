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
#include "gen/plugin.h"
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

/* ---------------------------------------------------------------- commands over compiled files
 *
 * descriptors, gen-c and codec share one driver: it reads -I/--proto_path
 * and the file names, lets the command take its own options, compiles every
 * file (with the current directory as the root when no -I is given),
 * prints the diagnostics and, when there were no errors, hands the
 * compiled files to the command. */

typedef struct compile_run {
  bu_compiler c;
  buoy_diags diags;
  const char **names; /* the file arguments, in order */
  bu_file **files;    /* parallel to names: NULL where compiling failed */
  uint32_t count;
  /* the commands' own options */
  bool include_imports; /* descriptors */
  const char *outdir;   /* gen-c */
  int mode;             /* codec: 'e', 'd', 'r' */
  const char *type;     /* codec */
} compile_run;

typedef struct compile_cmd {
  const char *name;  /* as in messages: "gen-c" */
  const char *usage; /* printed by --help and after usage errors */
  bool sort_diags;   /* by file and position, rather than in the order found */
  /* Takes the command's own option at argv[*i] (moving *i past its value);
   * false when it is none of them. */
  bool (*option)(compile_run *r, int argc, char **argv, int *i);
  /* Checks the arguments before anything is compiled: 0 to go on, else the
   * exit status (the message printed). */
  int (*check)(const compile_run *r, const struct compile_cmd *cmd);
  /* Works on the files, compiled without errors; the exit status. */
  int (*run)(compile_run *r, const struct compile_cmd *cmd);
} compile_cmd;

static int compile_driver(const compile_cmd *cmd, int argc, char **argv) {
  compile_run r = {0};
  r.outdir = ".";
  buoy_diags_init(&r.diags);
  bu_compiler_init(&r.c, &r.diags);
  bool any_include = false;
  int rc = 0;
  r.names = calloc((size_t)argc, sizeof *r.names);
  if (!r.names) {
    fprintf(stderr, "buoy debug %s: out of memory\n", cmd->name);
    rc = 1;
    goto done;
  }
  for (int i = 1; i < argc; i++) {
    const char *a = argv[i];
    if ((strcmp(a, "-I") == 0 || strcmp(a, "--proto_path") == 0) && i + 1 < argc) {
      bu_compiler_add_include(&r.c, argv[++i]);
      any_include = true;
    } else if (strncmp(a, "-I", 2) == 0 && a[2]) {
      bu_compiler_add_include(&r.c, a + 2);
      any_include = true;
    } else if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
      fputs(cmd->usage, stdout);
      goto done;
    } else if (cmd->option(&r, argc, argv, &i)) {
      continue;
    } else if (a[0] == '-') {
      fprintf(stderr, "buoy debug %s: unknown option %s\n\n%s", cmd->name, a, cmd->usage);
      rc = 2;
      goto done;
    } else {
      r.names[r.count++] = a;
    }
  }
  if ((rc = cmd->check(&r, cmd)) != 0) goto done;
  if (!any_include) bu_compiler_add_include(&r.c, ".");
  r.files = calloc(r.count ? r.count : 1, sizeof *r.files);
  if (!r.files) {
    fprintf(stderr, "buoy debug %s: out of memory\n", cmd->name);
    rc = 1;
    goto done;
  }
  for (uint32_t i = 0; i < r.count; i++)
    r.files[i] = bu_compile(&r.c, r.names[i]);
  if (cmd->sort_diags) buoy_diags_sort(&r.diags);
  buoy_diags_print(&r.diags, stderr);
  rc = r.diags.errors ? 1 : cmd->run(&r, cmd);
done:
  free(r.files);
  free(r.names);
  bu_compiler_free(&r.c);
  buoy_diags_free(&r.diags);
  return rc;
}

static int check_nothing(const compile_run *r, const compile_cmd *cmd) {
  (void)r, (void)cmd;
  return 0;
}

/* ---------------------------------------------------------------- descriptors */

static bool descriptors_option(compile_run *r, int argc, char **argv, int *i) {
  (void)argc;
  if (strcmp(argv[*i], "--include-imports") != 0) return false;
  r->include_imports = true;
  return true;
}

static int descriptors_run(compile_run *r, const compile_cmd *cmd) {
  uint32_t n = 0;
  for (uint32_t i = 0; i < r->count; i++)
    if (r->files[i]) r->files[n++] = r->files[i];
  if (n == 0 && r->diags.count == 0) {
    fprintf(stderr, "buoy debug %s: no input files\n\n%s", cmd->name, cmd->usage);
    return 2;
  }
  bu_write_json(&r->c, r->files, n, r->include_imports, stdout);
  return 0;
}

static const compile_cmd descriptors_cmd = {"descriptors", debug_usage, false, descriptors_option, check_nothing,
                                            descriptors_run};

/* ---------------------------------------------------------------- gen-c */

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

static bool gen_c_option(compile_run *r, int argc, char **argv, int *i) {
  if ((strcmp(argv[*i], "-o") == 0 || strcmp(argv[*i], "--output") == 0) && *i + 1 < argc) {
    r->outdir = argv[++*i];
    return true;
  }
  return false;
}

static int need_files(const compile_run *r, const compile_cmd *cmd) {
  if (r->count) return 0;
  fprintf(stderr, "buoy debug %s: no input files\n\n%s", cmd->name, cmd->usage);
  return 2;
}

static int gen_c_run(compile_run *r, const compile_cmd *cmd) {
  (void)cmd;
  int rc = 0;
  for (uint32_t i = 0; i < r->count && rc == 0; i++) {
    const bu_file *f = r->files[i];
    if (!f) return 1;
    bu_buf h = {0}, src = {0};
    char err[512];
    if (!bu_gen_c(f, &h, &src, err, sizeof err)) {
      fprintf(stderr, "buoy debug gen-c: %s\n", err);
      rc = 1;
    } else {
      char *hname = bu_gen_c_path(f->name, ".pb.h"), *cname = bu_gen_c_path(f->name, ".pb.c");
      rc = write_file(r->outdir, hname, &h) || write_file(r->outdir, cname, &src);
      free(hname);
      free(cname);
    }
    bu_buf_free(&h);
    bu_buf_free(&src);
  }
  return rc;
}

static const compile_cmd gen_c_cmd = {"gen-c", gen_c_usage, true, gen_c_option, need_files, gen_c_run};

/* ---------------------------------------------------------------- codec */

static bool codec_option(compile_run *r, int argc, char **argv, int *i) {
  (void)argc;
  const char *a = argv[*i];
  if (strncmp(a, "--encode=", 9) == 0 || strncmp(a, "--decode=", 9) == 0) {
    r->mode = a[2];
    r->type = a + 9;
    return true;
  }
  if (strcmp(a, "--decode_raw") == 0) {
    r->mode = 'r';
    return true;
  }
  return false;
}

static int codec_check(const compile_run *r, const compile_cmd *cmd) {
  if (r->mode && (r->mode == 'r' || r->count)) return 0;
  fprintf(stderr, "buoy debug %s: name a mode and, to encode or decode, the .proto files\n\n%s", cmd->name,
          cmd->usage);
  return 2;
}

static int codec_run(compile_run *r, const compile_cmd *cmd) {
  (void)cmd;
  uint32_t n = 0;
  for (uint32_t i = 0; i < r->count; i++)
    if (r->files[i]) r->files[n++] = r->files[i];
  bu_vec order = {0};
  bu_output_files(&r->c, r->files, n, true, &order);
  bu_buf set = {0}; /* a FileDescriptorSet: its files, imports first */
  for (uint32_t i = 0; i < order.count; i++) {
    bu_put_varint(&set, 1 << 3 | 2);
    size_t start = set.len;
    bu_encode_file(&set, BU_VEC_AT(order, bu_file, i), false);
    bu_prefix_length(&set, start);
  }
  int rc = cmd_protoc_codec(r->mode, r->type, (const char *)set.data, set.len, stdin, stdout, stderr);
  bu_buf_free(&set);
  return rc;
}

static const compile_cmd codec_cmd = {"codec", debug_usage, true, codec_option, codec_check, codec_run};

int buoy_cmd_debug(int argc, char **argv) {
  if (argc < 2 || strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0) {
    fputs(debug_usage, argc < 2 ? stderr : stdout);
    return argc < 2 ? 2 : 0;
  }
  if (strcmp(argv[1], "ast") == 0) return debug_ast(argc - 1, argv + 1);
  if (strcmp(argv[1], "descriptors") == 0) return compile_driver(&descriptors_cmd, argc - 1, argv + 1);
  if (strcmp(argv[1], "gen-c") == 0) return compile_driver(&gen_c_cmd, argc - 1, argv + 1);
  if (strcmp(argv[1], "codec") == 0) return compile_driver(&codec_cmd, argc - 1, argv + 1);
  fprintf(stderr, "buoy debug: unknown subcommand \"%s\"\n\n%s", argv[1], debug_usage);
  return 2;
}
