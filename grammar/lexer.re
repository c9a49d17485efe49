/* The .proto lexer (re2c).
 *
 * Turns a whole source buffer into an array of tokens and an array of
 * comments in one pass. The buffer is NUL-terminated, so the NUL is the
 * sentinel: re2c never needs to check the length, and a NUL byte before the
 * end is reported as an error. Number, string and comment bodies are scanned
 * by small hand-written loops, so each error can be reported at the exact
 * byte protoc reports it at. */

#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "syntax/lexer.h"
#include "proto.h"

typedef struct lexer {
  const buoy_source *src;
  const unsigned char *base;
  const unsigned char *end; /* the sentinel NUL */
  buoy_lexed *out;
  uint32_t cap_tokens, cap_comments, cap_errors;
} lexer;

static void *grow(void *p, uint32_t *cap, size_t elem) {
  uint32_t n = *cap ? *cap * 2 : 256;
  void *q = realloc(p, elem * n);
  if (!q) {
    fputs("buoy: out of memory\n", stderr);
    abort();
  }
  *cap = n;
  return q;
}

static uint32_t off(const lexer *L, const unsigned char *p) { return (uint32_t)(p - L->base); }

/* An error protoc reports at protoc_at and buf at buf_at. */
static void lex_error2(lexer *L, const unsigned char *protoc_at, const unsigned char *buf_at, int dialect,
                       const char *msg) {
  buoy_lexed *o = L->out;
  if (o->nerrors == L->cap_errors) o->errors = grow(o->errors, &L->cap_errors, sizeof(buoy_lex_error));
  buoy_lex_error *e = &o->errors[o->nerrors++];
  e->protoc_offset = off(L, protoc_at);
  e->buf_offset = off(L, buf_at);
  e->token = o->ntokens;
  e->dialect = (uint8_t)dialect;
  e->message = msg;
}

static void lex_error(lexer *L, const unsigned char *at, const char *msg) { lex_error2(L, at, at, BUOY_LEX_BOTH, msg); }

static void emit(lexer *L, int kind, const unsigned char *start, const unsigned char *end, uint16_t flags) {
  buoy_lexed *o = L->out;
  if (o->ntokens == L->cap_tokens) o->tokens = grow(o->tokens, &L->cap_tokens, sizeof(buoy_token));
  buoy_token *t = &o->tokens[o->ntokens++];
  t->start = off(L, start);
  t->len = (uint32_t)(end - start);
  t->kind = (uint16_t)kind;
  t->flags = flags;
}

static void emit_comment(lexer *L, const unsigned char *start, const unsigned char *end, bool block) {
  buoy_lexed *o = L->out;
  if (o->ncomments == L->cap_comments) o->comments = grow(o->comments, &L->cap_comments, sizeof(buoy_comment));
  buoy_comment *c = &o->comments[o->ncomments++];
  c->start = off(L, start);
  c->end = off(L, end);
  c->next_token = o->ntokens; /* the next token emitted */
  c->block = block;
}

static bool is_digit(unsigned c) { return c >= '0' && c <= '9'; }
static bool is_octal(unsigned c) { return c >= '0' && c <= '7'; }
static bool is_hex(unsigned c) { return is_digit(c) || ((c | 0x20) >= 'a' && (c | 0x20) <= 'f'); }
static bool is_letter(unsigned c) { return ((c | 0x20) >= 'a' && (c | 0x20) <= 'z') || c == '_'; }
static bool at_end(const lexer *L, const unsigned char *p) { return p >= L->end; }

/* Length of the well-formed UTF-8 sequence starting at p (a byte >= 0x80),
 * or 0 if it is not one. The NUL sentinel stops any sequence. */
