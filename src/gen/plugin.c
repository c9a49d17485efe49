/* protoc's plugin protocol (plugin.h): requests built as protoc 3.21 builds
 * them (descriptors from protoc_descriptor.c), plugins run as child
 * processes, responses applied to an in-memory output tree that is written
 * out only at the end of a successful run. */
#include "gen/plugin.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "gen/gen.h"
#include "google/protobuf/compiler/plugin.pb.h"
#include "google/protobuf/descriptor.pb.h"

/* Deeper than any descriptor the compiler accepts (as encode.c). */
#define MAX_DEPTH (4 * BUOY_MAX_NESTING + 64)
/* Largest response accepted from a plugin. */
#define MAX_RESPONSE ((size_t)INT32_MAX)

static void out_of_memory(void) {
  fputs("buoy: out of memory\n", stderr);
  abort();
}

static void *need(const void *p) {
  if (!p) out_of_memory();
  return (void *)(uintptr_t)p;
}

/* ------------------------------------------------------------ output tree */

void bu_gen_out_init(bu_gen_out *o) { memset(o, 0, sizeof *o); }

void bu_gen_out_free(bu_gen_out *o) {
  for (size_t i = 0; i < o->count; i++) {
    free(o->files[i].name);
    free(o->files[i].data);
  }
  free(o->files);
  memset(o, 0, sizeof *o);
}

bu_gen_file *bu_gen_out_find(const bu_gen_out *o, const char *name) {
  for (size_t i = 0; i < o->count; i++)
    if (strcmp(o->files[i].name, name) == 0) return &o->files[i];
  return NULL;
}

/* A name a generator may write: relative, no empty or ".." component. */
static bool valid_name(const char *name) {
  if (!name[0] || name[0] == '/') return false;
  for (const char *p = name; *p;) {
    const char *e = strchr(p, '/');
    size_t n = e ? (size_t)(e - p) : strlen(p);
    if (n == 0 || (n == 2 && p[0] == '.' && p[1] == '.')) return false;
    p += n + (e ? 1 : 0);
    if (e && !*p) return false;
  }
  return true;
}

bool bu_gen_out_add(bu_gen_out *o, const char *name, const char *data, size_t len, char *err, size_t errlen) {
  if (!valid_name(name)) {
    snprintf(err, errlen, "\"%s\" is not a relative path inside the output directory", name);
    return false;
  }
  if (bu_gen_out_find(o, name)) {
    snprintf(err, errlen, "%s: written twice in one run", name);
    return false;
  }
  if (o->count == o->cap) {
    o->cap = o->cap ? o->cap * 2 : 16;
    o->files = need(realloc(o->files, o->cap * sizeof *o->files));
  }
  bu_gen_file *f = &o->files[o->count++];
  f->name = need(strdup(name));
  f->data = need(malloc(len ? len : 1));
  if (len) memcpy(f->data, data, len);
  f->len = len;
  return true;
}

/* The first occurrence of needle (n bytes) in hay (len bytes), or NULL. */
static const char *find_bytes(const char *hay, size_t len, const char *needle, size_t n) {
  for (size_t i = 0; n <= len && i <= len - n; i++)
    if (memcmp(hay + i, needle, n) == 0) return hay + i;
  return NULL;
}

