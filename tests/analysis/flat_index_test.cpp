// FlatIndex (the Call-ID index) and InlineList (a leg's short lists) against the standard containers
// they replace, over random operations with deliberately colliding hashes, growth and backward-shift
// deletion.
#include <gtest/gtest.h>

#include <map>
#include <random>
#include <string>
#include <vector>

#include "analysis/call_tracker.h"
#include "analysis/flat_index.h"
#include "analysis/inline_list.h"

namespace {

using vs::analysis::FlatIndex;
using vs::analysis::InlineList;

TEST(FlatIndex, MatchesAMapOverRandomInsertsAndErasesWithCollidingHashes) {
  std::mt19937_64 rng(7);
  FlatIndex index;
  std::map<std::uint32_t, std::uint64_t> truth;  // slot -> hash
  // Few distinct hashes and hashes equal modulo the table size: long probe runs, wrap-around, and
  // deletions in the middle of runs.
  auto hashOf = [&](std::uint32_t slot) -> std::uint64_t {
    switch (slot % 4) {
      case 0: return 42;                               // one shared hash
      case 1: return 0xFFFF'FFFF'FFFF'FFC0ULL + slot % 3;  // near the end of any table: wraps
      case 2: return std::uint64_t{slot} << 20;        // equal low bits
      default: return rng();                           // spread
    }
  };
  std::uint32_t next_slot = 0;
  for (int step = 0; step < 20000; ++step) {
    bool insert = truth.size() < 50 || (rng() % 3 != 0 && truth.size() < 3000);
    if (insert) {
      auto slot = next_slot++;
      auto h = hashOf(slot);
      index.insert(h, slot);
      truth[slot] = h;
    } else {
      auto it = truth.begin();
      std::advance(it, static_cast<long>(rng() % truth.size()));
      EXPECT_TRUE(index.erase(it->second, it->first));
      EXPECT_FALSE(index.erase(it->second, it->first)) << "erased twice";
      truth.erase(it);
    }
    ASSERT_EQ(index.size(), truth.size());
    if (step % 499 == 0) {
      for (const auto& [slot, h] : truth) {
        auto s = slot;
        auto found = index.find(h, [&](std::uint32_t x) { return x == s; });
        ASSERT_TRUE(found) << "slot " << slot << " lost at step " << step;
        EXPECT_EQ(*found, slot);
      }
      EXPECT_FALSE(index.find(42, [&](std::uint32_t x) { return x == next_slot + 1; }));
    }
  }
}

TEST(FlatIndex, FindAsksTheCallerOnlyAboutEntriesWithTheSameHash) {
  FlatIndex index;
  index.insert(1, 10);
  index.insert(2, 20);
  index.insert(1, 11);
  std::vector<std::uint32_t> asked;
  auto found = index.find(1, [&](std::uint32_t s) {
    asked.push_back(s);
    return s == 11;
  });
  ASSERT_TRUE(found);
  EXPECT_EQ(*found, 11U);
  for (auto s : asked) EXPECT_NE(s, 20U);
}

TEST(InlineList, KeepsOrderAcrossTheInlinePartAndTheHeapAndClears) {
  InlineList<std::string, 2> list;
  for (int i = 0; i < 5; ++i) list.push_back("tag" + std::to_string(i));
  EXPECT_EQ(list.size(), 5U);
  std::vector<std::string> seen;
  list.forEach([&](const std::string& s) { seen.push_back(s); });
  EXPECT_EQ(seen, (std::vector<std::string>{"tag0", "tag1", "tag2", "tag3", "tag4"}));
  auto* third = list.find([](const std::string& s) { return s == "tag3"; });
  ASSERT_NE(third, nullptr);
  *third = "changed";
  EXPECT_NE(list.find([](const std::string& s) { return s == "changed"; }), nullptr);
  EXPECT_EQ(list.find([](const std::string& s) { return s == "tag3"; }), nullptr);
  list.clear();
  EXPECT_TRUE(list.empty());
  EXPECT_EQ(list.size(), 0U);
  EXPECT_EQ(list.find([](const std::string&) { return true; }), nullptr);
  list.push_back("again");
  EXPECT_EQ(list.size(), 1U);
}

// Retransmission fingerprints: ten inline, then a short vector, then a hash set past 64 more (a REGISTER
// refreshed all day). Every stage must answer "new" once per value and "seen" after, across clear().
TEST(FingerprintSet, EachValueIsNewOnceThroughTheInlineVectorAndSetStages) {
  vs::analysis::FingerprintSet set;
  for (int round = 0; round < 2; ++round) {
    for (std::uint64_t n : {3ULL, 10ULL, 11ULL, 74ULL, 75ULL, 300ULL}) {
      set.clear();
      for (std::uint64_t v = 1; v <= n; ++v) ASSERT_TRUE(set.insert(v * 0x9e3779b97f4a7c15ULL)) << n << " " << v;
      for (std::uint64_t v = 1; v <= n; ++v) ASSERT_FALSE(set.insert(v * 0x9e3779b97f4a7c15ULL)) << n << " " << v;
      EXPECT_TRUE(set.insert(0)) << n;
      EXPECT_FALSE(set.insert(0)) << n;
    }
  }
}

}  // namespace
