#include "proto/sip/alg_diff.h"

#include <algorithm>
#include <optional>

namespace vs::proto::sip {
namespace {

void compare(std::vector<AlgRewrite>& out, std::string field, std::string_view a, std::string_view b) {
  if (a != b) out.push_back({std::move(field), std::string(a), std::string(b)});
}

// Lines of an SDP body starting with `prefix` ("c=", ...), in order, without line ends.
std::vector<std::string_view> sdpLines(std::string_view body, std::string_view prefix) {
  std::vector<std::string_view> lines;
  std::size_t pos = 0;
  while (pos < body.size()) {
    auto end = body.find('\n', pos);
    if (end == std::string_view::npos) end = body.size();
    auto line = body.substr(pos, end - pos);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.starts_with(prefix)) lines.push_back(line);
    pos = end + 1;
  }
  return lines;
}

std::vector<std::string> headerNames(const Message& m) {
  std::vector<std::string> names;
  for (const auto& h : m.allHeaders()) names.emplace_back(canonicalName(h.name));
  std::sort(names.begin(), names.end());
  return names;
}

}  // namespace

std::string contactHostPort(std::string_view value) {
  auto open = value.find('<');
  std::string_view uri = value;
  if (open != std::string_view::npos) {
    auto close = value.find('>', open);
    uri = value.substr(open + 1, close == std::string_view::npos ? std::string_view::npos : close - open - 1);
  }
  if (auto colon = uri.find(':'); colon != std::string_view::npos && colon < 6) uri.remove_prefix(colon + 1);
  if (auto at = uri.find('@'); at != std::string_view::npos) uri.remove_prefix(at + 1);
  auto end = uri.find_first_of(";?> ");
  return std::string(uri.substr(0, end));
}

std::vector<AlgRewrite> diffForAlg(const Message& sent, const Message& received) {
  std::vector<AlgRewrite> out;
  const auto sv = sent.topVia();
  const auto rv = received.topVia();
  compare(out, "Via sent-by", sv ? sv->sent_by : "", rv ? rv->sent_by : "");
  compare(out, "Via received", sv ? sv->received : "", rv ? rv->received : "");
  compare(out, "Via rport", sv ? sv->rport : "", rv ? rv->rport : "");
  const auto sc = sent.header("Contact");
  const auto rc = received.header("Contact");
  compare(out, "Contact", sc ? contactHostPort(*sc) : "", rc ? contactHostPort(*rc) : "");
  const auto sl = sent.header("Content-Length");
  const auto rl = received.header("Content-Length");
  compare(out, "Content-Length", sl.value_or(""), rl.value_or(""));
  for (std::string_view prefix : {"o=", "c=", "m="}) {
    const auto a = sdpLines(sent.body(), prefix);
    const auto b = sdpLines(received.body(), prefix);
    const std::string field = "SDP " + std::string(prefix);
    for (std::size_t i = 0; i < std::max(a.size(), b.size()); ++i) {
      compare(out, field, i < a.size() ? a[i] : "", i < b.size() ? b[i] : "");
    }
  }
  // Headers added or removed (by name, counting repeats).
  const auto an = headerNames(sent);
  const auto bn = headerNames(received);
  std::vector<std::string> added, removed;
  std::set_difference(bn.begin(), bn.end(), an.begin(), an.end(), std::back_inserter(added));
  std::set_difference(an.begin(), an.end(), bn.begin(), bn.end(), std::back_inserter(removed));
  for (auto& h : added) out.push_back({"header added", "", h});
  for (auto& h : removed) out.push_back({"header removed", h, ""});
  return out;
}

}  // namespace vs::proto::sip
