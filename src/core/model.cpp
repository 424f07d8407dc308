#include "core/model.h"

#include <algorithm>

namespace vs {

const Measurement* CheckResult::measurement(std::string_view name) const {
  auto it = std::find_if(measurements.begin(), measurements.end(), [&](const Measurement& m) { return m.name == name; });
  return it == measurements.end() ? nullptr : &*it;
}

StatusCounts Scan::counts() const {
  StatusCounts c;
  for (const auto& r : results) {
    switch (r.status) {
      case Status::kPass: ++c.pass; break;
      case Status::kWarn: ++c.warn; break;
      case Status::kFail: ++c.fail; break;
      case Status::kSkip: ++c.skip; break;
      case Status::kError: ++c.error; break;
    }
  }
  return c;
}

Status Scan::worst() const {
  Status w = Status::kPass;
  for (const auto& r : results) w = std::max(w, r.status);
  return w;
}

}  // namespace vs
