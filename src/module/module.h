/* Inputs, modules and workspaces: turning what a user names on the command
 * line into the .proto files it means, the way buf 1.75 does.
 *
 * An input is a directory (default ".") or a single .proto file. From the
 * input's directory buoy looks upward for the workspace that controls it: a
 * buf.yaml of version v2 whose modules contain (or are contained in) the
 * input, or a buf.work.yaml whose directories contain it. Without one, the
 * input is a single module, configured by a v1 or v1beta1 buf.yaml at or
 * above it (searched no higher than the current directory) or by defaults.
 * --config replaces the configuration files. Each module's directory is
 * walked recursively for *.proto (symlinks followed once), minus the
 * configured excludes; the input, --path and --exclude-path then select the
 * target files among them.
 *
 * Every module of a workspace can import from every other, so all of their
 * files are listed (with `target` telling which were asked for), and
 * buoy_workspace_find resolves an import path among them. The roots of the
 * modules are the include directories for the compiler.
 *
 * Paths printed and stored are relative to the current directory, or
 * absolute when the input was given as an absolute path (buf's rule). Errors
 * go to the diagnostics; configuration errors point at the offending YAML
 * node as path:line:col. The diagnostics refer to configuration sources the
 * workspace owns: print them before buoy_workspace_free. */
#ifndef BUOY_MODULE_MODULE_H
#define BUOY_MODULE_MODULE_H

#include <stdbool.h>
#include <stdint.h>

#include "base/arena.h"
#include "base/diag.h"
#include "base/strmap.h"

/* What the user asked for; the strings must outlive the call only. */
typedef struct buoy_input {
  const char *input;        /* a directory or a .proto file; NULL or "" means "." */
  const char *const *paths; /* --path: files or directories, relative to the current directory */
  uint32_t npaths;
  const char *const *exclude_paths; /* --exclude-path, likewise */
  uint32_t nexclude_paths;
  const char *config;    /* --config: a .yaml/.yml/.json file, or YAML or JSON text; NULL for none */
  bool disable_symlinks; /* --disable-symlinks: do not follow symbolic links */
} buoy_input;

/* One directory that import paths are relative to. A module has one, except
 * v1beta1 modules with several build.roots, which get one entry per root
 * (sharing dir and name). */
typedef struct buoy_module {
  const char *root; /* the directory to read files from and to give the compiler as an include directory */
  const char *dir;  /* the module's directory relative to the workspace root, as configured ("." for the root) */
  const char *name; /* "registry/owner/name" from the configuration, or "" */
  bool target;      /* the input (and --path) selected this module */
  uint32_t nfiles;  /* how many of the workspace's files are in it */
} buoy_module;

typedef struct buoy_module_file {
  const char *path;        /* the file as buf prints it, and as it can be opened: root + "/" + import_path */
  const char *import_path; /* relative to the module's root: what import statements name */
  uint32_t module;         /* index into buoy_workspace.modules */
  bool target;             /* selected by the input, --path and --exclude-path */
} buoy_module_file;

typedef struct buoy_workspace {
  buoy_module *modules; /* sorted by dir (and root) */
  uint32_t nmodules;
  buoy_module_file *files; /* every file of every module, sorted by path (bytes) */
  uint32_t nfiles;
  uint32_t ntargets; /* how many files have target set */
  /* private */
  buoy_arena arena;
  buoy_strmap by_import;     /* import path -> buoy_module_file* */
  buoy_strmap configs;       /* absolute config file path -> its decoded form */
  struct bm_source *sources; /* configuration files read, owned for the diagnostics */
} buoy_workspace;

/* Resolves the input. Returns false after reporting errors to diags; the
 * workspace must be freed either way. */
bool buoy_workspace_open(buoy_workspace *ws, const buoy_input *input, buoy_diags *diags);

/* The workspace file with this import path, or NULL. (The well-known types
 * are not workspace files: see compile/embedded.h.) */
const buoy_module_file *buoy_workspace_find(const buoy_workspace *ws, const char *import_path);

void buoy_workspace_free(buoy_workspace *ws);

#endif