static int utf8_length(const unsigned char *p) {
  unsigned c = p[0];
  unsigned lo = 0x80, hi = 0xBF;
  int n;
  if (c >= 0xC2 && c <= 0xDF) n = 2;
  else if (c >= 0xE0 && c <= 0xEF) n = 3, lo = c == 0xE0 ? 0xA0 : 0x80, hi = c == 0xED ? 0x9F : 0xBF;
  else if (c >= 0xF0 && c <= 0xF4) n = 4, lo = c == 0xF0 ? 0x90 : 0x80, hi = c == 0xF4 ? 0x8F : 0xBF;
  else return 0;
  if (p[1] < lo || p[1] > hi) return 0;
  for (int i = 2; i < n; i++)
    if (p[i] < 0x80 || p[i] > 0xBF) return 0;
  return n;
}

/* Steps over one byte of a string or comment body, checking UTF-8 once per
 * body (strings and comments both end up in descriptors as string fields). */
static const unsigned char *utf8_step(lexer *L, const unsigned char *p, bool *reported) {
  if (*p < 0x80) return p + 1;
  int n = utf8_length(p);
  if (n) return p + n;
  if (!*reported) lex_error(L, p, "invalid UTF-8: source files must be UTF-8 text");
  *reported = true;
  return p + 1;
}

/* A number, starting at `start`; p points just past its first character.
 * Follows protoc's rules and error positions: hex "0x..", octal "0..",
 * decimal with optional fraction and exponent. */
static const unsigned char *lex_number(lexer *L, const unsigned char *start, const unsigned char *p) {
  bool is_float = false, bad = false;
  bool zero = start[0] == '0', dot = start[0] == '.';
  if (zero && (*p == 'x' || *p == 'X')) {
    p++;
    if (!is_hex(*p)) {
      lex_error2(L, p, start, BUOY_LEX_BOTH, "\"0x\" must be followed by hexadecimal digits");
      bad = true;
    }
    while (is_hex(*p)) p++;
  } else if (zero && is_digit(*p)) {
    while (is_octal(*p)) p++;
    if (is_digit(*p)) {
      lex_error(L, p, "a number with a leading zero is octal, and may only use the digits 0 to 7");
      bad = true;
      while (is_digit(*p)) p++;
    }
  } else {
    if (dot) {
      is_float = true;
      while (is_digit(*p)) p++;
    } else {
      while (is_digit(*p)) p++;
      if (*p == '.') {
        is_float = true;
        p++;
        while (is_digit(*p)) p++;
      }
    }
    if (*p == 'e' || *p == 'E') {
      is_float = true;
      p++;
      if (*p == '-' || *p == '+') p++;
      if (!is_digit(*p)) {
        lex_error2(L, p, start, BUOY_LEX_BOTH, "the exponent of a number needs at least one digit");
        bad = true;
      }
      while (is_digit(*p)) p++;
    }
  }
  if (is_letter(*p)) {
    lex_error(L, p, "a number must be followed by a space or a symbol, not a letter");
    bad = true;
  } else if (*p == '.') {
    lex_error(L, p,
              is_float ? "a number cannot have a second decimal point or a point after its exponent"
                       : "hexadecimal and octal numbers cannot have a fractional part");
    bad = true;
  }
  uint16_t flags = bad ? BUOY_TOKF_BAD : 0;
  if (!is_float) {
    uint64_t v;
    if (!buoy_parse_int_literal((const char *)start, (uint32_t)(p - start), &v)) flags |= BUOY_TOKF_OVERFLOW;
  }
  emit(L, is_float ? TK_FLOAT : TK_INT, start, p, flags);
  return p;
}

/* Reads n hex digits at p into *v; false (p unmoved past the first non-hex
 * byte) if there are fewer. */
static bool hex_digits(const unsigned char **pp, int n, uint32_t *v) {
  const unsigned char *p = *pp;
  uint32_t x = 0;
  for (int i = 0; i < n; i++) {
    if (!is_hex(*p)) {
      *pp = p;
      return false;
    }
    x = x * 16 + (uint32_t)(is_digit(*p) ? *p - '0' : (*p | 0x20) - 'a' + 10);
    p++;
  }
  *pp = p;
  *v = x;
  return true;
}

