// SIP codec against real captures: each fixture is a message's exact bytes from the shared corpus and
// reference.tsv is tshark's dissection of the same frame (see data/sip/make_fixtures.py).
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>
#include <optional>
#include <string>
#include <vector>

#include "proto/sip/message.h"

namespace vs::proto::sip {
namespace {

const std::string kDataDir = std::string(VOIPSCOPE_SOURCE_DIR) + "/tests/proto/data/sip/";

std::string readFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  EXPECT_TRUE(in.good()) << path;
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::vector<std::string> splitTabs(const std::string& line, char sep = '\t') {
  std::vector<std::string> out;
  std::string cur;
  for (char c : line) {
    if (c == sep) {
      out.push_back(cur);
      cur.clear();
    } else {
      cur.push_back(c);
    }
  }
  out.push_back(cur);
  return out;
}

struct Reference {
  std::string name, method, ruri, status, call_id, cseq_num, cseq_method, via_branches, from_tag, to_tag;
  std::size_t header_count = 0, body_len = 0;
  std::string content_length;
};

std::vector<Reference> loadReference() {
  std::ifstream in(kDataDir + "reference.tsv");
  std::vector<Reference> out;
  std::string line;
  std::getline(in, line);  // column names
  while (std::getline(in, line)) {
    if (line.empty()) continue;
    auto f = splitTabs(line);
    EXPECT_EQ(f.size(), 13u) << line;
    if (f.size() != 13) continue;
    out.push_back(Reference{f[0], f[1], f[2], f[3], f[4], f[5], f[6], f[7], f[8], f[9],
                            std::stoul(f[10]), std::stoul(f[11]), f[12]});
  }
  return out;
}

// Where the header section ends, found by plain search (independent of the parser).
std::size_t headerEnd(const std::string& msg) { return msg.find("\r\n\r\n") + 4; }

TEST(SipMessage, MatchesTsharkOnRealCaptures) {
  auto refs = loadReference();
  ASSERT_EQ(refs.size(), 11u);
  for (const auto& ref : refs) {
    SCOPED_TRACE(ref.name);
    auto bytes = readFile(kDataDir + ref.name + ".sip");
    auto m = parseMessage(bytes);
    ASSERT_TRUE(m.ok()) << m.error().message << " at " << m.error().offset;
    if (!ref.method.empty()) {
      ASSERT_TRUE(m->isRequest());
      EXPECT_EQ(m->requestLine().method, ref.method);
      EXPECT_EQ(m->requestLine().uri, ref.ruri);
      EXPECT_EQ(m->requestLine().version, "SIP/2.0");
    } else {
      ASSERT_TRUE(m->isResponse());
      EXPECT_EQ(m->statusLine().code, std::stoi(ref.status));
    }
    EXPECT_EQ(m->callId(), ref.call_id);
    auto cseq = m->cseq();
    ASSERT_TRUE(cseq.has_value());
    EXPECT_EQ(cseq->number, std::stoul(ref.cseq_num));
    EXPECT_EQ(cseq->method, ref.cseq_method);
    if (!ref.via_branches.empty()) {  // tshark misses the branch of an unbracketed IPv6 sent-by
      auto want = splitTabs(ref.via_branches, ',');
      auto vias = m->vias();
      ASSERT_EQ(vias.size(), want.size());
      for (std::size_t i = 0; i < want.size(); ++i) EXPECT_EQ(vias[i].branch, want[i]) << "via " << i;
      EXPECT_EQ(m->topVia()->branch, want.front());
      EXPECT_EQ(m->topViaBranch(), want.front());
    }
    EXPECT_EQ(m->fromTag(), ref.from_tag);
    EXPECT_EQ(m->toTag(), ref.to_tag);
    EXPECT_EQ(m->allHeaders().size(), ref.header_count);
    std::size_t want_body = ref.content_length.empty() ? ref.body_len : std::stoul(ref.content_length);
    EXPECT_EQ(m->body().size(), want_body);
    EXPECT_EQ(m->body(), std::string_view(bytes).substr(headerEnd(bytes), want_body));
  }
}

TEST(SipMessage, SecondViaAndStatusLineOfA100) {
  auto bytes = readFile(kDataDir + "resp_100_two_via.sip");
  auto m = parseMessage(bytes);
  ASSERT_TRUE(m.ok());
  EXPECT_EQ(m->startLine(), "SIP/2.0 100 Trying");
  EXPECT_EQ(m->statusLine().reason, "Trying");
  auto vias = m->vias();
  ASSERT_EQ(vias.size(), 2u);
  EXPECT_EQ(vias[1].protocol, "SIP/2.0/UDP");
  EXPECT_EQ(vias[1].transport, "UDP");
  EXPECT_EQ(vias[1].sent_by, "200.57.7.195:55061");
  EXPECT_EQ(vias[1].branch, "z9hG4bK291d90e31a47b225bd0ddff4353e9cc0");
  EXPECT_EQ(m->header("server"), "X-Lite release 1103m");
}

TEST(SipMessage, Ipv6SentByBranch) {
  // Read by hand from the fixture: "Via: SIP/2.0/UDP fe80:0:0:0:21a:a0ff:fe07:32e0:5060;branch=z9hG4bKkdjuw8376"
  auto bytes = readFile(kDataDir + "ipv6_invite.sip");
  auto m = parseMessage(bytes);
  ASSERT_TRUE(m.ok());
  EXPECT_EQ(m->topVia()->branch, "z9hG4bKkdjuw8376");
  EXPECT_EQ(m->topVia()->sent_by, "fe80:0:0:0:21a:a0ff:fe07:32e0:5060");
}

TEST(SipMessage, TcpViaWithRportAndReceived) {
  auto bytes = readFile(kDataDir + "resp_401_tcp.sip");
  auto m = parseMessage(bytes);
  ASSERT_TRUE(m.ok());
  auto via = m->topVia();
  ASSERT_TRUE(via);
  EXPECT_EQ(via->transport, "TCP");
  EXPECT_TRUE(via->has_rport);
  EXPECT_EQ(via->rport, "51806");
  EXPECT_EQ(via->received, "10.129.34.51");
  // "Content-Length:  0" with two spaces
  EXPECT_EQ(m->header("Content-Length"), "0");
}

TEST(SipMessage, CompactFormsFromCapture) {
  auto bytes = readFile(kDataDir + "compact_invite.sip");
  auto m = parseMessage(bytes);
  ASSERT_TRUE(m.ok());
  EXPECT_EQ(m->allHeaders()[0].name, "Via");
  EXPECT_EQ(m->allHeaders()[1].name, "From");
  EXPECT_EQ(m->allHeaders()[2].name, "To");
  EXPECT_EQ(m->header("c"), "application/sdp");
  EXPECT_EQ(m->header("Content-Type"), "application/sdp");
  EXPECT_EQ(m->header("CONTENT-LENGTH"), "272");
  EXPECT_EQ(m->header("l"), "272");
  // The capture really carries backslashes before the quotes of the display name.
  EXPECT_EQ(m->header("f"), R"(\"arik\" <sip:816666@voip.brurjula.net>;tag=6433ef9)");
  EXPECT_EQ(m->fromTag(), "6433ef9");
}

TEST(SipMessage, EveryCompactFormMapsToItsLongName) {
  const std::vector<std::pair<char, std::string>> forms = {
      {'i', "Call-ID"}, {'f', "From"}, {'t', "To"}, {'v', "Via"}, {'l', "Content-Length"},
      {'m', "Contact"}, {'c', "Content-Type"}, {'k', "Supported"}, {'s', "Subject"},
      {'e', "Content-Encoding"}, {'o', "Event"}, {'r', "Refer-To"}, {'u', "Allow-Events"},
      {'x', "Session-Expires"}};
  std::string msg = "MESSAGE sip:a@b SIP/2.0\r\n";
  for (const auto& [c, name] : forms) {
    if (c == 'l') continue;
    msg += std::string(1, c) + ": value-" + name + "\r\n";
  }
  msg += "L: 0\r\n\r\n";  // upper case compact form
  auto m = parseMessage(msg);
  ASSERT_TRUE(m.ok()) << m.error().message;
  for (const auto& [c, name] : forms) {
    if (c == 'l') continue;
    EXPECT_EQ(m->header(name), "value-" + name) << name;
  }
  EXPECT_EQ(m->header("Content-Length"), "0");
  EXPECT_EQ(m->allHeaders().back().name, "Content-Length");
}

TEST(SipMessage, FoldedLinesAreJoined) {
  std::string msg =
      "OPTIONS sip:bob@example.com SIP/2.0\r\n"
      "Via: SIP/2.0/UDP 192.0.2.1:5060\r\n"
      " ;branch=z9hG4bKfold\r\n"
      "Subject: I know you're there,\r\n"
      "\t  pick up the phone\r\n"
      "   and talk to me!\r\n"
      "Call-ID: abc@192.0.2.1\r\n"
      "CSeq: 7 OPTIONS\r\n"
      "Content-Length: 0\r\n"
      "\r\n";
  auto m = parseMessage(msg);
  ASSERT_TRUE(m.ok()) << m.error().message;
  EXPECT_EQ(m->allHeaders().size(), 5u);
  EXPECT_EQ(m->header("Subject"), "I know you're there, pick up the phone and talk to me!");
  EXPECT_EQ(m->topVia()->branch, "z9hG4bKfold");
  EXPECT_EQ(m->callId(), "abc@192.0.2.1");
  // Copies keep valid views of the joined values.
  auto copy = m.value();
  m = parseMessage(std::string_view("x"));
  EXPECT_EQ(copy.header("Subject"), "I know you're there, pick up the phone and talk to me!");
}

TEST(SipMessage, ViaHeadersSeparateAndCommaSeparated) {
  std::string msg =
      "SIP/2.0 200 OK\r\n"
      "Via: SIP/2.0/UDP a.example.com;branch=z9hG4bK1, SIP / 2.0 / TCP b.example.com:5070 ;branch=z9hG4bK2\r\n"
      "v: SIP/2.0/UDP [2001:db8::1]:5060;branch=z9hG4bK3;rport=5060\r\n"
      "Call-ID: x\r\nCSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n";
  auto m = parseMessage(msg);
  ASSERT_TRUE(m.ok()) << m.error().message;
  EXPECT_EQ(m->headers("Via").size(), 2u);
  auto vias = m->vias();
  ASSERT_EQ(vias.size(), 3u);
  EXPECT_EQ(vias[0].branch, "z9hG4bK1");
  EXPECT_EQ(vias[0].sent_by, "a.example.com");
  EXPECT_EQ(vias[1].branch, "z9hG4bK2");
  EXPECT_EQ(vias[1].transport, "TCP");
  EXPECT_EQ(vias[1].sent_by, "b.example.com:5070");
  EXPECT_EQ(vias[2].sent_by, "[2001:db8::1]:5060");
  EXPECT_EQ(vias[2].rport, "5060");
  EXPECT_EQ(m->topVia()->branch, "z9hG4bK1");
}

// The branch alone, as retransmission detection reads it: the first via-parm's, whatever else the Via
// holds, the same prepared (worked out once, kept) and moved onto a copy of the bytes.
TEST(SipMessage, TopViaBranchIsTheFirstViaParmsBranchPreparedOrNot) {
  struct Case {
    std::string vias;  // header lines
    std::string_view want;
  };
  const std::vector<Case> cases = {
      {"Via: SIP/2.0/UDP a.example.com;branch=z9hG4bK1, SIP/2.0/UDP b.example.com;branch=z9hG4bK2\r\n", "z9hG4bK1"},
      {"Via: SIP/2.0/UDP a.example.com;rport;received=192.0.2.1;branch=z9hG4bKlast\r\n", "z9hG4bKlast"},
      {"Via: SIP/2.0/UDP a.example.com;branch-id=x;branchy=y;branch=z9hG4bKreal\r\n", "z9hG4bKreal"},
      {"v: SIP / 2.0 / TCP [2001:db8::1]:5070 ; BRANCH = z9hG4bKcase ;rport\r\n", "z9hG4bKcase"},
      // The top via-parm has none: neither the next one in the list nor the next Via header lends its own.
      {"Via: SIP/2.0/UDP a.example.com;rport, SIP/2.0/UDP b.example.com;branch=z9hG4bK2\r\n", ""},
      {"Via: SIP/2.0/UDP a.example.com;received=192.0.2.1\r\nVia: SIP/2.0/UDP b.example.com;branch=z9hG4bK2\r\n", ""},
      {"Via: SIP/2.0/UDP a.example.com;branch\r\n", ""},
      {"", ""},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.vias);
    const std::string msg = "OPTIONS sip:a@example.com SIP/2.0\r\n" + c.vias +
                            "Call-ID: x\r\nCSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n";
    auto m = parseMessage(msg);
    ASSERT_TRUE(m.ok()) << m.error().message;
    EXPECT_EQ(m->topViaBranch(), c.want);
    if (auto v = m->topVia()) {
      EXPECT_EQ(v->branch, c.want);  // the full Via parse agrees
    }
    m->prepare();
    EXPECT_EQ(m->topViaBranch(), c.want);
    std::string copy = msg;
    m->rebase(msg.data(), msg.size(), copy.data());
    EXPECT_EQ(m->topViaBranch(), c.want);
    if (!c.want.empty()) {
      EXPECT_EQ(static_cast<const void*>(m->topViaBranch().data()),
                static_cast<const void*>(copy.data() + msg.find(c.want)));
    }
  }
}

// CSeq = 1*DIGIT LWS Method (RFC 3261 section 20.16), a 32-bit number; anything else reads as no CSeq.
TEST(SipMessage, CSeqIsANumberOfAtMost32BitsThenAMethodToken) {
  struct Case {
    std::string_view value;
    std::optional<std::uint32_t> number;
    std::string_view method;
  };
  const std::vector<Case> cases = {
      {"4711 INVITE", 4711, "INVITE"},
      {"4711 \t INVITE ", 4711, "INVITE"},
      {"00012 ACK", 12, "ACK"},
      {"4294967295 BYE", 4294967295U, "BYE"},
      {"0 X-Custom.Method", 0, "X-Custom.Method"},
      {"4294967296 BYE", std::nullopt, ""},
      {"99999999999999999999 BYE", std::nullopt, ""},
      {"1a INVITE", std::nullopt, ""},
      {"-1 INVITE", std::nullopt, ""},
      {"+1 INVITE", std::nullopt, ""},
      {"INVITE", std::nullopt, ""},
      {"1", std::nullopt, ""},
      {"1 INV@TE", std::nullopt, ""},
      {"1 INVITE extra", std::nullopt, ""},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.value);
    const std::string msg = "OPTIONS sip:a@example.com SIP/2.0\r\nCall-ID: x\r\nCSeq: " + std::string(c.value) +
                            "\r\nContent-Length: 0\r\n\r\n";
    auto m = parseMessage(msg);
    ASSERT_TRUE(m.ok()) << m.error().message;
    for (int prepared = 0; prepared < 2; ++prepared) {
      if (prepared == 1) m->prepare();
      auto cseq = m->cseq();
      ASSERT_EQ(cseq.has_value(), c.number.has_value());
      if (cseq) {
        EXPECT_EQ(cseq->number, *c.number);
        EXPECT_EQ(cseq->method, c.method);
      }
    }
  }
}

