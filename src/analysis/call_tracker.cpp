#include "analysis/call_tracker.h"

#include <algorithm>
#include <array>
#include <charconv>
#include <tuple>

#include <fmt/format.h>

#include "proto/sdp/sdp.h"

namespace vs::analysis {
namespace {

namespace sip = proto::sip;

constexpr std::array<std::string_view, 14> kMethods{"INVITE", "ACK", "BYE", "CANCEL", "OPTIONS", "REGISTER",
                                                    "PRACK", "UPDATE", "INFO", "SUBSCRIBE", "NOTIFY", "REFER",
                                                    "MESSAGE", "PUBLISH"};
constexpr std::array<std::string_view, 4> kCallIdHeaders{"X-CID", "X-Call-ID", "X-Orig-Call-ID", "X-Leg-ID"};
constexpr std::size_t kMaxMediaPerLeg = 32;
constexpr std::size_t kMinNumberDigits = 6;
constexpr std::size_t kNumberSuffix = 8;
constexpr std::size_t kDueSlack = 1024;

std::uint64_t fnv(std::string_view s, std::uint64_t h = 1469598103934665603ULL) {
  for (char c : s) {
    h ^= static_cast<unsigned char>(c);
    h *= 1099511628211ULL;
  }
  return h;
}

// An address and port folded into the hash field by field (the struct has padding).
std::uint64_t fnv(const Endpoint& e, std::uint64_t h) {
  h = fnv(std::string_view(reinterpret_cast<const char*>(e.ip.bytes.data()), e.ip.bytes.size()), h);
  const char rest[3] = {static_cast<char>(e.ip.v6), static_cast<char>(e.port >> 8), static_cast<char>(e.port & 0xff)};
  return fnv(std::string_view(rest, sizeof rest), h);
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

bool isSdp(const sip::Message& m) {
  if (m.body().empty()) return false;
  auto ct = m.header("Content-Type");
  if (ct) return lowerCopy(*ct).find("application/sdp") != std::string::npos;
  return m.body().substr(0, 4) == "v=0\r" || m.body().substr(0, 4) == "v=0\n";
}

}  // namespace

bool isKnownMethod(std::string_view method) {
  return std::find(kMethods.begin(), kMethods.end(), method) != kMethods.end();
}

std::string_view uriUser(std::string_view v) {
  auto lt = v.find('<');
  if (lt != std::string_view::npos) v = v.substr(lt + 1);
  auto colon = v.find(':');
  if (colon == std::string_view::npos) return {};
  auto scheme = v.substr(0, colon);
  while (!scheme.empty() && scheme.front() == ' ') scheme.remove_prefix(1);
  v = v.substr(colon + 1);
  auto at = v.find('@');
  auto stop = v.find_first_of(";>?, ");
  if (sip::iequals(scheme, "tel")) return v.substr(0, stop);
  if (at == std::string_view::npos || (stop != std::string_view::npos && stop < at)) return {};
  auto user = v.substr(0, at);
  return user.substr(0, user.find(';'));  // user parameters ("123;npdi") are not part of the user
}

CallTracker::CallTracker(const AnalyzerOptions& options, CaptureAnalyzer::OnCall on_call, OnMalformed on_malformed)
    : options_(options), on_call_(std::move(on_call)), on_malformed_(std::move(on_malformed)) {}

void CallTracker::addKey(Active& a, const std::string& key, std::string_view reason, LinkConfidence c) {
  auto it = key_index_.find(key);
  if (it != key_index_.end() && it->second != a.leg.call_id) {
    auto other = it->second;
    link(a, other, fmt::format("{}", reason), c);
    return;
  }
  if (it == key_index_.end()) {
    key_index_.emplace(key, a.leg.call_id);
    a.keys.push_back(key);
  }
}

void CallTracker::link(Active& a, const std::string& other_id, std::string reason, LinkConfidence c) {
  auto oit = legs_.find(other_id);
  if (oit == legs_.end()) return;
  auto& o = oit->second;
  if (o.group == a.group) return;
  // Merge the newer group into the older one so a call keeps the id of its first leg.
  auto keep = std::min(o.group, a.group);
  auto drop = std::max(o.group, a.group);
  // A call of more legs than this is a key shared by unrelated calls (a constant Session-ID or icid):
  // refusing the merge keeps memory and the emit cost bounded.
  if (groups_[keep].call_ids.size() + groups_[drop].call_ids.size() > options_.max_legs_per_call) return;
  auto& kg = groups_[keep];
  auto dg = std::move(groups_[drop]);
  groups_.erase(drop);
  for (auto& cid : dg.call_ids) {
    legs_[cid].group = keep;
    kg.call_ids.push_back(cid);
  }
  for (auto& l : dg.links) kg.links.push_back(std::move(l));
  kg.links.push_back(Group::Link{other_id, a.leg.call_id, std::move(reason), c});
}

void CallTracker::indexLinks(Active& a, const sip::Message& m) {
  std::vector<std::string_view> names(kCallIdHeaders.begin(), kCallIdHeaders.end());
  for (const auto& n : options_.link_headers) names.push_back(n);
  for (auto name : names) {
    auto v = m.header(name);
    if (!v || v->empty() || *v == a.leg.call_id) continue;
    std::string value(*v);
    a.leg.link_headers[std::string(name)] = value;
    // Either leg may come first: link now if the named leg exists, and leave a pointer for when it comes.
    if (legs_.count(value)) link(a, value, fmt::format("{} header names Call-ID {}", name, value), LinkConfidence::kHigh);
    addKey(a, "ref:" + value, fmt::format("{} header names Call-ID {}", name, value), LinkConfidence::kHigh);
  }
  if (auto sid = m.header("Session-ID")) {
    auto uuid = lowerCopy(sid->substr(0, sid->find(';')));
    while (!uuid.empty() && uuid.back() == ' ') uuid.pop_back();
    // RFC 7989: the null UUID means "not known yet" and links nothing.
    if (!uuid.empty() && uuid.find_first_not_of('0') != std::string::npos) {
      a.leg.link_headers["Session-ID"] = uuid;
      addKey(a, "sid:" + uuid, fmt::format("same Session-ID {}", uuid), LinkConfidence::kHigh);
    }
  }
  if (auto pcv = m.header("P-Charging-Vector")) {
    std::string with_semi = ";" + std::string(*pcv);
    if (auto icid = sip::headerParam(with_semi, "icid-value"); icid && !icid->empty()) {
      std::string value(*icid);
      if (value.size() >= 2 && value.front() == '"' && value.back() == '"') value = value.substr(1, value.size() - 2);
      a.leg.link_headers["P-Charging-Vector icid-value"] = value;
      addKey(a, "icid:" + value, fmt::format("same P-Charging-Vector icid-value {}", value), LinkConfidence::kHigh);
    }
  }
}

void CallTracker::handleSdp(Active& a, const FoundSip& f, const sip::Message& m) {
  auto s = proto::sdp::parse(m.body());
  if (!s) {
    on_malformed_(f.frame, fmt::format("SDP: {}", s.error().message));
    return;
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
    auto key = "o:" + a.leg.sdp_origin;
    auto kit = key_index_.find(key);
    if (kit != key_index_.end() && kit->second != a.leg.call_id) {
      auto oit = legs_.find(kit->second);
      bool live = oit != legs_.end() && !(oit->second.leg.caller == a.leg.caller) && !oit->second.saw_bye && oit->second.leg.invite_ns &&
                  f.ts_ns - *oit->second.leg.invite_ns <= options_.number_link_window_ns &&
                  oit->second.leg.state.value_or(CallState::kCallSetup) != CallState::kRejected &&
                  oit->second.leg.state.value_or(CallState::kCallSetup) != CallState::kCancelled;
      if (live) {
        link(a, kit->second, fmt::format("identical SDP origin (o=) {}", a.leg.sdp_origin), LinkConfidence::kMedium);
      } else {
        kit->second = a.leg.call_id;  // the newest leg with this origin answers for it from now on
        a.keys.push_back(key);
      }
    } else if (kit == key_index_.end()) {
      key_index_.emplace(key, a.leg.call_id);
      a.keys.push_back(key);
    }
  }
  for (std::size_t i = 0; i < s->media.size() && a.leg.media.size() < kMaxMediaPerLeg; ++i) {
    const auto& md = s->media[i];
    MediaDescription d;
    d.frame = f.frame;
    d.from_caller = from_caller;
    d.media = md.media;
    d.address = s->mediaAddress(i);
    d.port = md.port;
    d.protocol = md.protocol;
    for (auto fmt_text : md.formats) {
      int pt = 0;
      auto [p, ec] = std::from_chars(fmt_text.data(), fmt_text.data() + fmt_text.size(), pt);
      if (ec != std::errc() || p != fmt_text.data() + fmt_text.size()) continue;
      d.payload_types.push_back(pt);
      std::string enc;
      for (const auto& r : md.rtpmaps) {
        if (r.payload_type == pt) enc = std::string(r.encoding) + "/" + std::to_string(r.clock_rate);
      }
      if (enc.empty() && !proto::sdp::staticEncoding(pt).empty()) {
        enc = std::string(proto::sdp::staticEncoding(pt)) + "/" + std::to_string(proto::sdp::staticClockRate(pt));
      }
      if (!enc.empty()) d.encodings[pt] = enc;
    }
    d.direction = proto::sdp::directionName(md.direction);
    if (on_media_) on_media_(a.leg.call_id, d);
    a.leg.media.push_back(std::move(d));
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

void CallTracker::message(const FoundSip& f) {
  const auto& m = *f.message;
  std::string method;
  if (m.isRequest()) {
    method = std::string(m.requestLine().method);
    if (!isKnownMethod(method)) {
      for (auto known : kMethods) {
        if (method.size() > known.size() && std::string_view(method).substr(method.size() - known.size()) == known) {
          on_malformed_(f.frame, fmt::format("SIP: junk '{}' before the {} request line",
                                             method.substr(0, method.size() - known.size()), known));
          method = std::string(known);
          break;
        }
      }
    }
  }
  int status = m.isResponse() ? m.statusLine().code : 0;
  auto cseq = m.cseq();
  std::string cseq_method = cseq ? std::string(cseq->method) : std::string{};

  // Statistics over every message.
  ++stats_.messages;
  if (m.isRequest()) {
    ++stats_.requests;
    ++stats_.requests_by_method[method];
  } else {
    ++stats_.responses;
    ++stats_.responses_by_status[status];
  }
  ++by_transport_[static_cast<std::size_t>(f.transport) % by_transport_.size()];
  if (f.frame != last_sip_frame_) {
    ++stats_.frames_with_sip;
    last_sip_frame_ = f.frame;
  }
  std::string call_id(m.callId());
  if (!call_id.empty() && call_id_hashes_.insert(fnv(call_id)).second) ++stats_.distinct_call_ids;

  auto [it, fresh] = legs_.try_emplace(call_id);
  auto& a = it->second;
  auto& leg = a.leg;
  if (fresh) {
    leg.call_id = call_id;
    leg.first_frame = f.frame;
    leg.start_ns = f.ts_ns;
    a.group = next_group_++;
    groups_[a.group] = Group{a.group, {call_id}, {}};
    if (legs_.size() > options_.max_active_legs) sweep(f.ts_ns);  // make room
  }
  leg.last_frame = f.frame;
  leg.end_ns = f.ts_ns;
  a.last_ns = f.ts_ns;
  ++leg.messages;
  a.endpoints.insert(Endpoint{f.src.ip, f.src.port});
  a.endpoints.insert(Endpoint{f.dst.ip, f.dst.port});

  // Views into the message; copied into the leg only where kept.
  const std::string_view from_tag = m.fromTag(), to_tag = m.toTag();
  const bool has_sdp = isSdp(m);
  auto via = m.topVia();
  auto fp = fnv(f.src, fnv(f.dst, fnv(method, fnv(cseq_method))));
  fp = fnv(via ? via->branch : std::string_view{},
           fnv(to_tag, fp ^ (static_cast<std::uint64_t>(status) << 40) ^ (cseq ? cseq->number : 0U)));
  // Reliable provisional responses (RFC 3262) differ only in RSeq; PRACKs in RAck.
  fp = fnv(m.header("RSeq").value_or(""), fnv(m.header("RAck").value_or(""), fp));
  const bool retransmission = !a.seen.insert(fp);
  if (retransmission) {
    ++leg.retransmissions;
    ++stats_.retransmissions;
  }
  if (!to_tag.empty() && a.to_tags.find(to_tag) == a.to_tags.end()) a.to_tags.emplace(to_tag);

  // From/To as tshark's VoIP calls report them: the first INVITE's, else the first message's.
  if ((m.isRequest() && method == "INVITE" && !a.header_from_invite) || fresh) {
    if (m.isRequest() && method == "INVITE") a.header_from_invite = true;
    leg.from_user = std::string(uriUser(m.header("From").value_or("")));
    leg.to_user = std::string(uriUser(m.header("To").value_or("")));
    leg.from_tag = std::string(from_tag);
  }
  if (leg.kind.empty() && m.isRequest()) leg.kind = "non-call:" + method;

  if (m.isRequest()) {
    ++leg.requests_by_method[method];
    if (method == "INVITE") {
      leg.kind = "call";
      a.invite_targets.insert(f.dst.ip);
      if (!a.has_invite) {
        a.has_invite = true;
        leg.invite_ns = f.ts_ns;
        leg.caller = f.src;
        leg.callee = f.dst;
        a.caller_tag = std::string(from_tag);
        a.from_digits = digitsOf(leg.from_user);
        a.to_digits = digitsOf(leg.to_user);
        indexLinks(a, m);
        // Numbers and timing (low confidence): a B2BUA's outgoing leg leaves from where the incoming one
        // arrived, carries the same caller and callee digits, and starts within the window.
        if (!a.from_digits.empty() && !a.to_digits.empty()) {
          auto key = "num:" + suffix(a.from_digits) + ">" + suffix(a.to_digits);
          auto kit = key_index_.find(key);
          if (kit != key_index_.end() && kit->second != call_id) {
            auto oit = legs_.find(kit->second);
            if (oit != legs_.end() && oit->second.leg.invite_ns &&
                f.ts_ns - *oit->second.leg.invite_ns <= options_.number_link_window_ns &&
                oit->second.invite_targets.count(f.src.ip) != 0) {
              link(a, kit->second,
                   fmt::format("same caller/callee numbers ({} -> {}) within {} s, next hop", suffix(a.from_digits),
                               suffix(a.to_digits), options_.number_link_window_ns / 1'000'000'000),
                   LinkConfidence::kLow);
            }
            kit->second = call_id;
          } else if (kit == key_index_.end()) {
            key_index_.emplace(key, call_id);
          }
          a.keys.push_back(key);
        }
        // A leg named by an earlier leg's X-CID-style header.
        if (auto r = key_index_.find("ref:" + call_id); r != key_index_.end() && r->second != call_id) {
          link(a, r->second, fmt::format("Call-ID named by a header of leg {}", r->second), LinkConfidence::kHigh);
        }
      }
    } else if (method == "BYE") {
      if (!a.saw_bye) {
        leg.bye_ns = f.ts_ns;
        leg.hangup = (from_tag == a.caller_tag) ? HangupBy::kCaller : HangupBy::kCallee;
      }
      a.saw_bye = true;
    } else if (method == "CANCEL") {
      a.saw_cancel = true;
    }
  } else {
    ++leg.responses_by_status[status];
    if (cseq_method == "INVITE") {
      if (status >= 180 && status < 200 && !leg.ringing_ns) leg.ringing_ns = f.ts_ns;
      if (status >= 200) {
        leg.invite_final_statuses.push_back(status);
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
  if (has_sdp) handleSdp(a, f, m);
  updateState(a);
  queue(a);

  if (!options_.keep_message_list) return;
  if (leg.message_list.size() >= options_.max_messages_per_leg) {
    ++leg.messages_not_kept;
    return;
  }
  SipMessageInfo& info = leg.message_list.emplace_back();
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
  info.from_user = std::string(uriUser(m.header("From").value_or("")));
  info.to_user = std::string(uriUser(m.header("To").value_or("")));
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
void CallTracker::queue(Active& a) {
  auto d = dueOf(a);
  if (d >= a.queued_due) return;
  a.queued_due = d;
  due_.push(DueEntry{d, a.leg.call_id});
  // Entries of emitted legs and superseded ones stay in the heap until their time comes (an answered
  // call leaves its 4 h idle-timeout entry behind): rebuild from the live legs when they outnumber them,
  // so the heap stays proportional to the active legs (amortised O(1) per push).
  if (due_.size() > 2 * legs_.size() + kDueSlack) {
    std::vector<DueEntry> live;
    live.reserve(legs_.size());
    for (const auto& [cid, leg] : legs_) {
      if (leg.queued_due != std::numeric_limits<std::int64_t>::max()) live.push_back(DueEntry{leg.queued_due, cid});
    }
    due_ = decltype(due_)(std::greater<>(), std::move(live));
  }
}

void CallTracker::sweep(std::int64_t now_ns) {
  std::vector<std::uint64_t> done;
  while (!due_.empty() && due_.top().due <= now_ns) {
    DueEntry e = due_.top();
    due_.pop();
    auto it = legs_.find(e.call_id);
    if (it == legs_.end() || it->second.queued_due != e.due) continue;  // emitted, or a newer entry exists
    auto& a = it->second;
    auto d = dueOf(a);
    if (d > now_ns) {  // messages since it was queued
      a.queued_due = d;
      due_.push(DueEntry{d, std::move(e.call_id)});
      continue;
    }
    a.queued_due = std::numeric_limits<std::int64_t>::max();
    const auto& g = groups_.at(a.group);
    bool all = std::all_of(g.call_ids.begin(), g.call_ids.end(),
                           [&](const std::string& cid) { return legDone(legs_.at(cid), now_ns); });
    if (all) done.push_back(a.group);
  }
  // In call order, as a walk over every call would give.
  std::sort(done.begin(), done.end());
  done.erase(std::unique(done.begin(), done.end()), done.end());
  for (auto gid : done) emit(gid);
  if (legs_.size() > options_.max_active_legs) {
    // Still over the limit: make room down to 90 %. Calls that are over (every leg ended: BYE, CANCEL,
    // final rejection; they only wait out the linger) go first, oldest first; only then the calls idle
    // the longest, as they stand, because a call still up may yet send its BYE.
    std::vector<std::tuple<bool, std::int64_t, std::uint64_t>> order;  // (still going, last activity, call)
    order.reserve(groups_.size());
    for (const auto& [gid, g] : groups_) {
      std::int64_t last = 0;
      bool going = false;
      for (const auto& cid : g.call_ids) {
        const auto& a = legs_.at(cid);
        last = std::max(last, a.last_ns);
        auto st = a.leg.state.value_or(CallState::kCallSetup);
        going = going || !a.has_invite ||
                !(st == CallState::kCompleted || st == CallState::kCancelled || st == CallState::kRejected);
      }
      order.emplace_back(going, last, gid);
    }
    std::sort(order.begin(), order.end());
    for (const auto& [going, last, gid] : order) {
      if (legs_.size() <= options_.max_active_legs * 9 / 10) break;
      emit(gid);
    }
  }
}

void CallTracker::emit(std::uint64_t gid) {
  auto git = groups_.find(gid);
  if (git == groups_.end()) return;
  Group g = std::move(git->second);
  groups_.erase(git);
  Call call;
  call.id = g.id;
  for (const auto& cid : g.call_ids) {
    auto lit = legs_.find(cid);
    auto& a = lit->second;
    for (const auto& e : a.endpoints) a.leg.endpoints.push_back(e.toString());
    std::sort(a.leg.endpoints.begin(), a.leg.endpoints.end());
    a.leg.to_tags.assign(a.to_tags.begin(), a.to_tags.end());
    if (a.leg.kind.empty()) a.leg.kind = "non-call:?";
    for (const auto& k : a.keys) {
      auto kit = key_index_.find(k);
      if (kit != key_index_.end() && kit->second == cid) key_index_.erase(kit);
    }
    call.legs.push_back(std::move(a.leg));
    legs_.erase(lit);
  }
  std::stable_sort(call.legs.begin(), call.legs.end(), [](const Leg& x, const Leg& y) {
    return x.first_frame < y.first_frame;
  });
  auto index = [&](const std::string& cid) {
    for (std::size_t i = 0; i < call.legs.size(); ++i) {
      if (call.legs[i].call_id == cid) return i;
    }
    return std::size_t{0};
  };
  for (auto& l : g.links) call.links.push_back(LegLink{index(l.a), index(l.b), std::move(l.reason), l.confidence});
  ++calls_emitted_;
  legs_emitted_ += call.legs.size();
  on_call_(std::move(call));
}

const SipStats& CallTracker::sipStats() {
  stats_.messages_by_transport.clear();
  for (std::size_t t = 0; t < by_transport_.size(); ++t) {
    if (by_transport_[t] != 0) {
      stats_.messages_by_transport[std::string(sipTransportName(static_cast<SipTransport>(t)))] = by_transport_[t];
    }
  }
  return stats_;
}

void CallTracker::finish() {
  std::vector<std::uint64_t> all;
  for (const auto& [gid, g] : groups_) all.push_back(gid);
  for (auto gid : all) emit(gid);
}

}  // namespace vs::analysis
