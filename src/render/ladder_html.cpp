#include "render/ladder_html.h"

#include <fmt/format.h>

#include <algorithm>
#include <cstdint>
#include <vector>

#include "core/time.h"
#include "io/digest_hash.h"
#include "render/ladder_html_assets.h"
#include "render/text_sanitize.h"

namespace vs::render {

namespace {

// Geometry in SVG user units (CSS pixels).
constexpr int kGutter = 140;     // time offset, delta and frame at the left
constexpr int kColumn = 180;     // one host
constexpr int kRow = 38;         // one message or stream
constexpr int kHeaderHeight = 46;
constexpr int kCharWidth = 7;    // 12px monospace, for truncating labels to their arrow
constexpr int kPaletteSize = 8;

// Sanitised code points of capture text, for both escapers.
template <class Emit>
void forEachCleanCodePoint(std::string_view text, Emit emit) {
  std::size_t pos = 0;
  while (pos < text.size()) {
    char32_t cp = detail::nextCodePoint(text, pos);
    if (detail::isInvisible(cp) || cp == '\r') continue;
    if (detail::isControl(cp) && cp != '\n' && cp != '\t') cp = detail::kReplacement;
    emit(cp);
  }
}

std::string truncateChars(std::string_view text, std::size_t max) {
  std::vector<std::size_t> ends;  // byte offset after each code point
  for (std::size_t pos = 0; pos < text.size();) {
    detail::nextCodePoint(text, pos);
    ends.push_back(pos);
  }
  if (ends.size() <= max) return std::string(text);
  const std::size_t keep = max == 0 ? 0 : max - 1;
  return std::string(text.substr(0, keep == 0 ? 0 : ends[keep - 1])) + "\xe2\x80\xa6";
}

std::string base64(const std::vector<unsigned char>& bytes) {
  static constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  for (std::size_t i = 0; i < bytes.size(); i += 3) {
    const std::uint32_t b0 = bytes[i];
    const std::uint32_t b1 = i + 1 < bytes.size() ? bytes[i + 1] : 0;
    const std::uint32_t b2 = i + 2 < bytes.size() ? bytes[i + 2] : 0;
    const std::uint32_t v = (b0 << 16) | (b1 << 8) | b2;
    out.push_back(kAlphabet[(v >> 18) & 63]);
    out.push_back(kAlphabet[(v >> 12) & 63]);
    out.push_back(i + 1 < bytes.size() ? kAlphabet[(v >> 6) & 63] : '=');
    out.push_back(i + 2 < bytes.size() ? kAlphabet[v & 63] : '=');
  }
  return out;
}

double lossPercent(const LadderStream& s) {
  const std::uint64_t expected = s.packets + s.lost;
  return expected == 0 ? 0.0 : 100.0 * static_cast<double>(s.lost) / static_cast<double>(expected);
}

class HtmlRenderer {
 public:
  HtmlRenderer(const LadderModel& m, const HtmlLadderOptions& o) : m_(m), o_(o) {
    if (!m_.events.empty()) {
      t0_ = m_.events.front().time_us;
    } else if (!m_.streams.empty()) {
      t0_ = m_.streams.front().start_us;
    }
    for (const auto& s : m_.streams) t0_ = std::min(t0_, s.start_us);
  }

