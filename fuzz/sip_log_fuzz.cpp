// libFuzzer target for the SIP text-log parser: the input split into lines as the reader does.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "proto/siplog/sip_log.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view in(reinterpret_cast<const char*>(data), size);
  vs::proto::siplog::SipLogParser p;
  std::size_t total = 0;
  while (!in.empty()) {
    auto eol = in.find('\n');
    auto line = in.substr(0, eol);
    if (auto m = p.line(line.substr(0, vs::proto::siplog::kMaxLineBytes))) total += m->text.size();
    in.remove_prefix(eol == std::string_view::npos ? in.size() : eol + 1);
  }
  if (auto m = p.finish()) total += m->text.size();
  if (total > size * 4 + 1024) __builtin_trap();  // output grows at most a few bytes per input byte
  return 0;
}
