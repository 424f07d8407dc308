#pragma once
// SIP messages -> legs (one per Call-ID, with dialogs, state, timings, SDP media) -> calls (linked legs).
// Streaming: finished calls are handed out and forgotten (see CaptureAnalyzer for the timing rules).
#include <cstdint>
#include <functional>
#include <limits>
#include <algorithm>
#include <array>
#include <deque>
#include <optional>
#include <map>
#include <memory>
#include <queue>
#include <set>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "analysis/capture_analyzer.h"
#include "analysis/flat_index.h"
#include "analysis/inline_list.h"
#include "analysis/model.h"
#include "analysis/sip_finder.h"
#include "analysis/slot_table.h"

namespace vs::analysis {

// Methods of RFC 3261 and its extensions; a request line whose method only ends with one of these
// ("DBREGISTER") had junk glued in front of it.
bool isKnownMethod(std::string_view method);
inline constexpr std::size_t kKnownMethods = 14;
// Index of a known method (0 INVITE, 1 ACK, 2 BYE, 3 CANCEL, ...), -1 for others.
int methodIndex(std::string_view method);
// Whether the body is SDP (Content-Type application/sdp, or no Content-Type and a body starting "v=0").
bool hasSdpBody(const proto::sip::Message& m);
// "sip:alice@example.com;x" / "<tel:+123>" -> "alice" / "+123"; empty when there is no user part.
std::string_view uriUser(std::string_view name_addr);

// Message fingerprints of one leg, for retransmission detection. Most legs have a handful of messages,
// kept inline (no heap block to miss in the cache), then in a short vector, a fraction of a hash set's
// memory; a long-lived Call-ID (REGISTER refreshes, a day-long call with re-INVITEs) moves to the set
// past kSmall.
class FingerprintSet {
 public:
  // True when `fp` was not there before.
  bool insert(std::uint64_t fp) {
    for (std::size_t i = 0; i < inline_n_; ++i) {
      if (inline_[i] == fp) return false;
    }
    if (inline_n_ < inline_.size() && small_.empty() && !big_) {
      inline_[inline_n_++] = fp;
      return true;
    }
    if (!big_) {
      if (std::find(small_.begin(), small_.end(), fp) != small_.end()) return false;
      if (small_.size() < kSmall) {
        small_.push_back(fp);
        return true;
      }
      big_ = std::make_unique<std::unordered_set<std::uint64_t>>(small_.begin(), small_.end());
      small_.clear();
      small_.shrink_to_fit();
    }
    return big_->insert(fp).second;
  }

  // Empty again, keeping the short vector's capacity for the next leg.
  void clear() {
    inline_n_ = 0;
    small_.clear();
    big_.reset();
  }

 private:
  static constexpr std::size_t kSmall = 64;
  // Ten: a call with a challenge (INVITE, 407, ACK, INVITE, 100, 180, 200, ACK, BYE, 200) fits.
  std::array<std::uint64_t, 10> inline_{};
  std::uint32_t inline_n_ = 0;
  std::vector<std::uint64_t> small_;
  std::unique_ptr<std::unordered_set<std::uint64_t>> big_;  // rare: a pointer in each leg slot, not a table
};

// A capture time that may be absent, in 8 bytes (std::optional<std::int64_t> takes 16). Capture times
// are never INT64_MIN, which marks "absent".
class OptionalTime {
 public:
  OptionalTime& operator=(std::int64_t v) {
    v_ = v;
    return *this;
  }
  explicit operator bool() const { return v_ != kNone; }
  std::int64_t operator*() const { return v_; }
  std::optional<std::int64_t> get() const { return v_ == kNone ? std::nullopt : std::optional<std::int64_t>(v_); }

