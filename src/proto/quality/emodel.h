#pragma once
// ITU-T G.107 (06/2015) E-model, narrowband: R = Ro - Is - Id - Ie,eff + A, and R -> MOS-CQE (Annex B).
// Every transmission-planning input has G.107's Table 3 default, so a caller that only knows network
// figures (one-way delay, loss, burstiness, codec) sets those and gets the standard's answer; with all
// defaults R = 93.2, the figure G.107 itself gives for its default values.
// Pure arithmetic: no I/O, no globals.
#include <cstdint>

namespace vs::proto::quality {

struct EModelParams {
  // G.107 Table 3 defaults (dB unless stated).
  double slr = 8, rlr = 2, stmr = 15, lstr = 18;
  double ds = 3, dr = 3;  // D-values of the telephone, send and receive side
  double telr = 65;       // talker echo loudness rating
  double wepl = 110;      // weighted echo path loss
  double nc = -70;        // circuit noise referred to the 0 dBr point, dBm0p
  double nfor = -64;      // noise floor at the receive side, dBmp
  double ps = 35, pr = 35;  // room noise, dB(A)
  double qdu = 1;           // quantising distortion units
  double a = 0;             // advantage factor
  double mT = 100, sT = 1;  // Idd shape (G.107 2011+): no impairment below mT ms

  // The network part. T (talker echo path, one way) and Ta (absolute one-way delay) are both set from the
  // mouth-to-ear one-way delay and Tr = 2 * Ta, the usual assumption for a VoIP path whose echo is
  // cancelled at the far end (G.107 Note to Table 3; ITU-T G.108 Appendix).
  double t = 0, ta = 0, tr = 0;
  double ie = 0;       // equipment impairment of the codec
  double bpl = 1;      // packet-loss robustness of the codec (G.107 default 1; use the codec's value)
  double ppl = 0;      // packet-loss probability in percent
  double burstR = 1;   // 1 = random loss, > 1 bursty (G.107 clause 7.4)

  // Sets t = ta = oneWayMs and tr = 2 * oneWayMs.
  void setOneWayDelay(double oneWayMs);
};

struct EModelResult {
  double no = 0;     // total noise power, dBm0p
  double ro = 0;     // basic signal-to-noise ratio
  double is = 0;     // simultaneous impairment (Iolr + Ist + Iq)
  double idte = 0, idle = 0, idd = 0, id = 0;
  double ieEff = 0;
  double r = 0;
  double mos = 0;
};

EModelResult computeEModel(const EModelParams& p);

// G.107 Annex B (B-4): MOS-CQE from R; 1 below R = 0, 4.5 above R = 100.
double mosFromR(double r);

// The delay impairment alone, G.107 clause 7.3 Idd, with the defaults mT = 100, sT = 1: 0 up to 100 ms.
double delayImpairmentIdd(double taMs, double mT = 100, double sT = 1);

// Ie,eff (G.107 clause 7.4): Ie + (95 - Ie) * Ppl / (Ppl / BurstR + Bpl).
double effectiveEquipmentImpairment(double ie, double bpl, double pplPercent, double burstR);

// ITU-T G.114 one-way delay planning: up to 150 ms acceptable for most applications, 150-400 ms
// acceptable with awareness of the impact on interactivity, above 400 ms unacceptable for general planning.
enum class DelayVerdict : std::uint8_t { kGood, kAcceptable, kBad };
DelayVerdict g114Verdict(double oneWayMs);
const char* delayVerdictName(DelayVerdict v);  // "good", "acceptable", "bad"

}  // namespace vs::proto::quality
