// `voipscope calls` end to end: corpus captures (plain, gzip, stdin) against tshark's reference figures,
// leg linking, and bad input (not a capture, empty, truncated, a 64 kB SIP body in tiny TCP segments).
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <regex>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "integration/harness.h"
#include "support/corpus.h"

namespace {

namespace fs = std::filesystem;
using vs::itest::run;
using vs::itest::TempDir;

nlohmann::json reference(const std::string& rel) {
  std::ifstream in(vs::test::corpusDir() / "reference" / (rel + ".json"));
  return nlohmann::json::parse(in);
}

// Call-ID -> state from `calls --json --all`.
std::map<std::string, std::string> states(const std::string& json_text) {
  std::map<std::string, std::string> out;
  auto j = nlohmann::json::parse(json_text);
  for (const auto& c : j["calls"]) {
    for (const auto& l : c["legs"]) out[l["call_id"]] = l["state"].is_null() ? "null" : l["state"].get<std::string>();
  }
  return out;
}

std::map<std::string, std::string> referenceStates(const std::string& rel) {
  std::map<std::string, std::string> out;
  auto ref = reference(rel);  // the loop must not iterate a temporary's member
  for (const auto& c : ref["calls_derived_from_sip"]) {
    out[c["call_id"].is_null() ? "" : c["call_id"].get<std::string>()] =
        c["state"].is_null() ? "null" : c["state"].get<std::string>();
  }
  return out;
}

TEST(CallsCli, JsonStatesEqualTsharkAndLegsAreLinked) {
  const std::string rel = "sipcapture_heplify/sip_tcp_websocket.pcap";
  auto r = run({vs::itest::voipscopeBinary(), "calls", "--json", "--all", (vs::test::corpusDir() / rel).string()});
  ASSERT_EQ(r.exit_code, 0) << r.all;
  EXPECT_EQ(states(r.out), referenceStates(rel));
  auto j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["stats"]["sip"]["messages"], reference(rel)["sip"]["messages"]);
  // The WebSocket leg and the B2BUA's UDP leg: one call, two legs, linked with a reason.
  bool linked = false;
  for (const auto& c : j["calls"]) {
    if (c["legs"].size() == 2) {
      linked = true;
      ASSERT_EQ(c["links"].size(), 1U);
      EXPECT_NE(c["links"][0]["reason"].get<std::string>().find("numbers"), std::string::npos);
    }
  }
  EXPECT_TRUE(linked) << r.out;
}

TEST(CallsCli, GzipAndStdinGiveTheSameCsv) {
  const auto file = (vs::test::corpusDir() / "irontec_sngrep/aaa.pcap").string();
  TempDir dir;
  auto gz = dir.file("aaa.pcap.gz");
  ASSERT_EQ(std::system(("gzip -c " + file + " > " + gz).c_str()), 0);
  auto plain = run({vs::itest::voipscopeBinary(), "calls", "--csv", file});
  auto zipped = run({vs::itest::voipscopeBinary(), "calls", "--csv", gz});
  auto piped = run({"sh", "-c", vs::itest::voipscopeBinary() + " calls --csv - < " + file});
  ASSERT_EQ(plain.exit_code, 0) << plain.all;
  EXPECT_EQ(zipped.exit_code, 0) << zipped.all;
  EXPECT_EQ(plain.out, zipped.out);
  EXPECT_EQ(plain.out, piped.out);
  // One CSV row per INVITE Call-ID of the reference (aaa.pcap: no leg links, so one leg per call).
  auto ref = reference("irontec_sngrep/aaa.pcap");
  long calls = 0;
  for (const auto& c : ref["calls_derived_from_sip"]) calls += c["kind"] == "call" ? 1 : 0;
  EXPECT_EQ(calls, 4);
  EXPECT_EQ(std::count(plain.out.begin(), plain.out.end(), '\n') - 1, calls) << plain.out;
}

// Rows of a `calls` table: the lines between the header and the blank line before the summary.
long tableRows(const std::string& out) {
  long rows = 0;
  std::size_t pos = out.find('\n') + 1;  // past the header
  while (pos < out.size() && out[pos] != '\n') {
    ++rows;
    pos = out.find('\n', pos) + 1;
  }
  return rows;
}