  std::string render() {
    std::string css = detail::kLadderCss;
    for (std::size_t slot = 0; slot < m_.legs.size(); ++slot) {
      css += fmt::format("#flow[data-focus=\"{0}\"] g.m:not(.l{0}),#flow[data-focus=\"{0}\"] g.s:not(.l{0}){{opacity:.15}}\n",
                         slot);
    }
    const std::string js = detail::kLadderJs;
    const std::string title = m_.title.empty() ? std::string("SIP ladder") : m_.title;
    std::string out;
    out += "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n";
    // Nothing may load or run but our own style and script: no URL at all, so it works from file://.
    out += fmt::format(
        "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src {}; script-src {}; "
        "img-src 'none'; connect-src 'none'; form-action 'none'; base-uri 'none'\">\n",
        cspHash(css), cspHash(js));
    out += fmt::format("<meta name=\"generator\" content=\"{}\">\n", escapeHtml(o_.generator));
    out += "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n";
    out += fmt::format("<title>{}</title>\n<style>{}</style>\n</head>\n<body>\n", escapeHtml(title), css);
    header(out, title);
    out += "<main>\n<div id=\"ladder\">\n";
    hostsSvg(out);
    flowSvg(out);
    out += "</div>\n<aside id=\"panel\"><div id=\"panel-head\">Hover over or click an arrow to see the message"
           "</div><pre id=\"panel-msg\"></pre></aside>\n</main>\n";
    data(out);
    out += fmt::format("<script>{}</script>\n</body>\n</html>\n", js);
    return out;
  }

 private:
  int slotOf(int leg) const { return leg == -1 ? -1 : legSlot(m_, leg); }
  static std::string colorClass(int slot) { return slot < 0 ? "cn" : fmt::format("c{}", slot % kPaletteSize); }
  int x(std::size_t participant) const { return kGutter + static_cast<int>(participant) * kColumn + kColumn / 2; }
  int width() const { return kGutter + static_cast<int>(m_.participants.size()) * kColumn + 20; }
  const std::string& host(std::size_t p) const { return m_.participants[p].host; }
  std::string endpoint(std::size_t p, const std::string& addr) const { return addr.empty() ? host(p) : addr; }

  static std::string legIds(const LadderLeg& leg) {
    std::string ids = leg.call_id.empty() ? std::string() : "Call-ID " + escapeHtml(leg.call_id);
    if (!leg.from.empty() || !leg.to.empty()) {
      ids += fmt::format("{}{} &rarr; {}", ids.empty() ? "" : " &middot; ", escapeHtml(leg.from), escapeHtml(leg.to));
    }
    std::string out = ids.empty() ? ids : "<span class=\"ids\">" + ids + "</span>";
    for (const auto& f : leg.findings) out += "<span class=\"warn\">" + escapeHtml(f) + "</span>";
    return out;
  }

  void header(std::string& out, const std::string& title) const {
    out += fmt::format("<header>\n<h1>{}</h1>\n", escapeHtml(title));
    std::string first;
    if (!m_.events.empty() || !m_.streams.empty()) first = fmt::format("; starts at {}", formatIso8601(t0_ / 1000));
    out += fmt::format("<p class=\"meta\">{} messages, {} hosts, {} legs, {} RTP streams{}</p>\n", m_.events.size(),
                       m_.participants.size(), m_.legs.size(), m_.streams.size(), first);
    if (!m_.legs.empty()) {
      out += "<details open><summary>Legs (click one to highlight it)</summary>\n<ul id=\"legend\">\n";
      for (std::size_t slot = 0; slot < m_.legs.size(); ++slot) {
        const auto& leg = m_.legs[slot];
        const std::string why =
            leg.link_reason.empty()
                ? std::string("first leg")
                : fmt::format("linked: {} (confidence {:.2f})", escapeHtml(leg.link_reason), leg.link_confidence);
        out += fmt::format(
            "<li class=\"{}\" data-slot=\"{}\"><span class=\"sw\"></span><b>leg {}</b> {}{}<span class=\"why\">{}</span>"
            "{}</li>\n",
            colorClass(static_cast<int>(slot)), slot, leg.index,
            leg.state.empty() ? std::string() : fmt::format("[{}] ", escapeHtml(leg.state)),
            leg.end_reason.empty() ? std::string() : fmt::format("Reason: {} ", escapeHtml(leg.end_reason)), why,
            legIds(leg));
      }
      out += "</ul>\n</details>\n";
    }
    if (!m_.streams.empty()) {
      out += "<details open><summary>RTP streams</summary>\n<table id=\"streams\"><thead><tr><th>leg</th><th>from"
             "</th><th>to</th><th>SSRC</th><th>codec</th><th>start</th><th>duration</th><th>packets</th>"
             "<th>lost</th><th>jitter max / mean</th><th>MOS</th></tr></thead><tbody>\n";
      for (const auto& s : m_.streams) {
        out += fmt::format(
            "<tr class=\"{}\"><td>{}</td><td>{}</td><td>{}</td><td>0x{:08X}</td><td>{}</td><td class=\"n\">{}</td>"
            "<td class=\"n\">{} s</td><td class=\"n\">{}</td><td class=\"n\">{} ({:.1f} %)</td>"
            "<td class=\"n\">{:.2f} / {:.2f} ms</td><td class=\"n\">{}</td></tr>\n",
            colorClass(slotOf(s.leg)), s.leg == -1 ? std::string("?") : std::to_string(s.leg),
            escapeHtml(endpoint(s.src, s.src_addr)), escapeHtml(endpoint(s.dst, s.dst_addr)), s.ssrc,
            escapeHtml(s.codec), formatOffset(s.start_us - t0_), formatSeconds(s.end_us - s.start_us), s.packets,
            s.lost, lossPercent(s), s.jitter_max_ms, s.jitter_mean_ms,
            s.mos ? fmt::format("{:.2f}", *s.mos) : std::string("&ndash;"));
      }
      out += "</tbody></table>\n</details>\n";
    }
    out += "</header>\n";
  }