TEST(SipMessage, ErrorsSayWhereAndWhy) {
  struct Case {
    std::string msg;
    std::string what;
    std::size_t offset;
  };
  const std::vector<Case> cases = {
      {"SIP/3.0 200 OK\r\n\r\n", "line 1: expected 'SIP/2.0'", 0},
      {"\r\nSIP/3.0 200 OK\r\n\r\n", "line 1: expected 'SIP/2.0'", 2},
      {"OPTIONS sip:a@b SIP/1.0\r\n\r\n", "line 1: expected 'SIP/2.0'", 16},
      {"SIP/2.0 2x0 OK\r\n\r\n", "line 1: expected a 3-digit status code", 8},
      {"SIP/2.0 099 Low\r\n\r\n", "line 1: status code out of range (100-699)", 8},
      {"SIP/2.0 700 High\r\n\r\n", "line 1: status code out of range (100-699)", 8},
      {"OPT<IONS sip:a SIP/2.0\r\n\r\n", "line 1: expected a method", 0},
      {"OPTIONS\r\n\r\n", "line 1: expected a Request-URI", 7},
      {"OPTIONS sip:a SIP/2.0\r\nVia: x\r\nno colon here\r\n\r\n", "line 3: expected ':' in header", 31},
      {"OPTIONS sip:a SIP/2.0\r\n folded first\r\n\r\n", "line 2: continuation line without a header", 23},
      {"OPTIONS sip:a SIP/2.0\r\nVia: x\r\n", "incomplete header section", 31},
      {"OPTIONS sip:a SIP/2.0\r\nContent-Length: 10\r\n\r\nabc", "Content-Length 10 exceeds the 3 bytes", 48},
      {"OPTIONS sip:a SIP/2.0\r\nContent-Length: ten\r\n\r\n", "Content-Length: not a number", 39},
  };
  for (const auto& c : cases) {
    auto m = parseMessage(c.msg);
    ASSERT_FALSE(m.ok()) << c.msg;
    EXPECT_NE(m.error().message.find(c.what), std::string::npos) << m.error().message;
    EXPECT_EQ(m.error().offset, c.offset) << c.msg;
  }
}