bool bu_gen_out_insert(bu_gen_out *o, const char *name, const char *point, const char *data, size_t len, char *err,
                       size_t errlen) {
  bu_gen_file *f = bu_gen_out_find(o, name);
  if (!f) {
    snprintf(err, errlen, "%s: cannot insert into a file that was not generated before", name);
    return false;
  }
  size_t mlen = strlen(point) + 32;
  char *marker = need(malloc(mlen));
  snprintf(marker, mlen, "@@protoc_insertion_point(%s)", point);
  const char *at = find_bytes(f->data, f->len, marker, strlen(marker));
  free(marker);
  if (!at) {
    snprintf(err, errlen, "%s: no insertion point \"%s\"", name, point);
    return false;
  }
  /* inserted at the start of the marker's line, with its indentation */
  size_t pos = (size_t)(at - f->data);
  while (pos > 0 && f->data[pos - 1] != '\n')
    pos--;
  size_t indent = 0;
  while (pos + indent < f->len && (f->data[pos + indent] == ' ' || f->data[pos + indent] == '\t'))
    indent++;
  bool add_newline = len > 0 && data[len - 1] != '\n';
  size_t lines = add_newline ? 1 : 0;
  for (size_t i = 0; i < len; i++)
    lines += data[i] == '\n';
  size_t extra = len + (add_newline ? 1 : 0) + lines * indent;
  char *nd = need(malloc(f->len + extra + 1));
  memcpy(nd, f->data, pos);
  size_t w = pos;
  for (size_t i = 0; i < len;) {
    memcpy(nd + w, f->data + pos, indent);
    w += indent;
    const char *nl = memchr(data + i, '\n', len - i);
    size_t n = nl ? (size_t)(nl - (data + i)) + 1 : len - i;
    memcpy(nd + w, data + i, n);
    w += n;
    i += n;
  }
  if (add_newline) nd[w++] = '\n';
  memcpy(nd + w, f->data + pos, f->len - pos);
  w += f->len - pos;
  free(f->data);
  f->data = nd;
  f->len = w;
  return true;
}

/* ------------------------------------------------------------ writing */

static bool write_all(const char *path, const char *data, size_t len, char *err, size_t errlen) {
  FILE *fp = fopen(path, "wb");
  bool ok = fp && fwrite(data, 1, len, fp) == len;
  if (fp && fclose(fp) != 0) ok = false;
  if (!ok) snprintf(err, errlen, "%s: %s", path, strerror(errno));
  return ok;
}

/* Creates the directories of path below its first `keep` bytes. */
static bool make_parents(char *path, size_t keep, char *err, size_t errlen) {
  for (char *p = path + keep; (p = strchr(p, '/')) != NULL; p++) {
    *p = 0;
    struct stat st;
    bool ok = stat(path, &st) == 0 ? S_ISDIR(st.st_mode) : mkdir(path, 0777) == 0 || errno == EEXIST;
    if (!ok) snprintf(err, errlen, "%s: %s", path, errno ? strerror(errno) : "not a directory");
    *p = '/';
    if (!ok) return false;
  }
  return true;
}

static bool write_zip(const bu_gen_out *o, const char *path, bool jar, char *err, size_t errlen);

static bool is_archive(const char *dir, bool *jar) {
  size_t n = strlen(dir);
  *jar = n > 4 && strcmp(dir + n - 4, ".jar") == 0;
  return *jar || (n > 4 && strcmp(dir + n - 4, ".zip") == 0);
}

bool bu_gen_out_write(const bu_gen_out *o, const char *dir, char *err, size_t errlen) {
  bool jar;
  if (is_archive(dir, &jar)) return write_zip(o, dir, jar, err, errlen);
  struct stat st;
  if (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode)) {
    snprintf(err, errlen, "%s: %s", dir, stat(dir, &st) != 0 ? strerror(errno) : "not a directory");
    return false;
  }
  size_t dlen = strlen(dir);
  bool slash = dlen > 0 && dir[dlen - 1] == '/';
  for (size_t i = 0; i < o->count; i++) {
    const bu_gen_file *f = &o->files[i];
    size_t n = dlen + strlen(f->name) + 2;
    char *path = need(malloc(n));
    snprintf(path, n, "%s%s%s", dir, slash ? "" : "/", f->name);
    bool ok = make_parents(path, dlen + 1, err, errlen) && write_all(path, f->data, f->len, err, errlen);
    free(path);
    if (!ok) return false;
  }
  return true;
}

/* ------------------------------------------------------------ zip archives */

