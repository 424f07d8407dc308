#include "proto/sdp/sdp.h"

#include <charconv>

#include <fmt/format.h>

#include "core/scan.h"

namespace vs::proto::sdp {
namespace {

template <class T>
std::optional<T> num(std::string_view s) {
  T v{};
  if (s.empty()) return std::nullopt;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || p != s.data() + s.size()) return std::nullopt;
  return v;
}

// Splits on single spaces (SDP fields are separated by exactly one space; extra spaces are tolerated).
// Into `out` (cleared first), so one vector serves every line of a body.
void fields(std::string_view s, std::size_t max, std::vector<std::string_view>& out) {
  out.clear();
  std::size_t at = 0;
  while (at < s.size() && out.size() < max) {
    const std::size_t sp = findFirstOf<' '>(s, at);
    if (sp > at) out.emplace_back(s.data() + at, sp - at);
    at = sp + 1;
  }
}

// "IN IP4 192.0.2.1/127" -> "192.0.2.1" (multicast TTL dropped).
std::string_view connectionAddress(std::string_view value, std::vector<std::string_view>& f) {
  fields(value, 4, f);
  if (f.size() < 3) return {};
  auto a = f[2];
  return a.substr(0, a.find('/'));
}

std::optional<Direction> directionAttr(std::string_view a) {
  if (a == "sendrecv") return Direction::kSendRecv;
  if (a == "sendonly") return Direction::kSendOnly;
  if (a == "recvonly") return Direction::kRecvOnly;
  if (a == "inactive") return Direction::kInactive;
  return std::nullopt;
}

}  // namespace

std::string_view directionName(Direction d) {
  switch (d) {
    case Direction::kSendOnly: return "sendonly";
    case Direction::kRecvOnly: return "recvonly";
    case Direction::kInactive: return "inactive";
    case Direction::kSendRecv: break;
  }
  return "sendrecv";
}

std::uint32_t staticClockRate(int pt) {
  switch (pt) {
    case 0: case 3: case 4: case 5: case 7: case 8: case 9: case 12: case 13: case 15: case 18: return 8000;
    case 6: return 16000;
    case 10: case 11: return 44100;
    case 14: case 25: case 26: case 28: case 31: case 32: case 33: case 34: return 90000;
    case 16: return 11025;
    case 17: return 22050;
    default: return 0;
  }
}

std::string_view staticEncoding(int pt) {
  switch (pt) {
    case 0: return "PCMU";
    case 3: return "GSM";
    case 4: return "G723";
    case 8: return "PCMA";
    case 9: return "G722";
    case 13: return "CN";
    case 18: return "G729";
    default: return {};
  }
}

std::uint32_t Media::clockRate(int pt) const {
  for (const auto& r : rtpmaps) {
    if (r.payload_type == pt) return r.clock_rate;
  }
  return staticClockRate(pt);
}

std::string_view Session::mediaAddress(std::size_t i) const {
  if (i < media.size() && !media[i].connection.empty()) return media[i].connection;
  return connection;
}

Result<Session> parse(std::string_view body) {
  Session s;
  if (auto r = parseInto(s, body); !r) return r.error();
  return s;
}

Result<Ok> parseInto(Session& s, std::string_view body) {
  // Every field back to its default, the lists keeping their storage.
  auto media = std::move(s.media);
  s = Session{};
  s.media = std::move(media);
  std::size_t used = 0;  // media of this body: s.media[0, used); those after it are left over from before
  auto fail = [&](std::string message, std::size_t offset) -> Result<Ok> {
    s.media.resize(used);
    return makeError(std::move(message), offset);
  };
  // The fields of one line at a time: one vector per thread, not an allocation per body.
  thread_local std::vector<std::string_view> f;
  std::size_t pos = 0;
  std::size_t line_no = 0;
  bool in_media = false;
  while (pos < body.size()) {
    const std::size_t eol = findFirstOf<'\n'>(body, pos);
    std::string_view line(body.data() + pos, eol - pos);
    auto line_pos = pos;
    pos = eol == body.size() ? body.size() : eol + 1;
    ++line_no;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.empty()) continue;
    if (line.size() < 2 || line[1] != '=') {
      return fail(fmt::format("SDP line {}: expected '<type>='", line_no), line_pos);
    }
    char type = line[0];
    auto value = line.substr(2);
    switch (type) {
      case 'o': {
        fields(value, 6, f);
        if (f.size() < 6) return fail(fmt::format("SDP line {}: o= needs 6 fields", line_no), line_pos);
        s.origin = Origin{f[0], f[1], f[2], f[3], f[4], f[5]};
        break;
      }
      case 'c':
        if (in_media) s.media[used - 1].connection = connectionAddress(value, f);
        else s.connection = connectionAddress(value, f);
        break;
      case 'm': {
        fields(value, 3 + kMaxFormats, f);
        if (f.size() < 3) return fail(fmt::format("SDP line {}: m= needs media, port and protocol", line_no), line_pos);
        if (used == kMaxMedia) return fail(fmt::format("SDP: more than {} media", kMaxMedia), line_pos);
        auto slash = f[1].find('/');
        auto port = num<std::uint16_t>(f[1].substr(0, slash));
        if (!port) return fail(fmt::format("SDP line {}: bad port '{}'", line_no, f[1]), line_pos);
        if (used == s.media.size()) s.media.emplace_back();
        Media& m = s.media[used++];
        auto formats = std::move(m.formats);
        auto rtpmaps = std::move(m.rtpmaps);
        m = Media{};
        m.formats = std::move(formats);
        m.rtpmaps = std::move(rtpmaps);
        m.rtpmaps.clear();
        m.media = f[0];
        m.port = *port;
        if (slash != std::string_view::npos) m.port_count = num<std::uint16_t>(f[1].substr(slash + 1)).value_or(1);
        m.protocol = f[2];
        m.formats.assign(f.begin() + 3, f.end());
        m.direction = s.direction;
        in_media = true;
        break;
      }
      case 'a': {
        auto colon = value.find(':');
        auto name = value.substr(0, colon);
        auto arg = colon == std::string_view::npos ? std::string_view{} : value.substr(colon + 1);
        if (auto d = directionAttr(name)) {
          if (in_media) s.media[used - 1].direction = *d;
          else s.direction = *d;
        } else if (name == "rtpmap" && in_media) {
          // a=rtpmap:<pt> <encoding>/<clock>[/<channels>]
          auto sp = arg.find(' ');
          auto pt = num<int>(arg.substr(0, sp));
          if (!pt || sp == std::string_view::npos) break;  // tolerate: the payload just stays unnamed
          auto enc = arg.substr(sp + 1);
          RtpMap r;
          r.payload_type = *pt;
          auto s1 = enc.find('/');
          r.encoding = enc.substr(0, s1);
          if (s1 != std::string_view::npos) {
            auto rest = enc.substr(s1 + 1);
            auto s2 = rest.find('/');
            r.clock_rate = num<std::uint32_t>(rest.substr(0, s2)).value_or(0);
            if (s2 != std::string_view::npos) r.channels = rest.substr(s2 + 1);
          }
          if (s.media[used - 1].rtpmaps.size() < kMaxFormats) s.media[used - 1].rtpmaps.push_back(r);
        } else if (name == "rtcp" && in_media) {
          s.media[used - 1].rtcp_port = num<std::uint16_t>(arg.substr(0, arg.find(' ')));
        }
        break;
      }
      default:
        break;
    }
  }
  s.media.resize(used);
  return Ok{};
}

}  // namespace vs::proto::sdp
