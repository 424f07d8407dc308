#include "proto/sip/message.h"

#include <algorithm>
#include <array>
#include <bit>
#include <charconv>
#include <cstring>
#include <functional>
#include <utility>

#include <fmt/format.h>

#include "core/scan.h"

namespace vs::proto::sip {
namespace {

constexpr std::string_view kVersion = "SIP/2.0";

bool isWs(char c) { return c == ' ' || c == '\t'; }

char lower(char c);

// What trim() takes off either end, as a table: five and a half million calls for 300 000 messages.
constexpr std::array<bool, 256> kTrimChars = [] {
  std::array<bool, 256> t{};
  for (char c : std::string_view(" \t\r\n")) t[static_cast<unsigned char>(c)] = true;
  return t;
}();

inline bool trimmed(char c) { return kTrimChars[static_cast<unsigned char>(c)]; }

// Inlined: called five and a half million times for 300 000 messages, mostly on values with nothing to
// take off, where the call cost more than the two checks.
[[gnu::always_inline]] inline std::string_view trim(std::string_view s) {
  while (!s.empty() && trimmed(s.front())) s.remove_prefix(1);
  while (!s.empty() && trimmed(s.back())) s.remove_suffix(1);
  return s;
}

// RFC 3261 token characters (method names, header names, parameter names), as a table: every header name
// of every message goes through it.
constexpr std::array<bool, 256> kTokenChars = [] {
  std::array<bool, 256> t{};
  for (int c = 'a'; c <= 'z'; ++c) t[static_cast<std::size_t>(c)] = true;
  for (int c = 'A'; c <= 'Z'; ++c) t[static_cast<std::size_t>(c)] = true;
  for (int c = '0'; c <= '9'; ++c) t[static_cast<std::size_t>(c)] = true;
  for (char c : std::string_view("-.!%*_+`'~")) t[static_cast<unsigned char>(c)] = true;
  return t;
}();

bool isTokenChar(char c) { return kTokenChars[static_cast<unsigned char>(c)]; }

}  // namespace

std::size_t tokenLength(std::string_view s) {
  const char* const p = s.data();
  const std::size_t n = s.size();
  std::size_t i = 0;
#if defined(__SSE2__)
  // Header names are letters and '-' (every header name of every message starts here; a byte loop took
  // about 50 instructions a name): sixteen bytes at a time skip those, and the byte loop below takes
  // over at the first other byte, which is usually the end (':' or a space). Letters: 'a'..'z' once bit
  // 0x20 is set, which only 'A'..'Z' and 'a'..'z' reach; bytes from 0x80 are negative in the signed
  // compares and fail.
  for (; i + 16 <= n; i += 16) {
    const __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p + i));
    const __m128i folded = _mm_or_si128(v, _mm_set1_epi8(0x20));
    const __m128i letter =
        _mm_and_si128(_mm_cmpgt_epi8(folded, _mm_set1_epi8('a' - 1)), _mm_cmplt_epi8(folded, _mm_set1_epi8('z' + 1)));
    const __m128i ok = _mm_or_si128(letter, _mm_cmpeq_epi8(v, _mm_set1_epi8('-')));
    if (const auto stop = ~static_cast<unsigned>(_mm_movemask_epi8(ok)) & 0xFFFFU; stop != 0) {
      i += static_cast<std::size_t>(__builtin_ctz(stop));
      break;
    }
  }
#endif
  while (i < n && isTokenChar(p[i])) ++i;
  return i;
}

namespace {

bool isToken(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s) {
    if (!isTokenChar(c)) return false;
  }
  return true;
}

// Where headerParam's scan stops: quotes, angle brackets and parameter separators.
[[gnu::always_inline]] inline std::size_t nextParamScanChar(std::string_view s, std::size_t i) { return findFirstOf<'"', '<', '>', ';'>(s, i); }

