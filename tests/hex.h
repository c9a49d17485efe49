/* Hex on the test tools' line protocols (tests/json/json_tool.c,
 * tests/testmsgs/tm_tool.c): payloads travel as lowercase hex. */
#ifndef BUOY_TESTS_HEX_H
#define BUOY_TESTS_HEX_H

#include <stdio.h>
#include <string.h>

static inline int unhex_digit(int c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

/* Decodes hex text in place; returns the byte count, or -1. */
static inline long unhex(char *s) {
  size_t n = strlen(s);
  if (n % 2) return -1;
  for (size_t i = 0; i < n / 2; i++) {
    int hi = unhex_digit(s[2 * i]), lo = unhex_digit(s[2 * i + 1]);
    if (hi < 0 || lo < 0) return -1;
    s[i] = (char)(hi << 4 | lo);
  }
  return (long)(n / 2);
}

/* Writes n bytes at p to stdout as hex. */
static inline void put_hex(const char *p, size_t n) {
  static const char digits[] = "0123456789abcdef";
  for (size_t i = 0; i < n; i++) {
    putchar(digits[(unsigned char)p[i] >> 4]);
    putchar(digits[(unsigned char)p[i] & 15]);
  }
}

#endif
