// `voipscope ping` / `trace` on bad input and in a hostile environment: one line naming the problem and
// the documented exit code (3 usage, 4 runtime), never a hang. Loopback only.
#include <gtest/gtest.h>
#include <unistd.h>

#include <string>

#include "harness.h"

namespace vs::itest {
namespace {

int lines(const std::string& s) {
  int n = 0;
  for (char c : s) n += c == '\n';
  return n;
}

TEST(PathCli, BadOptionsAreUsageErrors) {
  struct Case {
    std::vector<std::string> args;
    std::string message;
  };
  const std::vector<Case> cases = {
      {{"ping", "-c", "0", "127.0.0.1"}, "voipscope ping: -c must be from 1 to 65535"},
      {{"ping", "-i", "0.001", "127.0.0.1"}, "voipscope ping: -i must be from 0.01 to 3600 seconds"},
      {{"ping", "-s", "70000", "127.0.0.1"}, "voipscope ping: -s must be from 0 to 65507"},
      {{"ping", "-4", "-6", "127.0.0.1"}, "voipscope ping: -4 and -6 exclude each other"},
      {{"ping", "--dscp", "64", "127.0.0.1"}, "voipscope ping: --dscp must be from 0 to 63"},
      {{"trace", "-m", "sctp", "127.0.0.1"}, "voipscope trace: --mode must be udp, tcp or icmp"},
      {{"trace", "--max-hops", "65", "127.0.0.1"}, "voipscope trace: --max-hops must be from 1 to 64"},
      {{"trace", "-q", "11", "127.0.0.1"}, "voipscope trace: -q must be from 1 to 10"},
      {{"trace", "-p", "70000", "127.0.0.1"}, "voipscope trace: --port must be from 1 to 65535"},
  };
  for (const auto& c : cases) {
    auto r = run(concat({voipscopeBinary()}, c.args), std::chrono::seconds(20));
    EXPECT_EQ(r.exit_code, 3) << r.all;
    EXPECT_EQ(r.all, c.message + "\n");
  }
}

TEST(PathCli, UnresolvableNameIsOneLineRuntimeError) {
  // A DNS server address where nobody listens: c-ares gives up after its tries.
  auto port = freeUdpAndTcpPort();
  for (const char* cmd : {"ping", "trace"}) {
    auto r = run({voipscopeBinary(), cmd, "--dns-server", "127.0.0.1:" + std::to_string(port), "nowhere.voipscope.test"},
                 std::chrono::seconds(60));
    EXPECT_EQ(r.exit_code, 4) << r.all;
    EXPECT_EQ(lines(r.all), 1) << r.all;
    EXPECT_NE(r.all.find(std::string("voipscope ") + cmd + ": nowhere.voipscope.test:"), std::string::npos) << r.all;
  }
}

TEST(PathCli, TraceWithoutRawSocketsSaysWhy) {
  if (geteuid() != 0 || !haveProgram("setpriv")) GTEST_SKIP() << "needs root and setpriv to drop privileges";
  auto r = run({"setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", "--inh-caps=-all",
                "--bounding-set=-all", voipscopeBinary(), "trace", "-n", "127.0.0.1"},
               std::chrono::seconds(30));
  EXPECT_EQ(r.exit_code, 4) << r.all;
  EXPECT_EQ(lines(r.all), 1) << r.all;
  EXPECT_NE(r.all.find("voipscope trace: trace needs raw sockets"), std::string::npos) << r.all;
  EXPECT_NE(r.all.find("CAP_NET_RAW"), std::string::npos) << r.all;
}

TEST(PathCli, TraceRedrawsTheTableInPlaceOnATerminal) {
  if (geteuid() != 0 || !haveProgram("script")) GTEST_SKIP() << "needs root (raw sockets) and script(1) for a pty";
  // script(1) gives the trace a pseudo-terminal: each round after the first, and the final table, move
  // the cursor up over the previous table (3 lines: title, header, one hop) and clear below.
  auto r = run({"script", "-qec", voipscopeBinary() + " trace -n 127.0.0.1 -c 3 -i 0.2", "/dev/null"},
               std::chrono::seconds(60));
  EXPECT_EQ(r.exit_code, 0) << r.all;
  std::size_t redraws = 0;
  for (auto at = r.out.find("\x1b[3A\x1b[J"); at != std::string::npos; at = r.out.find("\x1b[3A\x1b[J", at + 1)) ++redraws;
  EXPECT_EQ(redraws, 3u) << r.out;
  EXPECT_NE(r.out.find("round 3/3"), std::string::npos) << r.out;
  // Not a terminal: no escape sequences at all.
  auto plain = run({voipscopeBinary(), "trace", "-n", "127.0.0.1", "-c", "2", "-i", "0.2"}, std::chrono::seconds(60));
  EXPECT_EQ(plain.out.find('\x1b'), std::string::npos) << plain.out;
  EXPECT_NE(plain.out.find("destination 127.0.0.1 reached at hop 1"), std::string::npos) << plain.out;
}

TEST(PathCli, LoopbackPingIsBoundedByDefault) {
  // No -c: the default count (5) at the default 1 s interval, then it stops by itself.
  auto r = run({voipscopeBinary(), "ping", "-i", "0.05", "127.0.0.1"}, std::chrono::seconds(30));
  EXPECT_EQ(r.exit_code, 0) << r.all;
  EXPECT_NE(r.out.find("5 packets transmitted, 5 received, 0% packet loss"), std::string::npos) << r.all;
  EXPECT_NE(r.out.find("PING 127.0.0.1 (127.0.0.1) 56(84) bytes of data."), std::string::npos) << r.all;
}

}  // namespace
}  // namespace vs::itest
