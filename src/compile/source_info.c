/* SourceCodeInfo: a location (path, span, comments) for every element, as
 * buf writes them.
 *
 * Locations are made in the order protoc's parser makes them, then sorted
 * by span (start, then end; the file's own location first), which is the
 * order buf writes. Comments are read where a declaration ends (at ';', '{'
 * or '}') and split as buf 1.75 splits them (scan_gap): the trailing comment
 * of what just ended, detached comments, and the leading comment of what
 * comes next. buf's split differs from protoc's in a few places (a lone block
 * comment after a ';' leads the next declaration; comments run on after a
 * trailing comment are dropped; a comment on the next declaration's own line
 * is dropped), and buf is the reference. */
#include <stdlib.h>
#include <string.h>

#include "compile/internal.h"

typedef struct strlist {
  const char **items;
  uint32_t count, cap;
} strlist;

typedef struct sictx {
  bu_compiler *c;
  bu_file *f;
  const buoy_file *a;
  bu_location *locs;
  uint32_t n, cap;
  int32_t path[1024];
  uint32_t depth;
  uint32_t line_hint;     /* for buoy_source_pos_near */
  const char *up_leading; /* comments waiting for the next declaration */
  strlist up_detached;
} sictx;

/* File message, field and enum numbers in descriptor.proto. */
enum {
  F_PACKAGE = 2,
  F_DEPENDENCY = 3,
  F_MESSAGE = 4,
  F_ENUM = 5,
  F_SERVICE = 6,
  F_EXTENSION = 7,
  F_PUBLIC_DEP = 10,
  F_WEAK_DEP = 11,
  F_OPTION_DEP = 15,
  F_SYNTAX = 12,
  M_NAME = 1,
  M_FIELD = 2,
  M_NESTED = 3,
  M_ENUM = 4,
  M_EXT_RANGE = 5,
  M_EXTENSION = 6,
  M_ONEOF = 8,
  M_RESERVED_RANGE = 9,
  M_RESERVED_NAME = 10,
  FL_NAME = 1,
  FL_EXTENDEE = 2,
  FL_NUMBER = 3,
  FL_LABEL = 4,
  FL_TYPE = 5,
  FL_TYPE_NAME = 6,
  FL_DEFAULT = 7,
  FL_JSON_NAME = 10,
  E_NAME = 1,
  E_VALUE = 2,
  E_RESERVED_RANGE = 4,
  E_RESERVED_NAME = 5,
  EV_NAME = 1,
  EV_NUMBER = 2,
  S_NAME = 1,
  S_METHOD = 2,
  MT_NAME = 1,
  MT_INPUT = 2,
  MT_OUTPUT = 3,
  MT_CLIENT_STREAMING = 5,
  MT_SERVER_STREAMING = 6,
  R_START = 1,
  R_END = 2,
};

static void strlist_push(buoy_arena *a, strlist *l, const char *s) {
  if (l->count == l->cap) {
    uint32_t cap = l->cap ? l->cap * 2 : 4;
    const char **items = buoy_arena_alloc_raw(a, sizeof(char *) * cap);
    if (l->count) memcpy(items, l->items, sizeof(char *) * l->count);
    l->items = items;
    l->cap = cap;
  }
  l->items[l->count++] = s;
}

/* ------------------------------------------------------------------ comments */

/* The text of comments being gathered. */
typedef struct collector {
  buoy_arena *arena;
  char *buf;
  size_t len, cap;
} collector;

static void buf_append(collector *k, const char *s, size_t n) {
  if (k->len + n + 1 > k->cap) {
    size_t cap = (k->len + n + 1) * 2;
    char *b = buoy_arena_alloc_raw(k->arena, cap);
    if (k->len) memcpy(b, k->buf, k->len);
    k->buf = b;
    k->cap = cap;
  }
  memcpy(k->buf + k->len, s, n);
  k->len += n;
  k->buf[k->len] = 0;
}

static const char *buf_take(collector *k) {
  const char *s = buoy_arena_strndup(k->arena, k->buf ? k->buf : "", k->len);
  k->len = 0;
  return s;
}





