#include "cli/upload_util.h"

#include <fmt/format.h>

#include <algorithm>
#include <cstdio>

#include "cli/common.h"
#include "server/upload.h"
#include "store/outbox.h"

namespace vs::cli {

bool enqueueAndFlush(const Scan& scan, const UploadSettings& s, std::string_view command) {
  auto outbox = store::Outbox::open(s.outbox_dir.empty() ? store::Outbox::defaultDir() : std::filesystem::path(s.outbox_dir));
  if (!outbox) {
    printError(command, "outbox: " + outbox.error().message);
    return false;
  }
  if (auto added = outbox->add(scan); !added) {
    printError(command, "outbox: " + added.error().message);
    return false;
  }
  server::UploadOptions uo{s.url, s.token, std::chrono::milliseconds(15000), s.ca_file, s.insecure};
  auto report = server::flushOutbox(*outbox, uo);
  for (const auto& p : report.problems) printError(command, "outbox: " + p);
  bool mine = false;
  for (const auto& a : report.attempts) {
    if (a.id == scan.id) mine = a.confirmed;
    std::fputs(fmt::format("upload {}: {}\n", a.id, a.detail).c_str(), stderr);
  }
  if (report.remaining > 0) {
    std::fputs(fmt::format("upload: {} scan(s) kept in the outbox {}; they are sent again by the next scan or by "
                           "`voipscope upload --flush`\n",
                           report.remaining, outbox->dir().string())
                   .c_str(),
               stderr);
  }
  return mine;
}

}  // namespace vs::cli
