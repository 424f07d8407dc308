// Every capture in the shared corpus against tshark 4.0.17's figures (reference/<folder>/<file>.json):
// capinfos (format, link type, packets), SIP message counts by method and status, distinct Call-IDs, and
// per Call-ID the derived call (kind, state, From/To, tags, frames, counts, INVITE finals, endpoints).
// A difference is allowed only when it is listed in kExceptions with the reason voipscope is right.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "analysis/capture_analyzer.h"
#include "proto/pkt/capture_file.h"

namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using namespace vs::analysis;

fs::path sharedDir() {
  if (const char* e = std::getenv("VOIPSCOPE_SHARED_DIR")) return e;
  return VOIPSCOPE_SHARED_DIR;
}
fs::path corpusDir() { return sharedDir() / "corpus"; }

// Documented differences: (capture, what) -> why voipscope's figure is the right one.
const std::map<std::pair<std::string, std::string>, std::string> kExceptions = {
};

bool excepted(const std::string& file, const std::string& what) {
  return kExceptions.count({file, what}) != 0;
}

std::vector<std::string> corpusFiles() {
  std::vector<std::string> out;
  auto ref = corpusDir() / "reference";
  if (!fs::exists(ref)) return out;
  for (const auto& e : fs::recursive_directory_iterator(ref)) {
    if (e.path().extension() != ".json") continue;
    auto rel = fs::relative(e.path(), ref).string();
    out.push_back(rel.substr(0, rel.size() - 5));
  }
  std::sort(out.begin(), out.end());
  return out;
}

