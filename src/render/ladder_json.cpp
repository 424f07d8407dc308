#include "render/ladder_json.h"

#include <fmt/format.h>

#include <cmath>
#include <limits>
#include <nlohmann/json.hpp>
#include <set>

namespace vs::render {

namespace {

using nlohmann::json;

// Collects the first error; every accessor is a no-op after it.
struct Reader {
  std::string error;

  bool failed() const { return !error.empty(); }
  void fail(std::string message) {
    if (error.empty()) error = std::move(message);
  }

  const json* get(const json& obj, const std::string& where, const char* key, bool required) {
    if (failed()) return nullptr;
    auto it = obj.find(key);
    if (it == obj.end() || it->is_null()) {
      if (required) fail(fmt::format("{}.{}: missing", where, key));
      return nullptr;
    }
    return &*it;
  }

  std::string str(const json& obj, const std::string& where, const char* key, bool required = false) {
    const json* v = get(obj, where, key, required);
    if (v == nullptr) return {};
    if (!v->is_string()) {
      fail(fmt::format("{}.{}: expected a string", where, key));
      return {};
    }
    return v->get<std::string>();
  }

  double number(const json& obj, const std::string& where, const char* key, double fallback, bool required = false) {
    const json* v = get(obj, where, key, required);
    if (v == nullptr) return fallback;
    if (!v->is_number() || !std::isfinite(v->get<double>())) {
      fail(fmt::format("{}.{}: expected a number", where, key));
      return fallback;
    }
    return v->get<double>();
  }

  std::uint64_t count(const json& obj, const std::string& where, const char* key, std::uint64_t max) {
    const json* v = get(obj, where, key, false);
    if (v == nullptr) return 0;
    if (!v->is_number_unsigned() || v->get<std::uint64_t>() > max) {
      fail(fmt::format("{}.{}: expected an integer from 0 to {}", where, key, max));
      return 0;
    }
    return v->get<std::uint64_t>();
  }

  int index(const json& obj, const std::string& where, const char* key, int fallback) {
    const json* v = get(obj, where, key, false);
    if (v == nullptr) return fallback;
    if (!v->is_number_integer() || v->get<std::int64_t>() < -1 || v->get<std::int64_t>() > 1'000'000) {
      fail(fmt::format("{}.{}: expected an integer from -1 to 1000000", where, key));
      return fallback;
    }
    return v->get<int>();
  }

  bool flag(const json& obj, const std::string& where, const char* key) {
    const json* v = get(obj, where, key, false);
    if (v == nullptr) return false;
    if (!v->is_boolean()) {
      fail(fmt::format("{}.{}: expected true or false", where, key));
      return false;
    }
    return v->get<bool>();
  }

  // Seconds -> microseconds; bounded so the conversion cannot overflow.
  std::int64_t time(const json& obj, const std::string& where, const char* key, bool required) {
    const double s = number(obj, where, key, 0, required);
    if (std::fabs(s) > 1e11) {
      fail(fmt::format("{}.{}: {} s is out of range", where, key, s));
      return 0;
    }
    return std::llround(s * 1e6);
  }

  std::size_t participant(const json& obj, const std::string& where, const char* key,
                          const std::vector<LadderParticipant>& parts) {
    const json* v = get(obj, where, key, true);
    if (v == nullptr) return 0;
    if (v->is_number_unsigned() && v->get<std::uint64_t>() < parts.size()) return v->get<std::size_t>();
    if (v->is_string()) {
      const auto host = v->get<std::string>();
      for (std::size_t i = 0; i < parts.size(); ++i) {
        if (parts[i].host == host) return i;
      }
      fail(fmt::format("{}.{}: no participant with host '{}'", where, key, host));
      return 0;
    }
    fail(fmt::format("{}.{}: expected a participant index below {} or a host string", where, key, parts.size()));
    return 0;
  }

