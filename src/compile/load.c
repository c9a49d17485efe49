/* Finding, reading and parsing files, in import order. */
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "compile/embedded.h"
#include "compile/internal.h"

void bu_vec_push(buoy_arena *a, bu_vec *v, void *item) {
  if (v->count == v->cap) {
    uint32_t cap = v->cap ? v->cap * 2 : 4;
    void **items = buoy_arena_alloc_raw(a, sizeof(void *) * cap);
    if (v->count) memcpy(items, v->items, sizeof(void *) * v->count);
    v->items = items;
    v->cap = cap;
  }
  v->items[v->count++] = item;
}

char *bu_strcat3(buoy_arena *a, const char *x, const char *sep, const char *y) {
  size_t nx = strlen(x), ns = strlen(sep), ny = strlen(y);
  char *s = buoy_arena_alloc_raw(a, nx + ns + ny + 1);
  memcpy(s, x, nx);
  memcpy(s + nx, sep, ns);
  memcpy(s + nx + ns, y, ny + 1);
  return s;
}

void bu_error(bu_compiler *c, const bu_file *f, uint32_t tok, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  uint32_t offset = !f ? 0 : tok == UINT32_MAX ? BUOY_NO_OFFSET : tok < f->ast.ntokens ? f->ast.tokens[tok].start : 0;
  buoy_diag_addv(c->diags, BUOY_ERROR, f ? &f->src : NULL, offset, fmt, ap);
  va_end(ap);
}

const buoy_embedded_file *buoy_embedded_find(const char *name) {
  for (const buoy_embedded_file *e = buoy_embedded_files; e->name; e++)
    if (strcmp(e->name, name) == 0) return e;
  return NULL;
}

void bu_compiler_init(bu_compiler *c, buoy_diags *diags) {
  memset(c, 0, sizeof *c);
  buoy_arena_init(&c->arena);
  c->diags = diags;
  buoy_strmap_init(&c->files);
  buoy_strmap_init(&c->symbols);
  buoy_strmap_init(&c->memory);
  buoy_strmap_init(&c->extension_numbers);
}

void bu_compiler_add_memory_file(bu_compiler *c, const char *name, const char *data, size_t len) {
  bu_memfile *m = BUOY_NEW(&c->arena, bu_memfile);
  char *copy = buoy_arena_alloc_raw(&c->arena, len ? len : 1);
  if (len) memcpy(copy, data, len);
  m->data = copy;
  m->len = len;
  const char *key = buoy_arena_strndup(&c->arena, name, strlen(name));
  buoy_strmap_put(&c->memory, key, strlen(key), m);
}

void bu_compiler_free(bu_compiler *c) {
  for (uint32_t i = 0; i < c->order.count; i++) {
    bu_file *f = BU_VEC_AT(c->order, bu_file, i);
    buoy_file_free(&f->ast);
    buoy_source_free(&f->src);
    free(f->locations);
    buoy_strmap_free(&f->optlocs);
  }
  free(c->include_dirs);
  buoy_strmap_free(&c->files);
  buoy_strmap_free(&c->symbols);
  buoy_strmap_free(&c->memory);
  buoy_strmap_free(&c->extension_numbers);
  buoy_arena_free(&c->arena);
}

void bu_release_syntax(bu_file *f) {
  if (f->released) return;
  buoy_syntax_kind syntax = f->ast.syntax;
  const char *edition = f->ast.edition;
  buoy_file_free(&f->ast);
  f->ast.syntax = syntax;
  f->ast.edition = edition;
  buoy_source_free(&f->src);
  free(f->locations);
  f->locations = NULL;
  f->nlocations = 0;
  buoy_strmap_free(&f->optlocs);
  f->released = true;
}

void bu_compiler_add_include(bu_compiler *c, const char *dir) {
  const char **dirs = realloc(c->include_dirs, sizeof(char *) * (c->ninclude + 1));
  if (!dirs) abort();
  dirs[c->ninclude++] = dir;
  c->include_dirs = dirs;
}

/* Reads the file for an import path; false if no include directory or
 * embedded file has it. */
static bool read_source(bu_compiler *c, const char *name, bu_file *f) {
  const bu_memfile *m = buoy_strmap_get(&c->memory, name, strlen(name));
  if (m) {
    buoy_source_from_memory(&f->src, name, m->data, m->len);
    return true;
  }
  for (uint32_t i = 0; i < c->ninclude; i++) {
    const char *path =
        strcmp(c->include_dirs[i], ".") == 0 ? name : bu_strcat3(&c->arena, c->include_dirs[i], "/", name);
    if (buoy_source_read(&f->src, path) == 0) return true;
    if (errno != ENOENT && errno != ENOTDIR) {
      buoy_diag_add(c->diags, BUOY_ERROR, NULL, 0, "%s: cannot read file: %s", path, strerror(errno));
      return false;
    }
  }
  const buoy_embedded_file *e = buoy_embedded_find(name);
  if (e) {
    buoy_source_from_memory(&f->src, name, e->data, e->len);
    f->embedded = true;
    return true;
  }
  return false;
}

