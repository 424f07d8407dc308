#include "sipp_harness.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "proto/sip/builder.h"
#include "proto/sip/message.h"

namespace vs::itest {

namespace {

bool udpPortBusy(const std::string& address, std::uint16_t port) {
  const bool v6 = address.find(':') != std::string::npos;
  int fd = socket(v6 ? AF_INET6 : AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return false;
  int rc = 0;
  if (v6) {
    sockaddr_in6 a{};
    a.sin6_family = AF_INET6;
    a.sin6_port = htons(port);
    inet_pton(AF_INET6, address.c_str(), &a.sin6_addr);
    rc = bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a);
  } else {
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(port);
    inet_pton(AF_INET, address.c_str(), &a.sin_addr);
    rc = bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a);
  }
  int err = errno;
  close(fd);
  return rc != 0 && err == EADDRINUSE;
}

}  // namespace

std::string sippScenario(const std::string& name) {
  return std::string(VOIPSCOPE_SOURCE_DIR) + "/tests/integration/sipp/" + name;
}

bool haveIpv6Loopback() {
  int fd = socket(AF_INET6, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return false;
  sockaddr_in6 a{};
  a.sin6_family = AF_INET6;
  a.sin6_addr = in6addr_loopback;
  bool ok = bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0;
  close(fd);
  return ok;
}

SippUas::SippUas(const std::string& scenario_name, const std::string& address) {
  port_ = freeUdpAndTcpPort();
  if (port_ == 0) return;
  // -nostdin: no terminal here; -m bounds the run even if the test's kill were lost.
  proc_ = std::make_unique<Process>(std::vector<std::string>{"sipp", "-sf", sippScenario(scenario_name), "-i",
                                                             address, "-p", std::to_string(port_), "-m", "1000",
                                                             "-nostdin", "-nd", "-timeout", "120s"});
  if (!proc_->started()) return;
  // Ready when SIPp holds the port: it prints nothing reliable before its first screen refresh.
  for (int i = 0; i < 100 && !ready_; ++i) {
    if (udpPortBusy(address, port_)) ready_ = true;
    else usleep(50'000);
  }
}

ScriptedUdpResponder::ScriptedUdpResponder(Script script) : script_(std::move(script)) {
  fd_ = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (fd_ < 0 || bind(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) return;
  socklen_t len = sizeof a;
  getsockname(fd_, reinterpret_cast<sockaddr*>(&a), &len);
  port_ = ntohs(a.sin_port);
  thread_ = std::thread([this] { loop(); });
}

ScriptedUdpResponder::~ScriptedUdpResponder() {
  stop_ = true;
  if (thread_.joinable()) thread_.join();
  if (fd_ >= 0) close(fd_);
}

void ScriptedUdpResponder::loop() {
  std::vector<char> buf(65536);
  while (!stop_) {
    pollfd p{fd_, POLLIN, 0};
    if (poll(&p, 1, 50) <= 0) continue;  // wakes every 50 ms to see stop_
    sockaddr_in from{};
    socklen_t len = sizeof from;
    auto n = recvfrom(fd_, buf.data(), buf.size(), 0, reinterpret_cast<sockaddr*>(&from), &len);
    if (n <= 0) continue;
    ++requests_;
    std::string request(buf.data(), static_cast<std::size_t>(n));
    std::uint32_t cseq = 0;
    if (auto m = proto::sip::parseMessage(std::string_view(request)); m.ok() && m->cseq()) cseq = m->cseq()->number;
    for (const auto& reply : script_(request, cseq)) {
      sendto(fd_, reply.data(), reply.size(), 0, reinterpret_cast<sockaddr*>(&from), len);
    }
  }
}

std::string okResponse(const std::string& request, int status_code) {
  auto m = proto::sip::parseMessage(std::string_view(request));
  if (!m.ok()) return "";
  proto::sip::ResponseParams rp;
  rp.status_code = status_code;
  return proto::sip::buildResponse(*m, rp);
}

}  // namespace vs::itest