static uint32_t crc32_of(const char *data, size_t len) {
  uint32_t c = 0xffffffffu;
  for (size_t i = 0; i < len; i++) {
    c ^= (uint8_t)data[i];
    for (int k = 0; k < 8; k++)
      c = (c >> 1) ^ (0xedb88320u & (0u - (c & 1u)));
  }
  return ~c;
}

static void put16(bu_buf *b, uint32_t v) {
  uint8_t x[2] = {(uint8_t)v, (uint8_t)(v >> 8)};
  bu_put_bytes(b, x, 2);
}

static void put32(bu_buf *b, uint32_t v) {
  uint8_t x[4] = {(uint8_t)v, (uint8_t)(v >> 8), (uint8_t)(v >> 16), (uint8_t)(v >> 24)};
  bu_put_bytes(b, x, 4);
}

/* protoc's zip writer: entries stored, dated 1980-01-01 00:00, no extra
 * fields; the central directory after them. */
enum { ZIP_DOS_DATE = 1 << 5 | 1 };

static void zip_entry(bu_buf *b, bu_buf *central, const char *name, const char *data, size_t len) {
  uint32_t crc = crc32_of(data, len), offset = (uint32_t)b->len;
  size_t nlen = strlen(name);
  put32(b, 0x04034b50);
  put16(b, 10); /* version needed: 1.0 */
  put16(b, 0);  /* flags */
  put16(b, 0);  /* stored */
  put16(b, 0);  /* time */
  put16(b, ZIP_DOS_DATE);
  put32(b, crc);
  put32(b, (uint32_t)len);
  put32(b, (uint32_t)len);
  put16(b, (uint32_t)nlen);
  put16(b, 0);
  bu_put_bytes(b, name, nlen);
  bu_put_bytes(b, data, len);
  put32(central, 0x02014b50);
  put16(central, 10); /* made by */
  put16(central, 10);
  put16(central, 0);
  put16(central, 0);
  put16(central, 0);
  put16(central, ZIP_DOS_DATE);
  put32(central, crc);
  put32(central, (uint32_t)len);
  put32(central, (uint32_t)len);
  put16(central, (uint32_t)nlen);
  put16(central, 0); /* extra */
  put16(central, 0); /* comment */
  put16(central, 0); /* disk */
  put16(central, 0); /* internal attributes */
  put32(central, 0); /* external attributes */
  put32(central, offset);
  bu_put_bytes(central, name, nlen);
}

static bool write_zip(const bu_gen_out *o, const char *path, bool jar, char *err, size_t errlen) {
  bu_buf b = {0}, central = {0};
  uint32_t entries = 0;
  bool ok = true;
  if (jar) {
    static const char manifest[] = "Manifest-Version: 1.0\nCreated-By: 1.6.0 (protoc)\n\n";
    zip_entry(&b, &central, "META-INF/MANIFEST.MF", manifest, sizeof manifest - 1);
    entries++;
  }
  for (size_t i = 0; i < o->count; i++, entries++) {
    if (o->files[i].len > UINT32_MAX - b.len || entries >= 0xffff) {
      snprintf(err, errlen, "%s: too large for a zip archive", path);
      ok = false;
      break;
    }
    zip_entry(&b, &central, o->files[i].name, o->files[i].data, o->files[i].len);
  }
  if (ok) {
    uint32_t cd_offset = (uint32_t)b.len;
    bu_put_bytes(&b, central.data, central.len);
    put32(&b, 0x06054b50);
    put16(&b, 0);
    put16(&b, 0);
    put16(&b, entries);
    put16(&b, entries);
    put32(&b, (uint32_t)central.len);
    put32(&b, cd_offset);
    put16(&b, 0);
    ok = write_all(path, (const char *)b.data, b.len, err, errlen);
  }
  bu_buf_free(&b);
  bu_buf_free(&central);
  return ok;
}

/* ------------------------------------------------------------ requests */

