#include "analysis/capture_analyzer.h"

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <deque>
#include <exception>
#include <mutex>
#include <optional>
#include <pthread.h>
#include <thread>

#include <fmt/format.h>

#include "analysis/call_tracker.h"
#include "analysis/rtp_tracker.h"
#include "proto/sip/message.h"

namespace vs::analysis {

namespace {

constexpr std::size_t kBatchItems = 256;
constexpr std::size_t kBatchBytes = 256U << 10;
constexpr std::size_t kBatches = 8;  // the bound on work in flight: a few MB
// finish() with the pipeline: calls handed from the tracking thread to the caller's, in chunks of this
// many, with at most kHandoffChunks chunks waiting.
constexpr std::size_t kHandoffCalls = 64;
constexpr std::size_t kHandoffChunks = 8;
// Blocks of leg slots the reading thread keeps made ahead for the tracking thread (CallTracker::LegBlock).
constexpr std::size_t kSpareLegBlocks = 2;

// Work handed from the decoding thread to the tracking thread, in capture order. A SIP message travels
// parsed (its SDP body too), with views into bytes that stay valid until the batch is done: the caller's
// frame (AnalyzerOptions::frames_stay_valid) or a copy in the batch, onto which a TCP message's views are
// moved. An RTP/RTCP-looking UDP datagram travels as its addresses and payload, in place or copied alike.
struct Batch {
  enum class Kind : std::uint8_t { kSip, kRtp, kSweep };
  struct Item {
    Kind kind = Kind::kSip;
    SipTransport transport = SipTransport::kUdp;
    std::uint64_t frame = 0;
    std::int64_t ts_ns = 0;
    Endpoint src, dst;
    const char* data = nullptr;  // size bytes: in `bytes`, or in the caller's frame (frames_stay_valid)
    std::size_t size = 0;
    std::size_t message = 0;                // kSip: index into messages and sdps
    std::size_t seg_offset = 0, seg_count = 0;  // kSip: segment_frames (TCP segments, IP fragments) in seg_frames
  };
  std::vector<Item> items;
  std::vector<char> bytes;
  std::vector<proto::sip::Message> messages;  // reused: each keeps its header storage
  // messages[i]'s SDP body, parsed when sdp_parsed[i]; kept between batches so that each reuses its storage.
  std::vector<Result<proto::sdp::Session>> sdps;
  std::vector<std::uint8_t> sdp_parsed;
  std::vector<std::optional<SipDigest>> digests;                  // messages[i]'s CallTracker::digest()
  std::size_t used_messages = 0;
  std::vector<std::uint64_t> seg_frames;
  std::vector<CallTracker::LegBlock> leg_blocks;  // made by the reading thread, for the tracker's table
  bool last = false;  // finish() after this batch
  // The tracking thread was keeping up when this batch was started: the per-message work that the
  // decoding thread may do or leave (Message::prepare(), the SDP parse, the digest) is left to the
  // tracking thread.
  bool lazy = false;

  void clear() {
    items.clear();
    bytes.clear();
    used_messages = 0;
    seg_frames.clear();
    leg_blocks.clear();
    last = false;
    lazy = false;
  }
  // Bytes never move once copied (the messages' views point at them): the buffer is allocated once with
  // room for a full batch plus the largest item, and a batch is handed over before it would overflow.
  static constexpr std::size_t kCapacity = kBatchBytes + proto::sip::kMaxMessageBytes + 65536;
  Batch() { bytes.reserve(kCapacity); }
  bool fits(std::size_t n) const { return bytes.size() + n <= bytes.capacity(); }
  const char* copy(std::span<const std::byte> b) {
    auto at = bytes.size();
    bytes.insert(bytes.end(), reinterpret_cast<const char*>(b.data()), reinterpret_cast<const char*>(b.data()) + b.size());
    return bytes.data() + at;
  }
};

}  // namespace

struct CaptureAnalyzer::Impl : SipFinder::Placement {
  AnalyzerOptions options;
  proto::pkt::Decoder decoder;
  CaptureStats stats;
  OnCall on_call;
  RtpTracker rtp;
  CallTracker tracker;
  SipFinder finder;
  std::int64_t last_sweep_ns = 0;