TEST(SipMessage, LimitsAreEnforced) {
  std::string many = "OPTIONS sip:a SIP/2.0\r\n";
  for (std::size_t i = 0; i < kMaxHeaders + 1; ++i) many += "X-H: v\r\n";
  many += "\r\n";
  auto m = parseMessage(many);
  ASSERT_FALSE(m.ok());
  EXPECT_NE(m.error().message.find("more than 256 headers"), std::string::npos);

  std::string big = "MESSAGE sip:a SIP/2.0\r\nContent-Length: 300000\r\n\r\n" + std::string(300000, 'a');
  auto b = parseMessage(big);
  ASSERT_FALSE(b.ok());
  EXPECT_NE(b.error().message.find("larger than 262144 bytes"), std::string::npos);

  // 100 KiB body (above the old 64 KiB limits) is fine.
  std::string ok = "MESSAGE sip:a SIP/2.0\r\nContent-Length: 102400\r\n\r\n" + std::string(102400, 'b');
  auto o = parseMessage(ok);
  ASSERT_TRUE(o.ok());
  EXPECT_EQ(o->body().size(), 102400u);
}

TEST(SipMessage, BareLfAndLeadingKeepAlivesAccepted) {
  auto m = parseMessage(std::string_view("\r\n\r\nSIP/2.0 486 Busy Here\nCall-ID: q\nContent-Length: 0\n\n"));
  ASSERT_TRUE(m.ok()) << m.error().message;
  EXPECT_EQ(m->statusLine().code, 486);
  EXPECT_EQ(m->statusLine().reason, "Busy Here");
  EXPECT_EQ(m->callId(), "q");
  EXPECT_EQ(m->raw().substr(0, 7), "SIP/2.0");
}

