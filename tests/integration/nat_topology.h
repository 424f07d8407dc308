#pragma once
// The NAT test topology shared by nat_cli_test and nat_scan_test: three network namespaces (client
// 198.18.1.2 -> router -> reflector 198.19.0.2, second address 198.19.0.3), the router's NAT written by
// the test in nftables (outside addresses 198.19.0.1 and 198.19.0.4), and a voipscope reflector in the
// server namespace.
#include <unistd.h>

#include <memory>
#include <random>
#include <regex>
#include <string>
#include <vector>

#include "harness.h"

namespace vs::itest {

// client --vc0/vr0-- router --vr1/vs0-- server, all names unique to this run.
class NatTopology {
 public:
  explicit NatTopology(const std::string& nftRules) {
    if (geteuid() != 0) {
      why_ = "network namespaces need root";
      return;
    }
    std::random_device rd;
    const auto tag = std::to_string(getpid()) + "-" + std::to_string(rd() % 100000);
    client_ = "vsnat-c-" + tag;
    router_ = "vsnat-r-" + tag;
    server_ = "vsnat-s-" + tag;
    for (const auto& ns : {client_, router_, server_}) {
      auto r = run({"ip", "netns", "add", ns}, 10s);
      if (r.exit_code != 0) {
        why_ = "ip netns add not permitted here: " + r.all;
        return;
      }
      made_.push_back(ns);
    }
    const std::vector<std::vector<std::string>> steps = {
        {"ip", "-n", client_, "link", "add", "vc0", "type", "veth", "peer", "name", "vr0", "netns", router_},
        {"ip", "-n", router_, "link", "add", "vr1", "type", "veth", "peer", "name", "vs0", "netns", server_},
        {"ip", "-n", client_, "addr", "add", "198.18.1.2/24", "dev", "vc0"},
        {"ip", "-n", router_, "addr", "add", "198.18.1.1/24", "dev", "vr0"},
        {"ip", "-n", router_, "addr", "add", "198.19.0.1/24", "dev", "vr1"},
        {"ip", "-n", router_, "addr", "add", "198.19.0.4/24", "dev", "vr1"},  // secondary: masquerade keeps .1
        {"ip", "-n", server_, "addr", "add", "198.19.0.2/24", "dev", "vs0"},
        {"ip", "-n", server_, "addr", "add", "198.19.0.3/24", "dev", "vs0"},  // the reflector's --alt-address
        {"ip", "-n", client_, "link", "set", "lo", "up"},
        {"ip", "-n", router_, "link", "set", "lo", "up"},
        {"ip", "-n", server_, "link", "set", "lo", "up"},
        {"ip", "-n", client_, "link", "set", "vc0", "up"},
        {"ip", "-n", router_, "link", "set", "vr0", "up"},
        {"ip", "-n", router_, "link", "set", "vr1", "up"},
        {"ip", "-n", server_, "link", "set", "vs0", "up"},
        {"ip", "-n", client_, "route", "add", "default", "via", "198.18.1.1"},
        {"ip", "-n", server_, "route", "add", "198.18.1.0/24", "via", "198.19.0.1"},  // for the no-NAT rules
        {"ip", "netns", "exec", router_, "sysctl", "-qw", "net.ipv4.ip_forward=1"},
    };
    for (const auto& s : steps) {
      auto r = run(s, 10s);
      if (r.exit_code != 0) {
        why_ = "topology set-up failed: " + r.all;
        return;
      }
    }
    if (!nft(nftRules)) return;
    ok_ = true;
  }
  // Loads more nftables rules into the router; false (why() set) on failure.
  bool nft(const std::string& rules) {
    TempDir dir;
    writeFile(dir.file("nat.nft"), rules);
    auto r = run({"ip", "netns", "exec", router_, "nft", "-f", dir.file("nat.nft")}, 10s);
    if (r.exit_code != 0) why_ = "nft rules failed: " + r.all;
    return r.exit_code == 0;
  }
  ~NatTopology() {
    for (const auto& ns : made_) (void)run({"ip", "netns", "del", ns}, 10s);
  }
  bool ok() const { return ok_; }
  const std::string& why() const { return why_; }
  std::vector<std::string> in(const std::string& ns) const { return {"ip", "netns", "exec", ns}; }
  const std::string& client() const { return client_; }
  const std::string& router() const { return router_; }
  const std::string& server() const { return server_; }

 private:
  std::string client_, router_, server_;
  std::vector<std::string> made_;
  bool ok_ = false;
  std::string why_;
};

inline constexpr const char* kMasquerade = R"(table ip vsnat {
  chain post { type nat hook postrouting priority 100; oifname "vr1" masquerade; }
}
)";
// A different public port range per destination port: the mapping depends on the destination.
inline constexpr const char* kPortDependent = R"(table ip vsnat {
  chain post {
    type nat hook postrouting priority 100;
    oifname "vr1" udp dport 5004 snat to 198.19.0.1:40000-40999
    oifname "vr1" udp dport 5005 snat to 198.19.0.1:41000-41999
  }
}
)";

// A different outside address per destination address, the source port kept (Linux keeps it when free):
// the same mapping for both ports of 198.19.0.2, another one toward 198.19.0.3, i.e. an address-dependent
// mapping. (A port range per destination address would not do: Linux picks a random port of the range
// for each new flow, so each destination port would get its own mapping.)
inline constexpr const char* kAddressDependent = R"(table ip vsnat {
  chain post {
    type nat hook postrouting priority 100;
    oifname "vr1" ip daddr 198.19.0.2 snat to 198.19.0.1
    oifname "vr1" ip daddr 198.19.0.3 snat to 198.19.0.4
  }
}
)";

// No NAT, the router only filters: endpoint-independent (everything forwarded), or address-dependent
// (from outside only a source address the same inside ip:port sent to before: a dynamic set of
// inside address . port . outside address, as a NAT's filter keyed on the mapping).
inline constexpr const char* kNoFilter = R"(table ip vsfw {
  chain filt {
    type filter hook forward priority 0; policy accept;
  }
}
)";
inline constexpr const char* kAddressDependentFilter = R"(table ip vsfw {
  set sent { type ipv4_addr . inet_service . ipv4_addr; flags dynamic,timeout; timeout 120s; }
  chain filt {
    type filter hook forward priority 0; policy accept;
    iifname "vr0" ip protocol udp update @sent { ip saddr . udp sport . ip daddr }
    iifname "vr1" ip protocol udp ip daddr . udp dport . ip saddr @sent accept
    iifname "vr1" ip protocol udp drop
  }
}
)";

// The reflector on all addresses, or (altAddress) on 198.19.0.2 with 198.19.0.3 as its second address.
inline std::unique_ptr<Process> startReflectorIn(const NatTopology& t, const std::string& port = "5004",
                                                 bool altAddress = false) {
  std::vector<std::string> args = {voipscopeBinary(), "reflect", "--bind", altAddress ? "198.19.0.2" : "0.0.0.0",
                                   "--port", port, "--duration", "120"};
  if (altAddress) args.insert(args.end(), {"--alt-address", "198.19.0.3"});
  auto p = std::make_unique<Process>(concat(t.in(t.server()), args));
  if (!p->waitForLine(std::regex(altAddress ? R"re("port":(\d+).*"alt_address":"198\.19\.0\.3")re"
                                            : R"re("port":(\d+))re"),
                      10s)) {
    return nullptr;
  }
  return p;
}

}  // namespace vs::itest
