#include "render/ladder_text.h"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <string_view>
#include <vector>

#include "render/text_sanitize.h"

namespace vs::render {

namespace {

constexpr std::array<int, 8> kLegColors = {36, 33, 35, 32, 34, 31, 96, 93};
constexpr int kNoColor = -1;
constexpr int kMaxWrappedLines = 4;  // a legend or stream line wraps at most this often, then is cut

struct Glyphs {
  const char* lifeline;
  const char* line;
  const char* dashed;
  const char* thick;
  const char* right_head;
  const char* left_head;
  const char* origin_right;
  const char* origin_left;
  const char* self_top;
  const char* self_bottom;
  const char* ellipsis;
  const char* retx;
  const char* delta;
  const char* swatch;
  const char* arrow;  // in list view and the stream summary
};

constexpr Glyphs kUnicode{"│", "─", "┄", "━", ">", "<", "├", "┤", "┐", "┘", "…", "↻ ", "Δ", "■", "→"};
constexpr Glyphs kAscii{"|", "-", ".", "=", ">", "<", "|", "|", "+", "'", "~", "(R) ", "d", "#", "->"};

struct Cell {
  std::string glyph = " ";  // "" = the right half of a wide character
  int color = kNoColor;
};

// Splits sanitised text into display cells.
std::vector<std::string> toCells(std::string_view text) {
  std::vector<std::string> cells;
  std::size_t pos = 0;
  while (pos < text.size()) {
    char32_t cp = detail::nextCodePoint(text, pos);
    if (detail::isInvisible(cp)) continue;
    if (detail::isControl(cp)) cp = '?';
    std::string g;
    detail::appendUtf8(g, cp);
    cells.push_back(std::move(g));
    if (detail::isWide(cp)) cells.emplace_back();
  }
  return cells;
}

// Cuts to at most `max` cells, ending with the ellipsis when anything was cut; never splits a wide char.
std::vector<std::string> fit(std::vector<std::string> cells, int max, const Glyphs& g) {
  if (max <= 0) return {};
  const auto limit = static_cast<std::size_t>(max);
  if (cells.size() <= limit) return cells;
  std::size_t keep = limit - 1;
  if (keep > 0 && keep < cells.size() && cells[keep].empty()) --keep;  // would split a wide character
  cells.resize(keep);
  cells.emplace_back(g.ellipsis);
  return cells;
}

class Line {
 public:
  explicit Line(int width) : cells_(static_cast<std::size_t>(std::max(width, 0))) {}

  int width() const { return static_cast<int>(cells_.size()); }

  void put(int x, std::string glyph, int color = kNoColor) {
    if (x < 0 || x >= width()) return;
    auto& c = cells_[static_cast<std::size_t>(x)];
    c.glyph = std::move(glyph);
    c.color = color;
  }

  // Writes at most `max` cells of text starting at x; returns the cells used.
  int text(int x, std::string_view s, int max, const Glyphs& g, int color = kNoColor) {
    max = std::min(max, width() - x);
    auto cells = fit(toCells(s), max, g);
    for (std::size_t i = 0; i < cells.size(); ++i) put(x + static_cast<int>(i), cells[i], color);
    return static_cast<int>(cells.size());
  }

  void putCells(int x, const std::vector<std::string>& cells, int color = kNoColor) {
    for (std::size_t i = 0; i < cells.size(); ++i) put(x + static_cast<int>(i), cells[i], color);
  }

  std::string str(bool color) const {
    std::string out;
    std::size_t end = cells_.size();
    while (end > 0 && cells_[end - 1].glyph == " " && cells_[end - 1].color == kNoColor) --end;
    int current = kNoColor;
    for (std::size_t i = 0; i < end; ++i) {
      const Cell& c = cells_[i];
      if (color && c.color != current) {
        out += c.color == kNoColor ? std::string("\x1b[0m") : fmt::format("\x1b[{}m", c.color);
        current = c.color;
      }
      out += c.glyph;
    }
    if (color && current != kNoColor) out += "\x1b[0m";
    out += '\n';
    return out;
  }

