#include "render/ladder_html.h"

#include <gtest/gtest.h>

#include <map>
#include <nlohmann/json.hpp>
#include <regex>
#include <set>

#include "render/ladder_sample.h"

namespace vs::render {
namespace {

std::string html(const LadderModel& m) {
  auto out = renderLadderHtml(m);
  EXPECT_TRUE(out.ok()) << (out.ok() ? "" : out.error().message);
  return out.ok() ? *out : std::string();
}

std::size_t countOf(const std::string& hay, const std::string& needle) {
  std::size_t n = 0;
  for (std::size_t at = hay.find(needle); at != std::string::npos; at = hay.find(needle, at + 1)) ++n;
  return n;
}

// Content of the first <tag ...>...</tag> whose opening tag starts with `open`.
std::string element(const std::string& doc, const std::string& open, const std::string& close) {
  const std::size_t a = doc.find(open);
  if (a == std::string::npos) return {};
  const std::size_t start = doc.find('>', a) + 1;
  return doc.substr(start, doc.find(close, start) - start);
}

std::vector<int> hostColumns(const std::string& doc) {
  std::vector<int> xs;
  static const std::regex re("<text class=\"hs\" x=\"([0-9]+)\"");
  for (auto it = std::sregex_iterator(doc.begin(), doc.end(), re); it != std::sregex_iterator(); ++it) {
    xs.push_back(std::stoi((*it)[1]));
  }
  return xs;
}

struct Group {
  std::string classes;
  std::string body;
};

// <g class="m ..." data-i="N">...</g>, in document order.
std::vector<Group> messageGroups(const std::string& doc) {
  std::vector<Group> out;
  static const std::regex re("<g class=\"(m [^\"]*)\" data-i=\"([0-9]+)\">(.*?)</g>");
  for (auto it = std::sregex_iterator(doc.begin(), doc.end(), re); it != std::sregex_iterator(); ++it) {
    EXPECT_EQ(std::stoul((*it)[2]), out.size());
    out.push_back({(*it)[1], (*it)[3]});
  }
  return out;
}

TEST(LadderHtml, HostsAreColumnsInModelOrder) {
  const std::string doc = html(test::sampleCall());
  const auto xs = hostColumns(doc);
  ASSERT_EQ(xs.size(), 3u);
  EXPECT_LT(xs[0], xs[1]);
  EXPECT_LT(xs[1], xs[2]);
  const std::string hosts = element(doc, "<svg id=\"hosts\"", "</svg>");
  EXPECT_LT(hosts.find(">alice<"), hosts.find(">pbx<"));
  EXPECT_LT(hosts.find(">pbx<"), hosts.find(">carrier<"));
  EXPECT_LT(hosts.find(">10.0.0.1:5060<"), hosts.find(">10.0.0.2:5060<"));
  EXPECT_LT(hosts.find(">10.0.0.2:5060<"), hosts.find(">203.0.113.5:5060<"));
  // One lifeline per host, at the host's column.
  const std::string flow = element(doc, "<svg id=\"flow\"", "</svg>");
  for (int x : xs) EXPECT_NE(flow.find("<line class=\"life\" x1=\"" + std::to_string(x) + "\""), std::string::npos);
}

TEST(LadderHtml, EachArrowGoesFromTheSourceColumnToTheDestinationColumn) {
  const auto m = test::sampleCall();
  const std::string doc = html(m);
  const auto xs = hostColumns(doc);
  const auto groups = messageGroups(doc);
  ASSERT_EQ(groups.size(), m.events.size());
  static const std::regex line("<line class=\"ln\" x1=\"([0-9]+)\" y1=\"([0-9]+)\" x2=\"([0-9]+)\" y2=\"([0-9]+)\"");
  static const std::regex head("<path class=\"hd\" d=\"M([0-9]+) ([0-9]+)l(-?[0-9]+) ");
  int last_y = -1;
  for (std::size_t i = 0; i < groups.size(); ++i) {
    const auto& e = m.events[i];
    std::smatch l;
    std::smatch h;
    ASSERT_TRUE(std::regex_search(groups[i].body, l, line)) << groups[i].body;
    ASSERT_TRUE(std::regex_search(groups[i].body, h, head)) << groups[i].body;
    const int src = xs[e.src];
    const int dst = xs[e.dst];
    EXPECT_EQ(std::stoi(l[1]), src) << "message " << i;
    EXPECT_EQ(l[2], l[4]) << "horizontal";
    const int tip = std::stoi(h[1]);
    EXPECT_LE(std::abs(tip - dst), 1) << "message " << i;
    // The head's base lies back along the arrow, towards the source.
    EXPECT_EQ(std::stoi(h[3]) < 0, src < dst) << "message " << i;
    // Rows go down the page in message order.
    EXPECT_GT(std::stoi(l[2]), last_y);
    last_y = std::stoi(l[2]);
    EXPECT_EQ(groups[i].classes.find(" rx") != std::string::npos, e.retransmission) << i;
  }
}

TEST(LadderHtml, LabelsOffsetsDeltasFramesAndLegColours) {
  const auto m = test::sampleCall();
  const auto groups = messageGroups(html(m));
  const std::vector<std::string> offsets = {"+0.000 s", "+0.002 s", "+0.005 s", "+0.505 s", "+0.530 s",
                                            "+1.530 s", "+1.532 s", "+4.000 s", "+4.003 s"};
  const std::vector<std::string> deltas = {"0.000", "0.002", "0.003", "0.500", "0.025",
                                           "1.000", "0.002", "2.468", "0.003"};
  std::map<int, std::string> colour_of_leg;
  for (std::size_t i = 0; i < groups.size(); ++i) {
    const std::string& g = groups[i].body;
    EXPECT_NE(g.find(">" + offsets[i] + "<"), std::string::npos) << g;
    EXPECT_NE(g.find(">&#916;" + deltas[i] + "  #" + std::to_string(i + 1) + "<"), std::string::npos) << g;
    EXPECT_NE(g.find(m.events[i].label + "</text>"), std::string::npos) << g;
    std::smatch c;
    ASSERT_TRUE(std::regex_search(groups[i].classes, c, std::regex(" (c[0-9]) l([0-9])")));
    EXPECT_EQ(std::stoi(c[2]), legSlot(m, m.events[i].leg));
    auto [it, fresh] = colour_of_leg.emplace(m.events[i].leg, c[1]);
    if (!fresh) {
      EXPECT_EQ(it->second, c[1]) << "one colour per leg";
    }
  }
  ASSERT_EQ(colour_of_leg.size(), 2u);
  EXPECT_NE(colour_of_leg[0], colour_of_leg[1]);
  EXPECT_NE(groups[3].body.find("\xe2\x86\xbb INVITE (SDP)</text>"), std::string::npos) << "retransmission marked";
}

TEST(LadderHtml, LegendShowsEachLegWithItsLinkReasonInItsColour) {
  const std::string doc = html(test::sampleCall());
  const std::string legend = element(doc, "<ul id=\"legend\"", "</ul>");
  EXPECT_NE(legend.find("<li class=\"c0\" data-slot=\"0\"><span class=\"sw\"></span><b>leg 0</b> [answered] "
                        "<span class=\"why\">first leg</span>"),
            std::string::npos)
      << legend;
  EXPECT_NE(legend.find("<li class=\"c1\" data-slot=\"1\"><span class=\"sw\"></span><b>leg 1</b> [answered] "
                        "<span class=\"why\">linked: B2BUA: X-CID header (confidence 0.90)</span>"),
            std::string::npos);
  EXPECT_NE(legend.find("Call-ID b2b-1@pbx"), std::string::npos);
  // Why a leg ended, when its ending message said (RFC 3326 Reason), after its state.
  auto m = test::sampleCall();
  m.legs[1].end_reason = "Q.850;cause=16;text=\"NORMAL_CLEARING\"";
  const std::string with = element(html(m), "<ul id=\"legend\"", "</ul>");
  EXPECT_NE(with.find("<b>leg 1</b> [answered] Reason: Q.850;cause=16;text=&quot;NORMAL_CLEARING&quot; "
                      "<span class=\"why\">linked:"),
            std::string::npos)
      << with;
  EXPECT_EQ(with.find("<b>leg 0</b> [answered] Reason"), std::string::npos);
  m.legs[0].findings = {"one-way audio: RTP from the callee only, none from the caller", "<b>x</b>"};
  const std::string flagged = element(html(m), "<ul id=\"legend\"", "</ul>");
  EXPECT_NE(flagged.find("<span class=\"warn\">one-way audio: RTP from the callee only, none from the caller</span>"
                         "<span class=\"warn\">&lt;b&gt;x&lt;/b&gt;</span></li>"),
            std::string::npos)
      << flagged;
}

TEST(LadderHtml, StreamsAreBandsWithTheirFigures) {
  const auto m = test::sampleCall();
  const std::string doc = html(m);
  const auto xs = hostColumns(doc);
  static const std::regex band("<g class=\"s c0 l0\" data-s=\"([0-9])\">.*?<rect class=\"band\" x=\"([0-9]+)\" y=\"[0-9]+\" width=\"([0-9]+)\"");
  int bands = 0;
  for (auto it = std::sregex_iterator(doc.begin(), doc.end(), band); it != std::sregex_iterator(); ++it) {
    ++bands;
    const int x = std::stoi((*it)[2]);
    const int w = std::stoi((*it)[3]);
    EXPECT_GE(x, xs[0]);
    EXPECT_LE(x + w, xs[1]);
    EXPECT_GT(w, (xs[1] - xs[0]) / 2);
  }
  EXPECT_EQ(bands, 2);
  const std::string table = element(doc, "<table id=\"streams\"", "</table>");
  EXPECT_NE(table.find("<td>10.0.0.1:40000</td><td>10.0.0.2:20000</td><td>0x1A2B3C4D</td><td>PCMA</td>"
                       "<td class=\"n\">+4.010 s</td><td class=\"n\">10.000 s</td><td class=\"n\">497</td>"
                       "<td class=\"n\">3 (0.6 %)</td><td class=\"n\">3.25 / 1.50 ms</td><td class=\"n\">4.21</td>"),
            std::string::npos)
      << table;
  EXPECT_NE(table.find("<td class=\"n\">&ndash;</td>"), std::string::npos) << "no MOS for the second stream";
  // Truncated to the band's length, in full as the tooltip.
  EXPECT_NE(doc.find("<title>RTP PCMA MOS 4.21 loss 0.6% jitter 3.2 ms</title>"), std::string::npos);
  std::smatch lb;
  ASSERT_TRUE(std::regex_search(doc, lb, std::regex("data-s=\"0\">.*?<text class=\"lb\"[^>]*>([^<]*)</text>")));
  const std::string shown = lb[1];
  const std::string full = "RTP PCMA MOS 4.21 loss 0.6% jitter 3.2 ms";
  ASSERT_GT(shown.size(), 3u);
  EXPECT_EQ(shown.substr(shown.size() - 3), "\xe2\x80\xa6");
  EXPECT_EQ(full.rfind(shown.substr(0, shown.size() - 3), 0), 0u) << shown;
  // At 7 px per character (12 px monospace) it fits the band between the two columns.
  EXPECT_LE(static_cast<int>(shown.size() - 2) * 7, xs[1] - xs[0]);
}

TEST(LadderHtml, PanelDataHoldsEachFullMessage) {
  const auto m = test::sampleCall();
  const std::string doc = html(m);
  const auto data = nlohmann::json::parse(element(doc, "<script type=\"application/json\" id=\"ladder-data\"", "</script>"));
  ASSERT_EQ(data["m"].size(), m.events.size());
  for (std::size_t i = 0; i < m.events.size(); ++i) {
    std::string expected = std::regex_replace(m.events[i].message, std::regex("\r"), "");
    EXPECT_EQ(data["m"][i][1].get<std::string>(), expected);
    const auto head = data["m"][i][0].get<std::string>();
    EXPECT_EQ(head.rfind("#" + std::to_string(i + 1) + "  ", 0), 0u) << head;
  }
  EXPECT_EQ(data["m"][3][0].get<std::string>(),
            "#4  +0.505 s (\xce\x94" "0.500)  10.0.0.2:5060 \xe2\x86\x92 203.0.113.5:5060  UDP  leg 1  Call-ID b2b-1@pbx"
            "  (retransmission)\nINVITE (SDP)");
  ASSERT_EQ(data["s"].size(), 2u);
  EXPECT_NE(data["s"][0][1].get<std::string>().find("lost 3 (0.60 %)"), std::string::npos);
}

TEST(LadderHtml, SelfContainedWithAContentSecurityPolicyForItsOwnStyleAndScript) {
  const std::string doc = html(test::sampleCall());
  EXPECT_EQ(doc.find("://"), std::string::npos) << "no URL of any kind";
  EXPECT_EQ(doc.find(" src="), std::string::npos);
  EXPECT_EQ(doc.find("href"), std::string::npos);
  EXPECT_EQ(doc.find("url("), std::string::npos);
  EXPECT_EQ(doc.find("@import"), std::string::npos);
  EXPECT_EQ(countOf(doc, "<style>"), 1u);
  EXPECT_EQ(countOf(doc, "<script>"), 1u);
  const std::string csp = element(doc, "<meta http-equiv=\"Content-Security-Policy\"", "\n");
  const std::string style = element(doc, "<style", "</style>");
  const std::string script = element(doc, "<script>", "</script>");
  EXPECT_NE(doc.find("default-src 'none'; style-src " + cspHash(style) + "; script-src " + cspHash(script) + ";"),
            std::string::npos);
  // SHA-256("abc"), FIPS 180-2 appendix B.1, in base64.
  EXPECT_EQ(cspHash("abc"), "'sha256-ungWv48Bz+pBQUDeXa4iI7ADYaOWF3qctBD/YfIAFa0='");
}

// Every field a capture can fill, with markup that would run if it were not escaped.
LadderModel hostileCall() {
  const std::string evil = "<script>window.__pwned=1</script>\"'><img src=x onerror=alert(1)>&amp;</script><!--";
  auto m = test::sampleCall();
  m.title = "title" + evil;
  for (auto& p : m.participants) {
    p.host += evil;
    p.name += evil;
  }
  for (auto& l : m.legs) {
    l.call_id += evil;
    l.from = "\"" + evil + "\" <sip:a@b>";
    l.to += evil;
    l.state += evil;
    l.end_reason = "Q.850;cause=16" + evil;
    l.link_reason += evil;
  }
  for (auto& e : m.events) {
    e.label += evil;
    e.call_id += evil;
    e.message += "X-Evil: " + evil + "\r\n";
    e.transport = "TLS" + evil;
  }
  for (auto& s : m.streams) {
    s.codec += evil;
    s.src_addr += evil;
    s.dst_addr += evil;
  }
  return m;
}

TEST(LadderHtml, CaptureTextIsEscapedInEveryField) {
  const std::string doc = html(hostileCall());
  // Only our own elements: every '<' opens a tag from this list.
  static const std::regex tag("<(/?)([!A-Za-z0-9]+)");
  const std::set<std::string> allowed = {"!DOCTYPE", "html", "head", "meta", "title", "style", "body",  "header",
                                         "h1",       "p",    "details", "summary", "ul", "li", "span", "b",
                                         "table",    "thead", "tbody", "tr", "th", "td", "main", "div", "svg", "g",
                                         "line",     "path", "text", "rect", "aside", "pre", "script"};
  for (auto it = std::sregex_iterator(doc.begin(), doc.end(), tag); it != std::sregex_iterator(); ++it) {
    EXPECT_TRUE(allowed.contains((*it)[2])) << "unexpected element <" << (*it)[2] << ">";
  }
  EXPECT_EQ(countOf(doc, "<script"), 2u) << "the data block and our script";
  EXPECT_EQ(countOf(doc, "</script>"), 2u);
  EXPECT_EQ(countOf(doc, "<!--"), 0u);
  EXPECT_EQ(doc.find("<img"), std::string::npos);
  EXPECT_EQ(doc.find("\"'>"), std::string::npos) << "no attribute break-out";
  // As text: visible, and `&amp;` from the capture shows as "&amp;", not "&".
  EXPECT_NE(doc.find("&lt;script&gt;window.__pwned=1&lt;/script&gt;&quot;&#39;&gt;&lt;img src=x onerror=alert(1)&gt;"
                     "&amp;amp;"),
            std::string::npos);
  // In the JSON block, markup characters are \u escapes; the text reads back unchanged.
  const std::string data = element(doc, "<script type=\"application/json\" id=\"ladder-data\"", "</script>");
  EXPECT_EQ(data.find('<'), std::string::npos);
  EXPECT_EQ(data.find('>'), std::string::npos);
  EXPECT_EQ(data.find('&'), std::string::npos);
  const auto json = nlohmann::json::parse(data);
  EXPECT_NE(json["m"][0][1].get<std::string>().find("X-Evil: <script>window.__pwned=1</script>\"'><img src=x "
                                                     "onerror=alert(1)>&amp;</script><!--"),
            std::string::npos);
  EXPECT_NE(json["m"][0][0].get<std::string>().find("TLS<script>"), std::string::npos);
}

TEST(LadderHtml, EscapersHandleMarkupControlsAndBadUtf8) {
  EXPECT_EQ(escapeHtml("a<b>&\"'c"), "a&lt;b&gt;&amp;&quot;&#39;c");
  EXPECT_EQ(escapeHtml("x\x01y\x7f\xc2\x9b" "z"), "x\xef\xbf\xbdy\xef\xbf\xbd\xef\xbf\xbdz");
  EXPECT_EQ(escapeHtml("bad\xff\xfe"), "bad\xef\xbf\xbd\xef\xbf\xbd");
  EXPECT_EQ(escapeHtml("r\xe2\x80\xaeltr"), "rltr") << "bidi override dropped";
  EXPECT_EQ(escapeHtml("l1\r\nl2\tend"), "l1\nl2\tend");
  EXPECT_EQ(jsonStringForScript("</script><!--\"\\\n\t\xe2\x80\xa8"),
            "\"\\u003c/script\\u003e\\u003c!--\\\"\\\\\\n\\t\\u2028\"");
  EXPECT_EQ(jsonStringForScript("caf\xc3\xa9 & co"), "\"caf\xc3\xa9 \\u0026 co\"");
  EXPECT_EQ(nlohmann::json::parse(jsonStringForScript("\x02 \xff <a>")).get<std::string>(),
            "\xef\xbf\xbd \xef\xbf\xbd <a>");
}

TEST(LadderHtml, ThousandsOfMessagesGiveOneGroupEach) {
  auto m = test::sampleCall();
  const auto base = m.events;
  m.events.clear();
  for (int rep = 0; rep < 500; ++rep) {
    for (auto e : base) {
      e.time_us += static_cast<std::int64_t>(rep) * 20'000'000;
      e.frame = m.events.size() + 1;
      m.events.push_back(e);
    }
  }
  const std::string doc = html(m);
  EXPECT_EQ(countOf(doc, "<g class=\"m "), 4500u);
  EXPECT_NE(doc.find("data-i=\"4499\""), std::string::npos);
  // Linear size: each message costs its text plus a bounded amount of markup.
  EXPECT_LT(doc.size(), 4500u * (base[0].message.size() + 1200));
}

TEST(LadderHtml, InvalidModelIsAnError) {
  auto m = test::sampleCall();
  m.events[0].src = 9;
  auto out = renderLadderHtml(m);
  ASSERT_FALSE(out.ok());
  EXPECT_EQ(out.error().message, "events[0].src: participant 9 out of range (3 participants)");
}

}  // namespace
}  // namespace vs::render