void bu_plugin_request(bu_buf *out, bu_file *const *files, uint32_t nfiles, const bu_plugin_request_opts *o) {
  bp_arena a;
  bp_arena_init(&a);
  google_protobuf_compiler_CodeGeneratorRequest *req = need(google_protobuf_compiler_CodeGeneratorRequest_new(&a));
  for (uint32_t i = 0; i < nfiles; i++)
    if (!google_protobuf_compiler_CodeGeneratorRequest_add_file_to_generate(req, bp_str_c(files[i]->name), &a))
      out_of_memory();
  bu_vec order = {0};
  if (nfiles) bu_output_files(files[0]->compiler, files, nfiles, true, &order);
  for (uint32_t i = 0; i < order.count; i++) {
    google_protobuf_FileDescriptorProto **p = need(bp_array_push(&req->proto_file, sizeof(void *), &a));
    *p = bu_protoc_file(&a, BU_VEC_AT(order, bu_file, i), true);
  }
  if (o && o->parameter && o->parameter[0])
    google_protobuf_compiler_CodeGeneratorRequest_set_parameter(req, bp_str_c(o->parameter));
  google_protobuf_compiler_Version *v = need(google_protobuf_compiler_CodeGeneratorRequest_mutable_compiler_version(req, &a));
  google_protobuf_compiler_Version_set_major(v, BU_PLUGIN_VERSION_MAJOR);
  google_protobuf_compiler_Version_set_minor(v, BU_PLUGIN_VERSION_MINOR);
  google_protobuf_compiler_Version_set_patch(v, BU_PLUGIN_VERSION_PATCH);
  google_protobuf_compiler_Version_set_suffix(v, bp_str_c(""));
  if (o && o->source_file_descriptors)
    for (uint32_t i = 0; i < nfiles; i++) {
      google_protobuf_FileDescriptorProto **p = need(bp_array_push(&req->source_file_descriptors, sizeof(void *), &a));
      *p = bu_protoc_file(&a, files[i], true);
    }
  bu_protoc_encode(out, &google_protobuf_compiler_CodeGeneratorRequest_msgdef, req, &a);
  bp_arena_free(&a);
}

/* ------------------------------------------------------------ running plugins */

/* The child: stdin and stdout on the pipes, then the program. When exec
 * fails, its errno goes back through report (closed on a successful exec). */
static void exec_child(const char *const *argv, int in_fd, int out_fd, int report) {
  if (dup2(in_fd, 0) < 0 || dup2(out_fd, 1) < 0) {
    int e = errno;
    if (write(report, &e, sizeof e) < 0) _exit(127);
    _exit(127);
  }
  close(in_fd);
  close(out_fd);
  /* execvp's argv is char *const[] for historical reasons; it does not
   * write to the strings */
  execvp(argv[0], (char *const *)(uintptr_t)argv);
  int e = errno;
  if (write(report, &e, sizeof e) < 0) _exit(127);
  _exit(127);
}

/* Writes the request and reads the response at the same time, so neither
 * side waits for the other with a full pipe. */
static bool pump(int to, int from, const uint8_t *req, size_t len, bu_buf *resp, char *err, size_t errlen) {
  size_t written = 0;
  if (len == 0) {
    close(to);
    to = -1;
  }
  while (from >= 0) {
    struct pollfd p[2];
    nfds_t n = 0;
    p[n].fd = from, p[n].events = POLLIN, p[n].revents = 0, n++;
    if (to >= 0) p[n].fd = to, p[n].events = POLLOUT, p[n].revents = 0, n++;
    if (poll(p, n, -1) < 0) {
      if (errno == EINTR) continue;
      snprintf(err, errlen, "waiting for the plugin: %s", strerror(errno));
      if (to >= 0) close(to);
      return false;
    }
    if (to >= 0 && p[1].revents) {
      size_t chunk = len - written < 65536 ? len - written : 65536;
      ssize_t w = (p[1].revents & POLLOUT) ? write(to, req + written, chunk) : -1;
      if (w > 0) written += (size_t)w;
      /* a plugin that stops reading early (it exited, or does not need the
       * rest) is not an error here; its exit status says whether it failed */
      if (w < 0 && errno != EAGAIN && errno != EINTR) written = len;
      if (written == len) {
        close(to);
        to = -1;
      }
    }
    if (p[0].revents) {
      bu_buf_reserve(resp, 65536);
      ssize_t r = read(from, resp->data + resp->len, 65536);
      if (r > 0) {
        resp->len += (size_t)r;
        if (resp->len > MAX_RESPONSE) {
          snprintf(err, errlen, "the plugin's response is larger than 2 GiB");
          if (to >= 0) close(to);
          return false;
        }
      } else if (r == 0 || (errno != EAGAIN && errno != EINTR)) {
        from = -1;
      }
    }
  }
  if (to >= 0) close(to);
  return true;
}