// Values are trimmed of spaces, tabs and stray CRs at both ends, however the line ends (CRLF, bare LF,
// or a CR left before a CRLF by a broken stack), and whitespace between a name and its colon is allowed.
TEST(SipMessage, ValuesAreTrimmedOfStrayWhitespaceAndCr) {
  auto m = parseMessage(std::string_view(
      "OPTIONS sip:a@h SIP/2.0\r\nCall-ID:\r cid-1 \t\r\r\nX-Empty: \r\r\nX-Tab:\tv\t\nFrom \t: <sip:a@h>;tag=f\r\n"
      "Content-Length: 0\r\n\r\n"));
  ASSERT_TRUE(m.ok()) << m.error().message;
  EXPECT_EQ(m->callId(), "cid-1");
  EXPECT_EQ(m->header("X-Empty").value_or("?"), "");
  EXPECT_EQ(m->header("X-Tab").value_or("?"), "v");
  EXPECT_EQ(m->fromTag(), "f");
  EXPECT_EQ(m->allHeaders().size(), 5U);
}

TEST(SipMessage, EveryTruncationIsAShorterMessageOrAnError) {
  for (const char* name : {"compact_invite", "resp_200_sdp", "long_path_options", "resp_401_tcp"}) {
    SCOPED_TRACE(name);
    auto full = readFile(kDataDir + std::string(name) + ".sip");
    auto full_msg = parseMessage(full);
    ASSERT_TRUE(full_msg.ok());
    std::size_t content_length = std::stoul(std::string(*full_msg->header("Content-Length")));
    std::size_t complete_at = headerEnd(full) + content_length;
    for (std::size_t len = 0; len <= full.size(); ++len) {
      // A copy of exactly `len` bytes so that any read past the end is caught by sanitizers.
      std::string prefix = full.substr(0, len);
      auto m = parseMessage(prefix);
      if (len >= complete_at) {
        ASSERT_TRUE(m.ok()) << len;
        EXPECT_EQ(m->body().size(), content_length);
        EXPECT_EQ(m->allHeaders().size(), full_msg->allHeaders().size());
      } else {
        ASSERT_FALSE(m.ok()) << "prefix of " << len << " bytes parsed";
        EXPECT_LE(m.error().offset, len);
        EXPECT_FALSE(m.error().message.empty());
      }
      // Stream framing of a prefix is never a message before it is complete.
      auto f = frameStream(prefix);
      if (len >= complete_at) {
        EXPECT_EQ(f.status, StreamFrame::Status::kMessage);
        EXPECT_EQ(f.length, complete_at);
      } else {
        EXPECT_EQ(f.status, StreamFrame::Status::kNeedMore) << len;
      }
    }
  }
}

