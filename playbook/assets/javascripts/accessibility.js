// What Material builds in the browser, made usable with a keyboard and a screen reader (issue 15; checked by
// tests/test_site_a11y.py with axe-core).
//
// A table wider than the page scrolls sideways inside the box Material wraps it in (.md-typeset__scrollwrap, made
// in the browser, so the Markdown can't mark it). Someone without a mouse can only scroll a box they can focus: each
// box that overflows becomes a named region in the Tab order (the arrow keys then scroll it), named after the heading
// the table stands under. Checked again when the window changes size, and after every instant navigation.
var TABLE_WORD = { da: "Tabel", en: "Table" };

function tableName(wrap) {
  var word = TABLE_WORD[document.documentElement.lang] || TABLE_WORD.en;
  var caption = wrap.querySelector("caption");
  if (caption) {
    return word + ": " + caption.textContent.trim();
  }
  for (var node = wrap.previousElementSibling; node; node = node.previousElementSibling) {
    if (/^H[1-6]$/.test(node.tagName)) {
      var heading = node.cloneNode(true);
      heading.querySelectorAll(".headerlink").forEach(function (link) { link.remove(); });
      return word + ": " + heading.textContent.trim();
    }
  }
  var title = document.querySelector("article h1");
  return title ? word + ": " + title.textContent.replace(/¶\s*$/, "").trim() : word;
}

function reachWideTables() {
  document.querySelectorAll(".md-typeset .md-typeset__scrollwrap").forEach(function (wrap) {
    if (wrap.scrollWidth > wrap.clientWidth) {
      wrap.setAttribute("tabindex", "0");
      wrap.setAttribute("role", "region");
      wrap.setAttribute("aria-label", tableName(wrap));
    } else if (wrap.hasAttribute("tabindex")) {
      wrap.removeAttribute("tabindex");
      wrap.removeAttribute("role");
      wrap.removeAttribute("aria-label");
    }
  });
}

// Material puts each code block's copy button in a <nav> of its own: a page with code had several navigation
// landmarks with no name, all alike, and none of them navigation. They become plain containers (the button stays).
function dropCodeBlockLandmarks() {
  document.querySelectorAll("nav.md-code__nav:not([role])").forEach(function (nav) {
    nav.setAttribute("role", "none");
  });
}

document$.subscribe(function () {
  // Material wraps the tables and code blocks while it mounts the page, in the same turn: look once that is done.
  requestAnimationFrame(function () {
    reachWideTables();
    dropCodeBlockLandmarks();
  });
});

var resizing;
window.addEventListener("resize", function () {
  clearTimeout(resizing);
  resizing = setTimeout(reachWideTables, 100);
});
