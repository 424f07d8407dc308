// LiveCapture puts back the 802.1Q tag the kernel takes off a received frame (a packet socket gets the
// tag apart, in the ring's frame header or in PACKET_AUXDATA), in both of its modes: the TPACKET_V3 ring
// and the plain socket. A tagged frame sent into one end of a veth pair, in a network namespace the test
// makes, must come out of a capture on the other end byte for byte as it was sent.
#include <gtest/gtest.h>

#include <arpa/inet.h>
#include <fcntl.h>
#include <linux/if_packet.h>
#include <net/if.h>
#include <sched.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "io/live_capture.h"

namespace {

int sh(const std::string& cmd) { return std::system((cmd + " >/dev/null 2>&1").c_str()); }

// A namespace with a veth pair vsv0 <-> vsv1, both up; removed on destruction.
struct VethNamespace {
  std::string name;
  bool ok = false;
  VethNamespace() {
    if (geteuid() != 0) return;
    name = "vs-vlan-" + std::to_string(std::random_device{}() % 1000000);
    ok = sh("ip netns add " + name) == 0 && sh("ip -n " + name + " link add vsv0 type veth peer name vsv1") == 0 &&
         sh("ip -n " + name + " link set vsv0 up") == 0 && sh("ip -n " + name + " link set vsv1 up") == 0;
  }
  ~VethNamespace() {
    if (!name.empty()) sh("ip netns del " + name);
  }
  VethNamespace(const VethNamespace&) = delete;
  VethNamespace& operator=(const VethNamespace&) = delete;
};

// Runs fn on a thread that has joined the namespace (setns changes only the calling thread's).
void inNamespace(const std::string& ns, const std::function<void()>& fn) {
  std::thread t([&] {
    int fd = ::open(("/var/run/netns/" + ns).c_str(), O_RDONLY | O_CLOEXEC);
    ASSERT_GE(fd, 0);
    ASSERT_EQ(setns(fd, CLONE_NEWNET), 0);
    ::close(fd);
    fn();
  });
  t.join();
}

// Ethernet, an 802.1Q tag (priority 5, VLAN 100), IPv4 198.18.7.1 -> 198.18.7.2, UDP 5060 -> 5060, and a
// SIP OPTIONS as payload.
std::vector<std::byte> taggedFrame() {
  const std::string sip =
      "OPTIONS sip:x@198.18.7.2 SIP/2.0\r\nVia: SIP/2.0/UDP 198.18.7.1:5060;branch=z9hG4bKvlan\r\n"
      "Call-ID: vlan-1\r\nCSeq: 1 OPTIONS\r\nFrom: <sip:a@198.18.7.1>;tag=1\r\nTo: <sip:x@198.18.7.2>\r\n"
      "Content-Length: 0\r\n\r\n";
  std::vector<unsigned char> f = {0x02, 0x00, 0x00, 0x00, 0x00, 0x02,   // destination
                                  0x02, 0x00, 0x00, 0x00, 0x00, 0x01,   // source
                                  0x81, 0x00, 0xA0, 0x64,               // TPID 0x8100, PCP 5, VID 100
                                  0x08, 0x00};                          // IPv4
  const std::size_t ip_len = 20 + 8 + sip.size();
  unsigned char ip[20] = {0x45, 0, static_cast<unsigned char>(ip_len >> 8), static_cast<unsigned char>(ip_len & 0xFF),
                          0, 1, 0, 0, 64, 17, 0, 0, 198, 18, 7, 1, 198, 18, 7, 2};
  std::uint32_t sum = 0;
  for (int i = 0; i < 20; i += 2) sum += static_cast<std::uint32_t>(ip[i] << 8 | ip[i + 1]);
  while ((sum >> 16) != 0) sum = (sum & 0xFFFF) + (sum >> 16);
  ip[10] = static_cast<unsigned char>(~sum >> 8);
  ip[11] = static_cast<unsigned char>(~sum & 0xFF);
  f.insert(f.end(), ip, ip + 20);
  const std::size_t udp_len = 8 + sip.size();
  const unsigned char udp[8] = {0x13, 0xC4, 0x13, 0xC4, static_cast<unsigned char>(udp_len >> 8),
                                static_cast<unsigned char>(udp_len & 0xFF), 0, 0};  // checksum 0: none (IPv4)
  f.insert(f.end(), udp, udp + 8);
  f.insert(f.end(), sip.begin(), sip.end());
  std::vector<std::byte> out(f.size());
  std::memcpy(out.data(), f.data(), f.size());
  return out;
}

void sendOn(const char* iface, const std::vector<std::byte>& frame) {
  int fd = ::socket(AF_PACKET, SOCK_RAW, 0);
  ASSERT_GE(fd, 0);
  sockaddr_ll to{};
  to.sll_family = AF_PACKET;
  to.sll_ifindex = static_cast<int>(if_nametoindex(iface));
  to.sll_halen = 6;
  std::memcpy(to.sll_addr, frame.data(), 6);
  auto n = ::sendto(fd, frame.data(), frame.size(), 0, reinterpret_cast<sockaddr*>(&to), sizeof(to));
  ::close(fd);
  ASSERT_EQ(n, static_cast<ssize_t>(frame.size()));
}

TEST(LiveCaptureVlan, TheTagTheKernelTookOffIsPutBackInBothModes) {
  VethNamespace ns;
  if (!ns.ok) GTEST_SKIP() << "needs root and ip netns / veth";
  const auto sent = taggedFrame();
  for (bool ring : {true, false}) {
    SCOPED_TRACE(ring ? "TPACKET_V3 ring" : "plain socket");
    inNamespace(ns.name, [&] {
      auto cap = vs::io::LiveCapture::open("vsv1", "", ring);
      ASSERT_TRUE(cap.ok()) << cap.error().message;
      if (!ring) {
        EXPECT_FALSE((*cap)->usesRing());
      }
      sendOn("vsv0", sent);
      // The interfaces' own traffic (IPv6 neighbour discovery) may come first: take our frame by its
      // source address, and give up after 5 s.
      const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
      std::vector<std::byte> got;
      std::uint32_t orig_len = 0;
      while (got.empty() && std::chrono::steady_clock::now() < deadline) {
        vs::proto::pkt::Record rec;
        auto more = (*cap)->next(rec, 200);
        ASSERT_TRUE(more.ok()) << more.error().message;
        if (!more.value() || rec.data.size() < 12) continue;
        if (std::memcmp(rec.data.data() + 6, sent.data() + 6, 6) != 0) continue;
        got.assign(rec.data.begin(), rec.data.end());
        orig_len = rec.orig_len;
      }
      ASSERT_FALSE(got.empty()) << "the frame never arrived";
      EXPECT_EQ(got, sent);
      EXPECT_EQ(orig_len, sent.size());
    });
  }
}

}  // namespace
