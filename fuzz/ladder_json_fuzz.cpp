// libFuzzer target for the ladder model JSON (`voipscope flow --model-json`): the reader, then every
// model it accepts through both renderers at a narrow and a wide width, so arbitrary strings from a
// model reach the terminal sanitiser, the HTML escaper and the layout code.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "render/ladder_html.h"
#include "render/ladder_json.h"
#include "render/ladder_text.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace vs::render;
  std::string_view in(reinterpret_cast<const char*>(data), size);
  auto model = ladderModelFromJson(in);
  if (!model.ok()) return 0;
  // Bounded work per input: the renderers are linear, but a huge model would only slow the fuzzer.
  if (model->participants.size() > 64 || model->events.size() + model->streams.size() > 4096) return 0;
  for (int width : {20, 47, 160}) {
    for (bool ascii : {false, true}) (void)renderLadderText(*model, TextLadderOptions{width, true, ascii, true, true});
  }
  (void)renderLadderHtml(*model);
  sortByFirstAppearance(*model);
  (void)markRepeatedAsRetransmissions(*model);
  (void)renderLadderText(*model, TextLadderOptions{});
  return 0;
}
