#pragma once
// The REGISTER request (RFC 3261 section 10.2). One registration keeps its Call-ID and From tag across
// refreshes and increments CSeq; every request gets a fresh Via branch.
#include <cstdint>
#include <string>

#include "proto/sip/builder.h"

namespace vs::proto::sip {

enum class ContactMode {
  kBinding,   // Contact: <sip:user@local:port;transport=..>;expires=N  (register, refresh, unregister)
  kQuery,     // no Contact: the registrar lists the current bindings (section 10.2.3)
  kWildcard,  // Contact: *  with Expires: 0: remove every binding of the AOR (section 10.2.2)
};

struct RegisterRequestParams {
  std::string transport = "UDP";  // Via transport: "UDP" | "TCP" | "TLS"
  std::string local_host;         // our address as the registrar should see it (IPv6 without brackets)
  std::uint16_t local_port = 0;
  std::string user;          // AOR user: To/From sip:user@domain
  std::string domain;        // AOR domain, may carry ":port"
  std::string request_uri;   // empty: "sip:" + domain
  std::string contact_user;  // empty: user
  // The binding's address; empty/0: local_host/local_port. A refresh keeps its first Contact even when
  // it has to send from another port.
  std::string contact_host;
  std::uint16_t contact_port = 0;
  ContactMode contact_mode = ContactMode::kBinding;
  std::uint32_t expires = 3600;  // Expires header and the Contact's expires parameter
  int max_forwards = 70;
  std::string user_agent = "voipscope";
  std::uint32_t cseq = 1;
  // Empty: random. Keep call_id and from_tag from the first REGISTER for refreshes of the same binding.
  std::string call_id;
  std::string from_tag;
  std::string branch;
  // Complete header values ("Digest username=..."); empty: header omitted.
  std::string authorization;
  std::string proxy_authorization;
};

struct BuiltRegister : BuiltRequest {
  std::string request_uri;  // what a digest response must cover
  std::string contact_uri;  // "sip:user@host:port;transport=tcp"; empty unless kBinding
};

BuiltRegister buildRegister(const RegisterRequestParams& p);

}  // namespace vs::proto::sip
