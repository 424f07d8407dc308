// The `calls` table row is appended cell by cell into one buffer for speed. The reference here is the
// plain way to write it: fmt's own padding and float formatting of the same model values, with the
// header's column widths. ASCII rows must match it byte for byte; rows with UTF-8 names must keep every
// column where the header puts it, counted in code points.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include <fmt/format.h>

#include "analysis/model.h"
#include "render/calls_render.h"

namespace {

using namespace vs::analysis;

constexpr std::int64_t kStart = 1'700'000'000'000'000'000;

std::string optFixed(std::optional<double> v, int decimals, std::string_view suffix = {}) {
  return v ? fmt::format("{:.{}f}{}", *v, decimals, suffix) : std::string("-");
}

std::string clipRef(const std::string& s, std::size_t n) { return s.size() <= n ? s : s.substr(0, n - 1) + "~"; }

// The row as one fmt::format over cells fmt formats itself.
std::string reference(const Call& c) {
  const auto& l = c.legs.front();
  std::uint64_t msgs = 0, streams = 0;
  std::optional<double> worst;
  for (const auto& x : c.legs) {
    msgs += x.messages;
    streams += x.streams.size();
    for (const auto& s : x.streams) {
      if (s.mos && (!worst || *s.mos < *worst)) worst = s.mos;
    }
  }
  auto start = fmt::format("+{:.3f}s", static_cast<double>(l.start_ns - kStart) / 1e9);
  auto ms = [](std::optional<double> v) { return optFixed(v, 0); };
  // A rejection names the final status that ended it: what a person asks of a failed call first.
  std::string state = l.state ? std::string(callStateName(*l.state)) : l.kind.substr(l.kind.find(':') + 1);
  if (!l.state && l.last_final_status != 0) state += fmt::format(" {}", l.last_final_status);
  if (l.state == CallState::kRejected && !l.invite_final_statuses.empty()) {
    state += fmt::format(" {}", l.invite_final_statuses.back());
  }
  std::string hangup(hangupName(l.hangup));
  std::string out = fmt::format(
      "{:>5}  {:<15}  {:>4}  {:<20}  {:<20}  {:<13}  {:>7}  {:>8}  {:>9}  {:<6}  {:>5}  {:>7}  {:>4}\n", c.id, start,
      c.legs.size(), clipRef(l.from_user, 20), clipRef(l.to_user, 20), clipRef(state, 13), ms(l.setupRingingMs()),
      ms(l.setupAnswerMs()), optFixed(l.durationS(), 1, "s"), hangup.empty() ? "-" : hangup, msgs, streams,
      worst ? fmt::format("{:.2f}", *worst) : "-");
  for (const auto& link : c.links) {
    out += fmt::format("{:>5}  leg {} -> leg {} ({} confidence): {}\n", "", link.from + 1, link.to + 1,
                       confidenceName(link.confidence), link.reason);
  }
  return out;
}

Leg answeredLeg(std::int64_t at) {
  Leg l;
  l.call_id = "abc@host";
  l.kind = "call";
  l.state = CallState::kCompleted;
  l.from_user = "alice";
  l.to_user = "+12675550100";
  l.start_ns = at;
  l.invite_ns = at;
  l.ringing_ns = at + 123'456'789;
  l.answer_ns = at + 2'000'499'999;
  l.bye_ns = at + 65'432'100'000;
  l.end_ns = *l.bye_ns;
  l.hangup = HangupBy::kCaller;
  l.messages = 7;
  return l;
}

TEST(CallsTable, AsciiRowsMatchFmtsOwnFormatting) {
  std::vector<Call> calls;
  {
    Call c;  // an answered call, no streams
    c.id = 1;
    c.legs.push_back(answeredLeg(kStart + 1'500'000));
    calls.push_back(c);
  }
  {
    Call c;  // ringing only, long names clipped, no hangup, a big call number
    c.id = 123456;
    Leg l = answeredLeg(kStart + 3'600'000'000'123);
    l.state = CallState::kCallSetup;
    l.answer_ns.reset();
    l.bye_ns.reset();
    l.hangup = HangupBy::kNone;
    l.from_user = "a-very-long-caller-name-that-is-clipped";
    l.to_user = "exactly-twenty-chars";
    c.legs.push_back(l);
    calls.push_back(c);
  }
  {
    Call c;  // a non-call leg: its method and last final status in the state column; no times
    c.id = 7;
    Leg l;
    l.call_id = "reg@host";
    l.kind = "non-call:REGISTER";
    l.last_final_status = 403;
    l.start_ns = kStart;
    l.messages = 2;
    c.legs.push_back(l);
    calls.push_back(c);
  }
  {
    Call c;  // a non-call leg of a long method, unanswered: clipped to the column
    c.id = 10;
    Leg l;
    l.call_id = "sub@host";
    l.kind = "non-call:SUBSCRIBE-SOMETHING-LONG";
    l.start_ns = kStart;
    l.messages = 1;
    c.legs.push_back(l);
    calls.push_back(c);
  }
  {
    Call c;  // two legs, a link line, streams with and without MOS
    c.id = 42;
    c.legs.push_back(answeredLeg(kStart + 999'999'999));
    Leg b = answeredLeg(kStart + 1'000'000'000);
    b.hangup = HangupBy::kCallee;
    RtpStream s1, s2, s3;
    s1.mos = 4.3912;
    s2.mos = 3.215;
    c.legs.front().streams = {s1, s3};
    b.streams = {s2};
    c.legs.push_back(b);
    c.links.push_back(LegLink{0, 1, "X-CID header names Call-ID abc@host", LinkConfidence::kHigh});
    calls.push_back(c);
  }
  {
    Call c;  // rejected after a challenge was answered: the last final status (486), not the 407
    c.id = 9;
    Leg l = answeredLeg(kStart + 5'000'000);
    l.state = CallState::kRejected;
    l.invite_final_statuses = {407, 486};
    l.answer_ns.reset();
    l.bye_ns.reset();
    l.hangup = HangupBy::kNone;
    c.legs.push_back(l);
    calls.push_back(c);
  }
  {
    Call c;  // streams, none with a MOS
    c.id = 8;
    c.legs.push_back(answeredLeg(kStart));
    c.legs.front().streams.resize(2);
    calls.push_back(c);
  }
  for (const auto& c : calls) EXPECT_EQ(vs::render::callsTableRow(c, kStart), reference(c)) << "call " << c.id;
  EXPECT_NE(vs::render::callsTableRow(calls[5], kStart).find("  REJECTED 486   "), std::string::npos);
  EXPECT_NE(vs::render::callsTableRow(calls[2], kStart).find("  REGISTER 403   "), std::string::npos);
}

std::size_t codePoints(std::string_view s) {
  std::size_t n = 0;
  for (char ch : s) n += (static_cast<unsigned char>(ch) & 0xC0U) != 0x80U ? 1 : 0;
  return n;
}

// Code-point offsets where each "  " column gap after a cell ends, for a row with no spaces in its cells.
std::vector<std::size_t> gaps(std::string_view row) {
  std::vector<std::size_t> out;
  std::size_t cp = 0;
  bool in_cell = false;
  for (std::size_t i = 0; i < row.size(); ++i) {
    const auto ch = static_cast<unsigned char>(row[i]);
    if ((ch & 0xC0U) == 0x80U) continue;
    if (row[i] != ' ' && row[i] != '\n') in_cell = true;
    if (row[i] == ' ' && in_cell && i + 1 < row.size() && row[i + 1] == ' ') {
      out.push_back(cp);
      in_cell = false;
    }
    ++cp;
  }
  return out;
}

TEST(CallsTable, Utf8NamesKeepTheColumnsWhereTheHeaderHasThem) {
  Call ascii;
  ascii.id = 5;
  ascii.legs.push_back(answeredLeg(kStart));
  ascii.legs.front().from_user = "Juergen";
  ascii.legs.front().to_user = "Francois";
  Call utf8 = ascii;
  utf8.legs.front().from_user = "J\xC3\xBCrgen";     // "Jürgen": 7 bytes, 6 code points
  utf8.legs.front().to_user = "Fran\xC3\xA7oise";    // "Françoise"
  const auto a = vs::render::callsTableRow(ascii, kStart);
  const auto u = vs::render::callsTableRow(utf8, kStart);
  EXPECT_EQ(codePoints(a), codePoints(u));
  // The cells after the names end at the same code point: the padding counted characters, not bytes.
  const auto ga = gaps(a), gu = gaps(u);
  ASSERT_EQ(ga.size(), gu.size());
  for (std::size_t i = 5; i < ga.size(); ++i) EXPECT_EQ(ga[i], gu[i]) << "gap " << i << "\n" << a << u;
  EXPECT_NE(u.find("J\xC3\xBCrgen"), std::string::npos);
  EXPECT_EQ(codePoints(a), codePoints(vs::render::callsTableHeader()));
}

// The width of a name counts its characters wherever the multi-byte one sits: in the first eight bytes,
// past them, or in a name shorter than eight.
TEST(CallsTable, Utf8CharactersAnywhereInANameKeepTheColumns) {
  const std::pair<const char*, const char*> names[] = {
      {"Marie-Therese", "Marie-Th\xC3\xA9r\xC3\xA8se"},  // "Marie-Thérèse": the é is byte 8, after one word
      {"Zoe", "Zo\xC3\xAB"},                              // "Zoë": four bytes
      {"Ana Muller-Lopez", "Ana M\xC3\xBCller-L\xC3\xB3pez"},  // 18 bytes, 16 characters
      {"12345678", "1234567\xE2\x82\xAC"},                  // a three-byte character ends the name
  };
  for (const auto& [plain, wide] : names) {
    Call ascii;
    ascii.id = 7;
    ascii.legs.push_back(answeredLeg(kStart));
    ascii.legs.front().from_user = plain;
    ascii.legs.front().to_user = plain;
    Call utf8 = ascii;
    utf8.legs.front().from_user = wide;
    utf8.legs.front().to_user = wide;
    const auto a = vs::render::callsTableRow(ascii, kStart);
    const auto u = vs::render::callsTableRow(utf8, kStart);
    EXPECT_EQ(codePoints(a), codePoints(u)) << plain << "\n" << a << u;
    const auto ga = gaps(a), gu = gaps(u);
    ASSERT_EQ(ga.size(), gu.size()) << plain;
    for (std::size_t i = 0; i < ga.size(); ++i) EXPECT_EQ(ga[i], gu[i]) << plain << " gap " << i << "\n" << a << u;
  }
}

// The outcome line: states from the best to the still open, each only when present; rejections by their
// final status, the commonest first (ties in status order); the ASR over calls with an INVITE only.
TEST(CallOutcomes, StatesRejectionCodesAndTheAnswerSeizureRatio) {
  vs::render::CallOutcomes o;
  EXPECT_EQ(o.text(), "");
  auto add = [&](std::optional<CallState> state, std::vector<int> finals = {}) {
    Call c;
    c.legs.push_back(answeredLeg(kStart));
    c.legs.front().state = state;
    c.legs.front().invite_final_statuses = std::move(finals);
    Leg second = answeredLeg(kStart);  // a later leg's state does not count: the caller saw the first's
    second.state = CallState::kRejected;
    second.invite_final_statuses = {404};
    c.legs.push_back(second);
    o.add(c);
  };
  add(CallState::kCompleted);
  EXPECT_EQ(o.text(), "1 call: COMPLETED 1; answered 1 (ASR 100.0 %)\n");
  add(CallState::kCompleted);
  add(CallState::kInCall);
  add(CallState::kRejected, {407, 503});
  add(CallState::kRejected, {486});
  add(CallState::kRejected, {503});
  add(CallState::kRejected, {480});
  add(CallState::kCancelled, {487});
  add(CallState::kCallSetup);
  add(std::nullopt);  // listed with --all: no INVITE, not in the ratio
  EXPECT_EQ(o.calls(), 10U);
  EXPECT_EQ(o.text(),
            "10 calls: COMPLETED 2, IN_CALL 1, REJECTED 4 (503 x2, 480 x1, 486 x1), CANCELLED 1, CALL_SETUP 1, "
            "no INVITE 1; answered 3 (ASR 33.3 %)\n");
  // Calls with a one-way leg (any leg) and with private media behind a NAT, each call once. ASR: 5 of the
  // 11 calls with an INVITE.
  Call odd;
  odd.legs = {answeredLeg(kStart), answeredLeg(kStart)};
  odd.legs[0].audio = AudioFlow::kBothWays;
  odd.legs[1].audio = AudioFlow::kCalleeToCallerOnly;
  odd.legs[1].caller_private_media = "10.0.0.5";
  odd.legs[1].callee_private_media = "10.0.0.6";
  o.add(odd);
  Call fine;
  fine.legs = {answeredLeg(kStart)};
  fine.legs[0].audio = AudioFlow::kBothWays;
  o.add(fine);
  EXPECT_EQ(o.text(),
            "12 calls: COMPLETED 4, IN_CALL 1, REJECTED 4 (503 x2, 480 x1, 486 x1), CANCELLED 1, CALL_SETUP 1, "
            "no INVITE 1; answered 5 (ASR 45.5 %); one-way audio 1; private SDP behind NAT 1\n");
}

}  // namespace