  void hostsSvg(std::string& out) const {
    out += fmt::format("<svg id=\"hosts\" width=\"{}\" height=\"{}\">\n", width(),
                       kHeaderHeight);
    const std::size_t max_chars = static_cast<std::size_t>(kColumn / kCharWidth - 2);
    for (std::size_t p = 0; p < m_.participants.size(); ++p) {
      const auto& part = m_.participants[p];
      out += fmt::format("<g class=\"host\" data-p=\"{}\"><title>{}</title>", p,
                         escapeHtml(part.name.empty() ? part.host : part.name + " " + part.host));
      if (!part.name.empty()) {
        out += fmt::format("<text class=\"nm\" x=\"{}\" y=\"18\" text-anchor=\"middle\">{}</text>", x(p),
                           escapeHtml(truncateChars(part.name, max_chars)));
      }
      out += fmt::format("<text class=\"hs\" x=\"{}\" y=\"36\" text-anchor=\"middle\">{}</text></g>\n", x(p),
                         escapeHtml(truncateChars(part.host, max_chars)));
    }
    out += "</svg>\n";
  }

  // Draws `label` above an arrow from xs to xd at row top `y`; returns nothing, appends to out.
  void arrow(std::string& out, int xs, int xd, int y, std::string_view label, bool band) const {
    const int ay = y + 26;
    hit(out, y);  // first, so the highlight sits under the arrow
    if (xs == xd) {  // to itself: a loop on the right of the lifeline
      out += fmt::format("<path class=\"ln\" d=\"M{} {}h34v12h-26\"/><path class=\"hd\" d=\"M{} {}l8 -4v8z\"/>", xs,
                         ay - 8, xs, ay + 4);
      out += fmt::format("<text class=\"lb\" x=\"{}\" y=\"{}\">{}</text>", xs + 40, ay,
                         escapeHtml(truncateChars(label, static_cast<std::size_t>((kColumn - 50) / kCharWidth))));
      return;
    }
    const int dir = xd > xs ? 1 : -1;
    const int tip = xd - dir;
    const int lo = std::min(xs, xd);
    const int span = std::abs(xd - xs);
    if (band) {
      out += fmt::format("<rect class=\"band\" x=\"{}\" y=\"{}\" width=\"{}\" height=\"8\"/>", dir > 0 ? lo : lo + 10,
                         ay - 4, span - 10);
    } else {
      out += fmt::format("<line class=\"ln\" x1=\"{}\" y1=\"{}\" x2=\"{}\" y2=\"{}\"/>", xs, ay, tip - dir * 9, ay);
    }
    out += fmt::format("<path class=\"hd\" d=\"M{} {}l{} -5v10z\"/>", tip, ay, -dir * 10);
    const auto max_chars = static_cast<std::size_t>(std::max(span / kCharWidth - 2, 3));
    out += fmt::format("<text class=\"lb\" x=\"{}\" y=\"{}\" text-anchor=\"middle\">{}</text>", lo + span / 2, ay - 8,
                       escapeHtml(truncateChars(label, max_chars)));
  }

