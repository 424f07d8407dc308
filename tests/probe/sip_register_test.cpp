// sip_register against a scripted UDP registrar whose every answer the test decides. The registrar checks
// each Authorization with the RFC 7616 section 3.4.1 formula written out here (parameters pulled out with a
// regex, not with proto/sip/digest), so a wrong digest fails the exchange, not just an assertion on bytes.
#include <gtest/gtest.h>

#include <array>
#include <asio/co_spawn.hpp>
#include <asio/detached.hpp>
#include <asio/experimental/as_tuple.hpp>
#include <asio/ip/tcp.hpp>
#include <asio/ip/udp.hpp>
#include <asio/steady_timer.hpp>
#include <asio/use_awaitable.hpp>
#include <functional>
#include <map>
#include <regex>
#include <string>
#include <vector>

#include "core/time.h"
#include "io/digest_hash.h"
#include "probe/sip_register.h"
#include "probe/sip_test_support.h"
#include "proto/sip/builder.h"
#include "proto/sip/message.h"

namespace vs::probe {
namespace {

using namespace std::chrono_literals;
using asio::ip::udp;
using testing::FakeResolver;
using testing::runFor;
namespace sip = proto::sip;
constexpr auto kTuple = asio::experimental::as_tuple(asio::use_awaitable);

// Answers each REGISTER with what `script` returns (zero or more datagrams).
struct ScriptedRegistrar {
  using Script = std::function<std::vector<std::string>(const sip::Message& request, int index)>;

  ScriptedRegistrar(asio::io_context& ioc, Script s)
      : socket(ioc, udp::endpoint(asio::ip::make_address("127.0.0.1"), 0)), script(std::move(s)) {
    asio::co_spawn(ioc, loop(), asio::detached);
  }
  ~ScriptedRegistrar() {
    std::error_code ec;
    socket.close(ec);
  }
  std::uint16_t port() const { return socket.local_endpoint().port(); }

  asio::awaitable<void> loop() {
    std::array<char, 65536> buf{};
    udp::endpoint from;
    while (socket.is_open()) {
      auto [ec, n] = co_await socket.async_receive_from(asio::buffer(buf), from, kTuple);
      if (ec) co_return;
      std::string bytes(buf.data(), n);
      requests.push_back(bytes);
      auto m = sip::parseMessage(bytes);
      if (!m.ok()) continue;
      for (const auto& d : script(*m, received++)) co_await socket.async_send_to(asio::buffer(d), from, kTuple);
    }
  }

