#include "module/yaml.h"

#include <stdarg.h>
#include <string.h>
#include <yaml.h>

typedef struct anchor {
  const char *name;
  by_node *node;
  struct anchor *next;
} anchor;

typedef struct builder {
  buoy_arena *a;
  const buoy_source *src;
  buoy_diags *diags;
  yaml_parser_t parser;
  anchor *anchors;
  bool failed;
} builder;

/* libyaml marks count characters; diagnostics want byte offsets. */
static uint32_t mark_offset(const buoy_source *src, yaml_mark_t m) {
  if (m.line >= src->nlines) return src->len;
  uint32_t off = src->line_starts[m.line];
  for (size_t c = 0; c < m.column && off < src->len && src->text[off] != '\n'; c++) {
    off++;
    while (off < src->len && ((unsigned char)src->text[off] & 0xC0) == 0x80)
      off++;
  }
  return off;
}

static void fail_at(builder *b, yaml_mark_t m, const char *fmt, const char *arg) {
  if (b->failed) return;
  b->failed = true;
  buoy_diag_add(b->diags, BUOY_ERROR, b->src, mark_offset(b->src, m), fmt, arg);
}

static void fail_parser(builder *b) {
  yaml_parser_t *p = &b->parser;
  if (b->failed) return;
  b->failed = true;
  const char *problem = p->problem ? p->problem : "malformed YAML";
  /* Reader errors (bad encoding) carry a byte offset rather than a line. */
  uint32_t off = p->error == YAML_READER_ERROR
                     ? (p->problem_offset < b->src->len ? (uint32_t)p->problem_offset : b->src->len)
                     : mark_offset(b->src, p->problem_mark);
  bool elsewhere = p->context_mark.line != p->problem_mark.line || p->context_mark.column != p->problem_mark.column;
  if (p->context && elsewhere)
    buoy_diag_add(b->diags, BUOY_ERROR, b->src, off, "invalid YAML: %s %s that starts at line %zu, column %zu", problem,
                  p->context, p->context_mark.line + 1, p->context_mark.column + 1);
  else if (p->context)
    buoy_diag_add(b->diags, BUOY_ERROR, b->src, off, "invalid YAML: %s %s", problem, p->context);
  else
    buoy_diag_add(b->diags, BUOY_ERROR, b->src, off, "invalid YAML: %s", problem);
}

static bool next_event(builder *b, yaml_event_t *ev) {
  if (!yaml_parser_parse(&b->parser, ev)) {
    fail_parser(b);
    return false;
  }
  return true;
}

static by_node *new_node(builder *b, by_kind kind, yaml_mark_t m) {
  by_node *n = BUOY_NEW(b->a, by_node);
  n->kind = kind;
  n->offset = mark_offset(b->src, m);
  return n;
}

static void remember(builder *b, const yaml_char_t *name, by_node *n) {
  if (!name) return;
  anchor *an = BUOY_NEW(b->a, anchor);
  an->name = buoy_arena_strndup(b->a, (const char *)name, strlen((const char *)name));
  an->node = n;
  an->next = b->anchors;
  b->anchors = an;
}

static void push_item(builder *b, by_node *parent, by_node *item, uint32_t *cap) {
  if (parent->n == *cap) {
    *cap = *cap ? *cap * 2 : 4;
    by_node **items = buoy_arena_alloc_raw(b->a, sizeof(by_node *) * *cap);
    if (parent->n) memcpy(items, parent->items, sizeof(by_node *) * parent->n);
    parent->items = items;
  }
  parent->items[parent->n++] = item;
}

static by_node *build_node(builder *b, yaml_event_t *ev, int depth);

/* Reads items until the collection's end event. */
static by_node *build_collection(builder *b, yaml_event_t *start, by_kind kind, int depth) {
  by_node *n = new_node(b, kind, start->start_mark);
  yaml_char_t *anchor_name = kind == BY_SEQ ? start->data.sequence_start.anchor : start->data.mapping_start.anchor;
  char *name = anchor_name ? buoy_arena_strndup(b->a, (char *)anchor_name, strlen((char *)anchor_name)) : NULL;
  if (depth >= BY_MAX_DEPTH) {
    fail_at(b, start->start_mark, "configuration nested more than %s levels deep", "64");
    return NULL;
  }
  uint32_t cap = 0;
  for (;;) {
    yaml_event_t ev;
    if (!next_event(b, &ev)) return NULL;
    if (ev.type == YAML_SEQUENCE_END_EVENT || ev.type == YAML_MAPPING_END_EVENT) {
      yaml_event_delete(&ev);
      break;
    }
    by_node *item = build_node(b, &ev, depth + 1);
    yaml_event_delete(&ev);
    if (!item) return NULL;
    push_item(b, n, item, &cap);
  }
  if (kind == BY_MAP) n->n /= 2;
  remember(b, (const yaml_char_t *)name, n);
  return n;
}

static by_node *build_scalar(builder *b, yaml_event_t *ev) {
  by_node *n = new_node(b, BY_SCALAR, ev->start_mark);
  n->str = buoy_arena_strndup(b->a, (const char *)ev->data.scalar.value, ev->data.scalar.length);
  n->len = (uint32_t)ev->data.scalar.length;
  const char *tag = (const char *)ev->data.scalar.tag;
  n->str_tag = tag && strcmp(tag, YAML_STR_TAG) == 0;
  n->plain = ev->data.scalar.style == YAML_PLAIN_SCALAR_STYLE && !tag;
  remember(b, ev->data.scalar.anchor, n);
  return n;
}

