#pragma once
// A UDP impairment relay for measurement tests: sits between a client and an upstream server on loopback,
// delays, drops, duplicates and reorders packets per direction with a seeded generator, and records what
// it did to every packet. Tests compare what voipscope reports against this record (the ground truth).
//
// Runs on its own thread and io_context so its timers do not share a loop with the code under test.
// Header-only because tests/support is not a library; keep it small.
#include <asio/io_context.hpp>
#include <asio/ip/udp.hpp>
#include <asio/steady_timer.hpp>
#include <netinet/in.h>
#include <sys/socket.h>

#include <cstring>
#include <ctime>

#include <array>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <random>
#include <thread>
#include <vector>

namespace vs::testing {

struct Impairment {
  double base_delay_ms = 0;
  double jitter_ms = 0;       // extra delay, uniform in [0, jitter_ms)
  double loss_pct = 0;        // random loss (used when burst is off)
  // Gilbert two-state loss: p = P(good -> bad), q = P(bad -> good); in bad every packet is lost.
  bool burst = false;
  double p = 0, q = 1;
  double duplicate_pct = 0;   // a second copy sent 1 ms after the first
  double reorder_pct = 0;     // held back reorder_extra_ms more, so later packets overtake it
  double reorder_extra_ms = 45;
};

// Times are CLOCK_REALTIME ns, the clock of kernel receive timestamps: `in` is the kernel's timestamp of
// the packet's arrival at the relay, `out` the clock right after the send (on loopback the send delivers
// into the receiver's socket within the call), so in/out are when the packet reached the relay and the
// next hop. The relay thread can be preempted between the clock reads and the send, so the next hop's
// receive timestamp is only known to lie in [outBefore, out]: tests widen tolerances by that window.
struct RelayRecord {
  std::size_t index = 0;       // arrival order at the relay in this direction
  std::int64_t in = 0;
  bool dropped = false;
  bool duplicated = false;
  double delay_ms = 0;         // planned hold time of the first copy
  std::int64_t outBefore = 0;  // the clock right before the first copy's send (dropped: 0)
  std::int64_t out = 0;        // when the first copy was actually sent (dropped: 0)
  std::int64_t dupOutBefore = 0, dupOut = 0;  // the same for the duplicate copy (none: 0)
  double sendWindowMs() const { return static_cast<double>(out - outBefore) / 1e6; }
  double dupSendWindowMs() const { return static_cast<double>(dupOut - dupOutBefore) / 1e6; }
  double heldMs() const { return static_cast<double>(out - in) / 1e6; }
  std::vector<std::byte> head; // first 160 bytes, to tell what the packet was
};

class ImpairRelay {
 public:
  enum Direction { kForward = 0, kReturn = 1 };

  ImpairRelay(asio::ip::udp::endpoint upstream, Impairment forward, Impairment back, std::uint32_t seed)
      : upstream_(upstream), client_sock_(ioc_), up_sock_(ioc_), rng_(seed) {
    spec_[kForward] = forward;
    spec_[kReturn] = back;
    const int on = 1;
    for (auto* sock : {&client_sock_, &up_sock_}) {
      sock->open(asio::ip::udp::v4());
      sock->bind({asio::ip::make_address("127.0.0.1"), 0});
      ::setsockopt(sock->native_handle(), SOL_SOCKET, SO_TIMESTAMPNS, &on, sizeof on);
    }
    receive(kForward);
    receive(kReturn);
    thread_ = std::thread([this] { ioc_.run(); });
  }
  ~ImpairRelay() { stop(); }
  ImpairRelay(const ImpairRelay&) = delete;
  ImpairRelay& operator=(const ImpairRelay&) = delete;

  std::uint16_t port() const { return client_sock_.local_endpoint().port(); }

  void stop() {
    if (!thread_.joinable()) return;
    asio::post(ioc_, [this] {
      std::error_code ec;
      client_sock_.close(ec);
      up_sock_.close(ec);
      ioc_.stop();
    });
    thread_.join();
  }

  std::vector<RelayRecord> records(Direction d) {
    std::lock_guard<std::mutex> lock(mu_);
    return records_[d];
  }

 private:
  struct Pending {
    std::vector<std::byte> bytes;
    asio::steady_timer timer;
    explicit Pending(asio::io_context& ioc) : timer(ioc) {}
  };

  double uniform() { return std::uniform_real_distribution<double>(0, 1)(rng_); }

  static std::int64_t wallNs() {
    timespec ts{};
    ::clock_gettime(CLOCK_REALTIME, &ts);
    return static_cast<std::int64_t>(ts.tv_sec) * 1000000000 + ts.tv_nsec;
  }