/* A string literal in either quote style. Reports bad escapes, newlines and
 * end of file at the byte protoc reports them at (buf reports escapes at
 * their backslash); the token always ends where scanning stopped, so
 * parsing can go on. A NUL byte ends the string, as it does for protoc. */
static const unsigned char *lex_string(lexer *L, const unsigned char *start) {
  unsigned char quote = start[0];
  const unsigned char *p = start + 1;
  bool bad = false, bad_utf8 = false;
  for (;;) {
    unsigned c = *p;
    if (c == 0) {
      lex_error(L, p, "unterminated string literal: it is cut off by the end of the file or a NUL byte");
      bad = true;
      break;
    }
    if (c == '\n') {
      lex_error(L, p, "unterminated string literal: a string cannot span lines");
      bad = true;
      break;
    }
    if (c == quote) {
      p++;
      break;
    }
    if (c != '\\') {
      p = utf8_step(L, p, &bad_utf8);
      continue;
    }
    const unsigned char *esc = p;
    p++; /* the backslash */
    c = *p;
    if (c != 0 && strchr("abfnrtv\\?'\"", (int)c)) {
      p++;
    } else if (is_octal(c)) {
      p++; /* further octal digits are plain characters to this loop */
    } else if (c == 'x' || c == 'X') {
      p++;
      if (!is_hex(*p)) {
        lex_error2(L, p, esc, BUOY_LEX_BOTH, "\\x escape needs at least one hexadecimal digit");
        bad = true;
      }
    } else if (c == 'u') {
      p++;
      uint32_t cp = 0;
      if (!hex_digits(&p, 4, &cp)) {
        lex_error2(L, p, esc, BUOY_LEX_BOTH, "\\u escape needs exactly four hexadecimal digits");
        bad = true;
      } else if (cp >= 0xD800 && cp <= 0xDFFF) {
        /* A surrogate must be a high one followed by an escaped low one;
         * protoc lets lone ones through, buf does not. */
        const unsigned char *q = p;
        uint32_t lo = 0;
        bool paired = cp <= 0xDBFF && q[0] == '\\' && q[1] == 'u' && (q += 2, hex_digits(&q, 4, &lo)) &&
                      lo >= 0xDC00 && lo <= 0xDFFF;
        if (paired) p = q;
        else lex_error2(L, esc, esc, BUOY_LEX_EDITIONS_ONLY, "\\u escape of a lone UTF-16 surrogate");
        bad |= !paired;
      }
    } else if (c == 'U') {
      /* Eight hex digits. protoc checks the first three are 0, 0 and 0 or 1;
       * buf also refuses anything above 10ffff. */
      p++;
      bool ok = true;
      const unsigned char *digits = p;
      if (*p == '0') p++; else ok = false;
      if (ok && *p == '0') p++; else ok = false;
      if (ok && (*p == '0' || *p == '1')) p++; else ok = false;
      for (int i = 0; ok && i < 5; i++) {
        if (is_hex(*p)) p++;
        else ok = false; /* stay on the offending byte: it may be the sentinel */
      }
      if (!ok) {
        lex_error2(L, p, esc, BUOY_LEX_BOTH, "\\U escape needs eight hexadecimal digits, at most 0010ffff");
        bad = true;
      } else {
        uint32_t cp = 0;
        hex_digits(&digits, 8, &cp);
        if (cp > 0x10FFFF) {
          lex_error2(L, esc, esc, BUOY_LEX_EDITIONS_ONLY, "\\U escape beyond the last Unicode code point, 10ffff");
          bad = true;
        }
      }
    } else {
      lex_error2(L, p, esc, BUOY_LEX_BOTH, "invalid escape sequence in string literal");
      bad = true;
    }
  }
  emit(L, TK_STRING, start, p, bad || bad_utf8 ? BUOY_TOKF_BAD : 0);
  return p;
}