bool bu_plugin_run(const char *program, const uint8_t *request, size_t len, bu_buf *response, char *err,
                   size_t errlen) {
  const char *const argv[] = {program, NULL};
  return bu_plugin_run_argv(argv, request, len, response, err, errlen);
}

bool bu_plugin_run_argv(const char *const *argv, const uint8_t *request, size_t len, bu_buf *response, char *err,
                        size_t errlen) {
  const char *program = argv[0];
  int in[2], out[2], report[2];
  if (pipe(in) != 0) goto pipe_failed;
  if (pipe(out) != 0) {
    close(in[0]), close(in[1]);
    goto pipe_failed;
  }
  if (pipe(report) != 0) {
    close(in[0]), close(in[1]), close(out[0]), close(out[1]);
    goto pipe_failed;
  }
  fcntl(report[1], F_SETFD, FD_CLOEXEC);
  fcntl(in[1], F_SETFD, FD_CLOEXEC);
  fcntl(out[0], F_SETFD, FD_CLOEXEC);
  /* a plugin that exits without reading its input must not kill buoy */
  struct sigaction ign, old;
  memset(&ign, 0, sizeof ign);
  ign.sa_handler = SIG_IGN;
  sigemptyset(&ign.sa_mask);
  sigaction(SIGPIPE, &ign, &old);
  fflush(NULL);
  pid_t pid = fork();
  if (pid == 0) {
    close(in[1]), close(out[0]), close(report[0]);
    exec_child(argv, in[0], out[1], report[1]);
  }
  close(in[0]), close(out[1]), close(report[1]);
  if (pid < 0) {
    snprintf(err, errlen, "%s: cannot start a process: %s", program, strerror(errno));
    close(in[1]), close(out[0]), close(report[0]);
    sigaction(SIGPIPE, &old, NULL);
    return false;
  }
  fcntl(in[1], F_SETFL, fcntl(in[1], F_GETFL) | O_NONBLOCK);
  int exec_errno = 0;
  ssize_t got;
  do
    got = read(report[0], &exec_errno, sizeof exec_errno);
  while (got < 0 && errno == EINTR);
  close(report[0]);
  bool ok = true;
  if (got == (ssize_t)sizeof exec_errno) {
    snprintf(err, errlen, "%s: %s", program,
             exec_errno == ENOENT ? "program not found (give a path, or put it on PATH)"
             : exec_errno == EACCES ? "not executable"
                                    : strerror(exec_errno));
    close(in[1]), close(out[0]);
    ok = false;
  } else {
    ok = pump(in[1], out[0], request, len, response, err, errlen);
    close(out[0]);
  }
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  sigaction(SIGPIPE, &old, NULL);
  if (!ok) return false;
  if (WIFSIGNALED(status)) {
    snprintf(err, errlen, "%s: killed by signal %d (%s)", program, WTERMSIG(status), strsignal(WTERMSIG(status)));
    return false;
  }
  if (WIFEXITED(status) && WEXITSTATUS(status) != 0) {
    snprintf(err, errlen, "%s: plugin failed with status %d", program, WEXITSTATUS(status));
    return false;
  }
  return true;
pipe_failed:
  snprintf(err, errlen, "cannot create a pipe: %s", strerror(errno));
  return false;
}

