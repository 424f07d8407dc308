#include "proto/sip/register_builder.h"

#include <fmt/format.h>

#include "core/id.h"

namespace vs::proto::sip {

BuiltRegister buildRegister(const RegisterRequestParams& p) {
  BuiltRegister r;
  auto local = hostPort(p.local_host, p.local_port);
  auto call_host = p.local_host.find(':') != std::string::npos ? fmt::format("[{}]", p.local_host) : p.local_host;
  r.call_id = p.call_id.empty() ? fmt::format("{}@{}", randomHex(12), call_host) : p.call_id;
  r.branch = p.branch.empty() ? "z9hG4bK" + randomHex(10) : p.branch;
  r.from_tag = p.from_tag.empty() ? randomHex(6) : p.from_tag;
  r.cseq = p.cseq;
  r.request_uri = p.request_uri.empty() ? "sip:" + p.domain : p.request_uri;
  auto aor = fmt::format("sip:{}@{}", p.user, p.domain);
  const char* transport_param = p.transport == "TCP" ? ";transport=tcp" : p.transport == "TLS" ? ";transport=tls" : "";

  std::string out;
  out.reserve(640 + p.authorization.size() + p.proxy_authorization.size());
  out += fmt::format("REGISTER {} SIP/2.0\r\n", r.request_uri);
  out += fmt::format("Via: SIP/2.0/{} {};branch={};rport\r\n", p.transport, local, r.branch);
  out += fmt::format("Max-Forwards: {}\r\n", p.max_forwards);
  out += fmt::format("From: <{}>;tag={}\r\n", aor, r.from_tag);
  out += fmt::format("To: <{}>\r\n", aor);
  out += fmt::format("Call-ID: {}\r\n", r.call_id);
  out += fmt::format("CSeq: {} REGISTER\r\n", r.cseq);
  switch (p.contact_mode) {
    case ContactMode::kBinding:
      r.contact_uri = fmt::format("sip:{}@{}{}", p.contact_user.empty() ? p.user : p.contact_user,
                                  hostPort(p.contact_host.empty() ? p.local_host : p.contact_host,
                                           p.contact_port == 0 ? p.local_port : p.contact_port),
                                  transport_param);
      out += fmt::format("Contact: <{}>;expires={}\r\n", r.contact_uri, p.expires);
      out += fmt::format("Expires: {}\r\n", p.expires);
      break;
    case ContactMode::kQuery: break;
    case ContactMode::kWildcard:
      // RFC 3261 10.2.2: "*" is only valid with Expires: 0.
      out += "Contact: *\r\nExpires: 0\r\n";
      break;
  }
  if (!p.authorization.empty()) out += fmt::format("Authorization: {}\r\n", p.authorization);
  if (!p.proxy_authorization.empty()) out += fmt::format("Proxy-Authorization: {}\r\n", p.proxy_authorization);
  if (!p.user_agent.empty()) out += fmt::format("User-Agent: {}\r\n", p.user_agent);
  out += "Content-Length: 0\r\n\r\n";
  r.bytes = std::move(out);
  return r;
}

}  // namespace vs::proto::sip
