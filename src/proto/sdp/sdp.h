#pragma once
// SDP (RFC 8866) as far as call analysis needs it: origin (o=), connection (c=), media (m=) with their
// rtpmap and direction attributes. Zero-copy views into the body; unknown lines are skipped, and a bad
// line is an error with its offset.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

#include "core/result.h"

namespace vs::proto::sdp {

inline constexpr std::size_t kMaxMedia = 32;
inline constexpr std::size_t kMaxFormats = 64;

enum class Direction { kSendRecv, kSendOnly, kRecvOnly, kInactive };
std::string_view directionName(Direction d);

struct Origin {
  std::string_view username, session_id, session_version, net_type, addr_type, address;
};

struct RtpMap {
  int payload_type = -1;
  std::string_view encoding;  // "PCMU", "telephone-event"
  std::uint32_t clock_rate = 0;
  std::string_view channels;
};

struct Media {
  std::string_view media;  // "audio", "video", "image"
  std::uint16_t port = 0;  // 0: disabled stream
  std::uint16_t port_count = 1;
  std::string_view protocol;  // "RTP/AVP", "udptl"
  std::vector<std::string_view> formats;
  std::string_view connection;  // media-level c= address, empty when the session-level one applies
  std::vector<RtpMap> rtpmaps;
  Direction direction = Direction::kSendRecv;
  std::optional<std::uint16_t> rtcp_port;  // a=rtcp:

  // The clock rate for a payload type: rtpmap first, then the RFC 3551 static table; 0 when unknown.
  std::uint32_t clockRate(int payload_type) const;
};

struct Session {
  std::optional<Origin> origin;
  std::string_view connection;  // session-level c= address
  Direction direction = Direction::kSendRecv;  // session-level attribute, media inherit it
  std::vector<Media> media;

  // The address media `i` is sent to: its own c= or the session's.
  std::string_view mediaAddress(std::size_t i) const;
};

Result<Session> parse(std::string_view body);
// The same parse into `s`, which is reset first; the storage of its media list and of each media's
// formats and rtpmaps is reused (a reader of many bodies allocates only when one has more than any before).
// On error `s` is left in an unspecified but valid state.
Result<Ok> parseInto(Session& s, std::string_view body);
// RFC 3551 table 4/5 clock rates for static payload types; 0 when dynamic or unassigned.
std::uint32_t staticClockRate(int payload_type);
std::string_view staticEncoding(int payload_type);

}  // namespace vs::proto::sdp