static by_node *build_alias(builder *b, yaml_event_t *ev) {
  const char *name = (const char *)ev->data.alias.anchor;
  for (anchor *an = b->anchors; an; an = an->next)
    if (strcmp(an->name, name) == 0) return an->node;
  fail_at(b, ev->start_mark, "unknown anchor '%s' referenced", name);
  return NULL;
}

static by_node *build_node(builder *b, yaml_event_t *ev, int depth) {
  switch (ev->type) {
  case YAML_SCALAR_EVENT: return build_scalar(b, ev);
  case YAML_ALIAS_EVENT: return build_alias(b, ev);
  case YAML_SEQUENCE_START_EVENT: return build_collection(b, ev, BY_SEQ, depth);
  case YAML_MAPPING_START_EVENT: return build_collection(b, ev, BY_MAP, depth);
  default: fail_at(b, ev->start_mark, "unexpected YAML event%s", ""); return NULL;
  }
}

/* Skips stream and document starts; the root node, or NULL with *empty set
 * when the stream has no document. */
static by_node *build_root(builder *b, bool *empty) {
  for (;;) {
    yaml_event_t ev;
    if (!next_event(b, &ev)) return NULL;
    yaml_event_type_t t = ev.type;
    if (t == YAML_STREAM_START_EVENT || t == YAML_DOCUMENT_START_EVENT) {
      yaml_event_delete(&ev);
      continue;
    }
    if (t == YAML_STREAM_END_EVENT) {
      yaml_event_delete(&ev);
      *empty = true;
      return NULL;
    }
    by_node *root = build_node(b, &ev, 0);
    yaml_event_delete(&ev);
    return root;
  }
}

by_node *by_parse(buoy_arena *a, const buoy_source *src, buoy_diags *diags, bool *empty) {
  builder b = {a, src, diags, {0}, NULL, false};
  *empty = false;
  if (!yaml_parser_initialize(&b.parser)) {
    buoy_diag_add(diags, BUOY_ERROR, src, 0, "cannot initialise the YAML parser");
    return NULL;
  }
  yaml_parser_set_input_string(&b.parser, (const unsigned char *)src->text, src->len);
  by_node *root = build_root(&b, empty);
  /* Only the first document counts, but it must end well. */
  if (root) {
    yaml_event_t ev;
    if (next_event(&b, &ev)) yaml_event_delete(&ev);
  }
  yaml_parser_delete(&b.parser);
  return b.failed ? NULL : root;
}

bool by_is_null(const by_node *n) {
  if (!n) return true;
  if (n->kind != BY_SCALAR || !n->plain) return false;
  const char *s = n->str;
  return !s[0] || strcmp(s, "~") == 0 || strcmp(s, "null") == 0 || strcmp(s, "Null") == 0 || strcmp(s, "NULL") == 0;
}

bool by_bool(const by_node *n, bool *value) {
  static const char *const yes[] = {"true", "True", "TRUE", "yes", "Yes", "YES", "on", "On", "ON", "y", "Y", NULL};
  static const char *const no[] = {"false", "False", "FALSE", "no", "No", "NO", "off", "Off", "OFF", "n", "N", NULL};
  if (!n || n->kind != BY_SCALAR || !n->plain) return false;
  for (int i = 0; yes[i]; i++)
    if (strcmp(n->str, yes[i]) == 0) return (*value = true);
  for (int i = 0; no[i]; i++)
    if (strcmp(n->str, no[i]) == 0) {
      *value = false;
      return true;
    }
  return false;
}

by_node *by_get(const by_node *map, const char *key) {
  if (!map || map->kind != BY_MAP) return NULL;
  for (uint32_t i = 0; i < map->n; i++) {
    const by_node *k = map->items[2 * i];
    if (k->kind == BY_SCALAR && strcmp(k->str, key) == 0) return map->items[2 * i + 1];
  }
  return NULL;
}

/* ---- decoding configuration files ---- */

bool by_fail(const by_ctx *c, const by_node *at, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  buoy_diag_addv(c->diags, BUOY_ERROR, c->src, at ? at->offset : 0, fmt, ap);
  va_end(ap);
  return false;
}

bool by_get_string(const by_ctx *c, const by_node *n, const char *what, const char *dflt, const char **out) {
  *out = dflt;
  if (by_is_null(n)) return true;
  if (n->kind != BY_SCALAR) return by_fail(c, n, "%s must be a string", what);
  *out = n->str;
  return true;
}

bool by_get_bool(const by_ctx *c, const by_node *n, const char *what, bool *out) {
  bool v = false;
  if (out) *out = false;
  if (by_is_null(n)) return true;
  if (!by_bool(n, &v)) return by_fail(c, n, "%s must be true or false", what);
  if (out) *out = v;
  return true;
}

bool by_check_keys(const by_ctx *c, const by_node *map, const char *what, const char *const *keys) {
  for (uint32_t i = 0; i < map->n; i++) {
    const by_node *k = map->items[2 * i];
    if (k->kind != BY_SCALAR) return by_fail(c, k, "keys of %s must be strings", what);
    bool known = false;
    for (const char *const *p = keys; *p && !known; p++)
      known = strcmp(*p, k->str) == 0;
    if (!known) {
      char list[512] = "";
      for (const char *const *p = keys; *p; p++) {
        if (p != keys) strncat(list, ", ", sizeof list - strlen(list) - 1);
        strncat(list, *p, sizeof list - strlen(list) - 1);
      }
      return by_fail(c, k, "unknown key \"%s\" in %s (known keys: %s)", k->str, what, list);
    }
    for (uint32_t j = 0; j < i; j++)
      if (strcmp(map->items[2 * j]->str, k->str) == 0) return by_fail(c, k, "key \"%s\" is set twice", k->str);
  }
  return true;
}
