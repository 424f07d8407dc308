#include "render/ladder_text.h"

#include <gtest/gtest.h>

#include <algorithm>

#include <regex>
#include <set>
#include <sstream>
#include <vector>

#include "render/ladder_sample.h"
#include "render/text_sanitize.h"

namespace vs::render {
namespace {

std::vector<std::string> lines(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) out.push_back(line);
  return out;
}

std::string stripAnsi(const std::string& s) { return std::regex_replace(s, std::regex("\x1b\\[[0-9;]*m"), ""); }

// Display columns of a line, counting code points (the test strings hold no wide characters).
std::size_t columns(const std::string& s) {
  std::size_t n = 0;
  for (char c : stripAnsi(s)) n += (static_cast<unsigned char>(c) & 0xC0) != 0x80 ? 1 : 0;
  return n;
}

std::string render(const LadderModel& m, int width, bool color = false, bool ascii = true) {
  auto out = renderLadderText(m, TextLadderOptions{width, color, ascii, true, true});
  EXPECT_TRUE(out.ok()) << (out.ok() ? "" : out.error().message);
  return out.ok() ? *out : std::string();
}

// The lifeline columns, read from the first all-lifelines row after the host headers.
std::vector<std::size_t> lifelineColumns(const std::vector<std::string>& ls) {
  for (const auto& l : ls) {
    if (l.find_first_not_of(" |") == std::string::npos && l.find('|') != std::string::npos) {
      std::vector<std::size_t> xs;
      for (std::size_t i = 0; i < l.size(); ++i) {
        if (l[i] == '|') xs.push_back(i);
      }
      return xs;
    }
  }
  return {};
}

struct DrawnArrow {
  std::size_t from;  // lifeline columns
  std::size_t to;
  bool dashed;
  std::string top;  // the label line above it
  std::string bottom;
};

// Every message arrow in ASCII output: a run of '-' or '.' ending in '>' or starting with '<'.
std::vector<DrawnArrow> arrows(const std::vector<std::string>& ls) {
  std::vector<DrawnArrow> out;
  static const std::regex right("\\|([-.]+)>\\|");
  static const std::regex left("\\|<([-.]+)\\|");
  for (std::size_t i = 1; i < ls.size(); ++i) {
    const std::string& l = ls[i];
    if (l.rfind(" d", 0) != 0) continue;  // message rows' second line starts with the delta
    std::smatch m;
    if (std::regex_search(l, m, right)) {
      const auto from = static_cast<std::size_t>(m.position(0));
      out.push_back({from, from + static_cast<std::size_t>(m.length(0)) - 1, m.str(1)[0] == '.', ls[i - 1], l});
    } else if (std::regex_search(l, m, left)) {
      const auto left_end = static_cast<std::size_t>(m.position(0));
      out.push_back({left_end + static_cast<std::size_t>(m.length(0)) - 1, left_end, m.str(1)[0] == '.', ls[i - 1], l});
    }
  }
  return out;
}

TEST(LadderText, ColumnsInParticipantOrderWithNamesAboveHosts) {
  const auto ls = lines(render(test::sampleCall(), 120));
  std::size_t names = 0;
  while (names < ls.size() && ls[names].rfind(" time", 0) != 0) ++names;
  ASSERT_LT(names + 1, ls.size());
  const std::string& n = ls[names];
  const std::string& h = ls[names + 1];
  EXPECT_LT(n.find("alice"), n.find("pbx"));
  EXPECT_LT(n.find("pbx"), n.find("carrier"));
  EXPECT_LT(h.find("10.0.0.1:5060"), h.find("10.0.0.2:5060"));
  EXPECT_LT(h.find("10.0.0.2:5060"), h.find("203.0.113.5:5060"));
  const auto xs = lifelineColumns(ls);
  ASSERT_EQ(xs.size(), 3u);
  // Each host is written across its own lifeline.
  const std::vector<std::string> hosts = {"10.0.0.1:5060", "10.0.0.2:5060", "203.0.113.5:5060"};
  for (std::size_t p = 0; p < 3; ++p) {
    const std::size_t at = h.find(hosts[p]);
    EXPECT_LE(at, xs[p]) << hosts[p];
    EXPECT_GT(at + hosts[p].size(), xs[p]) << hosts[p];
  }
}

TEST(LadderText, EachArrowRunsFromItsSourceColumnToItsDestinationColumn) {
  const auto m = test::sampleCall();
  for (int width : {60, 80, 120, 200}) {
    const auto ls = lines(render(m, width));
    const auto xs = lifelineColumns(ls);
    ASSERT_EQ(xs.size(), 3u) << width;
    const auto drawn = arrows(ls);
    ASSERT_EQ(drawn.size(), m.events.size()) << width;
    for (std::size_t i = 0; i < drawn.size(); ++i) {
      EXPECT_EQ(drawn[i].from, xs[m.events[i].src]) << "width " << width << " message " << i;
      EXPECT_EQ(drawn[i].to, xs[m.events[i].dst]) << "width " << width << " message " << i;
      EXPECT_EQ(drawn[i].dashed, m.events[i].retransmission) << i;
    }
  }
}

TEST(LadderText, LabelsOffsetsDeltasAndFramesAreShown) {
  const auto m = test::sampleCall();
  const auto drawn = arrows(lines(render(m, 120)));
  ASSERT_EQ(drawn.size(), 9u);
  // Offsets from the first message and deltas from the previous one, from the times in ladder_sample.h.
  const std::vector<std::string> offsets = {"+0.000 s", "+0.002 s", "+0.005 s", "+0.505 s", "+0.530 s",
                                            "+1.530 s", "+1.532 s", "+4.000 s", "+4.003 s"};
  const std::vector<std::string> deltas = {"d0.000", "d0.002", "d0.003", "d0.500", "d0.025",
                                           "d1.000", "d0.002", "d2.468", "d0.003"};
  for (std::size_t i = 0; i < drawn.size(); ++i) {
    EXPECT_EQ(drawn[i].top.rfind(" " + offsets[i], 0), 0u) << drawn[i].top;
    EXPECT_EQ(drawn[i].bottom.rfind(" " + deltas[i], 0), 0u) << drawn[i].bottom;
    EXPECT_NE(drawn[i].bottom.find("#" + std::to_string(i + 1)), std::string::npos) << drawn[i].bottom;
    // The label sits between the two lifelines of its arrow.
    const std::size_t at = drawn[i].top.find(m.events[i].label);
    ASSERT_NE(at, std::string::npos) << drawn[i].top;
    EXPECT_GT(at, std::min(drawn[i].from, drawn[i].to));
    EXPECT_LT(at + m.events[i].label.size(), std::max(drawn[i].from, drawn[i].to));
  }
  EXPECT_NE(drawn[3].top.find("(R) INVITE (SDP)"), std::string::npos) << "retransmission marked";
  EXPECT_EQ(drawn[2].top.find("(R)"), std::string::npos);
}

TEST(LadderText, LegendNamesEveryLegWithItsLinkReason) {
  const std::string out = render(test::sampleCall(), 120);
  EXPECT_NE(out.find("# leg 0  [answered]  first leg"), std::string::npos) << out;
  EXPECT_NE(out.find("# leg 1  [answered]  linked: B2BUA: X-CID header (confidence 0.90)"), std::string::npos);
  EXPECT_NE(out.find("Call-ID b2b-1@pbx  <sip:+4930123@pbx> -> <sip:bob@carrier>"), std::string::npos);
  // Why a leg ended, when its ending message said (RFC 3326 Reason), after its state.
  auto m = test::sampleCall();
  m.legs[0].end_reason = "Q.850;cause=16";
  const std::string with = render(m, 120);
  EXPECT_NE(with.find("# leg 0  [answered]  Reason: Q.850;cause=16  first leg"), std::string::npos) << with;
  EXPECT_EQ(with.find("[answered]  Reason: Q.850;cause=16  linked"), std::string::npos);
  // What is wrong with a leg's media, one line each under its identifiers.
  m.legs[1].findings = {"one-way audio: RTP from the caller only, none from the callee"};
  const auto ls = lines(render(m, 120));
  const auto ids = std::find_if(ls.begin(), ls.end(), [](const std::string& l) { return l.find("Call-ID b2b-1@pbx") != std::string::npos; });
  ASSERT_NE(ids, ls.end());
  ASSERT_NE(ids + 1, ls.end());
  EXPECT_EQ(*(ids + 1), "      ! one-way audio: RTP from the caller only, none from the callee");
}

TEST(LadderText, LegendWrapsAtWordsInsteadOfCuttingTheLinkReason) {
  auto m = test::sampleCall();
  m.legs[1].link_reason = "B2BUA: X-CID header matches leg 0 and the SDP origin is the same";
  m.legs[0].from = std::string(10000, 'x');  // one endless word: broken, then cut after 4 lines
  const auto ls = lines(render(m, 50));
  std::string legend;
  std::size_t from_lines = 0;
  for (const auto& l : ls) {
    if (l.rfind(" time", 0) == 0) break;
    legend += l.substr(l.find_first_not_of(' ') == std::string::npos ? l.size() : l.find_first_not_of(' ')) + " ";
    if (l.find("xxxxxxxxxx") != std::string::npos) ++from_lines;
    EXPECT_LE(columns(l), 50u) << l;
  }
  EXPECT_NE(legend.find("# leg 1  [answered]  linked: B2BUA: X-CID header matches leg 0 and the SDP origin is the "
                        "same (confidence 0.90)"),
            std::string::npos)
      << legend;
  // Line 1 "Call-ID leg0@alice", the endless word on lines 2 to 4, cut at the end of the 4th.
  EXPECT_NE(legend.find("Call-ID leg0@alice xxx"), std::string::npos);
  EXPECT_EQ(from_lines, 3u);
  EXPECT_NE(legend.find("xxx~"), std::string::npos);
}

TEST(LadderText, StreamsAsThickArrowsAndSummaryWithTheirFigures) {
  const auto m = test::sampleCall();
  const auto ls = lines(render(m, 140));
  const auto xs = lifelineColumns(ls);
  ASSERT_EQ(xs.size(), 3u);
  int thick = 0;
  for (const auto& l : ls) {
    if (l.rfind(" RTP", 0) != 0) continue;
    ++thick;
    // Both streams are between alice (column 0) and pbx (column 1).
    EXPECT_NE(l.find("==="), std::string::npos) << l;
    EXPECT_GT(l.find("="), xs[0]);
    EXPECT_LT(l.rfind("="), xs[1]);
  }
  EXPECT_EQ(thick, 2);
  const std::string out = render(m, 140);
  // 3 lost of 497 received + 3 lost = 0.6 %; figures as given in the model.
  EXPECT_NE(out.find("10.0.0.1:40000 -> 10.0.0.2:20000  ssrc 0x1A2B3C4D  PCMA"), std::string::npos) << out;
  EXPECT_NE(out.find("+4.010 s .. +14.010 s (10.000 s)  497 packets  lost 3 (0.6 %)"), std::string::npos);
  EXPECT_NE(out.find("jitter max 3.25 ms mean 1.50 ms  MOS 4.21"), std::string::npos);
  EXPECT_NE(out.find("ssrc 0x0BADF00D"), std::string::npos);
  EXPECT_NE(out.find("RTP PCMA MOS 4.2 loss 0.6%"), std::string::npos);
}

TEST(LadderText, ColourCodesOnlyWhenEnabledAndOneColourPerLeg) {
  const auto m = test::sampleCall();
  EXPECT_EQ(render(m, 120, false).find('\x1b'), std::string::npos);
  EXPECT_EQ(render(m, 120, false, false).find('\x1b'), std::string::npos);
  const auto ls = lines(render(m, 120, true));
  static const std::regex sgr("\x1b\\[([0-9]+)m");
  // The colour of each arrow line, in order: each must be the colour of its leg, legs distinct.
  std::vector<std::string> arrow_colors;
  for (const auto& l : ls) {
    const std::string plain = stripAnsi(l);
    if (plain.rfind(" d", 0) != 0) continue;
    std::set<std::string> codes;
    for (auto it = std::sregex_iterator(l.begin(), l.end(), sgr); it != std::sregex_iterator(); ++it) {
      if ((*it)[1] != "0") codes.insert((*it)[1]);
    }
    ASSERT_EQ(codes.size(), 1u) << l;
    arrow_colors.push_back(*codes.begin());
    EXPECT_EQ(l.substr(l.rfind('\x1b'), 4), "\x1b[0m") << "colour reset before the end of the line";
  }
  ASSERT_EQ(arrow_colors.size(), m.events.size());
  std::string leg0;
  std::string leg1;
  for (std::size_t i = 0; i < m.events.size(); ++i) {
    std::string& expected = m.events[i].leg == 0 ? leg0 : leg1;
    if (expected.empty()) expected = arrow_colors[i];
    EXPECT_EQ(arrow_colors[i], expected) << "message " << i;
  }
  EXPECT_NE(leg0, leg1);
}

TEST(LadderText, EveryLineFitsTheWidthAndLabelsAreTruncated) {
  auto m = test::sampleCall();
  m.events[0].label = "INVITE (SDP) label of 36 characters";
  for (int width = 20; width <= 200; width += 7) {
    for (bool ascii : {true, false}) {
      for (bool color : {true, false}) {
        for (const auto& l : lines(render(m, width, color, ascii))) {
          EXPECT_LE(columns(l), static_cast<std::size_t>(width)) << "width " << width << ": " << l;
        }
      }
    }
  }
  const std::string narrow = render(m, 60);
  EXPECT_EQ(narrow.find("36 characters"), std::string::npos);
  EXPECT_NE(narrow.find("INVITE (S~"), std::string::npos) << narrow;
  EXPECT_NE(narrow.find("~"), std::string::npos) << "truncation is marked";
  EXPECT_NE(render(m, 60, false, false).find("…"), std::string::npos);
  EXPECT_NE(render(m, 200).find("INVITE (SDP) label of 36 characters"), std::string::npos) << "wide enough: nothing cut";
}

TEST(LadderText, LongHostsAreStaggeredOverTwoRowsAndStayWhole) {
  auto m = test::sampleCall();
  m.participants = {{"[2001:db8::10]:5060", ""}, {"198.51.100.222:5060", ""}, {"[2001:db8::99]:5061", ""}};
  const auto ls = lines(render(m, 70));  // columns of 17: no address fits in one
  const auto xs = lifelineColumns(ls);
  ASSERT_EQ(xs.size(), 3u);
  std::vector<std::size_t> rows;
  for (std::size_t p = 0; p < 3; ++p) {
    const std::string& host = m.participants[p].host;
    std::size_t row = 0;
    while (row < ls.size() && ls[row].find(host) == std::string::npos) ++row;
    ASSERT_LT(row, ls.size()) << host << " is not shown whole";
    rows.push_back(row);
    const std::size_t at = ls[row].find(host);
    EXPECT_LE(at, xs[p]) << host;
    EXPECT_GT(at + host.size(), xs[p]) << host << " is written across its lifeline";
  }
  // Even columns on the first row, odd ones on the second.
  EXPECT_EQ(rows[0], rows[2]);
  EXPECT_EQ(rows[1], rows[0] + 1);
}

TEST(LadderText, TooManyHostsForTheWidthBecomesAList) {
  LadderModel m;
  m.legs = {{0, "c", "a", "b", "", "", 1.0, "", {}}};
  for (int i = 0; i < 8; ++i) m.participants.push_back({"192.0.2." + std::to_string(i + 1) + ":5060", ""});
  for (std::size_t i = 0; i + 1 < 8; ++i) {
    LadderEvent e;
    e.time_us = static_cast<std::int64_t>(i) * 1000;
    e.src = i;
    e.dst = i + 1;
    e.label = "INVITE";
    e.frame = i + 1;
    m.events.push_back(e);
  }
  const std::string narrow = render(m, 80);
  EXPECT_NE(narrow.find("(8 hosts do not fit in 80 columns: the flow as a list)"), std::string::npos) << narrow;
  EXPECT_NE(narrow.find("  H = 192.0.2.8:5060"), std::string::npos);
  EXPECT_NE(narrow.find("+0.006 s d0.001 #7 G -> H INVITE  leg 0"), std::string::npos) << narrow;
  for (const auto& l : lines(narrow)) EXPECT_LE(columns(l), 80u) << l;
  // The same model on a wide terminal is a ladder again.
  const auto wide = lines(render(m, 200));
  EXPECT_EQ(lifelineColumns(wide).size(), 8u);
  EXPECT_EQ(arrows(wide).size(), 7u);
}

TEST(LadderText, CaptureTextCannotDriveTheTerminal) {
  auto m = test::sampleCall();
  m.events[0].label = "INVITE\x1b]0;pwned\x07\x1b[2J\r\n\xe2\x80\xae" "evil\xff";
  m.legs[0].from = "\"\x1b[31mred\" <sip:a@b>";
  m.participants[0].name = "al\x9bice";  // a raw C1 byte (invalid UTF-8 on its own)
  m.legs[1].end_reason = "Q.850;cause=16\x1b[2J\x07";
  for (bool color : {false, true}) {
    const std::string out = render(m, 160, color);
    // Colour on: the only escapes are our SGR codes.
    EXPECT_EQ(std::regex_replace(out, std::regex("\x1b\\[[0-9]+m"), "").find('\x1b'), std::string::npos);
    EXPECT_EQ(out.find('\r'), std::string::npos);
    EXPECT_EQ(out.find('\x07'), std::string::npos);
    EXPECT_EQ(out.find("\xe2\x80\xae"), std::string::npos) << "bidi override dropped";
    EXPECT_NE(out.find("INVITE?]0;pwned??[2J??evil\xef\xbf\xbd"), std::string::npos) << out;
    EXPECT_NE(out.find("al\xef\xbf\xbdice"), std::string::npos);
  }
}

TEST(LadderText, MessageToItselfIsALoop) {
  auto m = test::sampleCall();
  m.events[1].dst = m.events[1].src;
  const auto ls = lines(render(m, 120));
  EXPECT_EQ(arrows(ls).size(), m.events.size() - 1);
  bool found = false;
  for (const auto& l : ls) found = found || l.find("|-+ 100 Trying") != std::string::npos;
  EXPECT_TRUE(found);
}

TEST(LadderText, InvalidModelIsAnErrorNamingTheItem) {
  auto m = test::sampleCall();
  m.events[4].dst = 7;
  auto out = renderLadderText(m, {});
  ASSERT_FALSE(out.ok());
  EXPECT_EQ(out.error().message, "events[4].dst: participant 7 out of range (3 participants)");
  m = test::sampleCall();
  m.events[2].time_us = m.events[1].time_us - 1;
  ASSERT_FALSE(renderLadderText(m, {}).ok());
  m = test::sampleCall();
  m.events[2].leg = 5;
  out = renderLadderText(m, {});
  ASSERT_FALSE(out.ok());
  EXPECT_EQ(out.error().message, "events[2].leg: leg 5 is not in legs");
  m = test::sampleCall();
  m.streams[1].src = 3;
  EXPECT_FALSE(renderLadderText(m, {}).ok());
  EXPECT_TRUE(renderLadderText(LadderModel{}, {}).ok());
}

TEST(LadderModel, OffsetsRoundToTheMillisecond) {
  EXPECT_EQ(formatOffset(0), "+0.000 s");
  EXPECT_EQ(formatOffset(1'234'567), "+1.235 s");
  EXPECT_EQ(formatOffset(1'234'499), "+1.234 s");
  EXPECT_EQ(formatOffset(-1'500), "-0.002 s");
  EXPECT_EQ(formatSeconds(-1), "0.000");
  EXPECT_EQ(formatSeconds(3'600'000'000), "3600.000");
  EXPECT_EQ(formatSeconds(INT64_MIN), "-9223372036854.776");
}

TEST(LadderModel, SortByFirstAppearanceRemapsEveryReference) {
  auto m = test::sampleCall();
  // Reverse the columns: carrier, pbx, alice, plus an unused host.
  m.participants = {m.participants[2], m.participants[1], m.participants[0], {"198.51.100.9", "idle"}};
  for (auto& e : m.events) {
    e.src = 2 - e.src;
    e.dst = 2 - e.dst;
  }
  for (auto& s : m.streams) {
    s.src = 2 - s.src;
    s.dst = 2 - s.dst;
  }
  sortByFirstAppearance(m);
  ASSERT_EQ(m.participants.size(), 4u);
  EXPECT_EQ(m.participants[0].name, "alice");
  EXPECT_EQ(m.participants[1].name, "pbx");
  EXPECT_EQ(m.participants[2].name, "carrier");
  EXPECT_EQ(m.participants[3].name, "idle");
  const auto original = test::sampleCall();
  for (std::size_t i = 0; i < m.events.size(); ++i) {
    EXPECT_EQ(m.events[i].src, original.events[i].src);
    EXPECT_EQ(m.events[i].dst, original.events[i].dst);
  }
  EXPECT_EQ(m.streams[1].src, 1u);
  EXPECT_EQ(m.streams[1].dst, 0u);
}

TEST(LadderModel, RepeatedMessageTextIsMarkedAsRetransmission) {
  auto m = test::sampleCall();
  for (auto& e : m.events) e.retransmission = false;
  // #4 repeats #3 byte for byte; #7 and #9 have the same first line as #6/#8 but go elsewhere.
  EXPECT_EQ(markRepeatedAsRetransmissions(m), 1u);
  EXPECT_TRUE(m.events[3].retransmission);
  EXPECT_FALSE(m.events[2].retransmission);
  EXPECT_FALSE(m.events[6].retransmission);
}

TEST(TextSanitize, DecodesUtf8AndRejectsMalformedSequences) {
  auto all = [](std::string_view s) {
    std::vector<char32_t> cps;
    for (std::size_t pos = 0; pos < s.size();) cps.push_back(detail::nextCodePoint(s, pos));
    return cps;
  };
  EXPECT_EQ(all("a\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80"), (std::vector<char32_t>{'a', 0xE9, 0x20AC, 0x1F600}));
  EXPECT_EQ(all("\xc0\xaf"), (std::vector<char32_t>{0xFFFD, 0xFFFD}));  // overlong '/'
  EXPECT_EQ(all("\xed\xa0\x80"), (std::vector<char32_t>{0xFFFD, 0xFFFD, 0xFFFD}));  // surrogate
  EXPECT_EQ(all("\xe2\x82"), (std::vector<char32_t>{0xFFFD, 0xFFFD}));  // truncated
}

}  // namespace
}  // namespace vs::render