static const unsigned char *lex_line_comment(lexer *L, const unsigned char *start) {
  const unsigned char *p = start + 2;
  bool bad_utf8 = false;
  while (*p != '\n' && !(*p == 0 && at_end(L, p))) p = utf8_step(L, p, &bad_utf8);
  emit_comment(L, start, p, false);
  return p;
}

static const unsigned char *lex_block_comment(lexer *L, const unsigned char *start) {
  const unsigned char *p = start + 2;
  bool bad_utf8 = false;
  for (;;) {
    if (*p == 0 && at_end(L, p)) {
      lex_error2(L, p, start, BUOY_LEX_BOTH, "unterminated block comment: the file ends inside it");
      break;
    }
    if (p[0] == '*' && p[1] == '/') {
      p += 2;
      break;
    }
    if (p[0] == '/' && p[1] == '*') lex_error(L, p + 1, "block comments cannot be nested");
    p = utf8_step(L, p, &bad_utf8);
  }
  emit_comment(L, start, p, true);
  return p;
}

bool buoy_lex(const buoy_source *src, buoy_lexed *out) {
  lexer L;
  memset(out, 0, sizeof *out);
  L.src = src;
  L.base = (const unsigned char *)src->text;
  L.end = L.base + src->len;
  L.out = out;
  L.cap_tokens = L.cap_comments = L.cap_errors = 0;

  const unsigned char *p = L.base, *marker = NULL;
  (void)marker;
  /* A UTF-8 byte order mark is skipped; anything else starting with its
   * first byte is not UTF-8 text. */
  if (p[0] == 0xEF) {
    if (p[1] == 0xBB && p[2] == 0xBF) {
      p += 3;
    } else {
      const unsigned char *bad = p[1] == 0xBB ? p + 2 : p + 1;
      lex_error(&L, bad, "the file starts with an incomplete UTF-8 byte order mark; only UTF-8 text is accepted");
      p = L.end; /* nothing after it can be trusted */
    }
  }

  for (;;) {
    const unsigned char *tok = p;
    /*!re2c
      re2c:yyfill:enable = 0;
      re2c:define:YYCTYPE = "unsigned char";
      re2c:define:YYCURSOR = p;
      re2c:define:YYMARKER = marker;
      re2c:indent:top = 2;

      ident = [a-zA-Z_][a-zA-Z0-9_]*;

      [ \t\r\v\f\n]+ { continue; }
      "//" { p = lex_line_comment(&L, tok); continue; }
      "/*" { p = lex_block_comment(&L, tok); continue; }

      /* Keywords: re2c prefers the earlier rule for matches of equal length. */
      "syntax" { emit(&L, TK_SYNTAX, tok, p, 0); continue; }
      "edition" { emit(&L, TK_EDITION, tok, p, 0); continue; }
      "package" { emit(&L, TK_PACKAGE, tok, p, 0); continue; }
      "import" { emit(&L, TK_IMPORT, tok, p, 0); continue; }
      "public" { emit(&L, TK_PUBLIC, tok, p, 0); continue; }
      "weak" { emit(&L, TK_WEAK, tok, p, 0); continue; }
      "option" { emit(&L, TK_OPTION, tok, p, 0); continue; }
      "message" { emit(&L, TK_MESSAGE, tok, p, 0); continue; }
      "enum" { emit(&L, TK_ENUM, tok, p, 0); continue; }
      "service" { emit(&L, TK_SERVICE, tok, p, 0); continue; }
      "rpc" { emit(&L, TK_RPC, tok, p, 0); continue; }
      "returns" { emit(&L, TK_RETURNS, tok, p, 0); continue; }
      "stream" { emit(&L, TK_STREAM, tok, p, 0); continue; }
      "extend" { emit(&L, TK_EXTEND, tok, p, 0); continue; }
      "extensions" { emit(&L, TK_EXTENSIONS, tok, p, 0); continue; }
      "reserved" { emit(&L, TK_RESERVED, tok, p, 0); continue; }
      "to" { emit(&L, TK_TO, tok, p, 0); continue; }
      "max" { emit(&L, TK_MAX, tok, p, 0); continue; }
      "oneof" { emit(&L, TK_ONEOF, tok, p, 0); continue; }
      "map" { emit(&L, TK_MAP, tok, p, 0); continue; }
      "group" { emit(&L, TK_GROUP, tok, p, 0); continue; }
      "optional" { emit(&L, TK_OPTIONAL, tok, p, 0); continue; }
      "required" { emit(&L, TK_REQUIRED, tok, p, 0); continue; }
      "repeated" { emit(&L, TK_REPEATED, tok, p, 0); continue; }
      "export" { emit(&L, TK_EXPORT, tok, p, 0); continue; }
      "local" { emit(&L, TK_LOCAL, tok, p, 0); continue; }
      "double" | "float" | "int32" | "int64" | "uint32" | "uint64" | "sint32" | "sint64" | "fixed32" | "fixed64" | "sfixed32" | "sfixed64" | "bool" | "string" | "bytes" { emit(&L, TK_SCALAR, tok, p, 0); continue; }
      ident { emit(&L, TK_IDENT, tok, p, 0); continue; }
      "." [0-9] {
        /* "foo.5" would read as an identifier and a float: protoc refuses it. */
        if (out->ntokens > 0) {
          const buoy_token *prev = &out->tokens[out->ntokens - 1];
          if (prev->kind == TK_IDENT && prev->start + prev->len == off(&L, tok))
            lex_error(&L, tok, "an identifier cannot be followed directly by a decimal point and a digit");
        }
        p = lex_number(&L, tok, tok + 1);
        continue;
      }
      [0-9] { p = lex_number(&L, tok, p); continue; }
      ["'] { p = lex_string(&L, tok); continue; }

      ";" { emit(&L, TK_SEMI, tok, p, 0); continue; }
      "{" { emit(&L, TK_LBRACE, tok, p, 0); continue; }
      "}" { emit(&L, TK_RBRACE, tok, p, 0); continue; }
      "[" { emit(&L, TK_LBRACK, tok, p, 0); continue; }
      "]" { emit(&L, TK_RBRACK, tok, p, 0); continue; }
      "(" { emit(&L, TK_LPAREN, tok, p, 0); continue; }
      ")" { emit(&L, TK_RPAREN, tok, p, 0); continue; }
      "<" { emit(&L, TK_LT, tok, p, 0); continue; }
      ">" { emit(&L, TK_GT, tok, p, 0); continue; }
      "=" { emit(&L, TK_EQ, tok, p, 0); continue; }
      "," { emit(&L, TK_COMMA, tok, p, 0); continue; }
      "." { emit(&L, TK_DOT, tok, p, 0); continue; }
      ":" { emit(&L, TK_COLON, tok, p, 0); continue; }
      "-" { emit(&L, TK_MINUS, tok, p, 0); continue; }
      "/" { emit(&L, TK_SLASH, tok, p, 0); continue; }

      "\x00" {
        if (at_end(&L, tok)) break;
        lex_error(&L, tok, "NUL byte in source file");
        continue;
      }
      [\x01-\x08\x0e-\x1f]+ {
        lex_error(&L, tok, "control characters are not allowed outside strings and comments");
        continue;
      }
      [\x80-\xff]+ {
        lex_error(&L, tok, "non-ASCII characters are only allowed in strings and comments");
        emit(&L, TK_OTHER, tok, p, BUOY_TOKF_BAD);
        continue;
      }
      * { emit(&L, TK_OTHER, tok, p, 0); continue; }
    */
  }
  /* The end-of-input token: kind 0, empty, at the end of the file. */
  emit(&L, 0, L.end, L.end, 0);
  return out->nerrors == 0;
}

void buoy_lexed_free(buoy_lexed *out) {
  free(out->tokens);
  free(out->comments);
  free(out->errors);
  memset(out, 0, sizeof *out);
}
