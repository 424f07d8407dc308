#pragma once
// One SIP registration attempt (REGISTER, answering 401/407 digest challenges) over UDP, TCP or TLS, and the
// matching unregister. A SipRegisterSession carries what a registration keeps across refreshes (Call-ID,
// From tag, CSeq, Contact, the last challenge), so a loop of attempts looks like one real UA.
// Knows nothing of thresholds or statistics.
#include <asio/awaitable.hpp>
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "io/dns.h"
#include "io/tls_stream.h"
#include "probe/sip_options.h"
#include "proto/sip/digest.h"

namespace vs::probe {

enum class SipRegisterKind {
  kRegister,    // bind our Contact for `expires` seconds (a refresh when the session has registered before)
  kUnregister,  // the same Contact with Expires: 0
  kQuery,       // no Contact: ask for the current bindings (reported in `bindings`)
};

struct SipRegisterParams {
  std::string host;  // registrar (or outbound proxy) to send to
  std::uint16_t port = 5060;
  SipTransport transport = SipTransport::kUdp;
  std::string user;  // AOR user, and the digest username unless auth_user is set
  std::string auth_user;
  std::string password;  // empty: a challenge ends the attempt as kRejected
  std::string domain;    // AOR domain / Request-URI; empty: host (with ":port" when not 5060)
  SipRegisterKind kind = SipRegisterKind::kRegister;
  std::uint32_t expires = 3600;
  // Whole attempt, every round trip included: first REGISTER to final response.
  std::chrono::milliseconds timeout{5000};
  int max_forwards = 70;
  std::string user_agent = "voipscope";
  // UDP: retransmit per RFC 3261 Timer A (500 ms doubling, capped at 4 s) within each transaction.
  bool retransmit = true;
  // Send credentials for the session's last challenge in the first REGISTER (nc incremented), as phones
  // do on refresh; a registrar that still accepts the nonce then answers in one round trip.
  bool reuse_challenge = false;
  io::TlsClientOptions tls;  // TLS: certificate checks
  // RFC 3263: with both true (the default) the host is resolved with A/AAAA only; a false lets SRV choose
  // the port / NAPTR the transport (see probe/sip_resolve.h).
  bool explicit_port = true;
  bool explicit_transport = true;
};

enum class SipRegisterOutcome {
  kRegistered,    // 2xx to a register (or query)
  kUnregistered,  // 2xx to an unregister
  kRejected,      // a final non-2xx (403, 404, a repeated 401 = wrong credentials, ...)
  kTimeout,
  kRefused,
  kUnreachable,
  kResolveFailed,
  kBadResponse,  // bytes came back that were not a usable response (garbage, broken challenge, ...)
  kError,
};
std::string_view toString(SipRegisterOutcome o);
// kRegistered / kUnregistered: the registrar did what was asked.
bool succeeded(SipRegisterOutcome o);

// State of one registration across attempts. Owned by the caller, who must keep it alive while an attempt
// runs; a default-constructed session starts a new registration (new Call-ID).
struct SipRegisterSession {
  std::string call_id;
  std::string from_tag;
  std::uint32_t next_cseq = 1;
  // "host:port" our first attempt used; later attempts bind the same UDP port when they can and keep this
  // Contact either way, so refreshes update one binding instead of adding one per attempt.
  std::string contact_host;
  std::uint16_t contact_port = 0;
  std::optional<proto::sip::DigestChallenge> www_challenge;
  std::optional<proto::sip::DigestChallenge> proxy_challenge;
  std::uint32_t www_nc = 0;
  std::uint32_t proxy_nc = 0;
};

struct SipRegisterResult {
  SipRegisterOutcome outcome = SipRegisterOutcome::kError;
  int status_code = 0;  // final response
  std::string reason;
  std::string status_line;
  double latency_ms = 0;    // first REGISTER sent to the final response (all round trips)
  int round_trips = 0;      // REGISTER transactions that got a response: 2 for the usual 401 then 200
  int retransmissions = 0;  // UDP, over all transactions
  int challenges = 0;       // 401/407 answered with credentials
  // Register: the expiry granted for our Contact (its expires parameter in the 2xx, else the Expires header);
  // nullopt when the 2xx says neither.
  std::optional<std::uint32_t> granted_expires;
  std::vector<std::string> bindings;  // Contact values listed in the 2xx
  std::string auth_algorithm;         // of the last challenge answered: "MD5", "SHA-256", ...
  std::string auth_qop;               // "auth", "auth-int", or empty
  std::string remote_address;
  std::string local_address;
  std::string contact;  // our Contact URI (empty for query)
  std::string call_id;
  std::string raw_request;   // last REGISTER sent
  std::string raw_response;  // final response as received
  std::string detail;        // why, when not succeeded; notes otherwise
  std::optional<io::TlsInfo> tls;  // TLS: the registrar's certificate, when a handshake got that far
  std::string resolution;          // how the host was resolved (RFC 3263), empty for a numeric IP
};

// The digest hash is io::digestHash; the session is updated (CSeq, Call-ID, challenges) in place.
asio::awaitable<SipRegisterResult> sipRegister(io::Resolver& resolver, SipRegisterParams params,
                                               SipRegisterSession& session);

}  // namespace vs::probe