std::string readFile(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

struct Run {
  std::string format;
  std::set<std::string> link_types;
  std::uint64_t packets = 0;
  std::string read_error;
  std::vector<Leg> legs;
  CaptureStats stats;
};

Run analyse(const fs::path& file) {
  Run r;
  auto bytes = readFile(file);
  vs::proto::pkt::CaptureParser parser;
  CaptureAnalyzer an({}, [&](Call&& c) {
    for (auto& l : c.legs) r.legs.push_back(std::move(l));
  });
  std::span<const std::byte> rest(reinterpret_cast<const std::byte*>(bytes.data()), bytes.size());
  while (true) {
    auto step = parser.next(rest);
    using S = vs::proto::pkt::CaptureParser::Status;
    if (step.status == S::kError) {
      r.read_error = step.error.message;
      break;
    }
    if (step.status == S::kNeedMore) {
      if (!rest.empty()) r.read_error = "truncated";
      break;
    }
    if (step.status == S::kRecord) {
      ++r.packets;
      r.link_types.insert(vs::proto::pkt::linkTypeName(step.record.link_type));
      an.addFrame(step.record.link_type, step.record.data, step.record.ts_ns, r.packets);
    }
    rest = rest.subspan(step.consumed);
  }
  an.finish();
  r.format = std::string(vs::proto::pkt::formatName(parser.format()));
  r.stats = an.stats();
  return r;
}

std::string refEndpoint(const Endpoint& e) { return e.ip.toString() + ":" + std::to_string(e.port); }

class Corpus : public ::testing::TestWithParam<std::string> {};

TEST_P(Corpus, MatchesTshark) {
  const std::string name = GetParam();
  auto ref = json::parse(readFile(corpusDir() / "reference" / (name + ".json")));
  auto run = analyse(corpusDir() / name);
  SCOPED_TRACE(name);
  EXPECT_EQ(run.read_error, "");

  // capinfos
  EXPECT_EQ(run.format, ref["capinfos"]["file_type"].get<std::string>());
  EXPECT_EQ(run.packets, ref["capinfos"]["packets"].get<std::uint64_t>());
  std::string encap = ref["capinfos"]["encapsulation"];
  if (!excepted(name, "link_type")) {
    ASSERT_EQ(run.link_types.size(), 1U);
    auto ours = *run.link_types.begin();
    if (ours == "rawip" && (encap == "rawip4" || encap == "rawip6" || encap == "rawip")) ours = encap;
    EXPECT_EQ(ours, encap);
  }

  // SIP message statistics
  const auto& sip = ref["sip"];
  const auto& st = run.stats.sip;
  if (!excepted(name, "sip_counts")) {
    EXPECT_EQ(st.messages, sip["messages"].get<std::uint64_t>());
    std::map<std::string, std::uint64_t> methods(st.requests_by_method.begin(), st.requests_by_method.end());
    EXPECT_EQ(methods, sip["requests_by_method"].get<decltype(methods)>());
    std::map<std::string, std::uint64_t> codes;
    for (auto [c, n] : st.responses_by_status) codes[std::to_string(c)] = n;
    EXPECT_EQ(codes, sip["responses_by_status"].get<decltype(codes)>());
    EXPECT_EQ(st.distinct_call_ids, sip["distinct_call_ids"].get<std::uint64_t>());
  }

  // Per Call-ID
  std::map<std::string, const Leg*> by_id;
  for (const auto& l : run.legs) {
    EXPECT_EQ(by_id.count(l.call_id), 0U) << "Call-ID emitted twice: " << l.call_id;
    by_id[l.call_id] = &l;
  }
  EXPECT_EQ(by_id.size(), ref["calls_derived_from_sip"].size());
  double first_s = static_cast<double>(run.stats.first_ns) / 1e9;
  for (const auto& c : ref["calls_derived_from_sip"]) {
    std::string cid = c["call_id"].is_null() ? "" : c["call_id"].get<std::string>();
    SCOPED_TRACE("Call-ID " + cid);
    auto it = by_id.find(cid);
    ASSERT_NE(it, by_id.end());
    const Leg& l = *it->second;
    if (excepted(name, "call:" + cid)) continue;
    EXPECT_EQ(l.kind, c["kind"].get<std::string>());
    std::string state = l.state ? std::string(callStateName(*l.state)) : "null";
    EXPECT_EQ(state, c["state"].is_null() ? "null" : c["state"].get<std::string>());
    auto str = [](const json& j) { return j.is_null() ? std::string() : j.get<std::string>(); };
    EXPECT_EQ(l.from_user, str(c["from_user"]));
    EXPECT_EQ(l.to_user, str(c["to_user"]));
    EXPECT_EQ(l.from_tag, str(c["from_tag"]));
    EXPECT_EQ(l.to_tags, c["to_tags"].get<std::vector<std::string>>());
    EXPECT_EQ(l.first_frame, c["first_frame"].get<std::uint64_t>());
    EXPECT_EQ(l.last_frame, c["last_frame"].get<std::uint64_t>());
    EXPECT_NEAR(static_cast<double>(l.start_ns) / 1e9 - first_s, c["start_time_rel"].get<double>(), 2e-6);
    EXPECT_NEAR(static_cast<double>(l.end_ns) / 1e9 - first_s, c["end_time_rel"].get<double>(), 2e-6);
    EXPECT_EQ(l.messages, c["messages"].get<std::uint64_t>());
    std::map<std::string, std::uint64_t> methods(l.requests_by_method.begin(), l.requests_by_method.end());
    EXPECT_EQ(methods, c["requests_by_method"].get<decltype(methods)>());
    std::map<std::string, std::uint64_t> codes;
    for (auto [code, n] : l.responses_by_status) codes[std::to_string(code)] = n;
    EXPECT_EQ(codes, c["responses_by_status"].get<decltype(codes)>());
    EXPECT_EQ(l.invite_final_statuses, c["invite_final_statuses"].get<std::vector<int>>());
    std::set<std::string> eps;
    for (const auto& m : l.message_list) {
      eps.insert(refEndpoint(m.src));
      eps.insert(refEndpoint(m.dst));
    }
    EXPECT_EQ(eps, c["endpoints"].get<std::set<std::string>>());
  }
}

INSTANTIATE_TEST_SUITE_P(All, Corpus, ::testing::ValuesIn(corpusFiles()), [](const auto& param_info) {
  std::string n = param_info.param;
  for (auto& ch : n) {
    if (!std::isalnum(static_cast<unsigned char>(ch))) ch = '_';
  }
  return n;
});

TEST(CorpusPresent, HasEveryReference) {
  // The parametrised test would silently run zero cases if the corpus moved.
  EXPECT_GE(corpusFiles().size(), 27U) << corpusDir();
}

}  // namespace