// `voipscope calls [OPTION] CORPUS_FILE`.
vs::itest::RunResult callsOn(const std::string& rel, const std::string& option = {}) {
  std::vector<std::string> args{vs::itest::voipscopeBinary(), "calls"};
  if (!option.empty()) args.push_back(option);
  args.push_back((vs::test::corpusDir() / rel).string());
  return run(args);
}

// An empty table over a capture full of SIP must not read as a capture without SIP: the summary says what
// the table left out and which option shows it. Expected counts come from tshark's reference figures.
TEST(CallsCli, TableSaysWhatItLeavesOutAndHow) {
  // Responses only (no INVITE anywhere), 5 Call-IDs.
  const std::string resp = "seladb_PcapPlusPlus/sip_resp.pcap";
  auto ref = reference(resp);
  ASSERT_EQ(ref["sip"]["requests"], 0);
  const auto ids = ref["sip"]["distinct_call_ids"].get<long>();
  auto plain = callsOn(resp);
  ASSERT_EQ(plain.exit_code, 0) << plain.all;
  EXPECT_EQ(tableRows(plain.out), 0) << plain.out;
  EXPECT_NE(plain.out.find(std::to_string(ids) + " Call-IDs without an INVITE not listed"), std::string::npos)
      << plain.out;
  EXPECT_NE(plain.out.find("--all lists them"), std::string::npos) << plain.out;
  auto all = callsOn(resp, "--all");
  ASSERT_EQ(all.exit_code, 0) << all.all;
  EXPECT_EQ(tableRows(all.out), ids) << all.out;
  EXPECT_EQ(all.out.find("not listed"), std::string::npos) << all.out;

  // RTP and no SIP: the stream is in no call, so the calls table cannot show it; --rtp does.
  const std::string rtp = "asterisk_testsuite/40msalaw.pcap";
  const auto streams = static_cast<long>(reference(rtp)["rtp"]["streams"].size());
  ASSERT_EQ(streams, 1);
  auto t = callsOn(rtp);
  ASSERT_EQ(t.exit_code, 0) << t.all;
  EXPECT_NE(t.out.find("1 RTP stream not tied to a call: --rtp lists every stream"), std::string::npos) << t.out;
  auto r = callsOn(rtp, "--rtp");
  ASSERT_EQ(r.exit_code, 0) << r.all;
  EXPECT_EQ(tableRows(r.out), streams) << r.out;
  EXPECT_EQ(r.out.find("--rtp lists"), std::string::npos) << r.out;

  // A capture whose every Call-ID is a call, without RTP, says nothing more.
  const std::string only_calls = "OISF_suricata-verify/sip_compact_form.pcap";
  const auto only_ref = reference(only_calls);  // kept: a loop over a temporary's member would dangle
  for (const auto& c : only_ref["calls_derived_from_sip"]) ASSERT_EQ(c["kind"], "call");
  ASSERT_TRUE(only_ref["rtp"]["streams"].empty());
  auto calls = callsOn(only_calls);
  ASSERT_EQ(calls.exit_code, 0) << calls.all;
  EXPECT_EQ(tableRows(calls.out), static_cast<long>(only_ref["calls_derived_from_sip"].size()));
  EXPECT_EQ(calls.out.find("not listed"), std::string::npos) << calls.out;
  EXPECT_EQ(calls.out.find("not tied to a call:"), std::string::npos) << calls.out;
}