  udp::socket socket;
  Script script;
  int received = 0;
  std::vector<std::string> requests;
};

std::string reply(const sip::Message& req, int code, std::vector<std::pair<std::string, std::string>> headers = {},
                  std::string reason = "") {
  sip::ResponseParams rp;
  rp.status_code = code;
  rp.reason = std::move(reason);
  rp.extra_headers = std::move(headers);
  return sip::buildResponse(req, rp);
}

// key="quoted" | key=token, from an Authorization value.
std::map<std::string, std::string> authParams(std::string_view value) {
  std::map<std::string, std::string> out;
  static const std::regex kParam(R"re(([A-Za-z-]+)=(?:"([^"]*)"|([^\s,]+)))re");
  std::string v(value);
  for (auto it = std::sregex_iterator(v.begin(), v.end(), kParam); it != std::sregex_iterator(); ++it) {
    out[(*it)[1]] = (*it)[2].matched ? (*it)[2].str() : (*it)[3].str();
  }
  return out;
}

// RFC 7616 3.4.1: response = H(HA1:nonce:nc:cnonce:qop:HA2) with qop, H(HA1:nonce:HA2) without (RFC 2069).
bool validDigest(std::string_view value, bool sha256, const std::string& realm, const std::string& nonce,
                 const std::string& password, std::string* why) {
  auto p = authParams(value);
  auto fn = sha256 ? sip::DigestHashFunction::kSha256 : sip::DigestHashFunction::kMd5;
  auto H = [&](const std::string& s) { return io::digestHash(fn, s); };
  if (p["realm"] != realm || p["nonce"] != nonce) {
    *why = "realm/nonce mismatch: " + std::string(value);
    return false;
  }
  auto ha1 = H(p["username"] + ":" + realm + ":" + password);
  auto ha2 = H("REGISTER:" + p["uri"]);
  auto expected = p.count("qop") ? H(ha1 + ":" + nonce + ":" + p["nc"] + ":" + p["cnonce"] + ":" + p["qop"] + ":" + ha2)
                                 : H(ha1 + ":" + nonce + ":" + ha2);
  if (p["response"] != expected) *why = "bad response in " + std::string(value);
  return p["response"] == expected;
}

class SipRegisterScripted : public ::testing::Test {
 protected:
  SipRegisterParams params(std::uint16_t port) {
    SipRegisterParams p;
    p.host = "127.0.0.1";
    p.port = port;
    p.user = "alice";
    p.password = "pw";
    p.domain = "voipscope.test";
    p.expires = 300;
    p.timeout = 5000ms;
    return p;
  }
  SipRegisterResult run(SipRegisterParams p) {
    auto r = runFor(ioc, sipRegister(resolver, std::move(p), session), 15000ms);
    EXPECT_TRUE(r.has_value());
    return r.value_or(SipRegisterResult{});
  }
  asio::io_context ioc;
  FakeResolver resolver;
  SipRegisterSession session;
};

TEST_F(SipRegisterScripted, ProxyThenRegistrarChallenge) {
  std::vector<std::string> problems;
  ScriptedRegistrar reg(ioc, [&](const sip::Message& m, int i) -> std::vector<std::string> {
    std::string why;
    auto pa = m.header("Proxy-Authorization");
    auto wa = m.header("Authorization");
    if (i == 0) {
      if (pa || wa) problems.push_back("credentials before any challenge");
      auto r407 =
          reply(m, 407,
                {{"Proxy-Authenticate",
                  "Digest realm=\"proxy.test\", nonce=\"pn1\", opaque=\"op\", algorithm=SHA-256, qop=\"auth\""}});
      return {r407, r407, "garbage that is not SIP"};  // a duplicate and noise: both must be ignored
    }
    if (!pa || !validDigest(*pa, true, "proxy.test", "pn1", "pw", &why)) problems.push_back("proxy: " + why);
    if (pa && authParams(*pa)["opaque"] != "op") problems.push_back("opaque not echoed");
    if (i == 1) return {reply(m, 401, {{"WWW-Authenticate", "Digest realm=\"voipscope.test\", nonce=\"wn1\""}})};
    if (!wa || !validDigest(*wa, false, "voipscope.test", "wn1", "pw", &why)) problems.push_back("www: " + why);
    return {reply(m, 200,
                  {{"Contact", "<sip:other@192.0.2.1:5060>;expires=50, <sip:alice@" + std::string(m.topVia()->sent_by) +
                                   ">;expires=120"}})};
  });
  auto r = run(params(reg.port()));
  EXPECT_TRUE(problems.empty()) << ::testing::PrintToString(problems);
  EXPECT_EQ(r.outcome, SipRegisterOutcome::kRegistered) << r.detail;
  EXPECT_EQ(r.round_trips, 3);
  EXPECT_EQ(r.challenges, 2);
  EXPECT_EQ(reg.received, 3);
  EXPECT_EQ(r.granted_expires, std::optional<std::uint32_t>(120));  // ours, not the other binding's 50
  EXPECT_EQ(r.bindings.size(), 2u);
  // One Call-ID, CSeq 1, 2, 3, a new branch each time.
  std::vector<std::string> branches;
  for (std::size_t i = 0; i < reg.requests.size(); ++i) {
    auto m = sip::parseMessage(reg.requests[i]);
    ASSERT_TRUE(m.ok());
    EXPECT_EQ(m->callId(), r.call_id);
    EXPECT_EQ(m->cseq()->number, i + 1);
    branches.emplace_back(m->topVia()->branch);
  }
  EXPECT_NE(branches[0], branches[1]);
  EXPECT_NE(branches[1], branches[2]);
  // The verifier above can fail: the same Authorization does not pass with another password.
  auto last = sip::parseMessage(reg.requests.back());
  ASSERT_TRUE(last.ok());
  std::string why;
  EXPECT_TRUE(validDigest(*last->header("Authorization"), false, "voipscope.test", "wn1", "pw", &why));
  EXPECT_FALSE(validDigest(*last->header("Authorization"), false, "voipscope.test", "wn1", "pw2", &why));
}

TEST_F(SipRegisterScripted, PicksSha256AndFollowsStaleNonce) {
  std::vector<std::string> problems;
  ScriptedRegistrar reg(ioc, [&](const sip::Message& m, int i) -> std::vector<std::string> {
    std::string why;
    auto wa = m.header("Authorization");
    if (i == 0) {
      return {reply(
          m, 401,
          {{"WWW-Authenticate", "Digest realm=\"voipscope.test\", nonce=\"md\", algorithm=MD5, qop=\"auth\""},
           {"WWW-Authenticate", "Digest realm=\"voipscope.test\", nonce=\"sh\", algorithm=SHA-256, qop=\"auth\""}})};
    }
    if (i == 1) {
      if (!wa || !validDigest(*wa, true, "voipscope.test", "sh", "pw", &why)) problems.push_back(why);
      if (wa && authParams(*wa)["algorithm"] != "SHA-256") problems.push_back("algorithm not SHA-256");
      return {reply(m, 401,
                    {{"WWW-Authenticate",
                      "Digest realm=\"voipscope.test\", nonce=\"sh2\", algorithm=SHA-256, qop=\"auth\", stale=true"}})};
    }
    if (!wa || !validDigest(*wa, true, "voipscope.test", "sh2", "pw", &why)) problems.push_back(why);
    if (wa && authParams(*wa)["nc"] != "00000001") problems.push_back("nc must restart for a new nonce");
    // No expires on the Contact: the Expires header grants it.
    return {
        reply(m, 200,
              {{"Contact", "<" + std::string(m.header("Contact")->substr(1, m.header("Contact")->find('>') - 1)) + ">"},
               {"Expires", "240"}})};
  });
  auto r = run(params(reg.port()));
  EXPECT_TRUE(problems.empty()) << ::testing::PrintToString(problems);
  EXPECT_EQ(r.outcome, SipRegisterOutcome::kRegistered) << r.detail;
  EXPECT_EQ(r.round_trips, 3);
  EXPECT_EQ(r.auth_algorithm, "SHA-256");
  EXPECT_EQ(r.granted_expires, std::optional<std::uint32_t>(240));
}

TEST_F(SipRegisterScripted, IntervalTooBriefRetriesWithMinExpires) {
  ScriptedRegistrar reg(ioc, [&](const sip::Message& m, int i) -> std::vector<std::string> {
    if (i == 0) return {reply(m, 423, {{"Min-Expires", "1800"}}, "Interval Too Brief")};
    return {reply(m, 200, {{"Contact", std::string(*m.header("Contact"))}})};
  });
  auto r = run(params(reg.port()));
  EXPECT_EQ(r.outcome, SipRegisterOutcome::kRegistered) << r.detail;
  EXPECT_EQ(r.round_trips, 2);
  EXPECT_EQ(r.granted_expires, std::optional<std::uint32_t>(1800));
  ASSERT_EQ(reg.requests.size(), 2u);
  EXPECT_NE(reg.requests[1].find("Expires: 1800\r\n"), std::string::npos);
}

TEST_F(SipRegisterScripted, FinalErrorsAndMalformedChallenges) {
  int mode = 0;
  ScriptedRegistrar reg(ioc, [&](const sip::Message& m, int) -> std::vector<std::string> {
    switch (mode) {
      case 0: return {reply(m, 401, {{"WWW-Authenticate", "Digest realm=\"unterminated, nonce=1"}})};
      case 1: return {reply(m, 401, {{"WWW-Authenticate", "Digest realm=r, nonce=n, algorithm=AKAv1-MD5"}})};
      case 2: return {reply(m, 401)};  // no challenge at all
      default: return {reply(m, 404, {}, "Not Found")};
    }
  });
  auto r = run(params(reg.port()));
  EXPECT_EQ(r.outcome, SipRegisterOutcome::kBadResponse);
  EXPECT_NE(r.detail.find("malformed challenge"), std::string::npos) << r.detail;
  mode = 1;
  r = run(params(reg.port()));
  EXPECT_EQ(r.outcome, SipRegisterOutcome::kRejected);
  EXPECT_NE(r.detail.find("without a supported Digest challenge"), std::string::npos) << r.detail;
  mode = 2;
  r = run(params(reg.port()));
  EXPECT_EQ(r.outcome, SipRegisterOutcome::kRejected);
  EXPECT_EQ(r.status_code, 401);
  mode = 3;
  r = run(params(reg.port()));
  EXPECT_EQ(r.outcome, SipRegisterOutcome::kRejected);
  EXPECT_EQ(r.status_code, 404);
  EXPECT_EQ(r.reason, "Not Found");
  EXPECT_EQ(r.round_trips, 1);
  EXPECT_EQ(reg.received, 4);
}

TEST_F(SipRegisterScripted, SilentRegistrarTimesOutWithRetransmissions) {
  ScriptedRegistrar reg(ioc, [](const sip::Message&, int) { return std::vector<std::string>{}; });
  auto p = params(reg.port());
  p.timeout = 1300ms;
  auto t0 = SteadyClock::now();
  auto r = run(p);
  EXPECT_EQ(r.outcome, SipRegisterOutcome::kTimeout) << r.detail;
  EXPECT_GE(elapsedMs(t0), 1200);
  EXPECT_LT(elapsedMs(t0), 10000);
  // Timer A: 0, 500, 1500 ms; a loaded box may miss the last one before the deadline.
  EXPECT_GE(r.retransmissions, 1);
  EXPECT_LE(r.retransmissions, 2);
  EXPECT_EQ(reg.received, 1 + r.retransmissions);
  EXPECT_EQ(r.round_trips, 0);
}

TEST_F(SipRegisterScripted, RefusedUnresolvableAndInvalidInput) {
  std::uint16_t closed_port = 0;
  {
    udp::socket s(ioc, udp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
    closed_port = s.local_endpoint().port();
  }
  auto r = run(params(closed_port));
  EXPECT_EQ(r.outcome, SipRegisterOutcome::kRefused) << r.detail;
  auto p = params(closed_port);
  p.transport = SipTransport::kTcp;
  r = run(p);
  EXPECT_EQ(r.outcome, SipRegisterOutcome::kRefused) << r.detail;
  p.host = "registrar.invalid";
  r = run(p);
  EXPECT_EQ(r.outcome, SipRegisterOutcome::kResolveFailed);
  p = params(closed_port);
  p.user = "alice\r\nX-Injected: 1";
  r = run(p);
  EXPECT_EQ(r.outcome, SipRegisterOutcome::kError);
  EXPECT_TRUE(r.raw_request.empty());
}

}  // namespace
}  // namespace vs::probe
