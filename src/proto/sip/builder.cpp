#include "proto/sip/builder.h"

#include <fmt/format.h>

#include "core/id.h"

namespace vs::proto::sip {
namespace {

std::string bracketed(std::string_view host) {
  if (host.find(':') != std::string_view::npos && (host.empty() || host.front() != '[')) {
    return fmt::format("[{}]", host);
  }
  return std::string(host);
}

}  // namespace

std::string hostPort(std::string_view host, std::uint16_t port) {
  return fmt::format("{}:{}", bracketed(host), port);
}

BuiltRequest buildOptions(const OptionsRequestParams& p) {
  BuiltRequest r;
  r.call_id = p.call_id.empty() ? fmt::format("{}@{}", randomHex(12), bracketed(p.local_host)) : p.call_id;
  r.branch = p.branch.empty() ? "z9hG4bK" + randomHex(10) : p.branch;
  r.from_tag = p.from_tag.empty() ? randomHex(6) : p.from_tag;
  r.cseq = p.cseq;
  auto domain = p.from_domain.empty() ? bracketed(p.local_host) : p.from_domain;
  auto target = hostPort(p.target_host, p.target_port);
  auto to_uri = p.to_user.empty() ? fmt::format("sip:{}", target) : fmt::format("sip:{}@{}", p.to_user, target);
  auto local = hostPort(p.local_host, p.local_port);
  auto transport_param = p.transport == "TCP" ? ";transport=tcp" : p.transport == "TLS" ? ";transport=tls" : "";
  r.bytes = fmt::format(
      "OPTIONS {to_uri}{tp} SIP/2.0\r\n"
      "Via: SIP/2.0/{transport} {local};branch={branch};rport\r\n"
      "Max-Forwards: {mf}\r\n"
      "From: <sip:{user}@{domain}>;tag={tag}\r\n"
      "To: <{to_uri}>\r\n"
      "Call-ID: {call_id}\r\n"
      "CSeq: {cseq} OPTIONS\r\n"
      "Contact: <sip:{user}@{local}{tp}>\r\n"
      "Accept: application/sdp\r\n"
      "User-Agent: voipscope\r\n"
      "Content-Length: 0\r\n"
      "\r\n",
      fmt::arg("to_uri", to_uri), fmt::arg("tp", transport_param), fmt::arg("transport", p.transport),
      fmt::arg("local", local), fmt::arg("branch", r.branch), fmt::arg("mf", p.max_forwards),
      fmt::arg("user", p.from_user), fmt::arg("domain", domain), fmt::arg("tag", r.from_tag),
      fmt::arg("call_id", r.call_id), fmt::arg("cseq", r.cseq));
  return r;
}

std::string buildResponse(const Message& request, const ResponseParams& p) {
  std::string out;
  out.reserve(512 + p.body.size());
  auto reason = p.reason.empty() ? std::string(reasonPhrase(p.status_code)) : p.reason;
  out += fmt::format("SIP/2.0 {} {}\r\n", p.status_code, reason);
  // Each Via header is copied as received, so comma-joined via-parms keep their order.
  for (auto via : request.headers("Via")) out += fmt::format("Via: {}\r\n", via);
  if (auto from = request.header("From")) out += fmt::format("From: {}\r\n", *from);
  if (auto to = request.header("To")) {
    // A dialog-creating peer needs our tag on every final (and non-100 provisional) response.
    if (p.status_code > 100 && !headerParam(*to, "tag").has_value()) {
      auto tag = p.to_tag.empty() ? randomHex(6) : p.to_tag;
      out += fmt::format("To: {};tag={}\r\n", *to, tag);
    } else {
      out += fmt::format("To: {}\r\n", *to);
    }
  }
  if (auto cid = request.header("Call-ID")) out += fmt::format("Call-ID: {}\r\n", *cid);
  if (auto cseq = request.header("CSeq")) out += fmt::format("CSeq: {}\r\n", *cseq);
  if (!p.server.empty()) out += fmt::format("Server: {}\r\n", p.server);
  for (const auto& [name, value] : p.extra_headers) out += fmt::format("{}: {}\r\n", name, value);
  if (!p.body.empty() && !p.content_type.empty()) out += fmt::format("Content-Type: {}\r\n", p.content_type);
  out += fmt::format("Content-Length: {}\r\n\r\n", p.body.size());
  out += p.body;
  return out;
}

std::string_view reasonPhrase(int code) {
  switch (code) {
    case 100: return "Trying";
    case 180: return "Ringing";
    case 181: return "Call Is Being Forwarded";
    case 182: return "Queued";
    case 183: return "Session Progress";
    case 200: return "OK";
    case 202: return "Accepted";
    case 300: return "Multiple Choices";
    case 301: return "Moved Permanently";
    case 302: return "Moved Temporarily";
    case 400: return "Bad Request";
    case 401: return "Unauthorized";
    case 403: return "Forbidden";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 407: return "Proxy Authentication Required";
    case 408: return "Request Timeout";
    case 480: return "Temporarily Unavailable";
    case 481: return "Call/Transaction Does Not Exist";
    case 483: return "Too Many Hops";
    case 486: return "Busy Here";
    case 487: return "Request Terminated";
    case 488: return "Not Acceptable Here";
    case 500: return "Server Internal Error";
    case 501: return "Not Implemented";
    case 502: return "Bad Gateway";
    case 503: return "Service Unavailable";
    case 504: return "Server Time-out";
    case 600: return "Busy Everywhere";
    case 603: return "Decline";
    case 604: return "Does Not Exist Anywhere";
    case 606: return "Not Acceptable";
    default: return "Unknown";
  }
}

}  // namespace vs::proto::sip
