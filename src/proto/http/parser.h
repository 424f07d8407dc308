#pragma once
// Incremental HTTP/1.1 parser over a byte buffer (RFC 9112). Stateless: call it again with the grown
// buffer after each read; it answers need-more, an error (with the offset of the offending byte and a
// kind the server maps to a status code), or a whole message plus the bytes it used. The message holds
// views into the buffer, so it is valid only while that buffer is unchanged.
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"

namespace vs::proto::http {

inline constexpr std::size_t kMaxStartLineBytes = 8 * 1024;
inline constexpr std::size_t kMaxHeaderBytes = 16 * 1024;  // start line + header fields + blank line
inline constexpr std::size_t kMaxHeaderCount = 100;
inline constexpr std::size_t kMaxBodyBytes = 16u << 20;
inline constexpr std::size_t kMaxChunkLineBytes = 1024;  // "size;extensions" of one chunk

struct ParseLimits {
  std::size_t max_start_line_bytes = kMaxStartLineBytes;
  std::size_t max_header_bytes = kMaxHeaderBytes;
  std::size_t max_header_count = kMaxHeaderCount;
  std::size_t max_body_bytes = kMaxBodyBytes;
  std::size_t max_chunk_line_bytes = kMaxChunkLineBytes;
};

struct HeaderField {
  std::string_view name;   // as sent
  std::string_view value;  // leading and trailing white space removed
};

// Why a message was rejected; the server maps each kind to a status code.
enum class ErrorKind {
  kMalformed,       // 400
  kHeaderTooLarge,  // 431 (start line, header section or header count over the limit)
  kBodyTooLarge,    // 413 (declared or decoded body over the limit)
  kUnsupported,     // 501 (e.g. a request with Transfer-Encoding)
};

enum class ParseState { kNeedMore, kError, kDone };

template <class Message>
struct ParseOutcome {
  ParseState state = ParseState::kNeedMore;
  Message message;             // valid when kDone
  std::size_t consumed = 0;    // kDone: bytes of this message; extra bytes after it are not touched
  Error error;                 // kError: message and offset into the buffer
  ErrorKind error_kind = ErrorKind::kMalformed;

  bool done() const { return state == ParseState::kDone; }
  bool needMore() const { return state == ParseState::kNeedMore; }
  bool failed() const { return state == ParseState::kError; }
};

struct Headers {
  std::vector<HeaderField> fields;

  // Case-insensitive; the first field with that name, or nullopt.
  std::optional<std::string_view> get(std::string_view name) const;
};

struct Request {
  std::string_view method;
  std::string_view target;
  int version_minor = 1;  // HTTP/1.<minor>
  Headers headers;
  std::size_t content_length = 0;
  std::size_t header_bytes = 0;  // start line through the blank line
  std::string_view body;
};

struct Response {
  int version_minor = 1;
  int status = 0;
  std::string_view reason;
  Headers headers;
  std::size_t header_bytes = 0;
  bool chunked = false;
  std::string_view plain_body;  // Content-Length or read-until-close body (a view)
  std::string decoded_body;     // chunked body, reassembled

  std::string_view body() const { return chunked ? std::string_view(decoded_body) : plain_body; }
};

ParseOutcome<Request> parseRequest(std::string_view buffer, const ParseLimits& limits = {});

struct ResponseContext {
  bool request_was_head = false;  // a response to HEAD has no body whatever its headers say
  bool at_eof = false;            // the peer closed: a body without length ends here
};

ParseOutcome<Response> parseResponse(std::string_view buffer, const ParseLimits& limits = {},
                                     ResponseContext context = {});

// Cheap check that a buffer starts like an HTTP/1.x response ("HTTP/1.").
bool probeResponse(std::string_view buffer);

bool equalsIgnoreCase(std::string_view a, std::string_view b);

}  // namespace vs::proto::http
