#include "cli/app.h"

#include "core/exit_code.h"

namespace vs::cli {
int run(int, char**) { return toInt(ExitCode::kOk); }
}  // namespace vs::cli
