// Parsers for inputs other than capture files: HEPv3 datagrams, SIP text logs, and the pcapng writer
// (its output re-read by the pcapng parser), with hand-made bytes.
#include <gtest/gtest.h>

#include <limits>

#include <ctime>

#include <string>
#include <vector>

#include "proto/hep/hep.h"
#include "proto/pkt/capture_file.h"
#include "proto/pkt/decoder.h"
#include "proto/pkt/pcapng_writer.h"
#include "proto/siplog/sip_log.h"

namespace {

using namespace vs::proto;

std::span<const std::byte> bytes(const std::string& s) {
  return {reinterpret_cast<const std::byte*>(s.data()), s.size()};
}
std::string str(std::span<const std::byte> s) { return std::string(reinterpret_cast<const char*>(s.data()), s.size()); }

void chunk(std::string& out, std::uint16_t type, const std::string& value, std::uint16_t vendor = 0) {
  auto len = static_cast<std::uint16_t>(6 + value.size());
  out += {static_cast<char>(vendor >> 8), static_cast<char>(vendor & 0xFF), static_cast<char>(type >> 8),
          static_cast<char>(type & 0xFF), static_cast<char>(len >> 8), static_cast<char>(len & 0xFF)};
  out += value;
}
std::string hep(const std::string& chunks) {
  auto n = 6 + chunks.size();
  return std::string("HEP3") + static_cast<char>(n >> 8) + static_cast<char>(n & 0xFF) + chunks;
}
std::string v6(unsigned last) {
  std::string a(16, '\0');
  a[0] = '\x20'; a[1] = '\x01'; a[2] = '\x0d'; a[3] = '\xb8';
  a[15] = static_cast<char>(last);
  return a;
}

TEST(Hep, ParsesEveryChunkOfAnIpv6Datagram) {
  std::string c;
  chunk(c, 1, "\x0a");
  chunk(c, 2, "\x06");
  chunk(c, 5, v6(1));
  chunk(c, 6, v6(2));
  chunk(c, 7, "\x13\xc4");   // 5060
  chunk(c, 8, "\x13\xc5");   // 5061
  chunk(c, 9, std::string("\x65\x53\xf1\x00", 4));  // 1700000000
  chunk(c, 10, std::string("\x00\x07\xa1\x20", 4)); // 500000
  chunk(c, 11, "\x01");
  chunk(c, 12, std::string("\x00\x00\x07\xd1", 4)); // 2001
  chunk(c, 99, "vendor-specific", 0x0003);          // other vendor: skipped
  chunk(c, 14, "secret");                           // auth key: ignored
  chunk(c, 17, "corr-1");
  chunk(c, 15, "OPTIONS sip:a SIP/2.0\r\n\r\n");
  const auto packet = hep(c);  // the message views into it
  auto m = hep::parse(bytes(packet));
  ASSERT_TRUE(m.ok()) << m.error().message;
  EXPECT_EQ(m->ip_family, 10);
  EXPECT_EQ(m->ip_proto, 6);
  EXPECT_EQ(m->src.toString(), "2001:db8::1");
  EXPECT_EQ(m->dst.toString(), "2001:db8::2");
  EXPECT_EQ(m->sport, 5060);
  EXPECT_EQ(m->dport, 5061);
  EXPECT_EQ(m->tsNs(), 1'700'000'000'500'000'000LL);
  EXPECT_EQ(m->proto_type, 1);
  EXPECT_EQ(m->capture_id, 2001U);
  EXPECT_EQ(str(m->correlation_id), "corr-1");
  EXPECT_EQ(str(m->payload), "OPTIONS sip:a SIP/2.0\r\n\r\n");
  EXPECT_EQ(m->chunks, 14U);
}

TEST(Hep, RefusesCutAndInconsistentDatagramsWithTheOffset) {
  std::string c;
  chunk(c, 3, "\x01\x02\x03\x04");
  chunk(c, 4, "\x01\x02\x03\x05");
  chunk(c, 15, "x");
  auto good = hep(c);
  ASSERT_TRUE(hep::parse(bytes(good)).ok());
  // Total length larger than the datagram.
  auto r = hep::parse(bytes(good.substr(0, good.size() - 1)));
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("total length"), std::string::npos) << r.error().message;
  // A chunk length running past the end.
  auto bad = good;
  bad[6 + 10 + 5] = '\x50';  // chunk 4's length, low byte
  r = hep::parse(bytes(bad));
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("HEP chunk 4 at offset 16"), std::string::npos) << r.error().message;
  EXPECT_EQ(r.error().offset, 16U);
  // A chunk shorter than its header.
  bad = good;
  bad[6 + 5] = '\x02';
  EXPECT_FALSE(hep::parse(bytes(bad)).ok());
  // Wrong value size for a fixed chunk.
  std::string c2;
  chunk(c2, 7, "\x13");
  EXPECT_NE(hep::parse(bytes(hep(c2))).error().message.find("expected 2"), std::string::npos);
  // No payload; no addresses; not HEP; HEPv2.
  std::string c3;
  chunk(c3, 3, "\x01\x02\x03\x04");
  chunk(c3, 4, "\x01\x02\x03\x05");
  EXPECT_NE(hep::parse(bytes(hep(c3))).error().message.find("no payload"), std::string::npos);
  std::string c4;
  chunk(c4, 15, "x");
  EXPECT_NE(hep::parse(bytes(hep(c4))).error().message.find("address"), std::string::npos);
  EXPECT_FALSE(hep::parse(bytes("INVITE sip:x SIP/2.0")).ok());
  EXPECT_NE(hep::parse(bytes(std::string("\x02\x10\x02\x11", 4))).error().message.find("HEPv2"), std::string::npos);
  EXPECT_FALSE(hep::parse(bytes("HEP")).ok());
}

