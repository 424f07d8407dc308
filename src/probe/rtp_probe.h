#pragma once
// `rtp probe`: a real RTP stream (codec-sized packets at the codec's packet rate) to a voipscope
// reflector, measured in both directions separately:
//  - forward (us -> reflector): the reflector's own receive-side StreamStats (RFC 3550 jitter, loss,
//    duplicates, reordering, max delta) sent back in its final report, per-packet fate from the
//    reflector's acknowledgement bitmaps, transit from its receive timestamps;
//  - return (reflector -> us): our StreamStats over the reflected packets, whose RTP timestamps the
//    reflector writes from its own send clock, so return jitter is the return path's alone.
// Each direction gets a jitter-buffer model (late packets count as lost, the buffer adds delay) and an
// E-model R/MOS. Sending follows a fixed schedule: packet n leaves at start + n * ptime, never drifting.
// Many streams of one run (runRtpProbes) share one scheduler: a single timer wakes at the next planned
// send of any stream and sends every packet due, so N streams cost one wake-up per send instant, not N
// coroutines with N timers.
#include <asio/awaitable.hpp>
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "io/dns.h"
#include "proto/quality/codecs.h"
#include "proto/quality/emodel.h"
#include "proto/quality/loss_pattern.h"

namespace vs::probe {

struct RtpProbeParams {
  std::string host;
  std::uint16_t port = 5004;
  io::AddressFamily family = io::AddressFamily::kAny;
  std::string codec = "pcmu";
  int ptime_ms = 20;
  std::chrono::milliseconds duration{10000};
  std::optional<int> dscp;         // sent with, and asked back with
  std::string secret;              // shared secret: probes carry a MAC, replies must too
  std::chrono::milliseconds linger{1000};  // wait for replies after the last send
  proto::quality::JitterBufferModel jitter_buffer;
  bool reply_from_alt_port = false;
  // Delay before the first packet. Many streams from one process (--streams) are spread over one ptime,
  // the way independent calls are, instead of all waking on the same tick.
  std::chrono::microseconds start_offset{0};
};

struct DirectionReport {
  std::uint64_t sent = 0;
  std::uint64_t received = 0;       // distinct packets that arrived (duplicates not counted)
  std::int64_t lost = 0;            // sent - received (network loss)
  double loss_pct = 0;
  std::uint64_t duplicates = 0;
  std::uint64_t out_of_order = 0;
  double jitter_ms = 0;             // RFC 3550 J at the end of the run
  double jitter_max_ms = 0;
  double jitter_mean_ms = 0;
  double max_delta_ms = 0;
  proto::quality::LossPattern loss;  // after the jitter buffer (network loss + late)
  std::uint64_t late = 0;            // discarded by the jitter buffer model
  double buffer_ms = 0;
  double one_way_ms = 0;             // RTT/2 + packetisation + buffer: the E-model's Ta
  proto::quality::EModelResult quality;
  std::string delay_verdict;         // G.114
  int dscp_sent = -1;                // -1: not set (0 sent)
  int dscp_received = -1;            // -1: the receiving side could not read it
  std::uint64_t dscp_mismatches = 0; // packets whose received DSCP differed from dscp_sent
  bool stats_from_report = true;     // forward only: false when the final report never came back
};

struct RtpProbeResult {
  bool ok = false;           // could run (resolved, socket) and the reflector answered
  bool reachable = false;
  std::string detail;
  std::string remote;
  std::string public_address;  // source ip:port the reflector saw
  std::string codec;
  std::string codec_source;
  int ptime_ms = 0;
  std::size_t payload_bytes = 0;
  std::string jitter_buffer;    // the model, described
  double rtt_min_ms = 0, rtt_avg_ms = 0, rtt_max_ms = 0;
  std::uint64_t rtt_samples = 0;
  DirectionReport forward;
  DirectionReport back;         // the return direction
  std::uint64_t icmp_refused = 0;
  std::uint64_t bad_replies = 0;  // unparseable, wrong session, or bad MAC
  // How far actual sends were from their planned times (microseconds).
  std::vector<double> schedule_error_us;
};

// How the shared scheduler hits planned send times. A VM's timer wake-up is often hundreds of
// microseconds to milliseconds late, so the timer is set `spin_margin` early and the remaining time is
// spent polling the clock (while still serving receives), bounded by the margin. 0: timer only.
struct RtpScheduleOptions {
  std::chrono::microseconds spin_margin{200};
  static constexpr std::chrono::microseconds kMaxSpinMargin{1000};  // the spin is bounded by this
};

// The full run. Never throws; failures are in ok/detail.
asio::awaitable<RtpProbeResult> runRtpProbe(io::Resolver& resolver, RtpProbeParams params,
                                            RtpScheduleOptions schedule = {});
// Several streams at once (their start_offset spreads them), one scheduler for all; one result per
// stream, in order. A stream that cannot start (resolution, socket) fails alone.
asio::awaitable<std::vector<RtpProbeResult>> runRtpProbes(io::Resolver& resolver, std::vector<RtpProbeParams> streams,
                                                          RtpScheduleOptions schedule = {});

// Nearest-rank percentile (p in 0..100) of a copy of values; 0 for none.
double percentile(std::vector<double> values, double p);

}  // namespace vs::probe
