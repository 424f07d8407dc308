// The --save-call writer's bytes read back by our own pcap parser (tshark reads them in
// tests/integration/flow_capture_test.cpp): link type, nanosecond timestamps, lengths, payload.
#include <gtest/gtest.h>

#include <span>
#include <string>

#include "proto/pkt/capture_file.h"
#include "proto/pkt/pcap_writer.h"

namespace {

using namespace vs::proto::pkt;

std::span<const std::byte> bytesOf(const std::string& s) {
  return {reinterpret_cast<const std::byte*>(s.data()), s.size()};  // NOLINT: test bytes
}

TEST(PcapWriter, RecordsReadBackWithNanosecondsAndLengths) {
  std::string file = pcapFileHeader(link::kLinuxSll2);
  ASSERT_EQ(file.size(), 24U);
  const std::string a = "first frame", b(1500, 'x');
  appendPcapRecord(file, 1'700'000'000'123'456'789LL, 0, bytesOf(a));  // orig_len raised to the data
  appendPcapRecord(file, 1'700'000'001'000'000'001LL, 9000, bytesOf(b));
  CaptureParser p;
  std::span<const std::byte> rest = bytesOf(file);
  std::vector<Record> recs;
  std::vector<std::string> data;
  for (int i = 0; i < 10 && !rest.empty(); ++i) {
    auto s = p.next(rest);
    ASSERT_NE(s.status, CaptureParser::Status::kError) << s.error.message;
    if (s.status == CaptureParser::Status::kNeedMore) break;
    if (s.status == CaptureParser::Status::kRecord) {
      recs.push_back(s.record);
      data.emplace_back(reinterpret_cast<const char*>(s.record.data.data()), s.record.data.size());  // NOLINT
    }
    rest = rest.subspan(s.consumed);
  }
  EXPECT_EQ(p.format(), FileFormat::kPcap);
  ASSERT_EQ(recs.size(), 2U);
  EXPECT_EQ(recs[0].link_type, link::kLinuxSll2);
  EXPECT_EQ(recs[0].ts_ns, 1'700'000'000'123'456'789LL);
  EXPECT_EQ(recs[0].orig_len, a.size());
  EXPECT_EQ(data[0], a);
  EXPECT_EQ(recs[1].ts_ns, 1'700'000'001'000'000'001LL);
  EXPECT_EQ(recs[1].orig_len, 9000U);
  EXPECT_EQ(data[1], b);
}

}  // namespace
