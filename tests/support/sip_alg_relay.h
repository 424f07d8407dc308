#pragma once
// A UDP relay that behaves like a router's SIP ALG, for tests: requests from the client are forwarded to
// the server with `from` replaced by `to` on the Via, Contact and SDP c= lines (not o=, as some real ALGs
// leave it) and Content-Length fixed; everything from the server goes back to the last client unchanged.
// One thread, poll() with a short timeout, stopped by the destructor. On loopback, or (root) bound inside a
// network namespace the test made, e.g. a router's, with an nftables redirect putting it in the path.
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sched.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cstdint>
#include <string>
#include <thread>

namespace vs::testsupport {

class SipAlgRelay {
 public:
  struct Options {
    std::string netns;                 // empty: this process's namespace
    std::string bind_ip = "127.0.0.1";
    std::uint16_t bind_port = 0;       // 0: any
    std::string server_ip = "127.0.0.1";
    std::uint16_t server_port = 0;
    std::string from, to;              // the address the ALG replaces, and its replacement
  };

  SipAlgRelay(std::uint16_t serverPort, std::string from, std::string to)
      : SipAlgRelay(Options{{}, "127.0.0.1", 0, "127.0.0.1", serverPort, std::move(from), std::move(to)}) {}
  explicit SipAlgRelay(const Options& o) : from_(o.from), to_(o.to) {
    // Network namespaces are per thread: the socket is made inside o.netns and stays there.
    int self = -1;
    if (!o.netns.empty()) {
      self = ::open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
      const int target = ::open(("/var/run/netns/" + o.netns).c_str(), O_RDONLY | O_CLOEXEC);
      const bool entered = self >= 0 && target >= 0 && ::setns(target, CLONE_NEWNET) == 0;
      if (target >= 0) ::close(target);
      if (!entered) {
        if (self >= 0) ::close(self);
        return;
      }
    }
    fd_ = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(o.bind_port);
    (void)::inet_pton(AF_INET, o.bind_ip.c_str(), &a.sin_addr);
    const bool bound = fd_ >= 0 && ::bind(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0;
    if (self >= 0) {
      (void)::setns(self, CLONE_NEWNET);
      ::close(self);
    }
    if (!bound) return;
    socklen_t len = sizeof a;
    (void)::getsockname(fd_, reinterpret_cast<sockaddr*>(&a), &len);
    port_ = ntohs(a.sin_port);
    server_.sin_family = AF_INET;
    (void)::inet_pton(AF_INET, o.server_ip.c_str(), &server_.sin_addr);
    server_.sin_port = htons(o.server_port);
    thread_ = std::thread([this] { loop(); });
  }
  ~SipAlgRelay() {
    stop_ = true;
    if (thread_.joinable()) thread_.join();
    if (fd_ >= 0) ::close(fd_);
  }
  bool ok() const { return thread_.joinable(); }
  std::uint16_t port() const { return port_; }
  int rewritten() const { return rewritten_.load(); }

  // The rewrite, exposed for the test's own expectations.
  static std::string rewrite(const std::string& msg, const std::string& from, const std::string& to) {
    const auto split = msg.find("\r\n\r\n");
    if (split == std::string::npos) return msg;
    auto fix = [&](std::string part, bool sdp) {
      std::string out;
      std::size_t pos = 0;
      while (pos < part.size()) {
        auto end = part.find("\r\n", pos);
        if (end == std::string::npos) end = part.size();
        std::string line = part.substr(pos, end - pos);
        const bool target = sdp ? line.rfind("c=", 0) == 0
                                : (line.rfind("Via:", 0) == 0 || line.rfind("Contact:", 0) == 0);
        if (target) {
          for (auto at = line.find(from); at != std::string::npos; at = line.find(from, at + to.size())) {
            line.replace(at, from.size(), to);
          }
        }
        out += line;
        if (end < part.size()) out += "\r\n";
        pos = end + 2;
      }
      return out;
    };
    std::string body = fix(msg.substr(split + 4), true);
    std::string head = fix(msg.substr(0, split), false);
    const auto cl = head.find("Content-Length:");
    if (cl != std::string::npos) {
      auto end = head.find("\r\n", cl);
      head.replace(cl, (end == std::string::npos ? head.size() : end) - cl, "Content-Length: " + std::to_string(body.size()));
    }
    return head + "\r\n\r\n" + body;
  }

 private:
  void loop() {
    char buf[65536];
    for (int i = 0; i < 100000 && !stop_; ++i) {  // bounded: about 1000 s at most
      pollfd p{fd_, POLLIN, 0};
      if (::poll(&p, 1, 10) <= 0) continue;
      sockaddr_in src{};
      socklen_t len = sizeof src;
      const auto n = ::recvfrom(fd_, buf, sizeof buf, 0, reinterpret_cast<sockaddr*>(&src), &len);
      if (n <= 0) continue;
      std::string msg(buf, static_cast<std::size_t>(n));
      if (src.sin_port == server_.sin_port && src.sin_addr.s_addr == server_.sin_addr.s_addr) {
        (void)::sendto(fd_, msg.data(), msg.size(), 0, reinterpret_cast<sockaddr*>(&client_), sizeof client_);
      } else {
        client_ = src;
        auto out = rewrite(msg, from_, to_);
        if (out != msg) ++rewritten_;
        (void)::sendto(fd_, out.data(), out.size(), 0, reinterpret_cast<sockaddr*>(&server_), sizeof server_);
      }
    }
  }

  std::string from_, to_;
  int fd_ = -1;
  std::uint16_t port_ = 0;
  sockaddr_in server_{}, client_{};
  std::atomic<bool> stop_{false};
  std::atomic<int> rewritten_{0};
  std::thread thread_;
};

// The same ALG for SIP over TCP, on loopback: one client connection at a time, relayed over its own
// connection to the server. Client -> server is cut into messages (end of headers + Content-Length) and
// each is rewritten as above; server -> client bytes pass unchanged.
class SipAlgTcpRelay {
 public:
  SipAlgTcpRelay(std::uint16_t serverPort, std::string from, std::string to)
      : serverPort_(serverPort), from_(std::move(from)), to_(std::move(to)) {
    listen_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in a = loopback(0);
    if (listen_ < 0 || ::bind(listen_, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 || ::listen(listen_, 4) != 0) {
      return;
    }
    socklen_t len = sizeof a;
    (void)::getsockname(listen_, reinterpret_cast<sockaddr*>(&a), &len);
    port_ = ntohs(a.sin_port);
    thread_ = std::thread([this] { loop(); });
  }
  ~SipAlgTcpRelay() {
    stop_ = true;
    if (thread_.joinable()) thread_.join();
    if (listen_ >= 0) ::close(listen_);
  }
  bool ok() const { return thread_.joinable(); }
  std::uint16_t port() const { return port_; }
  int rewritten() const { return rewritten_.load(); }
  int connections() const { return connections_.load(); }

 private:
  static sockaddr_in loopback(std::uint16_t port) {
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    a.sin_port = htons(port);
    return a;
  }
  static bool sendAll(int fd, const std::string& s) {
    std::size_t done = 0;
    while (done < s.size()) {
      const auto n = ::send(fd, s.data() + done, s.size() - done, MSG_NOSIGNAL);
      if (n <= 0) return false;
      done += static_cast<std::size_t>(n);
    }
    return true;
  }
  // Length of the first complete message in buf, or 0.
  static std::size_t messageLength(const std::string& buf) {
    const auto end = buf.find("\r\n\r\n");
    if (end == std::string::npos) return 0;
    std::size_t body = 0;
    const auto cl = buf.find("Content-Length:");
    if (cl != std::string::npos && cl < end) body = std::stoul(buf.substr(cl + 15, end - cl - 15));
    return buf.size() >= end + 4 + body ? end + 4 + body : 0;
  }
  void loop() {
    for (int i = 0; i < 100000 && !stop_; ++i) {  // bounded: about 1000 s at most
      pollfd p{listen_, POLLIN, 0};
      if (::poll(&p, 1, 10) <= 0) continue;
      const int client = ::accept4(listen_, nullptr, nullptr, SOCK_CLOEXEC);
      if (client < 0) continue;
      ++connections_;
      const int server = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
      sockaddr_in a = loopback(serverPort_);
      if (server >= 0 && ::connect(server, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0) pump(client, server);
      if (server >= 0) ::close(server);
      ::close(client);
    }
  }
  void pump(int client, int server) {
    std::string fromClient;
    char buf[65536];
    for (int i = 0; i < 100000 && !stop_; ++i) {
      pollfd p[2] = {{client, POLLIN, 0}, {server, POLLIN, 0}};
      if (::poll(p, 2, 10) <= 0) continue;
      if ((p[1].revents & (POLLIN | POLLHUP | POLLERR)) != 0) {
        const auto n = ::recv(server, buf, sizeof buf, 0);
        if (n <= 0 || !sendAll(client, std::string(buf, static_cast<std::size_t>(n)))) return;
      }
      if ((p[0].revents & (POLLIN | POLLHUP | POLLERR)) != 0) {
        const auto n = ::recv(client, buf, sizeof buf, 0);
        if (n <= 0) return;
        fromClient.append(buf, static_cast<std::size_t>(n));
        for (auto len = messageLength(fromClient); len > 0; len = messageLength(fromClient)) {
          const std::string msg = fromClient.substr(0, len);
          fromClient.erase(0, len);
          auto out = SipAlgRelay::rewrite(msg, from_, to_);
          if (out != msg) ++rewritten_;
          if (!sendAll(server, out)) return;
        }
      }
    }
  }

  std::uint16_t serverPort_ = 0;
  std::string from_, to_;
  int listen_ = -1;
  std::uint16_t port_ = 0;
  std::atomic<bool> stop_{false};
  std::atomic<int> rewritten_{0}, connections_{0};
  std::thread thread_;
};

}  // namespace vs::testsupport
