// The codec benchmark for C++ protobuf (libprotobuf 3.21, protoc --cpp_out,
// g++ -O2) with arenas: decoding is ParseFromArray into a message created
// in an arena reset before each message; encoding is SerializeToArray into
// a buffer. The arena starts in a 1 MiB buffer, as buoy's does. Message
// types are found by name in the generated pool. See harness.h.
#include <google/protobuf/arena.h>
#include <google/protobuf/descriptor.h>
#include <google/protobuf/message.h>

#include <vector>

#include "harness.h"

namespace {

using google::protobuf::Arena;
using google::protobuf::Message;

constexpr size_t kArenaBuffer = 1 << 20;

struct State {
  const bench_dataset *ds = nullptr;
  const Message *prototype = nullptr;
  Arena keep;
  std::vector<char> scratch_buf = std::vector<char>(kArenaBuffer);
  Arena *scratch = nullptr;
  std::vector<Message *> msgs;
  std::vector<char> out;
  ~State() { delete scratch; }
};

bool Decode(void *p, size_t i, bool) {
  State *st = static_cast<State *>(p);
  st->scratch->Reset();
  Message *m = st->prototype->New(st->scratch);
  return m->ParseFromArray(st->ds->data[i], static_cast<int>(st->ds->size[i]));
}

bool Encode(void *p, size_t i, const char **out, size_t *size) {
  State *st = static_cast<State *>(p);
  const Message *m = st->msgs[i];
  if (!m->SerializeToArray(st->out.data(), static_cast<int>(st->out.size()))) return false;
  *out = st->out.data();
  *size = m->GetCachedSize();
  return true;
}

void Close(void *p) { delete static_cast<State *>(p); }

void *Open(const bench_dataset *ds, bool) {
  const google::protobuf::Descriptor *d =
      google::protobuf::DescriptorPool::generated_pool()->FindMessageTypeByName(ds->message_name);
  if (!d) return nullptr;
  State *st = new State;
  st->ds = ds;
  st->prototype = google::protobuf::MessageFactory::generated_factory()->GetPrototype(d);
  google::protobuf::ArenaOptions o;
  o.initial_block = st->scratch_buf.data();
  o.initial_block_size = st->scratch_buf.size();
  st->scratch = new Arena(o);
  st->out.resize(2 * ds->largest + 64);
  for (size_t i = 0; i < ds->count; i++) {
    Message *m = st->prototype->New(&st->keep);
    if (!m->ParseFromArray(ds->data[i], static_cast<int>(ds->size[i]))) {
      fprintf(stderr, "c++: cannot decode payload %zu of %s\n", i, ds->name);
      exit(1);
    }
    st->msgs.push_back(m);
  }
  return st;
}

}  // namespace

int main(int argc, char **argv) {
  static const bench_impl impl = {"c++", false, Open, Decode, Encode, Close};
  return bench_main(argc, argv, &impl);
}