/* The import declarations, with the token of their path for messages. */
static bu_file *load(bu_compiler *c, const char *name, const bu_file *importer, uint32_t import_tok, bu_vec *stack) {
  size_t len = strlen(name);
  if (buoy_strmap_get(&c->files, name, len)) return buoy_strmap_get(&c->files, name, len);
  for (uint32_t i = 0; i < stack->count; i++) {
    if (strcmp(BU_VEC_AT(*stack, bu_file, i)->name, name) != 0) continue;
    /* protoc: "File recursively imports itself: a.proto -> b.proto -> a.proto" */
    size_t n = 0;
    for (uint32_t j = i; j < stack->count; j++)
      n += strlen(BU_VEC_AT(*stack, bu_file, j)->name) + 4;
    char *chain = buoy_arena_alloc(&c->arena, n + len + 1);
    for (uint32_t j = i; j < stack->count; j++) {
      strcat(chain, BU_VEC_AT(*stack, bu_file, j)->name);
      strcat(chain, " -> ");
    }
    strcat(chain, name);
    /* reported, as protoc and buf do, at the import statement of the first
     * file of the cycle */
    bu_file *first = BU_VEC_AT(*stack, bu_file, i);
    bu_error(c, first, first->loading_tok, "import cycle: %s", chain);
    return NULL;
  }
  bu_file *f = BUOY_NEW(&c->arena, bu_file);
  f->name = buoy_arena_strndup(&c->arena, name, len);
  f->compiler = c;
  if (!read_source(c, f->name, f)) {
    if (importer)
      bu_error(c, importer, import_tok, "cannot find imported file \"%s\" in the include paths", name);
    else
      buoy_diag_add(c->diags, BUOY_ERROR, NULL, 0, "%s: file not found in the include paths", name);
    return NULL;
  }
  bool parsed = buoy_parse(&f->ast, &f->src, c->diags);
  f->src.path = f->name;

  bu_vec_push(&c->arena, stack, f);
  for (const buoy_decl *d = f->ast.decls; d; d = d->next) {
    if (d->kind != BUOY_DECL_IMPORT) continue;
    const buoy_value *path = d->u.import.path;
    char *dep_name = buoy_arena_strndup(&c->arena, path->v.str.bytes, path->v.str.len);
    f->loading_tok = d->r.first; /* errors about an import are reported at its statement */
    bu_file *dep = load(c, dep_name, f, d->r.first, stack);
    if (!dep) continue;
    if (d->u.import.kind == BUOY_IMPORT_OPTION) {
      bu_vec_push(&c->arena, &f->option_deps, dep);
      continue;
    }
    if (d->u.import.kind == BUOY_IMPORT_PUBLIC)
      bu_vec_push(&c->arena, &f->public_deps, (void *)(uintptr_t)f->deps.count);
    if (d->u.import.kind == BUOY_IMPORT_WEAK) bu_vec_push(&c->arena, &f->weak_deps, (void *)(uintptr_t)f->deps.count);
    bu_vec_push(&c->arena, &f->deps, dep);
  }
  stack->count--;

  buoy_strmap_put(&c->files, f->name, len, f);
  bu_vec_push(&c->arena, &c->order, f);
  uint32_t ndiags = c->diags->count;
  bu_build_file(c, f);
  if (parsed) { /* protoc builds only what parses */
    /* validate.c reports names defined twice, in protoc's order */
    bool clashes = c->diags->count > ndiags;
    buoy_diags_truncate(c->diags, ndiags);
    bu_validate_built(c, f, clashes);
  }
  uint32_t nlinked = c->diags->count;
  bu_resolve_file(c, f);
  if (parsed) bu_validate_linked(c, f, nlinked);
  if (!parsed) buoy_diags_truncate(c->diags, ndiags); /* like protoc, report only what stopped the parse */
  /* Options are interpreted here, before the checks that protoc makes only on
   * a file without errors (bu_validate_options looks from ndiags on). */
  if (parsed) bu_interpret_options(c, f);
  if (parsed) bu_validate_options(c, f, ndiags);
  bu_build_source_info(c, f);
  return f;
}

bu_file *bu_compile(bu_compiler *c, const char *import_path) {
  bu_vec stack = {0};
  return load(c, import_path, NULL, 0, &stack);
}