  const json* array(const json& obj, const char* key, bool required) {
    const json* v = get(obj, "model", key, required);
    if (v != nullptr && !v->is_array()) {
      fail(fmt::format("{}: expected an array", key));
      return nullptr;
    }
    return v;
  }
};

}  // namespace

Result<LadderModel> ladderModelFromJson(std::string_view text) {
  if (text.size() > kMaxLadderJsonBytes) {
    return makeError(fmt::format("ladder model is {} bytes, more than the {} byte limit", text.size(),
                                 kMaxLadderJsonBytes));
  }
  json j = json::parse(text.begin(), text.end(), nullptr, false);
  if (j.is_discarded()) {
    try {
      json again = json::parse(text.begin(), text.end());
      (void)again;
    } catch (const json::parse_error& e) {
      return makeError(fmt::format("invalid JSON at byte {}", e.byte), e.byte);
    }
    return makeError("invalid JSON");
  }
  if (!j.is_object()) return makeError("model: expected a JSON object");
  Reader rd;
  LadderModel m;
  m.title = rd.str(j, "model", "title");
  if (const json* parts = rd.array(j, "participants", true)) {
    for (std::size_t i = 0; i < parts->size() && !rd.failed(); ++i) {
      const json& p = (*parts)[i];
      const std::string where = fmt::format("participants[{}]", i);
      if (!p.is_object()) {
        rd.fail(where + ": expected an object");
        break;
      }
      m.participants.push_back({rd.str(p, where, "host", true), rd.str(p, where, "name")});
    }
  }
  if (const json* legs = rd.array(j, "legs", false)) {
    for (std::size_t i = 0; i < legs->size() && !rd.failed(); ++i) {
      const json& l = (*legs)[i];
      const std::string where = fmt::format("legs[{}]", i);
      if (!l.is_object()) {
        rd.fail(where + ": expected an object");
        break;
      }
      LadderLeg leg;
      leg.index = rd.index(l, where, "index", static_cast<int>(i));
      leg.call_id = rd.str(l, where, "call_id");
      leg.from = rd.str(l, where, "from");
      leg.to = rd.str(l, where, "to");
      leg.state = rd.str(l, where, "state");
      leg.end_reason = rd.str(l, where, "end_reason");
      leg.link_reason = rd.str(l, where, "link_reason");
      leg.link_confidence = rd.number(l, where, "link_confidence", 1.0);
      m.legs.push_back(std::move(leg));
    }
  }
  const bool made_up_legs = m.legs.empty();
  std::set<int> seen_legs;
  if (const json* events = rd.array(j, "events", false)) {
    for (std::size_t i = 0; i < events->size() && !rd.failed(); ++i) {
      const json& o = (*events)[i];
      const std::string where = fmt::format("events[{}]", i);
      if (!o.is_object()) {
        rd.fail(where + ": expected an object");
        break;
      }
      LadderEvent e;
      e.time_us = rd.time(o, where, "time", true);
      e.src = rd.participant(o, where, "src", m.participants);
      e.dst = rd.participant(o, where, "dst", m.participants);
      e.label = rd.str(o, where, "label", true);
      e.leg = rd.index(o, where, "leg", 0);
      e.call_id = rd.str(o, where, "call_id");
      e.message = rd.str(o, where, "message");
      e.frame = rd.count(o, where, "frame", std::numeric_limits<std::uint64_t>::max());
      e.transport = rd.str(o, where, "transport");
      e.retransmission = rd.flag(o, where, "retransmission");
      if (made_up_legs && seen_legs.insert(e.leg).second) m.legs.push_back({e.leg, e.call_id, "", "", "", "", 1.0, "", {}});
      m.events.push_back(std::move(e));
    }
  }
  if (const json* streams = rd.array(j, "streams", false)) {
    for (std::size_t i = 0; i < streams->size() && !rd.failed(); ++i) {
      const json& o = (*streams)[i];
      const std::string where = fmt::format("streams[{}]", i);
      if (!o.is_object()) {
        rd.fail(where + ": expected an object");
        break;
      }
      LadderStream s;
      s.src = rd.participant(o, where, "src", m.participants);
      s.dst = rd.participant(o, where, "dst", m.participants);
      s.src_addr = rd.str(o, where, "src_addr");
      s.dst_addr = rd.str(o, where, "dst_addr");
      s.ssrc = static_cast<std::uint32_t>(rd.count(o, where, "ssrc", 0xFFFFFFFFu));
      s.codec = rd.str(o, where, "codec");
      s.packets = rd.count(o, where, "packets", std::numeric_limits<std::uint32_t>::max());
      s.lost = rd.count(o, where, "lost", std::numeric_limits<std::uint32_t>::max());
      s.jitter_max_ms = rd.number(o, where, "jitter_max_ms", 0);
      s.jitter_mean_ms = rd.number(o, where, "jitter_mean_ms", 0);
      if (o.contains("mos") && !o["mos"].is_null()) s.mos = rd.number(o, where, "mos", 0);
      s.start_us = rd.time(o, where, "start", true);
      s.end_us = rd.time(o, where, "end", false);
      if (!o.contains("end")) s.end_us = s.start_us;
      s.leg = rd.index(o, where, "leg", -1);
      if (made_up_legs && s.leg != -1 && seen_legs.insert(s.leg).second) m.legs.push_back({s.leg, "", "", "", "", "", 1.0, "", {}});
      m.streams.push_back(std::move(s));
    }
  }
  if (rd.failed()) return makeError(rd.error);
  if (auto valid = validateLadder(m); !valid) return valid.error();
  return m;
}

}  // namespace vs::render
