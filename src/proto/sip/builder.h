#pragma once
// Builders for the few SIP messages voipscope originates: an OPTIONS request (probes) and a response
// to a parsed request (built-in responders). Random tags, branches and Call-IDs come from core/id.h.
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "proto/sip/message.h"

namespace vs::proto::sip {

struct OptionsRequestParams {
  std::string transport = "UDP";  // Via transport: "UDP" | "TCP" | "TLS"
  std::string local_host;         // our address as the peer should see it (IPv6 without brackets)
  std::uint16_t local_port = 0;
  std::string target_host;        // Request-URI and To host
  std::uint16_t target_port = 5060;
  std::string from_user = "voipscope";
  std::string from_domain;        // empty: local_host
  std::string to_user;            // empty: no user part
  int max_forwards = 70;
  std::uint32_t cseq = 1;
  // Empty: random (branch gets the RFC 3261 magic cookie prefix).
  std::string call_id;
  std::string branch;
  std::string from_tag;
};

struct BuiltRequest {
  std::string bytes;
  std::string call_id;
  std::string branch;  // including "z9hG4bK"
  std::string from_tag;
  std::uint32_t cseq = 0;
};

BuiltRequest buildOptions(const OptionsRequestParams& p);

struct ResponseParams {
  int status_code = 200;
  std::string reason;         // empty: the standard phrase for the code
  std::string server;         // Server header; empty: none
  std::string to_tag;         // empty: random for final responses when the request's To has no tag
  std::vector<std::pair<std::string, std::string>> extra_headers;
  std::string content_type;   // with a body
  std::string body;
};

// Copies Via(s), From, To (adding a tag), Call-ID and CSeq from the request, in that order.
std::string buildResponse(const Message& request, const ResponseParams& p);

// "OK", "Not Implemented", ...; "Unknown" for codes we do not name.
std::string_view reasonPhrase(int status_code);

// host:port with brackets around IPv6 literals.
std::string hostPort(std::string_view host, std::uint16_t port);

}  // namespace vs::proto::sip