 private:
  std::vector<Cell> cells_;
};

std::string hostLetter(std::size_t i) {
  std::string s;
  ++i;
  while (i > 0) {
    --i;
    s.insert(s.begin(), static_cast<char>('A' + i % 26));
    i /= 26;
  }
  return s;
}

double lossPercent(const LadderStream& s) {
  const std::uint64_t expected = s.packets + s.lost;
  return expected == 0 ? 0.0 : 100.0 * static_cast<double>(s.lost) / static_cast<double>(expected);
}

std::string streamCounts(const LadderStream& s) {
  return fmt::format("{} packets  lost {} ({:.1f} %)", s.packets, s.lost, lossPercent(s));
}

std::string streamQuality(const LadderStream& s) {
  std::string out = fmt::format("jitter max {:.2f} ms mean {:.2f} ms", s.jitter_max_ms, s.jitter_mean_ms);
  if (s.mos) out += fmt::format("  MOS {:.2f}", *s.mos);
  return out;
}

// Most telling figure first, since the arrow's label is truncated to the span between two columns.
std::string streamShortLabel(const LadderStream& s) {
  std::string out = fmt::format("RTP {}", s.codec.empty() ? "?" : s.codec);
  if (s.mos) out += fmt::format(" MOS {:.1f}", *s.mos);
  out += fmt::format(" loss {:.1f}% jit {:.1f}ms", lossPercent(s), s.jitter_max_ms);
  return out;
}

class Renderer {
 public:
  Renderer(const LadderModel& m, const TextLadderOptions& o)
      : m_(m), o_(o), g_(o.ascii ? kAscii : kUnicode), width_(std::max(o.width, 20)) {
    if (!m_.events.empty()) {
      t0_ = m_.events.front().time_us;
    } else if (!m_.streams.empty()) {
      t0_ = m_.streams.front().start_us;
    }
    for (const auto& s : m_.streams) t0_ = std::min(t0_, s.start_us);
  }

  std::string render() {
    if (!m_.title.empty()) textLine(m_.title, kNoColor);
    if (o_.legend) legend();
    const auto n = static_cast<int>(m_.participants.size());
    const int room = width_ - kLadderGutterWidth;
    if (n == 0) {
      textLine("(no hosts)", kNoColor);
    } else if (room / n < kMinColumnWidth) {
      listView();
    } else {
      col_width_ = std::min(room / n, kMaxColumnWidth);
      ladderView();
    }
    if (o_.streams && !m_.streams.empty()) streamSummary();
    return out_;
  }

 private:
  int colorOfLeg(int leg_index) const {
    if (!o_.color) return kNoColor;
    const int slot = legSlot(m_, leg_index);
    return slot < 0 ? kNoColor : legAnsiColor(slot);
  }

  void emit(const Line& line) { out_ += line.str(o_.color); }

  void textLine(std::string_view s, int color, int indent = 0) {
    Line line(width_);
    line.text(indent, s, width_ - indent, g_, color);
    emit(line);
  }

  // Word-wraps `text` from column x of `line` on, continuing at `indent`; emits every line.
  void wrapped(Line line, int x, std::string_view text, int indent) {
    std::vector<std::string> rest = toCells(text);
    for (int n = 1;; ++n) {
      const auto avail = static_cast<std::size_t>(std::max(width_ - x, 1));
      if (rest.size() <= avail || n == kMaxWrappedLines) {
        line.putCells(x, fit(std::move(rest), static_cast<int>(avail), g_));
        emit(line);
        return;
      }
      std::size_t cut = avail;
      while (cut > 0 && rest[cut] != " ") --cut;
      if (cut == 0) cut = avail;  // one long word: break it
      if (rest[cut - 1].empty()) --cut;  // never between the halves of a wide character
      line.putCells(x, std::vector<std::string>(rest.begin(), rest.begin() + static_cast<std::ptrdiff_t>(cut)));
      emit(line);
      while (cut < rest.size() && rest[cut] == " ") ++cut;
      rest.erase(rest.begin(), rest.begin() + static_cast<std::ptrdiff_t>(cut));
      line = Line(width_);
      x = indent;
    }
  }

  void legend() {
    if (m_.legs.empty()) return;
    textLine(m_.legs.size() == 1 ? "Leg:" : fmt::format("Legs ({}):", m_.legs.size()), kNoColor);
    for (const auto& leg : m_.legs) {
      // How the leg relates to the call first (what a learner needs), the long identifiers next.
      Line line(width_);
      const int color = colorOfLeg(leg.index);
      int x = 2;
      x += line.text(x, fmt::format("{} leg {}", g_.swatch, leg.index), width_ - x, g_, color);
      std::string rest = leg.state.empty() ? std::string() : fmt::format("  [{}]", leg.state);
      if (!leg.end_reason.empty()) rest += fmt::format("  Reason: {}", leg.end_reason);
      rest += leg.link_reason.empty()
                  ? std::string("  first leg")
                  : fmt::format("  linked: {} (confidence {:.2f})", leg.link_reason, leg.link_confidence);
      wrapped(std::move(line), x, rest, 6);
      std::string ids = leg.call_id.empty() ? std::string() : "Call-ID " + leg.call_id;
      if (!leg.from.empty() || !leg.to.empty()) {
        ids += fmt::format("{}{} {} {}", ids.empty() ? "" : "  ", leg.from, g_.arrow, leg.to);
      }
      if (!ids.empty()) wrapped(Line(width_), 6, ids, 6);
      for (const auto& f : leg.findings) wrapped(Line(width_), 6, "! " + f, 8);
    }
    emit(Line(width_));
  }

