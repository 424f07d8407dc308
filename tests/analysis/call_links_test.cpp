// Leg linking and call streaming with hand-made SIP: every correlation rule of the analysis (X-CID-style
// headers in both orders, a configured header, Session-ID, P-Charging-Vector icid-value, numbers and timing)
// links exactly the legs the test built to belong together, names its rule and confidence, and leaves
// look-alikes alone (null Session-ID, numbers from an unrelated host, numbers outside the window). The
// streaming part checks that finished calls leave as soon as their linger time has passed in capture time,
// in call order, exactly once, and that calls still going or challenged stay until the end.
#include <gtest/gtest.h>

#include <map>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "analysis/capture_analyzer.h"
#include "proto/pkt/capture_file.h"
#include "support/raw_frames.h"

namespace {

using namespace vs::analysis;
using vs::test::text;
using vs::test::udp;

constexpr std::int64_t kSec = 1'000'000'000;

struct Msg {
  std::string start;  // request line or status line
  std::string call_id;
  std::string from_user = "alice", to_user = "bob";
  std::string cseq = "1 INVITE";
  std::vector<std::string> extra;  // header lines
  std::string body;                // SDP, when not empty
  bool response() const { return start.starts_with("SIP/"); }
};

std::string render(const Msg& m) {
  std::string h = fmt::format(
      "{}\r\nVia: SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bK-{}-{}\r\nFrom: <sip:{}@example.com>;tag=f-{}\r\n"
      "To: <sip:{}@example.com>{}\r\nCall-ID: {}\r\nCSeq: {}\r\nMax-Forwards: 70\r\n",
      m.start, m.call_id, m.cseq.substr(0, m.cseq.find(' ')), m.from_user, m.call_id, m.to_user,
      m.response() ? ";tag=t-" + m.call_id : "", m.call_id, m.cseq);
  for (const auto& e : m.extra) h += e + "\r\n";
  if (m.body.empty()) return h + "Content-Length: 0\r\n\r\n";
  return h + fmt::format("Content-Type: application/sdp\r\nContent-Length: {}\r\n\r\n{}", m.body.size(), m.body);
}

struct Capture {
  AnalyzerOptions options;
  std::vector<Call> calls;
  std::vector<std::uint64_t> emitted_before_finish;
  std::unique_ptr<CaptureAnalyzer> an;
  std::uint64_t frame = 0;
  bool finished = false;