  // Pipeline (options.pipeline): malformed reports of the tracking thread, merged into stats at finish().
  std::uint64_t tracker_malformed = 0;
  std::vector<Malformed> tracker_malformed_list;
  std::vector<std::unique_ptr<Batch>> pool;
  Batch* current = nullptr;
  std::mutex mu;
  std::condition_variable cv;
  std::deque<Batch*> full, empty;
  bool stopping = false, finished = false;
  bool ended = false;  // finish() was called: later frames are ignored
  std::exception_ptr failure;  // thrown on the tracking thread (by a callback, say); rethrown to the caller
  std::thread worker;
  // Leg slot blocks: spare in the tracker's table (published by the tracking thread after each batch) and
  // made but not yet handed in. Approximate by design: they only decide when to make another block.
  std::atomic<std::size_t> spare_leg_blocks{0}, leg_blocks_in_flight{0};
  std::atomic<std::size_t> leg_slots{0};  // slots in the table's blocks, spares included (published likewise)
  // End of input with the pipeline. The calls still held (all the calls of the last linger time, 40 000 at
  // the end of a file of short calls) are built on the tracking thread and handed over in chunks; the
  // caller's thread, idle by then, ties their streams and runs the callback (rendering and freeing them)
  // at the same time. Before, the tracking thread did both while the caller's thread waited.
  bool handoff = false;                   // tracking thread: emitCall() queues instead of calling back
  std::vector<Call> handoff_chunk;        // tracking thread: the chunk being filled
  std::deque<std::vector<Call>> handed;   // guarded by mu
  bool handoff_done = false;              // guarded by mu: every held call has been handed over
  bool handoff_abort = false;             // guarded by mu: a callback threw; drop the rest

  Impl(AnalyzerOptions o, OnCall call_cb, OnStream on_stream)
      : options(std::move(o)),
        on_call(std::move(call_cb)),
        rtp(options, std::move(on_stream)),
        tracker(options, [this](Call&& c) { emitCall(std::move(c)); },
                [this](std::uint64_t f, std::string r) { trackerMalformed(f, std::move(r)); }),
        finder([this](const FoundSip& s) { foundSip(s); },
               [this](std::uint64_t f, std::string r) { malformed(f, std::move(r)); }) {
    tracker.onMedia([this](const std::string& cid, const MediaView& d) { rtp.media(cid, d); });
    if (options.pipeline) {
      finder.placeDatagrams(this);
      for (std::size_t i = 0; i < kBatches; ++i) {
        pool.push_back(std::make_unique<Batch>());
        empty.push_back(pool.back().get());
      }
      current = empty.front();
      empty.pop_front();
      worker = std::thread([this] {
        // Named, so that top -H and perf tell the two threads apart ("voipscope" reads, this one tracks).
        pthread_setname_np(pthread_self(), "vs-track");
        track();
      });
    }
  }

  ~Impl() {
    if (worker.joinable()) {
      {
        std::lock_guard lock(mu);
        stopping = true;
      }
      cv.notify_all();
      worker.join();
    }
  }
  Impl(const Impl&) = delete;
  Impl& operator=(const Impl&) = delete;

  // judgeAudio()'s evidence for a leg without RTP; none once a stream was dropped for want of room (it may
  // have been that leg's).
  inline static const RtpHostSeen kNoRtpHost{};
  const RtpHostSeen rtp_host_seen = [this](const proto::pkt::IpAddr& ip) {
    return rtp.streamsDropped() == 0 && rtp.rtpHostSeen(ip);
  };
  // A finished call takes its legs' RTP streams with it.
  void emitCall(Call&& c) {
    if (handoff) return handOver(std::move(c));
    deliver(std::move(c));
  }
  void deliver(Call&& c) {
    for (auto& leg : c.legs) {
      leg.streams = rtp.takeLeg(leg.call_id, leg.media);
      // A capture without RTP (the signalling bench file: 50 000 legs) skips the SDP unpacking.
      leg.audio = judgeAudio(leg, rtp.anyRtpHost() ? rtp_host_seen : kNoRtpHost);
      findPrivateMedia(leg);
    }
    on_call(std::move(c));
  }

