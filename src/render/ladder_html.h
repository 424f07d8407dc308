#pragma once
// HTML ladder: one self-contained file (inline CSS, inline JS, inline SVG; no URL of any kind) that opens
// offline from file://. Hosts are columns, each SIP message an arrow coloured by leg with its label, the
// legend names every leg and why it is linked to the first, RTP streams are thick bands with their
// figures, and hovering or clicking an arrow shows the full message in a side panel (click pins it;
// j/k or the arrow keys step through messages, Escape unpins).
//
// Safety: the SVG is rendered once, here, with every capture string HTML-escaped; the full messages
// travel as JSON inside <script type="application/json"> with <, >, & escaped as \u003c..., and the
// script only ever assigns them to textContent. A Content-Security-Policy with the hashes of our one
// <style> and one <script> (default-src 'none') stops anything injected from running or fetching even
// if an escape were missed.
#include <string>
#include <string_view>

#include "core/result.h"
#include "render/ladder_model.h"

namespace vs::render {

struct HtmlLadderOptions {
  std::string generator = "voipscope";  // shown in the footer
};

// Fails only when validateLadder() does.
Result<std::string> renderLadderHtml(const LadderModel& model, const HtmlLadderOptions& options = {});

// Exposed for tests. Text for an HTML text node or a quoted attribute: & < > " ' escaped, invalid UTF-8
// replaced, control characters (but \n and \t) replaced, zero-width and bidi controls dropped.
std::string escapeHtml(std::string_view text);
// A JSON string literal (with quotes) safe inside a <script> element.
std::string jsonStringForScript(std::string_view text);
// "'sha256-<base64>'" for a CSP source list.
std::string cspHash(std::string_view content);

}  // namespace vs::render