  // The whole row answers the pointer, gutter included: easier to hit than a 2px line.
  void hit(std::string& out, int y) const {
    out += fmt::format("<rect class=\"hit\" x=\"0\" y=\"{}\" width=\"{}\" height=\"{}\"/>", y + 1, width(), kRow - 2);
  }

  void flowSvg(std::string& out) const {
    // Rows: messages in order, each stream where it starts.
    std::vector<std::size_t> streams(m_.streams.size());
    for (std::size_t i = 0; i < streams.size(); ++i) streams[i] = i;
    std::stable_sort(streams.begin(), streams.end(),
                     [&](std::size_t a, std::size_t b) { return m_.streams[a].start_us < m_.streams[b].start_us; });
    const int rows = static_cast<int>(m_.events.size() + m_.streams.size());
    const int height = rows * kRow + 20;
    out += fmt::format("<svg id=\"flow\" width=\"{}\" height=\"{}\">\n", width(),
                       height);
    for (std::size_t p = 0; p < m_.participants.size(); ++p) {
      out += fmt::format("<line class=\"life\" x1=\"{0}\" y1=\"0\" x2=\"{0}\" y2=\"{1}\"/>\n", x(p), height);
    }
    int row = 0;
    std::size_t next = 0;
    std::int64_t prev = t0_;
    auto streamRow = [&](std::size_t i) {
      const auto& s = m_.streams[i];
      const int y = row++ * kRow;
      const int slot = slotOf(s.leg);
      std::string label = fmt::format("RTP {}", s.codec.empty() ? "?" : s.codec);
      if (s.mos) label += fmt::format(" MOS {:.2f}", *s.mos);
      label += fmt::format(" loss {:.1f}% jitter {:.1f} ms", lossPercent(s), s.jitter_max_ms);
      out += fmt::format("<g class=\"s {}{}\" data-s=\"{}\"><title>{}</title>", colorClass(slot),
                         slot < 0 ? "" : fmt::format(" l{}", slot), i, escapeHtml(label));
      out += fmt::format("<text class=\"tm\" x=\"6\" y=\"{}\">{}</text><text class=\"tm\" x=\"6\" y=\"{}\">RTP</text>",
                         y + 16, formatOffset(s.start_us - t0_), y + 31);
      arrow(out, x(s.src), x(s.dst), y, label, true);
      out += "</g>\n";
    };
    for (std::size_t i = 0; i < m_.events.size(); ++i) {
      const auto& e = m_.events[i];
      while (next < streams.size() && m_.streams[streams[next]].start_us < e.time_us) streamRow(streams[next++]);
      const int y = row++ * kRow;
      const int slot = slotOf(e.leg);
      out += fmt::format("<g class=\"m {} l{}{}\" data-i=\"{}\"><title>{}</title>", colorClass(slot), slot,
                         e.retransmission ? " rx" : "", i, escapeHtml(e.label));
      out += fmt::format("<text class=\"tm\" x=\"6\" y=\"{}\">{}</text>", y + 16, formatOffset(e.time_us - t0_));
      out += fmt::format("<text class=\"tm\" x=\"6\" y=\"{}\">&#916;{}{}</text>", y + 31,
                         formatSeconds(e.time_us - prev), e.frame ? fmt::format("  #{}", e.frame) : std::string());
      std::string label = e.retransmission ? "\xe2\x86\xbb " + e.label : e.label;
      arrow(out, x(e.src), x(e.dst), y, label, false);
      out += "</g>\n";
      prev = e.time_us;
    }
    while (next < streams.size()) streamRow(streams[next++]);
    out += "</svg>\n";
  }

