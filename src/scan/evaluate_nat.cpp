// nat and sip_alg: a probe/nat_probe result graded for a field technician. The NAT findings that break
// calls are a dependent mapping (address-dependent, or symmetric: address-and-port-dependent), a UDP
// binding that dies between keepalives, and a SIP ALG rewriting the addresses in SIP and SDP. Filtering
// is reported as evidence only: with an endpoint-independent mapping and symmetric RTP it rarely matters.
#include <fmt/format.h>

#include <algorithm>

#include "scan/evaluate.h"

namespace vs::scan {
namespace {

Status statusNamed(const std::string& s) {
  return s == "pass" ? Status::kPass : s == "fail" ? Status::kFail : Status::kWarn;
}

std::string rewriteText(const proto::sip::AlgRewrite& w) {
  // SDP values are whole lines ("c=IN IP4 ..."): "SDP c=IN IP4 a -> c=IN IP4 b", not "SDP c= c=IN ...".
  const bool sdp = w.field.rfind("SDP ", 0) == 0;
  return fmt::format("{} {} -> {}", sdp ? std::string("SDP") : w.field, w.sent.empty() ? "(none)" : w.sent,
                     w.received.empty() ? "(removed)" : w.received);
}

// The binding-lifetime part of the nat check: appends to the message, may raise the status.
void gradeLifetime(CheckResult& r, const CheckSpec& spec, const probe::NatResult& nat, Status& st,
                   std::vector<std::string>& notes) {
  if (nat.lifetime.empty()) return;
  std::vector<std::string> probes;
  std::string refused;
  int accepted = 0;
  for (const auto& l : nat.lifetime) {
    probes.push_back(fmt::format("{}s:{}", l.idle_s, !l.accepted ? "not tested" : l.survived ? "alive" : "expired"));
    if (l.accepted) ++accepted;
    else if (refused.empty()) refused = l.detail;
  }
  r.evidence["binding_probes"] = fmt::format("{}", fmt::join(probes, " "));
  if (accepted == 0) {
    st = std::max(st, Status::kWarn);
    notes.push_back(fmt::format("binding lifetime not measured: {}", refused.empty() ? "no probe accepted" : refused));
    return;
  }
  if (nat.lifetime_survived_s >= 0) {
    r.measurements.push_back({"binding_survived", static_cast<double>(nat.lifetime_survived_s), "s"});
  }
  if (nat.lifetime_failed_s >= 0) {
    r.measurements.push_back({"binding_expired", static_cast<double>(nat.lifetime_failed_s), "s"});
  }
  const auto minBinding = spec.getInt("min_binding_s", defaults::kNatMinBindingS);
  const std::string survived = nat.lifetime_survived_s >= 0
                                   ? fmt::format("survived {} s", nat.lifetime_survived_s)
                                   : std::string("survived no interval");
  if (nat.lifetime_failed_s >= 0 && nat.lifetime_failed_s <= minBinding) {
    st = std::max(st, Status::kWarn);
    notes.push_back(fmt::format(
        "UDP binding expired after {} s of silence ({}), below {} s: keepalives and registration refresh must "
        "come more often",
        nat.lifetime_failed_s, survived, minBinding));
  } else if (nat.lifetime_failed_s >= 0) {
    notes.push_back(fmt::format("UDP binding {} idle, expired by {} s", survived, nat.lifetime_failed_s));
  } else {
    notes.push_back(fmt::format("UDP binding {} idle", survived));
  }
}

}  // namespace

std::vector<int> natIdleIntervals(const CheckSpec& spec) {
  if (!spec.has("max_idle_s")) return {};
  const int maxIdle = static_cast<int>(spec.getInt("max_idle_s", 30));
  auto out = probe::defaultIdleIntervals(maxIdle, maxIdle <= 30);
  out.push_back(maxIdle);
  const int minBinding = static_cast<int>(spec.getInt("min_binding_s", defaults::kNatMinBindingS));
  if (minBinding <= maxIdle) out.push_back(minBinding);
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

void evaluateNat(CheckResult& r, const CheckSpec& spec, const probe::NatResult& nat) {
  if (!nat.remote.empty()) r.evidence["address"] = nat.remote;
  if (!nat.ok) {
    r.status = Status::kFail;
    r.message = nat.detail.empty() ? "the reflector did not answer" : nat.detail;
    finish(r, spec);
    return;
  }
  r.evidence["local"] = nat.local_address;
  r.evidence["public_address"] = nat.mapped;
  if (!nat.mapped_alt.empty()) r.evidence["public_address_alt_port"] = nat.mapped_alt;
  r.evidence["nat"] = nat.nat ? "yes" : "no";
  r.evidence["port_preserved"] = nat.port_preserved ? "yes" : "no";
  r.evidence["mapping"] = nat.mapping;
  if (!nat.mapped_alt_address.empty()) r.evidence["public_address_alt_address"] = nat.mapped_alt_address;
  r.evidence["filtering"] = nat.filtering;

  Status st = Status::kPass;
  std::vector<std::string> notes;
  std::string head = nat.nat ? fmt::format("NAT {} -> {}{}", nat.local_address, nat.mapped,
                                           nat.port_preserved ? " (port kept)" : "")
                             : fmt::format("no NAT: the reflector sees our own address {}", nat.mapped);
  if (nat.mapping == "endpoint-independent") {
    head += nat.mapping_address_tested
                ? ", endpoint-independent mapping"
                : ", endpoint-independent mapping (to one reflector address: address-dependent not ruled out)";
  } else if (nat.mapping == "address-dependent") {
    head += fmt::format(", address-dependent mapping (seen as {} by the reflector's first address, {} by its "
                        "second)",
                        nat.mapped, nat.mapped_alt_address);
    st = std::max(st, statusNamed(spec.getString("dependent_mapping", "warn")));
    notes.push_back(
        "the NAT maps us anew for each far-end address: a peer or media server other than the one we signal to "
        "cannot reach us at the address our SIP/SDP advertises; media needs a relay (TURN, or an SBC that "
        "latches onto the source address), else one-way or no audio");
  } else if (nat.mapping == "address-and-port-dependent") {
    head += fmt::format(", address-and-port-dependent mapping (seen as {} by the reflector's first port, {} by "
                        "its second)",
                        nat.mapped, nat.mapped_alt);
    st = std::max(st, statusNamed(spec.getString("dependent_mapping", "warn")));
    notes.push_back(
        "symmetric NAT: the far end cannot reach us at the address our SIP/SDP advertises; media needs a relay "
        "(TURN, or an SBC that latches onto the source address), else one-way or no audio");
  } else if (nat.nat) {
    st = std::max(st, Status::kWarn);
    notes.push_back("mapping behaviour not measured: the reflector's second port did not answer (set alt_port?)");
  }
  gradeLifetime(r, spec, nat, st, notes);
  r.status = st;
  r.message = head;
  if (!notes.empty()) r.message += fmt::format("; {}", fmt::join(notes, "; "));
  finish(r, spec);
}

void evaluateSipAlg(CheckResult& r, const CheckSpec& spec, const probe::NatResult& nat) {
  if (!nat.remote.empty()) r.evidence["address"] = nat.remote;
  if (!nat.ok) {
    r.status = Status::kError;
    r.message = "SIP ALG not tested: " + (nat.detail.empty() ? std::string("the reflector did not answer") : nat.detail);
    finish(r, spec);
    return;
  }
  std::vector<std::string> unchanged, unanswered, rewrittenIn;
  std::string firstRewrites;
  int n = 0;
  for (const auto& x : nat.sip) {
    std::string key = x.method;
    std::transform(key.begin(), key.end(), key.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    if (!x.echoed) {
      unanswered.push_back(fmt::format("{}: {}", x.method, x.detail.empty() ? "no echo" : x.detail));
      r.evidence[key] = x.detail.empty() ? "no echo" : x.detail;
      continue;
    }
    if (x.rewrites.empty()) {
      unchanged.push_back(x.method);
      r.evidence[key] = fmt::format("{}, unchanged", x.status);
      continue;
    }
    rewrittenIn.push_back(x.method);
    r.evidence[key] = fmt::format("{}, {} field(s) rewritten", x.status, x.rewrites.size());
    std::vector<std::string> texts;
    for (const auto& w : x.rewrites) {
      texts.push_back(rewriteText(w));
      r.evidence[fmt::format("rewrite_{}", ++n)] = x.method + " " + rewriteText(w);
    }
    if (firstRewrites.empty()) firstRewrites = fmt::format("{}: {}", x.method, fmt::join(texts, ", "));
  }
  r.measurements.push_back({"rewritten_fields", static_cast<double>(n), "count"});
  if (!nat.sip_transport.empty()) r.evidence["transport"] = nat.sip_transport;
  if (!rewrittenIn.empty()) {
    r.status = Status::kFail;
    r.message = fmt::format("SIP ALG on the path rewrote {}", firstRewrites);
    if (rewrittenIn.size() > 1) {
      r.message += fmt::format(" ({} rewritten likewise)", fmt::join(rewrittenIn.begin() + 1, rewrittenIn.end(), ", "));
    }
  } else if (!unchanged.empty() && unanswered.empty()) {
    r.status = Status::kPass;
    r.message = fmt::format("{} came back unchanged: nothing on the path rewrites Via, Contact or SDP",
                            fmt::join(unchanged, " and "));
  } else if (!unchanged.empty()) {
    r.status = Status::kWarn;
    r.message = fmt::format("{} came back unchanged, but {}: something on the path may drop these requests",
                            fmt::join(unchanged, " and "), fmt::join(unanswered, "; "));
  } else {
    r.status = Status::kError;
    r.message = fmt::format("SIP ALG not tested: {}", unanswered.empty() ? std::string("no SIP exchange")
                                                                           : fmt::format("{}", fmt::join(unanswered, "; ")));
  }
  finish(r, spec);
}

}  // namespace vs::scan
