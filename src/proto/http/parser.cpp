#include "proto/http/parser.h"

#include <algorithm>
#include <charconv>
#include <cstdint>

namespace vs::proto::http {
namespace {

constexpr std::size_t kMaxDecimalDigits = 19;  // fits std::uint64_t
constexpr std::size_t kMaxHexDigits = 15;      // 60 bits: no overflow when added to offsets

char lowerAscii(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

bool isTchar(char c) {
  if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) return true;
  switch (c) {
    case '!': case '#': case '$': case '%': case '&': case '\'': case '*': case '+': case '-': case '.':
    case '^': case '_': case '`': case '|': case '~':
      return true;
    default:
      return false;
  }
}

bool isDigit(char c) { return c >= '0' && c <= '9'; }
bool isVisible(char c) { return c > 0x20 && c < 0x7f; }
bool isObsText(char c) { return static_cast<unsigned char>(c) >= 0x80; }
bool isFieldChar(char c) { return isVisible(c) || isObsText(c) || c == ' ' || c == '\t'; }
bool isOws(char c) { return c == ' ' || c == '\t'; }

int hexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::string_view trimOws(std::string_view s) {
  while (!s.empty() && isOws(s.front())) s.remove_prefix(1);
  while (!s.empty() && isOws(s.back())) s.remove_suffix(1);
  return s;
}

// Shared outcome pieces so the head parser can be used for requests and responses.
struct Failure {
  std::string message;
  std::size_t offset = 0;
  ErrorKind kind = ErrorKind::kMalformed;
};

template <class M>
ParseOutcome<M> fail(Failure f) {
  ParseOutcome<M> out;
  out.state = ParseState::kError;
  out.error = makeError(std::move(f.message), f.offset);
  out.error_kind = f.kind;
  return out;
}

enum class Step { kOk, kNeedMore, kFail };

// Finds the end of the line that starts at `pos`. Lines end in CRLF; a bare LF is an error because
// parsers that disagree on line ends are how requests get smuggled.
Step findLine(std::string_view buf, std::size_t pos, std::size_t& line_end, Failure& failure) {
  auto lf = buf.find('\n', pos);
  if (lf == std::string_view::npos) return Step::kNeedMore;
  if (lf == pos || buf[lf - 1] != '\r') {
    failure = {"line ends in a bare LF", lf, ErrorKind::kMalformed};
    return Step::kFail;
  }
  line_end = lf - 1;  // index of the CR
  return Step::kOk;
}

Step parseVersion(std::string_view v, std::size_t offset, int& minor, Failure& failure) {
  if (v.size() != 8 || v.substr(0, 5) != "HTTP/" || !isDigit(v[5]) || v[6] != '.' || !isDigit(v[7])) {
    failure = {"invalid HTTP version '" + std::string(v.substr(0, 16)) + "'", offset, ErrorKind::kMalformed};
    return Step::kFail;
  }
  if (v[5] != '1') {
    failure = {"unsupported HTTP version '" + std::string(v) + "'", offset, ErrorKind::kUnsupported};
    return Step::kFail;
  }
  minor = v[7] - '0';
  return Step::kOk;
}

// A request line not yet complete can still be rejected early (a TLS hello sent to a plain port, a
// binary probe): every byte before the first space must be part of a method token.
Step checkPartialRequestLine(std::string_view buf, Failure& failure) {
  for (std::size_t i = 0; i < buf.size(); ++i) {
    char c = buf[i];
    if (c == ' ') {
      if (i == 0) break;
      return Step::kOk;
    }
    if (c == '\r') return Step::kOk;  // the line check reports what is wrong
    if (!isTchar(c)) {
      failure = {"invalid character in request method", i, ErrorKind::kMalformed};
      return Step::kFail;
    }
  }
  if (!buf.empty() && buf[0] == ' ') {
    failure = {"request line starts with white space", 0, ErrorKind::kMalformed};
    return Step::kFail;
  }
  return Step::kOk;
}

Step parseRequestLine(std::string_view line, Request& req, Failure& failure) {
  auto sp1 = line.find(' ');
  if (sp1 == std::string_view::npos || sp1 == 0) {
    failure = {"malformed request line", 0, ErrorKind::kMalformed};
    return Step::kFail;
  }
  for (std::size_t i = 0; i < sp1; ++i) {
    if (!isTchar(line[i])) {
      failure = {"invalid character in request method", i, ErrorKind::kMalformed};
      return Step::kFail;
    }
  }
  auto sp2 = line.find(' ', sp1 + 1);
  if (sp2 == std::string_view::npos || sp2 == sp1 + 1) {
    failure = {"malformed request line", sp1 + 1, ErrorKind::kMalformed};
    return Step::kFail;
  }
  for (std::size_t i = sp1 + 1; i < sp2; ++i) {
    if (!isVisible(line[i])) {
      failure = {"invalid character in request target", i, ErrorKind::kMalformed};
      return Step::kFail;
    }
  }
  req.method = line.substr(0, sp1);
  req.target = line.substr(sp1 + 1, sp2 - sp1 - 1);
  return parseVersion(line.substr(sp2 + 1), sp2 + 1, req.version_minor, failure);
}

Step parseStatusLine(std::string_view line, Response& resp, Failure& failure) {
  auto sp1 = line.find(' ');
  if (sp1 == std::string_view::npos) {
    failure = {"malformed status line", 0, ErrorKind::kMalformed};
    return Step::kFail;
  }
  if (parseVersion(line.substr(0, sp1), 0, resp.version_minor, failure) != Step::kOk) return Step::kFail;
  std::string_view rest = line.substr(sp1 + 1);
  if (rest.size() < 3 || !isDigit(rest[0]) || !isDigit(rest[1]) || !isDigit(rest[2]) ||
      (rest.size() > 3 && rest[3] != ' ')) {
    failure = {"invalid status code", sp1 + 1, ErrorKind::kMalformed};
    return Step::kFail;
  }
  resp.status = (rest[0] - '0') * 100 + (rest[1] - '0') * 10 + (rest[2] - '0');
  if (resp.status < 100) {
    failure = {"invalid status code", sp1 + 1, ErrorKind::kMalformed};
    return Step::kFail;
  }
  resp.reason = rest.size() > 4 ? rest.substr(4) : std::string_view();
  for (std::size_t i = 0; i < resp.reason.size(); ++i) {
    if (!isFieldChar(resp.reason[i])) {
      failure = {"invalid character in reason phrase", sp1 + 5 + i, ErrorKind::kMalformed};
      return Step::kFail;
    }
  }
  return Step::kOk;
}

Step parseFieldLine(std::string_view line, std::size_t offset, HeaderField& field, Failure& failure) {
  if (isOws(line.front())) {
    failure = {"obsolete line folding is not accepted", offset, ErrorKind::kMalformed};
    return Step::kFail;
  }
  auto colon = line.find(':');
  if (colon == std::string_view::npos || colon == 0) {
    failure = {"header line without a name and ':'", offset, ErrorKind::kMalformed};
    return Step::kFail;
  }
  for (std::size_t i = 0; i < colon; ++i) {
    if (!isTchar(line[i])) {
      failure = {"invalid character in header name", offset + i, ErrorKind::kMalformed};
      return Step::kFail;
    }
  }
  for (std::size_t i = colon + 1; i < line.size(); ++i) {
    if (!isFieldChar(line[i])) {
      failure = {"invalid character in header value", offset + i, ErrorKind::kMalformed};
      return Step::kFail;
    }
  }
  field.name = line.substr(0, colon);
  field.value = trimOws(line.substr(colon + 1));
  return Step::kOk;
}

// Header lines from `pos` up to and including the blank line; `end` is the offset after it.
Step parseFieldLines(std::string_view buf, std::size_t pos, std::size_t limit_end, std::size_t max_count,
                     std::vector<HeaderField>* fields, std::size_t& end, Failure& failure) {
  std::size_t count = 0;
  while (true) {
    std::size_t line_end = 0;
    Step s = findLine(buf, pos, line_end, failure);
    if (s == Step::kFail) return s;
    if (s == Step::kNeedMore) {
      if (buf.size() >= limit_end) {
        failure = {"header section larger than the limit", limit_end, ErrorKind::kHeaderTooLarge};
        return Step::kFail;
      }
      return s;
    }
    if (line_end + 2 > limit_end) {
      failure = {"header section larger than the limit", limit_end, ErrorKind::kHeaderTooLarge};
      return Step::kFail;
    }
    if (line_end == pos) {
      end = pos + 2;
      return Step::kOk;
    }
    if (++count > max_count) {
      failure = {"more header fields than the limit", pos, ErrorKind::kHeaderTooLarge};
      return Step::kFail;
    }
    HeaderField field;
    if (parseFieldLine(buf.substr(pos, line_end - pos), pos, field, failure) != Step::kOk) return Step::kFail;
    if (fields) fields->push_back(field);
    pos = line_end + 2;
  }
}

// Start line + headers, common to requests and responses.
template <class M, class StartLineFn>
Step parseHead(std::string_view buf, const ParseLimits& limits, M& msg, StartLineFn start_line,
               Failure& failure) {
  std::size_t line_end = 0;
  Step s = findLine(buf, 0, line_end, failure);
  if (s == Step::kFail) return s;
  if (s == Step::kNeedMore) {
    std::size_t limit = std::min(limits.max_start_line_bytes, limits.max_header_bytes);
    if (buf.size() >= limit) {
      failure = {"start line longer than the limit", limit, ErrorKind::kHeaderTooLarge};
      return Step::kFail;
    }
    return s;
  }
  if (line_end > limits.max_start_line_bytes) {
    failure = {"start line longer than the limit", limits.max_start_line_bytes, ErrorKind::kHeaderTooLarge};
    return Step::kFail;
  }
  if (start_line(buf.substr(0, line_end), msg, failure) != Step::kOk) return Step::kFail;
  std::size_t end = 0;
  s = parseFieldLines(buf, line_end + 2, limits.max_header_bytes, limits.max_header_count, &msg.headers.fields,
                      end, failure);
  if (s != Step::kOk) return s;
  msg.header_bytes = end;
  return Step::kOk;
}

// Content-Length: every field and every list element must be the same run of digits.
Step contentLength(const Headers& headers, std::string_view buf, std::optional<std::uint64_t>& out,
                   Failure& failure) {
  for (const auto& f : headers.fields) {
    if (!equalsIgnoreCase(f.name, "content-length")) continue;
    auto offset = static_cast<std::size_t>(f.value.data() - buf.data());
    std::string_view rest = f.value;
    do {
      auto comma = rest.find(',');
      std::string_view item = trimOws(rest.substr(0, comma));
      rest = comma == std::string_view::npos ? std::string_view() : rest.substr(comma + 1);
      if (item.empty()) {
        failure = {"empty Content-Length", offset, ErrorKind::kMalformed};
        return Step::kFail;
      }
      for (char c : item) {
        if (!isDigit(c)) {
          failure = {"Content-Length is not a decimal number: '" + std::string(f.value.substr(0, 32)) + "'",
                     offset, ErrorKind::kMalformed};
          return Step::kFail;
        }
      }
      std::uint64_t v = 0;
      auto [p, ec] = std::from_chars(item.data(), item.data() + item.size(), v);
      if (ec != std::errc() || item.size() > kMaxDecimalDigits) {
        failure = {"Content-Length out of range", offset, ErrorKind::kMalformed};
        return Step::kFail;
      }
      if (out && *out != v) {
        failure = {"conflicting Content-Length values", offset, ErrorKind::kMalformed};
        return Step::kFail;
      }
      out = v;
    } while (!rest.empty());
  }
  return Step::kOk;
}

// Walks the chunked body starting at `pos`. With `out` null it only checks framing and measures, so the
// need-more path does not copy; the second pass with `out` set assembles the body.
Step walkChunks(std::string_view buf, std::size_t pos, const ParseLimits& limits, std::string* out,
                std::size_t& total, std::size_t& end, Failure& failure) {
  total = 0;
  while (true) {
    std::size_t line_end = 0;
    Step s = findLine(buf, pos, line_end, failure);
    if (s == Step::kFail) return s;
    if (s == Step::kNeedMore) {
      if (buf.size() - pos > limits.max_chunk_line_bytes) {
        failure = {"chunk size line longer than the limit", pos, ErrorKind::kMalformed};
        return Step::kFail;
      }
      return s;
    }
    if (line_end - pos > limits.max_chunk_line_bytes) {
      failure = {"chunk size line longer than the limit", pos, ErrorKind::kMalformed};
      return Step::kFail;
    }
    std::string_view line = buf.substr(pos, line_end - pos);
    std::size_t digits = 0;
    std::uint64_t size = 0;
    while (digits < line.size() && hexValue(line[digits]) >= 0) {
      size = size * 16 + static_cast<std::uint64_t>(hexValue(line[digits]));
      if (++digits > kMaxHexDigits) {
        failure = {"chunk size too large", pos, ErrorKind::kMalformed};
        return Step::kFail;
      }
    }
    if (digits == 0) {
      failure = {"invalid chunk size", pos, ErrorKind::kMalformed};
      return Step::kFail;
    }
    std::string_view ext = trimOws(line.substr(digits));
    if (!ext.empty() && ext.front() != ';') {
      failure = {"invalid chunk size", pos + digits, ErrorKind::kMalformed};
      return Step::kFail;
    }
    for (std::size_t i = 0; i < ext.size(); ++i) {
      if (!isFieldChar(ext[i])) {
        failure = {"invalid character in chunk extension", pos + digits, ErrorKind::kMalformed};
        return Step::kFail;
      }
    }
    if (size > limits.max_body_bytes || total + size > limits.max_body_bytes) {
      failure = {"chunked body larger than the limit", pos, ErrorKind::kBodyTooLarge};
      return Step::kFail;
    }
    std::size_t data = line_end + 2;
    if (size == 0) {
      // Trailer fields are checked like headers and then dropped: nothing here needs them.
      std::size_t trailer_limit = data + limits.max_header_bytes;
      return parseFieldLines(buf, data, trailer_limit, limits.max_header_count, nullptr, end, failure);
    }
    auto n = static_cast<std::size_t>(size);
    if (buf.size() < data + n + 2) {
      if (buf.size() > data + n && buf[data + n] != '\r') {
        failure = {"chunk data not followed by CRLF", data + n, ErrorKind::kMalformed};
        return Step::kFail;
      }
      return Step::kNeedMore;
    }
    if (buf[data + n] != '\r' || buf[data + n + 1] != '\n') {
      failure = {"chunk data not followed by CRLF", data + n, ErrorKind::kMalformed};
      return Step::kFail;
    }
    if (out) out->append(buf.substr(data, n));
    total += n;
    pos = data + n + 2;
  }
}

}  // namespace

bool equalsIgnoreCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (lowerAscii(a[i]) != lowerAscii(b[i])) return false;
  }
  return true;
}

