/* The lexer's interface and the literal decoders shared with the parser. */
#ifndef BUOY_SYNTAX_LEXER_H
#define BUOY_SYNTAX_LEXER_H

#include <stdbool.h>
#include <stdint.h>

#include "base/arena.h"
#include "base/diag.h"
#include "syntax/ast.h"

/* Which reference tool a lexical rule follows: protoc for proto2 and proto3
 * files, buf for editions files. Most rules are shared. */
enum { BUOY_LEX_BOTH, BUOY_LEX_EDITIONS_ONLY };

/* A lexical error. protoc and buf sometimes report the same mistake at
 * different bytes (the bad character, or the start of its token); both are
 * kept, and the parse driver picks once the file's syntax is known. */
typedef struct buoy_lex_error {
  uint32_t protoc_offset;
  uint32_t buf_offset;
  uint32_t token;  /* index of the token being lexed: orders it among parse errors */
  uint8_t dialect; /* BUOY_LEX_* */
  const char *message;
} buoy_lex_error;

typedef struct buoy_lexed {
  buoy_token *tokens; /* ends with a token of kind 0 at the end of the file */
  uint32_t ntokens;
  buoy_comment *comments;
  uint32_t ncomments;
  buoy_lex_error *errors;
  uint32_t nerrors;
} buoy_lexed;

/* Lexes a whole file; returns false if there were errors. The arrays are
 * filled either way and must be freed with buoy_lexed_free. */
bool buoy_lex(const buoy_source *src, buoy_lexed *out);
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