static bool is_blank(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f'; }

/* Reads a line comment at p (after its "//") into the buffer, newline
 * included; returns the position after it. */
static const char *read_line_comment(collector *k, const char *p, const char *end, uint32_t *line) {
  const char *s = p;
  while (p < end && *p != '\n')
    p++;
  if (p < end) {
    p++;
    (*line)++;
  }
  buf_append(k, s, (size_t)(p - s));
  return p;
}

/* A block comment's text at p (after its opening): each line after the first
 * loses its indentation and one leading '*'; the closing delimiter goes. */
static const char *read_block_comment(collector *k, const char *p, const char *end, uint32_t *line) {
  const char *s = p;
  for (;;) {
    while (p < end && *p != '*' && *p != '\n')
      p++;
    if (p >= end) {
      buf_append(k, s, (size_t)(p - s));
      return p;
    }
    if (*p == '\n') {
      p++;
      (*line)++;
      buf_append(k, s, (size_t)(p - s));
      while (p < end && is_blank(*p))
        p++;
      if (p < end && *p == '*') {
        p++;
        if (p < end && *p == '/') return p + 1;
      }
      s = p;
    } else if (p + 1 < end && p[1] == '/') {
      buf_append(k, s, (size_t)(p - s));
      return p + 2;
    } else {
      p++;
    }
  }
}

typedef struct gap {
  const char *trailing;
  strlist detached;
  const char *leading;
} gap;

/* One comment in a gap between tokens. */
typedef struct gcomment {
  uint32_t start, end;           /* bytes, delimiters included */
  uint32_t first_line, last_line; /* 1-based; a line comment's last line is its own */
  bool line;                     /* a line comment */
} gcomment;

/* A group of comments given to one place: one block comment, or line
 * comments on consecutive lines. */
typedef struct cgroup {
  uint32_t from, to; /* indices into the gap's comments, to exclusive */
} cgroup;

#define GAP_MAX_COMMENTS 4096

/* The text of a group: each comment without its delimiters (a block
 * comment's later lines without their indentation and leading '*'), line
 * comments with their newlines, joined. */
static const char *group_text(sictx *x, const gcomment *cs, cgroup g, uint32_t prev_line) {
  collector k;
  memset(&k, 0, sizeof k);
  k.arena = &x->f->ast.arena;
  const char *text = x->a->src->text;
  for (uint32_t i = g.from; i < g.to; i++) {
    uint32_t line = cs[i].first_line;
    const char *end = text + x->a->src->len;
    if (cs[i].line) {
      read_line_comment(&k, text + cs[i].start + 2, end, &line);
      /* buf leaves out the newline of a line comment on the previous token's line */
      if (cs[i].first_line == prev_line && k.len && k.buf[k.len - 1] == '\n') k.buf[--k.len] = 0;
    } else
      read_block_comment(&k, text + cs[i].start + 2, end, &line);
  }
  return buf_take(&k);
}

/* The comments between token `before` (or the start of the file) and token
 * `after`, split as buf splits them: a line comment on the line of `before`
 * is its trailing comment (without its newline); then the comments are
 * grouped (one block comment, or line comments on consecutive lines; a blank
 * line ends a group), and when the first group starts right after `before`
 * it is `before`'s too if more groups follow or a blank line separates it
 * from `after`. The last group is `after`'s leading comment if it ends on
 * the line just above it; the others are detached. Of several comments given
 * to `before`, buf keeps the first; closing brackets and the end of the file
 * take no leading comments. */
static gap scan_gap(sictx *x, int64_t before, uint32_t after) {
  const buoy_file *a = x->a;
  const char *text = a->src->text;
  const buoy_token *next = &a->tokens[after];
  uint32_t from = before < 0 ? 0 : a->tokens[before].start + a->tokens[before].len;
  if (before < 0 && a->src->len >= 3 && memcmp(text, "\xEF\xBB\xBF", 3) == 0) from = 3;
  gap g = {NULL, {0}, NULL};
  gcomment cs[64], *big = NULL;
  gcomment *c = cs;
  uint32_t n = 0, cap = 64;
  for (uint32_t p = from; p + 1 < next->start;) {
    char ch = text[p];
    if (ch != '/' || (text[p + 1] != '/' && text[p + 1] != '*')) {
      p++;
      continue;
    }
    if (n == cap) {
      if (cap >= GAP_MAX_COMMENTS) break;
      gcomment *grown = malloc(sizeof *grown * cap * 2);
      if (!grown) abort();
      memcpy(grown, c, sizeof *grown * n);
      free(big);
      big = c = grown;
      cap *= 2;
    }
    gcomment *cm = &c[n++];
    cm->start = p;
    cm->line = text[p + 1] == '/';
    if (cm->line) {
      while (p < next->start && text[p] != '\n')
        p++;
    } else {
      p += 2;
      while (p + 1 < next->start && !(text[p] == '*' && text[p + 1] == '/'))
        p++;
      p = p + 2 <= next->start ? p + 2 : next->start;
    }
    cm->end = p;
    cm->first_line = buoy_source_pos_near(a->src, cm->start, &x->line_hint).line;
    cm->last_line = cm->line ? cm->first_line : buoy_source_pos_near(a->src, cm->end, &x->line_hint).line;
  }
  if (n == 0) {
    free(big);
    return g;
  }
  uint32_t prev_line = before < 0 ? 0 : buoy_source_pos_near(a->src, from, &x->line_hint).line;
  uint32_t next_line = buoy_source_pos_near(a->src, next->start, &x->line_hint).line;
  char nc = text[next->start];
  bool closing = next->kind == 0 || nc == '}' || nc == ']' || nc == ')';
  if (closing) next_line += 2; /* nothing to lead: as if after a blank line */
  uint32_t i = 0;
  bool trailing_taken = false;
  /* a line comment on the line `before` ends */
  if (before >= 0 && c[0].first_line == prev_line && c[0].line && next_line > prev_line) {
    cgroup one = {0, 1};
    g.trailing = group_text(x, c, one, prev_line);
    trailing_taken = true;
    i = 1;
  }
  /* the groups */
  cgroup groups[GAP_MAX_COMMENTS];
  uint32_t ng = 0;
  while (i < n) {
    cgroup gr = {i, i + 1};
    if (c[i].line)
      while (gr.to < n && c[gr.to].line && c[gr.to].first_line == c[gr.to - 1].last_line + 1)
        gr.to++;
    groups[ng++] = gr;
    i = gr.to;
  }
  uint32_t gi = 0;
  if (before >= 0 && ng && next_line > prev_line && c[groups[0].from].first_line <= prev_line + 1) {
    bool to_before = ng > 1 || c[groups[0].to - 1].last_line + 1 < next_line;
    if (to_before) {
      if (!trailing_taken) g.trailing = group_text(x, c, groups[0], prev_line);
      gi = 1;
    }
  }
  if (!closing) {
    for (; gi < ng; gi++) {
      const char *t = group_text(x, c, groups[gi], prev_line);
      uint32_t last = c[groups[gi].to - 1].last_line;
      if (gi + 1 == ng && last + 1 == next_line)
        g.leading = t;
      else if (last < next_line)
        strlist_push(&x->f->ast.arena, &g.detached, t);
    }
  }
  free(big);
  return g;
}

/* ------------------------------------------------------------------ locations */

static void push(sictx *x, int32_t v) {
  if (x->depth < sizeof x->path / sizeof x->path[0]) x->path[x->depth] = v;
  x->depth++;
}

static void pop(sictx *x, uint32_t n) { x->depth -= n; }

/* A location for the current path, spanning tokens first..last. */
static bu_location *loc(sictx *x, uint32_t first, uint32_t last) {
  if (x->n == x->cap) {
    x->cap = x->cap ? x->cap * 2 : 64;
    x->locs = realloc(x->locs, sizeof *x->locs * x->cap);
    if (!x->locs) abort();
  }
  bu_location *l = &x->locs[x->n];
  memset(l, 0, sizeof *l);
  l->seq = x->n++;
  uint32_t depth = x->depth < sizeof x->path / sizeof x->path[0] ? x->depth : sizeof x->path / sizeof x->path[0];
  l->path = buoy_arena_alloc_raw(&x->f->ast.arena, sizeof(int32_t) * (depth ? depth : 1));
  memcpy(l->path, x->path, sizeof(int32_t) * depth);
  l->path_len = depth;
  const buoy_file *a = x->a;
  uint32_t start = a->tokens[first].start, end = a->tokens[last].start + a->tokens[last].len;
  buoy_pos s = buoy_source_pos_near(a->src, start, &x->line_hint);
  buoy_pos e = buoy_source_pos_near(a->src, end, &x->line_hint);
  l->span[0] = (int32_t)s.line - 1;
  l->span[1] = (int32_t)s.col - 1;
  if (s.line == e.line) {
    l->span[2] = (int32_t)e.col - 1;
    l->span_len = 3;
  } else {
    l->span[2] = (int32_t)e.line - 1;
    l->span[3] = (int32_t)e.col - 1;
    l->span_len = 4;
  }
  return l;
}

/* A location one path component below the current one. */
static void loc1(sictx *x, int32_t field, uint32_t first, uint32_t last) {
  push(x, field);
  loc(x, first, last);
  pop(x, 1);
}

/* end_decl's loc_index for a declaration that takes its comments but whose
 * location is not written (option statements, until options are located). */
#define LOC_DISCARD (-2)

/* The end of a declaration at token `tok` (';', '{' or '}'): the comments
 * that follow are read, and those gathered before the declaration are given
 * to its location (loc_index; -1 for none, as for empty statements and
 * closing braces). */
static void end_decl(sictx *x, uint32_t tok, int64_t loc_index) {
  gap g = scan_gap(x, tok, tok + 1);
  const char *leading = x->up_leading;
  x->up_leading = g.leading;
  if (loc_index >= 0 || loc_index == LOC_DISCARD) {
    if (loc_index >= 0) {
      bu_location *l = &x->locs[loc_index];
      l->leading = leading;
      l->trailing = g.trailing;
      l->detached = x->up_detached.items;
      l->ndetached = x->up_detached.count;
    }
    x->up_detached = g.detached;
  } else if (x->a->tokens[tok].kind != 0 && x->a->src->text[x->a->tokens[tok].start] == '}') {
    x->up_detached = g.detached;
  } else {
    for (uint32_t i = 0; i < g.detached.count; i++)
      strlist_push(&x->f->ast.arena, &x->up_detached, g.detached.items[i]);
  }
}

/* ------------------------------------------------------------------ options */

static const bu_optloc *optloc(sictx *x, const void *node) {
  return buoy_strmap_get(&x->f->optlocs, (const char *)&node, sizeof node);
}

static void push_path(sictx *x, const bu_optloc *l) {
  for (uint32_t i = 0; i < l->len; i++)
    push(x, l->path[i]);
}

/* The fields a message literal sets, where the interpreter located them
 * (below the current path, the element's options field). */
static void literal_locs(sictx *x, const buoy_value *v, int depth) {
  if (v->kind != BUOY_VAL_MESSAGE || depth > BUOY_MAX_NESTING) return;
  for (const buoy_msg_field *mf = v->v.fields; mf; mf = mf->next) {
    const bu_optloc *l = optloc(x, mf);
    if (l) {
      push_path(x, l);
      loc(x, mf->name_r.first, mf->value->r.last);
      pop(x, l->len);
    }
    literal_locs(x, mf->value, depth + 1);
  }
}

/* One interpreted option, below the options field: spanning its statement
 * (or, compact, its name and value), or, when the fields of its message
 * literal are located, its name and value. Returns the location's index. */
static int64_t option_loc(sictx *x, const buoy_option *o, const bu_optloc *l, bool statement) {
  push_path(x, l);
  int64_t index = x->n;
  if (statement && !l->descended)
    loc(x, o->r.first, o->r.last);
  else
    loc(x, o->name_r.first, o->value->r.last);
  pop(x, l->len);
  if (l->descended) literal_locs(x, o->value, 0);
  return index;
}

/* An option statement of an element whose options are field options_field. */
static void option_stmt(sictx *x, const buoy_decl *d, int32_t options_field) {
  const bu_optloc *l = options_field ? optloc(x, d->u.option) : NULL;
  if (!l) {
    end_decl(x, d->r.last, LOC_DISCARD);
    return;
  }
  push(x, options_field);
  loc(x, d->r.first, d->r.last);
  int64_t index = option_loc(x, d->u.option, l, true);
  pop(x, 1);
  end_decl(x, d->r.last, index);
}

/* `[a = 1, (b) = 2]`: the brackets at the options field, each option below. */
static void compact_locs(sictx *x, const buoy_compact_options *co, int32_t options_field) {
  if (!co) return;
  bool any = false;
  for (const buoy_option *o = co->list; o && !any; o = o->next)
    any = optloc(x, o) != NULL;
  if (!any) return;
  push(x, options_field);
  loc(x, co->r.first, co->r.last);
  for (const buoy_option *o = co->list; o; o = o->next) {
    const bu_optloc *l = optloc(x, o);
    if (l) option_loc(x, o, l, false);
  }
  pop(x, 1);
}

/* ------------------------------------------------------------------ walk */

/* A statement with no location of its own, or an option statement of an
 * element whose options are field options_field (0: none). */
static void other_decl_in(sictx *x, const buoy_decl *d, int32_t options_field) {
  if (d->kind == BUOY_DECL_OPTION)
    option_stmt(x, d, options_field);
  else
    end_decl(x, d->r.last, -1);
}

static void other_decl(sictx *x, const buoy_decl *d) { other_decl_in(x, d, 0); }

typedef struct counters {
  int32_t fields, nested, enums, extensions, oneofs, ext_ranges, reserved_ranges, reserved_names;
} counters;

static void walk_body(sictx *x, const buoy_decl *body, counters *n, int32_t nested_field);

static int32_t name_last(const buoy_name *n) { return (int32_t)n->r.last; }

/* A field (plain, map or group) at path .../field_kind/index. */
static void walk_field(sictx *x, const buoy_decl *d, int32_t field_kind, int32_t index, counters *n,
                       int32_t nested_field, const buoy_name *extendee) {
  push(x, field_kind);
  push(x, index);
  uint32_t field_loc = x->n;
  loc(x, d->r.first, d->r.last);
  if (extendee) loc1(x, FL_EXTENDEE, extendee->r.first, (uint32_t)name_last(extendee));
  if (d->u.field.label != BUOY_LABEL_NONE) loc1(x, FL_LABEL, d->u.field.label_tok, d->u.field.label_tok);
  /* buf locates a group's `group` keyword as its type name. */
  bool named = d->u.field.is_group || d->u.field.is_map || d->u.field.type.scalar == BUOY_TYPE_NONE;
  loc1(x, named ? FL_TYPE_NAME : FL_TYPE, d->u.field.type_r.first, d->u.field.type_r.last);
  loc1(x, FL_NAME, d->u.field.name.r.first, d->u.field.name.r.last);
  loc1(x, FL_NUMBER, d->u.field.number.r.first, d->u.field.number.r.last);
  for (const buoy_option *o = d->u.field.options ? d->u.field.options->list : NULL; o; o = o->next) {
    if (o->name->extension || o->name->next) continue;
    /* buf spans the whole `default = value`; protoc only the value. */
    if (strcmp(o->name->name.text, "default") == 0) loc1(x, FL_DEFAULT, o->r.first, o->r.last);
    if (strcmp(o->name->name.text, "json_name") == 0) loc1(x, FL_JSON_NAME, o->r.first, o->r.last);
  }
  compact_locs(x, d->u.field.options, 8);
  if (d->u.field.is_group) {
    /* The group's message: from the field's start to its '}', named by the
     * field's name, which is also the field's type name. */
    pop(x, 2);
    uint32_t saved = x->depth;
    push(x, nested_field);
    push(x, n->nested);
    uint32_t group_loc = x->n;
    loc(x, d->r.first, d->r.last);
    loc1(x, M_NAME, d->u.field.name.r.first, d->u.field.name.r.last);
    x->depth = saved;
    push(x, nested_field);
    push(x, n->nested++);
    end_decl(x, d->u.field.body_open_tok, group_loc);
    counters inner = {0};
    walk_body(x, d->u.field.body, &inner, M_NESTED);
    end_decl(x, d->r.last, -1);
    pop(x, 2);
    return;
  }
  if (d->u.field.is_map) n->nested++;
  end_decl(x, d->r.last, field_loc);
  pop(x, 2);
}

/* A reserved or extensions statement. buf writes the location of a reserved
 * statement only for the first of its kind (numbers or names) in a message
 * or enum; later ones keep their ranges' and names' locations but not their
 * own (nor their comments). */
static void walk_ranges(sictx *x, const buoy_decl *d, int32_t ranges_field, int32_t names_field, int32_t *range_count,
                        int32_t *name_count) {
  bool reserved = d->kind == BUOY_DECL_RESERVED;
  if (d->u.ranges.names) {
    push(x, names_field);
    int64_t l = LOC_DISCARD;
    if (!reserved || *name_count == 0) {
      l = x->n;
      loc(x, d->r.first, d->r.last);
    }
    for (const buoy_rname *r = d->u.ranges.names; r; r = r->next) {
      push(x, (*name_count)++);
      loc(x, r->r.first, r->r.last);
      pop(x, 1);
    }
    end_decl(x, d->r.last, l);
    pop(x, 1);
    return;
  }
  push(x, ranges_field);
  int64_t l = LOC_DISCARD;
  if (!reserved || *range_count == 0) {
    l = x->n;
    loc(x, d->r.first, d->r.last);
    /* buf writes an extensions statement's location once for each range */
    if (!reserved)
      for (const buoy_range *r = d->u.ranges.ranges; r && r->next; r = r->next)
        loc(x, d->r.first, d->r.last);
  }
  for (const buoy_range *r = d->u.ranges.ranges; r; r = r->next) {
    push(x, (*range_count)++);
    loc(x, r->r.first, r->r.last);
    loc1(x, R_START, r->start.r.first, r->start.r.last);
    if (r->has_end)
      loc1(x, R_END, r->end.r.first, r->end.r.last);
    else
      loc1(x, R_END, r->start.r.first, r->start.r.last);
    if (!reserved) compact_locs(x, d->u.ranges.options, 3);
    pop(x, 1);
  }
  end_decl(x, d->r.last, l);
  pop(x, 1);
}

/* buf's span of a message or enum starts at its keyword, after any
 * `export` or `local`. */
static void walk_enum(sictx *x, const buoy_decl *d) {
  uint32_t l = x->n;
  loc(x, d->u.block.keyword_tok, d->r.last);
  loc1(x, E_NAME, d->u.block.name.r.first, d->u.block.name.r.last);
  end_decl(x, d->open_tok, l);
  int32_t values = 0, ranges = 0, names = 0;
  for (const buoy_decl *v = d->u.block.body; v; v = v->next) {
    if (v->kind == BUOY_DECL_ENUM_VALUE) {
      push(x, E_VALUE);
      push(x, values++);
      uint32_t vl = x->n;
      loc(x, v->r.first, v->r.last);
      loc1(x, EV_NAME, v->u.value.name.r.first, v->u.value.name.r.last);
      loc1(x, EV_NUMBER, v->u.value.number.r.first, v->u.value.number.r.last);
      compact_locs(x, v->u.value.options, 3);
      end_decl(x, v->r.last, vl);
      pop(x, 2);
    } else if (v->kind == BUOY_DECL_RESERVED) {
      walk_ranges(x, v, E_RESERVED_RANGE, E_RESERVED_NAME, &ranges, &names);
    } else {
      other_decl_in(x, v, 3);
    }
  }
  end_decl(x, d->r.last, -1);
}

static void walk_extend(sictx *x, const buoy_decl *d, int32_t ext_field, int32_t *ext_count, counters *n,
                        int32_t nested_field) {
  push(x, ext_field);
  uint32_t l = x->n;
  loc(x, d->r.first, d->r.last);
  end_decl(x, d->open_tok, l);
  pop(x, 1);
  for (const buoy_decl *f = d->u.block.body; f; f = f->next) {
    if (f->kind == BUOY_DECL_FIELD)
      walk_field(x, f, ext_field, (*ext_count)++, n, nested_field, &d->u.block.name);
    else
      other_decl(x, f);
  }
  end_decl(x, d->r.last, -1);
}

static void walk_message(sictx *x, const buoy_decl *d) {
  uint32_t l = x->n;
  loc(x, d->u.block.keyword_tok, d->r.last);
  loc1(x, M_NAME, d->u.block.name.r.first, d->u.block.name.r.last);
  end_decl(x, d->open_tok, l);
  counters n = {0};
  walk_body(x, d->u.block.body, &n, M_NESTED);
  end_decl(x, d->r.last, -1);
}

static void walk_body(sictx *x, const buoy_decl *body, counters *n, int32_t nested_field) {
  for (const buoy_decl *d = body; d; d = d->next) {
    switch (d->kind) {
    case BUOY_DECL_FIELD: walk_field(x, d, M_FIELD, n->fields++, n, nested_field, NULL); break;
    case BUOY_DECL_MESSAGE:
      push(x, M_NESTED);
      push(x, n->nested++);
      walk_message(x, d);
      pop(x, 2);
      break;
    case BUOY_DECL_ENUM:
      push(x, M_ENUM);
      push(x, n->enums++);
      walk_enum(x, d);
      pop(x, 2);
      break;
    case BUOY_DECL_ONEOF: {
      push(x, M_ONEOF);
      push(x, n->oneofs++);
      uint32_t l = x->n;
      loc(x, d->r.first, d->r.last);
      loc1(x, M_NAME, d->u.block.name.r.first, d->u.block.name.r.last);
      end_decl(x, d->open_tok, l);
      pop(x, 2);
      for (const buoy_decl *f = d->u.block.body; f; f = f->next) {
        if (f->kind == BUOY_DECL_FIELD) {
          walk_field(x, f, M_FIELD, n->fields++, n, nested_field, NULL);
        } else {
          push(x, M_ONEOF);
          push(x, n->oneofs - 1);
          other_decl_in(x, f, 2);
          pop(x, 2);
        }
      }
      end_decl(x, d->r.last, -1);
      break;
    }
    case BUOY_DECL_EXTEND: walk_extend(x, d, M_EXTENSION, &n->extensions, n, nested_field); break;
    case BUOY_DECL_EXTENSIONS: {
      int32_t unused = 0;
      walk_ranges(x, d, M_EXT_RANGE, M_EXT_RANGE, &n->ext_ranges, &unused);
      break;
    }
    case BUOY_DECL_RESERVED:
      walk_ranges(x, d, M_RESERVED_RANGE, M_RESERVED_NAME, &n->reserved_ranges, &n->reserved_names);
      break;
    default: other_decl_in(x, d, 7); break;
    }
  }
}

static void walk_service(sictx *x, const buoy_decl *d) {
  uint32_t l = x->n;
  loc(x, d->r.first, d->r.last);
  loc1(x, S_NAME, d->u.block.name.r.first, d->u.block.name.r.last);
  end_decl(x, d->open_tok, l);
  int32_t methods = 0;
  for (const buoy_decl *m = d->u.block.body; m; m = m->next) {
    if (m->kind != BUOY_DECL_RPC) {
      other_decl_in(x, m, 3);
      continue;
    }
    push(x, S_METHOD);
    push(x, methods++);
    uint32_t ml = x->n;
    loc(x, m->r.first, m->r.last);
    loc1(x, MT_NAME, m->u.rpc.name.r.first, m->u.rpc.name.r.last);
    if (m->u.rpc.input.stream) loc1(x, MT_CLIENT_STREAMING, m->u.rpc.input.stream_tok, m->u.rpc.input.stream_tok);
    loc1(x, MT_INPUT, m->u.rpc.input.type.r.first, m->u.rpc.input.type.r.last);
    if (m->u.rpc.output.stream) loc1(x, MT_SERVER_STREAMING, m->u.rpc.output.stream_tok, m->u.rpc.output.stream_tok);
    loc1(x, MT_OUTPUT, m->u.rpc.output.type.r.first, m->u.rpc.output.type.r.last);
    end_decl(x, m->open_tok, ml);
    if (m->u.rpc.has_body) {
      for (const buoy_decl *o = m->u.rpc.body; o; o = o->next)
        other_decl_in(x, o, 4);
      end_decl(x, m->r.last, -1);
    }
    pop(x, 2);
  }
  end_decl(x, d->r.last, -1);
}

/* buf's order: spans compared as arrays, element by element, a shorter one
 * first when one is a prefix of the other (so a field written over two lines
 * comes before its one-line type); equal spans by path, the same way. */
static int by_span(const void *pa, const void *pb) {
  const bu_location *a = pa, *b = pb;
  for (int i = 0; i < a->span_len && i < b->span_len; i++)
    if (a->span[i] != b->span[i]) return a->span[i] < b->span[i] ? -1 : 1;
  if (a->span_len != b->span_len) return a->span_len < b->span_len ? -1 : 1;
  for (uint32_t i = 0; i < a->path_len && i < b->path_len; i++)
    if (a->path[i] != b->path[i]) return a->path[i] < b->path[i] ? -1 : 1;
  if (a->path_len != b->path_len) return a->path_len < b->path_len ? -1 : 1;
  return a->seq < b->seq ? -1 : (a->seq > b->seq);
}

void bu_build_source_info(bu_compiler *c, bu_file *f) {
  const buoy_file *a = &f->ast;
  if (a->ntokens < 2) return;
  sictx x;
  memset(&x, 0, sizeof x);
  x.c = c;
  x.f = f;
  x.a = a;
  gap g = scan_gap(&x, -1, 0);
  x.up_leading = g.leading;
  x.up_detached = g.detached;
  loc(&x, 0, a->ntokens - 2); /* the whole file */
  int32_t messages = 0, enums = 0, services = 0, extensions = 0, deps = 0, public_deps = 0, weak_deps = 0,
          option_deps = 0;
  counters top = {0};
  for (const buoy_decl *d = a->decls; d; d = d->next) {
    switch (d->kind) {
    case BUOY_DECL_SYNTAX:
    case BUOY_DECL_EDITION: {
      push(&x, F_SYNTAX); /* buf locates `edition = ...` at the syntax field too */
      uint32_t l = x.n;
      loc(&x, d->r.first, d->r.last);
      end_decl(&x, d->r.last, l);
      pop(&x, 1);
      break;
    }
    case BUOY_DECL_PACKAGE: {
      push(&x, F_PACKAGE);
      uint32_t l = x.n;
      loc(&x, d->r.first, d->r.last);
      end_decl(&x, d->r.last, l);
      pop(&x, 1);
      break;
    }
    case BUOY_DECL_IMPORT: {
      bool option_import = d->u.import.kind == BUOY_IMPORT_OPTION;
      push(&x, option_import ? F_OPTION_DEP : F_DEPENDENCY);
      push(&x, option_import ? option_deps++ : deps++);
      uint32_t l = x.n;
      loc(&x, d->r.first, d->r.last);
      pop(&x, 2);
      if (d->u.import.kind == BUOY_IMPORT_PUBLIC || d->u.import.kind == BUOY_IMPORT_WEAK) {
        push(&x, d->u.import.kind == BUOY_IMPORT_PUBLIC ? F_PUBLIC_DEP : F_WEAK_DEP);
        push(&x, d->u.import.kind == BUOY_IMPORT_PUBLIC ? public_deps++ : weak_deps++);
        loc(&x, d->u.import.modifier_tok, d->u.import.modifier_tok);
        pop(&x, 2);
      }
      end_decl(&x, d->r.last, l);
      break;
    }
    case BUOY_DECL_MESSAGE:
      push(&x, F_MESSAGE);
      push(&x, messages++);
      walk_message(&x, d);
      pop(&x, 2);
      break;
    case BUOY_DECL_ENUM:
      push(&x, F_ENUM);
      push(&x, enums++);
      walk_enum(&x, d);
      pop(&x, 2);
      break;
    case BUOY_DECL_SERVICE:
      push(&x, F_SERVICE);
      push(&x, services++);
      walk_service(&x, d);
      pop(&x, 2);
      break;
    case BUOY_DECL_EXTEND:
      top.nested = messages;
      walk_extend(&x, d, F_EXTENSION, &extensions, &top, F_MESSAGE);
      messages = top.nested;
      break;
    default: other_decl_in(&x, d, 8); break;
    }
  }
  if (x.n > 2) qsort(x.locs + 1, x.n - 1, sizeof *x.locs, by_span);
  f->locations = x.n < x.cap ? realloc(x.locs, sizeof *x.locs * x.n) : x.locs;
  if (!f->locations) f->locations = x.locs;
  f->nlocations = x.n;
}
