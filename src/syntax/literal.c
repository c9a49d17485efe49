/* Decoding of number and string literals, as protoc's tokenizer defines them. */
#include <stdlib.h>
#include <string.h>

#include "syntax/lexer.h"

static int digit_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'z') return c - 'a' + 10;
  if (c >= 'A' && c <= 'Z') return c - 'A' + 10;
  return 99;
}

bool buoy_parse_int_literal(const char *s, uint32_t n, uint64_t *out) {
  unsigned base = 10;
  uint32_t i = 0;
  if (n >= 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
    base = 16;
    i = 2;
  } else if (n >= 2 && s[0] == '0') {
    base = 8;
    i = 1;
  }
  uint64_t v = 0;
  for (; i < n; i++) {
    int d = digit_value(s[i]);
    if (d >= (int)base) break; /* the lexer already reported it */
    if (v > (UINT64_MAX - (uint64_t)d) / base) {
      *out = UINT64_MAX;
      return false;
    }
    v = v * base + (uint64_t)d;
  }
  *out = v;
  return true;
}

double buoy_parse_float_literal(const char *s, uint32_t n) {
  char buf[128];
  if (n >= 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
    uint64_t v;
    if (!buoy_parse_int_literal(s, n, &v)) return (double)UINT64_MAX;
    return (double)v;
  }
  if (n > 1 && s[0] == '0' && s[1] >= '0' && s[1] <= '9') {
    uint64_t v;
    buoy_parse_int_literal(s, n, &v);
    return (double)v;
  }
  if (n < sizeof buf) {
    memcpy(buf, s, n);
    buf[n] = 0;
    return strtod(buf, NULL);
  }
  char *big = malloc((size_t)n + 1);
  if (!big) return 0;
  memcpy(big, s, n);
  big[n] = 0;
  double d = strtod(big, NULL);
  free(big);
  return d;
}

static void put(buoy_arena *a, char **buf, uint32_t *len, uint32_t *cap, char c) {
  if (*len + 1 >= *cap) {
    uint32_t ncap = *cap ? *cap * 2 : 64;
    char *nb = buoy_arena_alloc_raw(a, ncap);
    if (*len) memcpy(nb, *buf, *len);
    *buf = nb;
    *cap = ncap;
  }
  (*buf)[(*len)++] = c;
  (*buf)[*len] = 0;
}

static void put_utf8(buoy_arena *a, char **buf, uint32_t *len, uint32_t *cap, uint32_t cp) {
  if (cp < 0x80) {
    put(a, buf, len, cap, (char)cp);
  } else if (cp < 0x800) {
    put(a, buf, len, cap, (char)(0xC0 | (cp >> 6)));
    put(a, buf, len, cap, (char)(0x80 | (cp & 0x3F)));
  } else if (cp < 0x10000) {
    put(a, buf, len, cap, (char)(0xE0 | (cp >> 12)));
    put(a, buf, len, cap, (char)(0x80 | ((cp >> 6) & 0x3F)));
    put(a, buf, len, cap, (char)(0x80 | (cp & 0x3F)));
  } else {
    put(a, buf, len, cap, (char)(0xF0 | ((cp >> 18) & 0x07)));
    put(a, buf, len, cap, (char)(0x80 | ((cp >> 12) & 0x3F)));
    put(a, buf, len, cap, (char)(0x80 | ((cp >> 6) & 0x3F)));
    put(a, buf, len, cap, (char)(0x80 | (cp & 0x3F)));
  }
}

static uint32_t read_hex(const char *s, uint32_t n, uint32_t *i, int max_digits) {
  uint32_t v = 0;
  for (int k = 0; k < max_digits && *i < n && digit_value(s[*i]) < 16; k++, (*i)++)
    v = v * 16 + (uint32_t)digit_value(s[*i]);
  return v;
}

void buoy_decode_string(buoy_arena *a, const char *s, uint32_t n, char **buf, uint32_t *len, uint32_t *cap) {
  if (n == 0) return;
  char quote = s[0];
  uint32_t end = n;
  if (n >= 2 && s[n - 1] == quote) end = n - 1;
  if (*cap == 0) put(a, buf, len, cap, 0), (*len)--; /* make sure a buffer exists */
  for (uint32_t i = 1; i < end;) {
    char c = s[i++];
    if (c != '\\') {
      put(a, buf, len, cap, c);
      continue;
    }
    if (i >= end) break;
    c = s[i++];
    switch (c) {
    case 'a': put(a, buf, len, cap, '\a'); break;
    case 'b': put(a, buf, len, cap, '\b'); break;
    case 'f': put(a, buf, len, cap, '\f'); break;
    case 'n': put(a, buf, len, cap, '\n'); break;
    case 'r': put(a, buf, len, cap, '\r'); break;
    case 't': put(a, buf, len, cap, '\t'); break;
    case 'v': put(a, buf, len, cap, '\v'); break;
    case 'x':
    case 'X': put(a, buf, len, cap, (char)read_hex(s, end, &i, 2)); break;
    case 'u': {
      uint32_t cp = read_hex(s, end, &i, 4);
      /* A high surrogate followed by an escaped low surrogate is one code point. */
      if (cp >= 0xD800 && cp <= 0xDBFF && i + 6 <= end && s[i] == '\\' && s[i + 1] == 'u') {
        uint32_t j = i + 2;
        uint32_t lo = read_hex(s, end, &j, 4);
        if (j == i + 6 && lo >= 0xDC00 && lo <= 0xDFFF) {
          cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
          i = j;
        }
      }
      put_utf8(a, buf, len, cap, cp);
      break;
    }
    case 'U': put_utf8(a, buf, len, cap, read_hex(s, end, &i, 8)); break;
    default:
      if (c >= '0' && c <= '7') {
        uint32_t v = (uint32_t)(c - '0');
        for (int k = 0; k < 2 && i < end && s[i] >= '0' && s[i] <= '7'; k++)
          v = v * 8 + (uint32_t)(s[i++] - '0');
        put(a, buf, len, cap, (char)(v & 0xFF));
      } else {
        put(a, buf, len, cap, c); /* \\ \' \" \? and anything the lexer rejected */
      }
    }
  }
}