// Feeds `wire` to the framer in two pieces split at `split`, as a TCP reader would.
std::vector<std::string> frameAll(const std::string& wire, std::size_t split) {
  std::vector<std::string> out;
  std::string buf;
  for (auto chunk : {wire.substr(0, split), wire.substr(split)}) {
    buf += chunk;
    while (true) {
      auto f = frameStream(buf);
      if (f.status != StreamFrame::Status::kMessage) {
        EXPECT_NE(f.status, StreamFrame::Status::kError);
        buf.erase(0, f.skip);
        break;
      }
      out.push_back(buf.substr(f.skip, f.length));
      buf.erase(0, f.skip + f.length);
    }
  }
  EXPECT_TRUE(buf.empty());
  return out;
}

TEST(SipStream, TwoMessagesInOneBufferAndSplitAtEveryByte) {
  auto a = readFile(kDataDir + "resp_100_two_via.sip");
  auto b = readFile(kDataDir + "resp_200_sdp.sip");
  auto wire = a + "\r\n\r\n" + b;  // with CRLF keep-alives between them
  auto f = frameStream(wire);
  ASSERT_EQ(f.status, StreamFrame::Status::kMessage);
  EXPECT_EQ(f.skip, 0u);
  EXPECT_EQ(f.length, a.size());
  auto g = frameStream(std::string_view(wire).substr(a.size()));
  ASSERT_EQ(g.status, StreamFrame::Status::kMessage);
  EXPECT_EQ(g.skip, 4u);
  EXPECT_EQ(g.length, b.size());

  for (std::size_t split = 0; split <= wire.size(); ++split) {
    auto msgs = frameAll(wire, split);
    ASSERT_EQ(msgs.size(), 2u) << split;
    EXPECT_EQ(msgs[0], a);
    EXPECT_EQ(msgs[1], b);
    auto pb = parseMessage(msgs[1], false);
    ASSERT_TRUE(pb.ok());
    EXPECT_EQ(pb->body().size(), 298u);
  }
}

