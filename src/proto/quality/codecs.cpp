#include "proto/quality/codecs.h"

#include <array>
#include <cctype>
#include <string>

namespace vs::proto::quality {
namespace {

constexpr std::string_view kG113 = "ITU-T G.113 (11/2007) Appendix I, Tables I.1 (Ie) and I.3 (Bpl)";

// G.711 without concealment: G.113 Appendix I gives Bpl = 4.3 for G.711 with random loss and no PLC,
// and Bpl = 25.1 with the G.711 Appendix I PLC. Probe peers (phones, SBCs) conceal loss, so "pcmu"/"pcma"
// use the PLC value; "g711-noplc" keeps the harsh one for endpoints known to lack it.
//
// G.722 (wideband): the narrowband E-model has no wideband scale (that is G.107.1, R up to 129). We score
// G.722 on the narrowband scale as "at least as good as G.711": Ie = 0 and the G.711-with-PLC Bpl, since
// G.722 Appendix III/IV concealment behaves like G.711 Appendix I's. This underrates its audio bandwidth
// benefit on purpose rather than inventing a number.
//
// Opus: no ITU-T Ie/Bpl values exist. The figures below are voipscope's planning assumptions, stated as
// such: at 24 kbit/s and above Opus is treated like G.711 with PLC (Ie = 0, Bpl = 25.1, consistent with
// its listening-test results near or above G.711 at those rates); at 12 kbit/s like a G.729-class codec
// (Ie = 11, Bpl = 19). Output names the codec so a reader can discount these.
constexpr std::array<CodecImpairment, 9> kCodecs{{
    {"pcmu", "PCMU", 0, 8000, 160, 0, 25.1, kG113},
    {"pcma", "PCMA", 8, 8000, 160, 0, 25.1, kG113},
    {"g711-noplc", "PCMU", 0, 8000, 160, 0, 4.3, kG113},
    {"g729", "G729", 18, 8000, 20, 11, 19.0, kG113},
    {"g723", "G723", 4, 8000, 24, 15, 16.1, kG113},  // 6.3 kbit/s, 30 ms frames; 20 ms size is nominal
    {"g722", "G722", 9, 8000, 160, 0, 25.1, "narrowband mapping of G.722 (voipscope assumption, see codecs.cpp)"},
    {"opus-12", "opus", -1, 48000, 30, 11, 19.0, "voipscope assumption: no ITU-T value for Opus (see codecs.cpp)"},
    {"opus-24", "opus", -1, 48000, 60, 0, 25.1, "voipscope assumption: no ITU-T value for Opus (see codecs.cpp)"},
    {"opus-32", "opus", -1, 48000, 80, 0, 25.1, "voipscope assumption: no ITU-T value for Opus (see codecs.cpp)"},
}};

std::string lower(std::string_view s) {
  std::string out(s);
  for (auto& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

}  // namespace

std::span<const CodecImpairment> knownCodecs() { return kCodecs; }

std::optional<CodecImpairment> findCodec(std::string_view name) {
  auto n = lower(name);
  if (n == "g711u" || n == "g711" || n == "ulaw") n = "pcmu";
  if (n == "g711a" || n == "alaw") n = "pcma";
  if (n == "g729a") n = "g729";
  if (n == "opus") n = "opus-24";
  for (const auto& c : kCodecs) {
    if (c.name == n) return c;
  }
  return std::nullopt;
}

}  // namespace vs::proto::quality
