/* `buoy debug ast`: the tree in a stable text form, one declaration a line,
 * each with its span as line:col-line:col (end exclusive, protoc's columns).
 * Golden tests and outside scripts read this; change it only on purpose. */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "syntax/ast.h"

typedef struct printer {
  const buoy_file *f;
  FILE *out;
} printer;

static void span(printer *p, buoy_tokrange r) {
  buoy_pos a = buoy_source_pos(p->f->src, buoy_range_start(p->f, r));
  buoy_pos b = buoy_source_pos(p->f->src, buoy_range_end(p->f, r));
  fprintf(p->out, "%u:%u-%u:%u", a.line, a.col, b.line, b.col);
}

static void indent(printer *p, int depth) {
  for (int i = 0; i < depth; i++)
    fputs("  ", p->out);
}

static void quoted(printer *p, const char *s, uint32_t n) {
  fputc('"', p->out);
  for (uint32_t i = 0; i < n; i++) {
    unsigned char c = (unsigned char)s[i];
    if (c == '"' || c == '\\')
      fprintf(p->out, "\\%c", c);
    else if (c == '\n')
      fputs("\\n", p->out);
    else if (c == '\t')
      fputs("\\t", p->out);
    else if (c < 0x20 || c >= 0x7f)
      fprintf(p->out, "\\%03o", c);
    else
      fputc(c, p->out);
  }
  fputc('"', p->out);
}

static void value(printer *p, const buoy_value *v);

static void message_fields(printer *p, const buoy_msg_field *f) {
  fputc('{', p->out);
  for (; f; f = f->next) {
    fputc(' ', p->out);
    if (f->name_kind == BUOY_MSGNAME_FIELD)
      fputs(f->name.text, p->out);
    else
      fprintf(p->out, "[%s]", f->name.text);
    fputs(f->has_colon ? ": " : " ", p->out);
    value(p, f->value);
  }
  fputs(" }", p->out);
}

static void value(printer *p, const buoy_value *v) {
  const char *minus = v->negative ? "-" : "";
  switch (v->kind) {
  case BUOY_VAL_INT:
    if (v->overflow)
      fprintf(p->out, "int:%s<overflow>", minus);
    else
      fprintf(p->out, "int:%s%" PRIu64, minus, v->v.u);
    break;
  case BUOY_VAL_FLOAT: fprintf(p->out, "float:%s%.17g", minus, v->v.f); break;
  case BUOY_VAL_STRING:
    fputs("string:", p->out);
    quoted(p, v->v.str.bytes, v->v.str.len);
    break;
  case BUOY_VAL_IDENT: fprintf(p->out, "ident:%s%s", minus, v->v.ident.text); break;
  case BUOY_VAL_MESSAGE: message_fields(p, v->v.fields); break;
  case BUOY_VAL_LIST:
    fputc('[', p->out);
    for (const buoy_value *item = v->v.items; item; item = item->next) {
      value(p, item);
      if (item->next) fputs(", ", p->out);
    }
    fputc(']', p->out);
    break;
  }
}

static void option_name(printer *p, const buoy_optname_part *part) {
  for (; part; part = part->next) {
    if (part->extension)
      fprintf(p->out, "(%s)", part->name.text);
    else
      fputs(part->name.text, p->out);
    if (part->next) fputc('.', p->out);
  }
}

static void option(printer *p, const buoy_option *o, int depth) {
  indent(p, depth);
  fputs("option ", p->out);
  span(p, o->r);
  fputc(' ', p->out);
  option_name(p, o->name);
  fputs(" = ", p->out);
  value(p, o->value);
  fputc('\n', p->out);
}

static void compact(printer *p, const buoy_compact_options *c, int depth) {
  if (!c) return;
  for (const buoy_option *o = c->list; o; o = o->next)
    option(p, o, depth);
}

static void intlit(printer *p, const buoy_intlit *k) {
  if (k->is_max)
    fputs("max", p->out);
  else if (k->overflow)
    fprintf(p->out, "%s<overflow>", k->negative ? "-" : "");
  else
    fprintf(p->out, "%s%" PRIu64, k->negative ? "-" : "", k->value);
}

static const char *label_name(buoy_label l) {
  switch (l) {
  case BUOY_LABEL_OPTIONAL: return "optional ";
  case BUOY_LABEL_REQUIRED: return "required ";
  case BUOY_LABEL_REPEATED: return "repeated ";
  default: return "";
  }
}

static void decls(printer *p, const buoy_decl *d, int depth);

