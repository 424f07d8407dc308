#include "proto/http/serializer.h"

#include "proto/http/parser.h"

namespace vs::proto::http {
namespace {

bool validToken(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
    if (!ok) return false;
  }
  return true;
}

bool validValue(std::string_view s) {
  for (char c : s) {
    auto u = static_cast<unsigned char>(c);
    if ((u < 0x20 && c != '\t') || u == 0x7f) return false;
  }
  return true;
}

bool framingHeader(std::string_view name) {
  return equalsIgnoreCase(name, "content-length") || equalsIgnoreCase(name, "transfer-encoding");
}

Result<std::string> build(std::string start_line, const HeaderList& headers, std::string_view body) {
  std::string out = std::move(start_line);
  out += "\r\n";
  for (const auto& [name, value] : headers) {
    if (!validToken(name)) return makeError("invalid header name '" + name + "'");
    if (!validValue(value)) return makeError("invalid character in value of header '" + name + "'");
    if (framingHeader(name)) continue;
    out += name;
    out += ": ";
    out += value;
    out += "\r\n";
  }
  out += "Content-Length: ";
  out += std::to_string(body.size());
  out += "\r\n\r\n";
  out += body;
  return out;
}

}  // namespace

Result<std::string> buildRequest(std::string_view method, std::string_view target, const HeaderList& headers,
                                 std::string_view body) {
  if (!validToken(method)) return makeError("invalid request method '" + std::string(method) + "'");
  if (target.empty()) return makeError("empty request target");
  for (char c : target) {
    if (c <= 0x20 || c == 0x7f) return makeError("invalid character in request target");
  }
  std::string line;
  line.reserve(method.size() + target.size() + 10);
  line.append(method).append(" ").append(target).append(" HTTP/1.1");
  return build(std::move(line), headers, body);
}

Result<std::string> buildResponse(int status, std::string_view reason, const HeaderList& headers,
                                  std::string_view body) {
  if (status < 100 || status > 999) return makeError("invalid status code " + std::to_string(status));
  if (reason.empty()) reason = reasonPhrase(status);
  if (!validValue(reason)) return makeError("invalid character in reason phrase");
  return build("HTTP/1.1 " + std::to_string(status) + " " + std::string(reason), headers, body);
}

std::string_view reasonPhrase(int status) {
  switch (status) {
    case 100: return "Continue";
    case 101: return "Switching Protocols";
    case 200: return "OK";
    case 201: return "Created";
    case 202: return "Accepted";
    case 204: return "No Content";
    case 206: return "Partial Content";
    case 301: return "Moved Permanently";
    case 302: return "Found";
    case 303: return "See Other";
    case 304: return "Not Modified";
    case 307: return "Temporary Redirect";
    case 308: return "Permanent Redirect";
    case 400: return "Bad Request";
    case 401: return "Unauthorized";
    case 403: return "Forbidden";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 408: return "Request Timeout";
    case 409: return "Conflict";
    case 410: return "Gone";
    case 411: return "Length Required";
    case 413: return "Content Too Large";
    case 414: return "URI Too Long";
    case 415: return "Unsupported Media Type";
    case 422: return "Unprocessable Content";
    case 429: return "Too Many Requests";
    case 431: return "Request Header Fields Too Large";
    case 500: return "Internal Server Error";
    case 501: return "Not Implemented";
    case 502: return "Bad Gateway";
    case 503: return "Service Unavailable";
    case 504: return "Gateway Timeout";
    case 505: return "HTTP Version Not Supported";
    default: return "Unknown";
  }
}

}  // namespace vs::proto::http
