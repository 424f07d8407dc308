// The resolver against a real DNS server: dnsmasq, started on a free loopback port with only local
// data (--no-resolv, no --server: it can never forward a query off this machine).
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <asio/co_spawn.hpp>
#include <asio/io_context.hpp>
#include <asio/ip/tcp.hpp>
#include <asio/ip/udp.hpp>
#include <asio/steady_timer.hpp>
#include <asio/use_awaitable.hpp>
#include <chrono>
#include <cstdlib>
#include <string>
#include <thread>
#include <vector>

#include "io/dns.h"

using namespace std::chrono_literals;
using vs::io::AddressFamily;

namespace {

void runFor(asio::io_context& ioc, asio::awaitable<void> body, std::chrono::milliseconds limit) {
  bool done = false;
  std::exception_ptr error;
  asio::co_spawn(ioc, std::move(body), [&](std::exception_ptr e) {
    error = e;
    done = true;
    ioc.stop();
  });
  ioc.restart();
  ioc.run_for(limit);
  ASSERT_TRUE(done) << "test coroutine did not finish within " << limit.count() << " ms";
  if (error) std::rethrow_exception(error);
}

std::string findDnsmasq() {
  for (const char* p : {"/usr/sbin/dnsmasq", "/usr/bin/dnsmasq", "/usr/local/sbin/dnsmasq"}) {
    if (::access(p, X_OK) == 0) return p;
  }
  return {};
}

// A port free for both UDP and TCP on 127.0.0.1 right now (dnsmasq binds both).
std::uint16_t freePort() {
  asio::io_context ioc;
  for (int attempt = 0; attempt < 20; ++attempt) {
    asio::ip::udp::socket u(ioc, asio::ip::udp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
    const auto port = u.local_endpoint().port();
    std::error_code ec;
    asio::ip::tcp::acceptor t(ioc);
    t.open(asio::ip::tcp::v4(), ec);
    if (!ec) t.bind(asio::ip::tcp::endpoint(asio::ip::make_address("127.0.0.1"), port), ec);
    if (!ec) return port;
  }
  return 0;
}

class Dnsmasq {
 public:
  Dnsmasq(const std::string& binary, std::uint16_t port) {
    std::vector<std::string> args = {
        binary,
        "--no-daemon",
        "--conf-file=/dev/null",
        "--port=" + std::to_string(port),
        "--listen-address=127.0.0.1",
        "--bind-interfaces",
        "--no-resolv",  // and no --server: nothing to forward to
        "--no-hosts",
        "--pid-file",  // none
        "--user=" + std::string(::geteuid() == 0 ? "root" : ""),
        "--local=/voipscope.test/",  // the test domain is ours: unknown names are NXDOMAIN
        "--address=/sbc1.voipscope.test/198.18.0.10",
        "--host-record=sbc2.voipscope.test,198.18.0.11,2001:db8::11",
        // a host-record keeps one address per family: several need repeated --address
        "--address=/sbc3.voipscope.test/198.18.0.31",
        "--address=/sbc3.voipscope.test/198.18.0.32",
    };
    if (::geteuid() != 0) args.erase(std::find(args.begin(), args.end(), "--user="));
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    pid_ = ::fork();
    if (pid_ == 0) {
      const int devnull = ::open("/dev/null", O_WRONLY);
      if (devnull >= 0) {
        ::dup2(devnull, STDOUT_FILENO);
        ::dup2(devnull, STDERR_FILENO);
      }
      ::execv(argv[0], argv.data());
      ::_exit(127);
    }
  }
  ~Dnsmasq() { stop(); }

  bool running() {
    if (pid_ <= 0) return false;
    int status = 0;
    if (::waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = -1;
      return false;
    }
    return true;
  }

  void stop() {
    if (pid_ <= 0) return;
    ::kill(pid_, SIGTERM);
    for (int i = 0; i < 40; ++i) {  // 2 s, then no more patience
      if (::waitpid(pid_, nullptr, WNOHANG) == pid_) {
        pid_ = -1;
        return;
      }
      std::this_thread::sleep_for(50ms);
    }
    ::kill(pid_, SIGKILL);
    ::waitpid(pid_, nullptr, 0);
    pid_ = -1;
  }

 private:
  pid_t pid_ = -1;
};

std::vector<std::string> strings(const std::vector<asio::ip::address>& v) {
  std::vector<std::string> out;
  for (const auto& a : v) out.push_back(a.to_string());
  return out;
}

TEST(ResolverVsDnsmasq, AnswersFromARealServer) {
  const std::string binary = findDnsmasq();
  if (binary.empty()) GTEST_SKIP() << "dnsmasq is not installed (apt-get install dnsmasq-base): skipping";
  const std::uint16_t port = freePort();
  ASSERT_NE(port, 0);
  Dnsmasq server(binary, port);

  asio::io_context ioc;
  vs::io::ResolverOptions o;
  o.servers = {"127.0.0.1:" + std::to_string(port)};
  o.use_hosts_file = false;
  o.timeout = 500ms;
  o.tries = 1;
  auto created = vs::io::Resolver::create(ioc.get_executor(), o);
  ASSERT_TRUE(created) << created.error().message;
  auto resolver = std::move(created.value());

  runFor(ioc, [&]() -> asio::awaitable<void> {
    // dnsmasq needs a moment to bind: poll (refused/timeout) for up to ~5 s.
    asio::steady_timer t(ioc);
    bool up = false;
    for (int i = 0; i < 50 && !up && server.running(); ++i) {
      auto r = co_await resolver->resolve("sbc2.voipscope.test", AddressFamily::kV4);
      up = r.ok();
      if (!up) {
        t.expires_after(100ms);
        co_await t.async_wait(asio::use_awaitable);
      }
    }
    EXPECT_TRUE(up) << "dnsmasq did not answer on 127.0.0.1:" << port;
    if (!up) co_return;

    auto sbc1 = co_await resolver->resolve("sbc1.voipscope.test", AddressFamily::kV4);
    EXPECT_TRUE(sbc1) << (sbc1 ? "" : sbc1.error().message);
    if (sbc1) {
      EXPECT_EQ(strings(sbc1->addresses), std::vector<std::string>{"198.18.0.10"});
    }
    auto sbc2 = co_await resolver->resolve("SBC2.voipscope.test", AddressFamily::kAny);
    EXPECT_TRUE(sbc2) << (sbc2 ? "" : sbc2.error().message);
    if (sbc2) {
      EXPECT_EQ(strings(sbc2->addresses), (std::vector<std::string>{"198.18.0.11", "2001:db8::11"}));
    }
    auto sbc2v6 = co_await resolver->resolve("sbc2.voipscope.test", AddressFamily::kV6);
    EXPECT_TRUE(sbc2v6);
    if (sbc2v6) {
      EXPECT_EQ(strings(sbc2v6->addresses), std::vector<std::string>{"2001:db8::11"});
    }
    auto sbc3 = co_await resolver->resolve("sbc3.voipscope.test", AddressFamily::kV4);
    EXPECT_TRUE(sbc3);
    if (sbc3) {
      auto got = strings(sbc3->addresses);
      std::sort(got.begin(), got.end());  // dnsmasq may rotate the order
      EXPECT_EQ(got, (std::vector<std::string>{"198.18.0.31", "198.18.0.32"}));
    }
    auto nope = co_await resolver->resolve("nope.voipscope.test", AddressFamily::kAny);
    EXPECT_FALSE(nope);
    if (!nope) {
      EXPECT_EQ(nope.error().message, "nope.voipscope.test: name does not exist (NXDOMAIN)");
    }
  }(), 15s);
  resolver.reset();
  server.stop();
  EXPECT_FALSE(server.running());
}

}  // namespace
