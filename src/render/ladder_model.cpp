#include "render/ladder_model.h"

#include <fmt/format.h>

#include <algorithm>
#include <cstdlib>
#include <set>
#include <tuple>

namespace vs::render {

namespace {

VoidResult checkParticipant(std::size_t index, std::size_t count, std::string_view where) {
  if (index < count) return Ok{};
  return makeError(fmt::format("{}: participant {} out of range ({} participants)", where, index, count));
}

}  // namespace

VoidResult validateLadder(const LadderModel& model) {
  const std::size_t n = model.participants.size();
  std::set<int> leg_indices;
  for (std::size_t i = 0; i < model.legs.size(); ++i) {
    if (!leg_indices.insert(model.legs[i].index).second) {
      return makeError(fmt::format("legs[{}].index: leg {} listed twice", i, model.legs[i].index));
    }
  }
  for (std::size_t i = 0; i < model.events.size(); ++i) {
    const auto& e = model.events[i];
    if (auto r = checkParticipant(e.src, n, fmt::format("events[{}].src", i)); !r) return r;
    if (auto r = checkParticipant(e.dst, n, fmt::format("events[{}].dst", i)); !r) return r;
    if (!leg_indices.contains(e.leg)) {
      return makeError(fmt::format("events[{}].leg: leg {} is not in legs", i, e.leg));
    }
    if (i > 0 && e.time_us < model.events[i - 1].time_us) {
      return makeError(fmt::format("events[{}].time: earlier than the event before it (events must be in time order)", i));
    }
  }
  for (std::size_t i = 0; i < model.streams.size(); ++i) {
    const auto& s = model.streams[i];
    if (auto r = checkParticipant(s.src, n, fmt::format("streams[{}].src", i)); !r) return r;
    if (auto r = checkParticipant(s.dst, n, fmt::format("streams[{}].dst", i)); !r) return r;
    if (s.leg != -1 && !leg_indices.contains(s.leg)) {
      return makeError(fmt::format("streams[{}].leg: leg {} is not in legs", i, s.leg));
    }
    if (s.end_us < s.start_us) return makeError(fmt::format("streams[{}].end: before its start", i));
  }
  return Ok{};
}

void sortByFirstAppearance(LadderModel& model) {
  const std::size_t n = model.participants.size();
  std::vector<std::size_t> order;  // new position -> old index
  std::vector<bool> placed(n, false);
  auto place = [&](std::size_t old) {
    if (old < n && !placed[old]) {
      placed[old] = true;
      order.push_back(old);
    }
  };
  for (const auto& e : model.events) {
    place(e.src);
    place(e.dst);
  }
  for (const auto& s : model.streams) {
    place(s.src);
    place(s.dst);
  }
  for (std::size_t i = 0; i < n; ++i) place(i);
  std::vector<std::size_t> remap(n);
  std::vector<LadderParticipant> sorted;
  sorted.reserve(n);
  for (std::size_t pos = 0; pos < order.size(); ++pos) {
    remap[order[pos]] = pos;
    sorted.push_back(std::move(model.participants[order[pos]]));
  }
  model.participants = std::move(sorted);
  auto map = [&](std::size_t& i) {
    if (i < n) i = remap[i];
  };
  for (auto& e : model.events) {
    map(e.src);
    map(e.dst);
  }
  for (auto& s : model.streams) {
    map(s.src);
    map(s.dst);
  }
}

std::size_t markRepeatedAsRetransmissions(LadderModel& model) {
  std::set<std::tuple<std::size_t, std::size_t, std::string_view>> seen;
  std::size_t flagged = 0;
  for (auto& e : model.events) {
    if (e.message.empty()) continue;  // nothing to compare
    if (!seen.emplace(e.src, e.dst, std::string_view(e.message)).second && !e.retransmission) {
      e.retransmission = true;
      ++flagged;
    }
  }
  return flagged;
}

int legSlot(const LadderModel& model, int leg_index) {
  for (std::size_t i = 0; i < model.legs.size(); ++i) {
    if (model.legs[i].index == leg_index) return static_cast<int>(i);
  }
  return -1;
}

std::string formatSeconds(std::int64_t us) {
  const char* sign = us < 0 ? "-" : "";
  // Rounded to the millisecond by integer arithmetic: no "-0.000" and no binary-float surprises.
  const std::uint64_t mag = static_cast<std::uint64_t>(us < 0 ? -(us + 1) : us) + (us < 0 ? 1U : 0U);
  const std::uint64_t ms = (mag + 500) / 1000;
  return fmt::format("{}{}.{:03}", ms == 0 ? "" : sign, ms / 1000, ms % 1000);
}

std::string formatOffset(std::int64_t us) {
  std::string s = formatSeconds(us);
  if (s.front() != '-') s.insert(0, "+");
  return s + " s";
}

}  // namespace vs::render