 private:
  static constexpr std::int64_t kNone = std::numeric_limits<std::int64_t>::min();
  std::int64_t v_ = kNone;
};

// What the tracker keeps of a leg while it is held, with the model's Leg's field names: the model's Leg
// without what is filled only when the leg leaves (streams, endpoints, the To-tag list, the counts by
// method and status, kept in the slot in compact form), absent times in 8 bytes, and the rare maps as a
// list or behind a pointer. A file of short calls holds every call of the last 32 s (up to the 40 000 legs
// of the default bound), each slot read once more when the call leaves: 496 bytes against the model's 832.
struct HeldLeg {
  std::string call_id;
  std::string kind;  // as Leg::kind; empty until the first request
  std::optional<CallState> state;
  HangupBy hangup = HangupBy::kNone;
  bool register_accepted = false;  // a 2xx to a REGISTER of the leg was seen (in the byte after `hangup`)
  int last_final_status = 0;
  std::uint32_t udp_fragmented = 0, udp_fragmented_max_bytes = 0;
  std::string from_user, to_user, from_tag;
  Endpoint caller, callee;
  std::uint64_t first_frame = 0, last_frame = 0;
  std::int64_t start_ns = 0, end_ns = 0;
  OptionalTime invite_ns, ringing_ns, answer_ns, bye_ns;
  std::uint64_t messages = 0, retransmissions = 0;
  std::vector<std::pair<std::string, std::uint64_t>> other_methods;  // requests of methods outside kMethods
  std::vector<int> invite_final_statuses;
  std::vector<Dialog> dialogs;
  MediaList media;
  std::vector<SipMessageInfo> message_list;
  std::uint64_t messages_not_kept = 0;
  std::unique_ptr<std::map<std::string, std::string>> link_headers;  // most legs name no other leg
  std::string sdp_origin;
  // The Reason of the message that ended the leg so far (see CallTracker::keepReason). Behind a pointer:
  // most legs have none, and a string in every held slot made the table 5 % larger (1 048-byte slots).
  std::unique_ptr<std::string> end_reason;
  // Leg::register_refused while held; behind a pointer: only a leg whose REGISTER was refused has one.
  std::unique_ptr<RegisterRefusals> register_refused;
};

class CallTracker {
 public:
  // The per-message figures of a message sent from `src` to `dst`: from those alone, no tracker state.
  static SipDigest digest(const proto::sip::Message& m, const Endpoint& src, const Endpoint& dst);
  using OnMalformed = std::function<void(std::uint64_t frame, std::string reason)>;
  CallTracker(const AnalyzerOptions& options, CaptureAnalyzer::OnCall on_call, OnMalformed on_malformed);

  void message(const FoundSip& found);
  // Called for every SDP m= line as it is seen (the RTP tracker ties streams to legs with it).
  using OnMedia = std::function<void(const std::string& call_id, const MediaView&)>;
  void onMedia(OnMedia fn) { on_media_ = std::move(fn); }
  // Emits the calls whose legs are all over, as of capture time `now_ns`.
  void sweep(std::int64_t now_ns);
  // End of input: every call is emitted. Messages after it are ignored.
  void finish();

  const SipStats& sipStats();
  std::size_t activeLegs() const { return live_legs_; }
  std::size_t sweepEntries() const { return due_.size(); }  // bookkeeping size (bounded by active legs)
  std::size_t linkKeys() const { return key_index_.size(); }  // link index entries (bounded by active legs)
  std::uint64_t callsEmitted() const { return calls_emitted_; }
  std::uint64_t legsEmitted() const { return legs_emitted_; }

 private:
  // Legs and calls live in slot tables that are reused, never shrunk: an emitted leg's slot, with the
  // capacity of its bookkeeping vectors, serves the next Call-ID (a steady stream of short calls then
  // allocates only for what it hands out). Slots are addressed by index; `gen` tells a reused slot from
  // the leg an old due-time entry was queued for.
  struct Active {
    HeldLeg leg;
    bool used = false;
    std::uint32_t gen = 0;
    std::uint64_t id_hash = 0;
    std::int64_t last_ns = 0;
    bool has_invite = false, saw_bye = false, saw_cancel = false, answered = false, header_from_invite = false;
    bool origin_key = false;  // key_index_ has "o:<sdp_origin>" -> this slot (not kept in `keys`)
    std::uint8_t reason_from = 0;  // what leg.end_reason came from: a ReasonFrom
    std::uint16_t ok_resends = 0;  // retransmitted 2xx responses to INVITE (saturating)
    std::uint32_t group = 0;       // slot in groups_ (here, after the 2-byte field: the slot stays 1 024 bytes)
    // Sweep bookkeeping (see sweep()): the due time of this leg's entry in due_, INT64_MAX when it has none
    // (it was found done and waits for the other legs of its call).
    std::int64_t queued_due = std::numeric_limits<std::int64_t>::max();
    InlineList<Endpoint, 3> endpoints;      // distinct, in order of appearance
    InlineList<std::string, 2> to_tags;     // distinct, in order of appearance
    // Requests of a known method and responses by status, moved into the Leg's maps at emit.
    std::array<std::uint32_t, kKnownMethods> method_counts{};
    InlineList<std::pair<int, std::uint64_t>, 4> status_counts;
    FingerprintSet seen;
    std::vector<std::string> keys;        // index entries to remove when the leg is emitted
    InlineList<proto::pkt::IpAddr, 2> invite_targets;  // every address an INVITE of this leg was sent to
  };
  struct Group {
    std::uint64_t id = 0;  // call number, from 1; 0: the slot is free
    std::vector<std::uint32_t> legs;  // leg slots
    struct Link {
      std::uint32_t a, b;  // leg slots
      std::string reason;
      LinkConfidence confidence;
    };
    std::vector<Link> links;
  };

