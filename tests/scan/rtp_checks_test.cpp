// rtp_quality and vps_probe: threshold rules on made-up outcomes, then a real scan through the impairment
// relay whose record is the truth for the loss the check reports.
#include <gtest/gtest.h>

#include <asio/io_context.hpp>
#include <thread>

#include "probe/reflector.h"
#include "proto/reflect/message.h"
#include "proto/rtp/rtp.h"
#include "scan/evaluate.h"
#include "scan/runner.h"
#include "scan/template.h"
#include "support/impair_relay.h"

namespace vs::scan {
namespace {

CheckSpec spec(std::string type, std::map<std::string, ParamValue> params = {}) {
  CheckSpec s;
  s.id = "c1";
  s.type = std::move(type);
  s.params = std::move(params);
  s.remediation = "fix QoS";
  return s;
}

probe::RtpProbeResult goodRun() {
  probe::RtpProbeResult r;
  r.ok = r.reachable = true;
  r.remote = "192.0.2.5:5004";
  r.public_address = "198.51.100.7:40000";
  r.codec = "pcmu";
  r.ptime_ms = 20;
  r.rtt_avg_ms = 40;
  r.rtt_samples = 10;
  for (auto* d : {&r.forward, &r.back}) {
    d->quality.mos = 4.35;
    d->quality.r = 90;
    d->jitter_mean_ms = 2;
    d->dscp_sent = 46;
    d->dscp_received = 46;
  }
  return r;
}

TEST(EvaluateRtpQuality, WorstDirectionAndMosGradedDownwards) {
  auto s = spec("rtp_quality", {{"mos_warn", 4.0}, {"mos_fail", 3.6}, {"loss_fail_pct", 2.0}});
  auto run = goodRun();
  CheckResult r = baseResult(s, "x");
  evaluateRtpQuality(r, s, run);
  EXPECT_EQ(r.status, Status::kPass) << r.message;
  EXPECT_EQ(r.measurement("fwd_mos")->value, 4.35);
  EXPECT_EQ(r.evidence["public_address"], "198.51.100.7:40000");

  run.back.quality.mos = 3.8;  // only the return direction is bad
  r = baseResult(s, "x");
  evaluateRtpQuality(r, s, run);
  EXPECT_EQ(r.status, Status::kWarn);
  EXPECT_NE(r.message.find("return MOS over threshold"), std::string::npos) << r.message;
  EXPECT_EQ(r.remediation, "fix QoS");

  run.back.quality.mos = 3.5;
  r = baseResult(s, "x");
  evaluateRtpQuality(r, s, run);
  EXPECT_EQ(r.status, Status::kFail);

  run = goodRun();
  run.forward.loss_pct = 2.5;
  r = baseResult(s, "x");
  evaluateRtpQuality(r, s, run);
  EXPECT_EQ(r.status, Status::kFail);
  EXPECT_NE(r.message.find("forward loss"), std::string::npos) << r.message;

  run = goodRun();
  run.forward.jitter_mean_ms = 25;  // default jitter_warn_ms 20
  r = baseResult(s, "x");
  evaluateRtpQuality(r, s, run);
  EXPECT_EQ(r.status, Status::kWarn);

  probe::RtpProbeResult down;
  down.detail = "no reply from a reflector at 192.0.2.5:5004 (250 probes sent)";
  r = baseResult(s, "x");
  evaluateRtpQuality(r, s, down);
  EXPECT_EQ(r.status, Status::kFail);
  EXPECT_EQ(r.message, down.detail);
}

TEST(EvaluateVpsProbe, DscpRewriteAndUnexpectedPublicAddressWarn) {
  auto s = spec("vps_probe", {{"dscp", std::int64_t{46}}, {"expect_public_address", std::string("198.51.100.7")}});
  auto run = goodRun();
  CheckResult r = baseResult(s, "x");
  evaluateVpsProbe(r, s, run);
  EXPECT_EQ(r.status, Status::kPass) << r.message;
  EXPECT_EQ(r.evidence["dscp_forward"], "46 kept");

  run.forward.dscp_received = 0;
  run.forward.dscp_mismatches = 10;
  r = baseResult(s, "x");
  evaluateVpsProbe(r, s, run);
  EXPECT_EQ(r.status, Status::kWarn);
  EXPECT_NE(r.message.find("DSCP 46 rewritten on the way out"), std::string::npos) << r.message;

  run = goodRun();
  run.public_address = "203.0.113.9:1234";
  r = baseResult(s, "x");
  evaluateVpsProbe(r, s, run);
  EXPECT_EQ(r.status, Status::kWarn);
  EXPECT_NE(r.message.find("sees us as 203.0.113.9, expected 198.51.100.7"), std::string::npos) << r.message;
}

TEST(RtpChecksLint, InvertedMosThresholdsWarn) {
  auto r = loadTemplateText("template: t\nversion: 1\nchecks:\n  - id: v\n    type: rtp_quality\n"
                            "    targets: \"192.0.2.5\"\n    mos_warn: 3.5\n    mos_fail: 4.0\n"
                            "    codec: g729a\n    remediation: x\n",
                            "t.yaml");
  // g729a is an alias the probe accepts, but the template key takes the canonical names only.
  ASSERT_FALSE(r.errors.empty());
  EXPECT_NE(r.errors[0].message.find("codec"), std::string::npos) << r.errors[0].message;
  auto ok = loadTemplateText("template: t\nversion: 1\nchecks:\n  - id: v\n    type: rtp_quality\n"
                             "    targets: \"192.0.2.5\"\n    mos_warn: 3.5\n    mos_fail: 4.0\n    remediation: x\n",
                             "t.yaml");
  ASSERT_TRUE(ok.tmpl);
  bool warned = false;
  for (const auto& w : ok.warnings) warned |= w.message.find("mos_warn is below mos_fail") != std::string::npos;
  EXPECT_TRUE(warned);
}

struct ReflectorThread {
  ReflectorThread() {
    probe::ReflectorOptions o;
    o.bind_address = "127.0.0.1";
    o.port = 0;
    auto started = probe::Reflector::start(ioc.get_executor(), o);
    EXPECT_TRUE(started.ok());
    if (started.ok()) reflector = std::move(started).value();
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
  std::unique_ptr<probe::Reflector> reflector;
  std::thread thread;
};

TEST(RtpChecksScan, LossReportedByTheCheckIsWhatTheRelayDropped) {
  ReflectorThread refl;
  vs::testing::Impairment fwd;
  fwd.loss_pct = 8;
  vs::testing::ImpairRelay relay({asio::ip::make_address("127.0.0.1"), refl.reflector->port()}, fwd, {}, 42);
  const auto target = "127.0.0.1:" + std::to_string(relay.port());
  auto loaded = loadTemplateText("template: t\nversion: 1\nchecks:\n"
                                 "  - id: voice\n    type: rtp_quality\n    targets: \"" + target + "\"\n"
                                 "    duration_s: 2\n    loss_warn_pct: 1\n    loss_fail_pct: 3\n"
                                 "    remediation: check the path\n"
                                 "  - id: reflector\n    type: vps_probe\n    targets: \"127.0.0.1:" +
                                     std::to_string(refl.reflector->port()) + "\"\n    dscp: 46\n"
                                 "    expect_public_address: 127.0.0.1\n    remediation: start the reflector\n",
                                 "t.yaml");
  ASSERT_TRUE(loaded.tmpl) << (loaded.errors.empty() ? "" : loaded.errors[0].message);
  auto scan = runScan(*loaded.tmpl, {});
  relay.stop();
  ASSERT_TRUE(scan.ok()) << scan.error().message;
  ASSERT_EQ(scan->results.size(), 2U);
  const auto& voice = scan->results[0].check_id == "voice" ? scan->results[0] : scan->results[1];
  const auto& vps = scan->results[0].check_id == "voice" ? scan->results[1] : scan->results[0];

  std::uint64_t sent = 0, dropped = 0;
  for (const auto& rec : relay.records(vs::testing::ImpairRelay::kForward)) {
    auto p = proto::rtp::parseRtp(rec.head);
    if (!p.ok()) continue;
    auto c = proto::reflect::parseCommon(p->payload);
    if (!c.ok() || c->type != proto::reflect::Type::kProbe) continue;
    ++sent;
    dropped += rec.dropped ? 1 : 0;
  }
  ASSERT_EQ(sent, 100U);
  ASSERT_GT(dropped, 3U);  // seeded: the check must fail on loss
  EXPECT_DOUBLE_EQ(voice.measurement("fwd_loss")->value, 100.0 * static_cast<double>(dropped) / 100.0);
  EXPECT_EQ(voice.measurement("ret_loss")->value, 0.0);
  EXPECT_EQ(voice.status, Status::kFail) << voice.message;
  EXPECT_NE(voice.message.find("forward loss"), std::string::npos) << voice.message;

  EXPECT_EQ(vps.status, Status::kPass) << vps.message;
  EXPECT_EQ(vps.measurement("replies")->value, 10.0);
  EXPECT_EQ(vps.evidence.at("dscp_forward"), "46 kept");
}

}  // namespace
}  // namespace vs::scan