constexpr std::array<char, 256> kLowerTable = [] {
  std::array<char, 256> t{};
  for (std::size_t c = 0; c < 256; ++c) {
    t[c] = static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
  }
  return t;
}();

template <class T>
std::optional<T> parseNumber(std::string_view s) {
  T v{};
  if (s.empty()) return std::nullopt;
  auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || ptr != s.data() + s.size()) return std::nullopt;
  return v;
}

// One line of input: its text without the terminator, and where the next line starts.
struct Line {
  std::string_view text;
  std::size_t next = 0;
};

// Accepts CRLF and bare LF (some stacks and text logs use LF only). nullopt: no terminator yet.
std::optional<Line> lineAt(std::string_view in, std::size_t pos) {
  auto lf = findFirstOf<'\n'>(in, pos);
  if (lf >= in.size()) return std::nullopt;
  auto end = lf;
  if (end > pos && in[end - 1] == '\r') --end;
  return Line{in.substr(pos, end - pos), lf + 1};
}

std::size_t skipLeadingCrlf(std::string_view in) {
  std::size_t pos = 0;
  while (pos < in.size() && (in[pos] == '\r' || in[pos] == '\n')) ++pos;
  return pos;
}

Error errorAt(std::size_t line, std::size_t offset, std::string_view what) {
  return makeError(fmt::format("line {}: {}", line, what), offset);
}

// Joins a folded header value: every line break plus the whitespace around it becomes one space.
std::string unfold(std::string_view raw) {
  std::string out;
  out.reserve(raw.size());
  std::size_t i = 0;
  while (i < raw.size()) {
    char c = raw[i];
    if (c == '\r' || c == '\n') {
      while (!out.empty() && isWs(out.back())) out.pop_back();
      while (i < raw.size() && (raw[i] == '\r' || raw[i] == '\n' || isWs(raw[i]))) ++i;
      out.push_back(' ');
      continue;
    }
    out.push_back(c);
    ++i;
  }
  return std::string(trim(out));
}

// Index of the quote closing the quoted-string opened at `open`, or npos when it never closes; an
// unclosed quote is then treated as an ordinary character (seen in captures: a display name \"x\").
std::size_t closingQuote(std::string_view s, std::size_t open) {
  for (std::size_t i = open + 1; i < s.size(); ++i) {
    if (s[i] == '\\') ++i;
    else if (s[i] == '"') return i;
  }
  return std::string_view::npos;
}

struct CompactName {
  char letter;
  std::string_view name;
};
constexpr std::array<CompactName, 14> kCompact{{
    {'i', "Call-ID"}, {'f', "From"}, {'t', "To"}, {'v', "Via"}, {'l', "Content-Length"}, {'m', "Contact"},
    {'c', "Content-Type"}, {'k', "Supported"}, {'s', "Subject"}, {'e', "Content-Encoding"}, {'o', "Event"},
    {'r', "Refer-To"}, {'u', "Allow-Events"}, {'x', "Session-Expires"},
}};

// Parses "SIP/2.0 200 OK".
Result<StatusLine> parseStatusLine(std::string_view line, std::size_t base) {
  StatusLine st;
  if (line.size() < kVersion.size() || !iequals(line.substr(0, kVersion.size()), kVersion)) {
    return errorAt(1, base, "expected 'SIP/2.0'");
  }
  st.version = line.substr(0, kVersion.size());
  std::size_t pos = kVersion.size();
  if (pos >= line.size() || line[pos] != ' ') return errorAt(1, base + pos, "expected a space after 'SIP/2.0'");
  ++pos;
  auto code_text = line.substr(pos, 3);
  auto code = parseNumber<int>(code_text);
  if (code_text.size() != 3 || !code) return errorAt(1, base + pos, "expected a 3-digit status code");
  if (*code < 100 || *code > 699) return errorAt(1, base + pos, "status code out of range (100-699)");
  st.code = *code;
  pos += 3;
  if (pos < line.size()) {
    if (line[pos] != ' ') return errorAt(1, base + pos, "expected a space after the status code");
    st.reason = trim(line.substr(pos + 1));
  }
  return st;
}