std::optional<std::string_view> Headers::get(std::string_view name) const {
  for (const auto& f : fields) {
    if (equalsIgnoreCase(f.name, name)) return f.value;
  }
  return std::nullopt;
}

bool probeResponse(std::string_view buffer) { return buffer.substr(0, 7) == "HTTP/1."; }

ParseOutcome<Request> parseRequest(std::string_view buffer, const ParseLimits& limits) {
  ParseOutcome<Request> out;
  Failure failure;
  if (checkPartialRequestLine(buffer.substr(0, std::min(buffer.size(), limits.max_start_line_bytes)), failure) !=
      Step::kOk) {
    return fail<Request>(std::move(failure));
  }
  Step s = parseHead(buffer, limits, out.message, parseRequestLine, failure);
  if (s == Step::kFail) return fail<Request>(std::move(failure));
  if (s == Step::kNeedMore) return out;

  Request& req = out.message;
  if (auto te = req.headers.get("transfer-encoding")) {
    auto offset = static_cast<std::size_t>(te->data() - buffer.data());
    return fail<Request>({"Transfer-Encoding in requests is not supported", offset, ErrorKind::kUnsupported});
  }
  std::optional<std::uint64_t> cl;
  if (contentLength(req.headers, buffer, cl, failure) != Step::kOk) return fail<Request>(std::move(failure));
  if (cl && *cl > limits.max_body_bytes) {
    return fail<Request>({"request body of " + std::to_string(*cl) + " bytes exceeds the limit of " +
                              std::to_string(limits.max_body_bytes),
                          req.header_bytes, ErrorKind::kBodyTooLarge});
  }
  req.content_length = cl ? static_cast<std::size_t>(*cl) : 0;
  if (buffer.size() - req.header_bytes < req.content_length) return out;
  req.body = buffer.substr(req.header_bytes, req.content_length);
  out.consumed = req.header_bytes + req.content_length;
  out.state = ParseState::kDone;
  return out;
}

