// SlotTable: stable slots in blocks made ahead (possibly on another thread), each block whole 2 MiB pages.
#include <gtest/gtest.h>

#include <cstdint>
#include <string>

#include "analysis/slot_table.h"

namespace {

using vs::analysis::SlotTable;

struct Item {
  std::string name;  // owns heap memory once long: a block that skipped destructors would leak it (ASan)
  int value = 0;
};

TEST(SlotTable, BlocksAreAlignedValueInitialisedAndFreedWithTheirContents) {
  using Table = SlotTable<Item, 1000>;
  static_assert(Table::kBlockBytes % vs::analysis::kSlotBlockBytes == 0);
  static_assert(Table::kBlockBytes >= 1000 * sizeof(Item));
  auto b = Table::makeBlock();
  EXPECT_EQ(reinterpret_cast<std::uintptr_t>(b.get()) % vs::analysis::kSlotBlockBytes, 0U);
  for (std::size_t i = 0; i < 1000; ++i) {
    ASSERT_EQ(b[i].value, 0);
    ASSERT_TRUE(b[i].name.empty());
  }
  b[999].name.assign(100, 'x');
  Table t;
  t.addBlock(std::move(b));
  EXPECT_EQ(t.spareBlocks(), 1U);
  for (int i = 0; i < 2500; ++i) {
    t.emplace_back();
    t[static_cast<std::size_t>(i)].value = i;
  }
  EXPECT_EQ(t.spareBlocks(), 0U) << "the handed-in block was used first";
  EXPECT_EQ(t[999].name, std::string(100, 'x'));
  const Item* first = &t[0];
  for (int i = 0; i < 5000; ++i) t.emplace_back();
  EXPECT_EQ(first, &t[0]) << "slots never move";
  EXPECT_EQ(t[2499].value, 2499);
  EXPECT_EQ(t.size(), 7500U);
  t[7000].name.assign(200, 'y');
}

}  // namespace