// Parses "OPTIONS sip:bob@example.com SIP/2.0".
Result<RequestLine> parseRequestLine(std::string_view line, std::size_t base) {
  RequestLine rq;
  auto sp1 = line.find(' ');
  rq.method = line.substr(0, sp1);
  if (!isToken(rq.method)) return errorAt(1, base, "expected a method");
  if (sp1 == std::string_view::npos) return errorAt(1, base + line.size(), "expected a Request-URI");
  auto sp2 = line.find(' ', sp1 + 1);
  rq.uri = line.substr(sp1 + 1, sp2 == std::string_view::npos ? std::string_view::npos : sp2 - sp1 - 1);
  if (rq.uri.empty() || sp2 == std::string_view::npos) return errorAt(1, base + sp1 + 1, "expected a Request-URI");
  rq.version = line.substr(sp2 + 1);
  if (!iequals(rq.version, kVersion)) return errorAt(1, base + sp2 + 1, "expected 'SIP/2.0'");
  return rq;
}

}  // namespace

namespace {
char lower(char c) { return kLowerTable[static_cast<unsigned char>(c)]; }
}  // namespace

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  // Names and versions of 3 to 15 bytes: a loop that folds only bytes that differ. A first a == b (a
  // memcmp call) cost more in its call than the compare.
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (a[i] != b[i] && lower(a[i]) != lower(b[i])) return false;
  }
  return true;
}

std::string_view canonicalName(std::string_view name) {
  if (name.size() == 1) {
    char c = lower(name[0]);
    for (const auto& cn : kCompact) {
      if (cn.letter == c) return cn.name;
    }
  }
  return name;
}

namespace {
// Calls on_item(part) for each non-empty, trimmed element of a comma-separated list (commas inside quotes
// and <...> do not split), until on_item returns false.
template <class F>
void forEachListItem(std::string_view value, F&& on_item) {
  int angle = 0;
  std::size_t start = 0;
  for (std::size_t i = 0; i < value.size(); ++i) {
    char c = value[i];
    if (c == '"') {
      auto close = closingQuote(value, i);
      if (close != std::string_view::npos) i = close;
    } else if (c == '<') ++angle;
    else if (c == '>' && angle > 0) --angle;
    else if (c == ',' && angle == 0) {
      auto part = trim(value.substr(start, i - start));
      if (!part.empty() && !on_item(part)) return;
      start = i + 1;
    }
  }
  auto part = trim(value.substr(std::min(start, value.size())));
  if (!part.empty()) on_item(part);
}

// The first element of a comma-separated list (as splitList's first), without building the list.
std::string_view firstListItem(std::string_view value) {
  if (value.find(',') == std::string_view::npos) return trim(value);  // one item: nothing to split
  std::string_view first;
  forEachListItem(value, [&](std::string_view part) {
    first = part;
    return false;
  });
  return first;
}
}  // namespace

std::vector<std::string_view> splitList(std::string_view value) {
  std::vector<std::string_view> out;
  forEachListItem(value, [&](std::string_view part) {
    out.push_back(part);
    return true;
  });
  return out;
}