// The outcome line under the table, on every corpus capture whose calls are one leg each (so that a call is
// a Call-ID of tshark's reference): calls by state, rejections by final status, and the answer-seizure
// ratio, all counted here from tshark's reference states and INVITE final statuses.
TEST(CallsCli, OutcomeLineCountsTsharksStatesAndRejectionCodes) {
  std::size_t compared = 0, with_rejections = 0;
  for (const auto& entry : fs::recursive_directory_iterator(vs::test::corpusDir() / "reference")) {
    const auto& p = entry.path();
    const bool capture_reference = p.string().ends_with(".pcap.json") || p.string().ends_with(".pcapng.json");
    if (!entry.is_regular_file() || !capture_reference) continue;
    const auto rel = fs::relative(p, vs::test::corpusDir() / "reference").string();
    const auto capture = rel.substr(0, rel.size() - 5);
    SCOPED_TRACE(capture);
    auto json = callsOn(capture, "--json");
    ASSERT_TRUE(json.exit_code == 0 || json.exit_code == 1) << json.all;
    bool linked = false;
    const auto doc = nlohmann::json::parse(json.out);  // kept: a loop over a temporary's member would dangle
    for (const auto& c : doc["calls"]) linked = linked || c["legs"].size() > 1;
    if (linked) continue;  // a call of several legs is several of tshark's Call-IDs
    const auto ref = reference(capture);
    std::map<std::string, long> by_state;
    std::map<int, long> rejected;
    long calls = 0;
    for (const auto& c : ref["calls_derived_from_sip"]) {
      if (c["kind"] != "call") continue;
      ++calls;
      const auto state = c["state"].get<std::string>();
      ++by_state[state];
      if (state == "REJECTED") ++rejected[c["invite_final_statuses"].back().get<int>()];
    }
    auto table = callsOn(capture);
    ASSERT_TRUE(table.exit_code == 0 || table.exit_code == 1) << table.all;
    if (calls == 0) {
      EXPECT_FALSE(std::regex_search(table.out, std::regex("\n[0-9]+ calls?: "))) << table.out;
      continue;
    }
    std::string want = std::to_string(calls) + (calls == 1 ? " call:" : " calls:");
    const char* sep = " ";
    for (const char* s : {"COMPLETED", "IN_CALL", "REJECTED", "CANCELLED", "CALL_SETUP"}) {
      if (by_state[s] == 0) continue;
      want += sep + std::string(s) + " " + std::to_string(by_state[s]);
      sep = ", ";
      if (std::string(s) == "REJECTED") {
        std::vector<std::pair<long, int>> codes;  // (-count, status): most first, then by status
        for (auto [code, n] : rejected) codes.emplace_back(-n, code);
        std::sort(codes.begin(), codes.end());
        want += " (";
        for (std::size_t i = 0; i < codes.size(); ++i) {
          want += (i ? ", " : "") + std::to_string(codes[i].second) + " x" + std::to_string(-codes[i].first);
        }
        want += ")";
        ++with_rejections;
      }
    }
    const long answered = by_state["COMPLETED"] + by_state["IN_CALL"];
    want += fmt::format("; answered {} (ASR {:.1f} %)", answered, 100.0 * static_cast<double>(answered) / static_cast<double>(calls));
    // Then the end of the line, or the findings' tallies (checked where each finding is tested).
    const auto at = table.out.find("\n" + want);
    ASSERT_NE(at, std::string::npos) << "want: " << want << "\n" << table.out;
    const char next = table.out[at + 1 + want.size()];
    EXPECT_TRUE(next == '\n' || next == ';') << table.out;
    ++compared;
  }
  EXPECT_GE(compared, 10U);
  EXPECT_GE(with_rejections, 1U);
}

TEST(CallsCli, BadInputIsOneLineAndExitCode) {
  TempDir dir;
  auto text = dir.file("notes.txt");
  vs::itest::writeFile(text, "this is not a capture\n");
  auto r = run({vs::itest::voipscopeBinary(), "calls", text});
  EXPECT_EQ(r.exit_code, 3);
  EXPECT_NE(r.all.find(text + ": not a pcap or pcapng file"), std::string::npos) << r.all;
  auto empty = dir.file("empty.pcap");
  vs::itest::writeFile(empty, "");
  EXPECT_EQ(run({vs::itest::voipscopeBinary(), "calls", empty}).exit_code, 3);
  EXPECT_EQ(run({vs::itest::voipscopeBinary(), "calls", dir.file("missing.pcap")}).exit_code, 3);
  // Truncated: every complete record is analysed, the cut is named with its frame, exit 1 (warnings).
  std::ifstream in(vs::test::corpusDir() / "irontec_sngrep/aaa.pcap", std::ios::binary);
  std::string bytes((std::istreambuf_iterator<char>(in)), {});
  auto cut = dir.file("cut.pcap");
  vs::itest::writeFile(cut, bytes.substr(0, bytes.size() - 10));
  auto t = run({vs::itest::voipscopeBinary(), "calls", cut});
  EXPECT_EQ(t.exit_code, 1) << t.all;
  EXPECT_NE(t.all.find("frame 691: file truncated"), std::string::npos) << t.all;
  // A record length of 2 GB: an error naming the frame, no allocation.
  auto huge = bytes.substr(0, 40);
  std::uint32_t len = 0x7FFFFFFF;
  std::memcpy(huge.data() + 32, &len, 4);
  auto hp = dir.file("huge.pcap");
  vs::itest::writeFile(hp, huge);
  auto h = run({vs::itest::voipscopeBinary(), "calls", hp});
  EXPECT_EQ(h.exit_code, 3);
  EXPECT_NE(h.all.find("frame 1: record length 2147483647 exceeds"), std::string::npos) << h.all;
}