  // recvmsg for the kernel timestamp (asio has no ancillary data); the forward side remembers the client.
  void receive(Direction d) {
    auto& sock = d == kForward ? client_sock_ : up_sock_;
    sock.async_wait(asio::ip::udp::socket::wait_read, [this, d, &sock](std::error_code ec) {
      if (ec == asio::error::operation_aborted || !sock.is_open()) return;
      for (;;) {
        sockaddr_in from{};
        iovec iov{buf_[d].data(), buf_[d].size()};
        alignas(cmsghdr) char control[64];
        msghdr msg{};
        msg.msg_name = &from;
        msg.msg_namelen = sizeof from;
        msg.msg_iov = &iov;
        msg.msg_iovlen = 1;
        msg.msg_control = control;
        msg.msg_controllen = sizeof control;
        const ssize_t n = ::recvmsg(sock.native_handle(), &msg, MSG_DONTWAIT);
        if (n < 0) break;
        std::int64_t at = 0;
        for (cmsghdr* c = CMSG_FIRSTHDR(&msg); c != nullptr; c = CMSG_NXTHDR(&msg, c)) {
          if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_TIMESTAMPNS) {
            timespec ts{};
            std::memcpy(&ts, CMSG_DATA(c), sizeof ts);
            at = static_cast<std::int64_t>(ts.tv_sec) * 1000000000 + ts.tv_nsec;
          }
        }
        if (d == kForward) {
          client_ = asio::ip::udp::endpoint(asio::ip::address_v4(ntohl(from.sin_addr.s_addr)), ntohs(from.sin_port));
        }
        handle(d, static_cast<std::size_t>(n), at != 0 ? at : wallNs());
      }
      receive(d);
    });
  }

  void handle(Direction d, std::size_t n, std::int64_t kernelNs) {
    // The hold starts at the kernel's arrival time, not when this thread got round to the packet.
    const auto now = std::chrono::steady_clock::now() - std::chrono::nanoseconds(wallNs() - kernelNs);
    const auto& s = spec_[d];
    RelayRecord rec;
    rec.in = kernelNs;
    rec.head.assign(buf_[d].begin(), buf_[d].begin() + static_cast<long>(std::min<std::size_t>(n, 160)));
    bool drop;
    if (s.burst) {
      bad_[d] = bad_[d] ? uniform() >= s.q : uniform() < s.p;
      drop = bad_[d];
    } else {
      drop = uniform() * 100 < s.loss_pct;
    }
    // Draw every number for every packet, so one packet's fate never shifts the next packet's draws.
    const double jitter = uniform() * s.jitter_ms;
    const bool dup = uniform() * 100 < s.duplicate_pct;
    const bool reorder = uniform() * 100 < s.reorder_pct;
    rec.dropped = drop;
    std::size_t index;
    {
      std::lock_guard<std::mutex> lock(mu_);
      index = records_[d].size();
      rec.index = index;
      rec.duplicated = !drop && dup;
      rec.delay_ms = s.base_delay_ms + jitter + (reorder ? s.reorder_extra_ms : 0);
      records_[d].push_back(rec);
    }
    if (drop) return;
    std::vector<std::byte> bytes(buf_[d].begin(), buf_[d].begin() + static_cast<long>(n));
    const auto at = now + std::chrono::microseconds(static_cast<long>(rec.delay_ms * 1000));
    send(d, bytes, at, index, true);
    if (rec.duplicated) send(d, bytes, at + std::chrono::milliseconds(1), index, false);
  }

  void send(Direction d, std::vector<std::byte> bytes, std::chrono::steady_clock::time_point at, std::size_t index,
            bool first) {
    auto p = std::make_shared<Pending>(ioc_);
    p->bytes = std::move(bytes);
    p->timer.expires_at(at);
    p->timer.async_wait([this, p, d, index, first](std::error_code ec) {
      if (ec) return;
      const std::int64_t before = wallNs();
      std::error_code sec;
      if (d == kForward) {
        up_sock_.send_to(asio::buffer(p->bytes), upstream_, 0, sec);
      } else if (client_) {
        client_sock_.send_to(asio::buffer(p->bytes), *client_, 0, sec);
      }
      const std::int64_t after = wallNs();
      std::lock_guard<std::mutex> lock(mu_);
      auto& rec = records_[d][index];
      (first ? rec.outBefore : rec.dupOutBefore) = before;
      (first ? rec.out : rec.dupOut) = after;
    });
  }

  asio::io_context ioc_;
  asio::ip::udp::endpoint upstream_;
  asio::ip::udp::socket client_sock_, up_sock_;
  std::optional<asio::ip::udp::endpoint> client_;
  std::array<std::array<std::byte, 65536>, 2> buf_{};
  std::array<Impairment, 2> spec_{};
  std::array<bool, 2> bad_{};
  std::mt19937 rng_;
  std::mutex mu_;
  std::array<std::vector<RelayRecord>, 2> records_;
  std::thread thread_;
};

}  // namespace vs::testing
