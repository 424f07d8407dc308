#pragma once
// `rtp probe` results as a human report and as one JSON object (field names documented in
// docs/path-probes.md).
#include <string>

#include "probe/rtp_probe.h"

namespace vs::render {

std::string rtpProbeText(const probe::RtpProbeResult& r);
std::string rtpProbeJson(const probe::RtpProbeResult& r);

}  // namespace vs::render
