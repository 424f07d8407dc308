#pragma once
// Which frames of a capture belong to one analysed call, for `voipscope calls --save-call`: the frames
// that carried the SIP messages of every leg, and the UDP frames to or from a media address/port that
// an SDP body of those legs announced (RTP on the port, RTCP on port+1), between the call's first and
// last SIP message. The second pass over the file feeds every frame through select().
//
// Every frame that carried bytes of the call's messages is selected: all segments of SIP over TCP (also
// one held back until a gap filled), all fragments of an IP-fragmented datagram. Known limits: a TCP
// segment that came in IP fragments counts only for its last fragment; messages beyond AnalyzerOptions::max_messages_per_leg were not recorded and are missed (the caller
// raises the cap); an IP-fragmented RTP packet (not seen in practice) keeps only its last fragment.
#include <cstdint>
#include <set>
#include <span>
#include <string>
#include <unordered_set>

#include "analysis/model.h"
#include "proto/pkt/decoder.h"

namespace vs::analysis {

class CallFrameSelector {
 public:
  explicit CallFrameSelector(const Call& call);

  // True when frame `frame` (1-based, capture order) belongs to the call. Call for every frame in order.
  bool select(std::uint32_t link_type, std::span<const std::byte> data, std::int64_t ts_ns, std::uint64_t frame);

  std::uint64_t sipFrames() const { return sip_selected_; }
  std::uint64_t mediaFrames() const { return media_selected_; }
  const std::set<Endpoint>& mediaEndpoints() const { return media_; }

 private:
  std::unordered_set<std::uint64_t> sip_frames_;
  std::set<Endpoint> media_;
  std::int64_t start_ns_ = 0, end_ns_ = 0;
  proto::pkt::Decoder decoder_;
  std::uint64_t sip_selected_ = 0, media_selected_ = 0;
};

// The call whose number (Call::id, as `voipscope calls` prints it) or any leg's Call-ID is `id`.
bool callMatches(const Call& call, const std::string& id);

}  // namespace vs::analysis
