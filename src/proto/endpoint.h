#pragma once
// Target strings as users write them in templates and on the command line:
//   host | host:port | 192.0.2.1 | 192.0.2.1:5060 | [2001:db8::1]:5060 | 2001:db8::1
//   http(s)://host[:port]/path | sip(s):[user@]host[:port][;transport=tcp]
// Pure parsing, no resolution.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "core/result.h"

namespace vs::proto {

struct Endpoint {
  std::string scheme;  // "", "http", "https", "sip", "sips"
  std::string host;    // without brackets
  std::optional<std::uint16_t> port;
  std::string path;       // URLs: "/..." (at least "/"), else ""
  std::string transport;  // sip URIs: ";transport=" value, lowercase
  bool host_is_ipv6 = false;

  // host:port with brackets for IPv6; port omitted when absent
  std::string hostPort() const;
};

Result<Endpoint> parseEndpoint(std::string_view text);

}  // namespace vs::proto
