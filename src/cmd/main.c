#include <stdio.h>
#include <string.h>

#include "cmd/cmd.h"

static const char usage[] = "usage: buoy <command> [options]\n"
                            "\n"
                            "A Protocol Buffers toolchain.\n"
                            "\n"
                            "Commands:\n"
                            "  build [INPUT]           compile .proto files into a buf image or descriptor set\n"
                            "  debug ast FILE|DIR...   parse .proto files and print their syntax trees\n"
                            "  debug descriptors FILE...  compile .proto files, print descriptors as JSON\n"
                            "  generate [INPUT]        run the plugins of a buf.gen.yaml template, as buf generate\n"
                            "  ls-files [INPUT]        list the .proto files of a module, workspace or file\n"
                            "  protoc [OPTION] FILE... protoc's command line: plugins, descriptor sets\n"
                            "  debug gen-c FILE...     write C bindings of .proto files for runtime/pb\n"
                            "\n"
                            "Options:\n"
                            "  -h, --help      show this help\n"
                            "  --version       print the version\n"
                            "\n"
                            "Run 'buoy <command> --help' for a command's options; see buoy(1).\n";

/* The last component of a path. */
static const char *base_name(const char *p) {
  const char *s = strrchr(p, '/');
  return s ? s + 1 : p;
}

int main(int argc, char **argv) {
  /* installed as protoc-gen-buoy (a link to buoy), it is a protoc plugin */
  if (argc > 0 && strcmp(base_name(argv[0]), "protoc-gen-buoy") == 0) return buoy_plugin_main(argc, argv);
  if (argc < 2) {
    fputs(usage, stderr);
    return 2;
  }
  const char *cmd = argv[1];
  if (strcmp(cmd, "-h") == 0 || strcmp(cmd, "--help") == 0 || strcmp(cmd, "help") == 0) {
    fputs(usage, stdout);
    return 0;
  }
  if (strcmp(cmd, "--version") == 0 || strcmp(cmd, "version") == 0) {
    printf("%s\n", BUOY_VERSION);
    return 0;
  }
  if (strcmp(cmd, "build") == 0) return buoy_cmd_build(argc - 1, argv + 1);
  if (strcmp(cmd, "debug") == 0) return buoy_cmd_debug(argc - 1, argv + 1);
  if (strcmp(cmd, "protoc") == 0) return buoy_cmd_protoc(argc - 1, argv + 1);
  if (strcmp(cmd, "generate") == 0) return buoy_cmd_generate(argc - 1, argv + 1);
  if (strcmp(cmd, "ls-files") == 0) return buoy_cmd_ls_files(argc - 1, argv + 1);
  fprintf(stderr, "buoy: unknown command \"%s\"\n\n%s", cmd, usage);
  return 2;
}
