#pragma once
// Peers for the `sip ping` integration tests: a SIPp UAS running one of tests/integration/sipp/*.xml,
// and a scripted UDP responder (for replies SIPp cannot send: garbage, 64 kB blobs, no Call-ID).
#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "harness.h"

namespace vs::itest {

// sipp -sf <scenario> -i <address> -p <free port> in the foreground, killed on destruction.
class SippUas {
 public:
  SippUas(const std::string& scenario_name, const std::string& address = "127.0.0.1");
  bool ready() const { return ready_; }
  std::uint16_t port() const { return port_; }
  std::string log() const { return proc_ ? proc_->output() : ""; }

 private:
  std::uint16_t port_ = 0;
  std::unique_ptr<Process> proc_;
  bool ready_ = false;
};

// Path of a scenario file shipped with the tests.
std::string sippScenario(const std::string& name);
// Whether a socket can be bound to ::1 here.
bool haveIpv6Loopback();

// UDP responder on 127.0.0.1:port (port 0: any): for each datagram, `script(request_bytes, cseq)` returns
// the datagrams to send back (cseq 0 when the request did not parse). Stops on destruction.
class ScriptedUdpResponder {
 public:
  using Script = std::function<std::vector<std::string>(const std::string& request, std::uint32_t cseq)>;
  explicit ScriptedUdpResponder(Script script);
  ~ScriptedUdpResponder();
  std::uint16_t port() const { return port_; }
  int requests() const { return requests_.load(); }

 private:
  void loop();
  Script script_;
  int fd_ = -1;
  std::uint16_t port_ = 0;
  std::atomic<bool> stop_{false};
  std::atomic<int> requests_{0};
  std::thread thread_;
};

// A 200 OK for `request` as a well-behaved UAS would send it (empty when it does not parse).
std::string okResponse(const std::string& request, int status_code = 200);

}  // namespace vs::itest
