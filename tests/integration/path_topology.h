#pragma once
// A four-namespace path for ping/trace tests: client -> r1 -> r2 -> server, IPv4 (198.18.0.0/15) and
// IPv6 (fd00::/8), forwarding on in the routers, ICMP rate limiting off everywhere (tests that want it
// add their own). The r1 <-> r2 link is a veth pair, or, when a delay is asked for, a pair of TUN devices
// joined by a thread of this process that holds each r1 -> r2 packet for that long: a known delay
// without sch_netem (which some kernels lack). Every namespace is deleted on destruction.
#include <atomic>
#include <chrono>
#include <cstdint>
#include <string>
#include <thread>
#include <vector>

namespace vs::itest {

class PathTopology {
 public:
  static constexpr const char* kClient4 = "198.18.0.2";
  static constexpr const char* kR1 = "198.18.0.1";       // r1 answers the client from its client side
  static constexpr const char* kR2 = "198.18.1.2";       // r2 answers from its r1 side
  static constexpr const char* kServer4 = "198.18.2.2";
  static constexpr const char* kClient6 = "fd00::2";
  static constexpr const char* kR1v6 = "fd00::1";
  static constexpr const char* kR2v6 = "fd00:1::2";
  static constexpr const char* kServer6 = "fd00:2::2";

  // delay: added to every packet from r1 to r2 (0: a plain veth link).
  explicit PathTopology(std::chrono::milliseconds delay = std::chrono::milliseconds(0));
  ~PathTopology();
  PathTopology(const PathTopology&) = delete;
  PathTopology& operator=(const PathTopology&) = delete;

  bool ok() const { return ok_; }
  const std::string& why() const { return why_; }
  std::vector<std::string> client() const { return exec(client_); }
  std::vector<std::string> r1() const { return exec(r1_); }
  std::vector<std::string> r2() const { return exec(r2_); }
  std::vector<std::string> server() const { return exec(server_); }
  const std::string& serverNs() const { return server_; }
  // Packets the delay thread forwarded r1 -> r2 (0 without a delay link).
  std::uint64_t delayedPackets() const { return delayed_.load(); }
  // Runs `cmd` in a namespace; false (and why() set) on failure.
  bool in(const std::vector<std::string>& ns_prefix, const std::vector<std::string>& cmd);

  // A TCP socket listening on port in the server namespace (the kernel answers SYNs; nobody accepts).
  bool listenTcpInServer(std::uint16_t port);

 private:
  static std::vector<std::string> exec(const std::string& ns) { return {"ip", "netns", "exec", ns}; }
  void delayLoop(std::chrono::milliseconds delay);
  std::string client_, r1_, r2_, server_;
  std::vector<std::string> created_;
  bool ok_ = false;
  std::string why_;
  std::atomic<bool> stop_{false};
  std::atomic<std::uint64_t> delayed_{0};
  std::atomic<int> delay_state_{0};  // 0 starting, 1 running, -1 failed
  std::thread delay_thread_;
  std::vector<int> listeners_;
};

}  // namespace vs::itest