  // Panel texts: [heading, body] per message and per stream.
  void data(std::string& out) const {
    out += "<script type=\"application/json\" id=\"ladder-data\">{\"hint\":";
    out += jsonStringForScript("Hover over or click an arrow to see the message");
    out += ",\"m\":[";
    std::int64_t prev = t0_;
    for (std::size_t i = 0; i < m_.events.size(); ++i) {
      const auto& e = m_.events[i];
      std::string head = fmt::format("{}{} (\xce\x94{})  {} \xe2\x86\x92 {}", e.frame ? fmt::format("#{}  ", e.frame) : "",
                                     formatOffset(e.time_us - t0_), formatSeconds(e.time_us - prev), host(e.src),
                                     host(e.dst));
      if (!e.transport.empty()) head += "  " + e.transport;
      head += fmt::format("  leg {}  Call-ID {}", e.leg, e.call_id);
      if (e.retransmission) head += "  (retransmission)";
      head += "\n" + e.label;
      out += fmt::format("{}[{},{}]", i ? "," : "", jsonStringForScript(head),
                         jsonStringForScript(e.message.empty() ? e.label : e.message));
      prev = e.time_us;
    }
    out += "],\"s\":[";
    for (std::size_t i = 0; i < m_.streams.size(); ++i) {
      const auto& s = m_.streams[i];
      std::string head = fmt::format("RTP {} \xe2\x86\x92 {}  SSRC 0x{:08X}  {}", endpoint(s.src, s.src_addr),
                                     endpoint(s.dst, s.dst_addr), s.ssrc, s.codec);
      std::string body = fmt::format(
          "leg {}\nstart {}  end {}  duration {} s\npackets {}\nlost {} ({:.2f} %)\njitter max {:.2f} ms, mean {:.2f} ms\n"
          "MOS {}",
          s.leg == -1 ? std::string("?") : std::to_string(s.leg), formatOffset(s.start_us - t0_),
          formatOffset(s.end_us - t0_), formatSeconds(s.end_us - s.start_us), s.packets, s.lost, lossPercent(s),
          s.jitter_max_ms, s.jitter_mean_ms, s.mos ? fmt::format("{:.2f}", *s.mos) : std::string("not computed"));
      out += fmt::format("{}[{},{}]", i ? "," : "", jsonStringForScript(head), jsonStringForScript(body));
    }
    out += "]}</script>\n";
  }

  const LadderModel& m_;
  const HtmlLadderOptions& o_;
  std::int64_t t0_ = 0;
};

}  // namespace

std::string escapeHtml(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  forEachCleanCodePoint(text, [&](char32_t cp) {
    switch (cp) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&#39;"; break;
      default: detail::appendUtf8(out, cp);
    }
  });
  return out;
}

std::string jsonStringForScript(std::string_view text) {
  std::string out = "\"";
  out.reserve(text.size() + 2);
  forEachCleanCodePoint(text, [&](char32_t cp) {
    switch (cp) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\t': out += "\\t"; break;
      // Never "</script" or "<!--" inside the element, whatever the text says.
      case '<': out += "\\u003c"; break;
      case '>': out += "\\u003e"; break;
      case '&': out += "\\u0026"; break;
      case 0x2028: out += "\\u2028"; break;
      case 0x2029: out += "\\u2029"; break;
      default: detail::appendUtf8(out, cp);
    }
  });
  out += '"';
  return out;
}

std::string cspHash(std::string_view content) {
  const std::string hex = io::digestHash(proto::sip::DigestHashFunction::kSha256, content);
  std::vector<unsigned char> bytes;
  for (std::size_t i = 0; i + 1 < hex.size(); i += 2) {
    bytes.push_back(static_cast<unsigned char>(std::stoi(hex.substr(i, 2), nullptr, 16)));
  }
  return "'sha256-" + base64(bytes) + "'";
}

Result<std::string> renderLadderHtml(const LadderModel& model, const HtmlLadderOptions& options) {
  if (auto valid = validateLadder(model); !valid) return valid.error();
  return HtmlRenderer(model, options).render();
}

}  // namespace vs::render