TEST(Hep, TooManyChunksIsRefusedNotWalked) {
  std::string c;
  for (std::size_t i = 0; i <= hep::kMaxChunks; ++i) chunk(c, 200, "");
  auto r = hep::parse(bytes(hep(c)));
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("more than"), std::string::npos);
}

TEST(PcapngWriter, OutputIsReadBackByTheParserWithNanosecondTimes) {
  std::string file;
  pkt::appendPcapngHeader(file, pkt::link::kEthernet, 65535, "lo");
  std::string f1(60, '\x11'), f2(61, '\x22');
  pkt::appendPcapngPacket(file, 1'700'000'000'123'456'789LL, bytes(f1), 60);
  pkt::appendPcapngPacket(file, 1'700'000'001'000'000'001LL, bytes(f2), 1500);
  pkt::CaptureParser p;
  std::size_t off = 0;
  std::vector<pkt::Record> recs;
  std::vector<std::string> data;
  while (off < file.size()) {
    auto st = p.next(bytes(file).subspan(off));
    ASSERT_NE(st.status, pkt::CaptureParser::Status::kError) << st.error.message;
    ASSERT_NE(st.status, pkt::CaptureParser::Status::kNeedMore);
    if (st.status == pkt::CaptureParser::Status::kRecord) {
      recs.push_back(st.record);
      data.push_back(str(st.record.data));
    }
    off += st.consumed;
  }
  ASSERT_EQ(recs.size(), 2U);
  EXPECT_EQ(recs[0].ts_ns, 1'700'000'000'123'456'789LL);
  EXPECT_EQ(recs[1].ts_ns, 1'700'000'001'000'000'001LL);
  EXPECT_EQ(recs[0].link_type, pkt::link::kEthernet);
  EXPECT_EQ(data[0], f1);
  EXPECT_EQ(data[1], f2);
  EXPECT_EQ(recs[1].orig_len, 1500U);
}

