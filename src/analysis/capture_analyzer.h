#pragma once
// Capture analysis as a library: feed frames (from a file, stdin or a live interface, all the same),
// get finished Calls through a callback as soon as they are over, and running CaptureStats. Memory is
// bounded by concurrent calls and TCP flows, not by the capture's size: a leg is emitted once it has been
// quiet for a linger time after its end (BYE, final rejection, or any non-INVITE transaction), or idle
// for the idle timeout, or when the capture ends. All times are capture time.
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <set>
#include <span>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "analysis/model.h"
#include "analysis/sip_finder.h"
#include "proto/pkt/decoder.h"

namespace vs::analysis {

struct AnalyzerOptions {
  // Quiet time after a leg ended before it is emitted: absorbs retransmissions (64*T1) and late legs.
  std::int64_t linger_ns = 32'000'000'000;
  // Quiet time before a non-INVITE Call-ID (REGISTER refreshes, SUBSCRIBE, OPTIONS) or an INVITE leg
  // whose last answer was a 401/407 challenge is emitted: UAs reuse the Call-ID for the refresh or the
  // authenticated retry (seen after 33 s of password typing), and one Call-ID must stay one leg.
  std::int64_t session_linger_ns = 3600LL * 1'000'000'000;
  // A leg in CALL_SETUP / IN_CALL with no message for this long is emitted as it stands.
  std::int64_t idle_timeout_ns = 4LL * 3600 * 1'000'000'000;
  // Each leg's list of SIP messages (Leg::message_list: ladders, JSON, --save-call). A table or CSV of
  // calls does not need it, and without it a finished leg waiting out its linger time is a few hundred
  // bytes instead of a few kilobytes.
  bool keep_message_list = true;
  std::size_t max_messages_per_leg = 2000;
  std::size_t max_malformed_kept = 1000;
  // The memory bound: at ~4 kB a leg (without message lists), 40 000 legs are ~160 MB. Beyond it the
  // calls that are over leave first (they only wait out the linger), then the longest-idle ones.
  std::size_t max_active_legs = 40000;
  std::size_t max_legs_per_call = 64;    // links that would make a bigger call are refused
  bool keep_message_text = false;
  bool redact = true;  // Authorization / Proxy-Authorization digest responses replaced by "<redacted>"
  // Extra headers whose value is another leg's Call-ID (besides X-CID, X-Call-ID, X-Orig-Call-ID, X-Leg-ID).
  std::vector<std::string> link_headers;
  // Number/timing rule (low confidence): allowed gap between the two legs' INVITEs.
  std::int64_t number_link_window_ns = 10'000'000'000;
  // RTP (analysis/rtp_tracker.h): find streams without SDP, and the memory bounds.
  bool rtp_heuristic = true;
  std::size_t max_active_streams = 20000;   // about 2.5 kB each; beyond it new streams are counted, not tracked
  std::size_t max_rtp_candidates = 20000;   // flows waiting for the heuristic's verdict
  std::int64_t rtp_stream_idle_ns = 300'000'000'000;  // an unattached stream this quiet is emitted
  // Two-stage pipeline for reading files on two cores: the caller's thread decodes frames, reassembles
  // TCP and parses SIP; a second thread tracks calls and RTP streams and runs the callbacks, one at a
  // time, with the same calls and streams in the same order as without it (an exception a callback
  // throws comes out of the next addFrame() or finish()). Inside finish() the roles turn: the second
  // thread builds the calls still held and the caller's thread, idle by then, runs their callbacks, so
  // callbacks come from both threads, never two at once. stats() and activeLegs() are final only after
  // finish(). Running every callback on the caller's thread was tried: while it is still decoding,
  // handing every Call across and freeing it there made the whole run 50 % slower.
  bool pipeline = false;
  // With the pipeline: the caller promises that the bytes it gives addFrame() stay valid and unchanged
  // until finish() returns (a memory-mapped file whose reader outlives the analysis). SIP datagrams and
  // RTP payloads are then handed to the tracking thread where they lie instead of copied into its batches
  // (the copy was 3 % of the instructions on the signalling bench file). Payloads the decoder rebuilt
  // (IP fragments) and TCP messages are copied either way.
  bool frames_stay_valid = false;
};

class CaptureAnalyzer {
 public:
  using OnCall = std::function<void(Call&&)>;
  // RTP streams tied to no call, emitted when idle or at the end (streams of calls come with the call).
  using OnStream = std::function<void(RtpStream&&)>;
  CaptureAnalyzer(AnalyzerOptions options, OnCall on_call, OnStream on_stream = {});
  ~CaptureAnalyzer();
  CaptureAnalyzer(const CaptureAnalyzer&) = delete;
  CaptureAnalyzer& operator=(const CaptureAnalyzer&) = delete;

  // One captured frame; frame numbers count from 1 in capture order.
  void addFrame(std::uint32_t link_type, std::span<const std::byte> data, std::int64_t ts_ns, std::uint64_t frame);
  // End of input: every remaining call is emitted. Frames after it are ignored.
  void finish();
  // Statistics so far (finish() first for final figures).
  const CaptureStats& stats();
  std::size_t activeLegs() const;
  // Entries of the finished-leg queue, live and stale: about 2 x activeLegs() + 1024 at most (rebuilt
  // from the live legs whenever a push finds more).
  std::size_t sweepEntries() const;
  std::size_t linkKeys() const;  // entries of the leg-link index (header values, SDP origins, numbers)
  std::size_t legSlots() const;  // leg slots made (in use, free and spare); with the pipeline, after finish()

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// Replaces the digest response (and cnonce) in Authorization / Proxy-Authorization header lines.
std::string redactCredentials(std::string_view message_text);

}  // namespace vs::analysis