  // Tracking thread, during finish(): queue a call for the caller's thread.
  void handOver(Call&& c) {
    if (handoff_chunk.capacity() == 0) handoff_chunk.reserve(kHandoffCalls);
    handoff_chunk.push_back(std::move(c));
    if (handoff_chunk.size() >= kHandoffCalls) flushHandoff();
  }
  void flushHandoff() {
    {
      std::unique_lock lock(mu);
      cv.wait(lock, [&] { return handed.size() < kHandoffChunks || handoff_abort; });
      if (!handoff_abort && !handoff_chunk.empty()) handed.push_back(std::move(handoff_chunk));
    }
    cv.notify_all();
    handoff_chunk = {};
  }

  // Counts a report and keeps the first max_malformed_kept of them.
  void keepMalformed(std::uint64_t& count, std::vector<Malformed>& list, std::uint64_t frame, std::string reason) {
    ++count;
    if (list.size() < options.max_malformed_kept) list.push_back(Malformed{frame, std::move(reason)});
  }
  void malformed(std::uint64_t frame, std::string reason) {
    keepMalformed(stats.malformed, stats.malformed_list, frame, std::move(reason));
  }
  // Reports of the call tracker: in pipeline mode on the tracking thread, kept apart until finish().
  void trackerMalformed(std::uint64_t frame, std::string reason) {
    if (!options.pipeline) return malformed(frame, std::move(reason));
    keepMalformed(tracker_malformed, tracker_malformed_list, frame, std::move(reason));
  }

  // SipFinder::Placement: a datagram's bytes go into the batch, and its message is parsed into the
  // batch's next message slot (foundSip() then takes it as it is).
  proto::sip::Message* placed = nullptr;
  std::string_view placed_bytes;  // what `placed` was parsed from
  bool placed_copied = false;
  Place place(std::string_view bytes) override {
    placed_copied = !inFrame(bytes.data(), bytes.size());
    if (placed_copied) {
      if (!current->fits(bytes.size())) submit();
      bytes = std::string_view(current->copy(std::as_bytes(std::span(bytes.data(), bytes.size()))), bytes.size());
    }
    placed = &nextMessage();
    placed_bytes = bytes;
    return Place{placed, bytes};
  }
  void unplace() override {
    if (placed_copied) current->bytes.resize(current->bytes.size() - placed_bytes.size());
    placed = nullptr;
  }
  // The frame addFrame() is decoding, when its bytes stay valid (options.frames_stay_valid).
  const std::byte* frame_begin = nullptr;
  const std::byte* frame_end = nullptr;
  bool inFrame(const void* p, std::size_t n) const {
    const auto at = reinterpret_cast<std::uintptr_t>(p);
    return frame_begin != nullptr && at >= reinterpret_cast<std::uintptr_t>(frame_begin) &&
           at + n <= reinterpret_cast<std::uintptr_t>(frame_end);
  }
  // The batch's next unused message slot (made on first use; slots keep their header storage).
  proto::sip::Message& nextMessage() {
    if (current->used_messages == current->messages.size()) {
      current->messages.emplace_back();
      current->sdps.emplace_back(proto::sdp::Session{});
      current->sdp_parsed.push_back(0);
      current->digests.emplace_back();
    }
    return current->messages[current->used_messages];
  }