// A pcap (raw IPv4) with one INVITE carrying a 64 kB body, sent over TCP in 100-byte segments with every
// tenth segment retransmitted: one INVITE, counted once, no malformed message.
TEST(CallsCli, LargeBodyInTinyTcpSegments) {
  std::string body(64 * 1024, 'a');
  std::string msg = "INVITE sip:bob@192.0.2.2 SIP/2.0\r\nVia: SIP/2.0/TCP 192.0.2.1;branch=z9hG4bK1\r\n"
                    "From: <sip:alice@192.0.2.1>;tag=1\r\nTo: <sip:bob@192.0.2.2>\r\nCall-ID: big@x\r\n"
                    "CSeq: 1 INVITE\r\nContent-Type: text/plain\r\nContent-Length: " +
                    std::to_string(body.size()) + "\r\n\r\n" + body;
  std::string file;
  auto le32 = [&](std::uint32_t v) { file.append(reinterpret_cast<const char*>(&v), 4); };
  le32(0xa1b2c3d4);
  file += std::string("\x02\x00\x04\x00", 4);
  le32(0); le32(0); le32(65535); le32(101);
  auto be16 = [](std::string& s, std::size_t at, unsigned v) {
    s[at] = static_cast<char>(v >> 8);
    s[at + 1] = static_cast<char>(v & 0xFF);
  };
  std::uint32_t t = 0;
  auto segment = [&](std::size_t off, std::size_t n) {
    std::string pkt(40, '\0');
    pkt[0] = 0x45;
    be16(pkt, 2, static_cast<unsigned>(40 + n));
    pkt[8] = 64; pkt[9] = 6;
    pkt[12] = static_cast<char>(192); pkt[14] = 2; pkt[15] = 1;
    pkt[16] = static_cast<char>(192); pkt[18] = 2; pkt[19] = 2;
    be16(pkt, 20, 40000);
    be16(pkt, 22, 5060);
    auto seq = static_cast<std::uint32_t>(1000 + off);
    be16(pkt, 24, seq >> 16);
    be16(pkt, 26, seq & 0xFFFF);
    pkt[32] = 0x50; pkt[33] = 0x18;
    pkt += msg.substr(off, n);
    le32(++t); le32(0); le32(static_cast<std::uint32_t>(pkt.size())); le32(static_cast<std::uint32_t>(pkt.size()));
    file += pkt;
  };
  for (std::size_t off = 0, i = 0; off < msg.size(); off += 100, ++i) {
    segment(off, std::min<std::size_t>(100, msg.size() - off));
    if (i % 10 == 0) segment(off, std::min<std::size_t>(100, msg.size() - off));
  }
  TempDir dir;
  auto path = dir.file("big.pcap");
  vs::itest::writeFile(path, file);
  auto r = run({vs::itest::voipscopeBinary(), "calls", "--json", path});
  ASSERT_EQ(r.exit_code, 0) << r.all;
  auto j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["stats"]["sip"]["messages"], 1);
  EXPECT_EQ(j["stats"]["sip"]["requests_by_method"]["INVITE"], 1);
  EXPECT_EQ(j["stats"]["malformed"], 0);
  EXPECT_GT(j["stats"]["tcp_retransmitted_bytes"].get<int>(), 0);
}

}  // namespace
