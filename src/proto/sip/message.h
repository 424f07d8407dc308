#pragma once
// SIP message codec (RFC 3261 section 7): a zero-copy parse of one request or response. A Message holds
// views into the caller's bytes, which must outlive it; only folded (multi-line) header values, which
// have to be joined, are copied into storage the Message owns.
#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"

namespace vs::proto::sip {

inline constexpr std::size_t kMaxHeaders = 256;
// Real INVITEs with large SDP or multipart bodies exceed 64 KiB; above this we refuse rather than buffer.
inline constexpr std::size_t kMaxMessageBytes = 256 * 1024;

struct Header {
  // Long form for compact names ("i" -> "Call-ID"); otherwise as written on the wire.
  std::string_view name;
  std::string_view value;  // trimmed; folded lines joined with a single space
};

struct RequestLine {
  std::string_view method;
  std::string_view uri;
  std::string_view version;
};

struct StatusLine {
  std::string_view version;
  int code = 0;
  std::string_view reason;
};

struct CSeq {
  std::uint32_t number = 0;
  std::string_view method;
};

struct Via {
  std::string_view value;      // the whole via-parm
  std::string_view protocol;   // "SIP/2.0/UDP"
  std::string_view transport;  // "UDP"
  std::string_view sent_by;    // "host[:port]"
  std::string_view branch;     // empty when absent
  std::string_view received;
  std::string_view rport;      // value; empty when absent or without a value
  bool has_rport = false;
};

// Splits a list-valued header at top-level commas (outside quotes and <...>), trimmed.
std::vector<std::string_view> splitList(std::string_view value);
Via parseVia(std::string_view via_parm);
// Value of ";name=value" among a header's parameters outside <...>; nullopt when absent.
std::optional<std::string_view> headerParam(std::string_view value, std::string_view name);
// "i" -> "Call-ID", ... ; names that are not compact forms come back unchanged.
std::string_view canonicalName(std::string_view name);
bool iequals(std::string_view a, std::string_view b);
// How many characters at the start of `s` are RFC 3261 token characters (alphanumerics and -.!%*_+`'~).
std::size_t tokenLength(std::string_view s);

// Headers the analysis reads on every message: their first occurrence is indexed during the parse, so
// looking one up costs an array read instead of a case-insensitive walk over every header.
enum class HeaderId : std::uint8_t {
  kOther, kCallId, kFrom, kTo, kVia, kCSeq, kContentLength, kContentType, kContact, kRSeq, kRAck, kSessionId,
  kPChargingVector, kReason, kCount
};
// Of a long (canonical) header name, any case; kOther for the rest.
HeaderId headerId(std::string_view name);

class Message {
 public:
  bool isRequest() const { return is_request_; }
  bool isResponse() const { return !is_request_; }
  const RequestLine& requestLine() const { return request_; }
  const StatusLine& statusLine() const { return status_; }
  std::string_view startLine() const { return start_line_; }

  const std::vector<Header>& allHeaders() const { return headers_; }
  // First value of a header (compact or long name, any case); nullopt when absent.
  std::optional<std::string_view> header(std::string_view name) const;
  std::optional<std::string_view> header(HeaderId id) const {
    auto i = first_[static_cast<std::size_t>(id)];
    if (i == 0) return std::nullopt;
    return headers_[i - 1U].value;
  }
  std::vector<std::string_view> headers(std::string_view name) const;

  std::string_view callId() const;                      // empty when absent
  std::optional<CSeq> cseq() const;                     // nullopt when absent or malformed
  std::vector<Via> vias() const;                        // every via-parm, in order, commas split
  std::optional<Via> topVia() const;
  // The top Via's branch parameter (empty when absent): all that retransmission detection needs of the
  // Via, without parsing the rest of it. Equal to topVia()->branch for a branch that is a token.
  std::string_view topViaBranch() const;
  std::string_view fromTag() const;
  std::string_view toTag() const;

  std::string_view body() const { return body_; }
  // Bytes from the start line through the body (leading CRLF keep-alives excluded).
  std::string_view raw() const { return raw_; }
  // Bytes the parse consumed from the input, including leading CRLFs.
  std::size_t consumed() const { return consumed_; }
  // Lenient parses only: why the Content-Length was not used (empty when it was fine or absent).
  std::string_view lengthProblem() const { return length_problem_; }

  // The message's bytes (raw() and everything it views) were copied from `from` (`size` bytes) to `to`:
  // views into that range now point into the copy. Views of joined folded values and of the library's own
  // strings are left alone. Lets a parsed message outlive the buffer it was parsed from.
  void rebase(const char* from, std::size_t size, const char* to);
  // Works out fromTag(), toTag(), topViaBranch() and cseq() now and keeps them, so later calls cost nothing:
  // a reader that parses on one thread and analyses on another does this part of the work up front.
  void prepare();

 private:
  friend Result<Ok> parseMessageInto(Message&, std::string_view, bool, bool);
  bool is_request_ = false;
  RequestLine request_;
  StatusLine status_;
  std::string_view start_line_;
  std::vector<Header> headers_;
  std::array<std::uint16_t, static_cast<std::size_t>(HeaderId::kCount)> first_{};  // index + 1, 0: absent
  std::string_view body_;
  std::string_view raw_;
  std::size_t consumed_ = 0;
  std::string_view length_problem_;
  // Joined folded values; shared so that copies of a Message keep valid views.
  std::vector<std::shared_ptr<const std::string>> folded_;
  bool prepared_ = false;  // the four below are valid
  std::string_view from_tag_, to_tag_, top_branch_;
  std::optional<CSeq> cseq_;
};

// datagram=true: the body is Content-Length bytes (the rest of the datagram when absent); bytes beyond it
// are ignored; Content-Length past the end is an error. datagram=false: the input is exactly one framed
// stream message (see frameStream) and a missing Content-Length means an empty body.
// Errors carry the byte offset and say where: "line 1: expected 'SIP/2.0'".
// lenient_length (datagrams, for capture analysis): a non-numeric Content-Length or one past the end of
// the datagram does not reject the message; the body is the rest of the datagram and lengthProblem() says
// why, so a passive observer still counts what the peers saw.
Result<Message> parseMessage(std::string_view bytes, bool datagram = true, bool lenient_length = false);
Result<Message> parseMessage(std::span<const std::byte> bytes, bool datagram = true, bool lenient_length = false);
// The same parse into an existing Message, whose header storage is reused (a reader parsing a stream of
// messages allocates once instead of once per message). On error `m` is left in an unspecified state.
Result<Ok> parseMessageInto(Message& m, std::string_view bytes, bool datagram = true, bool lenient_length = false);
// The Message would view a temporary that dies at the end of the statement.
Result<Message> parseMessage(std::string&& bytes, bool datagram = true, bool lenient_length = false) = delete;

// Cheap check whether bytes look like the start of a SIP message (request or response line).
bool probe(std::string_view bytes);

// SIP over a byte stream (TCP/TLS): where does the next message end?
struct StreamFrame {
  enum class Status { kNeedMore, kError, kMessage };
  Status status = Status::kNeedMore;
  std::size_t skip = 0;    // leading CRLF keep-alives to discard before the message
  std::size_t length = 0;  // kMessage: the message's length after `skip`; kNeedMore: the same once the
                           // headers are complete (the body still arriving), else 0
  Error error;             // kError
};
StreamFrame frameStream(std::string_view buffer);

}  // namespace vs::proto::sip