  int lifelineX(std::size_t participant) const {
    return kLadderGutterWidth + static_cast<int>(participant) * col_width_ + col_width_ / 2;
  }

  // Text centred on a lifeline, at most `max` cells, kept right of the gutter and inside the line.
  void centred(Line& line, std::size_t participant, std::string_view s, int max) {
    const int len = static_cast<int>(fit(toCells(s), max, g_).size());
    const int x = std::clamp(lifelineX(participant) - len / 2, kLadderGutterWidth, std::max(width_ - len, kLadderGutterWidth));
    line.text(x, s, max, g_);
  }

  // One header row per kind (names, hosts) when every text fits its column; otherwise two rows with
  // alternate columns, giving each text nearly two columns: "203.0.113.10:5060" stays whole.
  std::vector<Line> headerRows(bool names) {
    auto text = [&](std::size_t p) -> const std::string& {
      return names ? m_.participants[p].name : m_.participants[p].host;
    };
    const int single = col_width_ - 2;  // a gap between neighbours
    bool fits = true;
    for (std::size_t p = 0; p < m_.participants.size(); ++p) {
      fits = fits && static_cast<int>(toCells(text(p)).size()) <= single;
    }
    std::vector<Line> rows(fits || m_.participants.size() == 1 ? 1 : 2, Line(width_));
    for (std::size_t p = 0; p < m_.participants.size(); ++p) {
      centred(rows[p % rows.size()], p, text(p), rows.size() == 1 ? single : 2 * col_width_ - 2);
    }
    return rows;
  }

  Line lifelines() const {
    Line line(width_);
    for (std::size_t p = 0; p < m_.participants.size(); ++p) line.put(lifelineX(p), g_.lifeline);
    return line;
  }

  void ladderView() {
    bool any_name = false;
    for (const auto& p : m_.participants) any_name = any_name || !p.name.empty();
    std::vector<Line> rows;
    if (any_name) rows = headerRows(true);
    for (auto& row : headerRows(false)) rows.push_back(std::move(row));
    rows.front().text(1, "time", 12, g_);
    rows.front().text(14, "frame", 5, g_);
    for (const auto& row : rows) emit(row);
    emit(lifelines());

    // Streams are drawn where they start, among the messages.
    std::vector<std::size_t> stream_order(m_.streams.size());
    for (std::size_t i = 0; i < stream_order.size(); ++i) stream_order[i] = i;
    std::stable_sort(stream_order.begin(), stream_order.end(),
                     [&](std::size_t a, std::size_t b) { return m_.streams[a].start_us < m_.streams[b].start_us; });
    std::size_t next_stream = 0;
    auto streamsUntil = [&](std::int64_t t, bool all) {
      if (!o_.streams) return;
      while (next_stream < stream_order.size() && (all || m_.streams[stream_order[next_stream]].start_us < t)) {
        streamRow(m_.streams[stream_order[next_stream++]]);
      }
    };
    std::int64_t prev = t0_;
    for (const auto& e : m_.events) {
      streamsUntil(e.time_us, false);
      messageRow(e, prev);
      prev = e.time_us;
    }
    streamsUntil(0, true);
    emit(lifelines());
  }

  void messageRow(const LadderEvent& e, std::int64_t prev) {
    Line top = lifelines();
    Line bottom = lifelines();
    top.text(1, formatOffset(e.time_us - t0_), 12, g_);
    bottom.text(1, std::string(g_.delta) + formatSeconds(e.time_us - prev), 12, g_);
    if (e.frame != 0) bottom.text(14, fmt::format("#{}", e.frame), kLadderGutterWidth - 15, g_);
    std::string label = e.retransmission ? std::string(g_.retx) + e.label : e.label;
    if (!e.transport.empty() && e.transport != "UDP" && e.transport != "udp") label += " " + e.transport;
    const int color = colorOfLeg(e.leg);
    const int xs = lifelineX(e.src);
    const int xd = lifelineX(e.dst);
    if (xs == xd) {  // to itself: a small loop right of the lifeline
      top.put(xs, g_.origin_right, color);
      top.put(xs + 1, g_.line, color);
      top.put(xs + 2, g_.self_top, color);
      bottom.put(xs + 1, g_.left_head, color);
      bottom.put(xs + 2, g_.self_bottom, color);
      top.text(xs + 4, label, col_width_ - 5, g_, color);
    } else {
      drawArrow(top, bottom, xs, xd, e.retransmission ? g_.dashed : g_.line, label, color);
    }
    emit(top);
    emit(bottom);
  }

