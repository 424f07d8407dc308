// libFuzzer target for the RTP path of capture analysis (analysis/rtp_tracker): an SDP call ties ports
// 40000/50000, then the input is cut into datagrams (2-byte length prefix, 1 byte selecting the port pair
// and direction) fed as raw IPv4/UDP frames 20 ms apart. Hostile RTP/RTCP/telephone-event bytes must
// neither crash nor grow memory; streams and calls come out at finish().
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "analysis/capture_analyzer.h"
#include "proto/pkt/capture_file.h"

namespace {

std::vector<std::byte> frame(unsigned src, unsigned sport, unsigned dst, unsigned dport, std::span<const std::byte> p) {
  std::vector<std::byte> b(28 + p.size());
  auto put16 = [&](std::size_t at, std::size_t v) {
    b[at] = std::byte(static_cast<unsigned char>(v >> 8));
    b[at + 1] = std::byte(static_cast<unsigned char>(v & 0xFF));
  };
  b[0] = std::byte{0x45};
  put16(2, b.size());
  b[8] = std::byte{64};
  b[9] = std::byte{17};
  b[12] = std::byte{192}; b[13] = std::byte{0}; b[14] = std::byte{2}; b[15] = std::byte(static_cast<unsigned char>(src));
  b[16] = std::byte{192}; b[17] = std::byte{0}; b[18] = std::byte{2}; b[19] = std::byte(static_cast<unsigned char>(dst));
  put16(20, sport);
  put16(22, dport);
  put16(24, 8 + p.size());
  for (std::size_t i = 0; i < p.size(); ++i) b[28 + i] = p[i];
  return b;
}

std::string sip(bool answer) {
  std::string sdp = std::string("v=0\r\no=- 1 1 IN IP4 192.0.2.") + (answer ? "2" : "1") + "\r\ns=-\r\nc=IN IP4 192.0.2." +
                    (answer ? "2" : "1") + "\r\nt=0 0\r\nm=audio " + (answer ? "50000" : "40000") +
                    " RTP/AVP 0 96 101\r\na=rtpmap:96 opus/48000/2\r\na=rtpmap:101 telephone-event/8000\r\n";
  return std::string(answer ? "SIP/2.0 200 OK" : "INVITE sip:b@192.0.2.2 SIP/2.0") +
         "\r\nVia: SIP/2.0/UDP 192.0.2.1;branch=z9hG4bK1\r\nFrom: <sip:a@x>;tag=a\r\nTo: <sip:b@x>" +
         (answer ? ";tag=b" : "") + "\r\nCall-ID: fuzz\r\nCSeq: 1 INVITE\r\nContent-Type: application/sdp\r\n" +
         "Content-Length: " + std::to_string(sdp.size()) + "\r\n\r\n" + sdp;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace vs::analysis;
  std::size_t streams = 0;
  CaptureAnalyzer an({}, [&](Call&& c) {
    for (const auto& l : c.legs) streams += l.streams.size();
  }, [&](RtpStream&&) { ++streams; });
  std::int64_t t = 1'700'000'000'000'000'000;
  std::uint64_t n = 0;
  for (bool answer : {false, true}) {
    auto s = sip(answer);
    auto f = frame(answer ? 2 : 1, 5060, answer ? 1 : 2, 5060,
                   std::span<const std::byte>(reinterpret_cast<const std::byte*>(s.data()), s.size()));
    an.addFrame(vs::proto::pkt::link::kIpv4, f, t, ++n);
  }
  std::span<const std::byte> in(reinterpret_cast<const std::byte*>(data), size);
  while (in.size() >= 3) {
    const std::size_t len = (std::to_integer<std::size_t>(in[0]) << 8 | std::to_integer<std::size_t>(in[1])) % 1500;
    const auto sel = std::to_integer<unsigned>(in[2]);
    in = in.subspan(3);
    const auto body = in.first(std::min(len, in.size()));
    in = in.subspan(body.size());
    const unsigned ports[4][2] = {{50000, 40000}, {40000, 50000}, {50001, 40001}, {20000, 20002}};
    const auto& pp = ports[sel % 4];
    t += (sel & 0x80) ? 3'600'000'000'000 : 20'000'000;  // sometimes jump an hour: idle expiry paths
    auto f = (sel & 0x40) ? frame(1, pp[1], 2, pp[0], body) : frame(2, pp[0], 1, pp[1], body);
    an.addFrame(vs::proto::pkt::link::kIpv4, f, t, ++n);
  }
  an.finish();
  if (an.stats().rtp_streams != streams) __builtin_trap();
  return 0;
}