TEST(SipStream, NeedMoreTellsTheFullLengthOnceTheHeadersAreIn) {
  const std::string head = "OPTIONS sip:x@y SIP/2.0\r\nCall-ID: a\r\nContent-Length: 10\r\n\r\n";
  auto partial = frameStream(std::string_view(head).substr(0, 30));
  EXPECT_EQ(partial.status, StreamFrame::Status::kNeedMore);
  EXPECT_EQ(partial.length, 0u);  // not known yet
  auto body = frameStream(head + "abc");
  EXPECT_EQ(body.status, StreamFrame::Status::kNeedMore);
  EXPECT_EQ(body.length, head.size() + 10);  // a reader can refuse a too large message before its body
}

TEST(SipStream, MissingContentLengthMeansEmptyBodyAndErrorsAreReported) {
  std::string noCl = "OPTIONS sip:a SIP/2.0\r\nCall-ID: 1\r\n\r\nOPTIONS";
  auto f = frameStream(noCl);
  ASSERT_EQ(f.status, StreamFrame::Status::kMessage);
  EXPECT_EQ(f.length, noCl.size() - 7);
  auto m = parseMessage(std::string_view(noCl).substr(0, f.length), false);
  ASSERT_TRUE(m.ok());
  EXPECT_TRUE(m->body().empty());

  auto bad = frameStream("SIP/2.0 200 OK\r\nl: 12a\r\n\r\n");
  EXPECT_EQ(bad.status, StreamFrame::Status::kError);
  EXPECT_NE(bad.error.message.find("Content-Length: not a number"), std::string::npos);

  auto huge = frameStream("SIP/2.0 200 OK\r\nContent-Length: 999999999\r\n\r\n");
  EXPECT_EQ(huge.status, StreamFrame::Status::kError);

  std::string endless = "SIP/2.0 200 OK\r\n";
  while (endless.size() <= kMaxMessageBytes) endless += "X-Filler: yyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyy\r\n";
  EXPECT_EQ(frameStream(endless).status, StreamFrame::Status::kError);
  EXPECT_EQ(frameStream(endless.substr(0, 1000)).status, StreamFrame::Status::kNeedMore);

  auto ka = frameStream("\r\n\r\n");
  EXPECT_EQ(ka.status, StreamFrame::Status::kNeedMore);
  EXPECT_EQ(ka.skip, 4u);
}

TEST(SipMessage, ProbeRecognisesStartLines) {
  EXPECT_TRUE(probe("SIP/2.0 200 OK\r\n"));
  EXPECT_TRUE(probe("OPTIONS sip:a@b SIP/2.0\r\n"));
  EXPECT_FALSE(probe("GET / HTTP/1.1\r\n"));
  EXPECT_FALSE(probe("\x80\x00garbage"));
  EXPECT_FALSE(probe(""));
}

}  // namespace
}  // namespace vs::proto::sip
