#include "render/ladder_json.h"

#include <gtest/gtest.h>

namespace vs::render {
namespace {

TEST(LadderJson, ReadsEveryFieldWithHostStringsOrIndices) {
  auto m = ladderModelFromJson(R"({
    "title": "t",
    "participants": [{"host": "10.0.0.1:5060", "name": "a"}, {"host": "10.0.0.2"}],
    "legs": [{"index": 4, "call_id": "c", "from": "f", "to": "o", "state": "s", "link_reason": "r",
              "link_confidence": 0.5, "end_reason": "Q.850;cause=16"}],
    "events": [{"time": 1700000000.123456, "src": "10.0.0.1:5060", "dst": 1, "label": "INVITE", "leg": 4,
                "call_id": "c", "message": "INVITE sip:x SIP/2.0", "frame": 7, "transport": "TCP",
                "retransmission": true}],
    "streams": [{"src": 1, "dst": "10.0.0.1:5060", "src_addr": "10.0.0.2:4000", "ssrc": 4294967295,
                 "codec": "PCMU", "packets": 10, "lost": 2, "jitter_max_ms": 1.5, "jitter_mean_ms": 0.5,
                 "mos": 3.9, "start": 1700000001, "end": 1700000002.5, "leg": 4}]})");
  ASSERT_TRUE(m.ok()) << m.error().message;
  EXPECT_EQ(m->title, "t");
  ASSERT_EQ(m->participants.size(), 2u);
  EXPECT_EQ(m->participants[1].host, "10.0.0.2");
  EXPECT_EQ(m->participants[1].name, "");
  ASSERT_EQ(m->legs.size(), 1u);
  EXPECT_EQ(m->legs[0].index, 4);
  EXPECT_EQ(m->legs[0].link_reason, "r");
  EXPECT_EQ(m->legs[0].end_reason, "Q.850;cause=16");
  EXPECT_DOUBLE_EQ(m->legs[0].link_confidence, 0.5);
  ASSERT_EQ(m->events.size(), 1u);
  const auto& e = m->events[0];
  EXPECT_EQ(e.time_us, 1'700'000'000'123'456);
  EXPECT_EQ(e.src, 0u);
  EXPECT_EQ(e.dst, 1u);
  EXPECT_EQ(e.frame, 7u);
  EXPECT_EQ(e.transport, "TCP");
  EXPECT_TRUE(e.retransmission);
  ASSERT_EQ(m->streams.size(), 1u);
  const auto& s = m->streams[0];
  EXPECT_EQ(s.src, 1u);
  EXPECT_EQ(s.dst, 0u);
  EXPECT_EQ(s.ssrc, 0xFFFFFFFFu);
  EXPECT_EQ(s.dst_addr, "");
  ASSERT_TRUE(s.mos.has_value());
  EXPECT_DOUBLE_EQ(*s.mos, 3.9);
  EXPECT_EQ(s.end_us - s.start_us, 1'500'000);
}

TEST(LadderJson, MakesUpLegsWhenNoneAreGiven) {
  auto m = ladderModelFromJson(R"({"participants": [{"host": "a"}, {"host": "b"}],
    "events": [{"time": 1, "src": 0, "dst": 1, "label": "INVITE", "leg": 2, "call_id": "x"},
               {"time": 2, "src": 1, "dst": 0, "label": "200 OK", "leg": 2},
               {"time": 3, "src": 0, "dst": 1, "label": "INVITE", "leg": 0}]})");
  ASSERT_TRUE(m.ok()) << m.error().message;
  ASSERT_EQ(m->legs.size(), 2u);
  EXPECT_EQ(m->legs[0].index, 2);
  EXPECT_EQ(m->legs[0].call_id, "x");
  EXPECT_EQ(m->legs[1].index, 0);
}

TEST(LadderJson, ErrorsNameTheField) {
  auto err = [](std::string_view text) {
    auto m = ladderModelFromJson(text);
    return m.ok() ? std::string("ok") : m.error().message;
  };
  EXPECT_EQ(err("{"), "invalid JSON at byte 2");
  EXPECT_EQ(err("[]"), "model: expected a JSON object");
  EXPECT_EQ(err("{}"), "model.participants: missing");
  EXPECT_EQ(err(R"({"participants": {}})"), "participants: expected an array");
  EXPECT_EQ(err(R"({"participants": [{"name": "x"}]})"), "participants[0].host: missing");
  const std::string parts = R"("participants": [{"host": "a"}, {"host": "b"}])";
  EXPECT_EQ(err("{" + parts + R"(, "events": [{"time": 1, "src": "c", "dst": 0, "label": "x"}]})"),
            "events[0].src: no participant with host 'c'");
  EXPECT_EQ(err("{" + parts + R"(, "events": [{"time": 1, "src": 0, "dst": 2, "label": "x"}]})"),
            "events[0].dst: expected a participant index below 2 or a host string");
  EXPECT_EQ(err("{" + parts + R"(, "events": [{"time": "1", "src": 0, "dst": 1, "label": "x"}]})"),
            "events[0].time: expected a number");
  EXPECT_EQ(err("{" + parts + R"(, "events": [{"time": 1e300, "src": 0, "dst": 1, "label": "x"}]})"),
            "events[0].time: 1e+300 s is out of range");
  EXPECT_EQ(err("{" + parts + R"(, "events": [{"time": 1, "src": 0, "dst": 1}]})"), "events[0].label: missing");
  EXPECT_EQ(err("{" + parts + R"(, "events": [{"time": 2, "src": 0, "dst": 1, "label": "x"},
                                              {"time": 1, "src": 0, "dst": 1, "label": "y"}]})"),
            "events[1].time: earlier than the event before it (events must be in time order)");
  EXPECT_EQ(err("{" + parts + R"(, "legs": [{"index": 1}], "events": [{"time": 1, "src": 0, "dst": 1, "label": "x"}]})"),
            "events[0].leg: leg 0 is not in legs");
  EXPECT_EQ(err("{" + parts + R"(, "streams": [{"src": 0, "dst": 1, "start": 1, "ssrc": 4294967296}]})"),
            "streams[0].ssrc: expected an integer from 0 to 4294967295");
  EXPECT_EQ(err("{" + parts + R"(, "streams": [{"src": 0, "dst": 1, "start": 2, "end": 1}]})"),
            "streams[0].end: before its start");
}

}  // namespace
}  // namespace vs::render