  void drawArrow(Line& top, Line& bottom, int xs, int xd, const char* body, std::string_view label, int color) {
    const int lo = std::min(xs, xd);
    const int hi = std::max(xs, xd);
    for (int x = lo + 1; x < hi; ++x) bottom.put(x, body, color);
    if (xd > xs) {
      bottom.put(xs, g_.origin_right, color);
      bottom.put(xd - 1, g_.right_head, color);
    } else {
      bottom.put(xs, g_.origin_left, color);
      bottom.put(xd + 1, g_.left_head, color);
    }
    const int avail = hi - lo - 3;
    const int len = static_cast<int>(fit(toCells(label), avail, g_).size());
    top.text(lo + 2 + (avail - len) / 2, label, avail, g_, color);
  }

  void streamRow(const LadderStream& s) {
    Line top = lifelines();
    Line bottom = lifelines();
    top.text(1, formatOffset(s.start_us - t0_), 12, g_);
    bottom.text(1, "RTP", 12, g_);
    const int color = s.leg == -1 ? kNoColor : colorOfLeg(s.leg);
    const int xs = lifelineX(s.src);
    const int xd = lifelineX(s.dst);
    if (xs == xd) {
      top.text(xs + 2, streamShortLabel(s), col_width_ - 3, g_, color);
    } else {
      drawArrow(top, bottom, xs, xd, g_.thick, streamShortLabel(s), color);
    }
    emit(top);
    emit(bottom);
  }

  std::string endpoint(std::size_t participant, const std::string& addr) const {
    return addr.empty() ? m_.participants[participant].host : addr;
  }

  void streamSummary() {
    emit(Line(width_));
    textLine(fmt::format("RTP streams ({}):", m_.streams.size()), kNoColor);
    for (const auto& s : m_.streams) {
      const int color = s.leg == -1 ? kNoColor : colorOfLeg(s.leg);
      Line head(width_);
      int x = 2;
      if (s.leg != -1) x += head.text(x, fmt::format("leg {} ", s.leg), width_ - x, g_, color);
      wrapped(std::move(head), x,
              fmt::format("{} {} {}  ssrc 0x{:08X}  {}", endpoint(s.src, s.src_addr), g_.arrow,
                          endpoint(s.dst, s.dst_addr), s.ssrc, s.codec.empty() ? "?" : s.codec),
              6);
      wrapped(Line(width_), 4,
              fmt::format("{} .. {} ({} s)  {}", formatOffset(s.start_us - t0_), formatOffset(s.end_us - t0_),
                          formatSeconds(s.end_us - s.start_us), streamCounts(s)),
              6);
      wrapped(Line(width_), 4, streamQuality(s), 6);
    }
  }

  void listView() {
    textLine(fmt::format("({} hosts do not fit in {} columns: the flow as a list)", m_.participants.size(),
                         width_),
             kNoColor);
    for (std::size_t p = 0; p < m_.participants.size(); ++p) {
      const auto& part = m_.participants[p];
      textLine(part.name.empty() ? fmt::format("{} = {}", hostLetter(p), part.host)
                                 : fmt::format("{} = {} ({})", hostLetter(p), part.host, part.name),
               kNoColor, 2);
    }
    emit(Line(width_));
    std::int64_t prev = t0_;
    for (const auto& e : m_.events) {
      Line line(width_);
      int x = line.text(0, formatOffset(e.time_us - t0_), width_, g_);
      x += line.text(x, fmt::format(" {}{} ", g_.delta, formatSeconds(e.time_us - prev)), width_ - x, g_);
      if (e.frame != 0) x += line.text(x, fmt::format("#{} ", e.frame), width_ - x, g_);
      const int color = colorOfLeg(e.leg);
      x += line.text(x,
                     fmt::format("{} {}{} {} ", hostLetter(e.src), e.retransmission ? g_.dashed : g_.line,
                                 g_.right_head, hostLetter(e.dst)),
                     width_ - x, g_, color);
      std::string label = e.retransmission ? std::string(g_.retx) + e.label : e.label;
      if (!e.transport.empty() && e.transport != "UDP" && e.transport != "udp") label += " " + e.transport;
      x += line.text(x, label, width_ - x, g_, color);
      line.text(x, fmt::format("  leg {}", e.leg), width_ - x, g_, color);
      emit(line);
      prev = e.time_us;
    }
  }

  const LadderModel& m_;
  const TextLadderOptions& o_;
  const Glyphs& g_;
  int width_;
  int col_width_ = kMinColumnWidth;
  std::int64_t t0_ = 0;
  std::string out_;
};

}  // namespace

int legAnsiColor(int slot) {
  return kLegColors[static_cast<std::size_t>(slot < 0 ? 0 : slot) % kLegColors.size()];
}

Result<std::string> renderLadderText(const LadderModel& model, const TextLadderOptions& options) {
  if (auto valid = validateLadder(model); !valid) return valid.error();
  return Renderer(model, options).render();
}

}  // namespace vs::render
