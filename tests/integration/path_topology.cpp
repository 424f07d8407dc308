#include "path_topology.h"

#include <fcntl.h>
#include <linux/if.h>
#include <linux/if_tun.h>
#include <netinet/in.h>
#include <poll.h>
#include <sched.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <array>
#include <cstring>
#include <deque>
#include <functional>
#include <random>

#include "harness.h"

namespace vs::itest {
namespace {

// Runs f with the calling thread inside namespace ns (network namespaces are per thread), then returns.
bool inNamespace(const std::string& ns, const std::function<void()>& f) {
  int self = ::open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
  int target = ::open(("/var/run/netns/" + ns).c_str(), O_RDONLY | O_CLOEXEC);
  bool ok = self >= 0 && target >= 0 && ::setns(target, CLONE_NEWNET) == 0;
  if (ok) {
    f();
    ok = ::setns(self, CLONE_NEWNET) == 0;
  }
  if (self >= 0) ::close(self);
  if (target >= 0) ::close(target);
  return ok;
}

int openTun(const std::string& name) {
  int fd = ::open("/dev/net/tun", O_RDWR | O_NONBLOCK | O_CLOEXEC);
  if (fd < 0) return -1;
  ifreq ifr{};
  ifr.ifr_flags = IFF_TUN | IFF_NO_PI;
  std::strncpy(ifr.ifr_name, name.c_str(), IFNAMSIZ - 1);
  if (::ioctl(fd, TUNSETIFF, &ifr) != 0) {
    ::close(fd);
    return -1;
  }
  return fd;
}

}  // namespace

bool PathTopology::in(const std::vector<std::string>& ns_prefix, const std::vector<std::string>& cmd) {
  auto r = run(concat(ns_prefix, cmd), std::chrono::seconds(10));
  if (r.exit_code != 0) {
    std::string line;
    for (const auto& a : cmd) line += a + " ";
    why_ = "set-up failed: " + line + ": " + r.all;
    return false;
  }
  return true;
}

PathTopology::PathTopology(std::chrono::milliseconds delay) {
  if (geteuid() != 0) {
    why_ = "the path topology needs root (ip netns)";
    return;
  }
  std::random_device rd;
  const std::string tag = "vs-pt" + std::to_string(getpid()) + "-" + std::to_string(rd() % 100000);
  client_ = tag + "-c";
  r1_ = tag + "-r1";
  r2_ = tag + "-r2";
  server_ = tag + "-s";
  for (const auto& ns : {client_, r1_, r2_, server_}) {
    auto r = run({"ip", "netns", "add", ns}, std::chrono::seconds(10));
    if (r.exit_code != 0) {
      why_ = "ip netns add is not permitted here: " + r.all;
      return;
    }
    created_.push_back(ns);
    if (!in(exec(ns), {"ip", "link", "set", "lo", "up"})) return;
    // Routers and hosts answer every probe: the tests that study rate limiting add their own.
    for (const char* s : {"net.ipv4.icmp_ratelimit=0", "net.ipv6.icmp.ratelimit=0"}) {
      if (!in(exec(ns), {"sysctl", "-qw", s})) return;
    }
  }
  for (const auto& ns : {r1_, r2_}) {
    if (!in(exec(ns), {"sysctl", "-qw", "net.ipv4.ip_forward=1"})) return;
    if (!in(exec(ns), {"sysctl", "-qw", "net.ipv6.conf.all.forwarding=1"})) return;
  }
  auto ip = [&](const std::string& ns, std::vector<std::string> args) {
    return in(exec(ns), concat({"ip"}, args));
  };
  // client <-> r1
  if (!ip(client_, {"link", "add", "vc", "type", "veth", "peer", "name", "vr1", "netns", r1_})) return;
  // r2 <-> server
  if (!ip(r2_, {"link", "add", "vr2", "type", "veth", "peer", "name", "vs", "netns", server_})) return;
  const bool tun = delay.count() > 0;
  if (tun) {
    if (!ip(r1_, {"tuntap", "add", "dev", "l12", "mode", "tun"})) return;
    if (!ip(r2_, {"tuntap", "add", "dev", "l12", "mode", "tun"})) return;
    if (!ip(r1_, {"addr", "add", "198.18.1.1", "peer", "198.18.1.2", "dev", "l12"})) return;
    if (!ip(r2_, {"addr", "add", "198.18.1.2", "peer", "198.18.1.1", "dev", "l12"})) return;
  } else {
    if (!ip(r1_, {"link", "add", "l12", "type", "veth", "peer", "name", "l12", "netns", r2_})) return;
    if (!ip(r1_, {"addr", "add", "198.18.1.1/24", "dev", "l12"})) return;
    if (!ip(r2_, {"addr", "add", "198.18.1.2/24", "dev", "l12"})) return;
  }
  const std::vector<std::vector<std::string>> steps = {
      {client_, "addr", "add", "198.18.0.2/24", "dev", "vc"},
      {client_, "-6", "addr", "add", "fd00::2/64", "dev", "vc", "nodad"},
      {r1_, "addr", "add", "198.18.0.1/24", "dev", "vr1"},
      {r1_, "-6", "addr", "add", "fd00::1/64", "dev", "vr1", "nodad"},
      {r1_, "-6", "addr", "add", "fd00:1::1/64", "dev", "l12", "nodad"},
      {r2_, "-6", "addr", "add", "fd00:1::2/64", "dev", "l12", "nodad"},
      {r2_, "addr", "add", "198.18.2.1/24", "dev", "vr2"},
      {r2_, "-6", "addr", "add", "fd00:2::1/64", "dev", "vr2", "nodad"},
      {server_, "addr", "add", "198.18.2.2/24", "dev", "vs"},
      {server_, "-6", "addr", "add", "fd00:2::2/64", "dev", "vs", "nodad"},
      {client_, "link", "set", "vc", "up"},
      {r1_, "link", "set", "vr1", "up"},
      {r1_, "link", "set", "l12", "up"},
      {r2_, "link", "set", "l12", "up"},
      {r2_, "link", "set", "vr2", "up"},
      {server_, "link", "set", "vs", "up"},
      {client_, "route", "add", "default", "via", "198.18.0.1"},
      {client_, "-6", "route", "add", "default", "via", "fd00::1"},
      {server_, "route", "add", "default", "via", "198.18.2.1"},
      {server_, "-6", "route", "add", "default", "via", "fd00:2::1"},
  };
  for (const auto& s : steps) {
    if (!ip(s[0], std::vector<std::string>(s.begin() + 1, s.end()))) return;
  }
  if (tun) {
    if (!ip(r1_, {"route", "add", "198.18.2.0/24", "dev", "l12"})) return;
    if (!ip(r1_, {"-6", "route", "add", "fd00:2::/64", "dev", "l12"})) return;
    if (!ip(r2_, {"route", "add", "198.18.0.0/24", "dev", "l12"})) return;
    if (!ip(r2_, {"-6", "route", "add", "fd00::/64", "dev", "l12"})) return;
    delay_thread_ = std::thread([this, delay] { delayLoop(delay); });
    for (int i = 0; i < 500 && delay_state_.load() == 0; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(10));
    if (delay_state_.load() != 1) {
      why_ = "cannot attach to the TUN devices of the delay link";
      return;
    }
  } else {
    if (!ip(r1_, {"route", "add", "198.18.2.0/24", "via", "198.18.1.2"})) return;
    if (!ip(r1_, {"-6", "route", "add", "fd00:2::/64", "via", "fd00:1::2"})) return;
    if (!ip(r2_, {"route", "add", "198.18.0.0/24", "via", "198.18.1.1"})) return;
    if (!ip(r2_, {"-6", "route", "add", "fd00::/64", "via", "fd00:1::1"})) return;
  }
  // Warm the neighbour caches (ARP, and IPv6 neighbour discovery, which is slow on fresh links) so
  // that no test's first probes wait for address resolution. Best effort: a failure shows in the tests.
  for (const char* dst : {kServer4, kServer6}) {
    (void)run(concat(client(), {"ping", "-c", "2", "-i", "0.2", "-W", "3", dst}), std::chrono::seconds(15));
  }
  ok_ = true;
}

void PathTopology::delayLoop(std::chrono::milliseconds delay) {
  int a = -1, b = -1;  // a: r1's end, b: r2's end
  bool ok = inNamespace(r1_, [&] { a = openTun("l12"); }) && inNamespace(r2_, [&] { b = openTun("l12"); });
  if (!ok || a < 0 || b < 0) {
    if (a >= 0) ::close(a);
    if (b >= 0) ::close(b);
    delay_state_ = -1;
    return;
  }
  delay_state_ = 1;
  struct Held {
    std::chrono::steady_clock::time_point due;
    std::vector<char> bytes;
  };
  std::deque<Held> queue;  // r1 -> r2, in arrival order (one delay: due times stay ordered)
  std::array<char, 65536> buf{};
  while (!stop_.load()) {
    auto now = std::chrono::steady_clock::now();
    while (!queue.empty() && queue.front().due <= now) {
      (void)::write(b, queue.front().bytes.data(), queue.front().bytes.size());
      ++delayed_;
      queue.pop_front();
    }
    int wait_ms = 20;
    if (!queue.empty()) {
      auto left = std::chrono::duration_cast<std::chrono::microseconds>(queue.front().due - now).count();
      wait_ms = static_cast<int>(std::max<long>(0, left / 1000));
    }
    pollfd fds[2] = {{a, POLLIN, 0}, {b, POLLIN, 0}};
    // poll's 1 ms resolution would add up to 1 ms: the last stretch is slept precisely instead.
    if (wait_ms == 0 && !queue.empty()) {
      std::this_thread::sleep_until(queue.front().due);
      continue;
    }
    if (::poll(fds, 2, wait_ms) <= 0) continue;
    if (fds[0].revents & POLLIN) {
      for (;;) {
        auto n = ::read(a, buf.data(), buf.size());
        if (n <= 0) break;
        queue.push_back({std::chrono::steady_clock::now() + delay, std::vector<char>(buf.begin(), buf.begin() + n)});
      }
    }
    if (fds[1].revents & POLLIN) {
      for (;;) {
        auto n = ::read(b, buf.data(), buf.size());
        if (n <= 0) break;
        (void)::write(a, buf.data(), static_cast<std::size_t>(n));  // r2 -> r1: no delay
      }
    }
  }
  ::close(a);
  ::close(b);
}

bool PathTopology::listenTcpInServer(std::uint16_t port) {
  int fd = -1;
  bool ok = false;
  // A separate thread: setns changes only the calling thread, and the test thread must stay put.
  std::thread t([&] {
    inNamespace(server_, [&] {
      fd = ::socket(AF_INET6, SOCK_STREAM | SOCK_CLOEXEC, 0);
      if (fd < 0) return;
      int on = 1;
      ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof on);
      int off = 0;
      ::setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &off, sizeof off);  // v4 and v6
      sockaddr_in6 a{};
      a.sin6_family = AF_INET6;
      a.sin6_port = htons(port);
      a.sin6_addr = in6addr_any;
      ok = ::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0 && ::listen(fd, 64) == 0;
    });
  });
  t.join();
  if (fd >= 0) listeners_.push_back(fd);
  return ok;
}

PathTopology::~PathTopology() {
  stop_ = true;
  if (delay_thread_.joinable()) delay_thread_.join();
  for (int fd : listeners_) ::close(fd);
  for (const auto& ns : created_) (void)run({"ip", "netns", "del", ns}, std::chrono::seconds(10));
}

}  // namespace vs::itest