ParseOutcome<Response> parseResponse(std::string_view buffer, const ParseLimits& limits, ResponseContext context) {
  ParseOutcome<Response> out;
  Failure failure;
  // Reject a non-HTTP peer (a SIP server, a TLS alert) on its first bytes instead of waiting for a line.
  constexpr std::string_view kPrefix = "HTTP/1.";
  std::size_t n = std::min(buffer.size(), kPrefix.size());
  if (buffer.substr(0, n) != kPrefix.substr(0, n)) {
    return fail<Response>({"not an HTTP/1.x response", 0, ErrorKind::kMalformed});
  }
  Step s = parseHead(buffer, limits, out.message, parseStatusLine, failure);
  if (s == Step::kFail) return fail<Response>(std::move(failure));
  if (s == Step::kNeedMore) return out;

  Response& resp = out.message;
  const std::size_t head = resp.header_bytes;
  auto done = [&](std::size_t consumed) {
    out.consumed = consumed;
    out.state = ParseState::kDone;
    return std::move(out);
  };
  if (context.request_was_head || resp.status < 200 || resp.status == 204 || resp.status == 304) {
    return done(head);
  }

  if (auto te = resp.headers.get("transfer-encoding")) {
    std::string_view last = *te;
    if (auto comma = last.rfind(','); comma != std::string_view::npos) last = last.substr(comma + 1);
    if (equalsIgnoreCase(trimOws(last), "chunked")) {
      resp.chunked = true;
      std::size_t total = 0;
      std::size_t end = 0;
      s = walkChunks(buffer, head, limits, nullptr, total, end, failure);
      if (s == Step::kFail) return fail<Response>(std::move(failure));
      if (s == Step::kNeedMore) return out;
      resp.decoded_body.reserve(total);
      s = walkChunks(buffer, head, limits, &resp.decoded_body, total, end, failure);
      return done(end);
    }
    // Another final coding: the body runs until the server closes (RFC 9112 section 6.3).
  } else {
    std::optional<std::uint64_t> cl;
    if (contentLength(resp.headers, buffer, cl, failure) != Step::kOk) return fail<Response>(std::move(failure));
    if (cl) {
      if (*cl > limits.max_body_bytes) {
        return fail<Response>({"response body of " + std::to_string(*cl) + " bytes exceeds the limit of " +
                                   std::to_string(limits.max_body_bytes),
                               head, ErrorKind::kBodyTooLarge});
      }
      auto length = static_cast<std::size_t>(*cl);
      if (buffer.size() - head < length) return out;
      resp.plain_body = buffer.substr(head, length);
      return done(head + length);
    }
  }

  std::size_t available = buffer.size() - head;
  if (available > limits.max_body_bytes) {
    return fail<Response>({"response body exceeds the limit of " + std::to_string(limits.max_body_bytes) + " bytes",
                           head + limits.max_body_bytes, ErrorKind::kBodyTooLarge});
  }
  if (!context.at_eof) return out;
  resp.plain_body = buffer.substr(head);
  return done(buffer.size());
}

}  // namespace vs::proto::http