std::optional<std::string_view> headerParam(std::string_view value, std::string_view name) {
  int angle = 0;
  const std::size_t n = value.size();
  for (std::size_t i = nextParamScanChar(value, 0); i < n; i = nextParamScanChar(value, i + 1)) {
    char c = value[i];
    if (c == '"') {
      auto close = closingQuote(value, i);
      if (close != std::string_view::npos) i = close;
      continue;
    }
    if (c == '<') { ++angle; continue; }
    if (c == '>' && angle > 0) { --angle; continue; }
    if (c != ';' || angle != 0) continue;
    // A parameter runs to the next ';' or ',' (quoted values cannot hold the params we look up). Its name
    // (up to '=', trimmed) is compared first: the end is looked for only in the one that matches (the scan
    // for it was a quarter of this function, over every long branch and tag value).
    std::size_t at = i + 1;
    while (at < n && trimmed(value[at])) ++at;
    if (n - at < name.size() || !iequals(value.substr(at, name.size()), name)) continue;
    at += name.size();
    while (at < n && trimmed(value[at])) ++at;
    if (at == n || value[at] == ';' || value[at] == ',') return std::string_view{};
    if (value[at] != '=') continue;
    const std::size_t end = findFirstOf<';', ','>(value, at + 1);
    return trim(value.substr(at + 1, end - at - 1));
  }
  return std::nullopt;
}

Via parseVia(std::string_view via_parm) {
  Via v;
  v.value = trim(via_parm);
  std::string_view s = v.value;
  // sent-protocol is three tokens separated by '/', with optional whitespace around the slashes.
  std::size_t pos = 0;
  int slashes = 0;
  while (pos < s.size()) {
    char c = s[pos];
    if (c == '/') {
      ++slashes;
      ++pos;
      while (pos < s.size() && isWs(s[pos])) ++pos;
      continue;
    }
    if (isWs(c)) {
      auto next = pos;
      while (next < s.size() && isWs(s[next])) ++next;
      if (slashes < 2 || (next < s.size() && s[next] == '/')) {
        pos = next;
        continue;
      }
      break;
    }
    ++pos;
  }
  v.protocol = trim(s.substr(0, pos));
  auto last_slash = v.protocol.rfind('/');
  if (last_slash != std::string_view::npos) v.transport = trim(v.protocol.substr(last_slash + 1));
  auto rest = trim(s.substr(pos));
  auto semi = rest.find(';');
  v.sent_by = trim(rest.substr(0, semi));
  // IPv6 references in sent-by are bracketed, so ';' cannot appear inside sent-by itself.
  auto params = semi == std::string_view::npos ? std::string_view{} : rest.substr(semi);
  while (!params.empty()) {
    params.remove_prefix(1);  // ';'
    auto next = params.find(';');
    auto param = params.substr(0, next);
    params = next == std::string_view::npos ? std::string_view{} : params.substr(next);
    auto eq = param.find('=');
    auto pname = trim(param.substr(0, eq));
    auto pval = eq == std::string_view::npos ? std::string_view{} : trim(param.substr(eq + 1));
    if (iequals(pname, "branch")) v.branch = pval;
    else if (iequals(pname, "received")) v.received = pval;
    else if (iequals(pname, "rport")) {
      v.has_rport = true;
      v.rport = pval;
    }
  }
  return v;
}

