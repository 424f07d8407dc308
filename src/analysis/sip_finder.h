#pragma once
// Finds SIP messages in decoded packets without being told the port: UDP datagrams and SCTP DATA chunks
// whose first line is a SIP start line, TCP streams (reassembled per direction, framed by Content-Length,
// several messages per segment or one message over many), SIP over WebSocket (RFC 7118, after the HTTP
// upgrade), and TLS streams recognised and counted as encrypted. Pure: no I/O; bounded flow table.
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <string>
#include <vector>
#include <string_view>

#include "analysis/model.h"
#include "proto/pkt/packet.h"
#include "proto/pkt/tcp_stream.h"
#include "proto/sdp/sdp.h"
#include "proto/sip/message.h"

namespace vs::analysis {

inline constexpr std::size_t kMaxTcpFlows = 100000;
inline constexpr std::int64_t kTcpFlowIdleNs = 600'000'000'000;  // 10 min without a segment: forget it
inline constexpr int kMaxProbeSegments = 32;  // non-SIP TCP flows are ignored after this many segments

// What the call tracker needs of a message that depends on the message alone, worked out in one place:
// by the tracker itself, or ahead of it by the decoding stage of a pipeline (the stage with time to spare).
struct SipDigest {
  std::string_view method;  // requests: the method, junk glued before a known one left out
  int method_index = -1;    // analysis::methodIndex(method)
  std::size_t junk = 0;     // bytes of junk before the known method in the request line
  bool has_sdp = false;
  std::uint64_t id_hash = 0;      // of the Call-ID
  std::uint64_t fingerprint = 0;  // the same for a retransmission of the message (same hop, same transaction)
};

struct FoundSip {
  const proto::sip::Message* message = nullptr;
  std::uint64_t frame = 0;  // the frame that completed the message
  // SIP over TCP: every other frame that carried bytes of the message, in stream order (a segment held
  // back for a gap keeps its own frame). A datagram (UDP, SCTP) rebuilt from
  // IP fragments: the frames of its other fragments. Otherwise empty.
  std::vector<std::uint64_t> segment_frames;
  std::int64_t ts_ns = 0;
  Endpoint src, dst;
  SipTransport transport = SipTransport::kUdp;
  // The message's SDP body already parsed (by the decoding stage of a pipeline); null: not done yet.
  const Result<proto::sdp::Session>* sdp = nullptr;
  const SipDigest* digest = nullptr;  // null: not done yet
};

class SipFinder {
 public:
  // Where a datagram's SIP message is parsed. Without one: into the finder's own Message, over the
  // packet's bytes, valid during the callback. A pipeline that hands messages to another thread provides
  // one that copies the bytes into its batch and gives a Message of the batch to parse into, so the parsed
  // message needs no second copy and no rebase onto the copied bytes (those were 6 % of a SIP-heavy run).
  class Placement {
   public:
    virtual ~Placement() = default;
    struct Place {
      proto::sip::Message* message;
      std::string_view bytes;  // the copy of place()'s argument, to parse
    };
    virtual Place place(std::string_view bytes) = 0;
    virtual void unplace() = 0;  // the parse failed: forget the last place()
  };
  using OnMessage = std::function<void(const FoundSip&)>;
  using OnMalformed = std::function<void(std::uint64_t frame, std::string reason)>;
  SipFinder(OnMessage on_message, OnMalformed on_malformed)
      : on_message_(std::move(on_message)), on_malformed_(std::move(on_malformed)) {}

  void add(const proto::pkt::Packet& p, std::uint64_t frame, std::int64_t ts_ns);
  void placeDatagrams(Placement* p) { placement_ = p; }

  std::uint64_t tlsStreams() const { return tls_streams_; }
  std::uint64_t tlsBytes() const { return tls_bytes_; }
  std::uint64_t websocketFrames() const { return ws_frames_; }
  std::uint64_t tcpRetransmittedBytes() const { return tcp_retrans_; }
  std::uint64_t tcpGaps() const { return tcp_gaps_; }
  std::size_t tcpFlows() const { return flows_.size(); }

 private:
  enum class Mode : std::uint8_t { kUnknown, kSip, kWebSocket, kTls, kIgnored };
  struct FlowKey {
    Endpoint src, dst;
    auto operator<=>(const FlowKey&) const = default;
  };
  struct Flow {
    proto::pkt::TcpStream stream;
    // Bytes of the stream consumed so far, and for the bytes still in data(): (stream offset where a
    // frame's in-order bytes end, frame), oldest first. Bounded by the stream's buffer.
    std::uint64_t consumed = 0;
    std::deque<std::pair<std::uint64_t, std::uint64_t>> segments;
    Mode mode = Mode::kUnknown;
    int probes = 0;
    std::int64_t last_ns = 0;
    std::uint64_t retrans_seen = 0, gaps_seen = 0;
    // WebSocket: the message being rebuilt from fragments (unmasked payload so far) and its frames.
    bool ws_open = false;
    std::string ws_message;
    std::vector<std::uint64_t> ws_frames;
  };

  void consume(Flow& f, std::size_t n);
  // Adds to `out`, once each, the frames other than `except` whose in-order bytes fall in [begin, end)
  // of the flow's stream.
  static void framesIn(const Flow& f, std::uint64_t begin, std::uint64_t end, std::uint64_t except,
                       std::vector<std::uint64_t>& out);
  void datagram(std::string_view bytes, const FoundSip& meta);
  void tcp(const proto::pkt::Packet& p, FoundSip& meta);
  void frameSip(Flow& f, FoundSip& meta);
  void frameWebSocket(Flow& f, FoundSip& meta);
  bool classify(Flow& f, FoundSip& meta);
  void expire(std::int64_t now_ns);

  OnMessage on_message_;
  OnMalformed on_malformed_;
  std::map<FlowKey, Flow> flows_;
  proto::sip::Message msg_;  // the message being handed out (its header storage reused)
  Placement* placement_ = nullptr;
  std::int64_t last_sweep_ns_ = 0;
  std::uint64_t tls_streams_ = 0, tls_bytes_ = 0, ws_frames_ = 0, tcp_retrans_ = 0, tcp_gaps_ = 0;
};

// Where a SIP start line begins in `data` at or after `from` (start of a line), npos when none.
std::size_t findSipStart(std::string_view data, std::size_t from);

}  // namespace vs::analysis