  void foundSip(const FoundSip& s) {
    if (!options.pipeline) return tracker.message(s);
    Batch::Item it;
    if (s.message == placed) {
      placed = nullptr;
      it.data = placed_bytes.data();
      it.size = placed_bytes.size();
    } else {
      // A message from a TCP stream: parsed in the finder's buffer, copied here with its views moved.
      auto raw = s.message->raw();
      if (!current->fits(raw.size())) submit();
      it.data = current->copy(std::as_bytes(std::span(raw.data(), raw.size())));
      it.size = raw.size();
      auto& copy = nextMessage();
      copy = *s.message;
      copy.rebase(raw.data(), raw.size(), it.data);
    }
    it.kind = Batch::Kind::kSip;
    it.transport = s.transport;
    it.frame = s.frame;
    it.ts_ns = s.ts_ns;
    it.src = s.src;
    it.dst = s.dst;
    it.message = current->used_messages++;
    auto& m = current->messages[it.message];
    // The work that depends on the message alone is done on this thread, unless the tracking thread has
    // time for it (a file's first calls: it then waits for batches, while later, with tens of thousands
    // of calls held, it is the slower of the two).
    auto& sdp = current->sdps[it.message];
    auto& digest = current->digests[it.message];
    auto& sdp_parsed = current->sdp_parsed[it.message];
    sdp_parsed = 0;
    if (!current->lazy) {
      m.prepare();
      digest = CallTracker::digest(m, s.src, s.dst);
      if (digest->has_sdp) {
        if (!sdp) sdp = proto::sdp::Session{};  // after a bad body: storage again
        if (auto r = proto::sdp::parseInto(*sdp, m.body()); !r) sdp = r.error();
        sdp_parsed = 1;
      }
    } else {
      digest.reset();  // CallTracker does both
    }
    it.seg_offset = current->seg_frames.size();
    it.seg_count = s.segment_frames.size();
    current->seg_frames.insert(current->seg_frames.end(), s.segment_frames.begin(), s.segment_frames.end());
    current->items.push_back(it);
    maybeSubmit();
  }

  void rtpPacket(const proto::pkt::Packet& p, std::uint64_t frame, std::int64_t ts_ns) {
    if (!options.pipeline) return rtp.packet(p, frame, ts_ns);
    if (!RtpTracker::wants(p)) return;  // the tracker would ignore it: not worth a copy
    Batch::Item it;
    it.kind = Batch::Kind::kRtp;
    it.frame = frame;
    it.ts_ns = ts_ns;
    it.src = Endpoint{p.src, p.sport};
    it.dst = Endpoint{p.dst, p.dport};
    if (inFrame(p.payload.data(), p.payload.size())) {
      it.data = reinterpret_cast<const char*>(p.payload.data());
    } else {
      if (!current->fits(p.payload.size())) submit();
      it.data = current->copy(p.payload);
    }
    it.size = p.payload.size();
    current->items.push_back(it);
    maybeSubmit();
  }

  void sweep(std::int64_t ts_ns) {
    if (!options.pipeline) {
      tracker.sweep(ts_ns);
      rtp.sweep(ts_ns);
      return;
    }
    Batch::Item it;
    it.kind = Batch::Kind::kSweep;
    it.ts_ns = ts_ns;
    current->items.push_back(it);
  }

  void maybeSubmit() {
    if (current->items.size() >= kBatchItems || current->bytes.size() >= kBatchBytes) submit();
  }

  // Hands the current batch over and takes an empty one (waiting while every batch is in flight).
  void submit() {
    std::unique_lock lock(mu);
    if (failure) std::rethrow_exception(failure);
    full.push_back(current);
    cv.notify_all();
    cv.wait(lock, [&] { return !empty.empty() || failure; });
    if (failure) std::rethrow_exception(failure);
    current = empty.front();
    empty.pop_front();
    current->lazy = full.size() <= 1;  // only the batch just handed over is waiting
    lock.unlock();
    // The tracking thread's table of legs grows into blocks made ahead of time by whichever thread has
    // time: this one when batches queue up (the tracking thread is the slower), else the tracking thread
    // while it waits for a batch (see track()). Zeroing a fresh 2 MiB block costs about 3 ms here; with
    // 40 000 calls held that is 30 blocks, a fifth of the slower thread's time when it lands on it.
    if (!current->lazy && legBlocksWanted()) {
      current->leg_blocks.push_back(CallTracker::makeLegBlock());
      leg_blocks_in_flight.fetch_add(1, std::memory_order_relaxed);
    }
  }
  bool legBlocksWanted() const {
    // In flight first (acquire): a block handed in is counted in leg_slots before it leaves in flight.
    const auto in_flight = leg_blocks_in_flight.load(std::memory_order_acquire);
    // No more slots than the leg bound can use (max_active_legs + 1: the sweep that makes room runs once
    // the bound is passed): past it, emitted legs' slots are reused, and a block made ahead would be
    // zeroed memory that no leg ever uses (three 2 MiB blocks at the end of the signalling bench file).
    if (leg_slots.load(std::memory_order_relaxed) + in_flight * CallTracker::kLegBlock > options.max_active_legs) {
      return false;
    }
    return spare_leg_blocks.load(std::memory_order_relaxed) + in_flight < kSpareLegBlocks;
  }
  // Tracking thread, with no batch to work on: makes the spare leg block the table will grow into (not at
  // start-up, nor for a capture whose legs fit in the blocks the table has).
  void makeLegBlockWhileIdle(std::unique_lock<std::mutex>& lock) {
    // On this thread leg_slots is the table's own count (stored after every change), so legBlocksWanted()
    // already refuses a block the table could not use.
    if (stopping || !full.empty() || !legBlocksWanted() || !tracker.legTableGrowing()) return;
    lock.unlock();
    tracker.addLegBlock(CallTracker::makeLegBlock());
    leg_slots.store(tracker.legSlots(), std::memory_order_relaxed);
    spare_leg_blocks.store(tracker.spareLegBlocks(), std::memory_order_relaxed);
    lock.lock();
  }

