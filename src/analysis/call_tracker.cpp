#include "analysis/call_tracker.h"

#include <algorithm>
#include <array>
#include <charconv>
#include <cstring>
#include <tuple>

#include <fmt/format.h>

#include "core/scan.h"
#include "proto/sdp/sdp.h"

namespace vs::analysis {
namespace {

namespace sip = proto::sip;

constexpr std::array<std::string_view, kKnownMethods> kMethods{"INVITE", "ACK", "BYE", "CANCEL", "OPTIONS", "REGISTER",
                                                    "PRACK", "UPDATE", "INFO", "SUBSCRIBE", "NOTIFY", "REFER",
                                                    "MESSAGE", "PUBLISH"};
// kMethods' indices in the order of std::map<std::string, ...>: a leg's counts go into its map at the end,
// each at the end of the map (an insertion without a search).
constexpr std::array<std::uint8_t, kKnownMethods> kMethodsByName = [] {
  std::array<std::uint8_t, kKnownMethods> order{};
  for (std::size_t i = 0; i < order.size(); ++i) order[i] = static_cast<std::uint8_t>(i);
  std::sort(order.begin(), order.end(), [](std::uint8_t a, std::uint8_t b) { return kMethods[a] < kMethods[b]; });
  return order;
}();
constexpr std::array<std::string_view, 4> kCallIdHeaders{"X-CID", "X-Call-ID", "X-Orig-Call-ID", "X-Leg-ID"};
constexpr std::size_t kMaxMediaPerLeg = 32;
constexpr std::size_t kMinNumberDigits = 6;
constexpr std::size_t kNumberSuffix = 8;
constexpr std::size_t kDueSlack = 1024;

// Message fingerprints (retransmission detection inside one leg): the fields folded into a 64-bit hash
// eight bytes at a time. Byte-at-a-time FNV-1a was a third of the tracking thread's own work per message.
std::uint64_t foldWord(std::uint64_t h, std::uint64_t v) {
  h = (h ^ v) * 0xbf58476d1ce4e5b9ULL;
  return h ^ (h >> 31);
}

std::uint64_t fold(std::string_view s, std::uint64_t h = 0x9e3779b97f4a7c15ULL) {
  h = foldWord(h, s.size());  // so that ("ab", "c") and ("a", "bc") differ
  std::size_t i = 0;
  for (; i + 8 <= s.size(); i += 8) {
    std::uint64_t v = 0;
    std::memcpy(&v, s.data() + i, 8);
    h = foldWord(h, v);
  }
  // The last 1 to 7 bytes in fixed-size loads (a memcpy of a variable length is a libc call): the last
  // eight bytes when there are eight, else two overlapping halves, else byte by byte. With the length
  // folded in first, the same bytes give the same hash and every byte is in it.
  const std::size_t n = s.size();
  if (i < n) {
    const char* d = s.data();
    std::uint64_t v = 0;
    if (n >= 8) {
      std::memcpy(&v, d + n - 8, 8);
    } else if (n >= 4) {
      std::uint32_t lo = 0, hi = 0;
      std::memcpy(&lo, d, 4);
      std::memcpy(&hi, d + n - 4, 4);
      v = lo | std::uint64_t{hi} << 32;
    } else {
      for (std::size_t k = 0; k < n; ++k) v |= std::uint64_t{static_cast<unsigned char>(d[k])} << (8 * k);
    }
    h = foldWord(h, v);
  }
  return h;
}

// An address and port folded field by field (the struct has padding).
std::uint64_t fold(const Endpoint& e, std::uint64_t h) {
  for (auto w : endpointWords(e)) h = foldWord(h, w);
  return h;
}

std::string lowerCopy(std::string_view s) {
  std::string out(s);
  for (auto& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

// Leading digits of a user part ("+1267..." -> "1267..."), empty when fewer than kMinNumberDigits.
std::string digitsOf(std::string_view user) {
  std::size_t i = 0;
  while (i < user.size() && (user[i] == '+')) ++i;
  std::string d;
  while (i < user.size() && user[i] >= '0' && user[i] <= '9') d.push_back(user[i++]);
  return d.size() >= kMinNumberDigits ? d : std::string{};
}

std::string suffix(const std::string& d) { return d.size() > kNumberSuffix ? d.substr(d.size() - kNumberSuffix) : d; }

}  // namespace

bool hasSdpBody(const sip::Message& m) {
  if (m.body().empty()) return false;
  auto ct = m.header(sip::HeaderId::kContentType);
  if (ct) {
    constexpr std::string_view kSdp = "application/sdp";
    for (std::size_t i = 0; i + kSdp.size() <= ct->size(); ++i) {
      if (sip::iequals(ct->substr(i, kSdp.size()), kSdp)) return true;
    }
    return false;
  }
  return m.body().substr(0, 4) == "v=0\r" || m.body().substr(0, 4) == "v=0\n";
}

bool isKnownMethod(std::string_view method) { return methodIndex(method) >= 0; }

int methodIndex(std::string_view method) {
  for (std::size_t i = 0; i < kMethods.size(); ++i) {
    if (kMethods[i] == method) return static_cast<int>(i);
  }
  return -1;
}

std::string_view uriUser(std::string_view v) {
  auto lt = v.find('<');
  if (lt != std::string_view::npos) v = v.substr(lt + 1);
  auto colon = v.find(':');
  if (colon == std::string_view::npos) return {};
  auto scheme = v.substr(0, colon);
  while (!scheme.empty() && scheme.front() == ' ') scheme.remove_prefix(1);
  v = v.substr(colon + 1);
  // A tel number ends at its first parameter (RFC 3966).
  if (sip::iequals(scheme, "tel")) return v.substr(0, findFirstOf<';', '>', '?', ',', ' '>(v, 0));
  // A sip/sips user part ends at '@' and may hold ';' (user parameters, "123;npdi@gw": RFC 3261's
  // user-unreserved); an '@' after the end of the URI or the start of its headers is not the user's.
  const auto at = findFirstOf<'@'>(v, 0);
  if (at == v.size() || findFirstOf<'>', '?', ',', ' '>(v, 0) < at) return {};
  auto user = v.substr(0, at);
  return user.substr(0, findFirstOf<';'>(user, 0));  // user parameters are not part of the user
}

CallTracker::CallTracker(const AnalyzerOptions& options, CaptureAnalyzer::OnCall on_call, OnMalformed on_malformed)
    : options_(options), on_call_(std::move(on_call)), on_malformed_(std::move(on_malformed)) {}

std::uint64_t CallTracker::hashCallId(std::string_view call_id) {
  return std::hash<std::string_view>{}(call_id);
}

std::optional<std::uint32_t> CallTracker::findLeg(std::string_view call_id, std::uint64_t h) const {
  return leg_index_.find(h, [&](std::uint32_t slot) { return legs_[slot].leg.call_id == call_id; });
}

std::optional<std::uint32_t> CallTracker::findLeg(std::string_view call_id) const {
  return findLeg(call_id, hashCallId(call_id));
}

namespace {
// A free slot of `table` (one emitted earlier) or a new one at its end.
template <class Table>
std::uint32_t takeSlot(Table& table, std::vector<std::uint32_t>& free) {
  if (!free.empty()) {
    auto slot = free.back();
    free.pop_back();
    return slot;
  }
  table.emplace_back();
  return static_cast<std::uint32_t>(table.size() - 1);
}
}  // namespace

std::uint32_t CallTracker::newLeg(std::string_view call_id, std::uint64_t h) {
  const std::uint32_t slot = takeSlot(legs_, free_legs_);
  auto& a = legs_[slot];
  a.used = true;
  a.id_hash = h;
  a.leg.call_id.assign(call_id);
  leg_index_.insert(h, slot);
  ++live_legs_;

  const std::uint32_t g = takeSlot(groups_, free_groups_);
  auto& grp = groups_[g];
  grp.id = next_group_++;
  grp.legs.push_back(slot);
  a.group = g;
  ++live_groups_;
  return slot;
}

void CallTracker::addKey(Active& a, std::uint32_t slot, const std::string& key, std::string_view reason,
                         LinkConfidence c) {
  auto it = key_index_.find(key);
  if (it != key_index_.end() && it->second != slot) {
    link(slot, it->second, std::string(reason), c);
    return;
  }
  if (it == key_index_.end()) {
    key_index_.emplace(key, slot);
    a.keys.push_back(key);
  }
}

void CallTracker::link(std::uint32_t slot, std::uint32_t other, std::string reason, LinkConfidence c) {
  auto& a = legs_[slot];
  auto& o = legs_[other];
  if (!o.used || o.group == a.group) return;
  // Merge the newer call into the older one so a call keeps the number of its first leg.
  auto keep = groups_[o.group].id < groups_[a.group].id ? o.group : a.group;
  auto drop = keep == o.group ? a.group : o.group;
  auto& kg = groups_[keep];
  auto& dg = groups_[drop];
  // A call of more legs than this is a key shared by unrelated calls (a constant Session-ID or icid):
  // refusing the merge keeps memory and the emit cost bounded.
  if (kg.legs.size() + dg.legs.size() > options_.max_legs_per_call) return;
  for (auto l : dg.legs) {
    legs_[l].group = keep;
    kg.legs.push_back(l);
  }
  for (auto& l : dg.links) kg.links.push_back(std::move(l));
  kg.links.push_back(Group::Link{other, slot, std::move(reason), c});
  dg.legs.clear();
  dg.links.clear();
  dg.id = 0;
  free_groups_.push_back(drop);
  --live_groups_;
}

std::map<std::string, std::string>& CallTracker::linkHeaders(Active& a) {
  if (!a.leg.link_headers) a.leg.link_headers = std::make_unique<std::map<std::string, std::string>>();
  return *a.leg.link_headers;
}

void CallTracker::indexLinks(Active& a, std::uint32_t slot, const sip::Message& m) {
  auto one = [&](std::string_view name) {
    auto v = m.header(name);
    if (!v || v->empty() || *v == a.leg.call_id) return;
    std::string value(*v);
    linkHeaders(a)[std::string(name)] = value;
    // Either leg may come first: link now if the named leg exists, and leave a pointer for when it comes.
    auto reason = fmt::format("{} header names Call-ID {}", name, value);
    if (auto other = findLeg(value)) link(slot, *other, reason, LinkConfidence::kHigh);
    addKey(a, slot, "ref:" + value, reason, LinkConfidence::kHigh);
  };
  for (auto name : kCallIdHeaders) one(name);
  for (const auto& n : options_.link_headers) one(n);
  if (auto sid = m.header(sip::HeaderId::kSessionId)) {
    auto uuid = lowerCopy(sid->substr(0, sid->find(';')));
    while (!uuid.empty() && uuid.back() == ' ') uuid.pop_back();
    // RFC 7989: the null UUID means "not known yet" and links nothing.
    if (!uuid.empty() && uuid.find_first_not_of('0') != std::string::npos) {
      linkHeaders(a)["Session-ID"] = uuid;
      addKey(a, slot, "sid:" + uuid, fmt::format("same Session-ID {}", uuid), LinkConfidence::kHigh);
    }
  }
  if (auto pcv = m.header(sip::HeaderId::kPChargingVector)) {
    std::string with_semi = ";" + std::string(*pcv);
    if (auto icid = sip::headerParam(with_semi, "icid-value"); icid && !icid->empty()) {
      std::string value(*icid);
      if (value.size() >= 2 && value.front() == '"' && value.back() == '"') value = value.substr(1, value.size() - 2);
      linkHeaders(a)["P-Charging-Vector icid-value"] = value;
      addKey(a, slot, "icid:" + value, fmt::format("same P-Charging-Vector icid-value {}", value),
             LinkConfidence::kHigh);
    }
  }
}

void CallTracker::handleSdp(Active& a, std::uint32_t slot, const FoundSip& f, const sip::Message& m) {
  const proto::sdp::Session* s = nullptr;
  if (f.sdp != nullptr) {
    if (!*f.sdp) {
      on_malformed_(f.frame, fmt::format("SDP: {}", f.sdp->error().message));
      return;
    }
    s = &**f.sdp;
  } else {
    if (auto r = proto::sdp::parseInto(sdp_scratch_, m.body()); !r) {
      on_malformed_(f.frame, fmt::format("SDP: {}", r.error().message));
      return;
    }
    s = &sdp_scratch_;
  }
  bool from_caller = f.src == a.leg.caller;
  if (s->origin && from_caller && a.leg.sdp_origin.empty()) {
    a.leg.sdp_origin.reserve(s->origin->username.size() + s->origin->session_id.size() + s->origin->address.size() + 2);
    a.leg.sdp_origin.append(s->origin->username).append(" ").append(s->origin->session_id).append(" ").append(s->origin->address);
    // A B2BUA (or topology-hiding proxy) that passes SDP through unchanged gives both legs the same
    // origin. Only from a different caller (address and port: the same caller offering the same origin in
    // two Call-IDs is one UA reusing its session id) and only while the other leg is still going and began
    // within the window: UAs that reuse one o= line for every call (SIPp's scenarios do) would otherwise
    // merge consecutive calls, or 50 000 SIPp calls, into one.
    // The key is built in a member (no string per leg), and the leg keeps no copy of it: the index entry
    // is removed from its sdp_origin when the leg leaves (releaseKeys).
    origin_key_.assign("o:").append(a.leg.sdp_origin);
    auto kit = key_index_.find(origin_key_);
    if (kit != key_index_.end() && kit->second != slot) {
      const auto& o = legs_[kit->second];
      bool live = !(o.leg.caller == a.leg.caller) && !o.saw_bye && o.leg.invite_ns &&
                  f.ts_ns - *o.leg.invite_ns <= options_.number_link_window_ns &&
                  o.leg.state.value_or(CallState::kCallSetup) != CallState::kRejected &&
                  o.leg.state.value_or(CallState::kCallSetup) != CallState::kCancelled;
      if (live) {
        link(slot, kit->second, fmt::format("identical SDP origin (o=) {}", a.leg.sdp_origin), LinkConfidence::kMedium);
      } else {
        kit->second = slot;  // the newest leg with this origin answers for it from now on
        a.origin_key = true;
      }
    } else if (kit == key_index_.end()) {
      key_index_.emplace(origin_key_, slot);
      a.origin_key = true;
    }
  }
  for (std::size_t i = 0; i < s->media.size() && a.leg.media.size() < kMaxMediaPerLeg; ++i) {
    const auto& md = s->media[i];
    media_pts_.clear();
    media_encodings_.clear();
    for (auto fmt_text : md.formats) {
      int pt = 0;
      auto [p, ec] = std::from_chars(fmt_text.data(), fmt_text.data() + fmt_text.size(), pt);
      if (ec != std::errc() || p != fmt_text.data() + fmt_text.size()) continue;
      media_pts_.push_back(pt);
      // "PCMU/8000": the last rtpmap for the payload type, else the RFC 3551 static table.
      auto& enc = media_encoding_;
      enc.clear();
      for (const auto& r : md.rtpmaps) {
        if (r.payload_type == pt) enc.assign(r.encoding).append("/").append(std::to_string(r.clock_rate));
      }
      if (enc.empty() && !proto::sdp::staticEncoding(pt).empty()) {
        enc.assign(proto::sdp::staticEncoding(pt)).append("/").append(std::to_string(proto::sdp::staticClockRate(pt)));
      }
      if (enc.empty()) continue;
      // Sorted by payload type, one entry each (a repeated format gives the same name).
      auto at = std::lower_bound(media_encodings_.begin(), media_encodings_.end(), pt,
                                 [](const auto& e, int v) { return e.first < v; });
      if (at != media_encodings_.end() && at->first == pt) at->second = enc;
      else media_encodings_.emplace(at, pt, enc);
    }
    MediaView d;
    d.frame = f.frame;
    d.from_caller = from_caller;
    d.media = md.media;
    d.address = s->mediaAddress(i);
    d.port = md.port;
    d.protocol = md.protocol;
    d.direction = proto::sdp::directionName(md.direction);
    d.payload_types = media_pts_;
    d.encodings = media_encodings_;
    if (on_media_) on_media_(a.leg.call_id, d);
    a.leg.media.push_back(d);
  }
}

void CallTracker::updateState(Active& a) {
  if (!a.has_invite) {
    a.leg.state.reset();
    return;
  }
  const auto& fin = a.leg.invite_final_statuses;
  if (a.saw_bye && a.answered) a.leg.state = CallState::kCompleted;
  else if (a.answered) a.leg.state = CallState::kInCall;
  else if (a.saw_cancel) a.leg.state = CallState::kCancelled;
  else if (!fin.empty() && fin.back() >= 300) a.leg.state = CallState::kRejected;
  else a.leg.state = CallState::kCallSetup;
}

void CallTracker::keepReason(Active& a, const sip::Message& m, ReasonFrom from) {
  if (from < a.reason_from) return;
  a.reason_from = from;
  if (a.leg.end_reason) a.leg.end_reason->clear();
  if (!m.header(sip::HeaderId::kReason)) return;  // the common case: no list to make
  if (!a.leg.end_reason) a.leg.end_reason = std::make_unique<std::string>();
  auto& out = *a.leg.end_reason;
  // One Reason per protocol (RFC 3326: "SIP;cause=...", "Q.850;cause=..."): all of them, as sent.
  for (auto r : m.headers("Reason")) {
    if (!out.empty()) out += ", ";
    out += r;
  }
}

SipDigest CallTracker::digest(const sip::Message& m, const Endpoint& src, const Endpoint& dst) {
  SipDigest d;
  if (m.isRequest()) {
    d.method = m.requestLine().method;
    d.method_index = methodIndex(d.method);
    for (std::size_t k = 0; d.method_index < 0 && k < kMethods.size(); ++k) {
      auto known = kMethods[k];
      if (d.method.size() > known.size() && d.method.substr(d.method.size() - known.size()) == known) {
        d.junk = d.method.size() - known.size();
        d.method = d.method.substr(d.junk);
        d.method_index = static_cast<int>(k);
      }
    }
  }
  d.has_sdp = hasSdpBody(m);
  d.id_hash = hashCallId(m.callId());
  const int status = m.isResponse() ? m.statusLine().code : 0;
  const auto cseq = m.cseq();
  auto fp = fold(src, fold(dst, fold(d.method, fold(cseq ? cseq->method : std::string_view{}))));
  fp = fold(m.topViaBranch(),
            fold(m.toTag(), fp ^ (static_cast<std::uint64_t>(status) << 40) ^ (cseq ? cseq->number : 0U)));
  // Reliable provisional responses (RFC 3262) differ only in RSeq; PRACKs in RAck.
  d.fingerprint = fold(m.header(sip::HeaderId::kRSeq).value_or(""), fold(m.header(sip::HeaderId::kRAck).value_or(""), fp));
  return d;
}

void CallTracker::message(const FoundSip& f) {
  if (closing_) return;  // after finish(): the indexes no longer describe the slots
  const auto& m = *f.message;
  const SipDigest dg = f.digest != nullptr ? *f.digest : digest(m, f.src, f.dst);
  const std::string_view method = dg.method;
  const int method_index = dg.method_index;
  if (dg.junk > 0) {
    on_malformed_(f.frame, fmt::format("SIP: junk '{}' before the {} request line",
                                       m.requestLine().method.substr(0, dg.junk), method));
  }
  const int status = m.isResponse() ? m.statusLine().code : 0;
  const auto cseq = m.cseq();
  const std::string_view cseq_method = cseq ? cseq->method : std::string_view{};
  const bool is_invite = method_index == 0;

  // Statistics over every message.
  ++stats_.messages;
  if (m.isRequest()) {
    ++stats_.requests;
    if (method_index >= 0) ++method_counts_[static_cast<std::size_t>(method_index)];
    else if (auto it = other_methods_.find(method); it != other_methods_.end()) ++it->second;
    else other_methods_.emplace(std::string(method), 1);
  } else {
    ++stats_.responses;
    ++status_counts_[static_cast<std::size_t>(status) % status_counts_.size()];
  }
  ++by_transport_[static_cast<std::size_t>(f.transport) % by_transport_.size()];
  if (f.frame != last_sip_frame_) {
    ++stats_.frames_with_sip;
    last_sip_frame_ = f.frame;
  }
  const std::string_view call_id = m.callId();
  const std::uint64_t id_hash = dg.id_hash;

  auto found = findLeg(call_id, id_hash);
  const bool fresh = !found;
  if (fresh) {
    // A Call-ID that is not live now was either never seen or seen in a leg already emitted.
    auto always = [](std::uint32_t) { return true; };
    if (!call_id.empty() && !call_ids_seen_.find(id_hash, always)) {
      ++stats_.distinct_call_ids;
      if (call_ids_seen_.size() < kMaxExactCallIds) call_ids_seen_.insert(id_hash, 0);
    }
  }
  const std::uint32_t slot = fresh ? newLeg(call_id, id_hash) : *found;
  auto& a = legs_[slot];
  auto& leg = a.leg;
  if (fresh) {
    leg.first_frame = f.frame;
    leg.start_ns = f.ts_ns;
  }
  leg.last_frame = f.frame;
  leg.end_ns = f.ts_ns;
  a.last_ns = f.ts_ns;
  ++leg.messages;
  if (f.transport == SipTransport::kUdp && !f.segment_frames.empty()) {  // rebuilt from IP fragments
    ++leg.udp_fragmented;
    leg.udp_fragmented_max_bytes = std::max(leg.udp_fragmented_max_bytes, static_cast<std::uint32_t>(m.raw().size()));
  }
  for (const auto& e : {f.src, f.dst}) {
    EndpointEq eq;
    if (!a.endpoints.find([&](const Endpoint& x) { return eq(x, e); })) a.endpoints.push_back(e);
  }

  // Views into the message; copied into the leg only where kept.
  const std::string_view from_tag = m.fromTag(), to_tag = m.toTag();
  const bool has_sdp = dg.has_sdp;
  const bool retransmission = !a.seen.insert(dg.fingerprint);
  if (retransmission) {
    ++leg.retransmissions;
    ++stats_.retransmissions;
  }
  if (!to_tag.empty() && !a.to_tags.find([&](const std::string& x) { return x == to_tag; })) {
    a.to_tags.push_back(std::string(to_tag));
  }

  // From/To as tshark's VoIP calls report them: the first INVITE's, else the first message's.
  if ((is_invite && !a.header_from_invite) || fresh) {
    if (is_invite) a.header_from_invite = true;
    leg.from_user.assign(uriUser(m.header(sip::HeaderId::kFrom).value_or("")));
    leg.to_user.assign(uriUser(m.header(sip::HeaderId::kTo).value_or("")));
    leg.from_tag.assign(from_tag);
  }
  if (leg.kind.empty() && m.isRequest()) {
    leg.kind = fmt::format("non-call:{}", method);
    if (!a.has_invite) leg.callee = f.dst;  // the first INVITE's replaces it
  }

  if (m.isRequest()) {
    if (method_index >= 0) {
      ++a.method_counts[static_cast<std::size_t>(method_index)];
    } else {
      auto& by_method = leg.other_methods;  // a handful of entries, a walk
      if (auto it = std::find_if(by_method.begin(), by_method.end(), [&](const auto& e) { return e.first == method; });
          it != by_method.end()) {
        ++it->second;
      } else {
        by_method.emplace_back(std::string(method), 1);
      }
    }
    if (is_invite) {
      leg.kind = "call";
      if (!a.invite_targets.find([&](const proto::pkt::IpAddr& x) { return x == f.dst.ip; })) {
        a.invite_targets.push_back(f.dst.ip);
      }
      if (!a.has_invite) {
        a.has_invite = true;
        leg.invite_ns = f.ts_ns;
        leg.caller = f.src;
        leg.callee = f.dst;
        const std::string from_digits = digitsOf(leg.from_user), to_digits = digitsOf(leg.to_user);
        indexLinks(a, slot, m);
        // Numbers and timing (low confidence): a B2BUA's outgoing leg leaves from where the incoming one
        // arrived, carries the same caller and callee digits, and starts within the window.
        if (!from_digits.empty() && !to_digits.empty()) {
          auto key = "num:" + suffix(from_digits) + ">" + suffix(to_digits);
          auto kit = key_index_.find(key);
          if (kit != key_index_.end() && kit->second != slot) {
            const auto& o = legs_[kit->second];
            if (o.leg.invite_ns && f.ts_ns - *o.leg.invite_ns <= options_.number_link_window_ns &&
                o.invite_targets.find([&](const proto::pkt::IpAddr& x) { return x == f.src.ip; })) {
              link(slot, kit->second,
                   fmt::format("same caller/callee numbers ({} -> {}) within {} s, next hop", suffix(from_digits),
                               suffix(to_digits), options_.number_link_window_ns / 1'000'000'000),
                   LinkConfidence::kLow);
            }
            kit->second = slot;
          } else if (kit == key_index_.end()) {
            key_index_.emplace(key, slot);
          }
          a.keys.push_back(std::move(key));
        }
        // A leg named by an earlier leg's X-CID-style header.
        if (!key_index_.empty()) {
          ref_key_.assign("ref:").append(call_id);  // a member: no string built per INVITE
          if (auto r = key_index_.find(ref_key_); r != key_index_.end() && r->second != slot) {
            link(slot, r->second, fmt::format("Call-ID named by a header of leg {}", legs_[r->second].leg.call_id),
                 LinkConfidence::kHigh);
          }
        }
      }
    } else if (method_index == 2) {  // BYE
      if (!a.saw_bye) {
        leg.bye_ns = f.ts_ns;
        // The caller's tag is the first INVITE's From tag, which is what leg.from_tag holds once an
        // INVITE was seen (a BYE before any INVITE compares with no tag).
        const std::string_view caller_tag = a.has_invite ? std::string_view(leg.from_tag) : std::string_view{};
        leg.hangup = (from_tag == caller_tag) ? HangupBy::kCaller : HangupBy::kCallee;
        keepReason(a, m, kBye);
      }
      a.saw_bye = true;
    } else if (method_index == 3) {  // CANCEL
      if (!a.saw_cancel) keepReason(a, m, kCancel);
      a.saw_cancel = true;
    }
  } else {
    if (auto* c = a.status_counts.find([&](const auto& e) { return e.first == status; })) ++c->second;
    else a.status_counts.push_back({status, 1});
    if (status >= 200) leg.last_final_status = status;
    if (status >= 200 && !retransmission && cseq_method == "REGISTER") noteRegisterFinal(leg, status, f.ts_ns, f.frame);
    if (cseq_method == "INVITE") {
      if (status >= 180 && status < 200 && !leg.ringing_ns) leg.ringing_ns = f.ts_ns;
      if (status >= 200 && status < 300 && retransmission && a.ok_resends < std::numeric_limits<std::uint16_t>::max()) ++a.ok_resends;
      if (status >= 200) {
        leg.invite_final_statuses.push_back(status);
        if (status >= 300) keepReason(a, m, kFinalResponse);
        if (status < 300) {
          a.answered = true;
          if (!leg.answer_ns) leg.answer_ns = f.ts_ns;
        }
      }
      if (!to_tag.empty()) {
        auto d = std::find_if(leg.dialogs.begin(), leg.dialogs.end(), [&](const Dialog& x) {
          return x.from_tag == from_tag && x.to_tag == to_tag;
        });
        if (d == leg.dialogs.end()) {
          leg.dialogs.push_back(Dialog{std::string(from_tag), std::string(to_tag), f.frame, std::nullopt});
          d = leg.dialogs.end() - 1;
        }
        if (status >= 200 && !d->final_status) d->final_status = status;
      }
    }
  }
  if (has_sdp) handleSdp(a, slot, f, m);
  updateState(a);
  queue(a, slot);
  // After the message is recorded: making room may emit calls, never the one a message just refreshed
  // unless every other call is younger.
  if (fresh && live_legs_ > options_.max_active_legs) sweep(f.ts_ns);

  if (!options_.keep_message_list) return;
  auto& kept = legs_[slot].leg;
  if (!legs_[slot].used) return;  // emitted while making room
  if (kept.message_list.size() >= options_.max_messages_per_leg) {
    ++kept.messages_not_kept;
    return;
  }
  SipMessageInfo& info = kept.message_list.emplace_back();
  info.frame = f.frame;
  info.segment_frames = f.segment_frames;
  info.ts_ns = f.ts_ns;
  info.src = f.src;
  info.dst = f.dst;
  info.transport = f.transport;
  info.request = m.isRequest();
  info.method = method;
  info.status = status;
  info.reason = std::string(m.statusLine().reason);
  info.cseq = cseq ? cseq->number : 0;
  info.cseq_method = cseq_method;
  info.from_tag = std::string(from_tag);
  info.to_tag = std::string(to_tag);
  info.from_user = std::string(uriUser(m.header(sip::HeaderId::kFrom).value_or("")));
  info.to_user = std::string(uriUser(m.header(sip::HeaderId::kTo).value_or("")));
  info.has_sdp = has_sdp;
  info.retransmission = retransmission;
  if (options_.keep_message_text) info.text = options_.redact ? redactCredentials(m.raw()) : std::string(m.raw());
}

std::int64_t CallTracker::dueOf(const Active& a) const {
  const auto idle = a.last_ns + options_.idle_timeout_ns;
  const auto& fin = a.leg.invite_final_statuses;
  bool challenged = !a.answered && !fin.empty() && (fin.back() == 401 || fin.back() == 407);
  if (!a.has_invite || challenged) return std::min(idle, a.last_ns + std::max(options_.linger_ns, options_.session_linger_ns));
  auto s = a.leg.state.value_or(CallState::kCallSetup);
  bool over = s == CallState::kCompleted || s == CallState::kCancelled || s == CallState::kRejected;
  return over ? std::min(idle, a.last_ns + options_.linger_ns) : idle;
}

// Invariant: every leg not found done has an entry in due_ whose time is a.queued_due <= dueOf(a). A
// message only moves a leg's due time later, except when the leg's state ends (BYE, final rejection):
// then the earlier time is queued here.
void CallTracker::queue(Active& a, std::uint32_t slot) {
  auto d = dueOf(a);
  if (d >= a.queued_due) return;
  a.queued_due = d;
  due_.push(DueEntry{d, slot, a.gen});
  // Entries of emitted legs and superseded ones stay in the heap until their time comes (an answered
  // call leaves its 4 h idle-timeout entry behind): rebuild from the live legs when they outnumber them,
  // so the heap stays proportional to the active legs (amortised O(1) per push).
  if (due_.size() > 2 * live_legs_ + kDueSlack) {
    std::vector<DueEntry> live;
    live.reserve(live_legs_);
    for (std::uint32_t i = 0; i < legs_.size(); ++i) {
      const auto& l = legs_[i];
      if (l.used && l.queued_due != std::numeric_limits<std::int64_t>::max()) {
        live.push_back(DueEntry{l.queued_due, i, l.gen});
      }
    }
    due_ = decltype(due_)(std::greater<>(), std::move(live));
  }
}

void CallTracker::sweep(std::int64_t now_ns) {
  std::vector<std::pair<std::uint64_t, std::uint32_t>> done;  // (call number, group slot)
  while (!due_.empty() && due_.top().due <= now_ns) {
    DueEntry e = due_.top();
    due_.pop();
    auto& a = legs_[e.slot];
    if (!a.used || a.gen != e.gen || a.queued_due != e.due) continue;  // emitted, or a newer entry exists
    auto d = dueOf(a);
    if (d > now_ns) {  // messages since it was queued
      a.queued_due = d;
      due_.push(DueEntry{d, e.slot, e.gen});
      continue;
    }
    a.queued_due = std::numeric_limits<std::int64_t>::max();
    const auto& g = groups_[a.group];
    bool all = std::all_of(g.legs.begin(), g.legs.end(),
                           [&](std::uint32_t l) { return legDone(legs_[l], now_ns); });
    if (all) done.emplace_back(g.id, a.group);
  }
  // In call order, as a walk over every call would give.
  std::sort(done.begin(), done.end());
  done.erase(std::unique(done.begin(), done.end()), done.end());
  for (const auto& [id, gslot] : done) {
    if (groups_[gslot].id == id) emit(gslot);
  }
  if (live_legs_ > options_.max_active_legs) {
    // Still over the limit: make room down to 90 %. Calls that are over (every leg ended: BYE, CANCEL,
    // final rejection; they only wait out the linger) go first, oldest first; only then the calls idle
    // the longest, as they stand, because a call still up may yet send its BYE.
    std::vector<std::tuple<bool, std::int64_t, std::uint64_t, std::uint32_t>> order;  // (going, last, call, slot)
    order.reserve(live_groups_);
    for (std::uint32_t gs = 0; gs < groups_.size(); ++gs) {
      const auto& g = groups_[gs];
      if (g.id == 0) continue;
      std::int64_t last = 0;
      bool going = false;
      for (auto l : g.legs) {
        const auto& a = legs_[l];
        last = std::max(last, a.last_ns);
        auto st = a.leg.state.value_or(CallState::kCallSetup);
        going = going || !a.has_invite ||
                !(st == CallState::kCompleted || st == CallState::kCancelled || st == CallState::kRejected);
      }
      order.emplace_back(going, last, g.id, gs);
    }
    // Every call gives up at least one leg, so no more than `excess` calls leave: only those are put in
    // order (a full sort of 40 000 calls, at every 4 000 new legs, was 4 % of the work of a file of short
    // calls).
    const std::size_t target = options_.max_active_legs * 9 / 10;
    const std::size_t excess = std::min(order.size(), live_legs_ - target);
    const auto cut = order.begin() + static_cast<std::ptrdiff_t>(excess);
    std::nth_element(order.begin(), cut, order.end());
    std::sort(order.begin(), cut);
    for (auto it = order.begin(); it != cut && live_legs_ > target; ++it) emit(std::get<3>(*it));
  }
}

// An emitted leg's link keys, out of the index (before its values move out: the SDP origin names one).
void CallTracker::releaseKeys(Active& a, std::uint32_t slot) {
  auto drop = [&](const std::string& k) {
    auto kit = key_index_.find(k);
    if (kit != key_index_.end() && kit->second == slot) key_index_.erase(kit);
  };
  for (const auto& k : a.keys) drop(k);
  if (a.origin_key) {
    origin_key_.assign("o:").append(a.leg.sdp_origin);
    drop(origin_key_);
  }
}

// An emitted leg's slot, out of the Call-ID index and emptied for the next Call-ID.
void CallTracker::releaseLeg(std::uint32_t slot) {
  auto& a = legs_[slot];
  leg_index_.erase(a.id_hash, slot);
  a.leg = HeldLeg{};
  a.used = false;
  ++a.gen;
  a.id_hash = 0;
  a.last_ns = 0;
  a.has_invite = a.saw_bye = a.saw_cancel = a.answered = a.header_from_invite = a.origin_key = false;
  a.reason_from = kNoReason;
  a.ok_resends = 0;
  a.queued_due = std::numeric_limits<std::int64_t>::max();
  a.endpoints.clear();
  a.to_tags.clear();
  a.seen.clear();
  a.keys.clear();
  a.invite_targets.clear();
  a.method_counts = {};
  a.status_counts.clear();
  free_legs_.push_back(slot);
  --live_legs_;
}

// A final response to a REGISTER of the leg: a 2xx ends a run of refusals, a response >= 400 extends it.
void CallTracker::noteRegisterFinal(HeldLeg& leg, int status, std::int64_t ts_ns, std::uint64_t frame) {
  if (status < 300) {
    leg.register_accepted = true;
    leg.register_refused.reset();
    return;
  }
  if (status < 400) return;
  if (!leg.register_refused) {
    leg.register_refused = std::make_unique<RegisterRefusals>();
    leg.register_refused->first_ns = ts_ns;
    leg.register_refused->first_frame = frame;
    leg.register_refused->after_accepted = leg.register_accepted;
  }
  auto& by = leg.register_refused->by_status;
  auto at = std::find_if(by.begin(), by.end(), [&](const auto& e) { return e.first == status; });
  if (at != by.end()) ++at->second;
  else by.emplace_back(status, 1);
}

// The model's Leg from a held one; the slot's values move out (it is released or never used again).
void CallTracker::buildLeg(Active& a, Leg& out) {
  auto& h = a.leg;
  out.call_id = std::move(h.call_id);
  out.kind = h.kind.empty() ? std::string("non-call:?") : std::move(h.kind);
  out.state = h.state;
  out.from_user = std::move(h.from_user);
  out.to_user = std::move(h.to_user);
  out.from_tag = std::move(h.from_tag);
  auto& tags = out.to_tags;
  tags.reserve(a.to_tags.size());
  a.to_tags.forEach([&](std::string& t) { tags.push_back(std::move(t)); });
  std::sort(tags.begin(), tags.end());
  out.caller = h.caller;
  out.callee = h.callee;
  out.first_frame = h.first_frame;
  out.last_frame = h.last_frame;
  out.start_ns = h.start_ns;
  out.end_ns = h.end_ns;
  out.invite_ns = h.invite_ns.get();
  out.ringing_ns = h.ringing_ns.get();
  out.answer_ns = h.answer_ns.get();
  out.bye_ns = h.bye_ns.get();
  out.hangup = h.hangup;
  out.last_final_status = h.last_final_status;
  out.udp_fragmented_messages = h.udp_fragmented;
  out.udp_fragmented_max_bytes = h.udp_fragmented_max_bytes;
  // Only the Reason of what ended the leg as it ended: a BYE's for a completed call, not an earlier 407's.
  const auto ended_by = !h.state                                ? kNoReason
                        : *h.state == CallState::kCompleted ? kBye
                        : *h.state == CallState::kCancelled ? kCancel
                        : *h.state == CallState::kRejected  ? kFinalResponse
                                                            : kNoReason;
  if (ended_by != kNoReason && a.reason_from == ended_by && h.end_reason) out.end_reason = std::move(*h.end_reason);
  out.messages = h.messages;
  out.retransmissions = h.retransmissions;
  if (a.method_counts[1] == 0) out.unacked_2xx_resends = a.ok_resends;  // 1: ACK
  // Both lists at their final size first: grown one entry at a time they took three heap blocks each
  // for a plain INVITE, ACK, BYE leg with its 100, 180, 200.
  auto& by_method = out.requests_by_method;
  by_method.reserve(static_cast<std::size_t>(std::count_if(a.method_counts.begin(), a.method_counts.end(),
                                                           [](std::uint32_t n) { return n != 0; })) +
                    h.other_methods.size());
  for (auto i : kMethodsByName) {  // in name order: each at the end
    if (a.method_counts[i] != 0) by_method.emplace_back(std::string(kMethods[i]), a.method_counts[i]);
  }
  for (auto& [name, n] : h.other_methods) {
    auto at = std::lower_bound(by_method.begin(), by_method.end(), name,
                               [](const auto& e, const std::string& k) { return e.first < k; });
    if (at != by_method.end() && at->first == name) at->second += n;
    else by_method.emplace(at, std::move(name), n);
  }
  auto& by_status = out.responses_by_status;  // in order of appearance, usually ascending: 100, 180, 200
  by_status.reserve(a.status_counts.size());
  a.status_counts.forEach([&](const auto& e) {
    auto at = std::lower_bound(by_status.begin(), by_status.end(), e.first,
                               [](const auto& x, int code) { return x.first < code; });
    if (at != by_status.end() && at->first == e.first) at->second += e.second;
    else by_status.emplace(at, e.first, e.second);
  });
  out.invite_final_statuses = std::move(h.invite_final_statuses);
  if (h.register_refused) {
    out.register_refused = std::move(*h.register_refused);
    std::sort(out.register_refused.by_status.begin(), out.register_refused.by_status.end());
  }
  auto& eps = out.endpoints;
  eps.reserve(a.endpoints.size());
  a.endpoints.forEach([&](const Endpoint& e) { eps.push_back(e.toString()); });
  std::sort(eps.begin(), eps.end());
  eps.erase(std::unique(eps.begin(), eps.end()), eps.end());
  out.dialogs = std::move(h.dialogs);
  out.media = std::move(h.media);
  out.message_list = std::move(h.message_list);
  out.messages_not_kept = h.messages_not_kept;
  if (h.link_headers) out.link_headers = std::move(*h.link_headers);
  out.sdp_origin = std::move(h.sdp_origin);
}

void CallTracker::emit(std::uint32_t gslot) {
  auto& g = groups_[gslot];
  if (g.id == 0) return;
  Call call;
  call.id = g.id;
  call.legs.reserve(g.legs.size());
  for (auto slot : g.legs) {
    auto& a = legs_[slot];
    // The link keys go before the leg's values move out (the SDP origin names one of them).
    if (!closing_) releaseKeys(a, slot);
    buildLeg(a, call.legs.emplace_back());
  }
  // Link ends are leg slots; they become indices into call.legs once the legs are in order.
  if (call.legs.size() > 1) {
    std::vector<std::size_t> idx(call.legs.size());
    for (std::size_t i = 0; i < idx.size(); ++i) idx[i] = i;
    std::stable_sort(idx.begin(), idx.end(), [&](std::size_t x, std::size_t y) {
      return call.legs[x].first_frame < call.legs[y].first_frame;
    });
    std::vector<Leg> sorted;
    sorted.reserve(call.legs.size());
    std::vector<std::size_t> pos_of(call.legs.size());
    for (std::size_t i = 0; i < idx.size(); ++i) {
      pos_of[idx[i]] = i;
      sorted.push_back(std::move(call.legs[idx[i]]));
    }
    call.legs = std::move(sorted);
    auto index = [&](std::uint32_t slot) {
      for (std::size_t i = 0; i < g.legs.size(); ++i) {
        if (g.legs[i] == slot) return pos_of[i];
      }
      return std::size_t{0};
    };
    for (auto& l : g.links) call.links.push_back(LegLink{index(l.a), index(l.b), std::move(l.reason), l.confidence});
  }
  // Free the slots for the next legs. Not after the end of input: no leg will use them, and the upkeep
  // touched 40 000 cold slots and index entries at the end of a file.
  if (closing_) {
    live_legs_ -= g.legs.size();
  } else {
    for (auto slot : g.legs) releaseLeg(slot);
  }
  g.id = 0;
  g.legs.clear();
  g.links.clear();
  free_groups_.push_back(gslot);
  --live_groups_;
  ++calls_emitted_;
  legs_emitted_ += call.legs.size();
  on_call_(std::move(call));
}

const SipStats& CallTracker::sipStats() {
  stats_.requests_by_method.clear();
  for (std::size_t i = 0; i < kMethods.size(); ++i) {
    if (method_counts_[i] != 0) stats_.requests_by_method[std::string(kMethods[i])] = method_counts_[i];
  }
  for (const auto& [name, n] : other_methods_) stats_.requests_by_method[name] += n;
  stats_.responses_by_status.clear();
  for (std::size_t st = 0; st < status_counts_.size(); ++st) {
    if (status_counts_[st] != 0) stats_.responses_by_status[static_cast<int>(st)] = status_counts_[st];
  }
  stats_.messages_by_transport.clear();
  for (std::size_t t = 0; t < by_transport_.size(); ++t) {
    if (by_transport_[t] != 0) {
      stats_.messages_by_transport[std::string(sipTransportName(static_cast<SipTransport>(t)))] = by_transport_[t];
    }
  }
  return stats_;
}

void CallTracker::finish() {
  closing_ = true;
  std::vector<std::pair<std::uint64_t, std::uint32_t>> all;
  for (std::uint32_t gs = 0; gs < groups_.size(); ++gs) {
    if (groups_[gs].id != 0) all.emplace_back(groups_[gs].id, gs);
  }
  std::sort(all.begin(), all.end());
  // Tens of thousands of held legs, cold in memory, read once each in a known order: ask for the next
  // ones' memory ahead (their group's leg list, then the legs themselves) so the loads overlap.
  constexpr std::size_t kGroupAhead = 8, kLegAhead = 4;
  for (std::size_t i = 0; i < all.size(); ++i) {
    if (i + kGroupAhead < all.size()) {
      const auto& g = groups_[all[i + kGroupAhead].second];
      __builtin_prefetch(g.legs.data());
    }
    if (i + kLegAhead < all.size()) {
      for (auto slot : groups_[all[i + kLegAhead].second].legs) {
        const auto* p = reinterpret_cast<const char*>(&legs_[slot]);
        for (std::size_t off = 0; off < sizeof(Active); off += 64) __builtin_prefetch(p + off);
      }
    }
    emit(all[i].second);
  }
}

}  // namespace vs::analysis
