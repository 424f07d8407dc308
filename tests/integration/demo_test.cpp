// `voipscope demo`: the README's first command must work on a bare machine with nothing configured.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "harness.h"
#include "store/store.h"

namespace vs::itest {
namespace {

TEST(Demo, ScansBuiltInRespondersStoresAndPointsAtTheDashboard) {
  TempDir dir;
  auto r = run({voipscopeBinary(), "demo", "--once", "--listen", "127.0.0.1:0", "--db", dir.file("demo.db")}, 90s);
  // The demo plants exactly one failure (a closed TLS port) so the remediation text is visible.
  EXPECT_EQ(r.exit_code, 2) << r.all;
  for (const char* line : {"[PASS]  sbc.demo.voipscope.test  resolved to 127.0.0.1", "[FAIL]  127.0.0.1:",
                           "Fix: Nothing accepts SIP over TLS", "/udp  200 OK in ", "/tcp  200 OK in ",
                           "[PASS]  http://127.0.0.1:", "Results: 5 pass 1 fail 0 warn 0 skip 0 error",
                           "Dashboard: http://127.0.0.1:"}) {
    EXPECT_NE(r.all.find(line), std::string::npos) << "missing: " << line << "\n" << r.all;
  }
  auto store = store::openSqliteStore(dir.file("demo.db"));
  ASSERT_TRUE(store.ok()) << store.error().message;
  EXPECT_EQ(*(*store)->countScans(), 1);
  auto list = (*store)->listScans({});
  ASSERT_TRUE(list.ok());
  ASSERT_EQ(list->size(), 1u);
  EXPECT_EQ((*list)[0].template_name, "demo");
  EXPECT_EQ((*list)[0].counts.pass, 5);
  EXPECT_EQ((*list)[0].counts.fail, 1);
}

}  // namespace
}  // namespace vs::itest
