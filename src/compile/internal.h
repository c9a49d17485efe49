/* Shared between the compile stage's files. */
#ifndef BUOY_COMPILE_INTERNAL_H
#define BUOY_COMPILE_INTERNAL_H

#include "compile/compile.h"

char *bu_strcat3(buoy_arena *a, const char *x, const char *sep, const char *y);
/* An error at token tok of f (UINT32_MAX: about f, at no place in it). */
void bu_error(bu_compiler *c, const bu_file *f, uint32_t tok, const char *fmt, ...) BUOY_PRINTF(4, 5);

/* Registers the file's elements in the symbol table and builds the model. */
void bu_build_file(bu_compiler *c, bu_file *f);

/* protoc's default json_name of a field: underscores dropped, the letter
 * after one upper-cased. Allocated in a. */
const char *bu_json_name(buoy_arena *a, const char *name);
/* Resolves type names and extendees. */
void bu_resolve_file(bu_compiler *c, bu_file *f);
/* Looks a name up as protoc does from inside the element named relative_to
 * (its last component is dropped first), among the symbols f can see. */
bu_symbol *bu_lookup(bu_compiler *c, bu_file *f, const char *name, const char *relative_to);
/* Records that f uses a name defined in g (for unused imports). */
void bu_mark_used(bu_file *f, const bu_file *g);
/* Interprets the options of every element of the file (options.c). */
void bu_interpret_options(bu_compiler *c, bu_file *f);
/* Appends the options message in buf's byte order. */
void bu_encode_optmsg(bu_buf *b, const bu_optmsg *m);
/* Appends one set field of an options message (all its values, tags
 * included), as bu_encode_optmsg writes it. */
void bu_encode_optfield(bu_buf *b, const bu_optfield *x);
/* The same, repeated scalars packed or not as asked. */
void bu_encode_optfield_as(bu_buf *b, const bu_optfield *x, bool packed);
/* The enum feature named in the options' `features`, or -1. */
int bu_feature_in(const bu_optmsg *opts, const char *feature);
/* The steps of protoc's CrossLinkField, the order of the errors reported
 * about one field once names are resolved (resolve.c's and validate.c's):
 * diagnostic order = field->link_order * BU_LINK_STEPS + step. */
enum { BU_LINK_EXTENDEE, BU_LINK_RANGE, BU_LINK_TYPE, BU_LINK_CHECKS, BU_LINK_STEPS };
/* protoc's semantic checks (validate.c), in its three phases: once the file
 * is built, once its names are resolved, and (for proto2 and proto3 only
 * when the file has no error so far) the checks protoc makes with options.
 * clashes: bu_build_file found names defined twice (its reports are dropped:
 * bu_validate_built reports them in protoc's order). first_link_diag: the
 * file's first diagnostic from resolution; first_diag: its first one. */
void bu_validate_built(bu_compiler *c, bu_file *f, bool clashes);
void bu_validate_linked(bu_compiler *c, bu_file *f, uint32_t first_link_diag);
void bu_validate_options(bu_compiler *c, bu_file *f, uint32_t first_diag);
/* Builds the file's SourceCodeInfo locations. */
void bu_build_source_info(bu_compiler *c, bu_file *f);

#endif
