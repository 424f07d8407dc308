#include "web_assets.h"

namespace vs::web {

const Asset* findAsset(std::string_view path) {
  if (path == "/") path = "/index.html";
  for (const Asset& a : detail::assetTable()) {
    if (a.path == path) return &a;
  }
  return nullptr;
}

std::span<const Asset> allAssets() { return detail::assetTable(); }

bool dashboardBuilt() {
#ifdef VOIPSCOPE_WEB_PLACEHOLDER
  return false;
#else
  return true;
#endif
}

}  // namespace vs::web
