#include "proto/quality/emodel.h"

#include <algorithm>
#include <cmath>

namespace vs::proto::quality {
namespace {

double pow10(double x) { return std::pow(10.0, x); }

}  // namespace

void EModelParams::setOneWayDelay(double oneWayMs) {
  t = oneWayMs;
  ta = oneWayMs;
  tr = 2 * oneWayMs;
}

double delayImpairmentIdd(double taMs, double mT, double sT) {
  if (taMs <= mT) return 0;
  const double x = std::log10(taMs / mT) / std::log10(2.0);
  const double e = 6 * sT;
  return 25 * (std::pow(1 + std::pow(x, e), 1 / e) - 3 * std::pow(1 + std::pow(x / 3, e), 1 / e) + 2);
}

double effectiveEquipmentImpairment(double ie, double bpl, double pplPercent, double burstR) {
  if (pplPercent <= 0) return ie;
  const double br = burstR < 1 ? 1 : burstR;  // G.107 defines BurstR >= 1 for its loss models
  return ie + (95 - ie) * pplPercent / (pplPercent / br + bpl);
}

double mosFromR(double r) {
  if (r <= 0) return 1;
  if (r >= 100) return 4.5;
  return 1 + 0.035 * r + r * (r - 60) * (100 - r) * 7e-6;
}

DelayVerdict g114Verdict(double oneWayMs) {
  if (oneWayMs < 150) return DelayVerdict::kGood;
  if (oneWayMs <= 400) return DelayVerdict::kAcceptable;
  return DelayVerdict::kBad;
}

const char* delayVerdictName(DelayVerdict v) {
  switch (v) {
    case DelayVerdict::kGood: return "good";
    case DelayVerdict::kAcceptable: return "acceptable";
    case DelayVerdict::kBad: return "bad";
  }
  return "bad";
}

EModelResult computeEModel(const EModelParams& p) {
  EModelResult out;
  // ---- clause 7.1: basic signal-to-noise ratio Ro
  const double olr = p.slr + p.rlr;
  const double nos = p.ps - p.slr - p.ds - 100 + 0.004 * std::pow(p.ps - olr - p.ds - 14, 2);
  const double pre = p.pr + 10 * std::log10(1 + pow10((10 - p.lstr) / 10));
  const double nor = p.rlr - 121 + pre + 0.008 * std::pow(pre - 35, 2);
  const double nfo = p.nfor + p.rlr;
  out.no = 10 * std::log10(pow10(p.nc / 10) + pow10(nos / 10) + pow10(nor / 10) + pow10(nfo / 10));
  out.ro = 15 - 1.5 * (p.slr + out.no);

  // ---- clause 7.2: simultaneous impairment Is = Iolr + Ist + Iq
  const double xolr = olr + 0.2 * (64 + out.no - p.rlr);
  const double iolr = 20 * (std::pow(1 + std::pow(xolr / 8, 8), 1.0 / 8) - xolr / 8);
  const double stmro = -10 * std::log10(pow10(-p.stmr / 10) + std::exp(-p.t / 4) * pow10(-p.telr / 10));
  const double ist = 12 * std::pow(1 + std::pow((stmro - 13) / 6, 8), 1.0 / 8) -
                     28 * std::pow(1 + std::pow((stmro + 1) / 19.4, 35), 1.0 / 35) -
                     13 * std::pow(1 + std::pow((stmro - 3) / 33, 13), 1.0 / 13) + 29;
  const double q = 37 - 15 * std::log10(p.qdu);
  const double g = 1.07 + 0.258 * q + 0.0602 * q * q;
  const double y = (out.ro - 100) / 15 + 46.0 / 8.4 - g / 9;
  const double z = 46.0 / 30 - g / 40;
  const double iq = 15 * std::log10(1 + pow10(y) + pow10(z));
  out.is = iolr + ist + iq;

  // ---- clause 7.3: delay impairment Id = Idte + Idle + Idd
  const double roe = -1.5 * (out.no - p.rlr);
  double terv = p.telr - 40 * std::log10((1 + p.t / 10) / (1 + p.t / 150)) + 6 * std::exp(-0.3 * p.t * p.t);
  if (p.stmr < 9) terv += ist / 2;  // G.107: low sidetone masking makes echo more audible
  const double re = 80 + 2.5 * (terv - 14);
  out.idte = ((roe - re) / 2 + std::sqrt(std::pow(roe - re, 2) / 4 + 100) - 1) * (1 - std::exp(-p.t));
  const double rle = 10.5 * (p.wepl + 7) * std::pow(p.tr + 1, -0.25);
  out.idle = (out.ro - rle) / 2 + std::sqrt(std::pow(out.ro - rle, 2) / 4 + 169);
  out.idd = delayImpairmentIdd(p.ta, p.mT, p.sT);
  out.id = out.idte + out.idle + out.idd;

  // ---- clause 7.4: effective equipment impairment
  out.ieEff = effectiveEquipmentImpairment(p.ie, p.bpl, p.ppl, p.burstR);

  out.r = out.ro - out.is - out.id - out.ieEff + p.a;
  out.mos = mosFromR(out.r);
  return out;
}

}  // namespace vs::proto::quality
