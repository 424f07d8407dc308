// libFuzzer target for the SIP text-log parser: the input split into lines as the reader does.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "proto/siplog/sip_log.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view in(reinterpret_cast<const char*>(data), size);
  // The first byte picks a UTC offset (-14:00 .. +14:00 in steps of 15 min) for the log's dates, and a
  // year reference (Asterisk's year-less dates) when odd.
  std::int64_t offset_ns = 0, year_ref_ns = 0;
  if (!in.empty()) {
    const auto b = static_cast<std::uint8_t>(in.front());
    offset_ns = (static_cast<std::int64_t>(b % 113) - 56) * 15 * 60 * 1'000'000'000LL;
    if (b & 1U) year_ref_ns = 1'795'520'000'000'000'000LL;  // 2026-11-24
  }
  vs::proto::siplog::SipLogParser p(year_ref_ns, offset_ns);
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