/* ------------------------------------------------------------ responses */

static bool uses_proto3_optional_msg(const bu_message *m, int depth) {
  if (depth > MAX_DEPTH) return false;
  for (uint32_t i = 0; i < m->fields.count; i++)
    if (BU_VEC_AT(m->fields, bu_field, i)->proto3_optional) return true;
  for (uint32_t i = 0; i < m->nested.count; i++)
    if (uses_proto3_optional_msg(BU_VEC_AT(m->nested, bu_message, i), depth + 1)) return true;
  return false;
}

static bool uses_proto3_optional(const bu_file *f) {
  for (uint32_t i = 0; i < f->messages.count; i++)
    if (uses_proto3_optional_msg(BU_VEC_AT(f->messages, bu_message, i), 0)) return true;
  return false;
}

static int32_t edition_number(const bu_file *f) {
  if (!f->edition) return 0;
  return strcmp(f->edition, "2023") == 0 ? google_protobuf_EDITION_2023 : google_protobuf_EDITION_2024;
}

/* The features the files to generate need and the plugin lacks. */
static bool check_features(const google_protobuf_compiler_CodeGeneratorResponse *r, bu_file *const *files,
                           uint32_t nfiles, char *err, size_t errlen) {
  uint64_t features = google_protobuf_compiler_CodeGeneratorResponse_supported_features(r);
  for (uint32_t i = 0; i < nfiles; i++) {
    const bu_file *f = files[i];
    if (!(features & google_protobuf_compiler_CodeGeneratorResponse_FEATURE_PROTO3_OPTIONAL) &&
        uses_proto3_optional(f)) {
      snprintf(err, errlen,
               "%s: has proto3 optional fields, which the plugin does not declare it supports "
               "(FEATURE_PROTO3_OPTIONAL)",
               f->name);
      return false;
    }
    int32_t ed = edition_number(f);
    if (!ed) continue;
    if (!(features & google_protobuf_compiler_CodeGeneratorResponse_FEATURE_SUPPORTS_EDITIONS)) {
      snprintf(err, errlen, "%s: is an editions file, which the plugin does not declare it supports "
                            "(FEATURE_SUPPORTS_EDITIONS)", f->name);
      return false;
    }
    int32_t lo = google_protobuf_compiler_CodeGeneratorResponse_minimum_edition(r);
    int32_t hi = google_protobuf_compiler_CodeGeneratorResponse_maximum_edition(r);
    if (ed < lo || ed > hi) {
      snprintf(err, errlen, "%s: edition %s is outside the editions the plugin supports (%d to %d)", f->name,
               f->edition, (int)lo, (int)hi);
      return false;
    }
  }
  return true;
}

static char *cstr(bp_str s) {
  char *p = need(malloc(s.size + 1));
  if (s.size) memcpy(p, s.data, s.size);
  p[s.size] = 0;
  return p;
}

/* Appends a chunk without a name to the file written last. */
static void append_to(bu_gen_file *f, bp_str s) {
  if (!s.size) return;
  f->data = need(realloc(f->data, f->len + s.size));
  memcpy(f->data + f->len, s.data, s.size);
  f->len += s.size;
}

