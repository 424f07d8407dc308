#pragma once
// SIP messages -> legs (one per Call-ID, with dialogs, state, timings, SDP media) -> calls (linked legs).
// Streaming: finished calls are handed out and forgotten (see CaptureAnalyzer for the timing rules).
#include <cstdint>
#include <functional>
#include <limits>
#include <algorithm>
#include <array>
#include <map>
#include <queue>
#include <set>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "analysis/capture_analyzer.h"
#include "analysis/model.h"
#include "analysis/sip_finder.h"

namespace vs::analysis {

// Methods of RFC 3261 and its extensions; a request line whose method only ends with one of these
// ("DBREGISTER") had junk glued in front of it.
bool isKnownMethod(std::string_view method);
// "sip:alice@example.com;x" / "<tel:+123>" -> "alice" / "+123"; empty when there is no user part.
std::string_view uriUser(std::string_view name_addr);

// Message fingerprints of one leg, for retransmission detection. Most legs have a handful of messages, for
// which a short vector is a fraction of a hash set's memory (nodes and buckets); a long-lived Call-ID
// (REGISTER refreshes, a day-long call with re-INVITEs) moves to the set past kSmall.
class FingerprintSet {
 public:
  // True when `fp` was not there before.
  bool insert(std::uint64_t fp) {
    if (big_.empty()) {
      if (std::find(small_.begin(), small_.end(), fp) != small_.end()) return false;
      if (small_.size() < kSmall) {
        small_.push_back(fp);
        return true;
      }
      big_.insert(small_.begin(), small_.end());
      small_.clear();
      small_.shrink_to_fit();
    }
    return big_.insert(fp).second;
  }

 private:
  static constexpr std::size_t kSmall = 64;
  std::vector<std::uint64_t> small_;
  std::unordered_set<std::uint64_t> big_;
};

class CallTracker {
 public:
  using OnMalformed = std::function<void(std::uint64_t frame, std::string reason)>;
  CallTracker(const AnalyzerOptions& options, CaptureAnalyzer::OnCall on_call, OnMalformed on_malformed);

  void message(const FoundSip& found);
  // Called for every SDP m= line as it is seen (the RTP tracker ties streams to legs with it).
  using OnMedia = std::function<void(const std::string& call_id, const MediaDescription&)>;
  void onMedia(OnMedia fn) { on_media_ = std::move(fn); }
  // Emits the calls whose legs are all over, as of capture time `now_ns`.
  void sweep(std::int64_t now_ns);
  void finish();

  const SipStats& sipStats();
  std::size_t activeLegs() const { return legs_.size(); }
  std::size_t sweepEntries() const { return due_.size(); }  // bookkeeping size (bounded by active legs)
  std::uint64_t callsEmitted() const { return calls_emitted_; }
  std::uint64_t legsEmitted() const { return legs_emitted_; }

 private:
  struct Active {
    Leg leg;
    std::uint64_t group = 0;
    std::int64_t last_ns = 0;
    bool has_invite = false, saw_bye = false, saw_cancel = false, answered = false, header_from_invite = false;
    std::string caller_tag;
    // Sweep bookkeeping (see sweep()): the due time of this leg's entry in due_, INT64_MAX when it has none
    // (it was found done and waits for the other legs of its call).
    std::int64_t queued_due = std::numeric_limits<std::int64_t>::max();
    std::set<Endpoint> endpoints;
    std::set<std::string, std::less<>> to_tags;
    FingerprintSet seen;
    std::vector<std::string> keys;           // index entries to remove when the leg is emitted
    std::string from_digits, to_digits;
    std::set<proto::pkt::IpAddr> invite_targets;  // every address an INVITE of this leg was sent to
  };
  struct Group {
    std::uint64_t id = 0;
    std::vector<std::string> call_ids;
    struct Link {
      std::string a, b, reason;
      LinkConfidence confidence;
    };
    std::vector<Link> links;
  };

  void updateState(Active& a);
  void indexLinks(Active& a, const proto::sip::Message& m);
  void handleSdp(Active& a, const FoundSip& f, const proto::sip::Message& m);
  void link(Active& a, const std::string& other_call_id, std::string reason, LinkConfidence c);
  void addKey(Active& a, const std::string& key, std::string_view reason, LinkConfidence c);
  bool legDone(const Active& a, std::int64_t now_ns) const { return dueOf(a) <= now_ns; }
  // The capture time at which the leg becomes done if no message arrives before it.
  std::int64_t dueOf(const Active& a) const;
  void queue(Active& a);
  void emit(std::uint64_t group_id);

  const AnalyzerOptions& options_;
  CaptureAnalyzer::OnCall on_call_;
  OnMalformed on_malformed_;
  OnMedia on_media_;
  std::unordered_map<std::string, Active> legs_;
  std::map<std::uint64_t, Group> groups_;
  std::unordered_map<std::string, std::string> key_index_;  // link key -> Call-ID that registered it
  std::unordered_set<std::uint64_t> call_id_hashes_;
  // Legs by due time (min-heap, lazily updated): a sweep looks only at legs that may be done instead of
  // every active leg (64 000 of them at 2 000 calls/s with a 32 s linger).
  struct DueEntry {
    std::int64_t due;
    std::string call_id;
    bool operator>(const DueEntry& o) const { return due > o.due; }
  };
  std::priority_queue<DueEntry, std::vector<DueEntry>, std::greater<>> due_;
  std::array<std::uint64_t, 8> by_transport_{};
  SipStats stats_;
  std::uint64_t next_group_ = 1;
  std::uint64_t last_sip_frame_ = 0;
  std::uint64_t calls_emitted_ = 0, legs_emitted_ = 0;
};

}  // namespace vs::analysis