// pcapng timestamps are 64-bit units at the interface's resolution: a hostile file reaches any value, and
// the product once overflowed int64 (the calls fuzzer then found a capture-time difference overflowing
// in the RTP tracker). Times past 2200-01-01 are read as that bound; ordinary ones are exact.
TEST(PcapngReader, TimestampsPastTheBoundAreReadAsTheBound) {
  auto readTimes = [](const std::string& file) {
    pkt::CaptureParser p;
    std::vector<std::int64_t> out;
    for (std::size_t off = 0; off < file.size();) {
      auto st = p.next(bytes(file).subspan(off));
      if (st.status == pkt::CaptureParser::Status::kError || st.status == pkt::CaptureParser::Status::kNeedMore) break;
      if (st.status == pkt::CaptureParser::Status::kRecord) out.push_back(st.record.ts_ns);
      off += st.consumed;
    }
    return out;
  };
  const std::string frame(60, '\x11');
  {
    std::string ns;  // nanosecond units: the largest value is past the bound
    pkt::appendPcapngHeader(ns, pkt::link::kEthernet, 65535, "lo");
    pkt::appendPcapngPacket(ns, pkt::kMaxCaptureNs - 1, bytes(frame), 60);
    pkt::appendPcapngPacket(ns, std::numeric_limits<std::int64_t>::max(), bytes(frame), 60);
    EXPECT_EQ(readTimes(ns), (std::vector<std::int64_t>{pkt::kMaxCaptureNs - 1, pkt::kMaxCaptureNs}));
  }
  {
    std::string s;  // the same writer with if_tsresol 0: units are whole seconds
    pkt::appendPcapngHeader(s, pkt::link::kEthernet, 65535, "lo");
    const std::string resol9("\x09\x00\x01\x00\x09", 5);
    const auto at = s.find(resol9);
    ASSERT_NE(at, std::string::npos);
    s[at + 4] = '\x00';
    pkt::appendPcapngPacket(s, 1'700'000'000, bytes(frame), 60);           // 2023: exact
    pkt::appendPcapngPacket(s, 1'000'000'000'000'000, bytes(frame), 60);   // 10^24 ns: past the bound
    pkt::appendPcapngPacket(s, 18'446'744'073'709'551LL, bytes(frame), 60);  // near 2^64 / 1000
    EXPECT_EQ(readTimes(s), (std::vector<std::int64_t>{1'700'000'000'000'000'000LL, pkt::kMaxCaptureNs,
                                                       pkt::kMaxCaptureNs}));
  }
}

TEST(SynthFrame, DecodesToTheGivenAddressesPortsAndPayload) {
  const auto packet = hep([] {
    std::string c;
    chunk(c, 3, std::string("\xc6\x12\x00\x01", 4));
    chunk(c, 6, v6(9));
    chunk(c, 15, "x");
    return c;
  }());
  auto h = hep::parse(bytes(packet));
  ASSERT_TRUE(h.ok());
  std::string payload = "OPTIONS sip:a SIP/2.0\r\nContent-Length: 0\r\n\r\n";
  for (bool mixed : {false, true}) {
    auto dst = mixed ? h->dst : h->src;
    auto f = pkt::buildUdpFrame(h->src, 5060, dst, 5080, bytes(payload));
    pkt::Decoder d;
    auto out = d.decode(pkt::link::kRaw, bytes(f), 0);
    ASSERT_EQ(out.status, pkt::Decoder::Status::kPacket) << out.error;
    EXPECT_EQ(d.packet().src.toString(), mixed ? "::ffff:c612:1" : "198.18.0.1");
    EXPECT_EQ(d.packet().dst.toString(), mixed ? "2001:db8::9" : "198.18.0.1");
    EXPECT_EQ(d.packet().sport, 5060);
    EXPECT_EQ(d.packet().dport, 5080);
    EXPECT_EQ(str(d.packet().payload), payload);
  }
}

TEST(SipLog, HeaderLinesOfEachFormat) {
  auto a = siplog::parseHeaderLine(
      "[2024-01-31 10:00:00.100] VERBOSE[1] res_pjsip_logger.c: <--- Received SIP request (9 bytes) from UDP:192.0.2.10:5060 --->");
  ASSERT_TRUE(a);
  EXPECT_EQ(a->src.toString(), "192.0.2.10");
  EXPECT_EQ(a->sport, 5060);
  EXPECT_EQ(a->dport, 0);
  ASSERT_TRUE(a->ts_ns);
  EXPECT_EQ(*a->ts_ns, 1706695200'100'000'000LL);  // date -u -d '2024-01-31 10:00:00' +%s = 1706695200
  auto b = siplog::parseHeaderLine("<--- Transmitting SIP response (5 bytes) to TLS:[2001:db8::5]:5061 --->");
  ASSERT_TRUE(b);
  EXPECT_EQ(b->dst.toString(), "2001:db8::5");
  EXPECT_EQ(b->dport, 5061);
  EXPECT_FALSE(b->ts_ns);
  auto c = siplog::parseHeaderLine("<--- Transmitting (NAT) to 198.51.100.7:5060 --->");
  ASSERT_TRUE(c);
  EXPECT_TRUE(c->chan_sip);
  auto d = siplog::parseHeaderLine("U 2024/01/31 10:02:00.000001 192.0.2.30:5060 -> 192.0.2.20:5080");
  ASSERT_TRUE(d);
  EXPECT_EQ(*d->ts_ns, 1706695320'000'001'000LL);
  EXPECT_EQ(d->dport, 5080);
  EXPECT_FALSE(siplog::parseHeaderLine("2024/01/31 10:02:00 nothing -> here"));
  EXPECT_FALSE(siplog::parseHeaderLine("<--- Received SIP request from nowhere --->"));
  EXPECT_FALSE(siplog::parseHeaderLine("INVITE sip:x SIP/2.0"));
  EXPECT_FALSE(siplog::findTimestamp("2024-13-01 10:00:00"));
  // Found by fuzzing: a year past 2262 overflowed int64 nanoseconds.
  EXPECT_FALSE(siplog::findTimestamp("2483/01/31 10:02:00.000001"));
  EXPECT_FALSE(siplog::findTimestamp("9999-12-31 23:59:59"));
  EXPECT_TRUE(siplog::findTimestamp("2200-12-31 23:59:59"));
}

TEST(SipLog, MessagesEndAtContentLengthSeparatorsAndNewLogLines) {
  siplog::SipLogParser p;
  std::vector<siplog::LogMessage> got;
  auto feed = [&](std::string_view l) {
    if (auto m = p.line(l)) got.push_back(*m);
  };
  feed("2024/01/31 10:00:00.000000 192.0.2.1:5060 -> 192.0.2.2:5060");
  feed("INVITE sip:b SIP/2.0");
  feed("Content-Length: 6");
  feed("");
  feed("v=0");  // 5 bytes with CRLF
  feed("");     // 2 more: 7 >= 6, complete
  feed("trailing junk that is not part of any message");
  feed("[2024-01-31 10:00:01] VERBOSE[1] x: <--- Received SIP request (1 bytes) from UDP:192.0.2.3:5060 --->");
  feed("BYE sip:b SIP/2.0");
  feed("Call-ID: z");
  feed("");
  feed("[2024-01-31 10:00:02] NOTICE[1] next log line");
  feed("<--- SIP read from UDP:192.0.2.4:5060 --->");
  feed("");
  feed("OPTIONS sip:b SIP/2.0");
  feed("<------------->");
  feed("2024/01/31 10:00:03.000000 192.0.2.1:5060 -> 192.0.2.2:5060");
  feed("SIP/2.0 200 OK");
  if (auto m = p.finish()) got.push_back(*m);
  ASSERT_EQ(got.size(), 4U);
  EXPECT_EQ(got[0].text, "INVITE sip:b SIP/2.0\r\nContent-Length: 6\r\n\r\nv=0\r\n\r\n");
  EXPECT_EQ(got[1].text, "BYE sip:b SIP/2.0\r\nCall-ID: z\r\n\r\n");
  EXPECT_EQ(got[1].ts_ns, 1706695201'000'000'000LL);
  EXPECT_EQ(got[2].text, "OPTIONS sip:b SIP/2.0\r\n\r\n");
  EXPECT_EQ(got[2].ts_ns, 1706695202'000'000'000LL + 1000);  // no time on the line: the last one + 1 µs
  EXPECT_EQ(got[3].text, "SIP/2.0 200 OK\r\n\r\n");
  EXPECT_EQ(p.headers(), 4U);
}

// UTC ns of a civil time by the C library (the reference, not our date arithmetic).
std::int64_t utcNs(int year, int month, int day, int h, int mi, int se, std::int64_t frac_ns = 0) {
  std::tm t{};
  t.tm_year = year - 1900;
  t.tm_mon = month - 1;
  t.tm_mday = day;
  t.tm_hour = h;
  t.tm_min = mi;
  t.tm_sec = se;
  return std::int64_t{timegm(&t)} * 1'000'000'000 + frac_ns;
}

// Asterisk's default log date has no year ("[Nov 22 20:05:17]", dateformat %b %e %T): the year comes
// from a reference time, the year before when the date would be more than a day after it.
TEST(SipLog, YearlessAsteriskDatesTakeTheYearOfTheReference) {
  const auto ref = utcNs(2026, 11, 22, 21, 0, 0);
  EXPECT_EQ(siplog::findTimestamp("[Nov 22 20:05:17] VERBOSE[1234]", ref), utcNs(2026, 11, 22, 20, 5, 17));
  EXPECT_EQ(siplog::findTimestamp("[Nov  2 08:00:01.250] NOTICE", ref), utcNs(2026, 11, 2, 8, 0, 1, 250'000'000));
  EXPECT_EQ(siplog::findTimestamp("Nov 23 10:00:00", ref), utcNs(2026, 11, 23, 10, 0, 0));  // within a day
  EXPECT_EQ(siplog::findTimestamp("Dec 31 23:59:59", ref), utcNs(2025, 12, 31, 23, 59, 59));
  // A log that crossed New Year, read on 1 January.
  const auto new_year = utcNs(2027, 1, 1, 0, 10, 0);
  EXPECT_EQ(siplog::findTimestamp("[Dec 31 23:59:58]", new_year), utcNs(2026, 12, 31, 23, 59, 58));
  EXPECT_EQ(siplog::findTimestamp("[Jan  1 00:00:02]", new_year), utcNs(2027, 1, 1, 0, 0, 2));
  // A full date wins; without a reference a year-less date is not read; look-alikes are not dates.
  EXPECT_EQ(siplog::findTimestamp("Nov 22 2024-01-31 10:00:00", ref), utcNs(2024, 1, 31, 10, 0, 0));
  EXPECT_FALSE(siplog::findTimestamp("[Nov 22 20:05:17]"));
  EXPECT_FALSE(siplog::findTimestamp("XNov 22 20:05:17", ref));
  EXPECT_FALSE(siplog::findTimestamp("Nov 32 20:05:17", ref));
  EXPECT_FALSE(siplog::findTimestamp("Nov 22 25:05:17", ref));
  EXPECT_FALSE(siplog::findTimestamp("Now 22 20:05:17", ref));

  // Through the parser: the INVITE and its 200 OK two seconds apart, as the log says.
  siplog::SipLogParser p(ref);
  std::vector<siplog::LogMessage> got;
  for (std::string_view l :
       {"[Nov 22 20:05:17] VERBOSE[1234] res_pjsip_logger.c: <--- Received SIP request (40 bytes) from "
        "UDP:192.0.2.1:5060 --->",
        "INVITE sip:b SIP/2.0", "Content-Length: 0", "",
        "[Nov 22 20:05:19] VERBOSE[1234] res_pjsip_logger.c: <--- Transmitting SIP response (30 bytes) to "
        "UDP:192.0.2.1:5060 --->",
        "SIP/2.0 200 OK", "Content-Length: 0", ""}) {
    if (auto m = p.line(l)) got.push_back(*m);
  }
  ASSERT_EQ(got.size(), 2U);
  EXPECT_EQ(got[0].ts_ns, utcNs(2026, 11, 22, 20, 5, 17));
  EXPECT_EQ(got[1].ts_ns - got[0].ts_ns, 2'000'000'000);
}

// Kamailio's sipdump module (mode 1) writes each message it receives or sends as a record: the layout
// below is the one Kamailio 5.6 wrote here (tests/integration/flow_capture_test.cpp reads real ones).
TEST(SipLog, KamailioSipdumpRecordsGiveBothAddressesAndTheirMicrosecondTime) {
  siplog::SipLogParser p;
  std::vector<siplog::LogMessage> got;
  auto feed = [&](std::string_view l) {
    if (auto m = p.line(l)) got.push_back(*m);
  };
  const std::string eq(20, '='), tilde(20, '~'), bar(20, '|');
  // A request with headers only, ended by its Content-Length: 0 (the rule after it is then ignored).
  for (std::string_view l : {std::string_view(eq), std::string_view("tag: rcv"), std::string_view("pid: 3784"),
                             std::string_view("process: 1"), std::string_view("time: 1706695200.000250"),
                             std::string_view("date: Wed Jan 31 10:00:00 2024"), std::string_view("proto: udp ipv4"),
                             std::string_view("srcip: 192.0.2.1"), std::string_view("srcport: 5062"),
                             std::string_view("dstip: 192.0.2.2"), std::string_view("dstport: 5060"),
                             std::string_view(tilde), std::string_view("OPTIONS sip:b SIP/2.0\r"),
                             std::string_view("Call-ID: one\r"), std::string_view("Content-Length: 0\r"),
                             std::string_view("\r"), std::string_view(bar)}) {
    feed(l);
  }
  // A response over IPv6 whose body has no final line end: the rule is glued to its last bytes, and a
  // line of dashes inside the body does not end it (it would in an Asterisk log).
  feed(eq);
  feed("tag: snd");
  feed("time: 1706695201.5");
  feed("proto: tcp ipv6");
  feed("srcip: 2001:db8::2");
  feed("srcport: 5060");
  feed("dstip: 2001:db8::1");
  feed("dstport: 40000");
  feed(tilde);
  feed("SIP/2.0 200 OK\r");
  feed("Call-ID: one\r");
  feed("Content-Type: text/plain\r");
  feed("\r");
  feed("----------");
  feed("end" + bar);
  // A record without addresses is not a message; nor is what follows its "~" rule.
  feed(eq);
  feed("time: 1706695202.0");
  feed(tilde);
  feed("BYE sip:b SIP/2.0");
  feed(bar);
  if (auto m = p.finish()) got.push_back(*m);

  ASSERT_EQ(got.size(), 2U);
  EXPECT_EQ(got[0].text, "OPTIONS sip:b SIP/2.0\r\nCall-ID: one\r\nContent-Length: 0\r\n\r\n");
  EXPECT_EQ(got[0].src.toString(), "192.0.2.1");
  EXPECT_EQ(got[0].sport, 5062);
  EXPECT_EQ(got[0].dst.toString(), "192.0.2.2");
  EXPECT_EQ(got[0].dport, 5060);
  EXPECT_EQ(got[0].ts_ns, 1706695200'000'250'000LL);  // date -u -d '2024-01-31 10:00:00' +%s = 1706695200
  EXPECT_EQ(got[1].text, "SIP/2.0 200 OK\r\nCall-ID: one\r\nContent-Type: text/plain\r\n\r\n----------\r\nend\r\n");
  EXPECT_EQ(got[1].src.toString(), "2001:db8::2");
  EXPECT_EQ(got[1].dst.toString(), "2001:db8::1");
  EXPECT_EQ(got[1].dport, 40000);
  EXPECT_EQ(got[1].ts_ns, 1706695201'500'000'000LL);
  EXPECT_EQ(p.headers(), 2U);
}

// sofia-sip's message log (FreeSWITCH's siptrace; TPORT_LOG=1 for the sofia-sip tools): a stamp with the
// peer and the time of day, the message between two dash rules. sofia-sip indents the message by three
// spaces (tests/integration/calls_inputs_test.cpp reads real output of sip-options); FreeSWITCH's log
// shows it without indent, between its own dated log lines.
TEST(SipLog, SofiaSipTraceTakesThePeerAndDatesTheTimeOfDayAcrossMidnight) {
  const std::string rule(72, '-');
  siplog::SipLogParser p(utcNs(2026, 11, 23, 12, 0, 0));  // reference: not used once a dated line is seen
  std::vector<siplog::LogMessage> got;
  auto feed = [&](std::string_view l) {
    if (auto m = p.line(l)) got.push_back(*m);
  };
  feed("2026-11-22 23:59:59.900000 [NOTICE] switch_channel.c:1118 New Channel sofia/internal/1004@192.0.2.1");
  feed("recv 120 bytes from udp/[192.0.2.1]:52110 at 23:59:59.950000:");
  feed(rule);
  feed("INVITE sip:1000@192.0.2.2 SIP/2.0");
  feed("Call-ID: fs-1");
  feed("Content-Length: 5");
  feed("");
  feed("v=0");
  feed(rule);
  // After midnight: the next day, not the same day's morning.
  feed("send 80 bytes to udp/[192.0.2.1]:52110 at 00:00:00.050000:");
  feed(rule);
  feed("SIP/2.0 100 Trying");
  feed("Call-ID: fs-1");
  feed("");
  feed(rule);
  // sofia-sip's own indent of three spaces, an IPv6 peer with a compression suffix.
  feed("recv 60 bytes from tcp/[2001:db8::7]:5070;comp=sigcomp at 00:00:01.000001:");
  feed("   " + rule);
  feed("   BYE sip:1000@192.0.2.2 SIP/2.0");
  feed("   Call-ID: fs-1");
  feed("   Content-Length: 0");
  feed("   ");
  feed("   " + rule);
  feed("   *** message truncated at 10 ***");  // after the rule: not part of any message
  if (auto m = p.finish()) got.push_back(*m);

  ASSERT_EQ(got.size(), 3U);
  EXPECT_EQ(got[0].text, "INVITE sip:1000@192.0.2.2 SIP/2.0\r\nCall-ID: fs-1\r\nContent-Length: 5\r\n\r\nv=0\r\n");
  EXPECT_EQ(got[0].src.toString(), "192.0.2.1");
  EXPECT_EQ(got[0].sport, 52110);
  EXPECT_EQ(got[0].ts_ns, utcNs(2026, 11, 22, 23, 59, 59, 950'000'000));
  EXPECT_EQ(got[1].text, "SIP/2.0 100 Trying\r\nCall-ID: fs-1\r\n\r\n");
  EXPECT_EQ(got[1].dst.toString(), "192.0.2.1");
  EXPECT_EQ(got[1].dport, 52110);
  EXPECT_EQ(got[1].ts_ns, utcNs(2026, 11, 23, 0, 0, 0, 50'000'000));
  EXPECT_EQ(got[2].text, "BYE sip:1000@192.0.2.2 SIP/2.0\r\nCall-ID: fs-1\r\nContent-Length: 0\r\n\r\n");
  EXPECT_EQ(got[2].src.toString(), "2001:db8::7");
  EXPECT_EQ(got[2].sport, 5070);
  EXPECT_EQ(got[2].ts_ns, utcNs(2026, 11, 23, 0, 0, 1, 1'000));
  // Without any dated line the reference's day is taken (here the day before it, nearer to 23:30).
  siplog::SipLogParser q(utcNs(2026, 11, 23, 3, 0, 0));
  (void)q.line("send 10 bytes to udp/[192.0.2.1]:5060 at 23:30:00.000000:");
  (void)q.line(rule);
  (void)q.line("OPTIONS sip:x SIP/2.0");
  (void)q.line("");
  auto m = q.line(rule);
  ASSERT_TRUE(m);
  EXPECT_EQ(m->ts_ns, utcNs(2026, 11, 22, 23, 30, 0));
  // Look-alikes are not stamps.
  EXPECT_FALSE(siplog::parseHeaderLine("recv 12 bytes from udp/192.0.2.1:5060 at 10:00:00.000000:"));
  EXPECT_FALSE(siplog::parseHeaderLine("recv x bytes from udp/[192.0.2.1]:5060 at 10:00:00.000000:"));
  EXPECT_FALSE(siplog::parseHeaderLine("recv 12 bytes from udp/[192.0.2.1]:5060 at 25:00:00.000000:"));
}

// A server logs in its local time: --log-utc-offset shifts every date read from a log line (Asterisk,
// FreeSWITCH, sngrep text) to UTC, and leaves what is UTC already (sofia-sip's stamps, sipdump's epoch).
TEST(SipLog, LocalDatesAreShiftedByTheUtcOffsetAndUtcStampsAreNot) {
  constexpr std::int64_t kHour = 3'600'000'000'000;
  const std::string rule(72, '-');
  // FreeSWITCH in Auckland (+13:00 in summer): the log line says 12:59:59 on the 23rd, the sofia stamp
  // 23:59:59 UTC of the 22nd. Read as UTC, the line puts the stamp on the wrong day, 24 h late.
  auto freeswitch = [&](std::int64_t offset_ns) {
    siplog::SipLogParser p(utcNs(2026, 11, 23, 12, 0, 0), offset_ns);
    (void)p.line("2026-11-23 12:59:59.900000 [NOTICE] switch_channel.c:1118 New Channel sofia/internal/1004@192.0.2.1");
    (void)p.line("recv 40 bytes from udp/[192.0.2.1]:52110 at 23:59:59.950000:");
    (void)p.line(rule);
    (void)p.line("OPTIONS sip:x SIP/2.0");
    (void)p.line("");
    auto m = p.line(rule);
    return m ? m->ts_ns : 0;
  };
  EXPECT_EQ(freeswitch(0), utcNs(2026, 11, 23, 23, 59, 59, 950'000'000));
  EXPECT_EQ(freeswitch(13 * kHour), utcNs(2026, 11, 22, 23, 59, 59, 950'000'000));

  // Asterisk five hours behind UTC, and sngrep text two ahead: each date moves by its offset.
  siplog::SipLogParser ast(0, -5 * kHour);
  (void)ast.line("[2024-01-31 10:00:01] VERBOSE[1] x: <--- Received SIP request (1 bytes) from UDP:192.0.2.3:5060 --->");
  (void)ast.line("BYE sip:b SIP/2.0");
  (void)ast.line("Call-ID: z");
  (void)ast.line("");
  auto bye = ast.line("[2024-01-31 10:00:02] NOTICE[1] next log line");
  ASSERT_TRUE(bye);
  EXPECT_EQ(bye->ts_ns, utcNs(2024, 1, 31, 15, 0, 1));
  siplog::SipLogParser ngrep(0, 2 * kHour);
  (void)ngrep.line("2024/01/31 10:00:00.000000 192.0.2.1:5060 -> 192.0.2.2:5060");
  (void)ngrep.line("OPTIONS sip:b SIP/2.0");
  auto opt = ngrep.finish();
  ASSERT_TRUE(opt);
  EXPECT_EQ(opt->ts_ns, utcNs(2024, 1, 31, 8, 0, 0));

  // Kamailio's sipdump gives epoch seconds: not shifted.
  siplog::SipLogParser dump(0, 2 * kHour);
  const std::string eq(20, '='), tilde(20, '~'), bar(20, '|');
  std::optional<siplog::LogMessage> rec;
  for (std::string_view l : {std::string_view(eq), std::string_view("time: 1706695200.000250"),
                             std::string_view("srcip: 192.0.2.1"), std::string_view("srcport: 5062"),
                             std::string_view("dstip: 192.0.2.2"), std::string_view("dstport: 5060"),
                             std::string_view(tilde), std::string_view("OPTIONS sip:b SIP/2.0"),
                             std::string_view("Content-Length: 0"), std::string_view(""), std::string_view(bar)}) {
    if (auto m = dump.line(l)) rec = m;
  }
  if (!rec) rec = dump.finish();
  ASSERT_TRUE(rec);
  EXPECT_EQ(rec->ts_ns, 1706695200'000'250'000LL);
}

TEST(SipLog, OversizedMessageIsCutAndFlagged) {
  siplog::SipLogParser p;
  (void)p.line("2024/01/31 10:00:00.000000 192.0.2.1:5060 -> 192.0.2.2:5060");
  (void)p.line("MESSAGE sip:b SIP/2.0");
  (void)p.line("");
  std::string big(1000, 'x');
  for (int i = 0; i < 100; ++i) (void)p.line(big);
  auto m = p.finish();
  ASSERT_TRUE(m);
  EXPECT_TRUE(m->cut);
  EXPECT_LE(m->text.size(), siplog::kMaxMessageBytes);
}

}  // namespace