  // The tracking thread.
  void track() {
    while (true) {
      Batch* b = nullptr;
      {
        std::unique_lock lock(mu);
        makeLegBlockWhileIdle(lock);
        cv.wait(lock, [&] { return stopping || !full.empty(); });
        if (stopping) return;
        b = full.front();
        full.pop_front();
      }
      bool last = b->last;
      try {
        run(*b);
        if (last) {
          // The caller's thread runs the callbacks from here on, and ends with rtp.finish().
          handoff = true;
          tracker.finish();
          flushHandoff();
          {
            std::lock_guard lock(mu);
            handoff_done = true;
          }
          cv.notify_all();
        }
      } catch (...) {
        {
          std::lock_guard lock(mu);
          failure = std::current_exception();
        }
        cv.notify_all();
        return;
      }
      b->clear();
      {
        std::lock_guard lock(mu);
        empty.push_back(b);
      }
      cv.notify_all();
      if (last) return;
    }
  }

  // Tracking thread. The two threads decide to make blocks from counts the other may be changing, and the
  // table also grows by itself when it needs a slot before a block made ahead arrives: so a block can
  // arrive that the table can no longer use (its slots already cover the leg bound + 1). Such a block is
  // freed, not kept as a spare, so the table never holds more slots than the bound can use (a test once
  // saw three blocks for a bound of two under ASan's timing).
  bool tableCanUseABlock() const { return tracker.legSlots() < options.max_active_legs + 1; }

  void run(Batch& b) {
    for (auto& block : b.leg_blocks) {
      if (tableCanUseABlock()) tracker.addLegBlock(std::move(block));
    }
    leg_slots.store(tracker.legSlots(), std::memory_order_relaxed);
    leg_blocks_in_flight.fetch_sub(b.leg_blocks.size(), std::memory_order_release);
    b.leg_blocks.clear();
    runItems(b);
    leg_slots.store(tracker.legSlots(), std::memory_order_relaxed);
    spare_leg_blocks.store(tracker.spareLegBlocks(), std::memory_order_relaxed);
  }

  void runItems(Batch& b) {
    for (const auto& it : b.items) {
      switch (it.kind) {
        case Batch::Kind::kSip: {
          FoundSip f;
          f.message = &b.messages[it.message];
          if (b.sdp_parsed[it.message] != 0) f.sdp = &b.sdps[it.message];
          if (b.digests[it.message]) {
            f.digest = &*b.digests[it.message];
          } else {
            // A lazy batch's message: the digest and the tracker each read the CSeq and the To tag, and
            // unprepared, each read scans the header again.
            b.messages[it.message].prepare();
          }
          f.frame = it.frame;
          f.ts_ns = it.ts_ns;
          f.src = it.src;
          f.dst = it.dst;
          f.transport = it.transport;
          f.segment_frames.assign(b.seg_frames.begin() + static_cast<std::ptrdiff_t>(it.seg_offset),
                                  b.seg_frames.begin() + static_cast<std::ptrdiff_t>(it.seg_offset + it.seg_count));
          tracker.message(f);
          break;
        }
        case Batch::Kind::kRtp: {
          proto::pkt::Packet p;
          p.transport = proto::pkt::Transport::kUdp;
          p.ip_proto = 17;
          p.src = it.src.ip;
          p.sport = it.src.port;
          p.dst = it.dst.ip;
          p.dport = it.dst.port;
          p.payload = std::as_bytes(std::span(it.data, it.size));
          rtp.packet(p, it.frame, it.ts_ns);
          break;
        }
        case Batch::Kind::kSweep:
          tracker.sweep(it.ts_ns);
          rtp.sweep(it.ts_ns);
          break;
      }
    }
  }

