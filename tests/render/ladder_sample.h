#pragma once
// A small two-leg call through a B2BUA for the ladder tests: alice -> pbx -> carrier, with one INVITE
// retransmission on the second leg and one RTP stream each way on the first.
#include <string>

#include "render/ladder_model.h"

namespace vs::render::test {

inline std::string sipText(const std::string& first_line, const std::string& call_id, const std::string& from) {
  return first_line + "\r\nVia: SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bK-1\r\nFrom: " + from +
         ";tag=1\r\nTo: <sip:bob@example.com>\r\nCall-ID: " + call_id + "\r\nCSeq: 1 INVITE\r\nContent-Length: 0\r\n\r\n";
}

inline LadderModel sampleCall() {
  LadderModel m;
  m.title = "Call from alice to bob";
  m.participants = {{"10.0.0.1:5060", "alice"}, {"10.0.0.2:5060", "pbx"}, {"203.0.113.5:5060", "carrier"}};
  m.legs = {{0, "leg0@alice", "\"Alice\" <sip:alice@example.com>", "<sip:bob@example.com>", "answered", "", 1.0, "", {}},
            {1, "b2b-1@pbx", "<sip:+4930123@pbx>", "<sip:bob@carrier>", "answered", "B2BUA: X-CID header", 0.9, "", {}}};
  const std::int64_t t0 = 1'700'000'000'000'000;
  auto add = [&](std::int64_t ms, std::size_t src, std::size_t dst, std::string label, int leg, bool retx = false) {
    LadderEvent e;
    e.time_us = t0 + ms * 1000;
    e.src = src;
    e.dst = dst;
    e.leg = leg;
    e.call_id = m.legs[static_cast<std::size_t>(leg)].call_id;
    e.message = sipText(label == "INVITE (SDP)" ? "INVITE sip:bob@example.com SIP/2.0" : "SIP/2.0 " + label,
                        e.call_id, m.legs[static_cast<std::size_t>(leg)].from);
    e.label = std::move(label);
    e.frame = m.events.size() + 1;
    e.transport = "UDP";
    e.retransmission = retx;
    m.events.push_back(std::move(e));
  };
  add(0, 0, 1, "INVITE (SDP)", 0);       // #1
  add(2, 1, 0, "100 Trying", 0);         // #2
  add(5, 1, 2, "INVITE (SDP)", 1);       // #3
  add(505, 1, 2, "INVITE (SDP)", 1, true);  // #4 retransmission after T1
  add(530, 2, 1, "100 Trying", 1);       // #5
  add(1530, 2, 1, "180 Ringing", 1);     // #6
  add(1532, 1, 0, "180 Ringing", 0);     // #7
  add(4000, 2, 1, "200 OK (SDP)", 1);    // #8
  add(4003, 1, 0, "200 OK (SDP)", 0);    // #9
  LadderStream up;
  up.src = 0;
  up.dst = 1;
  up.src_addr = "10.0.0.1:40000";
  up.dst_addr = "10.0.0.2:20000";
  up.ssrc = 0x1A2B3C4D;
  up.codec = "PCMA";
  up.packets = 497;
  up.lost = 3;
  up.jitter_max_ms = 3.25;
  up.jitter_mean_ms = 1.5;
  up.mos = 4.21;
  up.start_us = t0 + 4010 * 1000;
  up.end_us = t0 + 14010 * 1000;
  up.leg = 0;
  LadderStream down = up;
  down.src = 1;
  down.dst = 0;
  std::swap(down.src_addr, down.dst_addr);
  down.ssrc = 0x0BADF00D;
  down.lost = 0;
  down.packets = 500;
  down.mos.reset();
  down.start_us = t0 + 4020 * 1000;
  m.streams = {up, down};
  return m;
}

}  // namespace vs::render::test
