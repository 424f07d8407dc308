// libFuzzer target for the SIP codec: datagram parse, stream framing and every accessor, and the Reason
// header reader (over every header value, and over the whole input as one value).
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "proto/sip/message.h"
#include "proto/sip/reason.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace vs::proto::sip;
  std::string_view in(reinterpret_cast<const char*>(data), size);
  for (bool datagram : {true, false}) {
    auto m = parseMessage(in, datagram);
    if (!m.ok()) continue;
    (void)m->callId();
    (void)m->cseq();
    (void)m->vias();
    (void)m->topVia();
    (void)m->fromTag();
    (void)m->toTag();
    (void)m->headers("Contact");
    for (const auto& h : m->allHeaders()) {
      (void)splitList(h.value);
      (void)describeReason(h.value);
    }
  }
  auto f = frameStream(in);
  if (f.status == StreamFrame::Status::kMessage) (void)parseMessage(in.substr(f.skip, f.length), false);
  (void)probe(in);
  (void)describeReason(in);
  return 0;
}