  void finishPipeline() {
    if (finished) return;
    current->last = true;
    {
      std::unique_lock lock(mu);
      if (failure) std::rethrow_exception(failure);
      full.push_back(current);
      current = nullptr;
    }
    cv.notify_all();
    while (true) {
      std::vector<Call> chunk;
      {
        std::unique_lock lock(mu);
        cv.wait(lock, [&] { return !handed.empty() || handoff_done || failure; });
        if (handed.empty()) break;
        chunk = std::move(handed.front());
        handed.pop_front();
      }
      cv.notify_all();
      try {
        for (auto& c : chunk) deliver(std::move(c));
      } catch (...) {
        {
          std::lock_guard lock(mu);
          handoff_abort = true;
        }
        cv.notify_all();
        worker.join();
        finished = true;
        throw;
      }
    }
    worker.join();
    finished = true;
    if (failure) std::rethrow_exception(failure);
    rtp.finish();  // the streams tied to no call, after every call as without the pipeline
    // The tracking thread's malformed reports join the decoding thread's, in frame order.
    stats.malformed += tracker_malformed;
    tracker_malformed = 0;
    for (auto& m : tracker_malformed_list) stats.malformed_list.push_back(std::move(m));
    tracker_malformed_list.clear();
    std::stable_sort(stats.malformed_list.begin(), stats.malformed_list.end(),
                     [](const Malformed& a, const Malformed& b) { return a.frame < b.frame; });
    if (stats.malformed_list.size() > options.max_malformed_kept) stats.malformed_list.resize(options.max_malformed_kept);
  }
};

CaptureAnalyzer::CaptureAnalyzer(AnalyzerOptions options, OnCall on_call, OnStream on_stream)
    : impl_(std::make_unique<Impl>(std::move(options), std::move(on_call), std::move(on_stream))) {}

CaptureAnalyzer::~CaptureAnalyzer() = default;

void CaptureAnalyzer::addFrame(std::uint32_t link_type, std::span<const std::byte> data, std::int64_t ts_ns,
                               std::uint64_t frame) {
  if (impl_->ended) return;
  auto& s = impl_->stats;
  if (s.frames == 0) s.first_ns = ts_ns;
  ++s.frames;
  s.bytes += data.size();
  s.last_ns = ts_ns;
  if (impl_->options.pipeline && impl_->options.frames_stay_valid) {
    impl_->frame_begin = data.data();
    impl_->frame_end = data.data() + data.size();
  }
  auto out = impl_->decoder.decode(link_type, data, ts_ns, frame);
  if (out.status == proto::pkt::Decoder::Status::kError) {
    impl_->malformed(frame, out.error);
  } else if (out.status == proto::pkt::Decoder::Status::kPacket) {
    impl_->finder.add(impl_->decoder.packet(), frame, ts_ns);
    impl_->rtpPacket(impl_->decoder.packet(), frame, ts_ns);
  }
  if (ts_ns - impl_->last_sweep_ns >= 1'000'000'000 || ts_ns < impl_->last_sweep_ns) {
    impl_->last_sweep_ns = ts_ns;
    impl_->sweep(ts_ns);
  }
}

void CaptureAnalyzer::finish() {
  impl_->ended = true;
  if (impl_->options.pipeline) {
    impl_->finishPipeline();
    return;
  }
  impl_->tracker.finish();
  impl_->rtp.finish();
}

std::size_t CaptureAnalyzer::activeLegs() const {
  if (impl_->options.pipeline && !impl_->finished) return 0;  // owned by the tracking thread until finish()
  return impl_->tracker.activeLegs();
}
std::size_t CaptureAnalyzer::sweepEntries() const {
  if (impl_->options.pipeline && !impl_->finished) return 0;
  return impl_->tracker.sweepEntries();
}

std::size_t CaptureAnalyzer::legSlots() const {
  if (impl_->options.pipeline && !impl_->finished) return 0;
  return impl_->tracker.legSlots();
}

std::size_t CaptureAnalyzer::linkKeys() const {
  if (impl_->options.pipeline && !impl_->finished) return 0;
  return impl_->tracker.linkKeys();
}

const CaptureStats& CaptureAnalyzer::stats() {
  auto& s = impl_->stats;
  const auto& d = impl_->decoder.stats();
  s.ipv4 = d.ipv4;
  s.ipv6 = d.ipv6;
  s.udp = d.udp;
  s.tcp = d.tcp;
  s.sctp = d.sctp;
  s.not_ip = d.not_ip;
  s.ipv4_fragments = d.ipv4_fragments;
  s.ipv6_fragments = d.ipv6_fragments;
  s.reassembled = impl_->decoder.defragStats().completed;
  s.tunnelled = d.tunnelled;
  s.vlan_tagged = d.vlan_tagged;
  s.tcp_retransmitted_bytes = impl_->finder.tcpRetransmittedBytes();
  s.tcp_gaps = impl_->finder.tcpGaps();
  s.tls_streams = impl_->finder.tlsStreams();
  s.tls_bytes = impl_->finder.tlsBytes();
  s.websocket_frames = impl_->finder.websocketFrames();
  if (impl_->options.pipeline && !impl_->finished) return s;  // the rest belongs to the tracking thread
  s.sip = impl_->tracker.sipStats();
  s.calls = impl_->tracker.callsEmitted();
  s.legs = impl_->tracker.legsEmitted();
  s.rtp_packets = impl_->rtp.rtpPackets();
  s.rtcp_packets = impl_->rtp.rtcpPackets();
  s.rtp_streams = impl_->rtp.streamsSeen();
  s.rtp_streams_unattached = impl_->rtp.unattachedEmitted();
  s.rtp_streams_dropped = impl_->rtp.streamsDropped();
  return s;
}

std::string redactCredentials(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  std::size_t pos = 0;
  while (pos < text.size()) {
    auto eol = text.find('\n', pos);
    auto line = text.substr(pos, eol == std::string_view::npos ? std::string_view::npos : eol - pos + 1);
    pos += line.size();
    auto colon = line.find(':');
    auto name = colon == std::string_view::npos ? std::string_view{} : line.substr(0, colon);
    while (!name.empty() && (name.back() == ' ' || name.back() == '\t')) name.remove_suffix(1);
    if (!proto::sip::iequals(name, "Authorization") && !proto::sip::iequals(name, "Proxy-Authorization")) {
      out.append(line);
      continue;
    }
    // Replace the values of response= and cnonce= (the parts an offline attack would use).
    std::string l(line);
    for (std::string_view param : {"response=", "cnonce="}) {
      std::size_t at = 0;
      while (true) {
        std::string lower = l;
        for (auto& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        at = lower.find(param, at);
        if (at == std::string::npos) break;
        if (at > 0 && std::isalnum(static_cast<unsigned char>(lower[at - 1]))) {  // e.g. "xresponse="
          at += param.size();
          continue;
        }
        auto vstart = at + param.size();
        auto vend = vstart;
        if (vend < l.size() && l[vend] == '"') {
          auto close = l.find('"', vend + 1);
          vend = close == std::string::npos ? l.size() : close + 1;
        } else {
          while (vend < l.size() && l[vend] != ',' && l[vend] != '\r' && l[vend] != '\n') ++vend;
        }
        l.replace(vstart, vend - vstart, "\"<redacted>\"");
        at = vstart + 12;
      }
    }
    out.append(l);
  }
  return out;
}

}  // namespace vs::analysis