namespace {
// A header name of letters and '-', folded for a case-insensitive compare a machine word at a time: at a
// letter's place the byte must match with bit 0x20 set (only 'A'-'Z' and 'a'-'z' give 'a'-'z' that way),
// at a '-' exactly. A byte-by-byte iequals() per candidate name was a twentieth of the parse.
struct FoldedName {
  std::array<std::uint64_t, 3> want{}, mask{};
};

constexpr unsigned byteShift(std::size_t i) {  // where memcpy puts byte i of 8 in a word
  return std::endian::native == std::endian::little ? static_cast<unsigned>(8 * (i % 8))
                                                     : static_cast<unsigned>(56 - 8 * (i % 8));
}

constexpr FoldedName foldName(std::string_view s) {
  FoldedName f;
  for (std::size_t i = 0; i < s.size(); ++i) {
    const bool letter = (s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' && s[i] <= 'Z');
    const auto c = static_cast<unsigned char>(letter ? (s[i] | 0x20) : s[i]);
    f.want[i / 8] |= std::uint64_t{c} << byteShift(i);
    if (letter) f.mask[i / 8] |= std::uint64_t{0x20} << byteShift(i);
  }
  return f;
}

// `p` holds N bytes, N the length of f's name: each case of headerId's switch on the length knows it, so
// the loads are a word or two of constant size.
template <std::size_t N>
bool matchesFolded(const char* p, const FoldedName& f) {
  for (std::size_t w = 0; w < N / 8; ++w) {
    std::uint64_t v = 0;
    std::memcpy(&v, p + w * 8, 8);
    if ((v | f.mask[w]) != f.want[w]) return false;
  }
  if constexpr (N % 8 != 0) {
    std::uint64_t v = 0;
    std::memcpy(&v, p + N / 8 * 8, N % 8);
    return (v | f.mask[N / 8]) == f.want[N / 8];
  }
  return true;
}

constexpr FoldedName kTo = foldName("to"), kVia = foldName("via"), kFrom = foldName("from"),
                     kCSeq = foldName("cseq"), kRSeq = foldName("rseq"), kRAck = foldName("rack"),
                     kCallIdName = foldName("call-id"), kContact = foldName("contact"),
                     kSessionId = foldName("session-id"), kContentType = foldName("content-type"),
                     kContentLength = foldName("content-length"), kPChargingVector = foldName("p-charging-vector"),
                     kReason = foldName("reason");
}  // namespace

HeaderId headerId(std::string_view n) {
  // Most names are not wanted: the length rules nearly all of them out, a word compare the rest.
  const char* p = n.data();
  switch (n.size()) {
    case 2: return matchesFolded<2>(p, kTo) ? HeaderId::kTo : HeaderId::kOther;
    case 3: return matchesFolded<3>(p, kVia) ? HeaderId::kVia : HeaderId::kOther;
    case 4:
      if (matchesFolded<4>(p, kFrom)) return HeaderId::kFrom;
      if (matchesFolded<4>(p, kCSeq)) return HeaderId::kCSeq;
      if (matchesFolded<4>(p, kRSeq)) return HeaderId::kRSeq;
      if (matchesFolded<4>(p, kRAck)) return HeaderId::kRAck;
      return HeaderId::kOther;
    case 6: return matchesFolded<6>(p, kReason) ? HeaderId::kReason : HeaderId::kOther;
    case 7:
      if (matchesFolded<7>(p, kCallIdName)) return HeaderId::kCallId;
      if (matchesFolded<7>(p, kContact)) return HeaderId::kContact;
      return HeaderId::kOther;
    case 10: return matchesFolded<10>(p, kSessionId) ? HeaderId::kSessionId : HeaderId::kOther;
    case 12: return matchesFolded<12>(p, kContentType) ? HeaderId::kContentType : HeaderId::kOther;
    case 14: return matchesFolded<14>(p, kContentLength) ? HeaderId::kContentLength : HeaderId::kOther;
    case 17: return matchesFolded<17>(p, kPChargingVector) ? HeaderId::kPChargingVector : HeaderId::kOther;
    default: return HeaderId::kOther;
  }
}

std::optional<std::string_view> Message::header(std::string_view name) const {
  auto want = canonicalName(name);
  if (auto id = headerId(want); id != HeaderId::kOther) return header(id);
  for (const auto& h : headers_) {
    if (iequals(h.name, want)) return h.value;
  }
  return std::nullopt;
}

std::vector<std::string_view> Message::headers(std::string_view name) const {
  auto want = canonicalName(name);
  std::vector<std::string_view> out;
  for (const auto& h : headers_) {
    if (iequals(h.name, want)) out.push_back(h.value);
  }
  return out;
}

std::string_view Message::callId() const { return header(HeaderId::kCallId).value_or(std::string_view{}); }

std::optional<CSeq> Message::cseq() const {
  if (prepared_) return cseq_;
  auto v = header(HeaderId::kCSeq);
  if (!v) return std::nullopt;
  auto s = trim(*v);
  std::size_t i = 0;
  while (i < s.size() && !isWs(s[i])) ++i;
  auto num = parseNumber<std::uint32_t>(s.substr(0, i));
  auto method = trim(s.substr(i));
  if (!num || !isToken(method)) return std::nullopt;
  return CSeq{*num, method};
}

std::vector<Via> Message::vias() const {
  std::vector<Via> out;
  for (const auto& h : headers_) {
    if (!iequals(h.name, "Via")) continue;
    for (auto parm : splitList(h.value)) out.push_back(parseVia(parm));
  }
  return out;
}

std::optional<Via> Message::topVia() const {
  auto v = header(HeaderId::kVia);
  if (!v) return std::nullopt;
  auto first = firstListItem(*v);
  if (first.empty()) return std::nullopt;
  return parseVia(first);
}

std::string_view Message::topViaBranch() const {
  if (prepared_) return top_branch_;
  auto v = header(HeaderId::kVia);
  if (!v) return {};
  // sent-protocol and sent-by hold no ';', '"' or '<', so the first parameter separator headerParam finds
  // is the first via-param's. The whole parseVia() was 4 % of a capture analysis, for this one field.
  return headerParam(firstListItem(*v), "branch").value_or(std::string_view{});
}

std::string_view Message::fromTag() const {
  if (prepared_) return from_tag_;
  auto v = header(HeaderId::kFrom);
  return v ? headerParam(*v, "tag").value_or(std::string_view{}) : std::string_view{};
}

std::string_view Message::toTag() const {
  if (prepared_) return to_tag_;
  auto v = header(HeaderId::kTo);
  return v ? headerParam(*v, "tag").value_or(std::string_view{}) : std::string_view{};
}

constexpr std::size_t kTypicalHeaders = 24;

Result<Message> parseMessage(std::string_view in, bool datagram, bool lenient_length) {
  Message m;
  auto r = parseMessageInto(m, in, datagram, lenient_length);
  if (!r) return r.error();
  return m;
}

Result<Ok> parseMessageInto(Message& m, std::string_view in, bool datagram, bool lenient_length) {
  if (in.size() > kMaxMessageBytes) {
    return makeError(fmt::format("message larger than {} bytes", kMaxMessageBytes), kMaxMessageBytes);
  }
  m.is_request_ = false;
  m.request_ = {};
  m.status_ = {};
  m.start_line_ = {};
  m.headers_.clear();
  m.first_ = {};
  m.body_ = {};
  m.raw_ = {};
  m.consumed_ = 0;
  m.length_problem_ = {};
  m.folded_.clear();
  m.prepared_ = false;
  std::size_t begin = skipLeadingCrlf(in);
  if (begin == in.size()) return makeError("empty message", begin);

  auto first = lineAt(in, begin);
  if (!first) return errorAt(1, in.size(), "incomplete start line");
  m.start_line_ = first->text;
  if (first->text.size() >= 4 && iequals(first->text.substr(0, 4), "SIP/")) {
    auto st = parseStatusLine(first->text, begin);
    if (!st) return st.error();
    m.is_request_ = false;
    m.status_ = st.value();
  } else {
    auto rq = parseRequestLine(first->text, begin);
    if (!rq) return rq.error();
    m.is_request_ = true;
    m.request_ = rq.value();
  }

  if (m.headers_.capacity() < kTypicalHeaders) m.headers_.reserve(kTypicalHeaders);  // one allocation, not five
  // Offsets of folded values, joined once the header section is known to be complete.
  std::vector<std::size_t> folded_index;
  std::size_t pos = first->next;
  std::size_t line_no = 1;
  std::size_t value_begin = 0;  // offset of the current header's value in `in`
  bool ended = false;
  // Lines are cut here rather than through lineAt(): this loop runs for every header of every message,
  // and the call, the optional it returns and the checked substr()s were a sixth of the parse (callgrind,
  // signalling bench file: 889 M -> 749 M instructions).
  const char* const data = in.data();
  while (pos <= in.size()) {
    const std::size_t lf = findFirstOf<'\n'>(in, pos);
    ++line_no;
    if (lf >= in.size()) break;
    const std::size_t next = lf + 1;
    const std::size_t len = lf - pos - (lf > pos && data[lf - 1] == '\r' ? 1 : 0);  // without CRLF or LF
    const char* const p = data + pos;
    if (len == 0) {
      pos = next;
      ended = true;
      break;
    }
    if (isWs(p[0])) {
      if (m.headers_.empty()) return errorAt(line_no, pos, "continuation line without a header");
      auto& h = m.headers_.back();
      h.value = std::string_view(data + value_begin, pos + len - value_begin);
      if (folded_index.empty() || folded_index.back() != m.headers_.size() - 1) {
        folded_index.push_back(m.headers_.size() - 1);
      }
      pos = next;
      continue;
    }
    // One pass: the name's token characters, optional whitespace, the colon.
    const std::size_t name_end = tokenLength(std::string_view(p, len));
    std::size_t colon = name_end;
    while (colon < len && (isWs(p[colon]) || p[colon] == '\r')) ++colon;
    if (colon >= len || p[colon] != ':' || name_end == 0) {
      if (std::string_view(p, len).find(':') == std::string_view::npos) {
        return errorAt(line_no, pos, "expected ':' in header");
      }
      return errorAt(line_no, pos, "invalid header name");
    }
    if (m.headers_.size() == kMaxHeaders) {
      return errorAt(line_no, pos, fmt::format("more than {} headers", kMaxHeaders));
    }
    std::size_t v = colon + 1;
    while (v < len && isWs(p[v])) ++v;
    value_begin = pos + v;
    // The value trimmed of spaces, tabs, CRs and LFs at both ends (trim()).
    while (v < len && trimmed(p[v])) ++v;
    std::size_t v_end = len;
    while (v_end > v && trimmed(p[v_end - 1])) --v_end;
    const std::string_view name(p, name_end);
    const auto canonical = name_end == 1 ? canonicalName(name) : name;
    if (auto id = static_cast<std::size_t>(headerId(canonical)); id != 0 && m.first_[id] == 0) {
      m.first_[id] = static_cast<std::uint16_t>(m.headers_.size() + 1);
    }
    m.headers_.push_back(Header{canonical, std::string_view(p + v, v_end - v)});
    pos = next;
  }
  if (!ended) return errorAt(line_no, in.size(), "incomplete header section (no empty line)");

  for (auto idx : folded_index) {
    auto joined = std::make_shared<const std::string>(unfold(m.headers_[idx].value));
    m.headers_[idx].value = *joined;
    m.folded_.push_back(std::move(joined));
  }

  std::size_t available = in.size() - pos;
  std::size_t body_len = datagram ? available : 0;
  if (auto cl = m.header(HeaderId::kContentLength)) {
    auto n = parseNumber<std::size_t>(trim(*cl));
    if (!n && lenient_length && datagram) {
      m.length_problem_ = "Content-Length is not a number";
    } else if (!n) {
      // A folded value lives in our own storage and has no offset in the input.
      bool inside = std::less_equal<>()(in.data(), cl->data()) && std::less<>()(cl->data(), in.data() + in.size());
      auto off = inside ? static_cast<std::size_t>(cl->data() - in.data()) : 0;
      return makeError(fmt::format("Content-Length: not a number: '{}'", *cl), off);
    } else if (*n > available && lenient_length && datagram) {
      m.length_problem_ = "Content-Length exceeds the datagram";
    } else if (*n > available) {
      return makeError(fmt::format("Content-Length {} exceeds the {} bytes available", *n, available), in.size());
    } else {
      body_len = *n;
    }
  }
  m.body_ = in.substr(pos, body_len);
  m.raw_ = in.substr(begin, pos + body_len - begin);
  m.consumed_ = pos + body_len;
  return Ok{};
}

Result<Message> parseMessage(std::span<const std::byte> bytes, bool datagram, bool lenient_length) {
  return parseMessage(std::string_view(reinterpret_cast<const char*>(bytes.data()), bytes.size()), datagram,
                      lenient_length);
}

void Message::prepare() {
  prepared_ = false;
  from_tag_ = fromTag();
  to_tag_ = toTag();
  top_branch_ = topViaBranch();
  cseq_ = cseq();
  prepared_ = true;
}

void Message::rebase(const char* from, std::size_t size, const char* to) {
  const auto lo = reinterpret_cast<std::uintptr_t>(from);
  auto fix = [&](std::string_view& v) {
    const auto at = reinterpret_cast<std::uintptr_t>(v.data());
    if (at >= lo && at <= lo + size) v = std::string_view(to + (at - lo), v.size());  // <=: empty views at the end
  };
  fix(request_.method);
  fix(request_.uri);
  fix(request_.version);
  fix(status_.version);
  fix(status_.reason);
  fix(start_line_);
  for (auto& h : headers_) {
    fix(h.name);
    fix(h.value);
  }
  fix(body_);
  fix(raw_);
  fix(length_problem_);
  fix(from_tag_);
  fix(to_tag_);
  fix(top_branch_);
  if (cseq_) fix(cseq_->method);
}

bool probe(std::string_view bytes) {
  auto begin = skipLeadingCrlf(bytes);
  auto rest = bytes.substr(begin);
  if (rest.size() >= 8 && iequals(rest.substr(0, 8), "SIP/2.0 ")) return true;
  auto line = rest.substr(0, findFirstOf<'\r', '\n'>(rest, 0));
  auto sp = line.find(' ');
  if (sp == std::string_view::npos || !isToken(line.substr(0, sp))) return false;
  return line.size() >= kVersion.size() + 1 && iequals(line.substr(line.size() - kVersion.size()), kVersion);
}

StreamFrame frameStream(std::string_view buffer) {
  StreamFrame f;
  f.skip = skipLeadingCrlf(buffer);
  auto in = buffer.substr(f.skip);
  if (in.empty()) return f;

  std::optional<std::size_t> content_length;
  std::size_t pos = 0;
  std::size_t line_no = 0;
  bool ended = false;
  while (true) {
    auto line = lineAt(in, pos);
    ++line_no;
    if (!line) break;
    pos = line->next;
    if (line->text.empty()) {
      ended = true;
      break;
    }
    if (line_no == 1 || isWs(line->text.front())) continue;
    auto colon = line->text.find(':');
    if (colon == std::string_view::npos) continue;  // parseMessage reports it with context
    if (iequals(canonicalName(trim(line->text.substr(0, colon))), "Content-Length")) {
      auto value = trim(line->text.substr(colon + 1));
      auto n = parseNumber<std::size_t>(value);
      if (!n) {
        f.status = StreamFrame::Status::kError;
        f.error = makeError(fmt::format("line {}: Content-Length: not a number: '{}'", line_no, value), f.skip + pos);
        return f;
      }
      content_length = *n;
    }
  }
  if (!ended) {
    if (in.size() > kMaxMessageBytes) {
      f.status = StreamFrame::Status::kError;
      f.error = makeError(fmt::format("no end of headers within {} bytes", kMaxMessageBytes), f.skip + in.size());
    }
    return f;
  }
  std::size_t cl = content_length.value_or(0);
  if (cl > kMaxMessageBytes || pos + cl > kMaxMessageBytes) {
    f.status = StreamFrame::Status::kError;
    f.error = makeError(fmt::format("message of {} bytes exceeds the {}-byte limit", pos + cl, kMaxMessageBytes),
                        f.skip);
    return f;
  }
  f.length = pos + cl;  // known now, though not all here yet: lets a reader refuse a message too large early
  if (in.size() < pos + cl) return f;
  f.status = StreamFrame::Status::kMessage;
  f.length = pos + cl;
  return f;
}

}  // namespace vs::proto::sip
