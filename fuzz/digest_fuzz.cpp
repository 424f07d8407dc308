// libFuzzer target for WWW-Authenticate / Proxy-Authenticate parsing and answering. Input: one or more
// header values separated by newlines (a response may carry several challenge headers).
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "proto/sip/digest.h"

namespace {

// proto links no crypto; the shape of the output is what matters here, not its strength.
std::string fakeHash(vs::proto::sip::DigestHashFunction, std::string_view data) {
  return std::to_string(std::hash<std::string_view>{}(data));
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace vs::proto::sip;
  std::string_view in(reinterpret_cast<const char*>(data), size);
  std::vector<std::string_view> values;
  while (!in.empty()) {
    auto nl = in.find('\n');
    values.push_back(in.substr(0, nl));
    in = nl == std::string_view::npos ? std::string_view() : in.substr(nl + 1);
  }
  for (auto v : values) {
    auto all = parseChallenges(v);
    if (!all.ok()) continue;
    for (const auto& c : *all) {
      (void)c.param("realm");
      (void)toDigestChallenge(c);
    }
  }
  auto digests = parseDigestChallenges(values);
  if (!digests.ok()) return 0;
  auto best = chooseChallenge(*digests);
  if (!best) return 0;
  DigestClient client("alice", "pw", &fakeHash);
  client.setChallenge((*digests)[*best]);
  auto a = client.authorize("REGISTER", "sip:voipscope.test", "", "cn");
  // Our Authorization value must itself be valid auth-param syntax whatever the peer sent.
  if (a.ok() && !parseChallenges(a->header_value).ok()) __builtin_trap();
  return 0;
}
