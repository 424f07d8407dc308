// Hand-made packets for each decoder layer: pcap/pcapng records, fragments out of order, TCP splits and
// retransmissions, SCTP fragments, bad lengths.
#include <gtest/gtest.h>

#include <cstring>
#include <string>
#include <vector>

#include "proto/pkt/capture_file.h"
#include "proto/pkt/decoder.h"
#include "proto/pkt/tcp_stream.h"
#include "proto/sdp/sdp.h"

namespace {

using namespace vs::proto::pkt;
using Bytes = std::vector<std::byte>;

void put16(Bytes& b, std::size_t at, unsigned v) {
  b[at] = std::byte(static_cast<unsigned char>(v >> 8));
  b[at + 1] = std::byte(static_cast<unsigned char>(v & 0xFF));
}
void append(Bytes& b, std::string_view s) {
  for (char c : s) b.push_back(std::byte(static_cast<unsigned char>(c)));
}
std::string str(std::span<const std::byte> s) { return std::string(reinterpret_cast<const char*>(s.data()), s.size()); }

// IPv4 header + payload; frag_off in bytes.
Bytes ipv4(std::uint8_t proto, const Bytes& payload, unsigned id = 1, std::size_t frag_off = 0, bool more = false) {
  Bytes b(20);
  b[0] = std::byte{0x45};
  put16(b, 2, static_cast<unsigned>(20 + payload.size()));
  put16(b, 4, id);
  put16(b, 6, static_cast<unsigned>((more ? 0x2000U : 0U) | (frag_off / 8)));
  b[8] = std::byte{64};
  b[9] = std::byte{proto};
  b[12] = std::byte{192}; b[13] = std::byte{0}; b[14] = std::byte{2}; b[15] = std::byte{1};
  b[16] = std::byte{192}; b[17] = std::byte{0}; b[18] = std::byte{2}; b[19] = std::byte{2};
  b.insert(b.end(), payload.begin(), payload.end());
  return b;
}
Bytes udp(std::string_view data, unsigned sport = 5060, unsigned dport = 5060) {
  Bytes b(8);
  put16(b, 0, sport);
  put16(b, 2, dport);
  put16(b, 4, static_cast<unsigned>(8 + data.size()));
  append(b, data);
  return b;
}
Bytes tcp(std::uint32_t seq, std::string_view data, std::uint8_t flags = 0x18) {
  Bytes b(20);
  put16(b, 0, 40000);
  put16(b, 2, 5060);
  put16(b, 4, seq >> 16);
  put16(b, 6, seq & 0xFFFF);
  b[12] = std::byte{0x50};
  b[13] = std::byte{flags};
  append(b, data);
  return b;
}
Bytes ether(const Bytes& ip, unsigned type = 0x0800) {
  Bytes b(14);
  put16(b, 12, type);
  b.insert(b.end(), ip.begin(), ip.end());
  return b;
}

TEST(Decoder, UdpOverEthernetWithVlanTags) {
  auto ip = ipv4(17, udp("OPTIONS sip:x SIP/2.0\r\n\r\n"));
  Bytes frame(14);
  put16(frame, 12, 0x88A8);  // QinQ outer tag
  Bytes tags(8);
  put16(tags, 2, 0x8100);
  put16(tags, 6, 0x0800);
  frame.insert(frame.end(), tags.begin(), tags.end());
  frame.insert(frame.end(), ip.begin(), ip.end());
  Decoder d;
  auto out = d.decode(link::kEthernet, frame, 0);
  ASSERT_EQ(out.status, Decoder::Status::kPacket) << out.error;
  EXPECT_EQ(d.packet().vlans, 2);
  EXPECT_EQ(d.packet().transport, Transport::kUdp);
  EXPECT_EQ(d.packet().src.toString(), "192.0.2.1");
  EXPECT_EQ(str(d.packet().payload), "OPTIONS sip:x SIP/2.0\r\n\r\n");
}

TEST(Decoder, Ipv4FragmentsOutOfOrderAreReassembled) {
  std::string text(3000, 'x');
  auto whole = udp(text);
  // Three fragments (8-byte aligned), delivered last, first, middle.
  Bytes f1(whole.begin(), whole.begin() + 1000), f2(whole.begin() + 1000, whole.begin() + 2000),
      f3(whole.begin() + 2000, whole.end());
  Decoder d;
  // Frame numbers 11, 12, 13: the completing frame names the other two (for --save-call).
  EXPECT_EQ(d.decode(link::kRaw, ipv4(17, f3, 7, 2000, false), 0, 11).status, Decoder::Status::kHeld);
  EXPECT_EQ(d.decode(link::kRaw, ipv4(17, f1, 7, 0, true), 1, 12).status, Decoder::Status::kHeld);
  auto out = d.decode(link::kRaw, ipv4(17, f2, 7, 1000, true), 2, 13);
  ASSERT_EQ(out.status, Decoder::Status::kPacket) << out.error;
  EXPECT_TRUE(d.packet().reassembled);
  EXPECT_EQ(d.packet().fragment_frames, (std::vector<std::uint64_t>{11, 12}));
  EXPECT_EQ(str(d.packet().payload), text);
  EXPECT_EQ(d.defragStats().completed, 1U);
  // The next frame, not a fragment, names none.
  ASSERT_EQ(d.decode(link::kRaw, ipv4(17, udp("x")), 3, 14).status, Decoder::Status::kPacket);
  EXPECT_TRUE(d.packet().fragment_frames.empty());
}

TEST(Decoder, FragmentsThatNeverCompleteTimeOutByCaptureTime) {
  Decoder d;
  Bytes part(800, std::byte{'a'});
  EXPECT_EQ(d.decode(link::kRaw, ipv4(17, part, 9, 0, true), 0).status, Decoder::Status::kHeld);
  // 31 s later (capture time) another datagram arrives: the first one is given up.
  EXPECT_EQ(d.decode(link::kRaw, ipv4(17, part, 10, 0, true), 31'000'000'000).status, Decoder::Status::kHeld);
  EXPECT_EQ(d.defragStats().timed_out, 1U);
}

TEST(Decoder, AbsurdLengthsAreErrorsNotCrashes) {
  Decoder d;
  Bytes ip = ipv4(17, udp("x"));
  ip[0] = std::byte{0x4F};  // header length 60 > 29 bytes present
  auto out = d.decode(link::kRaw, ip, 0);
  EXPECT_EQ(out.status, Decoder::Status::kError);
  EXPECT_NE(out.error.find("header length"), std::string::npos);
  EXPECT_EQ(d.decode(link::kEthernet, Bytes(5), 0).status, Decoder::Status::kError);
  EXPECT_EQ(d.decode(147, Bytes(40), 0).status, Decoder::Status::kError);  // unsupported link type
  Bytes frag(16, std::byte{0});
  EXPECT_EQ(d.decode(link::kRaw, ipv4(17, frag, 3, 65528, false), 0).status, Decoder::Status::kError);
}

TEST(Decoder, GreAndIpInIpAreUnwrapped) {
  auto inner = ipv4(17, udp("INVITE sip:a SIP/2.0\r\n\r\n"));
  Bytes gre(4);
  put16(gre, 2, 0x0800);
  gre.insert(gre.end(), inner.begin(), inner.end());
  Decoder d;
  ASSERT_EQ(d.decode(link::kEthernet, ether(ipv4(47, gre)), 0).status, Decoder::Status::kPacket);
  EXPECT_EQ(d.packet().tunnels, 1);
  EXPECT_EQ(d.packet().transport, Transport::kUdp);
  ASSERT_EQ(d.decode(link::kRaw, ipv4(4, inner), 0).status, Decoder::Status::kPacket);
  EXPECT_EQ(d.packet().tunnels, 1);
  // A tunnel nested past the limit is refused.
  Bytes nest = inner;
  for (int i = 0; i < kMaxEncapsulation + 2; ++i) nest = ipv4(4, nest);
  EXPECT_EQ(d.decode(link::kRaw, nest, 0).status, Decoder::Status::kError);
}

TEST(Decoder, TcpHeaderFields) {
  Decoder d;
  auto frame = ipv4(6, tcp(0x12345678, "SIP/2.0 200 OK\r\n"));  // the packet views these bytes
  ASSERT_EQ(d.decode(link::kRaw, frame, 0).status, Decoder::Status::kPacket);
  EXPECT_EQ(d.packet().transport, Transport::kTcp);
  EXPECT_EQ(d.packet().tcp_seq, 0x12345678U);
  EXPECT_EQ(d.packet().sport, 40000);
  EXPECT_EQ(str(d.packet().payload), "SIP/2.0 200 OK\r\n");
}

TEST(TcpStream, SplitsRetransmissionsAndReordering) {
  TcpStream s;
  auto b = [](std::string_view x) { return std::span<const std::byte>(reinterpret_cast<const std::byte*>(x.data()), x.size()); };
  s.add(999, 0x02, {});  // SYN: data starts at 1000
  s.add(1000, 0x18, b("INVITE "));
  s.add(1000, 0x18, b("INVITE "));      // retransmission: not delivered twice
  s.add(1012, 0x18, b("SIP/2.0"), 3);   // ahead of a gap: held
  EXPECT_EQ(s.data(), "INVITE ");
  EXPECT_TRUE(s.pieces().empty());
  s.add(1007, 0x18, b("sip:x"), 4);     // fills the gap; held segment drains
  EXPECT_EQ(s.data(), "INVITE sip:xSIP/2.0");
  // The 12 new bytes: 5 of this segment (tag 4), then the 7 held ones under their own tag.
  using Pieces = std::vector<std::pair<std::size_t, std::uint64_t>>;
  EXPECT_EQ(s.pieces(), (Pieces{{5, 4}, {12, 3}}));
  s.add(1005, 0x18, b("E sip:"));       // partial overlap: only new bytes (none here) delivered
  EXPECT_EQ(s.data(), "INVITE sip:xSIP/2.0");
  EXPECT_EQ(s.stats().retransmitted_bytes, 7U + 6U);
  s.consume(7);
  EXPECT_EQ(s.data(), "sip:xSIP/2.0");
}

TEST(TcpStream, ManyTinySegmentsStayBounded) {
  TcpStream s;
  std::string one = "x";
  auto span = std::span<const std::byte>(reinterpret_cast<const std::byte*>(one.data()), 1);
  for (std::uint32_t i = 0; i < kMaxTcpBufferBytes + 1000; ++i) s.add(i, 0x18, span);
  EXPECT_LE(s.data().size(), kMaxTcpBufferBytes);
  EXPECT_TRUE(s.takeDiscontinuity());
  // A gap that never fills is skipped once too many segments wait behind it.
  TcpStream g;
  g.add(0, 0x18, span);
  for (std::uint32_t i = 0; i <= kMaxTcpHeldSegments; ++i) g.add(10 + i, 0x18, span);
  EXPECT_EQ(g.stats().gaps, 1U);
  EXPECT_TRUE(g.takeDiscontinuity());
}

Bytes pcapFile(const std::vector<Bytes>& frames, unsigned link_type = 1) {
  Bytes f(24);
  std::uint32_t magic = 0xa1b2c3d4;
  std::memcpy(f.data(), &magic, 4);
  f[4] = std::byte{2};
  f[6] = std::byte{4};
  std::uint32_t snap = 65535;
  std::memcpy(f.data() + 16, &snap, 4);
  std::memcpy(f.data() + 20, &link_type, 4);
  std::uint32_t t = 1;
  for (const auto& fr : frames) {
    Bytes h(16);
    std::memcpy(h.data(), &t, 4);
    auto n = static_cast<std::uint32_t>(fr.size());
    std::memcpy(h.data() + 8, &n, 4);
    std::memcpy(h.data() + 12, &n, 4);
    f.insert(f.end(), h.begin(), h.end());
    f.insert(f.end(), fr.begin(), fr.end());
  }
  return f;
}

TEST(CaptureFile, PcapRecordsTruncationAndAbsurdLength) {
  auto file = pcapFile({Bytes(60), Bytes(70)});
  CaptureParser p;
  std::span<const std::byte> rest(file);
  int records = 0;
  while (true) {
    auto s = p.next(rest);
    if (s.status == CaptureParser::Status::kNeedMore || s.status == CaptureParser::Status::kError) break;
    if (s.status == CaptureParser::Status::kRecord) ++records;
    rest = rest.subspan(s.consumed);
  }
  EXPECT_EQ(records, 2);
  EXPECT_EQ(p.linkType(), 1U);
  // Cut in the middle of the second record: the parser waits for bytes that never come.
  CaptureParser q;
  std::span<const std::byte> cut(file.data(), file.size() - 10);
  EXPECT_EQ(q.next(cut).status, CaptureParser::Status::kSkipped);
  cut = cut.subspan(24);
  auto s1 = q.next(cut);
  ASSERT_EQ(s1.status, CaptureParser::Status::kRecord);
  EXPECT_EQ(q.next(cut.subspan(s1.consumed)).status, CaptureParser::Status::kNeedMore);
  // A record claiming 2 GB is an error naming the offset, not an allocation.
  auto bad = pcapFile({Bytes(10)});
  std::uint32_t huge = 0x7FFFFFFF;
  std::memcpy(bad.data() + 24 + 8, &huge, 4);
  CaptureParser r;
  (void)r.next(bad);
  auto e = r.next(std::span<const std::byte>(bad).subspan(24));
  ASSERT_EQ(e.status, CaptureParser::Status::kError);
  EXPECT_NE(e.error.message.find("exceeds"), std::string::npos);
  EXPECT_EQ(e.error.offset, 32U);
}

TEST(CaptureFile, OtherFormatsAreNamed) {
  Bytes netmon;
  append(netmon, "GMBU\x02\x00");
  auto r = CaptureParser::sniff(netmon);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("Network Monitor"), std::string::npos);
}

TEST(Sdp, MediaConnectionRtpmapAndDirection) {
  auto s = vs::proto::sdp::parse(
      "v=0\r\no=alice 2890844526 2890844527 IN IP4 192.0.2.10\r\ns=-\r\nc=IN IP4 192.0.2.10\r\nt=0 0\r\n"
      "m=audio 49170 RTP/AVP 0 101\r\na=rtpmap:101 telephone-event/8000\r\na=sendonly\r\n"
      "m=image 0 udptl t38\r\nc=IN IP4 198.51.100.1\r\n");
  ASSERT_TRUE(s.ok()) << s.error().message;
  ASSERT_TRUE(s->origin);
  EXPECT_EQ(s->origin->session_id, "2890844526");
  ASSERT_EQ(s->media.size(), 2U);
  EXPECT_EQ(s->mediaAddress(0), "192.0.2.10");
  EXPECT_EQ(s->media[0].port, 49170);
  EXPECT_EQ(s->media[0].clockRate(0), 8000U);
  EXPECT_EQ(s->media[0].clockRate(101), 8000U);
  EXPECT_EQ(s->media[0].direction, vs::proto::sdp::Direction::kSendOnly);
  EXPECT_EQ(s->mediaAddress(1), "198.51.100.1");
  EXPECT_FALSE(vs::proto::sdp::parse("v=0\r\nm=audio notaport RTP/AVP 0\r\n").ok());
}

// A capture's bodies are parsed one after another into one Session, which keeps its lists' storage:
// nothing of one body (origin, connections, directions, ports, formats, rtpmaps, a=rtcp) may show in the
// next, whether that one has fewer media, none, or failed.
TEST(Sdp, ParseIntoASessionInUseLeavesNothingOfTheLastBody) {
  using vs::proto::sdp::Direction;
  const std::string full =
      "v=0\r\no=alice 1 2 IN IP4 192.0.2.10\r\ns=-\r\nc=IN IP4 192.0.2.10\r\nt=0 0\r\na=sendonly\r\n"
      "m=audio 49170 RTP/AVP 0 101\r\nc=IN IP4 198.51.100.5\r\na=rtpmap:101 telephone-event/8000\r\na=rtcp:49175\r\n"
      "m=image 0 udptl t38\r\na=inactive\r\n";
  auto check_full = [](const vs::proto::sdp::Session& s) {
    ASSERT_TRUE(s.origin);
    EXPECT_EQ(s.origin->username, "alice");
    EXPECT_EQ(s.connection, "192.0.2.10");
    EXPECT_EQ(s.direction, Direction::kSendOnly);
    ASSERT_EQ(s.media.size(), 2U);
    EXPECT_EQ(s.media[0].port, 49170);
    EXPECT_EQ(s.media[0].formats, (std::vector<std::string_view>{"0", "101"}));
    EXPECT_EQ(s.media[0].connection, "198.51.100.5");
    ASSERT_EQ(s.media[0].rtpmaps.size(), 1U);
    EXPECT_EQ(s.media[0].rtpmaps[0].encoding, "telephone-event");
    EXPECT_EQ(s.media[0].rtcp_port, std::optional<std::uint16_t>(49175));
    EXPECT_EQ(s.media[0].direction, Direction::kSendOnly);  // the session's, inherited
    EXPECT_EQ(s.media[1].media, "image");
    EXPECT_EQ(s.media[1].direction, Direction::kInactive);
  };
  vs::proto::sdp::Session s;
  ASSERT_TRUE(vs::proto::sdp::parseInto(s, full).ok());
  check_full(s);
  const auto* formats_storage = s.media[0].formats.data();

  ASSERT_TRUE(vs::proto::sdp::parseInto(s, "v=0\r\nm=audio 5004/2 RTP/AVP 8\r\n").ok());
  EXPECT_FALSE(s.origin);
  EXPECT_EQ(s.connection, "");
  EXPECT_EQ(s.direction, Direction::kSendRecv);
  ASSERT_EQ(s.media.size(), 1U);
  EXPECT_EQ(s.media[0].port, 5004);
  EXPECT_EQ(s.media[0].port_count, 2);
  EXPECT_EQ(s.media[0].formats, (std::vector<std::string_view>{"8"}));
  EXPECT_EQ(s.media[0].connection, "");
  EXPECT_TRUE(s.media[0].rtpmaps.empty());
  EXPECT_FALSE(s.media[0].rtcp_port);
  EXPECT_EQ(s.media[0].direction, Direction::kSendRecv);
  EXPECT_EQ(s.mediaAddress(0), "");
  EXPECT_EQ(s.media[0].formats.data(), formats_storage);  // the list's storage was kept

  ASSERT_TRUE(vs::proto::sdp::parseInto(s, "v=0\r\nm=audio 5004 RTP/AVP 0\r\nm=audio x RTP/AVP 0\r\n").error().message
                  .find("line 3: bad port 'x'") != std::string::npos);
  ASSERT_TRUE(vs::proto::sdp::parseInto(s, "v=0\r\no=bob 7 8 IN IP6 2001:db8::1\r\n").ok());
  ASSERT_TRUE(s.origin);
  EXPECT_EQ(s.origin->address, "2001:db8::1");
  EXPECT_TRUE(s.media.empty());

  ASSERT_TRUE(vs::proto::sdp::parseInto(s, full).ok());
  check_full(s);
}

// Lines and fields are cut 16 bytes at a time: the same body with a username of 1 to 40 bytes moves every
// later line end and field separator across the 16-byte boundaries; doubled spaces and bare LF line ends
// must read the same, and the last line may lack its line end.
TEST(Sdp, FieldsAndLinesAtEveryOffset) {
  for (std::string_view eol : {"\r\n", "\n"}) {
    for (std::string_view sep : {" ", "  "}) {
      for (std::size_t pad = 1; pad <= 40; ++pad) {
        const std::string user(pad, 'u');
        const std::string e(eol), sp(sep);
        const std::string body = "v=0" + e + "o=" + user + sp + "1" + sp + "2 IN IP4 192.0.2.7" + e + "s=-" + e +
                                 "c=IN IP4 192.0.2.8/127" + e + "m=audio" + sp + "4000 RTP/AVP 0" + sp + "8 101" + e +
                                 "a=rtpmap:101 telephone-event/8000" + e + "a=recvonly";
        SCOPED_TRACE(body);
        auto s = vs::proto::sdp::parse(body);
        ASSERT_TRUE(s.ok()) << s.error().message;
        ASSERT_TRUE(s->origin);
        EXPECT_EQ(s->origin->username, user);
        EXPECT_EQ(s->origin->session_id, "1");
        EXPECT_EQ(s->origin->address, "192.0.2.7");
        EXPECT_EQ(s->connection, "192.0.2.8");
        ASSERT_EQ(s->media.size(), 1U);
        EXPECT_EQ(s->media[0].port, 4000);
        ASSERT_EQ(s->media[0].formats.size(), 3U);
        EXPECT_EQ(s->media[0].formats[2], "101");
        ASSERT_EQ(s->media[0].rtpmaps.size(), 1U);
        EXPECT_EQ(s->media[0].rtpmaps[0].encoding, "telephone-event");
        EXPECT_EQ(s->media[0].direction, vs::proto::sdp::Direction::kRecvOnly);
      }
    }
  }
}

}  // namespace