 public:
  // Blocks of empty leg slots made ahead of time, on any thread, and handed in: the table of legs then
  // grows into memory that thread has already faulted in (see SlotTable).
  static constexpr std::size_t kLegBlock = kSlotBlockBytes / sizeof(Active);  // slots per block: 2 MiB
  using LegBlock = SlotTable<Active, kLegBlock>::Block;
  static LegBlock makeLegBlock() { return SlotTable<Active, kLegBlock>::makeBlock(); }
  void addLegBlock(LegBlock b) { legs_.addBlock(std::move(b)); }
  std::size_t spareLegBlocks() const { return legs_.spareBlocks(); }
  // Slots in the table's blocks, spares included.
  std::size_t legSlots() const { return legs_.capacity() + legs_.spareBlocks() * kLegBlock; }
  // The table of legs has used more than half of its last block: it is likely to grow. A capture of a few
  // calls never gets there, and makes no block ahead of need.
  bool legTableGrowing() const { return legs_.size() > 0 && legs_.size() + kLegBlock / 2 >= legs_.capacity(); }

 private:
  std::optional<std::uint32_t> findLeg(std::string_view call_id, std::uint64_t h) const;
  std::optional<std::uint32_t> findLeg(std::string_view call_id) const;
  std::uint32_t newLeg(std::string_view call_id, std::uint64_t h);
  void updateState(Active& a);
  // What can end a leg, in the order that outranks: a rejection is undone by a CANCEL (its 487), both by
  // an answered call's BYE.
  enum ReasonFrom : std::uint8_t { kNoReason, kFinalResponse, kCancel, kBye };
  static void keepReason(Active& a, const proto::sip::Message& m, ReasonFrom from);
  void indexLinks(Active& a, std::uint32_t slot, const proto::sip::Message& m);
  void handleSdp(Active& a, std::uint32_t slot, const FoundSip& f, const proto::sip::Message& m);
  void link(std::uint32_t slot, std::uint32_t other, std::string reason, LinkConfidence c);
  void addKey(Active& a, std::uint32_t slot, const std::string& key, std::string_view reason, LinkConfidence c);
  bool legDone(const Active& a, std::int64_t now_ns) const { return dueOf(a) <= now_ns; }
  // The capture time at which the leg becomes done if no message arrives before it.
  std::int64_t dueOf(const Active& a) const;
  void queue(Active& a, std::uint32_t slot);
  void emit(std::uint32_t group_slot);
  void buildLeg(Active& a, Leg& out);
  static void noteRegisterFinal(HeldLeg& leg, int status, std::int64_t ts_ns, std::uint64_t frame);
  static std::map<std::string, std::string>& linkHeaders(Active& a);
  void releaseKeys(Active& a, std::uint32_t slot);
  void releaseLeg(std::uint32_t slot);
  static std::uint64_t hashCallId(std::string_view call_id);

  const AnalyzerOptions& options_;
  CaptureAnalyzer::OnCall on_call_;
  OnMalformed on_malformed_;
  OnMedia on_media_;
  SlotTable<Active, kLegBlock> legs_;  // slots (stable addresses)
  std::vector<std::uint32_t> free_legs_;
  std::size_t live_legs_ = 0;
  FlatIndex leg_index_;  // Call-ID hash -> leg slot
  std::deque<Group> groups_;
  std::vector<std::uint32_t> free_groups_;
  std::size_t live_groups_ = 0;
  std::unordered_map<std::string, std::uint32_t> key_index_;  // link key -> leg slot that registered it
  // Hashes of every Call-ID seen, for SipStats::distinct_call_ids: exact up to kMaxExactCallIds distinct
  // ids (16 MB at most); past that only Call-IDs that start a new leg and are not in the set are counted.
  FlatIndex call_ids_seen_;
  // Legs by due time (min-heap, lazily updated): a sweep looks only at legs that may be done instead of
  // every active leg (64 000 of them at 2 000 calls/s with a 32 s linger).
  struct DueEntry {
    std::int64_t due;
    std::uint32_t slot, gen;
    bool operator>(const DueEntry& o) const { return due > o.due; }
  };
  std::priority_queue<DueEntry, std::vector<DueEntry>, std::greater<>> due_;
  std::array<std::uint64_t, 8> by_transport_{};
  std::array<std::uint64_t, kKnownMethods> method_counts_{};
  std::map<std::string, std::uint64_t, std::less<>> other_methods_;
  std::array<std::uint64_t, 700> status_counts_{};
  SipStats stats_;
  std::uint64_t next_group_ = 1;
  std::uint64_t last_sip_frame_ = 0;
  std::uint64_t calls_emitted_ = 0, legs_emitted_ = 0;
  std::string ref_key_;     // scratch for the "ref:<Call-ID>" lookup of each new leg's INVITE
  std::string origin_key_;  // scratch for the "o:<origin>" lookup of each leg's first SDP
  proto::sdp::Session sdp_scratch_;  // SDP bodies the decoding thread left unparsed, one at a time
  // Scratch for each m= line's MediaView (capacity kept: no allocation per SDP).
  std::vector<int> media_pts_;
  std::vector<std::pair<int, std::string>> media_encodings_;
  std::string media_encoding_;
  bool closing_ = false;  // finish() was called: emits skip the per-leg index and slot upkeep
};

inline constexpr std::size_t kMaxExactCallIds = std::size_t{1} << 20;

}  // namespace vs::analysis