static void decl(printer *p, const buoy_decl *d, int depth) {
  static const char *const kinds[] = {
      [BUOY_DECL_EMPTY] = "empty",           [BUOY_DECL_SYNTAX] = "syntax",
      [BUOY_DECL_EDITION] = "edition",       [BUOY_DECL_PACKAGE] = "package",
      [BUOY_DECL_IMPORT] = "import",         [BUOY_DECL_OPTION] = "option",
      [BUOY_DECL_MESSAGE] = "message",       [BUOY_DECL_ENUM] = "enum",
      [BUOY_DECL_SERVICE] = "service",       [BUOY_DECL_EXTEND] = "extend",
      [BUOY_DECL_FIELD] = "field",           [BUOY_DECL_ONEOF] = "oneof",
      [BUOY_DECL_EXTENSIONS] = "extensions", [BUOY_DECL_RESERVED] = "reserved",
      [BUOY_DECL_ENUM_VALUE] = "value",      [BUOY_DECL_RPC] = "rpc",
  };
  if (d->kind == BUOY_DECL_OPTION) {
    option(p, d->u.option, depth);
    return;
  }
  indent(p, depth);
  fprintf(p->out, "%s ", kinds[d->kind]);
  span(p, d->r);
  switch (d->kind) {
  case BUOY_DECL_EMPTY:
  case BUOY_DECL_OPTION: break;
  case BUOY_DECL_SYNTAX:
  case BUOY_DECL_EDITION:
    fputc(' ', p->out);
    quoted(p, d->u.syntax.value->v.str.bytes, d->u.syntax.value->v.str.len);
    break;
  case BUOY_DECL_PACKAGE: fprintf(p->out, " %s", d->u.package.name.text); break;
  case BUOY_DECL_IMPORT: {
    static const char *const mods[] = {"", "public ", "weak ", "option "};
    fprintf(p->out, " %s", mods[d->u.import.kind]);
    quoted(p, d->u.import.path->v.str.bytes, d->u.import.path->v.str.len);
    break;
  }
  case BUOY_DECL_MESSAGE:
  case BUOY_DECL_ENUM:
  case BUOY_DECL_SERVICE:
  case BUOY_DECL_ONEOF:
  case BUOY_DECL_EXTEND:
    if (d->u.block.visibility == BUOY_VIS_EXPORT) fputs(" export", p->out);
    if (d->u.block.visibility == BUOY_VIS_LOCAL) fputs(" local", p->out);
    fprintf(p->out, " %s\n", d->u.block.name.text);
    decls(p, d->u.block.body, depth + 1);
    return;
  case BUOY_DECL_FIELD:
    fprintf(p->out, " %s", label_name(d->u.field.label));
    if (d->u.field.is_map)
      fprintf(p->out, "map<%s, %s>", d->u.field.key.name.text, d->u.field.value.name.text);
    else
      fputs(d->u.field.type.name.text, p->out);
    fprintf(p->out, " %s = ", d->u.field.name.text);
    intlit(p, &d->u.field.number);
    fputc('\n', p->out);
    compact(p, d->u.field.options, depth + 1);
    decls(p, d->u.field.body, depth + 1);
    return;
  case BUOY_DECL_EXTENSIONS:
  case BUOY_DECL_RESERVED:
    for (const buoy_range *r = d->u.ranges.ranges; r; r = r->next) {
      fputc(' ', p->out);
      intlit(p, &r->start);
      if (r->has_end) {
        fputs(" to ", p->out);
        intlit(p, &r->end);
      }
      if (r->next) fputc(',', p->out);
    }
    for (const buoy_rname *n = d->u.ranges.names; n; n = n->next) {
      fputc(' ', p->out);
      if (n->identifier)
        fputs(n->text, p->out);
      else
        quoted(p, n->text, n->len);
      if (n->next) fputc(',', p->out);
    }
    fputc('\n', p->out);
    compact(p, d->u.ranges.options, depth + 1);
    return;
  case BUOY_DECL_ENUM_VALUE:
    fprintf(p->out, " %s = ", d->u.value.name.text);
    intlit(p, &d->u.value.number);
    fputc('\n', p->out);
    compact(p, d->u.value.options, depth + 1);
    return;
  case BUOY_DECL_RPC:
    fprintf(p->out, " %s(%s%s) returns (%s%s)\n", d->u.rpc.name.text, d->u.rpc.input.stream ? "stream " : "",
            d->u.rpc.input.type.text, d->u.rpc.output.stream ? "stream " : "", d->u.rpc.output.type.text);
    decls(p, d->u.rpc.body, depth + 1);
    return;
  }
  fputc('\n', p->out);
}

static void decls(printer *p, const buoy_decl *d, int depth) {
  for (; d; d = d->next)
    decl(p, d, depth);
}

void buoy_ast_print(const buoy_file *f, FILE *out) {
  printer p = {f, out};
  static const char *const syntaxes[] = {"proto2", "proto3", "editions"};
  fprintf(out, "file %s syntax=%s", f->src->path, syntaxes[f->syntax]);
  if (f->edition) fprintf(out, " edition=%s", f->edition);
  fprintf(out, " tokens=%u comments=%u\n", f->ntokens - 1, f->ncomments);
  decls(&p, f->decls, 1);
}
