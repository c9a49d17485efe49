/* The lexer's interface and the literal decoders shared with the parser. */
#ifndef BUOY_SYNTAX_LEXER_H
#define BUOY_SYNTAX_LEXER_H

#include <stdbool.h>
#include <stdint.h>

#include "base/arena.h"
#include "base/diag.h"
#include "syntax/ast.h"

typedef struct buoy_lexed {
  buoy_token *tokens; /* ends with a token of kind 0 at the end of the file */
  uint32_t ntokens;
  buoy_comment *comments;
  uint32_t ncomments;
} buoy_lexed;

/* Lexes a whole file. Errors go to diags; returns false if there were any.
 * The arrays are filled either way and must be freed. */
bool buoy_lex(const buoy_source *src, buoy_lexed *out, buoy_diags *diags);
void buoy_lexed_free(buoy_lexed *out);

/* An integer literal as lexed (decimal, 0octal or 0xhex). False if it does
 * not fit in 64 bits; *out is then UINT64_MAX. */
bool buoy_parse_int_literal(const char *s, uint32_t n, uint64_t *out);
/* A float literal, or an integer literal used as a float. */
double buoy_parse_float_literal(const char *s, uint32_t n);
/* Decodes a string literal (quotes included) into bytes, appending to a
 * growing buffer in the arena. Tolerates the errors the lexer reported. */
void buoy_decode_string(buoy_arena *a, const char *s, uint32_t n, char **buf, uint32_t *len, uint32_t *cap);

#endif
