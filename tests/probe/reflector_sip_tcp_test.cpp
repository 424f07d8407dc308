// The reflector's SIP over TCP on loopback, driven by plain blocking sockets: framing (pipelined, split,
// keep-alive CRLFs), the echo being byte for byte what was sent, and every bound (message size,
// connections in all and per source, idle time) enforced with the peer seeing the close.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <asio/io_context.hpp>
#include <asio/post.hpp>
#include <chrono>
#include <optional>
#include <string>
#include <thread>

#include "probe/reflector.h"
#include "proto/sip/message.h"

namespace {

using namespace std::chrono_literals;

struct ReflectorThread {
  explicit ReflectorThread(vs::probe::ReflectorOptions o = {}) {
    o.bind_address = "0.0.0.0";  // 127.0.0.2 and 127.0.0.3 are other sources on loopback
    o.port = 0;
    auto r = vs::probe::Reflector::start(ioc.get_executor(), o);
    EXPECT_TRUE(r.ok()) << (r.ok() ? "" : r.error().message);
    if (r.ok()) reflector = std::move(*r);
    thread = std::thread([this] { ioc.run(); });
  }
  ~ReflectorThread() {
    work.reset();
    asio::post(ioc, [this] { reflector.reset(); });
    ioc.stop();
    thread.join();
  }
  asio::io_context ioc;
  std::optional<asio::executor_work_guard<asio::io_context::executor_type>> work{ioc.get_executor()};
  std::unique_ptr<vs::probe::Reflector> reflector;
  std::thread thread;
};

// A blocking TCP client with a receive timeout (so a test never hangs), from a chosen loopback source.
class Client {
 public:
  Client(std::uint16_t port, const char* from = "127.0.0.1") {
    fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    timeval tv{10, 0};
    ::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    ::inet_pton(AF_INET, from, &a.sin_addr);
    ::bind(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a);
    a.sin_port = htons(port);
    ::inet_pton(AF_INET, "127.0.0.1", &a.sin_addr);
    connected_ = ::connect(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0;
  }
  ~Client() { ::close(fd_); }
  bool connected() const { return connected_; }
  bool send(const std::string& s) { return ::send(fd_, s.data(), s.size(), MSG_NOSIGNAL) == static_cast<ssize_t>(s.size()); }
  // The next framed SIP message, or nullopt when the peer closed (or 10 s passed).
  std::optional<std::string> next() {
    char chunk[4096];
    for (;;) {
      auto f = vs::proto::sip::frameStream(buf_);
      if (f.status == vs::proto::sip::StreamFrame::Status::kMessage) {
        auto m = buf_.substr(f.skip, f.length);
        buf_.erase(0, f.skip + f.length);
        return m;
      }
      const auto n = ::recv(fd_, chunk, sizeof chunk, 0);
      if (n <= 0) return std::nullopt;
      buf_.append(chunk, static_cast<std::size_t>(n));
    }
  }
  // True when the peer closed the connection (EOF or reset) within the receive timeout.
  bool closedByPeer() {
    char c;
    const auto n = ::recv(fd_, &c, 1, 0);
    return n == 0 || (n < 0 && errno == ECONNRESET);
  }

 private:
  int fd_ = -1;
  bool connected_ = false;
  std::string buf_;
};

std::string request(const std::string& method, const std::string& callId, const std::string& body = "") {
  return method + " sip:x@127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/TCP 10.0.0.5:5060;branch=z9hG4bK" + callId +
         "\r\nFrom: <sip:a@10.0.0.5>;tag=1\r\nTo: <sip:x@127.0.0.1>\r\nCall-ID: " + callId + "\r\nCSeq: 1 " + method +
         "\r\nContact: <sip:a@10.0.0.5:5060;transport=tcp>\r\nContent-Length: " + std::to_string(body.size()) +
         "\r\n\r\n" + body;
}

// Status code and echoed body of a reflector answer.
std::pair<int, std::string> answer(const std::string& message) {
  auto m = vs::proto::sip::parseMessage(message, false);
  EXPECT_TRUE(m.ok()) << message;
  if (!m.ok()) return {0, ""};
  return {m->statusLine().code, std::string(m->body())};
}

TEST(ReflectorSipTcp, PipelinedSplitAndKeepaliveFramedAndEchoedByteForByte) {
  ReflectorThread r;
  ASSERT_TRUE(r.reflector);
  ASSERT_NE(r.reflector->sipTcpPort(), 0);
  EXPECT_EQ(r.reflector->sipTcpPort(), r.reflector->port());  // the same number as UDP when it is free
  Client c(r.reflector->sipTcpPort());
  ASSERT_TRUE(c.connected());
  const auto sdp = std::string("v=0\r\no=- 1 1 IN IP4 10.0.0.5\r\ns=-\r\nc=IN IP4 10.0.0.5\r\nt=0 0\r\n"
                               "m=audio 4000 RTP/AVP 0\r\n");
  const auto options = request("OPTIONS", "one"), invite = request("INVITE", "two", sdp);
  ASSERT_TRUE(c.send("\r\n\r\n" + options + invite));  // a keep-alive, then two requests in one write
  auto a1 = c.next(), a2 = c.next();
  ASSERT_TRUE(a1 && a2);
  EXPECT_EQ(answer(*a1), std::make_pair(200, options));
  EXPECT_EQ(answer(*a2), std::make_pair(488, invite));
  // One request dribbled a byte at a time; its ACK is not answered, the next OPTIONS is.
  const auto third = request("OPTIONS", "three");
  for (char ch : third) ASSERT_TRUE(c.send(std::string(1, ch)));
  auto a3 = c.next();
  ASSERT_TRUE(a3);
  EXPECT_EQ(answer(*a3), std::make_pair(200, third));
  ASSERT_TRUE(c.send(request("ACK", "two") + request("OPTIONS", "four")));
  auto a4 = c.next();
  ASSERT_TRUE(a4);
  EXPECT_NE(a4->find("Call-ID: four"), std::string::npos) << *a4;
  EXPECT_EQ(r.reflector->counters().sip_tcp_answered, 4U);
}

TEST(ReflectorSipTcp, NonRequestIsDroppedOversizedMessageClosesTheConnection) {
  ReflectorThread r;
  ASSERT_TRUE(r.reflector);
  Client c(r.reflector->sipTcpPort());
  ASSERT_TRUE(c.connected());
  ASSERT_TRUE(c.send("SIP/2.0 200 OK\r\nCall-ID: x\r\nCSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n" +
                     request("OPTIONS", "after")));
  auto a = c.next();
  ASSERT_TRUE(a);
  EXPECT_NE(a->find("Call-ID: after"), std::string::npos);  // the response was skipped, the connection kept
  // A Content-Length beyond the limit: the reflector stops reading this peer.
  ASSERT_TRUE(c.send("OPTIONS sip:x@y SIP/2.0\r\nCall-ID: big\r\nContent-Length: " +
                     std::to_string(vs::probe::kMaxSipTcpMessageBytes + 1) + "\r\n\r\n"));
  EXPECT_TRUE(c.closedByPeer());

  // Headers that never end: closed once past the limit, not buffered further.
  Client d(r.reflector->sipTcpPort());
  ASSERT_TRUE(d.connected());
  const std::string line = "X-Filler: " + std::string(1000, 'a') + "\r\n";
  bool sent = d.send("OPTIONS sip:x@y SIP/2.0\r\n");
  for (std::size_t i = 0; sent && i < vs::probe::kMaxSipTcpMessageBytes / line.size() + 2; ++i) sent = d.send(line);
  EXPECT_TRUE(d.closedByPeer());
  EXPECT_GE(r.reflector->counters().dropped_malformed, 3U);  // the response, the big one, the endless one
}

TEST(ReflectorSipTcp, ConnectionLimitsInAllAndPerSource) {
  vs::probe::ReflectorOptions o;
  o.max_tcp_connections = 3;
  o.max_tcp_per_source = 2;
  ReflectorThread r(o);
  ASSERT_TRUE(r.reflector);
  const auto port = r.reflector->sipTcpPort();
  Client a(port, "127.0.0.1"), b(port, "127.0.0.1");
  ASSERT_TRUE(a.send(request("OPTIONS", "a")) && a.next());
  ASSERT_TRUE(b.send(request("OPTIONS", "b")) && b.next());
  Client third(port, "127.0.0.1");  // a third from the same source: closed at once
  EXPECT_TRUE(third.closedByPeer());
  Client other(port, "127.0.0.2");  // another source fits the total
  ASSERT_TRUE(other.send(request("OPTIONS", "c")));
  EXPECT_TRUE(other.next());
  Client fourth(port, "127.0.0.3");  // but the total is reached
  EXPECT_TRUE(fourth.closedByPeer());
  EXPECT_EQ(r.reflector->counters().tcp_refused, 2U);
  EXPECT_EQ(r.reflector->counters().sip_tcp_answered, 3U);
}

TEST(ReflectorSipTcp, SilentConnectionIsClosedAfterTheIdleTimeoutAndFreesItsSlot) {
  vs::probe::ReflectorOptions o;
  o.max_tcp_connections = 1;
  o.tcp_idle_timeout = 300ms;
  ReflectorThread r(o);
  ASSERT_TRUE(r.reflector);
  {
    Client quiet(r.reflector->sipTcpPort());
    ASSERT_TRUE(quiet.connected());
    EXPECT_TRUE(quiet.closedByPeer());  // within the client's 10 s receive timeout
  }
  EXPECT_EQ(r.reflector->counters().tcp_closed_idle, 1U);
  Client next(r.reflector->sipTcpPort());
  ASSERT_TRUE(next.send(request("OPTIONS", "n")));
  EXPECT_TRUE(next.next());
}

TEST(ReflectorSipTcp, OffWithoutSipOrWhenDisabled) {
  vs::probe::ReflectorOptions o;
  o.sip_tcp = false;
  ReflectorThread r(o);
  ASSERT_TRUE(r.reflector);
  EXPECT_EQ(r.reflector->sipTcpPort(), 0);
  vs::probe::ReflectorOptions n;
  n.answer_sip = false;
  ReflectorThread r2(n);
  ASSERT_TRUE(r2.reflector);
  EXPECT_EQ(r2.reflector->sipTcpPort(), 0);
}

}  // namespace
