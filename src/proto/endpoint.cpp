#include "proto/endpoint.h"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <charconv>

namespace vs::proto {
namespace {

std::string lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

// fmt rather than "'" + std::string(...) chains: GCC 12 warns falsely (-Wrestrict) on those at -O2.
Error bad(std::string_view whole, std::string_view what) { return makeError(fmt::format("'{}': {}", whole, what)); }

bool validHostChar(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '.' || c == '_';
}

Result<std::uint16_t> parsePort(std::string_view s, std::string_view whole) {
  unsigned v = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (s.empty() || ec != std::errc() || p != s.data() + s.size() || v == 0 || v > 65535) {
    return bad(whole, fmt::format("port '{}' is not a number from 1 to 65535", s));
  }
  return static_cast<std::uint16_t>(v);
}

}  // namespace

std::string Endpoint::hostPort() const {
  std::string h = host_is_ipv6 ? fmt::format("[{}]", host) : host;
  if (port) h += fmt::format(":{}", *port);
  return h;
}

Result<Endpoint> parseEndpoint(std::string_view text) {
  Endpoint ep;
  std::string_view rest = text;
  if (rest.empty()) return makeError("empty target");
  if (rest.find_first_of(" \t\r\n") != std::string_view::npos) {
    return bad(text, "target contains white space");
  }

  if (auto pos = rest.find("://"); pos != std::string_view::npos) {
    ep.scheme = lower(rest.substr(0, pos));
    if (ep.scheme != "http" && ep.scheme != "https") {
      return bad(text, fmt::format("unsupported URL scheme '{}'", ep.scheme));
    }
    rest.remove_prefix(pos + 3);
    auto slash = rest.find_first_of("/?#");
    ep.path = slash == std::string_view::npos ? "/" : std::string(rest.substr(slash));
    if (!ep.path.empty() && ep.path[0] != '/') ep.path.insert(0, 1, '/');
    rest = rest.substr(0, slash);
    if (rest.find('@') != std::string_view::npos) {
      return bad(text, "credentials in URLs are not supported");
    }
  } else if (auto colon = rest.find(':'); colon != std::string_view::npos &&
                                           (lower(rest.substr(0, colon)) == "sip" || lower(rest.substr(0, colon)) == "sips")) {
    ep.scheme = lower(rest.substr(0, colon));
    rest.remove_prefix(colon + 1);
    if (auto at = rest.find('@'); at != std::string_view::npos) rest.remove_prefix(at + 1);
    if (auto semi = rest.find(';'); semi != std::string_view::npos) {
      std::string_view params = rest.substr(semi + 1);
      rest = rest.substr(0, semi);
      while (!params.empty()) {
        auto next = params.find(';');
        std::string_view p = params.substr(0, next);
        std::string lp = lower(p);
        if (lp.rfind("transport=", 0) == 0) ep.transport = lp.substr(10);
        if (next == std::string_view::npos) break;
        params.remove_prefix(next + 1);
      }
    }
    if (auto q = rest.find('?'); q != std::string_view::npos) rest = rest.substr(0, q);
  }

  // rest is now host, host:port, [v6], [v6]:port or a bare IPv6 literal.
  if (!rest.empty() && rest.front() == '[') {
    auto close = rest.find(']');
    if (close == std::string_view::npos) return bad(text, "missing ']'");
    ep.host = std::string(rest.substr(1, close - 1));
    ep.host_is_ipv6 = true;
    std::string_view after = rest.substr(close + 1);
    if (!after.empty()) {
      if (after.front() != ':') return bad(text, "unexpected text after ']'");
      auto port = parsePort(after.substr(1), text);
      if (!port) return port.error();
      ep.port = *port;
    }
  } else if (std::count(rest.begin(), rest.end(), ':') >= 2) {
    ep.host = std::string(rest);  // bare IPv6 literal, no port
    ep.host_is_ipv6 = true;
  } else {
    auto colon = rest.find(':');
    ep.host = std::string(rest.substr(0, colon));
    if (colon != std::string_view::npos) {
      auto port = parsePort(rest.substr(colon + 1), text);
      if (!port) return port.error();
      ep.port = *port;
    }
  }
  if (ep.host.empty()) return bad(text, "no host");
  if (ep.host_is_ipv6) {
    for (char c : ep.host) {
      if (!(std::isxdigit(static_cast<unsigned char>(c)) || c == ':' || c == '.' || c == '%')) {
        return bad(text, "invalid IPv6 address");
      }
    }
  } else {
    for (char c : ep.host) {
      if (!validHostChar(c)) {
        return bad(text, fmt::format("invalid character '{}' in host name", c));
      }
    }
    ep.host = lower(ep.host);
  }
  return ep;
}

}  // namespace vs::proto