bool bu_plugin_apply(bu_gen_out *out, const uint8_t *response, size_t len, bu_file *const *files, uint32_t nfiles,
                     char *err, size_t errlen) {
  bp_arena a;
  bp_arena_init(&a);
  google_protobuf_compiler_CodeGeneratorResponse *r = need(google_protobuf_compiler_CodeGeneratorResponse_new(&a));
  bp_decode_options o;
  memset(&o, 0, sizeof o);
  o.max_depth = MAX_DEPTH;
  bool ok = true;
  if (len > MAX_RESPONSE || bp_decode(&google_protobuf_compiler_CodeGeneratorResponse_msgdef, r,
                                      (const char *)response, len, &a, &o) != BP_OK) {
    snprintf(err, errlen, "the plugin's output is not a CodeGeneratorResponse");
    ok = false;
  }
  /* like protoc: the files first, then the plugin's error, then features */
  size_t nf = 0;
  const google_protobuf_compiler_CodeGeneratorResponse_File *const *fs =
      ok ? google_protobuf_compiler_CodeGeneratorResponse_file(r, &nf) : NULL;
  /* A chunk without a name continues the previous one (protoc keeps writing
   * to the stream it opened last): for a whole file, appended to it; for an
   * insertion, to the text inserted, so insertions are applied when the
   * next named chunk (or the end) comes. */
  char *last = NULL;    /* the name of the previous chunk */
  char *point = NULL;   /* its insertion point, when it is an insertion */
  bu_buf pending = {0}; /* the text to insert there */
  for (size_t i = 0; ok && i <= nf; i++) {
    const google_protobuf_compiler_CodeGeneratorResponse_File *f = i < nf ? fs[i] : NULL;
    bp_str name = f ? google_protobuf_compiler_CodeGeneratorResponse_File_name(f) : bp_str_c("");
    bp_str content = f ? google_protobuf_compiler_CodeGeneratorResponse_File_content(f) : bp_str_c("");
    bp_str pt = f ? google_protobuf_compiler_CodeGeneratorResponse_File_insertion_point(f) : bp_str_c("");
    if (f && !name.size) {
      if (!last) {
        snprintf(err, errlen, "the first file of the plugin's response has no name");
        ok = false;
      } else if (point) {
        bu_put_bytes(&pending, content.data, content.size);
      } else {
        append_to(bu_gen_out_find(out, last), content);
      }
      continue;
    }
    if (point) ok = bu_gen_out_insert(out, last, point, (const char *)pending.data, pending.len, err, errlen);
    free(last);
    free(point);
    last = point = NULL;
    pending.len = 0;
    if (!ok || !f) break;
    if ((name.size && memchr(name.data, 0, name.size)) || (pt.size && memchr(pt.data, 0, pt.size))) {
      snprintf(err, errlen, "a file name or insertion point holds a NUL byte");
      ok = false;
      break;
    }
    last = cstr(name);
    if (pt.size) {
      point = cstr(pt);
      bu_put_bytes(&pending, content.data, content.size);
    } else {
      ok = bu_gen_out_add(out, last, content.data, content.size, err, errlen);
    }
  }
  free(last);
  free(point);
  bu_buf_free(&pending);
  if (ok && google_protobuf_compiler_CodeGeneratorResponse_has_error(r)) {
    bp_str e = google_protobuf_compiler_CodeGeneratorResponse_error(r);
    if (e.size) {
      snprintf(err, errlen, "%.*s", e.size > 4000 ? 4000 : (int)e.size, e.data);
      ok = false;
    }
  }
  if (ok) ok = check_features(r, files, nfiles, err, errlen);
  bp_arena_free(&a);
  return ok;
}

/* ------------------------------------------------------------ the built-in generator */

bool bu_plugin_builtin_c(bu_gen_out *out, bu_file *const *files, uint32_t nfiles, const char *parameter, char *err,
                         size_t errlen) {
  if (parameter && parameter[0]) {
    snprintf(err, errlen, "the buoy generator takes no options (got \"%s\")", parameter);
    return false;
  }
  bool ok = true;
  for (uint32_t i = 0; ok && i < nfiles; i++) {
    bu_buf h = {0}, c = {0};
    ok = bu_gen_c(files[i], &h, &c, err, errlen);
    if (ok) {
      char *hname = bu_gen_c_path(files[i]->name, ".pb.h"), *cname = bu_gen_c_path(files[i]->name, ".pb.c");
      ok = hname && cname && bu_gen_out_add(out, hname, (const char *)h.data, h.len, err, errlen) &&
           bu_gen_out_add(out, cname, (const char *)c.data, c.len, err, errlen);
      free(hname);
      free(cname);
    }
    bu_buf_free(&h);
    bu_buf_free(&c);
  }
  return ok;
}