  explicit Capture(AnalyzerOptions o = {}) : options(std::move(o)) {
    an = std::make_unique<CaptureAnalyzer>(options, [this](Call&& c) {
      if (!finished) emitted_before_finish.push_back(c.id);
      calls.push_back(std::move(c));
    });
  }
  // A message from 192.0.2.<src> to 192.0.2.<dst> at capture time t_ms.
  void send(unsigned src, unsigned dst, std::int64_t t_ms, const Msg& m) {
    an->addFrame(vs::proto::pkt::link::kIpv4, udp(src, 5060, dst, 5060, text(render(m))), t_ms * 1'000'000, ++frame);
  }
  // INVITE / 100 / 180 / 200 / ACK, and BYE / 200 when hangup_ms >= 0.
  // callee_hangs_up: the BYE comes from the callee (with the tags swapped, as in-dialog requests have them).
  void call(unsigned caller, unsigned callee, std::int64_t t_ms, Msg invite, std::int64_t hangup_ms = -1,
            bool callee_hangs_up = false) {
    setUp(caller, callee, t_ms, invite);
    if (hangup_ms >= 0) hangUp(caller, callee, hangup_ms, invite, callee_hangs_up);
  }
  void setUp(unsigned caller, unsigned callee, std::int64_t t_ms, Msg invite) {
    invite.start = fmt::format("INVITE sip:{}@192.0.2.{} SIP/2.0", invite.to_user, callee);
    send(caller, callee, t_ms, invite);
    Msg r = invite;
    r.extra.clear();
    r.body.clear();
    for (auto [code, dt] : {std::pair{"100 Trying", 5}, {"180 Ringing", 50}, {"200 OK", 900}}) {
      r.start = fmt::format("SIP/2.0 {}", code);
      send(callee, caller, t_ms + dt, r);
    }
    Msg ack = r;
    ack.start = fmt::format("ACK sip:{}@192.0.2.{} SIP/2.0", invite.to_user, callee);
    ack.cseq = "1 ACK";
    send(caller, callee, t_ms + 910, ack);
  }
  void hangUp(unsigned caller, unsigned callee, std::int64_t hangup_ms, Msg invite, bool callee_hangs_up = false) {
    Msg bye = invite;
    bye.extra.clear();
    bye.body.clear();
    bye.start = fmt::format("BYE sip:{}@192.0.2.{} SIP/2.0", invite.to_user, callee);
    bye.cseq = "2 BYE";
    if (callee_hangs_up) {
      // render() writes the From tag as f-<Call-ID> and a To tag only on responses: the callee's BYE
      // carries its own tag in From, so it is written out here.
      std::string text = render(bye);
      text.replace(text.find(";tag=f-"), 7, ";tag=t-");
      auto to = text.find("\r\nTo: ");
      auto eol = text.find("\r\n", to + 2);
      text.insert(eol, ";tag=f-" + bye.call_id);
      an->addFrame(vs::proto::pkt::link::kIpv4, udp(callee, 5060, caller, 5060, vs::test::text(text)),
                   hangup_ms * 1'000'000, ++frame);
      bye.start = "SIP/2.0 200 OK";
      send(caller, callee, hangup_ms + 5, bye);
      return;
    }
    send(caller, callee, hangup_ms, bye);
    bye.start = "SIP/2.0 200 OK";
    send(callee, caller, hangup_ms + 5, bye);
  }
  void finish() {
    finished = true;
    an->finish();
  }
  const Call* callWith(const std::string& call_id) const {
    for (const auto& c : calls) {
      for (const auto& l : c.legs) {
        if (l.call_id == call_id) return &c;
      }
    }
    return nullptr;
  }
};

Msg invite(std::string call_id, std::vector<std::string> extra = {}) {
  Msg m;
  m.call_id = std::move(call_id);
  m.extra = std::move(extra);
  return m;
}

// The one link of a two-leg call, as "reason|confidence".
std::string onlyLink(const Call& c) {
  if (c.legs.size() != 2 || c.links.size() != 1) return fmt::format("{} legs, {} links", c.legs.size(), c.links.size());
  return fmt::format("{}|{}", c.links[0].reason, confidenceName(c.links[0].confidence));
}

// A leg's requests by method and responses by status: every method once, in name order (unknown methods
// among the known ones), every status once in code order whatever order they came in.
TEST(CallCounts, RequestsByMethodAndResponsesByStatusAreInNameAndCodeOrder) {
  Capture cap;
  std::int64_t t = 0;
  auto exchange = [&](const std::string& method, int cseq, const char* status) {
    Msg m;
    m.start = fmt::format("{} sip:bob@192.0.2.2 SIP/2.0", method);
    m.call_id = "counts-1";
    m.cseq = fmt::format("{} {}", cseq, method);
    cap.send(1, 2, t += 10, m);
    if (status != nullptr) {
      m.start = fmt::format("SIP/2.0 {}", status);
      cap.send(2, 1, t += 10, m);
    }
  };
  exchange("INVITE", 1, "200 OK");
  exchange("FOO", 2, "501 Not Implemented");
  exchange("ACK", 1, nullptr);
  exchange("ZED", 3, "405 Method Not Allowed");
  exchange("AAA", 4, "200 OK");
  exchange("FOO", 5, "501 Not Implemented");
  exchange("BYE", 6, "200 OK");
  cap.finish();
  ASSERT_EQ(cap.calls.size(), 1U);
  ASSERT_EQ(cap.calls[0].legs.size(), 1U);
  const auto& leg = cap.calls[0].legs[0];
  EXPECT_EQ(leg.requests_by_method, (std::vector<std::pair<std::string, std::uint64_t>>{
                                        {"AAA", 1}, {"ACK", 1}, {"BYE", 1}, {"FOO", 2}, {"INVITE", 1}, {"ZED", 1}}));
  EXPECT_EQ(leg.responses_by_status, (std::vector<std::pair<int, std::uint64_t>>{{200, 3}, {405, 1}, {501, 2}}));
  EXPECT_EQ(leg.messages, 13U);
}

// A registration's refusals are the REGISTER final responses >= 400 with no 2xx after them, retransmitted
// responses once: a refresh challenged and then accepted is no refusal, nor is a capture that ends after
// one challenge; two refusals after a 2xx are "accepted, then refused" from the first of them.
TEST(RegisterRefusals, OnlyTheRefusalsSinceTheLastAcceptanceCount) {
  struct Case {
    const char* name;
    std::vector<const char*> finals;  // one REGISTER (its own CSeq) per entry; "=" resends the last response
    std::uint64_t count;
    bool after_accepted;
    std::int64_t first_ms;  // of the first counted refusal
    std::vector<std::pair<int, std::uint64_t>> by_status;
  };
  const std::vector<Case> cases{
      {"refresh challenged, then accepted", {"401", "200", "401", "200"}, 0, false, 0, {}},
      {"accepted, then refused", {"401", "200", "401", "401", "=", "403"}, 3, true, 60, {{401, 2}, {403, 1}}},
      {"never accepted", {"403", "401"}, 2, false, 20, {{401, 1}, {403, 1}}},
      {"ends after one challenge", {"401", "200", "401"}, 1, true, 60, {{401, 1}}},
  };
  for (const auto& c : cases) {
    Capture cap;
    std::int64_t t = 0;
    int cseq = 0;
    Msg m;
    m.call_id = "reg-1";
    for (const char* f : c.finals) {
      if (std::string_view(f) != "=") {
        ++cseq;
        m.start = "REGISTER sip:example.com SIP/2.0";
        m.cseq = fmt::format("{} REGISTER", cseq);
        cap.send(1, 2, t += 10, m);
        m.start = fmt::format("SIP/2.0 {} Whatever", f);
      }
      cap.send(2, 1, t += 10, m);
    }
    cap.finish();
    ASSERT_EQ(cap.calls.size(), 1U) << c.name;
    const auto& leg = cap.calls[0].legs.at(0);
    const auto& r = leg.register_refused;
    EXPECT_EQ(r.count(), c.count) << c.name;
    EXPECT_EQ(registerRefusals(leg), c.count >= 2 ? c.count : 0) << c.name;
    EXPECT_EQ(legFindingKinds(leg).has(FindingKind::kRegisterRefused), c.count >= 2) << c.name;
    if (c.count == 0) continue;
    EXPECT_EQ(r.after_accepted, c.after_accepted) << c.name;
    EXPECT_EQ(r.first_ns, c.first_ms * 1'000'000) << c.name;
    EXPECT_EQ(r.first_frame, static_cast<std::uint64_t>(c.first_ms / 10)) << c.name;  // a frame every 10 ms
    EXPECT_EQ(r.by_status, c.by_status) << c.name;
  }
}

// Requests nothing answered, on a leg without an INVITE: two or more (retransmissions count) with no
// response at all, ACKs aside; the leg's callee is where its first request went.
TEST(UnansweredRequests, TwoOrMoreRequestsWithNoResponseAtAll) {
  struct Case {
    const char* name;
    std::vector<const char*> sent;  // "REGISTER 1": a request and its CSeq; "SIP/2.0 100 Trying": a response
    std::uint64_t want;
  };
  const std::vector<Case> cases{
      {"retransmitted, never answered", {"REGISTER 1", "REGISTER 1", "REGISTER 1"}, 3},
      {"two transactions, never answered", {"OPTIONS 1", "OPTIONS 2"}, 2},
      {"sent once", {"OPTIONS 1"}, 0},
      {"a provisional answer", {"REGISTER 1", "SIP/2.0 100 Trying", "REGISTER 1"}, 0},
      {"ACKs have no answer", {"ACK 1", "ACK 1"}, 0},
  };
  for (const auto& c : cases) {
    Capture cap;
    std::int64_t t = 0;
    Msg m;
    m.call_id = "unanswered-1";
    for (std::string_view e : c.sent) {
      const bool response = e.starts_with("SIP/");
      if (!response) {
        const auto sp = e.find(' ');
        m.start = fmt::format("{} sip:example.com SIP/2.0", e.substr(0, sp));
        m.cseq = fmt::format("{} {}", e.substr(sp + 1), e.substr(0, sp));
      } else {
        m.start = std::string(e);
      }
      if (response) cap.send(2, 1, t += 10, m);
      else cap.send(1, 2, t += 10, m);
    }
    cap.finish();
    ASSERT_EQ(cap.calls.size(), 1U) << c.name;
    const auto& leg = cap.calls[0].legs.at(0);
    EXPECT_EQ(unansweredRequests(leg), c.want) << c.name;
    EXPECT_EQ(legFindingKinds(leg).has(FindingKind::kRequestUnanswered), c.want > 0) << c.name;
    if (c.want > 0) {
      EXPECT_EQ(leg.callee.toString(), "192.0.2.2:5060") << c.name;
    }
  }
  // A call's INVITEs are the INVITE rule's, not this one's.
  Capture cap;
  Msg inv;
  inv.call_id = "unanswered-invite";
  inv.start = "INVITE sip:bob@192.0.2.2 SIP/2.0";
  cap.send(1, 2, 10, inv);
  cap.send(1, 2, 510, inv);
  cap.finish();
  ASSERT_EQ(cap.calls.size(), 1U);
  EXPECT_EQ(unansweredRequests(cap.calls[0].legs.at(0)), 0U);
  EXPECT_TRUE(legFindingKinds(cap.calls[0].legs.at(0)).has(FindingKind::kInviteUnanswered));
}

// A leg's end_reason is the Reason header of the message that ended it, judged by how the leg ended: a
// challenge's Reason does not outlive the answered call, a CANCEL's is not overwritten by its 487's, a
// rejection keeps the last final response's, and a call still up has none.
TEST(CallEndReason, TheReasonOfTheMessageThatEndedTheLegAndNoOther) {
  Capture cap;
  auto exchange = [&](const std::string& id, std::int64_t t, const std::string& start, const std::string& cseq,
                      std::vector<std::string> extra = {}) {
    Msg m;
    m.call_id = id;
    m.start = start;
    m.cseq = cseq;
    m.extra = std::move(extra);
    cap.send(m.response() ? 2 : 1, m.response() ? 1 : 2, t, m);
  };
  const std::string inv = "INVITE sip:bob@192.0.2.2 SIP/2.0";
  // Challenged with a Reason, answered, hung up with a BYE carrying none.
  exchange("r-1", 0, inv, "1 INVITE");
  exchange("r-1", 10, "SIP/2.0 407 Proxy Authentication Required", "1 INVITE", {"Reason: Q.850;cause=21"});
  exchange("r-1", 20, inv, "2 INVITE");
  exchange("r-1", 30, "SIP/2.0 200 OK", "2 INVITE");
  exchange("r-1", 40, "BYE sip:bob@192.0.2.2 SIP/2.0", "3 BYE");
  // Cancelled: the CANCEL's Reason (two of them, one per protocol), not the 487's.
  exchange("r-2", 100, inv, "1 INVITE");
  exchange("r-2", 110, "CANCEL sip:bob@192.0.2.2 SIP/2.0", "1 CANCEL",
           {"Reason: SIP;cause=200;text=\"Call completed elsewhere\"", "Reason: Q.850;cause=26"});
  exchange("r-2", 120, "SIP/2.0 487 Request Terminated", "1 INVITE", {"Reason: Q.850;cause=127"});
  // Rejected twice (a 407, then a 503 after the retry): the last rejection's.
  exchange("r-3", 200, inv, "1 INVITE");
  exchange("r-3", 210, "SIP/2.0 407 Proxy Authentication Required", "1 INVITE", {"Reason: Q.850;cause=21"});
  exchange("r-3", 220, inv, "2 INVITE");
  exchange("r-3", 230, "SIP/2.0 503 Service Unavailable", "2 INVITE", {"Reason: Q.850 ;cause=34 ;text=\"no circuit\""});
  // Answered and still up, after a rejected first attempt that carried a Reason.
  exchange("r-4", 300, inv, "1 INVITE");
  exchange("r-4", 310, "SIP/2.0 480 Temporarily Unavailable", "1 INVITE", {"Reason: Q.850;cause=18"});
  exchange("r-4", 320, inv, "2 INVITE");
  exchange("r-4", 330, "SIP/2.0 200 OK", "2 INVITE");
  // Completed with a BYE that says why.
  exchange("r-5", 400, inv, "1 INVITE");
  exchange("r-5", 410, "SIP/2.0 200 OK", "1 INVITE");
  exchange("r-5", 420, "BYE sip:bob@192.0.2.2 SIP/2.0", "2 BYE", {"Reason: Q.850;cause=16;text=\"NORMAL_CLEARING\""});
  cap.finish();
  std::map<std::string, std::pair<std::string, std::string>> got;  // Call-ID -> (state, end_reason)
  for (const auto& c : cap.calls) {
    for (const auto& l : c.legs) got[l.call_id] = {l.state ? std::string(callStateName(*l.state)) : "", l.end_reason};
  }
  using P = std::pair<std::string, std::string>;
  EXPECT_EQ(got["r-1"], P("COMPLETED", ""));
  EXPECT_EQ(got["r-2"], P("CANCELLED", "SIP;cause=200;text=\"Call completed elsewhere\", Q.850;cause=26"));
  EXPECT_EQ(got["r-3"], P("REJECTED", "Q.850 ;cause=34 ;text=\"no circuit\""));
  EXPECT_EQ(got["r-4"], P("IN_CALL", ""));
  EXPECT_EQ(got["r-5"], P("COMPLETED", "Q.850;cause=16;text=\"NORMAL_CLEARING\""));
}

// unacked_2xx_resends: the 2xx resent with no ACK at all. An ACK, even late, clears it; a 2xx sent once
// and not yet acknowledged when the capture ends is not counted (nothing shows the ACK was lost).
TEST(CallNoAck, ResentTwoHundredsCountOnlyWhenNoAckCame) {
  Capture cap;
  auto exchange = [&](const std::string& id, std::int64_t t, const std::string& start, const std::string& cseq) {
    Msg m;
    m.call_id = id;
    m.start = start;
    m.cseq = cseq;
    cap.send(m.response() ? 2 : 1, m.response() ? 1 : 2, t, m);
  };
  const std::string inv = "INVITE sip:bob@192.0.2.2 SIP/2.0", ack = "ACK sip:bob@192.0.2.2 SIP/2.0";
  for (const char* id : {"lost", "late", "fine", "once"}) {
    exchange(id, 0, inv, "1 INVITE");
    exchange(id, 10, "SIP/2.0 200 OK", "1 INVITE");
  }
  exchange("lost", 510, "SIP/2.0 200 OK", "1 INVITE");
  exchange("lost", 1510, "SIP/2.0 200 OK", "1 INVITE");
  exchange("lost", 3510, "SIP/2.0 200 OK", "1 INVITE");
  exchange("late", 510, "SIP/2.0 200 OK", "1 INVITE");
  exchange("late", 600, ack, "1 ACK");
  exchange("fine", 20, ack, "1 ACK");
  cap.finish();
  std::map<std::string, std::uint32_t> got;
  for (const auto& c : cap.calls) {
    for (const auto& l : c.legs) got[l.call_id] = l.unacked_2xx_resends;
  }
  EXPECT_EQ(got, (std::map<std::string, std::uint32_t>{{"lost", 3}, {"late", 0}, {"fine", 0}, {"once", 0}}));
}

TEST(CallLinks, XCidHeaderLinksTheLegItNamesInEitherOrder) {
  Capture r;
  // Named leg first: a B2BUA (192.0.2.2) places the outbound leg with X-CID pointing at the inbound one.
  r.call(1, 2, 0, invite("in-1"), 5000);
  r.call(2, 3, 100, invite("out-1", {"X-CID: in-1"}), 5000);
  // Naming leg first: the outbound leg's INVITE is captured before the leg it names.
  r.call(5, 6, 10000, invite("out-2", {"X-Call-ID: in-2"}), 15000);
  r.call(4, 5, 10100, invite("in-2"), 15000);
  r.finish();
  ASSERT_EQ(r.calls.size(), 2U);
  const Call* a = r.callWith("in-1");
  ASSERT_NE(a, nullptr);
  EXPECT_EQ(a, r.callWith("out-1"));
  EXPECT_EQ(onlyLink(*a), "X-CID header names Call-ID in-1|high");
  EXPECT_EQ(a->legs[0].call_id, "in-1");  // legs in order of their first message
  EXPECT_EQ(a->links[0].from, 0U);
  EXPECT_EQ(a->links[0].to, 1U);
  const Call* b = r.callWith("in-2");
  ASSERT_NE(b, nullptr);
  EXPECT_EQ(b, r.callWith("out-2"));
  EXPECT_EQ(onlyLink(*b), "Call-ID named by a header of leg out-2|high");
  EXPECT_EQ(b->legs[0].link_headers.at("X-Call-ID"), "in-2");
}

TEST(CallLinks, ConfiguredHeaderLinksOnlyWhenConfigured) {
  for (bool configured : {false, true}) {
    AnalyzerOptions o;
    if (configured) o.link_headers = {"X-Genesys-CallUUID"};
    Capture r(o);
    r.call(1, 2, 0, invite("leg-a"), 3000);
    r.call(2, 3, 200, invite("leg-b", {"X-Genesys-CallUUID: leg-a"}), 3000);
    r.finish();
    ASSERT_EQ(r.calls.size(), configured ? 1U : 2U) << "configured=" << configured;
    if (configured) {
      EXPECT_EQ(onlyLink(r.calls[0]), "X-Genesys-CallUUID header names Call-ID leg-a|high");
    }
  }
}

TEST(CallLinks, SessionIdLinksLegsButTheNullUuidDoesNot) {
  Capture r;
  const std::string uuid = "ab30317f1a784dc48ff824d0d3715d86";
  r.call(1, 2, 0, invite("s-1", {"Session-ID: " + uuid + ";remote=00000000000000000000000000000000"}), 4000);
  // The same UUID in upper case from the next hop: RFC 7989 compares case-insensitively.
  std::string upper = uuid;
  for (auto& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  r.call(2, 3, 300, invite("s-2", {"Session-ID: " + upper}), 4000);
  // Two unrelated calls whose UAs do not know the UUID yet.
  r.call(7, 8, 500, invite("n-1", {"Session-ID: 00000000000000000000000000000000"}), 4000);
  r.call(8, 9, 600, invite("n-2", {"Session-ID: 00000000000000000000000000000000"}), 4000);
  r.finish();
  ASSERT_EQ(r.calls.size(), 3U);
  const Call* s = r.callWith("s-1");
  ASSERT_NE(s, nullptr);
  EXPECT_EQ(s, r.callWith("s-2"));
  EXPECT_EQ(onlyLink(*s), "same Session-ID " + uuid + "|high");
  EXPECT_NE(r.callWith("n-1"), r.callWith("n-2"));
}

TEST(CallLinks, ChargingVectorIcidLinksLegs) {
  Capture r;
  r.call(1, 2, 0, invite("p-1", {"P-Charging-Vector: icid-value=\"AyretyU0dm+6O2IrT5tAFrbHLso=\";orig-ioi=home1.net"}), 4000);
  r.call(2, 3, 100, invite("p-2", {"P-Charging-Vector: icid-value=\"AyretyU0dm+6O2IrT5tAFrbHLso=\";term-ioi=home2.net"}), 4000);
  r.call(4, 5, 200, invite("p-3", {"P-Charging-Vector: icid-value=other-icid"}), 4000);
  r.finish();
  ASSERT_EQ(r.calls.size(), 2U);
  const Call* p = r.callWith("p-1");
  ASSERT_NE(p, nullptr);
  EXPECT_EQ(p, r.callWith("p-2"));
  EXPECT_EQ(onlyLink(*p), "same P-Charging-Vector icid-value AyretyU0dm+6O2IrT5tAFrbHLso=|high");
  EXPECT_EQ(r.callWith("p-3")->legs.size(), 1U);
}

TEST(CallLinks, NumbersAndTimingLinkOnlyTheNextHopWithinTheWindow) {
  Capture r;
  auto numbered = [](std::string cid, std::string from, std::string to) {
    Msg m = invite(std::move(cid));
    m.from_user = std::move(from);
    m.to_user = std::move(to);
    return m;
  };
  // Inbound to the B2BUA at .2, then .2 calls the PBX at .3 with the same numbers in another format.
  r.call(1, 2, 0, numbered("num-in", "+12125551234", "+13125559876"), 6000);
  r.call(2, 3, 400, numbered("num-out", "2125551234", "3125559876"), 6000);
  // Same numbers from a host the first INVITE was not sent to: a different call.
  r.call(9, 3, 800, numbered("num-other-host", "+12125551234", "+13125559876"), 6000);
  // Same numbers from the host the previous INVITE went to, but 30 s later (outside the 10 s window).
  r.call(3, 4, 31000, numbered("num-late", "2125551234", "3125559876"), 35000);
  r.finish();
  const Call* c = r.callWith("num-in");
  ASSERT_NE(c, nullptr);
  EXPECT_EQ(c, r.callWith("num-out"));
  EXPECT_EQ(onlyLink(*c), "same caller/callee numbers (25551234 -> 25559876) within 10 s, next hop|low");
  EXPECT_EQ(r.callWith("num-other-host")->legs.size(), 1U);
  EXPECT_EQ(r.callWith("num-late")->legs.size(), 1U);
  EXPECT_EQ(r.calls.size(), 3U);
}

// A B2BUA passing SDP through: the next hop's INVITE carries the caller's o= line. Linked while the first
// leg is up, by the origin, at medium confidence; the index entry for the origin leaves with the call, so
// that hours of calls with fresh origins do not pile up entries (the leg keeps no copy of the key: it is
// rebuilt from the leg's origin before the leg's values move out). Who hung up is told from the caller's
// tag either way round.
TEST(CallLinks, SdpOriginLinksTheNextHopAndItsIndexEntryLeavesWithTheCall) {
  Capture r;
  constexpr int kCalls = 200;
  std::size_t most_keys = 0, most_active = 0;
  for (int i = 0; i < kCalls; ++i) {
    const std::int64_t t = i * 3600LL;
    const std::string sdp = fmt::format(
        "v=0\r\no=- {} 1 IN IP4 192.0.2.1\r\ns=-\r\nc=IN IP4 192.0.2.1\r\nt=0 0\r\nm=audio {} RTP/AVP 0\r\n",
        7000 + i, 10000 + 2 * i);
    Msg in = invite(fmt::format("in-{}", i));
    in.body = sdp;
    Msg out = invite(fmt::format("out-{}", i));
    out.body = sdp;
    const bool callee_hangs_up = i % 2 == 1;
    r.setUp(1, 2, t, in);
    r.setUp(2, 3, t + 10, out);
    r.hangUp(1, 2, t + 2000, in, callee_hangs_up);
    r.hangUp(2, 3, t + 2010, out, callee_hangs_up);
    most_keys = std::max(most_keys, r.an->linkKeys());
    most_active = std::max(most_active, r.an->activeLegs());
  }
  // 32 s of linger at a call every 3.6 s: about 10 calls (20 legs, 10 origins) held at any time.
  EXPECT_LE(most_active, 24U);
  EXPECT_GE(most_keys, 5U);  // the entries are there while the calls are
  EXPECT_LE(most_keys, most_active);
  r.finish();
  ASSERT_EQ(r.calls.size(), static_cast<std::size_t>(kCalls));
  for (int i = 0; i < kCalls; ++i) {
    const Call* c = r.callWith(fmt::format("in-{}", i));
    ASSERT_NE(c, nullptr) << i;
    EXPECT_EQ(onlyLink(*c), fmt::format("identical SDP origin (o=) - {} 192.0.2.1|medium", 7000 + i)) << i;
    ASSERT_EQ(c->legs.size(), 2U);
    EXPECT_EQ(c->legs[0].sdp_origin, fmt::format("- {} 192.0.2.1", 7000 + i));
    const auto want = i % 2 == 1 ? HangupBy::kCallee : HangupBy::kCaller;
    EXPECT_EQ(c->legs[0].hangup, want) << i;
    EXPECT_EQ(c->legs[1].hangup, want) << i;
  }
}

// Each m= line of an offer and its answer, as the leg keeps them: formats in the order listed (a repeat
// kept, a non-number dropped), each payload type named once, from its rtpmap when there is one (the
// clock rate without the channel count), else from RFC 3551's static table; the direction and the
// media-level address; a disabled stream (port 0) kept as such.
TEST(CallMedia, SdpMediaLinesKeepTheirFormatsInOrderAndNameEachPayloadTypeOnce) {
  Capture r;
  Msg in = invite("media-1");
  in.body =
      "v=0\r\no=- 1 1 IN IP4 192.0.2.1\r\ns=-\r\nc=IN IP4 192.0.2.1\r\nt=0 0\r\n"
      "m=audio 4000 RTP/AVP 101 0 8 0 x 96\r\na=rtpmap:101 telephone-event/8000\r\na=rtpmap:96 opus/48000/2\r\n"
      "m=video 0 RTP/AVP 97\r\nc=IN IP4 192.0.2.9\r\na=rtpmap:97 H264/90000\r\na=inactive\r\n";
  r.call(1, 2, 0, in, 2000);
  r.finish();
  const Call* c = r.callWith("media-1");
  ASSERT_NE(c, nullptr);
  const auto media = c->legs[0].media.unpack();
  ASSERT_EQ(media.size(), 2U);
  EXPECT_EQ(media[0].media, "audio");
  EXPECT_EQ(media[0].address, "192.0.2.1");
  EXPECT_EQ(media[0].port, 4000);
  EXPECT_EQ(media[0].protocol, "RTP/AVP");
  EXPECT_EQ(media[0].payload_types, (std::vector<int>{101, 0, 8, 0, 96}));
  EXPECT_EQ(media[0].encodings, (std::map<int, std::string>{
                                    {0, "PCMU/8000"}, {8, "PCMA/8000"}, {96, "opus/48000"}, {101, "telephone-event/8000"}}));
  EXPECT_EQ(media[0].direction, "sendrecv");
  EXPECT_TRUE(media[0].from_caller);
  EXPECT_EQ(media[1].media, "video");
  EXPECT_EQ(media[1].address, "192.0.2.9");
  EXPECT_EQ(media[1].port, 0);
  EXPECT_EQ(media[1].payload_types, (std::vector<int>{97}));
  EXPECT_EQ(media[1].encodings, (std::map<int, std::string>{{97, "H264/90000"}}));
  EXPECT_EQ(media[1].direction, "inactive");
}

TEST(CallLinks, ACallOfTooManyLegsIsRefused) {
  AnalyzerOptions o;
  o.max_legs_per_call = 4;
  Capture r(o);
  // A constant Session-ID shared by unrelated calls (a misconfigured SBC) must not grow one huge call.
  for (int i = 0; i < 10; ++i) {
    r.call(1, 2, i * 100, invite(fmt::format("const-{}", i), {"Session-ID: 11111111111111111111111111111111"}), 5000);
  }
  r.finish();
  std::size_t legs = 0;
  for (const auto& c : r.calls) {
    EXPECT_LE(c.legs.size(), 4U);
    legs += c.legs.size();
  }
  EXPECT_EQ(legs, 10U);
}

TEST(CallStreaming, FinishedCallsLeaveAfterTheLingerInCallOrderExactlyOnce) {
  Capture r;  // linger 32 s, session linger 1 h, idle timeout 4 h (the defaults)
  // Calls 1..3 end in the reverse order of their start; call 4 is still up; a REGISTER got a 401.
  r.call(1, 2, 0, invite("c1"), 9000);
  r.call(3, 4, 100, invite("c2"), 6000);
  r.call(5, 6, 200, invite("c3"), 3000);
  r.call(7, 8, 300, invite("c4"));
  Msg reg;
  reg.start = "REGISTER sip:example.com SIP/2.0";
  reg.call_id = "reg-1";
  reg.cseq = "1 REGISTER";
  r.send(9, 10, 400, reg);
  reg.start = "SIP/2.0 401 Unauthorized";
  r.send(10, 9, 410, reg);
  // Capture time moves on with two unrelated OPTIONS pings (each its own Call-ID, answered).
  auto ping = [&](int t_ms) {
    Msg o;
    o.start = "OPTIONS sip:ping@192.0.2.20 SIP/2.0";
    o.call_id = fmt::format("opt-{}", t_ms);
    o.cseq = "1 OPTIONS";
    r.send(20, 21, t_ms, o);
    o.start = "SIP/2.0 200 OK";
    r.send(21, 20, t_ms + 1, o);
  };
  // At 38.5 s, 32 s have passed since the ends of calls 3 (3 s) and 2 (6 s), not call 1 (9 s): both leave
  // in the same sweep, in call order.
  ping(38500);
  EXPECT_EQ(r.emitted_before_finish, (std::vector<std::uint64_t>{2, 3})) << "at 38.5 s";
  // At 45 s call 1 is out too; the OPTIONS legs need the 1 h session linger, call 4 and the challenged
  // REGISTER stay.
  ping(45000);
  EXPECT_EQ(r.emitted_before_finish, (std::vector<std::uint64_t>{2, 3, 1}));
  r.finish();
  std::map<std::string, int> times_emitted;
  for (const auto& c : r.calls) {
    for (const auto& l : c.legs) ++times_emitted[l.call_id];
  }
  EXPECT_EQ(times_emitted.size(), 4U + 1U + 2U);
  for (const auto& [cid, n] : times_emitted) EXPECT_EQ(n, 1) << cid;
  const Call* c4 = r.callWith("c4");
  ASSERT_NE(c4, nullptr);
  EXPECT_EQ(c4->state(), CallState::kInCall);
  EXPECT_EQ(r.callWith("c1")->state(), CallState::kCompleted);
  EXPECT_EQ(r.callWith("c1")->legs[0].hangup, HangupBy::kCaller);
}

// finish() emits the calls still held without the per-leg index upkeep of a normal emit: the linked
// legs still come out whole and once, and a frame given after finish() (a misuse) changes nothing.
TEST(CallStreaming, FinishEmitsEveryHeldCallWholeAndIgnoresLaterFrames) {
  for (bool pipeline : {false, true}) {
    SCOPED_TRACE(pipeline ? "two threads" : "one thread");
    AnalyzerOptions o;
    o.pipeline = pipeline;
    Capture r(o);
    r.call(1, 2, 0, invite("in-1"));
    r.call(2, 3, 100, invite("out-1", {"X-CID: in-1"}));
    r.call(5, 6, 200, invite("solo"), 3000);
    r.finish();
    ASSERT_EQ(r.calls.size(), 2U);
    EXPECT_EQ(onlyLink(r.calls[0]), "X-CID header names Call-ID in-1|high");
    EXPECT_EQ(r.calls[0].legs[0].call_id, "in-1");
    EXPECT_EQ(r.calls[0].legs[1].call_id, "out-1");
    EXPECT_EQ(r.calls[1].legs.at(0).call_id, "solo");
    EXPECT_EQ(r.calls[1].state(), CallState::kCompleted);
    EXPECT_EQ(r.an->activeLegs(), 0U);
    const auto frames = r.an->stats().frames;
    // The same Call-IDs again and a new one, after the end.
    r.call(1, 2, 4000, invite("in-1"), 5000);
    r.call(7, 8, 4100, invite("late"), 5000);
    r.an->finish();
    EXPECT_EQ(r.calls.size(), 2U);
    EXPECT_EQ(r.an->activeLegs(), 0U);
    EXPECT_EQ(r.an->stats().frames, frames);
  }
}

TEST(CallStreaming, AMessageAfterTheByeKeepsTheLegUntilItsOwnLingerIsOver) {
  Capture r;
  r.call(1, 2, 0, invite("late"), 2000);
  // A retransmitted BYE 20 s later (the UAC never got the 200): the leg must not have left at 34 s.
  Msg bye = invite("late");
  bye.start = "BYE sip:bob@192.0.2.2 SIP/2.0";
  bye.cseq = "2 BYE";
  r.send(1, 2, 22000, bye);
  Msg o;
  o.start = "OPTIONS sip:x@192.0.2.9 SIP/2.0";
  o.cseq = "1 OPTIONS";
  for (int t = 30; t <= 60; t += 2) {
    o.call_id = fmt::format("o-{}", t);
    r.send(8, 9, t * 1000, o);
    if (t == 50) {
      EXPECT_TRUE(r.emitted_before_finish.empty()) << "left before 32 s after its last message";
    }
  }
  EXPECT_EQ(r.emitted_before_finish, (std::vector<std::uint64_t>{1}));
  r.finish();
  const Call* c = r.callWith("late");
  ASSERT_NE(c, nullptr);
  EXPECT_EQ(c->legs[0].retransmissions, 1U);
  EXPECT_EQ(c->legs[0].messages, 8U);
}

TEST(CallStreaming, OverTheLegLimitFinishedCallsLeaveFirstAndACallStillUpKeepsItsBye) {
  AnalyzerOptions o;
  o.max_active_legs = 10;
  Capture r(o);
  // A call answered at 0 s that stays up, silent, until its BYE at 60 s: the most idle leg of all.
  r.call(1, 2, 0, invite("long-call"));
  // Twenty short calls, all over within a second, none past the 32 s linger when the limit is hit.
  for (int i = 0; i < 20; ++i) {
    r.call(3, 4, 1000 + i * 1000, invite(fmt::format("short-{}", i)), 1500 + i * 1000);
    EXPECT_LE(r.an->activeLegs(), 10U) << "after short call " << i;
  }
  // The oldest finished calls left early (calls 2, 3, ... in order); the silent call did not.
  ASSERT_FALSE(r.emitted_before_finish.empty());
  for (std::size_t k = 0; k < r.emitted_before_finish.size(); ++k) {
    EXPECT_EQ(r.emitted_before_finish[k], k + 2) << "emitted out of order";
  }
  Msg bye = invite("long-call");
  bye.start = "BYE sip:bob@192.0.2.2 SIP/2.0";
  bye.cseq = "2 BYE";
  r.send(1, 2, 60000, bye);
  bye.start = "SIP/2.0 200 OK";
  r.send(2, 1, 60005, bye);
  r.finish();
  std::map<std::string, int> times_emitted;
  for (const auto& c : r.calls) {
    for (const auto& l : c.legs) ++times_emitted[l.call_id];
  }
  EXPECT_EQ(times_emitted.size(), 21U);
  for (const auto& [cid, n] : times_emitted) EXPECT_EQ(n, 1) << cid;
  const Call* c = r.callWith("long-call");
  ASSERT_NE(c, nullptr);
  EXPECT_EQ(c->state(), CallState::kCompleted);
  EXPECT_EQ(c->legs[0].messages, 7U);
  ASSERT_TRUE(c->legs[0].durationS().has_value());
  EXPECT_NEAR(*c->legs[0].durationS(), 59.1, 0.01);  // answered at 0.9 s, BYE at 60 s
}

TEST(CallStreaming, ThreeHoursOfCallsKeepTheBookkeepingProportionalToTheCallsUp) {
  Capture r;
  // 3 000 answered calls, one every 3.6 s, each 2 s long: a few legs are up at any time, and every call
  // leaves behind a queue entry for its 4 h idle timeout that would otherwise pile up for 4 h.
  std::size_t most_active = 0, most_entries = 0;
  for (int i = 0; i < 3000; ++i) {
    std::int64_t t = i * 3600LL;
    r.call(1, 2, t, invite(fmt::format("c-{}", i)), t + 2000);
    most_active = std::max(most_active, r.an->activeLegs());
    most_entries = std::max(most_entries, r.an->sweepEntries());
  }
  EXPECT_LE(most_active, 12U);  // 32 s of linger at one call per 3.6 s
  // Without the rebuild: ~3 000 (every call's 4 h entry). With it: twice the legs up when it last ran,
  // plus the slack, plus what arrived since.
  EXPECT_LE(most_entries, 3 * most_active + 1024);
  r.finish();
  EXPECT_EQ(r.calls.size(), 3000U);
  EXPECT_GE(r.emitted_before_finish.size(), 2980U);
}

}  // namespace
