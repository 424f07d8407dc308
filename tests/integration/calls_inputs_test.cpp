// `voipscope calls` inputs besides files: live capture (-i, --filter, -w) inside a network namespace the
// test creates, HEPv3 (--hep-listen) from Kamailio's siptrace and from hand-built datagrams, and SIP text
// logs written by the test. Counts are checked against what the test itself sent and, for the -w file,
// against tshark.
#include <gtest/gtest.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <regex>
#include <sstream>
#include <ctime>
#include <string>
#include <thread>
#include <vector>

#include <fmt/format.h>
#include <nlohmann/json.hpp>
#include <zlib.h>

#include "integration/harness.h"

namespace {

using namespace std::chrono_literals;
using vs::itest::concat;
using vs::itest::NetNs;
using vs::itest::Process;
using vs::itest::run;
using vs::itest::TempDir;

std::uint64_t count(const nlohmann::json& obj, const std::string& key) {
  return obj.contains(key) ? obj[key].get<std::uint64_t>() : 0;
}

nlohmann::json jsonOf(const std::string& out) {
  auto start = out.find('{');
  return nlohmann::json::parse(out.substr(start == std::string::npos ? 0 : start));
}

std::uint64_t tsharkSipMessages(const std::string& file) {
  auto r = run({"tshark", "-r", file, "-q", "-z", "sip,stat"}, 120s);
  std::smatch m;
  std::regex re("Number of SIP messages: ([0-9]+)");
  if (!std::regex_search(r.out, m, re)) return 0;
  return std::stoull(m[1]);
}

// A one-shot UDP datagram from 127.0.0.1 (in the caller's namespace).
void sendUdp(std::uint16_t port, const std::string& bytes) {
  int fd = socket(AF_INET, SOCK_DGRAM, 0);
  ASSERT_GE(fd, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(port);
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  auto n = sendto(fd, bytes.data(), bytes.size(), 0, reinterpret_cast<sockaddr*>(&a), sizeof(a));
  close(fd);
  ASSERT_EQ(n, static_cast<ssize_t>(bytes.size()));
}

TEST(CallsLive, FilteredCaptureInNamespaceCountsExactlyAndWriteFileRereadsTheSame) {
  if (!vs::itest::haveProgram("sipsak") || !vs::itest::haveProgram("kamailio")) GTEST_SKIP() << "sipsak/kamailio missing";
  NetNs ns;
  if (!ns.ok()) GTEST_SKIP() << ns.why();
  TempDir dir;
  vs::itest::Kamailio kam(dir, ns.prefix());
  ASSERT_TRUE(kam.ready()) << kam.log();
  const auto p = std::to_string(kam.port());
  const auto out = dir.file("live.pcapng");
  Process cap(concat(ns.prefix(), {vs::itest::voipscopeBinary(), "calls", "-i", "lo", "--filter", "udp port " + p,
                                   "--duration", "12", "--json", "--all", "-w", out}));
  ASSERT_TRUE(cap.waitForLine(std::regex("capturing on lo"), 20s).has_value()) << cap.output();
  // Debian 12's kernel gives the ring; the plain socket is only a fallback.
  EXPECT_NE(cap.output().find("(TPACKET_V3 ring)"), std::string::npos) << cap.output();
  constexpr int kPings = 10;
  for (int i = 0; i < kPings; ++i) {
    auto r = run(concat(ns.prefix(), {"sipsak", "-s", "sip:ping@127.0.0.1:" + p}), 20s);
    ASSERT_EQ(r.exit_code, 0) << r.all;
  }
  // Outside the filter: a SIP MESSAGE to another port must not be counted.
  auto noise = run(concat(ns.prefix(), {"bash", "-c", "printf 'MESSAGE sip:x@127.0.0.1 SIP/2.0\\r\\nCall-ID: noise\\r\\n"
                                                      "CSeq: 1 MESSAGE\\r\\nContent-Length: 0\\r\\n\\r\\n' > /dev/udp/127.0.0.1/9"}),
                   10s);
  auto code = cap.wait(60s);
  ASSERT_TRUE(code.has_value()) << cap.output();
  ASSERT_EQ(*code, 0) << cap.output();
  auto j = jsonOf(cap.stdoutText());
  const auto& sip = j["stats"]["sip"];
  EXPECT_EQ(count(sip["requests_by_method"], "OPTIONS"), static_cast<std::uint64_t>(kPings)) << sip.dump() << cap.output();
  EXPECT_EQ(count(sip["responses_by_status"], "200"), static_cast<std::uint64_t>(kPings)) << sip.dump();
  EXPECT_EQ(count(sip["requests_by_method"], "MESSAGE"), 0U) << sip.dump();
  EXPECT_EQ(sip["distinct_call_ids"].get<int>(), kPings);
  // The -w file: voipscope re-reads the same figures, and tshark agrees on the message count.
  auto again = run({vs::itest::voipscopeBinary(), "calls", "--json", "--all", out});
  ASSERT_EQ(again.exit_code, 0) << again.all;
  auto j2 = jsonOf(again.out);
  EXPECT_EQ(j2["stats"]["sip"], sip);
  EXPECT_EQ(tsharkSipMessages(out), 2U * kPings);
}

TEST(CallsLive, BadInterfaceAndBadFilterAreOneLineUsageErrors) {
  auto r = run({vs::itest::voipscopeBinary(), "calls", "-i", "vs-no-such-if0", "--duration", "1"});
  EXPECT_EQ(r.exit_code, 3) << r.all;
  EXPECT_NE(r.all.find("no such interface"), std::string::npos) << r.all;
  if (geteuid() == 0) {
    auto f = run({vs::itest::voipscopeBinary(), "calls", "-i", "lo", "--filter", "udp port port", "--duration", "1"});
    EXPECT_EQ(f.exit_code, 3) << f.all;
    EXPECT_NE(f.all.find("filter 'udp port port'"), std::string::npos) << f.all;
  }
}

// HEPv3 chunk: vendor 0, type, length including the 6-byte header.
void chunk(std::string& out, std::uint16_t type, const std::string& value) {
  auto len = static_cast<std::uint16_t>(6 + value.size());
  out += {'\0', '\0', static_cast<char>(type >> 8), static_cast<char>(type & 0xFF), static_cast<char>(len >> 8),
          static_cast<char>(len & 0xFF)};
  out += value;
}
std::string be(std::uint32_t v, int bytes) {
  std::string s;
  for (int i = bytes - 1; i >= 0; --i) s.push_back(static_cast<char>((v >> (8 * i)) & 0xFF));
  return s;
}
// `payload_chunk`: 15 (plain payload) or 16 (compressed payload).
std::string hepPacket(const std::string& payload, std::uint32_t sec, std::uint32_t usec, std::uint8_t proto_type = 1,
                      std::uint16_t payload_chunk = 15) {
  std::string c;
  chunk(c, 1, "\x02");
  chunk(c, 2, "\x11");
  chunk(c, 3, std::string("\xc6\x12\x00\x01", 4));  // 198.18.0.1
  chunk(c, 4, std::string("\xc6\x12\x00\x02", 4));  // 198.18.0.2
  chunk(c, 7, be(5060, 2));
  chunk(c, 8, be(5080, 2));
  chunk(c, 9, be(sec, 4));
  chunk(c, 10, be(usec, 4));
  chunk(c, 11, std::string(1, static_cast<char>(proto_type)));
  chunk(c, 12, be(2001, 4));
  chunk(c, payload_chunk, payload);
  return "HEP3" + be(static_cast<std::uint32_t>(6 + c.size()), 2) + c;
}
std::string sipMsg(const std::string& first, const std::string& cid, const std::string& cseq, bool to_tag) {
  return first + "\r\nVia: SIP/2.0/UDP 198.18.0.1:5060;branch=z9hG4bK" + cid + cseq +
         "\r\nFrom: <sip:100@198.18.0.1>;tag=f" + cid + "\r\nTo: <sip:200@198.18.0.2>" + (to_tag ? ";tag=t1" : "") +
         "\r\nCall-ID: " + cid + "\r\nCSeq: " + cseq + "\r\nContent-Length: 0\r\n\r\n";
}

// `text` deflated with zlib framing (windowBits 15) or gzip framing (31), as HEP senders compress.
std::string deflated(const std::string& text, int window_bits) {
  z_stream z{};
  EXPECT_EQ(deflateInit2(&z, Z_BEST_COMPRESSION, Z_DEFLATED, window_bits, 8, Z_DEFAULT_STRATEGY), Z_OK);
  std::string out(deflateBound(&z, static_cast<uLong>(text.size())) + 32, '\0');
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(text.data()));
  z.avail_in = static_cast<uInt>(text.size());
  z.next_out = reinterpret_cast<Bytef*>(out.data());
  z.avail_out = static_cast<uInt>(out.size());
  EXPECT_EQ(deflate(&z, Z_FINISH), Z_STREAM_END);
  out.resize(z.total_out);
  deflateEnd(&z);
  return out;
}

TEST(CallsHep, HandBuiltDatagramsGiveExactCountsTimesAndAddresses) {
  auto port = vs::itest::freeUdpAndTcpPort();
  Process cap({vs::itest::voipscopeBinary(), "calls", "--hep-listen", "udp:127.0.0.1:" + std::to_string(port),
               "--duration", "4", "--json"});
  ASSERT_TRUE(cap.waitForLine(std::regex("listening for HEPv3"), 20s).has_value()) << cap.output();
  const std::uint32_t t0 = 1'700'000'000;
  sendUdp(port, hepPacket(sipMsg("INVITE sip:200@198.18.0.2 SIP/2.0", "hep-1", "1 INVITE", false), t0, 0));
  // The 180 compressed with zlib framing, the ACK with gzip framing (chunk 16); a compressed payload
  // that is not a deflate stream is malformed.
  sendUdp(port, hepPacket(deflated(sipMsg("SIP/2.0 180 Ringing", "hep-1", "1 INVITE", true), 15), t0, 250'000, 1, 16));
  sendUdp(port, hepPacket(sipMsg("SIP/2.0 200 OK", "hep-1", "1 INVITE", true), t0 + 2, 0));
  sendUdp(port, hepPacket(deflated(sipMsg("ACK sip:200@198.18.0.2 SIP/2.0", "hep-1", "1 ACK", true), 31), t0 + 2, 1000, 1,
                          16));
  sendUdp(port, hepPacket("INVITE but not deflated", t0 + 3, 0, 1, 16));
  sendUdp(port, hepPacket(sipMsg("BYE sip:200@198.18.0.2 SIP/2.0", "hep-1", "2 BYE", true), t0 + 32, 0));
  sendUdp(port, hepPacket(sipMsg("SIP/2.0 200 OK", "hep-1", "2 BYE", true), t0 + 32, 5000));
  sendUdp(port, hepPacket("log line", t0 + 33, 0, 100));       // HEP type 100 (log): not SIP
  sendUdp(port, hepPacket("x", t0, 0).substr(0, 20));           // cut: malformed
  sendUdp(port, "not hep at all");
  auto code = cap.wait(30s);
  ASSERT_TRUE(code.has_value()) << cap.output();
  ASSERT_EQ(*code, 0) << cap.output();
  auto j = jsonOf(cap.stdoutText());
  ASSERT_EQ(j["calls"].size(), 1U) << cap.stdoutText();
  const auto& leg = j["calls"][0]["legs"][0];
  EXPECT_EQ(leg["state"], "COMPLETED");
  EXPECT_EQ(j["stats"]["sip"]["messages"], 6);
  EXPECT_EQ(count(j["stats"]["sip"]["requests_by_method"], "INVITE"), 1U);
  EXPECT_EQ(count(j["stats"]["sip"]["responses_by_status"], "200"), 2U);
  // HEP times: INVITE at t0, 200 at t0+2 s, BYE at t0+32 s.
  auto dump = leg.dump();
  EXPECT_NE(dump.find("198.18.0.1"), std::string::npos) << dump;
  EXPECT_NE(leg.dump().find("\"setup_ringing_ms\":250"), std::string::npos) << leg.dump();  // the inflated 180
  EXPECT_EQ(count(j["stats"]["sip"]["requests_by_method"], "ACK"), 1U);                        // the inflated ACK
  EXPECT_NE(cap.output().find("10 HEP datagrams, 6 SIP (2 compressed), 1 other protocols, 3 malformed"),
            std::string::npos)
      << cap.output();
}

TEST(CallsHep, KamailioSiptraceMirrorsEveryRequest) {
  if (!vs::itest::haveProgram("sipsak") || !vs::itest::haveProgram("kamailio")) GTEST_SKIP() << "sipsak/kamailio missing";
  TempDir dir;
  auto hep_port = vs::itest::freeUdpAndTcpPort();
  Process cap({vs::itest::voipscopeBinary(), "calls", "--hep-listen", "udp:127.0.0.1:" + std::to_string(hep_port),
               "--duration", "15", "--json", "--all"});
  ASSERT_TRUE(cap.waitForLine(std::regex("listening for HEPv3"), 20s).has_value()) << cap.output();
  auto sip_port = vs::itest::freeUdpAndTcpPort();
  auto p = std::to_string(sip_port);
  vs::itest::writeFile(dir.path() / "k.cfg",
                       "#!KAMAILIO\ndebug=2\nlog_stderror=yes\nchildren=1\nauto_aliases=no\n"
                       "listen=udp:127.0.0.1:" + p + "\n"
                       "mpath=\"/usr/lib/x86_64-linux-gnu/kamailio/modules/\"\n"
                       "loadmodule \"sl.so\"\nloadmodule \"siptrace.so\"\n"
                       "modparam(\"siptrace\", \"duplicate_uri\", \"sip:127.0.0.1:" + std::to_string(hep_port) + "\")\n"
                       "modparam(\"siptrace\", \"hep_mode_on\", 1)\n"
                       "modparam(\"siptrace\", \"hep_version\", 3)\n"
                       "modparam(\"siptrace\", \"trace_to_database\", 0)\n"
                       "modparam(\"siptrace\", \"trace_flag\", 22)\n"
                       "modparam(\"siptrace\", \"trace_on\", 1)\n"
                       "request_route {\n  setflag(22);\n  sip_trace();\n"
                       "  if (method==\"OPTIONS\") { sl_send_reply(\"200\", \"OK\"); exit; }\n"
                       "  sl_send_reply(\"501\", \"Not Implemented\");\n  exit;\n}\n");
  std::filesystem::create_directories(dir.path() / "run");
  Process kam({"kamailio", "-f", (dir.path() / "k.cfg").string(), "-DD", "-E", "-m", "16", "-M", "4", "-Y",
               (dir.path() / "run").string()});
  ASSERT_TRUE(kam.waitForLine(std::regex("Listening on|listening on"), 15s).has_value()) << kam.output();
  std::this_thread::sleep_for(500ms);
  constexpr int kPings = 5;
  for (int i = 0; i < kPings; ++i) {
    auto r = run({"sipsak", "-s", "sip:ping@127.0.0.1:" + p}, 20s);
    ASSERT_EQ(r.exit_code, 0) << r.all << kam.output();
  }
  auto code = cap.wait(60s);
  ASSERT_TRUE(code.has_value()) << cap.output();
  ASSERT_EQ(*code, 0) << cap.output();
  auto j = jsonOf(cap.stdoutText());
  const auto& sip = j["stats"]["sip"];
  EXPECT_EQ(count(sip["requests_by_method"], "OPTIONS"), static_cast<std::uint64_t>(kPings)) << sip.dump() << cap.output();
  // sip_trace() in request_route mirrors requests only; Kamailio's stateless replies (sl_send_reply) are
  // not traced with this configuration, so no response may appear.
  EXPECT_EQ(sip["responses"].get<int>(), 0) << sip.dump();
  EXPECT_EQ(sip["distinct_call_ids"].get<int>(), kPings);
}

TEST(CallsLog, AsteriskPjsipChanSipAndSngrepTextGiveTheCallsWritten) {
  TempDir dir;
  auto log = dir.file("sip.log");
  auto sdp = std::string("v=0\r\no=- 1 1 IN IP4 192.0.2.10\r\ns=-\r\nc=IN IP4 192.0.2.10\r\nt=0 0\r\nm=audio 4000 RTP/AVP 0\r\n");
  auto msg = [](const std::string& first, const std::string& cid, const std::string& cseq, bool to_tag,
                const std::string& body = "") {
    std::string m = first + "\nVia: SIP/2.0/UDP 192.0.2.10:5060;branch=z9hG4bK" + cid + cseq + "\nFrom: <sip:100@x>;tag=f" +
                    cid + "\nTo: <sip:200@y>" + (to_tag ? ";tag=t" + cid : "") + "\nCall-ID: " + cid + "\nCSeq: " + cseq +
                    (body.empty() ? "" : "\nContent-Type: application/sdp") + "\nContent-Length: " +
                    std::to_string(body.size()) + "\n\n";
    for (std::size_t at = 0; at < body.size();) {  // body lines without \r: the log has plain line ends
      auto eol = body.find("\r\n", at);
      m += body.substr(at, eol - at) + "\n";
      at = eol + 2;
    }
    return m;
  };
  std::string text;
  // pjsip logger, answered then hung up: COMPLETED.
  text += "[2024-01-31 10:00:00.100] VERBOSE[1234] res_pjsip_logger.c: <--- Received SIP request (900 bytes) from UDP:192.0.2.10:5060 --->\n";
  text += msg("INVITE sip:200@192.0.2.20 SIP/2.0", "pj-1", "1 INVITE", false, sdp) + "\n";
  text += "[2024-01-31 10:00:00.200] VERBOSE[1234] res_pjsip_logger.c: <--- Transmitting SIP response (400 bytes) to UDP:192.0.2.10:5060 --->\n";
  text += msg("SIP/2.0 180 Ringing", "pj-1", "1 INVITE", true) + "\n";
  text += "[2024-01-31 10:00:02.000] VERBOSE[1234] res_pjsip_logger.c: <--- Transmitting SIP response (400 bytes) to UDP:192.0.2.10:5060 --->\n";
  text += msg("SIP/2.0 200 OK", "pj-1", "1 INVITE", true, sdp) + "\n";
  text += "[2024-01-31 10:00:02.050] VERBOSE[1234] res_pjsip_logger.c: <--- Received SIP request (300 bytes) from UDP:192.0.2.10:5060 --->\n";
  text += msg("ACK sip:200@192.0.2.20 SIP/2.0", "pj-1", "1 ACK", true) + "\n";
  text += "[2024-01-31 10:00:12.000] NOTICE[1234] chan_pjsip.c: some unrelated log line\n";
  text += "[2024-01-31 10:00:32.000] VERBOSE[1234] res_pjsip_logger.c: <--- Received SIP request (300 bytes) from UDP:192.0.2.10:5060 --->\n";
  text += msg("BYE sip:200@192.0.2.20 SIP/2.0", "pj-1", "2 BYE", true) + "\n";
  text += "[2024-01-31 10:00:32.010] VERBOSE[1234] res_pjsip_logger.c: <--- Transmitting SIP response (300 bytes) to UDP:192.0.2.10:5060 --->\n";
  text += msg("SIP/2.0 200 OK", "pj-1", "2 BYE", true) + "\n";
  // chan_sip (sip set debug), rejected: REJECTED.
  text += "[2024-01-31 10:01:00] VERBOSE[99] chan_sip.c: \n<--- SIP read from UDP:198.51.100.7:5060 --->\n";
  text += msg("INVITE sip:300@192.0.2.20 SIP/2.0", "cs-1", "1 INVITE", false) + "<------------->\n";
  text += "[2024-01-31 10:01:01] VERBOSE[99] chan_sip.c: \n<--- Transmitting (no NAT) to 198.51.100.7:5060 --->\n";
  text += msg("SIP/2.0 486 Busy Here", "cs-1", "1 INVITE", true) + "<------------>\n";
  // sngrep-style text, cancelled: CANCELLED.
  text += "2024/01/31 10:02:00.000001 192.0.2.30:5060 -> 192.0.2.20:5060\n" + msg("INVITE sip:400@192.0.2.20 SIP/2.0", "sg-1", "1 INVITE", false);
  text += "\n2024/01/31 10:02:01.000001 192.0.2.30:5060 -> 192.0.2.20:5060\n" + msg("CANCEL sip:400@192.0.2.20 SIP/2.0", "sg-1", "1 CANCEL", false);
  text += "\n2024/01/31 10:02:01.000100 192.0.2.20:5060 -> 192.0.2.30:5060\n" + msg("SIP/2.0 200 OK", "sg-1", "1 CANCEL", true);
  text += "\n2024/01/31 10:02:01.000200 192.0.2.20:5060 -> 192.0.2.30:5060\n" + msg("SIP/2.0 487 Request Terminated", "sg-1", "1 INVITE", true);
  vs::itest::writeFile(log, text);
  auto r = run({vs::itest::voipscopeBinary(), "calls", "--json", log});
  ASSERT_EQ(r.exit_code, 0) << r.all;
  auto j = jsonOf(r.out);
  std::map<std::string, std::string> states;
  for (const auto& c : j["calls"]) {
    for (const auto& l : c["legs"]) states[l["call_id"]] = l["state"];
  }
  EXPECT_EQ(states, (std::map<std::string, std::string>{{"pj-1", "COMPLETED"}, {"cs-1", "REJECTED"}, {"sg-1", "CANCELLED"}}))
      << r.out;
  const auto& sip = j["stats"]["sip"];
  EXPECT_EQ(sip["messages"], 12) << sip.dump();
  EXPECT_EQ(count(sip["requests_by_method"], "INVITE"), 3U);
  EXPECT_EQ(count(sip["responses_by_status"], "487"), 1U);
  EXPECT_EQ(j["stats"]["malformed"], 0) << r.out;
  // The INVITE->200 time of the pjsip leg is the log's 1.9 s.
  EXPECT_NE(r.out.find("1900"), std::string::npos) << r.out;
}

// Asterisk's default logger.conf writes dates without a year ("[Jan 31 10:00:00]"). The year comes from
// the file's modification time, so a log written over New Year keeps its order and its timings.
TEST(CallsLog, YearlessAsteriskDatesTakeTheYearOfTheFile) {
  TempDir dir;
  auto log = dir.file("full");
  auto msg = [](const std::string& first, const std::string& cseq, bool to_tag) {
    return first + "\nVia: SIP/2.0/UDP 192.0.2.10:5060;branch=z9hG4bKny" + cseq.substr(0, 1) +
           "\nFrom: <sip:100@x>;tag=fny\nTo: <sip:200@y>" + (to_tag ? ";tag=tny" : "") +
           "\nCall-ID: new-year-1\nCSeq: " + cseq + "\nContent-Length: 0\n\n";
  };
  auto in = [](const std::string& date) {
    return "[" + date + "] VERBOSE[1234] res_pjsip_logger.c: <--- Received SIP request (300 bytes) from UDP:192.0.2.10:5060 --->\n";
  };
  auto out = [](const std::string& date) {
    return "[" + date + "] VERBOSE[1234] res_pjsip_logger.c: <--- Transmitting SIP response (300 bytes) to UDP:192.0.2.10:5060 --->\n";
  };
  std::string text;
  text += in("Dec 31 23:59:59.500") + msg("INVITE sip:200@192.0.2.20 SIP/2.0", "1 INVITE", false);
  text += out("Dec 31 23:59:59.600") + msg("SIP/2.0 180 Ringing", "1 INVITE", true);
  text += out("Jan  1 00:00:01.000") + msg("SIP/2.0 200 OK", "1 INVITE", true);
  text += in("Jan  1 00:00:01.050") + msg("ACK sip:200@192.0.2.20 SIP/2.0", "1 ACK", true);
  text += in("Jan  1 00:01:01.000") + msg("BYE sip:200@192.0.2.20 SIP/2.0", "2 BYE", true);
  text += out("Jan  1 00:01:01.010") + msg("SIP/2.0 200 OK", "2 BYE", true);
  vs::itest::writeFile(log, text);
  // Last written on 1 January 2027, a few minutes after the call.
  ASSERT_EQ(run({"touch", "-d", "2027-01-01 00:05:00 UTC", log}).exit_code, 0);
  auto r = run({vs::itest::voipscopeBinary(), "calls", "--json", log});
  ASSERT_EQ(r.exit_code, 0) << r.all;
  auto j = jsonOf(r.out);
  ASSERT_EQ(j["calls"].size(), 1U) << r.out;
  const auto& leg = j["calls"][0]["legs"][0];
  EXPECT_EQ(leg["state"], "COMPLETED");
  EXPECT_EQ(leg["start"].get<std::string>().substr(0, 23), "2026-12-31T23:59:59.500") << leg.dump();
  EXPECT_DOUBLE_EQ(leg["setup_answer_ms"].get<double>(), 1500.0);
  EXPECT_DOUBLE_EQ(leg["duration_s"].get<double>(), 60.0);
}

// An Asterisk pjsip-logger log of `calls` answered calls "gz-0", "gz-1", ...: call i's INVITE at
// 10:00:(2i), 180 after 100 ms, 200 after 1.25 s, ACK, BYE 30 s after the 200, its 200 10 ms later.
std::string pjsipLog(int calls) {
  auto msg = [](const std::string& first, const std::string& cid, const std::string& cseq, bool to_tag) {
    return first + "\nVia: SIP/2.0/UDP 192.0.2.10:5060;branch=z9hG4bK" + cid + cseq.substr(0, 1) + "\nFrom: <sip:100@x>;tag=f" +
           cid + "\nTo: <sip:200@y>" + (to_tag ? ";tag=t" + cid : "") + "\nCall-ID: " + cid + "\nCSeq: " + cseq +
           "\nContent-Length: 0\n\n";
  };
  auto line = [](int second, int ms, bool in) {
    return fmt::format("[2024-01-31 10:{:02}:{:02}.{:03}] VERBOSE[1234] res_pjsip_logger.c: <--- {} --->\n", second / 60,
                       second % 60, ms,
                       in ? "Received SIP request (300 bytes) from UDP:192.0.2.10:5060"
                          : "Transmitting SIP response (300 bytes) to UDP:192.0.2.10:5060");
  };
  std::string text;
  for (int i = 0; i < calls; ++i) {
    const auto cid = fmt::format("gz-{}", i);
    text += line(i * 2, 0, true) + msg("INVITE sip:200@192.0.2.20 SIP/2.0", cid, "1 INVITE", false);
    text += line(i * 2, 100, false) + msg("SIP/2.0 180 Ringing", cid, "1 INVITE", true);
    text += line(i * 2 + 1, 250, false) + msg("SIP/2.0 200 OK", cid, "1 INVITE", true);
    text += line(i * 2 + 1, 300, true) + msg("ACK sip:200@192.0.2.20 SIP/2.0", cid, "1 ACK", true);
    text += line(i * 2 + 31, 250, true) + msg("BYE sip:200@192.0.2.20 SIP/2.0", cid, "2 BYE", true);
    text += line(i * 2 + 31, 260, false) + msg("SIP/2.0 200 OK", cid, "2 BYE", true);
  }
  return text;
}

// Asterisk rotates its logs and compresses the old ones (full.1.gz). A compressed log reads as its text:
// the same calls as the plain file, to the byte. One cut short reports every call before the cut, then
// names the cut (exit 1); one that does not inflate at all is refused in one line (exit 3).
TEST(CallsLog, GzipCompressedLogReadsAsItsTextAndACutOneSaysWhere) {
  TempDir dir;
  constexpr int kCalls = 40;
  const std::string text = pjsipLog(kCalls);
  const auto gz = deflated(text, 31);
  vs::itest::writeFile(dir.path() / "full", text);
  vs::itest::writeFile(dir.path() / "full.1.gz", gz);
  auto plain = run({vs::itest::voipscopeBinary(), "calls", "--json", dir.file("full")});
  auto packed = run({vs::itest::voipscopeBinary(), "calls", "--json", dir.file("full.1.gz")});
  ASSERT_EQ(plain.exit_code, 0) << plain.all;
  ASSERT_EQ(packed.exit_code, 0) << packed.all;
  EXPECT_EQ(packed.out, plain.out);
  auto j = jsonOf(packed.out);
  ASSERT_EQ(j["calls"].size(), static_cast<std::size_t>(kCalls)) << packed.out;
  for (const auto& c : j["calls"]) {
    const auto& leg = c["legs"][0];
    EXPECT_EQ(leg["state"], "COMPLETED") << leg.dump();
    EXPECT_DOUBLE_EQ(leg["setup_answer_ms"].get<double>(), 1250.0) << leg.dump();
    EXPECT_DOUBLE_EQ(leg["duration_s"].get<double>(), 30.0) << leg.dump();
  }
  EXPECT_EQ(j["stats"]["sip"]["messages"], 6 * kCalls);

  // Cut at half its compressed size: the calls whose messages all came before the cut, then the cut.
  vs::itest::writeFile(dir.path() / "full.2.gz", gz.substr(0, gz.size() / 2));
  auto cut = run({vs::itest::voipscopeBinary(), "calls", "--json", dir.file("full.2.gz")});
  EXPECT_EQ(cut.exit_code, 1) << cut.all;
  EXPECT_NE(cut.all.find(dir.file("full.2.gz") + ": gzip: unexpected end of file"), std::string::npos) << cut.all;
  auto jc = jsonOf(cut.out);
  const auto messages = jc["stats"]["sip"]["messages"].get<int>();
  EXPECT_GT(messages, 0);
  EXPECT_LT(messages, 6 * kCalls);
  // Every call before the last one reported is whole: the same as in the uncut log.
  ASSERT_GE(jc["calls"].size(), 2U) << cut.out;
  for (std::size_t i = 0; i + 1 < jc["calls"].size(); ++i) {
    EXPECT_EQ(jc["calls"][i]["legs"], j["calls"][i]["legs"]) << i;
  }

  // A gzip header and then nothing that inflates.
  vs::itest::writeFile(dir.path() / "full.3.gz", gz.substr(0, 10) + std::string(200, '\x7f'));
  auto bad = run({vs::itest::voipscopeBinary(), "calls", dir.file("full.3.gz")});
  EXPECT_EQ(bad.exit_code, 3) << bad.all;
  EXPECT_NE(bad.all.find("gzip"), std::string::npos) << bad.all;
  EXPECT_EQ(std::count(bad.all.begin(), bad.all.end(), '\n'), 1) << bad.all;
}

// A log's call drawn as a ladder, and saved as a pcap that tshark reads: the same six messages, in the
// log's order, with the log's times (here from a compressed log).
TEST(CallsLog, FlowDrawsALogsCallAndSaveCallWritesItAsAPcapTsharkReads) {
  TempDir dir;
  vs::itest::writeFile(dir.path() / "full.1.gz", deflated(pjsipLog(3), 31));
  const auto log = dir.file("full.1.gz");
  auto flow = run({vs::itest::voipscopeBinary(), "flow", log, "--call", "2", "--no-color", "--width", "120"});
  ASSERT_EQ(flow.exit_code, 0) << flow.all;
  EXPECT_NE(flow.out.find("Call-ID gz-1"), std::string::npos) << flow.out;
  EXPECT_NE(flow.out.find("192.0.2.10:5060"), std::string::npos) << flow.out;
  std::size_t at = 0;
  for (const char* label : {"INVITE", "180 Ringing", "200 OK", "ACK", "BYE", "200 OK (BYE)"}) {
    auto next = flow.out.find(label, at);
    ASSERT_NE(next, std::string::npos) << label << " after offset " << at << "\n" << flow.out;
    at = next + 1;
  }
  // The BYE's 200 is logged at 10:00:33.260 and the INVITE at 10:00:02.000.
  EXPECT_NE(flow.out.find("+31.260 s"), std::string::npos) << flow.out;

  const auto pcap = dir.file("call2.pcap");
  auto save = run({vs::itest::voipscopeBinary(), "calls", log, "--save-call", "2", pcap});
  ASSERT_EQ(save.exit_code, 0) << save.all;
  EXPECT_NE(save.out.find("6 frames written"), std::string::npos) << save.out;
  if (!vs::itest::haveProgram("tshark")) GTEST_SKIP() << "tshark missing";
  auto t = run({"tshark", "-r", pcap, "-Y", "sip", "-T", "fields", "-E", "separator=/t", "-e", "frame.time_relative",
                "-e", "sip.Call-ID", "-e", "sip.CSeq"});
  ASSERT_EQ(t.exit_code, 0) << t.all;
  EXPECT_EQ(t.out,
            "0.000000000\tgz-1\t1 INVITE\n"
            "0.100000000\tgz-1\t1 INVITE\n"
            "1.250000000\tgz-1\t1 INVITE\n"
            "1.300000000\tgz-1\t1 ACK\n"
            "31.250000000\tgz-1\t2 BYE\n"
            "31.260000000\tgz-1\t2 BYE\n");
}

// An Asterisk server in New York logs its local time (UTC-05:00). --log-utc-offset -05:00 reads the log's
// dates as that: the calls start five hours later in UTC, every interval is unchanged, and a call saved as
// a pcap carries the UTC time (read back by tshark). Values that are no offset are usage errors (exit 3).
TEST(CallsLog, UtcOffsetReadsTheLogsLocalDatesAsUtc) {
  TempDir dir;
  vs::itest::writeFile(dir.path() / "full", pjsipLog(2));
  const auto log = dir.file("full");
  auto local = run({vs::itest::voipscopeBinary(), "calls", "--json", log});
  auto shifted = run({vs::itest::voipscopeBinary(), "calls", "--json", "--log-utc-offset", "-05:00", log});
  ASSERT_EQ(local.exit_code, 0) << local.all;
  ASSERT_EQ(shifted.exit_code, 0) << shifted.all;
  const auto a = jsonOf(local.out), b = jsonOf(shifted.out);
  ASSERT_EQ(a["calls"].size(), 2U);
  ASSERT_EQ(b["calls"].size(), 2U);
  for (std::size_t i = 0; i < 2; ++i) {
    const auto& la = a["calls"][i]["legs"][0];
    const auto& lb = b["calls"][i]["legs"][0];
    EXPECT_EQ(la["start"], fmt::format("2024-01-31T10:00:{:02}.000000Z", 2 * i)) << la.dump();
    EXPECT_EQ(lb["start"], fmt::format("2024-01-31T15:00:{:02}.000000Z", 2 * i)) << lb.dump();
    EXPECT_EQ(la["setup_answer_ms"], lb["setup_answer_ms"]);
    EXPECT_EQ(la["duration_s"], lb["duration_s"]);
  }

  const auto pcap = dir.file("call1.pcap");
  auto save = run({vs::itest::voipscopeBinary(), "calls", "--log-utc-offset", "-0500", log, "--save-call", "1", pcap});
  ASSERT_EQ(save.exit_code, 0) << save.all;
  if (vs::itest::haveProgram("tshark")) {
    auto t = run({"tshark", "-r", pcap, "-c", "1", "-T", "fields", "-e", "frame.time_epoch"});
    ASSERT_EQ(t.exit_code, 0) << t.all;
    std::tm tm{};
    tm.tm_year = 2024 - 1900;
    tm.tm_mon = 0;
    tm.tm_mday = 31;
    tm.tm_hour = 15;
    EXPECT_EQ(std::stod(t.out), static_cast<double>(timegm(&tm))) << t.out;
  }

  for (const char* bad : {"+25:00", "+14:01", "EST", "5", "+5:7", "+05:60", ""}) {
    auto r = run({vs::itest::voipscopeBinary(), "calls", "--log-utc-offset", bad, log});
    EXPECT_EQ(r.exit_code, 3) << bad << ": " << r.all;
    EXPECT_NE(r.all.find("--log-utc-offset: not a UTC offset"), std::string::npos) << bad << ": " << r.all;
  }
  for (const char* good : {"+14:00", "-12", "+0530", "Z", "UTC"}) {
    auto r = run({vs::itest::voipscopeBinary(), "calls", "--log-utc-offset", good, log});
    EXPECT_EQ(r.exit_code, 0) << good << ": " << r.all;
  }
}

// sofia-sip (the SIP stack of FreeSWITCH) logs every message it sends or receives when TPORT_LOG is set:
// sip-options (Debian's sofia-sip-bin) asks Kamailio three times while tcpdump captures the loopback.
// `calls` on that log gives each exchange as tshark reads it from the capture: Call-ID, OPTIONS then 200,
// the peer's address (the only one sofia-sip names), at the capture's time within 50 ms.
TEST(CallsLog, SofiaSipTraceOfSipOptionsMatchesTsharkOnTheCapture) {
  for (const char* p : {"sip-options", "kamailio", "tcpdump", "tshark"}) {
    if (!vs::itest::haveProgram(p)) GTEST_SKIP() << p << " missing";
  }
  TempDir dir;
  vs::itest::Kamailio kam(dir);
  ASSERT_TRUE(kam.ready()) << kam.log();
  const auto local = vs::itest::freeUdpAndTcpPort();
  const auto pcap = dir.file("options.pcap");
  Process tcpdump({"timeout", "60", "tcpdump", "-i", "lo", "-n", "-U", "--immediate-mode", "-w", pcap, "udp port " +
                   std::to_string(kam.port()) + " and udp port " + std::to_string(local)});
  ASSERT_TRUE(tcpdump.waitForLine(std::regex("listening on"), 15s)) << tcpdump.output();
  const auto log = dir.file("sofia.log");
  for (int i = 0; i < 3; ++i) {
    auto r = run({"sh", "-c", fmt::format("TPORT_LOG=1 exec timeout 20 sip-options --bind=sip:127.0.0.1:{} "
                                          "sip:voipscope@127.0.0.1:{} 2>> '{}'", local, kam.port(), log)},
                 30s);
    ASSERT_EQ(r.exit_code, 0) << r.all;
  }
  std::this_thread::sleep_for(300ms);  // the last 200 OK reaches tcpdump
  tcpdump.terminate();
  tcpdump.wait(10s);

  // (Call-ID, method or status, peer, epoch seconds) of every SIP frame, by tshark; the peer is Kamailio
  // both ways (the filter keeps only its exchange with sip-options).
  auto ts = run({"tshark", "-r", pcap, "-Y", "sip", "-T", "fields", "-E", "separator=/t", "-e", "sip.Call-ID", "-e",
                 "sip.Method", "-e", "sip.Status-Code", "-e", "udp.srcport", "-e", "udp.dstport", "-e",
                 "frame.time_epoch"});
  struct Ref {
    std::string call_id, what;
    std::string peer;
    double t;
  };
  std::vector<Ref> ref;
  std::istringstream in(ts.out);
  for (std::string line; std::getline(in, line);) {
    std::vector<std::string> f;
    std::stringstream ls(line);
    for (std::string x; std::getline(ls, x, '\t');) f.push_back(x);
    f.resize(6);
    ref.push_back({f[0], f[1].empty() ? f[2] : f[1], "127.0.0.1:" + std::to_string(kam.port()), std::stod(f[5])});
  }
  ASSERT_EQ(ref.size(), 6U) << ts.all;

  auto r = run({vs::itest::voipscopeBinary(), "calls", "--all", "--json", log});
  ASSERT_EQ(r.exit_code, 0) << r.all;
  auto j = jsonOf(r.out);
  EXPECT_EQ(j["stats"]["sip"]["requests_by_method"]["OPTIONS"], 3);
  EXPECT_EQ(j["stats"]["sip"]["responses_by_status"]["200"], 3);
  std::vector<Ref> got;
  auto seconds = [](const std::string& iso) {  // "2026-11-24T05:08:49.355071Z" -> epoch seconds
    std::tm t{};
    t.tm_year = std::stoi(iso.substr(0, 4)) - 1900;
    t.tm_mon = std::stoi(iso.substr(5, 2)) - 1;
    t.tm_mday = std::stoi(iso.substr(8, 2));
    t.tm_hour = std::stoi(iso.substr(11, 2));
    t.tm_min = std::stoi(iso.substr(14, 2));
    return static_cast<double>(timegm(&t)) + std::stod(iso.substr(17, iso.size() - 18));
  };
  for (const auto& c : j["calls"]) {
    for (const auto& l : c["legs"]) {
      for (const auto& m : l["sip"]) {
        const bool request = m.contains("method");
        // sofia-sip names the peer only: Kamailio is the destination of a request, the source of a reply.
        got.push_back({l["call_id"], request ? m["method"].get<std::string>() : std::to_string(m["status"].get<int>()),
                       request ? m["dst"].get<std::string>() : m["src"].get<std::string>(), seconds(m["time"])});
      }
    }
  }
  ASSERT_EQ(got.size(), ref.size()) << r.out;
  auto by_time = [](const Ref& a, const Ref& b) { return a.t < b.t; };
  std::sort(got.begin(), got.end(), by_time);
  std::sort(ref.begin(), ref.end(), by_time);
  for (std::size_t i = 0; i < ref.size(); ++i) {
    EXPECT_EQ(got[i].call_id, ref[i].call_id) << i;
    EXPECT_EQ(got[i].what, ref[i].what) << i;
    EXPECT_EQ(got[i].peer, ref[i].peer) << i;
    EXPECT_NEAR(got[i].t, ref[i].t, 0.05) << i;
  }
}

TEST(CallsLog, TextThatIsNoLogIsRefusedInOneLine) {
  TempDir dir;
  vs::itest::writeFile(dir.path() / "notes.txt", "just some notes\nnothing SIP here\n");
  auto r = run({vs::itest::voipscopeBinary(), "calls", dir.file("notes.txt")});
  EXPECT_EQ(r.exit_code, 3) << r.all;
  EXPECT_NE(r.all.find("not a pcap or pcapng file"), std::string::npos) << r.all;
  EXPECT_NE(r.all.find("not a SIP text log either"), std::string::npos) << r.all;

  // The same from a pipe. The lines read to sniff are kept to be read again (a pipe cannot be rewound), so
  // at most 8 MiB of them: of 2 100 lines of 64 KiB (131 MiB, 2 000 of which the line count alone would
  // keep) the sniff reads 128 (8 MiB) and refuses the input the same way, saying how much it read.
  auto piped = run({"sh", "-c", "cat '" + dir.file("notes.txt") + "' | '" + vs::itest::voipscopeBinary() + "' calls -"});
  EXPECT_EQ(piped.exit_code, 3) << piped.all;
  EXPECT_NE(piped.all.find("-: not a pcap or pcapng file"), std::string::npos) << piped.all;
  EXPECT_NE(piped.all.find("no message header line in its first 2 lines, 33 bytes"), std::string::npos) << piped.all;
  auto big = run({"sh", "-c", "yes \"$(head -c 65535 /dev/zero | tr '\\0' x)\" | head -n 2100 | '" +
                                  vs::itest::voipscopeBinary() + "' calls -"});
  EXPECT_EQ(big.exit_code, 3) << big.all;
  // 128 lines of 65 535 bytes and their line ends are exactly 8 MiB.
  EXPECT_NE(big.all.find("no message header line in its first 128 lines, 8388608 bytes"), std::string::npos)
      << big.all;
}

}  // namespace
